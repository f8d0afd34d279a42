#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! What a committed output folder may hold (src/writer/paths.rs): `build`, `check` and `diff`
//! open only checked paths inside it, never follow a symbolic link there, and refuse files
//! accessc did not write that a deployment tool would apply; the writer refuses an artifact
//! path that would leave the folder; a closed stdout ends the process quietly.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const PROGRAM: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace payments on prod
app checkout in payments {
  aws { allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders" }
  kubernetes { get configmaps }
}
"#;

const SECRET: &str = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-do-not-print";

fn accessc(args: &[&str], cwd: &Path) -> Output {
    accessc_with(args, cwd, &cwd.join("cache"), "100000")
}

fn accessc_with(args: &[&str], cwd: &Path, cache: &Path, min_files: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("ACCESSC_CACHE_DIR", cache)
        .env("ACCESSC_STAMP_MIN_FILES", min_files)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A project with PROGRAM built into `out`, and a secret file next to it.
fn built() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/main.access"), PROGRAM).unwrap();
    fs::create_dir_all(dir.path().join("secrets")).unwrap();
    fs::write(dir.path().join("secrets/env"), SECRET).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    dir
}

/// Add `entry` to the manifest's list of artifacts.
fn add_manifest_entry(out: &Path, entry: &str) {
    let path = out.join("manifest.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    v["artifacts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "path": entry,
            "kind": "iam-policy",
            "sources": [],
            "sha256": "00",
        }));
    fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn a_manifest_entry_outside_the_output_is_refused_never_read() {
    for entry in [
        "../secrets/env",
        "aws/../../secrets/env",
        "/proc/self/environ",
        "../../../../proc/self/environ",
        "aws//x",
        "aws\\..\\..\\secrets\\env",
    ] {
        let dir = built();
        let p = dir.path();
        add_manifest_entry(&p.join("out"), entry);
        fs::create_dir_all(p.join("base")).unwrap();
        for args in [
            &["diff", "src", "-o", "out"][..],
            &["diff", "src", "--base", "out"][..],
            &["check", "src", "-o", "out"][..],
            &["build", "src", "-o", "out"][..],
        ] {
            let o = accessc(args, p);
            let all = text(&o);
            assert_eq!(o.status.code(), Some(2), "{entry} {args:?}: {all}");
            assert!(!all.contains("wJalrXUtnFEMI"), "{entry} {args:?}: {all}");
            assert!(!all.contains("PATH="), "{entry} {args:?}: {all}");
            assert!(all.contains("is refused"), "{entry} {args:?}: {all}");
        }
        assert_eq!(fs::read_to_string(p.join("secrets/env")).unwrap(), SECRET);
    }
}

#[test]
fn files_accessc_did_not_write_that_a_tool_applies_fail_check_and_stop_build() {
    let dir = built();
    let p = dir.path();
    let cache = p.join("cache");
    // With a stamp for every output: the fast path ("inputs unchanged") must look too.
    let o = accessc_with(&["build", "src", "-o", "out"], p, &cache, "1");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // (Files written just before the stamp are read back once: see tests/stamp.rs.)
    std::thread::sleep(std::time::Duration::from_millis(120));
    let _ = accessc_with(&["check", "src", "-o", "out"], p, &cache, "1");
    let o = accessc_with(&["check", "src", "-o", "out"], p, &cache, "1");
    assert!(text(&o).contains("inputs unchanged"), "{}", text(&o));
    // Inert files may stay.
    fs::write(p.join("out/README.md"), "# generated\n").unwrap();
    fs::write(p.join("out/clusters/prod/.gitkeep"), "").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(120));
    let o = accessc_with(&["check", "src", "-o", "out"], p, &cache, "1");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // That check listed the folder again and recorded it: the next one need not compile.
    let o = accessc_with(&["check", "src", "-o", "out"], p, &cache, "1");
    assert!(text(&o).contains("inputs unchanged"), "{}", text(&o));
    let foreign = [
        "out/terraform/111122223333/zz_override.tf.json",
        "out/clusters/prod/kubernetes/payments/crb.yaml",
        "out/clusters/prod/kubernetes/Kustomization",
        "out/terraform/111122223333/terraform.tfvars",
    ];
    fs::write(
        p.join(foreign[0]),
        r#"{"resource":{"aws_iam_role_policy_attachment":{"x":{"role":"payments-checkout","policy_arn":"arn:aws:iam::aws:policy/AdministratorAccess"}}}}"#,
    )
    .unwrap();
    fs::write(
        p.join(foreign[1]),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: checkout, namespace: payments}]\n",
    )
    .unwrap();
    fs::write(p.join(foreign[2]), "resources: [payments/crb.yaml]\n").unwrap();
    fs::write(p.join(foreign[3]), "x = 1\n").unwrap();
    for fast in ["1", "100000"] {
        let o = accessc_with(&["check", "src", "-o", "out"], p, &cache, fast);
        let all = text(&o);
        assert_eq!(o.status.code(), Some(1), "{all}");
        for f in foreign {
            assert!(all.contains(&format!("foreign: {f}")), "{f}: {all}");
        }
        assert!(
            !all.contains("foreign: out/README")
                && !all.contains("foreign: out/clusters/prod/.gitkeep"),
            "{all}"
        );
    }
    let before = fs::read_to_string(p.join("out/manifest.json")).unwrap();
    fs::write(
        p.join("src/main.access"),
        PROGRAM.replace("get configmaps", "get configmaps, secrets"),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], p);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(all.contains("nothing written"), "{all}");
    assert_eq!(
        fs::read_to_string(p.join("out/manifest.json")).unwrap(),
        before
    );
    assert!(!p.join(".out.accessc-new").exists());
    let o = accessc(&["diff", "src", "-o", "out"], p);
    let all = text(&o);
    assert_eq!(o.status.code(), Some(2), "{all}");
    assert!(all.contains("zz_override.tf.json"), "{all}");
    // Once they are gone, everything works again.
    for f in foreign {
        fs::remove_file(p.join(f)).unwrap();
    }
    let o = accessc(&["build", "src", "-o", "out"], p);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(p.join("out/README.md").exists());
}

