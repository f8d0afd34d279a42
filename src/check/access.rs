//! Cluster access, checked: `access` declarations (principals, policies, scopes, groups,
//! Kubernetes rules), the clusters' access configuration (`aws eks create-cluster
//! --access-config`), authentication-mode transitions against the previous output. `lower::access`
//! lowers them to EKS access entries, access policy associations, aws-auth mappings and RBAC,
//! each cluster by its authentication mode.
//!
//! How one declaration compiles (`G` is the access's own group, [`own_group`]):
//!
//! | mode | principal | `policy` | `kubernetes { … }` |
//! | --- | --- | --- | --- |
//! | `api` | STANDARD access entry, groups = `groups` (+ `G` with rules) | access policy association | Role / ClusterRole bound to `G` |
//! | `api_and_config_map` | same as `api`; aws-auth keeps only the node role | same as `api` | same |
//! | `config_map` | aws-auth mapping (ARN without path), groups = `groups` + `G` | (Cluster)RoleBinding of `G` to the built-in ClusterRole | same |
//!
//! The node roles (`nodes`, `windows_nodes`, `fargate_roles`) are `EC2_LINUX`, `EC2_WINDOWS`,
//! `FARGATE_LINUX` access entries wherever access entries are read, and the first aws-auth
//! mappings wherever aws-auth is read, followed there by the cluster's pass-through items
//! (`passthrough_map_…`, W404).

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::*;
use crate::diagnostics::{Code, Diag};
use crate::ir::{
    self, AccessPolicy, AccessScope, AuthMode, Ir, NodeKind, NodeRole, Origin, PolicyRule,
    Principal, PrincipalKind,
};

use super::access_policies::{self, Association};
use super::resolve::{self, Symbols};
use super::settings::Settings;
use super::{kube, values};

/// The settings an access knows.
pub const ACCESS_SETTINGS: &[&str] = &[
    "role",
    "user",
    "policy",
    "scope",
    "cluster_admin",
    "admin",
    "edit",
    "view",
    "groups",
    "username",
    "break_glass",
];

/// Username prefixes EKS reserves.
pub const RESERVED_USERNAME_PREFIXES: &[&str] = &["system:", "eks:", "aws:", "amazon:", "iam:"];

/// The aws-auth key of a pass-through setting's items, by setting.
pub const PASSTHROUGH_SETTINGS: &[(&str, Option<&str>)] = &[
    ("passthrough_map_roles", Some("rolearn")),
    ("passthrough_map_users", Some("userarn")),
    ("passthrough_map_accounts", None),
];

/// A cluster's node roles: `nodes` (EC2 Linux), `windows_nodes` (EC2 Windows) and
/// `fargate_roles` (Fargate pod execution roles), each a role ARN or a list of them, in the
/// cluster's account (E113), each role once (E404).
pub fn node_roles(s: &Settings<'_>, account: Option<&str>, diags: &mut Vec<Diag>) -> Vec<NodeRole> {
    let mut out: Vec<(NodeRole, String, String)> = Vec::new();
    for kind in [NodeKind::Linux, NodeKind::Windows, NodeKind::Fargate] {
        for item in s.list(kind.setting(), diags).unwrap_or_default() {
            let (acct, name) = match values::role_arn(&item.node) {
                Ok((acct, _, name)) => (acct, name),
                Err((msg, help)) => {
                    diags.push(
                        Diag::new(Code::E113, msg)
                            .at(item.span)
                            .label("invalid value")
                            .help(help),
                    );
                    continue;
                }
            };
            if let Some(a) = account.filter(|a| *a != acct) {
                diags.push(
                    Diag::new(
                        Code::E113,
                        format!("the node role is in account `{acct}`, the cluster in `{a}`"),
                    )
                    .at(item.span)
                    .label("other account")
                    .help(format!("EKS nodes run as a role of the cluster's account: name the node role of account `{a}`")),
                );
                continue;
            }
            if let Some((first, ..)) = out.iter().find(|(_, a, n)| *a == acct && *n == name) {
                diags.push(
                    Diag::new(Code::E404, format!("role `{name}` is declared twice as a node role"))
                        .at(item.span)
                        .label(format!("again in `{}`", kind.setting()))
                        .related(first.span, format!("first in `{}`", first.kind.setting()))
                        .help("EKS has one access entry per role (and aws-auth one mapping), of one type: keep the role in one of `nodes`, `windows_nodes`, `fargate_roles`"),
                );
                continue;
            }
            out.push((
                NodeRole {
                    kind,
                    arn: item.node,
                    span: item.span,
                },
                acct,
                name,
            ));
        }
    }
    out.into_iter().map(|(r, ..)| r).collect()
}

