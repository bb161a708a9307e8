//! The shipping build of the runtime (chapter 11's), which can also package
//! itself, or another runtime.
//!
//! - With `AWS_LAMBDA_RUNTIME_API` set, as on Lambda: it is the runtime.
//! - `chapter-13 function [--bootstrap PATH] ZIP FILE...`: writes a function
//!   package with PATH (this binary if not given) as `bootstrap` and the
//!   FILEs beside it.
//! - `chapter-13 layer [--bootstrap PATH] ZIP`: writes a layer with PATH
//!   (this binary if not given) as `bootstrap`.
//! - `chapter-13 r-layer ZIP R_FOLDER [LIBRARY...]`: writes the R layer: the
//!   R installed into R_FOLDER as `R/`, `bin/Rscript` to run it, and the
//!   LIBRARY files in `lib/`; prints how many files and bytes it holds.
//! - `chapter-13 glibc BINARY`: says which of Lambda's images BINARY runs on.
//! - No arguments: packages itself with the tutorial's `function.sh`,
//!   unpacks the zip into a stand-in for `/var/task`, and runs it there under
//!   a local Lambda.
//!
//! Exit status: 0 on success, 1 when packaging fails or a binary runs on
//! none of the images, 2 for a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chapter_13::{
    glibc_needed, images_for, package_function, package_layer, package_r_layer, unpack,
};
use local_lambda::{FunctionConfig, Invocation, LocalLambda, bash_original};

fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        chapter_11::run().log();
        return ExitCode::FAILURE;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let this_binary = std::env::current_exe().expect("the path of this program");
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => demo(&this_binary),
        ["function", "--bootstrap", bootstrap, zip, files @ ..] => {
            function(Path::new(bootstrap), zip, files)
        }
        ["function", zip, files @ ..] if !zip.starts_with("--") => {
            function(&this_binary, zip, files)
        }
        ["layer", "--bootstrap", bootstrap, zip] => layer(Path::new(bootstrap), zip),
        ["layer", zip] if !zip.starts_with("--") => layer(&this_binary, zip),
        ["r-layer", zip, installation, libraries @ ..] => r_layer(zip, installation, libraries),
        ["glibc", binary] => report_glibc(Path::new(binary)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chapter-13: {message}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "usage: chapter-13 [function [--bootstrap PATH] ZIP FILE... | \
layer [--bootstrap PATH] ZIP | r-layer ZIP R_FOLDER [LIBRARY...] | glibc BINARY]";

/// `function`: `bootstrap` and `files` into a function package at `zip`.
fn function(bootstrap: &Path, zip: &str, files: &[&str]) -> Result<(), String> {
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    package_function(bootstrap, &files, Path::new(zip)).map_err(|error| error.to_string())
}

/// `layer`: `bootstrap` alone into a layer at `zip`.
fn layer(bootstrap: &Path, zip: &str) -> Result<(), String> {
    package_layer(bootstrap, Path::new(zip)).map_err(|error| error.to_string())
}

/// `r-layer`: the R installed in `installation`, and `libraries`, into the
/// R layer at `zip`; prints its size, for Lambda's 250 MB limit.
fn r_layer(zip: &str, installation: &str, libraries: &[&str]) -> Result<(), String> {
    let libraries: Vec<PathBuf> = libraries.iter().map(PathBuf::from).collect();
    let contents = package_r_layer(Path::new(installation), &libraries, Path::new(zip))
        .map_err(|error| error.to_string())?;
    println!(
        "{zip}: {} files, {:.1} MB unpacked",
        contents.files,
        contents.bytes as f64 / 1e6
    );
    Ok(())
}

// ANCHOR: report-glibc
/// Prints the glibc a binary needs and the images it runs on; an error when none.
fn report_glibc(binary: &Path) -> Result<(), String> {
    let needed = glibc_needed(binary)?;
    let images = images_for(needed);
    match needed {
        Some(version) => println!("{} needs glibc {version}", binary.display()),
        None => println!(
            "{} needs no glibc symbols (statically linked)",
            binary.display()
        ),
    }
    if images.is_empty() {
        return Err("it runs on none of Lambda's OS-only images".to_string());
    }
    println!("runs on: {}", images.join(", "));
    Ok(())
}
// ANCHOR_END: report-glibc

// ANCHOR: demo
/// Package, unpack, run: what Lambda will do with the zip, done locally.
fn demo(this_binary: &Path) -> Result<(), String> {
    let work = std::env::temp_dir().join(format!("chapter-13-demo-{}", std::process::id()));
    let task_root = work.join("var/task");
    std::fs::create_dir_all(&task_root).map_err(|error| error.to_string())?;
    let zip = work.join("function.zip");
    package_function(this_binary, &[bash_original().join("function.sh")], &zip)
        .map_err(|error| error.to_string())?;
    unpack(&zip, &task_root).map_err(|error| error.to_string())?;
    println!("packaged and unpacked: bootstrap and function.sh");
    report_glibc(&task_root.join("bootstrap"))?;

    let lambda = LocalLambda::start(FunctionConfig::for_bootstrap(task_root.join("bootstrap")))
        .map_err(|error| error.to_string())?;
    let outcome = lambda
        .invoke(Invocation::new(r#"{"some": "request"}"#))
        .map_err(|error| error.to_string())?;
    println!(
        "the unpacked bootstrap answered: {}",
        String::from_utf8_lossy(outcome.body())
    );
    lambda.shutdown();
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}
// ANCHOR_END: demo
