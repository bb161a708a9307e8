# shellcheck shell=bash
# ANCHOR: handler
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
# ANCHOR_END: handler

# ANCHOR: page
# An answer for an HTTP caller (a function with
# STREAM_CONTENT_TYPE=application/vnd.awslambda.http-integration-response):
# first the prelude, the status and headers as JSON and then eight NUL
# bytes, which printf writes for each \0; then the body, as it comes.
page() {
  printf '{"statusCode": 200, "headers": {"Content-Type": "text/html"}}\0\0\0\0\0\0\0\0'
  echo "<p>first line</p>"
  sleep 1
  echo "<p>second line</p>"
}
# ANCHOR_END: page
