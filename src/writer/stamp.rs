//! The stat cache ("stamp") of a large output folder: for every file accessc wrote or verified,
//! its size, modification time and inode, and a hash of its contents. A later `check` or
//! build trusts a file whose `stat` still matches and whose recorded hash is the hash of what it
//! would write, instead of reading it back — the way `git status` uses its index. Reading back
//! the 130,000 files of a 10,000-app program was a third of a `check`.
//!
//! * It lives outside the output (the output stays deterministic and nothing extra is
//!   committed): `$ACCESSC_CACHE_DIR`, else `$XDG_CACHE_HOME/accessc`, else
//!   `$HOME/.cache/accessc`, as `stamps/<hash of the output folder's absolute path>`.
//!   `ACCESSC_CACHE_DIR=""` turns it off.
//! * Only outputs of at least [`min_files`] files get one (default 1,000,
//!   `ACCESSC_STAMP_MIN_FILES`): reading a small tree back is fast anyway.
//! * It is only a hint. A file is trusted only when its size, modification time (to the
//!   nanosecond) and inode are the recorded ones, the recorded hash is the new contents' hash,
//!   and it was modified at least [`RACY`] before the stamp was written (a change in the same
//!   clock tick as the recording would keep the time: such "racy" files are read). Anything
//!   else — no stamp, an unreadable or foreign one, another file — falls back to reading.
//!   Saving it is best effort: a failure leaves the next run to read the files.
//! * It names its output folder; saving one removes the stamps of folders that no longer
//!   exist (and of other formats), so temporary outputs do not pile up in the cache.
//! * It also records the key of the inputs the output was made from ([`super::fresh`]), and the
//!   `stat` of every folder of the output as listed when it held no file accessc did not write
//!   and no symbolic link ([`super::paths`]): a folder's modification time changes when an entry
//!   is added, removed or renamed in it, so folders that still have their recorded `stat` vouch
//!   that nothing was added since, without listing 130,000 files again.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Files modified less than this before the stamp was written are not trusted.
pub const RACY: Duration = Duration::from_millis(50);

const HEADER: &str = "accessc-stamp 3";

/// A 128-bit content hash (the first half of SHA-256).
pub type Hash = [u8; 16];

pub use crate::hash::sha256;

/// The stamp's hash: the first half of the SHA-256.
pub fn short(sha256: &[u8; 32]) -> Hash {
    let mut h = [0u8; 16];
    h.copy_from_slice(&sha256[..16]);
    h
}

/// What `stat` says of a file, as far as the stamp compares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: i64,
    /// Nanoseconds of the modification time.
    pub mtime_nsec: i64,
    /// Inode number.
    pub ino: u64,
}

impl FileStat {
    /// From a file's metadata (`None` where the platform has no inode numbers).
    pub fn of(meta: &fs::Metadata) -> Option<FileStat> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(FileStat {
                size: meta.size(),
                mtime: meta.mtime(),
                mtime_nsec: meta.mtime_nsec(),
                ino: meta.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            None
        }
    }

    fn nanos(&self) -> i128 {
        i128::from(self.mtime) * 1_000_000_000 + i128::from(self.mtime_nsec)
    }
}

#[cfg(target_os = "linux")]
thread_local! {
    /// The folder [`stat_path`] looked in last, and a descriptor of it.
    static DIR: std::cell::RefCell<Option<(PathBuf, std::os::fd::OwnedFd)>> =
        const { std::cell::RefCell::new(None) };
}

/// Forget this thread's cached folder (a folder of that name may be another one by now: a
/// build swaps the output folder).
pub fn forget_folder() {
    #[cfg(target_os = "linux")]
    DIR.with(|d| *d.borrow_mut() = None);
}

