//! AWS grants: checked once per declaration, then instantiated per IAM role.
//!
//! A grant is checked for syntax and against the IAM catalog ([`crate::catalog`]) into a
//! [`CheckedGrant`] whose ARNs, condition values and condition keys still hold `${namespace}`,
//! `${service_account}`, `${cluster}`, `${region}` and `${account}`. [`instantiate`] replaces them
//! for one role: by literal values in an app's own role, by Pod Identity session tags in a shared
//! role (not in keys: IAM replaces no variables there, so a key's variables are only allowed in
//! an app's own role). `${region}` and `${account}` are the region and account id of the role's
//! clusters, literal in every role (a role is in one account; a role serving clusters in several
//! regions gets each region's value).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::ast::{Grant, GrantKind, Span, Spanned};
use crate::diagnostics::{Code, Diag};

use super::catalog_checks;
use super::values;

/// The variables the language knows in ARNs and conditions.
pub const VARIABLES: &[&str] = &[
    "namespace",
    "service_account",
    "cluster",
    "region",
    "account",
];

/// The variables that tell the apps of a role apart (a shared role that uses none gives every
/// app the union of its permissions: W204). `${region}` and `${account}` are the clusters'.
const APP_VARIABLES: &[&str] = &["namespace", "service_account", "cluster"];

/// A grant after checking.
#[derive(Clone, Debug)]
pub struct CheckedGrant {
    /// Base of the statement id, e.g. `ReadS3`, `AllowDynamodb`.
    pub label: String,
    /// Concrete actions, sorted (shared: an access level's actions on a resource type are the
    /// same set for every app that asks).
    pub actions: Arc<BTreeSet<String>>,
    /// Resources with variables (empty: `*`).
    pub resources: Vec<String>,
    /// Conditions with variables (in keys: only in an app's own role): the IAM operator
    /// (`StringEquals`, `ForAnyValue:StringLike`, `Null`, …), the key, the values.
    pub conditions: Vec<(String, String, Vec<String>)>,
    /// A `deny` grant: its statements are `Effect: Deny`.
    pub deny: bool,
    /// `unsafe "reason"`.
    pub unsafe_reason: Option<String>,
    /// Whether any `${namespace|service_account|cluster}` appears (`${region}` and `${account}`
    /// do not count: they do not tell a role's apps apart).
    pub uses_variables: bool,
    /// The grant.
    pub span: Span,
}

impl CheckedGrant {
    /// Whether `${cluster}` appears in a resource, a condition key or a condition value.
    pub fn uses_cluster(&self) -> bool {
        let has = |t: &String| t.contains("${cluster}");
        self.uses_variables
            && (self.resources.iter().any(has)
                || self
                    .conditions
                    .iter()
                    .any(|(_, k, values)| has(k) || values.iter().any(has)))
    }
}

/// Whose grant is checked: where its variables get their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// An app's own role: the variables are the app's literal values.
    App,
    /// A shared Pod Identity role: the variables are session tags, known only at request time.
    SharedPodIdentity,
    /// A shared IRSA role: no session tags, so no variables (E205).
    SharedIrsa,
    /// A `resource` declaration's grant: values take each admitted app's values, keys none.
    ResourcePolicy,
}

/// The Pod Identity session tag that holds the EKS cluster's name.
pub const CLUSTER_TAG: &str = "aws:PrincipalTag/eks-cluster-name";

/// How variables are replaced.
#[derive(Clone, Debug)]
pub enum Vars<'a> {
    /// An app's own role: literal namespace and service account. `${cluster}` is the cluster's
    /// name when `clusters` holds one; with several, it is the session tag
    /// `${aws:PrincipalTag/eks-cluster-name}` when `cluster_tag` (a Pod Identity role with
    /// session tags: each cluster's pods get only their cluster's slice), else it fans out
    /// over them (a `resource` grant's values: one value per cluster of the admitted app).
    /// `${region}` is each cluster's region (with `${cluster}` in the same string, the pair of
    /// each cluster), `${account}` the role's account.
    Literal {
        /// Namespace.
        namespace: &'a str,
        /// Service account.
        service_account: &'a str,
        /// EKS names of the role's clusters.
        clusters: &'a [String],
        /// The region of each of `clusters`, in the same order.
        regions: &'a [String],
        /// The role's account id.
        account: &'a str,
        /// Whether `${cluster}` is the session tag (several clusters, Pod Identity).
        cluster_tag: bool,
    },
    /// A shared Pod Identity role: session tags; `${region}` each region of the role's clusters
    /// and `${account}` the role's account, literal.
    SessionTags {
        /// The regions of the role's clusters (each once).
        regions: &'a [String],
        /// The role's account id.
        account: &'a str,
    },
}

