//! The formatter's document: what a file holds once its layout is forgotten — declarations,
//! block items, the tokens of each item with the clauses it may break at, and every comment with
//! where it stood (own line or end of line) and whether a blank line came before it.

/// An own-line comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The text from `#`, trailing whitespace removed.
    pub text: String,
    /// Whether a blank line came before it.
    pub blank_before: bool,
}

/// One token of a line, or a comment between two tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A token (a keyword, a name, a string, `=`, `[`, `]`; a list comma is glued to the item
    /// before it).
    Word {
        /// The text, as written.
        text: String,
        /// Glued to the word before it (no space): `]`, and the first item after `[`.
        join: bool,
        /// Starts a clause (`on`, `when`, `and`, `unsafe`, `named`, `by`, a rule's resources):
        /// a long line breaks before clauses first.
        clause: bool,
    },
    /// A comment between two tokens of the same item.
    Comment {
        /// The text from `#`.
        text: String,
        /// Written at the end of the line of the token before it.
        trailing: bool,
    },
}

/// The tokens of one item (a setting, a grant, a rule, a declaration head).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    /// Tokens and comments, in order.
    pub pieces: Vec<Piece>,
}

impl Line {
    /// Add a token.
    pub fn word(&mut self, text: impl Into<String>, join: bool, clause: bool) {
        self.pieces.push(Piece::Word {
            text: text.into(),
            join,
            clause,
        });
    }

    /// Whether a comment sits between its tokens.
    pub fn has_comments(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Comment { .. }))
    }

    /// The first token's text.
    pub fn first_word(&self) -> Option<&str> {
        self.pieces.iter().find_map(|p| match p {
            Piece::Word { text, .. } => Some(text.as_str()),
            Piece::Comment { .. } => None,
        })
    }

    /// The last token, to glue a comma to.
    pub fn last_word_mut(&mut self) -> Option<&mut String> {
        self.pieces.iter_mut().rev().find_map(|p| match p {
            Piece::Word { text, .. } => Some(text),
            Piece::Comment { .. } => None,
        })
    }
}

/// How an item lines up with its neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Nothing to align.
    None,
    /// A setting: `=` signs line up.
    Key,
    /// A grant, boundary statement or resource grant: its leading keyword is padded.
    Keyword,
}

/// A `{ … }` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The tokens up to and including `{`.
    pub head: Line,
    /// A comment at the end of the `{` line.
    pub head_trailing: Option<String>,
    /// The items.
    pub items: Vec<Item>,
    /// Own-line comments after the last item, before `}`.
    pub closing: Vec<Comment>,
    /// A top-level declaration: may be written on one line when it holds one setting.
    pub top_level: bool,
}

/// What an item is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Tokens only.
    Line(Line),
    /// A head and a body.
    Block(Block),
}

/// A declaration, or an item of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Own-line comments before it.
    pub leading: Vec<Comment>,
    /// Whether a blank line came right before its first token.
    pub blank_before: bool,
    /// The item.
    pub kind: Kind,
    /// A comment at the end of its last line.
    pub trailing: Option<String>,
    /// How it lines up with its neighbours.
    pub align: Align,
}

impl Item {
    /// Whether a blank line came before the item or its first leading comment.
    pub fn starts_after_blank(&self) -> bool {
        match self.leading.first() {
            Some(c) => c.blank_before,
            None => self.blank_before,
        }
    }
}

/// A whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// Its declarations.
    pub items: Vec<Item>,
    /// Own-line comments after the last declaration.
    pub end: Vec<Comment>,
}
