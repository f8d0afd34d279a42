//! IAM documents: trust policies, permissions policies, boundaries, and the
//! `aws iam … --cli-input-json` inputs that create them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::{
    escaped_len, render, to_pretty, to_pretty_and_compact_len, Json, OneOrMany, ToJson,
};
use super::layout::{policy_suffix, ArtifactPath, RoleFile};
use super::Artifact;
use crate::diagnostics::{Code, Diag};
use crate::ir::{self, sid_part, Identity, Ir, Trust};

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

impl ToJson for PolicyDocument {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("Version", self.version);
        w.key("Statement");
        w.begin_array();
        for s in &self.statement {
            w.elem();
            s.write_json(w);
        }
        w.end_array();
        w.end_object();
    }
}

impl ToJson for StatementDoc {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("Sid", &self.sid);
        w.str_member("Effect", self.effect);
        if let Some(principal) = &self.principal {
            w.key("Principal");
            w.begin_object();
            for (k, v) in principal {
                w.key(k);
                v.write_json(w);
            }
            w.end_object();
        }
        w.key("Action");
        self.action.write_json(w);
        if let Some(resource) = &self.resource {
            w.key("Resource");
            resource.write_json(w);
        }
        if !self.condition.is_empty() {
            w.key("Condition");
            w.begin_object();
            for (op, keys) in &self.condition {
                w.key(op);
                w.begin_object();
                for (k, v) in keys {
                    w.key(k);
                    v.write_json(w);
                }
                w.end_object();
            }
            w.end_object();
        }
        w.end_object();
    }
}

/// The compact length of a policy document of statements whose compact lengths add up to
/// `sum`: `{"Version":"2012-10-17","Statement":[` the statements, comma-separated, `]}`.
fn document_len(sum: usize, count: usize) -> usize {
    const EMPTY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;
    EMPTY.len() + sum + count.saturating_sub(1)
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

/// The tags of [`tags`] as a list of `Key`/`Value` objects.
fn write_tags(w: &mut Json<'_>, origin: &str) {
    w.begin_array();
    w.elem();
    w.begin_object();
    w.str_member("Key", "managed-by");
    w.str_member("Value", "accessc");
    w.end_object();
    w.elem();
    w.begin_object();
    w.str_member("Key", "accessc-source");
    w.str_member("Value", origin);
    w.end_object();
    w.end_array();
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

fn statement_doc(s: &ir::Statement) -> StatementDoc {
    StatementDoc {
        sid: s.sid.clone(),
        effect: s.effect(),
        principal: None,
        action: OneOrMany::of(s.actions.iter().cloned()),
        resource: Some(OneOrMany::of(s.resources.iter().cloned())),
        condition: condition(&s.conditions),
    }
}

/// A set of values as [`OneOrMany::of`] serialises it.
fn write_values(w: &mut Json<'_>, values: &std::collections::BTreeSet<String>) {
    match values.first() {
        Some(one) if values.len() == 1 => w.str(one),
        _ => w.str_array(values),
    }
}

/// A role's statement as its [`statement_doc`] serialises, written from the statement itself.
struct StatementText<'a>(&'a ir::Statement);

impl ToJson for StatementText<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        let s = self.0;
        w.begin_object();
        w.str_member("Sid", &s.sid);
        w.str_member("Effect", s.effect());
        w.key("Action");
        write_values(w, &s.actions);
        w.key("Resource");
        write_values(w, &s.resources);
        if !s.conditions.is_empty() {
            w.key("Condition");
            w.begin_object();
            for (op, keys) in &s.conditions {
                w.key(op);
                w.begin_object();
                for (k, v) in keys {
                    w.key(k);
                    write_values(w, v);
                }
                w.end_object();
            }
            w.end_object();
        }
        w.end_object();
    }
}

/// The length of [`write_values`]'s compact text.
fn values_len(values: &std::collections::BTreeSet<String>) -> usize {
    match values.first() {
        Some(one) if values.len() == 1 => escaped_len(one),
        _ => values.iter().map(|v| escaped_len(v)).sum::<usize>() + values.len().max(1) + 1,
    }
}

/// The length of a compact object's text, from its members' (`"key":value`) lengths.
fn object_len(members: impl Iterator<Item = usize>) -> usize {
    let (sum, count) = members.fold((0, 0), |(sum, count), len| (sum + len, count + 1));
    sum + usize::max(count, 1) + 1
}

/// The length of [`StatementText`]'s compact text, counted without writing it.
fn statement_len(s: &ir::Statement) -> usize {
    let member = |key: &str, value: usize| escaped_len(key) + 1 + value;
    let condition = (!s.conditions.is_empty()).then(|| {
        member(
            "Condition",
            object_len(s.conditions.iter().map(|(op, keys)| {
                member(
                    op,
                    object_len(keys.iter().map(|(k, v)| member(k, values_len(v)))),
                )
            })),
        )
    });
    object_len(
        [
            member("Sid", escaped_len(&s.sid)),
            member("Effect", escaped_len(s.effect())),
            member("Action", values_len(&s.actions)),
            member("Resource", values_len(&s.resources)),
        ]
        .into_iter()
        .chain(condition),
    )
}