/// `${…}` variables in a string, with their byte offsets inside it.
pub(crate) fn variables(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(i) = text[rest..].find("${") {
        let start = rest + i;
        match text[start..].find('}') {
            Some(j) => {
                out.push((start, start + j + 1, &text[start + 2..start + j]));
                rest = start + j + 1;
            }
            None => {
                out.push((start, text.len(), &text[start + 2..]));
                break;
            }
        }
    }
    out
}

/// The span of a part of a string literal (offset inside the value, +1 for the quote) or of a
/// bare word (a condition key: no quotes).
pub(crate) fn sub_span(s: &Spanned<String>, start: usize, end: usize) -> Span {
    // Escapes make offsets inexact; fall back to the whole string then.
    let base = if s.span.len() == s.node.len() + 2 {
        s.span.start as usize + 1
    } else if s.span.len() == s.node.len() {
        s.span.start as usize
    } else {
        return s.span;
    };
    Span::new(s.span.file, base + start, base + end)
}

/// E118 for a `${` without its `}`.
fn unclosed(span: Span, name: &str) -> Diag {
    Diag::new(Code::E118, "unclosed `${` in a variable")
        .at(span)
        .label("no closing `}`")
        .help(format!("write `${{{name}}}`"))
}

/// E118 for a `${name}` that is not a variable (`more`: what else the help says when no
/// variable is close).
fn unknown(span: Span, name: &str, more: &str) -> Diag {
    Diag::new(Code::E118, format!("unknown variable `${{{name}}}`"))
        .at(span)
        .label("unknown variable")
        .help(match crate::suggest::closest(name, VARIABLES.iter().copied()) {
            Some(v) => format!("did you mean `${{{v}}}`?"),
            None => format!("the variables are `${{namespace}}`, `${{service_account}}`, `${{cluster}}`, `${{region}}` and `${{account}}`{more}"),
        })
}

/// Check the `${…}` variables of a string; returns whether it uses ours.
pub fn check_variables(s: &Spanned<String>, shared_irsa: bool, diags: &mut Vec<Diag>) -> bool {
    if !s.node.contains("${") {
        return false;
    }
    let mut uses = false;
    for (start, end, name) in variables(&s.node) {
        if !s.node[start..end].ends_with('}') {
            diags.push(unclosed(sub_span(s, start, end), name));
            continue;
        }
        if VARIABLES.contains(&name) {
            if !APP_VARIABLES.contains(&name) {
                // The clusters' region and account: literal in every role.
                continue;
            }
            uses = true;
            if shared_irsa {
                diags.push(
                    Diag::new(
                        Code::E205,
                        format!("`${{{name}}}` cannot be used in a shared IRSA role"),
                    )
                    .at(sub_span(s, start, end))
                    .label("IRSA sets no session tags")
                    .help("use `identity = pod_identity` for the shared role (its session tags carry the namespace, service account and cluster), or give each app its own role"),
                );
            }
        } else if !name.contains(':') {
            diags.push(unknown(
                sub_span(s, start, end),
                name,
                "; IAM policy variables are written with their prefix, e.g. `${aws:username}`",
            ));
        }
    }
    uses
}

/// Check the `${…}` variables of a condition key. IAM replaces no variable in a condition key,
/// so a key may only hold the language's variables where accessc replaces them by literal
/// values: in an app's own role. Returns the key to check against the catalog (each variable
/// standing for its name, as any non-empty value does in a tag key) and whether it uses our
/// variables; `None` after an error.
pub fn check_key_variables(
    key: &Spanned<String>,
    owner: Owner,
    diags: &mut Vec<Diag>,
) -> Option<(String, bool)> {
    if !key.node.contains("${") {
        return Some((key.node.clone(), false));
    }
    let mut uses = false;
    let mut ok = true;
    let mut checked = String::with_capacity(key.node.len());
    let mut last = 0;
    for (start, end, name) in variables(&key.node) {
        checked.push_str(&key.node[last..start]);
        checked.push_str(name);
        last = end;
        let span = sub_span(key, start, end);
        if !key.node[start..end].ends_with('}') {
            diags.push(unclosed(span, name));
            ok = false;
        } else if VARIABLES.contains(&name) {
            let partitions = APP_VARIABLES.contains(&name);
            uses |= partitions;
            let why = match owner {
                Owner::App => continue,
                _ if !partitions => "accessc writes a key's variables only in an app's own role, one statement per cluster".to_string(),
                Owner::SharedPodIdentity => format!("in a shared role `${{{name}}}` is the session tag `${{aws:PrincipalTag/…}}`, known only when a pod asks"),
                Owner::SharedIrsa => format!("a shared IRSA role has no value for `${{{name}}}` (no session tags)"),
                Owner::ResourcePolicy => "a `resource` grant's keys are written as declared, for every app after `by`".to_string(),
            };
            diags.push(
                Diag::new(Code::E217, format!("`${{{name}}}` in condition key `{}` cannot be replaced by a literal", key.node))
                    .at(span)
                    .label("variable in a condition key")
                    .help(format!("IAM replaces no variables in condition keys: {why}. Write the key literally (one grant per value), or give each app its own role, where `${{{name}}}` becomes the app's value")),
            );
            ok = false;
        } else if name.contains(':') {
            diags.push(
                Diag::new(Code::E217, format!("IAM policy variable `${{{name}}}` in condition key `{}`", key.node))
                    .at(span)
                    .label("IAM replaces no variables in condition keys")
                    .help("IAM compares a condition key as written, so the key would never match a request: write the key literally, or use `${namespace}`, `${service_account}` or `${cluster}` in an app's own role, which accessc replaces by the app's values"),
            );
            ok = false;
        } else {
            diags.push(unknown(span, name, ""));
            ok = false;
        }
    }
    checked.push_str(&key.node[last..]);
    ok.then_some((checked, uses))
}

