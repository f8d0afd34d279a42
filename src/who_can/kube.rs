//! `who-can VERB RESOURCE [-n NS]` over Kubernetes: apps' Roles and ClusterRoles, the rules of
//! `access` declarations, the EKS access policies of access entries (with their scope), aws-auth
//! groups bound to the built-in ClusterRoles, and the cluster creator's admin permissions.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::eks_policies;
use crate::ir::{AccessPolicy, AccessScope, Ir, PolicyRule, Subject};
use crate::source::Sources;

/// A Kubernetes question.
#[derive(Clone, Debug)]
pub struct KubeQuery {
    /// The verb (`get`, `delete`, `create`, …).
    pub verb: String,
    /// The resource as written in `.access` files (`deployments`, `pods/exec`,
    /// `certificates.cert-manager.io`).
    pub resource: String,
    /// The namespace; None: every namespace (or a cluster-scoped resource).
    pub namespace: Option<String>,
    /// Only this cluster.
    pub cluster: Option<String>,
    /// The object's name, for rules restricted to names.
    pub name: Option<String>,
}

/// The answer to a Kubernetes question.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KubeAnswer {
    /// The verb.
    pub verb: String,
    /// The resource as RBAC names it (`deployments`, `pods/exec`).
    pub resource: String,
    /// Its API group (`""` is core).
    pub api_group: String,
    /// The namespace asked about.
    pub namespace: Option<String>,
    /// Whether the resource is cluster-scoped (None: unknown, a custom resource).
    pub cluster_scoped: Option<bool>,
    /// The clusters looked at.
    pub clusters: Vec<String>,
    /// Every grant, sorted by who, cluster and mechanism.
    pub grants: Vec<KubeGrant>,
    /// Remarks about the question.
    pub notes: Vec<String>,
}

/// Who can, on one cluster, and through what.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct KubeGrant {
    /// `access payments-devs`, `app ops/reloader`, `cluster creator`, `group deployers`.
    pub who: String,
    /// The IAM principal ARN, or `service account NS/SA`.
    pub principal: String,
    /// The cluster.
    pub cluster: String,
    /// The mechanism: `EKS access policy edit (AmazonEKSEditPolicy)`, `Role reloader`, …
    pub via: String,
    /// `cluster-wide`, `namespace payments`, `namespaces billing, payments`.
    pub scope: String,
    /// When the rule is restricted to object names: those names.
    pub only_named: Vec<String>,
    /// `file:line` of the declaration that grants it.
    pub location: String,
}

/// Why a question cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryError(pub String);

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

struct Target<'a> {
    verb: &'a str,
    group: String,
    resource: String,
    cluster_scoped: Option<bool>,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
}

impl Target<'_> {
    /// Whether a grant in `ns` (None: cluster-wide) covers the question.
    fn covers(&self, ns: Option<&str>) -> bool {
        match ns {
            None => true,
            Some(ns) => self.cluster_scoped != Some(true) && self.namespace.is_none_or(|q| q == ns),
        }
    }

    /// Whether an access scope covers the question.
    fn scope_covers(&self, scope: &AccessScope) -> bool {
        match scope {
            AccessScope::Cluster => true,
            AccessScope::Namespaces(set) => {
                self.cluster_scoped != Some(true) && self.namespace.is_none_or(|q| set.contains(q))
            }
        }
    }

    /// The rule matches: Some(names it is restricted to), None when it does not.
    fn rule(&self, r: &PolicyRule) -> Option<Vec<String>> {
        let any = |list: &[String], want: &str| list.iter().any(|x| x == "*" || x == want);
        if !any(&r.verbs, self.verb)
            || !any(&r.api_groups, &self.group)
            || !any(&r.resources, &self.resource)
        {
            return None;
        }
        if r.resource_names.is_empty() {
            return Some(Vec::new());
        }
        match self.name {
            Some(n) if !r.resource_names.iter().any(|x| x == n) => None,
            _ => Some(r.resource_names.clone()),
        }
    }

    fn policy(&self, p: AccessPolicy, at_cluster_scope: bool) -> bool {
        eks_policies::grants(
            p,
            self.verb,
            &self.group,
            &self.resource,
            self.cluster_scoped,
            at_cluster_scope,
        )
    }
}

fn scope_text(ns: Option<&str>) -> String {
    match ns {
        None => "cluster-wide".to_string(),
        Some(n) => format!("namespace {n}"),
    }
}

fn access_scope_text(scope: &AccessScope) -> String {
    match scope {
        AccessScope::Cluster => "cluster-wide".to_string(),
        AccessScope::Namespaces(set) if set.len() == 1 => {
            format!(
                "namespace {}",
                set.iter().next().map(String::as_str).unwrap_or("")
            )
        }
        AccessScope::Namespaces(set) => format!(
            "namespaces {}",
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        ),
    }
}

