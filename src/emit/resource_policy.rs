//! Resource-based policies: the policy document and the input of the service's put-policy call
//! (`aws s3api put-bucket-policy`, `aws kms put-key-policy`, `aws sqs set-queue-attributes`,
//! `aws sns set-topic-attributes`, `aws secretsmanager put-resource-policy`,
//! `aws ecr set-repository-policy`), one folder per resource ([`dir`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::iam::{PolicyDocument, StatementDoc};
use super::json::{to_compact, to_pretty, OneOrMany};
use super::layout::{ArtifactPath, ResourceDir};
use super::Artifact;
use crate::ir::{Ir, ResourceKind, ResourcePolicy};

/// The policy document of a resource (also used by the Terraform emitter).
pub fn document(p: &ResourcePolicy) -> PolicyDocument<'_> {
    PolicyDocument::new(
        p.statements
            .iter()
            .map(|s| StatementDoc {
                sid: Cow::Borrowed(&s.sid),
                effect: "Allow",
                principal: Some(BTreeMap::from([("AWS", OneOrMany::Set(&s.principals))])),
                action: OneOrMany::Set(&s.actions),
                resource: (!s.resources.is_empty()).then_some(OneOrMany::Set(&s.resources)),
                condition: Cow::Borrowed(&s.conditions),
            })
            .collect(),
    )
}

/// The input of a put-policy call: members in their order, string values but one
/// (`BlockPublicPolicy`) and one nested object (`Attributes`).
#[derive(Serialize)]
#[serde(untagged)]
enum Value<'a> {
    Str(Cow<'a, str>),
    Bool(bool),
    Object(Call<'a>),
}

/// An object of [`Value`]s, its members in order.
struct Call<'a>(Vec<(&'static str, Value<'a>)>);

impl Serialize for Call<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
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
        fn str(v: &str) -> Value<'_> {
            Value::Str(Cow::Borrowed(v))
        }
        let (doc_name, call_name, members) = match p.kind {
            ResourceKind::S3Bucket => (
                "bucket-policy.json",
                "put-bucket-policy.json",
                vec![("Bucket", str(&p.name)), ("Policy", str(&policy))],
            ),
            ResourceKind::KmsKey => (
                "key-policy.json",
                "put-key-policy.json",
                vec![
                    ("KeyId", str(&p.arn)),
                    ("PolicyName", str("default")),
                    ("Policy", str(&policy)),
                ],
            ),
            ResourceKind::SqsQueue => (
                "queue-policy.json",
                "set-queue-attributes.json",
                vec![
                    (
                        "QueueUrl",
                        Value::Str(Cow::Owned(format!(
                            "https://sqs.{}.amazonaws.com/{}/{}",
                            p.region, p.account, p.name
                        ))),
                    ),
                    (
                        "Attributes",
                        Value::Object(Call(vec![("Policy", str(&policy))])),
                    ),
                ],
            ),
            ResourceKind::SnsTopic => (
                "topic-policy.json",
                "set-topic-attributes.json",
                vec![
                    ("TopicArn", str(&p.arn)),
                    ("AttributeName", str("Policy")),
                    ("AttributeValue", str(&policy)),
                ],
            ),
            ResourceKind::Secret => (
                "secret-policy.json",
                "put-resource-policy.json",
                vec![
                    ("SecretId", str(&p.arn)),
                    ("ResourcePolicy", str(&policy)),
                    ("BlockPublicPolicy", Value::Bool(true)),
                ],
            ),
            ResourceKind::EcrRepository => (
                "repository-policy.json",
                "set-repository-policy.json",
                vec![
                    ("registryId", str(&p.account)),
                    ("repositoryName", str(&p.name)),
                    ("policyText", str(&policy)),
                ],
            ),
        };
        let call = to_pretty(&Call(members));
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
