//! Where emitters put their artifacts: kept in memory (`compile`: tests, `diff`, `explain`), or
//! handed over one by one, as they are made, to a sink — a build or check streams them to the
//! writer, which compares (and stages) each at once, and only their descriptions are kept. A
//! large build thus never holds its whole output in memory.
//!
//! Emission knows nothing of what the sink is: what it makes of an artifact (`T`, a
//! [`Receipt`]) and how it fails (`E`) are the sink's own types, handed back to the caller
//! untouched. An `Out` without a sink uses [`Infallible`] for both.

use std::convert::Infallible;

use super::target::Targets;
use super::Artifact;

/// Takes one artifact (from any emitter thread) and says what became of it (`T`), or why it
/// could not take it (`E`).
pub type Sink<'s, T, E> = dyn Fn(&Artifact) -> Result<T, E> + Sync + 's;

/// What a sink made of one artifact, as far as emission needs it: `manifest.json` lists the
/// SHA-256 of each artifact's contents, which a streaming sink computes (and the artifact is
/// kept without its contents).
pub trait Receipt {
    /// SHA-256 of the artifact's contents.
    fn sha256(&self) -> &[u8; 32];
}

/// An [`Out`] that keeps every artifact in memory: it has no sink, so nothing to receive and
/// nothing to fail.
pub type Memory<'s> = Out<'s, Infallible, Infallible>;

/// The artifacts of one emitter (or of several, in order); `T` and `E` are its sink's.
pub struct Out<'s, T, E> {
    items: Vec<Artifact>,
    stream: Option<(&'s Sink<'s, T, E>, &'s Targets)>,
    taken: Vec<T>,
    error: Option<E>,
}

impl<T, E> Default for Out<'_, T, E> {
    fn default() -> Self {
        Out::new()
    }
}

impl<'s, T, E> Out<'s, T, E> {
    /// Keep every artifact in memory.
    pub fn new() -> Out<'s, T, E> {
        Out {
            items: Vec::new(),
            stream: None,
            taken: Vec::new(),
            error: None,
        }
    }

    /// Hand the artifacts of the selected targets to `sink` as they come, keeping them without
    /// their contents; the others are dropped.
    pub fn streaming(sink: &'s Sink<'s, T, E>, targets: &'s Targets) -> Out<'s, T, E> {
        Out {
            stream: Some((sink, targets)),
            ..Out::new()
        }
    }

    /// Like this one: the same sink, nothing in it yet (for another emitter thread).
    pub fn sibling(&self) -> Out<'s, T, E> {
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
    pub fn append(&mut self, other: Out<'s, T, E>) {
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
    pub fn finish(self) -> Result<(Vec<Artifact>, Vec<T>), E> {
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.items, self.taken)),
        }
    }
}
