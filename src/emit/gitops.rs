//! GitOps: a `kustomization.yaml` per cluster listing every manifest accessc writes for it, so
//! that Argo CD, Flux or `kubectl apply -k` take the cluster's folder as it is.
//!
//! ```text
//! clusters/<cluster>/kubernetes/kustomization.yaml
//! ```
//!
//! The resources are the paths relative to the kustomization, sorted (`_cluster/` first, then
//! the namespaces). The kustomization has no `apiVersion`/`kind`: both are optional for
//! kustomize (and for the controllers built on it), and a `kustomize.config.k8s.io` object is
//! not one that any Kubernetes API server serves, so schema validators of manifests would reject
//! it. It must run after every emitter of Kubernetes manifests.

use std::collections::BTreeMap;

use serde::Serialize;

use super::k8s::yaml;
use super::yaml::Writer;
use super::Artifact;
use crate::ast::Span;
use crate::ir::Ir;
use crate::source::Sources;

/// The kustomization's file name.
pub const FILE: &str = "kustomization.yaml";

#[derive(Serialize)]
struct Kustomization<'a> {
    resources: Vec<&'a str>,
}

/// The folder of a cluster's manifests.
pub fn cluster_dir(cluster: &str) -> String {
    format!("clusters/{cluster}/kubernetes")
}

/// One kustomization per cluster, listing the cluster's manifests among `artifacts`.
pub fn emit(ir: &Ir, sources: &Sources, artifacts: &[Artifact]) -> Vec<Artifact> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for c in ir.clusters.values() {
        let base = cluster_dir(&c.name);
        let prefix = format!("{base}/");
        let mut resources: BTreeMap<&str, &Artifact> = BTreeMap::new();
        for a in artifacts {
            if let Some(rel) = a.path.strip_prefix(&prefix) {
                if rel.ends_with(".yaml") && rel != FILE {
                    resources.insert(rel, a);
                }
            }
        }
        let mut spans: Vec<Span> = vec![c.span];
        spans.extend(resources.values().flat_map(|a| a.sources.iter().copied()));
        let mut files: Vec<&str> = spans.iter().map(|s| sources.name(s.file)).collect();
        files.sort_unstable();
        files.dedup();
        let resources: Vec<&str> = resources.keys().copied().collect();
        let source = files.join(", ");
        let mut w = Writer::with_header(&mut buf, &source);
        w.seq(0, "resources", &resources);
        let contents = w
            .finish()
            .unwrap_or_else(|| yaml(&Kustomization { resources }, &source));
        out.push(Artifact {
            path: format!("{prefix}{FILE}"),
            kind: "gitops-kustomization",
            cluster: Some(c.name.clone()),
            account: Some(c.account.clone()),
            sources: spans,
            contents,
        });
    }
    out
}
