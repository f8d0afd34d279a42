//! `manifest.json`: every artifact with its kind, cluster, account, sources and content hash,
//! plus each cluster's authentication mode. The writer uses it to know which files accessc owns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Artifact;
use crate::ir::Ir;
use crate::source::Sources;

/// The manifest's file name.
pub const FILE: &str = "manifest.json";

/// The manifest document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// `accessc VERSION`.
    pub generator: String,
    /// Per cluster: its settings that later builds compare against.
    #[serde(default)]
    pub clusters: BTreeMap<String, ClusterEntry>,
    /// Every artifact except the manifest itself, sorted by path.
    pub artifacts: Vec<Entry>,
}

/// What the manifest records of a cluster.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ClusterEntry {
    /// The EKS authentication mode (`API`, …).
    pub authentication_mode: String,
}

/// One artifact.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Path relative to the output folder.
    pub path: String,
    /// Kind.
    pub kind: String,
    /// Cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `file:line` of each declaration it came from.
    pub sources: Vec<String>,
    /// SHA-256 of the contents, hex.
    pub sha256: String,
}

/// Hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    hex
}

/// One artifact's entry.
fn entry(a: &Artifact, sources: &Sources) -> Entry {
    Entry {
        path: a.path.clone(),
        kind: a.kind.to_string(),
        cluster: a.cluster.clone(),
        account: a.account.clone(),
        sources: {
            let mut s: Vec<String> = a
                .sources
                .iter()
                .map(|sp| sources.output_location(*sp))
                .collect();
            s.sort();
            s.dedup();
            s
        },
        sha256: sha256(a.contents.as_bytes()),
    }
}

/// The manifest as it is written: [`Manifest`]'s fields (a test checks that both give the same
/// text), with each entry made while it is serialised rather than all collected first (10,000
/// apps have 130,000 artifacts: tens of megabytes of entries).
#[derive(Serialize)]
struct ManifestOut<'a> {
    generator: String,
    clusters: BTreeMap<String, ClusterEntry>,
    artifacts: EntriesOut<'a>,
}

struct EntriesOut<'a> {
    artifacts: &'a [Artifact],
    sources: &'a Sources,
}

impl Serialize for EntriesOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.artifacts.iter().map(|a| entry(a, self.sources)))
    }
}

/// Build the manifest artifact.
pub fn emit(ir: &Ir, artifacts: &[Artifact], sources: &Sources) -> Artifact {
    let manifest = ManifestOut {
        generator: format!("accessc {}", env!("CARGO_PKG_VERSION")),
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
        artifacts: EntriesOut { artifacts, sources },
    };
    // Sized up front, about 10 % over (an entry is its path and kind plus about 250 bytes), so
    // that the text is not copied as it grows; then trimmed.
    let estimate = 4096
        + artifacts
            .iter()
            .map(|a| 220 + a.path.len() + a.kind.len() + 48 * a.sources.len())
            .sum::<usize>();
    let mut buf = Vec::with_capacity(estimate);
    let contents = match serde_json::to_writer_pretty(&mut buf, &manifest) {
        Ok(()) => {
            buf.push(b'\n');
            buf.shrink_to_fit();
            String::from_utf8(buf).unwrap_or_default()
        }
        Err(_) => String::new(),
    };
    Artifact {
        path: FILE.to_string(),
        kind: "manifest",
        cluster: None,
        account: None,
        sources: Vec::new(),
        contents,
    }
}

/// Read a manifest (None when absent or unreadable as a manifest).
pub fn parse(text: &str) -> Option<Manifest> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let artifacts = vec![
            art(
                "a/one.yaml",
                Some("prod"),
                vec![span(16), span(0), span(16)],
            ),
            art("b/two.json", None, vec![]),
        ];
        let ir = Ir::default();
        let streamed = emit(&ir, &artifacts, &sources).contents;
        let collected = super::super::json::pretty(&Manifest {
            generator: format!("accessc {}", env!("CARGO_PKG_VERSION")),
            clusters: BTreeMap::new(),
            artifacts: artifacts.iter().map(|a| entry(a, &sources)).collect(),
        });
        assert_eq!(streamed, collected);
        assert!(streamed.contains("\"a.access:1\""));
        assert!(streamed.contains("\"a.access:3\""));
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
