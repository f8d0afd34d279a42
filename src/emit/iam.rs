//! IAM documents: trust policies, permissions policies, boundaries, and the
//! `aws iam … --cli-input-json` inputs that create them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::{compact, pretty, OneOrMany};
use super::Artifact;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, Identity, Ir, Trust};

pub use crate::ir::Limits;

/// An IAM policy document.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyDocument {
    /// Always `2012-10-17`.
    #[serde(rename = "Version")]
    pub version: &'static str,
    /// Statements.
    #[serde(rename = "Statement")]
    pub statement: Vec<StatementDoc>,
}

/// A statement of a policy document.
#[derive(Clone, Debug, Serialize)]
pub struct StatementDoc {
    /// Sid.
    #[serde(rename = "Sid")]
    pub sid: String,
    /// Allow or Deny.
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    /// Principal (trust and resource policies).
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<&'static str, OneOrMany>>,
    /// Actions.
    #[serde(rename = "Action")]
    pub action: OneOrMany,
    /// Resources (absent in trust policies).
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany>,
    /// Conditions.
    #[serde(rename = "Condition", skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<String, BTreeMap<String, OneOrMany>>,
}

impl PolicyDocument {
    fn new(statement: Vec<StatementDoc>) -> Self {
        PolicyDocument {
            version: "2012-10-17",
            statement,
        }
    }
}

/// A tag.
#[derive(Clone, Debug, Serialize)]
struct Tag {
    #[serde(rename = "Key")]
    key: &'static str,
    #[serde(rename = "Value")]
    value: String,
}

/// The tags accessc puts on what it creates, as a map (Terraform, templates): `accessc-source`
/// names the declaration, `managed-by` is `accessc`.
pub fn tag_map(origin: &str) -> BTreeMap<&'static str, String> {
    tags(origin).into_iter().map(|t| (t.key, t.value)).collect()
}

fn tags(origin: &str) -> Vec<Tag> {
    vec![
        Tag {
            key: "managed-by",
            value: "accessc".into(),
        },
        Tag {
            key: "accessc-source",
            value: origin.to_string(),
        },
    ]
}

#[derive(Serialize)]
struct CreateRole {
    #[serde(rename = "RoleName")]
    role_name: String,
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "AssumeRolePolicyDocument")]
    assume_role_policy_document: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "MaxSessionDuration")]
    max_session_duration: u32,
    #[serde(
        rename = "PermissionsBoundary",
        skip_serializing_if = "Option::is_none"
    )]
    permissions_boundary: Option<String>,
    #[serde(rename = "Tags")]
    tags: Vec<Tag>,
}

#[derive(Serialize)]
struct CreatePolicy {
    #[serde(rename = "PolicyName")]
    policy_name: String,
    #[serde(rename = "Path")]
    path: String,
    #[serde(rename = "PolicyDocument")]
    policy_document: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Tags")]
    tags: Vec<Tag>,
}

#[derive(Serialize)]
struct AttachRolePolicy {
    #[serde(rename = "RoleName")]
    role_name: String,
    #[serde(rename = "PolicyArn")]
    policy_arn: String,
}

fn condition(
    map: &BTreeMap<String, BTreeMap<String, std::collections::BTreeSet<String>>>,
) -> BTreeMap<String, BTreeMap<String, OneOrMany>> {
    map.iter()
        .map(|(op, keys)| {
            (
                op.clone(),
                keys.iter()
                    .map(|(k, v)| (k.clone(), OneOrMany::of(v.iter().cloned())))
                    .collect(),
            )
        })
        .collect()
}

