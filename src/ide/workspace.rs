//! The program an editor holds, compiled incrementally: every file keeps its id and its parse
//! for as long as the workspace lives, a change re-parses only the file it changes, and when
//! the change cannot reach beyond a known part of the program, only that part is checked again.
//!
//! A change of file `F` is checked on a **slice** of the program when all of these hold (else
//! the whole program is compiled, as `accessc check` does):
//!
//! * the program got past syntax before, and no file has a syntax error now;
//! * `F` declares apps (and namespaces and accesses, unchanged) before and after, the same
//!   apps (namespace and name), each with
//!   the same settings (`identity`, `role`, `account`, `service_account`, …) and the same `use`
//!   items, and each with AWS grants before if and only if after (so the IAM roles the apps
//!   need, and their names, are the same);
//! * no app of `F` could be given the IAM role name of another app or shared role (E119
//!   compares roles across the program: names are `NAMESPACE-APP`), and no E119 involves `F`.
//!
//! The slice is every declaration that is not an app (clusters, namespaces, boundaries, shared
//! roles, accesses, resources, packs), the apps of `F`, every app in the namespaces of `F`'s
//! apps (service accounts and RBAC are per namespace), every app that uses a shared role an
//! app of `F` uses, and every app a resource admits (`by NS/APP`). It is expanded, checked,
//! lowered and linted like a program; its diagnostics in `F` replace `F`'s, every other file
//! keeps its own. Lint's passes over the IR run only when the whole program has no error, as in
//! a full compile: errors outside the slice count. The result is then `exact == false` until
//! [`Workspace::full`] compiles the whole program again (the server does when typing pauses);
//! tests/incremental.rs compares the two on random edits of the examples and of a generated
//! program.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::{AppDecl, Decl, FileId, Program, Span, Value};
use crate::diagnostics::{self, Code, Diag};
use crate::source::Sources;

/// How the last change was compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compiled {
    /// The whole program.
    Full,
    /// A slice of it, of this many apps.
    Slice {
        /// The apps in the slice.
        apps: usize,
    },
    /// Nothing: the file already had that text.
    Unchanged,
    /// Nothing past syntax: some file has a syntax error (the diagnostics are every file's
    /// syntax errors, as a full compile's).
    Syntax,
}

/// The state a syntax error interrupted: the file the error came with, its parse, text and
/// the diagnostics before it, and whether another file changed since.
struct Broken {
    file: FileId,
    parsed: Parsed,
    text: String,
    diags: Vec<Diag>,
    others: bool,
}

/// One file's parse.
#[derive(Clone, Debug, Default)]
struct Parsed {
    decls: Vec<Decl>,
    diags: Vec<Diag>,
}

/// An editor's program (see the module).
pub struct Workspace {
    ctx: crate::Context,
    sources: Sources,
    /// Per file id: its parse (declarations before packs are expanded).
    parsed: Vec<Parsed>,
    /// File ids by name.
    ids: BTreeMap<String, FileId>,
    /// The program with its packs expanded (the last full compile's, with each file changed
    /// since in place).
    program: Program,
    /// Every diagnostic, sorted.
    diags: Vec<Diag>,
    /// Whether the last full compile got past syntax.
    checked: bool,
    /// Whether `diags` are a full compile's of the current text.
    exact: bool,
    /// The apps (`NS/APP`) whose IAM role name another app or shared role could have.
    role_name_clashes: BTreeSet<String>,
    /// Set while a syntax error interrupts a checked program: once the file parses again,
    /// the change since is checked on a slice as one change.
    broken: Option<Broken>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("files", &self.parsed.len())
            .field("exact", &self.exact)
            .finish_non_exhaustive()
    }
}

