//! Chapter 13: shipping.
//!
//! Lambda runs a custom runtime from a zip: either a *function package*,
//! with `bootstrap` at its root beside the handler files (unpacked into
//! `/var/task`), or a *layer*, whose root becomes `/opt`, where Lambda looks
//! for `/opt/bootstrap` when the function package has none. Either way the
//! executable bit must survive the zip, and the binary must run on the
//! image's C library: glibc 2.34 on `provided.al2023`, 2.26 on
//! `provided.al2`.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use object::Endianness;
use object::elf::FileHeader64;
use object::read::elf::FileHeader;
use zip::write::SimpleFileOptions;

// ANCHOR: entry
/// One file of a package: its name in the zip, where it comes from, and its
/// mode: the Unix permission bits, `0o755` for a program, `0o644` for data.
struct Entry<'a> {
    name: String,
    source: &'a Path,
    mode: u32,
}
// ANCHOR_END: entry

#[cfg(not(feature = "exercise"))]
// ANCHOR: exercise
/// Writes a function package: `bootstrap` at the root, executable, and the
/// handler files beside it, as Lambda unpacks them into `/var/task`.
pub fn package_function(bootstrap: &Path, files: &[PathBuf], zip_path: &Path) -> io::Result<()> {
    let mut entries = vec![Entry {
        name: "bootstrap".to_string(),
        source: bootstrap,
        mode: 0o755,
    }];
    for file in files {
        let name = file
            .file_name()
            .ok_or_else(|| io::Error::other(format!("{} names no file", file.display())))?;
        entries.push(Entry {
            name: name.to_string_lossy().into_owned(),
            source: file,
            mode: 0o644,
        });
    }
    write_zip(&entries, zip_path)
}
// ANCHOR_END: exercise

// The workbook's exercise 13: built with `--features exercise`, the reader's
// `package_function` (exercise/package_function.rs) stands in for the one above.
#[cfg(feature = "exercise")]
#[path = "../exercise/package_function.rs"]
mod exercise;
#[cfg(feature = "exercise")]
pub use exercise::package_function;

// ANCHOR: write-zip
/// Writes `entries` into a new zip at `zip_path`, each with its mode; an
/// entry's file that cannot be read is an error that names it.
fn write_zip(entries: &[Entry<'_>], zip_path: &Path) -> io::Result<()> {
    let mut zip = zip::ZipWriter::new(File::create(zip_path)?);
    for entry in entries {
        let contents = fs::read(entry.source).map_err(|error| {
            io::Error::new(error.kind(), format!("{}: {error}", entry.source.display()))
        })?;
        // The mode is stored as Unix permissions: Lambda keeps the executable bit only if the zip has it.
        let options = SimpleFileOptions::default().unix_permissions(entry.mode);
        zip.start_file(entry.name.as_str(), options)
            .map_err(io::Error::other)?;
        zip.write_all(&contents)?;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(())
}
// ANCHOR_END: write-zip

/// Writes a layer: the same layout, for Lambda to unpack into `/opt`. The
/// runtime is then `/opt/bootstrap`, used by any function that ships no
/// `bootstrap` of its own; the handler files still come with each function.
pub fn package_layer(bootstrap: &Path, zip_path: &Path) -> io::Result<()> {
    write_zip(
        &[Entry {
            name: "bootstrap".to_string(),
            source: bootstrap,
            mode: 0o755,
        }],
        zip_path,
    )
}

/// Unpacks a package as Lambda does, modes included, into `folder`.
pub fn unpack(zip_path: &Path, folder: &Path) -> io::Result<()> {
    let mut archive = zip::ZipArchive::new(File::open(zip_path)?).map_err(io::Error::other)?;
    archive.extract(folder).map_err(io::Error::other)
}

/// A glibc version, `GLIBC_<major>.<minor>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Glibc(pub u32, pub u32);

impl fmt::Display for Glibc {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}.{}", self.0, self.1)
    }
}

/// Lambda's OS-only images and the glibc each ships.
pub const IMAGES: [(&str, Glibc); 2] = [
    ("provided.al2023", Glibc(2, 34)),
    ("provided.al2", Glibc(2, 26)),
];

// ANCHOR: glibc
/// The newest glibc symbol version `binary` needs, read from its ELF
/// version-needs table; `None` for a binary that needs no glibc symbols
/// (one linked statically).
pub fn glibc_needed(binary: &Path) -> Result<Option<Glibc>, String> {
    let data = fs::read(binary).map_err(|error| format!("{}: {error}", binary.display()))?;
    let not_elf =
        |error: object::Error| format!("{} is not a 64-bit ELF binary: {error}", binary.display());
    let header = FileHeader64::<Endianness>::parse(&*data).map_err(not_elf)?;
    let endian = header.endian().map_err(not_elf)?;
    let sections = header.sections(endian, &*data).map_err(not_elf)?;
    let Some((mut needs, strings_index)) = sections.gnu_verneed(endian, &*data).map_err(not_elf)?
    else {
        return Ok(None);
    };
    let strings = sections
        .strings(endian, &*data, strings_index)
        .map_err(not_elf)?;
    let mut newest = None;
    while let Some((_library, mut versions)) = needs.next().map_err(not_elf)? {
        while let Some(version) = versions.next().map_err(not_elf)? {
            let name = version.name(endian, strings).map_err(not_elf)?;
            if let Some(found) = parse_glibc(&String::from_utf8_lossy(name)) {
                newest = newest.max(Some(found));
            }
        }
    }
    Ok(newest)
}
// ANCHOR_END: glibc

fn parse_glibc(version: &str) -> Option<Glibc> {
    let numbers = version.strip_prefix("GLIBC_")?;
    let mut parts = numbers.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().unwrap_or("0").parse().ok()?;
    Some(Glibc(major, minor))
}

/// The images a binary needing `needed` runs on.
pub fn images_for(needed: Option<Glibc>) -> Vec<&'static str> {
    IMAGES
        .iter()
        .filter(|(_, has)| needed.is_none_or(|needed| needed <= *has))
        .map(|(image, _)| *image)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_versions_compare_as_numbers() {
        assert_eq!(parse_glibc("GLIBC_2.34"), Some(Glibc(2, 34)));
        assert_eq!(parse_glibc("GLIBC_2.3.4"), Some(Glibc(2, 3)));
        assert_eq!(parse_glibc("GCC_3.0"), None);
        assert!(Glibc(2, 34) > Glibc(2, 4));
    }

    #[test]
    fn which_images_a_binary_runs_on() {
        assert_eq!(images_for(None), ["provided.al2023", "provided.al2"]);
        assert_eq!(images_for(Some(Glibc(2, 34))), ["provided.al2023"]);
        assert_eq!(images_for(Some(Glibc(2, 39))), Vec::<&str>::new());
    }
}
