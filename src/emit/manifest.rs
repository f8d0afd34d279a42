//! `manifest.json`: every artifact with its kind, cluster, account, sources and content hash,
//! plus each cluster's authentication mode. The writer uses it to know which files accessc owns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::json::pretty;
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
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Build the manifest artifact.
pub fn emit(ir: &Ir, artifacts: &[Artifact], sources: &Sources) -> Artifact {
    let manifest = Manifest {
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
        artifacts: artifacts
            .iter()
            .map(|a| Entry {
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
            })
            .collect(),
    };
    Artifact {
        path: FILE.to_string(),
        kind: "manifest",
        cluster: None,
        account: None,
        sources: Vec::new(),
        contents: pretty(&manifest),
    }
}

/// Read a manifest (None when absent or unreadable as a manifest).
pub fn parse(text: &str) -> Option<Manifest> {
    serde_json::from_str(text).ok()
}
