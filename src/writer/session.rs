//! One build's (or check's) pass over the output folder, artifact by artifact: each artifact is
//! compared with its file as soon as it is made and, in a build, written into the staging
//! folder right away when it differs — so a large build need not hold all its files in memory
//! (emitters hand them over one by one, from several threads). [`Session::finish`] then links
//! the unchanged files in, makes the staged tree durable and swaps it in atomically (see the
//! parent module).

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::lock::{self, Lock};
use super::paths;
use super::stamp::{self, FileStat, Hash, Stamp, StampText};
use super::{err, Changes, WriteError};
use crate::emit::manifest;

/// What a session does with the artifacts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Compare only (`accessc check`, `diff`).
    Check,
    /// Compare, and write what differs (`accessc build`).
    Build,
}

/// How an artifact compares with its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The file holds these bytes.
    Unchanged,
    /// The file holds other bytes.
    Changed,
    /// There is no file.
    Added,
}

/// What became of one artifact.
#[derive(Clone, Copy, Debug)]
pub struct Taken {
    /// How it compared.
    pub state: State,
    /// SHA-256 of its contents.
    pub sha256: [u8; 32],
    /// `stat` of its file (the existing one when unchanged, the staged one when written), for
    /// the stamp.
    stat: Option<FileStat>,
    /// Whether the existing file was read back (the stamp did not vouch for it).
    read: bool,
}

impl crate::emit::out::Receipt for Taken {
    fn sha256(&self) -> &[u8; 32] {
        &self.sha256
    }
}

/// Why the staging folder could not be made (kept to report it to every thread that asks).
type StageError = (PathBuf, &'static str, io::ErrorKind, String);

/// A pass over one output folder.
pub struct Session<'a> {
    out: &'a Path,
    mode: Mode,
    exists: bool,
    /// The stamp as read; indexed by the first [`Session::take`].
    stamp_text: std::sync::Mutex<Option<StampText>>,
    stamp: OnceLock<Option<Stamp>>,
    /// The inputs' key the stamp recorded.
    stamped_inputs: Option<Hash>,
    /// The inputs' key and diagnostics of this compile, to record ([`super::fresh`]).
    inputs: Option<(Hash, String)>,
    staging: PathBuf,
    /// Set once the staging folder exists (or could not be made).
    staged: OnceLock<Result<(), StageError>>,
    finished: bool,
    save_stamp: bool,
    /// The output folder's files and folders ([`paths::list`]), listed before the first file
    /// is read (not at all when the stamp vouches for the whole output).
    listing: OnceLock<Result<paths::Listing, StageError>>,
    /// Whether the stamp's record of the folders was found out of date (the stamp is then
    /// saved again when the output is up to date).
    dirs_stale: std::sync::atomic::AtomicBool,
    /// Held until the session ends (declared last: released after the staging folder is gone).
    _lock: Lock,
}

/// `root` joined with artifact or manifest path `rel`, an internal error when accessc itself
/// made a path it must not write ([`paths::check`]).
fn join(root: &Path, rel: &str) -> Result<PathBuf, WriteError> {
    paths::join(root, rel).map_err(|why| WriteError {
        path: root.to_path_buf(),
        action: "write inside",
        source: io::Error::other(format!(
            "internal error: the output path `{}` is refused ({why})",
            paths::shown(rel)
        )),
    })
}

