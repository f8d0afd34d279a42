//! The diff's picture: the edges of the access graph ([`crate::graph`]) that a change adds or
//! removes, drawn as Mermaid under the Markdown summary.
//!
//! A diff has generated files on both sides, not always a program (the base may be an output
//! folder), so the graph of each side is derived from its permission [`Model`] — what the files
//! grant — rather than from the IR: roles → ARN patterns (`allows`, `denies`, labelled as
//! `accessc graph` labels them, with `+ conditions` when a condition applies), roles and other
//! principals → resource policies (`admits`), service accounts → roles (`assumes`: a Pod
//! Identity association or an IRSA subject), roles → boundaries, principals and Kubernetes
//! subjects → clusters and namespaces (their access entries, aws-auth mappings and access
//! policies) and → Kubernetes resources (`rbac`, the verbs). An edge whose label changes shows
//! twice: the old one removed, the new one added. Service accounts are keyed `NS/NAME` (an IRSA
//! subject does not name its cluster).

use std::collections::{BTreeMap, BTreeSet};

use super::model::{
    AwsAtom, Effect, EntryField, KubeAtom, Mechanism, Model, PrincipalId, TrustFact,
};
use crate::graph::mermaid::{self, Change};
use crate::graph::{actions_label, node_id, Edge, EdgeKind, Graph, Node, NodeKind};

/// At most this many changed edges are drawn.
pub const MAX_EDGES: usize = 50;

/// The changed edges of a diff, as a graph.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// The nodes the drawn edges touch, and the drawn edges (at most [`MAX_EDGES`]).
    pub graph: Graph,
    /// For each edge of `graph`, whether the change adds or removes it.
    pub changes: Vec<Change>,
    /// How many changed edges were left out.
    pub left_out: usize,
}

impl Delta {
    /// Whether no edge changes.
    pub fn is_empty(&self) -> bool {
        self.graph.edges.is_empty()
    }

    /// The Mermaid flowchart of the changed edges.
    pub fn mermaid(&self) -> String {
        let added: BTreeSet<&Edge> = self
            .graph
            .edges
            .iter()
            .zip(&self.changes)
            .filter(|(_, c)| **c == Change::Added)
            .map(|(e, _)| e)
            .collect();
        mermaid::render_changes(&self.graph, &|e| {
            Some(if added.contains(e) {
                Change::Added
            } else {
                Change::Removed
            })
        })
    }
}

#[derive(Default)]
struct Sketch {
    nodes: BTreeMap<String, Node>,
    edges: BTreeSet<Edge>,
}

impl Sketch {
    fn node(&mut self, kind: NodeKind, key: &str, label: &str, group: Option<String>) -> String {
        let id = node_id(kind, key);
        self.nodes.entry(id.clone()).or_insert_with(|| Node {
            id: id.clone(),
            kind,
            key: key.to_string(),
            label: label.to_string(),
            group,
            span: None,
            location: None,
            collapsed: Vec::new(),
        });
        id
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: String) {
        self.edges.insert(Edge {
            from: from.to_string(),
            to: to.to_string(),
            kind,
            label,
        });
    }
}

fn scope_node(s: &mut Sketch, cluster: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => s.node(
            NodeKind::Namespace,
            &format!("{cluster}/{ns}"),
            ns,
            Some(format!("cluster {cluster}")),
        ),
        None => s.node(NodeKind::Cluster, cluster, cluster, None),
    }
}

fn kube_edges(s: &mut Sketch, from: &str, atoms: &BTreeSet<KubeAtom>) {
    let mut verbs: BTreeMap<String, (BTreeSet<&str>, &KubeAtom)> = BTreeMap::new();
    for a in atoms {
        let mut name = if a.group.is_empty() {
            a.resource.clone()
        } else {
            format!("{}.{}", a.resource, a.group)
        };
        if let Some(n) = &a.name {
            name = format!("{name} {n}");
        }
        verbs
            .entry(name)
            .or_insert_with(|| (BTreeSet::new(), a))
            .0
            .insert(a.verb.as_str());
    }
    for (name, (vs, a)) in verbs {
        let ns = a.namespace.as_deref().unwrap_or("");
        let group = match &a.namespace {
            Some(ns) => format!("namespace {}/{ns}", a.cluster),
            None => format!("cluster {}", a.cluster),
        };
        let to = s.node(
            NodeKind::KubeResource,
            &format!("{}/{ns}/{name}", a.cluster),
            &name,
            Some(group),
        );
        s.edge(
            from,
            &to,
            EdgeKind::Rbac,
            vs.into_iter().collect::<Vec<_>>().join(", "),
        );
    }
}

