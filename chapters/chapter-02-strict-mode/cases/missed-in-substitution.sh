#!/bin/bash
# What set -e misses: inside $(...) a failure does not stop the commands after it.
set -e
answer=$(false; echo "the handler went on after a failure")
echo "answer: $answer"
