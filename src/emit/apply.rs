//! The apply plan (`--target apply`): for each AWS account, the ordered steps that bring the
//! account to what the program declares with the AWS CLI and the `--cli-input-json` inputs of
//! the `aws` target, as data (`apply/<account>/plan.json`) and as a script that runs them
//! (`apply/<account>/apply.sh`).
//!
//! ```text
//! apply/<account>/plan.json    the steps, in order: IAM first, then each region's resources
//! apply/<account>/apply.sh     bash + the AWS CLI (v1 or v2) + coreutils: creates what is
//!                              missing, updates what differs, leaves the rest `unchanged`
//! ```
//!
//! The order ([`Phase`]): OIDC providers, boundaries, policies, roles, attachments (IAM, global);
//! then, region by region (S3 bucket policies, which name no region, first), resource policies,
//! access entries, access policy associations, Pod Identity associations.
//!
//! Whether an object is current is decided without parsing JSON in the script:
//!
//! * what accessc creates (boundaries, policies, roles, access entries, Pod Identity
//!   associations) carries a tag `accessc:sha256`, the SHA-256 of the file it was last applied
//!   from (its create input; a boundary's document), read back with `--query`;
//! * attachments exist or not; an access policy association's scope is compared as text;
//! * a resource policy (on a resource accessc does not own, so not tagged) is read back with
//!   `--output text` and its SHA-256 compared with that of the compact policy sent.
//!
//! Every value in the script is a single-quoted word ([`sh`]); nothing is evaluated.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::to_pretty;
use super::layout::{policy_suffix, ApplyFile, ArtifactPath, RoleFile};
use super::Artifact;
use crate::hash::sha256_hex;
use crate::ir::{AccessEntryType, AccessScope, Ir, ResourceKind};

/// The tag that records which generated file an object was last applied from.
pub const HASH_TAG: &str = "accessc:sha256";

/// When a step runs: the IAM phases first, then the regional ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// An IAM OIDC identity provider (`oidc_provider = managed`).
    OidcProvider,
    /// A permission boundary's managed policy.
    Boundary,
    /// A role's permissions policy.
    Policy,
    /// A role (trust policy, boundary, tags).
    Role,
    /// A policy attached to a role.
    Attachment,
    /// A resource-based policy.
    ResourcePolicy,
    /// An EKS access entry.
    AccessEntry,
    /// An EKS access policy association.
    AccessPolicy,
    /// An EKS Pod Identity association.
    PodIdentityAssociation,
}

impl Phase {
    /// Whether the phase is IAM's (global, before every regional one).
    pub fn is_iam(self) -> bool {
        self <= Phase::Attachment
    }
    /// Its name in the plan and in the script's lines.
    pub fn name(self) -> &'static str {
        match self {
            Phase::OidcProvider => "oidc-provider",
            Phase::Boundary => "boundary",
            Phase::Policy => "policy",
            Phase::Role => "role",
            Phase::Attachment => "attachment",
            Phase::ResourcePolicy => "resource-policy",
            Phase::AccessEntry => "access-entry",
            Phase::AccessPolicy => "access-policy",
            Phase::PodIdentityAssociation => "pod-identity-association",
        }
    }
}

/// One AWS CLI call of a step, with its input file (relative to the output folder).
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    /// `SERVICE OPERATION`, e.g. `iam create-policy-version`.
    pub call: String,
    /// The file it reads (`--cli-input-json` or a document), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
}

fn call(call: &str, input: Option<&str>) -> Call {
    Call {
        call: call.to_string(),
        input: input.map(str::to_string),
    }
}

/// How a step tells whether its object exists and is current.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// The read call.
    pub call: String,
    /// What it compares.
    pub current: String,
}

