#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The stat cache of large outputs (src/writer/stamp.rs): `check` trusts files whose `stat`
//! and hash match the stamp, and reads everything else.

mod support;
use support::stderr;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

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

/// `accessc` with its cache in `cache` and a stamp for every output, however small.
fn accessc(args: &[&str], cwd: &Path, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("ACCESSC_CACHE_DIR", cache)
        .env("ACCESSC_STAMP_MIN_FILES", "1")
        .output()
        .unwrap()
}

fn stamps(cache: &Path) -> usize {
    fs::read_dir(cache.join("stamps"))
        .map(|d| d.filter_map(Result::ok).count())
        .unwrap_or(0)
}

const POLICY: &str = "out/aws/111122223333/roles/payments-checkout/policy.json";

/// Rewrite a file in place with other bytes of the same length, keeping its modification
/// time: the one change a stat cache cannot see (as for `git status`).
fn tamper_keeping_stat(path: &Path) {
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let text = fs::read_to_string(path).unwrap();
    let swapped = text.replacen("SendMessage", "SendMessagX", 1);
    assert_ne!(swapped, text);
    let f = fs::OpenOptions::new().write(true).open(path).unwrap();
    use std::io::Write;
    (&f).write_all(swapped.as_bytes()).unwrap();
    f.set_modified(mtime).unwrap();
}

/// A project with PROGRAM built into `out`; its cache folder.
fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    fs::create_dir_all(dir.path().join("src")).unwrap();
    fs::write(dir.path().join("src/main.access"), PROGRAM).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (dir, cache)
}

#[test]
fn check_trusts_the_stamp_and_reads_what_it_cannot_vouch_for() {
    let (dir, cache) = built();
    assert_eq!(stamps(&cache), 1, "a build records its files");
    // Files written in the last moments before the stamp are "racy" and read back; a check a
    // little later reads them, finds them up to date and records them for good.
    std::thread::sleep(Duration::from_millis(120));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // An ordinary edit changes the modification time: seen.
    let policy = dir.path().join(POLICY);
    let original = fs::read(&policy).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let same_size =
        String::from_utf8(original.clone())
            .unwrap()
            .replacen("SendMessage", "SendMessagX", 1);
    assert_eq!(same_size.len(), original.len());
    fs::write(&policy, same_size).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("stale:"));
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(fs::read(&policy).unwrap(), original);
    std::thread::sleep(Duration::from_millis(120));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));

    // Same size, same time, same inode: the stamp vouches for the file, so `check` does not
    // read it (this is how we know the stamp is used)...
    tamper_keeping_stat(&policy);
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // ...and without the stamp the file is read and found stale.
    fs::remove_dir_all(cache.join("stamps")).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("policy.json"));
}

#[test]
fn the_stamp_never_vouches_for_contents_the_program_no_longer_produces() {
    let (dir, cache) = built();
    std::thread::sleep(Duration::from_millis(120));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    // The program changes (same length, other action): the files did not, but their recorded
    // hash is not the new contents' hash.
    fs::write(
        dir.path().join("src/main.access"),
        PROGRAM.replace("sqs:SendMessage", "sqs:GetQueueUrl"),
    )
    .unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("stale:   "));
    assert!(String::from_utf8_lossy(&o.stdout).contains("policy.json"));
    // Same sizes: only the hash told them apart.
    let o = accessc(&["build", "src", "-o", "fresh"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    let len = |p: &str| fs::metadata(dir.path().join(p)).unwrap().len();
    assert_eq!(len(POLICY), len(&POLICY.replacen("out/", "fresh/", 1)));
}

#[test]
fn a_broken_stamp_is_ignored_and_small_outputs_get_none() {
    let (dir, cache) = built();
    let stamp = fs::read_dir(cache.join("stamps"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    fs::write(&stamp, "accessc-stamp 1\nnot\ta\tstamp\n").unwrap();
    fs::write(dir.path().join(POLICY), b"{}").unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));

    // Default threshold (1,000 files): this output is too small for a stamp.
    let other = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(["build", "src", "-o"])
        .arg(other.path().join("out"))
        .current_dir(dir.path())
        .env("ACCESSC_CACHE_DIR", other.path().join("cache"))
        .env_remove("ACCESSC_STAMP_MIN_FILES")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stamps(&other.path().join("cache")), 0);
}

#[test]
fn a_file_removed_after_the_stamp_is_missing() {
    let (dir, cache) = built();
    std::thread::sleep(Duration::from_millis(120));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    fs::remove_file(dir.path().join(POLICY)).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("missing:") && out.contains("policy.json"),
        "{out}"
    );
    // A build puts it back.
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    assert!(dir.path().join(POLICY).exists());
}

