#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc diff`: the permission model read back from output folders and from compiles, the
//! sentences per principal, the Markdown report (snapshot), and the command line (exit codes,
//! `--base`, `--git`, formats).

mod support;
use support::{accessc, code, root, stderr, stdout};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use accessc::diff::{self, DiffFormat, Files, Model};
use accessc::source::Sources;

/// Every `.access` file under a folder, named relative to it (as `build` names them).
fn load(dir: &Path) -> Sources {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "access"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    let mut sources = Sources::new();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        sources.add(rel, fs::read_to_string(&f).unwrap());
    }
    sources
}

fn compile(dir: &Path) -> Files {
    let compiled = accessc::compile(&load(dir));
    let artifacts = compiled
        .artifacts
        .unwrap_or_else(|| panic!("{} has errors: {:?}", dir.display(), compiled.diags));
    diff::files::from_artifacts(&artifacts)
}

fn compile_text(files: &[(&str, &str)]) -> Files {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let compiled = accessc::compile(&sources);
    let artifacts = compiled
        .artifacts
        .unwrap_or_else(|| panic!("errors: {:?}", compiled.diags));
    diff::files::from_artifacts(&artifacts)
}

fn case(name: &str) -> (Files, Files) {
    let dir = root().join("tests/diff_cases").join(name);
    (compile(&dir.join("before")), compile(&dir.join("after")))
}

/// Every change as one plain sentence: `role x gains …`, `access y on prod: …`.
fn sentences(report: &diff::Report) -> Vec<String> {
    report
        .principals
        .iter()
        .flat_map(|p| {
            p.changes.iter().map(move |c| {
                let on = if c.clusters.is_empty() {
                    String::new()
                } else {
                    format!(" on {}:", c.clusters.join(", "))
                };
                format!("{}{on} {}", p.label, c.text.replace('`', ""))
            })
        })
        .collect()
}

#[test]
fn three_changes_markdown() {
    let (before, after) = case("three_changes");
    let report = diff::diff_files(&before, &after, "`out`");
    assert_eq!(
        sentences(&report),
        [
            "role ledger-readers trust adds subject system:serviceaccount:payments:reports (IRSA, issuer oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE)",
            "role payments-checkout gains s3:DeleteObject on arn:aws:s3:::receipts/*",
            "access payments-devs on prod: edit scope widens from namespaces [payments] to namespaces [billing, payments]",
        ]
    );
    let kinds: Vec<&str> = report
        .principals
        .iter()
        .flat_map(|p| p.changes.iter().map(|c| c.kind))
        .collect();
    assert_eq!(kinds, ["trust_added", "aws_gained", "access_scope"]);
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("diff_three_changes_markdown", report.render(DiffFormat::Markdown));
    });
}

#[test]
fn same_program_no_change() {
    let files = compile(&root().join("examples/quickstart"));
    let report = diff::diff_files(&files, &files, "itself");
    assert!(!report.changed());
    assert!(report.principals.is_empty());
    assert_eq!(
        report.render(DiffFormat::Text),
        "no change against itself\n"
    );
}

/// The model read from the files of a compile is what the files say; a model of each example
/// has the principals one expects.
#[test]
fn model_of_examples() {
    let m = Model::read(&compile(&root().join("examples/access")));
    let labels: Vec<String> = diff::compare::compare(&Model::default(), &m)
        .iter()
        .map(|p| p.label.clone())
        .collect();
    for want in [
        "access payments-devs",
        "access ci-deployer",
        "access oncall",
        "access viewers",
        "access platform-admins",
        "node role prod-nodes",
        "node role legacy-nodes",
        "cluster legacy",
    ] {
        assert!(labels.iter().any(|l| l == want), "{want} not in {labels:?}");
    }
    // The same edit policy on three clusters, through access entries (prod, staging) and a
    // RoleBinding to the built-in ClusterRole (legacy), is one fact per cluster.
    let report = diff::diff_files(
        &Files::new(),
        &compile(&root().join("examples/access")),
        "nothing",
    );
    let all = sentences(&report);
    assert!(
        all.iter().any(|s| s
            == "access payments-devs on legacy, prod, staging: gains access policy edit (namespaces [payments])"),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|s| s
            == "access oncall on legacy, prod, staging: gains get, list, watch on events, pods, pods/log in namespace payments"),
        "{all:#?}"
    );
}

