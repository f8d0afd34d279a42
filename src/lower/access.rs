//! Cluster access → EKS access entries, access policy associations, aws-auth mappings and RBAC,
//! each cluster by its authentication mode (the table in [`crate::check::access`]), after the
//! declarations' own checks there.

use std::collections::{BTreeMap, BTreeSet};

use crate::check::access::{
    self, default_username, own_group, policy_binding_name, principal, rules_name, Access,
};
use crate::check::resolve::Symbols;
use crate::diagnostics::Diag;
use crate::ir::{
    self, AccessScope, AuthMode, Ir, NodeKind, NodeRole, Origin, Principal, PrincipalKind,
};

/// Check and lower every access declaration and the clusters' access configuration (the checks
/// are [`crate::check::access`]'s, and some read the IR lowered so far).
pub fn lower(
    syms: &Symbols<'_>,
    previous: &BTreeMap<String, AuthMode>,
    memos: &crate::check::Memos,
    ir: &mut Ir,
    diags: &mut Vec<Diag>,
) {
    access::clusters(syms, previous, ir, diags);
    let mut accesses = Vec::new();
    for decl in syms.accesses.values() {
        accesses.push(access::check_access(decl, syms, memos, diags));
    }
    access::per_cluster_checks(&accesses, syms, ir, diags);
    for a in &accesses {
        lower_access(a, ir);
    }
    nodes(ir);
    ir.access_entries
        .sort_by(|a, b| (&a.cluster, &a.file).cmp(&(&b.cluster, &b.file)));
    ir.access_policy_associations
        .sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    ir.aws_auth.sort_by(|a, b| a.cluster.cmp(&b.cluster));
    for auth in &mut ir.aws_auth {
        // The node role first, then the accesses by name.
        auth.map_roles
            .sort_by_key(|m| m.origin.what.starts_with("access "));
        auth.map_users
            .sort_by(|a, b| a.origin.what.cmp(&b.origin.what));
    }
    ir.group_bindings.sort_by(|a, b| {
        (&a.cluster, &a.namespace, &a.name).cmp(&(&b.cluster, &b.namespace, &b.name))
    });
    ir.rbac.sort_by(|a, b| {
        (&a.cluster, &a.namespace, &a.name).cmp(&(&b.cluster, &b.namespace, &b.name))
    });
}

fn aws_auth_of<'i>(ir: &'i mut Ir, cluster: &str) -> &'i mut ir::AwsAuth {
    let pos = match ir.aws_auth.iter().position(|a| a.cluster == cluster) {
        Some(p) => p,
        None => {
            ir.aws_auth.push(ir::AwsAuth {
                cluster: cluster.to_string(),
                map_roles: Vec::new(),
                map_users: Vec::new(),
                passthrough: ir::Passthrough::default(),
            });
            ir.aws_auth.len() - 1
        }
    };
    &mut ir.aws_auth[pos]
}