/// A cluster's aws-auth pass-through: `passthrough_map_roles` and `passthrough_map_users` (each
/// item a JSON object with a `rolearn` / `userarn` string), `passthrough_map_accounts` (account
/// IDs). Written into aws-auth as given; only their form is checked (E109), that they do not
/// map `system:masters` (E402) nor hold a hidden character after JSON decoding (E004), and
/// (in [`per_cluster_checks`]) that they do not map a principal the program declares (E404).
pub fn passthrough(s: &Settings<'_>, diags: &mut Vec<Diag>) -> ir::Passthrough {
    let mut p = ir::Passthrough::default();
    for (key, arn_key) in PASSTHROUGH_SETTINGS {
        let Some(items) = s.list(key, diags) else {
            continue;
        };
        if let Some(span) = s.span(key) {
            p.spans.push(span);
        }
        for item in items {
            let Some(arn_key) = arn_key else {
                if item.node.trim().is_empty() {
                    diags.push(
                        Diag::new(Code::E109, format!("`{key}` has an empty item"))
                            .at(item.span)
                            .label("invalid value")
                            .help("mapAccounts items are account IDs, such as \"111122223333\""),
                    );
                } else {
                    p.map_accounts.push(item.node);
                }
                continue;
            };
            let example = format!(
                "write each item as one JSON object, as aws-auth has it: {{\"{arn_key}\": \"arn:aws:iam::111122223333:…\", \"username\": \"…\", \"groups\": [\"…\"]}}, inside a string (each `\"` written `\\\"`)"
            );
            let value: serde_json::Value = match serde_json::from_str(&item.node) {
                Ok(v) => v,
                Err(e) => {
                    diags.push(
                        Diag::new(Code::E109, format!("an item of `{key}` is not JSON: {e}"))
                            .at(item.span)
                            .label("invalid value")
                            .help(example),
                    );
                    continue;
                }
            };
            if !value
                .get(*arn_key)
                .is_some_and(serde_json::Value::is_string)
                || !value.is_object()
            {
                diags.push(
                    Diag::new(
                        Code::E109,
                        format!(
                            "an item of `{key}` is not a JSON object with a `{arn_key}` string"
                        ),
                    )
                    .at(item.span)
                    .label("invalid value")
                    .help(example),
                );
                continue;
            }
            if let Some(c) = hidden_char(&value) {
                diags.push(
                    Diag::new(
                        Code::E004,
                        format!("an item of `{key}` holds the hidden character U+{:04X}", u32::from(c)),
                    )
                    .at(item.span)
                    .label("hidden character (after JSON decoding)")
                    .help("remove it: aws-auth items may not hold control, bidirectional or invisible characters, written raw or as JSON `\\u` escapes; they would reach aws-auth unseen"),
                );
                continue;
            }
            let masters = value
                .get("groups")
                .and_then(serde_json::Value::as_array)
                .is_some_and(|g| g.iter().any(|g| g.as_str() == Some("system:masters")));
            if masters {
                diags.push(
                    Diag::new(Code::E402, format!("an item of `{key}` maps to `system:masters`"))
                        .at(item.span)
                        .label("cannot be audited or revoked")
                        .help("`system:masters` bypasses RBAC and cannot be limited; declare an `access` with `policy = cluster_admin` and `break_glass = true` for this principal instead"),
                );
                continue;
            }
            let items = if *arn_key == "rolearn" {
                &mut p.map_roles
            } else {
                &mut p.map_users
            };
            items.push(ir::PassthroughItem {
                value,
                span: item.span,
            });
        }
    }
    p
}

/// The Kubernetes group accessc binds an access's `policy` (on `config_map` clusters) and its
/// `kubernetes { … }` rules to: `accessc:NAME`, never shared with another declaration.
pub fn own_group(access: &str) -> String {
    format!("accessc:{access}")
}

/// The aws-auth username of an access without `username`: `NAME:{{SessionName}}` for a role
/// (the session name is kept in the audit log), `NAME` for a user.
pub fn default_username(access: &str, kind: PrincipalKind) -> String {
    match kind {
        PrincipalKind::Role => format!("{access}:{{{{SessionName}}}}"),
        PrincipalKind::User => access.to_string(),
    }
}

/// Name of the (Cluster)RoleBinding of an access's group to a built-in ClusterRole. Two dots:
/// never the name of an app's Role (`APP` or `NS.APP`).
pub fn policy_binding_name(access: &str, policy: AccessPolicy) -> String {
    format!("access.{access}.{}", policy.cluster_role())
}

/// Name of the Role / ClusterRole (and binding) of an access's `kubernetes { … }` rules.
pub fn rules_name(access: &str) -> String {
    format!("access.{access}.rules")
}

