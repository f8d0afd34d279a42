//! Reading the `.access` files of a program.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diag;
use crate::source::{display_name, Sources};

/// A failure to read the inputs (exit 2).
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path `/`-separated. Only on Windows is `\` a separator: elsewhere it is a character of a
/// name, kept (and shown as `\u{5c}`).
fn slash(p: &Path) -> String {
    let text = p.to_string_lossy();
    let text = if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    let mut t = text.as_str();
    while let Some(rest) = t.strip_prefix("./") {
        t = rest;
    }
    t.to_string()
}

/// The largest input file accessc reads: 64 MiB (spans are 32-bit, and no program is near it).
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// A path as messages show it (see [`display_name`]).
fn shown(p: &Path) -> String {
    display_name(&slash(p)).into_owned()
}

/// The name in generated files of a file named directly: never an absolute path, so that the
/// output does not depend on where the checkout lives. A relative path that stays below the
/// working directory is kept (`apps/payments.access`); any other path (absolute, or with a `..`)
/// is made relative to the working directory when the file is below it, else it is the file's
/// name (`/ci/clone/apps/payments.access` → `apps/payments.access` from `/ci/clone`, else
/// `payments.access`).
pub fn named_file(p: &Path) -> String {
    use std::path::Component;
    let plain = p
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain {
        return slash(p);
    }
    let file_name = || p.file_name().map(|n| slash(Path::new(n)));
    // The folder that holds the file, resolved (the file itself may be a link), and the working
    // directory, resolved the same way.
    let below = (|| {
        let parent = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let dir = fs::canonicalize(parent).ok()?;
        let cwd = fs::canonicalize(std::env::current_dir().ok()?).ok()?;
        let rel = dir.strip_prefix(&cwd).ok()?.join(p.file_name()?);
        Some(slash(&rel))
    })();
    below.or_else(file_name).unwrap_or_else(|| slash(p))
}

/// Refuse `p` (a symbolic link) unless it resolves to a path inside `base` (canonical).
fn check_inside(p: &Path, base: &Path, root: &Path) -> Result<(), InputError> {
    let target =
        fs::canonicalize(p).map_err(|e| InputError(format!("cannot read `{}`: {e}", shown(p))))?;
    if target.starts_with(base) {
        Ok(())
    } else {
        Err(InputError(format!(
            "`{}` is a symbolic link to a path outside `{}`; accessc reads only files inside the folders it is given (copy the file in, or give its folder as an input)",
            shown(p),
            shown(root)
        )))
    }
}

/// Read a regular file of at most `max` bytes (`what`: `input`, `template`).
pub fn read_capped(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let err = |e: std::io::Error| format!("cannot read `{}`: {e}", shown(path));
    // Checked before opening, so that opening a FIFO does not block.
    if !fs::metadata(path).map_err(err)?.is_file() {
        return Err(format!(
            "`{}` is not a regular file; accessc reads only regular files as {what}s",
            shown(path)
        ));
    }
    let file = fs::File::open(path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Err(format!(
            "`{}` is not a regular file; accessc reads only regular files as {what}s",
            shown(path)
        ));
    }
    let too_large = || {
        format!(
            "`{}` is larger than {} MiB, the most accessc reads from one {what} file",
            shown(path),
            max >> 20
        )
    };
    if meta.len() > max {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max + 1).read_to_end(&mut bytes).map_err(err)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Find and read every `.access` file under the paths (default `.`), sorted by path, so that
/// the order of arguments does not matter. Files that are not UTF-8 become E002 diagnostics.
///
/// Only files inside the paths are read: a symbolic link (to an `.access` file or a folder)
/// whose target is outside the path it was found under is refused, as is an `.access` entry
/// that is not a regular file (a FIFO, a device) or is larger than [`MAX_INPUT_BYTES`]. A file
/// named on the command line counts as inside the folder that holds it.
pub fn load(paths: &[PathBuf]) -> Result<(Sources, Vec<Diag>), InputError> {
    let default = [PathBuf::from(".")];
    let roots: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    // (display path, name in output, path)
    let mut files: Vec<(String, String, PathBuf)> = Vec::new();
    for root in roots {
        let meta = fs::metadata(root)
            .map_err(|e| InputError(format!("cannot read `{}`: {e}", shown(root))))?;
        if meta.is_file() {
            let is_link = fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink());
            if is_link {
                let parent = match root.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let base = fs::canonicalize(parent)
                    .map_err(|e| InputError(format!("cannot read `{}`: {e}", shown(parent))))?;
                check_inside(root, &base, parent)?;
            }
            files.push((slash(root), named_file(root), root.clone()));
            continue;
        }
        let base = fs::canonicalize(root)
            .map_err(|e| InputError(format!("cannot read `{}`: {e}", shown(root))))?;
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| {
                let path = e.path().map(shown).unwrap_or_else(|| shown(root));
                if e.loop_ancestor().is_some() {
                    InputError(format!("cannot read `{path}`: symbolic link loop"))
                } else {
                    InputError(format!(
                        "cannot read `{path}`: {}",
                        e.into_io_error().map(|e| e.to_string()).unwrap_or_default()
                    ))
                }
            })?;
            let p = entry.path();
            let access = p.extension().is_some_and(|x| x == "access");
            let dir = entry.file_type().is_dir();
            if entry.path_is_symlink() && (dir || access) {
                check_inside(p, &base, root)?;
            }
            if access && !dir {
                if !entry.file_type().is_file() {
                    return Err(InputError(format!(
                        "`{}` is not a regular file; accessc reads only regular files as inputs",
                        shown(p)
                    )));
                }
                let rel = p.strip_prefix(root).unwrap_or(p);
                files.push((slash(p), slash(rel), p.to_path_buf()));
            }
        }
    }
    files.sort();
    // The same file found twice (a folder and a file in it given): once. Two files whose names
    // show alike (names that are not UTF-8) are both read.
    files.dedup_by(|a, b| (a.0 == b.0 && !a.0.contains('\u{fffd}')) || a.2 == b.2);
    let mut sources = Sources::new();
    let diags = Vec::new();
    for (display, name, path) in files {
        let bytes = read_capped(&path, MAX_INPUT_BYTES, "input").map_err(InputError)?;
        let id = match String::from_utf8(bytes) {
            Ok(text) => sources.add_named(display, name, text),
            Err(e) => {
                // Reported as E002 by `compile`, which sees the file as unparsed.
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                sources.add_unparsed(display, text)
            }
        };
        sources.set_file(id, path);
    }
    Ok((sources, diags))
}