impl Workspace {
    /// A workspace of `files` (name, text), compiled.
    pub fn new(files: impl IntoIterator<Item = (String, String)>) -> Workspace {
        let mut ws = Workspace {
            ctx: crate::Context::new(),
            sources: Sources::new(),
            parsed: Vec::new(),
            ids: BTreeMap::new(),
            program: Program::default(),
            diags: Vec::new(),
            checked: false,
            exact: false,
            role_name_clashes: BTreeSet::new(),
            broken: None,
        };
        for (name, text) in files {
            ws.add(name, text);
        }
        ws.full();
        ws
    }

    /// Add a file (not compiled yet).
    fn add(&mut self, name: String, text: String) -> FileId {
        let id = self.sources.add(name.clone(), text);
        self.ids.insert(name, id);
        self.parsed.push(self.parse(id));
        id
    }

    fn parse(&self, id: FileId) -> Parsed {
        let Some(file) = self.sources.get(id) else {
            return Parsed::default();
        };
        let (decls, diags) = crate::parse_one(id, file);
        Parsed { decls, diags }
    }

    /// The files, by id.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// The id of a file.
    pub fn id(&self, name: &str) -> Option<FileId> {
        self.ids.get(name).copied()
    }

    /// The program, packs expanded.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Every diagnostic, sorted.
    pub fn diags(&self) -> &[Diag] {
        &self.diags
    }

    /// Whether the diagnostics are a full compile's (false after a slice, until [`full`]).
    ///
    /// [`full`]: Workspace::full
    pub fn exact(&self) -> bool {
        self.exact
    }

    /// Set the text of file `name` (added when new; a removed file is one with no text) and
    /// compile what the change can affect.
    pub fn set(&mut self, name: &str, text: String) -> (FileId, Compiled) {
        let Some(id) = self.id(name) else {
            let id = self.add(name.to_string(), text);
            self.full();
            return (id, Compiled::Full);
        };
        if self.sources.get(id).is_some_and(|f| f.text == text) {
            return (id, Compiled::Unchanged);
        }
        let old_text = self
            .sources
            .get(id)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        self.sources.replace(id, text);
        let new = self.parse(id);
        let old = std::mem::replace(&mut self.parsed[id.0 as usize], new);
        if self
            .parsed
            .iter()
            .any(|p| diagnostics::has_errors(&p.diags))
        {
            if self.checked {
                self.broken = Some(Broken {
                    file: id,
                    parsed: old,
                    text: old_text,
                    diags: std::mem::take(&mut self.diags),
                    others: false,
                });
            } else if let Some(b) = self.broken.as_mut() {
                b.others |= b.file != id;
            }
            self.syntax_errors(id);
            return (id, Compiled::Syntax);
        }
        let (old, old_text) = match self.broken.take() {
            // Parsed again: the change since the last check, if it is this file's alone.
            Some(b) if !b.others && b.file == id => {
                self.diags = b.diags;
                self.checked = true;
                (b.parsed, b.text)
            }
            _ => (old, old_text),
        };
        match self.slice(id, &old, &old_text) {
            Some(apps) => (id, Compiled::Slice { apps }),
            None => {
                self.full();
                (id, Compiled::Full)
            }
        }
    }

    /// Compile the whole program.
    pub fn full(&mut self) {
        let (program, mut diags) = crate::assemble(
            self.parsed
                .iter()
                .map(|p| (p.decls.clone(), p.diags.clone())),
        );
        self.checked = !diagnostics::has_errors(&diags);
        if self.checked {
            let (ir, more) =
                crate::check_and_lower_in(&self.ctx, &program, &crate::Options::default());
            diags.extend(more);
            crate::lint::finish(&self.sources, &program, ir.as_ref(), &mut diags);
        }
        diagnostics::sort(&mut diags);
        self.role_name_clashes = role_name_clashes(&program);
        self.program = program;
        self.diags = diags;
        self.exact = true;
        self.broken = None;
    }

