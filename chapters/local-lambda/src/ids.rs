//! The identifiers Lambda hands a runtime with each event.

use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh request id. Lambda's are random (version 4) UUIDs, so ours are too:
/// a runtime that assumes any other shape would break on Lambda.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A fresh X-Ray trace header in the form Lambda sends in `Lambda-Runtime-Trace-Id`:
/// a root id (version 1, the epoch second in hex, 96 random bits), a parent
/// segment id (64 random bits), and the sampling decision.
pub fn trace_id() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default();
    // All 160 random bits in one read of the operating system's source.
    let mut random = [0u8; 20];
    getrandom::fill(&mut random).expect("the operating system's random source is readable");
    let (root, parent) = random.split_at(12);
    let mut root_bits = [0u8; 16];
    root_bits[4..].copy_from_slice(root);
    format!(
        "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
        seconds as u32,
        u128::from_be_bytes(root_bits),
        u64::from_be_bytes(parent.try_into().expect("eight bytes"))
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
