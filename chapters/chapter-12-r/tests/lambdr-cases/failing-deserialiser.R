parity <- function(number) list(parity = "unreachable")

lambdr::start_lambda(lambdr::lambda_config(deserialiser = function(event_text) stop("the deserialiser failed on purpose")))