    /// A program with syntax errors gets the syntax diagnostics of every file and nothing
    /// else (as a full compile: checking starts only when every file parses).
    fn syntax_errors(&mut self, changed: FileId) {
        let mut diags: Vec<Diag> = self.parsed.iter().flat_map(|p| p.diags.clone()).collect();
        diagnostics::sort(&mut diags);
        let decls = self.parsed[changed.0 as usize].decls.clone();
        self.splice(changed, decls);
        self.diags = diags;
        self.checked = false;
        self.exact = true;
    }

    /// Put `decls` in the program in place of file `file`'s.
    fn splice(&mut self, file: FileId, decls: Vec<Decl>) {
        let of_file = |d: &Decl| d.span().file == file;
        let at = self
            .program
            .decls
            .iter()
            .position(of_file)
            .or_else(|| self.program.decls.iter().position(|d| d.span().file > file))
            .unwrap_or(self.program.decls.len());
        self.program.decls.retain(|d| !of_file(d));
        let at = at.min(self.program.decls.len());
        self.program.decls.splice(at..at, decls);
    }

    /// Check the change of file `f` on a slice of the program (see the module); None when the
    /// change could reach further.
    fn slice(&mut self, f: FileId, old: &Parsed, old_text: &str) -> Option<usize> {
        if !self.checked {
            return None;
        }
        let new = &self.parsed[f.0 as usize];
        let new_text = self.sources.get(f).map_or("", |s| s.text.as_str());
        let (old_apps, old_others) = split(&old.decls, old_text)?;
        let (new_apps, new_others) = split(&new.decls, new_text)?;
        if old_apps.len() != new_apps.len() || old_others != new_others {
            return None;
        }
        let mut by_key: BTreeMap<String, &AppDecl> = BTreeMap::new();
        for a in &old_apps {
            by_key.insert(key(a), a);
        }
        if by_key.len() != old_apps.len() {
            return None;
        }
        for a in &new_apps {
            let k = key(a);
            let o = by_key.get(&k)?;
            if self.role_name_clashes.contains(&k)
                || interface(o, old_text) != interface(a, new_text)
            {
                return None;
            }
        }
        let touches_f = |s: &Span| s.file == f;
        if self.diags.iter().any(|d| {
            d.code == Code::E119
                && (d.span.as_ref().is_some_and(touches_f)
                    || d.related.iter().any(|(s, _)| touches_f(s)))
        }) {
            return None;
        }

        // The slice.
        let namespaces: BTreeSet<&str> =
            new_apps.iter().map(|a| a.namespace.node.as_str()).collect();
        let roles: BTreeSet<String> = new_apps.iter().filter_map(|a| shared_role(a)).collect();
        let mut admitted: BTreeSet<String> = BTreeSet::new();
        for p in &self.parsed {
            for d in &p.decls {
                if let Decl::Resource(r) = d {
                    for g in &r.grants {
                        admitted.extend(g.by.iter().map(|b| b.node.clone()));
                    }
                }
            }
        }
        let mut decls = Vec::new();
        let mut covered: Vec<Span> = Vec::new();
        let mut apps = 0;
        for (i, p) in self.parsed.iter().enumerate() {
            let here = i == f.0 as usize;
            for d in &p.decls {
                let include = match d {
                    Decl::App(a) => {
                        here || namespaces.contains(a.namespace.node.as_str())
                            || shared_role(a).is_some_and(|r| roles.contains(&r))
                            || admitted.contains(&key(a))
                    }
                    _ => true,
                };
                if include {
                    if matches!(d, Decl::App(_)) {
                        apps += 1;
                    }
                    if !here {
                        covered.push(d.span());
                    }
                    decls.push(d.clone());
                }
            }
        }
        let (program, mut diags) = crate::assemble([(decls, new.diags.clone())]);
        if diagnostics::has_errors(&diags) {
            // A pack's error: the whole program says it the same way.
            return None;
        }
        let (ir, more) = crate::check_and_lower_in(&self.ctx, &program, &crate::Options::default());
        diags.extend(more);
        let inside = |s: &Span| {
            s.file == f
                || covered
                    .iter()
                    .any(|c| c.file == s.file && c.start <= s.start && s.start < c.end)
        };
        let errors_outside = self
            .diags
            .iter()
            .any(|d| d.is_error() && !d.span.as_ref().is_some_and(inside));
        let ir = if errors_outside { None } else { ir };
        crate::lint::finish(&self.sources, &program, ir.as_ref(), &mut diags);

        let f_decls: Vec<Decl> = program
            .decls
            .into_iter()
            .filter(|d| d.span().file == f)
            .collect();
        self.splice(f, f_decls);
        self.diags
            .retain(|d| !d.span.as_ref().is_some_and(touches_f));
        self.diags.extend(
            diags
                .into_iter()
                .filter(|d| d.span.as_ref().is_some_and(touches_f)),
        );
        diagnostics::sort(&mut self.diags);
        self.exact = false;
        Some(apps)
    }
}

