#!/bin/bash
# Scrape the request id out of a header dump (the file curl -D wrote), as
# the loop does, and print it in brackets so stray whitespace would show.
# Usage: step.sh HEADER-DUMP
# excerpt of: chapters/bash-original/bootstrap:request-id
set -euo pipefail
HEADERS=$1

# ANCHOR: step
REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
# ANCHOR_END: step

echo "request id: [$REQUEST_ID]"
