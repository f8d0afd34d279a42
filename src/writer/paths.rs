//! Paths inside an output folder: the one rule every relative path accessc opens there goes
//! through — an artifact it writes, a manifest entry it reads back (`check`, `build`, `diff`),
//! a stamp entry — and the one listing of the folder that finds what accessc did not write.
//!
//! * A relative path must pass [`check`] (the pure rule, in `emit::paths`, which the emitters
//!   also use to name folders): `/`-separated components, each non-empty, not `.` or `..`, without a
//!   backslash, NUL or other control character, without a character Windows forbids in file
//!   names (`<>:"|?*`), not ending in a dot or space, and not a name Windows reserves for a device
//!   (`con`, `prn`, `aux`, `nul`, `com0`–`com9`, `lpt0`–`lpt9`, in any case, with any extension).
//!   Anything else is refused, never opened: a manifest entry `../../proc/self/environ` is an
//!   error that names the entry.
//! * The output folder may not be a symbolic link, nor hold one: accessc never writes one, so a
//!   link there was put by someone else, and following it would read (and hard-link into the
//!   committed tree) files from anywhere. With no link inside, a checked relative path cannot
//!   leave the folder.
//! * Files accessc did not write may stay only when no consumer reads them (see [`inert`]).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::stamp::FileStat;
use super::WriteError;
pub use crate::emit::paths::{check, shown};

/// What [`list`] found in an output folder.
#[derive(Debug, Default)]
pub struct Listing {
    /// Its regular files, as `/`-separated relative paths (lossy for names accessc would never
    /// write).
    pub files: Vec<String>,
    /// Its folders (`.` for the folder itself) with their `stat` as taken before their entries
    /// were read, for the stamp ([`super::stamp`]).
    pub dirs: Vec<(String, FileStat)>,
}

/// `root` joined with the checked relative path `rel`.
pub fn join(root: &Path, rel: &str) -> Result<PathBuf, String> {
    check(rel)?;
    let mut p = root.to_path_buf();
    for part in rel.split('/') {
        p.push(part);
    }
    Ok(p)
}

/// Whether a file accessc did not write may stay in the output folder: a README, a Markdown
/// page, a `.gitkeep`/`.keep`, git's own `.gitignore`/`.gitattributes`, and `.access` sources
/// (when the output folder is the input folder). No deployment tool reads these; every other
/// file — Terraform's `*.tf`, `*.tf.json`, `*.tfvars`, override files and lock file, the YAML and
/// JSON that `kubectl apply -f DIR`, kustomize, Argo CD or Flux read, a CLI input a pipeline
/// globs — might be, so it makes `check` fail and `build` refuse.
pub fn inert(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    matches!(
        name.as_str(),
        ".gitkeep" | ".keep" | ".gitignore" | ".gitattributes"
    ) || name.starts_with("readme")
        || name.ends_with(".md")
        || name.ends_with(".access")
}

/// The files and folders of an output folder, after making sure neither it nor anything in it
/// is a symbolic link. A missing folder has no files. `.git` folders are not entered (an output
/// folder may be a repository of its own).
pub fn list(root: &Path) -> Result<Listing, WriteError> {
    let link = |path: &Path| WriteError {
        path: path.to_path_buf(),
        action: "use",
        source: io::Error::other(
            "it is a symbolic link; accessc never writes one and does not follow one in the \
             output folder: remove it",
        ),
    };
    let root_meta = match fs::symlink_metadata(root) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Listing::default()),
        Err(e) => return Err(super::err(root, "read")(e)),
        Ok(m) if m.file_type().is_symlink() => return Err(link(root)),
        Ok(m) if !m.is_dir() => return Ok(Listing::default()),
        Ok(m) => m,
    };
    let mut listing = Listing::default();
    if let Some(s) = FileStat::of(&root_meta) {
        listing.dirs.push((".".to_string(), s));
    }
    let walk = walkdir::WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| !(e.file_type().is_dir() && e.file_name() == ".git"));
    for entry in walk {
        let entry = entry.map_err(|e| WriteError {
            path: e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.to_path_buf()),
            action: "read",
            source: e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("cannot list")),
        })?;
        let ft = entry.file_type();
        if ft.is_symlink() {
            return Err(link(entry.path()));
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let mut s = String::new();
        for (i, c) in rel.components().enumerate() {
            if i > 0 {
                s.push('/');
            }
            s.push_str(&c.as_os_str().to_string_lossy());
        }
        if ft.is_dir() {
            // Its `stat` before its entries are read (the walk reads them next).
            if let Some(st) = entry.metadata().ok().as_ref().and_then(FileStat::of) {
                listing.dirs.push((s, st));
            }
        } else {
            listing.files.push(s);
        }
    }
    Ok(listing)
}

