//! `accessc explain NS/APP`: an app's effective permissions, AWS and Kubernetes, with the
//! declaration (file:line) each came from.
//!
//! [`data`] computes them as an [`Explanation`] (the HTML report renders it too); [`app`]
//! renders it as the command's text.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::ast::Span;
use crate::check::{boundary, resources};
use crate::ir::{Identity, Ir, RbacGrant, Subject};
use crate::source::Sources;

/// The first word of a grant (`read`, `allow`, …), to show how an action was granted.
fn how(sources: &Sources, span: Span) -> String {
    let text = sources.snippet(span);
    text.split_whitespace().next().unwrap_or("").to_string()
}

/// An app's effective permissions.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// `NS/APP`.
    pub app: String,
    /// Namespace.
    pub namespace: String,
    /// Service account name.
    pub service_account: String,
    /// The clusters it runs on.
    pub clusters: Vec<String>,
    /// Whether accessc writes the service account.
    pub managed: bool,
    /// `automountServiceAccountToken`.
    pub automount: bool,
    /// Its IAM roles.
    pub roles: Vec<RoleExplanation>,
    /// Its RBAC grants.
    pub rbac: Vec<RbacExplanation>,
}

/// One IAM role of an app.
#[derive(Clone, Debug)]
pub struct RoleExplanation {
    /// `Pod Identity` or `IRSA`.
    pub kind: &'static str,
    /// Role name.
    pub name: String,
    /// Role ARN.
    pub arn: String,
    /// What declared it (`app NS/APP`, `role NAME`).
    pub what: String,
    /// Where.
    pub span: Span,
    /// Permission boundary: name, ARN.
    pub boundary: Option<(String, String)>,
    /// Allowed resources, sorted.
    pub resources: Vec<ResourceExplanation>,
    /// The role's deny grants that apply to the app.
    pub denies: Vec<DenyExplanation>,
}

/// The actions granted on one resource.
#[derive(Clone, Debug)]
pub struct ResourceExplanation {
    /// ARN pattern.
    pub resource: String,
    /// Conditions (`op key = v | w`).
    pub conditions: Vec<String>,
    /// Another account's resource policy AWS also asks: account, declaration.
    pub policy: Option<(String, Span)>,
    /// Actions, sorted.
    pub actions: Vec<ActionExplanation>,
}

/// One action and its verdict.
#[derive(Clone, Debug)]
pub struct ActionExplanation {
    /// IAM action.
    pub action: String,
    /// The grants: where, and their first word.
    pub from: Vec<(Span, String)>,
    /// Why it is denied (empty: allowed).
    pub denied: Vec<Note>,
    /// Conditional denies.
    pub maybe: Vec<Note>,
}

/// A remark with an optional place: `{pre}({location}){post}` (no parentheses when `at` is
/// None; empty ones when the place is unknown).
#[derive(Clone, Debug)]
pub struct Note {
    /// Text before the place.
    pub pre: String,
    /// The place.
    pub at: Option<Option<Span>>,
    /// Text after it.
    pub post: String,
}

impl Note {
    /// The note as text.
    pub fn text(&self, sources: &Sources) -> String {
        match &self.at {
            None => format!("{}{}", self.pre, self.post),
            Some(at) => format!(
                "{}({}){}",
                self.pre,
                at.map(|s| sources.location(s)).unwrap_or_default(),
                self.post
            ),
        }
    }
}

/// A deny grant of the role.
#[derive(Clone, Debug)]
pub struct DenyExplanation {
    /// Actions.
    pub actions: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
    /// Where.
    pub at: Option<Span>,
    /// Its conditions in one line, if any.
    pub when: Option<String>,
}

/// One RBAC grant of an app on a cluster.
#[derive(Clone, Debug)]
pub struct RbacExplanation {
    /// Cluster.
    pub cluster: String,
    /// `Role NAME in namespace NS` or `ClusterRole NAME`.
    pub what: String,
    /// Where.
    pub span: Span,
    /// Rules: verbs, resources, API groups (`core` for ""), resource names.
    pub rules: Vec<RuleExplanation>,
}

/// One RBAC rule.
#[derive(Clone, Debug)]
pub struct RuleExplanation {
    /// Verbs.
    pub verbs: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
    /// API groups, `core` for the core group.
    pub groups: Vec<String>,
    /// Resource names.
    pub names: Vec<String>,
}

/// The explanation of one app, or None when the program has no such app.
pub fn app(ir: &Ir, sources: &Sources, key: &str) -> Option<String> {
    data(ir, sources, key).map(|e| text(&e, sources))
}

/// The explanation of one app as data, or None when the program has no such app.
pub fn data(ir: &Ir, sources: &Sources, key: &str) -> Option<Explanation> {
    let roles: Vec<_> = ir
        .roles
        .iter()
        .filter(|r| r.members.iter().any(|m| m.app == key))
        .collect();
    let sas: Vec<_> = ir
        .service_accounts
        .iter()
        .filter(|sa| sa.app == key)
        .collect();
    let rbac: Vec<_> = ir.rbac.iter().collect();
    data_in(ir, sources, key, &sas, &roles, &rbac)
}

