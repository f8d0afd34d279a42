//! Variables in Kubernetes resource names (`named "${service_account}-config"`).
//!
//! An app's rules may use `${namespace}`, `${service_account}` and `${cluster}` in a `named`
//! resource name, as its ARNs do: [`substitute`] replaces the first two by the app's values and
//! [`substitute_cluster`] the last by each cluster's EKS name, as the rules are copied per
//! cluster. Any other `${…}` — and every variable in an `access`'s rules, which belong to no app —
//! is E118: Kubernetes compares `resourceNames` as written, so a variable left in would silently
//! match nothing.

use crate::ast::K8sRule;
use crate::check::aws;

/// The variables a resource name may use: the app's own (a cluster's region and account have no
/// place in a Kubernetes name).
const VARIABLES: &[&str] = &["namespace", "service_account", "cluster"];
use crate::diagnostics::{Code, Diag};
use crate::ir::PolicyRule;

/// E118 for each `${…}` in the resource names of `rules` that is not allowed: in an app
/// (`in_app`), any but the three variables; in an access, every one.
pub fn check(rules: &[K8sRule], in_app: bool, diags: &mut Vec<Diag>) {
    for name in rules.iter().flat_map(|r| &r.names) {
        if !name.node.contains("${") {
            continue;
        }
        for (start, end, var) in aws::variables(&name.node) {
            let span = aws::sub_span(name, start, end);
            if !name.node[start..end].ends_with('}') {
                diags.push(
                    Diag::new(Code::E118, "unclosed `${` in a resource name")
                        .at(span)
                        .label("no closing `}`")
                        .help(format!("write `${{{var}}}`")),
                );
            } else if !in_app {
                diags.push(
                    Diag::new(Code::E118, format!("variable `${{{var}}}` in an access's resource name"))
                        .at(span)
                        .label("an access belongs to no app")
                        .help("an access has no namespace, service account or cluster of its own: write the name itself"),
                );
            } else if !VARIABLES.contains(&var) {
                diags.push(
                    Diag::new(Code::E118, format!("unknown variable `${{{var}}}` in a resource name"))
                        .at(span)
                        .label("not replaced: Kubernetes would compare it as written")
                        .help(match crate::suggest::closest(var, VARIABLES.iter().copied()) {
                            Some(v) => format!("did you mean `${{{v}}}`?"),
                            None => "a resource name may use `${namespace}`, `${service_account}` and `${cluster}`, which accessc replaces by the app's values".to_string(),
                        }),
                );
            }
        }
    }
}

/// Replace `${namespace}` and `${service_account}` in the rules' resource names.
pub fn substitute(rules: &mut [PolicyRule], namespace: &str, service_account: &str) {
    for n in rules.iter_mut().flat_map(|r| r.resource_names.iter_mut()) {
        if n.contains("${") {
            *n = n
                .replace("${namespace}", namespace)
                .replace("${service_account}", service_account);
        }
    }
}

/// The rules with `${cluster}` in their resource names replaced by `eks_name`; `None` when no
/// name uses it (the rules are then used as they are).
pub fn substitute_cluster(rules: &[PolicyRule], eks_name: &str) -> Option<Vec<PolicyRule>> {
    if !rules
        .iter()
        .flat_map(|r| &r.resource_names)
        .any(|n| n.contains("${cluster}"))
    {
        return None;
    }
    let mut out = rules.to_vec();
    for n in out.iter_mut().flat_map(|r| r.resource_names.iter_mut()) {
        *n = n.replace("${cluster}", eks_name);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(names: &[&str]) -> PolicyRule {
        PolicyRule {
            api_groups: vec![String::new()],
            resources: vec!["configmaps".into()],
            resource_names: names.iter().map(|s| s.to_string()).collect(),
            verbs: vec!["get".into()],
        }
    }

    #[test]
    fn replaced_per_app_and_cluster() {
        let mut rules = vec![rule(&[
            "${service_account}-config",
            "${namespace}.x",
            "plain",
        ])];
        substitute(&mut rules, "payments", "api");
        assert_eq!(
            rules[0].resource_names,
            ["api-config", "payments.x", "plain"]
        );
        assert!(substitute_cluster(&rules, "prod").is_none());
        let rules = vec![rule(&["${cluster}-lock"])];
        let per = substitute_cluster(&rules, "prod-eks").unwrap();
        assert_eq!(per[0].resource_names, ["prod-eks-lock"]);
    }
}
