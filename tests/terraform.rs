#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The Terraform roots (`terraform/<account>/*.tf.json`) of every example, case and built-in pack
//! (`tests/vendor/`): valid JSON
//! Terraform, every reference declared, IAM policy variables escaped, each resource declared
//! once, the policies equal to the documents under `aws/`, and target selection on the CLI.

mod support;
use support::accessc;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Every compiled artifact of a folder of `.access` files: path → contents.
fn compile(dir: &Path) -> BTreeMap<String, String> {
    let sources = support::load_dir(dir);
    let compiled = support::compile_dir(dir, &sources);
    compiled
        .artifacts
        .unwrap_or_else(|| panic!("{} does not compile", dir.display()))
        .into_iter()
        .map(|a| (a.path, a.contents))
        .collect()
}

/// The folders to check: every example and every successful case.
fn programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    // Every built-in pack, used with representative arguments.
    for e in fs::read_dir(root.join("tests/vendor")).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            dirs.push(p);
        }
    }
    for e in fs::read_dir(root.join("tests/cases")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if !name.starts_with('e') {
            dirs.push(p);
        }
    }
    dirs.sort();
    dirs
}

/// Terraform roots: account folder → file name → parsed JSON.
fn roots(artifacts: &BTreeMap<String, String>) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for (path, text) in artifacts {
        let Some(rest) = path.strip_prefix("terraform/") else {
            continue;
        };
        let (root, file) = rest.split_once('/').unwrap();
        assert!(!file.contains('/'), "{path}: a root has no subfolders");
        assert!(file.ends_with(".tf.json"), "{path}");
        assert!(
            text.ends_with("}\n") && !text.ends_with("\n\n"),
            "{path}: one final newline"
        );
        let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        out.entry(root.to_string())
            .or_default()
            .insert(file.to_string(), v);
    }
    out
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The `${…}` expressions of a Terraform string (`$${` is a literal `${`). Panics on an
/// unescaped `%{` directive or an unterminated `${`.
fn expressions(s: &str, at: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let doubled = (b[i] == b'$' || b[i] == b'%') && b.get(i + 1) == Some(&b[i]);
        if doubled && b.get(i + 2) == Some(&b'{') {
            // `$${` and `%%{` are literal text.
            i += 3;
        } else if b[i] == b'%' && b.get(i + 1) == Some(&b'{') {
            panic!("{at}: template directive in {s:?}");
        } else if b[i] == b'$' && b.get(i + 1) == Some(&b'{') {
            let end = s[i..]
                .find('}')
                .unwrap_or_else(|| panic!("{at}: unterminated ${{ in {s:?}"));
            out.push(s[i + 2..i + end].to_string());
            i += end + 1;
        } else {
            i += 1;
        }
    }
    out
}

fn strings<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match v {
        Value::String(s) => out.push((at, s)),
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                strings(x, format!("{at}[{i}]"), out);
            }
        }
        Value::Object(o) => {
            for (k, x) in o {
                strings(x, format!("{at}.{k}"), out);
            }
        }
        _ => {}
    }
}

/// Terraform's reading of a literal string: `$${` → `${`, `%%{` → `%{`.
fn unescape(s: &str) -> String {
    s.replace("$${", "${").replace("%%{", "%{")
}

