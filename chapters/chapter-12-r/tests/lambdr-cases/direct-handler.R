# The handler given twice: by _HANDLER (direct-handler.from_environment)
# and to lambda_config(). lambdr's documentation says _HANDLER wins; its
# code takes lambda_config()'s.
from_environment <- function() list(chosen = "_HANDLER")
from_config <- function() list(chosen = "lambda_config(handler = )")

lambdr::start_lambda(lambdr::lambda_config(handler = from_config))