fn aws_edges(s: &mut Sketch, from: &str, atoms: &BTreeSet<AwsAtom>) {
    // (via, resource, effect) → actions, any condition.
    let mut by: BTreeMap<(&str, &str, Effect), (BTreeSet<String>, bool)> = BTreeMap::new();
    for a in atoms {
        let e = by
            .entry((a.via.as_str(), a.resource.as_str(), a.effect))
            .or_default();
        e.0.insert(a.action.clone());
        e.1 |= !a.condition.is_empty();
    }
    for ((via, resource, effect), (actions, conditional)) in by {
        let mut label = actions_label(&actions.iter().map(String::as_str).collect());
        if conditional {
            label.push_str(" + conditions");
        }
        if via.is_empty() {
            let service = match resource.split(':').nth(2) {
                Some(sv) if resource.starts_with("arn:") && !sv.is_empty() => sv,
                _ => "*",
            };
            let to = s.node(
                NodeKind::AwsResource,
                resource,
                resource,
                Some(format!("aws {service}")),
            );
            let kind = match effect {
                Effect::Allow => EdgeKind::Allows,
                Effect::Deny => EdgeKind::Denies,
            };
            s.edge(from, &to, kind, label);
        } else {
            let to = s.node(NodeKind::ResourcePolicy, via, via, None);
            s.edge(from, &to, EdgeKind::Admits, label);
        }
    }
}

/// The access graph a permission model implies (see the module's documentation).
pub fn graph_of(m: &Model) -> Graph {
    let mut s = Sketch::default();
    for (id, p) in &m.principals {
        match id {
            PrincipalId::Role { account, name } => {
                let key = p
                    .arns
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/{name}"));
                let from = s.node(NodeKind::Role, &key, name, None);
                aws_edges(&mut s, &from, &p.aws);
                for t in &p.trust {
                    let (ns, sa, how) = match t {
                        TrustFact::Association {
                            namespace,
                            service_account,
                            ..
                        } => (namespace.as_str(), service_account.as_str(), "pod_identity"),
                        TrustFact::Subject { subject, .. } => {
                            let mut parts = subject.splitn(4, ':');
                            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                                (Some("system"), Some("serviceaccount"), Some(ns), Some(sa)) => {
                                    (ns, sa, "irsa")
                                }
                                _ => continue,
                            }
                        }
                        _ => continue,
                    };
                    let sid = s.node(
                        NodeKind::ServiceAccount,
                        &format!("{ns}/{sa}"),
                        &format!("{ns}/{sa}"),
                        None,
                    );
                    s.edge(&sid, &from, EdgeKind::Assumes, how.to_string());
                }
                if let Some(b) = &p.boundary {
                    let name = b.rsplit('/').next().unwrap_or(b);
                    let to = s.node(NodeKind::Boundary, b, name, None);
                    s.edge(&from, &to, EdgeKind::BoundedBy, String::new());
                }
                kube_edges(&mut s, &from, &p.kube);
            }
            PrincipalId::ServiceAccount { namespace, name } => {
                let key = format!("{namespace}/{name}");
                let from = s.node(NodeKind::ServiceAccount, &key, &key, None);
                kube_edges(&mut s, &from, &p.kube);
                for a in &p.policies {
                    let to = scope_node(&mut s, &a.cluster, a.namespace.as_deref());
                    s.edge(&from, &to, EdgeKind::AccessPolicy, a.policy.clone());
                }
            }
            PrincipalId::Access { arn } | PrincipalId::Aws { arn } => {
                let label = p
                    .names
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(|| arn.clone());
                let from = s.node(NodeKind::Principal, arn, &label, None);
                aws_edges(&mut s, &from, &p.aws);
                for e in &p.entries {
                    if e.field == EntryField::Present {
                        let to = scope_node(&mut s, &e.cluster, None);
                        let how = match e.mechanism {
                            Mechanism::AccessEntry => "access entry",
                            Mechanism::AwsAuth => "aws-auth",
                        };
                        s.edge(&from, &to, EdgeKind::Authenticates, how.to_string());
                    }
                }
                for a in &p.policies {
                    let to = scope_node(&mut s, &a.cluster, a.namespace.as_deref());
                    s.edge(&from, &to, EdgeKind::AccessPolicy, a.policy.clone());
                }
                kube_edges(&mut s, &from, &p.kube);
            }
            PrincipalId::KubeSubject { kind, name } => {
                let key = format!("{kind} {name}");
                let from = s.node(NodeKind::KubeGroup, &key, &key, None);
                for a in &p.policies {
                    let to = scope_node(&mut s, &a.cluster, a.namespace.as_deref());
                    s.edge(&from, &to, EdgeKind::Binding, a.policy.clone());
                }
                kube_edges(&mut s, &from, &p.kube);
            }
            PrincipalId::Boundary { .. } | PrincipalId::Cluster { .. } => {}
        }
    }
    let mut nodes: Vec<Node> = s.nodes.into_values().collect();
    nodes.sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    Graph {
        nodes,
        edges: s.edges.into_iter().collect(),
    }
}

