#!/bin/bash
# What set -e does to the bootstrap: an assignment from $(...) fails with it,
# so a handler that fails ends the whole runtime. Nobody tells Lambda why.
set -e
handler() { echo "half an answer"; return 3; }
RESPONSE=$(handler)
echo "not reached: $RESPONSE"