/// Check one root; returns its resources (type, name) → body.
fn check_root(name: &str, files: &BTreeMap<String, Value>) -> BTreeMap<(String, String), Value> {
    let mut resources: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut outputs = BTreeSet::new();
    let mut requirement = None;
    for (file, v) in files {
        let obj = v.as_object().unwrap();
        for key in obj.keys() {
            assert!(
                ["//", "terraform", "provider", "resource", "output"].contains(&key.as_str()),
                "{name}/{file}: top-level `{key}`"
            );
        }
        if let Some(t) = obj.get("terraform") {
            assert!(requirement.is_none(), "{name}: two terraform blocks");
            requirement = Some(t["required_providers"]["aws"].clone());
        }
        for (rtype, by_name) in obj
            .get("resource")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            assert!(rtype.starts_with("aws_"), "{name}/{file}: {rtype}");
            for (rname, body) in by_name.as_object().unwrap() {
                assert!(
                    is_ident(rname),
                    "{name}/{file}: `{rname}` is not an identifier"
                );
                let prev = resources.insert((rtype.clone(), rname.clone()), body.clone());
                assert!(prev.is_none(), "{name}: {rtype}.{rname} declared twice");
            }
        }
        for o in obj
            .get("output")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            assert!(is_ident(o.0), "{name}/{file}: output `{}`", o.0);
            assert!(outputs.insert(o.0.clone()), "{name}: output {} twice", o.0);
        }
    }
    let req = requirement.unwrap_or_else(|| panic!("{name}: no required_providers"));
    assert_eq!(req["source"], "hashicorp/aws", "{name}");
    assert!(
        req["version"].as_str().unwrap().starts_with(">= "),
        "{name}"
    );
    // Providers: aliases used by resources are declared, each limited to the account.
    let providers: Vec<&Value> = files
        .values()
        .filter_map(|v| v.get("provider"))
        .flat_map(|p| p["aws"].as_array().unwrap())
        .collect();
    let aliases: BTreeSet<String> = providers
        .iter()
        .filter_map(|p| p.get("alias").and_then(Value::as_str))
        .map(|a| format!("aws.{a}"))
        .collect();
    assert_eq!(
        providers
            .iter()
            .filter(|p| p.get("alias").is_none())
            .count(),
        1,
        "{name}: one default provider"
    );
    for p in &providers {
        assert_eq!(
            p["allowed_account_ids"],
            serde_json::json!([name]),
            "{name}"
        );
    }
    // Every string: references declared, no unescaped template syntax.
    for (file, v) in files {
        let mut all = Vec::new();
        strings(v, file.clone(), &mut all);
        for (at, s) in all {
            for expr in expressions(s, &format!("{name}/{at}")) {
                let parts: Vec<&str> = expr.split('.').collect();
                assert_eq!(
                    parts.len(),
                    3,
                    "{name}/{at}: `${{{expr}}}` is not a resource attribute"
                );
                assert!(
                    resources.contains_key(&(parts[0].to_string(), parts[1].to_string())),
                    "{name}/{at}: `${{{expr}}}` refers to an undeclared resource"
                );
            }
            assert!(
                !s.contains("${aws:") || s.contains("$${aws:"),
                "{name}/{at}: unescaped policy variable"
            );
        }
    }
    for ((rtype, rname), body) in &resources {
        if let Some(p) = body.get("provider").and_then(Value::as_str) {
            assert!(
                aliases.contains(p),
                "{name}: {rtype}.{rname} uses undeclared provider {p}"
            );
        }
        if rtype.starts_with("aws_eks_") {
            assert!(
                body.get("provider").is_some(),
                "{name}: {rtype}.{rname} has no regional provider"
            );
        }
    }
    resources
}

