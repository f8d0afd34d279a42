//! The colours and edge styles every renderer shares: one fill per node kind (light, so that
//! black text keeps a contrast above 7:1), and how an edge is drawn.

use std::collections::BTreeMap;

use super::{EdgeKind, Graph, NodeKind};

/// The fill colour of a node kind.
pub fn fill(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Principal => "#fde2e4",
        NodeKind::AccessEntry | NodeKind::AwsAuth => "#fff1c1",
        NodeKind::KubeGroup => "#fbe7c6",
        NodeKind::Role => "#dbeafe",
        NodeKind::SharedRole => "#c7d2fe",
        NodeKind::Boundary => "#e5e7eb",
        NodeKind::App => "#dcfce7",
        NodeKind::ServiceAccount => "#d1fae5",
        NodeKind::Cluster => "#ede9fe",
        NodeKind::Namespace => "#f3e8ff",
        NodeKind::ResourcePolicy => "#fee2e2",
        NodeKind::AwsResource => "#ffedd5",
        NodeKind::KubeResource => "#cffafe",
    }
}

/// How an edge is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A solid line: access flows.
    Solid,
    /// A dashed line: a deny, a cap (boundary).
    Dashed,
    /// A dotted line: containment.
    Dotted,
}

/// The line of an edge kind.
pub fn line(kind: EdgeKind) -> Line {
    match kind {
        EdgeKind::Denies | EdgeKind::BoundedBy => Line::Dashed,
        EdgeKind::Contains | EdgeKind::PolicyOf => Line::Dotted,
        _ => Line::Solid,
    }
}

/// The stroke colour of an edge kind.
pub fn stroke(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Denies => "#b91c1c",
        EdgeKind::Contains | EdgeKind::PolicyOf | EdgeKind::BoundedBy => "#6b7280",
        _ => "#374151",
    }
}

/// Text safe in any output: control characters (which XML 1.0 forbids and terminals act on)
/// become U+FFFD; everything else is kept for the format's own escaping.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// The nodes of each group (indexes into `g.nodes`), groups in order, the nodes of no group
/// first: what DOT and Mermaid draw as boxes.
pub fn by_group(g: &Graph) -> BTreeMap<Option<&str>, Vec<usize>> {
    let mut groups: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        groups.entry(n.group.as_deref()).or_default().push(i);
    }
    groups
}
