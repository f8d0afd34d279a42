//! Per-declaration suppressions: a comment on the line before a declaration,
//!
//! ```text
//! # accessc: allow W302, W306 "the debug proxy execs into pods; audited"
//! app debug-proxy in platform { … }
//! ```
//!
//! hides those warnings when they point into that declaration. The reason is required. Only
//! comments and blank lines may stand between the directive and the declaration. Errors cannot
//! be suppressed. A malformed directive is W001; a code that the declaration does not trigger is
//! W002 (not reported while the program has errors).

use crate::ast::{FileId, Program, Span};
use crate::diagnostics::{Code, Diag, Severity};
use crate::source::Sources;

/// A valid directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The comment.
    pub span: Span,
    /// The codes it allows, each with its place in the comment.
    pub codes: Vec<(Code, Span)>,
    /// Why.
    pub reason: String,
    /// The declaration it applies to.
    pub target: Span,
}

/// A warning hidden by a directive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    /// The warning.
    pub diag: Diag,
    /// The directive's reason.
    pub reason: String,
}

/// What follows `# accessc:`: the codes (text and byte range in `s`) and the reason.
type Parsed = (Vec<(String, usize, usize)>, String);

fn parse_directive(s: &str) -> Result<Parsed, String> {
    let usage =
        "write `# accessc: allow CODE[, CODE…] \"reason\"` on the line before a declaration";
    let rest = s.trim_start();
    let mut at = s.len() - rest.len();
    let Some(after) = rest
        .strip_prefix("allow")
        .filter(|a| a.starts_with([' ', '\t']))
    else {
        return Err(format!("unknown directive: {usage}"));
    };
    at += "allow".len();
    let mut codes = Vec::new();
    let mut i = 0;
    let bytes = after.as_bytes();
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b',') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'"' {
            break;
        }
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b',' | b'"') {
            i += 1;
        }
        codes.push((after[start..i].to_string(), at + start, at + i));
    }
    if codes.is_empty() {
        return Err(format!("a suppression names the codes it allows: {usage}"));
    }
    if i >= bytes.len() {
        return Err(format!("a suppression needs a reason: {usage}"));
    }
    // The reason: a double-quoted string with `\"` and `\\` escapes.
    let mut reason = String::new();
    let mut chars = after[i + 1..].char_indices();
    let mut end = None;
    while let Some((k, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, n)) = chars.next() {
                    reason.push(n);
                }
            }
            '"' => {
                end = Some(i + 1 + k + 1);
                break;
            }
            c => reason.push(c),
        }
    }
    let Some(end) = end else {
        return Err("the reason has no closing `\"`".into());
    };
    if !after[end..].trim().is_empty() {
        return Err(format!("unexpected text after the reason: {usage}"));
    }
    if reason.trim().is_empty() {
        return Err(format!("a suppression needs a reason: {usage}"));
    }
    Ok((codes, reason.trim().to_string()))
}

/// The declaration a directive ending at byte `end` of a file applies to: the first one after it,
/// with only comments and blank lines in between.
fn target(program: &Program, file: FileId, text: &str, end: usize) -> Option<Span> {
    let decl = program
        .decls
        .iter()
        .map(|d| d.span())
        .filter(|s| s.file == file && s.start as usize >= end)
        .min_by_key(|s| s.start)?;
    let between = text.get(end..decl.start as usize)?;
    between
        .lines()
        .all(|l| {
            let t = l.trim_start_matches([' ', '\t', '\r', ';', '\u{feff}']);
            t.trim().is_empty() || t.starts_with('#')
        })
        .then_some(decl)
}

