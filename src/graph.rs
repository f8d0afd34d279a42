//! `accessc graph`: the access graph of a program — who reaches what — as data ([`Graph`]), and
//! its renderers ([`dot`], [`mermaid`], [`json`], [`svg`]).
//!
//! [`build`] reads the IR and makes one node per thing a reviewer asks about (principals,
//! access entries and aws-auth mappings, Kubernetes groups, IAM roles own and shared,
//! permission boundaries, apps, service accounts, clusters, namespaces, resource policies, AWS
//! ARN patterns grouped by service, Kubernetes resources) and one edge per grant, labelled by
//! what it grants (access levels and action counts, verbs, access policies). [`focus`] keeps
//! the paths through one node; [`collapse`] folds apps of the same shape into one node. The
//! renderers are pure: a graph in, a string out. docs/graph.md describes the picture.

pub mod dot;
pub mod json;
pub mod mermaid;
pub mod style;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use crate::ast::Span;
use crate::catalog::catalog;
use crate::ir::{AccessScope, Ir, Subject};
use crate::source::Sources;
use crate::who_can::pattern::Pattern;

/// What a node is. The order is the order of the columns of the SVG layout (principals →
/// access and roles → apps and service accounts → clusters and namespaces → resources).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    /// An IAM role or user outside the program (an access's principal, a node role, an
    /// account root admitted by a resource policy). Key: its ARN without the IAM path (label:
    /// as written).
    Principal,
    /// An EKS access entry. Key: `CLUSTER/FILE` (the access name or `_nodes`, …).
    AccessEntry,
    /// An aws-auth mapping (`mapRoles` / `mapUsers`). Key: `CLUSTER/ARN`.
    AwsAuth,
    /// A Kubernetes group an access or an aws-auth mapping puts its principal in. Key:
    /// `CLUSTER/GROUP`.
    KubeGroup,
    /// A workload IAM role of one app. Key: its ARN.
    Role,
    /// A shared IAM role (`role NAME { … }`). Key: its ARN.
    SharedRole,
    /// A permission boundary (managed policy). Key: its ARN.
    Boundary,
    /// An app. Key: `NS/APP`.
    App,
    /// A Kubernetes service account. Key: `CLUSTER/NS/NAME`.
    ServiceAccount,
    /// An EKS cluster. Key: its name in the program.
    Cluster,
    /// A namespace on one cluster. Key: `CLUSTER/NS`.
    Namespace,
    /// A resource-based policy. Key: the resource's ARN.
    ResourcePolicy,
    /// An AWS ARN pattern a permissions statement names. Key: the pattern.
    AwsResource,
    /// A Kubernetes resource on a cluster (in a namespace, or cluster-scoped). Key:
    /// `CLUSTER/NS/RESOURCE` or `CLUSTER//RESOURCE`.
    KubeResource,
}

impl NodeKind {
    /// Every kind, in column order.
    pub const ALL: [NodeKind; 14] = [
        NodeKind::Principal,
        NodeKind::AccessEntry,
        NodeKind::AwsAuth,
        NodeKind::KubeGroup,
        NodeKind::Role,
        NodeKind::SharedRole,
        NodeKind::Boundary,
        NodeKind::App,
        NodeKind::ServiceAccount,
        NodeKind::Cluster,
        NodeKind::Namespace,
        NodeKind::ResourcePolicy,
        NodeKind::AwsResource,
        NodeKind::KubeResource,
    ];

    /// The kind's name in ids and JSON (`principal`, `access_entry`, …).
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Principal => "principal",
            NodeKind::AccessEntry => "access_entry",
            NodeKind::AwsAuth => "aws_auth",
            NodeKind::KubeGroup => "kube_group",
            NodeKind::Role => "role",
            NodeKind::SharedRole => "shared_role",
            NodeKind::Boundary => "boundary",
            NodeKind::App => "app",
            NodeKind::ServiceAccount => "service_account",
            NodeKind::Cluster => "cluster",
            NodeKind::Namespace => "namespace",
            NodeKind::ResourcePolicy => "resource_policy",
            NodeKind::AwsResource => "aws_resource",
            NodeKind::KubeResource => "kube_resource",
        }
    }

    /// The kind in words, for legends (`access entry`).
    pub fn title(self) -> &'static str {
        match self {
            NodeKind::Principal => "IAM principal",
            NodeKind::AccessEntry => "access entry",
            NodeKind::AwsAuth => "aws-auth mapping",
            NodeKind::KubeGroup => "Kubernetes group",
            NodeKind::Role => "IAM role (app)",
            NodeKind::SharedRole => "IAM role (shared)",
            NodeKind::Boundary => "permission boundary",
            NodeKind::App => "app",
            NodeKind::ServiceAccount => "service account",
            NodeKind::Cluster => "cluster",
            NodeKind::Namespace => "namespace",
            NodeKind::ResourcePolicy => "resource policy",
            NodeKind::AwsResource => "AWS resource",
            NodeKind::KubeResource => "Kubernetes resource",
        }
    }

    /// The id prefix: letters only, so an id never reads as a keyword of DOT or Mermaid.
    fn prefix(self) -> &'static str {
        match self {
            NodeKind::Principal => "principal",
            NodeKind::AccessEntry => "entry",
            NodeKind::AwsAuth => "awsauth",
            NodeKind::KubeGroup => "group",
            NodeKind::Role => "role",
            NodeKind::SharedRole => "sharedrole",
            NodeKind::Boundary => "boundary",
            NodeKind::App => "app",
            NodeKind::ServiceAccount => "sa",
            NodeKind::Cluster => "cluster",
            NodeKind::Namespace => "ns",
            NodeKind::ResourcePolicy => "policy",
            NodeKind::AwsResource => "aws",
            NodeKind::KubeResource => "kube",
        }
    }

    /// The SVG layout's column (0 to 4).
    pub fn column(self) -> usize {
        match self {
            NodeKind::Principal => 0,
            NodeKind::AccessEntry
            | NodeKind::AwsAuth
            | NodeKind::KubeGroup
            | NodeKind::Role
            | NodeKind::SharedRole
            | NodeKind::Boundary => 1,
            NodeKind::App | NodeKind::ServiceAccount => 2,
            NodeKind::Cluster | NodeKind::Namespace => 3,
            NodeKind::ResourcePolicy | NodeKind::AwsResource | NodeKind::KubeResource => 4,
        }
    }
}

