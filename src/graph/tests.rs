use super::*;

#[test]
fn ids_are_safe_and_distinct() {
    let a = node_id(NodeKind::App, "a/b");
    let b = node_id(NodeKind::App, "a_2fb");
    assert_ne!(a, b);
    assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    assert_eq!(node_id(NodeKind::Cluster, "prod"), "cluster_prod");
}
