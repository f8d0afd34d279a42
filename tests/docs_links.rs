#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The documentation's links: every relative link in `README.md` and `docs/**/*.md` resolves to
//! an existing file, and a `#anchor` to a heading of the linked page (GitHub's slugs); every
//! `docs/….md` path that the sources (help strings, module docs), the `--help` text of every
//! command and the diagnostic pages name exists. The checker itself is tested on a broken tree.

mod support;
use support::root;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The Markdown files whose links are checked: `README.md` and every `*.md` under `docs/`.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    for e in walkdir::WalkDir::new(root.join("docs")).sort_by_file_name() {
        let e = e.unwrap();
        if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") {
            files.push(e.path().to_path_buf());
        }
    }
    files
}

/// The lines of a Markdown text outside fenced code blocks, with their numbers (1-based).
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fence: Option<(char, usize)> = None;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let ch = t.chars().next().unwrap_or(' ');
        if ch == '`' || ch == '~' {
            let n = t.chars().take_while(|&c| c == ch).count();
            if n >= 3 {
                match fence {
                    None => {
                        fence = Some((ch, n));
                        continue;
                    }
                    Some((c, m)) if c == ch && n >= m && t[n..].trim().is_empty() => {
                        fence = None;
                        continue;
                    }
                    Some(_) => {}
                }
            }
        }
        if fence.is_none() {
            out.push((i + 1, line));
        }
    }
    out
}

/// A line with its code spans (`` `…` ``, any number of backticks) removed.
fn without_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'`' {
            let n = b[i..].iter().take_while(|&&c| c == b'`').count();
            let tick = "`".repeat(n);
            if let Some(end) = line[i + n..].find(&tick) {
                i += n + end + n;
                out.push(' ');
                continue;
            }
            out.push_str(&tick);
            i += n;
            continue;
        }
        let c = line[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The targets of the inline links `[text](target "title")` of a Markdown text, with their line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in prose_lines(text) {
        let line = without_code_spans(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let mut depth = 0usize;
            let mut end = after.len();
            for (j, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' if depth == 0 => {
                        end = j;
                        break;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
            let target = after[..end].trim();
            let target = target.split_whitespace().next().unwrap_or("");
            let target = target.trim_start_matches('<').trim_end_matches('>');
            out.push((n, target.to_string()));
            rest = &after[end.min(after.len())..];
        }
    }
    out
}

/// GitHub's anchor of a heading: lowercase, letters, digits, `-` and `_` kept, spaces to `-`,
/// everything else dropped (code-span backticks included).
fn slug(heading: &str) -> String {
    let mut s = String::new();
    for c in heading.trim().chars() {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            s.extend(c.to_lowercase());
        } else if c == ' ' {
            s.push('-');
        }
    }
    s
}

/// The anchors of a Markdown text's headings (`# …` to `###### …`), with GitHub's `-1`, `-2`
/// suffixes for repeated ones, and any `<a id="…">` / `<a name="…">`.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for (_, line) in prose_lines(text) {
        let level = line.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&level) && line[level..].starts_with(' ') {
            let base = slug(line[level..].trim().trim_end_matches('#'));
            let k = seen.entry(base.clone()).or_insert(0);
            out.insert(if *k == 0 {
                base.clone()
            } else {
                format!("{base}-{k}")
            });
            *k += 1;
        }
        for key in ["id=\"", "name=\""] {
            let mut rest = line;
            while let Some(at) = rest.find(key) {
                let v = &rest[at + key.len()..];
                let end = v.find('"').unwrap_or(v.len());
                out.insert(v[..end].to_string());
                rest = &v[end..];
            }
        }
    }
    out
}

/// `dir/../x` → `x`, without touching the file system (so a missing file is reported as such).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Every broken relative link of the Markdown files under `root` (`README.md`, `docs/**`), as
/// `file:line: target: why`.
fn broken_links(root: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    let mut cache: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    for file in markdown_files(root) {
        let text = fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for (line, target) in links(&text) {
            if target.is_empty() {
                broken.push(format!("{shown}:{line}: empty link target"));
                continue;
            }
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = match target.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (target.as_str(), None),
            };
            let dest = if path.is_empty() {
                file.clone()
            } else if let Some(abs) = path.strip_prefix('/') {
                root.join(abs)
            } else {
                normalize(&file.parent().unwrap().join(path))
            };
            if !dest.starts_with(root) || !dest.exists() {
                broken.push(format!("{shown}:{line}: {target}: no such file"));
                continue;
            }
            let Some(anchor) = anchor else { continue };
            if dest.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let set = cache
                .entry(dest.clone())
                .or_insert_with(|| anchors(&fs::read_to_string(&dest).unwrap()));
            if !set.contains(anchor) {
                broken.push(format!(
                    "{shown}:{line}: {target}: no heading `#{anchor}` there"
                ));
            }
        }
    }
    broken
}

