//! IAM privilege-escalation paths within one workload role (W205–W207), found on the compiled
//! roles ([`check`]); and the wildcards that grants accept with `unsafe "reason"`, which
//! `accessc lint` lists as notes of E202 ([`notes`]).

use std::collections::BTreeSet;

use crate::ast::{Decl, Grant, GrantKind, Program, Span, Value};
use crate::check::boundary::glob;
use crate::diagnostics::{Code, Diag};
use crate::ir::{IamRole, Ir, Trust};

/// The grants (spans) of a role whose actions cover `action`, with the resources they give it.
fn grants_of(role: &IamRole, action: &str) -> Vec<(Span, BTreeSet<String>)> {
    let mut out: Vec<(Span, BTreeSet<String>)> = Vec::new();
    for s in role.statements.iter().filter(|s| !s.deny) {
        for (granted, spans) in &s.origins {
            if granted == "*" || glob(granted, action, true) {
                for span in spans {
                    match out.iter_mut().find(|(sp, _)| sp == span) {
                        Some((_, r)) => r.extend(s.resources.iter().cloned()),
                        None => out.push((*span, s.resources.clone())),
                    }
                }
            }
        }
    }
    out.sort();
    out
}

/// Whether the role's permission boundary lets `action` through (on some resource).
fn boundary_allows(ir: &Ir, role: &IamRole, action: &str) -> bool {
    let Some(bref) = &role.boundary else {
        return true;
    };
    let Some(b) = ir
        .boundaries
        .iter()
        .find(|b| b.name == bref.name && b.account == role.account)
    else {
        return true;
    };
    let covers =
        |actions: &BTreeSet<String>| actions.iter().any(|a| a == "*" || glob(a, action, true));
    let denied_everywhere = b
        .deny
        .iter()
        .any(|(actions, resources)| covers(actions) && resources.contains("*"));
    !denied_everywhere && b.allow.iter().any(|(actions, _)| covers(actions))
}

/// Whether a resource of `iam:PassRole` covers every role of an account.
fn any_role(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    // arn:PARTITION:iam::ACCOUNT:role/*
    let mut parts = resource.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(_), Some(_), Some(rest)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    rest == "*" || rest == "role/*" || rest == "role*"
}

fn who(role: &IamRole) -> &str {
    &role.origin.what
}

/// W205, W206 and W207 for every workload role.
pub fn check(ir: &Ir, diags: &mut Vec<Diag>) {
    // Each role on its own: on several threads for a large program, in role order.
    let found = crate::par::map(
        &ir.roles,
        |role| 1 + role.statements.len(),
        2048,
        |role| {
            let mut found = Vec::new();
            check_role(ir, role, &mut found);
            found
        },
    );
    diags.extend(found.into_iter().flatten());
}

/// W205–W207 of one role.
fn check_role(ir: &Ir, role: &IamRole, diags: &mut Vec<Diag>) {
    let pass = if boundary_allows(ir, role, "iam:PassRole") {
        grants_of(role, "iam:PassRole")
    } else {
        Vec::new()
    };
    for (span, resources) in &pass {
        if let Some(r) = resources.iter().find(|r| any_role(r)) {
            diags.push(
                Diag::new(
                    Code::W205,
                    format!("{} may pass every IAM role (`iam:PassRole` on `{r}`)", who(role)),
                )
                .at(*span)
                .label("passes any role")
                .help("name the roles it hands to AWS services, and restrict the service with `when iam:PassedToService == \"SERVICE.amazonaws.com\"` (e.g. `ec2.amazonaws.com`)"),
            );
        }
    }
    let pair = |a: &str, b: &str| -> Option<(Vec<Span>, Vec<Span>)> {
        if !boundary_allows(ir, role, a) || !boundary_allows(ir, role, b) {
            return None;
        }
        let x: Vec<Span> = grants_of(role, a).into_iter().map(|g| g.0).collect();
        let y: Vec<Span> = grants_of(role, b).into_iter().map(|g| g.0).collect();
        (!x.is_empty() && !y.is_empty()).then_some((x, y))
    };
    if let Some((create, associate)) = pair("eks:CreateAccessEntry", "eks:AssociateAccessPolicy") {
        diags.push(escalation(
            Code::W206,
            format!(
                "{} can create an access entry for any principal and make it cluster admin",
                who(role)
            ),
            &create,
            &associate,
            "`eks:CreateAccessEntry`",
            "`eks:AssociateAccessPolicy`",
            "declare cluster access with `access` declarations instead, keep the two actions in separate roles, or suppress with `# accessc: allow W206 \"reason\"`",
        ));
    }
    if let Some((create, pass)) = pair("eks:CreatePodIdentityAssociation", "iam:PassRole") {
        diags.push(escalation(
            Code::W207,
            format!(
                "{} can associate any role it may pass with any service account",
                who(role)
            ),
            &create,
            &pass,
            "`eks:CreatePodIdentityAssociation`",
            "`iam:PassRole`",
            "declare Pod Identity associations in `.access` files instead, limit `iam:PassRole` to the roles the app manages, or suppress with `# accessc: allow W207 \"reason\"`",
        ));
    }
}

