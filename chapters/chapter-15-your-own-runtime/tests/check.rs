//! `local-lambda check` on the chapter's Python runtime, which keeps every
//! row, and on broken copies of it: each copy has one fault a real runtime
//! could have, and must fail the row for it and no other, so that no row
//! can pass by accident.

use std::path::Path;
use std::thread;
use std::time::Duration;

use harness::{TaskRoot, snapshot_settings};
use local_lambda::check::{Row, Settings, Verdict};

/// Short enough for a test; the broken runtime's read timeout is shorter.
const IDLE: Duration = Duration::from_secs(1);

/// A fault: the row it must fail, why, and the changes to the runtime's
/// text that make it, each `(from, to)` (each `from` found exactly once).
struct Fault {
    row: &'static str,
    what: &'static str,
    edits: &'static [(&'static str, &'static str)],
}

const FAULTS: [Fault; 14] = [
    Fault {
        row: "events",
        what: "stops after 100 events",
        edits: &[(
            "    while True:\n        headers, body = api.next_event()",
            "    for _ in range(100):\n        headers, body = api.next_event()",
        )],
    },
    Fault {
        row: "idle-next",
        what: "a read timeout of half a second on every request",
        edits: &[(
            "http.client.HTTPConnection(host, timeout=None)",
            "http.client.HTTPConnection(host, timeout=0.5)",
        )],
    },
    Fault {
        row: "api-forms",
        what: "takes AWS_LAMBDA_RUNTIME_API for host:port, always",
        edits: &[("    address = address.removeprefix(\"http://\")\n", "")],
    },
    Fault {
        row: "handler-error",
        what: "reports a handler's error by its message alone, not an error document",
        edits: &[(
            "                     error_document(error_type, str(error), stack), error_type)",
            "                     str(error), error_type)",
        )],
    },
    Fault {
        row: "init-error",
        what: "exits on a failed init without reporting it",
        edits: &[(
            "    api.post(\"init/error\", error_document(error_type, message), error_type)\n",
            "",
        )],
    },
    Fault {
        row: "deadline",
        what: "exits at the deadline instead of reporting it",
        edits: &[(
            "    raise HandlerTimedOut(\"the handler was stopped at its deadline\")",
            "    os._exit(1)",
        )],
    },
    Fault {
        row: "large-events",
        what: "reads at most 1,000,000 bytes of a body",
        edits: &[(
            "return response.status, response.headers, response.read()",
            "return response.status, response.headers, response.read(1_000_000)",
        )],
    },
    Fault {
        row: "non-ascii",
        what: "decodes events as Latin-1",
        edits: &[(
            "event = json.loads(body)",
            "event = json.loads(body.decode(\"latin-1\"))",
        )],
    },
    Fault {
        row: "escapes",
        what: "removes NUL escapes from its answers",
        edits: &[(
            "json.dumps(document).encode()",
            "json.dumps(document).replace(\"\\\\u0000\", \"\").encode()",
        )],
    },
    Fault {
        row: "chunked",
        what: "reads a body by its Content-Length only",
        edits: &[(
            "return response.status, response.headers, response.read()",
            "return response.status, response.headers, response.read(int(response.headers.get(\"Content-Length\", 0)))",
        )],
    },
    Fault {
        row: "optional-headers",
        what: "needs a trace id",
        edits: &[(
            "self.trace_id = headers.get(\"Lambda-Runtime-Trace-Id\")",
            "self.trace_id = headers.get(\"Lambda-Runtime-Trace-Id\").split(\";\")[0]",
        )],
    },
    Fault {
        row: "missing-deadline",
        what: "reads a missing deadline as 0, and reports a timeout",
        edits: &[(
            "        if deadline is None or not deadline.strip().isdigit():\n            raise InvalidContext(f\"Lambda-Runtime-Deadline-Ms is missing or not a number: {deadline!r}\")\n        self.deadline_ms = int(deadline)",
            "        self.deadline_ms = int(deadline or 0)\n        if self.get_remaining_time_in_millis() == 0:\n            raise InvalidContext(\"Task timed out before it started\")",
        )],
    },
    Fault {
        row: "request-ids",
        what: "puts the request id into the answer's URL unchecked",
        edits: &[(
            "        if not request_id or not all(c.isalnum() or c == \"-\" for c in request_id):",
            "        if not request_id:",
        )],
    },
    Fault {
        row: "log",
        what: "sends its handlers' stderr nowhere",
        edits: &[(
            "    sys.stderr.reconfigure(line_buffering=True)",
            "    sys.stderr = open(os.devnull, \"w\")",
        )],
    },
];

