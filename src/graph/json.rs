//! The graph as JSON: `{"nodes": [...], "edges": [...]}`, keys in a fixed order, two-space
//! indent.

use serde_json::{json, Value};

use super::Graph;

/// The graph as a JSON value.
pub fn value(g: &Graph) -> Value {
    let nodes: Vec<Value> = g
        .nodes
        .iter()
        .map(|n| {
            let mut v = json!({
                "id": n.id,
                "kind": n.kind.name(),
                "key": n.key,
                "label": n.label,
                "group": n.group,
                "location": n.location,
            });
            if !n.collapsed.is_empty() {
                if let Some(m) = v.as_object_mut() {
                    m.insert("collapsed".into(), json!(n.collapsed));
                }
            }
            v
        })
        .collect();
    let edges: Vec<Value> = g
        .edges
        .iter()
        .map(|e| {
            json!({
                "from": e.from,
                "to": e.to,
                "kind": e.kind.name(),
                "label": e.label,
            })
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}

/// The graph as JSON text, ending with a newline.
pub fn render(g: &Graph) -> String {
    let mut s = serde_json::to_string_pretty(&value(g)).unwrap_or_default();
    s.push('\n');
    s
}
