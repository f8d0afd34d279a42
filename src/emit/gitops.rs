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

use std::collections::HashMap;

use serde::Serialize;

use super::k8s::yaml;
use super::layout::{self, ArtifactPath};
use super::Artifact;
use crate::ast::{FileId, Span};
use crate::ir::Ir;
use crate::source::Sources;

/// The kustomization's file name.
pub const FILE: &str = layout::KUSTOMIZATION;

#[derive(Serialize)]
struct Kustomization<'a> {
    resources: Vec<&'a str>,
}

/// The manifests of each cluster (in the order of `ir.clusters`) among `artifacts`, by their path
/// relative to the cluster's folder, sorted; for a path written twice, the last artifact.
fn manifests<'a>(ir: &Ir, artifacts: &'a [Artifact]) -> Vec<Vec<(&'a str, &'a Artifact)>> {
    let names: Vec<&str> = ir.clusters.values().map(|c| c.name.as_str()).collect();
    let mut per: Vec<Vec<(&str, &Artifact)>> = vec![Vec::new(); names.len()];
    let index: HashMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let manifest = |rel: &str| rel.ends_with(".yaml") && rel != FILE;
    if index.len() == names.len() && names.iter().all(|n| !n.contains('/')) {
        // One pass: `clusters/<cluster>/kubernetes/<rel>`.
        for a in artifacts {
            let Some((cluster, rel)) = layout::kubernetes_rel(&a.path) else {
                continue;
            };
            if manifest(rel) {
                if let Some(&i) = index.get(cluster) {
                    per[i].push((rel, a));
                }
            }
        }
    } else {
        for (name, list) in names.iter().zip(&mut per) {
            for a in artifacts {
                if let Some(rel) = layout::kubernetes_rel_of(&a.path, name) {
                    if manifest(rel) {
                        list.push((rel, a));
                    }
                }
            }
        }
    }
    for list in &mut per {
        // Stable: of equal paths, the last artifact wins (as a map insert would have it).
        list.sort_by(|a, b| a.0.cmp(b.0));
        let mut kept = 0;
        for i in 0..list.len() {
            if kept > 0 && list[kept - 1].0 == list[i].0 {
                list[kept - 1] = list[i];
            } else {
                list[kept] = list[i];
                kept += 1;
            }
        }
        list.truncate(kept);
    }
    per
}

/// One kustomization per cluster, listing the cluster's manifests among `artifacts`.
pub fn emit(ir: &Ir, sources: &Sources, artifacts: &[Artifact]) -> Vec<Artifact> {
    let mut out = Vec::with_capacity(ir.clusters.len());
    for (c, resources) in ir.clusters.values().zip(manifests(ir, artifacts)) {
        let mut spans: Vec<Span> = Vec::with_capacity(1 + resources.len());
        spans.push(c.span);
        spans.extend(
            resources
                .iter()
                .flat_map(|(_, a)| a.sources.iter().copied()),
        );
        // The source files, by name: dedup the (many) ids first.
        let mut ids: Vec<FileId> = spans.iter().map(|s| s.file).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut files: Vec<&str> = ids.iter().map(|&f| sources.name(f)).collect();
        files.sort_unstable();
        files.dedup();
        let resources: Vec<&str> = resources.iter().map(|(rel, _)| *rel).collect();
        let source = files.join(", ");
        let contents = yaml(&Kustomization { resources }, &source);
        out.push(Artifact {
            path: ArtifactPath::Kustomization { cluster: &c.name }.render(),
            kind: "gitops-kustomization",
            cluster: Some(c.name.clone()),
            account: Some(c.account.clone()),
            sources: spans,
            contents,
        });
    }
    out
}
