//! The aws-auth ConfigMap of `config_map` / `api_and_config_map` clusters, and the bindings of
//! access groups to the built-in `cluster-admin`, `admin`, `edit` and `view` ClusterRoles.
//!
//! ```text
//! clusters/<cluster>/kubernetes/kube-system/configmap-aws-auth.yaml
//! clusters/<cluster>/kubernetes/<ns>/rolebinding-access.<access>.<clusterrole>.yaml
//! clusters/<cluster>/kubernetes/_cluster/clusterrolebinding-access.<access>.<clusterrole>.yaml
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use super::k8s::{dir, yaml};
use super::Artifact;
use crate::ir::{AwsAuthMapping, Ir};
use crate::source::Sources;

const RBAC: &str = "rbac.authorization.k8s.io/v1";

#[derive(Serialize)]
struct Metadata {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    labels: BTreeMap<&'static str, &'static str>,
}

fn metadata(name: &str, namespace: Option<&str>) -> Metadata {
    Metadata {
        name: name.to_string(),
        namespace: namespace.map(str::to_string),
        labels: BTreeMap::from([("app.kubernetes.io/managed-by", "accessc")]),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigMapDoc {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    data: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct RoleMapping<'a> {
    rolearn: &'a str,
    username: &'a str,
    groups: &'a [String],
}

#[derive(Serialize)]
struct UserMapping<'a> {
    userarn: &'a str,
    username: &'a str,
    groups: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleRef<'a> {
    api_group: &'static str,
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SubjectDoc<'a> {
    kind: &'static str,
    name: &'a str,
    api_group: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BindingDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    role_ref: RoleRef<'a>,
    subjects: Vec<SubjectDoc<'a>>,
}

/// The `mapRoles` text of aws-auth: a YAML list inside the ConfigMap.
pub fn map_roles(mappings: &[AwsAuthMapping]) -> String {
    let items: Vec<RoleMapping<'_>> = mappings
        .iter()
        .map(|m| RoleMapping {
            rolearn: &m.arn,
            username: &m.username,
            groups: &m.groups,
        })
        .collect();
    serde_yaml::to_string(&items).unwrap_or_default()
}

/// The `mapUsers` text of aws-auth.
pub fn map_users(mappings: &[AwsAuthMapping]) -> String {
    let items: Vec<UserMapping<'_>> = mappings
        .iter()
        .map(|m| UserMapping {
            userarn: &m.arn,
            username: &m.username,
            groups: &m.groups,
        })
        .collect();
    serde_yaml::to_string(&items).unwrap_or_default()
}

/// The aws-auth ConfigMaps and the group bindings.
pub fn emit(ir: &Ir, sources: &Sources, out: &mut Vec<Artifact>) {
    let account = |cluster: &str| ir.clusters.get(cluster).map(|c| c.account.clone());
    for auth in &ir.aws_auth {
        let mut data = BTreeMap::new();
        if !auth.map_roles.is_empty() {
            data.insert("mapRoles", map_roles(&auth.map_roles));
        }
        if !auth.map_users.is_empty() {
            data.insert("mapUsers", map_users(&auth.map_users));
        }
        let doc = ConfigMapDoc {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: metadata("aws-auth", Some("kube-system")),
            data,
        };
        let mut spans: Vec<_> = auth
            .map_roles
            .iter()
            .chain(&auth.map_users)
            .map(|m| m.origin.span)
            .collect();
        if spans.is_empty() {
            if let Some(c) = ir.clusters.get(&auth.cluster) {
                spans.push(c.span);
            }
        }
        let mut files: Vec<&str> = spans.iter().map(|s| sources.name(s.file)).collect();
        files.sort_unstable();
        files.dedup();
        out.push(Artifact {
            path: format!(
                "{}/configmap-aws-auth.yaml",
                dir(&auth.cluster, Some("kube-system"))
            ),
            kind: "k8s-config-map-aws-auth",
            cluster: Some(auth.cluster.clone()),
            account: account(&auth.cluster),
            sources: spans,
            contents: yaml(&doc, &files.join(", ")),
        });
    }
    for b in &ir.group_bindings {
        let ns = b.namespace.as_deref();
        let kind = if ns.is_some() {
            "RoleBinding"
        } else {
            "ClusterRoleBinding"
        };
        let doc = BindingDoc {
            api_version: RBAC,
            kind,
            metadata: metadata(&b.name, ns),
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: &b.cluster_role,
            },
            subjects: vec![SubjectDoc {
                kind: "Group",
                name: &b.group,
                api_group: "rbac.authorization.k8s.io",
            }],
        };
        out.push(Artifact {
            path: format!(
                "{}/{}-{}.yaml",
                dir(&b.cluster, ns),
                kind.to_ascii_lowercase(),
                b.name
            ),
            kind: if ns.is_some() {
                "k8s-role-binding"
            } else {
                "k8s-cluster-role-binding"
            },
            cluster: Some(b.cluster.clone()),
            account: account(&b.cluster),
            sources: vec![b.origin.span],
            contents: yaml(&doc, sources.name(b.origin.span.file)),
        });
    }
}