/// The apps of a file's declarations, and the text of its namespaces and accesses; None when
/// it declares anything else (clusters, boundaries, shared roles, packs and resources are seen
/// by apps the slice does not hold).
fn split<'d>(decls: &'d [Decl], text: &str) -> Option<(Vec<&'d AppDecl>, Vec<String>)> {
    let mut apps = Vec::new();
    let mut others = Vec::new();
    for d in decls {
        match d {
            Decl::App(a) => apps.push(a),
            Decl::Namespace(_) | Decl::Access(_) => others.push(snippet(text, d.span())),
            _ => return None,
        }
    }
    Some((apps, others))
}

/// The text a span covers.
fn snippet(text: &str, s: Span) -> String {
    text.get(s.start as usize..s.end as usize)
        .unwrap_or("")
        .to_string()
}

/// `NS/APP`.
fn key(a: &AppDecl) -> String {
    format!("{}/{}", a.namespace.node, a.name.node)
}

/// The shared role an app uses (`role = NAME`).
fn shared_role(a: &AppDecl) -> Option<String> {
    a.body
        .settings
        .iter()
        .find(|s| s.key.node == "role")
        .map(|s| match &s.value.node {
            Value::Str(v) | Value::Word(v) => v.clone(),
            other => format!("{other:?}"),
        })
}

/// What of an app other declarations can see: its settings and `use` items as written, and
/// whether it has AWS grants (whether it needs an IAM role).
fn interface(a: &AppDecl, text: &str) -> (Vec<String>, Vec<String>, bool) {
    (
        a.body
            .settings
            .iter()
            .map(|s| snippet(text, s.span))
            .collect(),
        a.body.uses.iter().map(|u| snippet(text, u.span)).collect(),
        a.body.aws.iter().any(|b| !b.grants.is_empty()),
    )
}

/// The apps whose IAM role name (`NAMESPACE-APP`, made valid and short by
/// [`crate::lower::workloads::role_name`]) another app's or a shared role's could equal.
fn role_name_clashes(program: &Program) -> BTreeSet<String> {
    let mut by_name: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for d in &program.decls {
        match d {
            Decl::App(a) => by_name
                .entry(stem(&format!("{}-{}", a.namespace.node, a.name.node)))
                .or_default()
                .push(Some(key(a))),
            Decl::Role(r) => by_name.entry(stem(&r.name.node)).or_default().push(None),
            _ => {}
        }
    }
    by_name
        .into_values()
        .filter(|v| v.len() > 1)
        .flatten()
        .flatten()
        .collect()
}

/// A role name as IAM gets it, without the `.CLUSTER` of roles made per cluster (so that
/// `a-b` and `a-b.c` count as one).
fn stem(wanted: &str) -> String {
    let name = crate::lower::workloads::role_name(wanted);
    match name.split_once('.') {
        Some((s, _)) => s.to_string(),
        None => name,
    }
}
