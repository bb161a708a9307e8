# An example R handler, for _HANDLER=function.handler. The event arrives as
# one character string; a string answer is sent as it is, anything else as JSON.
handler <- function(event) {
  request <- tryCatch(jsonlite::fromJSON(event), error = function(e) NULL)
  if (is.list(request) && !is.null(request$name)) {
    return(list(greeting = paste0("Hello, ", request$name, "!"), letters = nchar(request$name)))
  }
  if (is.list(request) && isTRUE(request$table)) {
    return(data.frame(x = 1:3, letter = c("a", "b", "c")))
  }
  if (is.list(request) && !is.null(request$fail)) stop("asked to fail: ", request$fail)
  if (is.list(request) && isTRUE(request$die)) tools::pskill(Sys.getpid(), tools::SIGKILL)
  message("handling an event of ", nchar(event, type = "bytes"), " bytes")
  paste0("Echoing request: '", event, "'")
}
