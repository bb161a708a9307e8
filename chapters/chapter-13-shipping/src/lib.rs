//! Chapter 13: shipping.
//!
//! Lambda runs a custom runtime from a zip: either a *function package*,
//! with `bootstrap` at its root beside the handler files (unpacked into
//! `/var/task`), or a *layer*, whose root becomes `/opt`, where Lambda looks
//! for `/opt/bootstrap` when the function package has none. Either way the
//! executable bit must survive the zip, and the binary must run on the
//! image's C library: glibc 2.34 on `provided.al2023`, 2.26 on
//! `provided.al2`.
//!
//! The bootstrap packaged can be any runtime's (chapter 12's R runtime, for
//! one), and a layer can carry what a runtime needs beside it: the R layer
//! ([`package_r_layer`]) holds an R installation for `/opt`.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use object::Endianness;
use object::elf::FileHeader64;
use object::read::elf::FileHeader;
use zip::write::SimpleFileOptions;

/// A zip being written to a file.
type ZipWriter = zip::ZipWriter<File>;

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
        add_file(&mut zip, &entry.name, entry.source, entry.mode)?;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(())
}

/// Adds the file `source` to `zip` as `name` with `mode`; returns its size
/// in bytes. An error names the file.
fn add_file(zip: &mut ZipWriter, name: &str, source: &Path, mode: u32) -> io::Result<u64> {
    let mut file = File::open(source).map_err(|error| named(source, error))?;
    // The mode is stored as Unix permissions: Lambda keeps the executable bit only if the zip has it.
    let options = SimpleFileOptions::default().unix_permissions(mode);
    zip.start_file(name, options).map_err(io::Error::other)?;
    io::copy(&mut file, zip).map_err(|error| named(source, error))
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

// ANCHOR: rscript
/// The R layer's `bin/Rscript`, for an R whose home (`R.home()`) is `home`
/// in the layer's `R` folder: `lib64/R` for R built on Amazon Linux 2023.
///
/// Lambda's `PATH` is `/usr/local/bin:/usr/bin/:/bin:/opt/bin`, so of a
/// layer only its `bin` is searched, and R installs its own `Rscript` in
/// `R/bin`. This script runs that one, found from where the script is. It
/// also sets `RHOME`, which `Rscript` reads before the home compiled into
/// it, so that the R it starts is the layer's own, wherever the layer was
/// unpacked and whatever `Rscript` was compiled for.
pub fn rscript_wrapper(home: &str) -> String {
    format!(
        r#"#!/bin/sh
# Lambda finds this file on its PATH, in /opt/bin; R is in /opt/R.
layer="$(dirname "$0")/.."
export RHOME="$layer/R/{home}"
exec "$layer/R/bin/Rscript" "$@"
"#
    )
}

/// Where R's home is in `installation`: `lib64/R` or `lib/R`, whichever
/// holds R's program, `bin/exec/R` (R's `configure` picks the first on a
/// 64-bit Linux with `/usr/lib64`, such as Amazon Linux 2023).
fn r_home_in(installation: &Path) -> io::Result<&'static str> {
    ["lib64/R", "lib/R"]
        .into_iter()
        .find(|home| installation.join(home).join("bin/exec/R").is_file())
        .ok_or_else(|| {
            io::Error::other(format!(
                "{} has no R home (lib64/R or lib/R, with bin/exec/R in it)",
                installation.display()
            ))
        })
}
// ANCHOR_END: rscript

/// What a package holds: how many files, and their size in bytes once
/// unpacked (Lambda allows a function and its layers 250 MB unpacked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contents {
    /// Files, folders not counted.
    pub files: usize,
    /// The files' sizes added up, in bytes.
    pub bytes: u64,
}

