//! The graph as Graphviz DOT: left to right, one box (`subgraph cluster_N`) per group, nodes
//! filled by kind, edges labelled. Every string is quoted with `"` and `\` escaped; no HTML
//! labels.

use std::fmt::Write as _;

use super::style::{by_group, fill, line, printable, stroke, Line};
use super::Graph;

/// The colour of edges that set none.
const DEFAULT_STROKE: &str = "#374151";

/// A DOT quoted string: `"` and `\` escaped, control characters replaced.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in printable(s).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The graph as DOT.
pub fn render(g: &Graph) -> String {
    let mut out = String::with_capacity(256 + g.nodes.len() * 160 + g.edges.len() * 100);
    out.push_str("digraph access {\n");
    out.push_str(
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, nodesep=0.2, ranksep=0.9];\n",
    );
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];\n",
    );
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#374151\"];\n");
    let groups = by_group(g);
    let mut k = 0usize;
    for (group, members) in &groups {
        let indent = if let Some(name) = group {
            k += 1;
            let _ = writeln!(
                out,
                "  subgraph cluster_{k} {{\n    label={};\n    style=\"rounded\";\n    color=\"#9ca3af\";",
                quote(name)
            );
            "    "
        } else {
            "  "
        };
        for &i in members {
            let Some(n) = g.nodes.get(i) else { continue };
            let mut tooltip = n.kind.title().to_string();
            if n.key != n.label {
                tooltip = format!("{tooltip}: {}", n.key);
            }
            if let Some(l) = &n.location {
                tooltip = format!("{tooltip} ({l})");
            }
            let _ = writeln!(
                out,
                "{indent}{} [label={}, fillcolor={}, tooltip={}];",
                n.id,
                quote(&n.label),
                quote(fill(n.kind)),
                quote(&tooltip)
            );
        }
        if group.is_some() {
            out.push_str("  }\n");
        }
    }
    for e in &g.edges {
        let mut attrs = Vec::new();
        if !e.label.is_empty() {
            attrs.push(format!("label={}", quote(&e.label)));
        }
        match line(e.kind) {
            Line::Solid => {}
            Line::Dashed => attrs.push("style=dashed".into()),
            Line::Dotted => attrs.push("style=dotted".into()),
        }
        if stroke(e.kind) != DEFAULT_STROKE {
            attrs.push(format!("color={}", quote(stroke(e.kind))));
        }
        if attrs.is_empty() {
            let _ = writeln!(out, "  {} -> {};", e.from, e.to);
        } else {
            let _ = writeln!(out, "  {} -> {} [{}];", e.from, e.to, attrs.join(", "));
        }
    }
    out.push_str("}\n");
    out
}
