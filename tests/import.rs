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

mod support;
use support::accessc;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

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

fn build(imported_source: &str, mode: &str) -> BTreeMap<String, String> {
    let mut sources = Sources::new();
    sources.add("cluster.access", merged_cluster(imported_source, mode));
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
fn import_expresses_the_node_roles_and_drops_nothing() {
    let (imported, source) = imported();
    assert_eq!(imported.nodes, [NODE_ROLE]);
    // The Fargate pod execution role is a node role of its own kind (it was reported as "not
    // imported" before, and so lost from the rebuilt aws-auth).
    assert_eq!(imported.fargate_roles, [FARGATE_ROLE]);
    assert_eq!(imported.accesses.len(), 6);
    let not_imported: Vec<_> = imported
        .notes
        .iter()
        .filter(|n| n.kind == NoteKind::NotImported)
        .collect();
    assert!(not_imported.is_empty(), "{not_imported:?}");
    assert!(source.contains(&format!("fargate_roles = \"{FARGATE_ROLE}\"")));
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
    let (_, source) = imported();
    let out = build(&source, "config_map");
    let compiled = &out["clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml"];

    let want_roles = mappings(AWS_AUTH, "mapRoles", "rolearn");
    let want_users = mappings(AWS_AUTH, "mapUsers", "userarn");
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
    let out = build(&source, "api");
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

/// As a user migrates: `accessc import aws-auth aws-auth.yaml --cluster legacy -o
/// src/imported.access` of `config_map` in `cwd`, the cluster declaration merged from its
/// header (`src/cluster.access`), then `accessc build src -o out`. The import's standard error
/// (which must not report anything dropped), the imported source and the build's standard error.
fn import_and_build(cwd: &Path, config_map: &str) -> (String, String, String) {
    std::fs::write(cwd.join("aws-auth.yaml"), config_map).unwrap();
    std::fs::create_dir(cwd.join("src")).unwrap();
    let o = accessc(
        &[
            "import",
            "aws-auth",
            "aws-auth.yaml",
            "--cluster",
            "legacy",
            "-o",
            "src/imported.access",
        ],
        cwd,
    );
    let import_err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{import_err}");
    assert!(
        !import_err.contains("not imported:"),
        "nothing is dropped: {import_err}"
    );
    let source = std::fs::read_to_string(cwd.join("src/imported.access")).unwrap();
    std::fs::write(
        cwd.join("src/cluster.access"),
        merged_cluster(&source, "config_map"),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], cwd);
    let build_err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(0), "{build_err}\n{source}");
    (import_err, source, build_err)
}

