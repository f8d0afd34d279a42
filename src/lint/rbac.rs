//! Kubernetes RBAC rules that hand out more than they read as (W302–W314): `escalate`, `bind`,
//! `impersonate`, `*`, reading every secret, `pods/exec` (attach, portforward), `nodes/proxy`,
//! `create pods`, writing the aws-auth ConfigMap, `serviceaccounts/token`,
//! `pods/ephemeralcontainers`, admission webhooks, CSR approval, workload controllers in other
//! namespaces.
//!
//! The rules that read only the rule itself ([`hazards`]) are warned for every rule the checker
//! checked ([`check_rules`], a pass after lowering); the rules that also read where the block applies
//! (its namespace, whether it is the app's own, the clusters' authentication mode:
//! [`scoped_hazards`]) run on the whole program after checking ([`check_program`]). A rule with
//! `unsafe "reason"` is accepted, and `accessc lint` lists it as a note ([`notes`]).

use std::collections::BTreeSet;

use crate::ast::{Decl, K8sBlock, K8sRule, K8sTarget, Program, Span, Spanned};
use crate::diagnostics::{Code, Diag};
use crate::ir::Ir;
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

impl Hazard {
    /// The warning.
    fn diag(self) -> Diag {
        Diag::new(self.code, self.message)
            .at(self.span)
            .label("risky permission")
            .help(self.help)
    }
}

fn where_(namespaced: bool) -> &'static str {
    if namespaced {
        "in the namespace"
    } else {
        "in every namespace"
    }
}

/// Which objects of a kind a rule reaches: `every pod in the namespace`, or with `named`,
/// `pod `debug` in the namespace` (a subresource is requested on a named object, so the names
/// do restrict it).
fn reach(rule: &K8sRule, kind: &str, namespaced: bool) -> String {
    let names: Vec<String> = rule.names.iter().map(|n| format!("`{}`", n.node)).collect();
    match names.len() {
        0 => format!("every {kind} {}", where_(namespaced)),
        1 => format!("{kind} {} {}", names[0], where_(namespaced)),
        _ => format!("{kind}s {} {}", names.join(", "), where_(namespaced)),
    }
}

/// The API group, resource and subresource a written resource names, if it is built in.
fn builtin(written: &str) -> Option<(&'static str, &'static str, Option<String>)> {
    match kube::resolve(written) {
        Ok(Resolved::Builtin {
            resource,
            subresource,
        }) => Some((resource.group, resource.name, subresource)),
        _ => None,
    }
}

/// The namespace whose service accounts run the control plane's add-ons and whose ConfigMap
/// `aws-auth` maps IAM principals to Kubernetes users and groups.
pub const KUBE_SYSTEM: &str = "kube-system";

/// The workload controllers: each runs pods with any service account of its namespace.
const WORKLOAD_CONTROLLERS: &[(&str, &str)] = &[
    ("", "replicationcontrollers"),
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
];

