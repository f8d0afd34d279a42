//! Source text → [`File`]: the grammar's parse tree, walked with a cursor over the source so
//! that every comment (which the grammar skips) is picked up between the tokens it sat between.
//!
//! This module has its own pest parser derived from `grammar/access.pest` (the compiler's lives
//! in [`crate::syntax`] and yields an AST without comments or token order).

use pest::iterators::Pair;
use pest::Parser;

use super::doc::{Align, Block, Comment, File, Item, Kind, Line, Piece};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/access.pest"]
struct CstParser;

/// Tokens: pairs taken as written.
fn is_leaf(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::name
            | Rule::string
            | Rule::word
            | Rule::action
            | Rule::cond_key
            | Rule::verb
            | Rule::k8s_resource
            | Rule::app_ref
            | Rule::level
            | Rule::effect
            | Rule::cond_op
            | Rule::cond_qual
            | Rule::cond_not
            | Rule::cond_neg_op
            | Rule::cond_word
            | Rule::number
            | Rule::typed_value
            | Rule::kw_is
            | Rule::kw_if
            | Rule::kw_exists
            | Rule::kw_deny
            | Rule::cluster_scope
            | Rule::kw_on
            | Rule::kw_in
            | Rule::kw_by
            | Rule::kw_allow
            | Rule::kw_when
            | Rule::kw_and
            | Rule::kw_named
            | Rule::kw_unsafe
            | Rule::kw_cluster
            | Rule::kw_namespace
            | Rule::kw_app
            | Rule::kw_role
            | Rule::kw_boundary
            | Rule::kw_access
            | Rule::kw_resource
            | Rule::kw_aws
            | Rule::kw_kubernetes
            | Rule::kw_pack
            | Rule::kw_use
            | Rule::param_type
    )
}

/// Keywords a long line breaks before.
fn starts_clause(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::kw_on | Rule::kw_when | Rule::kw_and | Rule::kw_unsafe | Rule::kw_named | Rule::kw_by
    )
}

/// Items of a block that are written on one line (with continuation lines when long).
fn line_item_align(rule: Rule) -> Option<Align> {
    match rule {
        Rule::setting => Some(Align::Key),
        Rule::grant | Rule::boundary_stmt | Rule::res_grant => Some(Align::Keyword),
        Rule::k8s_rule | Rule::use_stmt => Some(Align::None),
        _ => None,
    }
}

/// Parse a file into the formatter's document. `Err` holds a message for a file that does not
/// parse (the caller reports the compiler's own syntax diagnostics instead).
pub fn parse(src: &str) -> Result<File, String> {
    let mut pairs = CstParser::parse(Rule::file, src).map_err(|e| e.to_string())?;
    let file = pairs.next().ok_or("empty parse")?;
    let mut cursor = Cursor { src, pos: 0 };
    let mut out = File::default();
    for child in file.into_inner() {
        if child.as_rule() == Rule::EOI {
            continue;
        }
        let start = child.as_span().start();
        let gap = cursor.gap(start)?;
        attach(&mut out.items, None, gap.trailing);
        let mut item = cursor.decl(child)?;
        item.leading = gap.comments;
        item.blank_before = gap.blank_after;
        out.items.push(item);
    }
    let gap = cursor.gap(src.len())?;
    attach(&mut out.items, None, gap.trailing);
    out.end = gap.comments;
    Ok(out)
}

/// Give an end-of-line comment to the last item, or to the block's `{` line when there is none.
fn attach(items: &mut [Item], head: Option<&mut Option<String>>, trailing: Option<String>) {
    let Some(text) = trailing else { return };
    match items.last_mut() {
        Some(item) => item.trailing = Some(text),
        None => {
            if let Some(h) = head {
                *h = Some(text);
            }
        }
    }
}

/// What lies between two items: only whitespace, `;` and comments.
struct Gap {
    trailing: Option<String>,
    comments: Vec<Comment>,
    blank_after: bool,
}

struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{feff}' | ';')
}

impl<'a> Cursor<'a> {
    /// The text from `at` to the end of its line, and where that line ends.
    fn comment_at(&self, at: usize) -> (String, usize) {
        let rest = self.src.get(at..).unwrap_or("");
        let len = rest.find('\n').unwrap_or(rest.len());
        (rest[..len].trim_end().to_string(), at + len)
    }

