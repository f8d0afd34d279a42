//! Where emitters put their artifacts: kept in memory (`compile`: tests, `diff`, `explain`), or
//! handed over one by one, as they are made, to a sink — a build or check streams them to the
//! writer, which compares (and stages) each at once, and only their descriptions are kept. A
//! large build thus never holds its whole output in memory.

use super::target::Targets;
use super::Artifact;
use crate::writer::{Taken, WriteError};

/// Takes one artifact (from any emitter thread) and says what became of it.
pub type Sink<'s> = dyn Fn(&Artifact) -> Result<Taken, WriteError> + Sync + 's;

/// The artifacts of one emitter (or of several, in order).
pub struct Out<'s> {
    items: Vec<Artifact>,
    stream: Option<(&'s Sink<'s>, &'s Targets)>,
    taken: Vec<Taken>,
    error: Option<WriteError>,
}

impl Default for Out<'_> {
    fn default() -> Self {
        Out::new()
    }
}

impl<'s> Out<'s> {
    /// Keep every artifact in memory.
    pub fn new() -> Out<'s> {
        Out {
            items: Vec::new(),
            stream: None,
            taken: Vec::new(),
            error: None,
        }
    }

    /// Hand the artifacts of the selected targets to `sink` as they come, keeping them without
    /// their contents; the others are dropped.
    pub fn streaming(sink: &'s Sink<'s>, targets: &'s Targets) -> Out<'s> {
        Out {
            stream: Some((sink, targets)),
            ..Out::new()
        }
    }

    /// Like this one: the same sink, nothing in it yet (for another emitter thread).
    pub fn sibling(&self) -> Out<'s> {
        Out {
            stream: self.stream,
            ..Out::new()
        }
    }

    /// Add an artifact.
    pub fn push(&mut self, mut a: Artifact) {
        let Some((sink, targets)) = self.stream else {
            self.items.push(a);
            return;
        };
        if !targets.writes(&a.path) || self.error.is_some() {
            return;
        }
        match sink(&a) {
            Ok(t) => {
                // Kept until the manifest is written: as small as it can be.
                a.contents = String::new();
                a.path.shrink_to_fit();
                a.sources.shrink_to_fit();
                self.items.push(a);
                self.taken.push(t);
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Room for `n` more artifacts.
    pub fn reserve(&mut self, n: usize) {
        self.items.reserve(n);
        if self.stream.is_some() {
            self.taken.reserve(n);
        }
    }

    /// Add artifacts.
    pub fn extend(&mut self, artifacts: impl IntoIterator<Item = Artifact>) {
        for a in artifacts {
            self.push(a);
        }
    }

    /// The artifacts so far (without contents when streaming).
    pub fn items(&self) -> &[Artifact] {
        &self.items
    }

    /// Append another `Out`'s artifacts.
    pub fn append(&mut self, other: Out<'s>) {
        self.items.extend(other.items);
        self.taken.extend(other.taken);
        if self.error.is_none() {
            self.error = other.error;
        }
    }

    /// The artifacts kept in memory (an `Out` without a sink has no failure to report).
    pub fn into_items(self) -> Vec<Artifact> {
        self.items
    }

    /// The artifacts (and, when streaming, what the sink made of each), or the sink's first
    /// error.
    pub fn finish(self) -> Result<(Vec<Artifact>, Vec<Taken>), WriteError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.items, self.taken)),
        }
    }
}