fn builtin_policy(cluster_role: &str) -> Option<AccessPolicy> {
    match cluster_role {
        "cluster-admin" => Some(AccessPolicy::ClusterAdmin),
        "admin" => Some(AccessPolicy::Admin),
        "edit" => Some(AccessPolicy::Edit),
        "view" => Some(AccessPolicy::View),
        _ => None,
    }
}

fn policy_of_arn(arn: &str) -> Option<AccessPolicy> {
    [
        AccessPolicy::ClusterAdmin,
        AccessPolicy::Admin,
        AccessPolicy::Edit,
        AccessPolicy::View,
    ]
    .into_iter()
    .find(|p| arn.ends_with(&format!("/{}", p.eks_name())))
}

/// The IAM principals mapped to a Kubernetes group on a cluster: (who, principal ARN).
fn group_holders(ir: &Ir, cluster: &str, group: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for e in &ir.access_entries {
        if e.cluster == cluster && e.groups.iter().any(|g| g == group) {
            out.insert((e.origin.what.clone(), e.principal_arn.clone()));
        }
    }
    for a in ir.aws_auth.iter().filter(|a| a.cluster == cluster) {
        for m in a.map_roles.iter().chain(&a.map_users) {
            if m.groups.iter().any(|g| g == group) {
                out.insert((m.origin.what.clone(), m.arn.clone()));
            }
        }
    }
    out
}

/// Answer a Kubernetes question over the program.
pub fn answer(ir: &Ir, sources: &Sources, q: &KubeQuery) -> Result<KubeAnswer, QueryError> {
    if !crate::kube::is_verb(&q.verb) {
        return Err(QueryError(format!(
            "unknown Kubernetes verb `{}`; verbs are {}",
            q.verb,
            crate::kube::VERBS.join(", ")
        )));
    }
    let resolved = crate::kube::resolve(&q.resource).map_err(|e| QueryError(e.to_string()))?;
    if let Some(c) = &q.cluster {
        if !ir.clusters.contains_key(c) {
            return Err(QueryError(format!("no cluster `{c}` in the program")));
        }
    }
    let cluster_scoped = resolved.namespaced().map(|n| !n);
    let mut notes = Vec::new();
    let mut namespace = q.namespace.as_deref();
    if cluster_scoped == Some(true) && namespace.is_some() {
        notes.push(format!(
            "`{}` is cluster-scoped: the namespace is ignored",
            q.resource
        ));
        namespace = None;
    }
    if let Some(ns) = namespace {
        if !ir.namespaces.contains_key(ns) {
            notes.push(format!(
                "namespace `{ns}` is not declared in the program: only cluster-wide grants and access scopes naming it apply"
            ));
        }
    }
    let t = Target {
        verb: &q.verb,
        group: resolved.group().to_string(),
        resource: resolved.rbac_resource(),
        cluster_scoped,
        namespace,
        name: q.name.as_deref(),
    };
    let clusters: Vec<String> = ir
        .clusters
        .keys()
        .filter(|c| q.cluster.as_ref().is_none_or(|x| x == *c))
        .cloned()
        .collect();
    let on = |c: &str| clusters.iter().any(|x| x == c);
    let mut grants = BTreeSet::new();

    // Roles and ClusterRoles of apps and accesses.
    for g in ir.rbac.iter().filter(|g| on(&g.cluster)) {
        if !t.covers(g.namespace.as_deref()) {
            continue;
        }
        let Some(names) = g
            .rules
            .iter()
            .filter_map(|r| t.rule(r))
            .min_by_key(Vec::len)
        else {
            continue;
        };
        let kind = if g.namespace.is_some() {
            "Role"
        } else {
            "ClusterRole"
        };
        let location = sources.location(g.origin.span);
        let scope = scope_text(g.namespace.as_deref());
        match &g.subject {
            Subject::ServiceAccount { name, namespace } => {
                let app = ir
                    .service_accounts
                    .iter()
                    .find(|sa| {
                        sa.cluster == g.cluster && sa.namespace == *namespace && sa.name == *name
                    })
                    .map(|sa| format!("app {}", sa.app))
                    .unwrap_or_else(|| g.origin.what.clone());
                grants.insert(KubeGrant {
                    who: app,
                    principal: format!("service account {namespace}/{name}"),
                    cluster: g.cluster.clone(),
                    via: format!("{kind} {}", g.name),
                    scope,
                    only_named: names,
                    location,
                });
            }
            Subject::Group(group) => {
                let holders = group_holders(ir, &g.cluster, group);
                if holders.is_empty() {
                    grants.insert(KubeGrant {
                        who: format!("group {group}"),
                        principal: String::new(),
                        cluster: g.cluster.clone(),
                        via: format!("{kind} {}", g.name),
                        scope: scope.clone(),
                        only_named: names.clone(),
                        location: location.clone(),
                    });
                }
                for (who, arn) in holders {
                    grants.insert(KubeGrant {
                        who,
                        principal: arn,
                        cluster: g.cluster.clone(),
                        via: format!("{kind} {} (group {group})", g.name),
                        scope: scope.clone(),
                        only_named: names.clone(),
                        location: location.clone(),
                    });
                }
            }
        }
    }

    // EKS access policies of access entries.
    for a in ir
        .access_policy_associations
        .iter()
        .filter(|a| on(&a.cluster))
    {
        let Some(policy) = policy_of_arn(&a.policy_arn) else {
            continue;
        };
        if !t.scope_covers(&a.scope) || !t.policy(policy, a.scope == AccessScope::Cluster) {
            continue;
        }
        grants.insert(KubeGrant {
            who: a.origin.what.clone(),
            principal: a.principal_arn.clone(),
            cluster: a.cluster.clone(),
            via: format!(
                "EKS access policy {} ({})",
                policy.keyword(),
                policy.eks_name()
            ),
            scope: access_scope_text(&a.scope),
            only_named: Vec::new(),
            location: sources.location(a.origin.span),
        });
    }

    // aws-auth groups bound to the built-in ClusterRoles.
    for b in ir.group_bindings.iter().filter(|b| on(&b.cluster)) {
        let Some(policy) = builtin_policy(&b.cluster_role) else {
            continue;
        };
        if !t.covers(b.namespace.as_deref()) || !t.policy(policy, b.namespace.is_none()) {
            continue;
        }
        let kind = if b.namespace.is_some() {
            "RoleBinding"
        } else {
            "ClusterRoleBinding"
        };
        for (who, arn) in group_holders(ir, &b.cluster, &b.group) {
            grants.insert(KubeGrant {
                who,
                principal: arn,
                cluster: b.cluster.clone(),
                via: format!(
                    "aws-auth group {}, {kind} {} to ClusterRole {}",
                    b.group, b.name, b.cluster_role
                ),
                scope: scope_text(b.namespace.as_deref()),
                only_named: Vec::new(),
                location: sources.location(b.origin.span),
            });
        }
    }

    // The cluster creator.
    for c in ir.access_configs.iter().filter(|c| on(&c.cluster)) {
        if c.bootstrap_admin && t.policy(AccessPolicy::ClusterAdmin, true) {
            grants.insert(KubeGrant {
                who: "cluster creator".to_string(),
                principal: "the IAM principal that created the cluster".to_string(),
                cluster: c.cluster.clone(),
                via: "bootstrapClusterCreatorAdminPermissions (cluster-admin)".to_string(),
                scope: "cluster-wide".to_string(),
                only_named: Vec::new(),
                location: sources.location(c.span),
            });
        }
    }

    Ok(KubeAnswer {
        verb: q.verb.clone(),
        resource: t.resource.clone(),
        api_group: t.group.clone(),
        namespace: namespace.map(str::to_string),
        cluster_scoped,
        clusters,
        grants: grants.into_iter().collect(),
        notes,
    })
}

