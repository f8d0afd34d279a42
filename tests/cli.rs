#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! End-to-end tests of the `accessc` binary: exit codes, atomic writes, stale files, `check`.

mod support;
use support::{accessc, code, stderr, stdout, tree};

use std::fs;
use std::path::{Path, PathBuf};

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

#[test]
fn packs_lists_and_shows_the_built_in_packs() {
    let o = accessc(&["packs"], Path::new("."));
    assert_eq!(code(&o), 0);
    let list = stdout(&o);
    assert!(list.starts_with("PACK"), "{list}");
    // The columns are as wide as the longest name: compare the row's words.
    assert!(
        list.lines()
            .any(|l| l.split_whitespace().take(2).eq(["external-dns", "0.22.0"])),
        "{list}"
    );
    assert!(
        list.contains(r#"use external-dns(zones: [arn] = ["arn:aws:route53:::hostedzone/*"])"#),
        "{list}"
    );
    let o = accessc(&["packs", "show", "external-dns"], Path::new("."));
    assert_eq!(code(&o), 0);
    assert_eq!(
        stdout(&o),
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("packs/external-dns.access")
        )
        .unwrap()
    );
    let o = accessc(&["packs", "show", "external-dsn"], Path::new("."));
    assert_eq!(code(&o), 2);
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(err.contains("no built-in pack `external-dsn`"), "{err}");
    assert!(err.contains("did you mean `external-dns`?"), "{err}");
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

/// A copy of `from` at `to` (files and folders).
fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from)
        .into_iter()
        .filter_map(Result::ok)
    {
        let target = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Files named by an absolute path are named in the output by their path below the working
/// directory, else by their file name, never by the absolute path: a clone of the program at
/// another path is up to date, whether checked from its own folder or from elsewhere.
#[test]
fn check_passes_in_a_clone_at_another_path_with_files_named_by_absolute_path() {
    let base = tempfile::tempdir().unwrap();
    let elsewhere = base.path().join("elsewhere");
    let first = base.path().join("checkout-one");
    fs::create_dir_all(&elsewhere).unwrap();
    fs::create_dir_all(first.join("src/apps")).unwrap();
    fs::write(first.join("src/cluster.access"), CLUSTER).unwrap();
    fs::write(
        first.join("src/apps/checkout.access"),
        "app checkout in payments {\n  kubernetes { get configmaps }\n}\n",
    )
    .unwrap();
    let abs = |root: &Path, rel: &str| root.join(rel).to_string_lossy().into_owned();
    // (working directory, the checkout's root) → arguments naming every path absolutely.
    let args = |root: &Path, out: &str| -> Vec<String> {
        vec![
            abs(root, "src/cluster.access"),
            abs(root, "src/apps/checkout.access"),
            "-o".into(),
            abs(root, out),
        ]
    };
    let run = |cmd: &str, cwd: &Path, a: Vec<String>| {
        let mut all = vec![cmd.to_string()];
        all.extend(a);
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        accessc(&all, cwd)
    };
    // Built from another folder (names: the file names) and from the checkout itself (names:
    // the paths below it); a folder given absolutely names its files relative to it.
    let o = run("build", &elsewhere, args(&first, "out-elsewhere"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run("build", &first, args(&first, "out-inside"));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(
        "build",
        &elsewhere,
        vec![abs(&first, "src"), "-o".into(), abs(&first, "out-folder")],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let root_text = first.to_string_lossy().into_owned();
    for out in ["out-elsewhere", "out-inside", "out-folder"] {
        for (path, bytes) in tree(&first.join(out)) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(&root_text),
                "{out}/{path} names {root_text}:\n{text}"
            );
        }
    }
    let header = |out: &str| {
        fs::read_to_string(
            first
                .join(out)
                .join("clusters/prod/kubernetes/payments/role-checkout.yaml"),
        )
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string()
    };
    assert_eq!(
        header("out-elsewhere"),
        "# generated by accessc from checkout.access; do not edit"
    );
    assert_eq!(
        header("out-inside"),
        "# generated by accessc from src/apps/checkout.access; do not edit"
    );
    assert_eq!(
        header("out-folder"),
        "# generated by accessc from apps/checkout.access; do not edit"
    );
    // The clone, checked with absolute paths in the same two ways.
    let second = base.path().join("clone-two");
    copy_tree(&first, &second);
    let o = run("check", &elsewhere, args(&second, "out-elsewhere"));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run("check", &second, args(&second, "out-inside"));
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let o = run(
        "check",
        &elsewhere,
        vec![abs(&second, "src"), "-o".into(), abs(&second, "out-folder")],
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // `../` counts as not below the working directory: the file name.
    let o = accessc(
        &[
            "check",
            "../clone-two/src/cluster.access",
            "../clone-two/src/apps/checkout.access",
            "-o",
            "../clone-two/out-elsewhere",
        ],
        &elsewhere,
    );
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let commands = [
        "build",
        "check",
        "fmt",
        "lint",
        "explain",
        "diff",
        "who-can",
        "packs",
        "import",
        "completions",
        "man",
        "lsp",
    ];
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = accessc(&["completions", shell], Path::new("."));
        assert_eq!(code(&o), 0, "{shell}");
        let script = stdout(&o);
        for c in commands {
            assert!(script.contains(c), "{shell} completion lacks `{c}`");
        }
    }
    // The bash script is valid bash.
    let o = accessc(&["completions", "bash"], Path::new("."));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("accessc.bash");
    std::fs::write(&file, stdout(&o)).unwrap();
    let bash = std::process::Command::new("bash")
        .arg("-n")
        .arg(&file)
        .status()
        .unwrap();
    assert!(bash.success());
    let o = accessc(&["completions", "tcsh"], Path::new("."));
    assert_eq!(code(&o), 2, "an unknown shell is a usage error");

    let o = accessc(&["man"], Path::new("."));
    assert_eq!(code(&o), 0);
    let page = stdout(&o);
    assert!(page.contains(".TH accessc 1"), "{page}");
    for c in commands {
        assert!(
            page.contains(&format!(".SH \"ACCESSC {}\"", c.to_uppercase())),
            "the manual page has no section for `{c}`"
        );
    }
}
