# Exercise 1, the handler's half: the tutorial's example function, as
# chapters/bash-original/function.sh has it.
# shellcheck shell=bash disable=SC2086,SC2089,SC2090  # the tutorial's unquoted echo, yours to fix

# ANCHOR: exercise
handler () {
  EVENT_DATA=$1
  # stderr goes to the function's log.
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"
  # stdout is the response. Unquoted, so the shell splits and globs it.
  echo $RESPONSE
}
# ANCHOR_END: exercise
