# R's option warn = 2 makes every warning an error.
options(warn = 2)

warns <- function() {
  warning("a warning, which warn = 2 makes an error")
  list(finished = TRUE)
}

lambdr::start_lambda()