/// The files of `listing` that accessc did not write (`owned` says which it did) and that a
/// consumer may read, sorted.
pub fn foreign(listing: &[String], owned: impl Fn(&str) -> bool) -> Vec<&str> {
    let mut v: Vec<&str> = listing
        .iter()
        .map(String::as_str)
        .filter(|p| !owned(p) && !inert(p))
        .collect();
    v.sort_unstable();
    v
}

/// Why two artifact paths of one output cannot both be written, if any two cannot: the same
/// path twice (one file would overwrite the other), two paths equal but for case (one file on
/// a case-insensitive file system: macOS and Windows by default), or a path that is a folder
/// of another (up to case). accessc never makes such paths: the writer refuses them as an
/// internal error rather than lose a file.
pub fn collision<'a>(paths: impl Iterator<Item = &'a str>) -> Option<String> {
    let paths: Vec<(&str, String)> = paths.map(|p| (p, p.to_lowercase())).collect();
    let mut files: std::collections::HashMap<&str, &str> =
        std::collections::HashMap::with_capacity(paths.len());
    for (p, lower) in &paths {
        if let Some(first) = files.insert(lower.as_str(), p) {
            return Some(if first == *p {
                format!("`{}` is made twice", shown(p))
            } else {
                format!(
                    "`{}` and `{}` differ only in case (one file on macOS and Windows)",
                    shown(first),
                    shown(p)
                )
            });
        }
    }
    // Each folder of each path, up to case; a folder shared with the path before was looked
    // up already (paths come sorted: nearly every folder is).
    let mut before = "";
    for (p, lower) in &paths {
        let shared = before
            .bytes()
            .zip(lower.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        for (i, _) in lower.match_indices('/').filter(|(i, _)| *i >= shared) {
            if let Some(file) = files.get(&lower[..i]) {
                return Some(format!(
                    "`{}` is a file and a folder (of `{}`)",
                    shown(file),
                    shown(p)
                ));
            }
        }
        before = lower;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_relative_paths_are_refused() {
        for ok in [
            "manifest.json",
            "clusters/prod/kubernetes/ns.yaml",
            "resources/s3/a..b/x.json",
            "a/.gitkeep",
            "console/x",
            "com10/x",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "a//b",
            "a/",
            "a\\..\\b",
            "a\0b",
            "a\nb",
            "a\u{1b}[2Jb",
            "con",
            "x/CON.json",
            "x/aux.tar.gz",
            "x/nul",
            "x/Com1.yaml",
            "x/lpt9",
            "x/com¹",
            "x/a.",
            "x/a ",
            "x/a:b",
            "x/a*b",
        ] {
            assert!(check(bad).is_err(), "{bad:?} is accepted");
            assert!(join(Path::new("out"), bad).is_err());
        }
    }

    #[test]
    fn only_inert_foreign_files_may_stay() {
        for ok in [
            "README",
            "a/README.md",
            "docs/x.md",
            "a/.gitkeep",
            "x.access",
        ] {
            assert!(inert(ok), "{ok}");
        }
        for bad in [
            "terraform/1/zz_override.tf.json",
            "terraform/1/override.tf",
            "terraform/1/x.tfvars",
            "terraform/1/.terraform.lock.hcl",
            "clusters/p/kubernetes/crb.yaml",
            "clusters/p/kubernetes/Kustomization",
            "cli/x.json",
            "a.yml",
        ] {
            assert!(!inert(bad), "{bad}");
        }
    }

    #[test]
    fn paths_equal_or_equal_but_for_case_collide() {
        assert_eq!(
            collision(["a/b", "a/C", "A/b"].into_iter()).as_deref(),
            Some("`a/b` and `A/b` differ only in case (one file on macOS and Windows)")
        );
        assert_eq!(
            collision(["a/b", "a/c", "a/b"].into_iter()).as_deref(),
            Some("`a/b` is made twice")
        );
        assert_eq!(
            collision(["a/b/c", "a/c", "A/B"].into_iter()).as_deref(),
            Some("`A/B` is a file and a folder (of `a/b/c`)")
        );
        assert_eq!(collision(["a/b", "a/c", "b/a/b"].into_iter()), None);
    }

    #[test]
    fn messages_escape_hostile_names() {
        assert_eq!(shown("a\nb`c"), "a\\nb\\`c");
    }
}
