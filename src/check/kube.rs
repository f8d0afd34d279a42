//! Kubernetes rules: verbs and resources checked against the API table, grouped by API group.
//! The escalation paths of a rule (W302–W314) are a lint pass over the checked rules
//! (`lint::rbac::check_rules`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::memo::Memos;

use crate::ast::K8sRule;
use crate::diagnostics::{Code, Diag};
use crate::ir::PolicyRule;
use crate::kube::{self, ResolveError};

/// Check the rules of one block. `namespaced` is false for `kubernetes cluster { }`.
pub fn check_rules(
    rules: &[K8sRule],
    namespaced: bool,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for rule in rules {
        out.extend(check_rule(rule, namespaced, memos, diags));
    }
    out
}

/// The memo key of a rule: everything its result depends on but the resource names' text.
///
/// [`check_rule_uncached`] reads the verbs and resources by their text and in order, whether
/// the rule is namespaced, whether it has an `unsafe` reason and whether it names resources; the names' text only goes into each rule's
/// `resource_names`. The spans only go into diagnostics, and only rules that gave none are
/// memoised.
fn rule_key(rule: &K8sRule, namespaced: bool) -> Vec<u8> {
    let mut key = Vec::with_capacity(64);
    key.push(u8::from(namespaced));
    key.push(u8::from(rule.unsafe_reason.is_some()));
    key.push(u8::from(rule.names.is_empty()));
    for v in &rule.verbs {
        key.extend_from_slice(v.node.as_bytes());
        key.push(0xFF); // never in UTF-8
    }
    key.push(0xFE); // never in UTF-8: verbs end
    for r in &rule.resources {
        key.extend_from_slice(r.node.as_bytes());
        key.push(0xFF);
    }
    key
}

/// The policy rules of one rule, from the context's memo ([`Memos::rules`]) when an earlier
/// rule with the same key ([`rule_key`]) gave no diagnostic: every app of a large program
/// writes the same rules. A memo hit adds no diagnostic (the same key gives none again) and
/// gets this rule's resource names.
fn check_rule(
    rule: &K8sRule,
    namespaced: bool,
    memos: &Memos,
    diags: &mut Vec<Diag>,
) -> Vec<PolicyRule> {
    let memo = &memos.rules;
    let key = rule_key(rule, namespaced);
    if let Some(found) = memo.get(&key) {
        let names: Vec<String> = rule.names.iter().map(|n| n.node.clone()).collect();
        return found
            .iter()
            .map(|p| PolicyRule {
                api_groups: p.api_groups.clone(),
                resources: p.resources.clone(),
                resource_names: names.clone(),
                verbs: p.verbs.clone(),
            })
            .collect();
    }
    let before = diags.len();
    let out = check_rule_uncached(rule, namespaced, diags);
    if diags.len() == before {
        let stored = out
            .iter()
            .map(|p| PolicyRule {
                resource_names: Vec::new(),
                ..p.clone()
            })
            .collect();
        memo.insert(key, Arc::new(stored));
    }
    out
}

