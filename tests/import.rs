#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc import aws-auth`: a realistic aws-auth → `.access` → build. On a `config_map`
//! cluster the compiled aws-auth is equivalent to the original (same principals, same groups,
//! node mapping intact; `system:masters` replaced by a reviewed cluster-admin binding); on an
//! `api` cluster the access entries match.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use accessc::import::aws_auth;
use accessc::import::NoteKind;
use accessc::source::Sources;
use serde_yaml::Value as Y;

const AWS_AUTH: &str = include_str!("data/import/aws-auth.yaml");
const NODE_ROLE: &str =
    "arn:aws:iam::111122223333:role/eksctl-legacy-nodegroup-ng-1-NodeInstanceRole-1R2G3XYZ";
const FARGATE_ROLE: &str = "arn:aws:iam::111122223333:role/eks-fargate-pod-execution";

/// (ARN without path) → (username, groups) of one aws-auth list.
type Mappings = BTreeMap<String, (Option<String>, Vec<String>)>;

fn strip_path(arn: &str) -> String {
    let (head, rest) = arn.split_once(":role/").map_or_else(
        || {
            let (h, r) = arn.split_once(":user/").unwrap();
            (format!("{h}:user/"), r)
        },
        |(h, r)| (format!("{h}:role/"), r),
    );
    format!("{head}{}", rest.rsplit('/').next().unwrap())
}

fn mappings(config_map: &str, key: &str, arn_key: &str) -> Mappings {
    let doc: Y = serde_yaml::from_str(config_map).unwrap();
    let Some(text) = doc["data"].get(key).and_then(Y::as_str) else {
        return Mappings::new();
    };
    let list: Vec<Y> = serde_yaml::from_str(text).unwrap();
    list.iter()
        .map(|m| {
            let groups = m
                .get("groups")
                .and_then(Y::as_sequence)
                .map(|g| g.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (
                strip_path(m[arn_key].as_str().unwrap()),
                (
                    m.get("username").and_then(Y::as_str).map(str::to_string),
                    groups,
                ),
            )
        })
        .collect()
}

fn cluster(mode: &str, nodes: &str) -> String {
    format!(
        "cluster legacy {{\n  account   = \"111122223333\"\n  region    = \"us-west-2\"\n  auth_mode = {mode}\n  nodes     = \"{nodes}\"\n}}\n"
    )
}

fn build(imported_source: &str, mode: &str, nodes: &str) -> BTreeMap<String, String> {
    let mut sources = Sources::new();
    sources.add("cluster.access", cluster(mode, nodes));
    sources.add("imported.access", imported_source.to_string());
    let compiled = accessc::compile(&sources);
    let errors: Vec<_> = compiled.diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{imported_source}");
    compiled
        .artifacts
        .unwrap()
        .into_iter()
        .map(|a| (a.path, a.contents))
        .collect()
}

fn imported() -> (aws_auth::Imported, String) {
    let imported = aws_auth::convert(AWS_AUTH, "legacy").unwrap();
    let source = imported.to_source("aws-auth.yaml");
    (imported, source)
}

#[test]
fn the_fixture_is_realistic() {
    let roles = mappings(AWS_AUTH, "mapRoles", "rolearn");
    let users = mappings(AWS_AUTH, "mapUsers", "userarn");
    assert!(roles.len() + users.len() >= 6);
    assert!(
        AWS_AUTH.contains("role/teams/payments/PaymentsDev"),
        "a role with a path"
    );
    assert!(roles
        .values()
        .any(|(_, g)| g.contains(&"system:masters".to_string())));
    assert!(!users.is_empty(), "a user");
    assert!(
        roles.values().any(|(_, g)| g.len() >= 3),
        "a role with several groups"
    );
    assert!(roles.values().any(|(u, _)| u
        .as_deref()
        .is_some_and(|u| u.ends_with(":{{SessionName}}"))));
    assert!(roles.contains_key(NODE_ROLE));
}

#[test]
fn import_reports_what_it_cannot_express() {
    let (imported, source) = imported();
    assert_eq!(imported.nodes.as_deref(), Some(NODE_ROLE));
    assert_eq!(imported.accesses.len(), 6);
    let not_imported: Vec<_> = imported
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::NotImported)
        .collect();
    assert_eq!(not_imported.len(), 1, "{not_imported:?}");
    assert!(not_imported[0].message.contains(FARGATE_ROLE));
    assert!(source.contains(FARGATE_ROLE), "reported in the output too");
    // system:masters → break-glass cluster admin, with a comment asking for review.
    let admin = imported
        .accesses
        .iter()
        .find(|a| a.arn.ends_with("role/PlatformAdmin"))
        .unwrap();
    assert!(admin.cluster_admin && admin.groups.is_empty());
    assert!(source.contains("REVIEW: mapped to system:masters"));
    assert!(source.contains("policy      = cluster_admin\n  break_glass = true"));
    assert!(imported
        .notes
        .iter()
        .any(|n| n.kind == NoteKind::Review && n.message.contains("system:masters")));
    assert!(!source.contains("\"system:masters\""));
}