/// What an edge means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// A principal is admitted to a cluster by an access entry or an aws-auth mapping.
    Authenticates,
    /// An access entry or aws-auth mapping puts its principal in a Kubernetes group.
    MemberOf,
    /// An EKS access policy associated on a cluster or namespaces (label: the policy).
    AccessPolicy,
    /// A group bound to a built-in ClusterRole (label: the ClusterRole).
    Binding,
    /// An app runs as a service account.
    RunsAs,
    /// A service account assumes an IAM role (label: `pod_identity` or `irsa`).
    Assumes,
    /// A role is capped by a permission boundary.
    BoundedBy,
    /// A permissions statement allows actions on an ARN pattern (label: levels, actions).
    Allows,
    /// A `deny` grant's statement denies actions on an ARN pattern.
    Denies,
    /// A resource policy admits a principal or role (label: actions).
    Admits,
    /// A resource policy is the policy of a resource.
    PolicyOf,
    /// An RBAC Role or ClusterRole grants verbs on a Kubernetes resource (label: the verbs).
    Rbac,
    /// A namespace is on a cluster.
    Contains,
}

impl EdgeKind {
    /// The kind's name in JSON (`allows`, `rbac`, …).
    pub fn name(self) -> &'static str {
        match self {
            EdgeKind::Authenticates => "authenticates",
            EdgeKind::MemberOf => "member_of",
            EdgeKind::AccessPolicy => "access_policy",
            EdgeKind::Binding => "binding",
            EdgeKind::RunsAs => "runs_as",
            EdgeKind::Assumes => "assumes",
            EdgeKind::BoundedBy => "bounded_by",
            EdgeKind::Allows => "allows",
            EdgeKind::Denies => "denies",
            EdgeKind::Admits => "admits",
            EdgeKind::PolicyOf => "policy_of",
            EdgeKind::Rbac => "rbac",
            EdgeKind::Contains => "contains",
        }
    }
}

/// A node of the access graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// Stable id derived from kind and key ([`node_id`]): ASCII letters, digits and `_` only,
    /// safe as a DOT, Mermaid, HTML or XML id.
    pub id: String,
    /// What it is.
    pub kind: NodeKind,
    /// Its key, unique within its kind (see [`NodeKind`]).
    pub key: String,
    /// What the pictures show (user text: escape it).
    pub label: String,
    /// The cluster or namespace it belongs to (`cluster prod`, `namespace prod/payments`), or
    /// the AWS service of an ARN pattern (`aws s3`): renderers draw each group as a box.
    pub group: Option<String>,
    /// The declaration it came from.
    pub span: Option<Span>,
    /// `file:line` of that declaration.
    pub location: Option<String>,
    /// The keys of the apps a collapsed node stands for ([`collapse`]), itself first; empty
    /// for an ordinary node.
    pub collapsed: Vec<String>,
}

/// An edge of the access graph.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// Id of the node it leaves.
    pub from: String,
    /// Id of the node it reaches.
    pub to: String,
    /// What it means.
    pub kind: EdgeKind,
    /// What it grants (`read, list: 3 actions`, `get, list, watch`, `view`); may be empty.
    pub label: String,
}

/// The access graph: nodes sorted by (column kind, key), edges sorted by (from, to, kind).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// The nodes.
    pub nodes: Vec<Node>,
    /// The edges.
    pub edges: Vec<Edge>,
}

impl Graph {
    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The node of this kind and key.
    pub fn find(&self, kind: NodeKind, key: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.kind == kind && n.key == key)
    }

    /// The keys of the nodes of one kind, sorted (for "did you mean").
    pub fn keys(&self, kind: NodeKind) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| n.kind == kind)
            .map(|n| n.key.as_str())
            .collect()
    }
}

