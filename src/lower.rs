//! Lower checked declarations to the [`Ir`]: the third stage, after [`crate::check`].
//!
//! [`workloads`] builds apps' and shared roles' IAM roles, service accounts, Pod Identity
//! associations and RBAC from the apps and shared roles `check` checked ([`Checked`]: their
//! settings, grants and Kubernetes rules); [`resources`] the resource-based policies (of the
//! targets `check` checked) and the identity statements they give; [`access`] the clusters'
//! access entries, aws-auth and access RBAC. Some checks still run here, with the checker's
//! functions, because they read what lowering made: the roles' placement (E109, E115, E119,
//! E124), the resource grants against the roles (E214, E215, E216, W210 and the catalog checks of
//! their actions), and the access declarations and per-cluster access checks. The checks that
//! read the finished IR ([`crate::check::boundary`], [`crate::check::resources::check_admitted`])
//! run after lowering (`crate::check_and_lower`). Nothing here emits documents or lints.

pub mod access;
pub mod resources;
pub mod workloads;

use crate::ast::{K8sRule, K8sTarget};
use crate::check::{self, Checked};
use crate::diagnostics::Diag;
use crate::ir::Ir;

/// The result of lowering: the IR (complete only when no diagnostic is an error) and the
/// Kubernetes rules the checker checked on the way, each with whether its block is namespaced
/// (what the RBAC lint pass reads).
pub struct Lowered<'p> {
    /// The IR.
    pub ir: Ir,
    /// The checked rules, in the order they were checked.
    pub rules: Vec<(&'p K8sRule, bool)>,
}

/// Lower a checked program with build options (the previous output's authentication modes).
pub fn lower<'p>(
    checked: Checked<'p>,
    options: &crate::Options,
    memos: &check::Memos,
    diags: &mut Vec<Diag>,
) -> Lowered<'p> {
    let Checked {
        syms,
        clusters,
        namespaces,
        boundaries,
        shared_roles,
        apps,
        resource_targets,
    } = checked;
    let syms = &syms;
    let mut ir = Ir {
        clusters,
        namespaces,
        ..Ir::default()
    };
    let mut rules = Vec::new();
    for app in workloads::lower(syms, &boundaries, &shared_roles, apps, &mut ir, diags) {
        for block in &app.body.kubernetes {
            let namespaced = !matches!(block.target, K8sTarget::Cluster);
            rules.extend(block.rules.iter().map(|r| (r, namespaced)));
        }
    }
    resources::lower(syms, &resource_targets, &mut ir, diags);
    for decl in syms.accesses.values() {
        for block in &decl.kubernetes {
            // `kubernetes { … }` without a namespace is an error of an access (E411): its rules
            // are not checked.
            if !matches!(block.target, K8sTarget::Own) {
                let namespaced = !matches!(block.target, K8sTarget::Cluster);
                rules.extend(block.rules.iter().map(|r| (r, namespaced)));
            }
        }
    }
    access::lower(syms, &options.previous_auth_modes, memos, &mut ir, diags);
    Lowered { ir, rules }
}