#[test]
fn every_root_is_consistent_and_matches_the_aws_documents() {
    let mut checked = 0;
    for dir in programs() {
        let artifacts = compile(&dir);
        let roots = roots(&artifacts);
        let mut roles_seen = BTreeSet::new();
        for (account, files) in &roots {
            let resources = check_root(account, files);
            checked += 1;
            let declared_roles: BTreeSet<&str> = resources
                .iter()
                .filter(|((t, _), _)| t == "aws_iam_role")
                .map(|(_, b)| b["name"].as_str().unwrap())
                .collect();
            // Every role of the account, once, with the trust and permissions of `aws/`.
            let prefix = format!("aws/{account}/roles/");
            let roles: BTreeSet<&str> = artifacts
                .keys()
                .filter_map(|p| p.strip_prefix(&prefix))
                .map(|p| p.split('/').next().unwrap())
                .collect();
            assert_eq!(roles, declared_roles, "{}: {account}", dir.display());
            for ((t, n), body) in &resources {
                match t.as_str() {
                    "aws_iam_role" => {
                        let role = body["name"].as_str().unwrap();
                        assert!(roles_seen.insert((account.clone(), role.to_string())));
                        let trust: Value = serde_json::from_str(
                            &artifacts[&format!("{prefix}{role}/trust-policy.json")],
                        )
                        .unwrap();
                        let tf: Value = serde_json::from_str(&unescape(
                            body["assume_role_policy"].as_str().unwrap(),
                        ))
                        .unwrap();
                        assert_eq!(trust, tf, "{}: trust of {role}", dir.display());
                        let create: Value = serde_json::from_str(
                            &artifacts[&format!("{prefix}{role}/create-role.json")],
                        )
                        .unwrap();
                        assert_eq!(body["path"], create["Path"]);
                        assert_eq!(body["description"], create["Description"]);
                        assert_eq!(
                            body.get("permissions_boundary").is_some(),
                            create.get("PermissionsBoundary").is_some(),
                            "{role}"
                        );
                        // The role's ARN is an output.
                        let outputs = &files["outputs.tf.json"]["output"]["role_arns"]["value"];
                        assert_eq!(outputs[role], format!("${{aws_iam_role.{n}.arn}}"));
                    }
                    "aws_iam_policy" if !n.starts_with("boundary_") => {
                        let name = body["name"].as_str().unwrap();
                        let (role, sfx) = name
                            .rsplit_once("-policy")
                            .map(|(r, s)| (r, s.to_string()))
                            .unwrap();
                        let doc: Value = serde_json::from_str(
                            &artifacts[&format!("{prefix}{role}/policy{sfx}.json")],
                        )
                        .unwrap();
                        let tf: Value =
                            serde_json::from_str(&unescape(body["policy"].as_str().unwrap()))
                                .unwrap();
                        assert_eq!(doc, tf, "{}: {name}", dir.display());
                        // Attached to its role.
                        let att =
                            &resources[&("aws_iam_role_policy_attachment".to_string(), n.clone())];
                        assert_eq!(att["policy_arn"], format!("${{aws_iam_policy.{n}.arn}}"));
                    }
                    "aws_iam_policy" => {
                        let name = body["name"].as_str().unwrap();
                        let doc: Value = serde_json::from_str(
                            &artifacts
                                [&format!("aws/{account}/boundaries/{name}/boundary-policy.json")],
                        )
                        .unwrap();
                        let tf: Value =
                            serde_json::from_str(&unescape(body["policy"].as_str().unwrap()))
                                .unwrap();
                        assert_eq!(doc, tf, "{}: boundary {name}", dir.display());
                    }
                    "aws_eks_pod_identity_association" => {
                        let cli: Value = serde_json::from_str(&artifacts[&format!(
                            "clusters/{}/eks/pod-identity-associations/{}.{}.create-pod-identity-association.json",
                            n.split('_').next().unwrap(),
                            body["namespace"].as_str().unwrap(),
                            body["service_account"].as_str().unwrap()
                        )])
                        .unwrap();
                        assert_eq!(body["cluster_name"], cli["clusterName"]);
                        let role_ref = body["role_arn"].as_str().unwrap();
                        let role_name =
                            cli["roleArn"].as_str().unwrap().rsplit('/').next().unwrap();
                        if declared_roles.contains(role_name) {
                            assert!(role_ref.starts_with("${aws_iam_role."), "{role_ref}");
                        }
                    }
                    "aws_eks_access_policy_association" => {
                        let scope = &body["access_scope"];
                        assert!(scope.is_object(), "{n}: one access_scope block");
                        match scope["type"].as_str().unwrap() {
                            "cluster" => assert!(scope.get("namespaces").is_none()),
                            "namespace" => {
                                assert!(!scope["namespaces"].as_array().unwrap().is_empty())
                            }
                            other => panic!("{n}: scope {other}"),
                        }
                        let principal = body["principal_arn"].as_str().unwrap();
                        assert!(
                            principal.starts_with("${aws_eks_access_entry."),
                            "{n}: {principal}"
                        );
                    }
                    _ => {}
                }
            }
        }
        // A role that serves several clusters is declared once.
        let roles_total = artifacts
            .keys()
            .filter(|p| p.starts_with("aws/") && p.ends_with("/create-role.json"))
            .count();
        assert_eq!(roles_seen.len(), roles_total, "{}", dir.display());
    }
    assert!(checked >= 10, "only {checked} roots checked");
}