const ACCESS_CLUSTERS: &str = r#"
cluster prod {
  account   = "111122223333"
  region    = "us-west-2"
  auth_mode = api
}
cluster legacy {
  account   = "111122223333"
  region    = "us-west-2"
  auth_mode = config_map
  nodes     = "arn:aws:iam::111122223333:role/legacy-nodes"
}
namespace payments on prod, legacy
namespace billing on prod, legacy
"#;

fn access(policy: &str, scope: &str) -> String {
    format!(
        "access payments-devs on prod, legacy {{\n  role = \"arn:aws:iam::111122223333:role/teams/PaymentsDev\"\n  policy = {policy}\n{scope}}}\n"
    )
}

#[test]
fn policy_moves_and_scopes() {
    let view = access("view", "  scope = namespaces [payments]\n");
    let edit = access("edit", "  scope = namespaces [payments]\n");
    let edit_cluster = access("edit", "");
    let before = compile_text(&[("c.access", ACCESS_CLUSTERS), ("a.access", &view)]);
    let moved = compile_text(&[("c.access", ACCESS_CLUSTERS), ("a.access", &edit)]);
    let widened = compile_text(&[("c.access", ACCESS_CLUSTERS), ("a.access", &edit_cluster)]);

    let r = diff::diff_files(&before, &moved, "base");
    assert_eq!(
        sentences(&r),
        ["access payments-devs on legacy, prod: moves from view to edit (namespaces [payments])"]
    );
    assert_eq!(r.principals[0].changes[0].sign, "+");

    let r = diff::diff_files(&moved, &widened, "base");
    assert_eq!(
        sentences(&r),
        ["access payments-devs on legacy, prod: edit scope widens from namespaces [payments] to cluster"]
    );
    let r = diff::diff_files(&widened, &moved, "base");
    assert_eq!(
        sentences(&r),
        ["access payments-devs on legacy, prod: edit scope narrows from cluster to namespaces [payments]"]
    );
    assert_eq!(r.principals[0].changes[0].sign, "-");
    let r = diff::diff_files(&widened, &before, "base");
    assert_eq!(
        sentences(&r),
        ["access payments-devs on legacy, prod: moves from edit (cluster) to view (namespaces [payments])"]
    );
}

const APP_CLUSTER: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  boundary = workloads
}
boundary workloads {
  allow s3:*, sqs:*
  deny  iam:*
}
namespace payments on prod
"#;

#[test]
fn aws_kubernetes_and_removals() {
    let before = compile_text(&[
        ("c.access", APP_CLUSTER),
        (
            "a.access",
            r#"app checkout in payments {
  aws {
    allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders"
    allow s3:PutObject on "arn:aws:s3:::uploads/*" when s3:x-amz-server-side-encryption == "aws:kms"
  }
  kubernetes { get, list configmaps }
}
app old in payments {
  aws { allow sqs:ReceiveMessage on "arn:aws:sqs:us-west-2:111122223333:orders" }
}
"#,
        ),
    ]);
    let after = compile_text(&[
        ("c.access", APP_CLUSTER),
        (
            "a.access",
            r#"app checkout in payments {
  aws {
    allow s3:PutObject on "arn:aws:s3:::uploads/*" when s3:x-amz-server-side-encryption == "AES256"
  }
  kubernetes {
    get, list configmaps
    get secrets named "checkout-db"
  }
}
"#,
        ),
    ]);
    let r = diff::diff_files(&before, &after, "base");
    let s = sentences(&r);
    assert_eq!(
        s,
        [
            "role payments-checkout loses sqs:SendMessage on arn:aws:sqs:us-west-2:111122223333:orders",
            "role payments-checkout s3:PutObject on arn:aws:s3:::uploads/*: condition changes from StringEquals s3:x-amz-server-side-encryption = aws:kms to StringEquals s3:x-amz-server-side-encryption = AES256",
            "role payments-old loses sqs:ReceiveMessage on arn:aws:sqs:us-west-2:111122223333:orders",
            "role payments-old loses its permission boundary arn:aws:iam::111122223333:policy/workloads",
            "role payments-old trust removes cluster arn:aws:eks:us-west-2:111122223333:cluster/prod (Pod Identity)",
            "role payments-old trust removes source account 111122223333",
            "role payments-old on prod: trust removes service account payments/old (Pod Identity association)",
            "service account payments/checkout on prod: gains get on secrets named checkout-db in namespace payments",
        ],
        "{s:#?}"
    );
    let old = r
        .principals
        .iter()
        .find(|p| p.label == "role payments-old")
        .unwrap();
    assert_eq!(old.status, diff::compare::Status::Removed);
}

