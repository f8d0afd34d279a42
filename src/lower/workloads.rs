//! Apps and shared roles → IAM roles, service accounts, Pod Identity associations and RBAC.
//!
//! Each app's and shared role's settings, grants ([`crate::check::aws`]) and Kubernetes rules
//! ([`crate::check::kube`]) are checked here, with the checker's functions, as they are lowered.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, Identity, Ir};

use crate::check::aws::{self, CheckedGrant, Vars};
use crate::check::resolve::{self, Symbols};
use crate::check::settings::Settings;
use crate::check::{kube, kube_names, values, BoundaryDef};

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

/// IAM's limit on role names.
pub const MAX_ROLE_NAME: usize = 64;

/// Which boundary a role carries.
#[derive(Clone, Debug, PartialEq)]
enum BoundaryChoice {
    /// The clusters' default.
    Default,
    /// `boundary = none`.
    None,
    /// `boundary = NAME`.
    Named(String),
}

/// One app after its own checks.
struct App<'a> {
    decl: &'a AppDecl,
    namespace: &'a ir::Namespace,
    service_account: String,
    identity: Option<Identity>,
    identity_span: Option<Span>,
    shared_role: Option<String>,
    boundary: BoundaryChoice,
    account: Option<Spanned<String>>,
    session_tags: bool,
    grants: Vec<CheckedGrant>,
    has_rules: bool,
    /// `automount_token = true|false`; without it, the token is mounted only when the app has
    /// Kubernetes rules.
    automount_token: Option<bool>,
    /// `service_account_managed = false`: the ServiceAccount object is written elsewhere.
    service_account_managed: bool,
    /// `NAMESPACE/APP`, made once (every member, service account and grant of the app
    /// names it).
    key: String,
}

