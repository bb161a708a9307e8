# A custom serialiser: the response is its string, whatever the result.
parity <- function(number) {
  list(parity = if (as.integer(number) %% 2 == 0) "even" else "odd")
}

lambdr::start_lambda(lambdr::lambda_config(serialiser = function(result) "written by the serialiser"))
