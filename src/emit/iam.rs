//! IAM documents: trust policies, permissions policies, boundaries, and the
//! `aws iam … --cli-input-json` inputs that create them.
//!
//! Each document is one typed model ([`PolicyDocument`], [`CreateRole`], …) serialised by
//! [`super::json`]; the size limits are measured on the same models ([`compact_len`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::json::{
    compact_len, escaped_len, to_pretty, to_pretty_and_compact_len, Embedded, OneOrMany, ValuesMap,
};
use super::layout::{policy_suffix, ArtifactPath, RoleFile};
use super::Artifact;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, sid_part, Identity, Ir, Trust};

pub use crate::ir::Limits;

/// Conditions: operator → key → values (each written as [`OneOrMany`] writes a set).
pub type Conditions = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// An IAM policy document. Its statements borrow what they can from the IR (`'static` when
/// they own every value: [`PolicyDocument::into_owned`]).
#[derive(Clone, Debug, Serialize)]
pub struct PolicyDocument<'a> {
    /// Always `2012-10-17`.
    #[serde(rename = "Version")]
    pub version: &'static str,
    /// Statements.
    #[serde(rename = "Statement")]
    pub statement: Vec<StatementDoc<'a>>,
}

/// A statement of a policy document.
#[derive(Clone, Debug, Serialize)]
pub struct StatementDoc<'a> {
    /// Sid.
    #[serde(rename = "Sid")]
    pub sid: Cow<'a, str>,
    /// Allow or Deny.
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    /// Principal (trust and resource policies).
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<&'static str, OneOrMany<'a>>>,
    /// Actions.
    #[serde(rename = "Action")]
    pub action: OneOrMany<'a>,
    /// Resources (absent in trust policies).
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    pub resource: Option<OneOrMany<'a>>,
    /// Conditions.
    #[serde(
        rename = "Condition",
        skip_serializing_if = "conditions_empty",
        serialize_with = "write_conditions"
    )]
    pub condition: Cow<'a, Conditions>,
}

// serde hands the field over as it is (a `&Cow`).
#[allow(clippy::ptr_arg)]
fn conditions_empty(c: &Cow<'_, Conditions>) -> bool {
    c.is_empty()
}

#[allow(clippy::ptr_arg)]
fn write_conditions<S: serde::Serializer>(
    c: &Cow<'_, Conditions>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(c.len()))?;
    for (op, keys) in c.iter() {
        map.serialize_entry(op, &ValuesMap(keys))?;
    }
    map.end()
}

impl<'a> PolicyDocument<'a> {
    /// A document of these statements.
    pub fn new(statement: Vec<StatementDoc<'a>>) -> Self {
        PolicyDocument {
            version: "2012-10-17",
            statement,
        }
    }

    /// The same document, owning its values (for a template's context).
    pub fn into_owned(self) -> PolicyDocument<'static> {
        PolicyDocument {
            version: self.version,
            statement: self
                .statement
                .into_iter()
                .map(|s| StatementDoc {
                    sid: Cow::Owned(s.sid.into_owned()),
                    effect: s.effect,
                    principal: s
                        .principal
                        .map(|p| p.into_iter().map(|(k, v)| (k, v.into_owned())).collect()),
                    action: s.action.into_owned(),
                    resource: s.resource.map(OneOrMany::into_owned),
                    condition: Cow::Owned(s.condition.into_owned()),
                })
                .collect(),
        }
    }
}

/// The compact length of a policy document of statements whose compact lengths add up to
/// `sum`: the document's text is its statements' texts, comma-separated, between the text of
/// the empty document's `[` and `]` (measured on the model: [`compact_len`]).
fn document_len(sum: usize, count: usize) -> usize {
    compact_len(&PolicyDocument::new(Vec::new())) + sum + count.saturating_sub(1)
}

/// A tag of a `create-role` or `create-policy` input.
#[derive(Clone, Debug, Serialize)]
struct Tag<'a> {
    #[serde(rename = "Key")]
    key: &'static str,
    #[serde(rename = "Value")]
    value: &'a str,
}

/// The tags accessc puts on what it creates, as a map (Terraform, templates): `accessc-source`
/// names the declaration, `managed-by` is `accessc`.
pub fn tag_map(origin: &str) -> BTreeMap<&'static str, String> {
    tags(origin)
        .into_iter()
        .map(|t| (t.key, t.value.to_string()))
        .collect()
}

