//! [`File`] → text in the canonical style (see [`crate::fmt`] for the rules).

use super::doc::{Align, Block, Comment, File, Item, Kind, Line, Piece};

/// Lines are broken when longer than this many characters.
pub const WIDTH: usize = 100;

/// Indentation of one block level.
const INDENT: usize = 2;

/// Keywords that line up when consecutive grants start with them.
const SHORT_KEYWORDS: &[&str] = &["allow", "deny", "read", "list", "write"];

fn width(s: &str) -> usize {
    s.chars().count()
}

fn spaces(n: usize) -> String {
    " ".repeat(n)
}

/// Render a file.
pub fn render(file: &File) -> String {
    let mut out: Vec<String> = Vec::new();
    items(&file.items, 0, true, &mut out);
    for c in &file.end {
        if !out.is_empty() && c.blank_before {
            out.push(String::new());
        }
        out.push(c.text.clone());
    }
    if out.is_empty() {
        return String::new();
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The padding of each item's first word: settings line up their `=`, grants their keyword.
fn paddings(items: &[Item]) -> Vec<usize> {
    let mut pads = vec![0; items.len()];
    let mut start = 0;
    while start < items.len() {
        let align = items[start].align;
        let mut end = start + 1;
        while end < items.len() && items[end].align == align && !items[end].starts_after_blank() {
            end += 1;
        }
        let words: Vec<&str> = items[start..end]
            .iter()
            .filter_map(|i| match &i.kind {
                Kind::Line(l) => l.first_word(),
                Kind::Block(_) => None,
            })
            .collect();
        let pad = match align {
            Align::None => 0,
            Align::Key => words.iter().map(|w| width(w)).max().unwrap_or(0),
            Align::Keyword => {
                if words.iter().all(|w| SHORT_KEYWORDS.contains(w)) {
                    words.iter().map(|w| width(w)).max().unwrap_or(0)
                } else {
                    0
                }
            }
        };
        for p in pads.iter_mut().take(end).skip(start) {
            *p = pad;
        }
        start = end;
    }
    pads
}

/// Render the items of a file or block at `indent`.
fn items(items: &[Item], indent: usize, top_level: bool, out: &mut Vec<String>) {
    let pads = paddings(items);
    // Each item's lines without its end-of-line comment, then comments are aligned over runs
    // of consecutive one-line items.
    let bodies: Vec<Vec<String>> = items
        .iter()
        .zip(&pads)
        .map(|(item, pad)| body(item, indent, *pad))
        .collect();
    // Runs of consecutive one-line items (no blank line or comment line between them) line up
    // their end-of-line comments after the longest line that has one.
    let mut comment_col = vec![0usize; items.len()];
    let mut i = 0;
    while i < items.len() {
        let single = |k: usize| bodies[k].len() == 1;
        if !single(i) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < items.len() && single(j) && items[j].leading.is_empty() && !items[j].blank_before
        {
            j += 1;
        }
        let col = (i..j)
            .filter(|&k| items[k].trailing.is_some())
            .filter_map(|k| bodies[k].first().map(|l| width(l)))
            .max()
            .unwrap_or(0);
        for c in comment_col.iter_mut().take(j).skip(i) {
            *c = col;
        }
        i = j;
    }
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            let forced = top_level && (bodies[k].len() > 1 || bodies[k - 1].len() > 1);
            if forced || item.starts_after_blank() {
                out.push(String::new());
            }
        }
        comments(&item.leading, indent, out, false);
        if !item.leading.is_empty() && item.blank_before {
            out.push(String::new());
        }
        let mut lines = bodies[k].clone();
        if let (Some(text), Some(last)) = (&item.trailing, lines.last_mut()) {
            let col = comment_col[k].max(width(last));
            last.push_str(&spaces(col - width(last) + 2));
            last.push_str(text);
        }
        out.extend(lines);
    }
}

/// Own-line comments; `keep_first_blank` keeps a blank line before the first one.
fn comments(list: &[Comment], indent: usize, out: &mut Vec<String>, keep_first_blank: bool) {
    for (i, c) in list.iter().enumerate() {
        if c.blank_before && (i > 0 || keep_first_blank) {
            out.push(String::new());
        }
        out.push(format!("{}{}", spaces(indent), c.text));
    }
}

/// An item's lines, without its leading comments and its end-of-line comment.
fn body(item: &Item, indent: usize, pad: usize) -> Vec<String> {
    match &item.kind {
        Kind::Line(line) => layout(line, indent, pad),
        Kind::Block(block) => block_lines(block, indent),
    }
}

/// The words of a line without comments, on one line.
fn one_line(line: &Line) -> Option<String> {
    let mut s = String::new();
    for p in &line.pieces {
        match p {
            Piece::Word { text, join, .. } => {
                if !s.is_empty() && !join {
                    s.push(' ');
                }
                s.push_str(text);
            }
            Piece::Comment { .. } => return None,
        }
    }
    Some(s)
}

