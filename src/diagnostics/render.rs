//! Rendering diagnostics: miette's graphical report, a short one-line form, or JSON.

use std::fmt;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode, SourceSpan,
};

use super::{Diag, Severity};
use crate::source::{is_hidden, mask_hidden, show_hidden, Sources};

/// How diagnostics are printed (the command line chooses the human form's colours and width
/// from its standard error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// miette's graphical report; `color` adds ANSI colours.
    Human {
        /// Use colours.
        color: bool,
        /// Wrap prose at this many columns (a terminal's width), never inside a quoted value;
        /// `None` (a pipe, a file, a CI log) wraps nothing.
        width: Option<usize>,
    },
    /// `path:line:col: error[CODE]: message` plus an indented help line.
    Short,
    /// One JSON array.
    Json,
}

/// Render every diagnostic in the given format.
pub fn render(diags: &[Diag], sources: &Sources, format: Format) -> String {
    let shortened: Vec<Diag>;
    let diags = if diags.iter().any(has_long_quote) {
        shortened = diags.iter().map(shorten).collect();
        &shortened[..]
    } else {
        diags
    };
    // A terminal or log gets no control, bidirectional or invisible character raw, whatever
    // names and values the messages quote (JSON escapes them itself).
    let masked: Vec<Diag>;
    let diags = if format != Format::Json && diags.iter().any(has_hidden) {
        masked = diags.iter().map(unhide).collect();
        &masked[..]
    } else {
        diags
    };
    match format {
        Format::Human { color, width } => diags
            .iter()
            .map(|d| human(d, sources, color, width))
            .collect::<Vec<_>>()
            .join(""),
        Format::Short => diags.iter().map(|d| short(d, sources)).collect(),
        Format::Json => json(diags, sources),
    }
}

/// Source lines longer than this (in bytes) are not shown.
const MAX_SHOWN_LINE: usize = 2_000;

/// Whether the line where the span starts or the one where it ends is too long to show.
fn long_line(sources: &Sources, span: crate::ast::Span) -> bool {
    let Some(file) = sources.get(span.file) else {
        return false;
    };
    let text = file.text.as_str();
    let line_len = |at: usize| {
        let at = at.min(text.len());
        let start = text
            .get(..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let end = text
            .get(at..)
            .and_then(|t| t.find('\n'))
            .map_or(text.len(), |i| at + i);
        end - start
    };
    line_len(span.start as usize) > MAX_SHOWN_LINE || line_len(span.end as usize) > MAX_SHOWN_LINE
}

/// Values quoted in messages and labels (`` `…` ``) longer than this many characters (longer
/// than any name and nearly any ARN) are cut:
/// they echo the input, which the snippet shows, and a 10 MB string is not worth printing back.
/// Help is never cut: what it suggests is to be copied whole.
const MAX_QUOTED: usize = 512;

/// A help quoting a value longer than this is not shown: no AWS or Kubernetes field takes a
/// value that long (an ARN is at most 2,048 characters), and it would echo megabytes of input.
const MAX_SUGGESTED: usize = 4_096;

/// The values quoted in a text: between backticks, and between double quotes outside them.
pub fn quoted_values(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    for (i, c) in text.char_indices() {
        match open {
            Some((q, start)) if c == q => {
                out.push(&text[start..i]);
                open = None;
            }
            None if c == '`' || c == '"' => open = Some((c, i + c.len_utf8())),
            _ => {}
        }
    }
    out
}

fn long_quote(text: &str) -> bool {
    text.split('`')
        .skip(1)
        .step_by(2)
        .any(|q| q.chars().count() > MAX_QUOTED)
}

fn long_suggestion(help: &str) -> Option<usize> {
    quoted_values(help)
        .into_iter()
        .map(|v| v.chars().count())
        .find(|&n| n > MAX_SUGGESTED)
}

fn has_long_quote(d: &Diag) -> bool {
    long_quote(&d.message)
        || d.label.as_deref().is_some_and(long_quote)
        || d.help
            .as_deref()
            .is_some_and(|h| long_suggestion(h).is_some())
}

fn cut_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(1024));
    for (i, part) in text.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let n = part.chars().count();
        if i % 2 == 1 && n > MAX_QUOTED {
            out.extend(part.chars().take(MAX_QUOTED - 20));
            out.push_str(&format!("… ({n} characters)"));
        } else {
            out.push_str(part);
        }
    }
    out
}

fn has_hidden(d: &Diag) -> bool {
    let hidden = |t: &str| t.chars().any(|c| is_hidden(c) && c != '\n');
    hidden(&d.message)
        || d.help.as_deref().is_some_and(hidden)
        || d.label.as_deref().is_some_and(hidden)
        || d.related.iter().any(|(_, t)| hidden(t))
}

/// A copy with every hidden character of its texts as `\u{HEX}` (line breaks kept in help).
fn unhide(d: &Diag) -> Diag {
    let mut d = d.clone();
    d.message = show_hidden(&d.message, false).into_owned();
    d.help = d.help.as_deref().map(|h| show_hidden(h, true).into_owned());
    d.label = d
        .label
        .as_deref()
        .map(|l| show_hidden(l, false).into_owned());
    for (_, t) in &mut d.related {
        *t = show_hidden(t, false).into_owned();
    }
    d
}