/// Parse a role or user ARN. Rejects other ARNs (STS sessions, groups, …) and service-linked
/// roles.
pub fn principal(text: &str) -> Result<Principal, values::Problem> {
    let a = values::arn(text)?;
    let wrong = |why: &str, help: &str| Err((format!("`{text}` {why}"), help.to_string()));
    let example = "principals are IAM roles (\"arn:aws:iam::111122223333:role/NAME\") or users (\"arn:aws:iam::111122223333:user/NAME\")";
    if a.service == "sts" && a.resource.starts_with("assumed-role/") {
        let role = a.resource.split('/').nth(1).unwrap_or("NAME");
        return wrong(
            "is an STS session, not a role",
            &format!(
                "sessions are temporary; give the role itself: \"arn:{}:iam::{}:role/{role}\" (with its path, if it has one)",
                a.partition, a.account
            ),
        );
    }
    if a.service != "iam" || !a.region.is_empty() {
        return wrong("is not an IAM role or user ARN", example);
    }
    values::account(a.account)?;
    let (kind, rest) = if let Some(r) = a.resource.strip_prefix("role/") {
        (PrincipalKind::Role, r)
    } else if let Some(r) = a.resource.strip_prefix("user/") {
        (PrincipalKind::User, r)
    } else if a.resource.starts_with("group/") {
        return wrong(
            "is an IAM group",
            "IAM groups cannot authenticate to a cluster; declare an access for each role or user",
        );
    } else {
        return wrong("is not an IAM role or user ARN", example);
    };
    let (path, name) = match rest.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n.to_string()),
        None => ("/".to_string(), rest.to_string()),
    };
    if name.is_empty() || !name.chars().all(values::is_role_name_char) || path.contains("//") {
        return wrong("is not an IAM role or user ARN", example);
    }
    if kind == PrincipalKind::Role && path.starts_with("/aws-service-role/") {
        return wrong(
            "is a service-linked role",
            "AWS services manage their own access to EKS; service-linked roles cannot have access entries or aws-auth mappings",
        );
    }
    Ok(Principal {
        kind,
        arn: text.to_string(),
        partition: a.partition.to_string(),
        account: a.account.to_string(),
        path,
        name,
    })
}

/// The first hidden character (control, bidirectional, invisible) of a JSON value's keys and
/// strings.
pub fn hidden_char(v: &serde_json::Value) -> Option<char> {
    let first = |s: &str| s.chars().find(|c| crate::source::is_hidden(*c));
    match v {
        serde_json::Value::String(s) => first(s),
        serde_json::Value::Array(items) => items.iter().find_map(hidden_char),
        serde_json::Value::Object(m) => m
            .iter()
            .find_map(|(k, v)| first(k).or_else(|| hidden_char(v))),
        _ => None,
    }
}

/// Whether EKS moves a cluster from one authentication mode to another: `Err((message, help))`
/// when it cannot.
pub fn transition(cluster: &str, from: AuthMode, to: AuthMode) -> Result<(), values::Problem> {
    use AuthMode::*;
    let path = "EKS authentication modes only move forward: CONFIG_MAP → API_AND_CONFIG_MAP → API";
    match (from, to) {
        (ConfigMap, ConfigMap | ApiAndConfigMap)
        | (ApiAndConfigMap, ApiAndConfigMap | Api)
        | (Api, Api) => Ok(()),
        (ConfigMap, Api) => Err((
            format!("cluster `{cluster}` cannot go from CONFIG_MAP to API in one step"),
            format!(
                "{path}. Set `auth_mode = api_and_config_map` first: build, run `aws eks update-cluster-config --name {cluster} --access-config authenticationMode=API_AND_CONFIG_MAP`, create the access entries and check that everyone can still reach the cluster; then set `auth_mode = api`"
            ),
        )),
        (Api, ConfigMap | ApiAndConfigMap) => Err((
            format!(
                "cluster `{cluster}` was API in the previous output; EKS cannot change it to {}",
                to.eks_value()
            ),
            format!("{path}, and never back. Keep `auth_mode = api`; if the cluster is being replaced by a new one, remove the previous output (its manifest.json) first"),
        )),
        (ApiAndConfigMap, ConfigMap) => Err((
            format!(
                "cluster `{cluster}` was API_AND_CONFIG_MAP in the previous output; EKS cannot change it to {}",
                to.eks_value()
            ),
            format!("{path}, and never back. Keep `auth_mode = api_and_config_map`, or finish the migration with `auth_mode = api`"),
        )),
    }
}

