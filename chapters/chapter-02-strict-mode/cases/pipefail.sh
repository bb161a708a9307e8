#!/bin/bash
# set -o pipefail: a pipeline fails if any part of it fails, not only the last.
set -e
grep request-id /no/such/file | tr -d ' '
echo "without pipefail: status $?, tr's, so set -e let the failed grep pass"
set -o pipefail
grep request-id /no/such/file | tr -d ' ' || echo "with pipefail: status $?, grep's"