/// The verbs of a rule among `of`, each a hazard of its own; none for a rule with a `*` verb,
/// which is W304's.
fn verbs_among<'r>(rule: &'r K8sRule, of: &[&str]) -> Vec<&'r Spanned<String>> {
    if rule.verbs.iter().any(|v| v.node == "*") {
        return Vec::new();
    }
    rule.verbs
        .iter()
        .filter(|v| of.contains(&v.node.as_str()))
        .collect()
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
        let Some((group, name, sub)) = builtin(&r.node) else {
            continue;
        };
        match (group, name, sub.as_deref()) {
            ("", "secrets", None) if rule.names.is_empty() => {
                // `get` without names reads any secret whose name is known or guessed: in one
                // namespace that is the app's business, in every namespace it is every
                // service account token and credential of the cluster.
                let read: &[&str] = if namespaced {
                    &["list", "watch"]
                } else {
                    &["get", "list", "watch"]
                };
                for v in rule.verbs.iter().filter(|v| read.contains(&v.node.as_str())) {
                    out.push(Hazard {
                        code: Code::W305,
                        span: v.span,
                        message: if v.node == "get" {
                            "`get` on `secrets` in every namespace reads any secret whose name is known, service account tokens and credentials of `kube-system` included".into()
                        } else {
                            format!(
                                "`{}` on `secrets` reads every secret {}",
                                v.node,
                                where_(namespaced)
                            )
                        },
                        help: "`get` the secrets the app reads, `named \"…\"`".into(),
                    });
                }
            }
            ("", "serviceaccounts", Some("token")) => {
                for v in verbs_among(rule, &["create"]) {
                    out.push(Hazard {
                        code: Code::W310,
                        span: v.span,
                        message: format!(
                            "`create serviceaccounts/token` mints a token for {}: its RBAC and IAM role",
                            reach(rule, "service account", namespaced)
                        ),
                        help: "mount the app's own token (a projected volume) instead; if the app issues tokens for others, add `unsafe \"reason\"` to the rule".into(),
                    });
                }
            }
            ("", "pods", Some("ephemeralcontainers")) => {
                for v in verbs_among(rule, &["update", "patch"]) {
                    out.push(Hazard {
                        code: Code::W311,
                        span: v.span,
                        message: format!(
                            "`{} pods/ephemeralcontainers` adds a container to {}: it runs as the pod's service account and mounts its secrets",
                            v.node,
                            reach(rule, "running pod", namespaced)
                        ),
                        help: "debug with read-only access and `pods/log`; if debugging containers are needed, add `unsafe \"reason\"` to the rule".into(),
                    });
                }
            }
            (
                "admissionregistration.k8s.io",
                kind @ ("mutatingwebhookconfigurations" | "validatingwebhookconfigurations"),
                None,
            ) => {
                for v in verbs_among(rule, &["create", "update", "patch", "delete", "deletecollection"]) {
                    out.push(Hazard {
                        code: Code::W312,
                        span: v.span,
                        message: format!(
                            "`{} {kind}` tampers with admission: {}",
                            v.node,
                            if kind.starts_with("mutating") {
                                "a mutating webhook sees and rewrites every object it selects, pods and secrets included"
                            } else {
                                "a validating webhook sees every object it selects and decides which policies are enforced"
                            }
                        ),
                        help: "leave admission webhooks to the cluster's platform deployment; if this is that controller, add `unsafe \"reason\"` to the rule".into(),
                    });
                }
            }
            ("certificates.k8s.io", "certificatesigningrequests", Some("approval")) => {
                for v in verbs_among(rule, &["update", "patch"]) {
                    out.push(Hazard {
                        code: Code::W313,
                        span: v.span,
                        message: format!(
                            "`{} certificatesigningrequests/approval` approves certificates; with `approve` on a signer, a client certificate for any user or group",
                            v.node
                        ),
                        help: "leave certificate approval to the cluster's approver; if this is a certificate controller, add `unsafe \"reason\"` to the rule".into(),
                    });
                }
            }
            ("certificates.k8s.io", "signers", None) => {
                for v in verbs_among(rule, &["approve"]) {
                    out.push(Hazard {
                        code: Code::W313,
                        span: v.span,
                        message: "`approve signers` approves certificates of the signer; for `kubernetes.io/kube-apiserver-client`, a client certificate for any user or group".into(),
                        help: "leave certificate approval to the cluster's approver; if this is a certificate controller, add `unsafe \"reason\"` to the rule".into(),
                    });
                }
            }
            ("", "pods", Some(s @ ("exec" | "attach" | "portforward"))) => out.push(Hazard {
                code: Code::W306,
                span: r.span,
                message: format!(
                    "`pods/{s}` reaches into {}: its files, secrets and service account",
                    reach(rule, "pod", namespaced)
                ),
                help: "prefer `pods/log` and read-only access; if shell access is needed, add `unsafe \"reason\"` to the rule".into(),
            }),
            ("", "nodes", Some("proxy")) => out.push(Hazard {
                code: Code::W307,
                span: r.span,
                message: "`nodes/proxy` reaches the kubelet API, which runs commands in any pod of the node".into(),
                help: "use `nodes/metrics` or `nodes/stats` for monitoring".into(),
            }),
            ("", "pods", None) if has_verb("create") && !star_verb => out.push(Hazard {
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

/// The warnings of the rules the checker checked (each with whether its block is namespaced),
/// in order: [`check_rule`] of each.
pub fn check_rules(rules: &[(&K8sRule, bool)], diags: &mut Vec<Diag>) {
    for &(rule, namespaced) in rules {
        check_rule(rule, namespaced, diags);
    }
}

/// The warnings for one rule: its hazards, unless the rule says `unsafe "reason"`.
pub fn check_rule(rule: &K8sRule, namespaced: bool, diags: &mut Vec<Diag>) {
    if rule.unsafe_reason.is_some() {
        return;
    }
    for h in hazards(rule, namespaced) {
        diags.push(h.diag());
    }
}

/// Where a block's rules apply: what [`scoped_hazards`] reads besides the rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    /// The namespace; `None` for `kubernetes cluster { }` (every namespace).
    pub namespace: Option<String>,
    /// Whether the namespace is the subject's own: an app's namespace, or the namespace an
    /// access's people work in (`kubernetes in NS`, except `kube-system`).
    pub own: bool,
    /// Whether a cluster the block applies to reads the aws-auth ConfigMap (`config_map` or
    /// `api_and_config_map`).
    pub aws_auth: bool,
}

/// The risky permissions of one rule that depend on where its block applies: writes to aws-auth
/// (W309), `get secrets` in `kube-system` (W305), workload controllers outside the subject's
/// own namespace (W314).
pub fn scoped_hazards(rule: &K8sRule, scope: &Scope) -> Vec<Hazard> {
    let mut out = Vec::new();
    // The rules are about writes and `get`; a `*` verb is W304's.
    if rule.verbs.iter().any(|v| v.node == "*")
        || !rule
            .verbs
            .iter()
            .any(|v| matches!(v.node.as_str(), "create" | "update" | "patch" | "get"))
    {
        return out;
    }
    let namespace = scope.namespace.as_deref();
    let where_ = match namespace {
        Some(ns) => format!("in namespace `{ns}`"),
        None => "in every namespace".to_string(),
    };
    for r in &rule.resources {
        let Some((group, name, None)) = builtin(&r.node) else {
            continue;
        };
        if (group, name) == ("", "configmaps")
            && scope.aws_auth
            && namespace.is_none_or(|ns| ns == KUBE_SYSTEM)
            && (rule.names.is_empty() || rule.names.iter().any(|n| n.node == "aws-auth"))
        {
            // `create` with names never matches (W301); without names it can create aws-auth
            // where it is missing.
            let write: &[&str] = if rule.names.is_empty() {
                &["create", "update", "patch"]
            } else {
                &["update", "patch"]
            };
            for v in verbs_among(rule, write) {
                out.push(Hazard {
                    code: Code::W309,
                    span: v.span,
                    message: format!(
                        "`{}` on `configmaps` {where_} writes `kube-system/aws-auth`, which maps IAM principals to Kubernetes groups: it can map any role to any group, cluster admins included",
                        v.node
                    ),
                    help: "manage cluster access with `access` declarations (accessc writes aws-auth); if this is the tool that applies it, add `unsafe \"reason\"` to the rule".into(),
                });
            }
        }
        if (group, name) == ("", "secrets")
            && namespace == Some(KUBE_SYSTEM)
            && rule.names.is_empty()
        {
            // Cluster-wide `get` is [`hazards`]' (every namespace).
            for v in verbs_among(rule, &["get"]) {
                out.push(Hazard {
                    code: Code::W305,
                    span: v.span,
                    message: "`get` on `secrets` in `kube-system` reads any secret whose name is known there: the tokens and credentials of the cluster's add-ons".into(),
                    help: "`get` the secrets the app reads, `named \"…\"`".into(),
                });
            }
        }
        if !scope.own
            && WORKLOAD_CONTROLLERS.contains(&(group, name))
            && !verbs_among(rule, &["create"]).is_empty()
        {
            out.push(Hazard {
                code: Code::W314,
                span: r.span,
                message: format!(
                    "`create {name}` {where_} runs pods as any service account there, with its RBAC and IAM role"
                ),
                help: "create workloads in the app's own namespace; if this is a deployment tool, add `unsafe \"reason\"` to the rule".into(),
            });
        }
    }
    out
}

/// Every `kubernetes` block of the program with where it applies. Blocks the checker rejects
/// (an access's `kubernetes { }`) are left out.
fn scoped_blocks<'p>(program: &'p Program, ir: &Ir) -> Vec<(&'p K8sBlock, Scope)> {
    let reads_aws_auth = |clusters: &BTreeSet<&str>| {
        clusters.iter().any(|c| {
            ir.clusters
                .get(*c)
                .is_some_and(|c| c.auth_mode.uses_aws_auth())
        })
    };
    // The clusters of a namespace among `of`.
    let within = |ns: &str, of: &BTreeSet<&str>| -> BTreeSet<&str> {
        ir.namespaces.get(ns).map_or_else(BTreeSet::new, |n| {
            n.clusters
                .iter()
                .map(String::as_str)
                .filter(|c| of.contains(c))
                .collect()
        })
    };
    let mut out = Vec::new();
    for d in &program.decls {
        match d {
            Decl::App(a) => {
                let own = a.namespace.node.as_str();
                let all: BTreeSet<&str> = ir
                    .namespaces
                    .get(own)
                    .map(|n| n.clusters.iter().map(String::as_str).collect())
                    .unwrap_or_default();
                for block in &a.body.kubernetes {
                    let (namespace, clusters) = match &block.target {
                        K8sTarget::Own => (Some(own), all.clone()),
                        K8sTarget::Namespace(ns) => {
                            (Some(ns.node.as_str()), within(&ns.node, &all))
                        }
                        K8sTarget::Cluster => (None, all.clone()),
                    };
                    out.push((
                        block,
                        Scope {
                            namespace: namespace.map(str::to_string),
                            own: namespace == Some(own),
                            aws_auth: reads_aws_auth(&clusters),
                        },
                    ));
                }
            }
            Decl::Access(a) => {
                let all: BTreeSet<&str> = a.clusters.iter().map(|c| c.node.as_str()).collect();
                for block in &a.kubernetes {
                    let (namespace, clusters) = match &block.target {
                        K8sTarget::Own => continue,
                        K8sTarget::Namespace(ns) => {
                            (Some(ns.node.as_str()), within(&ns.node, &all))
                        }
                        K8sTarget::Cluster => (None, all.clone()),
                    };
                    out.push((
                        block,
                        Scope {
                            namespace: namespace.map(str::to_string),
                            own: namespace.is_some_and(|ns| ns != KUBE_SYSTEM),
                            aws_auth: reads_aws_auth(&clusters),
                        },
                    ));
                }
            }
            _ => {}
        }
    }
    out
}

/// The warnings of [`scoped_hazards`] on a checked program, for the rules without
/// `unsafe "reason"`.
pub fn check_program(program: &Program, ir: &Ir, diags: &mut Vec<Diag>) {
    for (block, scope) in scoped_blocks(program, ir) {
        for rule in block.rules.iter().filter(|r| r.unsafe_reason.is_none()) {
            for h in scoped_hazards(rule, &scope) {
                diags.push(h.diag());
            }
        }
    }
}

/// The hazards that rules accept with `unsafe "reason"`, with the reason; those of
/// [`scoped_hazards`] when the program checked (`ir`).
pub fn notes(program: &Program, ir: Option<&Ir>) -> Vec<(Hazard, String)> {
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
    if let Some(ir) = ir {
        for (block, scope) in scoped_blocks(program, ir) {
            for rule in &block.rules {
                if let Some(reason) = &rule.unsafe_reason {
                    for h in scoped_hazards(rule, &scope) {
                        out.push((h, reason.node.clone()));
                    }
                }
            }
        }
    }
    out
}
