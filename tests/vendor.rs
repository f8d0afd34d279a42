#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The controllers' own IAM policies, written in `.access`. Each folder under `tests/vendor/`
//! holds `vendor.txt` (the statements of the policy as the controller's project publishes it,
//! transcribed one per paragraph; source and version in its header and in `README.md`) and
//! `program.access` (a cluster, a namespace and the app whose grants say the same). The test compiles the program and compares the app role's policy with
//! the vendor's the way IAM reads them, one (effect, action, condition block) at a time:
//!
//! - the same actions under the same conditions, none dropped and none added;
//! - each of our resources for an action inside one of the vendor's resources for it (equal or
//!   narrower: a vendor `*` region or account becomes the cluster's);
//! - where our condition block differs, it holds every condition of the vendor's, values and
//!   all, and more (narrower); a vendor `ForAllValues:` condition on a key the action does not
//!   carry is true for it (IAM finds no values) and is left out of the vendor's side first.
//!
//! Where ours are narrower (resources or conditions) is the case's snapshot
//! (`snapshots/vendor_NAME.snap`), so a change that widens or narrows anything fails; the
//! folder's README says why each narrowing is safe.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// (effect, action in lower case, condition block in canonical form) → (the action as written,
/// resources).
type Grants = BTreeMap<(String, String, String), (String, BTreeSet<String>)>;

#[test]
fn vendor_policies() {
    insta::glob!("vendor/*/program.access", |path| {
        let dir = path.parent().unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let report = compare(dir);
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            snapshot_suffix => "",
            input_file => path,
        }, {
            insta::assert_snapshot!(format!("vendor_{name}"), report);
        });
    });
}

