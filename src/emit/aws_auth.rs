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

use super::k8s::{write_metadata, yaml};
use super::layout::{ArtifactPath, KubeKind};
use super::yaml::Writer;
use super::Artifact;
use crate::ir::{AwsAuth, AwsAuthMapping, GroupBinding, Ir, PassthroughItem};
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

/// `- ARN_KEY: arn`, `username`, `groups` of each mapping: the text of `mapRoles`/`mapUsers`.
fn mappings(mappings: &[AwsAuthMapping], arn_key: &str, buf: &mut String) -> Option<String> {
    let mut w = Writer::new(buf);
    if mappings.is_empty() {
        return None;
    }
    for m in mappings {
        w.item_field(0, arn_key, &m.arn);
        w.field(2, "username", &m.username);
        w.seq(2, "groups", &m.groups);
    }
    w.finish()
}

/// The `mapRoles` text of aws-auth: a YAML list inside the ConfigMap.
pub fn map_roles(mappings: &[AwsAuthMapping]) -> String {
    map_roles_in(mappings, &mut String::new())
}

fn map_roles_in(m: &[AwsAuthMapping], buf: &mut String) -> String {
    mappings(m, "rolearn", buf).unwrap_or_else(|| map_roles_serde(m))
}

fn map_roles_serde(m: &[AwsAuthMapping]) -> String {
    let items: Vec<RoleMapping<'_>> = m
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
    map_users_in(mappings, &mut String::new())
}

fn map_users_in(m: &[AwsAuthMapping], buf: &mut String) -> String {
    mappings(m, "userarn", buf).unwrap_or_else(|| map_users_serde(m))
}

fn map_users_serde(m: &[AwsAuthMapping]) -> String {
    let items: Vec<UserMapping<'_>> = m
        .iter()
        .map(|m| UserMapping {
            userarn: &m.arn,
            username: &m.username,
            groups: &m.groups,
        })
        .collect();
    serde_yaml::to_string(&items).unwrap_or_default()
}

/// A list of mappings followed by the items carried through verbatim (serialized by
/// `serde_yaml`, keys in their order): the two texts are block sequences at column 0, so one
/// after the other they are one sequence.
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
        out.push_str(&serde_yaml::to_string(&items).unwrap_or_default());
    }
    Some(out)
}

/// The `mapAccounts` text of aws-auth.
fn map_accounts(accounts: &[String]) -> Option<String> {
    (!accounts.is_empty()).then(|| serde_yaml::to_string(accounts).unwrap_or_default())
}

/// The aws-auth ConfigMap of a cluster.
fn config_map(auth: &AwsAuth, source: &str, buf: &mut String) -> String {
    let p = &auth.passthrough;
    let map_roles = with_passthrough(
        &auth.map_roles,
        || map_roles_in(&auth.map_roles, buf),
        &p.map_roles,
    );
    let map_users = with_passthrough(
        &auth.map_users,
        || map_users_in(&auth.map_users, buf),
        &p.map_users,
    );
    let data = Data {
        map_accounts: map_accounts(&p.map_accounts),
        map_roles,
        map_users,
    };
    config_map_fast(&data, source, buf).unwrap_or_else(|| config_map_serde(data, source))
}

/// The texts of the ConfigMap's `data`.
#[derive(Clone, Default)]
struct Data {
    map_accounts: Option<String>,
    map_roles: Option<String>,
    map_users: Option<String>,
}

fn config_map_fast(data: &Data, source: &str, buf: &mut String) -> Option<String> {
    let mut w = Writer::with_header(buf, source);
    w.field(0, "apiVersion", "v1");
    w.field(0, "kind", "ConfigMap");
    write_metadata(&mut w, "aws-auth", Some("kube-system"), None);
    if data.map_accounts.is_none() && data.map_roles.is_none() && data.map_users.is_none() {
        w.empty_map(0, "data");
    } else {
        w.key(0, "data");
        // In `serde_yaml`'s order (the keys of a BTreeMap).
        if let Some(text) = &data.map_accounts {
            w.field(2, "mapAccounts", text);
        }
        if let Some(text) = &data.map_roles {
            w.field(2, "mapRoles", text);
        }
        if let Some(text) = &data.map_users {
            w.field(2, "mapUsers", text);
        }
    }
    w.finish()
}

