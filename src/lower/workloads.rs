//! Apps and shared roles → IAM roles, service accounts, Pod Identity associations and RBAC.
//!
//! The apps and shared roles come checked ([`crate::check::apps`]: settings, grants, identity,
//! service accounts); their Kubernetes rules ([`crate::check::kube`]) and what depends on the
//! roles they make are still checked here, with the checker's functions, as they are lowered.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, Identity, Ir};

use crate::check::apps::{AppRbac, BoundaryChoice, CheckedApp, SharedRole};
use crate::check::aws::{self, CheckedGrant, Vars};
use crate::check::resolve::Symbols;
use crate::check::{kube_names, values, BoundaryDef};

/// IAM's limit on role names.
pub const MAX_ROLE_NAME: usize = 64;

/// One app after its checks ([`CheckedApp`]), with its namespace.
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
    /// Its RBAC, checked ([`CheckedApp`]).
    rbac: Vec<AppRbac>,
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

/// Lower every app and shared role into the IR.
pub fn lower<'p>(
    syms: &Symbols<'p>,
    boundaries: &BTreeMap<String, BoundaryDef>,
    shared: &BTreeMap<&'p str, SharedRole<'p>>,
    checked_apps: Vec<CheckedApp<'p>>,
    ir: &mut Ir,
    diags: &mut Vec<Diag>,
) -> Vec<&'p AppDecl> {
    // The apps whose Kubernetes rules were checked.
    let checked: Vec<&'p AppDecl> = checked_apps.iter().map(|a| a.decl).collect();
    let mut apps: Vec<App<'_>> = checked_apps
        .into_iter()
        .filter_map(|a| {
            Some(App {
                namespace: ir.namespaces.get(a.namespace)?,
                decl: a.decl,
                service_account: a.service_account,
                identity: a.identity,
                identity_span: a.identity_span,
                shared_role: a.shared_role,
                boundary: a.boundary,
                account: a.account,
                session_tags: a.session_tags,
                grants: a.grants,
                has_rules: a.has_rules,
                automount_token: a.automount_token,
                service_account_managed: a.service_account_managed,
                rbac: a.rbac,
                key: a.key,
            })
        })
        .collect();
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
        .iter()
        .map(|(name, c)| (name.clone(), c.arn()))
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
                    let members: Vec<ir::Member> = members_of(app).collect();
                    let uses_cluster = app.grants.iter().any(CheckedGrant::uses_cluster)
                        || cluster_in_resources.contains(app.key.as_str());
                    let spec = RoleSpec::new(Asker::App {
                        app,
                        identity,
                        uses_cluster,
                    });
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
    for (name, sh) in shared {
        let members: Vec<ir::Member> = apps
            .iter()
            .filter(|a| a.shared_role.as_deref() == Some(*name))
            .flat_map(members_of)
            .collect();
        let spec = RoleSpec::new(Asker::Shared { name, role: sh });
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
            // The rules were checked with the app; each app's are made once more here (a
            // few short strings), as its last cluster takes them.
            app_outputs(app, app.rbac.clone(), ir, &role_of)
        },
    );
    for out in per_app {
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

/// Each cluster's ARN ([`ir::Cluster::arn`]), by the cluster's name (its key in
/// `ir.clusters`).
type ClusterArns = BTreeMap<String, String>;

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
    mut rules: Vec<AppRbac>,
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

/// Who asks for IAM roles: an app for its own, or a shared role.
enum Asker<'a> {
    /// An app with an identity and no shared role; `uses_cluster` as in [`RoleSpec`].
    App {
        app: &'a App<'a>,
        identity: Identity,
        uses_cluster: bool,
    },
    /// A shared role, by name.
    Shared {
        name: &'a str,
        role: &'a SharedRole<'a>,
    },
}

/// The members of an app's role: the app on each cluster of its namespace.
fn members_of<'a>(app: &'a App<'_>) -> impl Iterator<Item = ir::Member> + 'a {
    app.namespace.clusters.iter().map(|c| ir::Member {
        cluster: c.clone(),
        namespace: app.namespace.name.clone(),
        service_account: app.service_account.clone(),
        app: app.key.clone(),
    })
}

impl<'a> RoleSpec<'a> {
    /// What an app or a shared role asks of its roles (the one constructor for both).
    fn new(asker: Asker<'a>) -> RoleSpec<'a> {
        match asker {
            Asker::App {
                app,
                identity,
                uses_cluster,
            } => RoleSpec {
                wanted_name: format!("{}-{}", app.namespace.name, app.decl.name.node),
                identity,
                boundary: &app.boundary,
                account: app.account.as_ref(),
                session_tags: app.session_tags,
                grants: &app.grants,
                uses_cluster,
                shared: false,
                origin: ir::Origin {
                    what: format!("app {}", app.key),
                    span: app.decl.span,
                },
                span: app.identity_span.unwrap_or(app.decl.name.span),
            },
            Asker::Shared { name, role } => RoleSpec {
                wanted_name: name.to_string(),
                identity: role.identity,
                boundary: &role.boundary,
                account: role.account.as_ref(),
                session_tags: role.session_tags,
                grants: &role.grants,
                uses_cluster: false,
                shared: true,
                origin: ir::Origin {
                    what: format!("role {name}"),
                    span: role.decl.span,
                },
                span: role.decl.name.span,
            },
        }
    }
}

/// What an app or shared role asks of its IAM role(s).
struct RoleSpec<'a> {
    wanted_name: String,
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
        ref wanted_name,
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
                    .map(|c| match cluster_arns.get(c.name.as_str()) {
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
        let regions: Vec<String> = cluster_list.iter().map(|c| c.region.clone()).collect();
        let mut statements = Vec::new();
        for g in grants {
            if shared {
                statements.extend(aws::instantiate(
                    g,
                    &Vars::SessionTags {
                        regions: &regions,
                        account: &account,
                    },
                ));
            } else {
                let m = members[0];
                statements.extend(aws::instantiate(
                    g,
                    &Vars::Literal {
                        namespace: &m.namespace,
                        service_account: &m.service_account,
                        clusters: &eks_names,
                        regions: &regions,
                        account: &account,
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
