# shellcheck shell=bash
# A handler for the JSON log format: two records for the log, one at
# INFO and one at WARN, each one JSON object on one line. They go to
# stderr with >&2, because stdout is the handler's answer. It fails (exit
# status 3) when its event is the JSON string "fail", and otherwise
# echoes the event, as the tutorial's handler does.
handler() {
  echo '{"level": "INFO", "message": "the handler begins"}' >&2
  echo '{"level": "WARN", "message": "the handler has a warning"}' >&2
  if [ "$1" = '"fail"' ]; then return 3; fi
  echo "echo: $1"
}
