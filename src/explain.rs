//! `accessc explain NS/APP`: an app's effective permissions, AWS and Kubernetes, with the
//! declaration (file:line) each came from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::ast::Span;
use crate::check::{boundary, resources};
use crate::ir::{Identity, Ir, Subject};
use crate::source::Sources;

/// The first word of a grant (`read`, `allow`, …), to show how an action was granted.
fn how(sources: &Sources, span: Span) -> String {
    let text = sources.snippet(span);
    text.split_whitespace().next().unwrap_or("").to_string()
}

/// The explanation of one app, or None when the program has no such app.
pub fn app(ir: &Ir, sources: &Sources, key: &str) -> Option<String> {
    let (ns, name) = key.split_once('/')?;
    let sas: Vec<_> = ir
        .service_accounts
        .iter()
        .filter(|sa| sa.app == key)
        .collect();
    if sas.is_empty() {
        return None;
    }
    let mut out = String::new();
    let sa = sas[0];
    let _ = writeln!(
        out,
        "app {key}: service account `{}` in namespace `{ns}` on {}{}",
        sa.name,
        sas.iter()
            .map(|s| format!("`{}`", s.cluster))
            .collect::<Vec<_>>()
            .join(", "),
        if sa.managed {
            ""
        } else {
            " (external: its chart writes it, not accessc)"
        }
    );
    let roles: Vec<_> = ir
        .roles
        .iter()
        .filter(|r| r.members.iter().any(|m| m.app == key))
        .collect();
    if roles.is_empty() {
        let _ = writeln!(out, "\nAWS: no IAM role (the app has no AWS grants)");
    }
    for role in roles {
        let kind = match role.identity {
            Identity::PodIdentity => "Pod Identity",
            Identity::Irsa => "IRSA",
        };
        let _ = writeln!(
            out,
            "\nAWS: {kind} role {} ({})",
            role.arn(),
            role.origin.what
        );
        if let Some(b) = &role.boundary {
            let _ = writeln!(out, "  permission boundary: {} ({})", b.name, b.arn);
        }
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
        if by_resource.is_empty() {
            let _ = writeln!(out, "  no permissions");
        }
        for (resource, actions) in by_resource {
            let _ = writeln!(out, "  {resource}");
            if let Some(c) = conditions.get(&resource) {
                for line in c {
                    let _ = writeln!(out, "    when {}", crate::source::show_hidden(line, false));
                }
            }
            // The resource's own policy, when AWS asks it too (another account).
            let policy = resources::cross_account(ir, role, &resource);
            if let Some(p) = policy {
                let _ = writeln!(
                    out,
                    "    in account {}: AWS also asks its policy ({})",
                    p.account,
                    sources.location(p.span)
                );
            }
            let width = actions.keys().map(String::len).max().unwrap_or(0);
            for (action, spans) in actions {
                let from: Vec<String> = spans
                    .iter()
                    .map(|s| format!("{} ({})", sources.location(*s), how(sources, *s)))
                    .collect();
                // Effective: identity ∧ boundary ∧ (across accounts) the resource's policy.
                let mut why = Vec::new();
                if let Some(b) = boundary {
                    if let Some(v) = boundary::denial(b, &action, &resource) {
                        why.push(format!(
                            "boundary `{}` {v} it ({})",
                            b.name,
                            sources.location(b.span)
                        ));
                    }
                }
                if let Some(p) = policy {
                    if !resources::admits(ir, p, role, member, &action, &resource) {
                        why.push("the resource's policy does not admit the app".to_string());
                    }
                }
                // The role's own `deny` grants: without a condition they win; with one, they
                // may.
                let mut maybe = Vec::new();
                for d in denies.iter().filter(|d| deny_covers(d, &action, &resource)) {
                    let at = d
                        .sources
                        .first()
                        .map(|sp| sources.location(*sp))
                        .unwrap_or_default();
                    if d.conditions.is_empty() {
                        why.push(format!("deny `{}` ({at})", d.sid));
                    } else {
                        maybe.push(format!(
                            "deny `{}` ({at}) when {}",
                            d.sid,
                            condition_text(&d.conditions)
                        ));
                    }
                }
                let verdict = if why.is_empty() { "allowed" } else { "DENIED " };
                let _ = writeln!(out, "    {action:width$}  {verdict}  {}", from.join(", "));
                for w in why {
                    let _ = writeln!(out, "      denied: {w}");
                }
                for w in maybe {
                    let _ = writeln!(
                        out,
                        "      may be denied: {}",
                        crate::source::show_hidden(&w, false)
                    );
                }
            }
        }
        for d in &denies {
            let at = d
                .sources
                .first()
                .map(|sp| sources.location(*sp))
                .unwrap_or_default();
            let resources: Vec<&str> = d.resources.iter().map(String::as_str).collect();
            let actions: Vec<&str> = d.actions.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "  deny {} on {}  ({at})",
                actions.join(", "),
                resources.join(", ")
            );
            if !d.conditions.is_empty() {
                let _ = writeln!(
                    out,
                    "    when {}",
                    crate::source::show_hidden(&condition_text(&d.conditions), false)
                );
            }
        }
    }
    let grants: Vec<_> = ir
        .rbac
        .iter()
        .filter(|g| matches!(&g.subject, Subject::ServiceAccount { name: n, namespace } if *n == sa.name && namespace == ns) && g.origin.what == format!("app {key}"))
        .collect();
    if grants.is_empty() {
        let _ = writeln!(
            out,
            "\nKubernetes: no RBAC{}",
            if sa.managed {
                format!(" (automountServiceAccountToken: {})", sa.automount)
            } else {
                String::new()
            }
        );
    }
    for g in grants {
        let what = match &g.namespace {
            Some(n) => format!("Role {} in namespace {n}", g.name),
            None => format!("ClusterRole {}", g.name),
        };
        let _ = writeln!(
            out,
            "\nKubernetes on {}: {what} ({})",
            g.cluster,
            sources.location(g.origin.span)
        );
        for r in &g.rules {
            let groups: Vec<String> = r
                .api_groups
                .iter()
                .map(|g| {
                    if g.is_empty() {
                        "core".to_string()
                    } else {
                        g.clone()
                    }
                })
                .collect();
            let mut line = format!(
                "  {} {} [{}]",
                r.verbs.join(", "),
                r.resources.join(", "),
                groups.join(", ")
            );
            if !r.resource_names.is_empty() {
                line.push_str(&format!(
                    " named {}",
                    crate::source::show_hidden(&r.resource_names.join(", "), false)
                ));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = name;
    Some(out)
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