/// The trust policy of a role.
pub fn trust_policy(role: &ir::IamRole) -> PolicyDocument {
    let statements = match &role.trust {
        Trust::PodIdentity {
            account,
            cluster_arns,
            orgs,
        } => {
            let mut cond: BTreeMap<String, BTreeMap<String, OneOrMany>> = BTreeMap::new();
            cond.entry("ArnEquals".into()).or_default().insert(
                "aws:SourceArn".into(),
                OneOrMany::of(cluster_arns.iter().cloned()),
            );
            let eq = cond.entry("StringEquals".into()).or_default();
            eq.insert("aws:SourceAccount".into(), OneOrMany::One(account.clone()));
            if !orgs.is_empty() {
                eq.insert(
                    "aws:SourceOrgId".into(),
                    OneOrMany::of(orgs.iter().cloned()),
                );
            }
            vec![StatementDoc {
                sid: "AllowEksPodIdentity".into(),
                effect: "Allow",
                principal: Some(BTreeMap::from([(
                    "Service",
                    OneOrMany::One("pods.eks.amazonaws.com".into()),
                )])),
                action: OneOrMany::Many(vec!["sts:AssumeRole".into(), "sts:TagSession".into()]),
                resource: None,
                condition: cond,
            }]
        }
        Trust::Irsa { providers } => providers
            .iter()
            .map(|p| {
                let mut eq = BTreeMap::new();
                eq.insert(
                    format!("{}:sub", p.issuer),
                    OneOrMany::of(p.subjects.iter().cloned()),
                );
                eq.insert(
                    format!("{}:aud", p.issuer),
                    OneOrMany::One("sts.amazonaws.com".into()),
                );
                let sid: String = p.clusters.iter().map(|c| sid_part(c)).collect();
                StatementDoc {
                    sid: format!("Irsa{sid}"),
                    effect: "Allow",
                    principal: Some(BTreeMap::from([(
                        "Federated",
                        OneOrMany::One(p.provider_arn.clone()),
                    )])),
                    action: OneOrMany::One("sts:AssumeRoleWithWebIdentity".into()),
                    resource: None,
                    condition: BTreeMap::from([("StringEquals".to_string(), eq)]),
                }
            })
            .collect(),
    };
    PolicyDocument::new(statements)
}

/// `payments-api` → `PaymentsApi`
pub fn sid_part(s: &str) -> String {
    let mut out = String::new();
    let mut up = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if up { c.to_ascii_uppercase() } else { c });
            up = false;
        } else {
            up = true;
        }
    }
    out
}

fn statement_doc(s: &ir::Statement) -> StatementDoc {
    StatementDoc {
        sid: s.sid.clone(),
        effect: "Allow",
        principal: None,
        action: OneOrMany::of(s.actions.iter().cloned()),
        resource: Some(OneOrMany::of(s.resources.iter().cloned())),
        condition: condition(&s.conditions),
    }
}

/// Permissions policy documents of a role, split to fit the managed-policy size limit.
pub fn permission_policies(
    role: &ir::IamRole,
    limits: &Limits,
) -> Result<Vec<PolicyDocument>, Diag> {
    let mut docs: Vec<Vec<StatementDoc>> = Vec::new();
    let mut current: Vec<StatementDoc> = Vec::new();
    for s in &role.statements {
        let doc = statement_doc(s);
        let mut candidate = current.clone();
        candidate.push(doc.clone());
        if compact(&PolicyDocument::new(candidate.clone())).len() <= limits.managed_policy {
            current = candidate;
            continue;
        }
        let alone = compact(&PolicyDocument::new(vec![doc.clone()])).len();
        if alone > limits.managed_policy {
            let span = s.sources.first().copied().unwrap_or(role.origin.span);
            return Err(Diag::new(
                Code::E203,
                format!(
                    "statement `{}` of role `{}` is {alone} characters, over the managed-policy limit of {}",
                    s.sid, role.name, limits.managed_policy
                ),
            )
            .at(span)
            .label("this grant")
            .help("split the grant into several grants, or use fewer resources per grant"));
        }
        docs.push(std::mem::take(&mut current));
        current.push(doc);
    }
    if !current.is_empty() {
        docs.push(current);
    }
    if docs.len() > limits.policies_per_role {
        let sizes: Vec<String> = docs
            .iter()
            .map(|d| compact(&PolicyDocument::new(d.clone())).len().to_string())
            .collect();
        return Err(Diag::new(
            Code::E203,
            format!(
                "role `{}` ({}) needs {} managed policies, over the limit of {}",
                role.name,
                role.origin.what,
                docs.len(),
                limits.policies_per_role
            ),
        )
        .at(role.origin.span)
        .label("too many permissions for one role")
        .help(format!(
            "policy sizes: {} characters; use access-level grants or split the app",
            sizes.join(", ")
        )));
    }
    Ok(docs.into_iter().map(PolicyDocument::new).collect())
}

/// The description of a role (`create-role`, Terraform, templates).
pub fn role_description(role: &ir::IamRole) -> String {
    let kind = match role.identity {
        Identity::PodIdentity => "EKS Pod Identity",
        Identity::Irsa => "IRSA",
    };
    format!(
        "{kind} role for {} (generated by accessc)",
        role.origin.what
    )
}