#[test]
fn policy_variables_are_escaped_and_resource_policies_reference_roles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = compile(&root.join("examples/multi-tenant"));
    let role = &a["terraform/111122223333/role-tenant-reader.tf.json"];
    assert!(
        role.contains("tenant-data/$${aws:PrincipalTag/kubernetes-namespace}/*"),
        "{role}"
    );
    assert!(!role.contains("\"${aws:"));
    // One shared role, one association per cluster, both referring to it.
    let east = &a["terraform/111122223333/cluster-prod-east.tf.json"];
    let west = &a["terraform/111122223333/cluster-prod-west.tf.json"];
    for (f, region) in [(east, "us_east_1"), (west, "us_west_2")] {
        assert!(
            f.contains("\"role_arn\": \"${aws_iam_role.tenant-reader.arn}\""),
            "{f}"
        );
        assert!(
            f.contains(&format!("\"provider\": \"aws.{region}\"")),
            "{f}"
        );
    }
    let policies = &a["terraform/111122223333/resource-policies.tf.json"];
    assert!(policies.contains("\"aws_s3_bucket_policy\""));
    assert!(policies.contains("\"aws_kms_key_policy\""));

    let cases = root.join("tests/cases");
    let rp = compile(&cases.join("ok_resource_policies"));
    let f = &rp["terraform/111122223333/resource-policies.tf.json"];
    for t in [
        "aws_sqs_queue_policy",
        "aws_secretsmanager_secret_policy",
        "aws_ecr_repository_policy",
        "aws_sns_topic_policy",
    ] {
        assert!(f.contains(t), "{t}");
    }
    // The IRSA role is admitted by reference, so Terraform creates it first.
    assert!(
        f.contains(r#"\"AWS\":\"${aws_iam_role.payments-ledger.arn}\""#),
        "{f}"
    );
}

fn files(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

#[test]
fn targets_select_outputs_and_stale_files_follow() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out_s = out.to_str().unwrap();
    let build = |args: &[&str]| {
        let mut all = vec!["build", "examples/quickstart", "-o", out_s];
        all.extend_from_slice(args);
        let o = accessc(&all, root);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        files(&out)
    };
    let all = build(&[]);
    assert!(all.iter().any(|p| p.starts_with("terraform/")));
    assert!(all.iter().any(|p| p.starts_with("aws/")));
    assert!(all.contains("clusters/prod/kubernetes/kustomization.yaml"));

    let tf = build(&["--target", "terraform"]);
    assert!(
        tf.iter()
            .all(|p| p.starts_with("terraform/") || p == "manifest.json"),
        "{tf:?}"
    );
    assert!(tf.contains("terraform/111122223333/providers.tf.json"));

    // `check` with the same targets is happy; without them it names what is missing.
    let o = accessc(
        &[
            "check",
            "examples/quickstart",
            "-o",
            out_s,
            "--target",
            "terraform",
        ],
        root,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = accessc(&["check", "examples/quickstart", "-o", out_s], root);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("missing: "));

    // gitops brings the manifests it lists; the Terraform files are removed.
    let g = build(&["--target", "gitops,aws"]);
    assert!(!g.iter().any(|p| p.starts_with("terraform/")), "{g:?}");
    assert!(g.contains("clusters/prod/kubernetes/kustomization.yaml"));
    assert!(g.contains("clusters/prod/kubernetes/payments/serviceaccount-checkout.yaml"));
    assert!(g.iter().any(|p| p.starts_with("aws/")));

    assert_eq!(build(&[]), all);

    let o = accessc(
        &[
            "build",
            "examples/quickstart",
            "-o",
            out_s,
            "--target",
            "helm",
        ],
        root,
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn manifest_records_the_new_kinds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let a = compile(&root.join("examples/access"));
    let m: Value = serde_json::from_str(&a["manifest.json"]).unwrap();
    let kinds: BTreeMap<&str, &str> = m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["path"].as_str().unwrap(), e["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds["terraform/111122223333/providers.tf.json"],
        "terraform-providers"
    );
    assert_eq!(
        kinds["terraform/111122223333/cluster-prod.tf.json"],
        "terraform-eks-cluster"
    );
    assert_eq!(
        kinds["clusters/legacy/kubernetes/kustomization.yaml"],
        "gitops-kustomization"
    );
    for e in m["artifacts"].as_array().unwrap() {
        let path = e["path"].as_str().unwrap();
        assert!(
            !e["sources"].as_array().unwrap().is_empty(),
            "{path}: no sources"
        );
        if path.starts_with("terraform/") {
            assert_eq!(e["account"], "111122223333", "{path}");
        }
    }
    let q = compile(&root.join("examples/quickstart"));
    let m: Value = serde_json::from_str(&q["manifest.json"]).unwrap();
    // A boundary is written as its document (and in Terraform), never as a `create-policy`
    // CLI input: validators read such an input as an identity policy.
    let paths: Vec<&str> = m["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"aws/111122223333/boundaries/workloads/boundary-policy.json"));
    assert!(!paths
        .iter()
        .any(|p| p.ends_with("boundary.create-policy.json")));
}
