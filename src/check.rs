//! Resolve and type-check a program: AST → diagnostics and checked values ([`Checked`]).
//!
//! Stages: [`resolve`] builds the symbol tables; clusters, boundaries and namespaces are checked
//! here into their checked values, and so are apps and shared roles ([`apps`], with [`aws`] for
//! grants, [`conditions`] for their `when` conditions, [`deny`] for what their `deny` grants
//! shadow); the checks of Kubernetes rules ([`kube`], with [`kube_names`] for the variables in their resource names), of `access` declarations ([`access`])
//! and of resources ([`resources`]) are called by the `lower` stage as it builds the IR, and [`boundary`] and
//! [`resources::check_admitted`] check the IR it built. This module imports neither `lower`,
//! `lint` nor `emit`: the RBAC escalation lints run over the rules checked here as a lint pass
//! (`lint::rbac::check_rules`).

pub mod access;
pub mod access_policies;
pub mod apps;
pub mod aws;
pub mod boundary;
pub mod catalog_checks;
pub mod conditions;
pub mod deny;
pub mod kube;
pub mod kube_names;
pub mod memo;

pub use memo::Memos;
pub mod resolve;
pub mod resources;
pub mod settings;
pub mod values;

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, AuthMode};

use settings::Settings;

/// The settings a cluster knows.
pub const CLUSTER_SETTINGS: &[&str] = &[
    "account",
    "region",
    "partition",
    "name",
    "oidc",
    "oidc_provider",
    "org",
    "auth_mode",
    "nodes",
    "windows_nodes",
    "fargate_roles",
    "passthrough_map_roles",
    "passthrough_map_users",
    "passthrough_map_accounts",
    "boundary",
    "role_path",
    "bootstrap_admin",
    "max_trust_policy",
    "max_managed_policy",
    "max_managed_policies",
];

/// What checking gives lowering: the symbol tables and the declarations checked on their own.
pub struct Checked<'p> {
    /// The declarations by name.
    pub syms: resolve::Symbols<'p>,
    /// The clusters without errors.
    pub clusters: BTreeMap<String, ir::Cluster>,
    /// The namespaces without errors.
    pub namespaces: BTreeMap<String, ir::Namespace>,
    /// The boundaries' statements.
    pub boundaries: BTreeMap<String, BoundaryDef>,
    /// The shared roles, checked on their own.
    pub shared_roles: BTreeMap<&'p str, apps::SharedRole<'p>>,
    /// The apps whose namespace has no error, checked on their own and for their service
    /// accounts, in declaration order.
    pub apps: Vec<apps::CheckedApp<'p>>,
    /// Each `resource` declaration's target ([`resources::target`]) when it has no error, by
    /// the declaration's key in the symbol tables.
    pub resource_targets: BTreeMap<&'p str, (ir::ResourceKind, String)>,
}

/// Check what a program declares on its own: the symbol tables, clusters, boundaries,
/// namespaces, shared roles and apps ([`apps`]), and the references of declarations checked
/// nowhere else. The apps' Kubernetes rules, resources and accesses are checked as the
/// `lower` stage lowers them. `memos` are the compile context's.
pub fn check<'p>(program: &'p Program, memos: &Memos, diags: &mut Vec<Diag>) -> Checked<'p> {
    let syms = resolve::collect(program, diags);
    let mut clusters = BTreeMap::new();
    for (name, decl) in &syms.clusters {
        if let Some(c) = cluster(decl, &syms, diags) {
            clusters.insert((*name).to_string(), c);
        }
    }
    managed_oidc_providers(&clusters, diags);
    let boundaries = boundaries(&syms, diags);
    let mut namespaces = BTreeMap::new();
    for (name, decl) in &syms.namespaces {
        if let Some(ns) = namespace(decl, &syms, diags) {
            namespaces.insert((*name).to_string(), ns);
        }
    }
    other_references(&syms, diags);
    let shared_roles = apps::shared_roles(&syms, memos, diags);
    let apps = apps::apps(&syms, &namespaces, &clusters, memos, diags);
    let resource_targets = syms
        .resources
        .iter()
        .filter_map(|(key, decl)| Some((*key, resources::target(decl, diags)?)))
        .collect();
    Checked {
        syms,
        clusters,
        namespaces,
        boundaries,
        shared_roles,
        apps,
        resource_targets,
    }
}