/// The permissions policy document of consecutive statements of a role, as the
/// [`PolicyDocument`] of their [`statement_doc`]s serialises.
pub struct StatementsText<'a>(pub &'a [ir::Statement]);

impl ToJson for StatementsText<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("Version", "2012-10-17");
        w.key("Statement");
        w.begin_array();
        for s in self.0 {
            w.elem();
            StatementText(s).write_json(w);
        }
        w.end_array();
        w.end_object();
    }
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

/// Permissions policy documents of a role, split to fit the managed-policy size limit.
pub fn permission_policies(
    role: &ir::IamRole,
    limits: &Limits,
) -> Result<Vec<PolicyDocument>, Diag> {
    Ok(split(role, limits)?
        .into_iter()
        .map(|r| PolicyDocument::new(role.statements[r].iter().map(statement_doc).collect()))
        .collect())
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

/// [`ManagedPolicy`] with its statements as they are in the role (written with
/// [`StatementsText`], without building their [`PolicyDocument`]).
pub struct ManagedPolicyText<'a> {
    /// Policy name.
    pub name: String,
    /// Policy ARN (with the role's path).
    pub arn: String,
    /// Description.
    pub description: String,
    /// The statements of its document.
    pub statements: &'a [ir::Statement],
}

/// [`managed_policies`] without their documents: their statements.
pub fn managed_policy_texts(role: &ir::IamRole) -> Result<Vec<ManagedPolicyText<'_>>, Diag> {
    Ok(policy_texts(role, split(role, &role.limits)?))
}

/// [`managed_policy_texts`] of the parts `parts` of the role's statements.
fn policy_texts(
    role: &ir::IamRole,
    parts: Vec<std::ops::Range<usize>>,
) -> Vec<ManagedPolicyText<'_>> {
    let count = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, range)| {
            let statements = &role.statements[range];
            let name = format!("{}{}", role.policy_name(), suffix(i));
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
            ManagedPolicyText {
                name,
                arn,
                description,
                statements,
            }
        })
        .collect()
}

