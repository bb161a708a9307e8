#!/bin/bash
# What set -e misses: in a function called as a condition, failures are ignored.
set -e
handler() {
  false
  echo "the handler went on after a failure"
}
if handler; then
  echo "and the condition saw success"
fi
