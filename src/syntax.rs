//! Syntax: source text → [`crate::ast`], with parse errors as diagnostics.
//!
//! This is the only module that sees pest's `Rule` and `Pair` (`fmt::cst` derives its own
//! parser from the same grammar for comments and layout). After a syntax error the failing
//! declaration is blanked out and parsing resumes before it, so one run reports an error per
//! broken declaration and still checks the declarations that parsed.

mod build;
mod error;

use std::borrow::Cow;

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
    "pack",
];

/// Parse one file. Declarations that parse are returned even when others fail.
///
/// A file without error is one parse. After an error, the declaration it is in is blanked out
/// (up to the next line that starts a declaration) and parsing resumes after the last
/// declaration that ends before the blank: each declaration is parsed about once, however many
/// errors the file has, and the result is that of re-parsing the whole blanked file.
pub fn parse_file(file: FileId, text: &str) -> (Vec<Decl>, Vec<Diag>) {
    let mut errors = Vec::new();
    let mut kept: Vec<(Decl, Vec<Diag>)> = Vec::new();
    // The text with the broken declarations blanked (copied at the first error).
    let mut work: Cow<'_, str> = Cow::Borrowed(text);
    // The lines that start a declaration (found at the first error).
    let mut starts: Option<Vec<usize>> = None;
    // Where parsing resumes: the end of the last declaration kept.
    let mut resume = 0;
    loop {
        let tail = work.get(resume..).unwrap_or("");
        match AccessParser::parse(Rule::decls, tail) {
            Ok(pairs) => {
                let at_end = build::decls(file, resume, pairs, &mut kept);
                #[cfg(test)]
                tests::count_parse(if at_end {
                    work.len() - resume
                } else {
                    kept.last()
                        .map_or(resume, |(d, _)| d.span().end as usize)
                        .saturating_sub(resume)
                });
                if at_end {
                    break;
                }
            }
            // `decls` matches every text; pest's own limits aside.
            Err(err) => {
                errors.push(error::from_pest(file, &work, resume, &err));
                return (Vec::new(), errors);
            }
        }
        // Something that is no declaration follows the last one that parsed. A detailed parse
        // explains it: pest names what was expected at the furthest position it reached. It
        // starts where it sees what a parse of the whole file would see there: at a namespace
        // (which looks past its end for its optional `{ … }` or `, CLUSTER`), or after the last
        // declaration when whitespace follows it; pest names nothing for an error at the very
        // start of its input, so never right at the error.
        let from = match kept.last() {
            Some((d @ Decl::Namespace(_), _)) => d.span().start as usize,
            Some((d, _)) if !work.get(resume..).is_some_and(starts_with_trivia) => {
                d.span().start as usize
            }
            Some(_) => resume,
            None => resume.saturating_sub(1),
        };
        let Err(err) = error::parse_detailed(work.get(from..).unwrap_or("")) else {
            // Cannot happen: `decls` stopped before the end, so `file` fails. Keep what parsed.
            break;
        };
        // Recovery starts from where pest's last rule failed (the declaration it is in), even
        // when the diagnostic points further on.
        let pos = from + error::rule_position(&err);
        #[cfg(test)]
        tests::count_parse(pos - from);
        errors.push(error::from_pest(file, &work, from, &err));
        if errors.len() >= MAX_ERRORS_PER_FILE {
            return (Vec::new(), errors);
        }
        let starts = starts.get_or_insert_with(|| decl_starts(text));
        let (start, end) = recovery_range(&work, starts, pos);
        if start >= end {
            return (Vec::new(), errors);
        }
        blank(work.to_mut(), start, end);
        starts.retain(|&s| s < start || s >= end);
        // The declarations that end before the blank stand as parsed; the others are parsed
        // again, from the end of the last one that stands. So is one that only trivia separate
        // from the blank: it may look past its end for an optional part (a namespace's
        // `{ … }`), and its span then takes in the whitespace it skipped.
        while kept.last().is_some_and(|(d, _)| {
            let end = d.span().end as usize;
            end > start || only_trivia(work.get(end..start).unwrap_or(""))
        }) {
            kept.pop();
        }
        resume = kept.last().map_or(0, |(d, _)| d.span().end as usize);
        // With no declaration before it, the blank is skipped (with the whitespace and
        // comments before it) once, not by every later parse.
        if only_trivia(work.get(resume..start).unwrap_or("")) {
            resume = end;
        }
    }
    let mut decls = Vec::with_capacity(kept.len());
    for (decl, diags) in kept {
        decls.push(decl);
        errors.extend(diags);
    }
    (decls, errors)
}

