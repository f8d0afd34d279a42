//! Typed Terraform JSON documents (`*.tf.json`): the top-level blocks and the body of each
//! resource type accessc declares. Field order is the order in the file; maps are sorted.
//!
//! Every string here is already a Terraform template: literal text escaped with
//! [`super::literal`], references written as `${…}` by [`super::reference`].

use std::collections::BTreeMap;

use serde::Serialize;

/// One `*.tf.json` file.
#[derive(Debug, Default, Serialize)]
pub struct File {
    /// A comment (Terraform ignores `//` properties).
    #[serde(rename = "//", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// `terraform { required_providers { … } }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terraform: Option<TerraformBlock>,
    /// Provider configurations by provider name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub provider: BTreeMap<&'static str, Vec<Provider>>,
    /// Resources: type → name → body.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resource: BTreeMap<&'static str, BTreeMap<String, serde_json::Value>>,
    /// Outputs by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub output: BTreeMap<String, Output>,
}

/// The `terraform` block.
#[derive(Debug, Serialize)]
pub struct TerraformBlock {
    /// Provider requirements.
    pub required_providers: BTreeMap<&'static str, ProviderRequirement>,
}

/// `aws = { source = "hashicorp/aws", version = ">= 5.33" }`.
#[derive(Debug, Serialize)]
pub struct ProviderRequirement {
    /// Registry address.
    pub source: &'static str,
    /// Version constraint.
    pub version: &'static str,
}

/// A `provider "aws"` configuration.
#[derive(Debug, Serialize)]
pub struct Provider {
    /// Alias (None: the default configuration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Region (None: from the environment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The account the configuration may act in: a guard against applying the root with the
    /// credentials of another account.
    pub allowed_account_ids: Vec<String>,
}

/// An `output`.
#[derive(Debug, Serialize)]
pub struct Output {
    /// What it is.
    pub description: String,
    /// The value: name → reference.
    pub value: BTreeMap<String, String>,
}

/// Tags: key → value.
pub type Tags = BTreeMap<&'static str, String>;

/// `aws_iam_policy`.
#[derive(Debug, Serialize)]
pub struct IamPolicy {
    /// Policy name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Description.
    pub description: String,
    /// The document, as compact JSON.
    pub policy: String,
    /// Tags.
    pub tags: Tags,
}

/// `aws_iam_role`.
#[derive(Debug, Serialize)]
pub struct IamRole {
    /// Role name.
    pub name: String,
    /// IAM path.
    pub path: String,
    /// Description.
    pub description: String,
    /// The trust policy, as compact JSON.
    pub assume_role_policy: String,
    /// Seconds.
    pub max_session_duration: u32,
    /// The boundary policy ARN (a reference when it is declared in the same root).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// `aws_iam_role_policy_attachment`.
#[derive(Debug, Serialize)]
pub struct RolePolicyAttachment {
    /// Role name (a reference).
    pub role: String,
    /// Policy ARN (a reference).
    pub policy_arn: String,
}

/// `aws_eks_pod_identity_association`.
#[derive(Debug, Serialize)]
pub struct PodIdentityAssociation {
    /// The regional provider configuration, `aws.<region>`.
    pub provider: String,
    /// EKS cluster name.
    pub cluster_name: String,
    /// Namespace.
    pub namespace: String,
    /// Service account.
    pub service_account: String,
    /// Role ARN (a reference when the role is in the same root).
    pub role_arn: String,
    /// Only written when true (the argument needs provider 6.2).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_session_tags: bool,
    /// Tags.
    pub tags: Tags,
}

/// `aws_eks_access_entry`.
#[derive(Debug, Serialize)]
pub struct AccessEntry {
    /// The regional provider configuration.
    pub provider: String,
    /// EKS cluster name.
    pub cluster_name: String,
    /// Principal ARN.
    pub principal_arn: String,
    /// `STANDARD`, `EC2_LINUX`.
    #[serde(rename = "type")]
    pub entry_type: String,
    /// Kubernetes groups.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_groups: Vec<String>,
    /// Kubernetes username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// `aws_eks_access_policy_association`.
#[derive(Debug, Serialize)]
pub struct AccessPolicyAssociation {
    /// The regional provider configuration.
    pub provider: String,
    /// EKS cluster name.
    pub cluster_name: String,
    /// Principal ARN (a reference to the access entry, so that it is created first).
    pub principal_arn: String,
    /// EKS access policy ARN.
    pub policy_arn: String,
    /// The `access_scope` block.
    pub access_scope: AccessScope,
}

/// The `access_scope` block.
#[derive(Debug, Serialize)]
pub struct AccessScope {
    /// `cluster` or `namespace`.
    #[serde(rename = "type")]
    pub scope_type: &'static str,
    /// Namespaces (scope `namespace`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

/// The resource-policy resources: their own resource's argument and the policy.
#[derive(Debug, Serialize)]
pub struct ResourcePolicy {
    /// The regional provider configuration (None for S3 buckets: the default one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `bucket`, `queue_url`, `key_id`, `arn`, `secret_arn` or `repository`.
    #[serde(flatten)]
    pub target: BTreeMap<&'static str, String>,
    /// The document, as compact JSON.
    pub policy: String,
    /// `aws_secretsmanager_secret_policy` only: refuse policies that grant broad access.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_public_policy: Option<bool>,
}
