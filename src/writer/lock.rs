//! The advisory lock on an output folder: `flock(2)` on `.OUT.accessc-lock` next to it. A
//! build holds it exclusively from before it looks at the staging folder until its tree is
//! swapped in; `check` and `diff` hold it shared while they read the folder, so they never see
//! a tree another build is exchanging. A second run waits for it, saying so, up to
//! `ACCESSC_LOCK_WAIT` seconds (default [`DEFAULT_WAIT`]), then fails. The kernel releases the
//! lock when its process ends, killed or not. The last holder removes the file (a holder
//! checks, once it has the lock, that the file it locked is still the one at that path).
//!
//! Only on Linux; elsewhere there is no lock (the atomic exchange is Linux-only too).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::WriteError;

/// How long a run waits for the lock by default.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// Shared (`check`, `diff`) or exclusive (`build`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Readers.
    Shared,
    /// The one writer.
    Exclusive,
}

/// A held lock, released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Lock {
    #[cfg(target_os = "linux")]
    file: Option<std::fs::File>,
    #[allow(dead_code)]
    path: PathBuf,
}

/// The lock file of output folder `out`.
pub fn path(out: &Path) -> PathBuf {
    super::sibling(out, "lock")
}

fn wait_limit() -> Duration {
    std::env::var("ACCESSC_LOCK_WAIT")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_WAIT)
}

/// Take the lock on `out`. A reader that cannot create the lock file (a read-only checkout)
/// reads without it: no build can write there either.
pub fn take(out: &Path, kind: Kind) -> Result<Lock, WriteError> {
    let path = path(out);
    #[cfg(target_os = "linux")]
    {
        imp::take(out, &path, kind, wait_limit())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (out, kind, wait_limit);
        Ok(Lock { path })
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::fs;
    use std::io::{self, Read, Seek, Write};
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    use std::path::Path;
    use std::time::{Duration, Instant};

    use super::{Kind, Lock};
    use crate::writer::{err, WriteError};

    fn flock(f: &fs::File, op: libc::c_int) -> io::Result<bool> {
        // SAFETY: the descriptor is open for the duration of the call.
        if unsafe { libc::flock(f.as_raw_fd(), op | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EWOULDBLOCK) || e.kind() == io::ErrorKind::Interrupted {
            Ok(false)
        } else {
            Err(e)
        }
    }

    /// Whether `f` is still the file at `path` (a holder may have removed it meanwhile).
    fn current(f: &fs::File, path: &Path) -> bool {
        match (f.metadata(), fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }

    pub(super) fn take(
        out: &Path,
        path: &Path,
        kind: Kind,
        limit: Duration,
    ) -> Result<Lock, WriteError> {
        let op = match kind {
            Kind::Shared => libc::LOCK_SH,
            Kind::Exclusive => libc::LOCK_EX,
        };
        let started = Instant::now();
        let mut said = false;
        loop {
            let open = || {
                fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
            };
            let opened = match open() {
                // A build into a folder whose parent does not exist yet creates it.
                Err(e) if e.kind() == io::ErrorKind::NotFound && kind == Kind::Exclusive => {
                    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        Some(parent) => fs::create_dir_all(parent).and_then(|()| open()),
                        None => Err(e),
                    }
                }
                other => other,
            };
            let f = match opened {
                Ok(f) => f,
                Err(e) if kind == Kind::Shared => {
                    // A read-only checkout (or no parent folder yet): nothing can build there.
                    let _ = e;
                    return Ok(Lock {
                        file: None,
                        path: path.to_path_buf(),
                    });
                }
                Err(e) => return Err(err(path, "create the lock file")(e)),
            };
            if flock(&f, op).map_err(err(path, "lock"))? {
                if current(&f, path) {
                    if kind == Kind::Exclusive {
                        let mut f = &f;
                        let _ = f.set_len(0);
                        let _ = f.rewind();
                        let _ = writeln!(f, "{}", std::process::id());
                    }
                    return Ok(Lock {
                        file: Some(f),
                        path: path.to_path_buf(),
                    });
                }
                // Removed by its last holder after we opened it: open the new one.
                continue;
            }
            if started.elapsed() >= limit {
                return Err(WriteError {
                    path: out.to_path_buf(),
                    action: "lock",
                    source: io::Error::new(
                        io::ErrorKind::WouldBlock,
                        format!(
                            "another accessc run has held `{}` for {:.0} s (ACCESSC_LOCK_WAIT); \
                             nothing was changed",
                            path.display(),
                            limit.as_secs_f64()
                        ),
                    ),
                });
            }
            if !said {
                said = true;
                let mut holder = String::new();
                let _ = (&f).read_to_string(&mut holder);
                let holder = holder.trim();
                let who = if holder.is_empty() || !holder.bytes().all(|b| b.is_ascii_digit()) {
                    String::new()
                } else {
                    format!(", process {holder}")
                };
                eprintln!(
                    "accessc: waiting for the run holding `{}`{who} (up to {:.0} s)",
                    path.display(),
                    limit.as_secs_f64()
                );
            }
            drop(f);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    impl Drop for Lock {
        /// The last holder removes the lock file (under an exclusive lock, so that no other
        /// holder has it), then releases it.
        fn drop(&mut self) {
            if let Some(f) = self.file.take() {
                if flock(&f, libc::LOCK_EX).unwrap_or(false) && current(&f, &self.path) {
                    let _ = fs::remove_file(&self.path);
                }
                drop(f); // closing the descriptor releases the lock
            }
        }
    }
}