/// The id of the node of `kind` and `key`: the kind's prefix, `_`, a readable slug (the last
/// words of letters and digits of the key, joined by `_`, at most 24 characters), `_`, and the 64-bit FNV-1a hash of the key in hex:
/// `role_eks_payments_checkout_8ec8…`. Letters, digits and `_` only. Should two keys of a
/// kind ever share an id, [`build`] gives the second the long form ([`node_id_long`]).
pub fn node_id(kind: NodeKind, key: &str) -> String {
    let mut slug = String::with_capacity(key.len());
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('_') {
            slug.push('_');
        }
    }
    // Whole words from the end, at most 24 characters (the last word cut to its end).
    let mut words: Vec<&str> = Vec::new();
    let mut len = 0;
    for w in slug.split('_').rev().filter(|w| !w.is_empty()) {
        if words.is_empty() {
            let cut = w.len().saturating_sub(24);
            let w = w.get(cut..).unwrap_or(w);
            len = w.len();
            words.push(w);
        } else if len + 1 + w.len() <= 24 {
            len += 1 + w.len();
            words.push(w);
        } else {
            break;
        }
    }
    words.reverse();
    let slug = words.join("_");
    let mut id = String::with_capacity(kind.prefix().len() + slug.len() + 19);
    id.push_str(kind.prefix());
    id.push('_');
    if !slug.is_empty() {
        id.push_str(&slug);
        id.push('_');
    }
    let _ = std::fmt::Write::write_fmt(&mut id, format_args!("{:016x}", crate::hash::fnv1a(key)));
    id
}

/// The long id of a node: the kind's prefix, `_`, then the key with ASCII letters and digits
/// kept and every other byte written `_XX` (hex); distinct keys always get distinct long ids.
pub fn node_id_long(kind: NodeKind, key: &str) -> String {
    let mut id = String::with_capacity(kind.prefix().len() + 1 + key.len() + 8);
    id.push_str(kind.prefix());
    id.push_str("_x_");
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() {
            id.push(char::from(b));
        } else {
            id.push('_');
            id.push(hex(b >> 4));
            id.push(hex(b & 15));
        }
    }
    id
}

fn hex(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

/// Which node to focus on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Focus {
    /// An app, `NS/APP`.
    App(String),
    /// Who reaches an AWS resource: its ARN (the ARN patterns that match it, with IAM's
    /// matching, and its resource policy).
    Resource(String),
    /// An IAM principal or role, by ARN.
    Principal(String),
}

/// Builds the graph as it goes: nodes in the order first seen, found again through a hash map
/// (never iterated: the order comes from the final sort); edges as they come, sorted and merged
/// (their labels joined with `; `) at the end.
#[derive(Default)]
struct Builder<'a> {
    sources: Option<&'a Sources>,
    nodes: Vec<Node>,
    node_index: HashMap<String, usize>,
    edges: Vec<(String, String, EdgeKind, Option<String>)>,
}

impl Builder<'_> {
    fn node(
        &mut self,
        kind: NodeKind,
        key: &str,
        label: &str,
        group: Option<String>,
        span: Option<Span>,
    ) -> String {
        let mut id = node_id(kind, key);
        if let Some(&i) = self.node_index.get(&id) {
            if self
                .nodes
                .get(i)
                .is_some_and(|n| n.kind != kind || n.key != key)
            {
                id = node_id_long(kind, key);
            }
        }
        if !self.node_index.contains_key(&id) {
            let location = match (span, self.sources) {
                (Some(s), Some(src)) => Some(src.location(s)),
                _ => None,
            };
            self.node_index.insert(id.clone(), self.nodes.len());
            self.nodes.push(Node {
                id: id.clone(),
                kind,
                key: key.to_string(),
                label: label.to_string(),
                group,
                span,
                location,
                collapsed: Vec::new(),
            });
        }
        id
    }

    fn has(&self, id: &str) -> bool {
        self.node_index.contains_key(id)
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, label: Option<String>) {
        self.edges
            .push((from.to_string(), to.to_string(), kind, label));
    }

    fn finish(self) -> Graph {
        let mut nodes = self.nodes;
        nodes.sort_unstable_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
        let mut raw = self.edges;
        raw.sort_unstable();
        let mut edges: Vec<Edge> = Vec::with_capacity(raw.len());
        let mut labels: Vec<String> = Vec::new();
        let mut it = raw.into_iter().peekable();
        while let Some((from, to, kind, label)) = it.next() {
            labels.extend(label);
            let same = it
                .peek()
                .is_some_and(|n| n.0 == from && n.1 == to && n.2 == kind);
            if !same {
                labels.dedup();
                edges.push(Edge {
                    from,
                    to,
                    kind,
                    label: labels.join("; "),
                });
                labels.clear();
            }
        }
        Graph { nodes, edges }
    }
}

fn cluster_group(cluster: &str) -> Option<String> {
    Some(format!("cluster {cluster}"))
}

