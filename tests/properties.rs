#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Property tests (proptest) over generated valid programs:
//!
//! * they compile without errors;
//! * the output is byte-identical whatever the order in which the files are given;
//! * it is byte-identical whatever the order of the declarations in the files (the manifest
//!   only differs in the recorded source lines);
//! * it is the same however the declarations are split into files (up to the recorded source
//!   file names);
//! * compiling twice gives identical artifacts, whose JSON and YAML files parse;
//! * `fmt` is idempotent and does not change the compiled output (only the recorded lines).
//!
//! `PROPTEST_CASES` sets the number of programs (default 48, to keep CI fast).

use accessc::emit::Artifact;
use accessc::source::Sources;
use proptest::prelude::*;

mod support;
use serde::Deserialize;

const GRANTS: &[&str] = &[
    r#"allow s3:GetObject, s3:GetObjectVersion on "arn:aws:s3:::receipts/*""#,
    r#"allow s3:ListBucket on "arn:aws:s3:::receipts""#,
    r#"allow sqs:SendMessage, sqs:GetQueueUrl on "arn:aws:sqs:us-west-2:111122223333:orders""#,
    r#"allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query on "arn:aws:dynamodb:us-west-2:111122223333:table/carts""#,
    r#"allow secretsmanager:GetSecretValue on "arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-*""#,
    r#"allow s3:PutObject on "arn:aws:s3:::uploads/${namespace}/*" when s3:x-amz-server-side-encryption == "aws:kms""#,
    r#"allow sqs:ReceiveMessage, sqs:DeleteMessage on "arn:aws:sqs:us-west-2:111122223333:${service_account}-jobs""#,
    r#"allow kms:Decrypt on "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab""#,
];

const RULES: &[&str] = &[
    "get, list, watch configmaps",
    r#"get secrets named "db-credentials""#,
    "create events",
    "get pods/log",
    "get, list, watch deployments, statefulsets",
    "patch deployments",
];

const CLUSTER_RULES: &[&str] = &["get, list, watch nodes", "get, list namespaces"];

/// The choices a program is made of.
#[derive(Clone, Debug)]
struct Shape {
    /// One per cluster; the first says whether they set the default boundary.
    clusters: Vec<bool>,
    /// Per namespace: a bit mask of its clusters (never 0).
    namespaces: Vec<u8>,
    /// Per app: namespace index, identity choice, grant mask, rule mask, cluster-rule mask,
    /// whether it uses the shared role.
    apps: Vec<(usize, u8, u8, u8, u8, bool)>,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(any::<bool>(), 1..=3),
        prop::collection::vec(any::<u8>(), 1..=3),
        prop::collection::vec(
            (
                any::<usize>(),
                0u8..3,
                any::<u8>(),
                any::<u8>(),
                any::<u8>(),
                prop::bool::weighted(0.2),
            ),
            0..=8,
        ),
    )
        .prop_map(|(clusters, namespaces, apps)| {
            let n = clusters.len();
            let all = (1u8 << n) - 1;
            let namespaces: Vec<u8> = namespaces
                .into_iter()
                .map(|m| if m & all == 0 { 1 } else { m & all })
                .collect();
            let nns = namespaces.len();
            let apps = apps
                .into_iter()
                .map(|(ns, id, g, r, c, shared)| (ns % nns, id, g, r, c, shared))
                .collect();
            Shape {
                clusters,
                namespaces,
                apps,
            }
        })
}

fn pick(mask: u8, pool: &[&str]) -> Vec<String> {
    pool.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| (*s).to_string())
        .collect()
}

