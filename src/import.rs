//! Importers: existing configuration → `.access` source, for migrations.
//!
//! [`aws_auth`] turns an aws-auth ConfigMap into `access` declarations. Importers are pure:
//! text in, text and notes out; the command line reads and writes the files.

pub mod aws_auth;

use std::fmt;

/// How serious a note about an import is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NoteKind {
    /// Something of the input that the `.access` output does not carry.
    NotImported,
    /// Imported, but a person should look at it.
    Review,
    /// For information.
    Info,
}

/// A remark about an import, printed next to the output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What kind of remark.
    pub kind: NoteKind,
    /// One line.
    pub message: String,
}

impl Note {
    fn new(kind: NoteKind, message: impl Into<String>) -> Note {
        Note {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.kind {
            NoteKind::NotImported => "not imported",
            NoteKind::Review => "review",
            NoteKind::Info => "note",
        };
        // The message quotes the ConfigMap: nothing hidden in it reaches the terminal.
        write!(
            f,
            "{label}: {}",
            crate::source::show_hidden(&self.message, false)
        )
    }
}