/// `stat` of the file at `path` (following symbolic links), `None` if there is none. On Linux,
/// relative to a cached descriptor of its folder: the files of a folder mostly come one after
/// the other, and resolving a deep path for each of 130,000 files was most of a large check's
/// system time.
pub fn stat_path(path: &Path) -> Option<FileStat> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        use std::os::unix::ffi::OsStrExt;
        let (parent, name) = (path.parent()?, path.file_name()?);
        let name = CString::new(name.as_bytes()).ok()?;
        return DIR.with(|cell| {
            let mut cached = cell.borrow_mut();
            if cached.as_ref().map(|(p, _)| p.as_path()) != Some(parent) {
                *cached = None;
                let c = CString::new(parent.as_os_str().as_bytes()).ok()?;
                // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
                let fd = unsafe {
                    libc::open(
                        c.as_ptr(),
                        libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC,
                    )
                };
                if fd < 0 {
                    return None;
                }
                // SAFETY: `fd` was just opened and is owned by nothing else.
                *cached = Some((parent.to_path_buf(), unsafe { OwnedFd::from_raw_fd(fd) }));
            }
            let (_, dir) = cached.as_ref()?;
            // SAFETY: an all-zero `stat` is a valid value to be overwritten by the call.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: the descriptor is open, `name` is NUL-terminated and `st` is writable.
            let rc = unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), &mut st, 0) };
            if rc != 0 || (st.st_mode & libc::S_IFMT) != libc::S_IFREG {
                return None;
            }
            Some(FileStat {
                size: st.st_size as u64,
                mtime: st.st_mtime,
                mtime_nsec: st.st_mtime_nsec,
                ino: st.st_ino,
            })
        });
    }
    #[allow(unreachable_code)]
    fs::metadata(path)
        .ok()
        .filter(fs::Metadata::is_file)
        .as_ref()
        .and_then(FileStat::of)
}

/// The smallest output that gets a stamp.
pub fn min_files() -> usize {
    std::env::var("ACCESSC_STAMP_MIN_FILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ACCESSC_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir).join("accessc"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("accessc"))
}

/// Where the stamp of output folder `out` is kept, and the folder's absolute path (`None`:
/// stamps are off, or `out` does not exist).
pub fn location(out: &Path) -> Option<(PathBuf, String)> {
    let dir = cache_dir()?;
    let abs = fs::canonicalize(out).ok()?.to_string_lossy().into_owned();
    let key = crate::hash::fnv1a(&abs);
    Some((dir.join("stamps").join(format!("{key:016x}")), abs))
}

/// Remove the stamps, other than `keep`, of output folders that no longer exist (a build into
/// a temporary folder leaves one behind, the size of its file list) and those of another
/// format. Best effort.
fn prune(stamps: &Path, keep: &Path) {
    use std::io::Read;
    let Ok(entries) = fs::read_dir(stamps) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path == keep || name.to_string_lossy().starts_with('.') {
            continue;
        }
        let mut head = [0u8; 4096];
        let Ok(n) = fs::File::open(&path).and_then(|mut f| f.read(&mut head)) else {
            continue;
        };
        let head = String::from_utf8_lossy(&head[..n]);
        let mut lines = head.lines();
        let folder = (lines.next() == Some(HEADER))
            .then(|| lines.next()?.strip_prefix("folder\t"))
            .flatten();
        let gone = match folder {
            Some(folder) => matches!(
                fs::metadata(folder),
                Err(e) if e.kind() == io::ErrorKind::NotFound
            ),
            None => true,
        };
        if gone {
            let _ = fs::remove_file(&path);
        }
    }
}

/// A stamp as read from its file, before it is indexed.
#[derive(Debug)]
pub struct StampText {
    text: String,
    /// Where the entries start in `text`.
    body: usize,
    /// The inputs' key and the diagnostics, when recorded ([`super::fresh`]).
    inputs: Option<(Hash, std::ops::Range<usize>)>,
    /// The folder lines (`stat` and path of every folder of the output, `.` for the output
    /// folder itself), possibly none.
    dirs: std::ops::Range<usize>,
    /// Files modified at or after this time (ns since the epoch) are racy.
    racy_from: i128,
}

