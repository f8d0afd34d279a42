//! The writer: the last stage of the pipeline, where a build's artifacts reach the output folder.
//! It is the only part of accessc that changes an output folder (elsewhere only files a user
//! names are written: `fmt --write` rewrites sources, `import -o FILE` writes one file). It
//! imports the emitters' types ([`Artifact`], the manifest); emission never imports the writer.
//!
//! A build is applied atomically. When anything changed, the complete new tree is staged in a
//! sibling folder — unchanged files and files accessc does not own are hard-linked from the
//! current tree (not rewritten), changed and new files are written and synced — and the staged
//! folder is exchanged with the output folder in one `renameat2(RENAME_EXCHANGE)` call on Linux
//! (elsewhere: two renames, repaired on the next run). A killed or failed build therefore leaves
//! either the complete old tree or the complete new one. A build with no change touches nothing.
//!
//! Every path opened in an output folder goes through [`paths`] (no `..`, absolute, empty,
//! reserved or control-character component; no symbolic link in or as the folder), files
//! accessc did not write that a tool may apply make `check` fail and `build` refuse, and a
//! build holds the folder's [`lock`] (`check` and `diff` share it) from before it looks at
//! the staging folder until its tree is in place.

pub(crate) mod fresh;
pub(crate) mod lock;
pub(crate) mod paths;
pub(crate) mod session;
pub(crate) mod stamp;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::emit::manifest::{self, Manifest};
use crate::emit::Artifact;
pub use session::{Mode, Session, State, Taken};

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
    /// Files accessc did not write (in no manifest) that a deployment tool may read
    /// ([`paths::inert`]): `check` fails and `build` refuses to write while there are any.
    pub foreign: Vec<String>,
    /// Why the previous tree could not be removed after the new one was swapped in, and where
    /// it was left (the new output is complete; the next build removes the old one).
    pub leftover: Option<String>,
}

impl Changes {
    /// Whether the output is already up to date.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.foreign.is_empty()
    }
}

/// The manifest file of `out`, opened only when it is a regular file in a folder that is not a
/// symbolic link (a committed link to `/dev/zero` or `/proc/self/environ` is not read; the
/// session then refuses the folder, naming the link).
fn open_manifest(out: &Path) -> Option<fs::File> {
    if fs::symlink_metadata(out).ok()?.file_type().is_symlink() {
        return None;
    }
    let path = out.join(manifest::FILE);
    if !fs::symlink_metadata(&path).ok()?.file_type().is_file() {
        return None;
    }
    fs::File::open(path).ok()
}

/// The manifest currently in the output folder, if any.
pub fn read_manifest(out: &Path) -> Option<Manifest> {
    use std::io::Read;
    let mut text = String::new();
    open_manifest(out)?.read_to_string(&mut text).ok()?;
    manifest::parse(&text)
}

/// The manifest currently in the output folder without its list of artifacts (empty): its
/// generator and cluster settings, which a build compares against. The list is most of a large
/// manifest (tens of megabytes) and is skipped unparsed.
pub fn read_manifest_head(out: &Path) -> Option<Manifest> {
    use serde::de::IgnoredAny;
    #[derive(serde::Deserialize)]
    struct Head {
        generator: String,
        #[serde(default)]
        clusters: BTreeMap<String, manifest::ClusterEntry>,
        #[allow(dead_code)]
        artifacts: IgnoredAny,
    }
    use std::io::Read;
    // accessc writes the list last, as `\n  "artifacts": [`: read up to it only (a raw newline
    // cannot occur inside a JSON string, so this is the top-level key). Anything else — an
    // edited or foreign manifest — is read and parsed whole.
    const LIST: &[u8] = b"\n  \"artifacts\": ";
    let mut f = open_manifest(out)?;
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        let from = bytes.len().saturating_sub(LIST.len());
        bytes.extend_from_slice(&chunk[..n]);
        if let Some(at) = bytes[from..].windows(LIST.len()).position(|w| w == LIST) {
            let mut head = bytes[..from + at].to_vec();
            head.extend_from_slice(b"\n  \"artifacts\": []\n}");
            if let Ok(h) = serde_json::from_slice::<Head>(&head) {
                return Some(Manifest {
                    generator: h.generator,
                    clusters: h.clusters,
                    artifacts: Vec::new(),
                });
            }
            // Not our layout after all: read it whole.
            f.read_to_end(&mut bytes).ok()?;
            break;
        }
    }
    let head: Head = serde_json::from_slice(&bytes).ok()?;
    Some(Manifest {
        generator: head.generator,
        clusters: head.clusters,
        artifacts: Vec::new(),
    })
}

