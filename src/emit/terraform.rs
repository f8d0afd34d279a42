//! Terraform JSON: one root module per AWS account.
//!
//! ```text
//! terraform/<account>/
//!   providers.tf.json             terraform { required_providers { aws } }; provider "aws": the
//!                                 default configuration and one alias per region
//!   boundaries.tf.json            aws_iam_policy per permission boundary
//!   role-<role>.tf.json           aws_iam_policy (permissions), aws_iam_role, aws_iam_role_policy_attachment
//!   cluster-<cluster>.tf.json     aws_eks_pod_identity_association, aws_eks_access_entry,
//!                                 aws_eks_access_policy_association
//!   resource-policies.tf.json     aws_s3_bucket_policy, aws_sqs_queue_policy, aws_kms_key_policy, …
//!   outputs.tf.json               role_arns, boundary_arns, service_account_role_arns
//! ```
//!
//! **Why one root per account, not per cluster.** IAM roles, their policies and boundaries are
//! account-wide, and one role serves every cluster of its account that its members run on (a
//! shared role, or an app whose namespace spans clusters). A Terraform root owns what it
//! declares: the same role in two cluster roots would be two owners of one role (the second
//! `apply` fails with `EntityAlreadyExists`, a `destroy` of one cluster deletes the role the
//! others use). A role also never moves between roots when a namespace gains a cluster, which
//! would be a destroy-and-create. In one root per account every resource is declared once and
//! the cluster resources refer to the roles (`${aws_iam_role.….arn}`), so `terraform apply`
//! creates a role before its Pod Identity association, a boundary before its roles, an access
//! entry before its access policy association. Each cluster still has its own file, and its
//! EKS resources use the provider configuration of the cluster's region (`aws.<region>`), so
//! clusters of several regions share the root.
//!
//! A resource policy lives in the root of the resource's account (an S3 bucket ARN names no
//! account: the account of the roles it admits, the lowest when there are several). Roles of
//! another account are named by ARN, so that account's root is applied first.
//!
//! Every string is a Terraform template: IAM policy variables are escaped (`$${aws:…}`),
//! references are `${…}`. Resource names are the IAM / EKS names with `-` kept (a valid
//! identifier character) and components joined by `_` (which no accessc name contains).

mod model;

use std::collections::{BTreeMap, BTreeSet};

use std::borrow::Cow;

use self::model::{
    AccessEntry, AccessPolicyAssociation, AccessScope as ScopeBlock, File, IamPolicy, IamRole,
    OidcProvider, Output, PodIdentityAssociation, Provider, ProviderRequirement,
    ResourcePolicy as PolicyBody, RolePolicyAttachment, Tags, TerraformBlock, Text, BODY_DEPTH,
};
use super::iam::{boundary_description, boundary_origin};
use super::iam::{boundary_policy, managed_policy_texts, role_description, trust_policy};
use super::json::{raw, to_compact, to_pretty, to_pretty_at};
use super::layout::{self, ArtifactPath};
use super::manifest::sha256;
use super::Artifact;
use crate::ast::Span;
use crate::ir::{AccessScope, Ir, ResourceKind, ResourcePolicy};
use crate::source::Sources;

/// The provider requirement of a root.
const PROVIDER_SOURCE: &str = "hashicorp/aws";
/// EKS access entries and access policy associations came with 5.33.0.
const MIN_VERSION: &str = ">= 5.33";
/// `disable_session_tags` of a Pod Identity association came with 6.2.0.
const MIN_VERSION_SESSION_TAGS: &str = ">= 6.2";
/// An `aws_iam_openid_connect_provider` without `thumbprint_list`: checked with 5.100.0, whose
/// schema has it optional.
const MIN_VERSION_OIDC: &str = ">= 5.100";

/// Literal text in a Terraform string: `${` and `%{` start a template, so they are doubled.
pub fn literal(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// [`literal`], borrowing the text when it has nothing to escape (most text).
fn lit(s: &str) -> Text<'_> {
    if s.contains("${") || s.contains("%{") {
        Cow::Owned(literal(s))
    } else {
        Cow::Borrowed(s)
    }
}