/// The declarations of a valid program, one string each.
fn declarations(s: &Shape) -> Vec<String> {
    let mut decls = Vec::new();
    // Clusters an app spans must agree on the default boundary: all set it or none does.
    let boundary = s.clusters.first().copied().unwrap_or(false);
    for i in 0..s.clusters.len() {
        decls.push(format!(
            "cluster c{i} {{\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  \
             oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE{i:04}D4633E53DE1B71EXAMPLE\"\n{}}}\n",
            if boundary { "  boundary = caps\n" } else { "" }
        ));
    }
    decls.push(
        "boundary caps {\n  allow s3:*, sqs:*, dynamodb:*, secretsmanager:*, kms:Decrypt\n  deny iam:*\n}\n"
            .to_string(),
    );
    decls.push(
        "role shared {\n  aws {\n    allow s3:GetObject on \"arn:aws:s3:::shared/${namespace}/*\"\n  }\n}\n"
            .to_string(),
    );
    for (i, mask) in s.namespaces.iter().enumerate() {
        let clusters: Vec<String> = (0..s.clusters.len())
            .filter(|c| mask & (1 << c) != 0)
            .map(|c| format!("c{c}"))
            .collect();
        decls.push(format!("namespace ns{i} on {}\n", clusters.join(", ")));
    }
    for (i, (ns, identity, grants, rules, cluster_rules, shared)) in s.apps.iter().enumerate() {
        let mut body = String::new();
        let grants = pick(*grants, GRANTS);
        if *shared {
            body.push_str("  role = shared\n");
        } else {
            match identity {
                1 => body.push_str("  identity = irsa\n"),
                2 if grants.is_empty() => body.push_str("  identity = none\n"),
                2 => body.push_str("  identity = pod_identity\n"),
                _ => {}
            }
            if !grants.is_empty() {
                body.push_str("  aws {\n");
                for g in grants {
                    body.push_str(&format!("    {g}\n"));
                }
                body.push_str("  }\n");
            }
        }
        let rules = pick(*rules, RULES);
        if !rules.is_empty() {
            body.push_str("  kubernetes {\n");
            for r in rules {
                body.push_str(&format!("    {r}\n"));
            }
            body.push_str("  }\n");
        }
        let cluster_rules = pick(*cluster_rules, CLUSTER_RULES);
        if !cluster_rules.is_empty() {
            body.push_str("  kubernetes cluster {\n");
            for r in cluster_rules {
                body.push_str(&format!("    {r}\n"));
            }
            body.push_str("  }\n");
        }
        decls.push(format!("app a{i} in ns{ns} {{\n{body}}}\n"));
    }
    decls
}

/// Files `f0.access`… holding the declarations as assigned (`assign[i] % n` for decl `i`).
fn split(decls: &[String], assign: &[usize], n: usize) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = (0..n)
        .map(|i| (format!("f{i}.access"), String::new()))
        .collect();
    for (i, d) in decls.iter().enumerate() {
        let f = assign.get(i).copied().unwrap_or(0) % n;
        files[f].1.push_str(d);
        files[f].1.push('\n');
    }
    files
}

fn compile(files: &[(String, String)]) -> Vec<Artifact> {
    let mut sources = Sources::new();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    let compiled = accessc::compile(&sources);
    let errors: Vec<String> = compiled
        .diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{} {} at {:?}", d.code, d.message, d.span))
        .collect();
    assert!(
        errors.is_empty(),
        "a valid program has errors: {errors:#?}\n{files:#?}"
    );
    let artifacts = compiled.artifacts.expect("artifacts");
    // Every JSON and YAML file parses.
    for a in &artifacts {
        if a.path.ends_with(".json") {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&a.contents) {
                panic!("{} is not JSON: {e}\n{}", a.path, a.contents);
            }
        } else if a.path.ends_with(".yaml") {
            for doc in serde_yaml::Deserializer::from_str(&a.contents) {
                if let Err(e) = serde_yaml::Value::deserialize(doc) {
                    panic!("{} is not YAML: {e}\n{}", a.path, a.contents);
                }
            }
        }
    }
    artifacts
}

fn contents(artifacts: &[Artifact]) -> Vec<(String, String)> {
    artifacts
        .iter()
        .map(|a| (a.path.clone(), a.contents.clone()))
        .collect()
}

