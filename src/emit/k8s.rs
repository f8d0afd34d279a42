//! Kubernetes manifests: ServiceAccounts, Roles, RoleBindings, ClusterRoles, ClusterRoleBindings.
//! One object per file, each with a header naming the source file.

use serde::Serialize;

use super::layout::{ArtifactPath, KubeKind};
use super::yaml::document;
use super::Artifact;
use crate::ast::Span;
use crate::ir::{self, Ir, Subject};
use crate::source::Sources;

const RBAC: &str = "rbac.authorization.k8s.io/v1";

/// `metadata`: name, namespace, the managed-by label and the IRSA annotation.
#[derive(Serialize)]
pub(crate) struct Metadata<'a> {
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<&'a str>,
    pub(crate) labels: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) annotations: Option<Annotations<'a>>,
}

/// `labels`.
#[derive(Serialize)]
pub(crate) struct Labels {
    #[serde(rename = "app.kubernetes.io/managed-by")]
    managed_by: &'static str,
}

/// `annotations` of an IRSA service account.
#[derive(Serialize)]
pub(crate) struct Annotations<'a> {
    #[serde(rename = "eks.amazonaws.com/role-arn")]
    role_arn: &'a str,
}

/// The metadata of a manifest accessc manages.
pub(crate) fn metadata<'a>(name: &'a str, namespace: Option<&'a str>) -> Metadata<'a> {
    Metadata {
        name,
        namespace,
        labels: Labels {
            managed_by: "accessc",
        },
        annotations: None,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServiceAccountDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    automount_service_account_token: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDoc<'a> {
    api_groups: &'a [String],
    resources: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    resource_names: &'a [String],
    verbs: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RoleDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata<'a>,
    rules: Vec<RuleDoc<'a>>,
}

/// `roleRef` of a binding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RoleRef<'a> {
    pub(crate) api_group: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) name: &'a str,
}

/// A subject of a binding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SubjectDoc<'a> {
    pub(crate) kind: &'static str,
    pub(crate) name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) api_group: Option<&'static str>,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BindingDoc<'a> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) metadata: Metadata<'a>,
    pub(crate) role_ref: RoleRef<'a>,
    pub(crate) subjects: Vec<SubjectDoc<'a>>,
}

/// A YAML document with the generated-by header ([`super::yaml::document`]).
pub fn yaml<T: Serialize>(value: &T, source: &str) -> String {
    document(value, source)
}

fn source_of(sources: &Sources, span: Span) -> &str {
    sources.name(span.file)
}

/// The ServiceAccount manifest.
fn service_account(sa: &ir::ServiceAccount, source: &str) -> String {
    let mut metadata = metadata(&sa.name, Some(&sa.namespace));
    metadata.annotations = sa
        .irsa_role_arn
        .as_deref()
        .map(|role_arn| Annotations { role_arn });
    document(
        &ServiceAccountDoc {
            api_version: "v1",
            kind: "ServiceAccount",
            metadata,
            automount_service_account_token: sa.automount,
        },
        source,
    )
}

/// The Role or ClusterRole of a grant.
fn role_doc<'a>(g: &'a ir::RbacGrant, kind: &'static str) -> RoleDoc<'a> {
    RoleDoc {
        api_version: RBAC,
        kind,
        metadata: metadata(&g.name, g.namespace.as_deref()),
        rules: g
            .rules
            .iter()
            .map(|r| RuleDoc {
                api_groups: &r.api_groups,
                resources: &r.resources,
                resource_names: &r.resource_names,
                verbs: &r.verbs,
            })
            .collect(),
    }
}

/// The RoleBinding or ClusterRoleBinding of a grant.
fn binding_doc<'a>(
    g: &'a ir::RbacGrant,
    role_kind: &'static str,
    kind: &'static str,
) -> BindingDoc<'a> {
    BindingDoc {
        api_version: RBAC,
        kind,
        metadata: metadata(&g.name, g.namespace.as_deref()),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io",
            kind: role_kind,
            name: &g.name,
        },
        subjects: vec![subject_doc(&g.subject)],
    }
}

