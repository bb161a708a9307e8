# ANCHOR: all
# The tutorial's example function. _HANDLER=function.handler means: this
# file, and the shell function below.
# shellcheck shell=bash disable=SC2086,SC2089,SC2090  # the tutorial's unquoted echo, kept for study

# ANCHOR: handler
handler () {
  EVENT_DATA=$1
  # stderr goes to the function's log.
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"
  # stdout is the response. Unquoted, so the shell splits and globs it.
  echo $RESPONSE
}
# ANCHOR_END: handler
# ANCHOR_END: all
