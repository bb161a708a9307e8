// The check handler in JavaScript, for `local-lambda check` on AWS's
// Node.js client: what it does is chosen by the event's "check" field
// (see the book's "Grading a runtime").
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

export const handler = async (event) => {
  const check = event !== null && typeof event === "object" ? event.check : undefined;
  if (check === "fail") {
    throw new Error("failing, as asked");
  }
  if (check === "sleep") {
    await pause(3000);
  }
  if (check === "log") {
    console.error("check: a line for the log");
    return "logged";
  }
  return event;
};
