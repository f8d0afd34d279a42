#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use super::*;

const CLUSTER: &str = r#"cluster prod {
  account   = "111122223333"
  region    = "us-west-2"
  oidc      = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  auth_mode = api
}
namespace web on prod
namespace jobs on prod
"#;

fn graph_of(program: &str) -> Graph {
    let mut sources = Sources::new();
    sources.add("cluster.access", CLUSTER);
    sources.add("apps.access", program);
    let compiled = crate::compile(&sources);
    let ir = compiled
        .ir
        .unwrap_or_else(|| panic!("errors: {:?}", compiled.diags));
    build(&ir, &sources)
}

fn apps(g: &Graph) -> Vec<(String, String, Vec<String>)> {
    g.nodes
        .iter()
        .filter(|n| n.kind == NodeKind::App)
        .map(|n| (n.key.clone(), n.label.clone(), n.collapsed.clone()))
        .collect()
}

#[test]
fn ids_are_safe_and_distinct() {
    let a = node_id(NodeKind::App, "a/b");
    let b = node_id(NodeKind::App, "a b");
    assert_ne!(a, b);
    assert!(a.starts_with("app_a_b_"), "{a}");
    assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    assert!(node_id(NodeKind::Cluster, "prod").starts_with("cluster_prod_"));
    let long = node_id(
        NodeKind::Role,
        "arn:aws:iam::111122223333:role/eks/payments-checkout",
    );
    assert!(long.starts_with("role_eks_payments_checkout_"), "{long}");
    assert_eq!(
        node_id(NodeKind::App, "\"<>"),
        format!("app_{:016x}", crate::hash::fnv1a("\"<>"))
    );
    assert_eq!(node_id_long(NodeKind::App, "web/a b"), "app_x_web_2fa_20b");
    assert_ne!(
        node_id_long(NodeKind::App, "a/b"),
        node_id_long(NodeKind::App, "a_2fb")
    );
    // Kinds never share an id.
    let ids: BTreeSet<String> = NodeKind::ALL.iter().map(|k| node_id(*k, "x")).collect();
    assert_eq!(ids.len(), NodeKind::ALL.len());
}

/// Apps whose own nodes reach the same other nodes with the same labels collapse into one; an
/// app with another grant, or in another namespace, does not.
#[test]
fn apps_of_one_shape_collapse() {
    let g = graph_of(
        r#"
app a in web { kubernetes { get, list configmaps } }
app b in web { kubernetes { get, list configmaps } }
app c in web { kubernetes { get, list configmaps } }
app d in web { kubernetes { get secrets } }
app e in jobs { kubernetes { get, list configmaps } }
"#,
    );
    assert_eq!(apps(&g).len(), 5);
    let c = collapse(&g);
    assert_eq!(
        apps(&c),
        [
            ("jobs/e".to_string(), "jobs/e".to_string(), vec![]),
            (
                "web/a".to_string(),
                "3 apps like web/a".to_string(),
                vec![
                    "web/a".to_string(),
                    "web/b".to_string(),
                    "web/c".to_string()
                ]
            ),
            ("web/d".to_string(), "web/d".to_string(), vec![]),
        ]
    );
    // The others' service accounts and edges are gone; the shared resource stays.
    assert!(c.find(NodeKind::ServiceAccount, "prod/web/b").is_none());
    assert!(c.find(NodeKind::ServiceAccount, "prod/web/a").is_some());
    assert!(c
        .find(NodeKind::KubeResource, "prod/web/configmaps")
        .is_some());
    let ids: BTreeSet<&str> = c.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(c
        .edges
        .iter()
        .all(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str())));
    // A focus finds a collapsed app by any of its names.
    let f = focus(&c, &Focus::App("web/c".into())).unwrap();
    assert!(f.find(NodeKind::App, "web/a").is_some());
    // Collapsing twice changes nothing more.
    assert_eq!(collapse(&c), c);
}

