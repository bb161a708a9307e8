//! The header parsing of chapter 5 on generated input: any dump is parsed
//! without panicking, well-formed dumps are read back exactly, and a request
//! id is only ever one that is safe in a URL and really was sent.
//! More cases: `PROPTEST_CASES=100000 cargo test -p chapter-05 --test properties`.

use chapter_05::{REQUEST_ID_HEADER, parse_header_dump, request_id};
use proptest::prelude::*;

/// Header names as HTTP allows them (a subset), values without line breaks.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(("[A-Za-z][A-Za-z0-9-]{0,24}", "[ -~]{0,40}"), 0..8)
}

fn dump(headers: &[(String, String)], eol: &str) -> String {
    let mut text = format!("HTTP/1.1 200 OK{eol}");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}{eol}"));
    }
    text.push_str(eol);
    text
}

proptest! {
    #[test]
    fn any_dump_is_parsed_without_panicking(text in any::<String>()) {
        let _ = request_id(&parse_header_dump(&text));
    }

    #[test]
    fn a_well_formed_dump_reads_back_exactly(headers in headers(), crlf in any::<bool>()) {
        let parsed = parse_header_dump(&dump(&headers, if crlf { "\r\n" } else { "\n" }));
        let expected: Vec<(String, String)> =
            headers.iter().map(|(name, value)| (name.clone(), value.trim().to_string())).collect();
        prop_assert_eq!(parsed, expected);
    }

    // ANCHOR: safe-id
    #[test]
    fn an_id_is_safe_and_was_really_sent(mut headers in headers(), id in "[ -~]{0,40}", position in 0usize..8) {
        headers.insert(position.min(headers.len()), (REQUEST_ID_HEADER.to_lowercase(), id));
        if let Ok(found) = request_id(&headers) {
            prop_assert!(!found.is_empty());
            prop_assert!(found.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-'));
            let sent = headers.iter().any(|(name, value)| name.eq_ignore_ascii_case(REQUEST_ID_HEADER) && value.trim() == found);
            prop_assert!(sent);
        }
    }
    // ANCHOR_END: safe-id

    #[test]
    fn a_uuid_is_found_whatever_the_case_of_the_name(id in "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", upper in prop::collection::vec(any::<bool>(), 29)) {
        let name: String = REQUEST_ID_HEADER
            .chars()
            .zip(upper)
            .map(|(letter, up)| if up { letter.to_ascii_uppercase() } else { letter.to_ascii_lowercase() })
            .collect();
        prop_assert_eq!(request_id(&[(name, format!(" {id}\r"))]), Ok(id));
    }
}
