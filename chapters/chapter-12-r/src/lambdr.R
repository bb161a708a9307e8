# lambdr's conventions, for the R runtime's worker (src/worker.R, which
# runs after this file). lambdr (CRAN, MIT) is the R runtime people use
# today; a handler written for it runs here unchanged:
#   - the event's JSON becomes the handler's arguments: {"number": 9} calls
#     handler(number = 9);
#   - a handler with a formal argument named `context` also gets the
#     invocation's context, as a named list;
#   - API Gateway (REST, and HTTP with payload 2.0), EventBridge and SNS
#     events are recognised, their arguments taken from where each keeps them,
#     and API Gateway gets its answer (and its errors) as a proxy response;
#   - lambdr's own functions that handlers call, such as html_response(), and
#     lambdr::start_lambda() at the end of a runtime.R, mean here what they
#     mean there. The names are lambdr's; the code is this runtime's own.

# ANCHOR: api
# What `lambdr::` and a `library(lambdr)` give a handler file here.
lambdr_api <- new.env()
# The configuration a handler file passes to start_lambda(), if any.
lambdr_api$config <- NULL

local({
  as_json <- function(x, ...) jsonlite::toJSON(x, auto_unbox = TRUE, null = "null", ...)

  as_stringified_json <- function(x, ...) {
    if (is.null(x)) return(NULL)
    as.character(as_json(x, ...))
  }

  mark_as_already_serialised <- function(x) {
    attr(x, "already_serialised") <- TRUE
    x
  }

  # A proxy response the handler writes itself: its own status, content
  # type and headers; sent as it is, not wrapped again.
  html_response <- function(body, is_base64 = FALSE, status_code = 200L,
                            content_type = NULL, headers = list()) {
    response <- list(body = body, isBase64Encoded = is_base64, statusCode = status_code)
    if (length(headers) != 0 || !is.null(content_type)) {
      if (!("Content-Type" %in% names(headers))) headers[["Content-Type"]] <- content_type
      response[["headers"]] <- headers
    }
    mark_as_already_serialised(as_stringified_json(response))
  }

  # An error whose `code` becomes the status of an API Gateway answer.
  stop_html <- function(..., code = 500L) {
    message <- .makeMessage(..., domain = NULL)
    stop(structure(class = c("html_error", "error", "condition"),
                   list(message = message, code = code, call = sys.call(-1))))
  }

  from_base64 <- function(x) {
    if (is.null(x)) return(NULL)
    rawToChar(jsonlite::base64_dec(x))
  }

  # The handler comes from _HANDLER here, as lambdr's documentation says
  # (its code takes `handler` first), so `handler` is not kept; the rest is
  # checked as lambdr checks it, so a mistake is an init error.
  lambda_config <- function(handler = NULL, runtime_api = NULL, task_root = NULL,
                            deserialiser = NULL, serialiser = NULL,
                            decode_base64 = TRUE, environ = NULL) {
    if (!is.null(deserialiser) && !is.function(deserialiser)) stop("custom deserialiser is not a function")
    if (!is.null(serialiser) && !is.function(serialiser)) stop("custom serialiser is not a function")
    structure(list(deserialiser = deserialiser, serialiser = serialiser,
                   decode_base64 = as.logical(decode_base64)),
              class = "lambda_config")
  }

  # In lambdr this starts the event loop; here the runtime already has one,
  # so it only keeps the configuration, and the file's loading goes on.
  start_lambda <- function(config = lambda_config(), timeout_seconds = NULL) {
    lambdr_api$config <- config
    invisible(NULL)
  }

  for (name in ls()) assign(name, get(name), envir = lambdr_api)
})
# ANCHOR_END: api

# ANCHOR: handler-file
# A handler file is sourced into its own environment, whose parent holds
# lambdr's functions: `html_response(...)` and `lambdr::html_response(...)`
# both find them, and `library(lambdr)` is already done, whether or not the
# lambdr package is installed.
handler_parent <- new.env(parent = globalenv())
for (name in ls(lambdr_api)) assign(name, get(name, envir = lambdr_api), envir = handler_parent)

handler_parent$`::` <- function(pkg, name) {
  pkg <- as.character(substitute(pkg))
  name <- as.character(substitute(name))
  if (pkg != "lambdr") return(getExportedValue(pkg, name))
  if (!exists(name, envir = lambdr_api, inherits = FALSE)) {
    stop("lambdr::", name, " is not one of the lambdr functions this runtime provides")
  }
  get(name, envir = lambdr_api, inherits = FALSE)
}

handler_parent$library <- function(package, ...) {
  if (!missing(package) && identical(as.character(substitute(package)), "lambdr")) return(invisible())
  call <- match.call()
  call[[1]] <- quote(base::library)
  eval.parent(call)
}

handler_parent$require <- function(package, ...) {
  if (!missing(package) && identical(as.character(substitute(package)), "lambdr")) return(invisible(TRUE))
  call <- match.call()
  call[[1]] <- quote(base::require)
  eval.parent(call)
}