fn tags(origin: &str) -> [Tag<'_>; 2] {
    [
        Tag {
            key: "managed-by",
            value: "accessc",
        },
        Tag {
            key: "accessc-source",
            value: origin,
        },
    ]
}

/// `aws iam create-role --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateRole<'a> {
    role_name: &'a str,
    path: &'a str,
    assume_role_policy_document: Embedded<&'a PolicyDocument<'a>>,
    description: String,
    max_session_duration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions_boundary: Option<&'a str>,
    tags: [Tag<'a>; 2],
}

/// `aws iam create-policy --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreatePolicy<'a> {
    policy_name: &'a str,
    path: &'a str,
    policy_document: Embedded<&'a PolicyDocument<'a>>,
    description: &'a str,
    tags: [Tag<'a>; 2],
}

/// `aws iam attach-role-policy --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AttachRolePolicy<'a> {
    role_name: &'a str,
    policy_arn: &'a str,
}

/// `aws eks create-pod-identity-association --cli-input-json`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatePodIdentityAssociation<'a> {
    cluster_name: &'a str,
    namespace: &'a str,
    service_account: &'a str,
    role_arn: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    disable_session_tags: bool,
    tags: BTreeMap<&'static str, String>,
}

/// The trust policy of a role.
pub fn trust_policy(role: &ir::IamRole) -> PolicyDocument<'_> {
    let one = |v: &str| BTreeSet::from([v.to_string()]);
    let statements = match &role.trust {
        Trust::PodIdentity {
            account,
            cluster_arns,
            orgs,
        } => {
            let mut cond = Conditions::new();
            cond.entry("ArnEquals".into())
                .or_default()
                .insert("aws:SourceArn".into(), cluster_arns.clone());
            let eq = cond.entry("StringEquals".into()).or_default();
            eq.insert("aws:SourceAccount".into(), one(account));
            if !orgs.is_empty() {
                eq.insert("aws:SourceOrgId".into(), orgs.clone());
            }
            vec![StatementDoc {
                sid: Cow::Borrowed("AllowEksPodIdentity"),
                effect: "Allow",
                principal: Some(BTreeMap::from([(
                    "Service",
                    OneOrMany::One(Cow::Borrowed("pods.eks.amazonaws.com")),
                )])),
                action: OneOrMany::Many(vec!["sts:AssumeRole".into(), "sts:TagSession".into()]),
                resource: None,
                condition: Cow::Owned(cond),
            }]
        }
        Trust::Irsa { providers } => providers
            .iter()
            .map(|p| {
                let mut eq = BTreeMap::new();
                eq.insert(format!("{}:sub", p.issuer), p.subjects.clone());
                eq.insert(format!("{}:aud", p.issuer), one("sts.amazonaws.com"));
                let sid: String = p.clusters.iter().map(|c| sid_part(c)).collect();
                StatementDoc {
                    sid: Cow::Owned(format!("Irsa{sid}")),
                    effect: "Allow",
                    principal: Some(BTreeMap::from([(
                        "Federated",
                        OneOrMany::One(Cow::Borrowed(p.provider_arn.as_str())),
                    )])),
                    action: OneOrMany::One(Cow::Borrowed("sts:AssumeRoleWithWebIdentity")),
                    resource: None,
                    condition: Cow::Owned(BTreeMap::from([("StringEquals".to_string(), eq)])),
                }
            })
            .collect(),
    };
    PolicyDocument::new(statements)
}

/// A role's statement in its document: every value borrowed from the IR.
fn statement_doc(s: &ir::Statement) -> StatementDoc<'_> {
    StatementDoc {
        sid: Cow::Borrowed(&s.sid),
        effect: s.effect(),
        principal: None,
        action: OneOrMany::Set(&s.actions),
        resource: Some(OneOrMany::Set(&s.resources)),
        condition: Cow::Borrowed(&s.conditions),
    }
}

/// The permissions policy document of consecutive statements of a role.
fn statements_document(statements: &[ir::Statement]) -> PolicyDocument<'_> {
    PolicyDocument::new(statements.iter().map(statement_doc).collect())
}

/// The compact length of a role's statement in its document.
fn statement_len(s: &ir::Statement) -> usize {
    compact_len(&statement_doc(s))
}