/// [`data`] with the app's service accounts, the roles it is a member of and the RBAC grants
/// to look through given (the report indexes them once for every app).
pub fn data_in(
    ir: &Ir,
    sources: &Sources,
    key: &str,
    sas: &[&crate::ir::ServiceAccount],
    roles: &[&crate::ir::IamRole],
    rbac: &[&RbacGrant],
) -> Option<Explanation> {
    let (ns, _name) = key.split_once('/')?;
    if sas.is_empty() {
        return None;
    }
    let sa = sas[0];
    let mut e = Explanation {
        app: key.to_string(),
        namespace: ns.to_string(),
        service_account: sa.name.clone(),
        clusters: sas.iter().map(|s| s.cluster.clone()).collect(),
        managed: sa.managed,
        automount: sa.automount,
        roles: Vec::new(),
        rbac: Vec::new(),
    };
    for role in roles {
        let kind = match role.identity {
            Identity::PodIdentity => "Pod Identity",
            Identity::Irsa => "IRSA",
        };
        let mut rx = RoleExplanation {
            kind,
            name: role.name.clone(),
            arn: role.arn(),
            what: role.origin.what.clone(),
            span: role.origin.span,
            boundary: role
                .boundary
                .as_ref()
                .map(|b| (b.name.clone(), b.arn.clone())),
            resources: Vec::new(),
            denies: Vec::new(),
        };
        let member = role.members.iter().find(|m| m.app == key);
        let boundary = role.boundary.as_ref().and_then(|b| {
            ir.boundaries
                .iter()
                .find(|x| x.name == b.name && x.account == role.account)
        });
        let denies: Vec<&crate::ir::Statement> = role
            .statements
            .iter()
            .filter(|s| s.deny && resources::tags_admit(ir, &s.conditions, role.identity, member))
            .collect();
        // resource -> action -> grants
        let mut by_resource: BTreeMap<String, BTreeMap<String, BTreeSet<Span>>> = BTreeMap::new();
        let mut conditions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // A shared role's statements for other members (their session tags) are not the app's.
        for s in role
            .statements
            .iter()
            .filter(|s| !s.deny && resources::tags_admit(ir, &s.conditions, role.identity, member))
        {
            for r in &s.resources {
                let entry = by_resource.entry(r.clone()).or_default();
                for (action, spans) in &s.origins {
                    entry
                        .entry(action.clone())
                        .or_default()
                        .extend(spans.iter().copied());
                }
                for (op, keys) in &s.conditions {
                    for (k, v) in keys {
                        conditions.entry(r.clone()).or_default().push(format!(
                            "{op} {k} = {}",
                            v.iter().cloned().collect::<Vec<_>>().join(" | ")
                        ));
                    }
                }
            }
        }
        for (resource, actions) in by_resource {
            // The resource's own policy, when AWS asks it too (another account).
            let policy = resources::cross_account(ir, role, &resource);
            let mut res = ResourceExplanation {
                resource: resource.clone(),
                conditions: conditions.remove(&resource).unwrap_or_default(),
                policy: policy.map(|p| (p.account.clone(), p.span)),
                actions: Vec::new(),
            };
            for (action, spans) in actions {
                let from: Vec<(Span, String)> =
                    spans.iter().map(|s| (*s, how(sources, *s))).collect();
                // Effective: identity ∧ boundary ∧ (across accounts) the resource's policy.
                let mut why = Vec::new();
                if let Some(b) = boundary {
                    if let Some(v) = boundary::denial(b, &action, &resource) {
                        why.push(Note {
                            pre: format!("boundary `{}` {v} it ", b.name),
                            at: Some(Some(b.span)),
                            post: String::new(),
                        });
                    }
                }
                if let Some(p) = policy {
                    if !resources::admits(ir, p, role, member, &action, &resource) {
                        why.push(Note {
                            pre: "the resource's policy does not admit the app".to_string(),
                            at: None,
                            post: String::new(),
                        });
                    }
                }
                // The role's own `deny` grants: without a condition they win; with one, they
                // may.
                let mut maybe = Vec::new();
                for d in denies.iter().filter(|d| deny_covers(d, &action, &resource)) {
                    let at = d.sources.first().copied();
                    if d.conditions.is_empty() {
                        why.push(Note {
                            pre: format!("deny `{}` ", d.sid),
                            at: Some(at),
                            post: String::new(),
                        });
                    } else {
                        maybe.push(Note {
                            pre: format!("deny `{}` ", d.sid),
                            at: Some(at),
                            post: format!(" when {}", condition_text(&d.conditions)),
                        });
                    }
                }
                res.actions.push(ActionExplanation {
                    action,
                    from,
                    denied: why,
                    maybe,
                });
            }
            rx.resources.push(res);
        }
        for d in &denies {
            rx.denies.push(DenyExplanation {
                actions: d.actions.iter().cloned().collect(),
                resources: d.resources.iter().cloned().collect(),
                at: d.sources.first().copied(),
                when: (!d.conditions.is_empty()).then(|| condition_text(&d.conditions)),
            });
        }
        e.roles.push(rx);
    }
    let what_app = format!("app {key}");
    for g in rbac.iter().filter(|g| matches!(&g.subject, Subject::ServiceAccount { name: n, namespace } if *n == sa.name && namespace == ns) && g.origin.what == what_app) {
        let what = match &g.namespace {
            Some(n) => format!("Role {} in namespace {n}", g.name),
            None => format!("ClusterRole {}", g.name),
        };
        e.rbac.push(RbacExplanation {
            cluster: g.cluster.clone(),
            what,
            span: g.origin.span,
            rules: g
                .rules
                .iter()
                .map(|r| RuleExplanation {
                    verbs: r.verbs.clone(),
                    resources: r.resources.clone(),
                    groups: r
                        .api_groups
                        .iter()
                        .map(|g| {
                            if g.is_empty() {
                                "core".to_string()
                            } else {
                                g.clone()
                            }
                        })
                        .collect(),
                    names: r.resource_names.clone(),
                })
                .collect(),
        });
    }
    Some(e)
}

