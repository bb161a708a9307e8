# The check handler in R, for `local-lambda check` with chapter 12's
# runtime in its string style (`R_HANDLER_STYLE=string`,
# `_HANDLER=check.handler`): the event comes as one character string.

# ANCHOR: handler
handler <- function(event) {
  if (identical(event, '{"check":"fail"}')) stop("failing, as asked")
  if (identical(event, '{"check":"sleep"}')) Sys.sleep(3)
  if (identical(event, '{"check":"log"}')) {
    message("check: a line for the log")
    return("logged")
  }
  event
}
# ANCHOR_END: handler