/// A role's statements split to fit the managed-policy size limit: consecutive runs.
fn split(role: &ir::IamRole, limits: &Limits) -> Result<Vec<std::ops::Range<usize>>, Diag> {
    // Sizes from each statement's compact length, computed once: a document's text is its
    // statements' texts between a fixed prefix and suffix.
    let mut parts = Vec::new();
    let (mut start, mut current_sum) = (0, 0);
    for (i, s) in role.statements.iter().enumerate() {
        let len = statement_len(s);
        if document_len(current_sum + len, i - start + 1) <= limits.managed_policy {
            current_sum += len;
            continue;
        }
        // With no statement before it, the candidate was the statement alone.
        let alone = document_len(len, 1);
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
            .help(statement_help(s, alone, limits)));
        }
        parts.push(start..i);
        start = i;
        current_sum = len;
    }
    if start < role.statements.len() {
        parts.push(start..role.statements.len());
    }
    if parts.len() > limits.policies_per_role {
        return Err(Diag::new(
            Code::E203,
            format!(
                "role `{}` ({}) needs {} managed policies, over the limit of {}",
                role.name,
                role.origin.what,
                parts.len(),
                limits.policies_per_role
            ),
        )
        .at(role.origin.span)
        .label("too many permissions for one role")
        .help(policies_help(role, limits)));
    }
    Ok(parts)
}

/// `cluster `a`` or `clusters `a`, `b``: where a role's members run (its limits' settings).
fn clusters_of(role: &ir::IamRole) -> String {
    let names: std::collections::BTreeSet<&str> =
        role.members.iter().map(|m| m.cluster.as_str()).collect();
    let list: Vec<String> = names.iter().map(|c| format!("`{c}`")).collect();
    match list.len() {
        0 => "its cluster".into(),
        1 => format!("cluster {}", list[0]),
        _ => format!("clusters {}", list.join(", ")),
    }
}

/// E203 help for a trust policy over its limit: what makes it shorter for this role.
fn trust_help(role: &ir::IamRole) -> String {
    let shorter = match (role.identity, role.origin.what.starts_with("role ")) {
        (Identity::Irsa, true) => "split the members over several shared roles, or use `identity = pod_identity` (its trust policy names no service account or cluster)",
        (Identity::Irsa, false) => "use `identity = pod_identity` (its trust policy names no service account or cluster)",
        (Identity::PodIdentity, true) => "split the members over several shared roles on fewer clusters",
        (Identity::PodIdentity, false) => "put the app on fewer clusters",
    };
    format!(
        "{shorter}; where AWS raised the account's quota, set `max_trust_policy` to it on {}",
        clusters_of(role)
    )
}

/// E203 help for one statement over the managed-policy limit: its actions or its resources,
/// whichever makes it large, are what to reduce.
fn statement_help(s: &ir::Statement, alone: usize, limits: &Limits) -> String {
    let actions: usize = s.actions.iter().map(|a| escaped_len(a) + 1).sum();
    let resources: usize = s.resources.iter().map(|r| escaped_len(r) + 1).sum();
    let room = limits
        .managed_policy
        .saturating_sub(alone.saturating_sub(resources));
    if resources >= actions && room > 0 {
        format!(
            "its {} resources are {resources} characters: split them over at least {} grants (each list of ARNs is a statement of its own), or cover them with a pattern where every resource it matches may be reached",
            s.resources.len(),
            resources.div_ceil(room).max(2)
        )
    } else {
        format!(
            "its {} actions are {actions} characters, and grants on the same resources under the same conditions are one statement, so splitting the grant does not help: name fewer actions, or a wildcard that matches only what is meant (an access level expands to every action of the level); a managed policy holds {} characters",
            s.actions.len(),
            limits.managed_policy
        )
    }
}