impl StampText {
    /// The stamp of `out`, if there is a readable one.
    pub fn read(out: &Path) -> Option<StampText> {
        let (path, folder) = location(out)?;
        let text = fs::read_to_string(&path).ok()?;
        let written = FileStat::of(&fs::metadata(&path).ok()?)?;
        // Four header lines: the version, the output folder, the inputs' key (or `-`), the
        // diagnostics.
        let mut ends = text.match_indices('\n').map(|(i, _)| i);
        let (e0, e1, e2, e3) = (ends.next()?, ends.next()?, ends.next()?, ends.next()?);
        if &text[..e0] != HEADER || text[e0 + 1..e1].strip_prefix("folder\t")? != folder {
            return None;
        }
        let key = text[e1 + 1..e2].strip_prefix("inputs\t")?;
        let diags = e2 + 1 + "diags\t".len();
        if text.get(e2 + 1..diags)? != "diags\t" {
            return None;
        }
        let inputs = match key {
            "-" => None,
            hex => Some((parse_hex(hex)?, diags..e3)),
        };
        // Then `dirs\tN` and N folder lines.
        let e4 = e3 + 1 + text[e3 + 1..].find('\n')?;
        let n: usize = text[e3 + 1..e4].strip_prefix("dirs\t")?.parse().ok()?;
        let mut end = e4;
        for _ in 0..n {
            end = end + 1 + text[end + 1..].find('\n')?;
        }
        let dirs = (e4 + 1).min(end)..end;
        let body = end + 1;
        Some(StampText {
            text,
            body,
            inputs,
            dirs,
            racy_from: written.nanos() - RACY.as_nanos() as i128,
        })
    }

    /// The recorded inputs' key and diagnostics (one line of JSON), if any.
    pub fn inputs(&self) -> Option<(&Hash, &str)> {
        self.inputs
            .as_ref()
            .map(|(key, diags)| (key, &self.text[diags.clone()]))
    }

    fn entries(&self) -> impl Iterator<Item = &str> {
        self.text[self.body..].lines()
    }

    /// Whether the stamp records the output's folders and every one of them still has its
    /// recorded `stat` (not a symbolic link, not racy): then no entry was added to or removed
    /// from any of them since they were listed.
    pub fn dirs_current(&self, out: &Path) -> bool {
        let lines: Vec<&str> = self.text[self.dirs.clone()].lines().collect();
        let current = |line: &&str| -> bool {
            let mut f = line.splitn(4, '\t');
            let (Some(mtime), Some(nsec), Some(ino), Some(p)) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                return false;
            };
            let path = if p == "." {
                out.to_path_buf()
            } else {
                match super::paths::join(out, p) {
                    Ok(path) => path,
                    Err(_) => return false,
                }
            };
            let now = fs::symlink_metadata(&path)
                .ok()
                .filter(fs::Metadata::is_dir)
                .as_ref()
                .and_then(FileStat::of);
            now.is_some_and(|now| {
                Some(now.mtime) == mtime.parse().ok()
                    && Some(now.mtime_nsec) == nsec.parse().ok()
                    && Some(now.ino) == ino.parse().ok()
                    && now.nanos() < self.racy_from
            })
        };
        // On several threads, as the files ([`StampText::all_current`]).
        !lines.is_empty()
            && crate::par::map(&lines, |_| 1, 2048, current)
                .into_iter()
                .all(|c| c)
    }

    /// How many files the stamp records, if every one of them under `out` still has its
    /// recorded `stat` and is not racy (on several threads: a large output has 130,000).
    pub fn all_current(&self, out: &Path) -> Option<usize> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let lines: Vec<&str> = self.entries().collect();
        // One changed file decides: the other threads stop looking (the compile that follows
        // compares every file anyway).
        let changed = AtomicBool::new(false);
        crate::par::map(
            &lines,
            |_| 1,
            4096,
            |line| {
                if changed.load(Ordering::Relaxed) {
                    return;
                }
                let current = parse_entry(line).is_some_and(|(stat, _, path)| {
                    stat.nanos() < self.racy_from
                        && super::paths::join(out, path).is_ok_and(|p| stat_path(&p) == Some(stat))
                });
                if !current {
                    changed.store(true, Ordering::Relaxed);
                }
            },
        );
        forget_folder();
        (!changed.into_inner()).then_some(lines.len())
    }

    /// Index the entries for lookups by path.
    pub fn index(&self) -> Option<Stamp> {
        let mut entries = Vec::with_capacity(self.text.len() / 80);
        for line in self.entries() {
            let (stat, hash, p) = parse_entry(line)?;
            entries.push((key(p), stat, hash));
        }
        entries.sort_unstable_by_key(|e| e.0);
        Some(Stamp {
            entries,
            racy_from: self.racy_from,
        })
    }
}