/// A role name IAM accepts: invalid characters become `-`; names over 64 characters keep
/// their first 55 and end with `-` and 8 hex digits of a hash of the full name.
pub fn role_name(wanted: &str) -> String {
    // Most names are clean and short: copied whole.
    if wanted.len() <= MAX_ROLE_NAME && wanted.chars().all(values::is_role_name_char) {
        return wanted.to_string();
    }
    let clean: String = wanted
        .chars()
        .map(|c| if values::is_role_name_char(c) { c } else { '-' })
        .collect();
    if clean.len() <= MAX_ROLE_NAME {
        return clean;
    }
    let hash = format!("{:016x}", crate::hash::fnv1a(&clean));
    format!("{}-{}", &clean[..55], &hash[..8])
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

fn check_grants(body: &Body, owner: aws::Owner, diags: &mut Vec<Diag>) -> Vec<CheckedGrant> {
    let grants: Vec<CheckedGrant> = body
        .aws
        .iter()
        .flat_map(|b| b.grants.iter())
        .flat_map(|g| aws::check_grant(g, owner, diags))
        .collect();
    crate::check::deny::shadowed_allows(&grants, diags);
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

/// Lower every app and shared role into the IR.
pub fn lower<'p>(
    syms: &Symbols<'p>,
    boundaries: &BTreeMap<String, BoundaryDef>,
    ir: &mut Ir,
    diags: &mut Vec<Diag>,
) -> Vec<&'p AppDecl> {
    // Shared roles: settings and grants.
    let mut shared: BTreeMap<&str, Shared<'_>> = BTreeMap::new();
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
        let grants = check_grants(&decl.body, owner, diags);
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
            Shared {
                identity,
                boundary,
                account,
                session_tags: session_tags.map(|s| s.node).unwrap_or(true),
                grants,
                decl,
            },
        );
    }

    // Apps. Each app's settings and grants are checked on its own (its grants against the
    // IAM catalog): on several threads for a large program, gathered in app order. Only the
    // service-account check (E116) looks across apps: it runs here, in order, between an
    // app's other diagnostics and its W202, where a one-thread loop puts it.
    let mut apps: Vec<App<'_>> = Vec::new();
    let mut service_accounts: BTreeMap<(&str, String), &AppDecl> = BTreeMap::new();
    let decls: Vec<(&str, &'p AppDecl)> = syms.apps.iter().map(|((ns, _), d)| (*ns, *d)).collect();
    let (namespaces, clusters) = (&ir.namespaces, &ir.clusters);
    let prepared = crate::par::map(
        &decls,
        |(_, d)| d.body.aws.iter().map(|b| b.grants.len()).sum::<usize>() + 1,
        2048,
        |&(ns_name, decl)| prepare_app(ns_name, decl, syms, namespaces, clusters),
    );
    // The apps whose Kubernetes rules are checked (below, in `lower_rules`).
    let mut checked: Vec<&'p AppDecl> = Vec::new();
    for (prep, &(_, app_decl)) in prepared.into_iter().zip(&decls) {
        diags.extend(prep.diags);
        let Some(app) = prep.app else {
            continue;
        };
        checked.push(app_decl);
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

    // The apps a `resource` grant admits with `${cluster}` in a condition value: their values
    // are their role's clusters', so a role without session tags is one per cluster for them
    // as for their own grants' `${cluster}`.
    let cluster_in_resources: BTreeSet<&str> = syms
        .resources
        .values()
        .flat_map(|r| r.grants.iter())
        .filter(|g| {
            g.conditions
                .iter()
                .any(|c| c.values.iter().any(|v| v.node.contains("${cluster}")))
        })
        .flat_map(|g| g.by.iter().map(|b| b.node.as_str()))
        .collect();

    // IAM roles.
    let mut roles: Vec<ir::IamRole> = Vec::new();
    // Each cluster's ARN, written once (every role on the cluster names it in its trust).
    let cluster_arns: ClusterArns = ir
        .clusters
        .values()
        .map(|c| (std::ptr::from_ref(c).addr(), c.arn()))
        .collect();
    // Each app's roles are independent: built on several threads, a run of apps at a time
    // (whose checked grants are then freed: a large program's are as big as its roles), and
    // gathered in app order, so that roles and diagnostics do not depend on the threads.
    for run in apps.chunks_mut(2048) {
        let built = crate::par::map(
            &*run,
            |a| a.grants.len() + 1,
            256,
            |app| {
                let (mut r, mut d) = (Vec::new(), Vec::new());
                if let Some(identity) = app.identity {
                    let members: Vec<ir::Member> = app
                        .namespace
                        .clusters
                        .iter()
                        .map(|c| ir::Member {
                            cluster: c.clone(),
                            namespace: app.namespace.name.clone(),
                            service_account: app.service_account.clone(),
                            app: app.key.clone(),
                        })
                        .collect();
                    let origin = ir::Origin {
                        what: format!("app {}", app.key),
                        span: app.decl.span,
                    };
                    let span = app.identity_span.unwrap_or(app.decl.name.span);
                    let wanted = format!("{}-{}", app.namespace.name, app.decl.name.node);
                    let spec = RoleSpec {
                        wanted_name: &wanted,
                        identity,
                        boundary: &app.boundary,
                        account: app.account.as_ref(),
                        session_tags: app.session_tags,
                        grants: &app.grants,
                        uses_cluster: app.grants.iter().any(CheckedGrant::uses_cluster)
                            || cluster_in_resources.contains(app.key.as_str()),
                        shared: false,
                        origin,
                        span,
                    };
                    build_roles(
                        &spec,
                        members,
                        ir,
                        &cluster_arns,
                        boundaries,
                        &mut r,
                        &mut d,
                    );
                }
                (r, d)
            },
        );
        for (r, d) in built {
            roles.extend(r);
            diags.extend(d);
        }
        for app in run.iter_mut() {
            app.grants = Vec::new();
        }
    }
    for (name, sh) in &shared {
        let members: Vec<ir::Member> = apps
            .iter()
            .filter(|a| a.shared_role.as_deref() == Some(*name))
            .flat_map(|a| {
                a.namespace.clusters.iter().map(|c| ir::Member {
                    cluster: c.clone(),
                    namespace: a.namespace.name.clone(),
                    service_account: a.service_account.clone(),
                    app: a.key.clone(),
                })
            })
            .collect();
        let origin = ir::Origin {
            what: format!("role {name}"),
            span: sh.decl.span,
        };
        let spec = RoleSpec {
            wanted_name: name,
            identity: sh.identity,
            boundary: &sh.boundary,
            account: sh.account.as_ref(),
            session_tags: sh.session_tags,
            grants: &sh.grants,
            uses_cluster: false,
            shared: true,
            origin,
            span: sh.decl.name.span,
        };
        build_roles(
            &spec,
            members,
            ir,
            &cluster_arns,
            boundaries,
            &mut roles,
            diags,
        );
    }
    roles.sort_by(|a, b| (&a.account, &a.name).cmp(&(&b.account, &b.name)));
    for pair in roles.windows(2) {
        if pair[0].account == pair[1].account && pair[0].name == pair[1].name {
            diags.push(
                Diag::new(Code::E119, format!("{} and {} both need IAM role `{}` in account {}", pair[0].origin.what, pair[1].origin.what, pair[0].name, pair[0].account))
                    .at(pair[1].origin.span)
                    .label("same role name")
                    .related(pair[0].origin.span, "other declaration")
                    .help("app roles are named `NAMESPACE-APP` and shared roles by their name: rename one of the two"),
            );
        }
    }

    // Service accounts, associations, RBAC.
    // Each member's first role (in the sorted order above), indexed once: a scan of every
    // role's members per service account was quadratic in the number of apps.
    // Keyed by the member's fields, borrowed: an app looks its members up without copying
    // them.
    let mut role_of: RoleOf<'_> = BTreeMap::new();
    for r in &roles {
        for m in &r.members {
            let key = (
                m.cluster.as_str(),
                m.namespace.as_str(),
                m.service_account.as_str(),
                m.app.as_str(),
            );
            role_of.entry(key).or_insert(r);
        }
    }
    // Each app's RBAC rules, service accounts and associations are made on their own (on
    // several threads for a large program) and gathered in app order, as on one thread.
    let per_app = crate::par::map(
        &apps,
        |a| {
            1 + a
                .decl
                .body
                .kubernetes
                .iter()
                .map(|k| k.rules.len())
                .sum::<usize>()
        },
        1024,
        |app| {
            let mut d = Vec::new();
            let rules = lower_rules(app, syms, ir, &mut d);
            (app_outputs(app, rules, ir, &role_of), d)
        },
    );
    for (out, app_diags) in per_app {
        diags.extend(app_diags);
        ir.service_accounts.extend(out.service_accounts);
        ir.pod_identity_associations.extend(out.associations);
        ir.rbac.extend(out.rbac);
    }
    // Boundaries, materialised in each account that uses them.
    let mut used: BTreeSet<(String, String, String)> = BTreeSet::new();
    for r in &roles {
        if let Some(b) = &r.boundary {
            used.insert((r.account.clone(), b.name.clone(), r.partition.clone()));
        }
    }
    for (account, name, partition) in used {
        if let Some((span, stmts)) = boundaries.get(&name) {
            let pick = |allow: bool| -> Vec<(BTreeSet<String>, BTreeSet<String>)> {
                stmts
                    .iter()
                    .filter(|(a, _, _)| *a == allow)
                    .map(|(_, actions, resources)| (actions.clone(), resources.clone()))
                    .collect()
            };
            ir.boundaries.push(ir::Boundary {
                name,
                account,
                partition,
                allow: pick(true),
                deny: pick(false),
                span: *span,
            });
        }
    }
    ir.roles = roles;
    sort_by_cluster(
        &mut ir.service_accounts,
        |a| &a.cluster,
        |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)),
    );
    sort_by_cluster(
        &mut ir.pod_identity_associations,
        |a| &a.cluster,
        |a, b| (&a.namespace, &a.service_account).cmp(&(&b.namespace, &b.service_account)),
    );
    sort_by_cluster(
        &mut ir.rbac,
        |a| &a.cluster,
        |a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)),
    );
    checked
}

