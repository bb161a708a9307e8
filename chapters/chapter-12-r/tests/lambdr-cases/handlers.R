library(lambdr)

# Handlers for the cases of lambdr's own test suite, each written here from
# what one of lambdr's tests checks (cases.toml names the test). The same
# file runs under the real lambdr and under this chapter's runtime.

parity <- function(number) {
  list(parity = if (as.integer(number) %% 2 == 0) "even" else "odd")
}

# Takes nothing: any argument the event brings is R's "unused argument".
constant <- function() {
  list(shape = "hexagon", sides = 6L)
}

# Fails unless the runtime passes the invocation's context.
sees_context <- function(context) {
  if (missing(context)) stop("no context was passed")
  list(context_fields = length(context))
}

# One argument from the body, one from the query string, both as text or
# numbers: API Gateway sends query parameters as strings.
sum_of <- function(x, y) {
  list(sum = as.numeric(x) + as.numeric(y))
}

fails <- function() {
  stop("the handler failed on purpose")
}

fails_with_status <- function() {
  stop_html("no page here", code = 404L)
}

fails_with_default_status <- function() {
  stop_html("something went wrong")
}

# Whatever arguments the event brings, named as they came.
received <- function(...) list(...)

# A CloudWatch alarm, delivered by SNS as JSON in the message.
alarm <- function(AlarmName, NewStateValue, Region, ...) {
  list(alarm = AlarmName, state = NewStateValue, region = Region)
}

# An SNS message that is plain text arrives as one argument.
words <- function(text) {
  list(words = length(strsplit(text, " ", fixed = TRUE)[[1]]))
}

# An RDS notification, delivered by EventBridge in `detail`.
backup <- function(Message, SourceIdentifier, ...) {
  list(message = Message, database = SourceIdentifier)
}

nothing <- function() NULL

# What a handler muffles itself stays out of the log.
quiet <- function() {
  suppressWarnings(warning("a muffled warning"))
  suppressMessages(message("a muffled message"))
  message("a message for the log")
  list(quiet = TRUE)
}

# How R values become JSON: NULL, an empty list, a length-one vector, a longer one.
shapes <- function() {
  list(empty = c(), none = list(), one = 1, two = c(1, 2))
}

page_plain <- function() html_response("hello")
page_base64 <- function() html_response("aGVsbG8=", is_base64 = TRUE)
page_header <- function() html_response("hello", headers = list(`X-Served-By` = "R"))
page_typed <- function() html_response("<b>hello</b>", content_type = "text/html")
page_type_kept <- function() {
  html_response("%PDF-1.7", headers = list(`Content-Type` = "application/pdf"), content_type = "text/html")
}

# Not a function: naming it in _HANDLER is an init error.
shapes_table <- data.frame(shape = c("triangle", "square"), sides = c(3L, 4L))

lambdr::start_lambda()