impl<'a> Session<'a> {
    /// Start a pass over `out` (a build first finishes or undoes an interrupted earlier one).
    /// Takes the output folder's lock ([`lock`]: exclusive for a build, shared otherwise, so
    /// a build never touches another one's staging folder and a check never reads a tree being
    /// exchanged). An output folder that is a symbolic link is refused; one that holds any is
    /// refused when it is listed ([`Session::listing`]).
    pub fn open(out: &'a Path, mode: Mode) -> Result<Session<'a>, WriteError> {
        let kind = match mode {
            Mode::Build => lock::Kind::Exclusive,
            Mode::Check => lock::Kind::Shared,
        };
        let held = lock::take(out, kind)?;
        stamp::forget_folder();
        if mode == Mode::Build {
            super::repair(out)?;
        }
        if fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
            paths::list(out)?; // the error that says so
        }
        if out.exists() && !out.is_dir() {
            return Err(WriteError {
                path: out.to_path_buf(),
                action: "use as the output folder",
                source: io::Error::other("it is not a folder"),
            });
        }
        let exists = out.is_dir();
        let text = if exists { StampText::read(out) } else { None };
        Ok(Session {
            out,
            mode,
            exists,
            stamped_inputs: text.as_ref().and_then(|t| t.inputs()).map(|(k, _)| *k),
            stamp_text: std::sync::Mutex::new(text),
            stamp: OnceLock::new(),
            inputs: None,
            staging: super::sibling(out, "new"),
            staged: OnceLock::new(),
            finished: false,
            save_stamp: true,
            listing: OnceLock::new(),
            dirs_stale: std::sync::atomic::AtomicBool::new(false),
            _lock: held,
        })
    }

