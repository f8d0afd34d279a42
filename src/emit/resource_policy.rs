//! Resource-based policies: the policy document and the input of the service's put-policy call
//! (`aws s3api put-bucket-policy`, `aws kms put-key-policy`, `aws sqs set-queue-attributes`,
//! `aws sns set-topic-attributes`, `aws secretsmanager put-resource-policy`,
//! `aws ecr set-repository-policy`), one folder per resource.

use std::collections::BTreeMap;

use serde::Serialize;

use super::iam::{PolicyDocument, StatementDoc};
use super::json::{compact, pretty, OneOrMany};
use super::Artifact;
use crate::ir::{Ir, ResourceKind, ResourcePolicy};

/// The policy document of a resource (also used by the Terraform emitter).
pub fn document(p: &ResourcePolicy) -> PolicyDocument {
    PolicyDocument {
        version: "2012-10-17",
        statement: p
            .statements
            .iter()
            .map(|s| StatementDoc {
                sid: s.sid.clone(),
                effect: "Allow",
                principal: Some(BTreeMap::from([(
                    "AWS",
                    OneOrMany::of(s.principals.iter().cloned()),
                )])),
                action: OneOrMany::of(s.actions.iter().cloned()),
                resource: if s.resources.is_empty() {
                    None
                } else {
                    Some(OneOrMany::of(s.resources.iter().cloned()))
                },
                condition: s
                    .conditions
                    .iter()
                    .map(|(op, keys)| {
                        (
                            op.clone(),
                            keys.iter()
                                .map(|(k, v)| (k.clone(), OneOrMany::of(v.iter().cloned())))
                                .collect(),
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct PutBucketPolicy {
    #[serde(rename = "Bucket")]
    bucket: String,
    #[serde(rename = "Policy")]
    policy: String,
}

#[derive(Serialize)]
struct PutKeyPolicy {
    #[serde(rename = "KeyId")]
    key_id: String,
    #[serde(rename = "PolicyName")]
    policy_name: &'static str,
    #[serde(rename = "Policy")]
    policy: String,
}

#[derive(Serialize)]
struct SetQueueAttributes {
    #[serde(rename = "QueueUrl")]
    queue_url: String,
    #[serde(rename = "Attributes")]
    attributes: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct SetTopicAttributes {
    #[serde(rename = "TopicArn")]
    topic_arn: String,
    #[serde(rename = "AttributeName")]
    attribute_name: &'static str,
    #[serde(rename = "AttributeValue")]
    attribute_value: String,
}

#[derive(Serialize)]
struct PutResourcePolicy {
    #[serde(rename = "SecretId")]
    secret_id: String,
    #[serde(rename = "ResourcePolicy")]
    resource_policy: String,
    #[serde(rename = "BlockPublicPolicy")]
    block_public_policy: bool,
}

#[derive(Serialize)]
struct SetRepositoryPolicy {
    #[serde(rename = "registryId")]
    registry_id: String,
    #[serde(rename = "repositoryName")]
    repository_name: String,
    #[serde(rename = "policyText")]
    policy_text: String,
}

/// A file-name-safe form of a resource name.
fn folder(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '.'
            }
        })
        .collect()
}

/// All resource-policy artifacts.
pub fn emit(ir: &Ir, out: &mut Vec<Artifact>) {
    for p in &ir.resource_policies {
        let doc = document(p);
        let policy = compact(&doc);
        let (doc_name, call_name, call) = match p.kind {
            ResourceKind::S3Bucket => (
                "bucket-policy.json",
                "put-bucket-policy.json",
                pretty(&PutBucketPolicy {
                    bucket: p.name.clone(),
                    policy,
                }),
            ),
            ResourceKind::KmsKey => (
                "key-policy.json",
                "put-key-policy.json",
                pretty(&PutKeyPolicy {
                    key_id: p.arn.clone(),
                    policy_name: "default",
                    policy,
                }),
            ),
            ResourceKind::SqsQueue => (
                "queue-policy.json",
                "set-queue-attributes.json",
                pretty(&SetQueueAttributes {
                    queue_url: format!(
                        "https://sqs.{}.amazonaws.com/{}/{}",
                        p.region, p.account, p.name
                    ),
                    attributes: BTreeMap::from([("Policy", policy)]),
                }),
            ),
            ResourceKind::SnsTopic => (
                "topic-policy.json",
                "set-topic-attributes.json",
                pretty(&SetTopicAttributes {
                    topic_arn: p.arn.clone(),
                    attribute_name: "Policy",
                    attribute_value: policy,
                }),
            ),
            ResourceKind::Secret => (
                "secret-policy.json",
                "put-resource-policy.json",
                pretty(&PutResourcePolicy {
                    secret_id: p.arn.clone(),
                    resource_policy: policy,
                    block_public_policy: true,
                }),
            ),
            ResourceKind::EcrRepository => (
                "repository-policy.json",
                "set-repository-policy.json",
                pretty(&SetRepositoryPolicy {
                    registry_id: p.account.clone(),
                    repository_name: p.name.clone(),
                    policy_text: policy,
                }),
            ),
        };
        let dir = format!("resources/{}/{}", p.kind.service(), folder(&p.name));
        let account = (!p.account.is_empty()).then(|| p.account.clone());
        out.push(Artifact {
            path: format!("{dir}/{doc_name}"),
            kind: "iam-resource-policy",
            cluster: None,
            account: account.clone(),
            sources: vec![p.span],
            contents: pretty(&doc),
        });
        out.push(Artifact {
            path: format!("{dir}/{call_name}"),
            kind: "aws-cli-put-resource-policy",
            cluster: None,
            account,
            sources: vec![p.span],
            contents: call,
        });
    }
}