/// One customer-managed permissions policy of a role: `NAME-policy`, `NAME-policy-2`, ….
#[derive(Clone, Debug)]
pub struct ManagedPolicy {
    /// Policy name.
    pub name: String,
    /// Policy ARN (with the role's path).
    pub arn: String,
    /// Description (with the `unsafe` reasons of its statements; at most 1,000 characters).
    pub description: String,
    /// The document.
    pub document: PolicyDocument,
}

/// The managed permissions policies of a role, split to fit the limits of its account, with
/// their names, ARNs and descriptions (`create-policy`, Terraform, templates).
pub fn managed_policies(role: &ir::IamRole) -> Result<Vec<ManagedPolicy>, Diag> {
    let docs = permission_policies(role, &role.limits)?;
    let count = docs.len();
    Ok(docs
        .into_iter()
        .enumerate()
        .map(|(i, doc)| {
            let name = format!("{}{}", role.policy_name(), suffix(i));
            let arn = format!(
                "arn:{}:iam::{}:policy{}{}",
                role.partition, role.account, role.path, name
            );
            let reasons: Vec<String> = role
                .statements
                .iter()
                .filter(|s| doc.statement.iter().any(|d| d.sid == s.sid))
                .flat_map(|s| {
                    s.unsafe_reasons
                        .iter()
                        .map(move |r| format!("{}: {r}", s.sid))
                })
                .collect();
            let mut description = if count > 1 {
                format!(
                    "Permissions of {} ({} of {count}, generated by accessc)",
                    role.origin.what,
                    i + 1
                )
            } else {
                format!("Permissions of {} (generated by accessc)", role.origin.what)
            };
            if !reasons.is_empty() {
                description.push_str(&format!("; unsafe: {}", reasons.join("; ")));
            }
            ManagedPolicy {
                name,
                arn,
                description: description.chars().take(1000).collect(),
                document: doc,
            }
        })
        .collect())
}

/// The managed policy document of a permission boundary.
pub fn boundary_policy(b: &ir::Boundary) -> PolicyDocument {
    let mut statements = Vec::new();
    for (i, (actions, resources)) in b.allow.iter().enumerate() {
        statements.push(StatementDoc {
            sid: format!("Allow{}", suffix_num(i, b.allow.len())),
            effect: "Allow",
            principal: None,
            action: OneOrMany::of(actions.iter().cloned()),
            resource: Some(OneOrMany::of(resources.iter().cloned())),
            condition: BTreeMap::new(),
        });
    }
    for (i, (actions, resources)) in b.deny.iter().enumerate() {
        statements.push(StatementDoc {
            sid: format!("Deny{}", suffix_num(i, b.deny.len())),
            effect: "Deny",
            principal: None,
            action: OneOrMany::of(actions.iter().cloned()),
            resource: Some(OneOrMany::of(resources.iter().cloned())),
            condition: BTreeMap::new(),
        });
    }
    PolicyDocument::new(statements)
}

fn suffix(i: usize) -> String {
    if i == 0 {
        String::new()
    } else {
        format!("-{}", i + 1)
    }
}

