#!/bin/bash
# set -u: using a variable that was never set ends the script, and says which.
set -u
echo "before"
echo "handler: $_HANDLER"
echo "not reached"
