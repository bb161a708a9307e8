#!/bin/bash
# The bootstrap's first line, and the two variables it reads next.
# excerpt of: chapters/bash-original/bootstrap:strict-mode
# ANCHOR: step
set -euo pipefail
# ANCHOR_END: step
# shellcheck disable=SC2154  # Lambda sets these; set -u stops us if it did not
echo "handler: $_HANDLER"
echo "task root: $LAMBDA_TASK_ROOT"
