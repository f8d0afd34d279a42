//! The built-in table of standard Kubernetes API resources (about Kubernetes 1.31).
//!
//! Order matters: the core group `""` comes first, and a bare resource name
//! resolves to the *first* entry with that name. The only names that occur in
//! more than one group are `events` (core and `events.k8s.io`), `pods` and
//! `nodes` (core and `metrics.k8s.io`); in every case the core entry wins.
//! A unit test in the parent module enforces that rule for future edits.
//!
//! Subresource lists are sorted alphabetically.
//!
//! A few entries are *virtual*: they are not served as REST collections but
//! are what the API server's authorizer checks for some special verbs, so
//! they must be writable in RBAC rules:
//!
//! * `users`, `groups` (core) and `uids` (`authentication.k8s.io`): the
//!   `impersonate` verb (`serviceaccounts` is a real resource too).
//!   Impersonating user extras (`userextras/<key>`) is not covered because
//!   its subresource is an arbitrary key.
//! * `signers` (`certificates.k8s.io`): the `approve` and `sign` verbs, with
//!   `resourceNames` holding signer names.
//! * the `nodes` subresources `checkpoint`, `log`, `metrics`, `spec` and
//!   `stats`, which the kubelet's webhook authorizer checks for its own HTTP
//!   endpoints (everything else on the kubelet maps to `nodes/proxy`).

use super::ApiResource;

/// Shorthand constructor so the table stays one line per resource.
const fn r(
    group: &'static str,
    name: &'static str,
    namespaced: bool,
    subresources: &'static [&'static str],
) -> ApiResource {
    ApiResource {
        name,
        group,
        namespaced,
        subresources,
    }
}

const NS: bool = true;
const CLUSTER: bool = false;

/// The API groups that have entries in [`RESOURCES`], in table order.
pub(super) const GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "certificates.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "apiregistration.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "metrics.k8s.io",
];