/// Writes the R layer, for Lambda to unpack into `/opt`:
///
/// - `R/`: `installation`, the folder R was installed into (`make install`
///   after `./configure --prefix=/opt/R`), which must hold `bin/Rscript`
///   and R's home (`lib64/R` or `lib/R`);
/// - `bin/Rscript`: the [`rscript_wrapper`], which Lambda's `PATH` finds;
/// - `lib/`: each of `libraries`, a shared library R needs that the image
///   lacks, under its own file name (`/opt/lib` is on Lambda's
///   `LD_LIBRARY_PATH`).
///
/// Symbolic links are followed, and what they point to is stored as a
/// plain file or folder: a link may point outside the installation (to
/// `/etc`, say), where nothing will be on Lambda. A link to nothing, a
/// folder that links back into itself, and two libraries with one name
/// are errors that name them. Executables are stored with mode `0o755`,
/// everything else `0o644`: Lambda's user owns none of the files and must
/// read them all. Returns what the layer holds, for Lambda's size limit.
pub fn package_r_layer(
    installation: &Path,
    libraries: &[PathBuf],
    zip_path: &Path,
) -> io::Result<Contents> {
    if !installation.join("bin/Rscript").is_file() {
        return Err(io::Error::other(format!(
            "{} has no bin/Rscript: name the folder R was installed into (its --prefix)",
            installation.display()
        )));
    }
    let wrapper = rscript_wrapper(r_home_in(installation)?);
    let mut names: Vec<String> = Vec::new();
    for library in libraries {
        let name = utf8_name(library)?;
        if names.contains(&name) {
            return Err(io::Error::other(format!(
                "two libraries are named {name}: lib/ holds one of each"
            )));
        }
        names.push(name);
    }
    let mut zip = zip::ZipWriter::new(File::create(zip_path)?);
    let mut contents = Contents::default();
    add_folder(&mut zip, "R", installation, &mut Vec::new(), &mut contents)?;

    zip.add_directory("bin", folder_options())
        .map_err(io::Error::other)?;
    zip.start_file(
        "bin/Rscript",
        SimpleFileOptions::default().unix_permissions(0o755),
    )
    .map_err(io::Error::other)?;
    zip.write_all(wrapper.as_bytes())?;
    contents.files += 1;
    contents.bytes += wrapper.len() as u64;

    zip.add_directory("lib", folder_options())
        .map_err(io::Error::other)?;
    for (library, name) in libraries.iter().zip(&names) {
        let mode = mode_for(&fs::metadata(library).map_err(|error| named(library, error))?);
        contents.bytes += add_file(&mut zip, &format!("lib/{name}"), library, mode)?;
        contents.files += 1;
    }
    zip.finish().map_err(io::Error::other)?;
    Ok(contents)
}

/// Adds the folder `source` and everything in it to `zip` as `name`,
/// following symbolic links; `inside` holds the real paths of the folders
/// being added, to refuse a link back into one of them.
fn add_folder(
    zip: &mut ZipWriter,
    name: &str,
    source: &Path,
    inside: &mut Vec<PathBuf>,
    contents: &mut Contents,
) -> io::Result<()> {
    let real = source
        .canonicalize()
        .map_err(|error| named(source, error))?;
    if inside.contains(&real) {
        return Err(io::Error::other(format!(
            "{}: a symbolic link back into a folder that holds it",
            source.display()
        )));
    }
    inside.push(real);
    zip.add_directory(name, folder_options())
        .map_err(io::Error::other)?;
    let mut children: Vec<PathBuf> = fs::read_dir(source)
        .and_then(|entries| {
            entries
                .map(|entry| entry.map(|entry| entry.path()))
                .collect()
        })
        .map_err(|error| named(source, error))?;
    children.sort();
    for child in children {
        let child_name = format!("{name}/{}", utf8_name(&child)?);
        // fs::metadata follows a link; for a link to nothing it fails.
        let metadata = fs::metadata(&child).map_err(|error| named(&child, error))?;
        if metadata.is_dir() {
            add_folder(zip, &child_name, &child, inside, contents)?;
        } else if metadata.is_file() {
            contents.bytes += add_file(zip, &child_name, &child, mode_for(&metadata))?;
            contents.files += 1;
        } else {
            return Err(io::Error::other(format!(
                "{}: neither a file nor a folder",
                child.display()
            )));
        }
    }
    inside.pop();
    Ok(())
}

/// `0o755` for a file anyone may run, `0o644` for any other.
fn mode_for(metadata: &fs::Metadata) -> u32 {
    if metadata.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    }
}

/// A folder's entry in a zip: `0o755`, so that Lambda's user may list and
/// enter it.
fn folder_options() -> SimpleFileOptions {
    SimpleFileOptions::default().unix_permissions(0o755)
}

/// The last part of `path`, which must be UTF-8 to be a name in the zip.
fn utf8_name(path: &Path) -> io::Result<String> {
    path.file_name()
        .and_then(|name| name.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            io::Error::other(format!("{} names no file, or not in UTF-8", path.display()))
        })
}

/// `error`, with `path` in front of its message.
fn named(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
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
