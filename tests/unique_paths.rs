#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! No two artifacts of a build share a path — not exactly, not up to case (one file on macOS
//! and Windows), and no file is a folder of another — for programs that repeat names across
//! regions, accounts and kinds: a queue, a topic, a secret, a repository, a key and a bucket
//! all named `orders`, in two regions of two accounts, beside a namespace, an app, a shared role
//! and an access of that name (property test, proptest). The writer refuses a path made twice
//! as an internal error, never overwriting one file with another.
//!
//! `PROPTEST_CASES` sets the number of programs (default 48).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use accessc::emit::Artifact;
use accessc::source::Sources;
use proptest::prelude::*;

mod support;

const ACCOUNTS: [&str; 2] = ["111122223333", "444455556666"];
const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];
const MODES: [&str; 3] = ["api", "config_map", "api_and_config_map"];
/// Names every kind draws from: the same name everywhere.
const NAMES: [&str; 2] = ["orders", "api"];
const LEVELS: [&str; 3] = ["view", "edit", "admin"];

/// A resource kind: its ARN for a name, account and region, and an action it admits.
fn resource(kind: usize, name: &str, account: &str, region: &str) -> (String, &'static str) {
    match kind % 6 {
        0 => (
            format!("arn:aws:sqs:{region}:{account}:{name}"),
            "sqs:SendMessage",
        ),
        1 => (
            format!("arn:aws:sns:{region}:{account}:{name}"),
            "sns:Publish",
        ),
        2 => (
            format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}"),
            "secretsmanager:GetSecretValue",
        ),
        3 => (
            format!("arn:aws:ecr:{region}:{account}:repository/{name}"),
            "ecr:BatchGetImage",
        ),
        4 => (
            format!("arn:aws:kms:{region}:{account}:key/{name}"),
            "kms:Decrypt",
        ),
        _ => (format!("arn:aws:s3:::{name}"), "s3:GetObject"),
    }
}

/// The choices a program is made of.
#[derive(Clone, Debug)]
struct Shape {
    /// Per cluster: account, region, authentication mode.
    clusters: Vec<(usize, usize, usize)>,
    /// Per name of [`NAMES`]: a bit mask of the clusters of the namespace of that name (0: none;
    /// the first is never empty).
    namespaces: Vec<u8>,
    /// Per app: namespace, name, identity (0 irsa, 1 pod_identity, 2 the shared role),
    /// whether it has namespace rules, cluster rules.
    apps: Vec<(usize, usize, usize, bool, bool)>,
    /// Per access: name, cluster mask, level, whether it has rules.
    accesses: Vec<(usize, u8, usize, bool)>,
    /// Per resource: kind, name, account, region.
    resources: Vec<(usize, usize, usize, usize)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec((0..2usize, 0..2usize, 0..3usize), 1..=4),
        prop::collection::vec(any::<u8>(), 2),
        prop::collection::vec(
            (
                0..2usize,
                0..2usize,
                0..3usize,
                any::<bool>(),
                any::<bool>(),
            ),
            0..=6,
        ),
        prop::collection::vec((0..2usize, any::<u8>(), 0..3usize, any::<bool>()), 0..=3),
        prop::collection::vec((0..6usize, 0..2usize, 0..2usize, 0..2usize), 0..=16),
    )
        .prop_map(|(clusters, namespaces, apps, accesses, resources)| {
            let all = (1u8 << clusters.len()) - 1;
            let mut namespaces: Vec<u8> = namespaces.into_iter().map(|m| m & all).collect();
            if namespaces[0] == 0 {
                namespaces[0] = 1;
            }
            let accesses = accesses
                .into_iter()
                .map(|(n, m, l, r)| (n, if m & all == 0 { 1 } else { m & all }, l, r))
                .collect();
            Shape {
                clusters,
                namespaces,
                apps,
                accesses,
                resources,
            }
        })
}

