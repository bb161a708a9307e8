# lambdr's way to get the event as it came, and to send an answer as it is:
# the identity function as deserialiser and serialiser.
echo <- function(event) {
  paste0("You sent ", nchar(event, type = "bytes"), " bytes: ", event)
}

lambdr::start_lambda(lambdr::lambda_config(deserialiser = identity, serialiser = identity))