/// [`literal`] of an owned text, without a copy when it has nothing to escape.
fn lit_owned(s: String) -> Text<'static> {
    if s.contains("${") || s.contains("%{") {
        Cow::Owned(literal(&s))
    } else {
        Cow::Owned(s)
    }
}

/// A reference: `${expr}`.
pub fn reference(expr: &str) -> String {
    format!("${{{expr}}}")
}

/// A Terraform identifier for a name: letters, digits, `_` and `-` are kept, anything else
/// becomes `_`; a name that does not start with a letter or `_` gets a leading `_`.
pub fn ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
    }
    s
}

/// The provider alias of a region: `us-west-2` → `us_west_2`.
fn region_alias(region: &str) -> String {
    ident(&region.replace('-', "_"))
}

/// Resource names of one root: one per (type, key), distinct within a type (a name that two
/// keys would share gets a hash of its key).
#[derive(Default)]
struct Names {
    taken: BTreeMap<(&'static str, String), String>,
}

impl Names {
    fn name(&mut self, rtype: &'static str, key: &str) -> String {
        let base = ident(key);
        match self.taken.get(&(rtype, base.clone())) {
            None => {
                self.taken.insert((rtype, base.clone()), key.to_string());
                base
            }
            Some(k) if k == key => base,
            Some(_) => {
                let hashed = format!("{base}_{}", &sha256(key.as_bytes())[..8]);
                self.taken.insert((rtype, hashed.clone()), key.to_string());
                hashed
            }
        }
    }
}

/// The tags of what `origin` names (`iam::tag_map`'s, as templates).
fn tags(origin: &str) -> Tags<'_> {
    Tags {
        source: lit(origin),
    }
}

/// Add a resource: its body is written now, at its depth in the file.
fn insert<T: serde::Serialize>(file: &mut File, rtype: &'static str, name: String, body: &T) {
    let text = raw(to_pretty_at(body, BODY_DEPTH));
    file.resource.entry(rtype).or_default().insert(name, text);
}

/// The account a resource policy belongs to.
pub(crate) fn home_account(p: &ResourcePolicy) -> Option<String> {
    if !p.account.is_empty() {
        return Some(p.account.clone());
    }
    p.statements
        .iter()
        .flat_map(|s| &s.principals)
        .filter_map(|arn| arn.split(':').nth(4))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .min()
}

/// The resource type and its own-resource argument.
fn resource_target(p: &ResourcePolicy) -> (&'static str, &'static str, String) {
    match p.kind {
        ResourceKind::S3Bucket => ("aws_s3_bucket_policy", "bucket", p.name.clone()),
        ResourceKind::SqsQueue => (
            "aws_sqs_queue_policy",
            "queue_url",
            format!(
                "https://sqs.{}.amazonaws.com/{}/{}",
                p.region, p.account, p.name
            ),
        ),
        ResourceKind::KmsKey => ("aws_kms_key_policy", "key_id", p.name.clone()),
        ResourceKind::SnsTopic => ("aws_sns_topic_policy", "arn", p.arn.clone()),
        ResourceKind::Secret => (
            "aws_secretsmanager_secret_policy",
            "secret_arn",
            p.arn.clone(),
        ),
        ResourceKind::EcrRepository => ("aws_ecr_repository_policy", "repository", p.name.clone()),
    }
}

/// One file of a root being built.
struct Pending {
    file: File,
    kind: &'static str,
    cluster: Option<String>,
    spans: Vec<Span>,
}

impl Pending {
    fn new(kind: &'static str) -> Pending {
        Pending {
            file: File::default(),
            kind,
            cluster: None,
            spans: Vec::new(),
        }
    }
}

/// Every Terraform root.
pub fn emit<T, E>(ir: &Ir, sources: &Sources, out: &mut super::out::Out<'_, T, E>) {
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    accounts.extend(ir.roles.iter().map(|r| r.account.clone()));
    accounts.extend(ir.boundaries.iter().map(|b| b.account.clone()));
    for c in ir.clusters.values() {
        let has = ir
            .pod_identity_associations
            .iter()
            .any(|a| a.cluster == c.name)
            || ir.access_entries.iter().any(|e| e.cluster == c.name)
            || ir
                .access_policy_associations
                .iter()
                .any(|a| a.cluster == c.name);
        if has {
            accounts.insert(c.account.clone());
        }
    }
    accounts.extend(ir.resource_policies.iter().filter_map(home_account));
    for account in &accounts {
        emit_root(ir, sources, account, out);
    }
}

