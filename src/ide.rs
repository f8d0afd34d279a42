//! What an editor asks of a program, answered from its text and the compiler's own knowledge
//! (the IAM catalog, the declarations, the formatter), without I/O: positions in LSP's terms,
//! hover text, definitions, completions and quick fixes. `accessc lsp` (in `cli/`) speaks the
//! protocol and calls these.

use std::collections::BTreeMap;

pub mod workspace;

use crate::ast::{Decl, FileId, Program, Span};
use crate::catalog::{catalog, AccessLevel};
use crate::diagnostics::Diag;

/// A position as LSP counts it: a line (from 0) and a column in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, from 0.
    pub line: u32,
    /// Column in UTF-16 code units, from 0.
    pub character: u32,
}

/// The position of byte `offset` of `text` (clamped to the text; inside a character: its start).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: u32::try_from(before.matches('\n').count()).unwrap_or(u32::MAX),
        character: u32::try_from(text[line_start..offset].encode_utf16().count())
            .unwrap_or(u32::MAX),
    }
}

/// The byte offset of `pos` in `text`: a line past the end is the end of the text, a column past
/// the end of its line the end of the line.
pub fn offset(text: &str, pos: Position) -> usize {
    let mut start = 0;
    for _ in 0..pos.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= pos.character {
            return start + i;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    line_end
}

/// Whether `c` may be part of the word under the cursor: a name, an action, a condition key.
fn word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '*' | '?' | '/')
}

/// The word at byte `at` of `text` and its byte range.
pub fn word_at(text: &str, at: usize) -> Option<(usize, usize, &str)> {
    let at = at.min(text.len());
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| word_char(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !word_char(*c))
        .map_or(text.len(), |(i, _)| at + i);
    (start < end).then(|| (start, end, &text[start..end]))
}

/// What a declared name is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// `cluster`
    Cluster,
    /// `namespace`
    Namespace,
    /// `app` (named `NS/APP`)
    App,
    /// `role`
    Role,
    /// `boundary`
    Boundary,
    /// `access`
    Access,
    /// `pack`
    Pack,
}

impl Kind {
    /// The keyword that declares it.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Cluster => "cluster",
            Kind::Namespace => "namespace",
            Kind::App => "app",
            Kind::Role => "role",
            Kind::Boundary => "boundary",
            Kind::Access => "access",
            Kind::Pack => "pack",
        }
    }
}

/// Every declaration of a program: (kind, name) → the span of its name and of the whole
/// declaration. Apps are keyed `NS/APP` (and found by their bare name too, see [`definition`]).
pub fn declarations(program: &Program) -> BTreeMap<(Kind, String), Vec<(Span, Span)>> {
    let mut out: BTreeMap<(Kind, String), Vec<(Span, Span)>> = BTreeMap::new();
    for d in &program.decls {
        let (kind, name, name_span, span) = match d {
            Decl::Cluster(c) => (Kind::Cluster, c.name.node.clone(), c.name.span, c.span),
            Decl::Namespace(n) => (Kind::Namespace, n.name.node.clone(), n.name.span, n.span),
            Decl::App(a) => (
                Kind::App,
                format!("{}/{}", a.namespace.node, a.name.node),
                a.name.span,
                a.span,
            ),
            Decl::Role(r) => (Kind::Role, r.name.node.clone(), r.name.span, r.span),
            Decl::Boundary(b) => (Kind::Boundary, b.name.node.clone(), b.name.span, b.span),
            Decl::Access(a) => (Kind::Access, a.name.node.clone(), a.name.span, a.span),
            Decl::Pack(p) => (Kind::Pack, p.name.node.clone(), p.name.span, p.span),
            Decl::Resource(_) => continue,
        };
        out.entry((kind, name)).or_default().push((name_span, span));
    }
    out
}