/// One step of an account's plan.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// What it applies.
    pub kind: Phase,
    /// Its name (the ARN of a resource policy's resource, `CLUSTER/PRINCIPAL` of an entry…).
    pub name: String,
    /// The AWS service its calls go to (`--skip SERVICE`).
    pub service: &'static str,
    /// Its region (`null`: IAM, global; or an S3 bucket, whose ARN names no region).
    pub region: Option<String>,
    /// How the script tells whether it exists and is current.
    pub check: Check,
    /// The SHA-256 the check compares with.
    pub sha256: Option<String>,
    /// The calls that create it.
    pub create: Vec<Call>,
    /// The calls that bring an existing one up to date.
    pub update: Vec<Call>,
    /// The script's line: a function of the script and its arguments, each quoted.
    #[serde(skip)]
    line: String,
}

/// An account's plan.
#[derive(Debug, Serialize)]
struct Plan<'a> {
    account: &'a str,
    partition: &'a str,
    order: &'static str,
    hash_tag: &'static str,
    steps: &'a [Step],
}

/// `s` as one single-quoted shell word: nothing in it is expanded.
pub fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script's line of a function and its arguments.
fn line(function: &str, args: &[&str]) -> String {
    let mut l = function.to_string();
    for a in args {
        l.push(' ');
        l.push_str(&sh(a));
    }
    l
}

/// IAM tags as `--tags` takes them (JSON list of `Key`/`Value`).
fn iam_tags(origin: &str, hash: &str) -> String {
    let list: Vec<BTreeMap<&str, &str>> = [
        ("managed-by", "accessc"),
        ("accessc-source", origin),
        (HASH_TAG, hash),
    ]
    .iter()
    .map(|(k, v)| BTreeMap::from([("Key", *k), ("Value", *v)]))
    .collect();
    serde_json::to_string(&list).unwrap_or_default()
}

/// EKS tags as `--tags` takes them (a JSON map).
fn eks_tags(origin: &str, hash: &str) -> String {
    let map = BTreeMap::from([
        ("accessc-source", origin),
        ("managed-by", "accessc"),
        (HASH_TAG, hash),
    ]);
    serde_json::to_string(&map).unwrap_or_default()
}

/// The contents of the `aws` target's files, by path (the inputs the steps run).
fn inputs(ir: &Ir) -> BTreeMap<String, String> {
    let mut out = super::out::Memory::new();
    let mut diags = Vec::new();
    super::iam::emit(ir, &mut out, &mut diags);
    super::resource_policy::emit(ir, &mut out);
    super::eks::emit(ir, &mut out);
    out.into_items()
        .into_iter()
        .map(|a| (a.path, a.contents))
        .collect()
}