#[cfg(test)]
fn capitalize(s: &str) -> String {
    let mut out = String::new();
    capitalize_into(&mut out, s);
    out
}

/// Appends `s` capitalized: words of ASCII letters and digits, each with a capital first
/// letter, without what separates them (`kafka-cluster` → `KafkaCluster`).
fn capitalize_into(out: &mut String, s: &str) {
    if s.is_ascii() {
        // Each run of letters and digits: its first byte capitalized, the rest copied.
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let end = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii_alphanumeric())
                .map_or(bytes.len(), |n| i + n);
            out.push(char::from(bytes[i].to_ascii_uppercase()));
            out.push_str(&s[i + 1..end]);
            i = end;
        }
        return;
    }
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if up {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            up = false;
        } else {
            up = true;
        }
    }
}

/// A short name for the first resource of a grant, for its `Sid`: the bucket of an S3 ARN,
/// else the last segment that is not a wildcard or a variable (`table/carts` → `carts`).
/// `first` is the first resource when it is a valid ARN. Written capitalized into `out`.
fn resource_name_into(out: &mut String, first: Option<&values::Arn<'_>>) {
    let Some(arn) = first else {
        return;
    };
    // The segments of the resource part that hold no variable and some letter or digit
    // (their `*` and `?` are dropped): the first, the one before the last, and the last.
    let mut first_seg: Option<&str> = None;
    let mut before_last: Option<&str> = None;
    let mut last: Option<&str> = None;
    // By bytes (`/`, `:`, `$`, `{` and ASCII letters and digits are single bytes in UTF-8).
    let bytes = arn.resource.as_bytes();
    let mut start = 0;
    while start <= bytes.len() {
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'/' || b == b':')
            .map_or(bytes.len(), |i| start + i);
        let b = &bytes[start..end];
        if !b.windows(2).any(|w| w == b"${") && b.iter().any(u8::is_ascii_alphanumeric) {
            let seg = &arn.resource[start..end];
            first_seg.get_or_insert(seg);
            before_last = last;
            last = Some(seg);
        }
        start = end + 1;
    }
    // The length of a segment without its wildcards.
    let len = |s: &str| s.len() - s.bytes().filter(|b| matches!(b, b'*' | b'?')).count();
    // Long generated ids (KMS key ids, …) make poor names: then take the segment before
    // (`key`).
    let pick = if arn.service == "s3" {
        first_seg
    } else if last.is_some_and(|s| len(s) > 24) && before_last.is_some() {
        before_last
    } else {
        last
    };
    if let Some(p) = pick {
        // Capitalizing skips `*` and `?` (they separate words as the dropped text did not:
        // drop them first).
        if p.contains(['*', '?']) {
            capitalize_into(out, &p.replace(['*', '?'], ""));
        } else {
            capitalize_into(out, p);
        }
    }
}

/// Whether a text holds an IAM wildcard (`*` or `?`).
fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// Whether an ARN's resource part names no resource at all: only wildcards and separators
/// (`*`, `*/*`, `role/*` is not: see [`wide_resource_name`]).
fn wildcard_only(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| matches!(c, '*' | '?' | '/' | ':'))
}