/// One entry line: size, mtime, nanoseconds, inode, hash and path, tab-separated.
fn parse_entry(line: &str) -> Option<(FileStat, Hash, &str)> {
    let mut f = line.splitn(6, '\t');
    let (Some(size), Some(mtime), Some(nsec), Some(ino), Some(hex), Some(p)) =
        (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return None;
    };
    let stat = FileStat {
        size: size.parse().ok()?,
        mtime: mtime.parse().ok()?,
        mtime_nsec: nsec.parse().ok()?,
        ino: ino.parse().ok()?,
    };
    Some((stat, parse_hex(hex)?, p))
}

/// A loaded stamp, indexed by path.
#[derive(Debug, Default)]
pub struct Stamp {
    /// (hash of the path, stat, content hash), sorted: compact (a 10,000-app output has
    /// 130,000 entries). A path whose 64-bit hash collides with another's can only lose the
    /// stat and content checks too: the file is then read.
    entries: Vec<(u64, FileStat, Hash)>,
    /// Files modified at or after this time (ns since the epoch) are racy.
    racy_from: i128,
}

impl Stamp {
    fn entry(&self, path: &str) -> Option<&(u64, FileStat, Hash)> {
        let k = key(path);
        self.entries
            .binary_search_by_key(&k, |e| e.0)
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The `stat` of the file at `path` when the stamp vouches that it holds contents of
    /// `size` bytes and hash `hash`: its entry says so, and `stat_now` (called only then) is
    /// the recorded one and not racy.
    pub fn vouches(
        &self,
        path: &str,
        size: u64,
        hash: &Hash,
        stat_now: impl FnOnce() -> Option<FileStat>,
    ) -> Option<FileStat> {
        let (_, stat, h) = self.entry(path)?;
        if stat.size != size || h != hash {
            return None;
        }
        let now = stat_now()?;
        (now == *stat && now.nanos() < self.racy_from).then_some(now)
    }
}

/// The key of a path in the stamp.
fn key(path: &str) -> u64 {
    crate::hash::fnv1a(path)
}

fn hex(h: &Hash) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(s: &str) -> Option<Hash> {
    if s.len() != 32 {
        return None;
    }
    let mut h = [0u8; 16];
    for (i, byte) in h.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(h)
}

/// Record the files of `out` (relative path, stat, hash), and, when they are the whole output
/// of a compile without errors, the key of its inputs and its diagnostics ([`super::fresh`]).
/// Best effort: written to a temporary file and renamed into place; an error is returned for
/// the caller to ignore.
pub fn save<'a>(
    out: &Path,
    inputs: Option<(&Hash, &str)>,
    dirs: &[(String, FileStat)],
    entries: impl Iterator<Item = (&'a str, FileStat, Hash)>,
) -> io::Result<()> {
    let Some((path, folder)) = location(out) else {
        return Ok(());
    };
    if folder.contains('\n') {
        return Ok(());
    }
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("no cache folder"))?;
    fs::create_dir_all(dir)?;
    let mut text = String::with_capacity(1 << 20);
    text.push_str(HEADER);
    text.push_str("\nfolder\t");
    text.push_str(&folder);
    text.push('\n');
    match inputs {
        Some((key, diags)) if !diags.contains('\n') => {
            text.push_str("inputs\t");
            text.push_str(&hex(key));
            text.push_str("\ndiags\t");
            text.push_str(diags);
            text.push('\n');
        }
        _ => text.push_str("inputs\t-\ndiags\t\n"),
    }
    let dirs: Vec<&(String, FileStat)> = dirs
        .iter()
        .filter(|(p, _)| !p.contains(['\t', '\n']))
        .collect();
    {
        use std::fmt::Write as _;
        let _ = writeln!(text, "dirs\t{}", dirs.len());
        for (p, s) in dirs {
            let _ = writeln!(text, "{}\t{}\t{}\t{p}", s.mtime, s.mtime_nsec, s.ino);
        }
    }
    for (p, s, h) in entries {
        if p.contains(['\t', '\n']) {
            continue;
        }
        use std::fmt::Write as _;
        let _ = write!(
            text,
            "{}\t{}\t{}\t{}\t",
            s.size, s.mtime, s.mtime_nsec, s.ino
        );
        text.push_str(&hex(&h));
        text.push('\t');
        text.push_str(p);
        text.push('\n');
    }
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        drop(f);
        fs::rename(&tmp, &path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    prune(dir, &path);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let h = short(&sha256(b"hello"));
        assert_eq!(parse_hex(&hex(&h)), Some(h));
        assert_eq!(parse_hex("zz"), None);
    }
}
