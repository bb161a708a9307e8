"""The check handler in Python, for `local-lambda check`: what it does is
chosen by the event's "check" field (see the book's "Your own runtime")."""

import sys
import time


# ANCHOR: handler
def handler(event, context):
    check = event.get("check") if isinstance(event, dict) else None
    if check == "fail":
        raise RuntimeError("failing, as asked")
    if check == "sleep":
        time.sleep(3)
    if check == "log":
        print("check: a line for the log", file=sys.stderr)
        return "logged"
    return event
# ANCHOR_END: handler
