#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The apply plan (`--target apply`): every example's plan orders IAM before the regional
//! steps and names each regional step's region; every generated `apply.sh` passes `bash -n`
//! (and `shellcheck` where it is installed); and the script, run with a stand-in `aws` that
//! records its arguments, passes hostile-but-valid names through as they are, skips what
//! `--skip` names, and stops on the first failure with its message.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn build(src: &Path, out: &Path) {
    let o = support::accessc(
        &[
            "build",
            &src.to_string_lossy(),
            "-o",
            &out.to_string_lossy(),
            "--target",
            "aws,apply",
        ],
        src,
    );
    assert_eq!(support::code(&o), 0, "{}", support::stderr(&o));
}

fn scripts(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(out.join("apply"))
        .unwrap()
        .map(|e| e.unwrap().path().join("apply.sh"))
        .collect();
    v.sort();
    v
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_example_has_an_ordered_plan_and_a_script_that_parses() {
    let root = support::root();
    let shellcheck = on_path("shellcheck");
    if !shellcheck {
        eprintln!("shellcheck is not installed: only `bash -n` checks the scripts");
    }
    let mut examples = 0;
    for e in fs::read_dir(root.join("examples")).unwrap() {
        let src = e.unwrap().path();
        let tmp = tempfile::tempdir().unwrap();
        build(&src, tmp.path());
        examples += 1;
        for script in scripts(tmp.path()) {
            let o = Command::new("bash")
                .arg("-n")
                .arg(&script)
                .output()
                .unwrap();
            assert!(o.status.success(), "{script:?}: {}", support::stderr(&o));
            if shellcheck {
                let o = Command::new("shellcheck")
                    .args(["-s", "bash"])
                    .arg(&script)
                    .output()
                    .unwrap();
                assert!(o.status.success(), "{script:?}: {}", support::stdout(&o));
            }
            let plan: Value = serde_json::from_str(
                &fs::read_to_string(script.with_file_name("plan.json")).unwrap(),
            )
            .unwrap();
            let steps = plan["steps"].as_array().unwrap();
            assert!(!steps.is_empty());
            let mut seen_regional = false;
            for s in steps {
                let kind = s["kind"].as_str().unwrap();
                let iam = s["service"] == "iam";
                assert!(!(iam && seen_regional), "{kind} after a regional step");
                seen_regional |= !iam;
                if s["service"] == "eks" {
                    assert!(s["region"].is_string(), "{s}");
                }
                for call in s["create"].as_array().unwrap() {
                    if let Some(input) = call["input"].as_str() {
                        assert!(tmp.path().join(input).is_file(), "{input}");
                    }
                }
            }
        }
    }
    assert!(examples >= 5);
}

/// A stand-in `aws`: records each call's arguments (NUL-separated, one call per line) in
/// `$AWS_LOG`; answers `sts get-caller-identity` with the account, an operation with a file of
/// `$AWS_ANSWERS` with its text, other reads with NoSuchEntity (so every step creates), and
/// fails the write whose operation is `$AWS_FAIL`.
const FAKE_AWS: &str = r#"#!/usr/bin/env bash
for a in "$@"; do printf '%s\0' "$a" >>"$AWS_LOG"; done
printf '\n' >>"$AWS_LOG"
if [ -n "${AWS_ANSWERS:-}" ] && [ -f "$AWS_ANSWERS/$2" ]; then cat "$AWS_ANSWERS/$2"; exit 0; fi
case "$2" in
  get-caller-identity) echo 111122223333; exit 0 ;;
  list-*|get-*|describe-*) echo 'An error occurred (NoSuchEntity) when calling the operation: not there' >&2; exit 254 ;;
esac
if [ "$2" = "${AWS_FAIL:-}" ]; then
  echo "An error occurred (AccessDenied) when calling $2: no" >&2
  exit 254
fi
exit 0
"#;

const HOSTILE: &str = r#"cluster prod {
  account   = "111122223333"
  region    = "us-west-2"
  oidc      = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  auth_mode = api
  boundary  = workloads
}

boundary workloads {
  allow sqs:*
}

namespace payments on prod

access dev on prod {
  role     = "arn:aws:iam::111122223333:role/te'am$(touch${IFS}pwned)`id`\"x;|&*?/Dev"
  policy   = edit
  scope    = namespaces [payments]
  groups   = ["g'$(touch pwned)"]
  username = "u'$HOME:{{SessionName}}"
}

