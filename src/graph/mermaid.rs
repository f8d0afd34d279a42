//! The graph as a Mermaid flowchart (GitHub renders it in Markdown): left to right, one
//! `subgraph` per group, nodes classed by kind. Ids are generated ([`super::node_id`]); labels
//! are quoted, and every character but ASCII letters, digits, space and `.,:/*_=@+-` is written
//! as a Mermaid entity (`#35;`), so quotes, `<>`, `|`, `#`, `;`, backticks and newlines in
//! names cannot end a label or inject markup.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::style::{by_group, fill, line, printable, Line};
use super::{Edge, Graph, NodeKind};

/// A change of an edge, in [`render_changes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// The change adds the edge: green, solid.
    Added,
    /// The change removes the edge: red, dashed.
    Removed,
}

/// A label as Mermaid text, quoted.
pub fn label(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in printable(s).chars() {
        if c.is_ascii_alphanumeric() || " .,:/*_=@+-".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", u32::from(c));
        }
    }
    out.push('"');
    out
}

/// The graph as a Mermaid flowchart.
pub fn render(g: &Graph) -> String {
    render_changes(g, &|_| None)
}

/// The graph as a Mermaid flowchart with some edges marked as added or removed.
pub fn render_changes(g: &Graph, change: &dyn Fn(&Edge) -> Option<Change>) -> String {
    let mut out = String::with_capacity(64 + g.nodes.len() * 100 + g.edges.len() * 80);
    out.push_str("flowchart LR\n");
    let groups = by_group(g);
    let mut k = 0usize;
    for (group, members) in &groups {
        let indent = if let Some(name) = group {
            k += 1;
            let _ = writeln!(out, "  subgraph grp{k}[{}]", label(name));
            "    "
        } else {
            "  "
        };
        for &i in members {
            if let Some(n) = g.nodes.get(i) {
                let _ = writeln!(out, "{indent}{}[{}]", n.id, label(&n.label));
            }
        }
        if group.is_some() {
            out.push_str("  end\n");
        }
    }
    let mut styles = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let c = change(e);
        let dashed = match c {
            Some(Change::Added) => false,
            Some(Change::Removed) => true,
            None => line(e.kind) != Line::Solid,
        };
        let arrow = if dashed { "-.->" } else { "-->" };
        if e.label.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
        } else {
            let _ = writeln!(out, "  {} {arrow}|{}| {}", e.from, label(&e.label), e.to);
        }
        match c {
            Some(Change::Added) => {
                styles.push(format!("  linkStyle {i} stroke:#15803d,stroke-width:2px"))
            }
            Some(Change::Removed) => styles.push(format!(
                "  linkStyle {i} stroke:#b91c1c,stroke-width:2px,stroke-dasharray:5 4"
            )),
            None => {}
        }
    }
    let mut by_kind: BTreeMap<NodeKind, Vec<&str>> = BTreeMap::new();
    for n in &g.nodes {
        by_kind.entry(n.kind).or_default().push(&n.id);
    }
    for (kind, ids) in &by_kind {
        let _ = writeln!(
            out,
            "  classDef {} fill:{},stroke:#4b5563,color:#111827",
            kind.name(),
            fill(*kind)
        );
        let _ = writeln!(out, "  class {} {}", ids.join(","), kind.name());
    }
    for s in styles {
        out.push_str(&s);
        out.push('\n');
    }
    out
}