fn config_map_serde(d: Data, source: &str) -> String {
    let mut data = BTreeMap::new();
    if let Some(text) = d.map_accounts {
        data.insert("mapAccounts", text);
    }
    if let Some(text) = d.map_roles {
        data.insert("mapRoles", text);
    }
    if let Some(text) = d.map_users {
        data.insert("mapUsers", text);
    }
    let doc = ConfigMapDoc {
        api_version: "v1",
        kind: "ConfigMap",
        metadata: metadata("aws-auth", Some("kube-system")),
        data,
    };
    yaml(&doc, source)
}

/// A RoleBinding or ClusterRoleBinding of a group to a built-in ClusterRole.
fn group_binding(b: &GroupBinding, kind: &'static str, source: &str, buf: &mut String) -> String {
    group_binding_fast(b, kind, source, buf).unwrap_or_else(|| group_binding_serde(b, kind, source))
}

fn group_binding_fast(
    b: &GroupBinding,
    kind: &'static str,
    source: &str,
    buf: &mut String,
) -> Option<String> {
    let ns = b.namespace.as_deref();
    let mut w = Writer::with_header(buf, source);
    w.field(0, "apiVersion", RBAC);
    w.field(0, "kind", kind);
    write_metadata(&mut w, &b.name, ns, None);
    w.key(0, "roleRef");
    w.field(2, "apiGroup", "rbac.authorization.k8s.io");
    w.field(2, "kind", "ClusterRole");
    w.field(2, "name", &b.cluster_role);
    w.key(0, "subjects");
    w.item_field(0, "kind", "Group");
    w.field(2, "name", &b.group);
    w.field(2, "apiGroup", "rbac.authorization.k8s.io");
    w.finish()
}

fn group_binding_serde(b: &GroupBinding, kind: &'static str, source: &str) -> String {
    let ns = b.namespace.as_deref();
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
    yaml(&doc, source)
}

/// The aws-auth ConfigMaps and the group bindings.
pub fn emit<T, E>(ir: &Ir, sources: &Sources, out: &mut super::out::Out<'_, T, E>) {
    let account = |cluster: &str| ir.clusters.get(cluster).map(|c| c.account.clone());
    let mut buf = String::with_capacity(4096);
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
            contents: config_map(auth, &files.join(", "), &mut buf),
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
            contents: group_binding(b, kind, sources.name(b.origin.span.file), &mut buf),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Span;
    use crate::emit::yaml::tests::tricky;
    use crate::ir::Origin;

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

    /// The fast ConfigMaps and bindings are serde_yaml's, whatever the strings.
    #[test]
    fn manifests_match_serde_yaml() {
        let mut buf = String::new();
        let mut agreement = crate::emit::yaml::tests::Agreement::default();
        let mut check = |ours, theirs, what: &str| agreement.check(ours, theirs, what);
        let node = mapping("arn:aws:iam::111122223333:role/nodes", 0);
        for s in tricky() {
            let s = s.as_str();
            let ms = vec![node.clone(), mapping(s, 2), mapping(s, 0), mapping("u", 1)];
            check(
                mappings(&ms, "rolearn", &mut buf),
                map_roles_serde(&ms),
                &format!("mapRoles {s:?}"),
            );
            check(
                mappings(&ms, "userarn", &mut buf),
                map_users_serde(&ms),
                &format!("mapUsers {s:?}"),
            );
            let roles = map_roles(&ms);
            let users = map_users(&ms[1..]);
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
                check(
                    config_map_fast(&data, s, &mut buf),
                    config_map_serde(data.clone(), s),
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
                check(
                    group_binding_fast(&b, kind, s, &mut buf),
                    group_binding_serde(&b, kind, s),
                    &format!("binding {s:?}"),
                );
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