/// One access declaration after its own checks (lowered by `lower::access`).
pub(crate) struct Access<'a> {
    pub(crate) decl: &'a AccessDecl,
    pub(crate) principal: Option<Spanned<Principal>>,
    pub(crate) policy: Option<Spanned<AccessPolicy>>,
    /// The scope, and the namespaces as written (for spans).
    pub(crate) scope: AccessScope,
    pub(crate) scope_items: Vec<Spanned<String>>,
    /// The level settings' associations (`view = cluster`, …), after `policy`'s.
    pub(crate) more_policies: Vec<Association>,
    pub(crate) groups: Vec<String>,
    pub(crate) username: Option<String>,
    /// Target namespace (None: cluster-wide) → rules, and the span of the `in NS`.
    pub(crate) rules: BTreeMap<Option<String>, (Vec<PolicyRule>, Option<Span>)>,
}

impl Access<'_> {
    pub(crate) fn name(&self) -> &str {
        &self.decl.name.node
    }
    pub(crate) fn origin(&self) -> Origin {
        Origin {
            what: format!("access {}", self.name()),
            span: self.decl.span,
        }
    }
}

/// Access configuration, node role presence, bootstrap admin and mode transitions.
pub(crate) fn clusters(
    syms: &Symbols<'_>,
    previous: &BTreeMap<String, AuthMode>,
    ir: &mut Ir,
    diags: &mut Vec<Diag>,
) {
    for (name, decl) in &syms.clusters {
        let Some(c) = ir.clusters.get(*name) else {
            continue;
        };
        let setting = |key: &str| decl.settings.iter().find(|s| s.key.node == key);
        let mode_span = setting("auth_mode")
            .map(|s| word_span(&s.value))
            .unwrap_or(decl.name.span);
        if c.auth_mode.uses_aws_auth() && c.node_roles.is_empty() {
            diags.push(
                Diag::new(
                    Code::E405,
                    format!(
                        "cluster `{name}` reads aws-auth ({}) but declares no node role",
                        c.auth_mode.keyword()
                    ),
                )
                .at(decl.name.span)
                .label("no `nodes`")
                .related(mode_span, "authentication mode")
                .help(format!("accessc writes the whole aws-auth ConfigMap; without the node roles' mappings the nodes could no longer join the cluster. Add `nodes = \"arn:aws:iam::{}:role/NAME\"`, NAME being the role the nodes run as (`aws eks describe-nodegroup --region {} --cluster-name {} --nodegroup-name GROUP --query nodegroup.nodeRole` prints its ARN); a list for several node groups, and `windows_nodes` and `fargate_roles` for Windows nodes and Fargate profiles", c.account, c.region, c.eks_name)),
            );
        }
        if !c.passthrough.is_empty() {
            let count = c.passthrough.map_roles.len()
                + c.passthrough.map_users.len()
                + c.passthrough.map_accounts.len();
            let items = if count == 1 { "item" } else { "items" };
            let span = c
                .passthrough
                .spans
                .first()
                .copied()
                .unwrap_or(decl.name.span);
            let diag = if c.auth_mode.uses_aws_auth() {
                Diag::new(
                    Code::W404,
                    format!("cluster `{name}` carries {count} aws-auth {items} through unchecked"),
                )
                .label("written into aws-auth as given")
                .help("accessc does not check who these principals are, their groups or usernames, nor what RBAC grants them; declare each as an `access` (or a node role in `nodes`, `windows_nodes`, `fargate_roles`) when the language can express it")
            } else {
                Diag::new(
                    Code::W404,
                    format!("cluster `{name}` declares {count} aws-auth pass-through {items}, but an `api` cluster does not read aws-auth"),
                )
                .label("no effect")
                .help("EKS ignores aws-auth in API mode: give these principals access entries (an `access` each) and remove the `passthrough_map_…` settings")
            };
            let diag = diag.at(span);
            diags.push(match setting("auth_mode") {
                Some(_) => diag.related(mode_span, "authentication mode"),
                None => diag,
            });
        }
        let explicit_bootstrap = setting("bootstrap_admin");
        if c.auth_mode == AuthMode::ConfigMap && !c.bootstrap_admin {
            if let Some(s) = explicit_bootstrap {
                diags.push(
                    Diag::new(
                        Code::E409,
                        format!("cluster `{name}` uses config_map, which needs `bootstrap_admin = true`"),
                    )
                    .at(word_span(&s.value))
                    .label("EKS rejects this")
                    .related(mode_span, "authentication mode")
                    .help("EKS creates CONFIG_MAP clusters only with bootstrapClusterCreatorAdminPermissions=true (the creator's admin cannot be revoked there). Remove the setting, or create the cluster with `auth_mode = api_and_config_map` or `api`"),
                );
            }
        }
        if let Some(prev) = previous.get(*name) {
            if let Err((msg, help)) = transition(&c.eks_name, *prev, c.auth_mode) {
                diags.push(
                    Diag::new(Code::E408, msg)
                        .at(mode_span)
                        .label(format!("previous output: {}", prev.eks_value()))
                        .help(help),
                );
            }
        }
        ir.access_configs.push(ir::AccessConfig {
            cluster: c.name.clone(),
            eks_name: c.eks_name.clone(),
            mode: c.auth_mode,
            bootstrap_admin: c.bootstrap_admin || c.auth_mode == AuthMode::ConfigMap,
            span: c.span,
        });
    }
}

