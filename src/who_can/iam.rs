//! `who-can ACTION RESOURCE` over IAM: the workload roles whose permissions policy allows the
//! action on the resource (after their permission boundary), and the resource-based policies
//! that admit principals to it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::pattern::{has_wildcard, Pattern};
use crate::ast::Span;
use crate::ir::{IamRole, Ir, Member, ResourceStatement};
use crate::source::Sources;

/// The answer to one IAM question.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IamAnswer {
    /// The action asked about.
    pub action: String,
    /// The resource asked about.
    pub resource: String,
    /// Roles that can.
    pub allowed: Vec<RoleAnswer>,
    /// Roles whose permissions policy allows it but whose permission boundary does not.
    pub denied_by_boundary: Vec<RoleAnswer>,
    /// Roles whose permissions policy allows it on a resource of another account whose
    /// declared resource policy does not admit them (AWS asks both across accounts).
    pub denied_by_resource_policy: Vec<RoleAnswer>,
    /// Resource-based policies that admit principals to it.
    pub resource_policies: Vec<ResourceAnswer>,
    /// Remarks about the question (an unknown action, a resource that is not an ARN).
    pub notes: Vec<String>,
}

impl IamAnswer {
    /// Whether anyone can (a role, or a resource policy that grants on its own).
    pub fn anyone(&self) -> bool {
        !self.allowed.is_empty() || self.resource_policies.iter().any(|r| r.sufficient)
    }
}

/// A role and why it can (or would, but for its boundary).
#[derive(Clone, Debug, Serialize)]
pub struct RoleAnswer {
    /// Role name.
    pub role: String,
    /// Role ARN.
    pub arn: String,
    /// `app payments/checkout` or `role tenant-reader`.
    pub declared_by: String,
    /// `file:line` of that declaration.
    pub location: String,
    /// The service accounts that get the permission through this role (for a shared role with
    /// `${…}` resources, only the members whose values match).
    pub members: Vec<MemberAnswer>,
    /// The statements that allow it.
    pub grants: Vec<GrantAnswer>,
    /// The role's permission boundary and what it says.
    pub boundary: Option<BoundaryAnswer>,
}

/// A member of a role.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MemberAnswer {
    /// App `NS/APP`.
    pub app: String,
    /// Cluster.
    pub cluster: String,
    /// Namespace.
    pub namespace: String,
    /// Service account.
    pub service_account: String,
}

/// One statement that allows the action.
#[derive(Clone, Debug, Serialize)]
pub struct GrantAnswer {
    /// Statement id.
    pub sid: String,
    /// The statement's actions that match.
    pub actions: Vec<String>,
    /// The statement's resource that matches (as written in the policy).
    pub resource: String,
    /// Conditions the request must also meet (`StringEquals s3:x = v`).
    pub conditions: Vec<String>,
    /// Policy variables of the resource that were not known and taken as `*`.
    pub depends_on: Vec<String>,
    /// `file:line (how)` of each grant in the source.
    pub sources: Vec<String>,
}

/// A role's permission boundary.
#[derive(Clone, Debug, Serialize)]
pub struct BoundaryAnswer {
    /// Boundary name.
    pub name: String,
    /// `file:line` of the boundary.
    pub location: String,
    /// Whether it allows the action on the resource.
    pub allows: bool,
    /// Whether a `deny` of it matches.
    pub denies: bool,
}

/// A resource-based policy statement that admits principals.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceAnswer {
    /// The resource ARN of the policy.
    pub policy_of: String,
    /// `file:line` of the `resource` declaration.
    pub location: String,
    /// Statement id.
    pub sid: String,
    /// `Principal.AWS`.
    pub principals: Vec<String>,
    /// Who that is, in program terms (`app acme/reader (service account acme/reader on prod-east)`).
    pub admits: Vec<String>,
    /// Conditions other than the principal-tag ones.
    pub conditions: Vec<String>,
    /// Whether the statement grants on its own (its principal is a role) rather than only
    /// admitting principals whose own identity policy must allow too (its principal is an
    /// account).
    pub sufficient: bool,
}

