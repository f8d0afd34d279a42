#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Cluster access: one `access` declaration per authentication mode, the clusters' access
//! configuration, and the authentication-mode transition table (library and command line).

mod support;
use support::accessc;

use std::collections::BTreeMap;
use std::fs;
use std::process::Output;

use accessc::ir::AuthMode;
use accessc::source::Sources;
use accessc::{compile_with, Options};

fn program(mode: &str) -> String {
    format!(
        r#"cluster c {{
  account   = "111122223333"
  region    = "us-west-2"
  auth_mode = {mode}
  nodes     = "arn:aws:iam::111122223333:role/c-nodes"
}}

namespace payments on c

access devs on c {{
  role   = "arn:aws:iam::111122223333:role/team/Dev"
  policy = edit
  scope  = namespaces [payments]
  groups = ["devs"]
  kubernetes in payments {{
    get pods/log
  }}
}}
"#
    )
}

fn artifacts(
    mode: &str,
    previous: Option<AuthMode>,
) -> Result<BTreeMap<String, String>, Vec<String>> {
    let mut sources = Sources::new();
    sources.add("input.access", program(mode));
    let mut options = Options::default();
    if let Some(p) = previous {
        options.previous_auth_modes.insert("c".into(), p);
    }
    let compiled = compile_with(&sources, &options);
    match compiled.artifacts {
        Some(a) => Ok(a.into_iter().map(|a| (a.path, a.contents)).collect()),
        None => Err(compiled
            .diags
            .iter()
            .map(|d| d.code.as_str().to_string())
            .collect()),
    }
}

fn keyword(m: AuthMode) -> &'static str {
    m.keyword()
}

#[test]
fn transition_table() {
    use AuthMode::*;
    let all = [ConfigMap, ApiAndConfigMap, Api];
    for from in all {
        for to in all {
            let allowed = matches!(
                (from, to),
                (ConfigMap, ConfigMap | ApiAndConfigMap)
                    | (ApiAndConfigMap, ApiAndConfigMap | Api)
                    | (Api, Api)
            );
            let result = artifacts(keyword(to), Some(from));
            match (allowed, result) {
                (true, Ok(_)) => {}
                (false, Err(codes)) => {
                    assert_eq!(codes, vec!["E408".to_string()], "{from:?} -> {to:?}")
                }
                (true, Err(codes)) => panic!("{from:?} -> {to:?} rejected: {codes:?}"),
                (false, Ok(_)) => panic!("{from:?} -> {to:?} accepted"),
            }
        }
    }
    // No previous output: any mode.
    for to in all {
        assert!(artifacts(keyword(to), None).is_ok());
    }
}

#[test]
fn one_declaration_three_modes() {
    let dir = "clusters/c/eks/access-entries";
    let aws_auth = "clusters/c/kubernetes/kube-system/configmap-aws-auth.yaml";
    let binding = "clusters/c/kubernetes/payments/rolebinding-access.devs.edit.yaml";
    let rules = "clusters/c/kubernetes/payments/role-access.devs.rules.yaml";

    let api = artifacts("api", None).unwrap();
    assert!(!api.contains_key(aws_auth));
    assert!(
        !api.contains_key(binding),
        "the access policy does the binding"
    );
    let entry = &api[&format!("{dir}/devs.create-access-entry.json")];
    assert!(entry.contains("\"principalArn\": \"arn:aws:iam::111122223333:role/team/Dev\""));
    assert!(
        entry.contains("\"accessc:devs\""),
        "rules need the access's group"
    );
    assert!(entry.contains("\"devs\""));
    let assoc = &api[&format!("{dir}/devs.associate-access-policy.json")];
    assert!(assoc.contains("AmazonEKSEditPolicy") && assoc.contains("\"namespace\""));
    assert!(api[&format!("{dir}/_nodes.create-access-entry.json")].contains("EC2_LINUX"));
    assert!(api.contains_key(rules));
    assert!(api["clusters/c/eks/create-cluster.json"].contains("\"API\""));

    let both = artifacts("api_and_config_map", None).unwrap();
    assert!(both.contains_key(&format!("{dir}/devs.create-access-entry.json")));
    assert!(both.contains_key(&format!("{dir}/devs.associate-access-policy.json")));
    assert!(both.contains_key(&format!("{dir}/_nodes.create-access-entry.json")));
    let cm = &both[aws_auth];
    assert!(
        cm.contains("role/c-nodes") && !cm.contains("Dev"),
        "aws-auth: the node role only"
    );
    assert!(!both.contains_key(binding));
    assert!(both.contains_key(rules));

    let cm_only = artifacts("config_map", None).unwrap();
    assert!(!cm_only.keys().any(|p| p.starts_with(dir)));
    let cm = &cm_only[aws_auth];
    assert!(
        cm.contains("rolearn: arn:aws:iam::111122223333:role/Dev\n"),
        "no path"
    );
    assert!(cm.contains("username: devs:{{SessionName}}"));
    assert!(cm.contains("- devs\n") && cm.contains("- accessc:devs\n"));
    assert!(cm.contains("system:node:{{EC2PrivateDNSName}}"));
    assert!(cm_only[binding].contains("name: edit"));
    assert!(cm_only.contains_key(rules));
    let create = &cm_only["clusters/c/eks/create-cluster.json"];
    assert!(create.contains("\"CONFIG_MAP\"") && create.contains("Permissions\": true"));
    assert!(!cm_only.values().any(|c| c.contains("system:masters")));
}

