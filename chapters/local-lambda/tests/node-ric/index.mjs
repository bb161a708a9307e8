// Handlers for AWS's runtime interface client for Node.js (aws-lambda-ric),
// which tests/node_ric.rs runs on the local Lambda as it is. Each one
// exercises a part of the Runtime API from AWS's own side of it.

// A buffered answer: the event back, with what the context says.
export const echo = async (event, context) => {
  console.log("echo", context.awsRequestId);
  return {
    event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    timeLeft: context.getRemainingTimeInMillis() > 0,
  };
};

// An error before any answer: the client posts it to /error.
export const fails = async () => {
  throw new TypeError("not a number");
};

const pause = (ms) => new Promise((done) => setTimeout(done, ms));

// A streamed answer in two pieces, half a second apart.
export const streams = awslambda.streamifyResponse(async (event, stream) => {
  stream.setContentType("text/plain");
  stream.write("first");
  await pause(500);
  stream.write("second");
  stream.end();
});

// A failure after the first byte: the client can only send it in the
// trailers of the streamed answer.
export const failsLate = awslambda.streamifyResponse(async (event, stream) => {
  stream.write("partial");
  await pause(100);
  throw new RangeError("ran out of pages");
});

// An answer for a Function URL: the client writes the prelude (status,
// headers, cookies), then the body.
export const page = awslambda.streamifyResponse(async (event, stream) => {
  const answer = awslambda.HttpResponseStream.from(stream, {
    statusCode: 201,
    headers: { "x-greeting": "hi" },
    cookies: ["a=1", "b=2"],
  });
  answer.write(`Hello from ${event.rawPath}`);
  answer.end();
});
