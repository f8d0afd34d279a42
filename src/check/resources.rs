//! `resource "ARN" { LEVEL | allow … by NS/APP, … }`: how apps are admitted, and what AWS decides
//! (`lower::resources` writes the resource-based policies).
//!
//! Pod Identity apps are admitted as the guide's S3 example does: `Principal` the account root of
//! the app's role, with `StringEquals` on `aws:PrincipalTag/eks-cluster-arn`,
//! `kubernetes-namespace` and `kubernetes-service-account` (service accounts are unique only
//! within a namespace, namespaces only within a cluster). IRSA apps are admitted by their role
//! ARN. A KMS key policy keeps the account-root statement that lets IAM policies work, so that
//! `put-key-policy` cannot lock the key's owners out.
//!
//! A grant works on its own: each admitted app's role also gets the identity statement for
//! exactly that resource (`lower::resources`), since a policy that admits an account root only delegates
//! to IAM and, across accounts, AWS asks both sides. [`check_admitted`] warns of the converse
//! (W211), and [`cross_account`] / [`admits`] tell `explain` and `who-can` what AWS decides.

use std::collections::{BTreeMap, BTreeSet};

use crate::ast::Span;
use crate::diagnostics::{Code, Diag};
use crate::ir::{Cluster, IamRole, Identity, Ir, Member, ResourceKind, ResourcePolicy};

use super::values;

/// The condition keys accessc writes itself to admit a Pod Identity app (with `StringEquals`):
/// a user condition on one of them is refused (E216) — merged into the same `StringEquals` it
/// would be one more allowed value (IAM ORs the values of a key), widening who is admitted;
/// user conditions on every other key are ANDed with these.
pub const IDENTITY_KEYS: &[&str] = &[
    "aws:PrincipalTag/eks-cluster-arn",
    "aws:PrincipalTag/kubernetes-namespace",
    "aws:PrincipalTag/kubernetes-service-account",
];

/// What kind of resource an ARN is, and its name.
pub(crate) fn classify(arn: &values::Arn<'_>) -> Option<(ResourceKind, String)> {
    let r = arn.resource;
    match arn.service {
        "s3" if !r.contains('/') && !r.contains('*') => {
            Some((ResourceKind::S3Bucket, r.to_string()))
        }
        "kms" => r
            .strip_prefix("key/")
            .map(|k| (ResourceKind::KmsKey, k.to_string())),
        "sqs" if !r.contains(['/', ':']) => Some((ResourceKind::SqsQueue, r.to_string())),
        "sns" if !r.contains(['/', ':']) => Some((ResourceKind::SnsTopic, r.to_string())),
        "secretsmanager" => r
            .strip_prefix("secret:")
            .map(|k| (ResourceKind::Secret, k.to_string())),
        "ecr" => r
            .strip_prefix("repository/")
            .map(|k| (ResourceKind::EcrRepository, k.to_string())),
        _ => None,
    }
}

/// The account-root principal `arn:PARTITION:iam::ACCOUNT:root`, only for a concrete
/// 12-digit account: never `arn:aws:iam::*:root` or an empty account.
pub fn account_root(partition: &str, account: &str) -> Option<String> {
    values::account(account).ok()?;
    if partition.is_empty()
        || !partition
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-')
    {
        return None;
    }
    Some(format!("arn:{partition}:iam::{account}:root"))
}

pub(crate) fn syms_has_app(ir: &Ir, key: &str) -> bool {
    ir.service_accounts.iter().any(|sa| sa.app == key)
}

/// The value a Pod Identity session tag of a member carries (`aws:PrincipalTag/…`, in any
/// case), for the four tags EKS sets.
pub fn member_tag(ir: &Ir, m: &Member, key: &str) -> Option<String> {
    let cluster = ir.clusters.get(&m.cluster);
    match key.to_ascii_lowercase().as_str() {
        "aws:principaltag/kubernetes-namespace" => Some(m.namespace.clone()),
        "aws:principaltag/kubernetes-service-account" => Some(m.service_account.clone()),
        "aws:principaltag/eks-cluster-name" => cluster.map(|c| c.eks_name.clone()),
        "aws:principaltag/eks-cluster-arn" => cluster.map(Cluster::arn),
        _ => None,
    }
}