/// One declaration of a file's outline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// The keyword that declares it (`cluster`, `app`, `resource`, …).
    pub keyword: &'static str,
    /// Its name (an app's bare name, a resource's ARN).
    pub name: String,
    /// One line about it (`in NAMESPACE` for an app).
    pub detail: Option<String>,
    /// The whole declaration.
    pub span: Span,
    /// Its name.
    pub name_span: Span,
}

/// The outline of file `file`: its declarations in order (a pack's expansion adds none).
pub fn outline(program: &Program, file: FileId) -> Vec<Symbol> {
    let mut out: Vec<Symbol> = program
        .decls
        .iter()
        .filter(|d| d.span().file == file)
        .map(|d| {
            let (keyword, name, detail, name_span) = match d {
                Decl::Cluster(c) => ("cluster", c.name.node.clone(), None, c.name.span),
                Decl::Namespace(n) => ("namespace", n.name.node.clone(), None, n.name.span),
                Decl::App(a) => (
                    "app",
                    a.name.node.clone(),
                    Some(format!("in {}", a.namespace.node)),
                    a.name.span,
                ),
                Decl::Role(r) => ("role", r.name.node.clone(), None, r.name.span),
                Decl::Boundary(b) => ("boundary", b.name.node.clone(), None, b.name.span),
                Decl::Access(a) => ("access", a.name.node.clone(), None, a.name.span),
                Decl::Resource(r) => ("resource", r.arn.node.clone(), None, r.arn.span),
                Decl::Pack(p) => ("pack", p.name.node.clone(), None, p.name.span),
            };
            Symbol {
                keyword,
                name,
                detail,
                span: d.span(),
                name_span,
            }
        })
        .collect();
    out.sort_by_key(|s| s.span.start);
    out
}

/// The kinds a name at byte `start` of `text` can refer to, from the words before it: `in NS`,
/// `on CLUSTER, …`, `role = NAME`, `boundary = NAME`, `use PACK(`, `by NS/APP`; every kind when
/// the context says nothing.
fn expected_kinds(text: &str, start: usize, word: &str) -> Vec<Kind> {
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_end();
    let last = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or_default();
    if word.contains('/') {
        return vec![Kind::App];
    }
    match last {
        "in" => vec![Kind::Namespace],
        "on" => vec![Kind::Cluster],
        "use" => vec![Kind::Pack],
        "by" => vec![Kind::App],
        "=" if before.trim_start().starts_with("role") => vec![Kind::Role],
        "=" if before.trim_start().starts_with("boundary") => vec![Kind::Boundary],
        _ if before.ends_with(',') && before.contains(" on ") => vec![Kind::Cluster],
        _ => vec![
            Kind::Cluster,
            Kind::Namespace,
            Kind::App,
            Kind::Role,
            Kind::Boundary,
            Kind::Access,
            Kind::Pack,
        ],
    }
}

