# The R side of the R runtime: a worker that loads a handler once and then
# answers events, one at a time, until its stdin closes. Started as
#   Rscript -e <src/lambdr.R, then this file> SCRIPT FUNCTION STYLE
# (the code itself passed in an environment variable: see RUN_WORKER in lib.rs).
# STYLE "lambdr": the event's JSON becomes the handler's arguments, as lambdr
# does it (src/lambdr.R); STYLE "string": the event is one character string,
# and a string answer is sent as it is.
#
# It speaks a small framed protocol over stdin and stdout. Every message is
# a header line, "<kind> <length>", then exactly <length> bytes:
#   worker -> runtime, once:  "ready 0", or "init-error <n>" + an error document
#   runtime -> worker:        "event <n>" (n in ten digits, "event 0000000042")
#                             + the request id, the function's ARN
#                             and the trace id, a line each, then the event
#   worker -> runtime:        "chunk <n>" + a piece of a streamed answer,
#                             any number of times (stream_text() below), then
#                             "ok <n>" + the response, "error <n>" + an error
#                             document, or "timeout 0" when a SIGINT (the
#                             runtime's, at the deadline) stopped the handler
# An error document is the JSON Lambda wants: errorMessage, errorType (the R
# condition's class), stackTrace (the calls from the handler down to the error).
# What the handler prints goes to stderr, the function's log.

# The runtime passed this code in R_RUNTIME_WORKER; the handler need not see it.
Sys.unsetenv("R_RUNTIME_WORKER")
args <- commandArgs(trailingOnly = TRUE)
style <- args[3]
input <- file("stdin", "rb")
# The protocol's own connection to stdout, which the sink below leaves alone.
output <- file("/dev/fd/1", "wb", raw = TRUE)
sink(stderr())

# ANCHOR: frames
reply <- function(kind, payload = raw(0)) {
  writeBin(charToRaw(sprintf("%s %d\n", kind, length(payload))), output)
  writeBin(payload, output)
  flush(output)
}

read_header <- function() {
  # The runtime pads the length to ten digits, so a header is always 17
  # bytes and one read takes it: R reading byte by byte costs more than a
  # small handler's whole answer.
  header <- readBin(input, "raw", 17L)
  if (length(header) < 17L) quit(save = "no", status = 0)
  as.integer(rawToChar(header[7:16]))
}

read_exactly <- function(n) {
  payload <- readBin(input, "raw", n)
  got <- length(payload)
  if (got == n) return(payload)
  # A large event arrives in pieces the pipe's size.
  chunks <- list(payload)
  while (got < n) {
    chunk <- readBin(input, "raw", n - got)
    if (length(chunk) == 0) quit(save = "no", status = 0)
    chunks[[length(chunks) + 1]] <- chunk
    got <- got + length(chunk)
  }
  do.call(c, chunks)
}

read_request <- function() {
  payload <- read_exactly(read_header())
  ends <- which(payload == as.raw(10))[1:3]
  fields <- strsplit(rawToChar(payload[seq_len(ends[3] - 1)]), "\n", fixed = TRUE)[[1]]
  event <- rawToChar(payload[-seq_len(ends[3])])
  # Lambda's events are UTF-8; say so, or R takes the bytes for the locale's.
  Encoding(event) <- "UTF-8"
  list(request_id = fields[1], function_arn = fields[2], trace_id = fields[3], event = event)
}
# ANCHOR_END: frames

# ANCHOR: errors
# Each call from the handler down to the failing one, as one line, with the
# file and line where the handler's own code made it.
describe_call <- function(call) {
  text <- paste(deparse(call, width.cutoff = 120L, nlines = 1L), collapse = "")
  if (nchar(text) > 120) text <- paste0(substr(text, 1, 117), "...")
  source <- attr(call, "srcref")
  if (is.null(source)) return(text)
  sprintf("%s at %s:%d", text, basename(getSrcFilename(source)), source[1])
}

error_document <- function(condition, stack = character()) {
  document <- list(errorMessage = conditionMessage(condition),
                   errorType = class(condition)[1],
                   stackTrace = I(stack))
  charToRaw(enc2utf8(as.character(jsonlite::toJSON(document, auto_unbox = TRUE))))
}

# message() and warning() go to the log at once, each line saying which
# request it belongs to; a warning is not kept for the end of the session.
# With Lambda's JSON log format (AWS_LAMBDA_LOG_FORMAT=JSON) each line is a
# record with Lambda's level name, and none below AWS_LAMBDA_LOG_LEVEL is
# written; a level Lambda does not know counts as INFO, as Lambda counts it.
lambda_levels <- c("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")
json_logs <- toupper(Sys.getenv("AWS_LAMBDA_LOG_FORMAT")) == "JSON"
least_level <- match(toupper(Sys.getenv("AWS_LAMBDA_LOG_LEVEL")), lambda_levels, nomatch = 3L)