/// A valid program of the shape.
fn program(s: &Shape) -> String {
    let mut p = String::new();
    for (i, (account, region, mode)) in s.clusters.iter().enumerate() {
        let (account, region) = (ACCOUNTS[*account], REGIONS[*region]);
        p.push_str(&format!(
            "cluster c{i} {{\n  account = \"{account}\"\n  region = \"{region}\"\n  \
             auth_mode = {}\n  nodes = \"arn:aws:iam::{account}:role/nodes\"\n  \
             oidc = \"oidc.eks.{region}.amazonaws.com/id/EXAMPLE{i:04}D4633E53DE1B71EXAMPLE\"\n  \
             boundary = orders\n}}\n",
            MODES[*mode]
        ));
    }
    p.push_str(
        "boundary orders {\n  allow s3:*, sqs:*, sns:*, ecr:*, secretsmanager:*, kms:Decrypt\n  deny iam:*\n}\n",
    );
    p.push_str(
        "role orders {\n  aws {\n    allow s3:GetObject on \"arn:aws:s3:::orders/${namespace}/*\"\n  }\n}\n",
    );
    let on = |mask: u8| -> String {
        (0..s.clusters.len())
            .filter(|c| mask & (1 << c) != 0)
            .map(|c| format!("c{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, mask) in s.namespaces.iter().enumerate() {
        if *mask != 0 {
            p.push_str(&format!("namespace {} on {}\n", NAMES[i], on(*mask)));
        }
    }
    // Every program has `orders/api`, which the resources admit.
    let mut apps: BTreeMap<(usize, usize), (usize, bool, bool)> = BTreeMap::new();
    apps.insert((0, 1), (1, true, false));
    for (ns, name, identity, rules, cluster_rules) in &s.apps {
        if s.namespaces[*ns] != 0 {
            apps.entry((*ns, *name))
                .or_insert((*identity, *rules, *cluster_rules));
        }
    }
    for ((ns, name), (identity, rules, cluster_rules)) in &apps {
        let mut body = match identity {
            0 => "  identity = irsa\n  aws { allow s3:GetObject on \"arn:aws:s3:::orders/*\" }\n",
            1 => {
                "  identity = pod_identity\n  aws { allow s3:GetObject on \"arn:aws:s3:::orders/*\" }\n"
            }
            _ => "  role = orders\n",
        }
        .to_string();
        if *rules {
            body.push_str("  kubernetes { get configmaps }\n");
        }
        if *cluster_rules {
            body.push_str("  kubernetes cluster { get nodes }\n");
        }
        p.push_str(&format!(
            "app {} in {} {{\n{body}}}\n",
            NAMES[*name], NAMES[*ns]
        ));
    }
    let mut seen = BTreeSet::new();
    for (name, mask, level, rules) in &s.accesses {
        if !seen.insert(*name) {
            continue;
        }
        let first = mask.trailing_zeros() as usize;
        let account = ACCOUNTS[s.clusters[first].0];
        let mut body = format!(
            "  role = \"arn:aws:iam::{account}:role/people/{}-team\"\n  policy = {}\n",
            NAMES[*name], LEVELS[*level]
        );
        // A namespace on every cluster of the access, for its scope and rules.
        let everywhere = (0..NAMES.len()).find(|n| s.namespaces[*n] & mask == *mask);
        if let Some(n) = everywhere {
            body.push_str(&format!("  scope = namespaces [{}]\n", NAMES[n]));
            if *rules {
                body.push_str(&format!("  kubernetes in {} {{ get pods }}\n", NAMES[n]));
            }
        }
        if *rules {
            body.push_str("  kubernetes cluster { get nodes }\n");
        }
        p.push_str(&format!(
            "access {} on {} {{\n{body}}}\n",
            NAMES[*name],
            on(*mask)
        ));
    }
    let mut arns = BTreeSet::new();
    for (kind, name, account, region) in &s.resources {
        let (arn, action) = resource(*kind, NAMES[*name], ACCOUNTS[*account], REGIONS[*region]);
        if arns.insert(arn.clone()) {
            p.push_str(&format!(
                "resource \"{arn}\" {{ allow {action} by orders/api }}\n"
            ));
        }
    }
    p
}

/// A template of every kind, so that `templates/` is covered too.
fn templates() -> (tempfile::TempDir, accessc::templates::TemplateSet) {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["role", "boundary", "app", "access", "cluster"] {
        fs::write(
            dir.path().join(format!("{kind}.json.hbs")),
            "{\"template\": {{quote template}}}\n",
        )
        .unwrap();
    }
    let set = accessc::templates::TemplateSet::read(dir.path()).unwrap();
    (dir, set)
}

fn compile(text: &str) -> Vec<Artifact> {
    let mut sources = Sources::new();
    sources.add("orders.access", text);
    let (_dir, set) = templates();
    let options = accessc::Options {
        templates: Some(set),
        ..accessc::Options::default()
    };
    let compiled = accessc::compile_with(&sources, &options);
    let errors: Vec<String> = compiled
        .diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {} at {:?}", d.code, d.message, d.span))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{text}");
    compiled.artifacts.expect("artifacts")
}

/// Two paths that cannot both be files of one folder, if any.
fn clash(paths: &[&str]) -> Option<String> {
    let mut files: BTreeMap<String, &str> = BTreeMap::new();
    for p in paths {
        if let Some(other) = files.insert(p.to_ascii_lowercase(), p) {
            return Some(format!("`{other}` and `{p}`"));
        }
    }
    for p in paths {
        let lower = p.to_ascii_lowercase();
        for (i, _) in lower.match_indices('/') {
            if let Some(file) = files.get(&lower[..i]) {
                return Some(format!("`{file}` is a folder of `{p}`"));
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(support::proptest_config())]

    #[test]
    fn no_two_artifacts_share_a_path(s in shape()) {
        let text = program(&s);
        let artifacts = compile(&text);
        let paths: Vec<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
        prop_assert!(clash(&paths).is_none(), "{}\n{text}", clash(&paths).unwrap_or_default());
        // The manifest lists each path once.
        let manifest = artifacts.last().unwrap();
        let listed: serde_json::Value = serde_json::from_str(&manifest.contents).unwrap();
        let listed: Vec<&str> = listed["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["path"].as_str().unwrap())
            .collect();
        prop_assert!(clash(&listed).is_none(), "{}\n{text}", clash(&listed).unwrap_or_default());
    }
}

/// Every resource kind named `orders` in two regions of two accounts: each its own folder.
#[test]
fn same_named_resources_of_two_regions_or_accounts_are_written_apart_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let shape = Shape {
        clusters: vec![(0, 0, 0), (1, 1, 1)],
        namespaces: vec![3, 0],
        apps: Vec::new(),
        accesses: Vec::new(),
        resources: (0..6)
            .flat_map(|k| [(k, 0, 0, 0), (k, 0, 0, 1), (k, 0, 1, 1)])
            .collect(),
    };
    fs::write(p.join("orders.access"), program(&shape)).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_accessc"))
            .args(args)
            .current_dir(p)
            .env("ACCESSC_CACHE_DIR", "")
            .output()
            .unwrap()
    };
    let o = run(&["build", "orders.access", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    for dir in [
        "111122223333/us-east-1/sqs/orders",
        "111122223333/us-west-2/sqs/orders",
        "444455556666/us-west-2/sqs/orders",
        "111122223333/us-east-1/ecr/orders",
        "444455556666/us-west-2/ecr/orders",
        "111122223333/us-west-2/sns/orders",
        "111122223333/us-west-2/secretsmanager/orders",
        "444455556666/us-west-2/kms/orders",
        "s3/orders",
    ] {
        assert!(p.join("out/resources").join(dir).is_dir(), "{dir}");
    }
    let queue = fs::read_to_string(
        p.join("out/resources/444455556666/us-west-2/sqs/orders/set-queue-attributes.json"),
    )
    .unwrap();
    assert!(
        queue.contains("https://sqs.us-west-2.amazonaws.com/444455556666/orders"),
        "{queue}"
    );
    let o = run(&["check", "orders.access", "-o", "out"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

/// The writer refuses two artifacts at one path (build and check alike), writing nothing.
#[test]
fn the_writer_refuses_a_path_made_twice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let artifact = |contents: &str| Artifact {
        path: "resources/sqs/orders/queue-policy.json".into(),
        kind: "iam-resource-policy",
        cluster: None,
        account: None,
        sources: Vec::new(),
        contents: contents.into(),
    };
    let twice = [artifact("{}\n"), artifact("{\"a\": 1}\n")];
    let e = accessc::writer::write(&out, &twice).unwrap_err();
    assert!(e.to_string().contains("internal error"), "{e}");
    assert!(e.to_string().contains("made twice"), "{e}");
    assert!(!out.exists());
    assert!(accessc::writer::check(&out, &twice).is_err());
    // A file that is the folder of another.
    let mut nested = artifact("{}\n");
    nested.path = "resources/sqs/orders/queue-policy.json/x".into();
    assert!(accessc::writer::write(&out, &[artifact("{}\n"), nested.clone()]).is_err());
    let e = accessc::writer::check(&out, &[artifact("{}\n"), nested]).unwrap_err();
    assert!(e.to_string().contains("a file and a folder"), "{e}");
    assert!(!out.exists());
    assert!(!Path::new(&dir.path().join(".out.accessc-new")).exists());
}
