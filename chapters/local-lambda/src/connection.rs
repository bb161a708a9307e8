//! One of the runtime's connections to its Runtime API, and who reads it.
//!
//! Each connection has a thread of its own that reads requests and answers
//! them, except while the connection is *lent*. When the runtime's `next`
//! finds no event, the connection is parked, its thread stops reading, and
//! the caller that brings the next event writes it there and then reads the
//! runtime's answer and its next `next` itself. An event then passes
//! between two threads only, the caller's and the runtime's, as it does in
//! the benchmark's floor; through a third, every event would cost that
//! thread's wake-ups too. The connection is given back to its thread when
//! the caller stops reading it for any other reason.

use std::io::{self, BufReader};
use std::net::{Shutdown, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::http::{self, Request, Response};
use crate::lock;

/// What a connection needs of the Runtime API behind it: something that
/// answers the requests read from it, and tells a caller reading a lent
/// connection where the invocation stands. The Runtime API's `Sandbox`
/// is the one there is; the trait lets this module not know it, so that
/// the transport and the API each stand on their own.
pub(crate) trait RequestHandler {
    /// Answers one request read from `connection` (`lent`: by the caller
    /// it is lent to, not by its own thread). `reader` is the connection's
    /// reading half, where a streamed body (`request.streamed`) is still
    /// to be read.
    fn serve(
        &self,
        request: &Request,
        reader: &mut BufReader<TcpStream>,
        connection: &Arc<Connection>,
        lent: bool,
    ) -> Served;
    /// Lets go of a connection that closed, and of anything parked on it.
    fn forget(&self, connection: &Arc<Connection>);
    /// Where the invocation stands, for a caller reading a lent connection.
    fn progress(&self) -> Progress;
    /// The bell a caller reading a lent connection listens to.
    fn bell(&self) -> &Bell;
}

/// A request waiting for something to answer it with (a runtime's `next`,
/// an extension's `event/next`): its connection, so that the answer can be
/// written straight onto it by whoever brings it.
pub(crate) struct Parked {
    pub connection: Arc<Connection>,
    pub keep_alive: bool,
    /// Its place in the recording.
    pub record: usize,
}

/// What to do about one request, as the routes decide it.
pub(crate) enum Reply {
    /// Write this response now.
    Now(Response),
    /// A `next` with no event yet: whoever brings one writes it.
    Later,
    /// Close the connection without an answer (the environment is retired).
    Close,
}

/// What became of one request to the Runtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Served {
    /// Answered, and the connection stays open.
    Answered,
    /// A `next` parked until there is an event: the connection is lent.
    Parked,
    /// The connection is closed.
    Closed,
}

/// How long a caller that has its answer goes on reading the connection for
/// the runtime's next `next`, which ends the invocation. A runtime that comes
/// back sooner costs its caller no second wake-up; one slower than this
/// keeps its caller from the answer for this long at most. Only when the
/// log is neither recorded nor printed: otherwise the end of an invocation
/// means writing `END` and `REPORT` (with the runtime's peak memory, read
/// from `/proc`), and no caller should wait for that.
const RETURN_WAIT: Duration = Duration::from_millis(1);

/// One connection from the runtime.
pub(crate) struct Connection {
    stream: TcpStream,
    /// The reading half, with what was read and not yet used; locked by
    /// whoever reads: the connection's thread, or the caller it is lent to.
    reader: Mutex<BufReader<TcpStream>>,
    lent: Mutex<bool>,
    given_back: Condvar,
}

impl Connection {
    fn new(stream: TcpStream) -> io::Result<Connection> {
        // Small request/response pairs: waiting to fill a packet only adds latency.
        stream.set_nodelay(true)?;
        // Room for a streamed answer's chunks: a 64 KiB read takes a whole one.
        let reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
        Ok(Connection {
            stream,
            reader: Mutex::new(reader),
            lent: Mutex::new(false),
            given_back: Condvar::new(),
        })
    }

    /// Writes a whole response; `false` if the connection is to close after
    /// it (the client asked, or it is gone).
    pub(crate) fn write(&self, response: &Response, keep_alive: bool) -> bool {
        let sent = http::write_response(&mut &self.stream, response, keep_alive).is_ok();
        if !(sent && keep_alive) {
            self.close();
        }
        sent && keep_alive
    }