/// Plain-text rendering: one block per principal, one line per mechanism with its clusters.
pub fn render_text(a: &KubeAnswer) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let what = if a.api_group.is_empty() {
        a.resource.clone()
    } else {
        let (base, sub) = match a.resource.split_once('/') {
            Some((b, s)) => (b, format!("/{s}")),
            None => (a.resource.as_str(), String::new()),
        };
        format!("{base}.{}{sub}", a.api_group)
    };
    let where_ = match (&a.namespace, a.cluster_scoped) {
        (_, Some(true)) => "(cluster-scoped)".to_string(),
        (Some(ns), _) => format!("in namespace {ns}"),
        (None, _) => "in any namespace".to_string(),
    };
    let _ = writeln!(
        out,
        "who can {} {what} {where_} on {}",
        a.verb,
        a.clusters.join(", ")
    );
    for n in &a.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if a.grants.is_empty() {
        let _ = writeln!(out, "\nnobody");
        return out;
    }
    // who → (principal, via, scope, names, location) → clusters
    type Line = (String, String, String, Vec<String>, String);
    let mut by_who: BTreeMap<String, BTreeMap<Line, Vec<String>>> = BTreeMap::new();
    for g in &a.grants {
        by_who
            .entry(g.who.clone())
            .or_default()
            .entry((
                g.principal.clone(),
                g.via.clone(),
                g.scope.clone(),
                g.only_named.clone(),
                g.location.clone(),
            ))
            .or_default()
            .push(g.cluster.clone());
    }
    for (who, lines) in by_who {
        let principals: BTreeSet<&str> = lines
            .keys()
            .map(|l| l.0.as_str())
            .filter(|p| !p.is_empty())
            .collect();
        if principals.is_empty() {
            let _ = writeln!(out, "\n{who}");
        } else {
            let p: Vec<&str> = principals.into_iter().collect();
            let _ = writeln!(out, "\n{who}  {}", p.join(", "));
        }
        for ((_, via, scope, names, location), clusters) in lines {
            let named = if names.is_empty() {
                String::new()
            } else {
                format!(
                    ", only named {}",
                    crate::source::show_hidden(&names.join(", "), false)
                )
            };
            let _ = writeln!(
                out,
                "  on {}: {via}, {scope}{named}  {location}",
                clusters.join(", ")
            );
        }
    }
    out
}
