//! EKS cluster access: `aws eks create-access-entry` and `associate-access-policy` inputs, and
//! the `accessConfig` of `aws eks create-cluster`.
//!
//! ```text
//! clusters/<cluster>/eks/create-cluster.json
//! clusters/<cluster>/eks/access-entries/<access>.create-access-entry.json
//! clusters/<cluster>/eks/access-entries/<access>.associate-access-policy.json
//! clusters/<cluster>/eks/access-entries/_nodes.create-access-entry.json
//! ```

use super::json::{render, Json};
use super::layout::ArtifactPath;
use super::Artifact;
use crate::ir::{AccessScope, Ir};

/// `tags`: what declared it, and `managed-by`.
fn write_tags(w: &mut Json<'_>, origin: &str) {
    w.key("tags");
    w.begin_object();
    w.str_member("accessc-source", origin);
    w.str_member("managed-by", "accessc");
    w.end_object();
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
            contents: render(true, |w| {
                w.begin_object();
                w.str_member("name", &c.eks_name);
                w.key("accessConfig");
                w.begin_object();
                w.str_member("authenticationMode", c.mode.eks_value());
                w.key("bootstrapClusterCreatorAdminPermissions");
                w.bool(c.bootstrap_admin);
                w.end_object();
                w.end_object();
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
            contents: render(true, |w| {
                w.begin_object();
                w.str_member("clusterName", &e.eks_name);
                w.str_member("principalArn", &e.principal_arn);
                w.str_member("type", e.entry_type.eks_value());
                if !e.groups.is_empty() {
                    w.key("kubernetesGroups");
                    w.str_array(&e.groups);
                }
                if let Some(username) = &e.username {
                    w.str_member("username", username);
                }
                write_tags(w, &e.origin.what);
                w.end_object();
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
            contents: render(true, |w| {
                w.begin_object();
                w.str_member("clusterName", &a.eks_name);
                w.str_member("principalArn", &a.principal_arn);
                w.str_member("policyArn", &a.policy_arn);
                w.key("accessScope");
                w.begin_object();
                match &a.scope {
                    AccessScope::Cluster => w.str_member("type", "cluster"),
                    AccessScope::Namespaces(ns) => {
                        w.str_member("type", "namespace");
                        // An empty list is left out, as before.
                        if !ns.is_empty() {
                            w.key("namespaces");
                            w.str_array(ns);
                        }
                    }
                }
                w.end_object();
                w.end_object();
            }),
        });
    }
}