/// What an ARN covers when that is too much for a grant without `unsafe`: any account (the
/// account field is `*` or a pattern), any region (a pattern in the region field: a service
/// whose ARNs have no region leaves it empty), or every resource of the service (a resource
/// part of wildcards only: `arn:aws:s3:::*` is every bucket of every account).
pub fn wide_arn(arn: &values::Arn<'_>) -> Option<String> {
    if has_wildcard(arn.account) {
        return Some(format!(
            "resources of every AWS account (account `{}`)",
            arn.account
        ));
    }
    if has_wildcard(arn.region) {
        return Some(format!(
            "resources of every region (region `{}`)",
            arn.region
        ));
    }
    if wildcard_only(arn.resource) {
        return Some(if arn.account.is_empty() {
            format!("every `{}` resource of every AWS account", arn.service)
        } else {
            format!(
                "every `{}` resource of account {}",
                arn.service, arn.account
            )
        });
    }
    None
}

/// Whether an ARN's resource part, after its resource type (`role/`, `user/`), names no
/// resource: `role/*`, `role*`, `*`.
fn wide_resource_name(resource: &str) -> bool {
    match resource.find(['/', ':']) {
        Some(i) => wildcard_only(&resource[i + 1..]),
        None => wildcard_only(resource.trim_start_matches(|c: char| c.is_ascii_alphanumeric())),
    }
}

/// Whether an action hands over or takes on an IAM role: `iam:PassRole`, `sts:AssumeRole*`.
pub fn is_role_handover(action: &str) -> bool {
    let lower = action.to_ascii_lowercase();
    lower == "iam:passrole" || lower.starts_with("sts:assumerole")
}