app checkout in payments {
  identity = pod_identity
  aws {
    allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders"
  }
}
"#;

struct Run {
    output: Output,
    calls: Vec<Vec<String>>,
}

fn run(out: &Path, args: &[&str], fail: &str) -> Run {
    run_with(out, args, fail, None)
}

fn run_with(out: &Path, args: &[&str], fail: &str, answers: Option<&Path>) -> Run {
    let bin = out.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let aws = bin.join("aws");
    fs::write(&aws, FAKE_AWS).unwrap();
    fs::set_permissions(&aws, fs::Permissions::from_mode(0o755)).unwrap();
    let log = out.join("calls.log");
    let _ = fs::remove_file(&log);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let script = scripts(out).into_iter().next().unwrap();
    let output = Command::new("bash")
        .arg(&script)
        .args(args)
        .current_dir(out)
        .env("PATH", path)
        .env("AWS_LOG", &log)
        .env("AWS_FAIL", fail)
        .env("AWS_ANSWERS", answers.unwrap_or(Path::new("")))
        .output()
        .unwrap();
    let text = fs::read(&log).unwrap_or_default();
    let calls = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect()
        })
        .collect();
    Run { output, calls }
}

fn hostile_output() -> tempfile::TempDir {
    let src = tempfile::tempdir().unwrap();
    fs::write(src.path().join("input.access"), HOSTILE).unwrap();
    let out = tempfile::tempdir().unwrap();
    build(src.path(), out.path());
    out
}

#[test]
fn hostile_but_valid_names_reach_the_cli_as_they_are() {
    let out = hostile_output();
    let r = run(out.path(), &[], "");
    let stdout = support::stdout(&r.output);
    assert!(
        r.output.status.success(),
        "{stdout}{}",
        support::stderr(&r.output)
    );
    // Nothing in a name ran.
    assert!(!out.path().join("pwned").exists());
    assert!(!support::root().join("pwned").exists());
    let principal = "arn:aws:iam::111122223333:role/te'am$(touch${IFS}pwned)`id`\"x;|&*?/Dev";
    let create = r
        .calls
        .iter()
        .find(|c| c.get(1).map(String::as_str) == Some("describe-access-entry"))
        .unwrap();
    assert!(create.iter().any(|a| a == principal), "{create:?}");
    assert!(create.iter().any(|a| a == "us-west-2"), "{create:?}");
    // Every step was created, in order, IAM first; each EKS call names its region.
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "create  boundary  workloads",
            "create  policy  payments-checkout-policy",
            "create  role  payments-checkout",
            "create  attachment  payments-checkout/payments-checkout-policy",
            "create  access-entry  prod/dev",
            "create  access-policy  prod/dev",
            "create  pod-identity-association  prod/payments/checkout",
            "account 111122223333: 7 created, 0 updated, 0 unchanged, 0 skipped",
        ]
    );
    for c in r.calls.iter().filter(|c| c[0] == "eks") {
        assert!(
            c.windows(2)
                .any(|w| w[0] == "--region" && w[1] == "us-west-2"),
            "{c:?}"
        );
    }
    let entry = r
        .calls
        .iter()
        .find(|c| c.get(1).map(String::as_str) == Some("create-access-entry"))
        .unwrap();
    assert!(
        entry.contains(
            &"file://clusters/prod/eks/access-entries/dev.create-access-entry.json".to_string()
        ),
        "{entry:?}"
    );
}

