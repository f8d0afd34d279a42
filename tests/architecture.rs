#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The architecture, read from the source: the import graph between the top-level modules of
//! `src/` has no cycle and respects the pipeline's layers, and only the command line (`src/cli*`,
//! `src/main.rs`) and the writer (`src/writer*`) touch the file system, read the environment or
//! print.
//!
//! Every `crate::…` path (a `use`, a `crate::{a, b}` group, a path in an expression) and every
//! `super::` path that climbs to the crate root is an edge from the module of the file that
//! writes it to the top-level module it names (`src/emit/out.rs` → `writer`). Comments, string
//! and character literals, and `#[cfg(test)]` items (a module's tests may read fixtures and use
//! the whole pipeline) are not read. The crate root (`src/lib.rs`) is the facade that declares
//! the modules and sequences the stages, and the modules use its `Options` and `compile*`: it is
//! not a node of the graph.
//!
//! [`ALLOWED_EDGES`] and [`ALLOWED_IO`] list, file by file, the violations that are being
//! removed; an entry that no longer matches anything fails the test too, so the lists can only
//! shrink.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Import edges allowed for now, as (file, the top-level module it imports), should a change
/// need one while it is being removed: none today (the last went with the issue-16 moves).
const ALLOWED_EDGES: &[(&str, &str)] = &[];

/// File-system, environment and printing uses allowed for now outside the command line and the
/// writer, as (file, what): none today.
const ALLOWED_IO: &[(&str, &str)] = &[];

/// Edges the layers forbid, cycle or not, as (from, to): nothing imports the command line (the
/// binary calls it); `check` only checks (lowering, emitting and linting come after it); `emit`
/// is pure and comes before the writer.
const FORBIDDEN_EDGES: &[(&str, &str)] = &[
    ("*", "cli"),
    ("check", "emit"),
    ("check", "lint"),
    ("check", "lower"),
    ("check", "writer"),
    ("emit", "writer"),
    ("emit", "lint"),
];

/// Where the file system, the environment and printing are allowed: the command line, the
/// binary and the writer.
fn may_do_io(file: &str) -> bool {
    file == "src/main.rs"
        || file == "src/cli.rs"
        || file.starts_with("src/cli/")
        || file == "src/writer.rs"
        || file.starts_with("src/writer/")
}

/// What [`io_uses`] looks for.
const IO: &[&str] = &[
    "std::fs",
    "std::env",
    "print!",
    "println!",
    "eprint!",
    "eprintln!",
];

/// A source file: its path (`src/emit/out.rs`), its module path (`["emit", "out"]`; empty for
/// src/lib.rs) and its code with comments, literals and test items blanked.
struct Source {
    path: String,
    module: Vec<String>,
    code: String,
}

fn read_sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            source(&rel, &text)
        })
        .collect()
}

