//! Source files of a program: their display paths and text.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::LazyLock;

use crate::ast::{FileId, Span};

/// The characters a source name may show as they are; every other character is written as
/// `\u{HEX}`.
const SAFE: &str = " ._-/+@=:~^";

/// A name of an input file as every output and message shows it: letters, digits and
/// ` ._-/+@=:~^` as they are, every other character (controls, line and paragraph separators,
/// bidirectional overrides, `#`, `<`, `>`, `` ` ``, `*`, `$`, `{`, `"`, `\`, `,`, …) as
/// `\u{HEX}` (lowercase hexadecimal, like Rust's escape). So a file or folder name cannot start
/// a YAML document, open an HTML comment or a code span, end a comment, or reach a terminal as
/// an escape sequence; the form is reversible, and ordinary names (`apps/payments.access`) are
/// unchanged.
pub fn display_name(raw: &str) -> Cow<'_, str> {
    escape_unless(raw, |c| c.is_alphanumeric() || SAFE.contains(c))
}

/// `text` with every character that `keep` refuses written as `\u{HEX}` (lowercase
/// hexadecimal, like Rust's escape); borrowed when nothing is refused.
fn escape_unless(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if text.chars().all(&keep) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        }
    }
    Cow::Owned(out)
}

/// Whether a character is invisible or moves text on a terminal or in a review: a control
/// (C0, DEL, C1), a bidirectional control, a zero-width or other format character, a line or
/// paragraph separator.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Text for a terminal or a log: every [hidden](is_hidden) character as `\u{HEX}`, except line
/// breaks and tabs when `lines` is set.
pub fn show_hidden(text: &str, lines: bool) -> Cow<'_, str> {
    escape_unless(text, |c| {
        !is_hidden(c) || (lines && (c == '\n' || c == '\t'))
    })
}

/// Source text for a terminal with the same byte offsets: every [hidden](is_hidden) character
/// but a line break or tab (a carriage return only before a line break) is replaced by `?`s or
/// U+FFFD of its length, so that spans still point at the same text.
pub fn mask_hidden(text: &str) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        let keep =
            !is_hidden(c) || c == '\n' || c == '\t' || (c == '\r' && chars.peek() == Some(&'\n'));
        if !keep {
            let o = out.get_or_insert_with(|| text.get(..at).unwrap_or_default().to_string());
            if c.len_utf8() == 3 {
                o.push('\u{fffd}');
            } else {
                o.extend(std::iter::repeat_n('?', c.len_utf8()));
            }
        } else if let Some(o) = out.as_mut() {
            o.push(c);
        }
        at += c.len_utf8();
    }
    match out {
        Some(o) => Cow::Owned(o),
        None => Cow::Borrowed(text),
    }
}

/// One `.access` file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The path as shown in diagnostics (as found, relative to where accessc was started).
    pub path: String,
    /// The name recorded in generated files: the path relative to the input folder it was
    /// found in, `/`-separated, so that output does not depend on the working directory.
    pub name: String,
    /// The text, with a leading byte-order mark removed.
    pub text: String,
    /// Whether the file is only kept for showing diagnostics (e.g. it is not UTF-8).
    pub unparsed: bool,
    /// Where it was read from, when it is a file (`path` and `name` are display forms, see
    /// [`display_name`]; only this one may be opened).
    pub file: Option<PathBuf>,
}

/// The built-in packs' files ([`crate::packs`]) with their line starts, in their order.
static BUILTIN_PACKS: LazyLock<Vec<(SourceFile, Vec<usize>)>> = LazyLock::new(|| {
    crate::packs::PACKS
        .iter()
        .map(|p| {
            let file = SourceFile {
                path: crate::packs::path(p),
                name: crate::packs::output_name(p),
                text: p.source.to_string(),
                unparsed: false,
                file: None,
            };
            let starts = std::iter::once(0)
                .chain(p.source.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            (file, starts)
        })
        .collect()
});

/// A built-in pack's file and line starts, by its reserved file id.
pub(crate) fn builtin_pack(id: FileId) -> Option<&'static (SourceFile, Vec<usize>)> {
    BUILTIN_PACKS.get(crate::packs::index(id)?)
}

/// All files of a program.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
    /// Per file, the byte offset where each line starts (for `line_col` without rescanning
    /// the text for every span).
    line_starts: Vec<Vec<usize>>,
}

