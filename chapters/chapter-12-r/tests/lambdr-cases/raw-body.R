# With decode_base64 = FALSE, a base64 body reaches the handler as it came.
echo_body <- function(body) {
  list(body = body)
}

lambdr::start_lambda(lambdr::lambda_config(decode_base64 = FALSE))
