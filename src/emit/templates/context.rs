//! The contexts templates are rendered with: one per entity, built from the IR.
//!
//! Every field is always present (`null` when a value does not apply, `[]` when a list is empty),
//! so that strict mode flags only misspelt fields. The shapes are documented in
//! `docs/pipelines.md`; a change here is a change of that contract.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::ast::Span;
use crate::emit::iam::{boundary_description, boundary_origin};
use crate::emit::iam::{
    boundary_policy, managed_policies, role_description, tag_map, trust_policy, PolicyDocument,
};
use crate::ir::{self, AccessScope, Identity, Ir, PolicyRule, RbacGrant, Subject};
use crate::source::Sources;

/// What a template renders once per.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// An IAM role (per account).
    Role,
    /// A permission boundary (per account).
    Boundary,
    /// An app (`NS/APP`).
    App,
    /// An `access` declaration.
    Access,
    /// A cluster.
    Cluster,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::Role,
        Kind::Boundary,
        Kind::App,
        Kind::Access,
        Kind::Cluster,
    ];

    /// The word in template file names and the context key.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Role => "role",
            Kind::Boundary => "boundary",
            Kind::App => "app",
            Kind::Access => "access",
            Kind::Cluster => "cluster",
        }
    }
}

/// One entity to render: its file stem, what to call it in messages, its declarations and its
/// context.
pub struct Entity {
    /// File name stem of the rendered file.
    pub file: String,
    /// `role payments-checkout in 111122223333`.
    pub what: String,
    /// Declarations.
    pub spans: Vec<Span>,
    /// The context.
    pub context: serde_json::Value,
}

#[derive(Serialize)]
struct Root<'a, T: Serialize> {
    template: &'a str,
    #[serde(flatten)]
    entity: BTreeMap<&'static str, T>,
}

fn locations(sources: &Sources, spans: &[Span]) -> Vec<String> {
    let set: BTreeSet<String> = spans.iter().map(|s| sources.output_location(*s)).collect();
    set.into_iter().collect()
}

fn identity_word(i: Identity) -> &'static str {
    i.keyword()
}

#[derive(Clone, Serialize)]
struct PolicyCtx {
    name: String,
    arn: String,
    path: String,
    description: String,
    document: PolicyDocument<'static>,
}

#[derive(Clone, Serialize)]
struct BoundaryRefCtx {
    name: String,
    arn: String,
}

#[derive(Clone, Serialize)]
struct MemberCtx {
    cluster: String,
    namespace: String,
    service_account: String,
    app: String,
}

#[derive(Clone, Serialize)]
struct RoleCtx {
    name: String,
    account: String,
    partition: String,
    path: String,
    arn: String,
    identity: &'static str,
    shared: bool,
    origin: String,
    description: String,
    max_session_duration: u32,
    session_tags: bool,
    trust_policy: PolicyDocument<'static>,
    policies: Vec<PolicyCtx>,
    boundary: Option<BoundaryRefCtx>,
    members: Vec<MemberCtx>,
    clusters: Vec<String>,
    tags: BTreeMap<&'static str, String>,
    sources: Vec<String>,
}

#[derive(Clone, Serialize)]
struct BoundaryCtx {
    name: String,
    account: String,
    partition: String,
    path: &'static str,
    arn: String,
    description: String,
    document: PolicyDocument<'static>,
    tags: BTreeMap<&'static str, String>,
    sources: Vec<String>,
}

#[derive(Clone, Serialize)]
struct RuleCtx {
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
    verbs: Vec<String>,
}

#[derive(Clone, Serialize)]
struct SubjectCtx {
    kind: &'static str,
    name: String,
    namespace: Option<String>,
}

#[derive(Clone, Serialize)]
struct RbacCtx {
    cluster: String,
    kind: &'static str,
    binding_kind: &'static str,
    namespace: Option<String>,
    name: String,
    rules: Vec<RuleCtx>,
    subject: SubjectCtx,
}