pub(crate) fn check_access<'a>(
    decl: &'a AccessDecl,
    syms: &Symbols<'_>,
    memos: &super::Memos,
    diags: &mut Vec<Diag>,
) -> Access<'a> {
    let name = decl.name.node.as_str();
    let s = Settings::new(&decl.settings, ACCESS_SETTINGS, "access", diags);
    for c in &decl.clusters {
        if !syms.clusters.contains_key(c.node.as_str()) {
            diags.push(resolve::unknown(
                Code::E102,
                "cluster",
                c,
                syms.clusters.keys().copied(),
            ));
        }
    }

    // The principal: exactly one of `role` and `user`.
    let role = s.string("role", diags);
    let user = s.string("user", diags);
    let principal = match (role, user) {
        (Some(r), Some(u)) => {
            diags.push(
                Diag::new(
                    Code::E406,
                    format!("access `{name}` sets both `role` and `user`"),
                )
                .at(u.span)
                .label("second principal")
                .related(r.span, "role")
                .help("an access gives one IAM principal access; declare a second access for the other one"),
            );
            None
        }
        (None, None) => {
            if !s.has("role") && !s.has("user") {
                diags.push(
                    Diag::new(
                        Code::E108,
                        format!("access `{name}` has no `role` or `user`"),
                    )
                    .at(decl.name.span)
                    .label("who gets access?")
                    .help(
                        "add `role = \"arn:aws:iam::111122223333:role/NAME\"` (or `user = \"…\"`)",
                    ),
                );
            }
            None
        }
        (Some(v), None) => checked_principal(v, PrincipalKind::Role, diags),
        (None, Some(v)) => checked_principal(v, PrincipalKind::User, diags),
    };

    let policy = s
        .choice("policy", &["cluster_admin", "admin", "edit", "view"], diags)
        .map(|p| {
            Spanned::new(
                match p.node {
                    "cluster_admin" => AccessPolicy::ClusterAdmin,
                    "admin" => AccessPolicy::Admin,
                    "edit" => AccessPolicy::Edit,
                    _ => AccessPolicy::View,
                },
                trim(p.span, p.node.len()),
            )
        });

    // `scope = cluster | namespaces [a, b]`
    let mut scope = AccessScope::Cluster;
    let mut scope_items = Vec::new();
    if let Some(v) = s.raw("scope") {
        if let Some((sc, items)) = access_policies::parse_scope("scope", v, syms, diags) {
            (scope, scope_items) = (sc, items);
        }
        if policy.is_none() {
            diags.push(
                Diag::new(Code::E108, format!("access `{name}` has a `scope` but no `policy`"))
                    .at(v.span)
                    .label("scope of what?")
                    .help("`scope` limits the access policy: add `policy = view` (or `edit`, `admin`, `cluster_admin`), or remove `scope`"),
            );
        }
    }

    // Groups.
    let mut groups: Vec<String> = Vec::new();
    for g in s.list("groups", diags).unwrap_or_default() {
        if g.node == "system:masters" {
            diags.push(
                Diag::new(Code::E402, format!("access `{name}` maps to `system:masters`"))
                    .at(g.span)
                    .label("cannot be audited or revoked")
                    .help("`system:masters` bypasses RBAC and cannot be limited; write `policy = cluster_admin` with `break_glass = true` instead (an EKS access policy, or a binding to the `cluster-admin` ClusterRole on config_map clusters)"),
            );
        } else if g.node.starts_with("system:") {
            diags.push(
                Diag::new(
                    Code::E401,
                    format!("Kubernetes group `{}` is reserved", g.node),
                )
                .at(g.span)
                .label("`system:` group")
                .help("EKS rejects `system:` groups in access entries, and they belong to Kubernetes itself; use a group of your own and bind it (or use `policy` / `kubernetes { … }`)"),
            );
        } else if g.node.trim().is_empty() || g.node.chars().any(char::is_control) {
            diags.push(
                Diag::new(Code::E109, "an empty Kubernetes group name")
                    .at(g.span)
                    .label("empty")
                    .help("remove it, or name the group"),
            );
        } else if !groups.contains(&g.node) {
            groups.push(g.node);
        }
    }

    // Username.
    let username = s.string("username", diags);
    if let Some(u) = &username {
        if let Some(prefix) = RESERVED_USERNAME_PREFIXES
            .iter()
            .find(|p| u.node.starts_with(**p))
        {
            diags.push(
                Diag::new(
                    Code::E401,
                    format!("username `{}` starts with the reserved prefix `{prefix}`", u.node),
                )
                .at(u.span)
                .label("reserved")
                .help("EKS reserves the username prefixes `system:`, `eks:`, `aws:`, `amazon:` and `iam:`; choose another username, or leave `username` out"),
            );
        } else if u.node.trim().is_empty() {
            diags.push(
                Diag::new(Code::E109, "an empty username")
                    .at(u.span)
                    .label("empty")
                    .help("leave `username` out to get the default"),
            );
        } else if let Err((msg, help)) = values::username(&u.node) {
            diags.push(
                Diag::new(Code::E109, msg)
                    .at(u.span)
                    .label("not a username EKS accepts")
                    .help(help),
            );
        } else if let Some(pos) = u.node.find("{{SessionName") {
            if !u.node[..pos].contains(':') {
                diags.push(
                    Diag::new(
                        Code::E410,
                        format!("username `{}` needs a `:` before its session name", u.node),
                    )
                    .at(u.span)
                    .label("no `:` before `{{SessionName}}`")
                    .help(format!(
                        "EKS needs a `:` before `{{{{SessionName}}}}`: write `{name}:{}`",
                        &u.node[pos..]
                    )),
                );
            }
        }
    }

    let break_glass = s
        .boolean("break_glass", diags)
        .map(|b| b.node)
        .unwrap_or(false);
    let more_policies = access_policies::levels(&s, syms, diags);
    let first = policy.as_ref().map(|p| Association {
        policy: p.clone(),
        scope: scope.clone(),
        scope_items: Vec::new(),
    });
    let all: Vec<&Association> = first.iter().chain(&more_policies).collect();
    access_policies::check_overlaps(name, &all, diags);
    for a in &all {
        let p = &a.policy;
        if p.node == AccessPolicy::ClusterAdmin && a.scope == AccessScope::Cluster && !break_glass {
            diags.push(
                Diag::new(
                    Code::E403,
                    format!("access `{name}` is cluster admin on the whole cluster without `break_glass`"),
                )
                .at(p.span)
                .label("cluster-wide cluster admin")
                .help("reserve cluster admin for emergencies: add `break_glass = true` (and guard who can assume the role), or grant less: `policy = admin` / `edit`, or `scope = namespaces [...]`"),
            );
        }
    }

    if let Some(p) = &principal {
        if p.node.kind == PrincipalKind::User {
            diags.push(
                Diag::new(
                    Code::W401,
                    format!("access `{name}` is for an IAM user"),
                )
                .at(p.span)
                .label("IAM user")
                .help("IAM users have long-lived keys and one entry per person; prefer a role that the people assume (`role = \"arn:aws:iam::ACCOUNT:role/NAME\"`)"),
            );
        }
    }

    // Kubernetes rules.
    let mut rules: BTreeMap<Option<String>, (Vec<PolicyRule>, Option<Span>)> = BTreeMap::new();
    for block in &decl.kubernetes {
        let (target, namespaced, span) = match &block.target {
            K8sTarget::Own => {
                diags.push(
                    Diag::new(
                        Code::E411,
                        format!("access `{name}` has no namespace of its own"),
                    )
                    .at(block.span)
                    .label("which namespace?")
                    .help("write `kubernetes in NS { … }` for a Role in one namespace, or `kubernetes cluster { … }` for a ClusterRole"),
                );
                continue;
            }
            K8sTarget::Cluster => (None, false, None),
            K8sTarget::Namespace(ns) => {
                syms.known_namespace(ns, diags);
                (Some(ns.node.clone()), true, Some(ns.span))
            }
        };
        super::kube_names::check(&block.rules, false, diags);
        let checked = kube::check_rules(&block.rules, namespaced, memos, diags);
        let entry = rules.entry(target).or_insert_with(|| (Vec::new(), span));
        entry.0.extend(checked);
    }
    rules.retain(|_, (r, _)| !r.is_empty());
    Access {
        decl,
        principal,
        policy,
        scope,
        scope_items,
        more_policies,
        groups,
        username: username.map(|u| u.node),
        rules,
    }
}