/// The migration a team runs: config_map → api_and_config_map → api, with the skipped step and
/// the way back rejected against the previous output.
#[test]
fn migration_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let write = |mode: &str| fs::write(p.join("c.access"), program(mode)).unwrap();
    let aws_auth = p.join("out/clusters/c/kubernetes/kube-system/configmap-aws-auth.yaml");
    let stderr = |o: &Output| String::from_utf8_lossy(&o.stderr).into_owned();

    write("config_map");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let manifest = fs::read_to_string(p.join("out/manifest.json")).unwrap();
    assert!(manifest.contains("\"authentication_mode\": \"CONFIG_MAP\""));
    assert!(fs::read_to_string(&aws_auth).unwrap().contains("role/Dev"));

    // Skipping a step: nothing is written, check fails too.
    write("api");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E408"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("api_and_config_map"),
        "the help gives the path"
    );
    assert_eq!(
        fs::read_to_string(p.join("out/manifest.json")).unwrap(),
        manifest
    );
    let o = accessc(&["check", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E408"));

    // One step forward.
    write("api_and_config_map");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!fs::read_to_string(&aws_auth).unwrap().contains("role/Dev"));
    assert!(p
        .join("out/clusters/c/eks/access-entries/devs.create-access-entry.json")
        .exists());

    // No way back.
    write("config_map");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E408"));

    // The last step: aws-auth is no longer produced, so it is removed.
    write("api");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!aws_auth.exists());
    assert!(fs::read_to_string(p.join("out/manifest.json"))
        .unwrap()
        .contains("\"authentication_mode\": \"API\""));

    write("api_and_config_map");
    let o = accessc(&["build", "c.access", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E408"));
}

#[test]
fn bootstrap_admin_per_mode() {
    let build = |mode: &str, bootstrap: &str| {
        let mut sources = Sources::new();
        sources.add(
            "c.access",
            format!(
                "cluster c {{\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  auth_mode = {mode}\n  nodes = \"arn:aws:iam::111122223333:role/n\"\n  {bootstrap}\n}}\n"
            ),
        );
        accessc::compile(&sources)
    };
    let json = |c: &accessc::Compiled| {
        c.artifacts
            .as_ref()
            .unwrap()
            .iter()
            .find(|a| a.path == "clusters/c/eks/create-cluster.json")
            .unwrap()
            .contents
            .clone()
    };
    assert!(json(&build("api", "")).contains("Permissions\": false"));
    assert!(json(&build("api", "bootstrap_admin = true")).contains("Permissions\": true"));
    assert!(json(&build("api_and_config_map", "")).contains("Permissions\": false"));
    assert!(json(&build("config_map", "")).contains("Permissions\": true"));
    let rejected = build("config_map", "bootstrap_admin = false");
    assert!(rejected.artifacts.is_none());
    assert!(rejected.diags.iter().any(|d| d.code.as_str() == "E409"));
}
