//! Resource-based policies: the policy document and the input of the service's put-policy call
//! (`aws s3api put-bucket-policy`, `aws kms put-key-policy`, `aws sqs set-queue-attributes`,
//! `aws sns set-topic-attributes`, `aws secretsmanager put-resource-policy`,
//! `aws ecr set-repository-policy`), one folder per resource ([`dir`]).

use std::collections::BTreeMap;

use super::iam::{PolicyDocument, StatementDoc};
use super::json::{render, to_compact, to_pretty, OneOrMany};
use super::layout::{ArtifactPath, ResourceDir};
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

/// The folder of a resource's two files, named after everything its ARN says (so that two
/// resources never share one, in any case): see [`ResourceDir`].
pub fn dir(p: &ResourcePolicy) -> ResourceDir<'static> {
    ResourceDir::of(
        &p.partition,
        &p.account,
        &p.region,
        p.kind.service(),
        &p.name,
    )
}

/// All resource-policy artifacts.
pub fn emit<T, E>(ir: &Ir, out: &mut super::out::Out<'_, T, E>) {
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
        let dir = dir(p);
        let account = (!p.account.is_empty()).then(|| p.account.clone());
        out.push(Artifact {
            path: ArtifactPath::Resource {
                dir: dir.clone(),
                file: doc_name,
            }
            .render(),
            kind: "iam-resource-policy",
            cluster: None,
            account: account.clone(),
            sources: vec![p.span],
            contents: to_pretty(&doc),
        });
        out.push(Artifact {
            path: ArtifactPath::Resource {
                dir,
                file: call_name,
            }
            .render(),
            kind: "aws-cli-put-resource-policy",
            cluster: None,
            account,
            sources: vec![p.span],
            contents: call,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::dir;
    use crate::ir::{ResourceKind, ResourcePolicy};

    fn policy(kind: ResourceKind, partition: &str, region: &str, account: &str) -> ResourcePolicy {
        ResourcePolicy {
            arn: String::new(),
            kind,
            partition: partition.into(),
            region: region.into(),
            account: account.into(),
            name: "orders".into(),
            statements: Vec::new(),
            span: crate::ast::Span::default(),
        }
    }

    #[test]
    fn same_named_resources_of_two_regions_accounts_or_kinds_get_two_folders() {
        use ResourceKind::*;
        let a = "111122223333";
        let b = "444455556666";
        let cases = [
            (policy(S3Bucket, "aws", "", ""), "resources/s3/orders"),
            (
                policy(S3Bucket, "aws-cn", "", ""),
                "resources/aws-cn/s3/orders",
            ),
            (
                policy(S3Bucket, "aws", "", a),
                "resources/111122223333/~/s3/orders",
            ),
            (
                policy(S3Bucket, "aws", "us-east-1", ""),
                "resources/~/us-east-1/s3/orders",
            ),
            (
                policy(SqsQueue, "aws", "us-east-1", a),
                "resources/111122223333/us-east-1/sqs/orders",
            ),
            (
                policy(SqsQueue, "aws", "us-west-2", a),
                "resources/111122223333/us-west-2/sqs/orders",
            ),
            (
                policy(SqsQueue, "aws", "us-east-1", b),
                "resources/444455556666/us-east-1/sqs/orders",
            ),
            (
                policy(SqsQueue, "aws-cn", "us-east-1", a),
                "resources/aws-cn/111122223333/us-east-1/sqs/orders",
            ),
            (
                policy(SnsTopic, "aws", "us-east-1", a),
                "resources/111122223333/us-east-1/sns/orders",
            ),
            (
                policy(Secret, "aws", "us-east-1", a),
                "resources/111122223333/us-east-1/secretsmanager/orders",
            ),
            (
                policy(EcrRepository, "aws", "us-east-1", a),
                "resources/111122223333/us-east-1/ecr/orders",
            ),
            (
                policy(KmsKey, "aws", "us-east-1", a),
                "resources/111122223333/us-east-1/kms/orders",
            ),
            (
                policy(SqsQueue, "aws", "us/east", a),
                "resources/111122223333/~us_2feast/sqs/orders",
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (p, want) in &cases {
            let d = dir(p).to_string();
            assert_eq!(&d, want);
            assert!(crate::emit::paths::check(&d).is_ok(), "{d}");
            assert!(seen.insert(d.to_lowercase()), "{d} twice");
        }
    }
}
