#!/bin/bash
# Ask the Runtime API for the next event, as the loop does, and show what
# came back: the dumped headers, then the event.
# excerpt of: chapters/bash-original/bootstrap:next-event
set -euo pipefail

# ANCHOR: step
# A fresh file for this event's response headers (never deleted).
HEADERS="$(mktemp)"
# Long poll: Lambda answers when it has an event for us.
EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")
# ANCHOR_END: step

echo "== headers, as dumped to $HEADERS =="
cat "$HEADERS"
echo "== event =="
printf '%s\n' "$EVENT_DATA"