fn value_error(code: Code, span: Span, (msg, help): values::Problem) -> Diag {
    Diag::new(code, msg)
        .at(span)
        .label("invalid value")
        .help(help)
}

fn cluster(
    decl: &ClusterDecl,
    syms: &resolve::Symbols<'_>,
    diags: &mut Vec<Diag>,
) -> Option<ir::Cluster> {
    let before = diags.iter().filter(|d| d.is_error()).count();
    let s = Settings::new(&decl.settings, CLUSTER_SETTINGS, "cluster", diags);
    let missing = |key: &str, example: &str, diags: &mut Vec<Diag>| {
        diags.push(
            Diag::new(
                Code::E108,
                format!("cluster `{}` has no `{key}`", decl.name.node),
            )
            .at(decl.name.span)
            .label(format!("`{key}` missing"))
            .help(format!("add `{key} = {example}`")),
        );
    };
    let account = s.string("account", diags);
    if account.is_none() && !s.has("account") {
        missing("account", "\"111122223333\"", diags);
    }
    if let Some(a) = &account {
        if let Err(p) = values::account(&a.node) {
            diags.push(value_error(Code::E110, a.span, p));
        }
    }
    let region = s.string("region", diags);
    if region.is_none() && !s.has("region") {
        missing("region", "\"us-west-2\"", diags);
    }
    if let Some(r) = &region {
        if let Err(p) = values::region(&r.node) {
            diags.push(value_error(Code::E111, r.span, p));
        }
    }
    let partition = s.word_or_string("partition", diags);
    if let Some(p) = &partition {
        if let Err(problem) = values::partition(&p.node) {
            diags.push(value_error(Code::E112, p.span, problem));
        }
    }
    let partition_name = partition
        .as_ref()
        .map(|p| p.node.clone())
        .unwrap_or_else(|| {
            region
                .as_ref()
                .map(|r| values::partition_of_region(&r.node).to_string())
                .unwrap_or_else(|| "aws".into())
        });
    if let (Some(p), Some(r)) = (&partition, &region) {
        let expected = values::partition_of_region(&r.node);
        if values::region(&r.node).is_ok()
            && values::partition(&p.node).is_ok()
            && expected != p.node
        {
            diags.push(
                Diag::new(
                    Code::E112,
                    format!(
                        "region `{}` is in partition `{expected}`, not `{}`",
                        r.node, p.node
                    ),
                )
                .at(p.span)
                .label("wrong partition")
                .related(r.span, "region")
                .help(format!(
                    "write `partition = \"{expected}\"` or remove it (it follows from the region)"
                )),
            );
        }
    }
    let eks_name = s.string("name", diags);
    if let Some(n) = &eks_name {
        if let Err(p) = values::eks_name(&n.node) {
            diags.push(value_error(Code::E109, n.span, p));
        }
    }
    let oidc = s.string("oidc", diags);
    if let (Some(o), Some(r)) = (&oidc, &region) {
        if let Err(p) = values::oidc_issuer(&o.node, &r.node) {
            diags.push(value_error(Code::E114, o.span, p));
        }
    }
    let oidc_provider = s.choice("oidc_provider", &["external", "managed"], diags);
    let oidc_provider_managed = oidc_provider.as_ref().is_some_and(|m| m.node == "managed");
    if let (Some(m), None) = (&oidc_provider, &oidc) {
        if oidc_provider_managed {
            diags.push(
                Diag::new(
                    Code::E126,
                    format!(
                        "cluster `{}` manages its IAM OIDC provider but declares no `oidc` issuer",
                        decl.name.node
                    ),
                )
                .at(m.span)
                .label("no issuer to make a provider for")
                .help(format!("add the cluster's issuer as `oidc = \"…\"`: what `aws eks describe-cluster --name {} --query cluster.identity.oidc.issuer --output text` prints, without `https://`; or remove `oidc_provider`", decl.name.node)),
            );
        }
    }
    let org = s.string("org", diags);
    if let Some(o) = &org {
        if let Err(p) = values::org(&o.node) {
            diags.push(value_error(Code::E121, o.span, p));
        }
    }
    let auth_mode = s
        .choice(
            "auth_mode",
            &["api", "api_and_config_map", "config_map"],
            diags,
        )
        .map(|m| match m.node {
            "config_map" => AuthMode::ConfigMap,
            "api_and_config_map" => AuthMode::ApiAndConfigMap,
            _ => AuthMode::Api,
        })
        .unwrap_or(AuthMode::Api);
    let node_roles = access::node_roles(&s, account.as_ref().map(|a| a.node.as_str()), diags);
    let passthrough = access::passthrough(&s, diags);
    let boundary = s.word_or_string("boundary", diags);
    if let Some(b) = &boundary {
        if b.node != "none" && !syms.boundaries.contains_key(b.node.as_str()) {
            diags.push(resolve::unknown(
                Code::E105,
                "boundary",
                b,
                syms.boundaries.keys().copied(),
            ));
        }
    }
    let role_path = s.string("role_path", diags);
    if let Some(p) = &role_path {
        if let Err(problem) = values::role_path(&p.node) {
            diags.push(value_error(Code::E123, p.span, problem));
        }
    }
    let bootstrap_admin = s
        .boolean("bootstrap_admin", diags)
        .map(|b| b.node)
        .unwrap_or(false);
    let limits = limits(&s, diags);
    let after = diags.iter().filter(|d| d.is_error()).count();
    if after > before {
        return None;
    }
    Some(ir::Cluster {
        name: decl.name.node.clone(),
        eks_name: eks_name
            .map(|n| n.node)
            .unwrap_or_else(|| decl.name.node.clone()),
        account: account?.node,
        region: region?.node,
        partition: partition_name,
        oidc: oidc.map(|o| o.node),
        oidc_provider: oidc_provider
            .filter(|_| oidc_provider_managed)
            .map(|m| m.span),
        org: org.map(|o| o.node),
        auth_mode,
        node_roles,
        passthrough,
        boundary: boundary.map(|b| b.node).filter(|b| b != "none"),
        role_path: role_path.map(|p| p.node).unwrap_or_else(|| "/".into()),
        bootstrap_admin,
        limits,
        span: decl.span,
    })
}

