//! Syntax: source text → [`crate::ast`], with parse errors as diagnostics.
//!
//! This is the only module that sees pest's `Rule` and `Pair`. A file with a syntax error is
//! re-parsed with the failing declaration blanked out, so one run reports an error per broken
//! declaration and still checks the declarations that parsed.

mod build;
mod error;

use pest::Parser;

use crate::ast::{Decl, FileId};
use crate::diagnostics::{Code, Diag};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/access.pest"]
struct AccessParser;

/// At most this many syntax errors are reported per file.
const MAX_ERRORS_PER_FILE: usize = 20;

/// The keywords that start a top-level declaration.
pub const DECL_KEYWORDS: &[&str] = &[
    "cluster",
    "namespace",
    "app",
    "role",
    "boundary",
    "access",
    "resource",
];

/// Parse one file. Declarations that parse are returned even when others fail.
pub fn parse_file(file: FileId, text: &str) -> (Vec<Decl>, Vec<Diag>) {
    let mut diags = Vec::new();
    let mut work: Option<String> = None;
    // A plain parse first (most files have no error); once one fails, every parse is a detailed
    // one, whose error also says what was expected: one parse per error, not two.
    let mut detailed = false;
    loop {
        let current = work.as_deref().unwrap_or(text);
        #[cfg(test)]
        tests::PARSES.with(|n| n.set(n.get() + 1));
        let parsed = if detailed {
            error::parse_detailed(current)
        } else {
            AccessParser::parse(Rule::file, current)
        };
        match parsed {
            Ok(pairs) => {
                let mut decls = Vec::new();
                build::file(file, pairs, &mut decls, &mut diags);
                return (decls, diags);
            }
            Err(_) if !detailed => detailed = true,
            Err(err) => {
                // Recovery starts from where pest's last rule failed (the declaration it is
                // in), even when the diagnostic points further on.
                let pos = error::rule_position(&err);
                diags.push(error::from_pest(file, current, &err));
                if diags.len() >= MAX_ERRORS_PER_FILE {
                    return (Vec::new(), diags);
                }
                let (start, end) = recovery_range(current, pos);
                if start >= end {
                    return (Vec::new(), diags);
                }
                let mut next = String::with_capacity(current.len());
                next.push_str(current.get(..start).unwrap_or(""));
                for c in current.get(start..end).unwrap_or("").chars() {
                    if c == '\n' {
                        next.push('\n');
                    } else {
                        for _ in 0..c.len_utf8() {
                            next.push(' ');
                        }
                    }
                }
                next.push_str(current.get(end..).unwrap_or(""));
                work = Some(next);
            }
        }
    }
}

/// Byte offsets of the lines that start a declaration.
fn decl_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let word_end = trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(trimmed.len());
        let word = &trimmed[..word_end];
        let rest = trimmed[word_end..].trim_start();
        if DECL_KEYWORDS.contains(&word) && !rest.starts_with('=') && !rest.is_empty() {
            starts.push(offset + indent);
        }
        offset += line.len();
    }
    starts
}

/// The range to blank out after an error at `pos`: from the declaration that contains it to the
/// next declaration.
fn recovery_range(text: &str, pos: usize) -> (usize, usize) {
    let starts = decl_starts(text);
    let start = starts
        .iter()
        .copied()
        .filter(|&s| s <= pos)
        .max()
        .unwrap_or(0);
    let end = starts
        .iter()
        .copied()
        .find(|&s| s > pos)
        .unwrap_or(text.len());
    // Never blank nothing: at least skip to the end of the error's line.
    let end = if end <= start {
        text[pos.min(text.len())..]
            .find('\n')
            .map(|i| pos + i + 1)
            .unwrap_or(text.len())
    } else {
        end
    };
    (start, end)
}

/// Report a code for an invalid escape (used by the builder).
pub(crate) fn escape_error(file: FileId, start: usize, end: usize, esc: &str) -> Diag {
    Diag::new(Code::E003, format!("unknown escape `\\{esc}` in string"))
        .at(crate::ast::Span::new(file, start, end))
        .label("unknown escape")
        .help("strings know `\\\"`, `\\\\`, `\\n` and `\\t`")
}

/// Report a hidden character (control, bidirectional, invisible) in a string (used by the
/// builder): it would reach policies, manifests and terminals unseen.
pub(crate) fn hidden_char_error(file: FileId, start: usize, c: char) -> Diag {
    Diag::new(
        Code::E004,
        format!("string holds the hidden character U+{:04X}", u32::from(c)),
    )
    .at(crate::ast::Span::new(file, start, start + c.len_utf8()))
    .label("hidden character")
    .help("remove it: strings may not hold control, bidirectional or invisible characters (write a line break or tab as `\\n` or `\\t`)")
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        /// Parses run by [`parse_file`] on this thread.
        pub(super) static PARSES: Cell<usize> = const { Cell::new(0) };
    }

    /// One parse per syntax error (plus the plain first parse and the last one that succeeds),
    /// not two: the detailed parse that explains an error is also the recovery's parse.
    #[test]
    fn one_parse_per_syntax_error() {
        let text = "cluster a {\n  = 1\n}\n\
                    app x in {\n}\n\
                    boundary b { allow }\n\
                    role r { = }\n\
                    namespace ok on a\n";
        PARSES.with(|n| n.set(0));
        let (decls, diags) = parse_file(FileId(0), text);
        let parses = PARSES.with(Cell::get);
        assert_eq!(diags.len(), 4, "{diags:?}");
        assert_eq!(decls.len(), 1);
        assert_eq!(parses, diags.len() + 2);
    }
}
