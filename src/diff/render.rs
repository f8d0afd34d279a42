//! Rendering a diff report: plain text (terminals, logs), Markdown (a pull-request comment) and
//! JSON (tools).

use std::fmt::Write;

use super::compare::{Change, PrincipalReport, Status};
use super::files::FileStatus;
use super::Report;

/// GitHub refuses comments over 65,536 characters; the text diff is cut to stay well below.
const MARKDOWN_DIFF_BUDGET: usize = 50_000;

fn plain(text: &str) -> String {
    text.replace('`', "")
}

fn clusters_prefix(c: &Change, code: bool) -> String {
    if c.clusters.is_empty() {
        return String::new();
    }
    let names: Vec<String> = c
        .clusters
        .iter()
        .map(|n| if code { format!("`{n}`") } else { n.clone() })
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
        let _ = writeln!(out, "no change against {}", r.base);
        return out;
    }
    let _ = writeln!(out, "accessc diff against {}\n", r.base);
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
        let _ = writeln!(out, "{}{}{extra}", p.label, status_word(p.status));
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
        let _ = writeln!(out, "  {:<8}  {}", f.status.word(), f.path);
    }
    for f in &r.files {
        if let Some(d) = &f.diff {
            out.push('\n');
            out.push_str(d);
        }
    }
    out
}

/// Markdown for a pull-request comment.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### accessc diff\n");
    if !r.changed() {
        let _ = writeln!(out, "No change against {}.", r.base);
        return out;
    }
    let _ = writeln!(out, "Against {}: {}.\n", r.base, count_line(r));
    if r.principals.is_empty() {
        let _ = writeln!(
            out,
            "No permission change: only the generated text differs.\n"
        );
    }
    for p in &r.principals {
        let mut head = format!("**{} `{}`**{}", p.noun, p.name, status_word(p.status));
        let bits = header_bits(p);
        if !bits.is_empty() {
            let bits: Vec<String> = bits.iter().map(|b| format!("`{b}`")).collect();
            head.push_str(&format!(" — {}", bits.join(", ")));
        }
        let _ = writeln!(out, "{head}\n");
        for c in &p.changes {
            let sign = match c.sign {
                "+" => "**+**",
                "-" => "**−**",
                _ => "**~**",
            };
            let _ = writeln!(out, "- {sign} {}{}", clusters_prefix(c, true), c.text);
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "<details>\n<summary>Changed files ({})</summary>\n",
        r.files.len()
    );
    let _ = writeln!(out, "| change | file |\n| --- | --- |");
    for f in &r.files {
        let _ = writeln!(out, "| {} | `{}` |", f.status.word(), f.path);
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
        let _ = writeln!(out, "````diff\n{}````\n", ensure_newline(d));
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
