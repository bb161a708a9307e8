# shellcheck shell=bash
# A handler that answers in two parts, a second apart: the first line at
# once, the second after `sleep 1`. Given the event "fail-late" (a JSON
# string), it fails after its first line, with exit status 3.
handler() {
  echo "first line"
  sleep 1
  if [ "$1" = '"fail-late"' ]; then
    echo "the second line could not be made" >&2
    return 3
  fi
  echo "second line"
}