/// The first word of a grant (`read`, `allow`, …).
fn how(sources: &Sources, span: Span) -> String {
    sources
        .snippet(span)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Whether a statement action matches the asked action (either may carry wildcards).
fn action_matches(statement_action: &str, asked: &str) -> bool {
    Pattern::plain(statement_action).matches_action(asked)
        || (has_wildcard(asked) && Pattern::plain(asked).matches_action(statement_action))
}

fn conditions_text(
    conditions: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    skip: &dyn Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for (op, keys) in conditions {
        for (k, values) in keys {
            if skip(k) {
                continue;
            }
            out.push(format!(
                "{op} {k} = {}",
                values.iter().cloned().collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    out
}

/// The value of a policy variable for a member of a role.
fn member_var(ir: &Ir, m: &Member, name: &str) -> Option<String> {
    crate::check::resources::member_tag(ir, m, name)
}

fn role_answer(
    ir: &Ir,
    sources: &Sources,
    role: &IamRole,
    action: &str,
    resource: &str,
) -> Option<(RoleAnswer, BTreeSet<String>)> {
    // Evaluate once per member (their values fill `${…}`), or once without values.
    let members: Vec<Option<&Member>> = if role.members.is_empty() {
        vec![None]
    } else {
        role.members.iter().map(Some).collect()
    };
    let mut grants: BTreeMap<(String, String), GrantAnswer> = BTreeMap::new();
    let mut matched_members = BTreeSet::new();
    // The concrete actions that matched (for the boundary check).
    let mut matched_actions = BTreeSet::new();
    for m in &members {
        let var = |name: &str| m.and_then(|m| member_var(ir, m, name));
        for s in &role.statements {
            // A shared role's statement for other members (their session tags).
            if !crate::check::resources::tags_admit(ir, &s.conditions, role.identity, *m) {
                continue;
            }
            // A deny grants nothing: it is applied to the allows below.
            if s.deny {
                continue;
            }
            let actions: Vec<&String> = s
                .actions
                .iter()
                .filter(|a| action_matches(a, action))
                .collect();
            if actions.is_empty() {
                continue;
            }
            for r in &s.resources {
                let p = Pattern::new(r, &var);
                if !p.matches_arn(resource) {
                    continue;
                }
                if let Some(m) = m {
                    matched_members.insert(MemberAnswer {
                        app: m.app.clone(),
                        cluster: m.cluster.clone(),
                        namespace: m.namespace.clone(),
                        service_account: m.service_account.clone(),
                    });
                }
                for a in &actions {
                    matched_actions.insert(if has_wildcard(action) {
                        (*a).clone()
                    } else {
                        action.to_string()
                    });
                }
                let key = (s.sid.clone(), r.clone());
                if grants.contains_key(&key) {
                    continue;
                }
                let mut spans: BTreeSet<Span> = BTreeSet::new();
                for a in &actions {
                    if let Some(o) = s.origins.get(a) {
                        spans.extend(o.iter().copied());
                    }
                }
                if spans.is_empty() {
                    spans.extend(s.sources.iter().copied());
                }
                grants.insert(
                    key,
                    GrantAnswer {
                        sid: s.sid.clone(),
                        actions: actions.iter().map(|a| (*a).clone()).collect(),
                        resource: r.clone(),
                        conditions: conditions_text(&s.conditions, &|_| false),
                        depends_on: p.unknown_vars.clone(),
                        sources: spans
                            .iter()
                            .map(|sp| format!("{} ({})", sources.location(*sp), how(sources, *sp)))
                            .collect(),
                    },
                );
            }
        }
    }
    // The role's `deny` grants on the request: one without a condition takes every grant
    // away; one with conditions makes each grant conditional on them not holding.
    for d in role.statements.iter().filter(|s| s.deny) {
        let covers = d.actions.iter().any(|a| action_matches(a, action))
            && d.resources
                .iter()
                .any(|r| Pattern::new(r, &|_| None).matches_arn(resource));
        if !covers {
            continue;
        }
        if d.conditions.is_empty() {
            return None;
        }
        let unless = format!(
            "not denied by `{}` ({})",
            d.sid,
            conditions_text(&d.conditions, &|_| false).join(" and ")
        );
        for g in grants.values_mut() {
            g.conditions.push(unless.clone());
        }
    }
    if grants.is_empty() {
        return None;
    }
    Some((
        RoleAnswer {
            role: role.name.clone(),
            arn: role.arn(),
            declared_by: role.origin.what.clone(),
            location: sources.location(role.origin.span),
            members: matched_members.into_iter().collect(),
            grants: grants.into_values().collect(),
            boundary: None,
        },
        matched_actions,
    ))
}

/// Whether any of the (actions, resources) pairs matches the action on the resource.
fn pairs_match(
    pairs: &[(BTreeSet<String>, BTreeSet<String>)],
    action: &str,
    resource: &str,
) -> bool {
    pairs.iter().any(|(actions, resources)| {
        actions
            .iter()
            .any(|a| Pattern::plain(a).matches_action(action))
            && resources
                .iter()
                .any(|r| Pattern::plain(r).matches_arn(resource))
    })
}

/// Who a resource-policy statement admits, and whether it grants on its own. `can` is the set
/// of apps whose own role allows the request (for account principals, AWS needs both; across
/// accounts, for role principals too: `account` is the resource's, empty when not known; and
/// `can_roles` the roles that allow it).
fn admitted(
    ir: &Ir,
    st: &ResourceStatement,
    account: &str,
    (can, can_roles): (&BTreeSet<String>, &BTreeSet<String>),
) -> (Vec<String>, bool) {
    let eq = st.conditions.get("StringEquals");
    let tag = |k: &str| -> BTreeSet<String> {
        eq.and_then(|m| m.get(&format!("aws:PrincipalTag/{k}")))
            .cloned()
            .unwrap_or_default()
    };
    let namespaces = tag("kubernetes-namespace");
    let sas = tag("kubernetes-service-account");
    let cluster_arns = tag("eks-cluster-arn");
    let mut admits = Vec::new();
    let mut sufficient = false;
    if !namespaces.is_empty() && !sas.is_empty() {
        let mut by_app: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for sa in &ir.service_accounts {
            let on_cluster = cluster_arns.is_empty()
                || ir
                    .clusters
                    .get(&sa.cluster)
                    .is_some_and(|c| cluster_arns.contains(&c.arn()));
            if namespaces.contains(&sa.namespace) && sas.contains(&sa.name) && on_cluster {
                by_app
                    .entry((
                        sa.app.clone(),
                        format!("service account {}/{}", sa.namespace, sa.name),
                    ))
                    .or_default()
                    .insert(sa.cluster.clone());
            }
        }
        for ((app, sa), clusters) in by_app {
            let verdict = if can.contains(&app) {
                "its role allows it too"
            } else {
                "its role does not allow it (the policy admits the account; AWS needs both), so no access"
            };
            admits.push(format!(
                "app {app} ({sa} on {}); {verdict}",
                clusters.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for p in &st.principals {
        if p.ends_with(":root") {
            if admits.is_empty() {
                let account = p.trim_end_matches(":root").rsplit(':').next().unwrap_or("");
                admits.push(format!("account {account} (its IAM policies decide)"));
            }
        } else if let Some(role) = ir.roles.iter().find(|r| r.arn() == *p) {
            let same_account = account.is_empty() || role.account == account;
            sufficient |= same_account;
            let verdict = match (same_account, can_roles.contains(&role.name)) {
                (true, _) => "",
                (false, true) => "; another account: its role allows it too",
                (false, false) => "; another account: its role does not allow it, so no access",
            };
            admits.push(format!(
                "role {} ({}){verdict}",
                role.name, role.origin.what
            ));
        } else {
            sufficient = true;
            admits.push(p.clone());
        }
    }
    (admits, sufficient)
}

/// Answer `who-can ACTION RESOURCE` over the program's IAM.
pub fn answer(ir: &Ir, sources: &Sources, action: &str, resource: &str) -> IamAnswer {
    let mut out = IamAnswer {
        action: action.to_string(),
        resource: resource.to_string(),
        ..IamAnswer::default()
    };
    if !has_wildcard(action) && crate::catalog::catalog().lookup_action(action).is_none() {
        out.notes.push(format!(
            "`{action}` is not in the IAM action catalog; only wildcard grants can match it"
        ));
    }
    if resource != "*" && !resource.starts_with("arn:") {
        out.notes.push(format!(
            "`{resource}` is not an ARN; it is matched as plain text"
        ));
    }
    for role in &ir.roles {
        let Some((mut ans, actions)) = role_answer(ir, sources, role, action, resource) else {
            continue;
        };
        // Across accounts the resource's declared policy must admit the member too.
        if let Some(p) = crate::check::resources::cross_account(ir, role, resource) {
            let admitted = |m: Option<&Member>| {
                actions
                    .iter()
                    .any(|a| crate::check::resources::admits(ir, p, role, m, a, resource))
            };
            if ans.members.is_empty() {
                if !admitted(None) {
                    out.denied_by_resource_policy.push(ans);
                    continue;
                }
            } else {
                let (ok, not): (Vec<MemberAnswer>, Vec<MemberAnswer>) =
                    ans.members.iter().cloned().partition(|ma| {
                        admitted(
                            role.members
                                .iter()
                                .find(|m| m.app == ma.app && m.cluster == ma.cluster),
                        )
                    });
                if !not.is_empty() {
                    let mut denied = ans.clone();
                    denied.members = not;
                    out.denied_by_resource_policy.push(denied);
                }
                if ok.is_empty() {
                    continue;
                }
                ans.members = ok;
            }
        }
        let boundary = role.boundary.as_ref().and_then(|b| {
            ir.boundaries
                .iter()
                .find(|x| x.name == b.name && x.account == role.account)
        });
        match boundary {
            None => out.allowed.push(ans),
            Some(b) => {
                let allowed: Vec<&String> = actions
                    .iter()
                    .filter(|a| {
                        pairs_match(&b.allow, a, resource) && !pairs_match(&b.deny, a, resource)
                    })
                    .collect();
                let allows = actions.iter().any(|a| pairs_match(&b.allow, a, resource));
                let denies = actions.iter().any(|a| pairs_match(&b.deny, a, resource));
                ans.boundary = Some(BoundaryAnswer {
                    name: b.name.clone(),
                    location: sources.location(b.span),
                    allows,
                    denies,
                });
                if allowed.is_empty() {
                    out.denied_by_boundary.push(ans);
                } else {
                    out.allowed.push(ans);
                }
            }
        }
    }
    let can: BTreeSet<String> = out
        .allowed
        .iter()
        .flat_map(|r| r.members.iter().map(|m| m.app.clone()))
        .collect();
    let can_roles: BTreeSet<String> = out.allowed.iter().map(|r| r.role.clone()).collect();
    for p in &ir.resource_policies {
        for st in &p.statements {
            let acts: Vec<&String> = st
                .actions
                .iter()
                .filter(|a| action_matches(a, action))
                .collect();
            if acts.is_empty() {
                continue;
            }
            let res_ok = if st.resources.is_empty() {
                Pattern::plain(&p.arn).matches_arn(resource)
            } else {
                st.resources
                    .iter()
                    .any(|r| Pattern::plain(r).matches_arn(resource))
            };
            if !res_ok {
                continue;
            }
            let (admits, sufficient) = admitted(ir, st, &p.account, (&can, &can_roles));
            out.resource_policies.push(ResourceAnswer {
                policy_of: p.arn.clone(),
                location: sources.location(p.span),
                sid: st.sid.clone(),
                principals: st.principals.iter().cloned().collect(),
                admits,
                conditions: conditions_text(&st.conditions, &|k| {
                    k.starts_with("aws:PrincipalTag/")
                }),
                sufficient,
            });
        }
    }
    out
}

/// Plain-text rendering.
pub fn render_text(a: &IamAnswer) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "who can {} on {}", a.action, a.resource);
    for n in &a.notes {
        let _ = writeln!(out, "note: {n}");
    }
    let role_block = |out: &mut String, r: &RoleAnswer| {
        let by = if r.declared_by.starts_with("role ") {
            "shared role".to_string()
        } else {
            r.declared_by.clone()
        };
        let _ = writeln!(out, "  role {} ({by}, {})", r.role, r.location);
        let _ = writeln!(out, "    {}", r.arn);
        for g in &r.grants {
            let _ = writeln!(
                out,
                "    {} on {} [{}]  {}",
                g.actions.join(", "),
                g.resource,
                g.sid,
                g.sources.join(", ")
            );
            for c in &g.conditions {
                let _ = writeln!(
                    out,
                    "      only when {}",
                    crate::source::show_hidden(c, false)
                );
            }
            if !g.depends_on.is_empty() {
                let _ = writeln!(
                    out,
                    "      depends on {}",
                    g.depends_on
                        .iter()
                        .map(|v| format!("${{{v}}}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        if !r.members.is_empty() {
            let mut by_sa: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
            for m in &r.members {
                by_sa
                    .entry((
                        m.app.clone(),
                        m.namespace.clone(),
                        m.service_account.clone(),
                    ))
                    .or_default()
                    .push(m.cluster.clone());
            }
            for ((app, ns, sa), clusters) in by_sa {
                let _ = writeln!(
                    out,
                    "    used by app {app} (service account {ns}/{sa} on {})",
                    clusters.join(", ")
                );
            }
        }
        if let Some(b) = &r.boundary {
            let verdict = match (b.allows, b.denies) {
                (_, true) => "denies it",
                (true, false) => "allows it",
                (false, false) => "does not allow it",
            };
            let _ = writeln!(
                out,
                "    permission boundary {} ({}) {verdict}",
                b.name, b.location
            );
        }
    };
    if a.allowed.is_empty() {
        let _ = writeln!(out, "\nno role can");
    } else {
        let _ = writeln!(out, "\ncan ({}):", a.allowed.len());
        for r in &a.allowed {
            role_block(&mut out, r);
        }
    }
    for (title, roles) in [
        (
            "allowed by their policy but denied by their permission boundary",
            &a.denied_by_boundary,
        ),
        (
            "allowed by their policy but not admitted by the resource's policy (another account)",
            &a.denied_by_resource_policy,
        ),
    ] {
        if !roles.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", roles.len());
            for r in roles {
                role_block(&mut out, r);
            }
        }
    }
    if !a.resource_policies.is_empty() {
        let _ = writeln!(out, "\nresource policies ({}):", a.resource_policies.len());
        for r in &a.resource_policies {
            let _ = writeln!(out, "  {} [{}]  {}", r.policy_of, r.sid, r.location);
            for who in &r.admits {
                let _ = writeln!(out, "    admits {who}");
            }
            for c in &r.conditions {
                let _ = writeln!(
                    out,
                    "      only when {}",
                    crate::source::show_hidden(c, false)
                );
            }
        }
    }
    out
}