/// The reference of a role of the root, else the literal ARN.
fn reference_or_literal<'a>(refs: &'a BTreeMap<String, String>, arn: &'a str) -> Text<'a> {
    match refs.get(arn) {
        Some(r) => Cow::Borrowed(r.as_str()),
        None => lit(arn),
    }
}

fn emit_root<T, E>(ir: &Ir, sources: &Sources, account: &str, out: &mut super::out::Out<'_, T, E>) {
    let mut names = Names::default();
    let mut files: BTreeMap<String, Pending> = BTreeMap::new();
    let mut regions: BTreeSet<String> = BTreeSet::new();
    let mut needs_session_tags_arg = false;
    let mut role_outputs: BTreeMap<String, String> = BTreeMap::new();
    let mut boundary_outputs: BTreeMap<String, String> = BTreeMap::new();

    // Boundaries first: roles refer to them.
    let mut boundary_refs: BTreeMap<String, String> = BTreeMap::new();
    let boundaries: Vec<_> = ir
        .boundaries
        .iter()
        .filter(|b| b.account == account)
        .collect();
    if !boundaries.is_empty() {
        let mut f = Pending::new("terraform-iam-boundaries");
        for b in boundaries {
            let id = names.name("aws_iam_policy", &format!("boundary_{}", b.name));
            let origin = boundary_origin(b);
            insert(
                &mut f.file,
                "aws_iam_policy",
                id.clone(),
                &IamPolicy {
                    name: lit(&b.name),
                    path: Cow::Borrowed("/"),
                    description: lit_owned(boundary_description(b)),
                    policy: lit_owned(to_compact(&boundary_policy(b))),
                    tags: tags(&origin),
                },
            );
            let arn = reference(&format!("aws_iam_policy.{id}.arn"));
            boundary_refs.insert(b.arn(), arn.clone());
            boundary_outputs.insert(b.name.clone(), arn);
            f.spans.push(b.span);
        }
        files.insert(layout::TERRAFORM_BOUNDARIES.into(), f);
    }

    // The managed OIDC providers (IAM, the default provider configuration): in their cluster's
    // file, and the roles that trust their issuer depend on them.
    let mut oidc_refs: BTreeMap<&str, String> = BTreeMap::new();
    let mut managed_oidc: BTreeMap<String, Pending> = BTreeMap::new();
    for c in ir
        .clusters
        .values()
        .filter(|c| c.account == account && c.oidc_provider.is_some())
    {
        let Some(issuer) = c.oidc.as_deref() else {
            continue;
        };
        let id = names.name("aws_iam_openid_connect_provider", &c.name);
        let mut f = Pending::new("terraform-eks-cluster");
        f.cluster = Some(c.name.clone());
        f.spans.push(c.oidc_provider.unwrap_or(c.span));
        insert(
            &mut f.file,
            "aws_iam_openid_connect_provider",
            id.clone(),
            &OidcProvider {
                url: lit_owned(format!("https://{issuer}")),
                client_id_list: vec![super::iam::OIDC_AUDIENCE],
                tags: tags(&format!("cluster {}", c.name)),
            },
        );
        oidc_refs.insert(issuer, format!("aws_iam_openid_connect_provider.{id}"));
        managed_oidc.insert(c.name.clone(), f);
    }

    // Roles, with their permissions policies.
    let mut role_refs: BTreeMap<String, String> = BTreeMap::new();
    for role in ir.roles.iter().filter(|r| r.account == account) {
        let Ok(policies) = managed_policy_texts(role) else {
            continue; // reported by the IAM emitter
        };
        let id = names.name("aws_iam_role", &role.name);
        let mut f = Pending::new("terraform-iam-role");
        f.spans.push(role.origin.span);
        for p in &policies {
            let pid = names.name("aws_iam_policy", &p.name);
            insert(
                &mut f.file,
                "aws_iam_policy",
                pid.clone(),
                &IamPolicy {
                    name: lit(&p.name),
                    path: lit(&role.path),
                    description: lit(&p.description),
                    policy: lit_owned(to_compact(&p.document)),
                    tags: tags(&role.origin.what),
                },
            );
            let aid = names.name("aws_iam_role_policy_attachment", &p.name);
            insert(
                &mut f.file,
                "aws_iam_role_policy_attachment",
                aid,
                &RolePolicyAttachment {
                    role: Cow::Owned(format!("${{aws_iam_role.{id}.name}}")),
                    policy_arn: Cow::Owned(format!("${{aws_iam_policy.{pid}.arn}}")),
                },
            );
        }
        insert(
            &mut f.file,
            "aws_iam_role",
            id.clone(),
            &IamRole {
                name: lit(&role.name),
                path: lit(&role.path),
                description: lit_owned(role_description(role)),
                assume_role_policy: lit_owned(to_compact(&trust_policy(role))),
                max_session_duration: 3600,
                permissions_boundary: role.boundary.as_ref().map(|b| {
                    boundary_refs
                        .get(&b.arn)
                        .map_or_else(|| lit(&b.arn), |r| Cow::Borrowed(r.as_str()))
                }),
                tags: tags(&role.origin.what),
                depends_on: match &role.trust {
                    crate::ir::Trust::Irsa { providers } => providers
                        .iter()
                        .filter_map(|p| oidc_refs.get(p.issuer.as_str()).cloned())
                        .collect(),
                    crate::ir::Trust::PodIdentity { .. } => Vec::new(),
                },
            },
        );
        let arn = format!("${{aws_iam_role.{id}.arn}}");
        role_refs.insert(role.arn(), arn.clone());
        role_outputs.insert(role.name.clone(), arn);
        files.insert(layout::terraform_role_file(&role.name), f);
    }

    // Each cluster's EKS resources.
    let needs_oidc_arg = !managed_oidc.is_empty();
    for c in ir.clusters.values().filter(|c| c.account == account) {
        let mut f = managed_oidc.remove(&c.name).unwrap_or_else(|| {
            let mut f = Pending::new("terraform-eks-cluster");
            f.cluster = Some(c.name.clone());
            f
        });
        let has_oidc = !f.file.resource.is_empty();
        let provider = format!("aws.{}", region_alias(&c.region));
        for a in ir
            .pod_identity_associations
            .iter()
            .filter(|a| a.cluster == c.name)
        {
            let id = names.name(
                "aws_eks_pod_identity_association",
                &format!("{}_{}_{}", c.name, a.namespace, a.service_account),
            );
            needs_session_tags_arg |= a.disable_session_tags;
            insert(
                &mut f.file,
                "aws_eks_pod_identity_association",
                id,
                &PodIdentityAssociation {
                    provider: &provider,
                    cluster_name: lit(&a.eks_name),
                    namespace: lit(&a.namespace),
                    service_account: lit(&a.service_account),
                    role_arn: reference_or_literal(&role_refs, &a.role_arn),
                    disable_session_tags: a.disable_session_tags,
                    tags: Tags {
                        source: lit_owned(format!("app {}", a.app)),
                    },
                },
            );
            f.spans.push(a.span);
        }
        // By principal: one entry per principal and cluster (E404), and an access's several
        // policy associations all refer to its one entry.
        let mut entry_refs: BTreeMap<&str, String> = BTreeMap::new();
        for e in ir.access_entries.iter().filter(|e| e.cluster == c.name) {
            let id = names.name("aws_eks_access_entry", &format!("{}_{}", c.name, e.file));
            entry_refs.insert(
                e.principal_arn.as_str(),
                reference(&format!("aws_eks_access_entry.{id}.principal_arn")),
            );
            insert(
                &mut f.file,
                "aws_eks_access_entry",
                id,
                &AccessEntry {
                    provider: &provider,
                    cluster_name: lit(&e.eks_name),
                    principal_arn: reference_or_literal(&role_refs, &e.principal_arn),
                    entry_type: e.entry_type.eks_value(),
                    kubernetes_groups: e.groups.iter().map(|g| lit(g)).collect(),
                    user_name: e.username.as_deref().map(lit),
                    tags: tags(&e.origin.what),
                },
            );
            f.spans.push(e.origin.span);
        }
        for a in ir
            .access_policy_associations
            .iter()
            .filter(|a| a.cluster == c.name)
        {
            let id = names.name(
                "aws_eks_access_policy_association",
                &format!("{}_{}", c.name, a.name),
            );
            // Through the entry's attribute: the entry is created first.
            let principal_arn = match entry_refs.get(a.principal_arn.as_str()) {
                Some(r) => Cow::Borrowed(r.as_str()),
                None => lit(&a.principal_arn),
            };
            let access_scope = match &a.scope {
                AccessScope::Cluster => ScopeBlock {
                    scope_type: "cluster",
                    namespaces: Vec::new(),
                },
                AccessScope::Namespaces(ns) => ScopeBlock {
                    scope_type: "namespace",
                    namespaces: ns.iter().map(|n| lit(n)).collect(),
                },
            };
            insert(
                &mut f.file,
                "aws_eks_access_policy_association",
                id,
                &AccessPolicyAssociation {
                    provider: &provider,
                    cluster_name: lit(&a.eks_name),
                    principal_arn,
                    policy_arn: lit(&a.policy_arn),
                    access_scope,
                },
            );
            f.spans.push(a.origin.span);
        }
        if !f.file.resource.is_empty() {
            if f.file.resource.len() > usize::from(has_oidc) {
                regions.insert(c.region.clone());
            }
            files.insert(layout::terraform_cluster_file(&c.name), f);
        }
    }

    // Resource policies of the account's resources.
    let mut rp = Pending::new("terraform-resource-policies");
    for p in ir
        .resource_policies
        .iter()
        .filter(|p| home_account(p).as_deref() == Some(account))
    {
        let (rtype, arg, value) = resource_target(p);
        let key = if p.region.is_empty() {
            p.name.clone()
        } else {
            format!("{}_{}", p.name, p.region)
        };
        // The plain name when it is unique in the account, else with the region.
        let same_name = ir.resource_policies.iter().filter(|q| {
            q.kind == p.kind && q.name == p.name && home_account(q).as_deref() == Some(account)
        });
        let id = if same_name.count() > 1 {
            names.name(rtype, &key)
        } else {
            names.name(rtype, &p.name)
        };
        let mut policy = literal(&to_compact(&super::resource_policy::document(p)));
        for (arn, r) in &role_refs {
            policy = policy.replace(&format!("\"{arn}\""), &format!("\"{r}\""));
        }
        let provider = if p.region.is_empty() {
            None
        } else {
            regions.insert(p.region.clone());
            Some(format!("aws.{}", region_alias(&p.region)))
        };
        insert(
            &mut rp.file,
            rtype,
            id,
            &PolicyBody {
                provider,
                target: (arg, lit_owned(value)),
                policy: Cow::Owned(policy),
                block_public_policy: (p.kind == ResourceKind::Secret).then_some(true),
            },
        );
        rp.spans.push(p.span);
    }
    if !rp.file.resource.is_empty() {
        files.insert(layout::TERRAFORM_RESOURCE_POLICIES.into(), rp);
    }

    if files.is_empty() {
        return;
    }
    let all_spans: Vec<Span> = files.values().flat_map(|f| f.spans.clone()).collect();

    // Outputs.
    let mut outputs = Pending::new("terraform-outputs");
    if !role_outputs.is_empty() {
        outputs.file.output.insert(
            "role_arns".into(),
            Output {
                description: "ARN of each IAM role, by role name".into(),
                value: role_outputs,
            },
        );
    }
    let external = external_service_accounts(ir, account);
    if !external.is_empty() {
        outputs.file.output.insert(
            "service_account_role_arns".into(),
            Output {
                description: "IRSA role ARN of each service account accessc does not write (`service_account_managed = false`), by CLUSTER/NAMESPACE/NAME: the value of its `eks.amazonaws.com/role-arn` annotation, for the Helm values".into(),
                value: external,
            },
        );
    }
    if !boundary_outputs.is_empty() {
        outputs.file.output.insert(
            "boundary_arns".into(),
            Output {
                description: "ARN of each permission boundary policy, by name".into(),
                value: boundary_outputs,
            },
        );
    }
    if !outputs.file.output.is_empty() {
        outputs.spans = all_spans.clone();
        files.insert(layout::TERRAFORM_OUTPUTS.into(), outputs);
    }

    // Providers: the default configuration (IAM is global; S3 bucket policies) and one alias
    // per region of the root's regional resources, each limited to the account.
    let mut providers = Pending::new("terraform-providers");
    let allowed = vec![account.to_string()];
    // IAM is global, but the provider wants a region: the first of the root's regions, else
    // the first region of the clusters its roles serve.
    let member_regions: BTreeSet<&str> = ir
        .roles
        .iter()
        .filter(|r| r.account == account)
        .flat_map(|r| &r.members)
        .filter_map(|m| ir.clusters.get(&m.cluster))
        .map(|c| c.region.as_str())
        .collect();
    let default_region = regions
        .iter()
        .next()
        .cloned()
        .or_else(|| member_regions.iter().next().map(|r| r.to_string()));
    let mut list = vec![Provider {
        alias: None,
        region: default_region,
        allowed_account_ids: allowed.clone(),
    }];
    list.extend(regions.iter().map(|r| Provider {
        alias: Some(region_alias(r)),
        region: Some(r.clone()),
        allowed_account_ids: allowed.clone(),
    }));
    providers.file.provider.insert("aws", list);
    // The provider requirement in the same file: a file with only a `terraform` block is what
    // some scanners (checkov) cannot read.
    providers.file.terraform = Some(TerraformBlock {
        required_providers: BTreeMap::from([(
            "aws",
            ProviderRequirement {
                source: PROVIDER_SOURCE,
                version: if needs_session_tags_arg {
                    MIN_VERSION_SESSION_TAGS
                } else if needs_oidc_arg {
                    MIN_VERSION_OIDC
                } else {
                    MIN_VERSION
                },
            },
        )]),
    });
    providers.spans = all_spans;
    files.insert(layout::TERRAFORM_PROVIDERS.into(), providers);

    for (name, mut f) in files {
        let mut from: Vec<&str> = f.spans.iter().map(|s| sources.name(s.file)).collect();
        from.sort_unstable();
        from.dedup();
        f.file.comment = Some(literal(&format!(
            "generated by accessc from {}; do not edit",
            from.join(", ")
        )));
        out.push(Artifact {
            path: ArtifactPath::Terraform {
                account,
                file: &name,
            }
            .render(),
            kind: f.kind,
            cluster: f.cluster,
            account: Some(account.to_string()),
            sources: f.spans,
            contents: to_pretty(&f.file),
        });
    }
}