/// The `docs/….md` paths named in a text.
fn docs_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("docs/") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-./".contains(c)))
            .unwrap_or(tail.len());
        let p = tail[..end].trim_end_matches('.');
        // `../../docs/codes/` (an include path) and `xdocs/` are not names of a page.
        if p.ends_with(".md") && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/') {
            out.push(p.to_string());
        }
        rest = &tail[end.max(1)..];
    }
    out
}

/// A placeholder such as `docs/codes/CODE.md` stands for any page of its folder.
fn docs_path_exists(root: &Path, p: &str) -> bool {
    let path = root.join(p);
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if !stem.is_empty() && stem.chars().all(|c| c.is_ascii_uppercase()) && stem.len() > 1 {
        let dir = path.parent().unwrap();
        return fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    }
    path.is_file()
}

#[test]
fn every_relative_link_of_the_readme_and_docs_resolves() {
    let broken = broken_links(&root());
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn the_readme_stays_under_400_lines() {
    let n = fs::read_to_string(root().join("README.md"))
        .unwrap()
        .lines()
        .count();
    assert!(
        n < 400,
        "README.md has {n} lines; move detail to a page under docs/"
    );
}

#[test]
fn every_docs_page_the_sources_name_exists() {
    let root = root();
    let mut missing = Vec::new();
    let mut scanned = 0;
    for e in walkdir::WalkDir::new(root.join("src")).sort_by_file_name() {
        let e = e.unwrap();
        if !e.file_type().is_file() || e.path().extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = fs::read_to_string(e.path()).unwrap();
        // Unit tests name made-up paths (`docs/x.md` as a file someone put in an output folder).
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for p in docs_paths(text) {
            scanned += 1;
            if !docs_path_exists(&root, &p) {
                missing.push(format!(
                    "{}: {p}",
                    e.path().strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    for e in walkdir::WalkDir::new(root.join("docs")).sort_by_file_name() {
        let e = e.unwrap();
        if !e.file_type().is_file() || e.path().extension().is_none_or(|x| x != "md") {
            continue;
        }
        // A pack's page quotes its controller's sources, which name that project's own docs
        // (`docs/tutorials/aws.md` of external-dns); its links are checked above.
        if e.path().starts_with(root.join("docs/packs")) {
            continue;
        }
        for p in docs_paths(&fs::read_to_string(e.path()).unwrap()) {
            scanned += 1;
            if !docs_path_exists(&root, &p) {
                missing.push(format!(
                    "{}: {p}",
                    e.path().strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        scanned > 0,
        "no docs path found in the sources: the scan is broken"
    );
    assert!(
        missing.is_empty(),
        "docs pages named but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_docs_page_the_help_names_exists() {
    let exe = env!("CARGO_BIN_EXE_accessc");
    let help = |args: &[&str]| {
        let out = Command::new(exe).args(args).output().unwrap();
        assert!(out.status.success(), "accessc {args:?} failed");
        String::from_utf8(out.stdout).unwrap()
    };
    let top = help(&["--help"]);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(
        commands.iter().any(|c| c == "build"),
        "no commands in:\n{top}"
    );
    let mut texts = vec![("accessc --help".to_string(), top.clone())];
    for c in &commands {
        texts.push((format!("accessc {c} --help"), help(&[c, "--help"])));
    }
    let mut named = 0;
    let mut missing = Vec::new();
    for (what, text) in &texts {
        for p in docs_paths(text) {
            named += 1;
            if !docs_path_exists(&root(), &p) {
                missing.push(format!("{what}: {p}"));
            }
        }
    }
    assert!(named > 0, "the help names no docs page: the scan is broken");
    assert!(
        missing.is_empty(),
        "docs pages named but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_checker_finds_a_broken_link_and_a_broken_anchor() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir_all(root.join("docs/codes")).unwrap();
    fs::write(
        root.join("README.md"),
        "# T\n\nSee [a](docs/a.md), [gone](docs/gone.md), [anchor](docs/a.md#not-there),\n\
         [ok](docs/a.md#the-a-page-b) and [self](#t).\n\n```\n[in code](nowhere.md)\n```\n\
         `[in a span](nowhere.md)`\n",
    )
    .unwrap();
    fs::write(
        root.join("docs/a.md"),
        "# The `a` page: b\n\n[up](../README.md#t) [codes](codes/E1.md)\n",
    )
    .unwrap();
    let broken = broken_links(root);
    assert_eq!(
        broken,
        [
            "README.md:3: docs/gone.md: no such file",
            "README.md:3: docs/a.md#not-there: no heading `#not-there` there",
            "docs/a.md:3: codes/E1.md: no such file",
        ],
    );
    assert_eq!(
        docs_paths("see docs/pipelines.md, `docs/rules.md`. ../../docs/codes/x.md"),
        ["docs/pipelines.md", "docs/rules.md"]
    );
    assert!(!docs_path_exists(root, "docs/pipelines.md"));
    assert_eq!(
        slug("Per-cluster scoping: `${cluster}`"),
        "per-cluster-scoping-cluster"
    );
}