/// A span cut to `len` bytes (a bare word's value span may run on over the whitespace after it).
fn trim(span: Span, len: usize) -> Span {
    let end = (span.start as usize).saturating_add(len);
    if end < span.end as usize {
        Span::new(span.file, span.start as usize, end)
    } else {
        span
    }
}

/// The span of a setting's value, without trailing whitespace for a bare word.
fn word_span(v: &Spanned<Value>) -> Span {
    match &v.node {
        Value::Word(w) => trim(v.span, w.len()),
        _ => v.span,
    }
}

fn checked_principal(
    v: Spanned<String>,
    expected: PrincipalKind,
    diags: &mut Vec<Diag>,
) -> Option<Spanned<Principal>> {
    match principal(&v.node) {
        Err((msg, help)) => {
            diags.push(
                Diag::new(Code::E406, msg)
                    .at(v.span)
                    .label("not a principal EKS accepts")
                    .help(help),
            );
            None
        }
        Ok(p) if p.kind != expected => {
            let (is, key) = match p.kind {
                PrincipalKind::Role => ("an IAM role", "role"),
                PrincipalKind::User => ("an IAM user", "user"),
            };
            diags.push(
                Diag::new(Code::E406, format!("`{}` is {is}", v.node))
                    .at(v.span)
                    .label(is)
                    .help(format!("write `{key} = \"{}\"`", v.node)),
            );
            None
        }
        Ok(p) => Some(Spanned::new(p, v.span)),
    }
}