/// A stable sort by (cluster, `rest`): the items are parted by cluster (in order), then each
/// cluster's are sorted by `rest`. The same order as sorting by the pair, cheaper: an app puts
/// one item on each of its clusters in turn, so the whole is far from sorted, while each
/// cluster's part is nearly sorted already (apps come in order).
fn sort_by_cluster<T>(
    items: &mut Vec<T>,
    cluster: impl Fn(&T) -> &String,
    rest: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut parts: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for item in items.drain(..) {
        match parts.get_mut(cluster(&item)) {
            Some(part) => part.push(item),
            None => {
                let key = cluster(&item).clone();
                parts.insert(key, vec![item]);
            }
        }
    }
    for (_, mut part) in parts {
        part.sort_by(&rest);
        items.extend(part);
    }
}

/// One app's own checks, as [`lower`] gathers them.
struct PreparedApp<'a> {
    /// The name of its namespace.
    ns_name: &'a str,
    /// `None` when its namespace is not lowered.
    app: Option<App<'a>>,
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
    namespaces: &'a BTreeMap<String, ir::Namespace>,
    clusters: &BTreeMap<String, ir::Cluster>,
) -> PreparedApp<'a> {
    let mut diags = Vec::new();
    let diags = &mut diags;
    let mut grant_diags = Vec::new();
    let grants = check_grants(&decl.body, aws::Owner::App, &mut grant_diags);
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
            if let Err((msg, help)) = values::k8s_name(&sa.node) {
                diags.push(
                    Diag::new(Code::E106, msg)
                        .at(sa.span)
                        .label("invalid service account name")
                        .help(help),
                );
            }
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
        if !syms.namespaces.contains_key(ns_name) {
            diags.push(resolve::unknown(
                Code::E103,
                "namespace",
                &decl.namespace,
                syms.namespaces.keys().copied(),
            ));
        }
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
    let app = App {
        decl,
        namespace,
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
        key: format!("{}/{}", namespace.name, decl.name.node),
    };
    PreparedApp {
        ns_name,
        app: Some(app),
        diags: std::mem::take(diags),
        context_diags,
    }
}