fn ns_group(cluster: &str, ns: &str) -> Option<String> {
    Some(format!("namespace {cluster}/{ns}"))
}

/// The AWS service of an ARN pattern (`s3`), `*` when it has none.
fn service_of(pattern: &str) -> &str {
    match pattern.split(':').nth(2) {
        Some(s) if pattern.starts_with("arn:") && !s.is_empty() => s,
        _ => "*",
    }
}

/// The label of a set of IAM actions: up to two by name, else their access levels (from the
/// IAM catalog; wildcards count as actions) and how many.
pub fn actions_label(actions: &BTreeSet<&str>) -> String {
    if actions.len() <= 2 {
        return actions.iter().copied().collect::<Vec<_>>().join(", ");
    }
    let mut levels = crate::catalog::LevelSet::default();
    for a in actions {
        if let Some((_, action)) = catalog().lookup_action(a) {
            levels = levels.union(action.level_set());
        }
    }
    let names: Vec<&str> = levels.iter().map(|l| l.keyword()).collect();
    if names.is_empty() {
        format!("{} actions", actions.len())
    } else {
        format!("{}: {} actions", names.join(", "), actions.len())
    }
}

/// The keyword of an EKS access policy ARN (`view`), or its name when unknown.
fn policy_keyword(arn: &str) -> String {
    use crate::ir::AccessPolicy as P;
    let name = arn.rsplit('/').next().unwrap_or(arn);
    for p in [P::ClusterAdmin, P::Admin, P::Edit, P::View] {
        if p.eks_name() == name {
            return p.keyword().to_string();
        }
    }
    name.to_string()
}