/// E203 help for a role that needs more managed policies than it may have: its statements
/// are one per set of resources and conditions, so fewer sets, fewer resources, or another
/// role make it fit.
fn policies_help(role: &ir::IamRole, limits: &Limits) -> String {
    // The statements that give the same actions under the same conditions: one grant could
    // name all their resources (statements over half a policy already fill one each).
    let mut same: BTreeMap<_, usize> = BTreeMap::new();
    for s in role
        .statements
        .iter()
        .filter(|s| statement_len(s) <= limits.managed_policy / 2)
    {
        *same.entry((&s.actions, &s.conditions)).or_default() += 1;
    }
    let mergeable: usize = same.values().filter(|&&n| n > 1).sum();
    let arns: usize = role
        .statements
        .iter()
        .flat_map(|s| &s.resources)
        .map(|r| escaped_len(r) + 1)
        .sum();
    let capacity = limits.managed_policy * limits.policies_per_role;
    let mut help = format!(
        "each set of resources and conditions is a statement; this role's {} statements need more than {} policies of {} characters",
        role.statements.len(),
        limits.policies_per_role,
        limits.managed_policy
    );
    if arns > capacity {
        help.push_str(&format!(
            ". Their ARNs alone are {arns} characters, more than {} policies hold",
            limits.policies_per_role
        ));
    } else if mergeable > 1 {
        help.push_str(&format!(
            ". {mergeable} of them give the same actions under the same conditions: grants that name their ARNs together (up to {} characters a grant) are fewer statements",
            limits.managed_policy
        ));
    }
    help.push_str(&format!(
        ". Cover resources with a pattern where every resource it matches may be reached, move part of the grants to another app (a role of its own), or, where AWS raised the account's quota of policies per role, set `max_managed_policies` to it on {}",
        clusters_of(role)
    ));
    help
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
pub struct ManagedPolicy<'a> {
    /// Policy name.
    pub name: String,
    /// Policy ARN (with the role's path).
    pub arn: String,
    /// Description (with the `unsafe` reasons of its statements; at most 1,000 characters).
    pub description: String,
    /// The document (its statements borrowed from the role).
    pub document: PolicyDocument<'a>,
}

/// [`managed_policies`], their documents borrowing the role's statements.
pub fn managed_policy_texts(role: &ir::IamRole) -> Result<Vec<ManagedPolicy<'_>>, Diag> {
    Ok(policy_texts(role, split(role, &role.limits)?))
}

/// The managed policies of the parts `parts` of the role's statements.
fn policy_texts(role: &ir::IamRole, parts: Vec<std::ops::Range<usize>>) -> Vec<ManagedPolicy<'_>> {
    let count = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let statements = &role.statements[range];
            let name = format!("{}{}", role.policy_name(), policy_suffix(i));
            let arn = format!(
                "arn:{}:iam::{}:policy{}{}",
                role.partition, role.account, role.path, name
            );
            let reasons: Vec<String> = role
                .statements
                .iter()
                .filter(|s| statements.iter().any(|d| d.sid == s.sid))
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
            if description.len() > 1000 {
                description = description.chars().take(1000).collect();
            }
            ManagedPolicy {
                name,
                arn,
                description,
                document: statements_document(statements),
            }
        })
        .collect()
}

/// The managed permissions policies of a role, split to fit the limits of its account, with
/// their names, ARNs and descriptions (`create-policy`, Terraform, templates), owning their
/// documents.
pub fn managed_policies(role: &ir::IamRole) -> Result<Vec<ManagedPolicy<'static>>, Diag> {
    Ok(managed_policy_texts(role)?
        .into_iter()
        .map(|p| ManagedPolicy {
            name: p.name,
            arn: p.arn,
            description: p.description,
            document: p.document.into_owned(),
        })
        .collect())
}

/// The managed policy document of a permission boundary.
pub fn boundary_policy(b: &ir::Boundary) -> PolicyDocument<'_> {
    let mut statements = Vec::new();
    for (effect, list) in [("Allow", &b.allow), ("Deny", &b.deny)] {
        for (i, (actions, resources)) in list.iter().enumerate() {
            statements.push(StatementDoc {
                sid: Cow::Owned(format!("{effect}{}", suffix_num(i, list.len()))),
                effect,
                principal: None,
                action: OneOrMany::Set(actions),
                resource: Some(OneOrMany::Set(resources)),
                condition: Cow::Owned(Conditions::new()),
            });
        }
    }
    PolicyDocument::new(statements)
}