#[derive(Clone, Serialize)]
struct ServiceAccountCtx {
    cluster: String,
    namespace: String,
    name: String,
    app: String,
    automount: bool,
    irsa_role_arn: Option<String>,
    /// `service_account_managed = false`: accessc writes no ServiceAccount (left out otherwise).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    external: bool,
}

#[derive(Clone, Serialize)]
struct AssociationCtx {
    cluster: String,
    eks_name: String,
    namespace: String,
    service_account: String,
    role_arn: String,
    app: String,
    disable_session_tags: bool,
}

#[derive(Clone, Serialize)]
struct AppRoleCtx {
    name: String,
    account: String,
    arn: String,
    identity: &'static str,
    shared: bool,
}

#[derive(Clone, Serialize)]
struct AppCtx {
    key: String,
    name: String,
    namespace: String,
    service_account: String,
    identity: &'static str,
    clusters: Vec<String>,
    roles: Vec<AppRoleCtx>,
    service_accounts: Vec<ServiceAccountCtx>,
    pod_identity_associations: Vec<AssociationCtx>,
    rbac: Vec<RbacCtx>,
    sources: Vec<String>,
}

#[derive(Clone, Serialize)]
struct ScopeCtx {
    #[serde(rename = "type")]
    scope_type: &'static str,
    namespaces: Vec<String>,
}

#[derive(Clone, Serialize)]
struct EntryCtx {
    cluster: String,
    eks_name: String,
    name: String,
    principal_arn: String,
    #[serde(rename = "type")]
    entry_type: &'static str,
    kubernetes_groups: Vec<String>,
    username: Option<String>,
}

#[derive(Clone, Serialize)]
struct PolicyAssociationCtx {
    cluster: String,
    eks_name: String,
    name: String,
    principal_arn: String,
    policy_arn: String,
    access_scope: ScopeCtx,
}

#[derive(Clone, Serialize)]
struct AwsAuthCtx {
    map: &'static str,
    arn: String,
    username: String,
    groups: Vec<String>,
}

#[derive(Clone, Serialize)]
struct GroupBindingCtx {
    kind: &'static str,
    namespace: Option<String>,
    name: String,
    cluster_role: String,
    group: String,
}

#[derive(Clone, Serialize)]
struct AccessClusterCtx {
    cluster: String,
    eks_name: String,
    auth_mode: &'static str,
    access_entry: Option<EntryCtx>,
    access_policy: Option<PolicyAssociationCtx>,
    /// The access's further policy associations (`view = cluster`, …), after `access_policy`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    more_access_policies: Vec<PolicyAssociationCtx>,
    aws_auth: Option<AwsAuthCtx>,
    group_bindings: Vec<GroupBindingCtx>,
    rbac: Vec<RbacCtx>,
}

#[derive(Clone, Serialize)]
struct AccessCtx {
    name: String,
    principal_arn: String,
    clusters: Vec<AccessClusterCtx>,
    sources: Vec<String>,
}

#[derive(Clone, Serialize)]
struct ClusterRoleRefCtx {
    name: String,
    account: String,
    arn: String,
    identity: &'static str,
}

#[derive(Clone, Serialize)]
struct ClusterCtx {
    name: String,
    eks_name: String,
    account: String,
    region: String,
    partition: String,
    arn: String,
    oidc: Option<String>,
    oidc_provider_arn: Option<String>,
    org: Option<String>,
    auth_mode: &'static str,
    nodes: Option<String>,
    boundary: Option<String>,
    role_path: String,
    bootstrap_admin: bool,
    namespaces: Vec<String>,
    iam_roles: Vec<ClusterRoleRefCtx>,
    service_accounts: Vec<ServiceAccountCtx>,
    pod_identity_associations: Vec<AssociationCtx>,
    access_entries: Vec<EntryCtx>,
    access_policy_associations: Vec<PolicyAssociationCtx>,
    rbac: Vec<RbacCtx>,
    sources: Vec<String>,
}