/// E202 for `iam:PassRole` / `sts:AssumeRole*` on every role of an account (`role/*`):
/// that is every role's permissions, so it needs `unsafe` as `*` does.
fn role_on_wide_arns(
    actions: &BTreeSet<String>,
    arns: &[Spanned<String>],
    parsed: &[Option<values::Arn<'_>>],
    diags: &mut Vec<Diag>,
) {
    let Some(action) = actions.iter().find(|a| is_role_handover(a)) else {
        return;
    };
    for (a, arn) in arns.iter().zip(parsed) {
        let Some(arn) = arn else {
            continue;
        };
        if wide_resource_name(arn.resource) {
            diags.push(
                Diag::new(
                    Code::E202,
                    format!("`{action}` on `{}` reaches every role it names", a.node),
                )
                .at(a.span)
                .label("every role")
                .help("name the roles (e.g. \"arn:aws:iam::111122223333:role/app-*\"), or add `unsafe \"reason\"` to the grant when every role is really meant"),
            );
        }
    }
}

/// Check one grant of a declaration. A grant gives one statement, or two when some of its
/// actions support only `Resource: "*"` (W201).
pub fn check_grant(
    g: &Grant,
    owner: Owner,
    memos: &super::Memos,
    diags: &mut Vec<Diag>,
) -> Vec<CheckedGrant> {
    let shared_irsa = owner == Owner::SharedIrsa;
    let before = diags.iter().filter(|d| d.is_error()).count();
    let deny = matches!(g.kind, GrantKind::Allow { deny: true, .. });
    // A deny takes away: its wildcards and `"*"` need no `unsafe`.
    let unsafe_ok = g.unsafe_reason.is_some() || deny;
    // `on "*"` is allowed without `unsafe` for a grant scoped by a tag condition.
    let tag_scoped = match &g.kind {
        GrantKind::Allow { conditions, .. } => super::conditions::scopes_by_tag(conditions),
        GrantKind::Level { .. } => false,
    };
    let mut uses_variables = false;
    let mut resources = Vec::new();
    let mut actions: Arc<BTreeSet<String>> = Arc::default();
    let mut star_only: Arc<BTreeSet<String>> = Arc::default();
    let mut conditions = Vec::new();
    let mut label = String::with_capacity(64);

    let arns: &[Spanned<String>] = match &g.kind {
        GrantKind::Level { arns, .. } | GrantKind::Allow { arns, .. } => arns,
    };
    // Each ARN's parts, `None` for `*` and for what is not an ARN (each ARN is split once).
    let mut parsed: Vec<Option<values::Arn<'_>>> = Vec::with_capacity(arns.len());
    for a in arns {
        uses_variables |= check_variables(a, shared_irsa, diags);
        if a.node == "*" {
            if !unsafe_ok && !tag_scoped {
                diags.push(
                    Diag::new(Code::E202, "`\"*\"` grants the actions on every resource")
                        .at(a.span)
                        .label("every resource")
                        .help("name the resources, or add `unsafe \"reason\"` to the grant when every resource is really meant"),
                );
            }
            parsed.push(None);
        } else {
            match values::arn(&a.node) {
                Ok(arn) => {
                    if !unsafe_ok {
                        if let Some(what) = wide_arn(&arn) {
                            diags.push(
                                Diag::new(Code::E202, format!("`{}` names {what}", a.node))
                                    .at(a.span)
                                    .label("wildcard resource")
                                    .help("name the account, region and resource, or add `unsafe \"reason\"` to the grant when all of them are really meant"),
                            );
                        }
                    }
                    parsed.push(Some(arn));
                }
                Err((msg, help)) => {
                    diags.push(
                        Diag::new(Code::E113, msg)
                            .at(a.span)
                            .label("not an ARN")
                            .help(help),
                    );
                    parsed.push(None);
                }
            }
        }
        resources.push(a.node.clone());
    }
    let first = parsed.first().and_then(Option::as_ref);

    match &g.kind {
        GrantKind::Level { level, arns } => {
            capitalize_into(&mut label, level.node.keyword());
            capitalize_into(&mut label, first.map_or("", |a| a.service));
            resource_name_into(&mut label, first);
            for (a, arn) in arns.iter().zip(&parsed) {
                if a.node == "*" {
                    diags.push(
                        Diag::new(
                            Code::E202,
                            format!("`{}` needs a resource ARN, not `\"*\"`", level.node),
                        )
                        .at(a.span)
                        .label("no resource type")
                        .help("access levels expand to the actions of the ARN's resource type: name the resource"),
                    );
                    continue;
                }
                if arn.is_none() {
                    continue;
                }
                match catalog_checks::level_actions_shared(level.node, a) {
                    // The first ARN's set as it is, shared (most grants have one ARN).
                    Ok(found) if actions.is_empty() => actions = found,
                    Ok(found) => Arc::make_mut(&mut actions).extend(found.iter().cloned()),
                    Err(d) => diags.push(d),
                }
            }
        }
        GrantKind::Allow {
            actions: written,
            arns,
            conditions: conds,
            ..
        } => {
            // Lowercased (copied only when it has a capital letter), sorted, deduplicated.
            let mut services: Vec<Cow<'_, str>> = Vec::new();
            for a in written {
                if let Some((svc, _)) = a.node.split_once(':') {
                    services.push(if svc.bytes().any(|b| b.is_ascii_uppercase()) {
                        Cow::Owned(svc.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(svc)
                    });
                }
            }
            services.sort();
            services.dedup();
            label.push_str(if deny { "Deny" } else { "Allow" });
            for s in &services {
                capitalize_into(&mut label, s);
            }
            resource_name_into(&mut label, first);
            let valid: Vec<bool> = parsed.iter().map(Option::is_some).collect();
            let checked = catalog_checks::allow_actions_shared(
                written, arns, &valid, unsafe_ok, memos, diags,
            );
            actions = checked.on_arns;
            star_only = checked.star_only;
            if !conds.is_empty() {
                let all: BTreeSet<String> =
                    actions.iter().chain(star_only.iter()).cloned().collect();
                super::conditions::check_grant_conditions(conds, deny, diags);
                for c in conds {
                    for v in &c.values {
                        uses_variables |= check_variables(v, shared_irsa, diags);
                    }
                    let Some((key, uses)) = check_key_variables(&c.key, owner, diags) else {
                        continue;
                    };
                    uses_variables |= uses;
                    let Some(op) = c.iam_operator() else {
                        continue;
                    };
                    if catalog_checks::condition_key_as(c, &key, &all, arns, diags) {
                        conditions.push((
                            op,
                            c.key.node.clone(),
                            c.values.iter().map(|v| v.node.clone()).collect(),
                        ));
                    }
                }
            }
        }
    }

    if !unsafe_ok {
        role_on_wide_arns(&actions, arns, &parsed, diags);
    }
    let after = diags.iter().filter(|d| d.is_error()).count();
    if after > before {
        return Vec::new();
    }
    let unsafe_reason = g.unsafe_reason.as_ref().map(|r| r.node.clone());
    let mut out = Vec::new();
    let star = (!star_only.is_empty()).then(|| CheckedGrant {
        label: format!("{label}AnyResource"),
        actions: star_only,
        resources: Vec::new(),
        conditions: conditions.clone(),
        deny,
        unsafe_reason: unsafe_reason.clone(),
        uses_variables,
        span: g.span,
    });
    if !actions.is_empty() {
        out.push(CheckedGrant {
            label,
            actions,
            resources,
            conditions,
            deny,
            unsafe_reason,
            uses_variables,
            span: g.span,
        });
    }
    out.extend(star);
    out
}

/// Replace the variables of one string; `${cluster}` and `${region}` may give several strings.
pub fn substitute(text: &str, vars: &Vars<'_>) -> Vec<String> {
    match vars {
        Vars::SessionTags { regions, account } => {
            if !text.contains("${") {
                return vec![text.to_string()];
            }
            let base = text
                .replace("${namespace}", "${aws:PrincipalTag/kubernetes-namespace}")
                .replace(
                    "${service_account}",
                    "${aws:PrincipalTag/kubernetes-service-account}",
                )
                .replace("${cluster}", "${aws:PrincipalTag/eks-cluster-name}")
                .replace("${account}", account);
            each_region(base, regions.iter())
        }
        // Most ARNs and values have no variable at all.
        Vars::Literal { .. } if !text.contains("${") => vec![text.to_string()],
        Vars::Literal {
            namespace,
            service_account,
            clusters,
            regions,
            account,
            cluster_tag,
        } => {
            let base = text
                .replace("${namespace}", namespace)
                .replace("${service_account}", service_account)
                .replace("${account}", account);
            if *cluster_tag && clusters.len() > 1 {
                each_region(
                    base.replace("${cluster}", "${aws:PrincipalTag/eks-cluster-name}"),
                    regions.iter(),
                )
            } else if base.contains("${cluster}") {
                // Each cluster with its own region.
                let mut out: Vec<String> = clusters
                    .iter()
                    .zip(regions.iter())
                    .map(|(c, r)| base.replace("${cluster}", c).replace("${region}", r))
                    .collect();
                out.dedup();
                out
            } else {
                each_region(base, regions.iter())
            }
        }
    }
}

/// `text` with `${region}` replaced by each of `regions` (each distinct value once); `text`
/// itself when it has none.
fn each_region<'r>(text: String, regions: impl Iterator<Item = &'r String>) -> Vec<String> {
    if !text.contains("${region}") {
        return vec![text];
    }
    let distinct: BTreeSet<&String> = regions.collect();
    distinct
        .into_iter()
        .map(|r| text.replace("${region}", r))
        .collect()
}

/// The statements of one grant in one role (their `sid`s are set when the policy is
/// assembled). One statement, except in an app's own role on several clusters when a condition
/// key holds `${cluster}`: IAM ANDs the keys of a statement and replaces no variable in them,
/// so each cluster gets its own statement, its key and every other `${cluster}` of the grant
/// replaced by that cluster (`Sid` suffixed with the cluster's name). Such a role is a Pod
/// Identity role with session tags (the others are one role per cluster), so each statement
/// is also limited to its cluster's pods: `StringEquals` on `aws:PrincipalTag/eks-cluster-name`
/// (a statement whose own condition on that tag excludes its cluster is dropped).
pub fn instantiate(g: &CheckedGrant, vars: &Vars<'_>) -> Vec<crate::ir::Statement> {
    match vars {
        Vars::Literal {
            namespace,
            service_account,
            clusters,
            regions,
            account,
            cluster_tag,
        } if g.conditions.iter().any(|(_, k, _)| {
            k.contains("${cluster}")
                || (k.contains("${region}") && regions.iter().any(|r| *r != regions[0]))
        }) =>
        {
            let limit = *cluster_tag && clusters.len() > 1;
            clusters
                .iter()
                .zip(regions.iter())
                .filter_map(|(c, r)| {
                    let mut s = instantiate_one(
                        g,
                        &Vars::Literal {
                            namespace,
                            service_account,
                            clusters: std::slice::from_ref(c),
                            regions: std::slice::from_ref(r),
                            account,
                            cluster_tag: false,
                        },
                    );
                    if limit && !limit_to_cluster(&mut s, c) {
                        return None;
                    }
                    capitalize_into(&mut s.sid, c);
                    Some(s)
                })
                .collect()
        }
        _ => vec![instantiate_one(g, vars)],
    }
}

/// Limit a statement to the pods of one cluster: `StringEquals` `aws:PrincipalTag/eks-cluster-name`
/// = its EKS name, ANDed with the statement's other keys. A grant's own `==` on that tag (keys
/// are case-insensitive) keeps only that name; false when it excludes it (the statement could
/// never match).
fn limit_to_cluster(s: &mut crate::ir::Statement, eks_name: &str) -> bool {
    let eq = s.conditions.entry("StringEquals".to_string()).or_default();
    let own = eq
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case(CLUSTER_TAG))
        .map(|(_, v)| v);
    match own {
        Some(values) if !values.contains(eks_name) => false,
        Some(values) => {
            *values = BTreeSet::from([eks_name.to_string()]);
            true
        }
        None => {
            eq.insert(
                CLUSTER_TAG.to_string(),
                BTreeSet::from([eks_name.to_string()]),
            );
            true
        }
    }
}

