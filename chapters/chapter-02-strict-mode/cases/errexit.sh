#!/bin/bash
# set -e: a command that fails, unchecked, ends the script.
set -e
echo "before"
false
echo "not reached"
