# Exercise 12's answer: a handler in lambdr's style. With
# _HANDLER=stats.summarise, the event {"numbers": [1, 2, 3, 4]} arrives as
# summarise(numbers = c(1, 2, 3, 4)).

# ANCHOR: exercise
summarise <- function(numbers) {
  # message() goes to the function's log, tagged [INFO] with the request id.
  message("summarising ", length(numbers), " numbers")
  # An R error is the invocation's error: its message, class and calls go
  # to Lambda (or, behind API Gateway, into a 500 response).
  if (length(numbers) == 0) stop("numbers is empty")
  # jsonlite reads a JSON array of numbers as a numeric vector, but an
  # empty one as an empty list: hence the check above comes first.
  list(count = length(numbers), mean = mean(numbers))
}
# ANCHOR_END: exercise
