//! What `build` would change, as permission changes per principal, then the text diff of the
//! changed files: the data of `accessc diff` (src/cli/diff.rs reads the two sides and prints
//! the report).
//!
//! The base is the committed output folder, another output folder, or the program at a git
//! revision, compiled. Both sides are sets of generated files ([`Files`]), and both are read
//! into one [`model::Model`] by the same code, so that every form compares alike.

pub mod compare;
pub mod diagram;
pub mod files;
pub mod model;
pub mod render;

use clap::ValueEnum;

pub use compare::{Change, PrincipalReport};
pub use files::{FileChange, FileStatus};
pub use model::{Files, Model};

/// A diff: the permission changes and the changed files.
#[derive(Clone, Debug)]
pub struct Report {
    /// What the new output is compared with, in words.
    pub base: String,
    /// Principals whose permissions change.
    pub principals: Vec<PrincipalReport>,
    /// Files that change.
    pub files: Vec<FileChange>,
    /// The access-graph edges the change adds or removes ([`diagram`]), drawn in Markdown.
    pub diagram: diagram::Delta,
}

impl Report {
    /// Whether anything would change.
    pub fn changed(&self) -> bool {
        !self.files.is_empty()
    }

    /// How many permission changes there are.
    pub fn permission_changes(&self) -> usize {
        self.principals.iter().map(|p| p.changes.len()).sum()
    }

    /// Render in a format.
    pub fn render(&self, format: DiffFormat) -> String {
        match format {
            DiffFormat::Text => render::text(self),
            DiffFormat::Markdown => render::markdown(self),
            DiffFormat::Json => render::json(self),
        }
    }
}

/// Compare two sets of generated files.
pub fn diff_files(base: &Files, new: &Files, base_label: &str) -> Report {
    let (old, new_model) = (Model::read(base), Model::read(new));
    Report {
        base: base_label.to_string(),
        principals: compare::compare(&old, &new_model),
        files: files::changes(base, new),
        diagram: diagram::delta(&old, &new_model),
    }
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// Readable text with a unified diff.
    #[default]
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JSON.
    Json,
}
