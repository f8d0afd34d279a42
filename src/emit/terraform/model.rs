//! Typed Terraform JSON documents (`*.tf.json`): the top-level blocks and the body of each
//! resource type accessc declares. Field order is the order in the file; maps are sorted.
//!
//! Every string here is already a Terraform template: literal text escaped with
//! [`super::literal`], references written as `${…}` by [`super::reference`]. The documents
//! are serialised by [`crate::emit::json`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::emit::json::Raw;
use serde::Serialize;

/// A Terraform template string, borrowed when it is the text it came from.
pub type Text<'a> = Cow<'a, str>;

/// The depth of a resource body in its file: `{ "resource": { TYPE: { NAME: BODY } } }`.
pub const BODY_DEPTH: usize = 3;

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
    /// Resources: type → name → body, serialised at [`BODY_DEPTH`] when it was added.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resource: BTreeMap<&'static str, BTreeMap<String, Raw>>,
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

/// Tags: `accessc-source` (the declaration, a template) and `managed-by = accessc`.
#[derive(Debug)]
pub struct Tags<'a> {
    /// What declared it.
    pub source: Text<'a>,
}

/// `aws_iam_policy`.
#[derive(Debug, Serialize)]
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

/// `aws_iam_role`.
#[derive(Debug, Serialize)]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Text<'a>>,
    /// Tags.
    pub tags: Tags<'a>,
    /// The managed OIDC providers its trust names (`aws_iam_openid_connect_provider.…`):
    /// created first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

/// `aws_iam_openid_connect_provider` (`oidc_provider = managed`), without `thumbprint_list`:
/// IAM no longer needs one for EKS issuers, and the provider (5.x, checked with 5.100) takes
/// it as optional.
#[derive(Debug, Serialize)]
pub struct OidcProvider<'a> {
    /// `https://ISSUER`.
    pub url: Text<'a>,
    /// `["sts.amazonaws.com"]`.
    pub client_id_list: Vec<&'static str>,
    /// Tags.
    pub tags: Tags<'a>,
}

/// `aws_iam_role_policy_attachment`.
#[derive(Debug, Serialize)]
pub struct RolePolicyAttachment<'a> {
    /// Role name (a reference).
    pub role: Text<'a>,
    /// Policy ARN (a reference).
    pub policy_arn: Text<'a>,
}

/// `aws_eks_pod_identity_association`.
#[derive(Debug, Serialize)]
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
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_session_tags: bool,
    /// Tags.
    pub tags: Tags<'a>,
}

/// `aws_eks_access_entry`.
#[derive(Debug, Serialize)]
pub struct AccessEntry<'a> {
    /// The regional provider configuration.
    pub provider: &'a str,
    /// EKS cluster name.
    pub cluster_name: Text<'a>,
    /// Principal ARN.
    pub principal_arn: Text<'a>,
    /// `STANDARD`, `EC2_LINUX` (`type`).
    #[serde(rename = "type")]
    pub entry_type: &'a str,
    /// Kubernetes groups (left out when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubernetes_groups: Vec<Text<'a>>,
    /// Kubernetes username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<Text<'a>>,
    /// Tags.
    pub tags: Tags<'a>,
}

/// `aws_eks_access_policy_association`.
#[derive(Debug, Serialize)]
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

/// The `access_scope` block.
#[derive(Debug, Serialize)]
pub struct AccessScope<'a> {
    /// `cluster` or `namespace` (`type`).
    #[serde(rename = "type")]
    pub scope_type: &'static str,
    /// Namespaces (scope `namespace`; left out when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

impl Serialize for Tags<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("accessc-source", &self.source)?;
        map.serialize_entry("managed-by", "accessc")?;
        map.end()
    }
}

impl Serialize for ResourcePolicy<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        if let Some(p) = &self.provider {
            map.serialize_entry("provider", p)?;
        }
        map.serialize_entry(self.target.0, &self.target.1)?;
        map.serialize_entry("policy", &self.policy)?;
        if let Some(b) = self.block_public_policy {
            map.serialize_entry("block_public_policy", &b)?;
        }
        map.end()
    }
}