/// Whether a statement's `StringEquals` on Pod Identity session tags can hold for a member of
/// its role (`None`: no member known, or IRSA, where EKS sets no tags; conditions on other
/// keys depend on the request and are taken as met).
pub fn tags_admit(
    ir: &Ir,
    conditions: &BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    identity: Identity,
    member: Option<&Member>,
) -> bool {
    let Some(eq) = conditions.get("StringEquals") else {
        return true;
    };
    eq.iter()
        .filter(|(k, _)| k.to_ascii_lowercase().starts_with("aws:principaltag/"))
        .all(|(k, values)| match (identity, member) {
            (Identity::PodIdentity, Some(m)) => {
                member_tag(ir, m, k).is_none_or(|v| values.contains(&v))
            }
            (Identity::PodIdentity, None) => true,
            // No session tags: a condition on one never holds.
            (Identity::Irsa, _) => !is_session_tag(k),
        })
}

/// Whether a key is one of the session tags EKS Pod Identity sets.
fn is_session_tag(key: &str) -> bool {
    [
        "aws:principaltag/kubernetes-namespace",
        "aws:principaltag/kubernetes-service-account",
        "aws:principaltag/eks-cluster-name",
        "aws:principaltag/eks-cluster-arn",
    ]
    .contains(&key.to_ascii_lowercase().as_str())
}

/// Whether a resource policy speaks of a resource: its own ARN, or (a bucket) an object of it.
pub fn covers(p: &ResourcePolicy, resource: &str) -> bool {
    resource == p.arn
        || (p.kind == ResourceKind::S3Bucket
            && resource
                .strip_prefix(p.arn.as_str())
                .is_some_and(|rest| rest.starts_with('/')))
}

/// The declared resource policy AWS also asks for when `role` acts on `resource`: one of a
/// resource in another account than the role's (within one account the identity policy is
/// enough). A bucket's ARN usually names no account, so its owner is not known: none.
pub fn cross_account<'a>(ir: &'a Ir, role: &IamRole, resource: &str) -> Option<&'a ResourcePolicy> {
    ir.resource_policies
        .iter()
        .find(|p| !p.account.is_empty() && p.account != role.account && covers(p, resource))
}

/// Whether a resource policy admits a member of `role` (None: the role as a whole) to
/// `action` on `resource`: a statement with the action and the resource whose principal is
/// the role, or the root of its account with session tags the member carries.
pub fn admits(
    ir: &Ir,
    p: &ResourcePolicy,
    role: &IamRole,
    member: Option<&Member>,
    action: &str,
    resource: &str,
) -> bool {
    let role_arn = role.arn();
    let root = account_root(&role.partition, &role.account);
    p.statements.iter().any(|st| {
        let principal = st
            .principals
            .iter()
            .any(|x| *x == role_arn || Some(x) == root.as_ref());
        let action_ok = st
            .actions
            .iter()
            .any(|a| super::boundary::glob(a, action, true));
        let resource_ok = if st.resources.is_empty() || st.resources.contains("*") {
            covers(p, resource)
        } else {
            st.resources
                .iter()
                .any(|r| super::boundary::glob(r, resource, false) || r == resource)
        };
        principal
            && action_ok
            && resource_ok
            && tags_admit(ir, &st.conditions, role.identity, member)
    })
}

