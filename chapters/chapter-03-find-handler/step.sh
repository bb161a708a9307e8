#!/bin/bash
# Init: find the handler's file from _HANDLER and LAMBDA_TASK_ROOT, load it,
# and say what was found. The function name is cut the way the loop cuts it.
# excerpt of: chapters/bash-original/bootstrap:load-handler
# shellcheck disable=SC1090,SC2086  # the tutorial's unquoted words, kept for study
set -euo pipefail

# ANCHOR: step
# Init, once: _HANDLER is "file.function"; load file.sh from the task root.
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"
# ANCHOR_END: step

echo "file: $LAMBDA_TASK_ROOT/$(echo $_HANDLER | cut -d. -f1).sh"
echo "function: $(echo "$_HANDLER" | cut -d. -f2)"