/// All IAM artifacts.
pub fn emit<T: Send + Sync, E: Send + Sync>(
    ir: &Ir,
    out: &mut super::out::Out<'_, T, E>,
    diags: &mut Vec<Diag>,
) {
    // Roles are independent: a large program's are written on several threads, a run of
    // roles each, and gathered in role order (artifacts and diagnostics as on one thread).
    let done = crate::par::map(
        &ir.roles,
        |role| 1 + role.statements.len(),
        512,
        |role| {
            let (mut o, mut d) = (out.sibling(), Vec::new());
            emit_role(role, &mut o, &mut d);
            (o, d)
        },
    );
    for (o, d) in done {
        out.append(o);
        diags.extend(d);
    }
    for b in &ir.boundaries {
        let (account, name) = (&b.account, &b.name);
        let doc = boundary_policy(b);
        out.push(Artifact {
            path: ArtifactPath::Boundary { account, name }.render(),
            kind: "iam-boundary-policy",
            cluster: None,
            account: Some(account.clone()),
            sources: vec![b.span],
            contents: to_pretty(&doc),
        });
        // Only the document: `aws iam create-policy --policy-name NAME --policy-document
        // file://boundary-policy.json` creates it (see the README).
    }
    for c in ir.clusters.values().filter(|c| c.oidc_provider.is_some()) {
        let Some(issuer) = c.oidc.as_deref() else {
            continue;
        };
        let origin = format!("cluster {}", c.name);
        out.push(Artifact {
            path: ArtifactPath::OidcProvider {
                account: &c.account,
                cluster: &c.name,
            }
            .render(),
            kind: "aws-cli-iam-create-open-id-connect-provider",
            cluster: Some(c.name.clone()),
            account: Some(c.account.clone()),
            sources: vec![c.oidc_provider.unwrap_or(c.span)],
            contents: to_pretty(&CreateOidcProvider {
                url: format!("https://{issuer}"),
                client_id_list: [OIDC_AUDIENCE],
                tags: tags(&origin),
            }),
        });
    }
    emit_pod_identity(ir, out);
}

/// The audience of the tokens IRSA exchanges: the client ID of every managed OIDC provider.
pub const OIDC_AUDIENCE: &str = "sts.amazonaws.com";