/// Whether `text` starts with what the grammar skips between tokens (its `WHITESPACE`).
fn starts_with_trivia(text: &str) -> bool {
    text.starts_with([' ', '\t', '\n', '\r', ';', '#', '\u{FEFF}'])
}

/// Whether `text` holds only what the grammar skips between tokens (its `WHITESPACE`).
fn only_trivia(text: &str) -> bool {
    let mut comment = false;
    text.chars().all(|c| {
        if comment {
            comment = c != '\n';
            return true;
        }
        comment = c == '#';
        comment || matches!(c, ' ' | '\t' | '\n' | '\r' | ';' | '\u{FEFF}')
    })
}

/// Replace `text[start..end]` by spaces, keeping its line breaks (and so every offset and line).
fn blank(text: &mut String, start: usize, end: usize) {
    let Some(range) = text.get(start..end) else {
        return;
    };
    let mut spaces = String::with_capacity(range.len());
    for c in range.chars() {
        if c == '\n' {
            spaces.push('\n');
        } else {
            spaces.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
    text.replace_range(start..end, &spaces);
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
/// next declaration (`starts`: [`decl_starts`], sorted).
fn recovery_range(text: &str, starts: &[usize], pos: usize) -> (usize, usize) {
    let next = starts.partition_point(|&s| s <= pos);
    let start = next.checked_sub(1).map(|i| starts[i]).unwrap_or(0);
    let end = starts.get(next).copied().unwrap_or(text.len());
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
        /// Parses run by [`parse_file`] on this thread, and the bytes they went through.
        static PARSES: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    }

    pub(super) fn count_parse(bytes: usize) {
        PARSES.with(|n| {
            let (parses, total) = n.get();
            n.set((parses + 1, total + bytes));
        });
    }

    fn parsed(text: &str) -> (Vec<Decl>, Vec<Diag>, (usize, usize)) {
        PARSES.with(|n| n.set((0, 0)));
        let (decls, diags) = parse_file(FileId(0), text);
        (decls, diags, PARSES.with(Cell::get))
    }

    /// A file without error is one parse.
    #[test]
    fn a_file_without_error_is_parsed_once() {
        let (decls, diags, (parses, _)) = parsed("cluster a {\n}\nnamespace ok on a\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!((decls.len(), parses), (2, 1));
    }

    /// Each error costs two parses (the declarations before it, then the one that explains
    /// it), and the declarations after it are still found.
    #[test]
    fn two_parses_per_syntax_error() {
        let text = "cluster a {\n  = 1\n}\n\
                    app x in {\n}\n\
                    boundary b { allow }\n\
                    role r { = }\n\
                    namespace ok on a\n";
        let (decls, diags, (parses, _)) = parsed(text);
        assert_eq!(diags.len(), 4, "{diags:?}");
        assert_eq!(decls.len(), 1);
        assert_eq!(parses, 2 * diags.len() + 1);
    }

    /// Recovery never goes back over the declarations that stand: however many errors a file
    /// has, its bytes are parsed about twice (once by the parse that stops at an error, once by
    /// the one that explains it), not once per error.
    #[test]
    fn recovery_parses_each_declaration_about_twice() {
        let good = "namespace n on a\napp x in n {\n  aws { read \"arn:aws:s3:::b/*\" }\n}\n";
        let mut text = String::new();
        for i in 0..15 {
            text.push_str(&good.repeat(20));
            text.push_str(&format!("app broken{i} in {{\n}}\n"));
        }
        let (decls, diags, (_, bytes)) = parsed(&text);
        assert_eq!(diags.len(), 15, "{diags:?}");
        assert_eq!(decls.len(), 15 * 40);
        assert!(
            bytes <= 2 * text.len(),
            "{bytes} bytes parsed for {}",
            text.len()
        );
    }

    /// The declarations found and the errors reported are those of re-parsing the whole file
    /// with each broken declaration blanked out.
    #[test]
    fn recovery_keeps_what_a_reparse_of_the_blanked_file_keeps() {
        let text = "namespace a on b\napp x in a {\n  aws { read \"arn:aws:s3:::b/*\" }\n}\n\
                    ap y in a {\n}\n\
                    cluster c {\n  region = \"x\"\n}\n\
                    role r {\n  aws { read }\n}\n\
                    namespace z on c\n";
        let (decls, diags, _) = parsed(text);
        let kinds: Vec<String> = decls
            .iter()
            .map(|d| {
                let s = d.span();
                text[s.start as usize..s.end as usize]
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        // `ap y` is no declaration start: the blank runs from `app x` (the declaration the
        // error is in, for the line heuristic) to `cluster c`.
        assert_eq!(
            kinds,
            ["namespace a", "cluster c", "namespace z"],
            "{diags:?}"
        );
        assert_eq!(diags.len(), 2, "{diags:?}");
    }

    /// The reference recovery: re-parse the whole file after each blank (one whole-file parse
    /// per error; what [`parse_file`] must equal).
    fn reparse_blanked(text: &str) -> (Vec<Decl>, Vec<Diag>) {
        let mut errors = Vec::new();
        let mut work = text.to_string();
        loop {
            match error::parse_detailed(&work) {
                Ok(pairs) => {
                    let mut kept = Vec::new();
                    build::decls(FileId(0), 0, pairs, &mut kept);
                    let (decls, diags): (Vec<_>, Vec<_>) = kept.into_iter().unzip();
                    errors.extend(diags.into_iter().flatten());
                    return (decls, errors);
                }
                Err(err) => {
                    errors.push(error::from_pest(FileId(0), &work, 0, &err));
                    if errors.len() >= MAX_ERRORS_PER_FILE {
                        return (Vec::new(), errors);
                    }
                    let pos = error::rule_position(&err);
                    let (start, end) = recovery_range(&work, &decl_starts(&work), pos);
                    if start >= end {
                        return (Vec::new(), errors);
                    }
                    blank(&mut work, start, end);
                }
            }
        }
    }

    /// On every `.access` file of the examples and tests, broken in many random ways (tokens
    /// deleted, inserted, swapped), recovery finds the declarations (spans included) and the
    /// diagnostics that re-parsing the whole blanked file finds.
    #[test]
    fn recovery_equals_reparsing_the_blanked_file() {
        let mut files = Vec::new();
        for dir in ["examples", "tests/cases", "tests/bad_inputs"] {
            for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
                let Ok(e) = e else { continue };
                if e.path().extension().is_some_and(|x| x == "access") {
                    files.extend(std::fs::read_to_string(e.path()));
                }
            }
        }
        assert!(files.len() > 50, "{} files", files.len());
        // xorshift: the same inputs on every run.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % 1_000_003).unwrap_or(0)
        };
        let tokens = [
            "{", "}", "\"", "=", "app ", "\n", "[", ",", "when ", "#", "x",
        ];
        let mut broken = 0;
        for text in &files {
            for _ in 0..8 {
                let mut s: Vec<char> = text.chars().collect();
                for _ in 0..1 + rnd() % 12 {
                    if s.is_empty() {
                        break;
                    }
                    let i = rnd() % s.len();
                    match rnd() % 3 {
                        0 => {
                            s.remove(i);
                        }
                        1 => {
                            for (j, c) in tokens[rnd() % tokens.len()].chars().enumerate() {
                                s.insert(i + j, c);
                            }
                        }
                        _ => {
                            let j = rnd() % s.len();
                            s.swap(i, j);
                        }
                    }
                }
                let text: String = s.into_iter().collect();
                let (want, want_diags) = reparse_blanked(&text);
                let (got, got_diags) = parse_file(FileId(0), &text);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "declarations of {text:?}"
                );
                assert_eq!(
                    format!("{got_diags:?}"),
                    format!("{want_diags:?}"),
                    "diagnostics of {text:?}"
                );
                broken += usize::from(!got_diags.is_empty());
            }
        }
        assert!(broken > files.len(), "only {broken} inputs had an error");
    }
}