impl Sources {
    /// No files.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Add a file whose name in generated files is its path; a leading BOM is dropped.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let path = path.into();
        self.add_named(path.clone(), path, text)
    }

    /// Add a file with a separate name for generated files; a leading BOM is dropped. Both
    /// names are stored in their display form ([`display_name`]): this is the one place names
    /// enter a program, so every output and message shows them that way.
    pub fn add_named(
        &mut self,
        path: impl Into<String>,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> FileId {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.replace_range(..'\u{feff}'.len_utf8(), "");
        }
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.line_starts.push(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        );
        let (path, name) = (path.into(), name.into());
        self.files.push(SourceFile {
            path: display_name(&path).into_owned(),
            name: display_name(&name).into_owned(),
            text,
            unparsed: false,
            file: None,
        });
        id
    }

    /// Give file `id` new text (an editor's change; a leading BOM is dropped); false when
    /// there is no such file.
    pub fn replace(&mut self, id: FileId, text: impl Into<String>) -> bool {
        let (Some(file), Some(starts)) = (
            self.files.get_mut(id.0 as usize),
            self.line_starts.get_mut(id.0 as usize),
        ) else {
            return false;
        };
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.replace_range(..'\u{feff}'.len_utf8(), "");
        }
        *starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        file.text = text;
        true
    }

    /// Record where a file was read from (for commands that write it back, such as `fmt`).
    pub fn set_file(&mut self, id: FileId, file: PathBuf) {
        if let Some(f) = self.files.get_mut(id.0 as usize) {
            f.file = Some(file);
        }
    }

    /// Add a file that is shown in diagnostics but not compiled (it could not be decoded).
    pub fn add_unparsed(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        let path = path.into();
        let id = self.add_named(path.clone(), path, text);
        if let Some(f) = self.files.last_mut() {
            f.unparsed = true;
        }
        id
    }

    /// A file by id (a built-in pack's file too, [`crate::packs`]).
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files
            .get(id.0 as usize)
            .or_else(|| builtin_pack(id).map(|(f, _)| f))
    }

    /// Where each line of a file starts.
    fn lines(&self, id: FileId) -> Option<&[usize]> {
        self.line_starts
            .get(id.0 as usize)
            .or_else(|| builtin_pack(id).map(|(_, l)| l))
            .map(Vec::as_slice)
    }

    /// Every file with its id.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(u32::try_from(i).unwrap_or(u32::MAX)), f))
    }

    /// The path of a file (empty when unknown).
    pub fn path(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.path.as_str()).unwrap_or("")
    }

    /// The source text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }

    /// 1-based line and column (in characters) of a span's start.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let Some(f) = self.get(span.file) else {
            return (1, 1);
        };
        let start = (span.start as usize).min(f.text.len());
        if !f.text.is_char_boundary(start) {
            return (1, 1);
        }
        let Some(starts) = self.lines(span.file) else {
            return (1, 1);
        };
        // Lines that start at or before `start` (the first starts at 0).
        let line = starts.partition_point(|&s| s <= start).max(1);
        let line_start = starts.get(line - 1).copied().unwrap_or(0).min(start);
        let col = f
            .text
            .get(line_start..start)
            .map_or(0, |l| l.chars().count())
            + 1;
        (line, col)
    }

    /// The name of a file in generated output (empty when unknown).
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.name.as_str()).unwrap_or("")
    }

    /// `path:line` of a span, for messages that point at another declaration.
    pub fn location(&self, span: Span) -> String {
        let (line, _) = self.line_col(span);
        format!("{}:{}", self.path(span.file), line)
    }

    /// `name:line` of a span, for generated output.
    pub fn output_location(&self, span: Span) -> String {
        let (line, _) = self.line_col(span);
        format!("{}:{}", self.name(span.file), line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_keep_ordinary_names_and_escape_the_rest() {
        for name in [
            "apps/payments.access",
            "team a/b_c-d+e@f=g~h:i^j.access",
            "équipe/日本語.access",
        ] {
            assert!(matches!(display_name(name), Cow::Borrowed(n) if n == name));
        }
        assert_eq!(
            display_name("x\n---\n#.access"),
            "x\\u{a}---\\u{a}\\u{23}.access"
        );
        assert_eq!(
            display_name("a<!--`*\\$,{"),
            "a\\u{3c}\\u{21}--\\u{60}\\u{2a}\\u{5c}\\u{24}\\u{2c}\\u{7b}"
        );
        assert_eq!(
            display_name("\u{202e}\u{2028}\u{85}\u{1b}"),
            "\\u{202e}\\u{2028}\\u{85}\\u{1b}"
        );
    }

    #[test]
    fn masking_keeps_offsets() {
        let text = "a\u{1b}[2J\u{202e}b\u{9b}c\r\nd\re\n";
        let masked = mask_hidden(text);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "a?[2J\u{fffd}b??c\r\nd?e\n");
        assert!(matches!(mask_hidden("plain\r\ntext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn names_enter_in_their_display_form() {
        let mut sources = Sources::new();
        let id = sources.add_named("src/x\ny.access", "x\ny.access", "");
        assert_eq!(sources.path(id), "src/x\\u{a}y.access");
        assert_eq!(sources.name(id), "x\\u{a}y.access");
    }
}
