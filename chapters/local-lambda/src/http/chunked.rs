//! Chunked bodies (`Transfer-Encoding: chunked`, RFC 9112 section 7.1):
//! the one reader of them in the project, for whole requests, for a
//! runtime's streamed answers as they come, and for chapter 14's
//! hand-written client.

use std::io::{self, BufRead};

/// Why a chunked body could not be read.
#[derive(Debug)]
pub enum ChunkedError {
    /// The body would be larger than the limit given, in bytes.
    TooLarge { limit: usize },
    /// The bytes do not follow the chunked form; the message says where.
    Malformed(String),
    /// The connection failed, or closed inside the body.
    Io(io::Error),
}

impl std::fmt::Display for ChunkedError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChunkedError::TooLarge { limit } => {
                write!(formatter, "a chunked body of more than {limit} bytes")
            }
            ChunkedError::Malformed(what) => write!(formatter, "a malformed chunked body: {what}"),
            ChunkedError::Io(error) => write!(formatter, "a chunked body cut short: {error}"),
        }
    }
}

impl std::error::Error for ChunkedError {}

impl From<ChunkedError> for io::Error {
    fn from(error: ChunkedError) -> io::Error {
        match error {
            ChunkedError::Io(error) => error,
            other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        }
    }
}

// ANCHOR: read-chunked
/// A body sent with `Transfer-Encoding: chunked` (RFC 9112, section 7.1),
/// read a piece at a time: chunks, each a size in hexadecimal on a line of
/// its own (anything after a `;` is an extension, and ignored), then that
/// many bytes and a line end; a chunk of size 0 ends the body, and the
/// trailer fields after it, up to an empty line, are kept. It is the one
/// reader of chunked bodies in the project: the local Lambda's server
/// (whole requests, and a runtime's streamed answers as they come) and
/// chapter 14's hand-written client all use it.
pub struct ChunkedBody<'a, R: BufRead> {
    reader: &'a mut R,
    /// The current chunk's size, and how many of its bytes are not yet read.
    chunk_size: usize,
    left_in_chunk: usize,
    /// The trailer fields, once the last chunk has been read.
    trailers: Option<Vec<(String, String)>>,
}

impl<'a, R: BufRead> ChunkedBody<'a, R> {
    /// The chunked body that `reader` is at the start of.
    pub fn new(reader: &'a mut R) -> ChunkedBody<'a, R> {
        ChunkedBody {
            reader,
            chunk_size: 0,
            left_in_chunk: 0,
            trailers: None,
        }
    }

    /// Reads the next bytes of the body into `buffer`, at most its length
    /// and never past the end of a chunk; 0 at the end of the body. Errors:
    /// a malformed chunk size or line end, or a connection that closed
    /// inside the body.
    pub fn read(&mut self, buffer: &mut [u8]) -> Result<usize, ChunkedError> {
        let left = self.chunk_left()?;
        let wanted = buffer.len().min(left);
        if wanted == 0 {
            return Ok(0);
        }
        read_exactly(self.reader, &mut buffer[..wanted])?;
        self.left_in_chunk -= wanted;
        if self.left_in_chunk == 0 {
            // Exactly CRLF after the data, as Go's HTTP server (Lambda's)
            // insists; a bare LF is refused here, though a size line may
            // end with one.
            let mut end = [0; 2];
            read_exactly(self.reader, &mut end)?;
            if &end != b"\r\n" {
                return Err(ChunkedError::Malformed(format!(
                    "{} bytes of chunk data followed by {:?}, not CRLF",
                    self.chunk_size,
                    String::from_utf8_lossy(&end)
                )));
            }
        }
        Ok(wanted)
    }

    /// How many bytes of the current chunk are still to be read, reading
    /// the next chunk's size line if the last chunk is done; 0 at the end
    /// of the body, whose trailer fields are then read too.
    pub fn chunk_left(&mut self) -> Result<usize, ChunkedError> {
        if self.left_in_chunk == 0 && self.trailers.is_none() {
            self.chunk_size = read_chunk_size(self.reader)?;
            self.left_in_chunk = self.chunk_size;
            if self.chunk_size == 0 {
                self.trailers = Some(read_trailers(self.reader)?);
            }
        }
        Ok(self.left_in_chunk)
    }

    /// The trailer fields sent after the last chunk, once it is read.
    pub fn trailers(&self) -> &[(String, String)] {
        self.trailers.as_deref().unwrap_or_default()
    }
}

/// Reads a whole chunked body; `limit` is the largest accepted, in bytes.
pub fn read_chunked_body(reader: &mut impl BufRead, limit: usize) -> Result<Vec<u8>, ChunkedError> {
    let mut body = Vec::new();
    let mut chunked = ChunkedBody::new(reader);
    let mut piece = vec![0; 64 * 1024];
    loop {
        // A chunk that says it is too large is refused before it is read.
        match chunked.chunk_left()? {
            0 => return Ok(body),
            left if left > limit - body.len() => return Err(ChunkedError::TooLarge { limit }),
            _ => {}
        }
        let read = chunked.read(&mut piece)?;
        body.extend_from_slice(&piece[..read]);
    }
}

/// A chunk's size line: the size in hexadecimal, then perhaps `;` and an
/// extension.
fn read_chunk_size(reader: &mut impl BufRead) -> Result<usize, ChunkedError> {
    let size_line = read_body_line(reader)?;
    let size_text = size_line.split(';').next().unwrap_or_default().trim();
    usize::from_str_radix(size_text, 16).map_err(|_| {
        ChunkedError::Malformed(format!(
            "a chunk size that is not hexadecimal: {size_line:?}"
        ))
    })
}

/// The trailer fields after the last chunk, `Name: value` a line, up to an
/// empty line.
fn read_trailers(reader: &mut impl BufRead) -> Result<Vec<(String, String)>, ChunkedError> {
    let mut trailers = Vec::new();
    loop {
        let line = read_body_line(reader)?;
        if line.is_empty() {
            return Ok(trailers);
        }
        if let Some((name, value)) = line.split_once(':') {
            trailers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
}
// ANCHOR_END: read-chunked

/// Fills `buffer` from `reader`; the end of the connection first is a body
/// cut short.
fn read_exactly(reader: &mut impl BufRead, buffer: &mut [u8]) -> Result<(), ChunkedError> {
    reader.read_exact(buffer).map_err(|error| {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            closed_inside_the_body()
        } else {
            ChunkedError::Io(error)
        }
    })
}

fn closed_inside_the_body() -> ChunkedError {
    ChunkedError::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "the connection closed inside the body",
    ))
}