/// The stamp's inputs key (src/writer/fresh.rs): a check or build whose sources, options and
/// executable are the ones the stamp recorded, over an untouched output, does not compile.
const NOTE: &str = "; inputs unchanged since the last run";

#[test]
fn unchanged_inputs_over_an_untouched_output_are_not_compiled_again() {
    let (dir, cache) = built();
    // A warning, so that there is something to replay.
    let src = dir.path().join("src/main.access");
    let warned = PROGRAM.replace(
        "kubernetes { get configmaps }",
        "kubernetes { get, list secrets named \"checkout-db\" }",
    );
    fs::write(&src, &warned).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("W301"), "{}", stderr(&o));
    std::thread::sleep(Duration::from_millis(120));

    // The first check may read back files written just before the stamp; the second one
    // compiles nothing, and says so; both report the same warning, byte for byte.
    let first = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert!(stderr(&second).contains(NOTE), "{}", stderr(&second));
    assert_eq!(
        stderr(&second).replace(NOTE, ""),
        stderr(&first).replace(NOTE, "")
    );
    assert!(stderr(&second).contains("W301"));
    for format in ["json", "short"] {
        let a = accessc(
            &["--error-format", format, "check", "src", "-o", "out"],
            dir.path(),
            &cache,
        );
        assert!(
            stderr(&a).contains(NOTE) || format == "json",
            "{}",
            stderr(&a)
        );
        assert!(stderr(&a).contains("W301"), "{}", stderr(&a));
    }
    // Warnings still deny a replayed check.
    let denied = accessc(
        &["--deny-warnings", "check", "src", "-o", "out"],
        dir.path(),
        &cache,
    );
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    // A build says it compiled nothing and writes nothing.
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o)
            .contains("0 written, 0 removed, 16 unchanged (inputs unchanged since the last run)"),
        "{}",
        stderr(&o)
    );

    // A comment changes the inputs, not the output: compiled once, then recorded again.
    fs::write(&src, format!("{warned}# a comment\n")).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0));
    assert!(!stderr(&o).contains(NOTE), "{}", stderr(&o));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert!(stderr(&o).contains(NOTE), "{}", stderr(&o));

    // Another target set is another input.
    let o = accessc(
        &["check", "src", "-o", "out", "--target", "aws"],
        dir.path(),
        &cache,
    );
    assert!(!stderr(&o).contains(NOTE), "{}", stderr(&o));
}

#[test]
fn a_touched_output_or_a_new_source_is_compiled() {
    let (dir, cache) = built();
    std::thread::sleep(Duration::from_millis(120));
    for _ in 0..2 {
        let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    // An edit of an output file changes its stat: the check compiles and finds it stale.
    let policy = dir.path().join(POLICY);
    let original = fs::read(&policy).unwrap();
    fs::write(&policy, b"{}").unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("stale:"));
    // Restoring its bytes is not enough to skip the compile (its stat is new), but it is up
    // to date again.
    fs::write(&policy, &original).unwrap();
    std::thread::sleep(Duration::from_millis(120));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains(NOTE), "{}", stderr(&o));
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert!(stderr(&o).contains(NOTE), "{}", stderr(&o));

    // A new source file is a new input, even one that declares nothing.
    fs::write(dir.path().join("src/empty.access"), "# nothing yet\n").unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains(NOTE), "{}", stderr(&o));
    // A source with an error is reported (and records nothing).
    fs::write(dir.path().join("src/empty.access"), "app x in nowhere {}\n").unwrap();
    for _ in 0..2 {
        let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("error"), "{}", stderr(&o));
    }
    // A removed output file is missing.
    fs::remove_file(dir.path().join("src/empty.access")).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    fs::remove_file(&policy).unwrap();
    let o = accessc(&["check", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("missing:"));
}

#[test]
fn stamps_of_removed_output_folders_are_pruned() {
    let (dir, cache) = built();
    let o = accessc(&["build", "src", "-o", "other"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stamps(&cache), 2);
    // A stamp of an older format is of no use either.
    fs::write(cache.join("stamps/0123456789abcdef"), "accessc-stamp 1\n").unwrap();
    assert_eq!(stamps(&cache), 3);
    fs::remove_dir_all(dir.path().join("other")).unwrap();
    // The next stamp written removes the stamps of folders that are gone.
    fs::write(
        dir.path().join("src/main.access"),
        PROGRAM.replace("orders", "orders2"),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], dir.path(), &cache);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stamps(&cache), 1);
    let kept = fs::read_dir(cache.join("stamps"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = fs::read_to_string(kept).unwrap();
    let out = fs::canonicalize(dir.path().join("out")).unwrap();
    assert!(
        text.starts_with(&format!("accessc-stamp 3\nfolder\t{}\n", out.display())),
        "{}",
        &text[..200.min(text.len())]
    );
}