/// A finding at the later of two grants, pointing back at the other.
fn escalation(
    code: Code,
    message: String,
    first: &[Span],
    second: &[Span],
    first_name: &str,
    second_name: &str,
    help: &str,
) -> Diag {
    let a = first.iter().copied().min().unwrap_or_default();
    let b = second.iter().copied().min().unwrap_or_default();
    let (at, at_name, other, other_name) = if b >= a {
        (b, second_name, a, first_name)
    } else {
        (a, first_name, b, second_name)
    };
    let mut d = Diag::new(code, message)
        .at(at)
        .label(format!("grants {at_name}"))
        .help(help);
    if other != at {
        d = d.related(other, format!("grants {other_name}"));
    }
    d
}

/// A wildcard accepted with `unsafe "reason"`: where, what, and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsafeWildcard {
    /// The wildcard.
    pub span: Span,
    /// What it grants.
    pub message: String,
    /// The grant's reason.
    pub reason: String,
}

fn grant_wildcards(g: &Grant, out: &mut Vec<UnsafeWildcard>) {
    let Some(reason) = &g.unsafe_reason else {
        return;
    };
    let (actions, arns) = match &g.kind {
        GrantKind::Allow { actions, arns, .. } => (actions.as_slice(), arns.as_slice()),
        GrantKind::Level { arns, .. } => (&[][..], arns.as_slice()),
    };
    for a in actions {
        let message = if a.node == "*" {
            "`*` grants every action of every service".to_string()
        } else if let Some((svc, "*")) = a.node.split_once(':') {
            format!(
                "`{}` grants every action of `{svc}`, including ones AWS adds later",
                a.node
            )
        } else if let Some(d) = crate::check::catalog_checks::broad_wildcard_anywhere(a) {
            d.message
        } else {
            continue;
        };
        out.push(UnsafeWildcard {
            span: a.span,
            message,
            reason: reason.node.clone(),
        });
    }
    for r in arns {
        let message = if r.node == "*" {
            "`\"*\"` grants the actions on every resource".to_string()
        } else if let Some(what) = crate::check::values::arn(&r.node)
            .ok()
            .and_then(|a| crate::check::aws::wide_arn(&a))
        {
            format!("`{}` names {what}", r.node)
        } else {
            continue;
        };
        out.push(UnsafeWildcard {
            span: r.span,
            message,
            reason: reason.node.clone(),
        });
    }
}

/// Every wildcard that a grant accepts with `unsafe`.
pub fn notes(program: &Program) -> Vec<UnsafeWildcard> {
    let mut out = Vec::new();
    for d in &program.decls {
        let blocks = match d {
            Decl::App(a) => &a.body.aws,
            Decl::Role(r) => &r.body.aws,
            _ => continue,
        };
        for b in blocks {
            for g in &b.grants {
                grant_wildcards(g, &mut out);
            }
        }
    }
    out
}

