//! The handler's deadline, on the Rust side alone: bash has no deadline to
//! compare with. Each case builds a context whose deadline lies a given
//! time ahead (or behind) and checks the moment `handler_deadline` gives.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use chapter_10::Context;
use chapter_11::{DEADLINE_MARGIN, handler_deadline};

/// A context whose Lambda deadline is `ahead` ms from now (negative: past).
fn context_with_deadline_in(ahead: i64) -> Context {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as i64;
    Context {
        request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_string(),
        deadline_ms: (now_ms + ahead) as u64,
        invoked_function_arn: "arn:aws:lambda:us-east-1:123456789012:function:step-by-step"
            .to_string(),
        trace_id: None,
        client_context: None,
        cognito_identity: None,
    }
}

/// How far `instant` lies from now, in ms (negative: past).
fn ms_from_now(instant: Instant, now: Instant) -> i64 {
    if instant >= now {
        instant.duration_since(now).as_millis() as i64
    } else {
        -(now.duration_since(instant).as_millis() as i64)
    }
}

/// Where `deadline` lies, in words a failed check can show: `now` when it
/// is between `before` and `after`, otherwise how far from `before`.
fn placed(deadline: Instant, before: Instant, after: Instant) -> String {
    if deadline >= before && deadline <= after {
        "now".to_string()
    } else {
        format!("{} ms from now", ms_from_now(deadline, before))
    }
}

#[test]
fn the_deadline_is_the_margin_before_lambdas() {
    let context = context_with_deadline_in(3_000);
    let (before, deadline) = (Instant::now(), handler_deadline(&context));
    let ahead = ms_from_now(deadline, before);
    let expected = 3_000 - DEADLINE_MARGIN.as_millis() as i64;
    // Lambda's deadline has millisecond steps, and the test itself takes a
    // little time: 20 ms either way counts as on time.
    let on_time = if (ahead - expected).abs() <= 20 {
        expected
    } else {
        ahead
    };
    harness::claim_eq(
        "with 3 s left, the handler is stopped 100 ms before Lambda's deadline (ms from now)",
        on_time,
        expected,
    );
}

#[test]
fn with_less_than_the_margin_left_the_deadline_is_now() {
    for ahead in [50, 0, -2_000] {
        let context = context_with_deadline_in(ahead);
        let before = Instant::now();
        let deadline = std::panic::catch_unwind(|| handler_deadline(&context));
        let after = Instant::now();
        let Ok(deadline) = deadline else {
            panic!("with {ahead} ms left, handler_deadline panicked instead of giving now");
        };
        harness::claim_eq(
            &format!("with {ahead} ms left, the deadline is now: neither past nor later"),
            placed(deadline, before, after),
            "now".to_string(),
        );
    }
}