fn subject_doc(s: &Subject) -> SubjectDoc<'_> {
    match s {
        Subject::ServiceAccount { name, namespace } => SubjectDoc {
            kind: "ServiceAccount",
            name,
            namespace: Some(namespace),
            api_group: None,
        },
        Subject::Group(g) => SubjectDoc {
            kind: "Group",
            name: g,
            namespace: None,
            api_group: Some("rbac.authorization.k8s.io"),
        },
    }
}

/// A Role or ClusterRole and its binding.
pub fn rbac_grant(g: &ir::RbacGrant, sources: &Sources, account: Option<String>) -> [Artifact; 2] {
    let namespaced = g.namespace.is_some();
    let (role_kind, binding_kind, role_file, binding_file) = if namespaced {
        ("Role", "RoleBinding", KubeKind::Role, KubeKind::RoleBinding)
    } else {
        (
            "ClusterRole",
            "ClusterRoleBinding",
            KubeKind::ClusterRole,
            KubeKind::ClusterRoleBinding,
        )
    };
    let source = source_of(sources, g.origin.span);
    let role_contents = document(&role_doc(g, role_kind), source);
    let binding_contents = document(&binding_doc(g, role_kind, binding_kind), source);
    let path = |kind: KubeKind| {
        ArtifactPath::KubeObject {
            cluster: &g.cluster,
            namespace: g.namespace.as_deref(),
            kind: Some(kind),
            name: &g.name,
        }
        .render()
    };
    [
        Artifact {
            path: path(role_file),
            kind: if namespaced {
                "k8s-role"
            } else {
                "k8s-cluster-role"
            },
            cluster: Some(g.cluster.clone()),
            account: account.clone(),
            sources: vec![g.origin.span],
            contents: role_contents,
        },
        Artifact {
            path: path(binding_file),
            kind: if namespaced {
                "k8s-role-binding"
            } else {
                "k8s-cluster-role-binding"
            },
            cluster: Some(g.cluster.clone()),
            account,
            sources: vec![g.origin.span],
            contents: binding_contents,
        },
    ]
}

/// All Kubernetes artifacts of workloads.
pub fn emit<T, E>(ir: &Ir, sources: &Sources, out: &mut super::out::Out<'_, T, E>) {
    // The account of the last cluster looked up: workloads come cluster by cluster.
    let mut last: Option<(&str, &str)> = None;
    let mut account = |cluster: &str| -> Option<String> {
        match last {
            Some((name, account)) if name == cluster => Some(account.to_string()),
            _ => {
                last = ir
                    .clusters
                    .get_key_value(cluster)
                    .map(|(name, c)| (name.as_str(), c.account.as_str()));
                last.map(|(_, account)| account.to_string())
            }
        }
    };
    out.reserve(ir.service_accounts.len() + 2 * ir.rbac.len());
    for sa in ir.service_accounts.iter().filter(|sa| sa.managed) {
        out.push(Artifact {
            path: ArtifactPath::KubeObject {
                cluster: &sa.cluster,
                namespace: Some(&sa.namespace),
                kind: Some(KubeKind::ServiceAccount),
                name: &sa.name,
            }
            .render(),
            kind: "k8s-service-account",
            cluster: Some(sa.cluster.clone()),
            account: account(&sa.cluster),
            sources: vec![sa.span],
            contents: service_account(sa, source_of(sources, sa.span)),
        });
    }
    for g in &ir.rbac {
        out.extend(rbac_grant(g, sources, account(&g.cluster)));
    }
    for ns in ir.namespaces.values().filter(|ns| ns.managed.is_some()) {
        for cluster in &ns.clusters {
            out.push(Artifact {
                path: ArtifactPath::KubeObject {
                    cluster,
                    namespace: None,
                    kind: Some(KubeKind::Namespace),
                    name: &ns.name,
                }
                .render(),
                kind: "k8s-namespace",
                cluster: Some(cluster.clone()),
                account: account(cluster),
                sources: vec![ns.span],
                contents: document(
                    &NamespaceDoc {
                        api_version: "v1",
                        kind: "Namespace",
                        metadata: NamespaceMetadata {
                            name: &ns.name,
                            labels: Labels {
                                managed_by: "accessc",
                            },
                            annotations: NamespaceAnnotations {
                                argocd: "Prune=false",
                                flux: "disabled",
                            },
                        },
                    },
                    source_of(sources, ns.span),
                ),
            });
        }
    }
}

