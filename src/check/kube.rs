//! Kubernetes rules: verbs and resources checked against the API table, grouped by API group.

use std::collections::BTreeMap;

use crate::ast::K8sRule;
use crate::diagnostics::{Code, Diag};
use crate::ir::PolicyRule;
use crate::kube::{self, ResolveError};

/// Check the rules of one block. `namespaced` is false for `kubernetes cluster { }`.
pub fn check_rules(rules: &[K8sRule], namespaced: bool, diags: &mut Vec<Diag>) -> Vec<PolicyRule> {
    let mut out = Vec::new();
    for rule in rules {
        out.extend(check_rule(rule, namespaced, diags));
    }
    out
}

fn check_rule(rule: &K8sRule, namespaced: bool, diags: &mut Vec<Diag>) -> Vec<PolicyRule> {
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
        for v in &rule.verbs {
            if kube::verb_ignores_resource_names(&v.node) {
                let (message, help) = match v.node.as_str() {
                    "create" | "deletecollection" => (
                        format!("a rule with `named` never grants `{}`", v.node),
                        format!(
                            "Kubernetes does not know the object's name when it authorizes `{}`, so a rule with resource names never matches it; grant `{}` in a rule without `named`",
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
    // Escalation paths (W302–W308), unless the rule says `unsafe "reason"`.
    crate::lint::rbac::check_rule(rule, namespaced, diags);
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
