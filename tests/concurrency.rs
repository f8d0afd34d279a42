#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Concurrent builds on one output folder (src/writer/lock.rs): two `accessc build`s of two
//! different programs start on the same `-o` at random offsets, 20 times. The second waits for
//! the first; every build that exits 0 has its own output in place when it exits, none claims
//! an intact output it does not have, a `check` started meanwhile sees one whole tree, and
//! afterwards `check` of the program that finished last passes and the folder is exactly its
//! tree. `ACCESSC_CONCURRENCY_SEED` replays a run.

mod support;
use support::tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const APPS: usize = 50;
const ROUNDS: usize = 20;

/// Program `a` or `b`: the same apps, with other buckets (so every file of a role changes).
fn program(which: char) -> String {
    let mut s = String::from(
        "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  \
         oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n}\n",
    );
    for ns in 0..10 {
        s.push_str(&format!("namespace ns{ns} on prod\n"));
    }
    for n in 0..APPS {
        s.push_str(&format!(
            "app app{n} in ns{} {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::bucket-{which}/{n}/*\" }}\n  kubernetes {{ get configmaps }}\n}}\n",
            n % 10
        ));
    }
    s
}

type Tree = BTreeMap<String, Vec<u8>>;

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_accessc"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ACCESSC_CACHE_DIR", "");
    c
}

