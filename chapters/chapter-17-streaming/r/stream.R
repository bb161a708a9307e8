# ANCHOR: all
# Handlers for the R runtime that stream their answers, in the string
# style (R_HANDLER_STYLE=string: the event is the JSON text, and a string
# returned is sent as it is). `handler` writes a line at once and a second
# line a second later; given the event "fail-late" (a JSON string), it
# fails after its first line. stream_text() is the runtime's: each call
# goes to the caller at once. The string returned ("" here) comes last.
handler <- function(event) {
  stream_text("first line\n")
  Sys.sleep(1)
  if (identical(event, '"fail-late"')) stop("the second line could not be made")
  stream_text("second line\n")
  ""
}
# ANCHOR_END: all

# ANCHOR: page
# An answer for an HTTP caller, with STREAM_CONTENT_TYPE set to
# application/vnd.awslambda.http-integration-response: the prelude, the
# status and headers as JSON and eight NUL bytes (a raw vector: an R
# string cannot hold NUL), then the body as it comes.
page <- function(event) {
  prelude <- jsonlite::toJSON(list(statusCode = 200, headers = list(`Content-Type` = "text/html")),
                              auto_unbox = TRUE)
  stream_bytes(c(charToRaw(prelude), as.raw(rep(0, 8))))
  stream_text("<p>first line</p>\n")
  Sys.sleep(1)
  stream_text("<p>second line</p>\n")
  ""
}
# ANCHOR_END: page
