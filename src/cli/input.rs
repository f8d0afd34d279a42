//! Reading the `.access` files of a program.

use std::fs;
use std::path::{Path, PathBuf};

use crate::diagnostics::Diag;
use crate::source::Sources;

/// A failure to read the inputs (exit 2).
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn slash(p: &Path) -> String {
    let text = p.to_string_lossy().replace('\\', "/");
    let mut t = text.as_str();
    while let Some(rest) = t.strip_prefix("./") {
        t = rest;
    }
    t.to_string()
}

/// Find and read every `.access` file under the paths (default `.`), sorted by path, so that
/// the order of arguments does not matter. Files that are not UTF-8 become E002 diagnostics.
pub fn load(paths: &[PathBuf]) -> Result<(Sources, Vec<Diag>), InputError> {
    let default = [PathBuf::from(".")];
    let roots: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    // (display path, name in output, path)
    let mut files: Vec<(String, String, PathBuf)> = Vec::new();
    for root in roots {
        let meta = fs::metadata(root)
            .map_err(|e| InputError(format!("cannot read `{}`: {e}", root.display())))?;
        if meta.is_file() {
            let name = slash(root);
            files.push((name.clone(), name, root.clone()));
            continue;
        }
        for entry in walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
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
            if entry.file_type().is_file() && p.extension().is_some_and(|x| x == "access") {
                let rel = p.strip_prefix(root).unwrap_or(p);
                files.push((slash(p), slash(rel), p.to_path_buf()));
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let mut sources = Sources::new();
    let diags = Vec::new();
    for (display, name, path) in files {
        let bytes = fs::read(&path)
            .map_err(|e| InputError(format!("cannot read `{}`: {e}", path.display())))?;
        match String::from_utf8(bytes) {
            Ok(text) => {
                sources.add_named(display, name, text);
            }
            Err(e) => {
                // Reported as E002 by `compile`, which sees the file as unparsed.
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                sources.add_unparsed(display, text);
                let _ = name;
            }
        }
    }
    Ok((sources, diags))
}
