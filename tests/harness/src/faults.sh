# shellcheck shell=bash
# One handler for the table of faults: the event chooses what goes wrong.
# Events are JSON, here JSON strings: the quotes are part of the text.
handler() {
  case "$1" in
    '"fail"') echo "failing on purpose" >&2; return 3 ;;
    '"crash"') kill -9 "$BASHPID" ;;
    '"hang"') sleep 30 ;;
    '"huge"') head -c 6291557 /dev/zero | tr '\0' x ;;
    '"quiet"') ;;
    *) printf '%s' "$1" ;;
  esac
}