fn python_is_here() -> bool {
    harness::have(
        "chapter 15's check",
        "python3",
        &["python3", "--version"],
        "apt-get install python3",
    )
}

/// A runtime that writes each request's head and body in two writes, on a
/// socket with TCP_NODELAY turned off (Python's http.client turns it on):
/// the body waits for the acknowledgement of the head, which the server's
/// kernel delays by some 40 ms.
const TWO_WRITES: Fault = Fault {
    row: "events",
    what: "writes each request in two writes, without TCP_NODELAY",
    edits: &[
        (
            "        self.connection.request(method, url, body=body, headers=headers or {})",
            "        self.connection.putrequest(method, url)\n        for name, value in (headers or {}).items():\n            self.connection.putheader(name, value)\n        if body is not None:\n            self.connection.putheader(\"Content-Length\", str(len(body)))\n        self.connection.endheaders()\n        if body is not None:\n            self.connection.send(body)",
        ),
        (
            "        self.connection = http.client.HTTPConnection(host, timeout=None)",
            "        self.connection = http.client.HTTPConnection(host, timeout=None)\n        self.connection.connect()\n        self.connection.sock.setsockopt(6, 1, 0)  # IPPROTO_TCP, TCP_NODELAY, off",
        ),
    ],
};

/// A runtime that keeps every trace id it is sent: it grows with every
/// event, as one that calls setenv for each does.
const KEEPS_TRACE_IDS: Fault = Fault {
    row: "memory",
    what: "keeps every trace id it is sent",
    edits: &[
        (
            "            context = Context(headers)\n",
            "            context = Context(headers)\n            SEEN.append(context.trace_id)\n",
        ),
        (
            "API_VERSION = \"2018-06-01\"\n",
            "API_VERSION = \"2018-06-01\"\nSEEN = []\n",
        ),
    ],
};

/// A task root with the Python runtime, changed by `fault` if given.
fn runtime(fault: Option<&Fault>) -> TaskRoot {
    let task = TaskRoot::new();
    let folder = chapter_15::python_folder();
    let mut source = std::fs::read_to_string(folder.join("bootstrap")).unwrap();
    for (from, to) in fault.map_or(&[][..], |fault| fault.edits) {
        assert_eq!(
            source.matches(from).count(),
            1,
            "each change of the {} fault finds one place: {from:?}",
            fault.map_or("", |fault| fault.row)
        );
        source = source.replace(from, to);
    }
    task.write_executable("bootstrap", source);
    task.copy_in(&folder.join("check.py"));
    task
}

fn grade(task: &TaskRoot) -> Vec<Row> {
    let settings = Settings {
        idle: IDLE,
        events_time: Duration::from_secs(3),
    };
    chapter_15::grade(task.path(), &settings)
}

fn failed(rows: &[Row]) -> Vec<&'static str> {
    rows.iter()
        .filter(|row| row.verdict == Verdict::Fail)
        .map(|row| row.name)
        .collect()
}

#[test]
fn the_python_runtime_keeps_every_row() {
    if !python_is_here() {
        return;
    }
    let rows = grade(&runtime(None));
    assert_eq!(failed(&rows), Vec::<&str>::new(), "{rows:#?}");
    assert!(
        rows.iter().all(|row| row.verdict == Verdict::Pass),
        "nor warns: {rows:#?}"
    );
    let card = local_lambda::check::table(&rows, false);
    let card = regex_lite(&card);
    snapshot_settings().bind(|| insta::assert_snapshot!("python_report_card", card));
}

