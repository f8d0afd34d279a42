//! Typed Terraform JSON documents (`*.tf.json`): the top-level blocks and the body of each
//! resource type accessc declares. Field order is the order in the file; maps are sorted.
//!
//! Every string here is already a Terraform template: literal text escaped with
//! [`super::literal`], references written as `${…}` by [`super::reference`]. The documents
//! write themselves ([`ToJson`]): the text `serde_json` would give them, without building a
//! `serde_json::Value` first.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::emit::json::{Json, ToJson};

/// A Terraform template string, borrowed when it is the text it came from.
pub type Text<'a> = Cow<'a, str>;

/// The depth of a resource body in its file: `{ "resource": { TYPE: { NAME: BODY } } }`.
pub const BODY_DEPTH: usize = 3;

/// One `*.tf.json` file.
#[derive(Debug, Default)]
pub struct File {
    /// A comment (Terraform ignores `//` properties).
    pub comment: Option<String>,
    /// `terraform { required_providers { … } }`.
    pub terraform: Option<TerraformBlock>,
    /// Provider configurations by provider name.
    pub provider: BTreeMap<&'static str, Vec<Provider>>,
    /// Resources: type → name → body, as JSON text written at [`BODY_DEPTH`].
    pub resource: BTreeMap<&'static str, BTreeMap<String, String>>,
    /// Outputs by name.
    pub output: BTreeMap<String, Output>,
}

impl ToJson for File {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        if let Some(comment) = &self.comment {
            w.str_member("//", comment);
        }
        if let Some(t) = &self.terraform {
            w.key("terraform");
            t.write_json(w);
        }
        if !self.provider.is_empty() {
            w.key("provider");
            w.begin_object();
            for (name, list) in &self.provider {
                w.key(name);
                w.begin_array();
                for p in list {
                    w.elem();
                    p.write_json(w);
                }
                w.end_array();
            }
            w.end_object();
        }
        if !self.resource.is_empty() {
            w.key("resource");
            w.begin_object();
            for (rtype, bodies) in &self.resource {
                w.key(rtype);
                w.begin_object();
                for (name, body) in bodies {
                    w.key(name);
                    w.raw(body);
                }
                w.end_object();
            }
            w.end_object();
        }
        if !self.output.is_empty() {
            w.key("output");
            w.begin_object();
            for (name, o) in &self.output {
                w.key(name);
                o.write_json(w);
            }
            w.end_object();
        }
        w.end_object();
    }
}

/// The `terraform` block.
#[derive(Debug)]
pub struct TerraformBlock {
    /// Provider requirements.
    pub required_providers: BTreeMap<&'static str, ProviderRequirement>,
}

impl ToJson for TerraformBlock {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.key("required_providers");
        w.begin_object();
        for (name, r) in &self.required_providers {
            w.key(name);
            w.begin_object();
            w.str_member("source", r.source);
            w.str_member("version", r.version);
            w.end_object();
        }
        w.end_object();
        w.end_object();
    }
}

/// `aws = { source = "hashicorp/aws", version = ">= 5.33" }`.
#[derive(Debug)]
pub struct ProviderRequirement {
    /// Registry address.
    pub source: &'static str,
    /// Version constraint.
    pub version: &'static str,
}

/// A `provider "aws"` configuration.
#[derive(Debug)]
pub struct Provider {
    /// Alias (None: the default configuration).
    pub alias: Option<String>,
    /// Region (None: from the environment).
    pub region: Option<String>,
    /// The account the configuration may act in: a guard against applying the root with the
    /// credentials of another account.
    pub allowed_account_ids: Vec<String>,
}

impl ToJson for Provider {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        if let Some(alias) = &self.alias {
            w.str_member("alias", alias);
        }
        if let Some(region) = &self.region {
            w.str_member("region", region);
        }
        w.key("allowed_account_ids");
        w.str_array(&self.allowed_account_ids);
        w.end_object();
    }
}

