# shellcheck shell=bash
# A handler that answers with the context it was given. The defaults keep
# it working under set -u, where the bash original runs it.
handler() {
  echo "trace: ${_X_AMZN_TRACE_ID:-(none)}"
  echo "request id: ${LAMBDA_RUNTIME_AWS_REQUEST_ID:-(none)}"
  echo "function: ${LAMBDA_RUNTIME_INVOKED_FUNCTION_ARN:-(none)}"
  echo "deadline: ${LAMBDA_RUNTIME_DEADLINE_MS:+set}"
  echo "client context: ${LAMBDA_RUNTIME_CLIENT_CONTEXT:-(none)}"
  echo "cognito identity: ${LAMBDA_RUNTIME_COGNITO_IDENTITY:-(none)}"
}
