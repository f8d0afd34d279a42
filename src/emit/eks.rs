//! EKS cluster access: `aws eks create-access-entry` and `associate-access-policy` inputs, and
//! the `accessConfig` of `aws eks create-cluster`.
//!
//! ```text
//! clusters/<cluster>/eks/create-cluster.json
//! clusters/<cluster>/eks/access-entries/<access>.create-access-entry.json
//! clusters/<cluster>/eks/access-entries/<access>.associate-access-policy.json
//! clusters/<cluster>/eks/access-entries/_nodes.create-access-entry.json
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::to_pretty;
use super::layout::ArtifactPath;
use super::Artifact;
use crate::ir::{AccessScope, Ir};

/// `tags`: what declared it, and `managed-by`.
fn tags(origin: &str) -> BTreeMap<&'static str, &str> {
    BTreeMap::from([("accessc-source", origin), ("managed-by", "accessc")])
}

/// `aws eks create-cluster --cli-input-json`: the cluster's name and `accessConfig`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateCluster<'a> {
    name: &'a str,
    access_config: AccessConfig,
}

/// `accessConfig`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessConfig {
    authentication_mode: &'static str,
    bootstrap_cluster_creator_admin_permissions: bool,
}

/// `aws eks create-access-entry --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateAccessEntry<'a> {
    cluster_name: &'a str,
    principal_arn: &'a str,
    #[serde(rename = "type")]
    entry_type: &'static str,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    kubernetes_groups: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    tags: BTreeMap<&'static str, &'a str>,
}

/// `aws eks associate-access-policy --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AssociateAccessPolicy<'a> {
    cluster_name: &'a str,
    principal_arn: &'a str,
    policy_arn: &'a str,
    access_scope: Scope<'a>,
}

/// `accessScope`: `cluster`, or `namespace` and the namespaces (an empty list left out).
#[derive(Serialize)]
struct Scope<'a> {
    #[serde(rename = "type")]
    scope_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespaces: Option<&'a std::collections::BTreeSet<String>>,
}

/// Every EKS access artifact.
pub fn emit<T, E>(ir: &Ir, out: &mut super::out::Out<'_, T, E>) {
    let account = |cluster: &str| ir.clusters.get(cluster).map(|c| c.account.clone());
    for c in &ir.access_configs {
        out.push(Artifact {
            path: ArtifactPath::CreateCluster {
                cluster: &c.cluster,
            }
            .render(),
            kind: "aws-cli-eks-create-cluster-access-config",
            cluster: Some(c.cluster.clone()),
            account: account(&c.cluster),
            sources: vec![c.span],
            contents: to_pretty(&CreateCluster {
                name: &c.eks_name,
                access_config: AccessConfig {
                    authentication_mode: c.mode.eks_value(),
                    bootstrap_cluster_creator_admin_permissions: c.bootstrap_admin,
                },
            }),
        });
    }
    for e in &ir.access_entries {
        out.push(Artifact {
            path: ArtifactPath::AccessEntry {
                cluster: &e.cluster,
                name: &e.file,
            }
            .render(),
            kind: "aws-cli-eks-create-access-entry",
            cluster: Some(e.cluster.clone()),
            account: account(&e.cluster),
            sources: vec![e.origin.span],
            contents: to_pretty(&CreateAccessEntry {
                cluster_name: &e.eks_name,
                principal_arn: &e.principal_arn,
                entry_type: e.entry_type.eks_value(),
                kubernetes_groups: &e.groups,
                username: e.username.as_deref(),
                tags: tags(&e.origin.what),
            }),
        });
    }
    for a in &ir.access_policy_associations {
        out.push(Artifact {
            path: ArtifactPath::AccessPolicy {
                cluster: &a.cluster,
                name: &a.name,
            }
            .render(),
            kind: "aws-cli-eks-associate-access-policy",
            cluster: Some(a.cluster.clone()),
            account: account(&a.cluster),
            sources: vec![a.origin.span],
            contents: to_pretty(&AssociateAccessPolicy {
                cluster_name: &a.eks_name,
                principal_arn: &a.principal_arn,
                policy_arn: &a.policy_arn,
                access_scope: match &a.scope {
                    AccessScope::Cluster => Scope {
                        scope_type: "cluster",
                        namespaces: None,
                    },
                    AccessScope::Namespaces(ns) => Scope {
                        scope_type: "namespace",
                        namespaces: (!ns.is_empty()).then_some(ns),
                    },
                },
            }),
        });
    }
}
