#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Kill safety: `accessc build` is SIGKILLed at random moments while it rewrites a large output
//! tree (2,000 apps, about 20,000 files); after every kill the output folder must be exactly
//! the complete old tree or the complete new one, with a `manifest.json` that lists every file
//! it holds with the right SHA-256. A final build must then succeed and clean up.
//!
//! The two versions of the program alternate: each round builds the version the output does
//! not hold yet, so every round has something to write. `ACCESSC_KILL_SEED` replays a run.

mod support;
use support::tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const APPS: usize = 2_000;
const ROUNDS: usize = 20;

/// The program: version 1 or 2 differ in half the policies, and in a few apps removed and
/// added (so files are changed, added and removed).
fn program(version: u32) -> String {
    let mut s = String::from(
        "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  \
         oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n}\n",
    );
    for ns in 0..20 {
        s.push_str(&format!("namespace ns{ns} on prod\n"));
    }
    for n in 0..APPS + 40 {
        let present = match version {
            1 => n < APPS,
            _ => n % 50 != 0,
        };
        if !present {
            continue;
        }
        let bucket = if version == 2 && n % 2 == 0 {
            "bucket-v2"
        } else {
            "bucket-v1"
        };
        s.push_str(&format!(
            "app app{n} in ns{} {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::{bucket}/{n}/*\" }}\n  kubernetes {{ get configmaps }}\n}}\n",
            n % 20
        ));
    }
    s
}

type Tree = BTreeMap<String, Vec<u8>>;

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A reference tree with the SHA-256 of each of its files.
struct Reference {
    tree: Tree,
    sha: BTreeMap<String, String>,
}

impl Reference {
    fn new(tree: Tree) -> Reference {
        let sha = tree.iter().map(|(p, b)| (p.clone(), sha256(b))).collect();
        Reference { tree, sha }
    }
}

/// The manifest lists exactly the files accessc wrote, each with its hash (checked against
/// the hashes of `reference`, whose bytes the tree was found equal to).
fn check_manifest(t: &Tree, reference: &Reference) -> Result<(), String> {
    let text = t.get("manifest.json").ok_or("no manifest.json")?;
    let v: serde_json::Value =
        serde_json::from_slice(text).map_err(|e| format!("manifest.json: {e}"))?;
    let entries = v["artifacts"]
        .as_array()
        .ok_or("manifest.json has no artifacts")?;
    for e in entries {
        let path = e["path"].as_str().ok_or("an entry without a path")?;
        let listed = e["sha256"].as_str().ok_or("an entry without a hash")?;
        if !t.contains_key(path) {
            return Err(format!("manifest lists missing `{path}`"));
        }
        if reference.sha.get(path).map(String::as_str) != Some(listed) {
            return Err(format!("manifest hash of `{path}` does not match the file"));
        }
    }
    let listed: usize = entries.len() + 1; // + the manifest itself
    if listed != t.len() {
        return Err(format!(
            "manifest lists {} files, the folder has {}",
            listed,
            t.len()
        ));
    }
    Ok(())
}

