//! The graph as SVG, laid out here (no external tool), deterministically: one column per
//! layer — IAM principals → access entries, Kubernetes groups and IAM roles → apps and service
//! accounts → clusters and namespaces → AWS and Kubernetes resources — empty columns left out;
//! in a column, nodes sorted by (group, kind, key), each group under a small heading; edges as
//! cubic curves with an arrow and their label at the middle; a legend of the kinds shown at
//! the top. Nodes are drawn over the edges, their fill translucent, so that an edge passing
//! behind a column (a role's grants cross the apps) is seen to go on rather than seem to start
//! at the node it passes. Labels longer than [`MAX_CHARS`] are cut with `…` (the full text is the node's
//! `<title>` tooltip). All text is XML-escaped. Each node is a `<g class="node"
//! data-id="ID">` (ids are [`super::node_id`]s), so a page embedding several pictures has no
//! duplicate `id`s.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::style::{fill, line, printable, stroke, Line};
use super::{Graph, NodeKind};

/// The longest label drawn in full, in characters.
pub const MAX_CHARS: usize = 36;

const MARGIN: i64 = 20;
const COL_W: i64 = 250;
const GAP: i64 = 120;
const NODE_H: i64 = 34;
const ROW_GAP: i64 = 10;
const GROUP_GAP: i64 = 22;

const HEADINGS: [&str; 5] = [
    "IAM principals",
    "Access and roles",
    "Apps and service accounts",
    "Clusters and namespaces",
    "Resources",
];