/// Own IAM roles count as the app's own nodes (their names hold the app's name), so apps with
/// equal grants on the same ARNs collapse; a different ARN keeps them apart.
#[test]
fn own_roles_collapse_by_their_grants() {
    let g = graph_of(
        r#"
app a in web { aws { read "arn:aws:s3:::shared/*" } }
app b in web { aws { read "arn:aws:s3:::shared/*" } }
app c in web { aws { read "arn:aws:s3:::other/*" } }
"#,
    );
    let c = collapse(&g);
    let got: Vec<String> = apps(&c).into_iter().map(|a| a.1).collect();
    assert_eq!(got, ["2 apps like web/a", "web/c"]);
    assert_eq!(
        c.nodes.iter().filter(|n| n.kind == NodeKind::Role).count(),
        2,
        "b's role went with it"
    );
}

/// Apps that share a role are not folded into each other through it.
#[test]
fn a_shared_role_is_not_own() {
    let g = graph_of(
        r#"
role readers {
  identity = pod_identity
  aws { read "arn:aws:s3:::shared/*" }
}
app a in web { role = readers }
app b in web { role = readers }
"#,
    );
    let c = collapse(&g);
    assert_eq!(
        c.nodes
            .iter()
            .filter(|n| n.kind == NodeKind::SharedRole)
            .count(),
        1
    );
    let got: Vec<String> = apps(&c).into_iter().map(|a| a.1).collect();
    assert_eq!(got, ["2 apps like web/a"]);
}

#[test]
fn focus_keeps_the_paths_through_a_node() {
    let g = graph_of(
        r#"
app a in web { aws { read "arn:aws:s3:::shared/*" } }
app b in web { aws { read "arn:aws:s3:::shared/*" } kubernetes { get pods } }
app c in jobs { aws { list "arn:aws:s3:::other" } }
"#,
    );
    // Who reaches an object of `shared`: both apps, through their roles; not c.
    let f = focus(&g, &Focus::Resource("arn:aws:s3:::shared/x.txt".into())).unwrap();
    let keys: Vec<&str> = f.keys(NodeKind::App);
    assert_eq!(keys, ["web/a", "web/b"]);
    assert!(f.find(NodeKind::KubeResource, "prod/web/pods").is_none());
    // An app's paths: its service account, role, what it grants; not the other app.
    let f = focus(&g, &Focus::App("web/b".into())).unwrap();
    assert_eq!(f.keys(NodeKind::App), ["web/b"]);
    assert!(f.find(NodeKind::KubeResource, "prod/web/pods").is_some());
    assert!(f
        .find(NodeKind::AwsResource, "arn:aws:s3:::shared/*")
        .is_some());
    // Every edge joins kept nodes.
    let ids: BTreeSet<&str> = f.nodes.iter().map(|n| n.id.as_str()).collect();
    assert!(f
        .edges
        .iter()
        .all(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str())));
    // Nothing to focus on.
    assert!(focus(&g, &Focus::App("web/zz".into())).is_none());
    assert!(focus(&g, &Focus::Resource("arn:aws:s3:::nope/x".into())).is_none());
    assert!(focus(&g, &Focus::Principal("arn:aws:iam::1:role/x".into())).is_none());
    let role = g.keys(NodeKind::Role)[0].to_string();
    assert!(focus(&g, &Focus::Principal(role)).is_some());
    assert!(focus_candidates(&g, &Focus::App(String::new())).contains(&"web/a".to_string()));
}

#[test]
fn labels_say_what_is_granted() {
    let mut few = BTreeSet::new();
    few.insert("s3:GetObject");
    assert_eq!(actions_label(&few), "s3:GetObject");
    let many: BTreeSet<&str> = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"]
        .into_iter()
        .collect();
    assert_eq!(actions_label(&many), "read, write, list: 3 actions");
}

#[test]
fn an_apps_name_is_replaced_as_a_word() {
    assert_eq!(replace_word("prod/web/b", "b"), "prod/web/\u{0}");
    assert_eq!(
        replace_word("arn:aws:iam::1:role/eks/web-b", "b"),
        "arn:aws:iam::1:role/eks/web-\u{0}"
    );
    assert_eq!(replace_word("web", "b"), "web");
    assert_eq!(
        replace_word("ledger-api/ledger", "ledger"),
        "\u{0}-api/\u{0}"
    );
}