/// The access graph of a program (not collapsed: see [`collapse`]).
pub fn build(ir: &Ir, sources: &Sources) -> Graph {
    let mut b = Builder {
        sources: Some(sources),
        ..Builder::default()
    };
    // Clusters and namespaces.
    for c in ir.clusters.values() {
        b.node(NodeKind::Cluster, &c.name, &c.name, None, Some(c.span));
    }
    for ns in ir.namespaces.values() {
        for cluster in &ns.clusters {
            let key = format!("{cluster}/{}", ns.name);
            let id = b.node(
                NodeKind::Namespace,
                &key,
                &ns.name,
                cluster_group(cluster),
                Some(ns.span),
            );
            let cid = node_id(NodeKind::Cluster, cluster);
            if b.has(&cid) {
                b.edge(&cid, &id, EdgeKind::Contains, None);
            }
        }
    }
    // Apps and their service accounts.
    let mut app_clusters: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    for sa in &ir.service_accounts {
        app_clusters
            .entry(sa.app.as_str())
            .or_default()
            .insert((sa.cluster.as_str(), sa.namespace.as_str()));
    }
    for sa in &ir.service_accounts {
        let group = match app_clusters.get(sa.app.as_str()) {
            Some(set) if set.len() == 1 => ns_group(&sa.cluster, &sa.namespace),
            _ => None,
        };
        let app = b.node(NodeKind::App, &sa.app, &sa.app, group, Some(sa.span));
        let key = format!("{}/{}/{}", sa.cluster, sa.namespace, sa.name);
        let sid = b.node(
            NodeKind::ServiceAccount,
            &key,
            &sa.name,
            ns_group(&sa.cluster, &sa.namespace),
            Some(sa.span),
        );
        b.edge(&app, &sid, EdgeKind::RunsAs, None);
    }
    // Boundaries.
    let mut boundary_spans: BTreeMap<String, Span> = BTreeMap::new();
    for bd in &ir.boundaries {
        boundary_spans.insert(bd.arn(), bd.span);
    }
    // Roles: members, boundary, permissions.
    let mut role_ids: BTreeMap<String, String> = BTreeMap::new();
    for role in &ir.roles {
        let arn = role.arn();
        let kind = if role.origin.what.starts_with("role ") {
            NodeKind::SharedRole
        } else {
            NodeKind::Role
        };
        let rid = b.node(kind, &arn, &role.name, None, Some(role.origin.span));
        role_ids.insert(arn.clone(), rid.clone());
        for m in &role.members {
            let key = format!("{}/{}/{}", m.cluster, m.namespace, m.service_account);
            let sid = b.node(
                NodeKind::ServiceAccount,
                &key,
                &m.service_account,
                ns_group(&m.cluster, &m.namespace),
                None,
            );
            b.edge(
                &sid,
                &rid,
                EdgeKind::Assumes,
                Some(role.identity.keyword().to_string()),
            );
        }
        if let Some(bref) = &role.boundary {
            let bid = b.node(
                NodeKind::Boundary,
                &bref.arn,
                &bref.name,
                None,
                boundary_spans.get(&bref.arn).copied(),
            );
            b.edge(&rid, &bid, EdgeKind::BoundedBy, None);
        }
        let mut allows: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut denies: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut spans: BTreeMap<&str, Span> = BTreeMap::new();
        for st in &role.statements {
            for r in &st.resources {
                let to = if st.deny { &mut denies } else { &mut allows };
                to.entry(r.as_str())
                    .or_default()
                    .extend(st.actions.iter().map(String::as_str));
                if let Some(s) = st.sources.first() {
                    spans.entry(r.as_str()).or_insert(*s);
                }
            }
        }
        for (deny, map) in [(false, allows), (true, denies)] {
            for (pattern, actions) in map {
                let group = Some(format!("aws {}", service_of(pattern)));
                let aid = b.node(
                    NodeKind::AwsResource,
                    pattern,
                    pattern,
                    group,
                    spans.get(pattern).copied(),
                );
                let kind = if deny {
                    EdgeKind::Denies
                } else {
                    EdgeKind::Allows
                };
                b.edge(&rid, &aid, kind, Some(actions_label(&actions)));
            }
        }
    }
    // Resource policies.
    for rp in &ir.resource_policies {
        let pid = b.node(
            NodeKind::ResourcePolicy,
            &rp.arn,
            &format!("policy of {}", rp.name),
            Some(format!("aws {}", rp.kind.service())),
            Some(rp.span),
        );
        let aid = b.node(
            NodeKind::AwsResource,
            &rp.arn,
            &rp.arn,
            Some(format!("aws {}", rp.kind.service())),
            Some(rp.span),
        );
        b.edge(&pid, &aid, EdgeKind::PolicyOf, None);
        let mut admitted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for st in &rp.statements {
            for p in &st.principals {
                admitted
                    .entry(p.as_str())
                    .or_default()
                    .extend(st.actions.iter().map(String::as_str));
            }
        }
        for (principal, actions) in admitted {
            let from = match role_ids.get(principal) {
                Some(id) => id.clone(),
                None => principal_node(&mut b, &role_ids, principal, None),
            };
            b.edge(&from, &pid, EdgeKind::Admits, Some(actions_label(&actions)));
        }
    }
    // Access entries, their policies and groups.
    let mut entry_ids: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for e in &ir.access_entries {
        let key = format!("{}/{}", e.cluster, e.file);
        let eid = b.node(
            NodeKind::AccessEntry,
            &key,
            &e.file,
            cluster_group(&e.cluster),
            Some(e.origin.span),
        );
        let pid = principal_node(&mut b, &role_ids, &e.principal_arn, Some(e.origin.span));
        b.edge(
            &pid,
            &eid,
            EdgeKind::Authenticates,
            Some(e.entry_type.eks_value().to_string()),
        );
        for g in &e.groups {
            let gid = group_node(&mut b, &e.cluster, g);
            b.edge(&eid, &gid, EdgeKind::MemberOf, None);
        }
        entry_ids.insert((e.cluster.as_str(), e.file.as_str()), eid);
    }
    for a in &ir.access_policy_associations {
        let eid = match entry_ids.get(&(a.cluster.as_str(), a.name.as_str())) {
            Some(id) => id.clone(),
            None => {
                let key = format!("{}/{}", a.cluster, a.name);
                b.node(
                    NodeKind::AccessEntry,
                    &key,
                    &a.name,
                    cluster_group(&a.cluster),
                    Some(a.origin.span),
                )
            }
        };
        let label = Some(policy_keyword(&a.policy_arn));
        match &a.scope {
            AccessScope::Cluster => {
                let cid = cluster_node(&mut b, &a.cluster);
                b.edge(&eid, &cid, EdgeKind::AccessPolicy, label);
            }
            AccessScope::Namespaces(nss) => {
                for ns in nss {
                    let nid = namespace_node(&mut b, &a.cluster, ns);
                    b.edge(&eid, &nid, EdgeKind::AccessPolicy, label.clone());
                }
            }
        }
    }
    // aws-auth.
    for auth in &ir.aws_auth {
        for m in auth.map_roles.iter().chain(&auth.map_users) {
            let key = format!("{}/{}", auth.cluster, m.arn);
            let mid = b.node(
                NodeKind::AwsAuth,
                &key,
                &m.username,
                cluster_group(&auth.cluster),
                Some(m.origin.span),
            );
            let pid = principal_node(&mut b, &role_ids, &m.arn, Some(m.origin.span));
            b.edge(&pid, &mid, EdgeKind::Authenticates, Some("aws-auth".into()));
            for g in &m.groups {
                let gid = group_node(&mut b, &auth.cluster, g);
                b.edge(&mid, &gid, EdgeKind::MemberOf, None);
            }
        }
    }
    for gb in &ir.group_bindings {
        let gid = group_node(&mut b, &gb.cluster, &gb.group);
        let to = match &gb.namespace {
            Some(ns) => namespace_node(&mut b, &gb.cluster, ns),
            None => cluster_node(&mut b, &gb.cluster),
        };
        b.edge(&gid, &to, EdgeKind::Binding, Some(gb.cluster_role.clone()));
    }
    // RBAC: the verbs of every rule on a resource, by subject.
    let mut verbs: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for g in &ir.rbac {
        let from = match &g.subject {
            Subject::ServiceAccount { name, namespace } => {
                let key = format!("{}/{namespace}/{name}", g.cluster);
                b.node(
                    NodeKind::ServiceAccount,
                    &key,
                    name,
                    ns_group(&g.cluster, namespace),
                    Some(g.origin.span),
                )
            }
            Subject::Group(group) => group_node(&mut b, &g.cluster, group),
        };
        let ns = g.namespace.as_deref().unwrap_or("");
        let group = match &g.namespace {
            Some(ns) => ns_group(&g.cluster, ns),
            None => cluster_group(&g.cluster),
        };
        for rule in &g.rules {
            for res in &rule.resources {
                let apis: Vec<&str> = if rule.api_groups.is_empty() {
                    vec![""]
                } else {
                    rule.api_groups.iter().map(String::as_str).collect()
                };
                for api in apis {
                    let name = if api.is_empty() {
                        res.clone()
                    } else {
                        format!("{res}.{api}")
                    };
                    let shown = if rule.resource_names.is_empty() {
                        name
                    } else {
                        format!("{name} {}", rule.resource_names.join(", "))
                    };
                    let key = format!("{}/{ns}/{shown}", g.cluster);
                    let kid = b.node(
                        NodeKind::KubeResource,
                        &key,
                        &shown,
                        group.clone(),
                        Some(g.origin.span),
                    );
                    verbs
                        .entry((from.clone(), kid))
                        .or_default()
                        .extend(rule.verbs.iter().cloned());
                }
            }
        }
    }
    for ((from, to), vs) in verbs {
        let label = vs.into_iter().collect::<Vec<_>>().join(", ");
        b.edge(&from, &to, EdgeKind::Rbac, Some(label));
    }
    b.finish()
}