#[test]
fn the_command_writes_a_file_that_builds() {
    let dir = tempfile::tempdir().unwrap();
    let (err, _, _) = import_and_build(dir.path(), AWS_AUTH);
    assert!(
        err.contains("6 access declarations for cluster `legacy`, 2 node roles"),
        "{err}"
    );
    assert!(dir
        .path()
        .join("out/clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml")
        .exists());

    // Standard input, and errors.
    let o = accessc(&["import", "aws-auth", "missing.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(dir.path().join("secret.yaml"), "kind: Secret\n").unwrap();
    let o = accessc(&["import", "aws-auth", "secret.yaml"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let o = accessc(
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

const EVERYTHING: &str = include_str!("data/import/fid_import_aws_auth_everything.yaml");

/// The cluster declaration a user writes after `import aws-auth`: the merge block of the
/// imported file's header (`#   cluster NAME { … }`) uncommented, with the account and region
/// added and `auth_mode` set.
fn merged_cluster(imported_source: &str, mode: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in imported_source.lines() {
        let Some(text) = line.strip_prefix("#   ") else {
            inside = false;
            continue;
        };
        if text.starts_with("cluster ") {
            inside = true;
            out.push_str(text);
            out.push_str("\n  account = \"111122223333\"\n  region = \"us-west-2\"\n");
        } else if inside && text.trim_start().starts_with("auth_mode") {
            out.push_str(&format!("  auth_mode = {mode}\n"));
        } else if inside {
            out.push_str(text);
            out.push('\n');
            if text == "}" {
                inside = false;
            }
        }
    }
    assert!(out.contains("cluster legacy {"), "{imported_source}");
    out
}

/// One aws-auth list as a set of canonical items: the ARN without its path (aws-auth matches
/// only that form, and accessc writes it so), groups as a set, keys sorted.
fn item_set(config_map: &str, key: &str) -> BTreeMap<String, serde_json::Value> {
    let doc: Y = serde_yaml::from_str(config_map).unwrap();
    let Some(text) = doc["data"].get(key).and_then(Y::as_str) else {
        return BTreeMap::new();
    };
    let list: Vec<serde_json::Value> = serde_yaml::from_str(text).unwrap();
    let mut out = BTreeMap::new();
    for item in list {
        let mut canon: BTreeMap<String, serde_json::Value> = match item {
            serde_json::Value::Object(m) => m.into_iter().collect(),
            other => {
                out.insert(other.to_string(), other);
                continue;
            }
        };
        let arn_key = if canon.contains_key("rolearn") {
            "rolearn"
        } else {
            "userarn"
        };
        let arn = canon[arn_key].as_str().unwrap().to_string();
        let arn = if arn.contains(":iam::") {
            strip_path(&arn)
        } else {
            arn
        };
        canon.insert(arn_key.into(), arn.clone().into());
        if let Some(serde_json::Value::Array(g)) = canon.get_mut("groups") {
            g.sort_by_key(ToString::to_string);
        }
        let value = serde_json::Value::Object(canon.into_iter().collect());
        assert!(
            out.insert(arn.clone(), value).is_none(),
            "{arn} twice in {key}"
        );
    }
    out
}

#[test]
fn an_imported_aws_auth_rebuilds_with_every_mapping() {
    // The README's realistic ConfigMap plus a second Linux node role, a Windows node role, a
    // node mapping of another form, a reserved group, a hostile group name, a reserved username,
    // an STS session and mapAccounts, through the command line as a user runs it.
    let dir = tempfile::tempdir().unwrap();
    let (_, _, err) = import_and_build(dir.path(), EVERYTHING);
    assert!(err.contains("W404"), "the pass-through is flagged: {err}");
    let compiled = std::fs::read_to_string(
        dir.path()
            .join("out/clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml"),
    )
    .unwrap();

    for key in ["mapRoles", "mapUsers"] {
        let want = item_set(EVERYTHING, key);
        let mut got = item_set(&compiled, key);
        assert!(want.len() >= 2, "{key}");
        for (arn, item) in &want {
            let Some(g) = got.get_mut(arn) else {
                panic!("{key}: {arn} is lost:\n{compiled}");
            };
            let groups = &item["groups"];
            if groups
                .as_array()
                .is_some_and(|g| g.iter().any(|g| g == "system:masters"))
            {
                // system:masters (E402) becomes the access's own group, bound to the
                // built-in cluster-admin ClusterRole.
                assert_eq!(g["groups"], serde_json::json!(["accessc:platform-admin"]));
                g["groups"] = groups.clone();
            }
            if item.get("username").is_none() {
                // No username: accessc writes its default, NAME:{{SessionName}}.
                let u = g.as_object_mut().unwrap().remove("username").unwrap();
                assert!(u.as_str().unwrap().ends_with(":{{SessionName}}"), "{u}");
            }
        }
        assert_eq!(want, got, "{key}:\n{compiled}");
    }
    let accounts = |text: &str| -> BTreeSet<String> {
        let doc: Y = serde_yaml::from_str(text).unwrap();
        doc["data"]
            .get("mapAccounts")
            .and_then(Y::as_str)
            .map(|t| {
                serde_yaml::from_str::<Vec<Y>>(t)
                    .unwrap()
                    .iter()
                    .map(|a| match a {
                        Y::Number(n) => n.to_string(),
                        other => other.as_str().unwrap().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(accounts(EVERYTHING).len(), 2);
    assert_eq!(accounts(EVERYTHING), accounts(&compiled));
    assert!(compiled.contains("system:node-proxier"), "the Fargate role");

    // `check` agrees with what `build` wrote.
    let o = accessc(&["check", "src", "-o", "out"], dir.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn every_node_role_gets_an_access_entry_of_its_type() {
    let imported = aws_auth::convert(EVERYTHING, "legacy").unwrap();
    let source = imported.to_source("aws-auth.yaml");
    for (mode, aws_auth) in [("api", false), ("api_and_config_map", true)] {
        let mut sources = Sources::new();
        sources.add("cluster.access", merged_cluster(&source, mode));
        sources.add("imported.access", source.clone());
        let compiled = accessc::compile(&sources);
        let errors: Vec<_> = compiled.diags.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let out: BTreeMap<String, String> = compiled
            .artifacts
            .unwrap()
            .into_iter()
            .map(|a| (a.path, a.contents))
            .collect();
        let dir = "clusters/legacy/eks/access-entries";
        let entry = |file: &str| -> serde_json::Value {
            serde_json::from_str(&out[&format!("{dir}/{file}.create-access-entry.json")]).unwrap()
        };
        for (file, arn, entry_type) in [
            ("_nodes", NODE_ROLE, "EC2_LINUX"),
            (
                "_nodes.eksctl-legacy-nodegroup-ng-2-NodeInstanceRole-9QX2ABCD",
                "arn:aws:iam::111122223333:role/eksctl-legacy-nodegroup-ng-2-NodeInstanceRole-9QX2ABCD",
                "EC2_LINUX",
            ),
            (
                "_windows-nodes",
                "arn:aws:iam::111122223333:role/eksctl-legacy-nodegroup-win-NodeInstanceRole-7ZZ1WIN",
                "EC2_WINDOWS",
            ),
            ("_fargate", FARGATE_ROLE, "FARGATE_LINUX"),
        ] {
            let e = entry(file);
            assert_eq!(e["principalArn"], arn, "{mode} {file}");
            assert_eq!(e["type"], entry_type, "{mode} {file}");
            assert!(e.get("kubernetesGroups").is_none() && e.get("username").is_none());
        }
        let config_map = out.get("clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml");
        assert_eq!(config_map.is_some(), aws_auth, "{mode}");
        if let Some(cm) = config_map {
            // The node roles and the pass-through stay in aws-auth (no access entry carries
            // them); the accesses are access entries.
            let roles = item_set(cm, "mapRoles");
            assert_eq!(roles.len(), 4 + imported.passthrough_roles.len(), "{cm}");
            assert_eq!(
                item_set(cm, "mapUsers").len(),
                imported.passthrough_users.len()
            );
            assert!(cm.contains("mapAccounts"));
        }
        let w404 = compiled
            .diags
            .iter()
            .filter(|d| d.code.as_str() == "W404")
            .count();
        assert_eq!(w404, 1, "{mode}");
    }
}

/// A string of anything a reviewer can see (hidden characters are E004 and reported by the
/// import), YAML, JSON and language specials above all.
fn visible() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop::collection::vec(
        prop_oneof![
            3 => any::<char>()
                .prop_filter("visible", |c| !accessc::source::is_hidden(*c))
                .prop_map(String::from),
            3 => prop::sample::select(vec![
                "\"", "\\", "\\u0041", "{{", "}}", ": ", " #", "- ", "|", ">", "'", "&a", "*a",
                "!!str", "---", "...", "[", "]", ",", "null", "~", "0x1F", "1e3", " ", "%",
                "@", "`",
            ])
            .prop_map(String::from),
            2 => "[a-z]{1,4}",
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Whatever strings an aws-auth item the language cannot express holds (its group, its
    /// username, a field of its own), `import aws-auth` carries it through and `build` writes
    /// the same item back, as data: nothing lost, nothing added.
    #[test]
    fn hostile_passthrough_items_come_back_unchanged(
        group in visible(),
        username in visible(),
        key in visible(),
        value in visible(),
        account in visible(),
    ) {
        let mut item = serde_json::Map::new();
        item.insert("rolearn".into(), "arn:aws:iam::111122223333:role/odd".into());
        item.insert("username".into(), username.into());
        item.insert("groups".into(), serde_json::json!(["team", format!("system:{group}")]));
        if !matches!(key.as_str(), "rolearn" | "username" | "groups") {
            item.insert(key, value.into());
        }
        let item = serde_json::Value::Object(item);
        let roles = serde_yaml::to_string(&vec![
            serde_json::json!({
                "rolearn": NODE_ROLE,
                "username": "system:node:{{EC2PrivateDNSName}}",
                "groups": ["system:bootstrappers", "system:nodes"],
            }),
            item.clone(),
        ])
        .unwrap();
        let accounts = (!account.trim().is_empty()).then(|| vec![account.clone()]);
        let mut data = serde_json::json!({ "mapRoles": roles });
        if let Some(a) = &accounts {
            data["mapAccounts"] = serde_yaml::to_string(a).unwrap().into();
        }
        let config_map = serde_yaml::to_string(&serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "aws-auth", "namespace": "kube-system" },
            "data": data,
        }))
        .unwrap();
        let imported = aws_auth::convert(&config_map, "legacy").unwrap();
        let dropped: Vec<_> = imported
            .notes
            .iter()
            .filter(|n| n.kind == NoteKind::NotImported)
            .collect();
        proptest::prop_assert!(dropped.is_empty(), "{dropped:?}");
        let out = build(&imported.to_source("aws-auth.yaml"), "config_map");
        let compiled = &out["clusters/legacy/kubernetes/kube-system/configmap-aws-auth.yaml"];
        let doc: Y = serde_yaml::from_str(compiled).unwrap();
        let got: Vec<serde_json::Value> =
            serde_yaml::from_str(doc["data"]["mapRoles"].as_str().unwrap()).unwrap();
        proptest::prop_assert_eq!(got.len(), 2, "{}", compiled);
        proptest::prop_assert_eq!(&got[1], &item);
        let got_accounts: Option<Vec<String>> = doc["data"]
            .get("mapAccounts")
            .map(|a| serde_yaml::from_str(a.as_str().unwrap()).unwrap());
        proptest::prop_assert_eq!(got_accounts, accounts);
    }
}