fn rule(r: &PolicyRule) -> RuleCtx {
    RuleCtx {
        api_groups: r.api_groups.clone(),
        resources: r.resources.clone(),
        resource_names: r.resource_names.clone(),
        verbs: r.verbs.clone(),
    }
}

fn rbac(g: &RbacGrant) -> RbacCtx {
    let (kind, binding_kind) = if g.namespace.is_some() {
        ("Role", "RoleBinding")
    } else {
        ("ClusterRole", "ClusterRoleBinding")
    };
    RbacCtx {
        cluster: g.cluster.clone(),
        kind,
        binding_kind,
        namespace: g.namespace.clone(),
        name: g.name.clone(),
        rules: g.rules.iter().map(rule).collect(),
        subject: match &g.subject {
            Subject::ServiceAccount { name, namespace } => SubjectCtx {
                kind: "ServiceAccount",
                name: name.clone(),
                namespace: Some(namespace.clone()),
            },
            Subject::Group(group) => SubjectCtx {
                kind: "Group",
                name: group.clone(),
                namespace: None,
            },
        },
    }
}

fn service_account(sa: &ir::ServiceAccount) -> ServiceAccountCtx {
    ServiceAccountCtx {
        cluster: sa.cluster.clone(),
        namespace: sa.namespace.clone(),
        name: sa.name.clone(),
        app: sa.app.clone(),
        automount: sa.automount,
        irsa_role_arn: sa.irsa_role_arn.clone(),
        external: !sa.managed,
    }
}

fn association(a: &ir::PodIdentityAssociation) -> AssociationCtx {
    AssociationCtx {
        cluster: a.cluster.clone(),
        eks_name: a.eks_name.clone(),
        namespace: a.namespace.clone(),
        service_account: a.service_account.clone(),
        role_arn: a.role_arn.clone(),
        app: a.app.clone(),
        disable_session_tags: a.disable_session_tags,
    }
}

fn entry(e: &ir::AccessEntry) -> EntryCtx {
    EntryCtx {
        cluster: e.cluster.clone(),
        eks_name: e.eks_name.clone(),
        name: e.file.clone(),
        principal_arn: e.principal_arn.clone(),
        entry_type: e.entry_type.eks_value(),
        kubernetes_groups: e.groups.clone(),
        username: e.username.clone(),
    }
}

fn policy_association(a: &ir::AccessPolicyAssociation) -> PolicyAssociationCtx {
    PolicyAssociationCtx {
        cluster: a.cluster.clone(),
        eks_name: a.eks_name.clone(),
        name: a.name.clone(),
        principal_arn: a.principal_arn.clone(),
        policy_arn: a.policy_arn.clone(),
        access_scope: match &a.scope {
            AccessScope::Cluster => ScopeCtx {
                scope_type: "cluster",
                namespaces: Vec::new(),
            },
            AccessScope::Namespaces(ns) => ScopeCtx {
                scope_type: "namespace",
                namespaces: ns.iter().cloned().collect(),
            },
        },
    }
}

fn root<T: Serialize>(kind: Kind, template: &str, entity: T) -> serde_json::Value {
    serde_json::to_value(Root {
        template,
        entity: BTreeMap::from([(kind.word(), entity)]),
    })
    .unwrap_or(serde_json::Value::Null)
}

/// Every entity of a kind, in a stable order, with its context for `template`.
pub fn entities(ir: &Ir, sources: &Sources, kind: Kind, template: &str) -> Vec<Entity> {
    match kind {
        Kind::Role => roles(ir, sources, template),
        Kind::Boundary => boundaries(ir, sources, template),
        Kind::App => apps(ir, sources, template),
        Kind::Access => accesses(ir, sources, template),
        Kind::Cluster => clusters(ir, sources, template),
    }
}

