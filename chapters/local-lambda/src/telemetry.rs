//! Telemetry: what Lambda tells the extensions that subscribed through the
//! Telemetry API (`telemetry_api.rs`) about one execution environment: its
//! own `platform.*` records (Init's start and end, each invocation's
//! start, the runtime's answer, the report) and the function's log lines,
//! in batches POSTed as JSON arrays to each subscriber's own HTTP server.
//! A subscriber's batch goes when it holds `maxItems` records or
//! `maxBytes`, or `timeoutMs` after its first record, whichever is first.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::lock;
use crate::report;

/// The kinds of record a subscriber can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Types {
    pub platform: bool,
    pub function: bool,
    pub extension: bool,
}

/// How a subscriber wants its records batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Buffering {
    pub max_items: usize,
    pub max_bytes: usize,
    pub timeout: Duration,
}

impl Default for Buffering {
    /// Lambda's defaults: 10,000 records, 256 KiB, 1 s.
    fn default() -> Buffering {
        Buffering {
            max_items: 10_000,
            max_bytes: 256 * 1024,
            timeout: Duration::from_secs(1),
        }
    }
}

/// One subscription: where to send which records, and how batched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Subscription {
    /// The subscriber's HTTP address, with `sandbox.localdomain` (the
    /// environment's own host name on Lambda) made this machine's.
    pub uri: String,
    pub types: Types,
    pub buffering: Buffering,
}

struct Subscriber {
    types: Types,
    records: Sender<Message>,
}

/// What a subscriber's delivery thread is sent.
enum Message {
    Record(Value),
    /// Send what is held now, then say so on the channel given.
    Flush(Sender<()>),
}

/// The environment's telemetry: its subscribers, and the records of Init
/// kept for those who subscribe during it (Lambda sends a subscriber what
/// happened since Init began).
#[derive(Default)]
pub(crate) struct Telemetry {
    subscribers: Mutex<Vec<Subscriber>>,
    since_init: Mutex<Option<Vec<Value>>>,
}

impl Telemetry {
    /// Telemetry for an environment whose Init begins now.
    pub(crate) fn new() -> Telemetry {
        Telemetry {
            subscribers: Mutex::new(Vec::new()),
            since_init: Mutex::new(Some(Vec::new())),
        }
    }

    /// Adds `subscription`, with a thread of its own that delivers its
    /// batches, and hands it the platform records since Init began.
    pub(crate) fn subscribe(&self, subscription: Subscription) {
        let (records, receiver) = mpsc::channel();
        if subscription.types.platform {
            for record in lock(&self.since_init).iter().flatten() {
                let _ = records.send(Message::Record(record.clone()));
            }
        }
        let types = subscription.types;
        let _ = thread::Builder::new()
            .name("telemetry".to_string())
            .spawn(move || deliver(&subscription, &receiver));
        lock(&self.subscribers).push(Subscriber { types, records });
    }

    /// Whether anyone subscribed.
    pub(crate) fn has_subscribers(&self) -> bool {
        !lock(&self.subscribers).is_empty()
    }

    /// Whether a platform record would reach anyone: a subscriber, or one
    /// who subscribes before Init is over.
    pub(crate) fn is_listening(&self) -> bool {
        lock(&self.since_init).is_some() || self.has_subscribers()
    }

    /// A `platform.<kind>` record, made by `record` only if anyone can
    /// receive it: a subscriber, or one who subscribes before Init is over.
    /// With nobody listening, an invocation costs no JSON.
    pub(crate) fn platform(&self, kind: &str, record: impl FnOnce() -> Value) {
        let mut kept = lock(&self.since_init);
        if kept.is_none() && !self.has_subscribers() {
            return;
        }
        let record = stamped(&format!("platform.{kind}"), record());
        if let Some(kept) = kept.as_mut() {
            kept.push(record.clone());
        }
        drop(kept);
        self.send(record, |types| types.platform);
    }

    /// Init is over: records from now on go only to those subscribed.
    pub(crate) fn init_over(&self) {
        *lock(&self.since_init) = None;
    }

    /// A line of the function's log, as a `function` record.
    pub(crate) fn function_line(&self, line: &str) {
        if self.has_subscribers() {
            self.send(stamped("function", json!(line)), |types| types.function);
        }
    }

    /// A line of an extension's, as an `extension` record.
    pub(crate) fn extension_line(&self, line: &str) {
        if self.has_subscribers() {
            self.send(stamped("extension", json!(line)), |types| types.extension);
        }
    }

    fn send(&self, record: Value, wants: impl Fn(Types) -> bool) {
        for subscriber in lock(&self.subscribers).iter() {
            if wants(subscriber.types) {
                let _ = subscriber.records.send(Message::Record(record.clone()));
            }
        }
    }

    /// Sends every subscriber the records it holds now, without waiting for
    /// its buffering, and waits until they are delivered or `deadline`.
    /// Before `SHUTDOWN`, so that an extension which sends its records away
    /// when it hears it has all of them.
    pub(crate) fn flush(&self, deadline: Instant) {
        let (delivered, acknowledgements) = mpsc::channel();
        let mut waiting = 0;
        for subscriber in lock(&self.subscribers).iter() {
            if subscriber
                .records
                .send(Message::Flush(delivered.clone()))
                .is_ok()
            {
                waiting += 1;
            }
        }
        for _ in 0..waiting {
            let left = deadline.saturating_duration_since(Instant::now());
            if acknowledgements.recv_timeout(left).is_err() {
                return;
            }
        }
    }

    /// The environment has ended: each subscriber's last batch goes now.
    pub(crate) fn close(&self) {
        lock(&self.subscribers).clear();
    }
}

/// `{"time": …, "type": …, "record": …}`, as every Telemetry API record is
/// (and every line of Lambda's own in the JSON log format).
pub(crate) fn stamped(kind: &str, record: Value) -> Value {
    json!({"time": report::utc_timestamp(SystemTime::now()), "type": kind, "record": record})
}

/// Sends `receiver`'s records to the subscriber in batches, until the
/// environment ends. A batch that cannot be delivered is dropped, as
/// Lambda drops it.
fn deliver(subscription: &Subscription, receiver: &Receiver<Message>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into();
    let buffering = subscription.buffering;
    let post = |batch: Vec<Value>| {
        let body = Value::Array(batch).to_string();
        let _ = agent
            .post(&subscription.uri)
            .header("Content-Type", "application/json")
            .send(body.as_bytes());
    };
    loop {
        // A batch starts with its first record, and waits no longer than
        // the subscriber's timeout after it.
        let first = match receiver.recv() {
            Ok(Message::Record(first)) => first,
            // Nothing held: the flush is done at once.
            Ok(Message::Flush(done)) => {
                let _ = done.send(());
                continue;
            }
            Err(_) => return,
        };
        let send_by = Instant::now() + buffering.timeout;
        let mut bytes = first.to_string().len();
        let mut batch = vec![first];
        let mut flushed = None;
        let mut ended = false;
        while batch.len() < buffering.max_items && bytes < buffering.max_bytes {
            match receiver.recv_timeout(send_by.saturating_duration_since(Instant::now())) {
                Ok(Message::Record(record)) => {
                    bytes += record.to_string().len();
                    batch.push(record);
                }
                Ok(Message::Flush(done)) => {
                    flushed = Some(done);
                    break;
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => {
                    ended = true;
                    break;
                }
            }
        }
        post(batch);
        if let Some(done) = flushed {
            let _ = done.send(());
        }
        if ended {
            return;
        }
    }
}
