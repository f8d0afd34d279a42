#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Vendor least-privilege policies of EKS controllers written in `.access` (`tests/vendor/`):
//! each compiles without diagnostics and gives the vendor's statements — the same actions, the
//! same conditions, resources equal or narrower (the narrowing is written next to each vendor
//! table). Compared as atoms (effect, action, resource, conditions), so that how accessc groups
//! actions into statements does not matter.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use accessc::source::Sources;

type Conditions = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// (deny, action, resource, conditions).
type Atom = (bool, String, String, Conditions);

/// One vendor statement: actions, resources, conditions (`operator`, `key`, values).
struct Vendor<'a> {
    actions: &'a [&'a str],
    resources: &'a [&'a str],
    conditions: &'a [(&'a str, &'a str, &'a [&'a str])],
}

fn atoms_of_vendor(statements: &[Vendor<'_>], narrow: &dyn Fn(&str) -> String) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    for s in statements {
        let mut conditions = Conditions::new();
        for (op, key, values) in s.conditions {
            conditions
                .entry((*op).to_string())
                .or_default()
                .entry((*key).to_string())
                .or_default()
                .extend(values.iter().map(|v| (*v).to_string()));
        }
        for a in s.actions {
            for r in s.resources {
                out.insert((false, (*a).to_string(), narrow(r), conditions.clone()));
            }
        }
    }
    out
}

/// The atoms of the role of `app` compiled from `tests/vendor/FILE`; no diagnostic allowed.
fn atoms_of_source(file: &str, role: &str) -> BTreeSet<Atom> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vendor")
        .join(file);
    let mut sources = Sources::new();
    sources.add(file.to_string(), std::fs::read_to_string(path).unwrap());
    let compiled = accessc::compile(&sources);
    assert!(compiled.diags.is_empty(), "{:?}", compiled.diags);
    let ir = compiled.ir.unwrap();
    let role = ir.roles.iter().find(|r| r.name == role).unwrap();
    let mut out = BTreeSet::new();
    for s in &role.statements {
        for a in &s.actions {
            for r in &s.resources {
                out.insert((s.deny, a.clone(), r.clone(), s.conditions.clone()));
            }
        }
    }
    out
}

/// kubernetes-sigs/aws-ebs-csi-driver, docs/example-iam-policy.json (commit 050d130f).
/// Narrowed: `arn:aws:ec2:*:*:` → the cluster's region and account (snapshots: no account, as
/// EC2 writes their ARNs).
#[test]
fn ebs_csi_driver() {
    const VOL: &str = "arn:aws:ec2:*:*:volume/*";
    const SNAP: &str = "arn:aws:ec2:*:*:snapshot/*";
    const LIKE: &str = "StringLike";
    let vendor = [
        Vendor {
            actions: &[
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInstances",
                "ec2:DescribeSnapshots",
                "ec2:DescribeTags",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumesModifications",
                "ec2:DescribeVolumeStatus",
            ],
            resources: &["*"],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:CreateSnapshot", "ec2:ModifyVolume"],
            resources: &[VOL],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:CopyVolumes"],
            resources: &["arn:aws:ec2:*:*:volume/vol-*"],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:AttachVolume", "ec2:DetachVolume"],
            resources: &[VOL, "arn:aws:ec2:*:*:instance/*"],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"],
            resources: &[SNAP],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:CreateTags"],
            resources: &[VOL, SNAP],
            conditions: &[(
                "StringEquals",
                "ec2:CreateAction",
                &["CreateVolume", "CreateSnapshot", "CopyVolumes"],
            )],
        },
        Vendor {
            actions: &["ec2:DeleteTags"],
            resources: &[VOL, SNAP],
            conditions: &[],
        },
        Vendor {
            actions: &["ec2:CreateVolume", "ec2:CopyVolumes"],
            resources: &[VOL],
            conditions: &[(LIKE, "aws:RequestTag/ebs.csi.aws.com/cluster", &["true"])],
        },
        Vendor {
            actions: &["ec2:CreateVolume", "ec2:CopyVolumes"],
            resources: &[VOL],
            conditions: &[(LIKE, "aws:RequestTag/CSIVolumeName", &["*"])],
        },
        Vendor {
            actions: &["ec2:DeleteVolume"],
            resources: &[VOL],
            conditions: &[(LIKE, "ec2:ResourceTag/ebs.csi.aws.com/cluster", &["true"])],
        },
        Vendor {
            actions: &["ec2:DeleteVolume"],
            resources: &[VOL],
            conditions: &[(LIKE, "ec2:ResourceTag/CSIVolumeName", &["*"])],
        },
        Vendor {
            actions: &["ec2:DeleteVolume"],
            resources: &[VOL],
            conditions: &[(
                LIKE,
                "ec2:ResourceTag/kubernetes.io/created-for/pvc/name",
                &["*"],
            )],
        },
        Vendor {
            actions: &["ec2:CreateSnapshot"],
            resources: &[SNAP],
            conditions: &[(LIKE, "aws:RequestTag/CSIVolumeSnapshotName", &["*"])],
        },
        Vendor {
            actions: &["ec2:CreateSnapshot"],
            resources: &[SNAP],
            conditions: &[(LIKE, "aws:RequestTag/ebs.csi.aws.com/cluster", &["true"])],
        },
        Vendor {
            actions: &["ec2:DeleteSnapshot"],
            resources: &[SNAP],
            conditions: &[(LIKE, "ec2:ResourceTag/CSIVolumeSnapshotName", &["*"])],
        },
        Vendor {
            actions: &["ec2:DeleteSnapshot"],
            resources: &[SNAP],
            conditions: &[(LIKE, "ec2:ResourceTag/ebs.csi.aws.com/cluster", &["true"])],
        },
    ];
    let narrow = |r: &str| {
        r.replace(
            "arn:aws:ec2:*:*:snapshot/",
            "arn:aws:ec2:us-west-2::snapshot/",
        )
        .replace("arn:aws:ec2:*:*:", "arn:aws:ec2:us-west-2:111122223333:")
    };
    let expected = atoms_of_vendor(&vendor, &narrow);
    let got = atoms_of_source("ebs-csi-driver.access", "kube-system-ebs-csi-controller");
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
}