fn roles(ir: &Ir, sources: &Sources, template: &str) -> Vec<Entity> {
    let mut out = Vec::new();
    for r in &ir.roles {
        let Ok(policies) = managed_policies(r) else {
            continue; // reported by the IAM emitter
        };
        let spans = vec![r.origin.span];
        let clusters: BTreeSet<String> = r.members.iter().map(|m| m.cluster.clone()).collect();
        let ctx = RoleCtx {
            name: r.name.clone(),
            account: r.account.clone(),
            partition: r.partition.clone(),
            path: r.path.clone(),
            arn: r.arn(),
            identity: identity_word(r.identity),
            shared: r.origin.what.starts_with("role "),
            origin: r.origin.what.clone(),
            description: role_description(r),
            max_session_duration: 3600,
            session_tags: r.session_tags,
            trust_policy: trust_policy(r).into_owned(),
            policies: policies
                .into_iter()
                .map(|p| PolicyCtx {
                    name: p.name,
                    arn: p.arn,
                    path: r.path.clone(),
                    description: p.description,
                    document: p.document,
                })
                .collect(),
            boundary: r.boundary.as_ref().map(|b| BoundaryRefCtx {
                name: b.name.clone(),
                arn: b.arn.clone(),
            }),
            members: r
                .members
                .iter()
                .map(|m| MemberCtx {
                    cluster: m.cluster.clone(),
                    namespace: m.namespace.clone(),
                    service_account: m.service_account.clone(),
                    app: m.app.clone(),
                })
                .collect(),
            clusters: clusters.into_iter().collect(),
            tags: tag_map(&r.origin.what),
            sources: locations(sources, &spans),
        };
        out.push(Entity {
            file: format!("{}.{}", r.account, r.name),
            what: format!("role `{}` of account {}", r.name, r.account),
            spans,
            context: root(Kind::Role, template, ctx),
        });
    }
    out
}

fn boundaries(ir: &Ir, sources: &Sources, template: &str) -> Vec<Entity> {
    ir.boundaries
        .iter()
        .map(|b| {
            let spans = vec![b.span];
            let ctx = BoundaryCtx {
                name: b.name.clone(),
                account: b.account.clone(),
                partition: b.partition.clone(),
                path: "/",
                arn: b.arn(),
                description: boundary_description(b),
                document: boundary_policy(b).into_owned(),
                tags: tag_map(&boundary_origin(b)),
                sources: locations(sources, &spans),
            };
            Entity {
                file: format!("{}.{}", b.account, b.name),
                what: format!("boundary `{}` of account {}", b.name, b.account),
                spans,
                context: root(Kind::Boundary, template, ctx),
            }
        })
        .collect()
}

fn apps(ir: &Ir, sources: &Sources, template: &str) -> Vec<Entity> {
    let mut by_app: BTreeMap<&str, Vec<&ir::ServiceAccount>> = BTreeMap::new();
    for sa in &ir.service_accounts {
        by_app.entry(sa.app.as_str()).or_default().push(sa);
    }
    let mut out = Vec::new();
    for (key, sas) in by_app {
        let (namespace, name) = key.split_once('/').unwrap_or(("", key));
        let spans: Vec<Span> = sas.iter().map(|s| s.span).collect();
        let roles: Vec<AppRoleCtx> = ir
            .roles
            .iter()
            .filter(|r| r.members.iter().any(|m| m.app == key))
            .map(|r| AppRoleCtx {
                name: r.name.clone(),
                account: r.account.clone(),
                arn: r.arn(),
                identity: identity_word(r.identity),
                shared: r.origin.what.starts_with("role "),
            })
            .collect();
        let clusters: BTreeSet<String> = sas.iter().map(|s| s.cluster.clone()).collect();
        let what = format!("app {key}");
        let ctx = AppCtx {
            key: key.to_string(),
            name: name.to_string(),
            namespace: namespace.to_string(),
            service_account: sas.first().map(|s| s.name.clone()).unwrap_or_default(),
            identity: roles.first().map_or("none", |r| r.identity),
            clusters: clusters.into_iter().collect(),
            roles,
            service_accounts: sas.iter().map(|s| service_account(s)).collect(),
            pod_identity_associations: ir
                .pod_identity_associations
                .iter()
                .filter(|a| a.app == key)
                .map(association)
                .collect(),
            rbac: ir
                .rbac
                .iter()
                .filter(|g| g.origin.what == what)
                .map(rbac)
                .collect(),
            sources: locations(sources, &spans),
        };
        out.push(Entity {
            file: format!("{namespace}.{name}"),
            what: format!("app `{key}`"),
            spans,
            context: root(Kind::App, template, ctx),
        });
    }
    out
}