/// One line of a chunked body, without its line end; the end of the
/// connection before a line is complete is an error.
fn read_body_line(reader: &mut impl BufRead) -> Result<String, ChunkedError> {
    let mut line = String::new();
    let read = reader.read_line(&mut line).map_err(ChunkedError::Io)?;
    if read == 0 || !line.ends_with('\n') {
        return Err(closed_inside_the_body());
    }
    line.truncate(line.trim_end_matches(['\r', '\n']).len());
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest body the tests allow.
    const MAX_BODY: usize = 1 << 20;

    #[test]
    fn a_broken_chunked_body_is_refused_with_what_is_wrong() {
        let messages: Vec<String> = [
            &b"zz\r\nabc\r\n0\r\n\r\n"[..],
            b"3\r\nabcd\r\n0\r\n\r\n",
            b"3\r\nab",
            b"10\r\n",
        ]
        .iter()
        .map(|bytes| {
            read_chunked_body(&mut &bytes[..], MAX_BODY)
                .unwrap_err()
                .to_string()
        })
        .collect();
        assert_eq!(
            messages,
            [
                "a malformed chunked body: a chunk size that is not hexadecimal: \"zz\"",
                "a malformed chunked body: 3 bytes of chunk data followed by \"d\\r\", not CRLF",
                "a chunked body cut short: the connection closed inside the body",
                "a chunked body cut short: the connection closed inside the body",
            ]
        );
        let too_big = read_chunked_body(&mut &b"ff\r\n"[..], 16).unwrap_err();
        assert!(
            matches!(too_big, ChunkedError::TooLarge { limit: 16 }),
            "{too_big}"
        );
    }

    #[test]
    fn a_body_read_in_pieces_keeps_its_trailers() {
        let sent = b"5\r\nhello\r\n0\r\nX-Done: yes\r\n\r\n";
        let mut reader = &sent[..];
        let mut body = ChunkedBody::new(&mut reader);
        let mut piece = [0; 3];
        let mut pieces = Vec::new();
        loop {
            let read = body.read(&mut piece).unwrap();
            if read == 0 {
                break;
            }
            pieces.push(piece[..read].to_vec());
        }
        assert_eq!(
            pieces,
            [b"hel".to_vec(), b"lo".to_vec()],
            "never past the buffer"
        );
        assert_eq!(body.trailers(), [("X-Done".to_string(), "yes".to_string())]);
    }
}