/// Each cluster's ARN ([`ir::Cluster::arn`]), by the cluster's address in `ir.clusters`.
type ClusterArns = BTreeMap<usize, String>;

/// Each member's first role, by the member's (cluster, namespace, service account, app).
type RoleOf<'r> = BTreeMap<(&'r str, &'r str, &'r str, &'r str), &'r ir::IamRole>;

/// What one app gives on each cluster of its namespace.
#[derive(Default)]
struct AppOutputs {
    service_accounts: Vec<ir::ServiceAccount>,
    associations: Vec<ir::PodIdentityAssociation>,
    rbac: Vec<ir::RbacGrant>,
}

/// An app's service accounts, Pod Identity associations and RBAC grants, given its rules and
/// each member's role.
fn app_outputs(
    app: &App<'_>,
    mut rules: Vec<(Option<String>, String, Vec<ir::PolicyRule>)>,
    ir: &Ir,
    role_of: &RoleOf<'_>,
) -> AppOutputs {
    let mut out = AppOutputs::default();
    let origin_what = format!("app {}", app.key);
    let n_clusters = app.namespace.clusters.len();
    let mut last_role: Option<(&ir::IamRole, String)> = None;
    for (i, cluster) in app.namespace.clusters.iter().enumerate() {
        // The last cluster takes the rules themselves, the others copies.
        let last = i + 1 == n_clusters;
        let member = (
            cluster.as_str(),
            app.namespace.name.as_str(),
            app.service_account.as_str(),
            app.key.as_str(),
        );
        let role = role_of.get(&member).copied();
        // The clusters of an app nearly always share one role: its ARN is written once.
        let arn = match (role, &last_role) {
            (Some(r), Some((prev, arn))) if std::ptr::eq(r, *prev) => arn.clone(),
            (Some(r), _) => {
                let arn = r.arn();
                last_role = Some((r, arn.clone()));
                arn
            }
            (None, _) => String::new(),
        };
        let assumed = role.map(|r| (r.identity, arn, r.session_tags));
        out.service_accounts.push(ir::ServiceAccount {
            cluster: cluster.clone(),
            namespace: app.namespace.name.clone(),
            name: app.service_account.clone(),
            app: app.key.clone(),
            irsa_role_arn: assumed
                .as_ref()
                .filter(|(id, _, _)| *id == Identity::Irsa)
                .map(|(_, arn, _)| arn.clone()),
            automount: app.automount_token.unwrap_or(app.has_rules),
            managed: app.service_account_managed,
            span: app.decl.span,
        });
        if let Some((Identity::PodIdentity, arn, session_tags)) = &assumed {
            if let Some(c) = ir.clusters.get(cluster) {
                out.associations.push(ir::PodIdentityAssociation {
                    cluster: cluster.clone(),
                    eks_name: c.eks_name.clone(),
                    namespace: app.namespace.name.clone(),
                    service_account: app.service_account.clone(),
                    role_arn: arn.clone(),
                    disable_session_tags: !session_tags,
                    app: app.key.clone(),
                    span: app.decl.span,
                });
            }
        }
        for (ns, name, policy_rules) in &mut rules {
            if let Some(ns) = ns {
                let on_cluster = ir
                    .namespaces
                    .get(ns)
                    .is_some_and(|n| n.clusters.contains(cluster));
                if !on_cluster {
                    continue;
                }
            }
            out.rbac.push(ir::RbacGrant {
                cluster: cluster.clone(),
                namespace: if last { ns.take() } else { ns.clone() },
                name: if last {
                    std::mem::take(name)
                } else {
                    name.clone()
                },
                rules: match ir
                    .clusters
                    .get(cluster)
                    .and_then(|c| kube_names::substitute_cluster(policy_rules, &c.eks_name))
                {
                    Some(per_cluster) => per_cluster,
                    None if last => std::mem::take(policy_rules),
                    None => policy_rules.clone(),
                },
                subject: ir::Subject::ServiceAccount {
                    name: app.service_account.clone(),
                    namespace: app.namespace.name.clone(),
                },
                origin: ir::Origin {
                    what: origin_what.clone(),
                    span: app.decl.span,
                },
            });
        }
    }
    out
}