fn source(path: &str, text: &str) -> Source {
    let inner = path.strip_prefix("src/").unwrap_or(path);
    let inner = inner.strip_suffix(".rs").unwrap_or(inner);
    let mut module: Vec<String> = inner.split('/').map(str::to_string).collect();
    if module.last().is_some_and(|m| m == "mod") {
        module.pop();
    }
    if module == ["lib"] {
        module.clear();
    }
    Source {
        path: path.to_string(),
        module,
        code: without_tests(&blank(text)),
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `text` with comments, string, byte-string, raw-string and character literals replaced by
/// spaces (newlines kept, so that offsets and line numbers stay).
fn blank(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let space = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && is_ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    space(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // A raw string: r"…", r#"…"#, br"…".
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                space(&mut out, ch);
            }
            i = j;
        } else if c[i] == '"' {
            let mut j = i + 1;
            while j < c.len() && c[j] != '"' {
                j += if c[j] == '\\' { 2 } else { 1 };
            }
            let end = (j + 1).min(c.len());
            for &ch in &c[i..end] {
                space(&mut out, ch);
            }
            i = end;
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or a lifetime ('a), kept.
            let end = if c.get(i + 1) == Some(&'\\') {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                Some(j + 1)
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 3)
            } else {
                None
            };
            match end {
                Some(end) => {
                    let end = end.min(c.len());
                    for &ch in &c[i..end] {
                        space(&mut out, ch);
                    }
                    i = end;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Blanked code without its `#[cfg(test)]` items (an item ends at its first `;` or at the brace
/// that closes its first `{`).
fn without_tests(code: &str) -> String {
    let mut c: Vec<char> = code.chars().collect();
    let attr: Vec<char> = "#[cfg(test)]".chars().collect();
    let mut i = 0;
    while i + attr.len() <= c.len() {
        if c[i..i + attr.len()] != attr[..] {
            i += 1;
            continue;
        }
        let mut j = i + attr.len();
        let mut depth = 0usize;
        while j < c.len() {
            match c[j] {
                ';' if depth == 0 => break,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = (j + 1).min(c.len());
        for ch in &mut c[i..end] {
            if *ch != '\n' {
                *ch = ' ';
            }
        }
        i = end;
    }
    c.into_iter().collect()
}

/// The line of a byte offset (1-based).
fn line_of(code: &str, at: usize) -> usize {
    code[..at].matches('\n').count() + 1
}

/// The first identifiers of a path's tail: `x::y` → [x]; `{a, b::c, self}` → [a, b, self].
fn heads(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut elements = vec![String::new()];
        let mut depth = 0usize;
        for ch in group.chars() {
            match ch {
                '}' if depth == 0 => break,
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => elements.push(String::new()),
                _ => {}
            }
            if let Some(last) = elements.last_mut() {
                if ch != ',' || depth > 0 {
                    last.push(ch);
                }
            }
        }
        elements
            .iter()
            .map(|e| {
                e.trim_start()
                    .chars()
                    .take_while(|c| is_ident(*c))
                    .collect::<String>()
            })
            .filter(|h| !h.is_empty())
            .collect()
    } else {
        let ident: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        if ident.is_empty() {
            Vec::new()
        } else {
            vec![ident]
        }
    }
}

/// An import of a top-level module: the importing file, its line and the module imported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The edges a file makes to other top-level modules (`modules`: their names).
fn edges(s: &Source, modules: &BTreeSet<String>) -> Vec<Edge> {
    let Some(own) = s.module.first() else {
        return Vec::new();
    };
    let code = &s.code;
    let mut found: Vec<(usize, Vec<String>)> = Vec::new();
    // `crate::…` (and `$crate::…` in macros).
    for (at, _) in code.match_indices("crate::") {
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        found.push((at, heads(&code[at + "crate::".len()..])));
    }
    // `super::super::…` that climbs to the crate root.
    let mut i = 0;
    while let Some(off) = code[i..].find("super::") {
        let at = i + off;
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            i = at + 1;
            continue;
        }
        let mut up = 0;
        let mut j = at;
        while code[j..].starts_with("super::") {
            up += 1;
            j += "super::".len();
        }
        if up >= s.module.len() {
            found.push((at, heads(&code[j..])));
        }
        i = j;
    }
    let mut out = Vec::new();
    for (at, names) in found {
        for name in names {
            if modules.contains(&name) && &name != own {
                out.push(Edge {
                    from: own.clone(),
                    to: name,
                    file: s.path.clone(),
                    line: line_of(code, at),
                });
            }
        }
    }
    out
}

/// Uses of the file system, the environment and printing in a file: (line, what).
fn io_uses(s: &Source) -> Vec<(usize, String)> {
    let code = &s.code;
    let mut out = Vec::new();
    for what in IO {
        for (at, _) in code.match_indices(what) {
            let before = code[..at].chars().next_back();
            // `eprint!` is not a `print!`; `::std::fs` is `std::fs`.
            if before.is_some_and(|c| is_ident(c) || (c == ':' && !what.starts_with("std"))) {
                continue;
            }
            let after = code[at + what.len()..].chars().next();
            if what.starts_with("std") && after.is_some_and(is_ident) {
                continue;
            }
            out.push((line_of(code, at), what.to_string()));
        }
    }
    // `use std::{fs, env::var}`.
    for (at, _) in code.match_indices("std::") {
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue;
        }
        let rest = &code[at + "std::".len()..];
        if rest.trim_start().starts_with('{') {
            for h in heads(rest) {
                if h == "fs" || h == "env" {
                    out.push((line_of(code, at), format!("std::{h}")));
                }
            }
        }
    }
    out.sort();
    out
}

/// The modules of a cycle, if the graph has one (`["a", "b", "a"]`).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in graph.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|x| x == m).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(m.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(m, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, graph, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// Every violation of the sources, as messages (empty: none), given the allowlists.
fn violations(
    sources: &[Source],
    allowed_edges: &[(&str, &str)],
    allowed_io: &[(&str, &str)],
) -> Vec<String> {
    let modules: BTreeSet<String> = sources
        .iter()
        .filter(|s| s.path != "src/main.rs")
        .filter_map(|s| s.module.first().cloned())
        .collect();
    let mut problems = Vec::new();
    let mut used_edges = BTreeSet::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut by_pair: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for s in sources.iter().filter(|s| s.path != "src/main.rs") {
        for e in edges(s, &modules) {
            if let Some(entry) = allowed_edges
                .iter()
                .find(|(f, to)| *f == e.file && *to == e.to)
            {
                used_edges.insert(*entry);
                continue;
            }
            for (from, to) in FORBIDDEN_EDGES {
                if (*from == "*" || *from == e.from) && *to == e.to {
                    problems.push(format!(
                        "{}:{}: `{}` imports `{}`, which the layers forbid",
                        e.file, e.line, e.from, e.to
                    ));
                }
            }
            graph
                .entry(e.from.clone())
                .or_default()
                .insert(e.to.clone());
            by_pair
                .entry((e.from.clone(), e.to.clone()))
                .or_default()
                .push(format!("{}:{}", e.file, e.line));
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let mut why = String::new();
        for pair in cycle.windows(2) {
            let at = &by_pair[&(pair[0].clone(), pair[1].clone())];
            why.push_str(&format!("\n  {} → {}: {}", pair[0], pair[1], at.join(", ")));
        }
        problems.push(format!(
            "import cycle between top-level modules: {}{why}",
            cycle.join(" → ")
        ));
    }
    let mut used_io = BTreeSet::new();
    for s in sources.iter().filter(|s| !may_do_io(&s.path)) {
        for (line, what) in io_uses(s) {
            if let Some(entry) = allowed_io.iter().find(|(f, w)| *f == s.path && *w == what) {
                used_io.insert(*entry);
                continue;
            }
            problems.push(format!(
                "{}:{line}: `{what}` outside the command line and the writer",
                s.path
            ));
        }
    }
    for entry in allowed_edges {
        if !used_edges.contains(entry) {
            problems.push(format!(
                "ALLOWED_EDGES: `{}` no longer imports `{}`: remove the entry",
                entry.0, entry.1
            ));
        }
    }
    for entry in allowed_io {
        if !used_io.contains(entry) {
            problems.push(format!(
                "ALLOWED_IO: `{}` no longer uses `{}`: remove the entry",
                entry.0, entry.1
            ));
        }
    }
    problems
}

#[test]
fn the_modules_import_each_other_in_one_direction_and_only_the_cli_and_writer_do_io() {
    let sources = read_sources();
    assert!(sources.len() > 50, "{} files under src/", sources.len());
    let problems = violations(&sources, ALLOWED_EDGES, ALLOWED_IO);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

// The checker itself, on made-up sources.

fn made_up(files: &[(&str, &str)]) -> Vec<Source> {
    files.iter().map(|(p, t)| source(p, t)).collect()
}

#[test]
fn a_cycle_is_found_with_the_files_that_make_it() {
    let s = made_up(&[
        ("src/a.rs", "use crate::b::X;\n"),
        ("src/b.rs", "//! b\n\nfn f() { crate::a::g() }\n"),
        ("src/c.rs", "use crate::{a, b::Y};\n"),
    ]);
    let p = violations(&s, &[], &[]);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("a → b → a"), "{}", p[0]);
    assert!(
        p[0].contains("src/a.rs:1") && p[0].contains("src/b.rs:3"),
        "{}",
        p[0]
    );
    // Allowed file by file: another file making the same edge is still a cycle.
    assert!(violations(&s, &[("src/b.rs", "a")], &[]).is_empty());
    let s2 = made_up(&[
        ("src/a.rs", "use crate::b::X;\n"),
        ("src/b.rs", "fn f() { crate::a::g() }\n"),
        ("src/b/c.rs", "use crate::a;\n"),
    ]);
    let p = violations(&s2, &[("src/b.rs", "a")], &[]);
    assert!(p.len() == 1 && p[0].contains("src/b/c.rs:1"), "{p:?}");
}

#[test]
fn groups_and_super_paths_to_the_root_are_edges() {
    let s = made_up(&[
        (
            "src/a.rs",
            "use crate::{x, y::{self, Z}};\nuse super::b::Q;\n",
        ),
        (
            "src/a/inner.rs",
            "use super::super::c;\nuse super::sibling;\n",
        ),
        ("src/b.rs", ""),
        ("src/c.rs", ""),
        ("src/x.rs", ""),
        ("src/y.rs", ""),
    ]);
    let modules = s.iter().map(|s| s.module[0].clone()).collect();
    let to =
        |i: usize| -> Vec<String> { edges(&s[i], &modules).into_iter().map(|e| e.to).collect() };
    assert_eq!(to(0), ["x", "y", "b"]);
    assert_eq!(to(1), ["c"]);
}

#[test]
fn printing_the_file_system_and_the_environment_are_found_outside_the_cli_only() {
    let text = "use std::{collections::BTreeMap, fs};\n\
                fn f() {\n    eprintln!(\"x\");\n    let _ = std::env::var(\"X\");\n    print!(\"y\");\n}\n";
    let s = made_up(&[
        ("src/a.rs", text),
        ("src/cli/x.rs", text),
        ("src/writer.rs", text),
    ]);
    let p = violations(&s, &[], &[]);
    assert_eq!(
        p,
        [
            "src/a.rs:1: `std::fs` outside the command line and the writer",
            "src/a.rs:3: `eprintln!` outside the command line and the writer",
            "src/a.rs:4: `std::env` outside the command line and the writer",
            "src/a.rs:5: `print!` outside the command line and the writer",
        ]
    );
}

#[test]
fn comments_literals_and_test_items_are_not_read() {
    let text = "//! Uses `crate::b` and `println!`.\n\
                /* crate::b::x() /* nested */ std::fs */\n\
                const S: &str = \"crate::b println!(\";\n\
                const R: &str = r#\"std::env \"crate::b\"\"#;\n\
                const C: char = '\"';\n\
                fn f<'a>(x: &'a str) -> &'a str { x }\n\
                #[cfg(test)]\nmod tests {\n    use crate::b;\n    fn t() { println!(\"{}\", std::fs::read(\"x\").is_ok()); }\n}\n\
                #[cfg(test)]\nuse crate::b::Y;\n\
                fn g() -> usize { 1 }\n";
    let s = made_up(&[("src/a.rs", text), ("src/b.rs", "use crate::a;\n")]);
    assert!(
        violations(&s, &[], &[]).is_empty(),
        "{:?}",
        violations(&s, &[], &[])
    );
    assert!(s[0].code.contains("fn g()"), "{}", s[0].code);
}

#[test]
fn the_layers_forbid_some_edges_even_without_a_cycle() {
    let s = made_up(&[
        ("src/check.rs", "use crate::lint::rbac;\n"),
        ("src/lint.rs", ""),
        ("src/diff.rs", "use crate::cli::exit;\n"),
        ("src/cli.rs", ""),
    ]);
    let p = violations(&s, &[], &[]);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].contains("src/check.rs:1") && p[1].contains("src/diff.rs:1"),
        "{p:?}"
    );
}

#[test]
fn an_allowance_that_is_no_longer_needed_fails() {
    let s = made_up(&[("src/a.rs", ""), ("src/b.rs", "")]);
    let p = violations(&s, &[("src/a.rs", "b")], &[("src/b.rs", "std::fs")]);
    assert_eq!(p.len(), 2, "{p:?}");
}
