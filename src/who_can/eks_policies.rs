//! What the EKS access policies grant in Kubernetes, approximated by the built-in ClusterRoles
//! they correspond to.
//!
//! | access policy | ClusterRole | approximation |
//! | --- | --- | --- |
//! | `cluster_admin` (AmazonEKSClusterAdminPolicy) | `cluster-admin` | every verb on every resource, custom resources included |
//! | `admin` (AmazonEKSAdminPolicy) | `admin` | `edit` plus read/write `roles` and `rolebindings` and `create localsubjectaccessreviews`; not `resourcequotas`/`limitranges` writes, not the namespace object itself |
//! | `edit` (AmazonEKSEditPolicy) | `edit` | `view` plus read `secrets`, write most namespaced workload objects, `pods/exec`/`attach`/`portforward`, `impersonate serviceaccounts`; no `roles`/`rolebindings` |
//! | `view` (AmazonEKSViewPolicy) | `view` | `get`/`list`/`watch` on non-escalating namespaced objects; no `secrets`, no `pods/exec` |
//!
//! The tables below follow the Kubernetes bootstrap policy (`system:aggregate-to-{admin,edit,view}`,
//! Kubernetes 1.22 and later: no `endpoints` writes). Rules that add-ons aggregate into these
//! roles (custom resources labelled `rbac.authorization.k8s.io/aggregate-to-edit`) are not known,
//! so `admin`/`edit`/`view` never answer for custom resources. Cluster-scoped resources are
//! granted only at cluster scope (`namespaces` read); at namespace scope, only namespaced
//! resources of the listed namespaces.

use crate::ir::AccessPolicy;

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "delete",
    "deletecollection",
    "patch",
    "update",
];

/// One rule of a built-in role: verbs on resources of one API group.
struct Rule {
    verbs: &'static [&'static str],
    group: &'static str,
    resources: &'static [&'static str],
}

const fn rule(
    verbs: &'static [&'static str],
    group: &'static str,
    resources: &'static [&'static str],
) -> Rule {
    Rule {
        verbs,
        group,
        resources,
    }
}

/// `system:aggregate-to-view`.
const VIEW: &[Rule] = &[
    rule(
        READ,
        "",
        &[
            "pods",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
            "services/status",
            "endpoints",
            "persistentvolumeclaims",
            "persistentvolumeclaims/status",
            "configmaps",
        ],
    ),
    rule(
        READ,
        "",
        &[
            "limitranges",
            "resourcequotas",
            "bindings",
            "events",
            "pods/status",
            "resourcequotas/status",
            "namespaces/status",
            "replicationcontrollers/status",
            "pods/log",
        ],
    ),
    rule(READ, "", &["namespaces"]),
    rule(READ, "discovery.k8s.io", &["endpointslices"]),
    rule(
        READ,
        "apps",
        &[
            "controllerrevisions",
            "statefulsets",
            "statefulsets/status",
            "statefulsets/scale",
            "daemonsets",
            "daemonsets/status",
            "deployments",
            "deployments/status",
            "deployments/scale",
            "replicasets",
            "replicasets/status",
            "replicasets/scale",
        ],
    ),
    rule(
        READ,
        "autoscaling",
        &[
            "horizontalpodautoscalers",
            "horizontalpodautoscalers/status",
        ],
    ),
    rule(
        READ,
        "batch",
        &["jobs", "jobs/status", "cronjobs", "cronjobs/status"],
    ),
    rule(
        READ,
        "policy",
        &["poddisruptionbudgets", "poddisruptionbudgets/status"],
    ),
    rule(
        READ,
        "networking.k8s.io",
        &["networkpolicies", "ingresses", "ingresses/status"],
    ),
];

