//! `accessc fmt [--check] [--diff] [PATH…]`: the file-system side of the formatter
//! ([`crate::fmt`]).
//!
//! Every `*.access` file under the paths is formatted; a file is rewritten only when its text
//! changes, atomically (a temporary file next to it, synced, then renamed over it, keeping its
//! permissions). `--check` writes nothing and lists the files that would change. A file with
//! syntax errors is reported and left alone. `-` formats standard input to standard output.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use super::{exit, input, stdout};
use crate::diagnostics::render::{self, Format};
use crate::diagnostics::Diag;
use crate::fmt::command::diff;
use crate::fmt::FmtError;
use crate::source::Sources;

/// What `fmt` was asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Write nothing; exit 1 when a file would change.
    pub check: bool,
    /// Print a unified diff of each change.
    pub diff: bool,
}

/// Run `accessc fmt`; returns the exit code.
pub fn run(paths: &[PathBuf], options: Options, format: Format) -> u8 {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        return stdin(options, format);
    }
    let (sources, _) = match input::load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let mut changed = 0usize;
    let mut unchanged = 0usize;
    let mut broken = 0usize;
    let mut failed = false;
    for (_, file) in sources.iter() {
        // `file.path` is the display form of the name; the file is opened where it was found.
        let path = file.file.as_deref().unwrap_or(Path::new(&file.path));
        if file.unparsed {
            eprintln!(
                "error[E002]: `{}` is not valid UTF-8; not formatted",
                file.path
            );
            broken += 1;
            continue;
        }
        let original = match fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", file.path);
                failed = true;
                continue;
            }
        };
        let formatted = match crate::fmt::format(&file.text) {
            Ok(t) => t,
            Err(FmtError::Syntax(diags)) => {
                report(&file.path, &file.text, &diags, format);
                broken += 1;
                continue;
            }
            Err(FmtError::Internal(msg)) => {
                eprintln!(
                    "error: {}: the formatter failed its own check ({msg}); the file is left as it is — please report this",
                    file.path
                );
                broken += 1;
                continue;
            }
        };
        if original == formatted.as_bytes() {
            unchanged += 1;
            continue;
        }
        changed += 1;
        if options.diff {
            stdout::print(&diff(
                &file.path,
                &String::from_utf8_lossy(&original),
                &formatted,
            ));
        }
        if options.check {
            if !options.diff {
                stdout::print(&format!("{}\n", file.path));
            }
        } else if let Err(e) = write_atomically(path, formatted.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", file.path);
            failed = true;
        }
    }
    let files = |n: usize| format!("{n} file{}", if n == 1 { "" } else { "s" });
    let (would_change, would_stay) = if options.check {
        ("would be reformatted", "already formatted")
    } else {
        ("reformatted", "unchanged")
    };
    eprintln!(
        "accessc fmt: {} {would_change}, {} {would_stay}{}",
        files(changed),
        files(unchanged),
        if broken > 0 {
            format!(", {} not formatted (errors)", files(broken))
        } else {
            String::new()
        }
    );
    if failed {
        exit::SYSTEM
    } else if broken > 0 || (options.check && changed > 0) {
        exit::INPUT
    } else {
        exit::OK
    }
}

fn stdin(options: Options, format: Format) -> u8 {
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        eprintln!("error: cannot read standard input: {e}");
        return exit::SYSTEM;
    }
    match crate::fmt::format(&text) {
        Ok(formatted) => {
            if options.check {
                if formatted != text {
                    if options.diff {
                        stdout::print(&diff("<stdin>", &text, &formatted));
                    }
                    eprintln!("accessc fmt: standard input would be reformatted");
                    return exit::INPUT;
                }
                exit::OK
            } else {
                stdout::print(&formatted);
                exit::OK
            }
        }
        Err(FmtError::Syntax(diags)) => {
            report("standard input", &text, &diags, format);
            exit::INPUT
        }
        Err(FmtError::Internal(msg)) => {
            eprintln!("error: the formatter failed its own check ({msg}); please report this");
            exit::INPUT
        }
    }
}

/// Print the syntax errors of a file that is not formatted.
fn report(path: &str, text: &str, diags: &[Diag], format: Format) {
    let mut sources = Sources::new();
    sources.add(path, text);
    eprint!("{}", render::render(diags, &sources, format));
    eprintln!("accessc fmt: `{path}` has syntax errors; not formatted");
}

/// Replace a file's contents atomically: write a temporary file in the same folder, sync it,
/// give it the original's permissions, and rename it over the original.
pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let tmp = dir.join(format!(".{name}.accessc-fmt-{}", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}