/// The clusters a role serves: its members', and those its trust names.
fn role_clusters(ir: &Ir, role: &IamRole) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = role.members.iter().map(|m| m.cluster.clone()).collect();
    match &role.trust {
        Trust::PodIdentity { cluster_arns, .. } => out.extend(
            ir.clusters
                .values()
                .filter(|c| cluster_arns.contains(&c.arn()))
                .map(|c| c.name.clone()),
        ),
        Trust::Irsa { providers } => {
            out.extend(providers.iter().flat_map(|p| p.clusters.iter().cloned()));
        }
    }
    out
}

/// The `boundary = none` setting of the app or shared role declared at `span`.
fn boundary_none_setting(program: &Program, span: Span) -> Option<Span> {
    program.decls.iter().find_map(|d| {
        let body = match d {
            Decl::App(a) if a.span == span => &a.body,
            Decl::Role(r) if r.span == span => &r.body,
            _ => return None,
        };
        body.settings
            .iter()
            .find(|s| {
                s.key.node == "boundary"
                    && matches!(&s.value.node, Value::Word(w) | Value::Str(w) if w == "none")
            })
            .map(|s| s.span)
    })
}

/// Whether a boundary action pattern allows every action of every service: `*`, `*:*`, `?*:*`.
fn allows_everything(action: &str) -> bool {
    let only_wild = |t: &str| t.contains('*') && t.chars().all(|c| matches!(c, '*' | '?'));
    match action.split_once(':') {
        None => only_wild(action),
        Some((svc, name)) => only_wild(svc) && only_wild(name),
    }
}

/// W208: an app or shared role that opts out (`boundary = none`) of the boundary its clusters
/// set; W209: a boundary statement that allows every action (`*`, `*:*`), which caps nothing.
pub fn boundaries(program: &Program, ir: &Ir, diags: &mut Vec<Diag>) {
    for role in ir.roles.iter().filter(|r| r.boundary.is_none()) {
        let Some(span) = boundary_none_setting(program, role.origin.span) else {
            continue;
        };
        let dropped: BTreeSet<(String, String)> = role_clusters(ir, role)
            .into_iter()
            .filter_map(|c| {
                let b = ir.clusters.get(&c)?.boundary.clone()?;
                Some((b, c))
            })
            .collect();
        let Some((boundary, cluster)) = dropped.iter().next() else {
            continue;
        };
        diags.push(
            Diag::new(
                Code::W208,
                format!(
                    "{} drops boundary `{boundary}` that cluster `{cluster}` sets for its roles",
                    who(role)
                ),
            )
            .at(span)
            .label("no permission boundary")
            .help("without a boundary nothing caps what the role's grants can reach; name a boundary that fits (`boundary = NAME`), or suppress with `# accessc: allow W208 \"reason\"`"),
        );
    }
    for d in &program.decls {
        let Decl::Boundary(b) = d else {
            continue;
        };
        for stmt in b.stmts.iter().filter(|s| s.allow) {
            let every_resource = stmt.arns.is_empty() || stmt.arns.iter().any(|a| a.node == "*");
            for a in stmt.actions.iter().filter(|a| allows_everything(&a.node)) {
                if !every_resource {
                    continue;
                }
                diags.push(
                    Diag::new(
                        Code::W209,
                        format!(
                            "boundary `{}` allows every action on every resource (`{}`)",
                            b.name.node, a.node
                        ),
                    )
                    .at(a.span)
                    .label("caps nothing")
                    .help("a boundary that allows `*` is no boundary: list the services the roles may use (`allow s3:*, sqs:*`), or suppress with `# accessc: allow W209 \"reason\"`"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_role_arns() {
        assert!(any_role("*"));
        assert!(any_role("arn:aws:iam::111122223333:role/*"));
        assert!(!any_role("arn:aws:iam::111122223333:role/eks/*"));
        assert!(!any_role("arn:aws:iam::111122223333:role/app"));
        assert!(!any_role("arn:aws:s3:::bucket/*"));
    }
}
