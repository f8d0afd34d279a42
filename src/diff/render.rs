//! Rendering a diff report: plain text (terminals, logs), Markdown (a pull-request comment) and
//! JSON (tools).

use std::fmt::Write;

use super::compare::{Change, PrincipalReport, Status};
use super::files::FileStatus;
use super::Report;
use crate::source::{is_hidden as hidden, show_hidden};

/// GitHub refuses comments over 65,536 characters; the text diff is cut to stay well below.
const MARKDOWN_DIFF_BUDGET: usize = 50_000;

fn plain(text: &str) -> String {
    shown(&text.replace('`', ""), false)
}

fn escape_into(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

/// Text for a terminal or log: hidden characters as `\u{HEX}` (line breaks kept when asked).
fn shown(text: &str, lines: bool) -> String {
    show_hidden(text, lines).into_owned()
}

/// The content of a Markdown code span: nothing in it can close the span, break a table row,
/// start HTML or a new line, or hide text (`` ` ``, `|`, `<`, `>` and hidden characters as
/// `\u{HEX}`; a `\` is literal in a code span and stays).
fn md_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if hidden(c) || matches!(c, '`' | '|' | '<' | '>') {
            escape_into(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Markdown prose: ASCII punctuation that could start markup is backslash-escaped, `<`, `>`
/// and `&` are entities, `(` after `]` is escaped (no inline link), hidden characters are
/// `\u{HEX}`.
fn md_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev = ' ';
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '(' if prev == ']' => out.push_str("\\("),
            c if hidden(c) => escape_into(&mut out, c),
            c if c.is_ascii_punctuation() && !" .,:;/()[]=+-'\"?!%@~".contains(c) => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        prev = c;
    }
    out
}

/// A sentence with Markdown code spans (as `compare` writes them), every part escaped by its
/// rule: the spans stay balanced whatever the strings in them.
fn md(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    // With an odd number of backticks the last part is not closed: it is prose.
    let closed = if parts.len() % 2 == 1 {
        parts.len()
    } else {
        parts.len() - 1
    };
    let mut out = String::with_capacity(text.len() + 8);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 && i < closed {
            out.push('`');
            out.push_str(&md_code(part));
            out.push('`');
        } else {
            if i > 0 && i >= closed {
                out.push_str("\\`");
            }
            out.push_str(&md_prose(part));
        }
    }
    out
}

/// A fence longer than any run of backticks in `text` (at least four).
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(4))
}

fn clusters_prefix(c: &Change, code: bool) -> String {
    if c.clusters.is_empty() {
        return String::new();
    }
    let names: Vec<String> = c
        .clusters
        .iter()
        .map(|n| {
            if code {
                format!("`{}`", md_code(n))
            } else {
                shown(n, false)
            }
        })
        .collect();
    format!("on {}: ", names.join(", "))
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Added => " (new)",
        Status::Removed => " (removed)",
        Status::Changed => "",
    }
}

fn count_line(r: &Report) -> String {
    let n = r.permission_changes();
    let p = r.principals.len();
    let files = r.files.len();
    let count = |s: FileStatus| r.files.iter().filter(|f| f.status == s).count();
    format!(
        "{n} permission change{} in {p} principal{}; {files} file{} changed ({} added, {} modified, {} removed)",
        if n == 1 { "" } else { "s" },
        if p == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        count(FileStatus::Added),
        count(FileStatus::Modified),
        count(FileStatus::Removed),
    )
}

fn header_bits(p: &PrincipalReport) -> Vec<String> {
    let mut bits = Vec::new();
    if let Some(d) = &p.detail {
        bits.push(d.clone());
    }
    bits.extend(p.sources.iter().cloned());
    bits
}