/// Compile the case's program, compare its role's policy with `vendor.txt` and return where
/// ours is narrower; panic on a dropped or added action or condition, or a wider resource.
fn compare(dir: &Path) -> String {
    let vendor = statements(&std::fs::read_to_string(dir.join("vendor.txt")).unwrap());
    let (theirs, vacuous) = without_vacuous_conditions(grants(&vendor));

    let sources = support::load_dir(dir);
    let compiled = accessc::compile(&sources);
    let errors: Vec<_> = compiled
        .diags
        .iter()
        .filter(|d| d.code.as_str().starts_with('E'))
        .map(|d| format!("{}: {}", d.code.as_str(), d.message))
        .collect();
    assert!(errors.is_empty(), "{}: {errors:#?}", dir.display());
    let artifacts = compiled.artifacts.unwrap();
    // The role's policy, which accessc splits into `policy.json`, `policy-2.json`, … when it
    // is longer than a managed policy may be.
    let policies: Vec<_> = artifacts
        .iter()
        .filter(|a| {
            let name = a.path.rsplit('/').next().unwrap_or_default();
            a.path.starts_with("aws/")
                && (name == "policy.json"
                    || name
                        .strip_prefix("policy-")
                        .and_then(|n| n.strip_suffix(".json"))
                        .is_some_and(|n| n.parse::<u32>().is_ok()))
        })
        .collect();
    let roles: BTreeSet<&str> = policies
        .iter()
        .map(|a| a.path.rsplit_once('/').unwrap().0)
        .collect();
    assert_eq!(roles.len(), 1, "one role: {roles:?}");
    let mut ours = Grants::new();
    for p in &policies {
        let doc: Value = serde_json::from_str(&p.contents).unwrap();
        for (key, (action, resources)) in grants(&doc) {
            ours.entry(key)
                .or_insert_with(|| (action, BTreeSet::new()))
                .1
                .extend(resources);
        }
    }

    // Ours under the vendor's conditions and more (IAM ANDs them: narrower) count as the
    // vendor's, listed in the report.
    let mut stricter: Vec<String> = Vec::new();
    let unmatched: Vec<_> = ours
        .keys()
        .filter(|k| !theirs.contains_key(*k))
        .cloned()
        .collect();
    for key in unmatched {
        let Some(vendor_key) = theirs
            .keys()
            .find(|v| {
                v.0 == key.0
                    && v.1 == key.1
                    && !ours.contains_key(*v)
                    && conditions_narrower(&v.2, &key.2)
            })
            .cloned()
        else {
            continue;
        };
        let value = ours.remove(&key).unwrap();
        stricter.push(format!(
            "\n{}\n  vendor: {}\n  ours:   {}\n",
            value.0, vendor_key.2, key.2
        ));
        ours.insert(vendor_key, value);
    }

    let dropped: Vec<_> = theirs.keys().filter(|k| !ours.contains_key(*k)).collect();
    let added: Vec<_> = ours.keys().filter(|k| !theirs.contains_key(*k)).collect();
    assert!(
        dropped.is_empty() && added.is_empty(),
        "{}: (effect, action, conditions) dropped {dropped:#?}, added {added:#?}",
        dir.display()
    );

    // Narrowings, grouped: (vendor resources, ours, conditions) → actions.
    let mut narrower: BTreeMap<(Vec<String>, Vec<String>, String), Vec<String>> = BTreeMap::new();
    for (key, (action, mine)) in &ours {
        let (_, vendor) = &theirs[key];
        for r in mine {
            assert!(
                vendor.iter().any(|v| glob(v, r)),
                "{}: {action} on {r} is outside the vendor's {vendor:?}",
                dir.display()
            );
        }
        if mine != vendor {
            narrower
                .entry((
                    vendor.iter().cloned().collect(),
                    mine.iter().cloned().collect(),
                    key.2.clone(),
                ))
                .or_default()
                .push(action.clone());
        }
    }
    let mut report = format!(
        "{} (effect, action, conditions) triples, all present on both sides; narrower resources:\n",
        ours.len()
    );
    for ((vendor, mine, conditions), actions) in &narrower {
        report.push_str(&format!(
            "\n{}\n  vendor: {}\n  ours:   {}\n",
            actions.join(", "),
            vendor.join(", "),
            mine.join(", ")
        ));
        if conditions != "{}" {
            report.push_str(&format!("  when:   {conditions}\n"));
        }
    }
    if !vacuous.is_empty() {
        report.push_str(
            "\nvendor conditions on keys the action does not carry, under ForAllValues: (true \
             for it, as IAM reads them; left out):\n",
        );
        for line in &vacuous {
            report.push_str(line);
        }
    }
    if !stricter.is_empty() {
        report.push_str("\nnarrower conditions (the vendor's and more):\n");
        for line in &stricter {
            report.push_str(line);
        }
    }
    report
}

/// A policy document from the transcription's paragraphs: `EFFECT ACTION, …`, then `  on
/// RESOURCE, …` and `  when OPERATOR KEY = VALUE | …` lines; `#` lines are comments.
fn statements(text: &str) -> Value {
    let mut statements = Vec::new();
    let lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut current: Option<serde_json::Map<String, Value>> = None;
    let list = |s: &str, sep: &str| -> Value {
        Value::Array(
            s.split(sep)
                .map(|x| Value::String(x.trim().to_string()))
                .collect(),
        )
    };
    for line in lines.chain(std::iter::once("")) {
        if line.trim().is_empty() {
            statements.extend(current.take().map(Value::Object));
        } else if let Some(rest) = line.strip_prefix("  on ") {
            current
                .as_mut()
                .unwrap()
                .insert("Resource".into(), list(rest, ","));
        } else if let Some(rest) = line.strip_prefix("  when ") {
            let (op, rest) = rest.split_once(' ').unwrap();
            let (key, values) = rest.split_once(" = ").unwrap();
            let s = current.as_mut().unwrap();
            let cond = s
                .entry("Condition")
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            let op = cond
                .as_object_mut()
                .unwrap()
                .entry(op)
                .or_insert_with(|| Value::Object(serde_json::Map::new()));
            op.as_object_mut()
                .unwrap()
                .insert(key.to_string(), list(values, "|"));
        } else {
            assert!(
                current.is_none(),
                "a statement without a blank line before: {line}"
            );
            let (effect, actions) = line.split_once(' ').unwrap();
            let mut s = serde_json::Map::new();
            s.insert("Effect".into(), Value::String(effect.to_string()));
            s.insert("Action".into(), list(actions, ","));
            current = Some(s);
        }
    }
    serde_json::json!({ "Statement": statements })
}

