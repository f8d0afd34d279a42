//! Diagnostics: a stable [`Code`], a message, the span it points at, and a help line.
//!
//! Every phase reports problems as [`Diag`]s; [`render`] turns them into text for people
//! (miette), a one-line-per-problem form, or JSON.

pub mod codes;
pub mod render;

pub use codes::{Code, Severity};

use crate::ast::Span;

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    /// Stable code.
    pub code: Code,
    /// Error or warning (defaults to the code's).
    pub severity: Severity,
    /// One line, lowercase, no final period.
    pub message: String,
    /// Where (None for problems without a place, e.g. an unreadable file).
    pub span: Option<Span>,
    /// Text under the primary span.
    pub label: Option<String>,
    /// Advice.
    pub help: Option<String>,
    /// Secondary places, e.g. the first declaration of a duplicate.
    pub related: Vec<(Span, String)>,
}

impl Diag {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Diag {
        Diag {
            code,
            severity: code.severity(),
            message: message.into(),
            span: None,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    /// Point at a span.
    pub fn at(mut self, span: Span) -> Diag {
        self.span = Some(span);
        self
    }

    /// Label the primary span.
    pub fn label(mut self, label: impl Into<String>) -> Diag {
        self.label = Some(label.into());
        self
    }

    /// Add advice.
    pub fn help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    /// Add advice when there is some.
    pub fn maybe_help(mut self, help: Option<String>) -> Diag {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Add a secondary place.
    pub fn related(mut self, span: Span, label: impl Into<String>) -> Diag {
        self.related.push((span, label.into()));
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sort diagnostics by place, then code, and drop exact duplicates.
pub fn sort(diags: &mut Vec<Diag>) {
    diags.sort_by(|a, b| {
        (a.span.map(|s| (s.file, s.start, s.end)), a.code, &a.message).cmp(&(
            b.span.map(|s| (s.file, s.start, s.end)),
            b.code,
            &b.message,
        ))
    });
    diags.dedup();
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diag]) -> bool {
    diags.iter().any(Diag::is_error)
}

/// `did you mean `x`?` help from a suggestion.
pub fn did_you_mean(suggestion: Option<&str>) -> Option<String> {
    suggestion.map(|s| format!("did you mean `{s}`?"))
}