/// An access's EKS access policies and their scopes: `policy` + `scope` first, then the level
/// settings (`view = cluster`, …), strongest first.
fn associations<'a>(
    a: &'a Access<'_>,
) -> impl Iterator<Item = (ir::AccessPolicy, &'a AccessScope)> + 'a {
    a.policy
        .iter()
        .map(|p| (p.node, &a.scope))
        .chain(a.more_policies.iter().map(|m| (m.policy.node, &m.scope)))
}

/// The artifacts of one access on each of its clusters.
fn lower_access(a: &Access<'_>, ir: &mut Ir) {
    let Some(p) = &a.principal else {
        return;
    };
    let p = &p.node;
    let name = a.name();
    let group = own_group(name);
    let has_rules = !a.rules.is_empty();
    let mut clusters: Vec<ir::Cluster> = a
        .decl
        .clusters
        .iter()
        .filter_map(|c| ir.clusters.get(&c.node).cloned())
        .collect();
    clusters.sort_by(|x, y| x.name.cmp(&y.name));
    clusters.dedup_by(|x, y| x.name == y.name);
    for c in &clusters {
        if c.auth_mode.uses_access_entries() {
            let mut groups: BTreeSet<String> = a.groups.iter().cloned().collect();
            if has_rules {
                groups.insert(group.clone());
            }
            ir.access_entries.push(ir::AccessEntry {
                cluster: c.name.clone(),
                eks_name: c.eks_name.clone(),
                file: name.to_string(),
                principal_arn: p.arn.clone(),
                entry_type: ir::AccessEntryType::Standard,
                groups: groups.into_iter().collect(),
                username: a.username.clone(),
                origin: a.origin(),
            });
            for (i, (policy, scope)) in associations(a).enumerate() {
                ir.access_policy_associations
                    .push(ir::AccessPolicyAssociation {
                        cluster: c.name.clone(),
                        eks_name: c.eks_name.clone(),
                        // The first keeps the access's name; the next add their level.
                        name: if i == 0 {
                            name.to_string()
                        } else {
                            format!("{name}.{}", policy.keyword())
                        },
                        principal_arn: p.arn.clone(),
                        policy_arn: policy.arn(&c.partition),
                        scope: scope.clone(),
                        origin: a.origin(),
                    });
            }
        } else {
            let mut groups = a.groups.clone();
            if (associations(a).next().is_some() || has_rules) && !groups.contains(&group) {
                groups.push(group.clone());
            }
            let mapping = ir::AwsAuthMapping {
                arn: p.arn_without_path(),
                username: a
                    .username
                    .clone()
                    .unwrap_or_else(|| default_username(name, p.kind)),
                groups,
                origin: a.origin(),
            };
            let auth = aws_auth_of(ir, &c.name);
            match p.kind {
                PrincipalKind::Role => auth.map_roles.push(mapping),
                PrincipalKind::User => auth.map_users.push(mapping),
            }
            for (policy, scope) in associations(a) {
                let namespaces: Vec<Option<String>> = match scope {
                    AccessScope::Cluster => vec![None],
                    AccessScope::Namespaces(ns) => ns.iter().cloned().map(Some).collect(),
                };
                for ns in namespaces {
                    ir.group_bindings.push(ir::GroupBinding {
                        cluster: c.name.clone(),
                        namespace: ns,
                        name: policy_binding_name(name, policy),
                        cluster_role: policy.cluster_role().to_string(),
                        group: group.clone(),
                        origin: a.origin(),
                    });
                }
            }
        }
        for (target, (policy_rules, _)) in &a.rules {
            if let Some(ns) = target {
                let on_cluster = ir
                    .namespaces
                    .get(ns)
                    .is_some_and(|n| n.clusters.contains(&c.name));
                if !on_cluster {
                    continue;
                }
            }
            ir.rbac.push(ir::RbacGrant {
                cluster: c.name.clone(),
                namespace: target.clone(),
                name: rules_name(name),
                rules: policy_rules.clone(),
                subject: ir::Subject::Group(group.clone()),
                origin: a.origin(),
            });
        }
    }
}

/// The node roles of each cluster: an access entry of their type (EC2_LINUX, EC2_WINDOWS,
/// FARGATE_LINUX) where access entries are read, the first aws-auth mappings (as EKS writes
/// them) where aws-auth is read, followed there by the pass-through items. Every aws-auth
/// cluster gets its ConfigMap.
fn nodes(ir: &mut Ir) {
    let clusters: Vec<ir::Cluster> = ir.clusters.values().cloned().collect();
    for c in &clusters {
        let origin = Origin {
            what: format!("cluster {}", c.name),
            span: c.span,
        };
        let roles: Vec<(&NodeRole, Principal)> = c
            .node_roles
            .iter()
            .filter_map(|r| principal(&r.arn).ok().map(|p| (r, p)))
            .collect();
        if c.auth_mode.uses_aws_auth() {
            let auth = aws_auth_of(ir, &c.name);
            for (r, p) in &roles {
                auth.map_roles.push(ir::AwsAuthMapping {
                    arn: p.arn_without_path(),
                    username: r.kind.username().to_string(),
                    groups: r.kind.groups().iter().map(|g| g.to_string()).collect(),
                    origin: origin.clone(),
                });
            }
            auth.passthrough = c.passthrough.clone();
        }
        if c.auth_mode.uses_access_entries() {
            let mut firsts: BTreeSet<NodeKind> = BTreeSet::new();
            for (r, p) in &roles {
                let stem = r.kind.file_stem();
                let file = if firsts.insert(r.kind) {
                    stem.to_string()
                } else {
                    format!("{stem}.{}", p.name)
                };
                ir.access_entries.push(ir::AccessEntry {
                    cluster: c.name.clone(),
                    eks_name: c.eks_name.clone(),
                    file,
                    principal_arn: r.arn.clone(),
                    entry_type: r.kind.entry_type(),
                    groups: Vec::new(),
                    username: None,
                    origin: origin.clone(),
                });
            }
        }
    }
}
