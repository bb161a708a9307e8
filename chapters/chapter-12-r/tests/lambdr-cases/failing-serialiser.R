parity <- function(number) {
  list(parity = if (as.integer(number) %% 2 == 0) "even" else "odd")
}

lambdr::start_lambda(lambdr::lambda_config(serialiser = function(result) stop("the serialiser failed on purpose")))