/// Every (effect, action, conditions) of a policy document with its resources.
fn grants(doc: &Value) -> Grants {
    let mut out = Grants::new();
    let statements = match &doc["Statement"] {
        Value::Array(s) => s.clone(),
        s @ Value::Object(_) => vec![s.clone()],
        other => panic!("Statement: {other}"),
    };
    for s in &statements {
        assert!(
            s.get("NotAction").is_none() && s.get("NotResource").is_none(),
            "NotAction / NotResource are not compared: {s}"
        );
        let effect = s["Effect"].as_str().unwrap().to_string();
        let conditions = canonical_conditions(s.get("Condition"));
        for action in strings(&s["Action"]) {
            assert!(
                !action.contains('*') && !action.contains('?'),
                "wildcard actions are not compared: {action}"
            );
            let entry = out
                .entry((
                    effect.clone(),
                    action.to_ascii_lowercase(),
                    conditions.clone(),
                ))
                .or_insert_with(|| (action.clone(), BTreeSet::new()));
            entry.1.extend(strings(&s["Resource"]));
        }
    }
    out
}

/// The vendor's grants with each `ForAllValues:` condition on a key the action does not carry
/// left out (IAM finds no values for it, and `ForAllValues:` of no values is true, so the
/// statement applies to the action as if it were not there), and a line per such condition.
fn without_vacuous_conditions(grants: Grants) -> (Grants, Vec<String>) {
    let catalog = accessc::catalog::catalog();
    let mut out = Grants::new();
    let mut notes = Vec::new();
    for ((effect, action, conditions), (written, resources)) in grants {
        let mut block: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> =
            serde_json::from_str(&conditions).unwrap();
        let carried = |key: &str| {
            catalog
                .lookup_action(&written)
                .is_none_or(|(_, a)| a.allows_condition_key(None, key))
        };
        let mut left_out = Vec::new();
        for (op, keys) in &mut block {
            if op.starts_with("ForAllValues:") {
                keys.retain(|key, _| {
                    let keep = carried(key);
                    if !keep {
                        left_out.push(format!("{op} {key}"));
                    }
                    keep
                });
            }
        }
        block.retain(|_, keys| !keys.is_empty());
        let canon = serde_json::to_string(&block).unwrap();
        if !left_out.is_empty() {
            notes.push(format!("\n{written}: {}\n", left_out.join(", ")));
        }
        out.entry((effect, action, canon))
            .or_insert_with(|| (written, BTreeSet::new()))
            .1
            .extend(resources);
    }
    (out, notes)
}

/// Whether the condition block `ours` holds every condition of `vendor` with the same values,
/// and more (IAM ANDs the conditions of a statement: ours applies to fewer requests).
fn conditions_narrower(vendor: &str, ours: &str) -> bool {
    type Block = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;
    let vendor: Block = serde_json::from_str(vendor).unwrap();
    let ours: Block = serde_json::from_str(ours).unwrap();
    vendor != ours
        && vendor.iter().all(|(op, keys)| {
            keys.iter()
                .all(|(key, values)| ours.get(op).and_then(|k| k.get(key)) == Some(values))
        })
}

/// A condition block as IAM compares it: operators as written, keys in lower case (IAM's keys
/// are case-insensitive), each key's values as a sorted set.
fn canonical_conditions(block: Option<&Value>) -> String {
    let mut canon: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    if let Some(Value::Object(ops)) = block {
        for (op, keys) in ops {
            let Value::Object(keys) = keys else {
                panic!("condition {op}: {keys}")
            };
            for (key, values) in keys {
                canon
                    .entry(op.clone())
                    .or_default()
                    .entry(key.to_ascii_lowercase())
                    .or_default()
                    .extend(strings(values));
            }
        }
    }
    serde_json::to_string(&canon).unwrap()
}