/// `system:aggregate-to-edit` (edit is view plus these).
const EDIT: &[Rule] = &[
    rule(
        READ,
        "",
        &[
            "pods/attach",
            "pods/proxy",
            "pods/exec",
            "pods/portforward",
            "secrets",
            "services/proxy",
        ],
    ),
    rule(&["impersonate"], "", &["serviceaccounts"]),
    rule(
        WRITE,
        "",
        &[
            "pods",
            "pods/attach",
            "pods/proxy",
            "pods/exec",
            "pods/portforward",
        ],
    ),
    rule(&["create"], "", &["pods/eviction"]),
    rule(
        WRITE,
        "",
        &[
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
            "services/proxy",
            "persistentvolumeclaims",
            "configmaps",
            "secrets",
        ],
    ),
    rule(&["create"], "", &["serviceaccounts/token"]),
    rule(
        WRITE,
        "apps",
        &[
            "statefulsets",
            "statefulsets/scale",
            "daemonsets",
            "deployments",
            "deployments/scale",
            "deployments/rollback",
            "replicasets",
            "replicasets/scale",
        ],
    ),
    rule(WRITE, "autoscaling", &["horizontalpodautoscalers"]),
    rule(WRITE, "batch", &["jobs", "cronjobs"]),
    rule(WRITE, "policy", &["poddisruptionbudgets"]),
    rule(
        WRITE,
        "networking.k8s.io",
        &["networkpolicies", "ingresses"],
    ),
];

/// `system:aggregate-to-admin` (admin is edit plus these).
const ADMIN: &[Rule] = &[
    rule(
        &["create"],
        "authorization.k8s.io",
        &["localsubjectaccessreviews"],
    ),
    rule(
        READ_WRITE,
        "rbac.authorization.k8s.io",
        &["roles", "rolebindings"],
    ),
];

fn in_rules(rules: &[Rule], verb: &str, group: &str, resource: &str) -> bool {
    rules
        .iter()
        .any(|r| r.group == group && r.verbs.contains(&verb) && r.resources.contains(&resource))
}

/// Whether the access policy grants `verb` on `group`/`resource` (`pods/exec`).
/// `cluster_scoped` says whether the resource is cluster-scoped (None: unknown, a custom
/// resource); `at_cluster_scope` whether the policy is associated at cluster scope.
pub fn grants(
    policy: AccessPolicy,
    verb: &str,
    group: &str,
    resource: &str,
    cluster_scoped: Option<bool>,
    at_cluster_scope: bool,
) -> bool {
    if policy == AccessPolicy::ClusterAdmin {
        // cluster-admin: `*` on `*`; at namespace scope, only what is in those namespaces.
        return at_cluster_scope || cluster_scoped != Some(true);
    }
    if cluster_scoped == Some(true) && !at_cluster_scope {
        return false;
    }
    let tables: &[&[Rule]] = match policy {
        AccessPolicy::ClusterAdmin => &[],
        AccessPolicy::Admin => &[VIEW, EDIT, ADMIN],
        AccessPolicy::Edit => &[VIEW, EDIT],
        AccessPolicy::View => &[VIEW],
    };
    tables.iter().any(|t| in_rules(t, verb, group, resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approximations() {
        use AccessPolicy::*;
        let ns = Some(false);
        assert!(grants(Edit, "delete", "apps", "deployments", ns, false));
        assert!(grants(Edit, "get", "", "secrets", ns, false));
        assert!(grants(Edit, "create", "", "pods/exec", ns, false));
        assert!(!grants(
            Edit,
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            ns,
            false
        ));
        assert!(grants(
            Admin,
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            ns,
            false
        ));
        assert!(!grants(Admin, "update", "", "resourcequotas", ns, false));
        assert!(grants(View, "list", "", "pods", ns, false));
        assert!(!grants(View, "get", "", "secrets", ns, false));
        assert!(!grants(View, "delete", "", "pods", ns, false));
        assert!(!grants(View, "list", "", "namespaces", Some(true), false));
        assert!(grants(View, "list", "", "namespaces", Some(true), true));
        assert!(!grants(
            Edit,
            "get",
            "cert-manager.io",
            "certificates",
            None,
            true
        ));
        assert!(grants(
            ClusterAdmin,
            "get",
            "cert-manager.io",
            "certificates",
            None,
            false
        ));
        assert!(grants(
            ClusterAdmin,
            "delete",
            "",
            "nodes",
            Some(true),
            true
        ));
        assert!(!grants(
            ClusterAdmin,
            "delete",
            "",
            "nodes",
            Some(true),
            false
        ));
    }
}
