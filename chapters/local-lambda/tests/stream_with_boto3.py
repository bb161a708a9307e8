"""Calls Lambda's InvokeWithResponseStream at a URL with boto3, AWS's SDK
for Python, as it is, and prints what each call got, as JSON, for
tests/streaming.rs.

    python3 stream_with_boto3.py URL CALLS

CALLS is a JSON list of keyword arguments to boto3's
`invoke_with_response_stream` (Payload as text). Each result has the status,
and each event of the stream in order: its kind, its fields (a chunk's
payload as text), and when it came, in ms after the call began.
"""

import json
import sys
import time

# The same client as the Invoke tests', from the script beside this one.
from invoke_with_boto3 import client


def stream(lambda_client, call):
    started = time.monotonic()
    answer = lambda_client.invoke_with_response_stream(FunctionName="function", **call)
    events = []
    for event in answer["EventStream"]:
        ms = round((time.monotonic() - started) * 1000)
        for kind, fields in event.items():
            if "Payload" in fields:
                fields = {"Payload": fields["Payload"].decode()}
            events.append({"kind": kind, "fields": fields, "ms": ms})
    return {
        "status": answer["StatusCode"],
        "content_type": answer.get("ResponseStreamContentType"),
        "version": answer.get("ExecutedVersion"),
        "events": events,
    }


def main():
    url, calls = sys.argv[1], json.loads(sys.argv[2])
    lambda_client = client(url)
    print(json.dumps([stream(lambda_client, call) for call in calls]))


main()
