//! Resource-based policies: the policy document and the input of the service's put-policy call
//! (`aws s3api put-bucket-policy`, `aws kms put-key-policy`, `aws sqs set-queue-attributes`,
//! `aws sns set-topic-attributes`, `aws secretsmanager put-resource-policy`,
//! `aws ecr set-repository-policy`), one folder per resource.

use std::collections::BTreeMap;

use super::iam::{PolicyDocument, StatementDoc};
use super::json::{render, to_compact, to_pretty, OneOrMany};
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
pub fn emit(ir: &Ir, out: &mut super::out::Out<'_>) {
    for p in &ir.resource_policies {
        let doc = document(p);
        let policy = to_compact(&doc);
        let object = |members: &[(&str, &str)]| {
            render(true, |w| {
                w.begin_object();
                for (k, v) in members {
                    w.str_member(k, v);
                }
                w.end_object();
            })
        };
        let (doc_name, call_name, call) = match p.kind {
            ResourceKind::S3Bucket => (
                "bucket-policy.json",
                "put-bucket-policy.json",
                object(&[("Bucket", &p.name), ("Policy", &policy)]),
            ),
            ResourceKind::KmsKey => (
                "key-policy.json",
                "put-key-policy.json",
                object(&[
                    ("KeyId", &p.arn),
                    ("PolicyName", "default"),
                    ("Policy", &policy),
                ]),
            ),
            ResourceKind::SqsQueue => (
                "queue-policy.json",
                "set-queue-attributes.json",
                render(true, |w| {
                    w.begin_object();
                    w.key("QueueUrl");
                    w.str_parts(&[
                        "https://sqs.",
                        &p.region,
                        ".amazonaws.com/",
                        &p.account,
                        "/",
                        &p.name,
                    ]);
                    w.key("Attributes");
                    w.begin_object();
                    w.str_member("Policy", &policy);
                    w.end_object();
                    w.end_object();
                }),
            ),
            ResourceKind::SnsTopic => (
                "topic-policy.json",
                "set-topic-attributes.json",
                object(&[
                    ("TopicArn", &p.arn),
                    ("AttributeName", "Policy"),
                    ("AttributeValue", &policy),
                ]),
            ),
            ResourceKind::Secret => (
                "secret-policy.json",
                "put-resource-policy.json",
                render(true, |w| {
                    w.begin_object();
                    w.str_member("SecretId", &p.arn);
                    w.str_member("ResourcePolicy", &policy);
                    w.key("BlockPublicPolicy");
                    w.bool(true);
                    w.end_object();
                }),
            ),
            ResourceKind::EcrRepository => (
                "repository-policy.json",
                "set-repository-policy.json",
                object(&[
                    ("registryId", &p.account),
                    ("repositoryName", &p.name),
                    ("policyText", &policy),
                ]),
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
            contents: to_pretty(&doc),
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
