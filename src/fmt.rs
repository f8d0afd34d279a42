//! `accessc fmt`: the canonical layout of `.access` files.
//!
//! Stages: [`cst`] reads a file into a [`doc::File`] (declarations, items, tokens, and every
//! comment with where it stood); [`layout`] writes it back in the canonical style; [`format`]
//! checks that the result means the same (same AST, same comments in the same order) before
//! handing it out. [`command::diff`] is the unified diff `--diff` prints; the command line's side
//! (files, `--check`, atomic writes) is src/cli/fmt.rs.
//!
//! The style (the README's examples):
//!
//! * Two spaces of indentation per block; one item (setting, grant, rule) per line; `;` dropped.
//! * `key = value` with one space around `=`; consecutive settings of a block (no blank line
//!   between them) line up their `=`. Consecutive grants and boundary statements that all start
//!   with `allow`, `deny`, `read`, `list` or `write` pad that keyword to the same width
//!   (`read  "…"` next to `allow …`).
//! * Lists are written `a, b` and `[a, b]` (a trailing comma is dropped).
//! * A line longer than 100 characters breaks before its clauses (`on`, `when`, `and`,
//!   `unsafe`, `named`, `by`, a Kubernetes rule's resources), each continuation line indented two
//!   more; clauses that fit stay on the line before, except `when`, which always starts a
//!   continuation line. A list still too long breaks after a comma and continues under its first
//!   item.
//! * A top-level declaration whose body is a single setting is written on one line when it fits
//!   (`app reader in acme { role = tenant-reader }`); an empty body is `{}`; a `namespace` with
//!   an empty body loses its braces. Nested blocks (`aws`, `kubernetes`) always take lines.
//! * Blank lines: at most one in a row; none after `{`, before `}` or at the start of the file;
//!   declarations that take several lines are separated by one; elsewhere a blank line is kept
//!   where the author put one.
//! * Comments are kept, each where it was: on its own line (indented with the block) or at the
//!   end of a line (after two spaces; end-of-line comments of consecutive one-line items line
//!   up). A comment between the tokens of an item ends that line. Trailing whitespace is
//!   removed and the file ends with one newline.

pub mod command;
pub(crate) mod cst;
pub(crate) mod doc;
pub(crate) mod layout;

use crate::ast::FileId;
use crate::diagnostics::Diag;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum FmtError {
    /// The file does not parse: the compiler's syntax diagnostics (for file id 0).
    Syntax(Vec<Diag>),
    /// The formatter failed its own check (a bug): the file is left alone.
    Internal(String),
}

/// Format the text of one file.
pub fn format(text: &str) -> Result<String, FmtError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (decls, diags) = crate::syntax::parse_file(FileId(0), text);
    if crate::diagnostics::has_errors(&diags) {
        return Err(FmtError::Syntax(diags));
    }
    let doc = cst::parse(text).map_err(FmtError::Internal)?;
    let out = layout::render(&doc);
    // The formatter never changes meaning: the result parses to the same declarations and keeps
    // every comment, in order.
    let (again, diags) = crate::syntax::parse_file(FileId(0), &out);
    if crate::diagnostics::has_errors(&diags) {
        return Err(FmtError::Internal(
            "the formatted text does not parse".into(),
        ));
    }
    if strip_spans(&format!("{decls:?}")) != strip_spans(&format!("{again:?}")) {
        return Err(FmtError::Internal(
            "the formatted text parses to other declarations".into(),
        ));
    }
    let redoc = cst::parse(&out).map_err(FmtError::Internal)?;
    if comments(&doc) != comments(&redoc) {
        return Err(FmtError::Internal(
            "the formatted text lost or reordered a comment".into(),
        ));
    }
    Ok(out)
}

/// Every comment of a document, in order.
pub fn comments(file: &doc::File) -> Vec<String> {
    fn line(l: &doc::Line, out: &mut Vec<String>) {
        for p in &l.pieces {
            if let doc::Piece::Comment { text, .. } = p {
                out.push(text.clone());
            }
        }
    }
    fn item(i: &doc::Item, out: &mut Vec<String>) {
        out.extend(i.leading.iter().map(|c| c.text.clone()));
        match &i.kind {
            doc::Kind::Line(l) => line(l, out),
            doc::Kind::Block(b) => {
                line(&b.head, out);
                out.extend(b.head_trailing.iter().cloned());
                for x in &b.items {
                    item(x, out);
                }
                out.extend(b.closing.iter().map(|c| c.text.clone()));
            }
        }
        out.extend(i.trailing.iter().cloned());
    }
    let mut out = Vec::new();
    for i in &file.items {
        item(i, &mut out);
    }
    out.extend(file.end.iter().map(|c| c.text.clone()));
    out
}

/// Debug text of an AST with every `Span { … }` removed, to compare two parses.
fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        match after.find('}') {
            Some(j) => rest = &after[j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        match format(s) {
            Ok(t) => t,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn aligns_settings_and_keywords() {
        let src = "cluster prod { account = \"111122223333\"; region=\"us-west-2\"\nauth_mode = api }\napp a in ns { aws { read \"arn:aws:s3:::b/*\"\nallow s3:PutObject on \"arn:aws:s3:::b/*\" } }\n";
        assert_eq!(
            fmt(src),
            "cluster prod {\n  account   = \"111122223333\"\n  region    = \"us-west-2\"\n  auth_mode = api\n}\n\napp a in ns {\n  aws {\n    read  \"arn:aws:s3:::b/*\"\n    allow s3:PutObject on \"arn:aws:s3:::b/*\"\n  }\n}\n"
        );
    }

    #[test]
    fn one_setting_on_one_line() {
        assert_eq!(
            fmt("app reader in acme {\n  role = tenant-reader\n}\nnamespace a on b {}\n"),
            "app reader in acme { role = tenant-reader }\nnamespace a on b\n"
        );
    }

    #[test]
    fn long_grants_break_before_clauses() {
        let src = "app a in b { aws { allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query on \"arn:aws:dynamodb:us-west-2:111122223333:table/carts\" } }";
        assert_eq!(
            fmt(src),
            "app a in b {\n  aws {\n    allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query\n      on \"arn:aws:dynamodb:us-west-2:111122223333:table/carts\"\n  }\n}\n"
        );
    }

    #[test]
    fn lists() {
        assert_eq!(
            fmt("access x on c { scope = namespaces [ a , b, ]\ngroups=[\"g\"] }"),
            "access x on c {\n  scope  = namespaces [a, b]\n  groups = [\"g\"]\n}\n"
        );
    }

    #[test]
    fn strip() {
        assert_eq!(
            strip_spans("A { span: Span { file: FileId(0), start: 1, end: 2 } }"),
            "A { span:  }"
        );
    }
}