/// Plain text.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    if !r.changed() {
        let _ = writeln!(out, "no change against {}", shown(&r.base, false));
        return out;
    }
    let _ = writeln!(out, "accessc diff against {}\n", shown(&r.base, false));
    if r.principals.is_empty() {
        let _ = writeln!(out, "no permission change\n");
    }
    for p in &r.principals {
        let bits = header_bits(p);
        let extra = if bits.is_empty() {
            String::new()
        } else {
            format!("  ({})", bits.join("; "))
        };
        let _ = writeln!(
            out,
            "{}{}{}",
            shown(&p.label, false),
            status_word(p.status),
            shown(&extra, false)
        );
        for c in &p.changes {
            let _ = writeln!(
                out,
                "  {} {}{}",
                c.sign,
                clusters_prefix(c, false),
                plain(&c.text)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", count_line(r));
    for f in &r.files {
        let _ = writeln!(out, "  {:<8}  {}", f.status.word(), shown(&f.path, false));
    }
    for f in &r.files {
        if let Some(d) = &f.diff {
            out.push('\n');
            out.push_str(&shown(d, true));
        }
    }
    out
}

/// Markdown for a pull-request comment.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### accessc diff\n");
    if !r.changed() {
        let _ = writeln!(out, "No change against {}.", md(&r.base));
        return out;
    }
    let _ = writeln!(out, "Against {}: {}.\n", md(&r.base), count_line(r));
    if r.principals.is_empty() {
        let _ = writeln!(
            out,
            "No permission change: only the generated text differs.\n"
        );
    }
    for p in &r.principals {
        let mut head = format!(
            "**{} `{}`**{}",
            md_prose(&p.noun),
            md_code(&p.name),
            status_word(p.status)
        );
        let bits = header_bits(p);
        if !bits.is_empty() {
            let bits: Vec<String> = bits.iter().map(|b| format!("`{}`", md_code(b))).collect();
            head.push_str(&format!(" — {}", bits.join(", ")));
        }
        let _ = writeln!(out, "{head}\n");
        for c in &p.changes {
            let sign = match c.sign {
                "+" => "**+**",
                "-" => "**−**",
                _ => "**~**",
            };
            let _ = writeln!(out, "- {sign} {}{}", clusters_prefix(c, true), md(&c.text));
        }
        out.push('\n');
    }
    diagram(&mut out, &r.diagram);
    let _ = writeln!(
        out,
        "<details>\n<summary>Changed files ({})</summary>\n",
        r.files.len()
    );
    let _ = writeln!(out, "| change | file |\n| --- | --- |");
    for f in &r.files {
        let _ = writeln!(out, "| {} | `{}` |", f.status.word(), md_code(&f.path));
    }
    out.push('\n');
    let mut budget = MARKDOWN_DIFF_BUDGET;
    let mut cut = 0usize;
    for f in &r.files {
        let Some(d) = &f.diff else { continue };
        if d.len() > budget {
            cut += 1;
            continue;
        }
        budget -= d.len();
        let d = shown(d, true);
        let fence = fence(&d);
        let _ = writeln!(out, "{fence}diff\n{}{fence}\n", ensure_newline(&d));
    }
    if cut > 0 {
        let _ = writeln!(
            out,
            "_{cut} more file diff{} left out to keep this comment short; run `accessc diff` locally._\n",
            if cut == 1 { "" } else { "s" }
        );
    }
    let _ = writeln!(out, "</details>");
    out
}

/// The Mermaid diagram of the access-graph edges the change adds (green) or removes (red,
/// dashed), when any does.
fn diagram(out: &mut String, d: &super::diagram::Delta) {
    if d.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "Access graph edges added (green, solid) and removed (red, dashed):\n"
    );
    let _ = writeln!(out, "```mermaid\n{}```\n", d.mermaid());
    if d.left_out > 0 {
        let _ = writeln!(
            out,
            "_{} more changed edge{} left out to keep the diagram readable; run `accessc graph` on each side locally._\n",
            d.left_out,
            if d.left_out == 1 { "" } else { "s" }
        );
    }
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// JSON.
pub fn json(r: &Report) -> String {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        base: &'a str,
        changed: bool,
        permission_changes: usize,
        principals: Vec<PrincipalDoc<'a>>,
        files: &'a [super::files::FileChange],
    }
    #[derive(serde::Serialize)]
    struct PrincipalDoc<'a> {
        #[serde(flatten)]
        report: &'a PrincipalReport,
        summaries: Vec<String>,
    }
    let doc = Doc {
        base: &r.base,
        changed: r.changed(),
        permission_changes: r.permission_changes(),
        principals: r
            .principals
            .iter()
            .map(|p| PrincipalDoc {
                report: p,
                summaries: p
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{} {}{}",
                            p.label,
                            clusters_prefix(c, false),
                            plain(&c.text)
                        )
                    })
                    .collect(),
            })
            .collect(),
        files: &r.files,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_strings_cannot_open_markup() {
        assert_eq!(
            md("gains `s3:GetObject` on `arn`"),
            "gains `s3:GetObject` on `arn`"
        );
        assert_eq!(md("x `a|<b>` y"), "x `a\\u{7c}\\u{3c}b\\u{3e}` y");
        // An unpaired backtick is prose, escaped.
        assert_eq!(md("a `b` c ` <!--"), "a `b` c \\` &lt;!--");
        assert_eq!(
            md_prose("[a](b) *c* _d_ #e"),
            "[a]\\(b) \\*c\\* \\_d\\_ \\#e"
        );
        assert_eq!(md_prose("a\nb\u{202e}"), "a\\u{a}b\\u{202e}");
        assert_eq!(fence("no ticks"), "````");
        assert_eq!(fence("a ````` b"), "``````");
    }
}