log_condition <- function(level, request, condition) {
  text <- sub("\n$", "", conditionMessage(condition))
  if (!json_logs) {
    cat(sprintf("[%s]\t%s\t%s\n", level, request$request_id, text), file = stderr())
    return(invisible())
  }
  level <- c(INFO = "INFO", WARNING = "WARN", ERROR = "ERROR")[[level]]
  if (match(level, lambda_levels) < least_level) return(invisible())
  record <- list(timestamp = format(Sys.time(), "%Y-%m-%dT%H:%M:%OS3Z", tz = "UTC"),
                 level = level, requestId = request$request_id, message = text)
  # One string, so one write: the log is shared with the runtime.
  cat(paste0(jsonlite::toJSON(record, auto_unbox = TRUE), "\n"), file = stderr())
}
# ANCHOR_END: errors

# ANCHOR: stack
# The runtime's own functions: this file's, in the global environment, and
# lambdr's, such as stop_html(), in lambdr.R's. The reader's functions live
# in their handler file's environment, or in a package's.
is_runtime_function <- function(f) {
  is.function(f) && !is.primitive(f) &&
    (identical(environment(f), globalenv()) || identical(environment(f), environment(lambdr_api$stop_html)))
}

# The calls from the reader's first frame (that of `readers`: the handler,
# and the deserialiser or serialiser the configuration names) down to the
# error, taken from inside a calling handler. The trace ends at the reader's own stop() or warning(),
# or at their call into the runtime (`stop_html(...)`), so no frame of the
# runtime's code, or of the machinery R uses to signal, is shown. When the
# error came from R itself (`if (NA)`, an argument that does not match)
# rather than from stop(), the call that failed ends the list. With no
# frame of the reader's on the stack, the error is the runtime's (a body
# that is not JSON), or the handler is a primitive such as `sqrt`, which
# has no frame: then only the handler's failed call is shown.
handler_stack <- function(calls, functions, readers, condition) {
  is_reader <- function(f) any(vapply(readers, identical, TRUE, f))
  first <- Position(is_reader, functions)
  failed <- conditionCall(condition)
  if (is.na(first)) {
    by_the_handler <- !is.null(failed) && identical(failed[[1]], as.name(args[2]))
    return(if (by_the_handler) describe_call(failed) else character())
  }
  signalling <- vapply(calls, function(call) identical(call[[1]], quote(.handleSimpleError)), TRUE)
  last <- if (any(signalling)) which(signalling)[1] - 1 else length(calls) - 1
  frames <- calls[first:last]
  signalled_here <- vapply(frames, function(call) {
    deparse(call[[1]])[1] %in% c("stop", "warning", "base::stop", "base::warning")
  }, TRUE)
  into_runtime <- vapply(functions[first:last], is_runtime_function, TRUE)
  end <- which(signalled_here | into_runtime)[1]
  if (!is.na(end)) return(vapply(frames[seq_len(end)], describe_call, ""))
  if (!is.null(failed)) frames <- c(frames, list(failed))
  vapply(frames, describe_call, "")
}
# ANCHOR_END: stack

# ANCHOR: stream
# For a handler that streams its answer: each call sends its bytes to the
# runtime at once, as a "chunk" message, and the runtime passes them on to
# the caller before the handler is done. What the handler returns comes
# after the last of them. stream_text() takes text (pasted together, as
# cat() does); stream_bytes() takes a raw vector, which can hold what an R
# string cannot, such as the NUL bytes that end a prelude.
stream_bytes <- function(bytes) {
  reply("chunk", bytes)
  invisible(NULL)
}
stream_text <- function(...) stream_bytes(charToRaw(enc2utf8(paste0(...))))
# ANCHOR_END: stream

# jsonlite is loaded now, at init, and used once, so that its cost (and
# that of R compiling its functions on their first call) is in Init
# Duration and not in the first event's time.
invisible(jsonlite::toJSON(jsonlite::fromJSON('{"warm": [1, 2], "up": {"a": "b"}}'), auto_unbox = TRUE))

handler <- tryCatch({
  handler_environment <- load_handler_file(args[1])
  if (!exists(args[2], envir = handler_environment, mode = "function")) {
    message <- sprintf("%s defines no function %s", basename(args[1]), args[2])
    stop(structure(class = c("noSuchHandler", "error", "condition"), list(message = message, call = NULL)))
  }
  get(args[2], envir = handler_environment, mode = "function")
}, error = function(condition) {
  reply("init-error", error_document(condition))
  quit(save = "no", status = 4)
})
config <- if (is.null(lambdr_api$config)) lambdr_api$lambda_config() else lambdr_api$config
pass_context <- accepts_context(handler)