/// The declarations the name at byte `at` of file `file` refers to (or is): the spans of their
/// names. An app's bare name refers to the apps of that name in any namespace.
pub fn definition(program: &Program, text: &str, at: usize) -> Vec<Span> {
    let Some((start, _, word)) = word_at(text, at) else {
        return Vec::new();
    };
    let word = word.trim_end_matches([',', '.']);
    let decls = declarations(program);
    let mut out = Vec::new();
    for kind in expected_kinds(text, start, word) {
        for ((k, name), spans) in &decls {
            let hit = *k == kind
                && (name == word || (kind == Kind::App && name.rsplit('/').next() == Some(word)));
            if hit {
                out.extend(spans.iter().map(|(name_span, _)| *name_span));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every place the name declared at `target` (a declaration's name span) is named in `texts`
/// (whole words only, in a context that can refer to it), the declaration included.
pub fn references(program: &Program, texts: &[(FileId, &str)], target: Span) -> Vec<Span> {
    let mut out = Vec::new();
    for (file, text) in texts {
        let mut i = 0;
        while i < text.len() {
            let Some((start, end, _)) = word_at(text, i) else {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                continue;
            };
            if definition(program, text, start).contains(&target) {
                out.push(Span::new(*file, start, end));
            }
            i = end.max(i + 1);
        }
    }
    out
}

/// Hover text (Markdown) for the word at byte `at` of `text`: an IAM action (its access levels,
/// resource types and condition keys; a wildcard's matching actions), an access-level grant's
/// expansion, a condition key's type, or a declared name's declaration.
pub fn hover(
    program: &Program,
    text: &str,
    at: usize,
    place: impl Fn(Span) -> String,
) -> Option<String> {
    let (start, _, word) = word_at(text, at)?;
    let word = word.trim_end_matches(',');
    // An access-level grant: `read "ARN", …` on its line.
    if let Ok(level) = word.parse::<AccessLevel>() {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let rest = &text[start + word.len()..line_end];
        let arns: Vec<&str> = rest.split('"').skip(1).step_by(2).collect();
        if !arns.is_empty() {
            let mut out = format!("**{word}** (`{}`) expands to:\n", level.aws_name());
            for arn in arns {
                match catalog().level_actions(level, arn) {
                    Ok(actions) => {
                        out.push_str(&format!("\n`{arn}`: {} actions\n", actions.len()));
                        for a in actions {
                            out.push_str(&format!("- `{a}`\n"));
                        }
                    }
                    Err(e) => out.push_str(&format!("\n`{arn}`: {e}\n")),
                }
            }
            return Some(out);
        }
    }
    if let Some((service, name)) = word.split_once(':') {
        if let Some(svc) = catalog().service(service) {
            if name.contains(['*', '?']) {
                let hits: Vec<&str> = svc
                    .actions()
                    .iter()
                    .map(|a| a.name())
                    .filter(|n| crate::catalog::glob_match_ci(name, n))
                    .collect();
                let mut out = format!("`{word}` matches {} actions of `{service}`:\n", hits.len());
                for h in hits.iter().take(60) {
                    out.push_str(&format!("- `{service}:{h}`\n"));
                }
                if hits.len() > 60 {
                    out.push_str(&format!("- … and {} more\n", hits.len() - 60));
                }
                return Some(out);
            }
            if let Some((_, action)) = catalog().lookup_action(word) {
                let mut out = format!(
                    "**`{service}:{}`** — access level: {}\n",
                    action.name(),
                    action.level_set()
                );
                let resources: Vec<String> = action
                    .resources()
                    .iter()
                    .map(|r| {
                        format!(
                            "`{}`{}",
                            r.resource_type(),
                            if r.required() { " (required)" } else { "" }
                        )
                    })
                    .collect();
                out.push_str(&format!(
                    "\nResource types: {}\n",
                    if resources.is_empty() {
                        "none (`\"*\"` only)".to_string()
                    } else {
                        resources.join(", ")
                    }
                ));
                if !action.condition_keys().is_empty() {
                    out.push_str(&format!(
                        "\nCondition keys: {}\n",
                        action
                            .condition_keys()
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                return Some(out);
            }
            // A condition key of the service.
            if let Some(k) = svc.condition_keys().iter().find(|k| k.matches(word)) {
                return Some(format!("condition key `{}`: {}", k.name(), k.value_type()));
            }
        }
        if let Some(k) = catalog()
            .global_condition_keys()
            .iter()
            .find(|k| k.matches(word))
        {
            return Some(format!(
                "global condition key `{}`: {}",
                k.name(),
                k.value_type()
            ));
        }
    }
    if let Some(out) = pack_hover(program, text, start, word, &place) {
        return Some(out);
    }
    let spans = definition(program, text, at);
    if spans.is_empty() {
        return None;
    }
    let decls = declarations(program);
    let mut out = String::new();
    for ((kind, name), list) in &decls {
        for (name_span, _) in list {
            if spans.contains(name_span) {
                out.push_str(&format!(
                    "`{} {name}` — declared at {}\n",
                    kind.keyword(),
                    place(*name_span)
                ));
            }
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Hover text of a pack named at byte `start` (`use NAME(…)`, `pack NAME(…)`): its signature,
/// and where it is declared or which controller version a built-in pack follows.
fn pack_hover(
    program: &Program,
    text: &str,
    start: usize,
    word: &str,
    place: &impl Fn(Span) -> String,
) -> Option<String> {
    let before = text[..start].trim_end();
    let after = text[start + word.len()..].trim_start();
    if !(before.ends_with("use") || before.ends_with("pack")) || !after.starts_with('(') {
        return None;
    }
    let declared = program.decls.iter().find_map(|d| match d {
        Decl::Pack(p) if p.name.node == word && !crate::packs::is_builtin(p.span.file) => Some(p),
        _ => None,
    });
    if let Some(p) = declared {
        return Some(format!(
            "```\npack {}\n```\ndeclared at {}\n",
            crate::packs::signature_of(p),
            place(p.name.span)
        ));
    }
    let pack = crate::packs::get(word)?;
    Some(format!(
        "```\npack {}\n```\nbuilt-in pack: {} (follows v{}; `accessc packs show {}` prints it)\n",
        pack_signature(pack),
        pack.summary,
        pack.version,
        pack.name
    ))
}

/// A built-in pack's declaration, parsed from its source (None when it does not parse, which
/// a test rules out).
pub(crate) fn pack_declaration(pack: &crate::packs::BuiltinPack) -> Option<crate::ast::PackDecl> {
    let id = crate::packs::file_id(pack.name)?;
    let (decls, _) = crate::syntax::parse_file(id, pack.source);
    decls.into_iter().find_map(|d| match d {
        Decl::Pack(p) => Some(p),
        _ => None,
    })
}

/// `NAME(PARAM: TYPE [= DEFAULT], …)` of a built-in pack, read from its source (empty
/// parameters when the source does not parse, which a test rules out).
pub(crate) fn pack_signature(pack: &crate::packs::BuiltinPack) -> String {
    match pack_declaration(pack) {
        Some(p) => crate::packs::signature_of(&p),
        None => format!("{}()", pack.name),
    }
}

/// The block the cursor is in: the first word of the header of each open `{`, innermost last
/// (strings and `#` comments skipped).
fn open_blocks(text: &str) -> Vec<&str> {
    let mut stack: Vec<&str> = Vec::new();
    let mut line_start = 0;
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            line_start = i + 1;
            in_comment = false;
            in_string = false;
            continue;
        }
        if in_comment {
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '#' => in_comment = true,
            '{' => {
                let header = text[line_start..i].split_whitespace().next().unwrap_or("");
                stack.push(header);
            }
            '}' => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack
}

/// The settings a block of a declaration knows, by the declaration's keyword.
fn settings_of(keyword: &str) -> &'static [&'static str] {
    match keyword {
        "cluster" => crate::check::CLUSTER_SETTINGS,
        "app" => crate::check::apps::APP_SETTINGS,
        "role" => crate::check::apps::ROLE_SETTINGS,
        "access" => crate::check::access::ACCESS_SETTINGS,
        "namespace" => &["managed"],
        _ => &[],
    }
}

/// Completions inside a `kubernetes … { … }` block: verbs, built-in resources and the rule's
/// keywords that start with `lower`.
fn kubernetes_completions(lower: &str) -> Vec<Completion> {
    let mut out: Vec<Completion> = crate::kube::VERBS
        .iter()
        .filter(|v| v.starts_with(lower))
        .map(|v| Completion {
            label: (*v).to_string(),
            detail: "Kubernetes verb".to_string(),
        })
        .collect();
    out.extend(
        crate::kube::resources()
            .iter()
            .map(|r| (r, r.display_name()))
            .filter(|(_, name)| name.starts_with(lower))
            .map(|(r, name)| Completion {
                label: name,
                detail: format!(
                    "Kubernetes resource ({}{})",
                    if r.group.is_empty() { "core" } else { r.group },
                    if r.namespaced {
                        ", namespaced"
                    } else {
                        ", cluster-wide"
                    }
                ),
            }),
    );
    for (k, d) in [
        ("named", "only the objects of these names"),
        ("unsafe", "accept a wide rule, with a reason"),
    ] {
        if k.starts_with(lower) {
            out.push(Completion {
                label: k.to_string(),
                detail: d.to_string(),
            });
        }
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out.dedup();
    out
}

/// A completion item: the text to insert and a detail line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// What to insert.
    pub label: String,
    /// One line about it.
    pub detail: String,
}

/// The keywords and access levels offered where a word starts.
const KEYWORDS: &[(&str, &str)] = &[
    ("cluster", "declare an EKS cluster"),
    ("namespace", "declare a namespace on clusters"),
    ("app", "declare an app in a namespace"),
    ("role", "declare a shared role"),
    ("boundary", "declare a permissions boundary"),
    ("access", "declare cluster access for principals"),
    ("resource", "declare a resource policy"),
    ("pack", "declare a reusable pack of grants"),
    ("use", "use a pack"),
    ("aws", "AWS grants"),
    ("kubernetes", "Kubernetes rules"),
    ("allow", "allow actions"),
    ("deny", "deny actions"),
    ("read", "access level: Read"),
    ("write", "access level: Write"),
    ("list", "access level: List"),
    ("tagging", "access level: Tagging"),
    ("permissions", "access level: Permissions management"),
    ("on", "the resources of a grant"),
    ("when", "conditions of a grant"),
    ("unsafe", "accept a wide grant, with a reason"),
];

/// Completions at byte `at` of `text`: after `service:`, that service's actions (and condition
/// keys); else services, keywords and declared names that start with the word typed so far.
pub fn completions(program: &Program, text: &str, at: usize) -> Vec<Completion> {
    let at = at.min(text.len());
    let typed_start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| word_char(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let typed = &text[typed_start..at];
    if let Some((service, partial)) = typed.split_once(':') {
        let Some(svc) = catalog().service(service) else {
            return Vec::new();
        };
        let lower = partial.to_ascii_lowercase();
        let mut out: Vec<Completion> = svc
            .actions()
            .iter()
            .filter(|a| a.name().to_ascii_lowercase().starts_with(&lower))
            .map(|a| Completion {
                label: format!("{service}:{}", a.name()),
                detail: format!("{}", a.level_set()),
            })
            .collect();
        out.extend(
            svc.condition_keys()
                .iter()
                .filter(|k| {
                    k.name()
                        .split_once(':')
                        .is_some_and(|(_, n)| n.to_ascii_lowercase().starts_with(&lower))
                })
                .map(|k| Completion {
                    label: k.name().to_string(),
                    detail: format!("condition key: {}", k.value_type()),
                }),
        );
        return out;
    }
    let lower = typed.to_ascii_lowercase();
    let blocks = open_blocks(&text[..typed_start]);
    if blocks.last() == Some(&"kubernetes") {
        return kubernetes_completions(&lower);
    }
    let line_start = text[..typed_start].rfind('\n').map_or(0, |i| i + 1);
    let at_line_start = text[line_start..typed_start].trim().is_empty();
    let mut out: Vec<Completion> = Vec::new();
    // A setting where a line of a declaration's own block starts.
    if let (true, [keyword]) = (at_line_start, blocks.as_slice()) {
        out.extend(
            settings_of(keyword)
                .iter()
                .filter(|k| k.starts_with(&lower))
                .map(|k| Completion {
                    label: format!("{k} = "),
                    detail: format!("setting of `{keyword}`"),
                }),
        );
    }
    out.extend(
        KEYWORDS
            .iter()
            .filter(|(k, _)| k.starts_with(&lower))
            .map(|(k, d)| Completion {
                label: (*k).to_string(),
                detail: (*d).to_string(),
            }),
    );
    for ((kind, name), _) in declarations(program) {
        let name = match kind {
            Kind::App => name.rsplit('/').next().unwrap_or_default().to_string(),
            _ => name,
        };
        if name.to_ascii_lowercase().starts_with(&lower) {
            out.push(Completion {
                label: name,
                detail: kind.keyword().to_string(),
            });
        }
    }
    if !lower.is_empty() {
        out.extend(
            catalog()
                .service_prefixes()
                .filter(|p| p.starts_with(&lower))
                .map(|p| Completion {
                    label: format!("{p}:"),
                    detail: "IAM service".to_string(),
                }),
        );
    }
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out.dedup();
    out
}

/// A quick fix: what it does and the edits (spans replaced by text; an empty span inserts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, for the editor's menu.
    pub title: String,
    /// The edits, in the diagnostic's file.
    pub edits: Vec<(Span, String)>,
}

/// The quick fixes of a diagnostic, from its help: the replacement a "did you mean `X`?"
/// offers for the text under its span; the ARN a resource-type error says to write
/// (`write "…/*"`: an object action on a bucket); and `unsafe "…"` added to the grant or rule
/// when the help says that accepts it. `text` is the text of the diagnostic's file.
pub fn fixes(program: &Program, text: &str, d: &Diag) -> Vec<Fix> {
    let (Some(span), Some(help)) = (d.span, d.help.as_deref()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(suggestion) = quoted_after(help, "did you mean `", '`') {
        out.push(Fix {
            title: format!("replace with `{suggestion}`"),
            edits: vec![(span, suggestion.to_string())],
        });
    }
    let under = text
        .get(span.start as usize..span.end as usize)
        .unwrap_or("");
    if let Some(arn) = quoted_after(help, ": write \"", '"') {
        if under.starts_with('"') {
            out.push(Fix {
                title: format!("write \"{arn}\""),
                edits: vec![(span, crate::ast::string_literal(arn))],
            });
        }
    }
    if help.contains("add `unsafe \"reason\"`") {
        if let Some(end) = accepting_end(program, span) {
            // A grant's span ends inside its last string: after its closing quote.
            let end = end as usize + usize::from(text.as_bytes().get(end as usize) == Some(&b'"'));
            out.push(Fix {
                title: "accept it: add `unsafe \"…\"` (say why)".to_string(),
                edits: vec![(
                    Span::new(span.file, end, end),
                    " unsafe \"TODO: why this is meant\"".to_string(),
                )],
            });
        }
    }
    out
}

/// The text between `open` and the next `close` in `help`, when it is one non-empty line.
fn quoted_after<'h>(help: &'h str, open: &str, close: char) -> Option<&'h str> {
    let rest = help.split(open).nth(1)?;
    let text = &rest[..rest.find(close)?];
    (!text.is_empty() && !text.contains('\n')).then_some(text)
}

/// The end of the innermost grant or Kubernetes rule without `unsafe` that contains `span`
/// (where `unsafe "…"` goes).
fn accepting_end(program: &Program, span: Span) -> Option<u32> {
    // (A grant's span ends before the closing quote of its last string: where a diagnostic on
    // that string ends.)
    let inside = |s: Span| s.file == span.file && s.start <= span.start && span.start < s.end;
    let mut best: Option<Span> = None;
    let mut consider = |s: Span, has_unsafe: bool| {
        if !has_unsafe && inside(s) && best.is_none_or(|b| s.end - s.start < b.end - b.start) {
            best = Some(s);
        }
    };
    let mut body = |b: &crate::ast::Body| {
        for block in &b.aws {
            for g in &block.grants {
                consider(g.span, g.unsafe_reason.is_some());
            }
        }
        for block in &b.kubernetes {
            for r in &block.rules {
                consider(r.span, r.unsafe_reason.is_some());
            }
        }
    };
    for d in &program.decls {
        match d {
            Decl::App(a) => body(&a.body),
            Decl::Role(r) => body(&r.body),
            Decl::Pack(p) => body(&p.body),
            _ => {}
        }
    }
    for d in &program.decls {
        match d {
            Decl::Access(a) => {
                for block in &a.kubernetes {
                    for r in &block.rules {
                        consider(r.span, r.unsafe_reason.is_some());
                    }
                }
            }
            Decl::Resource(r) => {
                for g in &r.grants {
                    consider(g.span, g.unsafe_reason.is_some());
                }
            }
            _ => {}
        }
    }
    best.map(|b| b.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "ab\nx\u{1F600}y\n";
        assert_eq!(
            position(text, 0),
            Position {
                line: 0,
                character: 0
            }
        );
        assert_eq!(
            position(text, 3),
            Position {
                line: 1,
                character: 0
            }
        );
        // The emoji is 4 bytes, 2 UTF-16 units.
        assert_eq!(
            position(text, 8),
            Position {
                line: 1,
                character: 3
            }
        );
        for off in [0, 1, 2, 3, 4, 8, 9, 10] {
            assert_eq!(offset(text, position(text, off)), off, "{off}");
        }
        // Past the end of a line, and of the text.
        assert_eq!(
            offset(
                text,
                Position {
                    line: 0,
                    character: 99
                }
            ),
            2
        );
        assert_eq!(
            offset(
                text,
                Position {
                    line: 99,
                    character: 0
                }
            ),
            text.len()
        );
    }

    #[test]
    fn the_word_under_the_cursor() {
        let text = "allow s3:GetObject, s3:Get* on \"x\"";
        assert_eq!(word_at(text, 8).map(|w| w.2), Some("s3:GetObject"));
        assert_eq!(word_at(text, 22).map(|w| w.2), Some("s3:Get*"));
        assert_eq!(word_at(text, 5).map(|w| w.2), Some("allow"));
    }

    #[test]
    fn a_did_you_mean_is_a_fix() {
        let d = Diag::new(crate::diagnostics::Code::E207, "x")
            .at(Span::new(FileId(0), 1, 4))
            .help("did you mean `s3:GetObject`?");
        assert_eq!(
            fixes(&Program::default(), "", &d),
            vec![Fix {
                title: "replace with `s3:GetObject`".to_string(),
                edits: vec![(Span::new(FileId(0), 1, 4), "s3:GetObject".to_string())]
            }]
        );
    }

    /// The program of `files` (parsed and checked) and its diagnostics.
    fn compiled(files: &[(&str, &str)]) -> (crate::source::Sources, Program, Vec<Diag>) {
        let mut sources = crate::source::Sources::new();
        for (name, text) in files {
            sources.add((*name).to_string(), (*text).to_string());
        }
        let (program, mut diags) = crate::parse(&sources);
        let (_, more) = crate::check_and_lower(&program, &crate::Options::default());
        diags.extend(more);
        (sources, program, diags)
    }

    const PLATFORM: &str = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n}\nnamespace shop on prod {}\n";

    fn apply(text: &str, edits: &[(Span, String)]) -> String {
        let mut out = text.to_string();
        for (span, new) in edits.iter().rev() {
            out.replace_range(span.start as usize..span.end as usize, new);
        }
        out
    }

    #[test]
    fn an_object_action_on_a_bucket_is_fixed_with_objects_of_it() {
        let app = "app web in shop {\n  aws {\n    allow s3:GetObject on \"arn:aws:s3:::photos\"\n  }\n}\n";
        let (_, program, diags) = compiled(&[("p.access", PLATFORM), ("a.access", app)]);
        let d = diags
            .iter()
            .find(|d| d.help.as_deref().is_some_and(|h| h.contains(": write \"")))
            .unwrap_or_else(|| panic!("{diags:?}"));
        let fixes = fixes(&program, app, d);
        let fix = fixes.iter().find(|f| f.title.starts_with("write")).unwrap();
        let fixed = apply(app, &fix.edits);
        assert!(fixed.contains("on \"arn:aws:s3:::photos/*\""), "{fixed}");
        let (_, _, after) = compiled(&[("p.access", PLATFORM), ("a.access", &fixed)]);
        assert!(after.iter().all(|d| !d.is_error()), "{after:?}");
    }

    #[test]
    fn a_wide_grant_is_accepted_with_unsafe_at_the_end_of_the_grant() {
        let app = "app web in shop {\n  aws {\n    allow sqs:SendMessage on \"*\"\n    read \"arn:aws:s3:::b/*\"\n  }\n  kubernetes {\n    get pods\n  }\n}\n";
        let (_, program, diags) = compiled(&[("p.access", PLATFORM), ("a.access", app)]);
        let d = diags
            .iter()
            .find(|d| d.code == crate::diagnostics::Code::E202)
            .unwrap_or_else(|| panic!("{diags:?}"));
        let fixes = fixes(&program, app, d);
        let fix = fixes
            .iter()
            .find(|f| f.title.contains("unsafe"))
            .unwrap_or_else(|| panic!("{fixes:?}"));
        let fixed = apply(app, &fix.edits);
        assert!(
            fixed.contains(
                "allow sqs:SendMessage on \"*\" unsafe \"TODO: why this is meant\"\n    read"
            ),
            "{fixed}"
        );
        let (_, _, after) = compiled(&[("p.access", PLATFORM), ("a.access", &fixed)]);
        assert!(after.iter().all(|d| !d.is_error()), "{after:?}");
    }

    #[test]
    fn completions_know_the_block_they_are_in() {
        let text = "app web in shop {\n  ident\n  kubernetes {\n    get confi\n    wat\n  }\n}\n";
        let program = Program::default();
        let at = |w: &str| text.find(w).unwrap() + w.len();
        let labels = |at: usize| -> Vec<String> {
            completions(&program, text, at)
                .into_iter()
                .map(|c| c.label)
                .collect()
        };
        // A setting of the app where its line starts.
        assert!(labels(at("ident")).contains(&"identity = ".to_string()));
        // Kubernetes resources and verbs in a `kubernetes` block, nothing else.
        let k = labels(at("confi"));
        assert_eq!(k, vec!["configmaps".to_string()], "{k:?}");
        let v = labels(at("wat"));
        assert!(v.contains(&"watch".to_string()), "{v:?}");
        assert!(!v.iter().any(|l| l.contains('=')), "{v:?}");
        // A string or comment with a brace does not open a block.
        let quoted =
            "app web in shop {\n  # not a block {\n  aws { allow s3:GetObject on \"x{\" }\n  ident";
        let l: Vec<String> = completions(&program, quoted, quoted.len())
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert!(l.contains(&"identity = ".to_string()), "{l:?}");
    }

    #[test]
    fn hover_on_a_pack_gives_its_signature() {
        let text = "pack reader(bucket: arn) {\n  aws {\n    read \"${bucket}\"\n  }\n}\napp web in shop {\n  use reader(bucket = \"arn:aws:s3:::b/*\")\n  use external-dns()\n}\n";
        let (_, program, _) = compiled(&[("p.access", PLATFORM), ("a.access", text)]);
        let place = |s: Span| format!("a.access:{}", s.start);
        let at = text.find("use reader").unwrap() + 5;
        let h = hover(&program, text, at, place).unwrap();
        assert!(h.contains("pack reader(bucket: arn)"), "{h}");
        assert!(h.contains("declared at a.access:"), "{h}");
        let at = text.find("use external-dns").unwrap() + 5;
        let h = hover(&program, text, at, |_| String::new()).unwrap();
        assert!(
            h.contains("pack external-dns(") && h.contains("built-in pack"),
            "{h}"
        );
    }
}