/// W211: a role's grant on a resource of another account whose declared resource policy does
/// not admit the app, for some of the granted actions (AWS asks both sides across accounts).
pub fn check_admitted(ir: &Ir, diags: &mut Vec<Diag>) {
    if ir.resource_policies.is_empty() {
        return;
    }
    // The policies by ARN: a statement's resource is one, or (a bucket's) an object of one.
    let by_arn: std::collections::HashMap<&str, usize> = ir
        .resource_policies
        .iter()
        .enumerate()
        .map(|(i, p)| (p.arn.as_str(), i))
        .collect();
    for role in &ir.roles {
        // (grant, policy, app) -> actions
        let mut findings: BTreeMap<(Span, usize, String), BTreeSet<String>> = BTreeMap::new();
        for s in role.statements.iter().filter(|s| !s.deny) {
            for r in &s.resources {
                let bucket = r.split_once('/').map_or(r.as_str(), |(b, _)| b);
                let Some(pi) = by_arn
                    .get(r.as_str())
                    .or_else(|| by_arn.get(bucket))
                    .copied()
                else {
                    continue;
                };
                let p = &ir.resource_policies[pi];
                if p.account.is_empty() || p.account == role.account || !covers(p, r) {
                    continue;
                }
                let members: Vec<Option<&Member>> = if role.members.is_empty() {
                    vec![None]
                } else {
                    role.members.iter().map(Some).collect()
                };
                for m in members {
                    if !tags_admit(ir, &s.conditions, role.identity, m) {
                        continue;
                    }
                    for (action, spans) in &s.origins {
                        if admits(ir, p, role, m, action, r) {
                            continue;
                        }
                        let app = m
                            .map_or_else(|| role.origin.what.clone(), |m| format!("app {}", m.app));
                        for span in spans {
                            findings
                                .entry((*span, pi, app.clone()))
                                .or_default()
                                .insert(action.clone());
                        }
                    }
                }
            }
        }
        for ((span, pi, app), actions) in findings {
            let p = &ir.resource_policies[pi];
            let list: Vec<String> = actions.iter().take(5).map(|a| format!("`{a}`")).collect();
            let more = if actions.len() > 5 {
                format!(" and {} more", actions.len() - 5)
            } else {
                String::new()
            };
            let by = app.strip_prefix("app ").unwrap_or(&app);
            diags.push(
                Diag::new(
                    Code::W211,
                    format!(
                        "the policy of `{}` (account {}) does not admit {app} to {}{more}, granted to role `{}`",
                        p.arn,
                        p.account,
                        list.join(", "),
                        role.name
                    ),
                )
                .at(span)
                .label("AWS will deny this")
                .related(p.span, "the resource's policy")
                .help(format!(
                    "across accounts AWS needs both the role's policy and the resource's: admit it in the resource's policy (`allow {} by {by}`), or drop the grant",
                    actions.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
}

/// The target of a `resource` declaration, checked: its ARN names one resource (E213 if it
/// has a wildcard or lacks the region or account) of a kind accessc writes a policy for (E213
/// if not). `None` also when the ARN does not parse (reported with the other references).
pub(crate) fn target(
    decl: &crate::ast::ResourceDecl,
    diags: &mut Vec<Diag>,
) -> Option<(ResourceKind, String)> {
    let arn_text = &decl.arn.node;
    let arn = values::arn(arn_text).ok()?; // malformed ARNs are reported by `other_references`
    let Some((kind, name)) = classify(&arn) else {
        diags.push(
            Diag::new(Code::E213, format!("accessc writes no resource policy for `{arn_text}`"))
                .at(decl.arn.span)
                .label("unsupported resource")
                .help("resource policies are written for S3 buckets (\"arn:aws:s3:::bucket\"), KMS keys, SQS queues, SNS topics, Secrets Manager secrets and ECR repositories"),
        );
        return None;
    };
    // A resource policy belongs to one resource of one account: its ARN names both (the
    // key policy's owner statement is derived from the account).
    let concrete = if arn_text.contains(['*', '?']) {
        Err("names no single resource: it has a wildcard".to_string())
    } else if (kind == ResourceKind::S3Bucket && !arn.account.is_empty())
        && values::account(arn.account).is_err()
    {
        // A bucket's ARN names no account; one that names something else than an account
        // would reach the output's folder names.
        Err(format!(
            "names `{}` as its account, which is not 12 digits",
            arn.account
        ))
    } else if (kind == ResourceKind::S3Bucket && !arn.region.is_empty())
        && values::region(arn.region).is_err()
    {
        Err(format!(
            "names `{}` as its region, which is not a region",
            arn.region
        ))
    } else if kind != ResourceKind::S3Bucket && values::region(arn.region).is_err() {
        Err(if arn.region.is_empty() {
            "does not name the resource's region".to_string()
        } else {
            format!(
                "does not name the resource's region (`{}` is not a region)",
                arn.region
            )
        })
    } else if kind != ResourceKind::S3Bucket && values::account(arn.account).is_err() {
        Err(if arn.account.is_empty() {
            "does not name the resource's account".to_string()
        } else {
            format!(
                "does not name the resource's account (`{}` is not 12 digits)",
                arn.account
            )
        })
    } else {
        Ok(())
    };
    if let Err(why) = concrete {
        diags.push(
            Diag::new(Code::E213, format!("`{arn_text}` {why}"))
                .at(decl.arn.span)
                .label("not one resource")
                .help("a resource policy is attached to one resource: write its full ARN, with the 12-digit account id, e.g. \"arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab\""),
        );
        return None;
    }
    Some((kind, name))
}
