#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails by panicking"
)]
//! Incremental compilation ([`accessc::workspace`], what `accessc lsp` holds) gives the
//! diagnostics of a full compile: random edits of every example and of a generated program
//! (apps across files and namespaces, a shared role, a resource that admits apps, namespaces
//! and accesses declared beside their apps), each compared with a fresh compile of the same
//! files. After an edit checked on a slice, the changed file's diagnostics must be the full
//! compile's; after a full compile, every file's. The edits keep most files parseable (lines
//! removed or repeated, actions, verbs, resources and strings swapped, a character typed), so
//! that the slice path is taken often; the test fails if it is not.

mod support;

use std::path::Path;

use accessc::ast::FileId;
use accessc::diagnostics::Diag;
use accessc::workspace::{Compiled, Workspace};

/// What an edit may put in place of a word.
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:GetObjec",
    "s3:*",
    "sqs:SendMessage",
    "dynamodb:Query",
    "iam:PassRole",
    "kms:Decrypt",
    "ec2:DescribeInstances",
];
const WORDS: &[&str] = &[
    "get",
    "list",
    "delete",
    "escalate",
    "configmaps",
    "secrets",
    "pods/exec",
    "pods",
    "deployments.apps",
    "nodes",
    "read",
    "write",
    "permissions",
    "list",
];
const STRINGS: &[&str] = &[
    "\"*\"",
    "\"arn:aws:s3:::bucket\"",
    "\"arn:aws:s3:::bucket/*\"",
    "\"arn:aws:sqs:us-west-2:111122223333:q\"",
    "\"arn:aws:iam::111122223333:role/*\"",
    "\"x\"",
];