/// The steps of every account, in order, by account.
pub fn plans(ir: &Ir) -> BTreeMap<String, Vec<Step>> {
    let files = inputs(ir);
    let hash_of = |path: &str| files.get(path).map(|c| sha256_hex(c.as_bytes()));
    let mut steps: BTreeMap<String, Vec<Step>> = BTreeMap::new();
    let mut add = |account: &str, step: Step| {
        steps.entry(account.to_string()).or_default().push(step);
    };
    let cluster_of = |name: &str| ir.clusters.get(name);

    for c in ir.clusters.values().filter(|c| c.oidc_provider.is_some()) {
        let (Some(issuer), Some(arn)) = (c.oidc.as_deref(), c.oidc_provider_arn()) else {
            continue;
        };
        let input = ArtifactPath::OidcProvider {
            account: &c.account,
            cluster: &c.name,
        }
        .render();
        let hash = hash_of(&input).unwrap_or_default();
        let tags = iam_tags(&format!("cluster {}", c.name), &hash);
        let url = format!("https://{issuer}");
        add(
            &c.account,
            Step {
                kind: Phase::OidcProvider,
                name: url.clone(),
                service: "iam",
                region: None,
                check: Check {
                    call: format!(
                        "iam list-open-id-connect-provider-tags --open-id-connect-provider-arn {arn}"
                    ),
                    current: format!("tag {HASH_TAG} = sha256"),
                },
                sha256: Some(hash.clone()),
                create: vec![call("iam create-open-id-connect-provider", Some(&input))],
                update: vec![call("iam tag-open-id-connect-provider", None)],
                line: line("oidc_provider", &[&url, &arn, &input, &tags, &hash]),
            },
        );
    }

    for b in &ir.boundaries {
        let doc = ArtifactPath::Boundary {
            account: &b.account,
            name: &b.name,
        }
        .render();
        let hash = hash_of(&doc).unwrap_or_default();
        let arn = b.arn();
        let description = super::iam::boundary_description(b);
        let tags = iam_tags(&super::iam::boundary_origin(b), &hash);
        add(
            &b.account,
            Step {
                kind: Phase::Boundary,
                name: b.name.clone(),
                service: "iam",
                region: None,
                check: Check {
                    call: format!("iam list-policy-tags --policy-arn {arn}"),
                    current: format!("tag {HASH_TAG} = sha256"),
                },
                sha256: Some(hash.clone()),
                create: vec![call("iam create-policy", Some(&doc))],
                update: vec![
                    call("iam create-policy-version", Some(&doc)),
                    call("iam tag-policy", None),
                ],
                line: line(
                    "boundary",
                    &[&b.name, &arn, &doc, &description, &tags, &hash],
                ),
            },
        );
    }

    for role in &ir.roles {
        let path = |file: RoleFile<'_>| -> String {
            ArtifactPath::Role {
                account: &role.account,
                role: &role.name,
                file,
            }
            .render()
        };
        let Ok(policies) = super::iam::managed_policies(role) else {
            continue;
        };
        let mut attachments = Vec::new();
        for (i, p) in policies.iter().enumerate() {
            let sfx = policy_suffix(i);
            let create = path(RoleFile::CreatePolicy { suffix: &sfx });
            let doc = path(RoleFile::Policy { suffix: &sfx });
            let attach = path(RoleFile::AttachRolePolicy { suffix: &sfx });
            let hash = hash_of(&create).unwrap_or_default();
            let tags = iam_tags(&role.origin.what, &hash);
            add(
                &role.account,
                Step {
                    kind: Phase::Policy,
                    name: p.name.clone(),
                    service: "iam",
                    region: None,
                    check: Check {
                        call: format!("iam list-policy-tags --policy-arn {}", p.arn),
                        current: format!("tag {HASH_TAG} = sha256"),
                    },
                    sha256: Some(hash.clone()),
                    create: vec![call("iam create-policy", Some(&create))],
                    update: vec![
                        call("iam delete-policy-version", None),
                        call("iam create-policy-version", Some(&doc)),
                        call("iam tag-policy", None),
                    ],
                    line: line("policy", &[&p.name, &p.arn, &create, &doc, &tags, &hash]),
                },
            );
            attachments.push(Step {
                kind: Phase::Attachment,
                name: format!("{}/{}", role.name, p.name),
                service: "iam",
                region: None,
                check: Check {
                    call: format!("iam list-attached-role-policies --role-name {}", role.name),
                    current: "the policy ARN is among them".into(),
                },
                sha256: None,
                create: vec![call("iam attach-role-policy", Some(&attach))],
                update: Vec::new(),
                line: line("attachment", &[&role.name, &p.name, &p.arn, &attach]),
            });
        }
        let create = path(RoleFile::CreateRole);
        let trust = path(RoleFile::TrustPolicy);
        let hash = hash_of(&create).unwrap_or_default();
        let boundary = role.boundary.as_ref().map(|b| b.arn.as_str()).unwrap_or("");
        let description = super::iam::role_description(role);
        let tags = iam_tags(&role.origin.what, &hash);
        add(
            &role.account,
            Step {
                kind: Phase::Role,
                name: role.name.clone(),
                service: "iam",
                region: None,
                check: Check {
                    call: format!("iam list-role-tags --role-name {}", role.name),
                    current: format!("tag {HASH_TAG} = sha256"),
                },
                sha256: Some(hash.clone()),
                create: vec![call("iam create-role", Some(&create))],
                update: vec![
                    call("iam update-assume-role-policy", Some(&trust)),
                    call("iam update-role", None),
                    call(
                        if boundary.is_empty() {
                            "iam delete-role-permissions-boundary"
                        } else {
                            "iam put-role-permissions-boundary"
                        },
                        None,
                    ),
                    call("iam tag-role", None),
                ],
                line: line(
                    "role",
                    &[
                        &role.name,
                        &create,
                        &trust,
                        boundary,
                        &description,
                        &tags,
                        &hash,
                    ],
                ),
            },
        );
        for a in attachments {
            add(&role.account, a);
        }
    }

    for p in &ir.resource_policies {
        let Some(account) = super::terraform::home_account(p) else {
            continue;
        };
        let dir = super::resource_policy::dir(p);
        let file = |f: &'static str| {
            ArtifactPath::Resource {
                dir: dir.clone(),
                file: f,
            }
            .render()
        };
        let policy = super::json::to_compact(&super::resource_policy::document(p));
        let hash = sha256_hex(policy.as_bytes());
        let region = (!p.region.is_empty()).then(|| p.region.clone());
        let r = p.region.as_str();
        let (service, get, put, input, args): (_, _, _, _, Vec<String>) = match p.kind {
            ResourceKind::S3Bucket => (
                "s3",
                "s3api get-bucket-policy",
                "s3api put-bucket-policy",
                file("put-bucket-policy.json"),
                vec!["s3_policy".into(), p.name.clone()],
            ),
            ResourceKind::KmsKey => (
                "kms",
                "kms get-key-policy",
                "kms put-key-policy",
                file("put-key-policy.json"),
                vec!["kms_policy".into(), p.arn.clone(), r.into()],
            ),
            ResourceKind::SqsQueue => (
                "sqs",
                "sqs get-queue-attributes",
                "sqs set-queue-attributes",
                file("set-queue-attributes.json"),
                vec![
                    "sqs_policy".into(),
                    format!("https://sqs.{r}.amazonaws.com/{}/{}", p.account, p.name),
                    r.into(),
                ],
            ),
            ResourceKind::SnsTopic => (
                "sns",
                "sns get-topic-attributes",
                "sns set-topic-attributes",
                file("set-topic-attributes.json"),
                vec!["sns_policy".into(), p.arn.clone(), r.into()],
            ),
            ResourceKind::Secret => (
                "secretsmanager",
                "secretsmanager get-resource-policy",
                "secretsmanager put-resource-policy",
                file("put-resource-policy.json"),
                vec!["secret_policy".into(), p.arn.clone(), r.into()],
            ),
            ResourceKind::EcrRepository => (
                "ecr",
                "ecr get-repository-policy",
                "ecr set-repository-policy",
                file("set-repository-policy.json"),
                vec![
                    "ecr_policy".into(),
                    p.account.clone(),
                    p.name.clone(),
                    r.into(),
                ],
            ),
        };
        let (function, rest) = args.split_first().unwrap_or((&p.arn, &[]));
        let mut all: Vec<&str> = vec![&p.arn];
        all.extend(rest.iter().map(String::as_str));
        all.push(&input);
        all.push(&hash);
        add(
            &account,
            Step {
                kind: Phase::ResourcePolicy,
                name: p.arn.clone(),
                service,
                region,
                check: Check {
                    call: get.to_string(),
                    current: "sha256 of the policy read back = sha256 of the compact policy sent"
                        .into(),
                },
                sha256: Some(hash.clone()),
                create: vec![call(put, Some(&input))],
                update: vec![call(put, Some(&input))],
                line: line(function, &all),
            },
        );
    }

    for e in &ir.access_entries {
        let Some(c) = cluster_of(&e.cluster) else {
            continue;
        };
        let input = ArtifactPath::AccessEntry {
            cluster: &e.cluster,
            name: &e.file,
        }
        .render();
        let hash = hash_of(&input).unwrap_or_default();
        let tags = eks_tags(&e.origin.what, &hash);
        let groups = serde_json::to_string(&e.groups).unwrap_or_default();
        let standard = e.entry_type == AccessEntryType::Standard;
        let mut update = Vec::new();
        if standard {
            update.push(call("eks update-access-entry", None));
        }
        update.push(call("eks tag-resource", None));
        add(
            &c.account,
            Step {
                kind: Phase::AccessEntry,
                name: format!("{}/{}", e.cluster, e.file),
                service: "eks",
                region: Some(c.region.clone()),
                check: Check {
                    call: format!(
                        "eks describe-access-entry --cluster-name {} --principal-arn {}",
                        e.eks_name, e.principal_arn
                    ),
                    current: format!("tag {HASH_TAG} = sha256"),
                },
                sha256: Some(hash.clone()),
                create: vec![call("eks create-access-entry", Some(&input))],
                update,
                line: line(
                    "access_entry",
                    &[
                        &format!("{}/{}", e.cluster, e.file),
                        &e.eks_name,
                        &e.principal_arn,
                        &c.region,
                        &input,
                        e.entry_type.eks_value(),
                        &groups,
                        e.username.as_deref().unwrap_or(""),
                        &tags,
                        &hash,
                    ],
                ),
            },
        );
    }

    for a in &ir.access_policy_associations {
        let Some(c) = cluster_of(&a.cluster) else {
            continue;
        };
        let input = ArtifactPath::AccessPolicy {
            cluster: &a.cluster,
            name: &a.name,
        }
        .render();
        let scope = match &a.scope {
            AccessScope::Cluster => "cluster".to_string(),
            AccessScope::Namespaces(ns) => {
                let list: Vec<&str> = ns.iter().map(String::as_str).collect();
                format!("namespace\t{}", list.join(","))
            }
        };
        let name = format!("{}/{}", a.cluster, a.name);
        add(
            &c.account,
            Step {
                kind: Phase::AccessPolicy,
                name: name.clone(),
                service: "eks",
                region: Some(c.region.clone()),
                check: Check {
                    call: format!(
                        "eks list-associated-access-policies --cluster-name {} --principal-arn {}",
                        a.eks_name, a.principal_arn
                    ),
                    current: format!("{} with the scope {scope:?}", a.policy_arn),
                },
                sha256: None,
                create: vec![call("eks associate-access-policy", Some(&input))],
                update: vec![call("eks associate-access-policy", Some(&input))],
                line: line(
                    "access_policy",
                    &[
                        &name,
                        &a.eks_name,
                        &a.principal_arn,
                        &a.policy_arn,
                        &c.region,
                        &input,
                        &scope,
                    ],
                ),
            },
        );
    }

    for a in &ir.pod_identity_associations {
        let Some(c) = cluster_of(&a.cluster) else {
            continue;
        };
        let input = ArtifactPath::PodIdentityAssociation {
            cluster: &a.cluster,
            namespace: &a.namespace,
            service_account: Some(&a.service_account),
        }
        .render();
        let hash = hash_of(&input).unwrap_or_default();
        let tags = eks_tags(&format!("app {}", a.app), &hash);
        let name = format!("{}/{}/{}", a.cluster, a.namespace, a.service_account);
        add(
            &c.account,
            Step {
                kind: Phase::PodIdentityAssociation,
                name: name.clone(),
                service: "eks",
                region: Some(c.region.clone()),
                check: Check {
                    call: format!(
                        "eks list-pod-identity-associations --cluster-name {} --namespace {} --service-account {}",
                        a.eks_name, a.namespace, a.service_account
                    ),
                    current: format!("tag {HASH_TAG} = sha256"),
                },
                sha256: Some(hash.clone()),
                create: vec![call("eks create-pod-identity-association", Some(&input))],
                update: vec![
                    call("eks update-pod-identity-association", None),
                    call("eks tag-resource", None),
                ],
                line: line(
                    "pod_identity",
                    &[
                        &name,
                        &a.eks_name,
                        &a.namespace,
                        &a.service_account,
                        &a.role_arn,
                        if a.disable_session_tags { "true" } else { "false" },
                        &c.region,
                        &input,
                        &tags,
                        &hash,
                    ],
                ),
            },
        );
    }

    for list in steps.values_mut() {
        // IAM first, then region by region (no region first), each phase in turn; the names
        // keep the order of the IR within a phase.
        list.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
    }
    steps
}