/// One statement of a grant, with its variables replaced as `vars` says (a key's variables
/// are replaced only by literal values: [`check_key_variables`] refuses the others).
fn instantiate_one(g: &CheckedGrant, vars: &Vars<'_>) -> crate::ir::Statement {
    let resources: BTreeSet<String> = if g.resources.is_empty() {
        BTreeSet::from(["*".to_string()])
    } else {
        let mut set = BTreeSet::new();
        for r in &g.resources {
            // Most ARNs have no variable: copied, without a vector of one.
            if matches!(vars, Vars::Literal { .. }) && !r.contains("${") {
                set.insert(r.clone());
            } else {
                set.extend(substitute(r, vars));
            }
        }
        set
    };
    let mut conditions: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (op, key, values) in &g.conditions {
        let key = match vars {
            Vars::Literal { .. } if key.contains("${") => {
                substitute(key, vars).into_iter().next().unwrap_or_default()
            }
            _ => key.clone(),
        };
        let entry = conditions
            .entry(op.clone())
            .or_default()
            .entry(key)
            .or_default();
        for v in values {
            entry.extend(substitute(v, vars));
        }
    }
    crate::ir::Statement {
        sid: g.label.clone(),
        actions: (*g.actions).clone(),
        resources,
        conditions,
        deny: g.deny,
        unsafe_reasons: g.unsafe_reason.iter().cloned().collect(),
        sources: vec![g.span],
        origins: crate::ir::Origins::from_grant(g.actions.iter(), g.span),
    }
}