    /// Closes the connection, waking whoever reads it.
    pub(crate) fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        self.give_back();
    }

    /// From now on the caller bringing an event reads this connection.
    pub(crate) fn lend(&self) {
        *lock(&self.lent) = true;
    }

    fn give_back(&self) {
        *lock(&self.lent) = false;
        self.given_back.notify_one();
    }

    fn wait_until_given_back(&self) {
        let mut lent = lock(&self.lent);
        while *lent {
            lent = self
                .given_back
                .wait(lent)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// The connection's own thread: reads and answers requests until the
/// runtime closes the connection, waiting whenever it is lent.
pub(crate) fn serve(stream: TcpStream, sandbox: &impl RequestHandler) {
    let Ok(connection) = Connection::new(stream).map(Arc::new) else {
        return;
    };
    loop {
        connection.wait_until_given_back();
        let mut reader = lock(&connection.reader);
        let Some(request) = http::read_next(&mut reader, &mut &connection.stream) else {
            break;
        };
        if sandbox.serve(&request, &mut reader, &connection, false) == Served::Closed {
            break;
        }
    }
    sandbox.forget(&connection);
}

/// What woke a caller reading a lent connection.
enum Woken {
    Readable,
    Signalled,
    TimedOut,
}

// ANCHOR: drive
/// The caller's side: having written its event onto `connection`, reads and
/// answers what the runtime sends there until the invocation is answered
/// and the runtime is back on `next`, or there is nothing more to read here
/// (the runtime died, went elsewhere, or passed the deadline).
pub(crate) fn drive(
    sandbox: &impl RequestHandler,
    connection: &Arc<Connection>,
    deadline: Instant,
) {
    let mut reader = lock(&connection.reader);
    // A runtime that sends half a request and stops must not hold its
    // caller past the deadline: no read waits longer than that.
    let left = deadline.saturating_duration_since(Instant::now());
    let _ = connection
        .stream
        .set_read_timeout(Some(left.max(Duration::from_millis(1))));
    sandbox.bell().listen(true);
    let mut until = deadline;
    let parked_again = loop {
        match sandbox.progress() {
            Progress::Over => break false,
            Progress::Answered(at) => until = until.min(at + RETURN_WAIT),
            Progress::Waiting => {}
        }
        match wait_readable(&reader, sandbox.bell(), until) {
            Woken::Readable => {}
            Woken::Signalled => {
                sandbox.bell().silence();
                continue;
            }
            Woken::TimedOut => break false,
        }
        let Some(request) = http::read_next(&mut reader, &mut &connection.stream) else {
            break false;
        };
        match sandbox.serve(&request, &mut reader, connection, true) {
            Served::Answered => {}
            Served::Parked => break true,
            Served::Closed => break false,
        }
    };
    sandbox.bell().listen(false);
    drop(reader);
    if !parked_again {
        // Its own thread waits as long as it takes.
        let _ = connection.stream.set_read_timeout(None);
        connection.give_back();
    }
}
// ANCHOR_END: drive

/// Where an invocation stands, for a caller reading a lent connection.
pub(crate) enum Progress {
    /// No answer yet.
    Waiting,
    /// Answered at this moment, and the runtime not yet back on `next`.
    Answered(Instant),
    /// Nothing more for the caller to read here: answered and ended, or
    /// answered with `END` and `REPORT` to write when the runtime is back
    /// (the connection's own thread does that, off the caller's way), or
    /// the runtime exited, or the environment retired.
    Over,
}

/// Waits until the connection has something to read, the sandbox signals a
/// change, or `until` passes.
fn wait_readable(reader: &BufReader<TcpStream>, bell: &Bell, until: Instant) -> Woken {
    if !reader.buffer().is_empty() {
        return Woken::Readable;
    }
    let now = Instant::now();
    if now >= until {
        return Woken::TimedOut;
    }
    let millis = (until - now).as_micros().div_ceil(1000);
    let mut wanted = [
        libc::pollfd {
            fd: reader.get_ref().as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: bell.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: poll(2) reads and writes the two pollfds we own, for the call only.
    let ready = unsafe {
        libc::poll(
            wanted.as_mut_ptr(),
            2,
            millis.try_into().unwrap_or(libc::c_int::MAX),
        )
    };
    if ready <= 0 {
        Woken::TimedOut
    } else if wanted[0].revents != 0 {
        Woken::Readable
    } else {
        Woken::Signalled
    }
}

/// Wakes a caller reading a lent connection when something happens
/// elsewhere: an eventfd it polls beside the connection, rung only while
/// someone listens.
pub(crate) struct Bell {
    eventfd: OwnedFd,
    listening: AtomicBool,
}

impl Bell {
    pub(crate) fn new() -> io::Result<Bell> {
        // SAFETY: eventfd(2) takes no pointers; a valid descriptor is ours to own.
        let eventfd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if eventfd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Bell {
            // SAFETY: `eventfd` was just opened and nothing else owns it.
            eventfd: unsafe { OwnedFd::from_raw_fd(eventfd) },
            listening: AtomicBool::new(false),
        })
    }

    fn listen(&self, listening: bool) {
        self.listening.store(listening, Ordering::SeqCst);
    }

    /// Wakes the caller listening, if there is one.
    pub(crate) fn ring(&self) {
        if self.listening.load(Ordering::SeqCst) {
            let one = 1u64.to_ne_bytes();
            // SAFETY: write(2) of eight bytes we own to our eventfd.
            unsafe {
                libc::write(self.as_raw_fd(), one.as_ptr().cast(), one.len());
            }
        }
    }

    /// Reads the eventfd back to zero.
    fn silence(&self) {
        let mut count = [0u8; 8];
        // SAFETY: read(2) into a buffer we own, of its length; the eventfd is
        // non-blocking, so an empty one returns at once.
        unsafe {
            libc::read(self.as_raw_fd(), count.as_mut_ptr().cast(), count.len());
        }
    }
}

impl AsRawFd for Bell {
    fn as_raw_fd(&self) -> RawFd {
        self.eventfd.as_raw_fd()
    }
}