#[test]
fn round_trip_on_a_config_map_cluster() {
    let (imported, source) = imported();
    let nodes = imported.nodes.clone().unwrap();
    let out = build(&source, "config_map", &nodes);
    let compiled = &out["clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml"];

    let mut want_roles = mappings(AWS_AUTH, "mapRoles", "rolearn");
    let want_users = mappings(AWS_AUTH, "mapUsers", "userarn");
    want_roles.remove(&strip_path(FARGATE_ROLE)); // reported, not imported
    let got_roles = mappings(compiled, "mapRoles", "rolearn");
    let got_users = mappings(compiled, "mapUsers", "userarn");

    // Same principals (aws-auth ARNs are written without the role path).
    assert_eq!(
        want_roles.keys().collect::<BTreeSet<_>>(),
        got_roles.keys().collect::<BTreeSet<_>>()
    );
    assert_eq!(
        want_users.keys().collect::<BTreeSet<_>>(),
        got_users.keys().collect::<BTreeSet<_>>()
    );
    assert!(
        compiled.contains("role/PaymentsDev\n"),
        "the path is dropped"
    );
    assert!(!compiled.contains("teams/payments"));

    // The node mapping is intact, and first.
    assert_eq!(got_roles[NODE_ROLE], want_roles[NODE_ROLE]);
    let first: Vec<Y> = serde_yaml::from_str(
        serde_yaml::from_str::<Y>(compiled).unwrap()["data"]["mapRoles"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first[0]["rolearn"].as_str(), Some(NODE_ROLE));

    // Same groups and usernames; system:masters becomes the access's own group, bound to the
    // built-in cluster-admin ClusterRole.
    for (arn, (want_user, want_groups)) in want_roles.iter().chain(&want_users) {
        let (got_user, got_groups) = got_roles.get(arn).or_else(|| got_users.get(arn)).unwrap();
        if let Some(u) = want_user {
            assert_eq!(got_user.as_ref(), Some(u), "{arn}");
        }
        if want_groups.contains(&"system:masters".to_string()) {
            assert_eq!(got_groups, &vec!["accessc:platform-admin".to_string()]);
        } else {
            assert_eq!(got_groups, want_groups, "{arn}");
        }
    }
    let binding = &out
        ["clusters/legacy/kubernetes/_cluster/clusterrolebinding-access.platform-admin.cluster-admin.yaml"];
    assert!(binding.contains("name: cluster-admin"));
    assert!(binding.contains("name: accessc:platform-admin"));
    assert!(!out.values().any(|c| c.contains("system:masters")));
}

#[test]
fn round_trip_on_an_api_cluster() {
    let (imported, source) = imported();
    let nodes = imported.nodes.clone().unwrap();
    let out = build(&source, "api", &nodes);
    assert!(!out.keys().any(|p| p.contains("aws-auth")));
    let dir = "clusters/legacy/eks/access-entries";
    let node: serde_json::Value =
        serde_json::from_str(&out[&format!("{dir}/_nodes.create-access-entry.json")]).unwrap();
    assert_eq!(node["principalArn"], NODE_ROLE);
    assert_eq!(node["type"], "EC2_LINUX");
    assert!(node.get("kubernetesGroups").is_none() && node.get("username").is_none());

    let want_roles = mappings(AWS_AUTH, "mapRoles", "rolearn");
    let want_users = mappings(AWS_AUTH, "mapUsers", "userarn");
    let mut seen = 0;
    for a in &imported.accesses {
        let entry: serde_json::Value =
            serde_json::from_str(&out[&format!("{dir}/{}.create-access-entry.json", a.name)])
                .unwrap();
        seen += 1;
        assert_eq!(
            entry["principalArn"],
            a.arn.as_str(),
            "the ARN with its path"
        );
        assert_eq!(entry["type"], "STANDARD");
        let groups: Vec<String> = entry
            .get("kubernetesGroups")
            .and_then(|g| g.as_array())
            .map(|g| g.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        let (_, original) = want_roles
            .get(&strip_path(&a.arn))
            .or_else(|| want_users.get(&strip_path(&a.arn)))
            .unwrap();
        let mut want: Vec<String> = original
            .iter()
            .filter(|g| !g.starts_with("system:"))
            .cloned()
            .collect();
        want.sort();
        assert_eq!(groups, want, "{}", a.name);
        let policy = out.get(&format!("{dir}/{}.associate-access-policy.json", a.name));
        if a.cluster_admin {
            let p: serde_json::Value = serde_json::from_str(policy.unwrap()).unwrap();
            assert_eq!(
                p["policyArn"],
                "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
            );
            assert_eq!(p["accessScope"]["type"], "cluster");
        } else {
            assert!(policy.is_none(), "{}", a.name);
        }
    }
    assert_eq!(seen, 6);
}

#[test]
fn the_command_writes_a_file_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("aws-auth.yaml");
    std::fs::write(&input, AWS_AUTH).unwrap();
    let run = |args: &[&str], cwd: &Path| {
        Command::new(env!("CARGO_BIN_EXE_accessc"))
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    std::fs::create_dir(dir.path().join("src")).unwrap();
    let o = run(
        &[
            "import",
            "aws-auth",
            "aws-auth.yaml",
            "--cluster",
            "legacy",
            "-o",
            "src/imported.access",
        ],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("not imported: "), "{err}");
    assert!(err.contains("6 access declarations"), "{err}");
    std::fs::write(
        dir.path().join("src/cluster.access"),
        cluster("config_map", NODE_ROLE),
    )
    .unwrap();
    let o = run(&["build", "src", "-o", "out"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(dir
        .path()
        .join("out/clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml")
        .exists());

    // Standard input, and errors.
    let o = run(&["import", "aws-auth", "missing.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(dir.path().join("secret.yaml"), "kind: Secret\n").unwrap();
    let o = run(&["import", "aws-auth", "secret.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let o = run(
        &[
            "import",
            "aws-auth",
            "aws-auth.yaml",
            "--cluster",
            "Bad_Name",
        ],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(2));
}