/// A copy with the long quoted values of its message and label cut, and a help that quotes a
/// value longer than any field takes replaced by a note (a value is shown whole or not at all).
fn shorten(d: &Diag) -> Diag {
    let mut d = d.clone();
    d.message = cut_quotes(&d.message);
    d.label = d.label.as_deref().map(cut_quotes);
    if let Some(n) = d.help.as_deref().and_then(long_suggestion) {
        d.help = Some(format!(
            "(not shown: the advice quotes a value of {n} characters, longer than any AWS or Kubernetes field takes)"
        ));
    }
    d
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// One diagnostic in the short form.
pub fn short(d: &Diag, sources: &Sources) -> String {
    let mut out = String::new();
    if let Some(span) = d.span {
        let (line, col) = sources.line_col(span);
        out.push_str(&format!("{}:{}:{}: ", sources.path(span.file), line, col));
    }
    out.push_str(&format!(
        "{}[{}]: {}\n",
        severity_word(d.severity),
        d.code,
        d.message
    ));
    if let Some(help) = &d.help {
        out.push_str(&format!("  help: {help}\n"));
    }
    out
}

fn json(diags: &[Diag], sources: &Sources) -> String {
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut v = serde_json::json!({
                "code": d.code.as_str(),
                "severity": severity_word(d.severity),
                "message": d.message,
            });
            if let Some(span) = d.span {
                let (line, col) = sources.line_col(span);
                v["file"] = sources.path(span.file).into();
                v["line"] = line.into();
                v["column"] = col.into();
                v["start"] = span.start.into();
                v["end"] = span.end.into();
            }
            if let Some(label) = &d.label {
                v["label"] = label.clone().into();
            }
            if let Some(help) = &d.help {
                v["help"] = help.clone().into();
            }
            v
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// Adapter that lets miette render a [`Diag`].
struct Report<'a> {
    diag: &'a Diag,
    source: Option<NamedSource<String>>,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code.as_str()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// A span of more lines than this is shown as its first line: a declaration of 1,200 lines is
/// not printed back to point at it.
const MAX_SPAN_LINES: usize = 4;

/// The part of `start..end` that the report shows, and its label: all of it when it covers at
/// most [`MAX_SPAN_LINES`] lines, else its first line (without trailing blanks), which names
/// the declaration or grant, with the label saying where the span ends.
fn bounded(
    text: &str,
    start: usize,
    end: usize,
    label: Option<&str>,
) -> (std::ops::Range<usize>, Option<String>) {
    let whole = (start..end, label.map(str::to_string));
    let Some(spanned) = text.get(start..end) else {
        return whole;
    };
    let lines = spanned.matches('\n').count();
    if lines < MAX_SPAN_LINES {
        return whole;
    }
    let first = spanned.split('\n').next().unwrap_or("").trim_end();
    let last_line = text.get(..start).map_or(0, |t| t.matches('\n').count()) + lines + 1;
    let to = format!("to line {last_line}");
    let label = Some(match label {
        Some(l) => format!("{l} ({to})"),
        None => to,
    });
    (start..start + first.len(), label)
}

/// Words for wrapping prose: split after spaces, but never inside a quoted value (between
/// backticks, or double quotes outside them), which is one word however long, so that it can
/// be copied as it is.
fn words(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let (mut start, mut open, mut in_space) = (0, None::<char>, false);
    for (i, c) in line.char_indices() {
        if c == ' ' && open.is_none() {
            in_space = true;
            continue;
        }
        if in_space {
            words.push(textwrap::core::Word::from(&line[start..i]));
            start = i;
            in_space = false;
        }
        match open {
            Some(q) if c == q => open = None,
            None if c == '`' || c == '"' => open = Some(c),
            _ => {}
        }
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// One diagnostic as miette's graphical report, its prose wrapped at `width` columns (never
/// inside a quoted value) or, without a width, not at all.
pub fn human(d: &Diag, sources: &Sources, color: bool, width: Option<usize>) -> String {
    // miette prints the whole source line and underlines the whole span: a multi-megabyte
    // line would print tens of megabytes. Such a diagnostic gets the short form.
    if d.span.is_some_and(|span| long_line(sources, span)) {
        return short(d, sources);
    }
    let mut help = d.help.clone();
    let mut labels = Vec::new();
    let source = d.span.and_then(|span| {
        let file = sources.get(span.file)?;
        let len = file.text.len();
        let start = (span.start as usize).min(len);
        let end = (span.end as usize).clamp(start, len);
        let (range, label) = bounded(&file.text, start, end, d.label.as_deref());
        labels.push(LabeledSpan::new_primary_with_span(
            label,
            SourceSpan::from(range),
        ));
        for (rs, text) in &d.related {
            if rs.file == span.file {
                let s = (rs.start as usize).min(len);
                let e = (rs.end as usize).clamp(s, len);
                let (range, label) = bounded(&file.text, s, e, Some(text));
                labels.push(LabeledSpan::new_with_span(label, SourceSpan::from(range)));
            } else {
                let note = format!("{text}: {}", sources.location(*rs));
                help = Some(match help.take() {
                    Some(h) => format!("{h}\n{note}"),
                    None => note,
                });
            }
        }
        // Same byte offsets, nothing hidden: the spans still point at their text.
        let text = mask_hidden(&file.text).into_owned();
        Some(NamedSource::new(file.path.clone(), text).with_language("access"))
    });
    let report = Report {
        diag: d,
        source,
        help,
        labels,
    };
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(width.unwrap_or(100))
        .with_wrap_lines(width.is_some())
        .with_break_words(false)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::Custom(words));
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        return short(d, sources);
    }
    out
}