fn build(dir: &Path, out: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(["build", "src", "-o", out])
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn staging(dir: &Path) -> std::path::PathBuf {
    dir.join(".out.accessc-new")
}

/// Build to the end; returns when the staging folder appeared and when the build ended.
fn timed_build(dir: &Path) -> (Duration, Duration) {
    let started = Instant::now();
    let mut child = build(dir, "out");
    let stage_at = wait_for_staging(&mut child, dir, false).unwrap_or_default();
    let status = child.wait().unwrap();
    assert!(status.success(), "build failed");
    (stage_at, started.elapsed())
}

/// Wait (polling) until the build's staging folder exists; when a killed build left one, first
/// until that one is removed. Gives up when the build ends. Returns the time waited.
fn wait_for_staging(
    child: &mut std::process::Child,
    dir: &Path,
    mut leftover: bool,
) -> Option<Duration> {
    let started = Instant::now();
    loop {
        let exists = staging(dir).exists();
        if leftover && !exists {
            leftover = false;
        } else if !leftover && exists {
            return Some(started.elapsed());
        }
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(300) {
            return None;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn build_to_end(dir: &Path, out: &str) {
    let status = build(dir, out).wait().unwrap();
    assert!(status.success(), "build of {out} failed");
}

#[test]
fn sigkill_during_build_leaves_the_old_or_the_new_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("src")).unwrap();
    let set_version = |v: u32| fs::write(dir.join("src/all.access"), program(v)).unwrap();

    // The two reference trees, built to completion elsewhere.
    set_version(1);
    build_to_end(dir, "ref1");
    set_version(2);
    build_to_end(dir, "ref2");
    let refs = [
        Reference::new(tree(&dir.join("ref1"))),
        Reference::new(tree(&dir.join("ref2"))),
    ];
    assert!(refs[0].tree.len() > 10_000, "{} files", refs[0].tree.len());
    assert_ne!(refs[0].tree, refs[1].tree);

    // The output starts as version 1. Time a full rewrite to version 2: when the staging
    // folder appears (the write phase starts) and when the build ends.
    set_version(1);
    build_to_end(dir, "out");
    set_version(2);
    let (stage_at, ended_at) = timed_build(dir);
    assert_eq!(tree(&dir.join("out")), refs[1].tree);
    let write_window = ended_at
        .saturating_sub(stage_at)
        .max(Duration::from_millis(50));

    let seed = std::env::var("ACCESSC_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    println!("build {ended_at:?}, writing from {stage_at:?}; ACCESSC_KILL_SEED={seed}");
    let mut rng = support::Rng(seed);
    let mut uniform =
        |d: Duration| Duration::from_micros(rng.next() % (d.as_micros() as u64).max(1));

    let mut held = 1; // index of the version the output holds
    let mut outcomes = Vec::new();
    // Keep going until ROUNDS builds were really killed mid-way (a build that finishes before
    // its kill still has its tree checked, but does not count), within a bounded number of tries.
    let mut kills = 0;
    let mut round = 0;
    while kills < ROUNDS && round < ROUNDS * 4 {
        let target = 1 - held;
        set_version(target as u32 + 1);
        let leftover = staging(dir).exists();
        let started = Instant::now();
        let mut child = build(dir, "out");
        // A quarter of the kills anywhere from the start to the end of a build; the others
        // in the write phase: after the staging folder appears (once a leftover one from the
        // previous kill is gone), spread over a little more than the measured write time.
        let (when, delay) = if round % 4 == 0 {
            ("anywhere", uniform(ended_at * 5 / 4))
        } else {
            wait_for_staging(&mut child, dir, leftover);
            ("writing", started.elapsed() + uniform(write_window * 5 / 4))
        };
        let finished = loop {
            if child.try_wait().unwrap().is_some() {
                break true;
            }
            if started.elapsed() >= delay {
                break false;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let now = tree(&dir.join("out"));
        let which = refs.iter().position(|r| r.tree == now).unwrap_or_else(|| {
            let (a, b) = (&refs[0].tree, &refs[1].tree);
            let odd: Vec<&String> = now
                .keys()
                .filter(|k| now.get(*k) != a.get(*k) && now.get(*k) != b.get(*k))
                .take(5)
                .collect();
            panic!(
                "round {round} (killed after {delay:?}, seed {seed}): the output is neither tree \
                 ({} files; e.g. {odd:?})",
                now.len()
            )
        });
        if let Err(e) = check_manifest(&now, &refs[which]) {
            panic!("round {round} (killed after {delay:?}, seed {seed}): {e}");
        }
        outcomes.push(format!(
            "round {round:2}: kill {when} at {delay:?}: {}",
            match (finished, which == target) {
                (true, _) => "finished before the kill",
                (false, true) => "killed, new tree in place",
                (false, false) => "killed, old tree intact",
            }
        ));
        held = which;
        if !finished {
            kills += 1;
        }
        round += 1;
    }
    println!("{}", outcomes.join("\n"));

    // A final build succeeds, gives the complete tree and leaves no staging folder behind.
    let target = 1 - held;
    set_version(target as u32 + 1);
    build_to_end(dir, "out");
    let now = tree(&dir.join("out"));
    assert!(now == refs[target].tree, "the final build is not complete");
    check_manifest(&now, &refs[target]).unwrap();
    assert!(!dir.join(".out.accessc-new").exists());
    assert!(!dir.join(".out.accessc-old").exists());
    let count = |what: &str| outcomes.iter().filter(|o| o.ends_with(what)).count();
    let (old, new) = (count("old tree intact"), count("new tree in place"));
    println!("{old} kills left the old tree, {new} the new one");
    assert!(
        old + new >= ROUNDS,
        "only {} of {round} builds were killed before they finished (wanted {ROUNDS})",
        old + new
    );
}
