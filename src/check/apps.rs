//! Apps and shared roles on their own: settings, grants (against the IAM catalog through
//! [`super::aws`]), identity, namespace, the ARNs against the clusters (W202), the service
//! accounts across apps (E116), an app's Kubernetes rules and their targets (E103, E305), and
//! what a shared role cannot hold (E120, E215, W204). What they give ([`CheckedApp`],
//! [`SharedRole`]) is what `lower` builds roles, service accounts, associations and RBAC from.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, Identity};

use super::aws::{self, CheckedGrant};
use super::resolve::{self, Symbols};
use super::settings::Settings;
use super::{kube, values, Memos};

/// The settings an app knows.
pub const APP_SETTINGS: &[&str] = &[
    "identity",
    "service_account",
    "role",
    "boundary",
    "account",
    "session_tags",
    "automount_token",
    "service_account_managed",
];
/// The settings a shared role knows.
pub const ROLE_SETTINGS: &[&str] = &["identity", "boundary", "account", "session_tags"];

/// Which boundary a role carries.
#[derive(Clone, Debug, PartialEq)]
pub enum BoundaryChoice {
    /// The clusters' default.
    Default,
    /// `boundary = none`.
    None,
    /// `boundary = NAME`.
    Named(String),
}

/// One app after its own checks: what lowering needs of it, validated.
pub struct CheckedApp<'a> {
    pub(crate) decl: &'a AppDecl,
    /// The name of its namespace (one that was checked without errors).
    pub(crate) namespace: &'a str,
    pub(crate) service_account: String,
    pub(crate) identity: Option<Identity>,
    pub(crate) identity_span: Option<Span>,
    pub(crate) shared_role: Option<String>,
    pub(crate) boundary: BoundaryChoice,
    pub(crate) account: Option<Spanned<String>>,
    pub(crate) session_tags: bool,
    pub(crate) grants: Vec<CheckedGrant>,
    pub(crate) has_rules: bool,
    /// `automount_token = true|false`; without it, the token is mounted only when the app has
    /// Kubernetes rules.
    pub(crate) automount_token: Option<bool>,
    /// `service_account_managed = false`: the ServiceAccount object is written elsewhere.
    pub(crate) service_account_managed: bool,
    /// Its Kubernetes rules, checked, by target ([`AppRbac`]).
    pub(crate) rbac: Vec<AppRbac>,
    /// `NAMESPACE/APP`, made once (every member, service account and grant of the app
    /// names it).
    pub(crate) key: String,
}

/// An app's RBAC on one target: (namespace, or `None` for cluster-wide; role name; rules).
pub type AppRbac = (Option<String>, String, Vec<ir::PolicyRule>);

/// A shared role after its own checks: what lowering needs of it, validated.
pub struct SharedRole<'a> {
    pub(crate) identity: Identity,
    pub(crate) boundary: BoundaryChoice,
    pub(crate) account: Option<Spanned<String>>,
    pub(crate) session_tags: bool,
    pub(crate) grants: Vec<CheckedGrant>,
    pub(crate) decl: &'a RoleDecl,
}