/// The report card with what varies from run to run replaced, for the
/// snapshot: timings, memory, and how many events the `events` and
/// `memory` rows got answered in their time (all 1,000 and 2,000 on an
/// idle machine, fewer when the other tests' batteries share its cores).
fn regex_lite(card: &str) -> String {
    card.lines()
        .map(|line| {
            let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
            let last = words.len() - 1;
            if last > 0 && words[last - 1] == "after" && words[last].parse::<u32>().is_ok() {
                words[last] = "<n>".to_string();
            }
            for index in 1..words.len() {
                let counted = words[index] == "events"
                    && words.get(index + 1).is_some_and(|next| next == "answered,");
                if counted || matches!(words[index].trim_end_matches([',', ':']), "ms" | "KiB") {
                    words[index - 1] = "<n>".to_string();
                }
            }
            words.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_fault_fails_its_row_and_no_other() {
    if !python_is_here() {
        return;
    }
    // Each broken runtime is graded in a thread of its own: the rows of one
    // battery run in order, the batteries side by side.
    let graded: Vec<(&Fault, Vec<Row>)> = thread::scope(|scope| {
        let batteries: Vec<_> = FAULTS
            .iter()
            .map(|fault| scope.spawn(move || (fault, grade(&runtime(Some(fault))))))
            .collect();
        batteries
            .into_iter()
            .map(|battery| battery.join().unwrap())
            .collect()
    });
    for (fault, rows) in &graded {
        assert_eq!(
            failed(rows),
            [fault.row],
            "a runtime that {} fails {} alone: {rows:#?}",
            fault.what,
            fault.row
        );
    }
}

#[test]
fn every_row_has_a_fault_that_fails_it_or_warns() {
    let names: Vec<&str> = local_lambda::check::check(
        &local_lambda::FunctionConfig::for_bootstrap(Path::new("/nonexistent/bootstrap")),
        &Settings {
            idle: Duration::from_millis(1),
            events_time: Duration::from_millis(1),
        },
    )
    .iter()
    .map(|row| row.name)
    .collect();
    let mut faulted: Vec<&str> = FAULTS.iter().map(|fault| fault.row).collect();
    // The memory row warns: a runtime that grows still answers.
    faulted.insert(1, KEEPS_TRACE_IDS.row);
    assert_eq!(faulted, names, "one fault per row, in the rows' order");
}

#[test]
fn a_runtime_that_grows_with_every_event_gets_a_warning() {
    if !python_is_here() {
        return;
    }
    let rows = grade(&runtime(Some(&KEEPS_TRACE_IDS)));
    let memory = rows.iter().find(|row| row.name == "memory").unwrap();
    assert_eq!(memory.verdict, Verdict::Warn, "{rows:#?}");
    assert!(memory.did.contains("bytes an event"), "{}", memory.did);
    assert_eq!(
        failed(&rows),
        Vec::<&str>::new(),
        "a warning, not a failure"
    );
}

/// A runtime that names a handler's error in its document only, as AWS's
/// own Node.js client does: Lambda takes it, so the row warns.
const NO_ERROR_TYPE_HEADER: Fault = Fault {
    row: "handler-error",
    what: "no Lambda-Runtime-Function-Error-Type on a handler's error",
    edits: &[(
        "                     error_document(error_type, str(error), stack), error_type)",
        "                     error_document(error_type, str(error), stack))",
    )],
};

#[test]
fn a_handler_error_without_its_type_header_gets_a_warning() {
    if !python_is_here() {
        return;
    }
    let rows = grade(&runtime(Some(&NO_ERROR_TYPE_HEADER)));
    let row = rows.iter().find(|row| row.name == "handler-error").unwrap();
    assert_eq!(row.verdict, Verdict::Warn, "{rows:#?}");
    assert!(row.did.contains("in the header too"), "{}", row.did);
    assert_eq!(
        failed(&rows),
        Vec::<&str>::new(),
        "a warning, not a failure"
    );
}

#[test]
fn a_request_in_two_writes_without_nodelay_gets_the_delayed_ack_warning() {
    if !python_is_here() {
        return;
    }
    let task = runtime(Some(&TWO_WRITES));
    let rows = grade(&task);
    let events = &rows[0];
    // `cargo test -p chapter-15 --test check two_writes -- --nocapture`
    // shows the row, and the REPORT line of a warm invocation (the second
    // of three: Lambda writes a REPORT when the runtime asks for more).
    eprintln!("{}", events.did);
    let mut function = local_lambda::FunctionConfig::for_bootstrap(task.path().join("bootstrap"));
    function.handler = "check.handler".to_string();
    let run = harness::run(function, &harness::events(&[r#"{"check":"echo"}"#; 3]));
    let report = run
        .log
        .iter()
        .filter(|line| line.starts_with("REPORT"))
        .nth(1);
    eprintln!("{}", report.expect("a REPORT line for the warm invocation"));
    assert_eq!(
        (events.name, events.verdict),
        ("events", Verdict::Warn),
        "{rows:#?}"
    );
    assert!(events.did.contains("delayed-ACK trap"), "{}", events.did);
    assert!(
        events.did.contains("set TCP_NODELAY"),
        "and says what to do: {}",
        events.did
    );
    assert_eq!(
        failed(&rows),
        Vec::<&str>::new(),
        "a warning, not a failure"
    );
}
