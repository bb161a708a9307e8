# The R side of the R runtime: a worker that loads a handler once and then
# answers events, one at a time, until its stdin closes. Started as
#   Rscript -e <this file> SCRIPT FUNCTION
# It speaks a small framed protocol over stdin and stdout. Every message is
# a header line, "<kind> <length>", then exactly <length> bytes:
#   worker -> runtime, once:   "ready 0", or "init-error <n>" + "<class>\n<message>"
#   runtime -> worker:         "event <n>" + the event
#   worker -> runtime:         "ok <n>" + the response, or "error <n>" + "<class>\n<message>"
# Whatever the handler prints goes to stderr: the function's log.

args <- commandArgs(trailingOnly = TRUE)
input <- file("stdin", "rb")
# The protocol's own connection to stdout, which the sink below leaves alone.
output <- file("/dev/fd/1", "wb", raw = TRUE)
sink(stderr())

reply <- function(kind, payload = raw(0)) {
  writeBin(charToRaw(sprintf("%s %d\n", kind, length(payload))), output)
  writeBin(payload, output)
  flush(output)
}

failure <- function(condition) {
  charToRaw(paste0(class(condition)[1], "\n", conditionMessage(condition)))
}

read_header <- function() {
  line <- raw(0)
  repeat {
    byte <- readBin(input, "raw", 1)
    if (length(byte) == 0) quit(save = "no", status = 0)
    if (byte == as.raw(10)) break
    line <- c(line, byte)
  }
  as.integer(sub("^event ", "", rawToChar(line)))
}

read_exactly <- function(n) {
  chunks <- list()
  got <- 0
  while (got < n) {
    chunk <- readBin(input, "raw", n - got)
    if (length(chunk) == 0) quit(save = "no", status = 0)
    chunks[[length(chunks) + 1]] <- chunk
    got <- got + length(chunk)
  }
  do.call(c, c(list(raw(0)), chunks))
}

# A character string is the response as it is; anything else goes out as JSON.
as_response <- function(result) {
  if (is.character(result) && length(result) == 1) return(charToRaw(enc2utf8(result)))
  json <- jsonlite::toJSON(result, auto_unbox = TRUE, dataframe = "rows", null = "null", na = "null")
  charToRaw(as.character(json))
}

handler <- tryCatch({
  source(args[1])
  if (!exists(args[2], mode = "function")) {
    message <- sprintf("%s defines no function %s", basename(args[1]), args[2])
    stop(structure(class = c("noSuchHandler", "error", "condition"), list(message = message, call = NULL)))
  }
  get(args[2], mode = "function")
}, error = function(condition) {
  reply("init-error", failure(condition))
  quit(save = "no", status = 4)
})
reply("ready")

repeat {
  event <- rawToChar(read_exactly(read_header()))
  # Lambda's events are UTF-8; say so, or R takes the bytes for the locale's.
  Encoding(event) <- "UTF-8"
  outcome <- tryCatch(list(ok = TRUE, response = as_response(handler(event))),
                      error = function(condition) list(ok = FALSE, failure = failure(condition)))
  if (outcome$ok) reply("ok", outcome$response) else reply("error", outcome$failure)
}
