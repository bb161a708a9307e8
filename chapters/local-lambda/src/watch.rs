//! `--watch`: what a function's files looked like, to see that one changed
//! and start the next invocation in a fresh environment, as a new
//! deployment would.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::config::FunctionConfig;

/// Each file of a function (the bootstrap, and everything under the task
/// root) with its size and modification time: enough to see an edit.
#[derive(PartialEq, Eq)]
pub(crate) struct Fingerprint(BTreeMap<PathBuf, (u64, Option<SystemTime>)>);

impl Fingerprint {
    pub(crate) fn take(config: &FunctionConfig) -> Fingerprint {
        let mut files = BTreeMap::new();
        let mut folders = vec![config.task_root.clone()];
        if let Some(bootstrap) = &config.bootstrap {
            add_file(&mut files, bootstrap);
        }
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                // Not followed into folders that are links: a link can loop.
                match entry.file_type() {
                    Ok(kind) if kind.is_dir() => folders.push(path),
                    Ok(_) => add_file(&mut files, &path),
                    Err(_) => {}
                }
            }
        }
        Fingerprint(files)
    }

    /// The first file that was added, removed or changed since `self`.
    pub(crate) fn first_change(&self, now: &Fingerprint) -> Option<PathBuf> {
        let before = self.0.iter();
        let after = now.0.iter();
        before
            .filter(|(path, seen)| now.0.get(*path) != Some(seen))
            .chain(after.filter(|(path, _)| !self.0.contains_key(*path)))
            .map(|(path, _)| path.clone())
            .min()
    }
}

fn add_file(files: &mut BTreeMap<PathBuf, (u64, Option<SystemTime>)>, path: &Path) {
    if let Ok(metadata) = std::fs::metadata(path) {
        files.insert(
            path.to_path_buf(),
            (metadata.len(), metadata.modified().ok()),
        );
    }
}
