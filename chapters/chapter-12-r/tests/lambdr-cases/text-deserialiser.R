# A custom deserialiser that gives the handler a string, not a list.
words <- function(text) {
  list(words = length(strsplit(text, " ", fixed = TRUE)[[1]]))
}

lambdr::start_lambda(lambdr::lambda_config(deserialiser = function(event_text) "four words of text"))