/// The IRSA role ARN of each external service account (`service_account_managed = false`) whose
/// role this account's root creates, by `CLUSTER/NAMESPACE/NAME`.
fn external_service_accounts(ir: &Ir, account: &str) -> BTreeMap<String, String> {
    ir.service_accounts
        .iter()
        .filter(|sa| !sa.managed)
        .filter_map(|sa| {
            let arn = sa.irsa_role_arn.as_ref()?;
            // arn:PARTITION:iam::ACCOUNT:role/…
            (arn.split(':').nth(4) == Some(account)).then(|| {
                (
                    format!("{}/{}/{}", sa.cluster, sa.namespace, sa.name),
                    arn.clone(),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_templates() {
        assert_eq!(
            literal("arn:aws:s3:::b/${aws:PrincipalTag/kubernetes-namespace}/*"),
            "arn:aws:s3:::b/$${aws:PrincipalTag/kubernetes-namespace}/*"
        );
        assert_eq!(literal("100%{x} $5"), "100%%{x} $5");
        assert_eq!(reference("aws_iam_role.a.arn"), "${aws_iam_role.a.arn}");
    }

    #[test]
    fn identifiers_are_valid_and_distinct() {
        assert_eq!(ident("payments-checkout"), "payments-checkout");
        assert_eq!(ident("1234abcd-12ab"), "_1234abcd-12ab");
        assert_eq!(ident("my.bucket"), "my_bucket");
        let mut n = Names::default();
        let a = n.name("aws_s3_bucket_policy", "my.bucket");
        let b = n.name("aws_s3_bucket_policy", "my_bucket");
        assert_eq!(a, "my_bucket");
        assert_ne!(a, b);
        assert!(b.starts_with("my_bucket_"));
        assert_eq!(n.name("aws_s3_bucket_policy", "my.bucket"), a);
        assert_eq!(region_alias("us-gov-west-1"), "us_gov_west_1");
    }
}