/// The managed permissions policies of a role, split to fit the limits of its account, with
/// their names, ARNs and descriptions (`create-policy`, Terraform, templates).
pub fn managed_policies(role: &ir::IamRole) -> Result<Vec<ManagedPolicy>, Diag> {
    Ok(managed_policy_texts(role)?
        .into_iter()
        .map(|p| ManagedPolicy {
            name: p.name,
            arn: p.arn,
            description: p.description,
            document: PolicyDocument::new(p.statements.iter().map(statement_doc).collect()),
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
    emit_pod_identity(ir, out);
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
    let (whole, whole_len) = to_pretty_and_compact_len(&StatementsText(&role.statements));
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
    for (i, p) in policy_texts(role, parts).into_iter().enumerate() {
        let sfx = policy_suffix(i);
        let document = StatementsText(p.statements);
        policies.push(art(
            RoleFile::Policy { suffix: &sfx },
            "iam-policy",
            whole.take().unwrap_or_else(|| to_pretty(&document)),
        ));
        create.push(art(
            RoleFile::CreatePolicy { suffix: &sfx },
            "aws-cli-iam-create-policy",
            render(true, |w| {
                w.begin_object();
                w.str_member("PolicyName", &p.name);
                w.str_member("Path", &role.path);
                w.key("PolicyDocument");
                w.embedded(&document);
                w.str_member("Description", &p.description);
                w.key("Tags");
                write_tags(w, &role.origin.what);
                w.end_object();
            }),
        ));
        attach.push(art(
            RoleFile::AttachRolePolicy { suffix: &sfx },
            "aws-cli-iam-attach-role-policy",
            render(true, |w| {
                w.begin_object();
                w.str_member("RoleName", &role.name);
                w.str_member("PolicyArn", &p.arn);
                w.end_object();
            }),
        ));
    }
    // In the order of their paths (the emitted artifacts are sorted by path: a sorted run is
    // checked, not sorted again).
    attach.into_iter().chain(create).for_each(|a| out.push(a));
    out.push(art(
        RoleFile::CreateRole,
        "aws-cli-iam-create-role",
        render(true, |w| {
            w.begin_object();
            w.str_member("RoleName", &role.name);
            w.str_member("Path", &role.path);
            w.key("AssumeRolePolicyDocument");
            w.embedded(&trust);
            w.str_member("Description", &role_description(role));
            w.key("MaxSessionDuration");
            w.u64(3600);
            if let Some(b) = &role.boundary {
                w.str_member("PermissionsBoundary", &b.arn);
            }
            w.key("Tags");
            write_tags(w, &role.origin.what);
            w.end_object();
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
            contents: render(true, |w| {
                w.begin_object();
                w.str_member("clusterName", &a.eks_name);
                w.str_member("namespace", &a.namespace);
                w.str_member("serviceAccount", &a.service_account);
                w.str_member("roleArn", &a.role_arn);
                if a.disable_session_tags {
                    w.key("disableSessionTags");
                    w.bool(true);
                }
                w.key("tags");
                w.begin_object();
                w.key("accessc-source");
                w.str_parts(&["app ", &a.app]);
                w.str_member("managed-by", "accessc");
                w.end_object();
                w.end_object();
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
    use crate::emit::json::{compact, pretty, to_compact};

    /// Every role of the examples: the documents written with [`Json`] are serde_json's text,
    /// and the split sizes are the documents' compact lengths.
    #[test]
    fn documents_are_serde_json_text() {
        let mut roles = 0;
        // The example programs, compiled in (emission reads no file, not even in its tests).
        macro_rules! example {
            ($path:literal) => {
                ($path, include_str!(concat!("../../", $path)))
            };
        }
        let programs: [&[(&str, &str)]; 2] = [
            &[
                example!("examples/multi-tenant/platform.access"),
                example!("examples/multi-tenant/resources.access"),
                example!("examples/multi-tenant/tenants.access"),
            ],
            &[
                example!("examples/access/break-glass.access"),
                example!("examples/access/clusters.access"),
                example!("examples/access/people.access"),
            ],
        ];
        for files in programs {
            let mut sources = crate::source::Sources::new();
            for (path, text) in files {
                sources.add(*path, *text);
            }
            let Some(ir) = crate::compile(&sources).ir else {
                continue;
            };
            for role in &ir.roles {
                roles += 1;
                let trust = trust_policy(role);
                assert_eq!(to_pretty(&trust), pretty(&trust));
                assert_eq!(to_compact(&trust), compact(&trust));
                let texts = managed_policy_texts(role).unwrap();
                let docs = managed_policies(role).unwrap();
                assert_eq!(texts.len(), docs.len());
                for (t, p) in texts.iter().zip(&docs) {
                    let text = StatementsText(t.statements);
                    assert_eq!(to_pretty(&text), pretty(&p.document));
                    assert_eq!(to_compact(&text), compact(&p.document));
                    assert_eq!(
                        (&t.name, &t.arn, &t.description),
                        (&p.name, &p.arn, &p.description)
                    );
                }
                for p in docs {
                    assert_eq!(to_pretty(&p.document), pretty(&p.document));
                    assert_eq!(to_compact(&p.document), compact(&p.document));
                    let sum: usize = p
                        .document
                        .statement
                        .iter()
                        .map(crate::emit::json::compact_len)
                        .sum();
                    assert_eq!(
                        document_len(sum, p.document.statement.len()),
                        compact(&p.document).len()
                    );
                }
            }
            for b in &ir.boundaries {
                let doc = boundary_policy(b);
                assert_eq!(to_pretty(&doc), pretty(&doc));
            }
        }
        assert!(roles > 0);
    }

    #[test]
    fn role_statements_are_written_as_their_documents() {
        let tricky = crate::emit::json::tests::tricky();
        let set = |n: usize| {
            tricky
                .iter()
                .take(n)
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
        };
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
            let doc = PolicyDocument::new(statements[..n].iter().map(statement_doc).collect());
            let text = StatementsText(&statements[..n]);
            for s in &statements[..n] {
                assert_eq!(statement_len(s), compact(&statement_doc(s)).len(), "{s:?}");
            }
            assert_eq!(to_pretty(&text), pretty(&doc));
            assert_eq!(to_compact(&text), compact(&doc));
        }
    }

    #[test]
    fn tricky_statements_are_serde_json_text() {
        let tricky = crate::emit::json::tests::tricky();
        let statement = |i: usize| StatementDoc {
            sid: tricky[i % tricky.len()].clone(),
            effect: "Allow",
            principal: (i % 2 == 0).then(|| {
                BTreeMap::from([
                    ("AWS", OneOrMany::Many(tricky.clone())),
                    ("Service", OneOrMany::One(tricky[i % tricky.len()].clone())),
                ])
            }),
            action: OneOrMany::of(tricky.iter().take(i).cloned()),
            resource: (i % 3 != 0).then(|| OneOrMany::Many(Vec::new())),
            condition: tricky
                .iter()
                .take(i % 4)
                .map(|k| {
                    (
                        k.clone(),
                        BTreeMap::from([(k.clone(), OneOrMany::One(k.clone()))]),
                    )
                })
                .collect(),
        };
        for n in 0..6 {
            let doc = PolicyDocument::new((0..n).map(statement).collect());
            assert_eq!(to_pretty(&doc), pretty(&doc));
            assert_eq!(to_compact(&doc), compact(&doc));
            let sum: usize = doc
                .statement
                .iter()
                .map(crate::emit::json::compact_len)
                .sum();
            assert_eq!(document_len(sum, n), compact(&doc).len());
        }
    }
}