/// Check every shared role: settings, grants (against the IAM catalog), and what a shared role
/// cannot hold (E120, E215, W204).
pub fn shared_roles<'p>(
    syms: &Symbols<'p>,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> BTreeMap<&'p str, SharedRole<'p>> {
    // Shared roles: settings and grants.
    let mut shared: BTreeMap<&'p str, SharedRole<'p>> = BTreeMap::new();
    for (name, decl) in &syms.roles {
        let s = Settings::new(&decl.body.settings, ROLE_SETTINGS, "role", diags);
        let identity = identity_choice(&s, false, diags)
            .0
            .flatten()
            .unwrap_or(Identity::PodIdentity);
        let boundary = boundary_choice(&s, syms, diags);
        for k in &decl.body.kubernetes {
            diags.push(
                Diag::new(
                    Code::E120,
                    format!("shared role `{name}` cannot hold Kubernetes rules"),
                )
                .at(k.span)
                .label("Kubernetes rules here")
                .help(
                    "a shared role is an IAM role; put `kubernetes { … }` in the apps that use it",
                ),
            );
        }
        let account = account_setting(&s, diags);
        let session_tags = s.boolean("session_tags", diags);
        let owner = if identity == Identity::Irsa {
            aws::Owner::SharedIrsa
        } else {
            aws::Owner::SharedPodIdentity
        };
        let grants = check_grants(&decl.body, owner, memos, diags);
        let uses_variables = grants.iter().any(|g| g.uses_variables);
        if let Some(st) = &session_tags {
            if !st.node && identity == Identity::PodIdentity && uses_variables {
                diags.push(
                    Diag::new(Code::E215, format!("shared role `{name}` disables session tags but its grants use `${{…}}` variables"))
                        .at(st.span)
                        .label("session tags disabled")
                        .help("the variables become `${aws:PrincipalTag/…}`, which EKS only sets with session tags: remove `session_tags = false` or the variables"),
                );
            }
        }
        if !grants.is_empty() && !uses_variables {
            diags.push(
                Diag::new(Code::W204, format!("shared role `{name}` uses no `${{namespace}}`, `${{service_account}}` or `${{cluster}}` variable"))
                    .at(decl.name.span)
                    .label("every member gets every permission")
                    .help("every app using the role gets the union of its permissions; partition the ARNs by `${namespace}`/`${service_account}` (ABAC), or give the apps their own roles"),
            );
        }
        shared.insert(
            name,
            SharedRole {
                identity,
                boundary,
                account,
                session_tags: session_tags.map(|s| s.node).unwrap_or(true),
                grants,
                decl,
            },
        );
    }
    shared
}

/// Check every app: its settings, grants (against the IAM catalog), identity, namespace and
/// ARNs (W202) on its own, and the service accounts across apps (E116). The apps whose
/// namespace was checked without errors, in declaration order.
pub fn apps<'p>(
    syms: &Symbols<'p>,
    namespaces: &BTreeMap<String, ir::Namespace>,
    clusters: &BTreeMap<String, ir::Cluster>,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> Vec<CheckedApp<'p>> {
    // Apps. Each app's settings and grants are checked on its own (its grants against the
    // IAM catalog): on several threads for a large program, gathered in app order. Only the
    // service-account check (E116) looks across apps: it runs here, in order, between an
    // app's other diagnostics and its W202, where a one-thread loop puts it.
    let mut apps: Vec<CheckedApp<'p>> = Vec::new();
    let mut service_accounts: BTreeMap<(&str, String), &AppDecl> = BTreeMap::new();
    let decls: Vec<(&str, &'p AppDecl)> = syms.apps.iter().map(|((ns, _), d)| (*ns, *d)).collect();
    let prepared = crate::par::map(
        &decls,
        |(_, d)| d.body.aws.iter().map(|b| b.grants.len()).sum::<usize>() + 1,
        2048,
        |&(ns_name, decl)| prepare_app(ns_name, decl, syms, namespaces, clusters, memos),
    );
    for prep in prepared {
        diags.extend(prep.diags);
        let Some(app) = prep.app else {
            continue;
        };
        let (ns_name, sa) = (prep.ns_name, &app.service_account);
        let decl = app.decl;
        let entry = service_accounts.entry((ns_name, sa.clone()));
        if let std::collections::btree_map::Entry::Occupied(first) = &entry {
            let first = *first.get();
            diags.push(
                Diag::new(Code::E116, format!("service account `{sa}` in namespace `{ns_name}` is used by apps `{}` and `{}`", first.name.node, decl.name.node))
                    .at(decl.name.span)
                    .label("second app with this service account")
                    .related(first.name.span, "first app")
                    .help("give each app its own `service_account`: a service account has one IAM role, so the apps would share permissions"),
            );
        } else {
            entry.or_insert(decl);
        }
        diags.extend(prep.context_diags);
        apps.push(app);
    }
    apps
}