# ANCHOR: call
# The reader's deserialiser and serialiser, called by name from here so
# that a stack trace shows `deserialiser("...")`, not this file's variables.
reader_functions <- new.env(parent = emptyenv())
reader_functions$deserialiser <- config$deserialiser
reader_functions$serialiser <- config$serialiser
call_reader <- function(name, value) do.call(name, list(value), envir = reader_functions)
readers <- Filter(Negate(is.null), list(handler, config$deserialiser, config$serialiser))

# ANCHOR: kind
# Which kind of event this is, decided first, from the raw event, by
# something that cannot fail: the kind decides the form of every outcome,
# so that an error at any later stage (the body's JSON, its base64, a
# deserialiser, the handler, a serialiser) still answers API Gateway with
# a proxy response. The parse is kept for the arguments.
read_event <- function(request) {
  if (style == "string") return(list(type = "string", parsed = request$event))
  parsed <- tryCatch(parse_json_or_empty(request$event), error = function(condition) condition)
  type <- if (inherits(parsed, "error")) "direct" else invocation_type(parsed)
  list(type = type, parsed = parsed)
}

# The handler's arguments: the event unpacked as lambdr unpacks its kind,
# or whatever the configuration's deserialiser makes of the raw event;
# then the context, for a handler that takes one.
arguments_for <- function(request, event) {
  if (event$type == "string") return(list(request$event))
  arguments <- if (!is.null(config$deserialiser)) {
    as_arguments(call_reader("deserialiser", request$event))
  } else if (inherits(event$parsed, "error")) {
    stop(event$parsed)
  } else {
    handler_arguments(event$parsed, event$type, config)
  }
  if (!pass_context) return(arguments)
  if ("context" %in% names(arguments)) stop(context_clash())
  arguments$context <- invocation_context(request)
  arguments
}
# ANCHOR_END: kind

# In the string style a character string is the response as it is, and
# anything else goes out as JSON.
string_response <- function(result) {
  if (is.character(result) && length(result) == 1) return(result)
  jsonlite::toJSON(result, auto_unbox = TRUE, dataframe = "rows", null = "null", na = "null")
}

response_bytes <- function(result, type) {
  response <- if (style == "string") {
    string_response(result)
  } else if (!is.null(config$serialiser)) {
    call_reader("serialiser", result)
  } else {
    serialise_result(result, type)
  }
  if (length(response) == 0) return(raw(0))
  charToRaw(enc2utf8(as.character(response)))
}
# ANCHOR_END: call

# ANCHOR: respond
respond <- function(request) {
  event <- read_event(request)
  stack <- character()
  remember_stack <- function(condition) {
    frames <- seq_len(sys.nframe())
    # Only a description: if it fails, the handler's error still goes out.
    stack <<- tryCatch(handler_stack(sys.calls(), lapply(frames, sys.function), readers, condition),
                       error = function(ignored) character())
  }
  tryCatch(
    withCallingHandlers({
      arguments <- arguments_for(request, event)
      result <- do.call(args[2], arguments, envir = handler_environment)
      list(kind = "ok", payload = response_bytes(result, event$type))
    },
    error = remember_stack,
    # ANCHOR: warnings
    warning = function(condition) {
      # R's option `warn` says what a warning means. At 2 or more it is an
      # error: passed on, R turns it into one. Below 0 it is dropped.
      # Otherwise it goes to the log at once, as at 1: R's default, 0,
      # would keep it until the top-level call ends, which in a runtime's
      # loop is never.
      level <- getOption("warn", 0)
      if (level >= 2) return(invisible())
      if (level >= 0) log_condition("WARNING", request, condition)
      invokeRestart("muffleWarning")
    },
    message = function(condition) {
      log_condition("INFO", request, condition)
      invokeRestart("muffleMessage")
    }),
    # ANCHOR_END: warnings
    error = function(condition) {
      if (behind_api_gateway(event$type)) {
        log_condition("ERROR", request, condition)
        return(list(kind = "ok", payload = charToRaw(enc2utf8(api_gateway_error(condition)))))
      }
      list(kind = "error", payload = error_document(condition, stack))
    })
}
# ANCHOR_END: respond

reply("ready")

# ANCHOR: loop
repeat {
  request <- read_request()
  # As lambdr does, and as Lambda asks: the trace id where X-Ray's SDK looks.
  if (!is.na(request$trace_id)) Sys.setenv("_X_AMZN_TRACE_ID" = request$trace_id)
  # The runtime's SIGINT at the deadline arrives as an interrupt, which no
  # handler's tryCatch(error = ) can swallow.
  outcome <- tryCatch(respond(request),
                      interrupt = function(signal) list(kind = "timeout", payload = raw(0)))
  reply(outcome$kind, outcome$payload)
}
# ANCHOR_END: loop