    /// Whether to record the files in the stamp at the end (default: yes).
    pub fn keep_stamp(mut self, save: bool) -> Session<'a> {
        self.save_stamp = save;
        self
    }

    /// When the stamp recorded inputs with key `key` and every file it records is as it was:
    /// the number of files and the diagnostics (one line of JSON) that compile reported. The
    /// output is then up to date without compiling ([`super::fresh`]).
    pub fn fresh(&self, key: &Hash) -> Option<(usize, String)> {
        let text = self.stamp_text.lock().ok()?;
        let text = text.as_ref()?;
        let (recorded, diags) = text.inputs()?;
        if recorded != key {
            return None;
        }
        // No entry added to (or removed from) any folder since the stamp listed them, when it
        // held no file accessc did not write and no symbolic link: else the slow path lists the
        // folder and names what it finds.
        if !text.dirs_current(self.out) {
            self.dirs_stale
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return None;
        }
        let files = text.all_current(self.out)?;
        Some((files, diags.to_string()))
    }

    /// The key of this compile's inputs and its diagnostics (one line of JSON), recorded in
    /// the stamp at the end when the compile had no error and the stamp covers its whole output.
    pub fn set_inputs(&mut self, key: Hash, diags: String) {
        self.inputs = Some((key, diags));
    }

    /// The stamp, indexed on first use.
    fn stamp(&self) -> Option<&Stamp> {
        self.stamp
            .get_or_init(|| {
                let text = self.stamp_text.lock().ok()?.take()?;
                text.index()
            })
            .as_ref()
    }

    /// The output folder's listing, made once (before any of its files is read): an error when
    /// it holds a symbolic link.
    fn listing(&self) -> Result<&paths::Listing, WriteError> {
        let listed = self.listing.get_or_init(|| {
            paths::list(self.out)
                .map_err(|e| (e.path, e.action, e.source.kind(), e.source.to_string()))
        });
        listed
            .as_ref()
            .map_err(|(path, action, kind, msg)| WriteError {
                path: path.clone(),
                action,
                source: io::Error::new(*kind, msg.clone()),
            })
    }

    /// Create the staging folder, once; refuse an output folder we could not replace.
    fn stage(&self) -> Result<(), WriteError> {
        let made = self.staged.get_or_init(|| {
            if self.exists {
                // The exchange would replace a folder we may not write into (a read-only or
                // immutable one): refuse instead, naming it.
                if let Err(e) = super::writable(self.out) {
                    return Err((
                        self.out.to_path_buf(),
                        "write into the output folder",
                        e.kind(),
                        e.to_string(),
                    ));
                }
            }
            fs::create_dir_all(&self.staging).map_err(|e| {
                (
                    self.staging.clone(),
                    "create the staging folder",
                    e.kind(),
                    e.to_string(),
                )
            })
        });
        made.clone()
            .map_err(|(path, action, kind, msg)| WriteError {
                path,
                action,
                source: io::Error::new(kind, msg),
            })
    }

    /// Compare one artifact with its file and, in a build, stage it when it differs. May be
    /// called from several threads at once.
    pub fn take(&self, path: &str, contents: &[u8]) -> Result<Taken, WriteError> {
        let sha256 = stamp::sha256(contents);
        let at = join(self.out, path)?;
        let mut taken = if self.exists {
            self.listing()?;
            examine(&at, self.stamp(), path, contents, sha256)?
        } else {
            Taken {
                state: State::Added,
                sha256,
                stat: None,
                read: false,
            }
        };
        if self.mode == Mode::Build && taken.state != State::Unchanged {
            self.stage()?;
            taken.stat = write_file(&join(&self.staging, path)?, contents)?;
        }
        Ok(taken)
    }

    /// The changes, once every artifact was taken (`taken`: path and result, any order); a
    /// build then completes the staged tree and swaps it in.
    pub fn finish(mut self, mut taken: Vec<(String, Taken)>) -> Result<Changes, WriteError> {
        stamp::forget_folder();
        taken.sort_by(|a, b| a.0.cmp(&b.0));
        if let Some(why) = paths::collision(taken.iter().map(|(p, _)| p.as_str())) {
            return Err(WriteError {
                path: self.out.to_path_buf(),
                action: "write inside",
                source: io::Error::other(format!("internal error: {why}")),
            });
        }
        let mut changes = Changes::default();
        let mut same_manifest = false;
        for (path, t) in &taken {
            match t.state {
                State::Unchanged => {
                    changes.unchanged += 1;
                    same_manifest |= path == manifest::FILE;
                }
                State::Changed => changes.changed.push(path.clone()),
                State::Added => changes.added.push(path.clone()),
            }
        }
        // An unchanged manifest lists exactly the files produced now: nothing to remove, and
        // no need to read the old one.
        let produced: BTreeSet<&str> = taken.iter().map(|(p, _)| p.as_str()).collect();
        let mut listed = BTreeSet::new();
        if self.exists && !same_manifest {
            listed = super::manifest_paths(self.out)?.into_iter().collect();
            for path in &listed {
                if !produced.contains(path.as_str()) && join(self.out, path)?.exists() {
                    changes.removed.push(path.clone());
                }
            }
            changes.removed.sort();
        }
        let files: &[String] = if self.exists {
            &self.listing()?.files
        } else {
            &[]
        };
        changes.foreign = paths::foreign(files, |p| produced.contains(p) || listed.contains(p))
            .into_iter()
            .map(str::to_string)
            .collect();
        if changes.is_empty() {
            self.discard();
            // Files were read back (the stamp is out of date), or the inputs changed without
            // changing the output (a caller that knows no key, like `diff`, changes nothing).
            let new_inputs = self
                .inputs
                .as_ref()
                .is_some_and(|(k, _)| Some(*k) != self.stamped_inputs);
            let dirs_stale = self.dirs_stale.load(std::sync::atomic::Ordering::Relaxed);
            if taken.iter().any(|(_, t)| t.read) || new_inputs || dirs_stale {
                // The folders as listed: the tree is the one compared.
                let dirs = self
                    .listing
                    .get()
                    .and_then(|l| l.as_ref().ok())
                    .map(|l| l.dirs.as_slice())
                    .unwrap_or(&[]);
                self.save_stamp(&taken, dirs);
            }
            return Ok(changes);
        }
        if self.mode == Mode::Check || !changes.foreign.is_empty() {
            // A build writes nothing while files it did not write could be applied with it.
            self.discard();
            return Ok(changes);
        }
        if let Err(e) = self.complete(&changes, &taken) {
            self.discard();
            return Err(e);
        }
        // From here on the staging folder is the swap's (which removes it or reports it).
        self.finished = true;
        changes.leftover = super::swap(self.out, &self.staging)?;
        // A new tree: its folders are recorded by the next check that lists them.
        self.save_stamp(&taken, &[]);
        Ok(changes)
    }

    /// Link what did not change into the staged tree and make it durable.
    fn complete(&self, changes: &Changes, taken: &[(String, Taken)]) -> Result<(), WriteError> {
        self.stage()?;
        if self.exists {
            // Everything but changed and removed files is linked into the new tree (files
            // accessc does not own too).
            let skip: BTreeSet<PathBuf> = changes
                .changed
                .iter()
                .chain(&changes.removed)
                .map(|p| join(Path::new(""), p))
                .collect::<Result<_, _>>()?;
            super::link_tree(self.out, &self.staging, &skip)?;
            // Linked folders may have lost all their files.
            super::remove_empty_dirs(&self.staging);
        }
        let written: Vec<PathBuf> = taken
            .iter()
            .filter(|(_, t)| t.state != State::Unchanged)
            .map(|(p, _)| join(&self.staging, p))
            .collect::<Result<_, _>>()?;
        super::sync_tree(&self.staging, &written)
    }

    /// Remove the staging folder, if this session made one.
    fn discard(&self) {
        if self.staged.get().is_some_and(Result::is_ok) {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }

    /// Record the output's files in its stamp (when it is large enough to be worth one).
    fn save_stamp(&self, taken: &[(String, Taken)], dirs: &[(String, stamp::FileStat)]) {
        if !self.save_stamp || taken.len() < stamp::min_files() {
            return;
        }
        // The inputs' key vouches for the whole output: only when every file has an entry.
        let whole = taken.iter().all(|(_, t)| t.stat.is_some());
        let inputs = self
            .inputs
            .as_ref()
            .filter(|_| whole)
            .map(|(k, d)| (k, d.as_str()));
        let entries = taken
            .iter()
            .filter_map(|(p, t)| Some((p.as_str(), t.stat?, stamp::short(&t.sha256))));
        let _ = stamp::save(self.out, inputs, dirs, entries);
    }
}