/// All IAM artifacts.
pub fn emit(ir: &Ir, out: &mut Vec<Artifact>, diags: &mut Vec<Diag>) {
    for role in &ir.roles {
        let dir = format!("aws/{}/roles/{}", role.account, role.name);
        let art = |name: &str, kind: &'static str, contents: String| Artifact {
            path: format!("{dir}/{name}"),
            kind,
            cluster: None,
            account: Some(role.account.clone()),
            sources: vec![role.origin.span],
            contents,
        };
        let limits = role.limits;
        let trust = trust_policy(role);
        let trust_compact = compact(&trust);
        if trust_compact.len() > limits.trust_policy {
            diags.push(
                Diag::new(
                    Code::E203,
                    format!(
                        "the trust policy of role `{}` is {} characters, over the limit of {}",
                        role.name,
                        trust_compact.len(),
                        limits.trust_policy
                    ),
                )
                .at(role.origin.span)
                .label("too many service accounts or clusters")
                .help("split the members over several shared roles, use Pod Identity (one statement for all clusters), or ask AWS to raise the quota"),
            );
            continue;
        }
        out.push(art("trust-policy.json", "iam-trust-policy", pretty(&trust)));
        out.push(art(
            "create-role.json",
            "aws-cli-iam-create-role",
            pretty(&CreateRole {
                role_name: role.name.clone(),
                path: role.path.clone(),
                assume_role_policy_document: trust_compact,
                description: role_description(role),
                max_session_duration: 3600,
                permissions_boundary: role.boundary.as_ref().map(|b| b.arn.clone()),
                tags: tags(&role.origin.what),
            }),
        ));
        let policies = match managed_policies(role) {
            Ok(p) => p,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        for (i, p) in policies.into_iter().enumerate() {
            let sfx = suffix(i);
            out.push(art(
                &format!("policy{sfx}.json"),
                "iam-policy",
                pretty(&p.document),
            ));
            out.push(art(
                &format!("create-policy{sfx}.json"),
                "aws-cli-iam-create-policy",
                pretty(&CreatePolicy {
                    policy_name: p.name,
                    path: role.path.clone(),
                    policy_document: compact(&p.document),
                    description: p.description,
                    tags: tags(&role.origin.what),
                }),
            ));
            out.push(art(
                &format!("attach-role-policy{sfx}.json"),
                "aws-cli-iam-attach-role-policy",
                pretty(&AttachRolePolicy {
                    role_name: role.name.clone(),
                    policy_arn: p.arn,
                }),
            ));
        }
    }
    for b in &ir.boundaries {
        let (account, name) = (&b.account, &b.name);
        let doc = boundary_policy(b);
        let dir = format!("aws/{account}/boundaries/{name}");
        let art = |file: &str, kind: &'static str, contents: String| Artifact {
            path: format!("{dir}/{file}"),
            kind,
            cluster: None,
            account: Some(account.clone()),
            sources: vec![b.span],
            contents,
        };
        out.push(art(
            "boundary-policy.json",
            "iam-boundary-policy",
            pretty(&doc),
        ));
        // Only the document: `aws iam create-policy --policy-name NAME --policy-document
        // file://boundary-policy.json` creates it (see the README).
    }
    emit_pod_identity(ir, out);
}

fn suffix_num(i: usize, n: usize) -> String {
    if n > 1 {
        (i + 1).to_string()
    } else {
        String::new()
    }
}

#[derive(Serialize)]
struct CreatePodIdentityAssociation {
    #[serde(rename = "clusterName")]
    cluster_name: String,
    namespace: String,
    #[serde(rename = "serviceAccount")]
    service_account: String,
    #[serde(rename = "roleArn")]
    role_arn: String,
    #[serde(
        rename = "disableSessionTags",
        skip_serializing_if = "std::ops::Not::not"
    )]
    disable_session_tags: bool,
    tags: BTreeMap<&'static str, String>,
}

fn emit_pod_identity(ir: &Ir, out: &mut Vec<Artifact>) {
    for a in &ir.pod_identity_associations {
        out.push(Artifact {
            path: format!(
                "clusters/{}/eks/pod-identity-associations/{}.{}.create-pod-identity-association.json",
                a.cluster, a.namespace, a.service_account
            ),
            kind: "aws-cli-eks-create-pod-identity-association",
            cluster: Some(a.cluster.clone()),
            account: ir.clusters.get(&a.cluster).map(|c| c.account.clone()),
            sources: vec![a.span],
            contents: pretty(&CreatePodIdentityAssociation {
                cluster_name: a.eks_name.clone(),
                namespace: a.namespace.clone(),
                service_account: a.service_account.clone(),
                role_arn: a.role_arn.clone(),
                disable_session_tags: a.disable_session_tags,
                tags: BTreeMap::from([
                    ("accessc-source", format!("app {}", a.app)),
                    ("managed-by", "accessc".to_string()),
                ]),
            }),
        });
    }
}

/// What declared a boundary, as its tags name it.
pub fn boundary_origin(b: &ir::Boundary) -> String {
    format!("boundary {}", b.name)
}

/// The description of a boundary's managed policy.
///
/// A boundary is written as its document (`boundary-policy.json`) and in Terraform, but not as
/// an `aws iam create-policy --cli-input-json` input: validators that judge a `CreatePolicy`
/// input read its document as an identity policy and fail a boundary's deliberate wildcards.
/// `aws iam create-policy --policy-name NAME --policy-document file://boundary-policy.json`
/// creates it (README, "What it produces").
pub fn boundary_description(b: &ir::Boundary) -> String {
    format!("Permission boundary {} (generated by accessc)", b.name)
}