fn accesses(ir: &Ir, sources: &Sources, template: &str) -> Vec<Entity> {
    // Every access by name, from whatever it compiled to.
    let mut names: BTreeMap<String, Vec<Span>> = BTreeMap::new();
    let mut note = |what: &str, span: Span| {
        if let Some(name) = what.strip_prefix("access ") {
            names.entry(name.to_string()).or_default().push(span);
        }
    };
    for e in &ir.access_entries {
        note(&e.origin.what, e.origin.span);
    }
    for a in &ir.access_policy_associations {
        note(&a.origin.what, a.origin.span);
    }
    for m in ir
        .aws_auth
        .iter()
        .flat_map(|a| a.map_roles.iter().chain(&a.map_users))
    {
        note(&m.origin.what, m.origin.span);
    }
    for b in &ir.group_bindings {
        note(&b.origin.what, b.origin.span);
    }
    for g in &ir.rbac {
        note(&g.origin.what, g.origin.span);
    }
    let mut out = Vec::new();
    for (name, mut spans) in names {
        spans.sort();
        spans.dedup();
        let what = format!("access {name}");
        let mut principal = None;
        let mut aws_auth_principal = None;
        let mut clusters = Vec::new();
        for c in ir.clusters.values() {
            let access_entry = ir
                .access_entries
                .iter()
                .find(|e| e.cluster == c.name && e.origin.what == what);
            let mut policies = ir
                .access_policy_associations
                .iter()
                .filter(|a| a.cluster == c.name && a.origin.what == what);
            let access_policy = policies.next();
            let more_access_policies: Vec<PolicyAssociationCtx> =
                policies.map(policy_association).collect();
            let aws_auth = ir
                .aws_auth
                .iter()
                .filter(|a| a.cluster == c.name)
                .find_map(|a| {
                    a.map_roles
                        .iter()
                        .find(|m| m.origin.what == what)
                        .map(|m| ("mapRoles", m))
                        .or_else(|| {
                            a.map_users
                                .iter()
                                .find(|m| m.origin.what == what)
                                .map(|m| ("mapUsers", m))
                        })
                });
            let group_bindings: Vec<GroupBindingCtx> = ir
                .group_bindings
                .iter()
                .filter(|b| b.cluster == c.name && b.origin.what == what)
                .map(|b| GroupBindingCtx {
                    kind: if b.namespace.is_some() {
                        "RoleBinding"
                    } else {
                        "ClusterRoleBinding"
                    },
                    namespace: b.namespace.clone(),
                    name: b.name.clone(),
                    cluster_role: b.cluster_role.clone(),
                    group: b.group.clone(),
                })
                .collect();
            let rbac_grants: Vec<RbacCtx> = ir
                .rbac
                .iter()
                .filter(|g| g.cluster == c.name && g.origin.what == what)
                .map(rbac)
                .collect();
            if access_entry.is_none()
                && access_policy.is_none()
                && aws_auth.is_none()
                && group_bindings.is_empty()
                && rbac_grants.is_empty()
            {
                continue;
            }
            principal = principal
                .or_else(|| access_entry.map(|e| e.principal_arn.clone()))
                .or_else(|| access_policy.map(|a| a.principal_arn.clone()));
            aws_auth_principal =
                aws_auth_principal.or_else(|| aws_auth.map(|(_, m)| m.arn.clone()));
            clusters.push(AccessClusterCtx {
                cluster: c.name.clone(),
                eks_name: c.eks_name.clone(),
                auth_mode: c.auth_mode.eks_value(),
                access_entry: access_entry.map(entry),
                access_policy: access_policy.map(policy_association),
                more_access_policies,
                aws_auth: aws_auth.map(|(map, m)| AwsAuthCtx {
                    map,
                    arn: m.arn.clone(),
                    username: m.username.clone(),
                    groups: m.groups.clone(),
                }),
                group_bindings,
                rbac: rbac_grants,
            });
        }
        // The ARN with its path where an access entry has it; aws-auth drops the path.
        let principal = principal.or(aws_auth_principal);
        let ctx = AccessCtx {
            name: name.clone(),
            principal_arn: principal.unwrap_or_default(),
            clusters,
            sources: locations(sources, &spans),
        };
        out.push(Entity {
            file: name.clone(),
            what: format!("access `{name}`"),
            spans,
            context: root(Kind::Access, template, ctx),
        });
    }
    out
}