fn build(dir: &Path, src: &str, out: &str) -> Child {
    command(dir, &["build", src, "-o", out])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

/// One running build: its program, the process, and (once it ended) how.
struct Run {
    src: &'static str,
    child: Child,
    ended: Option<(bool, String)>,
}

#[test]
fn two_builds_on_one_output_folder_never_corrupt_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for which in ['a', 'b'] {
        fs::create_dir_all(dir.join(which.to_string())).unwrap();
        fs::write(dir.join(format!("{which}/all.access")), program(which)).unwrap();
    }
    let finish = |c: Child| {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    finish(build(dir, "a", "ref-a"));
    finish(build(dir, "b", "ref-b"));
    let refs: BTreeMap<&str, Tree> = [
        ("a", tree(&dir.join("ref-a"))),
        ("b", tree(&dir.join("ref-b"))),
    ]
    .into_iter()
    .collect();
    assert!(refs["a"].len() > 400, "{} files", refs["a"].len());
    assert_ne!(refs["a"], refs["b"]);

    // The output starts as `a`; time a full rewrite to `b`.
    finish(build(dir, "a", "out"));
    let started = Instant::now();
    finish(build(dir, "b", "out"));
    let rewrite = started.elapsed().max(Duration::from_millis(20));
    let mut held = "b";

    let seed = std::env::var("ACCESSC_CONCURRENCY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    println!("a rewrite takes {rewrite:?}; ACCESSC_CONCURRENCY_SEED={seed}");
    let mut rng = support::Rng(seed);
    let mut waited = 0;
    for round in 0..ROUNDS {
        // The first build writes the program the output does not hold, the second the one it
        // holds: both have something to write. The second starts anywhere from at once to a
        // little after the first would end on its own.
        let first = if held == "a" { "b" } else { "a" };
        let offset = Duration::from_micros(rng.next() % (rewrite.as_micros() as u64 * 6 / 5 + 1));
        // A `check` of the first program runs meanwhile: it sees one whole tree or the other
        // (both programs have the same files: nothing is ever missing).
        let check_at = Duration::from_micros(rng.next() % (rewrite.as_micros() as u64 * 6 / 5 + 1));
        let mut check: Option<Child> = None;
        let t0 = Instant::now();
        let mut runs = vec![Run {
            src: first,
            child: build(dir, first, "out"),
            ended: None,
        }];
        let mut order = Vec::new();
        loop {
            if check.is_none() && t0.elapsed() >= check_at {
                check = Some(
                    command(dir, &["check", first, "-o", "out"])
                        .stdout(Stdio::piped())
                        .stderr(Stdio::piped())
                        .spawn()
                        .unwrap(),
                );
            }
            if runs.len() == 1 && t0.elapsed() >= offset {
                runs.push(Run {
                    src: held,
                    child: build(dir, held, "out"),
                    ended: None,
                });
            }
            for (i, r) in runs.iter_mut().enumerate() {
                if r.ended.is_some() {
                    continue;
                }
                let Some(status) = r.child.try_wait().unwrap() else {
                    continue;
                };
                // What the folder holds the moment a build exits (the manifest is replaced
                // with the whole tree in one exchange; the other build, if any, still has to
                // compile before it can swap).
                let manifest = fs::read(dir.join("out/manifest.json")).unwrap_or_default();
                let mut stderr = String::new();
                use std::io::Read;
                r.child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut stderr)
                    .unwrap();
                if status.success() {
                    assert!(
                        manifest == refs[r.src]["manifest.json"],
                        "round {round} (seed {seed}): build of `{}` exited 0 without its output in place\n{stderr}",
                        r.src
                    );
                }
                assert!(
                    !stderr.contains("intact"),
                    "round {round} (seed {seed}): build of `{}` failed: {stderr}",
                    r.src
                );
                if stderr.contains("waiting for") {
                    waited += 1;
                }
                r.ended = Some((status.success(), stderr));
                order.push(i);
            }
            if runs.len() == 2 && check.is_some() && runs.iter().all(|r| r.ended.is_some()) {
                break;
            }
            std::thread::sleep(Duration::from_micros(500));
        }
        let o = check.take().unwrap().wait_with_output().unwrap();
        let (out, err) = (
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
        );
        assert!(
            matches!(o.status.code(), Some(0 | 1)) && !out.contains("missing:"),
            "round {round} (seed {seed}): a check during the builds saw a broken tree:\n{out}{err}"
        );
        for r in &runs {
            let (ok, stderr) = r.ended.as_ref().unwrap();
            assert!(
                ok,
                "round {round} (seed {seed}): build of `{}` failed: {stderr}",
                r.src
            );
        }
        let last = runs[*order.last().unwrap()].src;
        let o = run(dir, &["check", last, "-o", "out"]);
        assert!(
            o.status.success(),
            "round {round} (seed {seed}, offset {offset:?}): check of `{last}` fails:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            tree(&dir.join("out")) == refs[last],
            "round {round} (seed {seed}): the output is not the tree of `{last}`"
        );
        assert!(!dir.join(".out.accessc-new").exists(), "round {round}");
        assert!(!dir.join(".out.accessc-lock").exists(), "round {round}");
        held = last;
    }
    println!("{waited} of {ROUNDS} second builds waited for the first");
    assert!(waited > 0, "no build ever waited for another (seed {seed})");
}

/// A run that cannot get the lock waits, saying for whom, then fails having changed nothing.
#[cfg(target_os = "linux")]
#[test]
fn a_run_waits_for_the_lock_a_bounded_time() {
    use std::os::unix::io::AsRawFd;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("a/all.access"), program('a')).unwrap();
    let lock = fs::File::create(dir.join(".out.accessc-lock")).unwrap();
    fs::write(dir.join(".out.accessc-lock"), "4242\n").unwrap();
    // SAFETY: the descriptor is open.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    for args in [
        &["build", "a", "-o", "out"][..],
        &["check", "a", "-o", "out"][..],
    ] {
        let started = Instant::now();
        let o = command(dir, args)
            .env("ACCESSC_LOCK_WAIT", "0.3")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("waiting for the run holding"), "{err}");
        assert!(err.contains("process 4242"), "{err}");
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert!(!dir.join("out").exists() && !dir.join(".out.accessc-new").exists());
    }
    drop(lock);
    // Released (as by the holder's death): the next build goes ahead.
    let o = run(dir, &["build", "a", "-o", "out"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.join(".out.accessc-lock").exists());
}
