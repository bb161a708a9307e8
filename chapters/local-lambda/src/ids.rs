//! The identifiers Lambda hands a runtime with each event.

use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh request id. Lambda's are random (version 4) UUIDs, so ours are too:
/// a runtime that assumes any other shape would break on Lambda.
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The trace header for an invocation whose caller sent `caller` as its
/// `X-Amzn-Trace-Id`: Lambda continues the caller's trace (its `Root`, and
/// its sampling decision when it made one) under a parent segment of its
/// own; with no root to continue, a fresh trace.
pub fn trace_id_for(caller: Option<&str>) -> String {
    let field = |name: &str| {
        caller?
            .split(';')
            .find_map(|part| part.trim().strip_prefix(name)?.strip_prefix('='))
            .filter(|value| !value.is_empty())
    };
    let Some(root) = field("Root") else {
        return trace_id();
    };
    let sampled = field("Sampled").unwrap_or("0");
    let parent = u64::from_be_bytes(random_bytes::<8>());
    format!("Root={root};Parent={parent:016x};Sampled={sampled}")
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut random = [0u8; N];
    getrandom::fill(&mut random).expect("the operating system's random source is readable");
    random
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
    let random = random_bytes::<20>();
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

    #[test]
    fn a_callers_trace_is_continued_under_a_parent_of_lambdas() {
        let root = "Root=1-5759e988-bd862e3fe1be46a994272793";
        let continued = trace_id_for(Some(&format!("{root};Parent=53995c3f42cd8ad8;Sampled=1")));
        assert!(
            continued.starts_with(&format!("{root};Parent=")),
            "{continued}"
        );
        assert!(
            !continued.contains("53995c3f42cd8ad8"),
            "a parent of its own"
        );
        assert!(continued.ends_with(";Sampled=1"), "{continued}");
        assert!(trace_id_for(Some(root)).ends_with(";Sampled=0"));
        for nothing_to_continue in [None, Some(""), Some("Sampled=1"), Some("Root=")] {
            assert_ne!(
                trace_id_for(nothing_to_continue).split(';').next(),
                Some("Root="),
                "{nothing_to_continue:?}: a fresh root"
            );
        }
    }
}
