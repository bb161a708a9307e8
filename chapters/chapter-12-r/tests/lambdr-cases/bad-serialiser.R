parity <- function(number) list(parity = "unreachable")

lambdr::start_lambda(lambdr::lambda_config(serialiser = "not a function"))
