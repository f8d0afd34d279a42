#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! End-to-end tests of the `accessc` binary: exit codes, atomic writes, stale files, `check`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn accessc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under a folder with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

const CLUSTER: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace payments on prod
"#;

const APP_A: &str = r#"
app checkout in payments {
  aws { allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders" }
  kubernetes { get configmaps }
}
"#;

const APP_B: &str = r#"
app ledger in payments {
  identity = irsa
  aws { allow sqs:ReceiveMessage on "arn:aws:sqs:us-west-2:111122223333:orders" }
}
"#;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join("src").join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn build_then_rebuild_writes_nothing() {
    let p = project(&[
        ("cluster.access", CLUSTER),
        ("a.access", APP_A),
        ("b.access", APP_B),
    ]);
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let first = tree(&p.path().join("out"));
    assert!(first.contains_key("manifest.json"));
    assert!(first
        .keys()
        .any(|k| k.ends_with("payments-ledger/trust-policy.json")));
    let mtime = |rel: &str| {
        fs::metadata(p.path().join("out").join(rel))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before: Vec<_> = first.keys().map(|k| mtime(k)).collect();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 0);
    assert!(
        stderr(&o).contains("0 written, 0 removed"),
        "{}",
        stderr(&o)
    );
    let after: Vec<_> = first.keys().map(|k| mtime(k)).collect();
    assert_eq!(before, after, "a no-change rebuild must not touch any file");
    assert_eq!(first, tree(&p.path().join("out")));
}