/// Text escaped for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The graph as an SVG document.
pub fn render(g: &Graph) -> String {
    // Columns in use, in order.
    let mut cols: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, n) in g.nodes.iter().enumerate() {
        cols.entry(n.kind.column()).or_default().push(i);
    }
    let kinds: Vec<NodeKind> = NodeKind::ALL
        .into_iter()
        .filter(|k| g.nodes.iter().any(|n| n.kind == *k))
        .collect();
    // Legend: kinds and lines, four to a row.
    let legend_items = kinds.len() + 3;
    let legend_rows = i64::try_from(legend_items.div_ceil(4)).unwrap_or(1);
    let legend_h = legend_rows * 22 + 10;
    let top = MARGIN + 24 + legend_h + 30;
    // Positions.
    let mut pos: BTreeMap<&str, (i64, i64, usize)> = BTreeMap::new(); // id → (x, y, column)
    let mut headers: Vec<(i64, i64, String)> = Vec::new();
    let mut bottom = top;
    for (slot, (col, members)) in cols.iter_mut().enumerate() {
        members.sort_by(|&a, &b| {
            let (na, nb) = (&g.nodes[a], &g.nodes[b]);
            (&na.group, na.kind, &na.key).cmp(&(&nb.group, nb.kind, &nb.key))
        });
        let x = MARGIN + i64::try_from(slot).unwrap_or(0) * (COL_W + GAP);
        let mut y = top;
        let mut current: Option<&Option<String>> = None;
        headers.push((
            x,
            top - 14,
            HEADINGS.get(*col).copied().unwrap_or("").to_string(),
        ));
        for &i in members.iter() {
            let n = &g.nodes[i];
            if current != Some(&n.group) {
                if let Some(name) = &n.group {
                    y += GROUP_GAP - ROW_GAP;
                    headers.push((x, y, format!("— {name}")));
                    y += 8;
                }
                current = Some(&n.group);
            }
            pos.insert(n.id.as_str(), (x, y, *col));
            y += NODE_H + ROW_GAP;
        }
        bottom = bottom.max(y);
    }
    let width = (MARGIN * 2 + i64::try_from(cols.len().max(1)).unwrap_or(1) * (COL_W + GAP) - GAP)
        .max(4 * 230 + MARGIN * 2);
    let height = bottom + MARGIN;
    let mut out = String::with_capacity(1024 + g.nodes.len() * 400 + g.edges.len() * 300);
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<title>Access graph: {} nodes, {} edges</title>",
        g.nodes.len(),
        g.edges.len()
    );
    out.push_str("<defs><marker id=\"accessc-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#374151\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    // Legend.
    out.push_str("<g class=\"legend\">\n");
    let _ = writeln!(
        out,
        "<text x=\"{MARGIN}\" y=\"{}\" font-weight=\"bold\" fill=\"#111827\">Legend</text>",
        MARGIN + 12
    );
    let mut item = 0i64;
    let place = |item: i64| (MARGIN + (item % 4) * 230, MARGIN + 24 + (item / 4) * 22);
    for k in &kinds {
        let (x, y) = place(item);
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"18\" height=\"14\" rx=\"3\" fill=\"{}\" stroke=\"#4b5563\"/><text x=\"{}\" y=\"{}\" fill=\"#111827\">{}</text>",
            fill(*k),
            x + 24,
            y + 11,
            escape(k.title())
        );
        item += 1;
    }
    for (dash, color, what) in [
        ("", "#374151", "grants, admits, runs as"),
        (
            " stroke-dasharray=\"6 4\"",
            "#b91c1c",
            "denies (dashed: deny, boundary)",
        ),
        (
            " stroke-dasharray=\"2 3\"",
            "#6b7280",
            "contains, policy of",
        ),
    ] {
        let (x, y) = place(item);
        let _ = writeln!(
            out,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" stroke-width=\"1.5\"{dash}/><text x=\"{}\" y=\"{}\" fill=\"#111827\">{what}</text>",
            y + 7,
            x + 18,
            y + 7,
            x + 24,
            y + 11
        );
        item += 1;
    }
    out.push_str("</g>\n");
    // Headings.
    for (x, y, text) in &headers {
        let weight = if text.starts_with('—') {
            "normal"
        } else {
            "bold"
        };
        let _ = writeln!(
            out,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"11\" font-weight=\"{weight}\" fill=\"#374151\">{}</text>",
            escape(&cut(text, MAX_CHARS + 4))
        );
    }
    // Edges.
    out.push_str("<g class=\"edges\" fill=\"none\">\n");
    for e in &g.edges {
        let (Some(&(fx, fy, fc)), Some(&(tx, ty, tc))) =
            (pos.get(e.from.as_str()), pos.get(e.to.as_str()))
        else {
            continue;
        };
        let (fy, ty) = (fy + NODE_H / 2, ty + NODE_H / 2);
        let (x1, x2, c1, c2) = if tc > fc {
            let (a, b) = (fx + COL_W, tx);
            let d = (b - a) / 2;
            (a, b, a + d, b - d)
        } else if tc < fc {
            let (a, b) = (fx, tx + COL_W);
            let d = (a - b) / 2;
            (a, b, a - d, b + d)
        } else {
            let (a, b) = (fx + COL_W, tx + COL_W);
            (a, b, a + 50, b + 50)
        };
        let dash = match line(e.kind) {
            Line::Solid => "",
            Line::Dashed => " stroke-dasharray=\"6 4\"",
            Line::Dotted => " stroke-dasharray=\"2 3\"",
        };
        let _ = write!(
            out,
            "<path d=\"M{x1},{fy} C{c1},{fy} {c2},{ty} {x2},{ty}\" stroke=\"{}\" stroke-width=\"1.2\"{dash} marker-end=\"url(#accessc-arrow)\"><title>{}</title></path>",
            stroke(e.kind),
            escape(&format!("{}: {}", e.kind.name(), e.label))
        );
        if !e.label.is_empty() {
            let mx = (x1 + 3 * c1 + 3 * c2 + x2) / 8;
            let my = (fy + ty) / 2;
            let _ = write!(
                out,
                "<text x=\"{mx}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#1f2937\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
                my - 3,
                escape(&cut(&e.label, 30))
            );
        }
        out.push('\n');
    }
    out.push_str("</g>\n");
    // Nodes.
    out.push_str("<g class=\"nodes\">\n");
    for n in &g.nodes {
        let Some(&(x, y, _)) = pos.get(n.id.as_str()) else {
            continue;
        };
        let title = match &n.location {
            Some(l) => format!("{}: {} ({l})", n.kind.title(), n.key),
            None => format!("{}: {}", n.kind.title(), n.key),
        };
        let _ = writeln!(
            out,
            "<g class=\"node\" data-id=\"{}\" data-kind=\"{}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{COL_W}\" height=\"{NODE_H}\" rx=\"6\" fill=\"{}\" fill-opacity=\"0.72\" stroke=\"#4b5563\"/><text x=\"{}\" y=\"{}\" fill=\"#111827\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"9\" fill=\"#374151\">{}</text></g>",
            n.id,
            n.kind.name(),
            escape(&title),
            fill(n.kind),
            x + 8,
            y + 14,
            escape(&cut(&n.label, MAX_CHARS)),
            x + 8,
            y + 27,
            escape(n.kind.title())
        );
    }
    out.push_str("</g>\n</svg>\n");
    out
}