impl Drop for Session<'_> {
    /// A session abandoned before [`Session::finish`] (an error in the program or the
    /// emitters) leaves no staged files behind.
    fn drop(&mut self) {
        if !self.finished {
            self.discard();
        }
    }
}

/// Compare an artifact with its file `p` (`path` in the output folder): a file the stamp vouches for (same `stat`, same
/// hash) is not read; others are read back and compared.
fn examine(
    p: &Path,
    stamp: Option<&Stamp>,
    path: &str,
    contents: &[u8],
    sha256: [u8; 32],
) -> Result<Taken, WriteError> {
    use std::io::Read;
    let vouched = stamp.and_then(|s| {
        s.vouches(path, contents.len() as u64, &stamp::short(&sha256), || {
            stamp::stat_path(p)
        })
    });
    if let Some(stat) = vouched {
        return Ok(Taken {
            state: State::Unchanged,
            sha256,
            stat: Some(stat),
            read: false,
        });
    }
    let opened = fs::File::open(p).and_then(|mut f| {
        let meta = f.metadata()?;
        if meta.len() != contents.len() as u64 {
            return Ok((State::Changed, None));
        }
        let mut buf = Vec::with_capacity(contents.len() + 1);
        f.read_to_end(&mut buf)?;
        Ok(if buf.as_slice() == contents {
            (State::Unchanged, FileStat::of(&meta))
        } else {
            (State::Changed, None)
        })
    });
    match opened {
        Ok((state, stat)) => Ok(Taken {
            state,
            sha256,
            stat,
            read: true,
        }),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(Taken {
                state: State::Added,
                sha256,
                stat: None,
                read: false,
            })
        }
        Err(e) => Err(err(p, "read")(e)),
    }
}

/// Write a file, creating its folder when missing. Not synced here: the whole staged tree is
/// made durable at once before it is swapped in. Returns its `stat` (of the open file).
fn write_file(path: &Path, contents: &[u8]) -> Result<Option<FileStat>, WriteError> {
    use std::io::Write;
    let mut f = match fs::File::create(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(err(parent, "create folder"))?;
            }
            fs::File::create(path).map_err(err(path, "create"))?
        }
        Err(e) => return Err(err(path, "create")(e)),
    };
    f.write_all(contents).map_err(err(path, "write"))?;
    Ok(f.metadata().ok().as_ref().and_then(FileStat::of))
}
