//! What an editor asks of a program, answered from its text and the compiler's own knowledge
//! (the IAM catalog, the declarations, the formatter), without I/O: positions in LSP's terms,
//! hover text, definitions, completions and quick fixes. `accessc lsp` (in `cli/`) speaks the
//! protocol and calls these.

use std::collections::BTreeMap;

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
    let mut out: Vec<Completion> = KEYWORDS
        .iter()
        .filter(|(k, _)| k.starts_with(&lower))
        .map(|(k, d)| Completion {
            label: (*k).to_string(),
            detail: (*d).to_string(),
        })
        .collect();
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

/// The quick fixes of a diagnostic: the replacement a "did you mean `X`?" in its help offers
/// for the text under its span.
pub fn fixes(d: &Diag) -> Vec<(Span, String)> {
    let (Some(span), Some(help)) = (d.span, d.help.as_deref()) else {
        return Vec::new();
    };
    let Some(rest) = help.split("did you mean `").nth(1) else {
        return Vec::new();
    };
    let Some(end) = rest.find('`') else {
        return Vec::new();
    };
    let suggestion = &rest[..end];
    if suggestion.is_empty() || suggestion.contains('\n') {
        return Vec::new();
    }
    vec![(span, suggestion.to_string())]
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
            fixes(&d),
            vec![(Span::new(FileId(0), 1, 4), "s3:GetObject".to_string())]
        );
    }
}
