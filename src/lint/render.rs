//! A lint [`Report`] as `accessc lint` prints it: text, JSON or SARIF ([`sarif`]), and its
//! one-line summary (src/cli/lint.rs reads the inputs and prints them).

use serde_json::json;

use super::{registry, sarif, Level, Report};
use crate::source::{show_hidden, Sources};

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// `file:line:col: level[CODE]: message` with help lines.
    Text,
    /// One JSON object: findings and a summary.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `1 error, 2 warnings, 1 note; 1 suppressed`.
pub fn summary(report: &Report) -> String {
    let mut s = format!(
        "{}, {}, {}",
        plural(report.count(Level::Error), "error"),
        plural(report.count(Level::Warning), "warning"),
        plural(report.count(Level::Note), "note")
    );
    if report.suppressed() > 0 {
        s.push_str(&format!("; {} suppressed", report.suppressed()));
    }
    s
}

/// The report in a format.
pub fn render(report: &Report, sources: &Sources, format: LintFormat) -> String {
    match format {
        LintFormat::Text => text(report, sources),
        LintFormat::Json => json(report, sources),
        LintFormat::Sarif => sarif::render(report, sources),
    }
}

fn text(report: &Report, sources: &Sources) -> String {
    let mut out = String::new();
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        if let Some(span) = f.span {
            let (line, col) = sources.line_col(span);
            out.push_str(&format!("{}:{line}:{col}: ", sources.path(span.file)));
        }
        // Messages quote the program's strings: hidden characters are shown escaped, so
        // that nothing in a value can move the cursor, recolour or reorder a terminal line.
        out.push_str(&format!(
            "{}[{}]: {}\n",
            f.level.as_str(),
            f.code,
            show_hidden(&f.message, false)
        ));
        for (span, label) in &f.related {
            out.push_str(&format!(
                "  {}: {}\n",
                sources.location(*span),
                show_hidden(label, false)
            ));
        }
        if let Some(help) = &f.help {
            out.push_str(&format!("  help: {}\n", show_hidden(help, false)));
        }
    }
    out
}

fn json(report: &Report, sources: &Sources) -> String {
    let rules = registry::rules();
    let findings: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "code": f.code.as_str(),
                "rule": rules.iter().find(|r| r.code == f.code).map(|r| r.name.clone()),
                "level": f.level.as_str(),
                "message": f.message,
            });
            if let Some(span) = f.span {
                let region = sarif::region(sources, span);
                v["file"] = sources.path(span.file).into();
                v["line"] = region["startLine"].clone();
                v["column"] = region["startColumn"].clone();
                v["end_line"] = region["endLine"].clone();
                v["end_column"] = region["endColumn"].clone();
            }
            if let Some(help) = &f.help {
                v["help"] = help.clone().into();
            }
            if !f.related.is_empty() {
                v["related"] = f
                    .related
                    .iter()
                    .map(|(s, label)| json!({ "location": sources.location(*s), "label": label }))
                    .collect();
            }
            v["suppressed"] = match &f.suppressed {
                Some(reason) => json!({ "reason": reason }),
                None => serde_json::Value::Null,
            };
            v
        })
        .collect();
    let doc = json!({
        "findings": findings,
        "summary": {
            "errors": report.count(Level::Error),
            "warnings": report.count(Level::Warning),
            "notes": report.count(Level::Note),
            "suppressed": report.suppressed(),
        }
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