#[cfg(unix)]
#[test]
fn symbolic_links_in_or_as_the_output_folder_are_refused() {
    use std::os::unix::fs::symlink;
    // The output folder itself.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("src")).unwrap();
    fs::write(p.join("src/main.access"), PROGRAM).unwrap();
    fs::create_dir_all(p.join("secrets")).unwrap();
    fs::write(p.join("secrets/id_rsa"), SECRET).unwrap();
    symlink("secrets", p.join("out")).unwrap();
    for args in [
        &["build", "src", "-o", "out"][..],
        &["check", "src", "-o", "out"][..],
        &["diff", "src", "-o", "out"][..],
    ] {
        let o = accessc(args, p);
        let all = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains("symbolic link"), "{args:?}: {all}");
    }
    assert_eq!(
        fs::read_dir(p.join("secrets")).unwrap().count(),
        1,
        "nothing written into the link's target"
    );
    assert!(!p.join(".out.accessc-new").exists());

    // A link inside it (a folder, a file, the manifest), with a change to write: the secret is neither
    // linked nor copied into the new tree.
    for (link, target) in [
        ("out/leak", "../secrets"),
        ("out/clusters/prod/leak.yaml", "../../../secrets/env"),
        // Not read before the folder is refused either (it would never end).
        ("out/manifest.json", "/dev/zero"),
    ] {
        let dir = built();
        let p = dir.path();
        let _ = fs::remove_file(p.join(link));
        symlink(target, p.join(link)).unwrap();
        fs::write(
            p.join("src/main.access"),
            PROGRAM.replace("get configmaps", "get configmaps, secrets"),
        )
        .unwrap();
        for args in [
            &["build", "src", "-o", "out"][..],
            &["check", "src", "-o", "out"][..],
            &["diff", "src", "-o", "out"][..],
        ] {
            let o = accessc(args, p);
            let all = text(&o);
            assert_eq!(o.status.code(), Some(2), "{link} {args:?}: {all}");
            assert!(all.contains("symbolic link"), "{link} {args:?}: {all}");
            assert!(!all.contains("wJalrXUtnFEMI"), "{link} {args:?}: {all}");
        }
        assert!(fs::symlink_metadata(p.join(link))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(!p.join(".out.accessc-new").exists());
    }
}

#[test]
fn the_writer_refuses_artifact_paths_that_leave_or_break_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let artifact = |path: &str| accessc::emit::Artifact {
        path: path.into(),
        kind: "iam-policy",
        cluster: None,
        account: None,
        sources: Vec::new(),
        contents: "{}\n".into(),
    };
    for bad in [
        "../escaped.json",
        "a/../../escaped.json",
        "/tmp/escaped.json",
        "resources/s3/con/x.json",
        "resources/s3/a\nb/x.json",
        "a//b.json",
    ] {
        let e = accessc::writer::write(&out, &[artifact("ok.json"), artifact(bad)]);
        assert!(e.is_err(), "{bad:?} was written");
        assert!(!dir.path().join("escaped.json").exists());
        assert!(!out.exists(), "{bad:?}: nothing is written");
    }
    let e = accessc::writer::write(&out, &[artifact("a/B.json"), artifact("a/b.json")]);
    assert!(
        e.as_ref()
            .is_err_and(|e| e.to_string().contains("differ only in case")),
        "{e:?}"
    );
    assert!(!out.exists());
}

#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_ends_the_process_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("src")).unwrap();
    fs::write(p.join("src/main.access"), PROGRAM).unwrap();
    // `check` of a missing output prints a line per file, into a pipe nobody reads.
    let o = Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(["check", "src", "-o", "out"])
        .current_dir(p)
        .env("ACCESSC_CACHE_DIR", "")
        .stdout(closed_pipe())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    // Ended by the signal, as `yes | head` is.
    assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{err}");
}

