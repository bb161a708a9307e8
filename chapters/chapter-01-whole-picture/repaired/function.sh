# The tutorial's example function, repaired: exercise 1's answer.
# shellcheck shell=bash

# ANCHOR: exercise
handler () {
  EVENT_DATA=$1
  # stderr goes to the function's log.
  printf '%s\n' "$EVENT_DATA" 1>&2
  RESPONSE="Echoing request: '$EVENT_DATA'"
  # stdout is the response. Quoted, so the shell neither splits nor globs
  # it (chapter 6), and printed by printf, which treats no answer as its
  # own option the way `echo` treats `-n`.
  printf '%s\n' "$RESPONSE"
}
# ANCHOR_END: exercise