/// The app's RBAC: (namespace or None for cluster-wide, role name, rules).
fn lower_rules(
    app: &App<'_>,
    syms: &Symbols<'_>,
    ir: &Ir,
    diags: &mut Vec<Diag>,
) -> Vec<(Option<String>, String, Vec<ir::PolicyRule>)> {
    let own_ns = app.namespace.name.as_str();
    let app_name = app.decl.name.node.as_str();
    let mut by_target: BTreeMap<Option<String>, Vec<ir::PolicyRule>> = BTreeMap::new();
    for block in &app.decl.body.kubernetes {
        let (target, namespaced) = match &block.target {
            K8sTarget::Own => (Some(own_ns.to_string()), true),
            K8sTarget::Cluster => (None, false),
            K8sTarget::Namespace(ns) => {
                match ir.namespaces.get(&ns.node) {
                    None => {
                        if !syms.namespaces.contains_key(ns.node.as_str()) {
                            diags.push(resolve::unknown(
                                Code::E103,
                                "namespace",
                                ns,
                                syms.namespaces.keys().copied(),
                            ));
                        }
                    }
                    Some(target) => {
                        if target.clusters.is_disjoint(&app.namespace.clusters) {
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
                                    list(&app.namespace.clusters),
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
        kube_names::check(&block.rules, true, diags);
        let mut rules = kube::check_rules(&block.rules, namespaced, diags);
        kube_names::substitute(&mut rules, own_ns, &app.service_account);
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

/// A shared role after its own checks.
struct Shared<'a> {
    identity: Identity,
    boundary: BoundaryChoice,
    account: Option<Spanned<String>>,
    session_tags: bool,
    grants: Vec<CheckedGrant>,
    decl: &'a RoleDecl,
}

/// What an app or shared role asks of its IAM role(s).
struct RoleSpec<'a> {
    wanted_name: &'a str,
    identity: Identity,
    boundary: &'a BoundaryChoice,
    account: Option<&'a Spanned<String>>,
    session_tags: bool,
    grants: &'a [CheckedGrant],
    /// Whether `${cluster}` stands in its grants or in a `resource` grant's values for it
    /// (an app's own role).
    uses_cluster: bool,
    shared: bool,
    origin: ir::Origin,
    span: Span,
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

/// Roles of one app or shared role: one per account its members' clusters are in, or one in
/// the declared `account` (IRSA only: Pod Identity roles live in their cluster's account).
fn build_roles(
    spec: &RoleSpec<'_>,
    all_members: Vec<ir::Member>,
    ir: &Ir,
    cluster_arns: &ClusterArns,
    boundaries: &BTreeMap<String, BoundaryDef>,
    out: &mut Vec<ir::IamRole>,
    diags: &mut Vec<Diag>,
) {
    let members = &all_members[..];
    let RoleSpec {
        wanted_name,
        identity,
        boundary,
        grants,
        shared,
        span,
        ..
    } = *spec;
    let origin = spec.origin.clone();
    // A role without session tags (IRSA, or Pod Identity with `session_tags = false`) cannot
    // tell its clusters apart at request time: when its grants use `${cluster}`, each
    // cluster gets its own role, named `NAME.CLUSTER` (`.` is in no declaration's name, so
    // it meets no other role's name), with that cluster's value.
    let per_cluster =
        !shared && (identity == Identity::Irsa || !spec.session_tags) && spec.uses_cluster;
    // By (account, cluster when each cluster has its own role).
    let mut by_account: BTreeMap<(String, Option<&str>), Vec<&ir::Member>> = BTreeMap::new();
    let mut placed = 0;
    for m in members {
        if let Some(c) = ir.clusters.get(&m.cluster) {
            let account = match spec.account {
                Some(a) if a.node != c.account && identity == Identity::PodIdentity => {
                    diags.push(
                        Diag::new(Code::E124, format!("a Pod Identity role must be in the account of cluster `{}` ({}), not {}", c.name, c.account, a.node))
                            .at(a.span)
                            .label("other account")
                            .related(c.span, "the cluster")
                            .help(format!("EKS Pod Identity associates roles of the cluster's account only; to reach account {}, grant this role `sts:AssumeRole` on a role there (a target role) and assume it from the app, or use `identity = irsa` with `account`", a.node)),
                    );
                    continue;
                }
                Some(a) => a.node.clone(),
                None => c.account.clone(),
            };
            let cluster = per_cluster.then_some(c.name.as_str());
            by_account.entry((account, cluster)).or_default().push(m);
            placed += 1;
        }
    }
    // Nearly always one account holds every member: the role takes the members themselves.
    let whole = by_account.len() == 1 && placed == members.len();
    let start = out.len();
    let name = role_name(wanted_name);
    for ((account, cluster), members) in by_account {
        let name = match cluster {
            Some(c) => role_name(&format!("{wanted_name}.{c}")),
            None => name.clone(),
        };
        let mut cluster_list: Vec<&ir::Cluster> = members
            .iter()
            .filter_map(|m| ir.clusters.get(&m.cluster))
            .collect();
        cluster_list.sort_by(|a, b| a.name.cmp(&b.name));
        cluster_list.dedup_by(|a, b| a.name == b.name);
        let Some(first) = cluster_list.first() else {
            continue;
        };
        let partition = first.partition.clone();
        let path = first.role_path.clone();
        let trust = match identity {
            Identity::PodIdentity => ir::Trust::PodIdentity {
                account: account.clone(),
                cluster_arns: cluster_list
                    .iter()
                    .map(|c| match cluster_arns.get(&std::ptr::from_ref(*c).addr()) {
                        Some(arn) => arn.clone(),
                        None => c.arn(),
                    })
                    .collect(),
                orgs: cluster_list.iter().filter_map(|c| c.org.clone()).collect(),
            },
            Identity::Irsa => {
                let mut providers: BTreeMap<String, ir::OidcTrust> = BTreeMap::new();
                for c in &cluster_list {
                    let Some(issuer) = &c.oidc else {
                        diags.push(
                            Diag::new(Code::E115, format!("IRSA needs cluster `{}` to declare its OIDC issuer", c.name))
                                .at(span)
                                .label("IRSA")
                                .related(c.span, "cluster without `oidc`")
                                .help(format!("add `oidc = \"ISSUER\"` to cluster `{}`, ISSUER being what `aws eks describe-cluster --region {} --name {} --query cluster.identity.oidc.issuer --output text` prints, without `https://`; or use `identity = pod_identity`", c.name, c.region, c.eks_name)),
                        );
                        continue;
                    };
                    let entry = providers
                        .entry(issuer.clone())
                        .or_insert_with(|| ir::OidcTrust {
                            clusters: BTreeSet::new(),
                            issuer: issuer.clone(),
                            // The OIDC provider is registered in the role's account.
                            provider_arn: format!(
                                "arn:{}:iam::{account}:oidc-provider/{issuer}",
                                c.partition
                            ),
                            subjects: BTreeSet::new(),
                        });
                    entry.clusters.insert(c.name.clone());
                    for m in members.iter().filter(|m| m.cluster == c.name) {
                        entry.subjects.insert(format!(
                            "system:serviceaccount:{}:{}",
                            m.namespace, m.service_account
                        ));
                    }
                }
                ir::Trust::Irsa {
                    providers: providers.into_values().collect(),
                }
            }
        };
        // Boundary: the declaration's choice, else the clusters' default.
        let boundary_name = match boundary {
            BoundaryChoice::None => None,
            BoundaryChoice::Named(n) => Some(n.clone()),
            BoundaryChoice::Default => {
                let defaults: BTreeSet<Option<&String>> =
                    cluster_list.iter().map(|c| c.boundary.as_ref()).collect();
                if defaults.len() > 1 {
                    diags.push(
                        Diag::new(
                            Code::E109,
                            format!(
                                "the clusters of {} declare different default boundaries",
                                origin.what
                            ),
                        )
                        .at(span)
                        .label("which boundary?")
                        .help("set `boundary = NAME` (or `boundary = none`) on the declaration"),
                    );
                }
                defaults.into_iter().next().flatten().cloned()
            }
        };
        let boundary_ref = boundary_name.and_then(|n| {
            boundaries.get(&n).map(|_| ir::BoundaryRef {
                arn: format!("arn:{partition}:iam::{account}:policy/{n}"),
                name: n,
            })
        });
        let eks_names: Vec<String> = cluster_list.iter().map(|c| c.eks_name.clone()).collect();
        let mut statements = Vec::new();
        for g in grants {
            if shared {
                statements.extend(aws::instantiate(g, &Vars::SessionTags));
            } else {
                let m = members[0];
                statements.extend(aws::instantiate(
                    g,
                    &Vars::Literal {
                        namespace: &m.namespace,
                        service_account: &m.service_account,
                        clusters: &eks_names,
                        // Several clusters share this role only with session tags.
                        cluster_tag: identity == Identity::PodIdentity && spec.session_tags,
                    },
                ));
            }
        }
        out.push(ir::IamRole {
            name: name.clone(),
            account,
            partition,
            path,
            identity,
            origin: origin.clone(),
            trust,
            statements: aws::assemble(statements),
            boundary: boundary_ref,
            members: if whole {
                Vec::new()
            } else {
                members.into_iter().cloned().collect()
            },
            session_tags: spec.session_tags,
            limits: first.limits,
        });
    }
    if whole && out.len() == start + 1 {
        if let Some(role) = out.last_mut() {
            role.members = all_members;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        assert_eq!(role_name("payments-checkout"), "payments-checkout");
        let long = "a".repeat(80);
        let short = role_name(&long);
        assert_eq!(short.len(), 64);
        assert_eq!(short, role_name(&long), "stable");
        assert_ne!(short, role_name(&"a".repeat(81)));
        assert_eq!(role_name("a/b"), "a-b");
    }
}