fn cluster_node(b: &mut Builder, cluster: &str) -> String {
    b.node(NodeKind::Cluster, cluster, cluster, None, None)
}

fn namespace_node(b: &mut Builder, cluster: &str, ns: &str) -> String {
    let key = format!("{cluster}/{ns}");
    b.node(NodeKind::Namespace, &key, ns, cluster_group(cluster), None)
}

fn group_node(b: &mut Builder, cluster: &str, group: &str) -> String {
    let key = format!("{cluster}/{group}");
    b.node(
        NodeKind::KubeGroup,
        &key,
        group,
        cluster_group(cluster),
        None,
    )
}

/// The node of a principal ARN: the program's role when it is one, else a principal node.
fn principal_node(
    b: &mut Builder,
    roles: &BTreeMap<String, String>,
    arn: &str,
    span: Option<Span>,
) -> String {
    match roles.get(arn) {
        Some(id) => id.clone(),
        None => b.node(NodeKind::Principal, &without_path(arn), arn, None, span),
    }
}

/// The ARN of an IAM role or user without its IAM path (`…:role/teams/x/Dev` → `…:role/Dev`),
/// as aws-auth writes it: one principal node for an access entry and an aws-auth mapping of
/// the same role. Other ARNs are kept.
pub fn without_path(arn: &str) -> String {
    let Some((head, resource)) = arn.rsplit_once(':') else {
        return arn.to_string();
    };
    match resource.split_once('/') {
        Some((kind, rest)) if kind == "role" || kind == "user" => {
            let name = rest.rsplit('/').next().unwrap_or(rest);
            format!("{head}:{kind}/{name}")
        }
        _ => arn.to_string(),
    }
}

/// The nodes a focus starts from (None: there is none).
fn focus_roots(g: &Graph, focus: &Focus) -> Option<Vec<String>> {
    let roots: Vec<String> = match focus {
        Focus::App(app) => g
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::App && (n.key == *app || n.collapsed.contains(app)))
            .map(|n| n.id.clone())
            .collect(),
        Focus::Resource(arn) => g
            .nodes
            .iter()
            .filter(|n| match n.kind {
                NodeKind::AwsResource => Pattern::plain(&n.key).matches_arn(arn),
                NodeKind::ResourcePolicy => n.key == *arn,
                _ => false,
            })
            .map(|n| n.id.clone())
            .collect(),
        Focus::Principal(arn) => g
            .nodes
            .iter()
            .filter(|n| match n.kind {
                NodeKind::Principal => n.key == without_path(arn),
                NodeKind::Role | NodeKind::SharedRole => n.key == *arn,
                _ => false,
            })
            .map(|n| n.id.clone())
            .collect(),
    };
    (!roots.is_empty()).then_some(roots)
}