/// Compare the artifacts with the output folder.
pub fn diff(out: &Path, artifacts: &[Artifact]) -> Result<Changes, WriteError> {
    run(out, artifacts, Mode::Check, false)
}

/// [`diff`] for `accessc check`: when the output is up to date and some files had to be read
/// back, their `stat` is recorded in the stamp so that the next check need not read them.
pub fn check(out: &Path, artifacts: &[Artifact]) -> Result<Changes, WriteError> {
    run(out, artifacts, Mode::Check, true)
}

/// Write the artifacts into `out` atomically; returns what changed. Nothing is touched when
/// nothing changed.
pub fn write(out: &Path, artifacts: &[Artifact]) -> Result<Changes, WriteError> {
    run(out, artifacts, Mode::Build, true)
}

fn run(out: &Path, artifacts: &[Artifact], mode: Mode, stamp: bool) -> Result<Changes, WriteError> {
    let session = Session::open(out, mode)?.keep_stamp(stamp);
    let taken = crate::par::map(
        artifacts,
        |a| a.contents.len() + 4096,
        1 << 20,
        |a| session.take(&a.path, a.contents.as_bytes()),
    );
    let mut all = Vec::with_capacity(artifacts.len());
    for (a, t) in artifacts.iter().zip(taken) {
        all.push((a.path.clone(), t?));
    }
    session.finish(all)
}

/// The paths the manifest in `out` lists, or none when there is no readable manifest. Only the
/// paths are kept: the manifest of a large program is tens of megabytes. An entry that is not
/// a path inside the folder ([`paths::check`]) is an error naming it: it is never opened.
fn manifest_paths(out: &Path) -> Result<Vec<String>, WriteError> {
    use serde::de::IgnoredAny;
    #[derive(serde::Deserialize)]
    struct Paths {
        #[allow(dead_code)]
        generator: IgnoredAny,
        artifacts: Vec<PathOnly>,
    }
    #[derive(serde::Deserialize)]
    struct PathOnly {
        path: String,
        #[allow(dead_code)]
        kind: IgnoredAny,
        #[allow(dead_code)]
        sources: IgnoredAny,
        #[allow(dead_code)]
        sha256: IgnoredAny,
    }
    let mut bytes = Vec::new();
    {
        use std::io::Read;
        let Some(mut f) = open_manifest(out) else {
            return Ok(Vec::new());
        };
        if f.read_to_end(&mut bytes).is_err() {
            return Ok(Vec::new());
        }
    }
    let listed: Vec<String> = serde_json::from_slice::<Paths>(&bytes)
        .map(|m| m.artifacts.into_iter().map(|e| e.path).collect())
        .unwrap_or_default();
    for p in &listed {
        refuse_entry(out, p)?;
    }
    Ok(listed)
}

/// The error for manifest entry `rel` of the manifest in `out`, when it is not a path inside
/// the folder.
pub fn refuse_entry(out: &Path, rel: &str) -> Result<(), WriteError> {
    paths::check(rel).map_err(|why| WriteError {
        path: out.join(manifest::FILE),
        action: "use",
        source: io::Error::other(format!(
            "its entry `{}` is refused ({why}); accessc only writes paths inside the output \
             folder, so the manifest was edited by hand",
            paths::shown(rel)
        )),
    })
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    // `-o .` or `-o ..`: next to the folder they name, not inside it.
    if out.file_name().is_none() {
        if let Some(abs) = fs::canonicalize(out)
            .ok()
            .filter(|a| a.file_name().is_some())
        {
            return sibling(&abs, tag);
        }
    }
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

/// Make the staged tree durable before it is swapped in. On Linux, one `syncfs(2)` on its file
/// system: one journal commit for the whole tree, where an `fsync` per file cost a commit each
/// (about 2.7 ms a file: 33 s for 12,000 files). Elsewhere, or if `syncfs` fails, each written
/// file and the staging folder are synced.
fn sync_tree(staging: &Path, written: &[PathBuf]) -> Result<(), WriteError> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::io::AsRawFd;
        if let Ok(dir) = fs::File::open(staging) {
            // SAFETY: the descriptor stays open for the duration of the call.
            if unsafe { libc::syncfs(dir.as_raw_fd()) } == 0 {
                return Ok(());
            }
        }
    }
    for p in written {
        fs::File::open(p)
            .and_then(|f| f.sync_all())
            .map_err(err(p, "sync"))?;
    }
    sync_dir(staging);
    Ok(())
}

