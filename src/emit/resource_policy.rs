//! Resource-based policies: the policy document and the input of the service's put-policy call
//! (`aws s3api put-bucket-policy`, `aws kms put-key-policy`, `aws sqs set-queue-attributes`,
//! `aws sns set-topic-attributes`, `aws secretsmanager put-resource-policy`,
//! `aws ecr set-repository-policy`), one folder per resource ([`dir`]).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::iam::{PolicyDocument, StatementDoc};
use super::json::{to_compact, to_pretty, OneOrMany};
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

/// The folder of a resource: its name when that is a safe file name, else an escaped form. The
/// mapping is injective even where case does not count (macOS, Windows), and never yields an
/// empty name, `.`, `..`, a name Windows reserves (`con`, `aux`, `com1`, …) or one too long
/// for a file system:
///
/// * a name of letters, digits, `-`, `_` and `.` that starts with a letter or digit, does not
///   end with a dot, is at most 120 characters and is not a Windows device name is kept, with
///   `~` and the positions of its capitals (a hexadecimal bit mask) appended when it has any
///   (`ledger-db-AbCdEf~5400`);
/// * any other name is `~` then the name with every character but lower-case letters, digits
///   and `-` written `_` and the hexadecimal of its UTF-8 bytes (`team/app` is
///   `~team_2fapp`, `..` is `~_2e_2e`), cut at 100 characters and followed by `~` and 16
///   hexadecimal digits of its SHA-256 when longer.
///
/// A kept name has no `~` or a `~` only before its mask, and starts with a letter or digit; an
/// escaped one starts with `~`: the two forms never meet.
fn folder(name: &str) -> String {
    const MAX: usize = 120;
    let plain = !name.is_empty()
        && name.len() <= MAX
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !name.ends_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && super::paths::check(name).is_ok();
    if plain {
        let mask = name
            .bytes()
            .enumerate()
            .filter(|(_, b)| b.is_ascii_uppercase())
            .fold(0u128, |m, (i, _)| m | (1u128 << i));
        return if mask == 0 {
            name.to_string()
        } else {
            format!("{name}~{mask:x}")
        };
    }
    let mut escaped = String::from("~");
    for c in name.chars() {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' {
            escaped.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                escaped.push_str(&format!("_{b:02x}"));
            }
        }
    }
    if escaped.len() > MAX {
        let mut cut = 100;
        while !escaped.is_char_boundary(cut) {
            cut -= 1;
        }
        escaped.truncate(cut);
        let hash = super::manifest::sha256(name.as_bytes());
        escaped.push('~');
        escaped.push_str(hash.get(..16).unwrap_or(&hash));
    }
    escaped
}

/// The folder of a resource's two files, named after everything its ARN says (so that two
/// resources never share one, in any case):
///
/// * `resources/s3/BUCKET` for a bucket (S3 bucket names are global in a partition; its ARN names
///   no account and no region);
/// * `resources/ACCOUNT/REGION/SERVICE/NAME` for every other resource (a queue `orders` in two
///   regions, or in two accounts, is two resources), and for a bucket whose ARN does name an
///   account or a region;
/// * either one below `resources/PARTITION/` when the partition is not `aws`
///   (`resources/aws-cn/s3/BUCKET`).
///
/// Each part is a [`folder`] name (an empty one is `~`). The forms differ in depth, and each is
/// injective in the parts it names.
pub fn dir(p: &ResourcePolicy) -> String {
    let mut dir = String::from("resources");
    let mut part = |s: &str| {
        dir.push('/');
        dir.push_str(&folder(s));
    };
    if p.partition != "aws" {
        part(&p.partition);
    }
    if p.kind != ResourceKind::S3Bucket || !p.account.is_empty() || !p.region.is_empty() {
        part(&p.account);
        part(&p.region);
    }
    part(p.kind.service());
    part(&p.name);
    dir
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

#[cfg(test)]
mod tests {
    use super::{dir, folder};
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
            let d = dir(p);
            assert_eq!(&d, want);
            assert!(crate::emit::paths::check(&d).is_ok(), "{d}");
            assert!(seen.insert(d.to_lowercase()), "{d} twice");
        }
    }

    #[test]
    fn resource_folders_are_distinct_safe_file_names() {
        assert_eq!(folder("orders"), "orders");
        assert_eq!(folder("my.bucket-1_a"), "my.bucket-1_a");
        assert_eq!(folder("ledger-db-AbCdEf"), "ledger-db-AbCdEf~5400");
        assert_eq!(folder("team/app"), "~team_2fapp");
        assert_eq!(folder(".."), "~_2e_2e");
        let names = [
            "team/app",
            "team.app",
            "team_app",
            "team-app",
            "team_2fapp",
            "~team_2fapp",
            "..",
            ".",
            "",
            "con",
            "CON",
            "aux.json",
            "com1",
            "Com1",
            "lpt9.x",
            "nul",
            "Orders",
            "orders",
            "ORDERS",
            "x.",
            "x ",
            "a\\b",
            "a\nb",
            "é",
            "É",
            "ledger-db-AbCdEf",
            "ledger-db-abcdef",
            "ledger-db-abcdef~5400",
            &"x".repeat(200),
            &"x".repeat(199),
            &"/".repeat(80),
            &"/".repeat(81),
        ];
        let mut seen = std::collections::HashMap::new();
        for n in names {
            let f = folder(n);
            assert!(
                crate::emit::paths::check(&f).is_ok() && !f.contains('/'),
                "{n:?} -> {f:?}"
            );
            assert!(f.len() <= 140, "{n:?} -> {f:?}");
            if let Some(other) = seen.insert(f.to_lowercase(), n) {
                panic!("{other:?} and {n:?} share the folder {f:?}");
            }
        }
    }
}