/// A `Namespace` (`managed = true`). Deleting a namespace deletes everything in it, so a
/// GitOps controller that prunes never deletes one accessc stops writing: Argo CD's
/// `Prune=false` and Flux's `prune: disabled` keep it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NamespaceDoc<'a> {
    api_version: &'static str,
    kind: &'static str,
    metadata: NamespaceMetadata<'a>,
}

#[derive(Serialize)]
struct NamespaceMetadata<'a> {
    name: &'a str,
    labels: Labels,
    annotations: NamespaceAnnotations,
}

#[derive(Serialize)]
struct NamespaceAnnotations {
    #[serde(rename = "argocd.argoproj.io/sync-options")]
    argocd: &'static str,
    #[serde(rename = "kustomize.toolkit.fluxcd.io/prune")]
    flux: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::yaml::tests::tricky;
    use crate::ir::{Origin, PolicyRule, RbacGrant};

    fn grant(s: &str, namespace: Option<&str>, subject: Subject) -> RbacGrant {
        let v = |n: usize| vec![s.to_string(); n];
        RbacGrant {
            cluster: "prod".into(),
            namespace: namespace.map(str::to_string),
            name: s.into(),
            rules: vec![
                PolicyRule {
                    api_groups: v(1),
                    resources: v(2),
                    resource_names: v(1),
                    verbs: vec!["get".into(), s.into(), "*".into()],
                },
                PolicyRule {
                    api_groups: vec![String::new()],
                    resources: v(1),
                    resource_names: Vec::new(),
                    verbs: v(1),
                },
                PolicyRule {
                    api_groups: Vec::new(),
                    resources: Vec::new(),
                    resource_names: Vec::new(),
                    verbs: Vec::new(),
                },
            ],
            subject,
            origin: Origin {
                what: "app x".into(),
                span: Span::default(),
            },
        }
    }

    /// Every manifest reads back as its model, and is the YAML crate's text of it, whatever the
    /// strings; ordinary ones are written by the project's serializer.
    #[test]
    fn manifests_read_back_as_their_models() {
        let mut agreement = crate::emit::yaml::tests::Agreement::default();
        for s in tricky() {
            let s = s.as_str();
            let subjects = [
                Subject::ServiceAccount {
                    name: s.into(),
                    namespace: s.into(),
                },
                Subject::Group(s.into()),
            ];
            for ns in [None, Some("payments"), Some(s)] {
                for subject in subjects.clone() {
                    let mut g = grant(s, ns, subject);
                    let (role_kind, kind) = if ns.is_some() {
                        ("Role", "RoleBinding")
                    } else {
                        ("ClusterRole", "ClusterRoleBinding")
                    };
                    agreement.check(&binding_doc(&g, role_kind, kind), &format!("binding {s:?}"));
                    for source in ["a.access", s] {
                        let text = document(&role_doc(&g, role_kind), source);
                        let header = format!("# generated by accessc from {source}; do not edit\n");
                        assert!(text.starts_with(&header), "{text}");
                        let back: serde_yaml::Value =
                            serde_yaml::from_str(&text[header.len()..]).unwrap();
                        assert_eq!(back["metadata"]["name"].as_str(), Some(s));
                        assert_eq!(back["kind"].as_str(), Some(role_kind));
                    }
                    agreement.check(&role_doc(&g, role_kind), &format!("role {s:?}"));
                    g.rules.clear();
                    agreement.check(
                        &role_doc(&g, role_kind),
                        &format!("role without rules {s:?}"),
                    );
                }
            }
            for (arn, automount) in [(None, true), (Some(s), false), (Some("arn:aws:x"), true)] {
                let mut metadata = metadata(s, Some(s));
                metadata.annotations = arn.map(|role_arn| Annotations { role_arn });
                agreement.check(
                    &ServiceAccountDoc {
                        api_version: "v1",
                        kind: "ServiceAccount",
                        metadata,
                        automount_service_account_token: automount,
                    },
                    &format!("service account {s:?}"),
                );
            }
        }
        agreement.mostly_fast();
    }
}
