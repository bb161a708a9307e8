//! `parse_handler` on generated input: whatever `_HANDLER` holds, the parser
//! does not panic, and what it accepts names a script inside the task root.
//! More cases: `PROPTEST_CASES=100000 cargo test -p chapter-03 --test properties`.

use std::path::{Component, Path};

use chapter_03::parse_handler;
use proptest::prelude::*;

proptest! {
    #[test]
    fn any_handler_string_is_parsed_or_refused_without_panicking(handler in any::<String>()) {
        let _ = parse_handler(&handler);
    }

    #[test]
    fn what_is_accepted_stays_inside_the_task_root(handler in "[a-z./]{0,12}\\.[a-z._]{0,8}") {
        if let Ok(parsed) = parse_handler(&handler) {
            prop_assert_eq!(format!("{}.{}", parsed.file, parsed.function), handler.clone());
            prop_assert!(!parsed.file.contains('.'));
            prop_assert!(!parsed.function.is_empty());
            let script = parsed.script_path(Path::new("/var/task"));
            prop_assert!(script.starts_with("/var/task"));
            prop_assert!(script.components().all(|part| !matches!(part, Component::ParentDir | Component::CurDir)));
        }
    }

    #[test]
    fn plain_names_are_always_accepted(file in "[a-z][a-z0-9_]{0,8}(/[a-z][a-z0-9_]{0,8}){0,2}", function in "[a-z_][a-z0-9_.]{0,12}") {
        let parsed = parse_handler(&format!("{file}.{function}")).unwrap();
        prop_assert_eq!((parsed.file, parsed.function), (file, function));
    }
}