    /// Consume the trivia up to `end`.
    fn gap(&mut self, end: usize) -> Result<Gap, String> {
        let mut gap = Gap {
            trailing: None,
            comments: Vec::new(),
            blank_after: false,
        };
        let had_token = self.pos > 0;
        let mut newlines = 0usize;
        let mut first = true;
        let mut i = self.pos;
        while i < end {
            let Some(c) = self.src.get(i..).and_then(|s| s.chars().next()) else {
                break;
            };
            if c == '#' {
                let (text, stop) = self.comment_at(i);
                if first && had_token && newlines == 0 {
                    gap.trailing = Some(text);
                } else {
                    gap.comments.push(Comment {
                        text,
                        blank_before: newlines >= 2,
                    });
                }
                first = false;
                newlines = 0;
                i = stop;
            } else if is_space(c) {
                if c == '\n' {
                    newlines += 1;
                }
                i += c.len_utf8();
            } else {
                return Err(format!("unexpected `{c}` at byte {i}"));
            }
        }
        gap.blank_after = newlines >= 2;
        self.pos = end.max(self.pos);
        Ok(gap)
    }

    /// Consume the trivia and punctuation up to `end` into a line: commas glue to the word before,
    /// `=`, `[` and `]` become words, comments stay where they were.
    fn inner(&mut self, end: usize, line: &mut Line, stop_at_brace: bool) -> Result<bool, String> {
        let mut newlines = 0usize;
        let mut i = self.pos;
        while i < end {
            let Some(c) = self.src.get(i..).and_then(|s| s.chars().next()) else {
                break;
            };
            match c {
                '#' => {
                    let (text, stop) = self.comment_at(i);
                    line.pieces.push(Piece::Comment {
                        text,
                        trailing: newlines == 0 && !line.pieces.is_empty(),
                    });
                    newlines = 0;
                    i = stop;
                    continue;
                }
                '\n' => newlines += 1,
                c if is_space(c) => {}
                ',' => {
                    if let Some(w) = line.last_word_mut() {
                        w.push(',');
                    }
                }
                ':' => {
                    if let Some(w) = line.last_word_mut() {
                        w.push(':');
                    }
                }
                '(' => line.word("(", true, false),
                ')' => {
                    if let Some(w) = line.last_word_mut() {
                        // A trailing comma before `)` is dropped.
                        if w.ends_with(',') {
                            w.pop();
                        }
                    }
                    line.word(")", true, false);
                }
                '=' => line.word("=", false, false),
                '[' => line.word("[", false, false),
                ']' => {
                    if let Some(w) = line.last_word_mut() {
                        // A trailing comma before `]` is dropped.
                        if w.ends_with(',') && w != "[" {
                            w.pop();
                        }
                    }
                    line.word("]", true, false);
                }
                '{' if stop_at_brace => {
                    line.word("{", false, false);
                    self.pos = i + 1;
                    return Ok(true);
                }
                _ => return Err(format!("unexpected `{c}` at byte {i}")),
            }
            i += c.len_utf8();
        }
        self.pos = end.max(self.pos);
        Ok(false)
    }

    /// Add a token (and what precedes it) to a line.
    fn token(
        &mut self,
        pair: &Pair<'_, Rule>,
        line: &mut Line,
        clause: bool,
    ) -> Result<(), String> {
        let span = pair.as_span();
        self.inner(span.start(), line, false)?;
        let join = matches!(line.pieces.last(), Some(Piece::Word { text, .. }) if text == "[" || text == "(");
        line.word(span.as_str(), join, clause);
        self.pos = span.end();
        Ok(())
    }

    /// Add every token of a pair to a line.
    fn tokens(&mut self, pair: Pair<'_, Rule>, line: &mut Line) -> Result<(), String> {
        let rule = pair.as_rule();
        if is_leaf(rule) {
            return self.token(&pair, line, starts_clause(rule));
        }
        let end = pair.as_span().end();
        // A rule's first resource starts a clause (its resource list is silent: the resources
        // are the rule's own children).
        let mut first = rule == Rule::k8s_rule;
        // A long `use` breaks before its arguments.
        let mut arg = rule == Rule::arg;
        for child in pair.into_inner() {
            if arg && child.as_rule() == Rule::name {
                self.token(&child, line, true)?;
                arg = false;
            } else if first && child.as_rule() == Rule::k8s_resource {
                self.token(&child, line, true)?;
                first = false;
            } else {
                self.tokens(child, line)?;
            }
        }
        // Lists end in `]` and uses in `)`, which no token holds.
        if matches!(rule, Rule::list | Rule::string_array | Rule::use_stmt) {
            self.inner(end, line, false)?;
        }
        Ok(())
    }

