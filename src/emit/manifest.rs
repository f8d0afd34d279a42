//! `manifest.json`: every artifact with its kind, cluster, account, sources and content hash,
//! plus each cluster's authentication mode. The writer uses it to know which files accessc owns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::json::{raw, to_pretty_at, to_pretty_sized};
use super::Artifact;
use crate::ir::Ir;
use crate::source::Sources;

/// The manifest's file name.
pub const FILE: &str = super::layout::MANIFEST;

/// The manifest document (`E`: an artifact's [`Entry`], whose strings [`emit`] borrows).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest<E = Entry> {
    /// `accessc VERSION`.
    pub generator: String,
    /// Per cluster: its settings that later builds compare against.
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterEntry>,
    /// Every artifact except the manifest itself, sorted by path.
    pub artifacts: Vec<E>,
}

/// What the manifest records of a cluster.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClusterEntry {
    /// The EKS authentication mode (`API`, …).
    pub authentication_mode: String,
}

/// One artifact (`S`: its strings, borrowed from the artifact when [`emit`] writes them).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry<S = String> {
    /// Path relative to the output folder.
    pub path: S,
    /// Kind.
    pub kind: S,
    /// Cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<S>,
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<S>,
    /// `file:line` of each declaration it came from.
    pub sources: Vec<String>,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
}

pub use crate::hash::sha256_hex as sha256;

/// One artifact's entry, from the SHA-256 of its contents.
fn entry<'a>(a: &'a Artifact, digest: &[u8; 32], sources: &Sources) -> Entry<&'a str> {
    let mut list: Vec<String> = a
        .sources
        .iter()
        .map(|span| sources.output_location(*span))
        .collect();
    // Sorted and without duplicates, as text (`a:10` before `a:9`).
    list.sort_unstable();
    list.dedup();
    let mut hex = [0u8; 64];
    Entry {
        path: &a.path,
        kind: a.kind,
        cluster: a.cluster.as_deref(),
        account: a.account.as_deref(),
        sources: list,
        sha256: hex_of(digest, &mut hex).to_string(),
    }
}

/// The SHA-256 of each artifact's contents, on a few threads when there are many (10,000 apps
/// have 223 MB of artifacts; hashing them is most of the manifest's time).
fn digests(artifacts: &[Artifact]) -> Vec<[u8; 32]> {
    // At least 2 MB of text per thread: below that a thread costs more than it saves.
    crate::hash::sha256_all(artifacts, |a| a.contents.as_bytes(), 2 << 20)
}

/// The hex of a digest, into `hex`.
fn hex_of<'h>(digest: &[u8; 32], hex: &'h mut [u8; 64]) -> &'h str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in digest.iter().enumerate() {
        hex[2 * i] = HEX[usize::from(b >> 4)];
        hex[2 * i + 1] = HEX[usize::from(b & 0x0f)];
    }
    std::str::from_utf8(hex).unwrap_or_default()
}

/// The depth of an artifact's entry in the manifest (the document, `artifacts`, its items).
const ENTRY_DEPTH: usize = 2;

/// An artifact with the SHA-256 of its contents.
type Hashed<'a> = (&'a Artifact, &'a [u8; 32]);

/// Build the manifest artifact: [`Manifest`]'s text.
pub fn emit(ir: &Ir, artifacts: &[Artifact], sources: &Sources) -> Artifact {
    let digests = digests(artifacts);
    emit_hashed(ir, artifacts.iter().zip(&digests), sources)
}