fn check_rule_uncached(rule: &K8sRule, namespaced: bool, diags: &mut Vec<Diag>) -> Vec<PolicyRule> {
    let before = diags.iter().filter(|d| d.is_error()).count();
    let mut verbs: Vec<String> = Vec::new();
    for v in &rule.verbs {
        if !kube::is_verb(&v.node) {
            let suggestion = crate::suggest::closest(&v.node, kube::VERBS.iter().copied());
            diags.push(
                Diag::new(Code::E301, format!("`{}` is not a Kubernetes verb", v.node))
                    .at(v.span)
                    .label("unknown verb")
                    .help(match suggestion {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("verbs are {}", kube::VERBS.join(", ")),
                    }),
            );
        } else if !verbs.contains(&v.node) {
            verbs.push(v.node.clone());
        }
    }
    if !rule.names.is_empty() {
        // A subresource is requested on a named object (`create pods/exec` on pod NAME), so
        // names do restrict `create` there: only the rule's whole resources are reported.
        let whole: Vec<&str> = rule
            .resources
            .iter()
            .map(|r| r.node.as_str())
            .filter(|r| !r.contains('/'))
            .collect();
        for v in &rule.verbs {
            if v.node == "create" && whole.is_empty() {
                continue;
            }
            if kube::verb_ignores_resource_names(&v.node) {
                let (message, help) = match v.node.as_str() {
                    "create" | "deletecollection" => (
                        format!(
                            "a rule with `named` never grants `{}` on {}",
                            v.node,
                            if whole.is_empty() {
                                rule.resources.iter().map(|r| r.node.as_str()).collect()
                            } else {
                                whole.clone()
                            }
                            .iter()
                            .map(|r| format!("`{r}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                        ),
                        format!(
                            "Kubernetes does not know the new object's name when it authorizes `{}` on a resource, so a rule with resource names never matches it (it does on a subresource such as `pods/exec`, requested on a named object); grant `{}` in a rule without `named`",
                            v.node, v.node
                        ),
                    ),
                    _ => (
                        format!("`named` limits `{}` to requests for a single name", v.node),
                        format!(
                            "`{}` with resource names is allowed only when the request selects one of the names (`fieldSelector=metadata.name=…`); clients that {} the whole collection are denied. Move `{}` to a rule without `named` if the app needs that",
                            v.node, v.node, v.node
                        ),
                    ),
                };
                diags.push(
                    Diag::new(Code::W301, message)
                        .at(v.span)
                        .label("resource names do not restrict this verb as expected")
                        .help(help),
                );
            }
        }
    }
    // api group -> resources, in source order
    let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut group_order: Vec<String> = Vec::new();
    for r in &rule.resources {
        match kube::resolve(&r.node) {
            Ok(res) => {
                // A cluster block may name namespaced resources: it grants them in every namespace.
                if namespaced && res.namespaced() == Some(false) {
                    diags.push(
                        Diag::new(
                            Code::E303,
                            format!(
                                "`{}` is cluster-scoped and cannot be granted in a namespace",
                                r.node
                            ),
                        )
                        .at(r.span)
                        .label("cluster-scoped resource")
                        .help("grant it in a `kubernetes cluster { … }` block (a ClusterRole)"),
                    );
                    continue;
                }
                let group = res.group().to_string();
                if !group_order.contains(&group) {
                    group_order.push(group.clone());
                }
                let list = by_group.entry(group).or_default();
                let name = res.rbac_resource();
                if !list.contains(&name) {
                    list.push(name);
                }
            }
            Err(e) => {
                let (code, help) = match &e {
                    ResolveError::UnknownResource { suggestion, .. } => (
                        Code::E302,
                        match suggestion {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "resources outside the built-in API groups are written `plural.group`, e.g. `certificates.cert-manager.io`".into(),
                        },
                    ),
                    ResolveError::UnknownGroupResource { suggestion, group, .. } => (
                        Code::E302,
                        match suggestion {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!("`{group}` is a built-in API group; check the resource's plural name"),
                        },
                    ),
                    ResolveError::UnknownSubresource { known, .. } => (
                        Code::E304,
                        if known.is_empty() {
                            "this resource has no subresources".to_string()
                        } else {
                            format!("its subresources are {}", known.join(", "))
                        },
                    ),
                    ResolveError::InvalidName { .. } => (
                        Code::E302,
                        "resources are plural lowercase names such as `pods`, `pods/log` or `certificates.cert-manager.io`".to_string(),
                    ),
                };
                let message = match &e {
                    ResolveError::UnknownResource { name, .. } => {
                        format!("`{name}` is not a known Kubernetes resource")
                    }
                    ResolveError::UnknownGroupResource { name, group, .. } => {
                        format!("API group `{group}` has no resource `{name}`")
                    }
                    ResolveError::UnknownSubresource { resource, sub, .. } => {
                        format!("`{resource}` has no subresource `{sub}`")
                    }
                    ResolveError::InvalidName { name, reason } => {
                        format!("`{name}` is not a resource name: {reason}")
                    }
                };
                diags.push(
                    Diag::new(code, message)
                        .at(r.span)
                        .label("unknown")
                        .help(help),
                );
            }
        }
    }
    let after = diags.iter().filter(|d| d.is_error()).count();
    if after > before || verbs.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = rule.names.iter().map(|n| n.node.clone()).collect();
    group_order
        .into_iter()
        .filter_map(|g| {
            let resources = by_group.remove(&g)?;
            Some(PolicyRule {
                api_groups: vec![g],
                resources,
                resource_names: names.clone(),
                verbs: verbs.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{Span, Spanned};

    fn words(ws: &[&str], at: usize) -> Vec<Spanned<String>> {
        ws.iter()
            .enumerate()
            .map(|(i, w)| {
                Spanned::new(
                    w.to_string(),
                    Span::new(Default::default(), at + i, at + i + 1),
                )
            })
            .collect()
    }

    fn rule(verbs: &[&str], resources: &[&str], names: &[&str], at: usize) -> K8sRule {
        K8sRule {
            verbs: words(verbs, at),
            resources: words(resources, at + 10),
            names: words(names, at + 20),
            unsafe_reason: None,
            span: Span::new(Default::default(), at, at + 30),
        }
    }

    fn diag_text(d: &[Diag]) -> Vec<String> {
        d.iter().map(|d| format!("{d:?}")).collect()
    }

    /// A memo hit gives what checking the rule afresh gives: its own resource names, and the
    /// diagnostics (at its own spans) of rules that have some.
    #[test]
    fn memo_same_as_uncached() {
        let cases: &[(&[&str], &[&str], &[&str])] = &[
            (&["get", "list", "watch"], &["configmaps"], &[]),
            (&["get"], &["secrets"], &["a-db"]),
            (&["get"], &["secrets"], &["b-db", "c"]),
            (&["get"], &["secrets"], &[]),
            (
                &["create", "patch"],
                &["events", "pods", "deployments"],
                &[],
            ),
            (&["list"], &["secrets"], &["x"]),
            (&["list"], &["secrets"], &[]),
            (&["gett"], &["pods"], &[]),
            (&["get"], &["podz"], &[]),
            (&["*"], &["*"], &[]),
            (&["get"], &["nodes"], &[]),
            (&["create"], &["pods/exec"], &[]),
        ];
        let memos = Memos::default();
        for namespaced in [true, false] {
            for round in 0..3 {
                for (i, (v, r, n)) in cases.iter().enumerate() {
                    let at = 1000 * round + 40 * i;
                    let mut k = rule(v, r, n, at);
                    for unsafe_reason in [None, Some(Spanned::new("ok".to_string(), k.span))] {
                        k.unsafe_reason = unsafe_reason;
                        let (mut d1, mut d2) = (vec![], vec![]);
                        let fresh = check_rule_uncached(&k, namespaced, &mut d1);
                        let memo = check_rule(&k, namespaced, &memos, &mut d2);
                        assert_eq!(fresh, memo, "{v:?} {r:?} {n:?}");
                        assert_eq!(diag_text(&d1), diag_text(&d2), "{v:?} {r:?} {n:?}");
                    }
                }
            }
        }
    }
}