    /// A top-level declaration.
    fn decl(&mut self, pair: Pair<'_, Rule>) -> Result<Item, String> {
        let kind = match pair.as_rule() {
            Rule::namespace => self.namespace(pair)?,
            _ => Kind::Block(self.block(pair, true)?),
        };
        Ok(Item {
            leading: Vec::new(),
            blank_before: false,
            kind,
            trailing: None,
            align: Align::None,
        })
    }

    /// `namespace NAME on CLUSTER, … [{ … }]`: the braces are dropped when empty.
    fn namespace(&mut self, pair: Pair<'_, Rule>) -> Result<Kind, String> {
        let end = pair.as_span().end();
        let mut head = Line::default();
        let mut settings = Vec::new();
        for child in pair.into_inner() {
            if child.as_rule() == Rule::setting {
                settings.push(child);
            } else {
                self.tokens(child, &mut head)?;
            }
        }
        // The pair may end in the trivia pest skipped looking for `{`: look for the brace.
        let mut probe = Cursor {
            src: self.src,
            pos: self.pos,
        };
        let mut scratch = Line::default();
        let braces = probe.inner(end, &mut scratch, true).unwrap_or(false);
        if !braces {
            return Ok(Kind::Line(head));
        }
        self.inner(end, &mut head, true)?;
        let block = self.body(head, settings, end, true)?;
        if block.items.is_empty() && block.closing.is_empty() && block.head_trailing.is_none() {
            let mut head = block.head;
            // Drop the `{` word (and nothing else: comments before it stay).
            if let Some(pos) = head
                .pieces
                .iter()
                .rposition(|p| matches!(p, Piece::Word { text, .. } if text == "{"))
            {
                head.pieces.remove(pos);
            }
            return Ok(Kind::Line(head));
        }
        Ok(Kind::Block(block))
    }

    /// A declaration or nested block with a `{ … }` body.
    fn block(&mut self, pair: Pair<'_, Rule>, top_level: bool) -> Result<Block, String> {
        let end = pair.as_span().end();
        let mut head = Line::default();
        let mut items = Vec::new();
        for child in pair.into_inner() {
            let rule = child.as_rule();
            if line_item_align(rule).is_some() || matches!(rule, Rule::aws_block | Rule::k8s_block)
            {
                items.push(child);
            } else if items.is_empty() {
                self.tokens(child, &mut head)?;
            } else {
                return Err(format!("unexpected {rule:?} after the items of a block"));
            }
        }
        if !self.inner(end, &mut head, true)? {
            return Err("no `{` after a declaration head".into());
        }
        self.body(head, items, end, top_level)
    }

    /// The items of a block whose `{` was consumed, up to its `}` at `end - 1`.
    fn body(
        &mut self,
        head: Line,
        children: Vec<Pair<'_, Rule>>,
        end: usize,
        top_level: bool,
    ) -> Result<Block, String> {
        let mut block = Block {
            head,
            head_trailing: None,
            items: Vec::new(),
            closing: Vec::new(),
            top_level,
        };
        for child in children {
            let gap = self.gap(child.as_span().start())?;
            attach(
                &mut block.items,
                Some(&mut block.head_trailing),
                gap.trailing,
            );
            let rule = child.as_rule();
            let (kind, align) = match line_item_align(rule) {
                Some(align) => {
                    let mut line = Line::default();
                    self.tokens(child, &mut line)?;
                    (Kind::Line(line), align)
                }
                None => (Kind::Block(self.block(child, false)?), Align::None),
            };
            block.items.push(Item {
                leading: gap.comments,
                blank_before: gap.blank_after,
                kind,
                trailing: None,
                align,
            });
        }
        let close = end.saturating_sub(1);
        if self.src.get(close..end) != Some("}") {
            return Err(format!("no `}}` at byte {close}"));
        }
        let gap = self.gap(close)?;
        attach(
            &mut block.items,
            Some(&mut block.head_trailing),
            gap.trailing,
        );
        block.closing = gap.comments;
        self.pos = end;
        Ok(block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_placed() {
        let f = parse("# a\ncluster c { # b\n  x = 1 # c\n  # d\n}\n# e\n").unwrap();
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].leading[0].text, "# a");
        let Kind::Block(b) = &f.items[0].kind else {
            panic!()
        };
        assert_eq!(b.head_trailing.as_deref(), Some("# b"));
        assert_eq!(b.items[0].trailing.as_deref(), Some("# c"));
        assert_eq!(b.closing[0].text, "# d");
        assert_eq!(f.end[0].text, "# e");
    }
}
