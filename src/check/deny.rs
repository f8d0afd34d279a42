//! `deny` grants against the `allow`s of the same role: an unconditional deny that covers every
//! action and every resource of an allow makes that allow unreachable (W213), since IAM's
//! explicit deny wins over any allow.

use super::aws::CheckedGrant;
use super::boundary::glob;
use crate::diagnostics::{Code, Diag};

/// Whether `deny`'s resources (none: `*`) cover each of `allow`'s (none: `*`).
fn covers_resources(deny: &CheckedGrant, allow: &CheckedGrant) -> bool {
    if deny.resources.is_empty() || deny.resources.iter().any(|r| r == "*") {
        return true;
    }
    if allow.resources.is_empty() {
        return false;
    }
    allow
        .resources
        .iter()
        .all(|r| deny.resources.iter().any(|d| glob(d, r, false)))
}

/// W213 for each allow of `grants` (the checked grants of one app or shared role) that an
/// unconditional deny of the same grants makes unreachable.
pub fn shadowed_allows(grants: &[CheckedGrant], diags: &mut Vec<Diag>) {
    let denies: Vec<&CheckedGrant> = grants
        .iter()
        .filter(|g| g.deny && g.conditions.is_empty())
        .collect();
    if denies.is_empty() {
        return;
    }
    for a in grants.iter().filter(|g| !g.deny) {
        let shadow = denies.iter().find(|d| {
            a.actions
                .iter()
                .all(|act| d.actions.iter().any(|p| glob(p, act, true)))
                && covers_resources(d, a)
        });
        if let Some(d) = shadow {
            diags.push(
                Diag::new(
                    Code::W213,
                    "a `deny` of the same role takes away everything this grant allows",
                )
                .at(a.span)
                .label("never applies")
                .related(d.span, "denied here, with no condition")
                .help("IAM's explicit deny wins over any allow: remove this grant, or narrow the deny (fewer actions or resources, or a `when` condition)"),
            );
        }
    }
}
