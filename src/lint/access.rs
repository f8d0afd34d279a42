//! Cluster-access escalation (W403): an `access` whose `policy` can act as any service account
//! of `kube-system` (`cluster_admin`, `admin`, `edit` scoped to it) without `break_glass`. The
//! control plane's add-ons run there with cluster-wide rights, so such an access is cluster admin
//! in effect; E403 already asks `break_glass` for `cluster_admin` on the whole cluster.

use crate::ast::{Decl, Program, Setting, Value};
use crate::diagnostics::{Code, Diag};

use super::rbac::KUBE_SYSTEM;

/// The policies that create pods and read secrets in their namespaces, so run as any of its
/// service accounts: `cluster_admin` (AmazonEKSClusterAdminPolicy), `admin`
/// (AmazonEKSAdminPolicy) and `edit` (AmazonEKSEditPolicy).
const ADMIN_POLICIES: &[&str] = &["cluster_admin", "admin", "edit"];

fn setting<'a>(settings: &'a [Setting], key: &str) -> Option<&'a Setting> {
    settings.iter().find(|s| s.key.node == key)
}

/// W403 for every access of a program that checked.
pub fn check(program: &Program, diags: &mut Vec<Diag>) {
    for d in &program.decls {
        let Decl::Access(a) = d else { continue };
        if setting(&a.settings, "break_glass")
            .is_some_and(|s| s.value.node == Value::Word("true".into()))
        {
            continue;
        }
        // `policy = P` + `scope = …`, and the level settings `P = namespaces […]`.
        let policy_scope = match setting(&a.settings, "policy").map(|s| &s.value.node) {
            Some(Value::Word(p)) => Some((p.as_str(), true, setting(&a.settings, "scope"))),
            _ => None,
        };
        let levels = ADMIN_POLICIES
            .iter()
            .map(|p| (*p, false, setting(&a.settings, p)))
            .filter(|(_, _, s)| s.is_some());
        for (policy, via_policy, scope) in policy_scope.into_iter().chain(levels) {
            if !ADMIN_POLICIES.contains(&policy) {
                continue;
            }
            let Some(Value::WordList(kind, items)) = scope.map(|s| &s.value.node) else {
                continue;
            };
            if kind != "namespaces" {
                continue;
            }
            let what = if via_policy {
                format!("`policy = {policy}`")
            } else {
                format!("`{policy} = namespaces […]`")
            };
            for item in items.iter().filter(|i| i.node.text() == KUBE_SYSTEM) {
                diags.push(
                    Diag::new(
                        Code::W403,
                        format!(
                            "access `{}` has {what} in `kube-system` without `break_glass`: it can run pods as, and read the tokens of, the service accounts of the cluster's add-ons, which is cluster admin",
                            a.name.node
                        ),
                    )
                    .at(item.span)
                    .label("admin policy in kube-system")
                    .help("reserve it for emergencies with `break_glass = true`, or grant `policy = view` there and the rules the people need in `kubernetes in kube-system { … }`"),
                );
            }
        }
    }
}