/// An `output`.
#[derive(Debug)]
pub struct Output {
    /// What it is.
    pub description: String,
    /// The value: name → reference.
    pub value: BTreeMap<String, String>,
}

impl ToJson for Output {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("description", &self.description);
        w.key("value");
        w.begin_object();
        for (k, v) in &self.value {
            w.str_member(k, v);
        }
        w.end_object();
        w.end_object();
    }
}

/// Tags: `accessc-source` (the declaration, a template) and `managed-by = accessc`.
#[derive(Debug)]
pub struct Tags<'a> {
    /// What declared it.
    pub source: Text<'a>,
}

impl ToJson for Tags<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("accessc-source", &self.source);
        w.str_member("managed-by", "accessc");
        w.end_object();
    }
}

/// `aws_iam_policy`.
#[derive(Debug)]
pub struct IamPolicy<'a> {
    /// Policy name.
    pub name: Text<'a>,
    /// IAM path.
    pub path: Text<'a>,
    /// Description.
    pub description: Text<'a>,
    /// The document, as compact JSON.
    pub policy: Text<'a>,
    /// Tags.
    pub tags: Tags<'a>,
}

impl ToJson for IamPolicy<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("name", &self.name);
        w.str_member("path", &self.path);
        w.str_member("description", &self.description);
        w.str_member("policy", &self.policy);
        w.key("tags");
        self.tags.write_json(w);
        w.end_object();
    }
}

/// `aws_iam_role`.
#[derive(Debug)]
pub struct IamRole<'a> {
    /// Role name.
    pub name: Text<'a>,
    /// IAM path.
    pub path: Text<'a>,
    /// Description.
    pub description: Text<'a>,
    /// The trust policy, as compact JSON.
    pub assume_role_policy: Text<'a>,
    /// Seconds.
    pub max_session_duration: u32,
    /// The boundary policy ARN (a reference when it is declared in the same root).
    pub permissions_boundary: Option<Text<'a>>,
    /// Tags.
    pub tags: Tags<'a>,
}

impl ToJson for IamRole<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("name", &self.name);
        w.str_member("path", &self.path);
        w.str_member("description", &self.description);
        w.str_member("assume_role_policy", &self.assume_role_policy);
        w.key("max_session_duration");
        w.u64(u64::from(self.max_session_duration));
        if let Some(b) = &self.permissions_boundary {
            w.str_member("permissions_boundary", b);
        }
        w.key("tags");
        self.tags.write_json(w);
        w.end_object();
    }
}

/// `aws_iam_role_policy_attachment`.
#[derive(Debug)]
pub struct RolePolicyAttachment<'a> {
    /// Role name (a reference).
    pub role: Text<'a>,
    /// Policy ARN (a reference).
    pub policy_arn: Text<'a>,
}

impl ToJson for RolePolicyAttachment<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("role", &self.role);
        w.str_member("policy_arn", &self.policy_arn);
        w.end_object();
    }
}

/// `aws_eks_pod_identity_association`.
#[derive(Debug)]
pub struct PodIdentityAssociation<'a> {
    /// The regional provider configuration, `aws.<region>`.
    pub provider: &'a str,
    /// EKS cluster name.
    pub cluster_name: Text<'a>,
    /// Namespace.
    pub namespace: Text<'a>,
    /// Service account.
    pub service_account: Text<'a>,
    /// Role ARN (a reference when the role is in the same root).
    pub role_arn: Text<'a>,
    /// Only written when true (the argument needs provider 6.2).
    pub disable_session_tags: bool,
    /// Tags.
    pub tags: Tags<'a>,
}

impl ToJson for PodIdentityAssociation<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("provider", self.provider);
        w.str_member("cluster_name", &self.cluster_name);
        w.str_member("namespace", &self.namespace);
        w.str_member("service_account", &self.service_account);
        w.str_member("role_arn", &self.role_arn);
        if self.disable_session_tags {
            w.key("disable_session_tags");
            w.bool(true);
        }
        w.key("tags");
        self.tags.write_json(w);
        w.end_object();
    }
}