/// Checks that depend on the cluster: namespaces, accounts, partitions, the node role, and the
/// same principal twice.
pub(crate) fn per_cluster_checks(
    accesses: &[Access<'_>],
    syms: &Symbols<'_>,
    ir: &Ir,
    diags: &mut Vec<Diag>,
) {
    // (cluster, kind, account, name) → (access, span): role names are unique in an account
    // whatever their path, so the path is ignored.
    let mut seen: BTreeMap<(String, PrincipalKind, String, String), (&str, Span)> = BTreeMap::new();
    for a in accesses {
        let name = a.name();
        let mut done: BTreeSet<&str> = BTreeSet::new();
        for c_ref in &a.decl.clusters {
            let Some(c) = ir.clusters.get(&c_ref.node) else {
                continue;
            };
            if !done.insert(c.name.as_str()) {
                continue;
            }
            let on_cluster = |ns: &str| {
                ir.namespaces
                    .get(ns)
                    .is_some_and(|n| n.clusters.contains(&c.name))
            };
            let not_on = |ns: &str, span: Span, what: &str, diags: &mut Vec<Diag>| {
                let Some(n) = ir.namespaces.get(ns) else {
                    return;
                };
                let where_ = if n.clusters.is_empty() {
                    "no cluster".to_string()
                } else {
                    n.clusters
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                diags.push(
                    Diag::new(
                        Code::E407,
                        format!("namespace `{ns}` is not on cluster `{}`", c.name),
                    )
                    .at(span)
                    .label(format!("{what}, not on `{}`", c.name))
                    .related(c_ref.span, "the access is on this cluster")
                    .help(format!(
                        "`{ns}` is on {where_}: add `{}` to `namespace {ns} on …`, or remove `{}` from the access's clusters",
                        c.name, c.name
                    )),
                );
            };
            for item in a
                .scope_items
                .iter()
                .chain(a.more_policies.iter().flat_map(|m| &m.scope_items))
            {
                if syms.namespaces.contains_key(item.node.as_str()) && !on_cluster(&item.node) {
                    not_on(&item.node, item.span, "scope", diags);
                }
            }
            for (target, (_, span)) in &a.rules {
                if let (Some(ns), Some(span)) = (target, span) {
                    if syms.namespaces.contains_key(ns.as_str()) && !on_cluster(ns) {
                        not_on(ns, *span, "rules", diags);
                    }
                }
            }
            let Some(p) = &a.principal else {
                continue;
            };
            if p.node.partition != c.partition {
                diags.push(
                    Diag::new(
                        Code::E406,
                        format!(
                            "`{}` is in partition `{}`, cluster `{}` in `{}`",
                            p.node.arn, p.node.partition, c.name, c.partition
                        ),
                    )
                    .at(p.span)
                    .label("other partition")
                    .related(c_ref.span, "cluster")
                    .help(
                        "IAM principals of another partition cannot authenticate to this cluster",
                    ),
                );
            }
            if p.node.account != c.account {
                diags.push(
                    Diag::new(
                        Code::W402,
                        format!(
                            "access `{name}` gives account {} access to cluster `{}` in account {}",
                            p.node.account, c.name, c.account
                        ),
                    )
                    .at(p.span)
                    .label("other account")
                    .related(c_ref.span, "cluster")
                    .help("a principal of another account reaches the cluster; make sure that is intended and that the other account restricts who can assume it, or use a role in the cluster's account"),
                );
            }
            for n in &c.node_roles {
                if principal(&n.arn).is_ok_and(|n| same_principal(&n, &p.node)) {
                    diags.push(
                        Diag::new(
                            Code::E404,
                            format!("access `{name}` is for a node role of cluster `{}`", c.name),
                        )
                        .at(p.span)
                        .label("a node role")
                        .related(n.span, format!("`{}` of `{}`", n.kind.setting(), c.name))
                        .help(format!("the node role already has its own entry ({} / its aws-auth node mapping); give people and CI a role of their own", n.kind.entry_type().eks_value())),
                    );
                }
            }
            let key = (
                c.name.clone(),
                p.node.kind,
                p.node.account.clone(),
                p.node.name.clone(),
            );
            match seen.get(&key) {
                Some((other, other_span)) => {
                    // Reported on the later of the two in source order.
                    let ((first, first_span), (second, second_span)) = if *other_span <= p.span {
                        ((*other, *other_span), (name, p.span))
                    } else {
                        ((name, p.span), (*other, *other_span))
                    };
                    diags.push(
                        Diag::new(
                            Code::E404,
                            format!(
                                "accesses `{first}` and `{second}` are for the same principal on cluster `{}`",
                                c.name
                            ),
                        )
                        .at(second_span)
                        .label("same principal")
                        .related(first_span, format!("access `{first}`"))
                        .help("EKS has one access entry per principal and cluster (and aws-auth one mapping): merge the two declarations, or give one of them another role"),
                    );
                }
                None => {
                    seen.insert(key, (name, p.span));
                }
            }
        }
    }
    // A pass-through item is unchecked, but not a second mapping of a declared principal.
    for c in ir.clusters.values() {
        let items = c
            .passthrough
            .map_roles
            .iter()
            .map(|i| (i, "rolearn"))
            .chain(c.passthrough.map_users.iter().map(|i| (i, "userarn")));
        for (item, arn_key) in items {
            let Some(p) = item.value[arn_key].as_str().and_then(|a| principal(a).ok()) else {
                continue;
            };
            let key = (c.name.clone(), p.kind, p.account.clone(), p.name.clone());
            let node = c
                .node_roles
                .iter()
                .find(|n| principal(&n.arn).is_ok_and(|n| same_principal(&n, &p)));
            let (what, span) = match (seen.get(&key), node) {
                (Some((access, span)), _) => (format!("access `{access}`"), *span),
                (None, Some(n)) => (format!("`{}` of `{}`", n.kind.setting(), c.name), n.span),
                (None, None) => continue,
            };
            diags.push(
                Diag::new(
                    Code::E404,
                    format!(
                        "an aws-auth pass-through item of cluster `{}` maps `{}`, declared by {what}",
                        c.name, p.arn
                    ),
                )
                .at(item.span)
                .label("mapped again")
                .related(span, what)
                .help("aws-auth would map the principal twice, leaving it to chance which mapping wins: remove the item, or the declaration"),
            );
        }
    }
}

fn same_principal(a: &Principal, b: &Principal) -> bool {
    (a.kind, &a.account, &a.name) == (b.kind, &b.account, &b.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals() {
        let p = principal("arn:aws:iam::111122223333:role/team/Dev").unwrap();
        assert_eq!(p.kind, PrincipalKind::Role);
        assert_eq!(p.path, "/team/");
        assert_eq!(p.arn_without_path(), "arn:aws:iam::111122223333:role/Dev");
        let u = principal("arn:aws:iam::111122223333:user/alice").unwrap();
        assert_eq!(u.kind, PrincipalKind::User);
        assert!(principal("arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS").is_err());
        assert!(
            principal("arn:aws:sts::111122223333:assumed-role/Dev/alice")
                .unwrap_err()
                .1
                .contains("role/Dev")
        );
        assert!(principal("arn:aws:iam::111122223333:group/devs").is_err());
        assert!(principal("arn:aws:s3:::bucket").is_err());
    }

    #[test]
    fn transitions() {
        use AuthMode::*;
        let all = [ConfigMap, ApiAndConfigMap, Api];
        for from in all {
            for to in all {
                let ok = matches!(
                    (from, to),
                    (ConfigMap, ConfigMap)
                        | (ApiAndConfigMap, ApiAndConfigMap)
                        | (Api, Api)
                        | (ConfigMap, ApiAndConfigMap)
                        | (ApiAndConfigMap, Api)
                );
                assert_eq!(transition("c", from, to).is_ok(), ok, "{from:?} -> {to:?}");
            }
        }
        assert!(transition("c", ConfigMap, Api)
            .unwrap_err()
            .1
            .contains("api_and_config_map"));
    }

    #[test]
    fn names() {
        assert_eq!(own_group("oncall"), "accessc:oncall");
        assert_eq!(
            default_username("ci", PrincipalKind::Role),
            "ci:{{SessionName}}"
        );
        assert_eq!(
            policy_binding_name("devs", AccessPolicy::Edit),
            "access.devs.edit"
        );
    }
}
