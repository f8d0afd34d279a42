//! The writer: the only part of accessc that changes the file system.
//!
//! A build is applied atomically. When anything changed, the complete new tree is staged in a
//! sibling folder — unchanged files and files accessc does not own are hard-linked from the
//! current tree (not rewritten), changed and new files are written and synced — and the staged
//! folder is exchanged with the output folder in one `renameat2(RENAME_EXCHANGE)` call on Linux
//! (elsewhere: two renames, repaired on the next run). A killed or failed build therefore leaves
//! either the complete old tree or the complete new one. A build with no change touches nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::emit::manifest::{self, Manifest};
use crate::emit::Artifact;

/// A file-system failure, with the path it happened at.
#[derive(Debug)]
pub struct WriteError {
    /// Path.
    pub path: PathBuf,
    /// What was being done.
    pub action: &'static str,
    /// The OS error.
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot {} `{}`: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for WriteError {}

fn err<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(io::Error) -> WriteError + 'a {
    move |source| WriteError {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// How the output folder differs from what a build produces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files that do not exist yet.
    pub added: Vec<String>,
    /// Files whose contents differ.
    pub changed: Vec<String>,
    /// Files accessc wrote earlier (per the old manifest) and no longer produces.
    pub removed: Vec<String>,
    /// Files that are already right.
    pub unchanged: usize,
}

impl Changes {
    /// Whether the output is already up to date.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// The manifest currently in the output folder, if any.
pub fn read_manifest(out: &Path) -> Option<Manifest> {
    let text = fs::read_to_string(out.join(manifest::FILE)).ok()?;
    manifest::parse(&text)
}

fn rel_path(out: &Path, rel: &str) -> PathBuf {
    let mut p = out.to_path_buf();
    for part in rel.split('/') {
        p.push(part);
    }
    p
}

/// Compare the artifacts with the output folder.
pub fn diff(out: &Path, artifacts: &[Artifact]) -> Result<Changes, WriteError> {
    let mut changes = Changes::default();
    if out.exists() && !out.is_dir() {
        return Err(WriteError {
            path: out.to_path_buf(),
            action: "use as the output folder",
            source: io::Error::other("it is not a folder"),
        });
    }
    let produced: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for a in artifacts {
        let p = rel_path(out, &a.path);
        match fs::read(&p) {
            Ok(bytes) if bytes == a.contents.as_bytes() => changes.unchanged += 1,
            Ok(_) => changes.changed.push(a.path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => changes.added.push(a.path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                changes.added.push(a.path.clone())
            }
            Err(e) => return Err(err(&p, "read")(e)),
        }
    }
    if let Some(old) = read_manifest(out) {
        for entry in old.artifacts {
            if !produced.contains(entry.path.as_str()) && rel_path(out, &entry.path).exists() {
                changes.removed.push(entry.path);
            }
        }
    }
    changes.removed.sort();
    Ok(changes)
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.accessc-{tag}"))
}

/// Finish or undo an interrupted swap from an earlier run (only needed where the exchange is
/// not atomic).
fn repair(out: &Path) -> Result<(), WriteError> {
    let old = sibling(out, "old");
    if old.exists() && !out.exists() {
        fs::rename(&old, out).map_err(err(out, "restore the previous output into"))?;
    } else if old.exists() {
        fs::remove_dir_all(&old).map_err(err(&old, "remove"))?;
    }
    let staging = sibling(out, "new");
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .map_err(err(&staging, "remove the unfinished staging folder"))?;
    }
    Ok(())
}

fn write_synced(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(err(parent, "create folder"))?;
    }
    let mut f = fs::File::create(path).map_err(err(path, "create"))?;
    f.write_all(contents).map_err(err(path, "write"))?;
    f.sync_all().map_err(err(path, "sync"))?;
    Ok(())
}

/// Hard-link (or copy, across devices) every file of `from` into `to`, except `skip`.
fn link_tree(from: &Path, to: &Path, skip: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    for entry in walkdir::WalkDir::new(from).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| WriteError {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| from.to_path_buf()),
            action: "read",
            source: e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("symlink loop")),
        })?;
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        if skip.contains(rel) {
            continue;
        }
        let target = to.join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&target).map_err(err(&target, "create folder"))?;
        } else if ft.is_symlink() {
            let link = fs::read_link(entry.path()).map_err(err(entry.path(), "read link"))?;
            #[cfg(unix)]
            std::os::unix::fs::symlink(&link, &target).map_err(err(&target, "create link"))?;
            #[cfg(not(unix))]
            let _ = link;
        } else if fs::hard_link(entry.path(), &target).is_err() {
            fs::copy(entry.path(), &target).map_err(err(&target, "copy"))?;
        }
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let cb = CString::new(b.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: both pointers are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "no atomic exchange",
    ))
}

fn sync_dir(path: &Path) {
    if let Ok(f) = fs::File::open(path) {
        let _ = f.sync_all();
    }
}

/// Write the artifacts into `out` atomically; returns what changed. Nothing is touched when
/// nothing changed.
pub fn write(out: &Path, artifacts: &[Artifact]) -> Result<Changes, WriteError> {
    repair(out)?;
    let changes = diff(out, artifacts)?;
    if changes.is_empty() {
        return Ok(changes);
    }
    let staging = sibling(out, "new");
    fs::create_dir_all(&staging).map_err(err(&staging, "create the staging folder"))?;
    let result = (|| {
        let dirty: BTreeSet<&str> = changes
            .added
            .iter()
            .chain(&changes.changed)
            .map(String::as_str)
            .collect();
        if out.is_dir() {
            // Everything but changed and removed files is linked into the new tree.
            let skip: BTreeSet<PathBuf> = changes
                .changed
                .iter()
                .chain(&changes.removed)
                .map(|p| rel_path(Path::new(""), p))
                .collect();
            link_tree(out, &staging, &skip)?;
        }
        let by_path: BTreeMap<&str, &Artifact> =
            artifacts.iter().map(|a| (a.path.as_str(), a)).collect();
        for p in &dirty {
            if let Some(a) = by_path.get(p) {
                let target = rel_path(&staging, p);
                write_synced(&target, a.contents.as_bytes())?;
            }
        }
        remove_empty_dirs(&staging);
        sync_dir(&staging);
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    if out.is_dir() {
        match exchange(&staging, out) {
            Ok(()) => {}
            Err(_) => {
                // Two renames; `repair` finishes the job if we are killed in between.
                let old = sibling(out, "old");
                fs::rename(out, &old).map_err(err(out, "move aside"))?;
                if let Err(e) = fs::rename(&staging, out) {
                    let _ = fs::rename(&old, out);
                    return Err(err(out, "replace")(e));
                }
                let _ = fs::remove_dir_all(&old);
                return Ok(changes);
            }
        }
        // `staging` now holds the previous tree.
        fs::remove_dir_all(&staging).map_err(err(&staging, "remove the previous output in"))?;
    } else {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(err(parent, "create folder"))?;
        }
        fs::rename(&staging, out).map_err(err(out, "create"))?;
    }
    if let Some(parent) = out.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        });
    }
    Ok(changes)
}

/// Remove folders left empty by removed files.
fn remove_empty_dirs(root: &Path) {
    let dirs: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .min_depth(1)
        .contents_first(true)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.path().to_path_buf())
        .collect();
    for d in dirs {
        let _ = fs::remove_dir(&d); // fails (and is kept) unless empty
    }
}