/// A pipe whose reader is gone before the child starts: every write to it fails, however the
/// processes are scheduled.
#[cfg(target_os = "linux")]
fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: `pipe` writes two new descriptors into `fds`.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: `fds[0]` is ours and used nowhere else.
    unsafe { libc::close(fds[0]) };
    // SAFETY: `fds[1]` is a new descriptor owned by nothing else.
    std::process::Stdio::from(unsafe { std::os::fd::OwnedFd::from_raw_fd(fds[1]) })
}

/// Every command that prints, on a closed standard output: ended by `SIGPIPE` (Linux's default,
/// which accessc restores), or, where the signal does not end it (here: blocked by the parent,
/// as on a system without it), a quiet exit 141 — never a panic (exit 101).
#[cfg(target_os = "linux")]
#[test]
fn every_command_ends_quietly_on_a_closed_stdout() {
    use std::io::Write;
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("src")).unwrap();
    // Not formatted (for `fmt --check`), with a lint finding.
    let program = format!(
        "{PROGRAM}\nnamespace ops   on prod\napp tool in ops {{ aws {{ allow s3:* on \"*\" unsafe \"reviewed\" }} }}\n"
    );
    fs::write(p.join("src/main.access"), &program).unwrap();
    fs::write(
        p.join("aws-auth.yaml"),
        include_str!("data/import/aws-auth.yaml"),
    )
    .unwrap();
    let commands: &[(&[&str], Option<&str>)] = &[
        (&["lint", "src"], None),
        (&["lint", "src", "--format", "json"], None),
        (&["lint", "src", "--format", "sarif"], None),
        (&["lint", "--rules-doc"], None),
        (&["explain", "E001"], None),
        (&["explain", "payments/checkout", "src"], None),
        (
            &[
                "who-can",
                "sqs:SendMessage",
                "arn:aws:sqs:us-west-2:111122223333:orders",
                "src",
            ],
            None,
        ),
        (
            &[
                "who-can",
                "sqs:SendMessage",
                "arn:aws:sqs:us-west-2:111122223333:orders",
                "src",
                "--format",
                "json",
            ],
            None,
        ),
        (
            &["who-can", "get", "configmaps", "-n", "payments", "src"],
            None,
        ),
        (&["diff", "src", "-o", "out"], None),
        (&["check", "src", "-o", "out"], None),
        (&["fmt", "--check", "src"], None),
        (&["fmt", "--check", "--diff", "src"], None),
        (&["fmt", "-"], Some(program.as_str())),
        (&["import", "aws-auth", "aws-auth.yaml"], None),
    ];
    let run = |args: &[&str], stdin: Option<&str>, close: bool, block: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_accessc"));
        cmd.args(args)
            .current_dir(p)
            .env("ACCESSC_CACHE_DIR", "")
            .env("NO_COLOR", "1")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(if close { closed_pipe() } else { Stdio::piped() })
            .stderr(Stdio::piped());
        if block {
            // SAFETY: only `sigemptyset`, `sigaddset` and `sigprocmask` (async-signal-safe)
            // between fork and exec. A blocked signal stays blocked across exec, where
            // resetting its action does not unblock it.
            unsafe {
                cmd.pre_exec(|| {
                    let mut set: libc::sigset_t = std::mem::zeroed();
                    libc::sigemptyset(&mut set);
                    libc::sigaddset(&mut set, libc::SIGPIPE);
                    libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
                    Ok(())
                });
            }
        }
        let mut child = cmd.spawn().unwrap();
        if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
            input.write_all(text.as_bytes()).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    for (args, stdin) in commands {
        // It prints something (else a closed stdout would go unnoticed).
        let open = run(args, *stdin, false, false);
        assert!(
            !open.stdout.is_empty(),
            "{args:?} prints nothing: {}",
            text(&open)
        );
        for block in [false, true] {
            let o = run(args, *stdin, true, block);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                !err.contains("panicked"),
                "{args:?} (blocked: {block}): {err}"
            );
            if block {
                assert_eq!(o.status.code(), Some(141), "{args:?}: {err}");
            } else {
                assert_eq!(o.status.signal(), Some(libc::SIGPIPE), "{args:?}: {err}");
            }
        }
    }
}

#[test]
fn builds_into_a_new_nested_folder_and_into_the_current_one() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    fs::create_dir_all(p.join("src")).unwrap();
    fs::write(p.join("src/main.access"), PROGRAM).unwrap();
    let o = accessc(&["build", "src", "-o", "deep/new/out"], p);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(p.join("deep/new/out/manifest.json").exists());
    assert!(!p.join("deep/new/.out.accessc-lock").exists());
    // `-o .`: its lock and staging folder are next to it, not in it (and the folder cannot be
    // exchanged: an error, nothing changed).
    let o = accessc(&["build", ".", "-o", "."], &p.join("src"));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!text(&o).contains("foreign"), "{}", text(&o));
    let names: Vec<_> = fs::read_dir(p.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["main.access"]);
}