fn clusters(ir: &Ir, sources: &Sources, template: &str) -> Vec<Entity> {
    ir.clusters
        .values()
        .map(|c| {
            let spans = vec![c.span];
            let ctx = ClusterCtx {
                name: c.name.clone(),
                eks_name: c.eks_name.clone(),
                account: c.account.clone(),
                region: c.region.clone(),
                partition: c.partition.clone(),
                arn: c.arn(),
                oidc: c.oidc.clone(),
                oidc_provider_arn: c.oidc_provider_arn(),
                org: c.org.clone(),
                auth_mode: c.auth_mode.eks_value(),
                nodes: c
                    .node_roles
                    .iter()
                    .find(|r| r.kind == crate::ir::NodeKind::Linux)
                    .map(|r| r.arn.clone()),
                boundary: c.boundary.clone(),
                role_path: c.role_path.clone(),
                bootstrap_admin: c.bootstrap_admin,
                namespaces: ir
                    .namespaces
                    .values()
                    .filter(|n| n.clusters.contains(&c.name))
                    .map(|n| n.name.clone())
                    .collect(),
                iam_roles: ir
                    .roles
                    .iter()
                    .filter(|r| r.members.iter().any(|m| m.cluster == c.name))
                    .map(|r| ClusterRoleRefCtx {
                        name: r.name.clone(),
                        account: r.account.clone(),
                        arn: r.arn(),
                        identity: identity_word(r.identity),
                    })
                    .collect(),
                service_accounts: ir
                    .service_accounts
                    .iter()
                    .filter(|s| s.cluster == c.name)
                    .map(service_account)
                    .collect(),
                pod_identity_associations: ir
                    .pod_identity_associations
                    .iter()
                    .filter(|a| a.cluster == c.name)
                    .map(association)
                    .collect(),
                access_entries: ir
                    .access_entries
                    .iter()
                    .filter(|e| e.cluster == c.name)
                    .map(entry)
                    .collect(),
                access_policy_associations: ir
                    .access_policy_associations
                    .iter()
                    .filter(|a| a.cluster == c.name)
                    .map(policy_association)
                    .collect(),
                rbac: ir
                    .rbac
                    .iter()
                    .filter(|g| g.cluster == c.name)
                    .map(rbac)
                    .collect(),
                sources: locations(sources, &spans),
            };
            Entity {
                file: c.name.clone(),
                what: format!("cluster `{}`", c.name),
                spans,
                context: root(Kind::Cluster, template, ctx),
            }
        })
        .collect()
}
