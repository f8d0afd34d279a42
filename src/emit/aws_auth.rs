//! The aws-auth ConfigMap of `config_map` / `api_and_config_map` clusters, and the bindings of
//! access groups to the built-in `cluster-admin`, `admin`, `edit` and `view` ClusterRoles.
//!
//! ```text
//! clusters/<cluster>/kubernetes/kube-system/configmap-aws-auth.yaml
//! clusters/<cluster>/kubernetes/<ns>/rolebinding-access.<access>.<clusterrole>.yaml
//! clusters/<cluster>/kubernetes/_cluster/clusterrolebinding-access.<access>.<clusterrole>.yaml
//! ```

use serde::Serialize;

use super::k8s::{metadata, BindingDoc, Metadata, RoleRef, SubjectDoc};
use super::layout::{ArtifactPath, KubeKind};
use super::yaml::{document, to_string};
use super::Artifact;
use crate::ir::{AwsAuth, AwsAuthMapping, GroupBinding, Ir, PassthroughItem};
use crate::source::Sources;

const RBAC: &str = "rbac.authorization.k8s.io/v1";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigMapDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    data: Data,
}

/// The texts of the ConfigMap's `data`, in the order of their keys.
#[derive(Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Data {
    #[serde(skip_serializing_if = "Option::is_none")]
    map_accounts: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    map_roles: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    map_users: Option<String>,
}

/// An entry of `mapRoles` (`rolearn`) or `mapUsers` (`userarn`).
#[derive(Serialize)]
enum Mapping<'a> {
    #[serde(rename = "rolearn")]
    Role(&'a str),
    #[serde(rename = "userarn")]
    User(&'a str),
}

#[derive(Serialize)]
struct MappingDoc<'a> {
    #[serde(flatten)]
    arn: Mapping<'a>,
    username: &'a str,
    groups: &'a [String],
}

/// The text of `mapRoles` or `mapUsers`: a YAML list inside the ConfigMap.
fn mappings<'a>(m: &'a [AwsAuthMapping], arn: fn(&'a str) -> Mapping<'a>) -> String {
    let items: Vec<MappingDoc<'_>> = m
        .iter()
        .map(|m| MappingDoc {
            arn: arn(&m.arn),
            username: &m.username,
            groups: &m.groups,
        })
        .collect();
    to_string(&items)
}

/// The `mapRoles` text of aws-auth: a YAML list inside the ConfigMap.
pub fn map_roles(m: &[AwsAuthMapping]) -> String {
    mappings(m, Mapping::Role)
}

/// The `mapUsers` text of aws-auth.
pub fn map_users(m: &[AwsAuthMapping]) -> String {
    mappings(m, Mapping::User)
}

/// A list of mappings followed by the items carried through verbatim (keys in their order):
/// the two texts are block sequences at column 0, so one after the other they are one
/// sequence.
fn with_passthrough(
    typed: &[AwsAuthMapping],
    text: impl FnOnce() -> String,
    passthrough: &[PassthroughItem],
) -> Option<String> {
    if typed.is_empty() && passthrough.is_empty() {
        return None;
    }
    let mut out = if typed.is_empty() {
        String::new()
    } else {
        text()
    };
    if !passthrough.is_empty() {
        let items: Vec<&serde_json::Value> = passthrough.iter().map(|p| &p.value).collect();
        out.push_str(&to_string(&items));
    }
    Some(out)
}

/// The aws-auth ConfigMap of a cluster.
fn config_map(auth: &AwsAuth, source: &str) -> String {
    let p = &auth.passthrough;
    let data = Data {
        map_accounts: (!p.map_accounts.is_empty()).then(|| to_string(&p.map_accounts)),
        map_roles: with_passthrough(&auth.map_roles, || map_roles(&auth.map_roles), &p.map_roles),
        map_users: with_passthrough(&auth.map_users, || map_users(&auth.map_users), &p.map_users),
    };
    config_map_doc(data, source)
}

fn config_map_doc(data: Data, source: &str) -> String {
    document(
        &ConfigMapDoc {
            api_version: "v1",
            kind: "ConfigMap",
            metadata: metadata("aws-auth", Some("kube-system")),
            data,
        },
        source,
    )
}

/// A RoleBinding or ClusterRoleBinding of a group to a built-in ClusterRole.
fn group_binding_doc<'a>(b: &'a GroupBinding, kind: &'static str) -> BindingDoc<'a> {
    BindingDoc {
        api_version: RBAC,
        kind,
        metadata: metadata(&b.name, b.namespace.as_deref()),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            name: &b.cluster_role,
        },
        subjects: vec![SubjectDoc {
            kind: "Group",
            name: &b.group,
            namespace: None,
            api_group: Some("rbac.authorization.k8s.io"),
        }],
    }
}

