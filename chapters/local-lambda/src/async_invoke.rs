//! Asynchronous invocation (`X-Amz-Invocation-Type: Event`): Lambda puts
//! the event in a queue of its own and answers the caller `202` at once;
//! the function runs afterwards, in whichever environment is free, and if
//! it fails (an error, a timeout, a crash) Lambda runs it again with the
//! same request id, twice at most by default, after 1 minute and then 2.
//! Nobody waits for the result: the function's log shows what became of it.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::invocation::Invocation;
use crate::lambda::LocalLambda;

/// Runs `invocation` (whose request id is set) on a thread of its own, and
/// again after each of `retry_delays` while it fails. Returns at once.
pub(crate) fn queue(lambda: Arc<LocalLambda>, invocation: Invocation, retry_delays: Vec<Duration>) {
    let _ = thread::Builder::new()
        .name("async-invocation".to_string())
        .spawn(move || run_with_retries(&lambda, &invocation, &retry_delays));
}

fn run_with_retries(lambda: &LocalLambda, invocation: &Invocation, retry_delays: &[Duration]) {
    let mut waits = retry_delays.iter();
    loop {
        let succeeded = lambda
            .invoke(invocation.clone())
            .is_ok_and(|outcome| outcome.is_success());
        // A refusal (the local Lambda shut down) is not retried either.
        let Some(wait) = waits.next().filter(|_| !succeeded) else {
            return;
        };
        thread::sleep(*wait);
    }
}