/// The artifacts without what records where declarations were written: the manifest's
/// `sources` (and hashes, which cover the next) and the `generated by accessc from FILE` lines.
fn without_locations(artifacts: &[Artifact]) -> Vec<(String, String)> {
    artifacts
        .iter()
        .map(|a| {
            let text = if a.path == "manifest.json" {
                let mut v: serde_json::Value = serde_json::from_str(&a.contents).unwrap();
                if let Some(list) = v["artifacts"].as_array_mut() {
                    for e in list {
                        if let Some(o) = e.as_object_mut() {
                            o.remove("sources");
                            // The hash covers the `generated … from FILE` line.
                            o.remove("sha256");
                        }
                    }
                }
                v.to_string()
            } else {
                a.contents
                    .lines()
                    .filter(|l| !l.contains("generated by accessc from"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            (a.path.clone(), text)
        })
        .collect()
}

/// Format every file; a formatter error on a valid program is a failure.
fn formatted(files: &[(String, String)]) -> Vec<(String, String)> {
    files
        .iter()
        .map(|(name, text)| match accessc::fmt::format(text) {
            Ok(out) => (name.clone(), out),
            Err(e) => panic!("fmt failed on {name}: {e:?}\n{text}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(support::proptest_config())]

    /// `fmt` is idempotent and keeps the compiled output (up to the manifest's line numbers).
    #[test]
    fn fmt_is_idempotent_and_keeps_the_output(
        shape in shape(),
        assign in prop::collection::vec(any::<usize>(), 64),
        nfiles in 1usize..=4,
    ) {
        let decls = declarations(&shape);
        let files = split(&decls, &assign, nfiles);
        let once = formatted(&files);
        let twice = formatted(&once);
        prop_assert_eq!(&once, &twice, "fmt is not idempotent");
        let strip_manifest = |a: &[Artifact]| {
            contents(a).into_iter().filter(|(p, _)| p != "manifest.json").collect::<Vec<_>>()
        };
        let before = compile(&files);
        let after = compile(&once);
        prop_assert_eq!(strip_manifest(&before), strip_manifest(&after));
        prop_assert_eq!(without_locations(&before), without_locations(&after));
    }

    /// Valid programs compile, twice to the same bytes, whatever the order of their files.
    #[test]
    fn valid_programs_compile_the_same_whatever_the_file_order(
        shape in shape(),
        assign in prop::collection::vec(any::<usize>(), 64),
        nfiles in 1usize..=4,
        seed in any::<u64>(),
    ) {
        let decls = declarations(&shape);
        let files = split(&decls, &assign, nfiles);
        let first = compile(&files);
        prop_assert!(first.iter().any(|a| a.path == "manifest.json"));
        let again = compile(&files);
        prop_assert_eq!(contents(&first), contents(&again), "compiling twice differs");
        // The same files in another order (a rotation and a reversal chosen by the seed).
        let mut shuffled = files.clone();
        shuffled.rotate_left((seed as usize) % files.len());
        if seed & 1 == 1 {
            shuffled.reverse();
        }
        let reordered = compile(&shuffled);
        prop_assert_eq!(contents(&first), contents(&reordered), "the file order changed the output");
    }

    /// Shuffling the declarations (within files, and across a different split into files)
    /// changes nothing but the recorded source locations.
    #[test]
    fn output_does_not_depend_on_declaration_order_or_split(
        shape in shape(),
        perm in any::<u64>(),
        assign in prop::collection::vec(any::<usize>(), 64),
        nfiles in 1usize..=4,
    ) {
        let decls = declarations(&shape);
        let files = split(&decls, &assign, nfiles);
        let reference = compile(&files);

        // Same files, declarations in another order (a permutation derived from `perm`).
        let mut order: Vec<usize> = (0..decls.len()).collect();
        let mut state = perm | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled_decls: Vec<String> = order.iter().map(|&i| decls[i].clone()).collect();
        let shuffled_assign: Vec<usize> = order.iter().map(|&i| assign[i]).collect();
        let same_files = split(&shuffled_decls, &shuffled_assign, nfiles);
        let moved = compile(&same_files);
        // Only the manifest records line numbers.
        let strip_manifest = |a: &[Artifact]| {
            contents(a).into_iter().filter(|(p, _)| p != "manifest.json").collect::<Vec<_>>()
        };
        prop_assert_eq!(strip_manifest(&reference), strip_manifest(&moved));
        prop_assert_eq!(without_locations(&reference), without_locations(&moved));

        // Another split into files.
        let resplit = split(&shuffled_decls, &assign, nfiles % 4 + 1);
        let other = compile(&resplit);
        prop_assert_eq!(without_locations(&reference), without_locations(&other));
    }
}