/// The aws-auth ConfigMaps and the group bindings.
pub fn emit<T, E>(ir: &Ir, sources: &Sources, out: &mut super::out::Out<'_, T, E>) {
    let account = |cluster: &str| ir.clusters.get(cluster).map(|c| c.account.clone());
    for auth in &ir.aws_auth {
        let mut spans: Vec<_> = auth
            .map_roles
            .iter()
            .chain(&auth.map_users)
            .map(|m| m.origin.span)
            .chain(auth.passthrough.spans.iter().copied())
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
            path: ArtifactPath::KubeObject {
                cluster: &auth.cluster,
                namespace: Some("kube-system"),
                kind: Some(KubeKind::ConfigMap),
                name: "aws-auth",
            }
            .render(),
            kind: "k8s-config-map-aws-auth",
            cluster: Some(auth.cluster.clone()),
            account: account(&auth.cluster),
            contents: config_map(auth, &files.join(", ")),
            sources: spans,
        });
    }
    out.reserve(ir.group_bindings.len());
    for b in &ir.group_bindings {
        let ns = b.namespace.as_deref();
        let (kind, file) = if ns.is_some() {
            ("RoleBinding", KubeKind::RoleBinding)
        } else {
            ("ClusterRoleBinding", KubeKind::ClusterRoleBinding)
        };
        out.push(Artifact {
            path: ArtifactPath::KubeObject {
                cluster: &b.cluster,
                namespace: ns,
                kind: Some(file),
                name: &b.name,
            }
            .render(),
            kind: if ns.is_some() {
                "k8s-role-binding"
            } else {
                "k8s-cluster-role-binding"
            },
            cluster: Some(b.cluster.clone()),
            account: account(&b.cluster),
            sources: vec![b.origin.span],
            contents: document(
                &group_binding_doc(b, kind),
                sources.name(b.origin.span.file),
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;
    use crate::emit::yaml::tests::tricky;
    use crate::ir::Origin;
    use std::collections::BTreeMap;

    fn mapping(s: &str, groups: usize) -> AwsAuthMapping {
        AwsAuthMapping {
            arn: s.into(),
            username: s.into(),
            groups: vec![s.to_string(); groups],
            origin: Origin {
                what: "access x".into(),
                span: Span::default(),
            },
        }
    }

    /// The ConfigMaps and bindings read back as their models, and are the YAML crate's text
    /// of them, whatever the strings.
    #[test]
    fn manifests_read_back_as_their_models() {
        let mut agreement = crate::emit::yaml::tests::Agreement::default();
        let node = mapping("arn:aws:iam::111122223333:role/nodes", 0);
        for s in tricky() {
            let s = s.as_str();
            let ms = vec![node.clone(), mapping(s, 2), mapping(s, 0), mapping("u", 1)];
            let roles = map_roles(&ms);
            let users = map_users(&ms[1..]);
            // The mapping of `s` with two groups: the second role, the first user.
            for (text, arn, i) in [(&roles, "rolearn", 1), (&users, "userarn", 0)] {
                let back: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
                assert_eq!(back[i][arn].as_str(), Some(s), "{s:?}");
                assert_eq!(back[i]["groups"][1].as_str(), Some(s), "{s:?}");
            }
            assert_eq!(
                roles,
                serde_yaml::to_string(
                    &ms.iter()
                        .map(|m| BTreeMap::from([("rolearn", &m.arn), ("username", &m.username)]))
                        .zip(&ms)
                        .map(|(mut b, m)| {
                            let groups = serde_yaml::to_value(&m.groups).unwrap();
                            let mut v = serde_yaml::to_value(std::mem::take(&mut b)).unwrap();
                            v.as_mapping_mut().unwrap().insert("groups".into(), groups);
                            v
                        })
                        .collect::<Vec<_>>()
                )
                .unwrap()
            );
            for (a, r, u) in [
                (None, None, None),
                (None, Some(roles.clone()), None),
                (None, None, Some(users.clone())),
                (Some(s.to_string()), Some(roles), Some(users)),
                (None, Some(s.to_string()), Some(format!("{s}\n"))),
            ] {
                let data = Data {
                    map_accounts: a,
                    map_roles: r,
                    map_users: u,
                };
                agreement.check(
                    &ConfigMapDoc {
                        api_version: "v1",
                        kind: "ConfigMap",
                        metadata: metadata("aws-auth", Some("kube-system")),
                        data,
                    },
                    &format!("ConfigMap {s:?}"),
                );
            }
            for (ns, kind) in [(None, "ClusterRoleBinding"), (Some(s), "RoleBinding")] {
                let b = GroupBinding {
                    cluster: "prod".into(),
                    namespace: ns.map(str::to_string),
                    name: s.into(),
                    cluster_role: s.into(),
                    group: s.into(),
                    origin: Origin {
                        what: "access x".into(),
                        span: Span::default(),
                    },
                };
                agreement.check(&group_binding_doc(&b, kind), &format!("binding {s:?}"));
            }
        }
        agreement.mostly_fast();
    }

    #[test]
    fn empty_mappings_are_an_empty_list() {
        assert_eq!(map_roles(&[]), "[]\n");
        assert_eq!(map_users(&[]), "[]\n");
    }
}
