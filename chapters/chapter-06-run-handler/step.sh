#!/bin/bash
# Run the handler on one event, as the loop does, and print its response
# exactly. The event comes on stdin, read with $(...) as the loop reads
# curl's output. Needs _HANDLER and LAMBDA_TASK_ROOT, like the bootstrap.
# excerpt of: chapters/bash-original/bootstrap:run-handler
# shellcheck disable=SC1090,SC2086  # the tutorial's unquoted words, kept for study
set -euo pipefail
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"
EVENT_DATA=$(cat)

# ANCHOR: step
# Call the function named after the dot, the event as its one argument.
RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")
# ANCHOR_END: step

printf '%s' "$RESPONSE"
