"""Calls Lambda's Invoke API at a URL with boto3, AWS's SDK for Python, as
it is, and prints what each call returned, as JSON, for tests/invoke_api.rs.

    python3 invoke_with_boto3.py URL CALLS [--at-once]

CALLS is a JSON list of keyword arguments to boto3's `invoke` (Payload as
text); each result is the response's fields (the payload as text, the log
decoded) or, for a call Lambda refused, the exception boto3 raised.
With --at-once the calls are made all at once, each on a thread of its own.
"""

import base64
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(url):
    # Credentials of any value: the local Lambda does not check signatures.
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )


def invoke(lambda_client, call):
    started = time.monotonic()
    try:
        answer = lambda_client.invoke(FunctionName="function", **call)
    except ClientError as error:
        return {
            "exception": error.response["Error"]["Code"],
            "message": error.response["Error"]["Message"],
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    result = {
        "status": answer["StatusCode"],
        "payload": answer["Payload"].read().decode(),
        "ms": round((time.monotonic() - started) * 1000),
    }
    for field in ("FunctionError", "ExecutedVersion", "LogResult"):
        if field in answer:
            result[field] = answer[field]
    if "LogResult" in result:
        result["log"] = base64.b64decode(result["LogResult"]).decode()
    return result


def main():
    url, calls = sys.argv[1], json.loads(sys.argv[2])
    lambda_client = client(url)
    if sys.argv[3:] == ["--at-once"]:
        with ThreadPoolExecutor(max_workers=len(calls)) as threads:
            results = list(threads.map(lambda call: invoke(lambda_client, call), calls))
    else:
        results = [invoke(lambda_client, call) for call in calls]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
