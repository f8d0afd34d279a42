//! Several EKS access policies per access: the level settings `view = cluster`,
//! `edit = namespaces [payments]` (one per level) next to, or instead of, `policy` + `scope`.
//!
//! EKS allows several access policy associations per access entry, one per policy: associating a
//! policy again replaces its scope. So each level is given at most once, with its own scope —
//! which is why the level is the setting's key (`edit = namespaces [payments]` reads "edit, in
//! the namespaces payments") — and `policy = edit` plus `edit = …` is the same association twice
//! (E412). An association that another one already gives — the same or a stronger level
//! (`view` < `edit` < `admin` < `cluster_admin`) on a scope that covers it — is E412 too: it would
//! be dead configuration that a reviewer could read as a limit.
//!
//! The associations are lowered in a fixed order: the `policy` one first, then the level
//! settings from `cluster_admin` to `view`; the first keeps the access's file name
//! (`NAME.associate-access-policy.json`), the next are `NAME.LEVEL.…`.

use crate::ast::{Span, Spanned, Value};
use crate::diagnostics::{Code, Diag};
use crate::ir::{AccessPolicy, AccessScope};

use super::resolve::Symbols;
use super::settings::{self, Settings};
use super::values;

/// The level settings of an access, strongest first (the lowering order).
pub const LEVEL_SETTINGS: &[&str] = &["cluster_admin", "admin", "edit", "view"];

/// One access policy association of an access.
pub(crate) struct Association {
    pub(crate) policy: Spanned<AccessPolicy>,
    pub(crate) scope: AccessScope,
    /// The namespaces as written (for spans).
    pub(crate) scope_items: Vec<Spanned<String>>,
}

fn level(word: &str) -> AccessPolicy {
    match word {
        "cluster_admin" => AccessPolicy::ClusterAdmin,
        "admin" => AccessPolicy::Admin,
        "edit" => AccessPolicy::Edit,
        _ => AccessPolicy::View,
    }
}

/// How strong a policy is: each includes the weaker ones.
fn rank(p: AccessPolicy) -> u8 {
    match p {
        AccessPolicy::View => 0,
        AccessPolicy::Edit => 1,
        AccessPolicy::Admin => 2,
        AccessPolicy::ClusterAdmin => 3,
    }
}

/// A scope value, `cluster` or `namespaces [a, b]`, of setting `key`; `None` when it is
/// neither (E109 given).
pub(crate) fn parse_scope(
    key: &str,
    v: &Spanned<Value>,
    syms: &Symbols<'_>,
    diags: &mut Vec<Diag>,
) -> Option<(AccessScope, Vec<Spanned<String>>)> {
    match &v.node {
        Value::Word(w) if w == "cluster" => Some((AccessScope::Cluster, Vec::new())),
        Value::WordList(w, items) if w == "namespaces" => {
            let scope_items = settings::list_items(items);
            if scope_items.is_empty() {
                diags.push(
                    Diag::new(Code::E407, format!("`{key} = namespaces []` names no namespace"))
                        .at(v.span)
                        .label("empty")
                        .help(format!("a namespace-scoped access policy needs at least one namespace: list them, or write `{key} = cluster`")),
                );
            }
            for item in &scope_items {
                if values::check_k8s_name(item, "invalid namespace name", diags) {
                    syms.known_namespace(item, diags);
                }
            }
            let scope =
                AccessScope::Namespaces(scope_items.iter().map(|i| i.node.clone()).collect());
            Some((scope, scope_items))
        }
        other => {
            let found = match other {
                Value::Word(w) => format!("`{w}`"),
                Value::WordList(w, _) => format!("`{w} […]`"),
                other => other.describe().to_string(),
            };
            diags.push(
                Diag::new(
                    Code::E109,
                    format!("`{key}` must be `cluster` or `namespaces [NS, …]`, found {found}"),
                )
                .at(v.span)
                .label("not a scope")
                .help(format!(
                    "write `{key} = cluster` or `{key} = namespaces [payments, billing]`"
                )),
            );
            None
        }
    }
}

/// The associations of the level settings (`view = cluster`, …), strongest level first.
pub(crate) fn levels(
    s: &Settings<'_>,
    syms: &Symbols<'_>,
    diags: &mut Vec<Diag>,
) -> Vec<Association> {
    let mut out = Vec::new();
    for key in LEVEL_SETTINGS {
        let (Some(v), Some(span)) = (s.raw(key), s.span(key)) else {
            continue;
        };
        if let Some((scope, scope_items)) = parse_scope(key, v, syms, diags) {
            out.push(Association {
                policy: Spanned::new(
                    level(key),
                    Span::new(
                        span.file,
                        span.start as usize,
                        span.start as usize + key.len(),
                    ),
                ),
                scope,
                scope_items,
            });
        }
    }
    out
}

/// Whether scope `a` includes every namespace of scope `b`.
fn covers(a: &AccessScope, b: &AccessScope) -> bool {
    match (a, b) {
        (AccessScope::Cluster, _) => true,
        (AccessScope::Namespaces(_), AccessScope::Cluster) => false,
        (AccessScope::Namespaces(x), AccessScope::Namespaces(y)) => y.is_subset(x),
    }
}

/// E412 for a level given twice and for an association another one already gives. `all`: the
/// access's associations in lowering order (`policy` first).
pub(crate) fn check_overlaps(name: &str, all: &[&Association], diags: &mut Vec<Diag>) {
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            if i == j {
                continue;
            }
            let same = a.policy.node == b.policy.node;
            // Report a pair once: a level twice at the second; a covered association at itself.
            if same && j < i {
                diags.push(
                    Diag::new(
                        Code::E412,
                        format!("access `{name}` associates `{}` twice", a.policy.node.keyword()),
                    )
                    .at(a.policy.span)
                    .label("again")
                    .related(b.policy.span, "first here")
                    .help(format!(
                        "EKS keeps one scope per access policy: give `{}` once, with every namespace in its scope",
                        a.policy.node.keyword()
                    )),
                );
                break;
            }
            if !same && rank(b.policy.node) > rank(a.policy.node) && covers(&b.scope, &a.scope) {
                diags.push(
                    Diag::new(
                        Code::E412,
                        format!(
                            "access `{name}`: `{}` adds nothing to `{}`",
                            a.policy.node.keyword(),
                            b.policy.node.keyword()
                        ),
                    )
                    .at(a.policy.span)
                    .label("already granted")
                    .related(b.policy.span, "includes it, on a scope that covers it")
                    .help(format!(
                        "`{}` includes every permission of `{}`: remove `{}`, or narrow the scope of `{}`",
                        b.policy.node.keyword(),
                        a.policy.node.keyword(),
                        a.policy.node.keyword(),
                        b.policy.node.keyword()
                    )),
                );
                break;
            }
        }
    }
}