#[test]
fn output_is_byte_identical_whatever_the_file_order() {
    let p = project(&[
        ("cluster.access", CLUSTER),
        ("a.access", APP_A),
        ("b.access", APP_B),
    ]);
    let o = accessc(
        &[
            "build",
            "src/a.access",
            "src/b.access",
            "src/cluster.access",
            "-o",
            "one",
        ],
        p.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = accessc(
        &[
            "build",
            "src/cluster.access",
            "src/b.access",
            "src/a.access",
            "-o",
            "two",
        ],
        p.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // And the declarations of one file in reverse order.
    let q = project(&[("all.access", &format!("{APP_B}\n{APP_A}\n{CLUSTER}"))]);
    let r = project(&[("all.access", &format!("{CLUSTER}\n{APP_A}\n{APP_B}"))]);
    assert_eq!(code(&accessc(&["build", "src", "-o", "out"], q.path())), 0);
    assert_eq!(code(&accessc(&["build", "src", "-o", "out"], r.path())), 0);
    let one = tree(&p.path().join("one"));
    assert_eq!(one, tree(&p.path().join("two")));
    let mut q_tree = tree(&q.path().join("out"));
    let mut r_tree = tree(&r.path().join("out"));
    // Only the recorded source lines differ between the two single-file layouts.
    q_tree.remove("manifest.json");
    r_tree.remove("manifest.json");
    assert_eq!(q_tree, r_tree);
}

#[test]
fn files_no_longer_produced_are_removed_and_only_those() {
    let p = project(&[
        ("cluster.access", CLUSTER),
        ("a.access", APP_A),
        ("b.access", APP_B),
    ]);
    assert_eq!(code(&accessc(&["build", "src", "-o", "out"], p.path())), 0);
    fs::write(
        p.path().join("out/README.md"),
        "kept: not written by accessc\n",
    )
    .unwrap();
    fs::remove_file(p.path().join("src/b.access")).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let t = tree(&p.path().join("out"));
    assert!(
        !t.keys().any(|k| k.contains("payments-ledger")),
        "{:?}",
        t.keys()
    );
    assert!(!t.keys().any(|k| k.contains("serviceaccount-ledger")));
    assert!(t.keys().any(|k| k.contains("payments-checkout")));
    assert_eq!(
        t.get("README.md").map(|v| v.as_slice()),
        Some(&b"kept: not written by accessc\n"[..])
    );
    assert!(
        !p.path()
            .join("out/aws/111122223333/roles/payments-ledger")
            .exists(),
        "empty folders are removed"
    );
}

#[test]
fn a_failed_build_writes_nothing() {
    let p = project(&[("cluster.access", CLUSTER), ("a.access", APP_A)]);
    assert_eq!(code(&accessc(&["build", "src", "-o", "out"], p.path())), 0);
    let before = tree(&p.path().join("out"));
    fs::write(p.path().join("src/b.access"), "app broken in nowhere { }\n").unwrap();
    fs::write(
        p.path().join("src/a.access"),
        APP_A.replace("orders", "orders2"),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("E103"), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing written"));
    assert_eq!(before, tree(&p.path().join("out")));
    // A fresh output folder is not even created.
    let o = accessc(&["build", "src", "-o", "fresh"], p.path());
    assert_eq!(code(&o), 1);
    assert!(!p.path().join("fresh").exists());
}

#[test]
fn check_names_stale_missing_and_extra_files() {
    let p = project(&[
        ("cluster.access", CLUSTER),
        ("a.access", APP_A),
        ("b.access", APP_B),
    ]);
    let o = accessc(&["check", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 1, "a missing output is not up to date");
    assert!(stdout(&o).contains("missing:"));
    assert_eq!(code(&accessc(&["build", "src", "-o", "out"], p.path())), 0);
    let o = accessc(&["check", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let trust = p
        .path()
        .join("out/aws/111122223333/roles/payments-checkout/trust-policy.json");
    fs::write(&trust, "{}\n").unwrap();
    fs::remove_file(
        p.path()
            .join("out/clusters/prod/kubernetes/payments/role-checkout.yaml"),
    )
    .unwrap();
    fs::remove_file(p.path().join("src/b.access")).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.contains("stale:") && out.contains("payments-checkout/trust-policy.json"),
        "{out}"
    );
    assert!(
        out.contains("missing:") && out.contains("role-checkout.yaml"),
        "{out}"
    );
    assert!(
        out.contains("extra:") && out.contains("payments-ledger"),
        "{out}"
    );
    // check never writes.
    assert_eq!(fs::read_to_string(&trust).unwrap(), "{}\n");
}

#[test]
fn file_system_failures_exit_2_and_name_the_path() {
    let p = project(&[("cluster.access", CLUSTER), ("a.access", APP_A)]);
    fs::write(p.path().join("out"), "a file, not a folder").unwrap();
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("out"));
    let o = accessc(&["build", "does-not-exist", "-o", "x"], p.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("does-not-exist"));
    let o = accessc(&["build", "--no-such-flag"], p.path());
    assert_eq!(code(&o), 2);
}

#[test]
fn errors_exit_1_with_code_and_span() {
    let p = project(&[("x.access", "clustr prod {\n}\n")]);
    let o = accessc(
        &["build", "src", "-o", "out", "--error-format", "short"],
        p.path(),
    );
    assert_eq!(code(&o), 1);
    let err = stderr(&o);
    assert!(err.contains("src/x.access:1:1: error[E001]"), "{err}");
    assert!(err.contains("did you mean `cluster`?"), "{err}");
    let o = accessc(
        &["build", "src", "-o", "out", "--error-format", "json"],
        p.path(),
    );
    let v: serde_json::Value = serde_json::from_str(
        &stderr(&o)
            .lines()
            .take_while(|l| !l.starts_with("accessc:"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    assert_eq!(v[0]["code"], "E001");
    assert_eq!(v[0]["line"], 1);
}

#[test]
fn non_utf8_input_is_an_error_not_a_crash() {
    let p = project(&[("cluster.access", CLUSTER)]);
    fs::write(
        p.path().join("src/bad.access"),
        b"app x in payments {\xff\xfe}\n",
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("E002"), "{}", stderr(&o));
}

#[test]
fn explain_prints_a_code_page() {
    let o = accessc(&["explain", "E101"], Path::new("."));
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).starts_with("# E101"));
    assert_eq!(code(&accessc(&["explain", "E999"], Path::new("."))), 2);
}

/// The committed output of every example is what `build` writes today.
#[test]
fn examples_are_up_to_date() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("out").exists() {
            continue;
        }
        let o = accessc(&["check", ".", "-o", "out"], &dir);
        assert_eq!(
            code(&o),
            0,
            "{}: {}{}",
            dir.display(),
            stdout(&o),
            stderr(&o)
        );
    }
}

#[test]
fn explain_shows_what_a_level_grant_expanded_to_and_where_it_came_from() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let o = accessc(
        &["explain", "payments/checkout", "examples/quickstart"],
        &root,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("arn:aws:s3:::receipts/*"), "{out}");
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("s3:GetObjectVersion "))
        .unwrap();
    assert!(line.contains("payments/checkout.access:6 (read)"), "{line}");
    assert!(out.contains("Role checkout in namespace payments"));
    let o = accessc(&["explain", "payments/nope", "examples/quickstart"], &root);
    assert_eq!(code(&o), 1);
}

/// Artifacts reach the writer while the program is still being emitted: an error found late
/// (here a template's missing field, E501) must still leave no output and no staged files.
#[test]
fn an_error_found_while_emitting_leaves_nothing_staged() {
    let p = project(&[("cluster.access", CLUSTER), ("a.access", APP_A)]);
    fs::create_dir_all(p.path().join("t")).unwrap();
    fs::write(p.path().join("t/role.x.txt.hbs"), "{{role.arm}}\n").unwrap();
    let staging = p.path().join(".out.accessc-new");
    let o = accessc(&["build", "src", "-o", "out", "--templates", "t"], p.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("E501"), "{}", stderr(&o));
    assert!(!p.path().join("out").exists());
    assert!(!staging.exists());

    // Over an existing output: it stays as it was.
    let o = accessc(&["build", "src", "-o", "out"], p.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = tree(&p.path().join("out"));
    fs::write(
        p.path().join("src/a.access"),
        APP_A.replace("SendMessage", "GetQueueUrl"),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out", "--templates", "t"], p.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(tree(&p.path().join("out")), before);
    assert!(!staging.exists());
}