/// The text of `accessc explain NS/APP`.
pub fn text(e: &Explanation, sources: &Sources) -> String {
    let mut out = String::new();
    let key = &e.app;
    let ns = &e.namespace;
    let _ = writeln!(
        out,
        "app {key}: service account `{}` in namespace `{ns}` on {}{}",
        e.service_account,
        e.clusters
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
        if e.managed {
            ""
        } else {
            " (external: its chart writes it, not accessc)"
        }
    );
    if e.roles.is_empty() {
        let _ = writeln!(out, "\nAWS: no IAM role (the app has no AWS grants)");
    }
    for role in &e.roles {
        let _ = writeln!(
            out,
            "\nAWS: {} role {} ({})",
            role.kind, role.arn, role.what
        );
        if let Some((name, arn)) = &role.boundary {
            let _ = writeln!(out, "  permission boundary: {name} ({arn})");
        }
        if role.resources.is_empty() {
            let _ = writeln!(out, "  no permissions");
        }
        for res in &role.resources {
            let _ = writeln!(out, "  {}", res.resource);
            for line in &res.conditions {
                let _ = writeln!(out, "    when {}", crate::source::show_hidden(line, false));
            }
            if let Some((account, span)) = &res.policy {
                let _ = writeln!(
                    out,
                    "    in account {account}: AWS also asks its policy ({})",
                    sources.location(*span)
                );
            }
            let width = res
                .actions
                .iter()
                .map(|a| a.action.len())
                .max()
                .unwrap_or(0);
            for a in &res.actions {
                let from: Vec<String> = a
                    .from
                    .iter()
                    .map(|(s, how)| format!("{} ({how})", sources.location(*s)))
                    .collect();
                let verdict = if a.denied.is_empty() {
                    "allowed"
                } else {
                    "DENIED "
                };
                let _ = writeln!(
                    out,
                    "    {:width$}  {verdict}  {}",
                    a.action,
                    from.join(", ")
                );
                for w in &a.denied {
                    let _ = writeln!(out, "      denied: {}", w.text(sources));
                }
                for w in &a.maybe {
                    let _ = writeln!(
                        out,
                        "      may be denied: {}",
                        crate::source::show_hidden(&w.text(sources), false)
                    );
                }
            }
        }
        for d in &role.denies {
            let at = d.at.map(|sp| sources.location(sp)).unwrap_or_default();
            let _ = writeln!(
                out,
                "  deny {} on {}  ({at})",
                d.actions.join(", "),
                d.resources.join(", ")
            );
            if let Some(w) = &d.when {
                let _ = writeln!(out, "    when {}", crate::source::show_hidden(w, false));
            }
        }
    }
    if e.rbac.is_empty() {
        let _ = writeln!(
            out,
            "\nKubernetes: no RBAC{}",
            if e.managed {
                format!(" (automountServiceAccountToken: {})", e.automount)
            } else {
                String::new()
            }
        );
    }
    for g in &e.rbac {
        let _ = writeln!(
            out,
            "\nKubernetes on {}: {} ({})",
            g.cluster,
            g.what,
            sources.location(g.span)
        );
        for r in &g.rules {
            let mut line = format!(
                "  {} {} [{}]",
                r.verbs.join(", "),
                r.resources.join(", "),
                r.groups.join(", ")
            );
            if !r.names.is_empty() {
                line.push_str(&format!(
                    " named {}",
                    crate::source::show_hidden(&r.names.join(", "), false)
                ));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// Whether a deny statement covers `action` on `resource` (IAM wildcards in both of its lists).
fn deny_covers(d: &crate::ir::Statement, action: &str, resource: &str) -> bool {
    d.actions.iter().any(|a| boundary::glob(a, action, true))
        && d.resources
            .iter()
            .any(|r| boundary::glob(r, resource, false))
}

/// A statement's conditions in one line: `Null aws:RequestTag/x = true and …`.
fn condition_text(c: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>) -> String {
    let mut parts = Vec::new();
    for (op, keys) in c {
        for (k, v) in keys {
            parts.push(format!(
                "{op} {k} = {}",
                v.iter().cloned().collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    parts.join(" and ")
}