/// E127: two clusters of one account that manage the IAM OIDC provider of one issuer (one
/// provider has one owner).
fn managed_oidc_providers(clusters: &BTreeMap<String, ir::Cluster>, diags: &mut Vec<Diag>) {
    let mut owners: BTreeMap<(&str, &str), &ir::Cluster> = BTreeMap::new();
    for c in clusters.values() {
        let (Some(span), Some(issuer)) = (c.oidc_provider, c.oidc.as_deref()) else {
            continue;
        };
        if let Some(first) = owners.insert((c.account.as_str(), issuer), c) {
            diags.push(
                Diag::new(
                    Code::E127,
                    format!(
                        "clusters `{}` and `{}` both manage the OIDC provider of `{issuer}` in account {}",
                        first.name, c.name, c.account
                    ),
                )
                .at(span)
                .label("managed a second time")
                .related(first.oidc_provider.unwrap_or(first.span), "managed here first")
                .help("one IAM OIDC provider serves every cluster of its issuer: keep `oidc_provider = managed` on one of them"),
            );
        }
    }
}

/// A cluster's `max_…` settings.
fn limits(s: &Settings<'_>, diags: &mut Vec<Diag>) -> ir::Limits {
    let defaults = ir::Limits::default();
    let number = |key: &str, default: usize, max: usize, diags: &mut Vec<Diag>| -> usize {
        let Some(v) = s.word_or_string(key, diags) else {
            return default;
        };
        match v.node.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                diags.push(
                    Diag::new(
                        Code::E109,
                        format!("`{key}` must be a number from 1 to {max}, found `{}`", v.node),
                    )
                    .at(v.span)
                    .label("invalid limit")
                    .help(format!(
                        "the AWS default is {default}; raise it only where the account's quota was raised"
                    )),
                );
                default
            }
        }
    };
    ir::Limits {
        trust_policy: number("max_trust_policy", defaults.trust_policy, 8192, diags),
        managed_policy: number("max_managed_policy", defaults.managed_policy, 6144, diags),
        policies_per_role: number(
            "max_managed_policies",
            defaults.policies_per_role,
            25,
            diags,
        ),
    }
}

