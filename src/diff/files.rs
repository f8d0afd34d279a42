//! The files on each side of a diff, and their text differences.

use std::fs;
use std::io;
use std::path::Path;

use serde::Serialize;

use super::model::Files;
use crate::emit::manifest;
use crate::emit::Artifact;

/// How a file changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    /// `build` would create it.
    Added,
    /// `build` would rewrite it.
    Modified,
    /// `build` would remove it.
    Removed,
}

impl FileStatus {
    /// The word for reports.
    pub fn word(self) -> &'static str {
        match self {
            FileStatus::Added => "added",
            FileStatus::Modified => "modified",
            FileStatus::Removed => "removed",
        }
    }
}

/// One changed file.
#[derive(Clone, Debug, Serialize)]
pub struct FileChange {
    /// Path relative to the output folder.
    pub path: String,
    /// Added, modified or removed.
    pub status: FileStatus,
    /// The unified diff (None for `manifest.json`, whose changes only restate the others).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

/// The files of a compile.
pub fn from_artifacts(artifacts: &[Artifact]) -> Files {
    artifacts
        .iter()
        .map(|a| (a.path.clone(), a.contents.clone()))
        .collect()
}

/// The files of an output folder that `build` would look at: those its manifest lists, those
/// the new build produces, and the manifest. A missing folder has no files. Read under the
/// folder's shared lock, through [`crate::writer::paths`]: a folder that is or holds a symbolic
/// link, a manifest entry that is not a path inside the folder, and a file accessc did not
/// write that a deployment tool may read are errors (naming them), never read.
pub fn read_output(dir: &Path, produced: &Files) -> Result<Files, String> {
    use crate::writer::{lock, paths};
    let _lock = lock::take(dir, lock::Kind::Shared).map_err(|e| e.to_string())?;
    let listing = paths::list(dir).map_err(|e| e.to_string())?;
    if dir.exists() && !dir.is_dir() {
        return Err(format!("`{}` is not a folder", dir.display()));
    }
    let mut paths: Vec<String> = produced.keys().cloned().collect();
    paths.push(manifest::FILE.to_string());
    if let Some(m) = crate::writer::read_manifest(dir) {
        for e in m.artifacts {
            crate::writer::refuse_entry(dir, &e.path).map_err(|e| e.to_string())?;
            paths.push(e.path);
        }
    }
    paths.sort();
    paths.dedup();
    let foreign = paths::foreign(&listing.files, |p| {
        paths.binary_search_by(|q| q.as_str().cmp(p)).is_ok()
    });
    if !foreign.is_empty() {
        let list: Vec<String> = foreign
            .iter()
            .map(|p| format!("\n  foreign: {}", paths::shown(p)))
            .collect();
        return Err(format!(
            "`{}` holds {} file(s) accessc did not write that Terraform, kubectl, kustomize or \
             another tool may apply with it (`accessc check` fails, `accessc build` refuses to \
             write):{}",
            dir.display(),
            foreign.len(),
            list.concat()
        ));
    }
    let mut files = Files::new();
    for p in paths {
        let full = paths::join(dir, &p).map_err(|why| {
            format!(
                "internal error: the output path `{}` is refused ({why})",
                paths::shown(&p)
            )
        })?;
        match fs::read(&full) {
            Ok(bytes) => {
                files.insert(p, String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.kind() == io::ErrorKind::NotADirectory
                    || e.kind() == io::ErrorKind::IsADirectory => {}
            Err(e) => return Err(format!("cannot read `{}`: {e}", full.display())),
        }
    }
    Ok(files)
}

fn unified(path: &str, old: &str, new: &str, status: FileStatus) -> String {
    let (a, b) = match status {
        FileStatus::Added => ("/dev/null".to_string(), format!("b/{path}")),
        FileStatus::Removed => (format!("a/{path}"), "/dev/null".to_string()),
        FileStatus::Modified => (format!("a/{path}"), format!("b/{path}")),
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

/// The changed files, sorted by path, with their unified diffs.
pub fn changes(base: &Files, new: &Files) -> Vec<FileChange> {
    let mut paths: Vec<&String> = base.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut out = Vec::new();
    for p in paths {
        let (old, now) = (base.get(p), new.get(p));
        let status = match (old, now) {
            (None, Some(_)) => FileStatus::Added,
            (Some(_), None) => FileStatus::Removed,
            (Some(a), Some(b)) if a != b => FileStatus::Modified,
            _ => continue,
        };
        let diff = (p != manifest::FILE).then(|| {
            unified(
                p,
                old.map(String::as_str).unwrap_or(""),
                now.map(String::as_str).unwrap_or(""),
                status,
            )
        });
        out.push(FileChange {
            path: p.clone(),
            status,
            diff,
        });
    }
    out
}