/// One app whose single grant is `allow ACTIONS on "ARN"` followed by `when` (`cond`, may be
/// empty), compiled with `APP_CLUSTER`.
fn app_with_condition(grant: &str, cond: &str) -> Files {
    let when = if cond.is_empty() {
        String::new()
    } else {
        format!("\n      when {cond}")
    };
    compile_text(&[
        ("c.access", APP_CLUSTER),
        (
            "a.access",
            &format!("app checkout in payments {{\n  aws {{\n    {grant}{when}\n  }}\n}}\n"),
        ),
    ])
}

/// The (sign, sentence) of each change from `before` to `after`.
fn signed(before: &Files, after: &Files) -> Vec<(String, String)> {
    let r = diff::diff_files(before, after, "base");
    let signs: Vec<String> = r
        .principals
        .iter()
        .flat_map(|p| p.changes.iter().map(|c| c.sign.to_string()))
        .collect();
    signs.into_iter().zip(sentences(&r)).collect()
}

/// The one change from `before` to `after`: its sign, and that its sentence contains `words`.
#[track_caller]
fn one_change(before: &Files, after: &Files, sign: &str, words: &str) {
    let s = signed(before, after);
    assert_eq!(s.len(), 1, "{s:#?}");
    assert_eq!(s[0].0, sign, "{s:#?}");
    assert!(s[0].1.contains(words), "{s:#?}");
}

const TAGGED: &str = r#"allow s3:GetObject on "arn:aws:s3:::uploads/*""#;