/// The paths through one node: the focused node(s), every node that reaches them and every
/// node they reach, with the edges between those (a path in, a path out). `None` when no node
/// matches the focus.
pub fn focus(g: &Graph, focus: &Focus) -> Option<Graph> {
    let roots = focus_roots(g, focus)?;
    let mut out_edges: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut in_edges: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, e) in g.edges.iter().enumerate() {
        out_edges.entry(e.from.as_str()).or_default().push(i);
        in_edges.entry(e.to.as_str()).or_default().push(i);
    }
    let mut keep_nodes: BTreeSet<String> = roots.iter().cloned().collect();
    let mut keep_edges: BTreeSet<usize> = BTreeSet::new();
    for forward in [true, false] {
        let mut seen: BTreeSet<String> = roots.iter().cloned().collect();
        let mut stack: Vec<String> = roots.clone();
        while let Some(id) = stack.pop() {
            let adj = if forward { &out_edges } else { &in_edges };
            for &i in adj.get(id.as_str()).into_iter().flatten() {
                let Some(e) = g.edges.get(i) else { continue };
                // The containment of namespaces in clusters is not a path of access.
                if e.kind == EdgeKind::Contains {
                    continue;
                }
                keep_edges.insert(i);
                let next = if forward { &e.to } else { &e.from };
                if seen.insert(next.clone()) {
                    keep_nodes.insert(next.clone());
                    stack.push(next.clone());
                }
            }
        }
    }
    Some(Graph {
        nodes: g
            .nodes
            .iter()
            .filter(|n| keep_nodes.contains(&n.id))
            .cloned()
            .collect(),
        edges: keep_edges
            .into_iter()
            .filter_map(|i| g.edges.get(i).cloned())
            .collect(),
    })
}