/// [`emit`] from each artifact's SHA-256, already known (a streaming build hashes each file as
/// it is made and keeps the artifacts without their contents).
pub fn emit_hashed<'a, I>(ir: &Ir, entries: I, sources: &Sources) -> Artifact
where
    I: Iterator<Item = (&'a Artifact, &'a [u8; 32])> + Clone,
{
    // The entries are made in runs, on several threads for a large program (10,000 apps have
    // 130,000 artifacts: their sources' lines and hashes are most of the work), then the
    // document is serialised once.
    // A little over (an entry is its fields plus about 200 bytes of keys, quotes, indentation
    // and hash; a source is `file:line`), so that the text of a large program (tens of
    // megabytes) is never copied as it grows.
    let estimate = 4096
        + entries
            .clone()
            .map(|(a, _)| {
                230 + a.path.len()
                    + a.kind.len()
                    + a.cluster.as_ref().map_or(0, |c| 24 + c.len())
                    + a.account.as_ref().map_or(0, |c| 24 + c.len())
                    + a.sources
                        .iter()
                        .map(|s| 24 + sources.name(s.file).len())
                        .sum::<usize>()
            })
            .sum::<usize>();
    let entries: Vec<Hashed<'_>> = entries.collect();
    let runs: Vec<&[Hashed<'_>]> = entries.chunks(1024).collect();
    let texts = crate::par::map(
        &runs,
        |run| run.len(),
        2048,
        // Each entry's text at its depth in the document (`artifacts`' items), so that the
        // serial part below only pastes them.
        |run| {
            run.iter()
                .map(|(a, digest)| raw(to_pretty_at(&entry(a, digest, sources), ENTRY_DEPTH)))
                .collect::<Vec<_>>()
        },
    );
    let manifest = Manifest {
        generator: concat!("accessc ", env!("CARGO_PKG_VERSION")).to_string(),
        clusters: ir
            .clusters
            .iter()
            .map(|(name, c)| {
                (
                    name.clone(),
                    ClusterEntry {
                        authentication_mode: c.auth_mode.eks_value().to_string(),
                    },
                )
            })
            .collect(),
        artifacts: texts.into_iter().flatten().collect(),
    };
    Artifact {
        path: FILE.to_string(),
        kind: "manifest",
        cluster: None,
        account: None,
        sources: Vec::new(),
        contents: to_pretty_sized(&manifest, estimate),
    }
}

/// Read a manifest (None when absent or unreadable as a manifest).
pub fn parse(text: &str) -> Option<Manifest> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::json::to_pretty;

    #[test]
    fn streamed_manifest_is_the_manifest_pretty_printed() {
        let mut sources = Sources::new();
        let file = sources.add("a.access", "app a in ns {}\n\napp b in ns {}\n");
        let span = |start| crate::ast::Span::new(file, start, start + 3);
        let art = |path: &str, cluster: Option<&str>, spans: Vec<crate::ast::Span>| Artifact {
            path: path.to_string(),
            kind: "k8s-role",
            cluster: cluster.map(str::to_string),
            account: None,
            sources: spans,
            contents: format!("contents of {path}\n"),
        };
        let mut artifacts = vec![
            art(
                "a/one.yaml",
                Some("prod"),
                vec![span(16), span(0), span(16)],
            ),
            art("b/two.json", None, vec![]),
            art("c/three.json", None, vec![span(0)]),
        ];
        for (i, t) in crate::emit::json::tests::tricky().into_iter().enumerate() {
            let mut a = art(&t, Some(&t), vec![span(0); i % 3]);
            a.account = Some(t.clone());
            a.contents = t;
            artifacts.push(a);
        }
        let ir = Ir::default();
        let streamed = emit(&ir, &artifacts, &sources).contents;
        let collected = Manifest {
            generator: format!("accessc {}", env!("CARGO_PKG_VERSION")),
            clusters: BTreeMap::new(),
            artifacts: artifacts
                .iter()
                .zip(&digests(&artifacts))
                .map(|(a, d)| entry(a, d, &sources))
                .collect(),
        };
        // The pasted entries are the document's own text, and read back as it.
        assert_eq!(streamed, to_pretty(&collected));
        // It reads back as the same document.
        assert_eq!(to_pretty(&parse(&streamed).unwrap()), streamed);
        for (a, e) in artifacts.iter().zip(&parse(&streamed).unwrap().artifacts) {
            assert_eq!(e.sha256, sha256(a.contents.as_bytes()));
        }
        assert!(streamed.contains("\"a.access:1\""));
        assert!(streamed.contains("\"a.access:3\""));
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn digests_on_threads_are_each_artifacts_digest() {
        let artifacts: Vec<Artifact> = (0..101)
            .map(|i| Artifact {
                path: format!("{i}"),
                kind: "k",
                cluster: None,
                account: None,
                sources: Vec::new(),
                contents: format!("{i}").repeat(60_000 + i),
            })
            .collect();
        let hex = |d: &[u8; 32]| hex_of(d, &mut [0u8; 64]).to_string();
        let got: Vec<String> = digests(&artifacts).iter().map(hex).collect();
        let want: Vec<String> = artifacts
            .iter()
            .map(|a| sha256(a.contents.as_bytes()))
            .collect();
        assert_eq!(got, want);
    }
}
