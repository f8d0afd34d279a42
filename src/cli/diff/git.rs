//! Reading the `.access` files of a git revision: the same PATHs as the current program, as
//! they were at that revision (`git ls-tree` and `git cat-file`, run from the repository's top
//! folder), named in generated output exactly as `accessc build` names them.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use crate::source::Sources;

fn git(top: Option<&Path>, args: &[&str]) -> Result<Vec<u8>, String> {
    let mut cmd = Command::new("git");
    if let Some(t) = top {
        cmd.arg("-C").arg(t);
    }
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`git {}` failed: {}", args.join(" "), err.trim()));
    }
    Ok(out.stdout)
}

fn git_text(top: Option<&Path>, args: &[&str]) -> Result<String, String> {
    git(top, args).map(|b| {
        String::from_utf8_lossy(&b)
            .trim_end_matches('\n')
            .to_string()
    })
}

/// `a/./b/../c` → `a/c`, `/`-separated (None when it climbs out of the repository).
fn normalize(p: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// The repository-relative form of a path given on the command line.
fn repo_path(top: &Path, prefix: &str, given: &Path) -> Result<String, String> {
    let rel = if given.is_absolute() {
        let abs = given.canonicalize().unwrap_or_else(|_| given.to_path_buf());
        let top = top.canonicalize().unwrap_or_else(|_| top.to_path_buf());
        abs.strip_prefix(&top)
            .map(Path::to_path_buf)
            .map_err(|_| format!("`{}` is outside the git repository", given.display()))?
    } else {
        PathBuf::from(prefix).join(given)
    };
    normalize(&rel).ok_or_else(|| format!("`{}` is outside the git repository", given.display()))
}

/// The program at a revision: every `.access` file under the PATHs (default `.`) as it was in
/// `rev`. Display paths are `REV:path`; names in generated files are those `build` would use.
pub fn load_at(rev: &str, paths: &[PathBuf]) -> Result<Sources, String> {
    let top = PathBuf::from(git_text(None, &["rev-parse", "--show-toplevel"])?);
    let prefix = git_text(None, &["rev-parse", "--show-prefix"])?;
    let commit = git_text(
        Some(&top),
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("`{rev}` is not a revision of this repository"))?;
    let default = [PathBuf::from(".")];
    let roots: &[PathBuf] = if paths.is_empty() { &default } else { paths };
    // (display, name, object id)
    let mut files: Vec<(String, String, String)> = Vec::new();
    for root in roots {
        let rp = repo_path(&top, &prefix, root)?;
        let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", commit.as_str()];
        if !rp.is_empty() {
            args.push("--");
            args.push(&rp);
        }
        let listing = git(Some(&top), &args)?;
        let mut found = false;
        for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, path)) = entry.split_once('\t') else {
                continue;
            };
            let mut meta = meta.split(' ');
            let (mode, kind, object) = (meta.next(), meta.next(), meta.next());
            if kind != Some("blob") || mode == Some("120000") {
                continue;
            }
            let Some(object) = object else { continue };
            let inside = rp.is_empty() || path == rp || path.starts_with(&format!("{rp}/"));
            if !inside || !path.ends_with(".access") {
                continue;
            }
            found = true;
            let name = if path == rp {
                // A file named directly: named as `build` names it.
                crate::cli::input::named_file(root)
            } else if rp.is_empty() {
                path.to_string()
            } else {
                path.get(rp.len() + 1..).unwrap_or(path).to_string()
            };
            files.push((format!("{rev}:{path}"), name, object.to_string()));
        }
        if !found && !rp.is_empty() {
            // Like `build` on a path that does not exist: an error, not an empty program.
            let exists = git(Some(&top), &["cat-file", "-e", &format!("{commit}:{rp}")]).is_ok();
            if !exists {
                return Err(format!("`{}` does not exist at {rev}", root.display()));
            }
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    let mut sources = Sources::new();
    for (display, name, object) in files {
        let bytes = git(Some(&top), &["cat-file", "blob", &object])?;
        match String::from_utf8(bytes) {
            Ok(text) => {
                sources.add_named(display, name, text);
            }
            Err(e) => {
                sources.add_unparsed(display, String::from_utf8_lossy(e.as_bytes()).into_owned());
            }
        }
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(normalize(Path::new("a/./b/../c")).as_deref(), Some("a/c"));
        assert_eq!(normalize(Path::new(".")).as_deref(), Some(""));
        assert_eq!(normalize(Path::new("../x")), None);
        assert_eq!(
            repo_path(Path::new("/r"), "sub/", Path::new("../examples")).as_deref(),
            Ok("examples")
        );
    }
}
