//! What the report shows, gathered once from the IR: every app's explanation, the shared roles,
//! the access principals, and the inverted indexes (AWS resource → who reaches it, Kubernetes
//! resource → who is bound to it). Everything is sorted by stable keys.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::Span;
use crate::explain::{self, Explanation};
use crate::ir::{AccessScope, IamRole, Ir, Subject};
use crate::source::Sources;

/// The index of one program.
pub struct Index<'a> {
    /// Every app's explanation, by `NS/APP`.
    pub apps: Vec<Explanation>,
    /// App key → position in `apps`.
    pub app_pos: BTreeMap<String, usize>,
    /// Shared roles (declared by `role NAME`), by name then ARN.
    pub roles: Vec<&'a IamRole>,
    /// Role ARN → position in `roles` (shared roles only).
    pub role_pos: BTreeMap<String, usize>,
    /// Access principals (access entries, access policies, aws-auth), by ARN.
    pub principals: Vec<Principal>,
    /// AWS resources (ARN patterns) → who reaches them.
    pub resources: BTreeMap<String, Vec<Reach>>,
    /// Kubernetes resources (namespace or `*` for cluster-wide, `resource[.group]`) → bindings.
    pub kube: BTreeMap<(String, String), Vec<KubeReach>>,
}

/// An access principal (an IAM role or user given access to clusters).
pub struct Principal {
    /// Its ARN.
    pub arn: String,
    /// What it gets, per cluster: cluster, text, declaration.
    pub grants: Vec<(String, String, Span)>,
}

/// Who reaches an AWS resource.
pub enum Reach {
    /// An app through a role: the app, the shared role it goes through (if shared), the allowed
    /// actions by grant (`read` → count), how many actions are denied.
    App {
        /// Position in `apps`.
        app: usize,
        /// Position in `roles` of a shared role.
        via: Option<usize>,
        /// Grant word → allowed actions.
        allowed: BTreeMap<String, usize>,
        /// Denied actions.
        denied: usize,
    },
    /// A resource-based policy statement.
    Policy {
        /// Statement id.
        sid: String,
        /// `Principal.AWS`.
        principals: Vec<String>,
        /// Actions.
        actions: Vec<String>,
        /// Conditions (`op key = v | w`).
        conditions: Vec<String>,
        /// The declaration.
        span: Span,
    },
}

/// Who is bound to a Kubernetes resource.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeReach {
    /// The subject: an app (position) or a text (`group devs`, `service account ns/name`).
    pub app: Option<usize>,
    /// The subject's text when it is no app.
    pub subject: String,
    /// Verbs.
    pub verbs: Vec<String>,
    /// Resource names (empty: all).
    pub names: Vec<String>,
    /// Clusters.
    pub clusters: BTreeSet<String>,
    /// The declaration.
    pub span: Span,
}

