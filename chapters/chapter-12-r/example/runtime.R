# Handlers written for lambdr, the R runtime people use today, as its README
# and vignettes describe them. With lambdr this file is run as
# `Rscript runtime.R` with _HANDLER=parity; with this chapter's runtime it is
# loaded as it is, with _HANDLER=runtime.parity, and the last line below only
# hands over the configuration.

# {"number": 9} arrives as parity(number = 9).
parity <- function(number) {
  list(parity = if (as.integer(number) %% 2 == 0) "even" else "odd")
}

# A handler that names `context` gets the invocation's context too.
whoami <- function(context) {
  context
}

# A handler behind API Gateway that answers with its own status and headers.
welcome <- function(name = "stranger") {
  lambdr::html_response(
    paste0("<p>Welcome, ", name, "!</p>"),
    status_code = 201L,
    content_type = "text/html",
    headers = list("Cache-Control" = "no-store")
  )
}

# For the log: a message, a warning, and an error several calls deep.
chatty <- function(n) {
  message("counting down from ", n)
  if (n > 2) warning("that is a long way down")
  count_down(n)
}

count_down <- function(n) {
  if (n == 0) stop("reached zero, with nothing left to count")
  count_down(n - 1)
}

# Sleeps, to be stopped at the deadline. `stubborn` swallows the interrupt
# that stops it, as a handler stuck in compiled code would ignore it.
nap <- function(seconds) {
  Sys.sleep(seconds)
  list(slept = seconds)
}

stubborn <- function(seconds) {
  tryCatch(Sys.sleep(seconds), interrupt = function(ignored) Sys.sleep(seconds))
  list(slept = seconds)
}

# Text in, a count out: for big events and text beyond ASCII.
measure <- function(text) {
  list(characters = nchar(text), bytes = nchar(text, type = "bytes"), echo = substr(text, 1, 12))
}

# Kills its own R, as a crash would.
crash <- function(...) {
  tools::pskill(Sys.getpid(), tools::SIGKILL)
}

lambdr::start_lambda()