#[test]
fn skip_dry_run_and_the_first_failure() {
    let out = hostile_output();
    let r = run(out.path(), &["--skip", "eks", "--dry-run"], "");
    let stdout = support::stdout(&r.output);
    assert!(r.output.status.success(), "{}", support::stderr(&r.output));
    assert!(
        stdout.contains("skip  access-entry  prod/dev\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "account 111122223333: 4 created, 0 updated, 0 unchanged, 3 skipped (dry run: nothing changed)\n"
        ),
        "{stdout}"
    );
    // A dry run only reads.
    for c in &r.calls {
        assert!(
            [
                "get-caller-identity",
                "list-policy-tags",
                "list-role-tags",
                "list-attached-role-policies"
            ]
            .contains(&c[1].as_str()),
            "{c:?}"
        );
    }
    assert!(
        stdout.contains("    aws iam create-role --cli-input-json"),
        "{stdout}"
    );

    let r = run(out.path(), &[], "create-role");
    assert_eq!(r.output.status.code(), Some(1));
    let stderr = support::stderr(&r.output);
    assert!(
        stderr.contains("apply.sh: failed: aws iam create-role"),
        "{stderr}"
    );
    assert!(stderr.contains("AccessDenied"), "{stderr}");
    // Nothing after the failing step ran.
    assert!(!r.calls.iter().any(|c| c[1] == "attach-role-policy"));

    for args in [
        &["--bogus"][..],
        &["--skip", "ek"],
        &["--skip"],
        &["--skip=eks", "--skip=iam", "--skip", "sqs", "x"],
    ] {
        let r = run(out.path(), args, "");
        assert_eq!(r.output.status.code(), Some(2), "{args:?}");
        assert!(r.calls.is_empty(), "{args:?}");
    }
    let r = run(out.path(), &["--skip=eks", "--skip=iam"], "");
    assert!(support::stdout(&r.output).ends_with("0 created, 0 updated, 0 unchanged, 7 skipped\n"));
}

#[test]
fn what_exists_is_updated_in_place_or_left_unchanged() {
    let out = hostile_output();
    let answers = tempfile::tempdir().unwrap();
    let edit = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy";
    for (op, text) in [
        // Tags of another version of every document.
        ("list-policy-tags", "0123"),
        ("list-role-tags", "0123"),
        ("describe-access-entry", "0123"),
        ("describe-pod-identity-association", "0123"),
        ("list-pod-identity-associations", "a-1234"),
        // 5 versions: the oldest non-default one goes first.
        ("list-policy-versions", "5"),
        // Attached, and associated with the declared scope.
        (
            "list-attached-role-policies",
            "arn:aws:iam::111122223333:policy/payments-checkout-policy",
        ),
        (
            "list-associated-access-policies",
            &format!("{edit}\tnamespace\tpayments\n"),
        ),
    ] {
        fs::write(answers.path().join(op), text).unwrap();
    }
    let r = run_with(out.path(), &[], "", Some(answers.path()));
    let stdout = support::stdout(&r.output);
    assert!(
        r.output.status.success(),
        "{stdout}{}",
        support::stderr(&r.output)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "update  boundary  workloads",
            "update  policy  payments-checkout-policy",
            "update  role  payments-checkout",
            "unchanged  attachment  payments-checkout/payments-checkout-policy",
            "update  access-entry  prod/dev",
            "unchanged  access-policy  prod/dev",
            "update  pod-identity-association  prod/payments/checkout",
            "account 111122223333: 0 created, 5 updated, 2 unchanged, 0 skipped",
        ]
    );
    let ops: Vec<&str> = r.calls.iter().map(|c| c[1].as_str()).collect();
    let writes: Vec<&str> = ops
        .iter()
        .copied()
        .filter(|o| {
            !o.starts_with("list-") && !o.starts_with("describe-") && !o.starts_with("get-")
        })
        .collect();
    assert_eq!(
        writes,
        [
            "delete-policy-version",
            "create-policy-version",
            "tag-policy",
            "delete-policy-version",
            "create-policy-version",
            "tag-policy",
            "update-assume-role-policy",
            "update-role",
            "put-role-permissions-boundary",
            "tag-role",
            "update-access-entry",
            "tag-resource",
            "update-pod-identity-association",
            "tag-resource",
        ]
    );
    let call = |op: &str| r.calls.iter().find(|c| c[1] == op).unwrap();
    assert!(call("create-policy-version").contains(&"--set-as-default".to_string()));
    assert!(call("delete-policy-version")
        .windows(2)
        .any(|w| w == ["--version-id", "5"]));
    let entry = call("update-access-entry");
    assert!(
        entry
            .windows(2)
            .any(|w| w[0] == "--kubernetes-groups" && w[1] == "[\"g'$(touch pwned)\"]"),
        "{entry:?}"
    );
    assert!(
        entry
            .windows(2)
            .any(|w| w[0] == "--username" && w[1] == "u'$HOME:{{SessionName}}"),
        "{entry:?}"
    );
    let pia = call("update-pod-identity-association");
    assert!(
        pia.windows(2).any(|w| w == ["--association-id", "a-1234"]),
        "{pia:?}"
    );
    assert!(!pia.iter().any(|a| a.contains("session-tags")), "{pia:?}");
    assert!(!out.path().join("pwned").exists());
}
