//! The identifiers Lambda hands a runtime with each event.

use std::fs::File;
use std::io::Read;
use std::time::{SystemTime, UNIX_EPOCH};

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    File::open("/dev/urandom")
        .and_then(|mut source| source.read_exact(&mut bytes))
        .expect("/dev/urandom is readable on every Linux and macOS system");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A fresh request id. Lambda's are random (version 4) UUIDs, so ours are too:
/// a runtime that assumes any other shape would break on Lambda.
pub fn request_id() -> String {
    let mut bytes: [u8; 16] = random_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let text = hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &text[0..8],
        &text[8..12],
        &text[12..16],
        &text[16..20],
        &text[20..32]
    )
}

/// A fresh X-Ray trace header in the form Lambda sends in `Lambda-Runtime-Trace-Id`:
/// a root id (version 1, the epoch second in hex, 96 random bits), a parent
/// segment id, and the sampling decision.
pub fn trace_id() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default();
    let root: [u8; 12] = random_bytes();
    let parent: [u8; 8] = random_bytes();
    format!(
        "Root=1-{:08x}-{};Parent={};Sampled=0",
        seconds as u32,
        hex(&root),
        hex(&parent)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_version_4_uuids_and_differ() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(id, request_id());
    }

    #[test]
    fn trace_ids_have_root_parent_and_sampled() {
        let trace = trace_id();
        let parts: Vec<&str> = trace.split(';').collect();
        assert_eq!(parts.len(), 3, "{trace}");
        assert!(parts[0].starts_with("Root=1-") && parts[0].len() == 7 + 8 + 1 + 24);
        assert!(parts[1].starts_with("Parent=") && parts[1].len() == 7 + 16);
        assert_eq!(parts[2], "Sampled=0");
    }
}
