//! Checks of IAM actions, ARNs and condition keys against the embedded catalog.

use std::collections::BTreeSet;

use crate::ast::{Condition, Level, Spanned};
use crate::diagnostics::{Code, Diag};

/// The actions of an access level that apply to an ARN.
pub fn level_actions(level: Level, arn: &Spanned<String>) -> Result<BTreeSet<String>, Diag> {
    let _ = level;
    Err(Diag::new(Code::E201, "access-level grants need the IAM catalog").at(arn.span))
}

/// Whether an action is written `service:Action` (IAM wildcards allowed in the name).
fn well_formed(action: &str) -> bool {
    if action == "*" {
        return true;
    }
    match action.split_once(':') {
        Some((svc, name)) => {
            !svc.is_empty()
                && svc
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        }
        None => false,
    }
}

/// Check and expand the actions of an `allow` grant.
pub fn allow_actions(
    written: &[Spanned<String>],
    arns: &[Spanned<String>],
    unsafe_ok: bool,
    diags: &mut Vec<Diag>,
) -> BTreeSet<String> {
    let _ = arns;
    let mut out = BTreeSet::new();
    for a in written {
        if !well_formed(&a.node) {
            diags.push(
                Diag::new(Code::E201, format!("`{}` is not an IAM action", a.node))
                    .at(a.span)
                    .label("malformed action")
                    .help("actions are written `service:Action`, e.g. `s3:GetObject`"),
            );
            continue;
        }
        let whole = a.node == "*" || a.node.ends_with(":*");
        if whole && !unsafe_ok {
            diags.push(
                Diag::new(
                    Code::E202,
                    format!("`{}` grants every action of {}", a.node, if a.node == "*" { "every service" } else { "the service" }),
                )
                .at(a.span)
                .label("wildcard action")
                .help("list the actions, use an access level (`read`, `write`, …), or add `unsafe \"reason\"` to the grant"),
            );
            continue;
        }
        out.insert(a.node.clone());
    }
    out
}

/// Check a condition key; returns whether it can be used.
pub fn condition_key(c: &Condition, actions: &[Spanned<String>], diags: &mut Vec<Diag>) -> bool {
    let _ = actions;
    let key = &c.key.node;
    let ok = key
        .split_once(':')
        .is_some_and(|(svc, rest)| !svc.is_empty() && !rest.is_empty());
    if !ok {
        diags.push(
            Diag::new(Code::E204, format!("`{key}` is not a condition key"))
                .at(c.key.span)
                .help("condition keys are written `service:key`, e.g. `aws:SourceVpc`"),
        );
    }
    ok
}
