# shellcheck shell=bash
# A handler that fails, crashes or stays quiet when its event asks it to.
# The event is JSON, here a JSON string: its quotes are part of the text.
handler() {
  case "$1" in
    '"fail"') echo "asked to fail" >&2; return 3 ;;
    '"crash"') kill -9 "$BASHPID" ;;
    '"quiet"') ;;
    *) echo "ok: $1" ;;
  esac
}