/// Every built-in resource.
pub(super) static RESOURCES: &[ApiResource] = &[
    // --- core ("") ---
    r(
        "",
        "pods",
        NS,
        &[
            "attach",
            "binding",
            "ephemeralcontainers",
            "eviction",
            "exec",
            "log",
            "portforward",
            "proxy",
            // In-place pod resize; served from Kubernetes 1.32 behind
            // InPlacePodVerticalScaling, accepted here so policies can be
            // written ahead of an upgrade.
            "resize",
            "status",
        ],
    ),
    r("", "services", NS, &["proxy", "status"]),
    r("", "configmaps", NS, &[]),
    r("", "secrets", NS, &[]),
    r("", "serviceaccounts", NS, &["token"]),
    r("", "endpoints", NS, &[]),
    r("", "events", NS, &[]),
    r("", "persistentvolumeclaims", NS, &["status"]),
    r("", "persistentvolumes", CLUSTER, &["status"]),
    r(
        "",
        "nodes",
        CLUSTER,
        // `proxy` and `status` are API-server subresources; the others are
        // checked by the kubelet authorizer (see the module docs).
        &[
            "checkpoint",
            "log",
            "metrics",
            "proxy",
            "spec",
            "stats",
            "status",
        ],
    ),
    r("", "namespaces", CLUSTER, &["finalize", "status"]),
    r("", "limitranges", NS, &[]),
    r("", "resourcequotas", NS, &["status"]),
    r("", "replicationcontrollers", NS, &["scale", "status"]),
    r("", "podtemplates", NS, &[]),
    r("", "componentstatuses", CLUSTER, &[]),
    r("", "bindings", NS, &[]),
    // Virtual: impersonation targets.
    r("", "users", CLUSTER, &[]),
    r("", "groups", CLUSTER, &[]),
    // --- apps ---
    r("apps", "deployments", NS, &["scale", "status"]),
    r("apps", "statefulsets", NS, &["scale", "status"]),
    r("apps", "daemonsets", NS, &["status"]),
    r("apps", "replicasets", NS, &["scale", "status"]),
    r("apps", "controllerrevisions", NS, &[]),
    // --- batch ---
    r("batch", "jobs", NS, &["status"]),
    r("batch", "cronjobs", NS, &["status"]),
    // --- autoscaling ---
    r("autoscaling", "horizontalpodautoscalers", NS, &["status"]),
    // --- policy (podsecuritypolicies was removed in 1.25) ---
    r("policy", "poddisruptionbudgets", NS, &["status"]),
    // --- networking.k8s.io ---
    r("networking.k8s.io", "networkpolicies", NS, &[]),
    r("networking.k8s.io", "ingresses", NS, &["status"]),
    r("networking.k8s.io", "ingressclasses", CLUSTER, &[]),
    r("networking.k8s.io", "ipaddresses", CLUSTER, &[]),
    r("networking.k8s.io", "servicecidrs", CLUSTER, &["status"]),
    // --- rbac.authorization.k8s.io ---
    r("rbac.authorization.k8s.io", "roles", NS, &[]),
    r("rbac.authorization.k8s.io", "rolebindings", NS, &[]),
    r("rbac.authorization.k8s.io", "clusterroles", CLUSTER, &[]),
    r(
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        CLUSTER,
        &[],
    ),
    // --- storage.k8s.io ---
    r("storage.k8s.io", "storageclasses", CLUSTER, &[]),
    r("storage.k8s.io", "volumeattachments", CLUSTER, &["status"]),
    r("storage.k8s.io", "csidrivers", CLUSTER, &[]),
    r("storage.k8s.io", "csinodes", CLUSTER, &[]),
    r("storage.k8s.io", "csistoragecapacities", NS, &[]),
    r("storage.k8s.io", "volumeattributesclasses", CLUSTER, &[]),
    // --- coordination.k8s.io ---
    r("coordination.k8s.io", "leases", NS, &[]),
    // --- discovery.k8s.io ---
    r("discovery.k8s.io", "endpointslices", NS, &[]),
    // --- events.k8s.io (bare `events` is the core one) ---
    r("events.k8s.io", "events", NS, &[]),
    // --- apiextensions.k8s.io ---
    r(
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        CLUSTER,
        &["status"],
    ),
    // --- admissionregistration.k8s.io ---
    r(
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        CLUSTER,
        &[],
    ),
    r(
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        CLUSTER,
        &[],
    ),
    r(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        CLUSTER,
        &["status"],
    ),
    r(
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        CLUSTER,
        &[],
    ),
    // --- certificates.k8s.io ---
    r(
        "certificates.k8s.io",
        "certificatesigningrequests",
        CLUSTER,
        &["approval", "status"],
    ),
    // Virtual: target of the `approve` / `sign` verbs.
    r("certificates.k8s.io", "signers", CLUSTER, &[]),
    // --- scheduling.k8s.io ---
    r("scheduling.k8s.io", "priorityclasses", CLUSTER, &[]),
    // --- node.k8s.io ---
    r("node.k8s.io", "runtimeclasses", CLUSTER, &[]),
    // --- authentication.k8s.io ---
    r("authentication.k8s.io", "tokenreviews", CLUSTER, &[]),
    r("authentication.k8s.io", "selfsubjectreviews", CLUSTER, &[]),
    // Virtual: impersonation of a user's UID.
    r("authentication.k8s.io", "uids", CLUSTER, &[]),
    // --- authorization.k8s.io ---
    r("authorization.k8s.io", "subjectaccessreviews", CLUSTER, &[]),
    r(
        "authorization.k8s.io",
        "selfsubjectaccessreviews",
        CLUSTER,
        &[],
    ),
    r(
        "authorization.k8s.io",
        "selfsubjectrulesreviews",
        CLUSTER,
        &[],
    ),
    r("authorization.k8s.io", "localsubjectaccessreviews", NS, &[]),
    // --- apiregistration.k8s.io ---
    r(
        "apiregistration.k8s.io",
        "apiservices",
        CLUSTER,
        &["status"],
    ),
    // --- flowcontrol.apiserver.k8s.io ---
    r(
        "flowcontrol.apiserver.k8s.io",
        "flowschemas",
        CLUSTER,
        &["status"],
    ),
    r(
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
        CLUSTER,
        &["status"],
    ),
    // --- metrics.k8s.io (served by metrics-server; used by HPA and
    // `kubectl top`). Only reachable qualified, since core wins bare names.
    r("metrics.k8s.io", "pods", NS, &[]),
    r("metrics.k8s.io", "nodes", CLUSTER, &[]),
];

/// kubectl short names, used only to produce suggestions (`svc` ->
/// `services`); RBAC itself does not accept them. `(short, group, name)`.
pub(super) const SHORT_NAMES: &[(&str, &str, &str)] = &[
    ("cs", "", "componentstatuses"),
    ("cm", "", "configmaps"),
    ("ep", "", "endpoints"),
    ("ev", "", "events"),
    ("limits", "", "limitranges"),
    ("ns", "", "namespaces"),
    ("no", "", "nodes"),
    ("pvc", "", "persistentvolumeclaims"),
    ("pv", "", "persistentvolumes"),
    ("po", "", "pods"),
    ("rc", "", "replicationcontrollers"),
    ("quota", "", "resourcequotas"),
    ("sa", "", "serviceaccounts"),
    ("svc", "", "services"),
    ("ds", "apps", "daemonsets"),
    ("deploy", "apps", "deployments"),
    ("rs", "apps", "replicasets"),
    ("sts", "apps", "statefulsets"),
    ("cj", "batch", "cronjobs"),
    ("hpa", "autoscaling", "horizontalpodautoscalers"),
    ("pdb", "policy", "poddisruptionbudgets"),
    ("ing", "networking.k8s.io", "ingresses"),
    ("netpol", "networking.k8s.io", "networkpolicies"),
    ("sc", "storage.k8s.io", "storageclasses"),
    ("vac", "storage.k8s.io", "volumeattributesclasses"),
    ("crd", "apiextensions.k8s.io", "customresourcedefinitions"),
    ("crds", "apiextensions.k8s.io", "customresourcedefinitions"),
    ("csr", "certificates.k8s.io", "certificatesigningrequests"),
    ("pc", "scheduling.k8s.io", "priorityclasses"),
    ("ev", "events.k8s.io", "events"),
];
