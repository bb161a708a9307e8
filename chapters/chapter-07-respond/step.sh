#!/bin/bash
# POST a response for a request id, as the loop does. The response comes on
# stdin, read with $(...) as the loop reads the handler's output.
# Usage: step.sh REQUEST_ID   (with AWS_LAMBDA_RUNTIME_API set)
# excerpt of: chapters/bash-original/bootstrap:respond
set -euo pipefail
REQUEST_ID=$1
RESPONSE=$(cat)

# ANCHOR: step
curl "http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response" -d "$RESPONSE"
# ANCHOR_END: step