/// The edges `new` adds to `old` and those it removes, with the nodes they touch; at most
/// [`MAX_EDGES`] edges (removed and added in edge order), the rest counted.
pub fn delta(old: &Model, new: &Model) -> Delta {
    let (a, b) = (graph_of(old), graph_of(new));
    let before: BTreeSet<&Edge> = a.edges.iter().collect();
    let after: BTreeSet<&Edge> = b.edges.iter().collect();
    let mut changed: Vec<(&Edge, Change)> = before
        .difference(&after)
        .map(|e| (*e, Change::Removed))
        .chain(after.difference(&before).map(|e| (*e, Change::Added)))
        .collect();
    changed.sort();
    let left_out = changed.len().saturating_sub(MAX_EDGES);
    changed.truncate(MAX_EDGES);
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for (e, _) in &changed {
        ids.insert(&e.from);
        ids.insert(&e.to);
    }
    let mut nodes: BTreeMap<&str, &Node> = BTreeMap::new();
    for n in a.nodes.iter().chain(&b.nodes) {
        if ids.contains(n.id.as_str()) {
            nodes.entry(n.id.as_str()).or_insert(n);
        }
    }
    let mut nodes: Vec<Node> = nodes.into_values().cloned().collect();
    nodes.sort_by(|x, y| (x.kind, &x.key).cmp(&(y.kind, &y.key)));
    Delta {
        graph: Graph {
            nodes,
            edges: changed.iter().map(|(e, _)| (*e).clone()).collect(),
        },
        changes: changed.iter().map(|(_, c)| *c).collect(),
        left_out,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::diff::model::Principal;

    fn role_with(resources: usize) -> Model {
        let mut p = Principal::default();
        for i in 0..resources {
            p.aws.insert(AwsAtom {
                effect: Effect::Allow,
                via: String::new(),
                resource: format!("arn:aws:s3:::bucket-{i:03}/*"),
                condition: String::new(),
                conditions: Default::default(),
                action: "s3:GetObject".into(),
            });
        }
        let mut m = Model::default();
        m.principals.insert(
            PrincipalId::Role {
                account: "111122223333".into(),
                name: "app".into(),
            },
            p,
        );
        m
    }

    #[test]
    fn no_change_no_diagram() {
        assert!(delta(&role_with(3), &role_with(3)).is_empty());
    }

    #[test]
    fn added_and_removed_edges_are_bounded() {
        let d = delta(&role_with(2), &role_with(60));
        assert_eq!(d.graph.edges.len(), MAX_EDGES);
        assert_eq!(d.left_out, 58 - MAX_EDGES);
        assert!(d.changes.iter().all(|c| *c == Change::Added));
        // Every drawn edge's nodes are drawn.
        for e in &d.graph.edges {
            assert!(d.graph.node(&e.from).is_some() && d.graph.node(&e.to).is_some());
        }
        let back = delta(&role_with(3), &role_with(1));
        assert_eq!(back.changes, [Change::Removed, Change::Removed]);
        let mm = back.mermaid();
        assert!(mm.contains("-.->|\"s3:GetObject\"|"), "{mm}");
        assert!(mm.contains("linkStyle 1 stroke:#b91c1c"), "{mm}");
    }
}