load_handler_file <- function(path) {
  environment <- new.env(parent = handler_parent)
  # keep.source: so that a stack trace can say which line of the file failed.
  sys.source(path, envir = environment, keep.source = TRUE)
  environment
}
# ANCHOR_END: handler-file

# ANCHOR: invocation-type
# Which service sent the event, from its shape. lambdr looks for words in
# the raw text ("httpMethod", "routeKey", "source"); the shape is what those
# words stand for, and a direct event that mentions one is not fooled.
invocation_type <- function(event) {
  if (!is.list(event) || is.null(names(event))) return("direct")
  if (!is.null(event[["httpMethod"]])) return("rest_api_gateway")
  if (!is.null(event[["routeKey"]])) return("http_api_gateway")
  if (!is.null(event[["source"]]) && !is.null(event[["detail-type"]])) return("eventbridge")
  records <- event[["Records"]]
  if (is.list(records) && identical(records[["EventSource"]][1], "aws:sns")) return("sns")
  "direct"
}

behind_api_gateway <- function(type) type %in% c("rest_api_gateway", "http_api_gateway")
# ANCHOR_END: invocation-type

# ANCHOR: arguments
parse_json_or_empty <- function(json) {
  if (is.null(json) || identical(json, "")) list() else jsonlite::fromJSON(json)
}

# The body of an API Gateway request is JSON in a string, maybe in base64.
request_body <- function(event, config) {
  body <- event[["body"]]
  if (!isTRUE(event[["isBase64Encoded"]])) return(parse_json_or_empty(body))
  if (isTRUE(config$decode_base64)) return(parse_json_or_empty(lambdr_api$from_base64(body)))
  body
}

query_parameters <- function(event, type) {
  parameters <- event[["queryStringParameters"]]
  if (is.null(parameters)) return(list())
  # Payload 2.0 joins a repeated parameter's values with commas.
  if (type == "http_api_gateway") parameters <- lapply(parameters, function(value) strsplit(value, ",")[[1]])
  parameters
}

sns_message <- function(event) {
  message <- event[["Records"]][["Sns"]][["Message"]]
  if (isTRUE(jsonlite::validate(message))) jsonlite::fromJSON(message) else message
}

# The handler's arguments for one parsed event, as lambdr makes them;
# `type` is what invocation_type() said.
handler_arguments <- function(event, type, config) {
  as_arguments(switch(type,
    rest_api_gateway = ,
    http_api_gateway = c(request_body(event, config), query_parameters(event, type)),
    eventbridge = if (is.null(event[["detail"]])) list() else event[["detail"]],
    sns = sns_message(event),
    event))
}

# do.call() needs a list: a lone value (a number, a string) is the one
# argument. (lambdr passes the value itself, and fails with R's "second
# argument must be a list".)
as_arguments <- function(value) if (is.list(value)) value else list(value)
# ANCHOR_END: arguments

# ANCHOR: context
# What lambdr's handlers get as `context`: the invocation's two headers,
# then the function's settings, which Lambda gives the whole environment.
environment_context <- list(
  function_name = Sys.getenv("AWS_LAMBDA_FUNCTION_NAME"),
  function_version = Sys.getenv("AWS_LAMBDA_FUNCTION_VERSION"),
  memory_limit_in_mb = Sys.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
  log_group_name = Sys.getenv("AWS_LAMBDA_LOG_GROUP_NAME"),
  log_stream_name = Sys.getenv("AWS_LAMBDA_LOG_STREAM_NAME")
)

invocation_context <- function(request) {
  c(list(aws_request_id = request$request_id, invoked_function_arn = request$function_arn),
    environment_context)
}

accepts_context <- function(handler) !is.primitive(handler) && "context" %in% names(formals(handler))

# ANCHOR: context-clash
# An event that brings an argument named `context` to a handler that takes
# the invocation's context: R would refuse the call ("matched by multiple
# actual arguments"), as it does under lambdr. This runtime refuses it too,
# rather than drop one of the two, and says what to rename.
context_clash <- function() {
  simpleError(paste("the event has an argument named \"context\", and the handler's",
                    "\"context\" is the invocation's context: rename one of them"))
}
# ANCHOR_END: context-clash
# ANCHOR_END: context

# ANCHOR: answer
# The response for the handler's result, as lambdr serialises it when the
# configuration names no serialiser of its own.
serialise_result <- function(result, type) {
  if (isTRUE(attr(result, "already_serialised"))) return(result)
  if (!behind_api_gateway(type)) return(lambdr_api$as_stringified_json(result))
  lambdr_api$as_stringified_json(list(
    isBase64Encoded = FALSE,
    statusCode = 200L,
    body = lambdr_api$as_stringified_json(result)
  ))
}

# Behind API Gateway an R error is still an answer: a proxy response with
# the error's status (500 unless stop_html() said otherwise).
api_gateway_error <- function(condition) {
  lambdr_api$as_stringified_json(list(
    statusCode = if (is.null(condition$code)) 500L else condition$code,
    headers = list("Content-Type" = "text/plain", "x-amzn-ErrorType" = class(condition)[1]),
    isBase64Encoded = FALSE,
    body = conditionMessage(condition)
  ))
}
# ANCHOR_END: answer