/// Hard-link (or copy, across devices) every file of `from` into `to`, except `skip`. Symbolic
/// links are not followed: one is an error ([`paths::list`] refused it already).
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
        } else if !ft.is_file() {
            // accessc never writes a symbolic link (or anything but files and folders): it
            // neither follows one nor carries it into the new tree.
            return Err(WriteError {
                path: entry.path().to_path_buf(),
                action: "copy",
                source: io::Error::other("it is not a regular file or folder"),
            });
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

/// Whether this process may create and remove entries in a folder (`access(2)`, which also
/// sees read-only mounts and immutable folders, unlike the permission bits).
#[cfg(target_os = "linux")]
fn writable(path: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    // SAFETY: the pointer is a valid NUL-terminated string that outlives the call.
    let rc = unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn writable(_path: &Path) -> io::Result<()> {
    Ok(())
}

fn sync_dir(path: &Path) {
    if let Ok(f) = fs::File::open(path) {
        let _ = f.sync_all();
    }
}

/// Swap the complete staged tree in for `out` (atomically where the platform can), then
/// remove the previous tree.
fn swap(out: &Path, staging: &Path) -> Result<Option<String>, WriteError> {
    let mut leftover = None;
    if out.is_dir() {
        match exchange(staging, out) {
            Ok(()) => {}
            Err(_) => {
                // Two renames; `repair` finishes the job if we are killed in between.
                let old = sibling(out, "old");
                if let Err(e) = fs::rename(out, &old) {
                    let _ = fs::remove_dir_all(staging);
                    return Err(err(out, "move aside")(e));
                }
                if let Err(e) = fs::rename(staging, out) {
                    let _ = fs::rename(&old, out);
                    let _ = fs::remove_dir_all(staging);
                    return Err(err(out, "replace")(e));
                }
                let _ = fs::remove_dir_all(&old);
                return Ok(None);
            }
        }
        // `staging` now holds the previous tree. The new output is in place whatever happens
        // next: a failure to remove the old one is reported, not an error (`repair` retries).
        if let Err(e) = fs::remove_dir_all(staging) {
            leftover = Some(format!(
                "cannot remove the previous output, left in `{}`: {e}; the next build removes it",
                staging.display()
            ));
        }
    } else {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(err(parent, "create folder"))?;
        }
        fs::rename(staging, out).map_err(err(out, "create"))?;
    }
    if let Some(parent) = out.parent() {
        sync_dir(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        });
    }
    Ok(leftover)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("accessc-writer-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn manifest_head_reads_only_what_a_build_compares() {
        let d = temp("head");
        let text = fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/multi-tenant/out/manifest.json"),
        )
        .unwrap();
        fs::write(d.join(manifest::FILE), &text).unwrap();
        let full = read_manifest(&d).unwrap();
        let head = read_manifest_head(&d).unwrap();
        assert!(!full.clusters.is_empty());
        assert_eq!(head.clusters, full.clusters);
        assert_eq!(head.generator, full.generator);
        assert!(head.artifacts.is_empty());
        // Another layout (compact JSON) is parsed whole.
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        fs::write(
            d.join(manifest::FILE),
            serde_json::to_string(&value).unwrap(),
        )
        .unwrap();
        assert_eq!(
            read_manifest_head(&d).map(|m| m.clusters),
            Some(full.clusters)
        );
        let _ = fs::remove_dir_all(&d);
    }
}