/// Every focus candidate's name of a kind, for "did you mean": app keys, ARN patterns and
/// resource-policy ARNs, principal and role ARNs.
pub fn focus_candidates(g: &Graph, focus: &Focus) -> Vec<String> {
    let kinds: &[NodeKind] = match focus {
        Focus::App(_) => &[NodeKind::App],
        Focus::Resource(_) => &[NodeKind::AwsResource, NodeKind::ResourcePolicy],
        Focus::Principal(_) => &[NodeKind::Principal, NodeKind::Role, NodeKind::SharedRole],
    };
    let mut v: Vec<String> = g
        .nodes
        .iter()
        .filter(|n| kinds.contains(&n.kind))
        .flat_map(|n| {
            if n.collapsed.is_empty() {
                vec![n.key.clone()]
            } else {
                n.collapsed.clone()
            }
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Fold apps of the same shape into one node.
///
/// The rule: an app's own nodes are the app, its service accounts and its own IAM roles (the
/// roles an `app` declares, not shared ones). Its shape is its group and every edge that
/// touches its own nodes, with each own node written as its kind and its key with the app's
/// name replaced by a placeholder, every other node by its id, and the labels. Apps of one
/// shape (two or more) become one: the first by key stays, labelled `N apps like NAME`, with
/// [`Node::collapsed`] listing them all; the others' own nodes and edges go. Two apps collapse
/// only when they reach exactly the same other nodes with the same labels.
pub fn collapse(g: &Graph) -> Graph {
    plan(g).apply(g.clone())
}

/// Which apps [`collapse`] folds, and into which.
fn plan(g: &Graph) -> Plan {
    // Own nodes of each app.
    let mut own: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new(); // app id → own node ids
    let mut owner: HashMap<&str, &str> = HashMap::new(); // node id → app id
    let by_id: HashMap<&str, &Node> = g.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    for n in &g.nodes {
        if n.kind == NodeKind::App {
            own.entry(n.id.as_str()).or_default().insert(n.id.as_str());
            owner.insert(n.id.as_str(), n.id.as_str());
        }
    }
    let mut role_apps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &g.edges {
        match e.kind {
            EdgeKind::RunsAs => {
                own.entry(e.from.as_str())
                    .or_default()
                    .insert(e.to.as_str());
                owner.insert(e.to.as_str(), e.from.as_str());
            }
            EdgeKind::Assumes
                if by_id.get(e.to.as_str()).map(|n| n.kind) == Some(NodeKind::Role) =>
            {
                role_apps
                    .entry(e.to.as_str())
                    .or_default()
                    .insert(e.from.as_str());
            }
            _ => {}
        }
    }
    // An own role belongs to the app whose service accounts all assume it.
    for (role, sas) in &role_apps {
        let apps: BTreeSet<&str> = sas.iter().filter_map(|s| owner.get(s).copied()).collect();
        if apps.len() == 1 && sas.iter().all(|s| owner.contains_key(s)) {
            if let Some(app) = apps.into_iter().next() {
                own.entry(app).or_default().insert(role);
                owner.insert(role, app);
            }
        }
    }
    // Shapes.
    let mut touching: HashMap<&str, Vec<&Edge>> = HashMap::new();
    for e in &g.edges {
        let a = owner.get(e.from.as_str());
        let b = owner.get(e.to.as_str());
        if let Some(app) = a.or(b) {
            touching.entry(app).or_default().push(e);
        }
        if let (Some(x), Some(y)) = (a, b) {
            if x != y {
                touching.entry(y).or_default().push(e);
            }
        }
    }
    // A cheap first cut: apps can only share a shape if they touch the same other nodes by the
    // same kinds of edges with the same labels, in the same group. Only apps whose signature
    // hashes like another's get their full shape written (a collision only costs time).
    let mut cut: Vec<(u64, &str)> = Vec::new();
    let apps_in_order = g.nodes.iter().filter(|n| n.kind == NodeKind::App);
    for app_node in apps_in_order {
        let app = app_node.id.as_str();
        let mut sig: Vec<(bool, &str, EdgeKind, &str)> = touching
            .get(app)
            .into_iter()
            .flatten()
            .map(|e| {
                let from_own = owner.get(e.from.as_str()) == Some(&app);
                let other = if from_own { &e.to } else { &e.from };
                let other = if owner.get(other.as_str()) == Some(&app) {
                    ""
                } else {
                    other.as_str()
                };
                (from_own, other, e.kind, e.label.as_str())
            })
            .collect();
        sig.sort_unstable();
        let mut h = std::hash::DefaultHasher::new();
        (app_node.group.as_deref(), sig).hash(&mut h);
        cut.push((h.finish(), app));
    }
    cut.sort_unstable();
    let mut candidates: Vec<&str> = Vec::new();
    for (i, (h, app)) in cut.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| cut.get(p)).map(|x| x.0);
        let next = cut.get(i + 1).map(|x| x.0);
        if prev == Some(*h) || next == Some(*h) {
            candidates.push(app);
        }
    }
    let mut shapes: BTreeMap<Vec<String>, Vec<&str>> = BTreeMap::new();
    for app in candidates {
        let Some(app_node) = by_id.get(app) else {
            continue;
        };
        let name = app_node
            .key
            .rsplit('/')
            .next()
            .unwrap_or(&app_node.key)
            .to_string();
        let write = |id: &str| -> String {
            if owner.get(id) == Some(&app) {
                match by_id.get(id) {
                    Some(n) => format!("own {} {}", n.kind.name(), replace_word(&n.key, &name)),
                    None => id.to_string(),
                }
            } else if owner.contains_key(id) {
                // Another app's node: never the same shape.
                format!("other {id}")
            } else {
                id.to_string()
            }
        };
        let mut shape: Vec<String> = touching
            .get(app)
            .into_iter()
            .flatten()
            .map(|e| {
                format!(
                    "{}\u{1}{}\u{1}{}\u{1}{}",
                    write(&e.from),
                    write(&e.to),
                    e.kind.name(),
                    e.label
                )
            })
            .collect();
        shape.sort();
        shape.push(format!("group {:?}", app_node.group));
        shapes.entry(shape).or_default().push(app);
    }
    let mut drop: HashSet<String> = HashSet::new();
    let mut relabel: HashMap<String, Vec<String>> = HashMap::new();
    for apps in shapes.values() {
        if apps.len() < 2 {
            continue;
        }
        let mut apps = apps.clone();
        apps.sort_by_key(|a| by_id.get(a).map(|n| n.key.as_str()));
        let keys: Vec<String> = apps
            .iter()
            .filter_map(|a| by_id.get(a).map(|n| n.key.clone()))
            .collect();
        if let Some((first, rest)) = apps.split_first() {
            relabel.insert((*first).to_string(), keys);
            for a in rest {
                drop.extend(own.get(a).into_iter().flatten().map(|s| (*s).to_string()));
            }
        }
    }
    Plan { drop, relabel }
}

/// What [`collapse`] does to a graph: the nodes it drops, and the nodes it relabels with the
/// keys they stand for.
struct Plan {
    drop: HashSet<String>,
    relabel: HashMap<String, Vec<String>>,
}

impl Plan {
    fn apply(mut self, mut g: Graph) -> Graph {
        if self.relabel.is_empty() {
            return g;
        }
        g.nodes.retain(|n| !self.drop.contains(&n.id));
        for n in &mut g.nodes {
            if let Some(keys) = self.relabel.remove(&n.id) {
                n.label = format!("{} apps like {}", keys.len(), n.key);
                n.collapsed = keys;
            }
        }
        g.edges
            .retain(|e| !self.drop.contains(&e.from) && !self.drop.contains(&e.to));
        g
    }
}

/// [`collapse`] of a graph the caller gives away (no copy when nothing collapses).
pub fn collapse_into(g: Graph) -> Graph {
    plan(&g).apply(g)
}

/// `text` with each occurrence of `word` that is not part of a longer run of letters and
/// digits replaced by a NUL placeholder (`web/b` → `web/\0`, `role/web-b` → `role/web-\0`,
/// `web` unchanged).
fn replace_word(text: &str, word: &str) -> String {
    if word.is_empty() {
        return text.to_string();
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = text.get(i..).unwrap_or_default();
        let before = text.get(..i).and_then(|b| b.chars().next_back());
        if rest.starts_with(word)
            && !alnum(before)
            && !alnum(rest.get(word.len()..).and_then(|a| a.chars().next()))
        {
            out.push('\u{0}');
            i += word.len();
        } else if let Some(c) = rest.chars().next() {
            out.push(c);
            i += c.len_utf8();
        } else {
            break;
        }
    }
    out
}

/// The graph as SVG ([`svg::render`]).
pub fn svg(g: &Graph) -> String {
    svg::render(g)
}

#[cfg(test)]
mod tests;
