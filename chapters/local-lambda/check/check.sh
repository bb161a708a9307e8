# shellcheck shell=bash
# The check handler in bash, for `local-lambda check` with a runtime that
# runs the tutorial's shell handlers (`_HANDLER=check.handler`). The event
# comes as the first argument, the answer goes to stdout, and anything for
# the log to stderr. What it does is chosen by the event's "check" field.

# ANCHOR: handler
handler() {
  case "$1" in
    '{"check":"fail"}')
      echo "check: failing, as asked" >&2
      return 1 ;;
    '{"check":"sleep"}')
      sleep 3
      printf '%s' "$1" ;;
    '{"check":"log"}')
      echo "check: a line for the log" >&2
      printf 'logged' ;;
    *)
      printf '%s' "$1" ;;
  esac
}
# ANCHOR_END: handler