/// `aws iam create-open-id-connect-provider --cli-input-json`. No `ThumbprintList`: IAM no
/// longer needs one for an EKS issuer (it verifies the issuer's certificate with its own
/// trusted CAs, and fetches a thumbprint itself when none is given).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CreateOidcProvider<'a> {
    url: String,
    #[serde(rename = "ClientIDList")]
    client_id_list: [&'static str; 1],
    tags: [Tag<'a>; 2],
}

/// The trust policy, permissions policies and CLI inputs of one role (or the errors of the
/// size limits).
fn emit_role<T, E>(role: &ir::IamRole, out: &mut super::out::Out<'_, T, E>, diags: &mut Vec<Diag>) {
    let art = |file: RoleFile<'_>, kind: &'static str, contents: String| Artifact {
        path: ArtifactPath::Role {
            account: &role.account,
            role: &role.name,
            file,
        }
        .render(),
        kind,
        cluster: None,
        account: Some(role.account.clone()),
        sources: vec![role.origin.span],
        contents,
    };
    let limits = role.limits;
    let trust = trust_policy(role);
    // Its text, and its compact length (which the limit counts), from one writing.
    let (trust_text, trust_len) = to_pretty_and_compact_len(&trust);
    if trust_len > limits.trust_policy {
        diags.push(
            Diag::new(
                Code::E203,
                format!(
                    "the trust policy of role `{}` is {} characters, over the limit of {}",
                    role.name, trust_len, limits.trust_policy
                ),
            )
            .at(role.origin.span)
            .label("too many service accounts or clusters")
            .help(trust_help(role)),
        );
        return;
    }
    // The whole document, and its compact length (which the managed-policy limit counts):
    // nearly every role's fits in one policy, whose text this is, without sizing each statement.
    let (whole, whole_len) = to_pretty_and_compact_len(&statements_document(&role.statements));
    let parts = if !role.statements.is_empty()
        && limits.policies_per_role >= 1
        && whole_len <= limits.managed_policy
    {
        std::iter::once(0..role.statements.len()).collect()
    } else {
        match split(role, &limits) {
            Ok(p) => p,
            Err(d) => {
                diags.push(d);
                return;
            }
        }
    };
    let mut whole = (parts.len() == 1).then_some(whole);
    let (mut attach, mut create, mut policies) = (Vec::new(), Vec::new(), Vec::new());
    let tags = tags(&role.origin.what);
    for (i, p) in policy_texts(role, parts).into_iter().enumerate() {
        let sfx = policy_suffix(i);
        policies.push(art(
            RoleFile::Policy { suffix: &sfx },
            "iam-policy",
            whole.take().unwrap_or_else(|| to_pretty(&p.document)),
        ));
        create.push(art(
            RoleFile::CreatePolicy { suffix: &sfx },
            "aws-cli-iam-create-policy",
            to_pretty(&CreatePolicy {
                policy_name: &p.name,
                path: &role.path,
                policy_document: Embedded(&p.document),
                description: &p.description,
                tags: tags.clone(),
            }),
        ));
        attach.push(art(
            RoleFile::AttachRolePolicy { suffix: &sfx },
            "aws-cli-iam-attach-role-policy",
            to_pretty(&AttachRolePolicy {
                role_name: &role.name,
                policy_arn: &p.arn,
            }),
        ));
    }
    // In the order of their paths (the emitted artifacts are sorted by path: a sorted run is
    // checked, not sorted again).
    attach.into_iter().chain(create).for_each(|a| out.push(a));
    out.push(art(
        RoleFile::CreateRole,
        "aws-cli-iam-create-role",
        to_pretty(&CreateRole {
            role_name: &role.name,
            path: &role.path,
            assume_role_policy_document: Embedded(&trust),
            description: role_description(role),
            max_session_duration: 3600,
            permissions_boundary: role.boundary.as_ref().map(|b| b.arn.as_str()),
            tags,
        }),
    ));
    policies.into_iter().for_each(|a| out.push(a));
    out.push(art(RoleFile::TrustPolicy, "iam-trust-policy", trust_text));
}

fn suffix_num(i: usize, n: usize) -> String {
    if n > 1 {
        (i + 1).to_string()
    } else {
        String::new()
    }
}

fn emit_pod_identity<T, E>(ir: &Ir, out: &mut super::out::Out<'_, T, E>) {
    for a in &ir.pod_identity_associations {
        out.push(Artifact {
            path: ArtifactPath::PodIdentityAssociation {
                cluster: &a.cluster,
                namespace: &a.namespace,
                service_account: Some(&a.service_account),
            }
            .render(),
            kind: "aws-cli-eks-create-pod-identity-association",
            cluster: Some(a.cluster.clone()),
            account: ir.clusters.get(&a.cluster).map(|c| c.account.clone()),
            sources: vec![a.span],
            contents: to_pretty(&CreatePodIdentityAssociation {
                cluster_name: &a.eks_name,
                namespace: &a.namespace,
                service_account: &a.service_account,
                role_arn: &a.role_arn,
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
/// creates it (docs/output.md).
pub fn boundary_description(b: &ir::Boundary) -> String {
    format!("Permission boundary {} (generated by accessc)", b.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::json::to_compact;

    /// A policy's text read back is the model's value.
    fn reads_back(text: &str, doc: &PolicyDocument<'_>) {
        let back: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, serde_json::to_value(doc).unwrap());
    }

    #[test]
    fn role_statements_are_measured_on_their_documents() {
        let tricky = crate::emit::json::tests::tricky();
        let set = |n: usize| tricky.iter().take(n).cloned().collect::<BTreeSet<_>>();
        let statements: Vec<ir::Statement> = (0..8)
            .map(|i| ir::Statement {
                sid: tricky[i % tricky.len()].clone(),
                actions: set(i % 3),
                resources: set((i + 1) % 3),
                conditions: (0..i % 3)
                    .map(|j| {
                        (
                            tricky[j].clone(),
                            (0..i % 4)
                                .map(|k| (tricky[k + 1].clone(), set(k)))
                                .collect(),
                        )
                    })
                    .collect(),
                deny: i % 5 == 4,
                unsafe_reasons: Default::default(),
                sources: Vec::new(),
                origins: Default::default(),
            })
            .collect();
        for n in 0..=statements.len() {
            let doc = statements_document(&statements[..n]);
            let sum: usize = statements[..n].iter().map(statement_len).sum();
            assert_eq!(document_len(sum, n), to_compact(&doc).len());
            let (text, len) = to_pretty_and_compact_len(&doc);
            assert_eq!(len, to_compact(&doc).len());
            reads_back(&text, &doc);
            reads_back(&to_compact(&doc), &doc);
            // The owned copy (templates) is the same document.
            assert_eq!(to_compact(&doc.clone().into_owned()), to_compact(&doc));
        }
    }

    #[test]
    fn one_value_is_a_string_and_several_a_list() {
        let s = ir::Statement {
            sid: "S3".into(),
            actions: BTreeSet::from(["s3:GetObject".to_string()]),
            resources: BTreeSet::from(["arn:a".to_string(), "arn:b".to_string()]),
            conditions: Conditions::new(),
            deny: false,
            unsafe_reasons: Default::default(),
            sources: Vec::new(),
            origins: Default::default(),
        };
        assert_eq!(
            to_compact(&statements_document(std::slice::from_ref(&s))),
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:a","arn:b"]}]}"#
        );
    }
}