/// One app's own checks, as [`apps`] gathers them.
struct PreparedApp<'a> {
    /// The name of its namespace.
    ns_name: &'a str,
    /// `None` when its namespace is not lowered.
    app: Option<CheckedApp<'a>>,
    /// Its diagnostics up to the service-account check (E116).
    diags: Vec<Diag>,
    /// Its W202 (after E116).
    context_diags: Vec<Diag>,
}

/// The checks of one app that need no other app: settings, grants (against the IAM catalog),
/// identity, namespace, and its ARNs against its clusters (W202).
fn prepare_app<'a>(
    ns_name: &'a str,
    decl: &'a AppDecl,
    syms: &Symbols<'_>,
    namespaces: &BTreeMap<String, ir::Namespace>,
    clusters: &BTreeMap<String, ir::Cluster>,
    memos: &Memos,
) -> PreparedApp<'a> {
    let mut diags = Vec::new();
    let diags = &mut diags;
    let mut grant_diags = Vec::new();
    let grants = check_grants(&decl.body, aws::Owner::App, memos, &mut grant_diags);
    let s = Settings::new(&decl.body.settings, APP_SETTINGS, "app", diags);
    let (identity, identity_span) = identity_choice(&s, true, diags);
    let boundary = boundary_choice(&s, syms, diags);
    let account = account_setting(&s, diags);
    let session_tags = s
        .boolean("session_tags", diags)
        .map(|b| b.node)
        .unwrap_or(true);
    let automount_token = s.boolean("automount_token", diags).map(|b| b.node);
    let service_account_managed = s
        .boolean("service_account_managed", diags)
        .map(|b| b.node)
        .unwrap_or(true);
    if let (false, Some(span)) = (service_account_managed, s.span("automount_token")) {
        diags.push(
            Diag::new(
                Code::E109,
                format!("app `{}` sets `automount_token` on a service account accessc does not write", decl.name.node),
            )
            .at(span)
            .label("not written")
            .help("`service_account_managed = false`: the chart that creates the service account sets `automountServiceAccountToken`; remove `automount_token`, or let accessc write the service account"),
        );
    }
    let sa = match s.string("service_account", diags) {
        Some(sa) => {
            values::check_k8s_name(&sa, "invalid service account name", diags);
            sa.node
        }
        None => decl.name.node.clone(),
    };
    let shared_role = s.word_or_string("role", diags);
    if let Some(r) = &shared_role {
        if !syms.roles.contains_key(r.node.as_str()) {
            diags.push(resolve::unknown(
                Code::E104,
                "role",
                r,
                syms.roles.keys().copied(),
            ));
        }
        let own_aws = decl.body.aws.iter().find(|b| !b.grants.is_empty());
        if let Some(b) = own_aws {
            diags.push(
                Diag::new(Code::E120, format!("app `{}` uses shared role `{}` and declares its own AWS grants", decl.name.node, r.node))
                    .at(b.span)
                    .label("own grants")
                    .related(r.span, "shared role")
                    .help("move the grants into the shared role, or remove `role = …` to give the app its own role"),
            );
        }
        if let Some(span) = identity_span {
            diags.push(
                Diag::new(
                    Code::E120,
                    format!(
                        "app `{}` uses shared role `{}`, which sets the identity",
                        decl.name.node, r.node
                    ),
                )
                .at(span)
                .label("identity set here")
                .help("remove `identity` from the app; set it on the shared role"),
            );
        }
    }
    diags.extend(grant_diags);
    let identity = match identity {
        Some(id) => id,
        None if !grants.is_empty() => Some(Identity::PodIdentity),
        None => None,
    };
    if identity_span.is_some() && identity.is_none() {
        if let Some(b) = decl.body.aws.iter().find(|b| !b.grants.is_empty()) {
            diags.push(
                Diag::new(Code::E109, format!("app `{}` has `identity = none` but AWS grants", decl.name.node))
                    .at(b.span)
                    .label("AWS grants")
                    .maybe_help(Some("an app without an identity cannot use AWS permissions: remove the grants or choose `pod_identity` or `irsa`".into())),
            );
        }
    }
    let Some(namespace) = namespaces.get(ns_name) else {
        // `ns_name` is `decl.namespace`'s text (the app's key in the symbol tables).
        syms.known_namespace(&decl.namespace, diags);
        return PreparedApp {
            ns_name,
            app: None,
            diags: std::mem::take(diags),
            context_diags: Vec::new(),
        };
    };
    let mut context_diags = Vec::new();
    let app_clusters: Vec<&ir::Cluster> = namespace
        .clusters
        .iter()
        .filter_map(|c| clusters.get(c))
        .collect();
    arn_context(
        &decl.body,
        &app_clusters,
        account.as_ref().map(|a| a.node.as_str()),
        &decl.name.node,
        &mut context_diags,
    );
    let has_rules = decl.body.kubernetes.iter().any(|k| !k.rules.is_empty());
    let rbac = app_rbac(
        decl,
        namespace,
        &sa,
        syms,
        namespaces,
        memos,
        &mut context_diags,
    );
    let app = CheckedApp {
        decl,
        namespace: ns_name,
        service_account: sa,
        identity: if shared_role.is_some() {
            None
        } else {
            identity
        },
        identity_span,
        shared_role: shared_role.map(|r| r.node),
        boundary,
        account,
        session_tags,
        grants,
        has_rules,
        automount_token,
        service_account_managed,
        rbac,
        key: format!("{}/{}", namespace.name, decl.name.node),
    };
    PreparedApp {
        ns_name,
        app: Some(app),
        diags: std::mem::take(diags),
        context_diags,
    }
}

