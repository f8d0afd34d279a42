//! Kubernetes RBAC rules that hand out more than they read as (W302–W308): `escalate`, `bind`,
//! `impersonate`, `*`, `secrets` list/watch, `pods/exec` (attach, portforward), `nodes/proxy`,
//! `create pods`. The checker warns about them ([`check_rule`], called for every rule); a rule
//! with `unsafe "reason"` is accepted, and `accessc lint` lists it as a note ([`notes`]).

use crate::ast::{Decl, K8sRule, K8sTarget, Program, Span};
use crate::diagnostics::{Code, Diag};
use crate::kube::{self, Resolved};

/// One risky permission of a rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hazard {
    /// The rule's code.
    pub code: Code,
    /// Where (the verb or resource).
    pub span: Span,
    /// What it allows.
    pub message: String,
    /// What to do.
    pub help: String,
}

fn where_(namespaced: bool) -> &'static str {
    if namespaced {
        "in the namespace"
    } else {
        "in every namespace"
    }
}

/// The core-group resource and subresource a written resource names, if it is built in.
fn core(written: &str) -> Option<(&'static str, Option<String>)> {
    match kube::resolve(written) {
        Ok(Resolved::Builtin {
            resource,
            subresource,
        }) if resource.group.is_empty() => Some((resource.name, subresource)),
        _ => None,
    }
}

/// The risky permissions of one rule. `namespaced` is false for `kubernetes cluster { }`.
pub fn hazards(rule: &K8sRule, namespaced: bool) -> Vec<Hazard> {
    let mut out = Vec::new();
    let has_verb = |v: &str| rule.verbs.iter().any(|x| x.node == v);
    let star_verb = has_verb("*");
    for v in &rule.verbs {
        match v.node.as_str() {
            "*" => out.push(Hazard {
                code: Code::W304,
                span: v.span,
                message: "`*` grants every verb, including `escalate`, `bind`, `impersonate` and `deletecollection`".into(),
                help: "list the verbs the subject uses, e.g. `get, list, watch`".into(),
            }),
            "escalate" | "bind" => out.push(Hazard {
                code: Code::W302,
                span: v.span,
                message: format!(
                    "`{}` lets the subject grant permissions it does not hold itself",
                    v.node
                ),
                help: "bind roles from reviewed declarations instead; if a controller really manages RBAC, add `unsafe \"reason\"` to the rule".into(),
            }),
            "impersonate" => out.push(Hazard {
                code: Code::W303,
                span: v.span,
                message: "`impersonate` lets the subject act as other users, groups or service accounts".into(),
                help: "grant the permissions directly; if impersonation is the point, restrict it with `named` and add `unsafe \"reason\"`".into(),
            }),
            _ => {}
        }
    }
    for r in &rule.resources {
        if r.node == "*" {
            out.push(Hazard {
                code: Code::W304,
                span: r.span,
                message: format!(
                    "`*` grants every resource {}, `secrets` and resources added later included",
                    where_(namespaced)
                ),
                help: "list the resources the subject uses".into(),
            });
            continue;
        }
        let Some((name, sub)) = core(&r.node) else {
            continue;
        };
        match (name, sub.as_deref()) {
            ("secrets", None) if rule.names.is_empty() => {
                for v in rule.verbs.iter().filter(|v| v.node == "list" || v.node == "watch") {
                    out.push(Hazard {
                        code: Code::W305,
                        span: v.span,
                        message: format!(
                            "`{}` on `secrets` reads every secret {}",
                            v.node,
                            where_(namespaced)
                        ),
                        help: "`get` the secrets the app reads, `named \"…\"`".into(),
                    });
                }
            }
            ("pods", Some(s @ ("exec" | "attach" | "portforward"))) => out.push(Hazard {
                code: Code::W306,
                span: r.span,
                message: format!(
                    "`pods/{s}` reaches into every pod {}: its files, secrets and service account",
                    where_(namespaced)
                ),
                help: "prefer `pods/log` and read-only access; if shell access is needed, add `unsafe \"reason\"` to the rule".into(),
            }),
            ("nodes", Some("proxy")) => out.push(Hazard {
                code: Code::W307,
                span: r.span,
                message: "`nodes/proxy` reaches the kubelet API, which runs commands in any pod of the node".into(),
                help: "use `nodes/metrics` or `nodes/stats` for monitoring".into(),
            }),
            ("pods", None) if has_verb("create") && !star_verb => out.push(Hazard {
                code: Code::W308,
                span: r.span,
                message: format!(
                    "`create pods` runs code as any service account {}, with its RBAC and IAM role",
                    where_(namespaced)
                ),
                help: "keep other service accounts out of the namespace and add `unsafe \"reason\"` to the rule".into(),
            }),
            _ => {}
        }
    }
    out
}

/// The checker's warnings for one rule: its hazards, unless the rule says `unsafe "reason"`.
pub fn check_rule(rule: &K8sRule, namespaced: bool, diags: &mut Vec<Diag>) {
    if rule.unsafe_reason.is_some() {
        return;
    }
    for h in hazards(rule, namespaced) {
        diags.push(
            Diag::new(h.code, h.message)
                .at(h.span)
                .label("risky permission")
                .help(h.help),
        );
    }
}

/// The hazards that rules accept with `unsafe "reason"`, with the reason.
pub fn notes(program: &Program) -> Vec<(Hazard, String)> {
    let mut out = Vec::new();
    let mut blocks = Vec::new();
    for d in &program.decls {
        match d {
            Decl::App(a) => blocks.extend(a.body.kubernetes.iter()),
            Decl::Role(r) => blocks.extend(r.body.kubernetes.iter()),
            Decl::Access(a) => blocks.extend(a.kubernetes.iter()),
            _ => {}
        }
    }
    for block in blocks {
        let namespaced = block.target != K8sTarget::Cluster;
        for rule in &block.rules {
            if let Some(reason) = &rule.unsafe_reason {
                for h in hazards(rule, namespaced) {
                    out.push((h, reason.node.clone()));
                }
            }
        }
    }
    out
}