/// One random edit of `text`.
fn edit(rng: &mut support::Rng, text: &str, original: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() || rng.below(12) == 0 {
        return original.to_string();
    }
    // Lines inside declarations (indented, no brace: grants, rules, settings) mostly.
    let inner: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].starts_with(' ')
                && !lines[i].trim().is_empty()
                && !lines[i].contains(['{', '}'])
        })
        .collect();
    let at = if inner.is_empty() || rng.below(8) == 0 {
        rng.below(lines.len())
    } else {
        *rng.pick(&inner)
    };
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    match rng.below(7) {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, lines[at].to_string()),
        2 => {
            // An action.
            let words: Vec<&str> = lines[at]
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| w.contains(':') && !w.contains('"'))
                .collect();
            if let Some(w) = words.first() {
                let to: &&str = rng.pick(ACTIONS);
                out[at] = lines[at].replacen(w, to, 1);
            }
        }
        3 => {
            // A verb, a resource, a level.
            let words: Vec<&str> = lines[at]
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '/' || c == '.')
                })
                .collect();
            if !words.is_empty() {
                let w = *rng.pick(&words);
                let to: &&str = rng.pick(WORDS);
                out[at] = lines[at].replacen(w, to, 1);
            }
        }
        4 => {
            // A string.
            if let Some(start) = lines[at].find('"') {
                if let Some(len) = lines[at][start + 1..].find('"') {
                    let end = start + len + 2;
                    out[at] = format!(
                        "{}{}{}",
                        &lines[at][..start],
                        rng.pick(STRINGS),
                        &lines[at][end..]
                    );
                }
            }
        }
        5 => {
            // A character typed somewhere in the line.
            let line = &lines[at];
            let cut = (0..=line.len())
                .filter(|&i| line.is_char_boundary(i))
                .nth(rng.below(line.len() + 1))
                .unwrap_or(0);
            let c = *rng.pick(&['x', '{', '}', '"', ',', ' ', '=', '#']);
            out[at] = format!("{}{c}{}", &line[..cut], &line[cut..]);
        }
        _ => {
            // A line of another place of the file.
            let from = if inner.is_empty() {
                rng.below(lines.len())
            } else {
                *rng.pick(&inner)
            };
            out[at] = lines[from].to_string();
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// A file's diagnostics (the workspace's ids are the order of the files, in both compiles).
fn of_file(diags: &[Diag], id: FileId) -> Vec<Diag> {
    diags
        .iter()
        .filter(|d| d.span.is_some_and(|s| s.file == id))
        .cloned()
        .collect()
}

/// Random edits of `files`; returns (edits that change a file and parse, edits checked on a
/// slice).
fn run(label: &str, files: Vec<(String, String)>, edits: usize, seed: u64) -> (usize, usize) {
    let originals = files.clone();
    let mut current = files.clone();
    let mut ws = Workspace::new(files);
    let mut rng = support::Rng(seed);
    let mut sliced = 0;
    let mut syntax = 0;
    let mut unchanged = 0;
    // After an edit that leaves a syntax error, the next one mostly takes it back (as someone
    // typing does), so that most edits start from a program that parses.
    let mut undo: Option<(usize, String)> = None;
    for step in 0..edits {
        let (i, new) = match undo.take() {
            Some((i, before)) if rng.below(4) != 0 => (i, before),
            _ => {
                let i = rng.below(current.len());
                (i, edit(&mut rng, &current[i].1, &originals[i].1))
            }
        };
        let (name, text) = current[i].clone();
        current[i].1 = new.clone();
        let (id, how) = ws.set(&name, new);
        let full = Workspace::new(current.clone());
        let context = || {
            format!(
                "{label}: edit {step} of `{name}` ({how:?}); its text now:\n{}",
                current[i].1
            )
        };
        unchanged += usize::from(how == Compiled::Unchanged);
        match how {
            Compiled::Slice { .. } => {
                sliced += 1;
                assert!(!ws.exact());
                assert_eq!(
                    of_file(ws.diags(), id),
                    of_file(full.diags(), id),
                    "{}",
                    context()
                );
            }
            Compiled::Unchanged if !ws.exact() => {
                assert_eq!(
                    of_file(ws.diags(), id),
                    of_file(full.diags(), id),
                    "{}",
                    context()
                );
            }
            Compiled::Full | Compiled::Syntax | Compiled::Unchanged => {
                syntax += usize::from(how == Compiled::Syntax);
                assert!(ws.exact());
                assert_eq!(ws.diags(), full.diags(), "{}", context());
            }
        }
        // The file with a syntax error (file ids are the order of the files).
        let broken = ws
            .diags()
            .iter()
            .find(|d| d.code.as_str().starts_with("E0"))
            .and_then(|d| d.span)
            .map(|s| s.file.0 as usize);
        undo = match broken {
            Some(b) if b == i => Some((i, text)),
            Some(b) => Some((b, originals[b].1.clone())),
            None => None,
        };
        if step % 7 == 6 {
            ws.full();
            assert_eq!(
                ws.diags(),
                full.diags(),
                "{} (after a full compile)",
                context()
            );
        }
    }
    eprintln!(
        "{label}: {edits} edits, {sliced} on a slice, {syntax} with syntax errors, {unchanged} unchanged"
    );
    (edits - syntax - unchanged, sliced)
}

fn files_of(dir: &Path) -> Vec<(String, String)> {
    let (sources, _) = accessc::load_inputs(&[dir.to_path_buf()]).expect("inputs");
    sources
        .iter()
        .map(|(_, f)| (f.path.clone(), f.text.clone()))
        .collect()
}

#[test]
fn random_edits_of_every_example_give_a_full_compiles_diagnostics() {
    let root = support::root().join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let (mut total, mut sliced) = (0, 0);
    for (n, dir) in dirs.iter().enumerate() {
        let files = files_of(dir);
        let (t, s) = run(
            &dir.display().to_string(),
            files,
            80,
            0x9e37_79b9_7f4a_7c15 ^ n as u64,
        );
        total += t;
        sliced += s;
    }
    eprintln!("examples: {total} edits, {sliced} checked on a slice");
    assert!(
        sliced * 5 >= total,
        "only {sliced} of {total} edits took the slice"
    );
}

/// A program of `namespaces` team files, each with its namespace, an access and `apps` apps,
/// and a platform file with the clusters, a boundary, a shared role, and a resource that admits
/// apps of several teams.
fn generated(namespaces: usize, apps: usize) -> Vec<(String, String)> {
    let mut platform = String::from(
        "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n  boundary = workloads\n}\n\ncluster stage {\n  account = \"444455556666\"\n  region = \"us-east-1\"\n  oidc = \"oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n}\n\nboundary workloads {\n  allow s3:*, sqs:*, dynamodb:*, kms:Decrypt\n  deny iam:*\n}\n\nrole tenant-reader {\n  aws {\n    allow s3:GetObject on \"arn:aws:s3:::tenant-data/${namespace}/*\"\n  }\n}\n\nresource \"arn:aws:sqs:us-west-2:111122223333:shared\" {\n  allow sqs:SendMessage by team-0/svc-0, team-1/svc-1\n}\n",
    );
    platform.push('\n');
    let mut files = vec![("platform.access".to_string(), platform)];
    for t in 0..namespaces {
        let ns = format!("team-{t}");
        let mut text = format!(
            "namespace {ns} on prod{}\n\naccess {ns}-devs on prod {{\n  role = \"arn:aws:iam::111122223333:role/{ns}-devs\"\n  policy = edit\n  scope = namespaces [{ns}]\n}}\n",
            if t % 2 == 0 { ", stage" } else { "" }
        );
        for a in 0..apps {
            let body = match (t + a) % 4 {
                0 => "  role = tenant-reader\n".to_string(),
                1 => format!("  identity = irsa\n  service_account = \"worker\"\n  aws {{\n    read \"arn:aws:s3:::{ns}-svc-{a}/*\"\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:{ns}-{a}\"\n  }}\n"),
                2 => format!("  identity = pod_identity\n  aws {{\n    write \"arn:aws:sqs:us-west-2:111122223333:{ns}-jobs\"\n    allow dynamodb:GetItem, dynamodb:Query on \"arn:aws:dynamodb:us-west-2:111122223333:table/{ns}\"\n  }}\n  kubernetes {{\n    get, list, watch configmaps\n    get secrets named \"svc-{a}-db\"\n  }}\n"),
                _ => "  kubernetes {\n    get, list pods\n    create events\n  }\n".to_string(),
            };
            text.push_str(&format!("\napp svc-{a} in {ns} {{\n{body}}}\n"));
        }
        files.push((format!("team-{t}.access"), text));
    }
    files
}

#[test]
fn random_edits_of_a_generated_program_give_a_full_compiles_diagnostics() {
    let files = generated(5, 4);
    // The program compiles as generated (the edits start from a clean state).
    let start = Workspace::new(files.clone());
    assert!(
        start.diags().iter().all(|d| !d.is_error()),
        "{:?}",
        start.diags()
    );
    let (total, sliced) = run("generated", files, 400, 0x51ed_270b_2c4a_1d3f);
    eprintln!("generated: {total} edits, {sliced} checked on a slice");
    assert!(
        sliced * 3 >= total,
        "only {sliced} of {total} edits took the slice"
    );
}

#[test]
fn a_slice_holds_the_apps_a_change_can_reach_and_no_more() {
    let files = generated(6, 5);
    let mut ws = Workspace::new(files.clone());
    let (name, text) = &files[3];
    // One grant of one app changed: the slice is the file's namespace (5 apps), the apps of
    // the shared role the namespace uses and the apps the resource admits.
    let changed = text.replacen("dynamodb:Query", "dynamodb:Scan", 1);
    assert_ne!(&changed, text);
    let (_, how) = ws.set(name, changed);
    let Compiled::Slice { apps } = how else {
        panic!("{how:?}");
    };
    assert!(apps < 30, "{apps} of 30 apps");
    // A setting changed: the whole program.
    let changed = text.replacen("identity = irsa", "identity = pod_identity", 1);
    assert_eq!(ws.set(name, changed).1, Compiled::Full);
}
