# ANCHOR: all
# A handler for the R runtime that streams its answer: a line at once, a
# second line a second later. Given the event "fail-late" (a JSON string),
# it fails after its first line. stream_text() is the runtime's: each call
# goes to the caller at once. The string returned ("" here) comes last.
handler <- function(event) {
  stream_text("first line\n")
  Sys.sleep(1)
  if (identical(event, '"fail-late"')) stop("the second line could not be made")
  stream_text("second line\n")
  ""
}
# ANCHOR_END: all