fn boundary_choice(s: &Settings<'_>, syms: &Symbols<'_>, diags: &mut Vec<Diag>) -> BoundaryChoice {
    match s.word_or_string("boundary", diags) {
        None => BoundaryChoice::Default,
        Some(b) if b.node == "none" => BoundaryChoice::None,
        Some(b) => {
            if !syms.boundaries.contains_key(b.node.as_str()) {
                diags.push(resolve::unknown(
                    Code::E105,
                    "boundary",
                    &b,
                    syms.boundaries.keys().copied(),
                ));
            }
            BoundaryChoice::Named(b.node)
        }
    }
}

fn identity_choice(
    s: &Settings<'_>,
    allow_none: bool,
    diags: &mut Vec<Diag>,
) -> (Option<Option<Identity>>, Option<Span>) {
    let allowed: &[&'static str] = if allow_none {
        &["pod_identity", "irsa", "none"]
    } else {
        &["pod_identity", "irsa"]
    };
    let v = s.choice("identity", allowed, diags);
    let span = v.as_ref().map(|v| v.span);
    let id = v.map(|v| match v.node {
        "irsa" => Some(Identity::Irsa),
        "none" => None,
        _ => Some(Identity::PodIdentity),
    });
    (id, span)
}

fn check_grants(
    body: &Body,
    owner: aws::Owner,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> Vec<CheckedGrant> {
    let grants: Vec<CheckedGrant> = body
        .aws
        .iter()
        .flat_map(|b| b.grants.iter())
        .flat_map(|g| aws::check_grant(g, owner, memos, diags))
        .collect();
    super::deny::shadowed_allows(&grants, diags);
    grants
}

/// W202: ARNs whose partition, region or account differ from every cluster the role is used on.
fn arn_context(
    body: &Body,
    clusters: &[&ir::Cluster],
    own_account: Option<&str>,
    app_name: &str,
    diags: &mut Vec<Diag>,
) {
    if clusters.is_empty() {
        return;
    }
    let fixed = |v: &str| !v.is_empty() && !v.contains(['*', '?', '$']);
    for block in &body.aws {
        for g in &block.grants {
            let arns = match &g.kind {
                GrantKind::Level { arns, .. } | GrantKind::Allow { arns, .. } => arns,
            };
            for a in arns {
                let Ok(arn) = values::arn(&a.node) else {
                    continue;
                };
                let mut problems = Vec::new();
                if fixed(arn.partition) && clusters.iter().all(|c| c.partition != arn.partition) {
                    problems.push(format!(
                        "partition `{}` (the clusters are in `{}`)",
                        arn.partition, clusters[0].partition
                    ));
                }
                if fixed(arn.region) && clusters.iter().all(|c| c.region != arn.region) {
                    let regions: BTreeSet<&str> =
                        clusters.iter().map(|c| c.region.as_str()).collect();
                    problems.push(format!(
                        "region `{}` (the clusters are in {})",
                        arn.region,
                        regions
                            .into_iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                if fixed(arn.account)
                    && arn.account != "aws"
                    && own_account != Some(arn.account)
                    && clusters.iter().all(|c| c.account != arn.account)
                {
                    problems.push(format!(
                        "account `{}`, not the clusters' account",
                        arn.account
                    ));
                }
                if !problems.is_empty() {
                    diags.push(
                        Diag::new(Code::W202, format!("`{}` is in {}", a.node, problems.join(" and ")))
                            .at(a.span)
                            .label("outside the cluster's partition, region or account")
                            .help(format!("app `{app_name}` runs elsewhere: check the ARN. Access in another account also needs the resource's own policy to allow it")),
                    );
                }
            }
        }
    }
}

/// `account = "…"`: checked 12 digits.
fn account_setting(s: &Settings<'_>, diags: &mut Vec<Diag>) -> Option<Spanned<String>> {
    let a = s.string("account", diags)?;
    if let Err((msg, help)) = values::account(&a.node) {
        diags.push(
            Diag::new(Code::E110, msg)
                .at(a.span)
                .label("invalid value")
                .help(help),
        );
        return None;
    }
    Some(a)
}

/// The app's Kubernetes rules, checked (E103 and E305 on their targets, [`super::kube`] on
/// the rules), by target.
fn app_rbac(
    decl: &AppDecl,
    namespace: &ir::Namespace,
    service_account: &str,
    syms: &Symbols<'_>,
    namespaces: &BTreeMap<String, ir::Namespace>,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> Vec<AppRbac> {
    let own_ns = namespace.name.as_str();
    let app_name = decl.name.node.as_str();
    let mut by_target: BTreeMap<Option<String>, Vec<ir::PolicyRule>> = BTreeMap::new();
    for block in &decl.body.kubernetes {
        let (target, namespaced) = match &block.target {
            K8sTarget::Own => (Some(own_ns.to_string()), true),
            K8sTarget::Cluster => (None, false),
            K8sTarget::Namespace(ns) => {
                match namespaces.get(&ns.node) {
                    None => {
                        syms.known_namespace(ns, diags);
                    }
                    Some(target) => {
                        if target.clusters.is_disjoint(&namespace.clusters) {
                            diags.push(
                                Diag::new(
                                    Code::E305,
                                    format!(
                                        "namespace `{}` is on none of the clusters of `{own_ns}`",
                                        ns.node
                                    ),
                                )
                                .at(ns.span)
                                .label("not on the app's clusters")
                                .help(format!(
                                    "`{own_ns}` is on {}; `{}` is on {}",
                                    list(&namespace.clusters),
                                    ns.node,
                                    list(&target.clusters)
                                )),
                            );
                        }
                    }
                }
                (Some(ns.node.clone()), true)
            }
        };
        super::kube_names::check(&block.rules, true, diags);
        let mut rules = kube::check_rules(&block.rules, namespaced, memos, diags);
        super::kube_names::substitute(&mut rules, own_ns, service_account);
        by_target.entry(target).or_default().extend(rules);
    }
    by_target
        .into_iter()
        .filter(|(_, rules)| !rules.is_empty())
        .map(|(ns, rules)| {
            let name = match &ns {
                Some(n) if n == own_ns => app_name.to_string(),
                _ => format!("{own_ns}.{app_name}"),
            };
            (ns, name, rules)
        })
        .collect()
}

fn list(set: &BTreeSet<String>) -> String {
    set.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