#[test]
fn a_condition_value_list_that_grows_is_a_gain_and_one_that_shrinks_a_loss() {
    let one = app_with_condition(TAGGED, r#"s3:ExistingObjectTag/cluster == "owned""#);
    let two = app_with_condition(
        TAGGED,
        r#"s3:ExistingObjectTag/cluster == ["owned", "shared"]"#,
    );
    assert_eq!(
        signed(&one, &two),
        [(
            "+".to_string(),
            "role payments-checkout s3:GetObject on arn:aws:s3:::uploads/*: condition widens from StringEquals s3:ExistingObjectTag/cluster = owned to StringEquals s3:ExistingObjectTag/cluster = owned | shared".to_string()
        )]
    );
    one_change(&two, &one, "-", "condition narrows from");
    // Neither set holds the other: both a gain and a loss.
    let other = app_with_condition(TAGGED, r#"s3:ExistingObjectTag/cluster == "shared""#);
    one_change(&one, &other, "~", "condition changes from");
}

#[test]
fn a_negated_condition_value_list_that_grows_is_a_loss() {
    let one = app_with_condition(TAGGED, r#"s3:ExistingObjectTag/cluster != "prod""#);
    let two = app_with_condition(
        TAGGED,
        r#"s3:ExistingObjectTag/cluster != ["prod", "staging"]"#,
    );
    one_change(&one, &two, "-", "condition narrows from");
    one_change(&two, &one, "+", "condition widens from");
}

const LISTING: &str = r#"allow s3:ListBucket on "arn:aws:s3:::uploads""#;

#[test]
fn a_like_pattern_that_broadens_is_a_gain_and_one_that_narrows_a_loss() {
    let alice = app_with_condition(LISTING, r#"s3:prefix like "home/alice/*""#);
    let home = app_with_condition(LISTING, r#"s3:prefix like "home/*""#);
    one_change(
        &alice,
        &home,
        "+",
        "condition widens from StringLike s3:prefix = home/alice/* to StringLike s3:prefix = home/*",
    );
    one_change(&home, &alice, "-", "condition narrows from");
    // A pattern added is a gain, one removed a loss.
    let both = app_with_condition(LISTING, r#"s3:prefix like ["home/alice/*", "tmp/*"]"#);
    one_change(&alice, &both, "+", "condition widens from");
    one_change(&both, &alice, "-", "condition narrows from");
    // Patterns neither of which covers the other: both.
    let work = app_with_condition(LISTING, r#"s3:prefix like "work/*""#);
    one_change(&home, &work, "~", "condition changes from");
}

#[test]
fn a_condition_removed_is_a_gain_and_one_added_a_loss() {
    let free = app_with_condition(TAGGED, "");
    let tagged = app_with_condition(TAGGED, r#"s3:ExistingObjectTag/cluster == "owned""#);
    one_change(
        &tagged,
        &free,
        "+",
        "condition widens from StringEquals s3:ExistingObjectTag/cluster = owned to none",
    );
    one_change(&free, &tagged, "-", "condition narrows from none to");
}

#[test]
fn a_condition_that_widens_in_each_cluster_statement_is_a_gain_for_each() {
    // `${cluster}` in a key: one statement per cluster, the same action on the same resource.
    let program = |value: &str| {
        compile_text(&[(
            "a.access",
            &format!(
                "cluster prod {{\n  account = \"111122223333\"\n  region  = \"us-west-2\"\n}}\ncluster staging {{\n  account = \"111122223333\"\n  region  = \"us-west-2\"\n}}\nnamespace tools on prod, staging\napp scaler in tools {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == {value}\n  }}\n}}\n"
            ),
        )])
    };
    let s = signed(&program(r#""owned""#), &program(r#"["owned", "shared"]"#));
    assert_eq!(s.len(), 2, "{s:#?}");
    for (sign, text) in &s {
        assert_eq!(sign, "+", "{s:#?}");
        assert!(text.contains("condition widens from"), "{s:#?}");
    }
    assert!(s[0].1.contains("cluster/prod = owned | shared"), "{s:#?}");
    assert!(
        s[1].1.contains("cluster/staging = owned | shared"),
        "{s:#?}"
    );
}

#[test]
fn a_service_account_token_mounted_is_a_gain_and_unmounted_a_loss() {
    // Without Kubernetes rules the service account mounts no token; with them it does.
    let none = app_with_condition(LISTING, "");
    let with_rules = compile_text(&[
        ("c.access", APP_CLUSTER),
        (
            "a.access",
            &format!("app checkout in payments {{\n  aws {{\n    {LISTING}\n  }}\n  kubernetes {{ get configmaps }}\n}}\n"),
        ),
    ]);
    for (before, after, sign, text) in [
        (
            &none,
            &with_rules,
            "+",
            "pods mount its API token (automountServiceAccountToken: true)",
        ),
        (
            &with_rules,
            &none,
            "-",
            "pods no longer mount its API token (automountServiceAccountToken: false)",
        ),
    ] {
        let s = signed(before, after);
        let want = (
            sign.to_string(),
            format!("service account payments/checkout on prod: {text}"),
        );
        assert!(s.contains(&want), "{s:#?}");
    }
}

#[test]
fn json_and_text_formats() {
    let (before, after) = case("three_changes");
    let report = diff::diff_files(&before, &after, "`out`");
    let json: serde_json::Value = serde_json::from_str(&report.render(DiffFormat::Json)).unwrap();
    assert_eq!(json["changed"], true);
    assert_eq!(json["permission_changes"], 3);
    assert_eq!(
        json["principals"][1]["summaries"][0],
        "role payments-checkout gains s3:DeleteObject on arn:aws:s3:::receipts/*"
    );
    assert_eq!(json["principals"][2]["changes"][0]["clusters"][0], "prod");
    let files = json["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"]
        == "clusters/prod/eks/access-entries/payments-devs.associate-access-policy.json"
        && f["status"] == "modified"
        && f["diff"].as_str().unwrap().contains("+      \"billing\",")));
    let manifest = files.iter().find(|f| f["path"] == "manifest.json").unwrap();
    assert!(manifest.get("diff").is_none());
    let text = report.render(DiffFormat::Text);
    assert!(text.contains("role payments-checkout  (account 111122223333; payments.access:2)\n  + gains s3:DeleteObject on arn:aws:s3:::receipts/*\n"), "{text}");
    assert!(text.contains("\n--- a/clusters/prod/eks/access-entries/payments-devs.associate-access-policy.json\n+++ b/clusters/prod/eks/access-entries/payments-devs.associate-access-policy.json\n"), "{text}");
}

// ----- the command line -----

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let rel = e.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if e.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

#[test]
fn cli_against_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    copy_dir(&root().join("tests/diff_cases/three_changes/before"), &src);
    // Nothing built yet: everything is new.
    let o = accessc(&["diff", "src", "-o", "out"], dir.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("role payments-checkout (new)"),
        "{}",
        stdout(&o)
    );
    let o = accessc(&["build", "src", "-o", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Built: no change, exit 0.
    let o = accessc(&["diff", "src", "-o", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "no change against `out`\n");
    // The after program: the three changes, exit 1.
    copy_dir(&root().join("tests/diff_cases/three_changes/after"), &src);
    let o = accessc(
        &["diff", "src", "-o", "out", "--format", "markdown"],
        dir.path(),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("Against `out`: 3 permission changes in 3 principals"),
        "{md}"
    );
    assert!(
        md.contains("- **+** gains `s3:DeleteObject` on `arn:aws:s3:::receipts/*`"),
        "{md}"
    );
    // The same against another folder: `--base` wins over `-o`.
    let o = accessc(&["build", "src", "-o", "new"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = accessc(&["diff", "src", "-o", "out", "--base", "new"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // The committed output is untouched by diff.
    let o = accessc(
        &["diff", "src", "-o", "out", "--format", "json"],
        dir.path(),
    );
    assert_eq!(code(&o), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["permission_changes"], 3);
}

#[test]
fn cli_only_text_changes_and_removed_files() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    copy_dir(&root().join("tests/diff_cases/three_changes/before"), &src);
    assert_eq!(
        code(&accessc(&["build", "src", "-o", "out"], dir.path())),
        0
    );
    // A comment line moves every source line: only the manifest changes.
    let p = src.join("payments.access");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, format!("# moved\n{text}")).unwrap();
    let o = accessc(&["diff", "src", "-o", "out"], dir.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("no permission change"),
        "{}",
        stdout(&o)
    );
    // Removing an app removes its files.
    fs::write(
        &p,
        text.replace("app ledger in payments { role = ledger-readers }\n", ""),
    )
    .unwrap();
    let o = accessc(&["diff", "src", "-o", "out"], dir.path());
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("role ledger-readers (removed)"), "{out}");
    assert!(
        out.contains("removed   aws/111122223333/roles/ledger-readers/policy.json"),
        "{out}"
    );
}

#[test]
fn cli_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.access"), "cluster {").unwrap();
    let o = accessc(&["diff", ".", "-o", "out"], dir.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot diff: the program has errors"));
    let o = accessc(&["diff", "nowhere", "-o", "out"], dir.path());
    assert_eq!(code(&o), 2);
    fs::write(dir.path().join("bad.access"), "").unwrap();
    let o = accessc(&["diff", ".", "--base", "missing"], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("the base folder `missing` does not exist"));
}

fn git(args: &[&str], cwd: &Path) {
    let o = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn cli_against_git_revision() {
    if Command::new("git").arg("--version").output().is_err() {
        eprintln!("git is not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(&["init", "-q"], repo);
    let src = repo.join("team/src");
    copy_dir(&root().join("tests/diff_cases/three_changes/before"), &src);
    git(&["add", "."], repo);
    git(&["commit", "-q", "-m", "before"], repo);
    copy_dir(&root().join("tests/diff_cases/three_changes/after"), &src);
    // From a subfolder, with a relative path: the same files at HEAD.
    let team = repo.join("team");
    let o = accessc(&["diff", "src", "--git", "HEAD", "--format", "json"], &team);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["base"], "the program at HEAD");
    assert_eq!(json["permission_changes"], 3, "{}", stdout(&o));
    // A single file as PATH: named as given, like `build` does.
    let o = accessc(
        &[
            "diff",
            "src/platform.access",
            "src/payments.access",
            "--git",
            "HEAD",
        ],
        &team,
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("3 permission changes"),
        "{}",
        stdout(&o)
    );
    git(&["add", "."], repo);
    git(&["commit", "-q", "-m", "after"], repo);
    let o = accessc(&["diff", "team/src", "--git", "HEAD"], repo);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = accessc(&["diff", "team/src", "--git", "HEAD~1"], repo);
    assert_eq!(code(&o), 1);
    let o = accessc(&["diff", "team/src", "--git", "no-such-rev"], repo);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("`no-such-rev` is not a revision"),
        "{}",
        stderr(&o)
    );
}
