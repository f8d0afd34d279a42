//! The files on each side of a diff, and their text differences.

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
