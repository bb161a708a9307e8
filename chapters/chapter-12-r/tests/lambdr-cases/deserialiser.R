# A custom deserialiser that ignores the event: every call is parity(number = 0).
parity <- function(number) {
  list(parity = if (as.integer(number) %% 2 == 0) "even" else "odd")
}

fails <- function(number) {
  stop("the handler failed on purpose")
}

lambdr::start_lambda(lambdr::lambda_config(deserialiser = function(event_text) list(number = 0)))