/// Every directive of the program: the valid ones, and W001 for the others.
pub fn directives(sources: &Sources, program: &Program) -> (Vec<Directive>, Vec<Diag>) {
    let mut valid = Vec::new();
    let mut bad = Vec::new();
    // The program's files, and the built-in packs it uses (their directives are the packs').
    let mut builtin: Vec<FileId> = program
        .decls
        .iter()
        .map(|d| d.span().file)
        .filter(|f| crate::packs::is_builtin(*f))
        .collect();
    builtin.sort_by_key(|f| f.0);
    builtin.dedup();
    let files = sources.iter().chain(
        builtin
            .into_iter()
            .filter_map(|id| sources.get(id).map(|f| (id, f))),
    );
    for (file, f) in files {
        // A directive contains `accessc:`: a file without it (nearly every file) is not read
        // line by line.
        if f.unparsed || !f.text.contains("accessc:") {
            continue;
        }
        let mut offset = 0;
        for line in f.text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let content = line.trim_end();
            let trimmed = content.trim_start();
            let indent = content.len() - trimmed.len();
            let Some(body) = trimmed.strip_prefix('#') else {
                continue;
            };
            let body_trim = body.trim_start();
            let Some(directive) = body_trim.strip_prefix("accessc:") else {
                continue;
            };
            let comment_start = start + indent;
            let span = Span::new(file, comment_start, start + content.len());
            // Byte offset of `directive` in the file.
            let base = comment_start + 1 + (body.len() - body_trim.len()) + "accessc:".len();
            let w001 = |msg: String| {
                Diag::new(Code::W001, msg)
                    .at(span)
                    .label("not a valid suppression")
            };
            let (codes, reason) = match parse_directive(directive) {
                Ok(x) => x,
                Err(msg) => {
                    bad.push(w001(msg));
                    continue;
                }
            };
            let mut ok_codes = Vec::new();
            let mut failed = false;
            for (text, s, e) in codes {
                let at = Span::new(file, base + s, base + e);
                match text.parse::<Code>() {
                    Ok(c) if c.severity() == Severity::Error => {
                        bad.push(
                            Diag::new(
                                Code::W001,
                                format!("`{c}` is an error and cannot be suppressed"),
                            )
                            .at(at)
                            .label("an error")
                            .help("fix the error: a program with errors does not compile"),
                        );
                        failed = true;
                    }
                    Ok(c @ (Code::W001 | Code::W002)) => {
                        bad.push(
                            Diag::new(Code::W001, format!("`{c}` cannot be suppressed"))
                                .at(at)
                                .label("about suppressions themselves")
                                .help("fix or remove the suppression it is about"),
                        );
                        failed = true;
                    }
                    Ok(c) => ok_codes.push((c, at)),
                    Err(_) => {
                        let warnings = Code::ALL
                            .iter()
                            .filter(|c| c.severity() == Severity::Warning)
                            .map(|c| c.as_str());
                        bad.push(
                            Diag::new(Code::W001, format!("`{text}` is not a diagnostic code"))
                                .at(at)
                                .label("unknown code")
                                .maybe_help(crate::diagnostics::did_you_mean(
                                    crate::suggest::closest(&text.to_ascii_uppercase(), warnings),
                                )),
                        );
                        failed = true;
                    }
                }
            }
            if failed {
                continue;
            }
            let Some(decl) = target(program, file, &f.text, offset) else {
                bad.push(
                    w001("a suppression must stand on the line before a declaration".into())
                        .help("put it right above `app`, `role`, `access`, … (only comments and blank lines may come between)"),
                );
                continue;
            };
            valid.push(Directive {
                span,
                codes: ok_codes,
                reason,
                target: decl,
            });
        }
    }
    (valid, bad)
}

fn covers(d: &Directive, diag: &Diag) -> Option<usize> {
    let span = diag.span?;
    if diag.severity != Severity::Warning
        || span.file != d.target.file
        || span.start < d.target.start
        || span.start >= d.target.end.max(d.target.start + 1)
    {
        return None;
    }
    d.codes.iter().position(|(c, _)| *c == diag.code)
}

/// The warnings of `diags` that directives hide, with their reasons.
pub fn partition(sources: &Sources, program: &Program, diags: &[Diag]) -> Vec<Suppressed> {
    let (directives, _) = directives(sources, program);
    diags
        .iter()
        .filter_map(|diag| {
            directives.iter().find_map(|d| {
                covers(d, diag).map(|_| Suppressed {
                    diag: diag.clone(),
                    reason: d.reason.clone(),
                })
            })
        })
        .collect()
}

/// Remove the suppressed warnings from `diags`, and add W001 for malformed directives and W002
/// for codes a directive names but its declaration does not trigger.
pub fn apply(sources: &Sources, program: &Program, diags: &mut Vec<Diag>) {
    let (directives, bad) = directives(sources, program);
    if directives.is_empty() && bad.is_empty() {
        return;
    }
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.codes.len()])
        .collect();
    diags.retain(|diag| {
        for (k, d) in directives.iter().enumerate() {
            if let Some(i) = covers(d, diag) {
                used[k][i] = true;
                return false;
            }
        }
        true
    });
    let has_errors = crate::diagnostics::has_errors(diags);
    diags.extend(bad);
    if has_errors {
        return;
    }
    for (d, used) in directives.iter().zip(used) {
        for ((code, at), used) in d.codes.iter().zip(used) {
            if !used {
                diags.push(
                    Diag::new(
                        Code::W002,
                        format!("`{code}` is not reported for this declaration"),
                    )
                    .at(*at)
                    .label("suppresses nothing")
                    .related(d.target, "the declaration")
                    .help("remove it from the suppression (a stale suppression would hide the warning if it came back)"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let (codes, reason) = parse_directive(" allow W302, W306 \"a \\\"b\\\"\"").unwrap();
        assert_eq!(
            codes.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            ["W302", "W306"]
        );
        assert_eq!(reason, "a \"b\"");
        assert!(parse_directive(" allow W302").is_err());
        assert!(parse_directive(" allow W302 \"  \"").is_err());
        assert!(parse_directive(" allow \"x\"").is_err());
        assert!(parse_directive(" ignore W302 \"x\"").is_err());
        assert!(parse_directive(" allow W302 \"x\" more").is_err());
    }
}