/// A step's place in its plan: IAM phases, then (region, phase).
fn order_key(s: &Step) -> (bool, Option<&str>, Phase) {
    let iam = s.kind.is_iam();
    (!iam, if iam { None } else { s.region.as_deref() }, s.kind)
}

/// The plan and script of every account.
pub fn emit<T, E>(ir: &Ir, out: &mut super::out::Out<'_, T, E>) {
    let partitions: BTreeMap<&str, &str> = ir
        .clusters
        .values()
        .map(|c| (c.account.as_str(), c.partition.as_str()))
        .chain(
            ir.roles
                .iter()
                .map(|r| (r.account.as_str(), r.partition.as_str())),
        )
        .collect();
    for (account, steps) in plans(ir) {
        let partition = partitions.get(account.as_str()).copied().unwrap_or("aws");
        let plan = Plan {
            account: &account,
            partition,
            order: "iam (oidc-provider, boundary, policy, role, attachment), then per region: resource-policy, access-entry, access-policy, pod-identity-association",
            hash_tag: HASH_TAG,
            steps: &steps,
        };
        let art = |file: ApplyFile, kind: &'static str, contents: String| Artifact {
            path: ArtifactPath::Apply {
                account: &account,
                file,
            }
            .render(),
            kind,
            cluster: None,
            account: Some(account.clone()),
            sources: Vec::new(),
            contents,
        };
        out.push(art(
            ApplyFile::Script,
            "apply-script",
            script(&account, &steps),
        ));
        out.push(art(ApplyFile::Plan, "apply-plan", to_pretty(&plan)));
    }
}