/// Build the index.
pub fn build<'a>(ir: &'a Ir, sources: &Sources) -> Index<'a> {
    // Each app's service accounts, roles and RBAC grants, found once.
    let mut sas: BTreeMap<&str, Vec<&crate::ir::ServiceAccount>> = BTreeMap::new();
    for sa in &ir.service_accounts {
        sas.entry(sa.app.as_str()).or_default().push(sa);
    }
    let mut roles_of: BTreeMap<&str, Vec<&IamRole>> = BTreeMap::new();
    for r in &ir.roles {
        let mut seen = BTreeSet::new();
        for m in &r.members {
            if seen.insert(m.app.as_str()) {
                roles_of.entry(m.app.as_str()).or_default().push(r);
            }
        }
    }
    let mut rbac_of: BTreeMap<(&str, &str), Vec<&crate::ir::RbacGrant>> = BTreeMap::new();
    let mut sa_app: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for sa in &ir.service_accounts {
        sa_app.insert((sa.namespace.as_str(), sa.name.as_str()), sa.app.as_str());
    }
    for g in &ir.rbac {
        if let Subject::ServiceAccount { name, namespace } = &g.subject {
            rbac_of
                .entry((namespace.as_str(), name.as_str()))
                .or_default()
                .push(g);
        }
    }
    let mut apps = Vec::new();
    for (key, list) in &sas {
        let roles = roles_of.get(key).cloned().unwrap_or_default();
        let sa = list[0];
        let rbac = rbac_of
            .get(&(sa.namespace.as_str(), sa.name.as_str()))
            .cloned()
            .unwrap_or_default();
        if let Some(e) = explain::data_in(ir, sources, key, list, &roles, &rbac) {
            apps.push(e);
        }
    }
    let app_pos: BTreeMap<String, usize> = apps
        .iter()
        .enumerate()
        .map(|(i, e)| (e.app.clone(), i))
        .collect();

    let mut roles: Vec<&IamRole> = ir
        .roles
        .iter()
        .filter(|r| r.origin.what.starts_with("role "))
        .collect();
    roles.sort_by_key(|r| (r.name.clone(), r.arn()));
    roles.dedup_by_key(|r| r.arn());
    let role_pos: BTreeMap<String, usize> = roles
        .iter()
        .enumerate()
        .map(|(i, r)| (r.arn(), i))
        .collect();

    // AWS resources: every app's effective grants, then the resource policies.
    let mut resources: BTreeMap<String, Vec<Reach>> = BTreeMap::new();
    for (i, e) in apps.iter().enumerate() {
        for r in &e.roles {
            let via = role_pos.get(&r.arn).copied();
            for res in &r.resources {
                let mut allowed: BTreeMap<String, usize> = BTreeMap::new();
                let mut denied = 0;
                for a in &res.actions {
                    if a.denied.is_empty() {
                        let words: BTreeSet<&str> =
                            a.from.iter().map(|(_, how)| how.as_str()).collect();
                        for w in words {
                            *allowed.entry(w.to_string()).or_default() += 1;
                        }
                    } else {
                        denied += 1;
                    }
                }
                resources
                    .entry(res.resource.clone())
                    .or_default()
                    .push(Reach::App {
                        app: i,
                        via,
                        allowed,
                        denied,
                    });
            }
        }
    }
    for p in &ir.resource_policies {
        for s in &p.statements {
            resources
                .entry(p.arn.clone())
                .or_default()
                .push(Reach::Policy {
                    sid: s.sid.clone(),
                    principals: s.principals.iter().cloned().collect(),
                    actions: s.actions.iter().cloned().collect(),
                    conditions: s
                        .conditions
                        .iter()
                        .flat_map(|(op, keys)| {
                            keys.iter().map(move |(k, v)| {
                                format!(
                                    "{op} {k} = {}",
                                    v.iter().cloned().collect::<Vec<_>>().join(" | ")
                                )
                            })
                        })
                        .collect(),
                    span: p.span,
                });
        }
    }

    // Kubernetes resources.
    let mut kube: BTreeMap<(String, String), Vec<KubeReach>> = BTreeMap::new();
    for g in &ir.rbac {
        let (app, subject) = match &g.subject {
            Subject::ServiceAccount { name, namespace } => {
                match sa_app.get(&(namespace.as_str(), name.as_str())) {
                    Some(a) => (app_pos.get(*a).copied(), String::new()),
                    None => (None, format!("service account {namespace}/{name}")),
                }
            }
            Subject::Group(group) => (None, format!("group {group}")),
        };
        let scope = g.namespace.clone().unwrap_or_else(|| "*".to_string());
        for rule in &g.rules {
            for res in &rule.resources {
                for group in &rule.api_groups {
                    let name = if group.is_empty() {
                        res.clone()
                    } else {
                        format!("{res}.{group}")
                    };
                    let list = kube.entry((scope.clone(), name)).or_default();
                    let reach = KubeReach {
                        app,
                        subject: subject.clone(),
                        verbs: rule.verbs.clone(),
                        names: rule.resource_names.clone(),
                        clusters: BTreeSet::from([g.cluster.clone()]),
                        span: g.origin.span,
                    };
                    match list.iter_mut().find(|k| {
                        k.app == reach.app
                            && k.subject == reach.subject
                            && k.verbs == reach.verbs
                            && k.names == reach.names
                            && k.span == reach.span
                    }) {
                        Some(k) => {
                            k.clusters.insert(g.cluster.clone());
                        }
                        None => list.push(reach),
                    }
                }
            }
        }
    }
    for list in kube.values_mut() {
        list.sort();
    }

    // Access principals.
    let mut by_arn: BTreeMap<String, Vec<(String, String, Span)>> = BTreeMap::new();
    for e in &ir.access_entries {
        let mut text = format!("access entry ({})", e.entry_type.eks_value());
        if !e.groups.is_empty() {
            text.push_str(&format!(", groups {}", e.groups.join(", ")));
            for b in ir
                .group_bindings
                .iter()
                .filter(|b| b.cluster == e.cluster && e.groups.contains(&b.group))
            {
                text.push_str(&format!(
                    "; group {} bound to ClusterRole {} {}",
                    b.group,
                    b.cluster_role,
                    match &b.namespace {
                        Some(n) => format!("in namespace {n}"),
                        None => "cluster-wide".to_string(),
                    }
                ));
            }
        }
        if let Some(u) = &e.username {
            text.push_str(&format!(", username {u}"));
        }
        by_arn.entry(e.principal_arn.clone()).or_default().push((
            e.cluster.clone(),
            text,
            e.origin.span,
        ));
    }
    for a in &ir.access_policy_associations {
        let policy = a.policy_arn.rsplit('/').next().unwrap_or(&a.policy_arn);
        let scope = match &a.scope {
            AccessScope::Cluster => "the whole cluster".to_string(),
            AccessScope::Namespaces(ns) => format!(
                "namespaces {}",
                ns.iter().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
        by_arn.entry(a.principal_arn.clone()).or_default().push((
            a.cluster.clone(),
            format!("access policy {policy} on {scope}"),
            a.origin.span,
        ));
    }
    for auth in &ir.aws_auth {
        for (list, what) in [(&auth.map_roles, "mapRoles"), (&auth.map_users, "mapUsers")] {
            for m in list {
                by_arn.entry(m.arn.clone()).or_default().push((
                    auth.cluster.clone(),
                    format!(
                        "aws-auth {what}: username {}, groups {}",
                        m.username,
                        m.groups.join(", ")
                    ),
                    m.origin.span,
                ));
            }
        }
    }
    let principals = by_arn
        .into_iter()
        .map(|(arn, mut grants)| {
            grants.sort_by(|a, b| (&a.0, a.2, &a.1).cmp(&(&b.0, b.2, &b.1)));
            grants.dedup();
            Principal { arn, grants }
        })
        .collect();

    Index {
        apps,
        app_pos,
        roles,
        role_pos,
        principals,
        resources,
        kube,
    }
}