/// A string or a list of strings (booleans and numbers as IAM reads them: their text).
fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Bool(b) => vec![b.to_string()],
        Value::Number(n) => vec![n.to_string()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        other => panic!("not a string or a list of strings: {other}"),
    }
}

/// Whether IAM's wildcard pattern `pattern` (`*` any run, `?` one character) matches `text`
/// taken literally: for the resources compared here (wildcards only in place of whole path
/// parts), `text`'s own wildcards then stand for a subset of `pattern`'s.
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        // The pattern's `*` first: the text's own `*`s are characters it may span.
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[test]
fn glob_matches_as_iam_does() {
    assert!(glob("*", "arn:aws:ec2:us-west-2:1:volume/*"));
    assert!(glob(
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:us-west-2:111122223333:volume/*"
    ));
    assert!(glob(
        "arn:aws:ec2:*:*:snapshot/*",
        "arn:aws:ec2:us-west-2::snapshot/*"
    ));
    assert!(!glob(
        "arn:aws:ec2:*:*:volume/vol-*",
        "arn:aws:ec2:us-west-2:111122223333:volume/*"
    ));
    assert!(!glob(
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:*:*:instance/*"
    ));
    // A `*` of the pattern spans `/` (and the text's own `*`s), as IAM's does.
    assert!(glob(
        "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
        "arn:aws:elasticloadbalancing:us-west-2:1:listener-rule/app/*/*/*/*"
    ));
}

/// The comparison fails on what it must catch: a dropped condition, a wider resource.
#[test]
fn a_dropped_condition_or_a_wider_resource_fails_the_comparison() {
    let vendor = serde_json::json!({"Statement": [{
        "Effect": "Allow", "Action": "ec2:DeleteVolume", "Resource": "arn:aws:ec2:*:*:volume/*",
        "Condition": {"StringLike": {"ec2:ResourceTag/CSIVolumeName": "*"}}
    }]});
    let dropped = serde_json::json!({"Statement": [{
        "Effect": "Allow", "Action": "ec2:DeleteVolume", "Resource": "arn:aws:ec2:*:*:volume/*"
    }]});
    assert_ne!(
        grants(&vendor).keys().collect::<Vec<_>>(),
        grants(&dropped).keys().collect::<Vec<_>>()
    );
    assert!(!glob("arn:aws:ec2:*:*:volume/*", "*"));
}

/// Conditions: ours may add to the vendor's (narrower), never drop or change one; a vendor
/// `ForAllValues:` on a key the action does not carry is left out, any other is kept.
#[test]
fn conditions_may_only_be_added_and_vacuous_ones_are_left_out() {
    let canon = |v: serde_json::Value| canonical_conditions(Some(&v));
    let txt = canon(serde_json::json!({"ForAllValues:StringEquals":
        {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}));
    let txt_not_null = canon(serde_json::json!({
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]},
        "Null": {"route53:ChangeResourceRecordSetsRecordTypes": "false"}}));
    let txt_or_a = canon(serde_json::json!({"ForAllValues:StringEquals":
        {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT", "A"]}}));
    assert!(conditions_narrower(&txt, &txt_not_null));
    assert!(!conditions_narrower(&txt_not_null, &txt));
    assert!(!conditions_narrower(&txt, &txt_or_a));
    assert!(!conditions_narrower(&txt, &txt));

    let vendor = serde_json::json!({"Statement": [{
        "Effect": "Allow",
        "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
        "Resource": "*",
        "Condition": {"ForAllValues:StringEquals":
            {"route53:ChangeResourceRecordSetsRecordTypes": ["TXT"]}}
    }]});
    let (grants, notes) = without_vacuous_conditions(grants(&vendor));
    let keys: Vec<_> = grants
        .keys()
        .map(|k| (k.1.as_str(), k.2.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("route53:changeresourcerecordsets", txt.as_str()),
            ("route53:listresourcerecordsets", "{}"),
        ]
    );
    assert_eq!(notes.len(), 1);
}