fn block_lines(block: &Block, indent: usize) -> Vec<String> {
    let no_comments =
        block.head_trailing.is_none() && block.closing.is_empty() && !block.head.has_comments();
    if no_comments && block.items.is_empty() {
        // `app x in y {}`
        let mut lines = layout(&block.head, indent, 0);
        if let Some(last) = lines.last_mut() {
            last.push('}');
        }
        return lines;
    }
    if no_comments && block.top_level && block.items.len() == 1 {
        let item = &block.items[0];
        if let (Kind::Line(setting), Align::Key, true, None) = (
            &item.kind,
            item.align,
            item.leading.is_empty(),
            &item.trailing,
        ) {
            if let (Some(head), Some(setting)) = (one_line(&block.head), one_line(setting)) {
                let text = format!("{}{head} {setting} }}", spaces(indent));
                if width(&text) <= WIDTH {
                    return vec![text];
                }
            }
        }
    }
    let mut lines = layout(&block.head, indent, 0);
    if let (Some(text), Some(last)) = (&block.head_trailing, lines.last_mut()) {
        last.push_str("  ");
        last.push_str(text);
    }
    items(&block.items, indent + INDENT, false, &mut lines);
    comments(
        &block.closing,
        indent + INDENT,
        &mut lines,
        !block.items.is_empty(),
    );
    lines.push(format!("{}}}", spaces(indent)));
    lines
}

/// The width of the words from `i` up to the next clause or comment, written on one line.
fn run_width(pieces: &[Piece], i: usize, stop_at_clause: bool) -> usize {
    let mut w = 0;
    for (k, p) in pieces.iter().enumerate().skip(i) {
        match p {
            Piece::Word { text, join, clause } => {
                if k > i {
                    if stop_at_clause && *clause {
                        break;
                    }
                    if !stop_at_clause && !join {
                        break;
                    }
                    if !join {
                        w += 1;
                    }
                }
                w += width(text);
            }
            Piece::Comment { .. } => break,
        }
    }
    w
}

/// Whether the next word after `i` starts a clause.
fn next_is_clause(pieces: &[Piece], i: usize) -> bool {
    pieces.iter().skip(i).find_map(|p| match p {
        Piece::Word { clause, .. } => Some(*clause),
        Piece::Comment { .. } => None,
    }) == Some(true)
}

/// Lay out one line at `indent`: on one line when it fits in [`WIDTH`]; otherwise clauses
/// (`on`, `unsafe`, …) that do not fit start continuation lines indented by two more (`when`
/// always starts one), and lists
/// that still do not fit break after a comma, continuing under the clause's first list item.
/// Comments between tokens end the line they are on.
pub fn layout(line: &Line, indent: usize, pad: usize) -> Vec<String> {
    let pieces = &line.pieces;
    let mut out = Vec::new();
    let mut cur = String::new();
    // Where the current clause's list items continue.
    let mut item_col: Option<usize> = None;
    let mut words_in_clause = 0usize;
    let mut first = true;
    for (i, p) in pieces.iter().enumerate() {
        match p {
            Piece::Comment { text, trailing } => {
                if *trailing && !cur.is_empty() {
                    cur.push_str("  ");
                    cur.push_str(text);
                    out.push(std::mem::take(&mut cur));
                } else {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    let at = if next_is_clause(pieces, i + 1) {
                        indent + INDENT
                    } else {
                        item_col.unwrap_or(indent + 2 * INDENT)
                    };
                    out.push(format!("{}{text}", spaces(at)));
                }
            }
            Piece::Word { text, join, clause } => {
                let mut word = text.clone();
                if first && pad > width(text) {
                    word.push_str(&spaces(pad - width(text)));
                }
                let starts_clause = first || (*clause && !*join);
                if starts_clause {
                    words_in_clause = 0;
                    item_col = None;
                }
                if cur.is_empty() {
                    let at = if first {
                        indent
                    } else if *clause {
                        indent + INDENT
                    } else {
                        item_col.unwrap_or(indent + 2 * INDENT)
                    };
                    cur = format!("{}{word}", spaces(at));
                } else if *join {
                    cur.push_str(&word);
                } else {
                    let fits = if *clause {
                        // Conditions always start their own line.
                        text != "when" && width(&cur) + 1 + run_width(pieces, i, true) <= WIDTH
                    } else {
                        width(&cur) + 1 + run_width(pieces, i, false) <= WIDTH
                            || !cur.ends_with(',')
                    };
                    if fits {
                        cur.push(' ');
                        cur.push_str(&word);
                    } else {
                        out.push(std::mem::take(&mut cur));
                        let at = if *clause {
                            indent + INDENT
                        } else {
                            item_col.unwrap_or(indent + 2 * INDENT)
                        };
                        cur = format!("{}{word}", spaces(at));
                    }
                }
                let col = width(&cur) - width(&word);
                if starts_clause {
                    // A clause that starts with a list item (`get, list pods`) continues under
                    // its first word; one that starts with a keyword (`on "a", "b"`), under the
                    // word after it.
                    if text.ends_with(',') {
                        item_col = Some(col);
                    }
                } else if words_in_clause >= 1 && item_col.is_none() && !*join && text != "=" {
                    // The first word after the clause's keyword (after `=` in a setting).
                    item_col = Some(col);
                }
                words_in_clause += 1;
                first = false;
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
