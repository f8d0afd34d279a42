//! SARIF 2.1.0 output of `accessc lint --format sarif`, for code-scanning UIs.
//!
//! One run with `tool.driver.rules` from the [registry](super::registry) (id, name, short and
//! full description, help, default level) and one result per finding: `ruleId`, `ruleIndex`,
//! `level`, `message`, the location (file URI relative to the working folder, `%SRCROOT%`, and a
//! region with start/end line and column, columns counted in Unicode code points), related
//! locations, and `suppressions` for findings a directive suppressed (with its reason).

use serde_json::{json, Value};

use super::registry::{self, Level, Rule};
use super::{Finding, Report};
use crate::ast::Span;
use crate::source::Sources;

/// The `$schema` written into the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// 1-based (line, column) of a byte offset, columns in characters.
fn position(sources: &Sources, span: Span, offset: u32) -> (usize, usize) {
    sources.line_col(Span {
        file: span.file,
        start: offset,
        end: offset,
    })
}

/// `{startLine, startColumn, endLine, endColumn}`; the end column is the one after the region.
pub fn region(sources: &Sources, span: Span) -> Value {
    let (sl, sc) = position(sources, span, span.start);
    let (el, ec) = position(sources, span, span.end.max(span.start));
    json!({
        "startLine": sl,
        "startColumn": sc,
        "endLine": el,
        "endColumn": ec,
    })
}

/// A path as a URI reference: relative paths stay relative (`/`-separated), absolute ones become
/// `file://` URIs; characters outside the unreserved set are percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    let absolute = path.starts_with('/');
    if absolute {
        out.push_str("file://");
    }
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(sources: &Sources, span: Span) -> Value {
    let path = sources.path(span.file);
    let mut artifact = json!({ "uri": uri(path) });
    if !path.starts_with('/') {
        artifact["uriBaseId"] = "%SRCROOT%".into();
    }
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": region(sources, span),
        }
    })
}

fn rule_json(r: &Rule) -> Value {
    let mut markdown = format!(
        "{}\n\n### Example\n\n{}\n\n### Fix\n\n{}",
        r.rationale, r.example, r.fix
    );
    if r.unsafe_accepts {
        markdown.push_str("\n\n`unsafe \"reason\"` on the grant or rule accepts it; `accessc lint` then reports it as a note.");
    }
    let tags: &[&str] = match r.code.as_str().as_bytes().get(1) {
        Some(b'0') => &["maintainability"],
        _ => &["security"],
    };
    json!({
        "id": r.code.as_str(),
        "name": r.name,
        "shortDescription": { "text": r.title },
        "fullDescription": { "text": r.rationale },
        "help": { "text": r.fix, "markdown": markdown },
        "defaultConfiguration": { "level": r.level.as_str() },
        "properties": { "tags": tags },
    })
}

fn result_json(f: &Finding, index: usize, sources: &Sources) -> Value {
    let mut text = f.message.clone();
    if let Some(help) = &f.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    let mut v = json!({
        "ruleId": f.code.as_str(),
        "ruleIndex": index,
        "level": f.level.as_str(),
        "message": { "text": text },
    });
    if let Some(span) = f.span {
        v["locations"] = json!([location(sources, span)]);
    }
    if !f.related.is_empty() {
        v["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, (span, label))| {
                let mut l = location(sources, *span);
                l["id"] = i.into();
                l["message"] = json!({ "text": label });
                l
            })
            .collect();
    }
    if let Some(reason) = &f.suppressed {
        v["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
    }
    v
}

/// The SARIF log of a report.
pub fn log(report: &Report, sources: &Sources) -> Value {
    let rules = registry::rules();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|r| r.code == f.code).unwrap_or(0);
            result_json(f, index, sources)
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "accessc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
                }
            },
            "invocations": [{ "executionSuccessful": report.count(Level::Error) == 0 }],
            "originalUriBaseIds": {
                "%SRCROOT%": { "description": { "text": "the folder accessc lint ran in" } }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The SARIF log as text (two-space indentation, one final newline).
pub fn render(report: &Report, sources: &Sources) -> String {
    let mut s = serde_json::to_string_pretty(&log(report, sources)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri("examples/a b.access"), "examples/a%20b.access");
        assert_eq!(uri("/tmp/x.access"), "file:///tmp/x.access");
    }
}