/// Merge statements with the same resources and conditions (their actions are united, the
/// first `Sid` in order is kept), sort them, and give each a unique, readable `Sid`.
pub fn assemble(statements: Vec<crate::ir::Statement>) -> Vec<crate::ir::Statement> {
    // Statements with the same resources and conditions end up side by side (a stable sort
    // by reference, no key copied); merging is order-independent (sets, the least `Sid`), and
    // the result is sorted below by a key that tells the merged statements apart.
    let mut statements = statements;
    statements.sort_by(|a, b| {
        (a.deny, &a.resources, &a.conditions).cmp(&(b.deny, &b.resources, &b.conditions))
    });
    let mut merged: Vec<crate::ir::Statement> = Vec::with_capacity(statements.len());
    for s in statements {
        match merged.last_mut() {
            Some(m)
                if m.deny == s.deny
                    && m.resources == s.resources
                    && m.conditions == s.conditions =>
            {
                m.actions.extend(s.actions);
                m.unsafe_reasons.extend(s.unsafe_reasons);
                m.sources.extend(s.sources);
                m.origins.merge(s.origins);
                if s.sid < m.sid {
                    m.sid = s.sid;
                }
            }
            _ => merged.push(s),
        }
    }
    let mut statements = merged;
    for s in &mut statements {
        s.sources.sort();
        s.sources.dedup();
    }
    statements.sort_by(|a, b| {
        (&a.sid, &a.actions, &a.resources, &a.conditions).cmp(&(
            &b.sid,
            &b.actions,
            &b.resources,
            &b.conditions,
        ))
    });
    statements.dedup_by(|b, a| {
        a.sid == b.sid
            && a.deny == b.deny
            && a.actions == b.actions
            && a.resources == b.resources
            && a.conditions == b.conditions
    });
    // Sorted by `Sid` first: the statements sharing one are side by side, numbered 1, 2, …
    // in that order.
    let mut start = 0;
    while start < statements.len() {
        let end = start
            + statements[start..]
                .iter()
                .take_while(|s| s.sid == statements[start].sid)
                .count();
        if end - start > 1 {
            for (n, s) in statements[start..end].iter_mut().enumerate() {
                s.sid = format!("{}{}", s.sid, n + 1);
            }
        }
        start = end;
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_found() {
        let v = variables("arn:aws:s3:::b/${namespace}/${aws:username}/${x");
        let names: Vec<&str> = v.iter().map(|x| x.2).collect();
        assert_eq!(names, ["namespace", "aws:username", "x"]);
    }

    #[test]
    fn substitution() {
        let clusters = vec!["a".to_string(), "b".to_string()];
        let regions = vec!["us-west-2".to_string(), "eu-west-1".to_string()];
        let same = vec!["us-west-2".to_string(), "us-west-2".to_string()];
        let lit = Vars::Literal {
            namespace: "ns",
            service_account: "sa",
            clusters: &clusters,
            regions: &same,
            account: "111122223333",
            cluster_tag: false,
        };
        assert_eq!(
            substitute("x/${namespace}/${service_account}", &lit),
            ["x/ns/sa"]
        );
        assert_eq!(substitute("x/${cluster}", &lit), ["x/a", "x/b"]);
        assert_eq!(
            substitute("arn:aws:ec2:${region}:${account}:volume/*", &lit),
            ["arn:aws:ec2:us-west-2:111122223333:volume/*"]
        );
        let tagged = Vars::Literal {
            namespace: "ns",
            service_account: "sa",
            clusters: &clusters,
            regions: &regions,
            account: "111122223333",
            cluster_tag: true,
        };
        assert_eq!(
            substitute("x/${cluster}/${namespace}", &tagged),
            ["x/${aws:PrincipalTag/eks-cluster-name}/ns"]
        );
        // Each region of the role's clusters, once.
        assert_eq!(
            substitute("arn:aws:sqs:${region}:${account}:q", &tagged),
            [
                "arn:aws:sqs:eu-west-1:111122223333:q",
                "arn:aws:sqs:us-west-2:111122223333:q"
            ]
        );
        // With `${cluster}` fanned out, each cluster with its own region (never `a` in
        // eu-west-1).
        let fanned = Vars::Literal {
            namespace: "ns",
            service_account: "sa",
            clusters: &clusters,
            regions: &regions,
            account: "111122223333",
            cluster_tag: false,
        };
        assert_eq!(
            substitute(
                "arn:aws:eks:${region}:${account}:nodegroup/${cluster}/*",
                &fanned
            ),
            [
                "arn:aws:eks:us-west-2:111122223333:nodegroup/a/*",
                "arn:aws:eks:eu-west-1:111122223333:nodegroup/b/*"
            ]
        );
        let one = Vars::Literal {
            namespace: "ns",
            service_account: "sa",
            clusters: &clusters[..1],
            regions: &regions[..1],
            account: "111122223333",
            cluster_tag: true,
        };
        assert_eq!(substitute("x/${cluster}", &one), ["x/a"]);
        let tags = Vars::SessionTags {
            regions: &regions,
            account: "111122223333",
        };
        assert_eq!(
            substitute("x/${namespace}", &tags),
            ["x/${aws:PrincipalTag/kubernetes-namespace}"]
        );
        assert_eq!(
            substitute("arn:aws:logs:${region}:${account}:log-group:/eks/${cluster}/*", &tags),
            [
                "arn:aws:logs:eu-west-1:111122223333:log-group:/eks/${aws:PrincipalTag/eks-cluster-name}/*",
                "arn:aws:logs:us-west-2:111122223333:log-group:/eks/${aws:PrincipalTag/eks-cluster-name}/*"
            ]
        );
    }

    /// The name as it was made before `resource_name_into` (segments collected as strings).
    fn resource_name_reference(arn: &str) -> String {
        let Ok(arn) = values::arn(arn) else {
            return String::new();
        };
        let segments: Vec<String> = arn
            .resource
            .split(['/', ':'])
            .filter(|s| !s.contains("${"))
            .map(|s| s.replace(['*', '?'], ""))
            .filter(|s| s.chars().any(|c| c.is_ascii_alphanumeric()))
            .collect();
        let pick = if arn.service == "s3" {
            segments.first()
        } else if segments.last().is_some_and(|s| s.len() > 24) && segments.len() > 1 {
            segments.get(segments.len() - 2)
        } else {
            segments.last()
        };
        capitalize(&pick.cloned().unwrap_or_default())
    }

    #[test]
    fn resource_names() {
        for arn in [
            "arn:aws:s3:::team-0003-svc-00150-data/*",
            "arn:aws:s3:::*/x",
            "arn:aws:s3:::b*c?d/e",
            "arn:aws:dynamodb:us-east-1:1:table/carts",
            "arn:aws:dynamodb:us-east-1:1:table/carts/",
            "arn:aws:kms:us-east-1:1:key/0123456789abcdef0123456789abcdef",
            "arn:aws:kms:us-east-1:1:key/0123456789abcdef01234*56789ab",
            "arn:aws:kms:us-east-1:1:0123456789abcdef0123456789abcdef",
            "arn:aws:secretsmanager:us-east-1:1:secret:team/app/db-*",
            "arn:aws:sqs:us-east-1:1:q-${namespace}",
            "arn:aws:sqs:us-east-1:1:${namespace}",
            "arn:aws:logs:eu-west-1:1:log-group:/aws/x:*",
            "arn:aws:sqs:us-east-1:1:ünï-côdé",
            "arn:aws:sqs:us-east-1:1:/:/",
            "not an arn",
        ] {
            let mut name = String::new();
            resource_name_into(&mut name, values::arn(arn).ok().as_ref());
            assert_eq!(name, resource_name_reference(arn), "{arn}");
        }
    }

    #[test]
    fn labels() {
        assert_eq!(capitalize("s3"), "S3");
        assert_eq!(capitalize("secretsmanager"), "Secretsmanager");
        assert_eq!(capitalize("kafka-cluster"), "KafkaCluster");
        assert_eq!(capitalize("a1-b2__c"), "A1B2C");
        assert_eq!(capitalize("ünï-x"), "NX");
    }
}