/// A boundary's statements: (allow, actions, resources).
pub type BoundaryDef = (Span, Vec<(bool, BTreeSet<String>, BTreeSet<String>)>);

fn boundaries(syms: &resolve::Symbols<'_>, diags: &mut Vec<Diag>) -> BTreeMap<String, BoundaryDef> {
    let mut out = BTreeMap::new();
    for (name, decl) in &syms.boundaries {
        let mut stmts = Vec::new();
        for st in &decl.stmts {
            let mut actions = BTreeSet::new();
            for a in &st.actions {
                let ok = a.node == "*"
                    || a.node.split_once(':').is_some_and(|(s, n)| {
                        !s.is_empty()
                            && !n.is_empty()
                            && s.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    });
                if ok {
                    actions.insert(a.node.clone());
                } else {
                    diags.push(
                        Diag::new(Code::E201, format!("`{}` is not an IAM action", a.node))
                            .at(a.span)
                            .label("malformed action")
                            .help("actions are written `service:Action` with the lowercase service prefix, e.g. `s3:GetObject`; a boundary may use wildcards such as `s3:*`"),
                    );
                }
            }
            let mut resources = BTreeSet::new();
            for r in &st.arns {
                if r.node != "*" {
                    if let Err(p) = values::arn(&r.node) {
                        diags.push(value_error(Code::E113, r.span, p));
                    }
                }
                resources.insert(r.node.clone());
            }
            if resources.is_empty() {
                resources.insert("*".to_string());
            }
            stmts.push((st.allow, actions, resources));
        }
        if !stmts.iter().any(|(allow, _, _)| *allow) {
            diags.push(
                Diag::new(Code::E108, format!("boundary `{name}` allows nothing"))
                    .at(decl.name.span)
                    .label("no `allow`")
                    .help("a permission boundary caps what roles can do: without `allow` every action is denied; add `allow ACTION, …`"),
            );
        }
        out.insert((*name).to_string(), (decl.span, stmts));
    }
    out
}

fn namespace(
    decl: &NamespaceDecl,
    syms: &resolve::Symbols<'_>,
    diags: &mut Vec<Diag>,
) -> Option<ir::Namespace> {
    let settings = Settings::new(&decl.settings, &["managed"], "namespace", diags);
    let managed = settings
        .boolean("managed", diags)
        .filter(|m| m.node)
        .map(|m| m.span);
    let mut clusters = BTreeSet::new();
    let mut ok = true;
    for c in &decl.clusters {
        if syms.clusters.contains_key(c.node.as_str()) {
            clusters.insert(c.node.clone());
        } else {
            ok = false;
            diags.push(resolve::unknown(
                Code::E102,
                "cluster",
                c,
                syms.clusters.keys().copied(),
            ));
        }
    }
    ok.then(|| ir::Namespace {
        name: decl.name.node.clone(),
        clusters,
        managed,
        span: decl.span,
    })
}

/// References of declarations whose artifacts other stages produce (accesses resolve their
/// own references in [`access`]).
fn other_references(syms: &resolve::Symbols<'_>, diags: &mut Vec<Diag>) {
    for decl in syms.resources.values() {
        if let Err(p) = values::arn(&decl.arn.node) {
            diags.push(value_error(Code::E113, decl.arn.span, p));
        }
        for g in &decl.grants {
            for r in &g.by {
                let known = r
                    .node
                    .split_once('/')
                    .is_some_and(|(ns, app)| syms.apps.contains_key(&(ns, app)));
                if !known {
                    let all: Vec<String> =
                        syms.apps.keys().map(|(n, a)| format!("{n}/{a}")).collect();
                    diags.push(resolve::unknown(
                        Code::E122,
                        "app",
                        r,
                        all.iter().map(String::as_str),
                    ));
                }
            }
        }
    }
}