/// `aws_eks_access_entry`.
#[derive(Debug)]
pub struct AccessEntry<'a> {
    /// The regional provider configuration.
    pub provider: &'a str,
    /// EKS cluster name.
    pub cluster_name: Text<'a>,
    /// Principal ARN.
    pub principal_arn: Text<'a>,
    /// `STANDARD`, `EC2_LINUX` (`type`).
    pub entry_type: &'a str,
    /// Kubernetes groups (left out when empty).
    pub kubernetes_groups: Vec<Text<'a>>,
    /// Kubernetes username.
    pub user_name: Option<Text<'a>>,
    /// Tags.
    pub tags: Tags<'a>,
}

impl ToJson for AccessEntry<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("provider", self.provider);
        w.str_member("cluster_name", &self.cluster_name);
        w.str_member("principal_arn", &self.principal_arn);
        w.str_member("type", self.entry_type);
        if !self.kubernetes_groups.is_empty() {
            w.key("kubernetes_groups");
            w.str_array(&self.kubernetes_groups);
        }
        if let Some(u) = &self.user_name {
            w.str_member("user_name", u);
        }
        w.key("tags");
        self.tags.write_json(w);
        w.end_object();
    }
}

/// `aws_eks_access_policy_association`.
#[derive(Debug)]
pub struct AccessPolicyAssociation<'a> {
    /// The regional provider configuration.
    pub provider: &'a str,
    /// EKS cluster name.
    pub cluster_name: Text<'a>,
    /// Principal ARN (a reference to the access entry, so that it is created first).
    pub principal_arn: Text<'a>,
    /// EKS access policy ARN.
    pub policy_arn: Text<'a>,
    /// The `access_scope` block.
    pub access_scope: AccessScope<'a>,
}

impl ToJson for AccessPolicyAssociation<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        w.str_member("provider", self.provider);
        w.str_member("cluster_name", &self.cluster_name);
        w.str_member("principal_arn", &self.principal_arn);
        w.str_member("policy_arn", &self.policy_arn);
        w.key("access_scope");
        w.begin_object();
        w.str_member("type", self.access_scope.scope_type);
        if !self.access_scope.namespaces.is_empty() {
            w.key("namespaces");
            w.str_array(&self.access_scope.namespaces);
        }
        w.end_object();
        w.end_object();
    }
}

/// The `access_scope` block.
#[derive(Debug)]
pub struct AccessScope<'a> {
    /// `cluster` or `namespace` (`type`).
    pub scope_type: &'static str,
    /// Namespaces (scope `namespace`; left out when empty).
    pub namespaces: Vec<Text<'a>>,
}

/// The resource-policy resources: their own resource's argument and the policy.
#[derive(Debug)]
pub struct ResourcePolicy<'a> {
    /// The regional provider configuration (None for S3 buckets: the default one).
    pub provider: Option<String>,
    /// `bucket`, `queue_url`, `key_id`, `arn`, `secret_arn` or `repository`, and its value.
    pub target: (&'static str, Text<'a>),
    /// The document, as compact JSON.
    pub policy: Text<'a>,
    /// `aws_secretsmanager_secret_policy` only: refuse policies that grant broad access.
    pub block_public_policy: Option<bool>,
}

impl ToJson for ResourcePolicy<'_> {
    fn write_json(&self, w: &mut Json<'_>) {
        w.begin_object();
        if let Some(p) = &self.provider {
            w.str_member("provider", p);
        }
        w.str_member(self.target.0, &self.target.1);
        w.str_member("policy", &self.policy);
        if let Some(b) = self.block_public_policy {
            w.key("block_public_policy");
            w.bool(b);
        }
        w.end_object();
    }
}