/// The script of an account's steps.
fn script(account: &str, steps: &[Step]) -> String {
    let mut s = String::from(PRELUDE);
    s.push_str(&format!("\nexpect_account {}\n\n", sh(account)));
    let mut region: Option<Option<&str>> = None;
    for step in steps {
        let r = if step.kind.is_iam() {
            Some("iam")
        } else {
            step.region.as_deref()
        };
        if region != Some(r) {
            s.push_str(&match (step.kind.is_iam(), r) {
                (true, _) => "# IAM (global)\n".to_string(),
                (false, Some(r)) => format!("\n# region {}\n", r.replace(['\n', '\r'], " ")),
                (false, None) => "\n# no region (S3)\n".to_string(),
            });
            region = Some(r);
        }
        s.push_str(&step.line);
        s.push('\n');
    }
    s.push_str("\nsummary ");
    s.push_str(&sh(account));
    s.push('\n');
    s
}

/// The script's functions: the flags, the reads, and one function per kind of step.
const PRELUDE: &str = include_str!("apply/prelude.sh");

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: Phase, region: Option<&str>, name: &str) -> Step {
        Step {
            kind,
            name: name.into(),
            service: "x",
            region: region.map(str::to_string),
            check: Check {
                call: String::new(),
                current: String::new(),
            },
            sha256: None,
            create: Vec::new(),
            update: Vec::new(),
            line: String::new(),
        }
    }

    #[test]
    fn iam_steps_come_first_then_each_region_in_phase_order() {
        use Phase::*;
        let mut steps = vec![
            step(PodIdentityAssociation, Some("us-east-1"), "p"),
            step(Attachment, None, "a"),
            step(AccessEntry, Some("eu-west-1"), "e"),
            step(ResourcePolicy, Some("us-east-1"), "q"),
            step(Role, None, "r"),
            step(AccessPolicy, Some("eu-west-1"), "ap"),
            step(ResourcePolicy, None, "bucket"),
            step(Policy, None, "pol"),
            step(Boundary, None, "b"),
            step(OidcProvider, None, "o"),
            step(AccessEntry, Some("us-east-1"), "e2"),
        ];
        steps.sort_by(|a, b| order_key(a).cmp(&order_key(b)));
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["o", "b", "pol", "r", "a", "bucket", "e", "ap", "q", "e2", "p"]
        );
    }

    #[test]
    fn shell_words_keep_their_bytes() {
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh("$(x)`y`"), "'$(x)`y`'");
    }
}
