//! Shipping the R runtime: chapter 12's static build as the function package's
//! `bootstrap`, and R itself as a layer, made by the chapter's commands,
//! unpacked as Lambda unpacks them (`/var/task` and `/opt` stand-ins) and
//! run under a local Lambda, with R taken from the unpacked layer.
//!
//! The layer is built from this machine's R. A layer for Lambda holds an R
//! built for the image and installed with `--prefix=/opt/R` (see the
//! book's *Deploying R*); the test makes the same layout from the R it
//! finds here, relocated as R's installation manual allows: `R_HOME_DIR` in
//! `bin/R` names the new home. (`Rscript`, compiled to find the machine's
//! home, is told the new one by the layer's wrapper, as on Lambda.)

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use chapter_13::{package_r_layer, rscript_wrapper, unpack};
use harness::{TaskRoot, events, run, snapshot_settings};
use local_lambda::FunctionConfig;
use object::Endianness;
use object::elf::{DT_NEEDED, FileHeader64};
use object::read::elf::{Dyn, FileHeader};

/// Where R's home is in an installation made with `--prefix`, on an x86_64
/// Linux that has `/usr/lib64`, as Amazon Linux 2023 has.
const HOME_IN_PREFIX: &str = "lib64/R";

/// Runs the chapter's command with `args` and checks that it succeeds;
/// returns what it printed.
fn chapter_13(args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new(assert_cmd::cargo::cargo_bin!("chapter-13"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chapter-13 {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The zip's files (folders left out) with their Unix permission bits.
fn listing(zip_path: &Path) -> Vec<(String, u32)> {
    let mut archive = zip::ZipArchive::new(File::open(zip_path).unwrap()).unwrap();
    (0..archive.len())
        .filter_map(|index| {
            let entry = archive.by_index(index).unwrap();
            let mode = entry.unix_mode().unwrap_or(0) & 0o777;
            (!entry.is_dir()).then(|| (entry.name().unwrap().to_string(), mode))
        })
        .collect()
}

/// Whether the zip holds a symbolic link (the R layer must not).
fn holds_a_link(zip_path: &Path) -> bool {
    let mut archive = zip::ZipArchive::new(File::open(zip_path).unwrap()).unwrap();
    (0..archive.len()).any(|index| archive.by_index(index).unwrap().is_symlink())
}

/// This machine's R, as `Rscript` reports it.
struct MachineR {
    /// Its home, `R.home()`.
    home: PathBuf,
    /// Where jsonlite is installed.
    jsonlite: PathBuf,
    /// Its base packages: those an R built with
    /// `--with-recommended-packages=no` has.
    base_packages: Vec<String>,
}

/// Asks `Rscript` about this machine's R; `None`, with the reason said,
/// where there is no R with jsonlite. In CI that is a failure.
fn machine_r(test: &str) -> Option<MachineR> {
    let asked = Command::new("Rscript")
        .args([
            "-e",
            "cat(R.home(), find.package('jsonlite'), \
             rownames(installed.packages(.Library, priority = 'base')), sep = '\\n')",
        ])
        .output();
    let lines: Vec<String> = match asked {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        _ => {
            harness::skip_for_missing(
                test,
                "Rscript with jsonlite",
                "apt-get install r-base-core r-cran-jsonlite",
            );
            return None;
        }
    };
    Some(MachineR {
        home: PathBuf::from(&lines[0]),
        jsonlite: PathBuf::from(&lines[1]),
        base_packages: lines[2..].to_vec(),
    })
}

/// Makes at `prefix` what `make install` makes for R configured with
/// `--prefix=<final_prefix>`, from the machine's R: `bin/Rscript`,
/// `bin/R` and R's home in `lib64/R`, with the base packages and jsonlite
/// in its library. Most of it is symbolic links into the machine's R,
/// which `chapter-13 r-layer` follows; the files that name R's home are
/// copies, edited to name the new one.
fn install_like_make_install(r: &MachineR, prefix: &Path, final_prefix: &Path) {
    let home = prefix.join(HOME_IN_PREFIX);
    let final_home = final_prefix.join(HOME_IN_PREFIX);
    for folder in ["bin", "etc", "library"] {
        fs::create_dir_all(home.join(folder)).unwrap();
    }
    fs::create_dir_all(prefix.join("bin")).unwrap();
    let link_all_but = |from: &Path, to: &Path, except: &[&str]| {
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if !except.contains(&name.to_str().unwrap()) {
                symlink(entry.path(), to.join(&name)).unwrap();
            }
        }
    };
    // The machine's own site library holds many packages; the layer gets
    // jsonlite alone, in R's library, where the runbook installs it.
    link_all_but(&r.home, &home, &["bin", "etc", "library", "site-library"]);
    link_all_but(&r.home.join("bin"), &home.join("bin"), &["R"]);
    for package in &r.base_packages {
        symlink(
            r.home.join("library").join(package),
            home.join("library").join(package),
        )
        .unwrap();
    }
    symlink(&r.jsonlite, home.join("library/jsonlite")).unwrap();
    // Debian's site settings add its own library folders; a build has none.
    link_all_but(
        &r.home.join("etc"),
        &home.join("etc"),
        &["Renviron", "Renviron.site", "ldpaths"],
    );

    // bin/R: the home it names (R-admin: edit R_HOME_DIR to move R), and
    // the folders Debian keeps outside it, linked into it as a build has them.
    let script = fs::read_to_string(r.home.join("bin/R")).unwrap();
    let mut edited = String::new();
    for line in script.lines() {
        let line = match line.split_once('=') {
            Some(("R_HOME_DIR", _)) => format!("R_HOME_DIR={}", final_home.display()),
            Some((variable @ ("R_SHARE_DIR" | "R_INCLUDE_DIR" | "R_DOC_DIR"), folder)) => {
                let inside = variable.trim_start_matches("R_").trim_end_matches("_DIR");
                let inside = inside.to_lowercase();
                // R's manuals (doc) are left out: R does not read them to run.
                if inside != "doc" && !home.join(&inside).exists() {
                    symlink(folder, home.join(&inside)).unwrap();
                }
                format!("{variable}=${{R_HOME}}/{inside}")
            }
            _ => line.to_string(),
        };
        edited.push_str(&line);
        edited.push('\n');
    }
    write_executable(&home.join("bin/R"), &edited);
    symlink("../lib64/R/bin/R", prefix.join("bin/R")).unwrap();
    symlink(r.home.join("bin/Rscript"), prefix.join("bin/Rscript")).unwrap();

    // etc/ldpaths: R's own lib folder alone, as on the image; Debian's
    // also names the machine's library folder, ahead of LD_LIBRARY_PATH.
    // etc/Renviron: the site library in R's home (`%S`), as a build has it.
    let rewrite = |name: &str, starts: &str, with: &str| {
        let text = fs::read_to_string(r.home.join("etc").join(name)).unwrap();
        let text: Vec<String> = text
            .lines()
            .map(|line| if line.starts_with(starts) { with } else { line })
            .map(str::to_string)
            .collect();
        fs::write(home.join("etc").join(name), text.join("\n") + "\n").unwrap();
    };
    rewrite(
        "ldpaths",
        ": ${R_LD_LIBRARY_PATH=",
        ": ${R_LD_LIBRARY_PATH=${R_HOME}/lib}",
    );
    rewrite(
        "Renviron",
        "R_LIBS_SITE=",
        "R_LIBS_SITE=${R_LIBS_SITE:-'%S'}",
    );
}

/// Writes `text` to `path` as a program (mode 0o755).
fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The shared libraries R's library (`libR.so`) names, outside glibc, as
/// this machine's loader finds them: what the runbook copies into `lib/`
/// when the image lacks them.
fn libraries_r_needs(home: &Path) -> Vec<PathBuf> {
    let lib_r = home.join("lib/libR.so");
    let data = fs::read(&lib_r).unwrap();
    let header = FileHeader64::<Endianness>::parse(&*data).unwrap();
    let endian = header.endian().unwrap();
    let sections = header.sections(endian, &*data).unwrap();
    let (dynamic, strings_index) = sections.dynamic(endian, &*data).unwrap().unwrap();
    let strings = sections.strings(endian, &*data, strings_index).unwrap();
    let needed: Vec<String> = dynamic
        .iter()
        .filter(|entry| entry.tag(endian) == DT_NEEDED)
        .map(|entry| String::from_utf8_lossy(entry.string(endian, strings).unwrap()).into_owned())
        .filter(|name| {
            let glibc = [
                "libc.",
                "libm.",
                "libdl.",
                "libpthread.",
                "librt.",
                "ld-linux",
            ];
            !glibc.iter().any(|part| name.starts_with(part))
        })
        .collect();
    let ldd = Command::new("ldd").arg(&lib_r).output().unwrap();
    String::from_utf8_lossy(&ldd.stdout)
        .lines()
        .filter_map(|line| {
            let (name, rest) = line.trim().split_once(" => ")?;
            let path = rest.split_whitespace().next()?;
            needed
                .contains(&name.to_string())
                .then(|| PathBuf::from(path))
        })
        .collect()
}

/// Chapter 12's runtime as the book ships it: its static build for Lambda,
/// made by the chapter's build command (CI's), which cargo finds up to date
/// when CI has just run it. A test can only name its own package's
/// binaries, so it asks cargo; `--bin` builds the one needed, with the
/// features of both packages, as the full command has them.
fn static_chapter_12() -> PathBuf {
    let this = std::env::current_exe().unwrap();
    // <target>/<profile>/deps/r_layer-HASH
    let target = this.ancestors().nth(3).unwrap();
    let output = Command::new(std::env::var_os("CARGO").unwrap_or("cargo".into()))
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .args(["build", "--release", "--target", "x86_64-unknown-linux-gnu"])
        .args([
            "-p",
            "chapter-12",
            "-p",
            "chapter-13",
            "--bin",
            "chapter-12",
        ])
        .arg("--target-dir")
        .arg(target)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the static build of chapter 12: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    target.join("x86_64-unknown-linux-gnu/release/chapter-12")
}

/// One run of the R runtime from the unpacked packages: `task_root` for
/// `/var/task`, `opt` for `/opt`, with `handler` answering `event`.
fn run_from_packages(
    task_root: &Path,
    opt: &Path,
    handler: &str,
    style: &str,
    event: &str,
) -> Vec<u8> {
    let mut config = FunctionConfig::for_bootstrap(task_root.join("bootstrap"));
    config.handler = handler.to_string();
    config.timeout = Duration::from_secs(30);
    let lambda_library_path = config
        .lambda_environment("", "")
        .into_iter()
        .find(|(name, _)| name == "LD_LIBRARY_PATH")
        .unwrap()
        .1;
    let opt_text = opt.display().to_string();
    config.env = vec![
        // Lambda's PATH with the stand-in for /opt/bin put first: this
        // machine has its own Rscript in /usr/bin, which the image has not.
        (
            "PATH".to_string(),
            format!("{opt_text}/bin:/usr/local/bin:/usr/bin/:/bin"),
        ),
        (
            "LD_LIBRARY_PATH".to_string(),
            lambda_library_path.replace("/opt/lib", &format!("{opt_text}/lib")),
        ),
        ("R_HANDLER_STYLE".to_string(), style.to_string()),
    ];
    let answered = run(config, &events(&[event]));
    let outcome = answered.outcomes[0].as_ref().unwrap();
    assert!(
        outcome.is_success(),
        "{handler}: {}\n{}",
        String::from_utf8_lossy(outcome.body()),
        answered.log_text()
    );
    outcome.body().to_vec()
}

#[test]
fn the_r_runtime_and_the_r_layer_run_from_their_zips() {
    let Some(r) = machine_r("the_r_runtime_and_the_r_layer_run_from_their_zips") else {
        return;
    };
    let work = TaskRoot::new();
    let opt = work.path().join("opt");
    let task_root = work.path().join("var/task");
    let installed = work.path().join("installed/R");
    install_like_make_install(&r, &installed, &opt.join("R"));
    let libraries = libraries_r_needs(&r.home);

    let function_zip = work.path().join("function.zip");
    let r_layer_zip = work.path().join("r-layer.zip");
    let chapter_12_r = harness::workspace_root().join("chapters/chapter-12-r/example/runtime.R");
    let where_r = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/where.R");
    chapter_13(&[
        "function".as_ref(),
        "--bootstrap".as_ref(),
        static_chapter_12().as_ref(),
        function_zip.as_ref(),
        chapter_12_r.as_ref(),
        where_r.as_ref(),
    ]);
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["r-layer".as_ref(), r_layer_zip.as_ref(), installed.as_ref()];
    args.extend(libraries.iter().map(|library| library.as_os_str()));
    let printed = chapter_13(&args);
    assert!(
        printed.starts_with(&format!("{}: ", r_layer_zip.display()))
            && printed.trim_end().ends_with(" MB unpacked"),
        "{printed}"
    );

    harness::claim_eq(
        "the function package holds chapter 12's static runtime as bootstrap (0o755) and the handler files (0o644)",
        listing(&function_zip),
        vec![
            ("bootstrap".to_string(), 0o755),
            ("runtime.R".to_string(), 0o644),
            ("where.R".to_string(), 0o644),
        ],
    );
    let layer = listing(&r_layer_zip);
    let mode_of = |name: &str| {
        layer
            .iter()
            .find(|(entry, _)| entry == name)
            .map(|(_, mode)| *mode)
    };
    harness::claim_eq(
        "the layer's programs are executable: the wrapper, Rscript, bin/R and R itself",
        [
            "bin/Rscript",
            "R/bin/Rscript",
            "R/lib64/R/bin/R",
            "R/lib64/R/bin/exec/R",
        ]
        .map(mode_of),
        [Some(0o755); 4],
    );
    harness::claim_eq(
        "the layer's data is readable, not executable",
        mode_of("R/lib64/R/library/jsonlite/DESCRIPTION"),
        Some(0o644),
    );
    assert!(
        layer.iter().all(|(name, _)| ["R/", "bin/", "lib/"]
            .iter()
            .any(|top| name.starts_with(top))),
        "everything is under R/, bin/ or lib/"
    );
    assert!(
        !holds_a_link(&r_layer_zip),
        "the links were followed: no link in the zip"
    );
    let in_lib: BTreeSet<String> = layer
        .iter()
        .filter_map(|(name, _)| name.strip_prefix("lib/").map(str::to_string))
        .collect();
    let wanted: BTreeSet<String> = libraries
        .iter()
        .map(|library| library.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    harness::claim_eq(
        "lib/ holds each library given, by its name",
        &in_lib,
        &wanted,
    );
    assert!(
        !in_lib.is_empty(),
        "R's library needs libraries outside glibc"
    );

    // Nothing left but the zips: what runs comes out of them.
    fs::remove_dir_all(work.path().join("installed")).unwrap();
    unpack(&function_zip, &task_root).unwrap();
    unpack(&r_layer_zip, &opt).unwrap();
    harness::claim_eq(
        "the unpacked wrapper is the chapter's",
        fs::read_to_string(opt.join("bin/Rscript")).unwrap(),
        rscript_wrapper(HOME_IN_PREFIX),
    );

    let parity = run_from_packages(
        &task_root,
        &opt,
        "runtime.parity",
        "lambdr",
        r#"{"number": 9}"#,
    );
    harness::claim_eq(
        "lambdr's parity handler answers through the layer's R",
        String::from_utf8_lossy(&parity).into_owned(),
        r#"{"parity":"odd"}"#.to_string(),
    );

    let answer = run_from_packages(&task_root, &opt, "where.origin", "string", "\"where?\"");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let fact = |name: &str| -> Vec<String> {
        answer
            .lines()
            .filter_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')
                    .map(str::to_string)
            })
            .collect()
    };
    let loaded = fact("loaded");
    let opt_text = opt.display().to_string();
    let from_layer_lib: BTreeSet<String> = loaded
        .iter()
        .filter_map(|path| {
            path.strip_prefix(&format!("{opt_text}/lib/"))
                .map(str::to_string)
        })
        .collect();
    harness::claim_eq(
        "R loaded every library of the layer's lib/ from there",
        &from_layer_lib,
        &in_lib,
    );
    let from_machine_r: Vec<&String> = loaded
        .iter()
        .filter(|path| Path::new(path).starts_with(&r.home))
        .collect();
    let lib_r: Vec<&String> = loaded
        .iter()
        .filter(|path| path.ends_with("/libR.so"))
        .collect();
    let report = format!(
        "R home:       {}\nR's program:  {}\nlibR.so:      {}\njsonlite:     {}\n\
         lib/:         every library loaded from {}\n\
         loaded from the machine's R: {}\n",
        fact("home").join(", "),
        fact("program").join(", "),
        lib_r
            .iter()
            .map(|path| path.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        fact("jsonlite").join(", "),
        if from_layer_lib == in_lib {
            format!("{opt_text}/lib")
        } else {
            "elsewhere".to_string()
        },
        if from_machine_r.is_empty() {
            "nothing".to_string()
        } else {
            format!("{from_machine_r:?}")
        },
    )
    .replace(&opt_text, "<opt>");
    snapshot_settings().bind(|| insta::assert_snapshot!("r_layer_origin", report));
}

#[test]
fn a_folder_without_rscript_or_r_home_is_refused_by_name() {
    let work = TaskRoot::new();
    let zip = work.path().join("r-layer.zip");
    let refused = package_r_layer(work.path(), &[], &zip).map_err(|error| error.to_string());
    harness::claim_eq(
        "a folder R was not installed into is refused, and the message says what to give",
        refused,
        Err(format!(
            "{} has no bin/Rscript: name the folder R was installed into (its --prefix)",
            work.path().display()
        )),
    );
    write_executable(&work.write("bin/Rscript", ""), "#!/bin/sh\n");
    let refused = package_r_layer(work.path(), &[], &zip).map_err(|error| error.to_string());
    harness::claim_eq(
        "an Rscript without R's home beside it is refused too",
        refused,
        Err(format!(
            "{} has no R home (lib64/R or lib/R, with bin/exec/R in it)",
            work.path().display()
        )),
    );
}

/// A made-up installation: `bin/Rscript` and R's program in its home, two
/// scripts that do nothing.
fn tiny_installation(work: &TaskRoot) -> PathBuf {
    let installation = work.path().join("R");
    fs::create_dir_all(installation.join("bin")).unwrap();
    fs::create_dir_all(installation.join("lib64/R/bin/exec")).unwrap();
    write_executable(&installation.join("bin/Rscript"), "#!/bin/sh\n");
    write_executable(&installation.join("lib64/R/bin/exec/R"), "#!/bin/sh\n");
    installation
}

#[test]
fn symbolic_links_are_followed_and_stored_as_what_they_point_to() {
    let work = TaskRoot::new();
    let installation = tiny_installation(&work);
    let outside = work.path().join("outside");
    fs::create_dir_all(outside.join("etc")).unwrap();
    fs::write(outside.join("etc/Renviron"), "R_PAPERSIZE=a4\n").unwrap();
    symlink(outside.join("etc"), installation.join("etc")).unwrap();
    symlink("Rscript", installation.join("bin/Rscript-again")).unwrap();
    let zip = work.path().join("r-layer.zip");
    package_r_layer(&installation, &[], &zip).unwrap();
    harness::claim_eq(
        "a link to a folder outside and a link to a file inside become a folder and a file",
        listing(&zip),
        vec![
            ("R/bin/Rscript".to_string(), 0o755),
            ("R/bin/Rscript-again".to_string(), 0o755),
            ("R/etc/Renviron".to_string(), 0o644),
            ("R/lib64/R/bin/exec/R".to_string(), 0o755),
            ("bin/Rscript".to_string(), 0o755),
        ],
    );
    assert!(!holds_a_link(&zip));
    let unpacked = work.path().join("opt");
    unpack(&zip, &unpacked).unwrap();
    harness::claim_eq(
        "the file linked to is stored with its contents",
        fs::read_to_string(unpacked.join("R/etc/Renviron")).unwrap(),
        "R_PAPERSIZE=a4\n".to_string(),
    );
}

#[test]
fn a_link_to_nothing_and_a_link_loop_are_refused_by_name() {
    let work = TaskRoot::new();
    let installation = tiny_installation(&work);
    let zip = work.path().join("r-layer.zip");
    symlink(work.path().join("gone"), installation.join("dangling")).unwrap();
    let refused = package_r_layer(&installation, &[], &zip).map_err(|error| error.to_string());
    assert!(
        refused.as_ref().is_err_and(|message| message
            .starts_with(&format!("{}: ", installation.join("dangling").display()))),
        "{refused:?}"
    );
    fs::remove_file(installation.join("dangling")).unwrap();
    symlink("..", installation.join("bin/up")).unwrap();
    let refused = package_r_layer(&installation, &[], &zip).map_err(|error| error.to_string());
    harness::claim_eq(
        "a link back into a folder that holds it is refused",
        refused,
        Err(format!(
            "{}: a symbolic link back into a folder that holds it",
            installation.join("bin/up").display()
        )),
    );
}

#[test]
fn two_libraries_with_one_name_are_refused() {
    let work = TaskRoot::new();
    let installation = tiny_installation(&work);
    let libraries = [
        work.write("a/libz.so.1", "a"),
        work.write("b/libz.so.1", "b"),
    ];
    let zip = work.path().join("r-layer.zip");
    let refused =
        package_r_layer(&installation, &libraries, &zip).map_err(|error| error.to_string());
    harness::claim_eq(
        "lib/ cannot hold two files of one name: the second is refused, by name",
        refused,
        Err("two libraries are named libz.so.1: lib/ holds one of each".to_string()),
    );
}
