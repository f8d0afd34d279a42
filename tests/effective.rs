#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Effective access: a `resource` grant works on its own (the admitted app's role gets the
//! matching identity statement), grants AWS would deny are warnings naming both sides, and
//! `explain` / `who-can` show what AWS decides. The requests themselves are simulated with AWS's
//! evaluation logic in `examples/cross-account/simulate.json` (`.ci/simulate.sh`).

use std::collections::BTreeSet;

use accessc::diagnostics::Code;
use accessc::ir::{IamRole, Ir, Statement};
use accessc::source::Sources;

const KEY: &str = "arn:aws:kms:us-west-2:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const CLUSTER: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace payments on prod
namespace analytics on prod
"#;

fn compile(program: &str) -> (accessc::Compiled, Sources) {
    let mut sources = Sources::new();
    sources.add("p.access".to_string(), format!("{CLUSTER}{program}"));
    (accessc::compile(&sources), sources)
}

fn ir(program: &str) -> (Ir, Sources) {
    let (c, s) = compile(program);
    (c.ir.unwrap_or_else(|| panic!("{:?}", c.diags)), s)
}

fn role<'a>(ir: &'a Ir, name: &str) -> &'a IamRole {
    ir.roles.iter().find(|r| r.name == name).unwrap()
}

/// The statements of a role that allow `action` on exactly `resource`.
fn allowing<'a>(role: &'a IamRole, action: &str, resource: &str) -> Vec<&'a Statement> {
    role.statements
        .iter()
        .filter(|s| s.actions.contains(action) && s.resources.contains(resource))
        .collect()
}

fn codes(c: &accessc::Compiled) -> Vec<Code> {
    c.diags.iter().map(|d| d.code).collect()
}

#[test]
fn a_resource_grant_alone_lets_the_app_in() {
    let (ir, _) = ir(&format!(
        r#"
app checkout in payments {{ identity = pod_identity }}
app reports in analytics {{ identity = irsa }}
resource "arn:aws:s3:::media" {{
  read by payments/checkout
    when aws:SourceVpce == "vpce-1a2b3c4d"
}}
resource "{KEY}" {{
  allow kms:Decrypt by payments/checkout, analytics/reports
}}
"#
    ));
    let checkout = role(&ir, "payments-checkout");
    // Bucket-level and object-level reads, each on exactly its part of the bucket, with the
    // grant's condition.
    let s = allowing(checkout, "s3:GetBucketTagging", "arn:aws:s3:::media");
    assert_eq!(s.len(), 1, "{:#?}", checkout.statements);
    assert_eq!(s[0].resources.len(), 1);
    assert_eq!(
        s[0].conditions["StringEquals"]["aws:SourceVpce"],
        BTreeSet::from(["vpce-1a2b3c4d".to_string()])
    );
    assert_eq!(
        allowing(checkout, "s3:GetObject", "arn:aws:s3:::media/*").len(),
        1
    );
    assert!(allowing(checkout, "s3:GetObject", "arn:aws:s3:::media").is_empty());
    // The key of another account: the identity side AWS asks across accounts.
    let s = allowing(checkout, "kms:Decrypt", KEY);
    assert_eq!(s.len(), 1);
    assert!(
        s[0].conditions.is_empty(),
        "an own role needs no session tags"
    );
    assert!(checkout
        .statements
        .iter()
        .all(|s| !s.actions.contains("kms:Encrypt")));
    // IRSA too.
    assert_eq!(
        allowing(role(&ir, "analytics-reports"), "kms:Decrypt", KEY).len(),
        1
    );
    // Every target writes it: the role's permissions policy.
    let (c, _) = compile(&format!(
        r#"
app checkout in payments {{ identity = pod_identity }}
resource "{KEY}" {{
  allow kms:Decrypt by payments/checkout
}}
"#
    ));
    let arts = c.artifacts.unwrap();
    for path in [
        "aws/111122223333/roles/payments-checkout/policy.json",
        "terraform/111122223333/role-payments-checkout.tf.json",
    ] {
        let a = arts
            .iter()
            .find(|a| a.path == path)
            .unwrap_or_else(|| panic!("{path}"));
        let text = &a.contents;
        assert!(
            text.contains("kms:Decrypt") && text.contains(KEY),
            "{path}: {text}"
        );
    }
}

#[test]
fn a_resource_grant_to_a_shared_pod_identity_role_reaches_only_the_admitted_member() {
    let (ir, _) = ir(&format!(
        r#"
role auditors {{
  aws {{ read "arn:aws:s3:::media/audit/${{namespace}}/*" }}
}}
app auditor in payments {{ role = auditors }}
app auditor in analytics {{ role = auditors }}
resource "{KEY}" {{
  allow kms:Decrypt by payments/auditor
}}
"#
    ));
    let s = allowing(role(&ir, "auditors"), "kms:Decrypt", KEY);
    assert_eq!(s.len(), 1);
    let eq = &s[0].conditions["StringEquals"];
    assert_eq!(
        eq["aws:PrincipalTag/kubernetes-namespace"],
        BTreeSet::from(["payments".to_string()])
    );
    assert_eq!(
        eq["aws:PrincipalTag/kubernetes-service-account"],
        BTreeSet::from(["auditor".to_string()])
    );
    assert_eq!(
        eq["aws:PrincipalTag/eks-cluster-arn"],
        BTreeSet::from(["arn:aws:eks:us-west-2:111122223333:cluster/prod".to_string()])
    );
}

#[test]
fn a_resource_grant_to_a_shared_irsa_role_warns_that_it_reaches_every_member() {
    let (c, _) = compile(
        r#"
role workers { identity = irsa }
app reader in payments { role = workers }
app writer in payments { role = workers }
resource "arn:aws:sqs:us-west-2:111122223333:jobs" {
  allow sqs:ReceiveMessage by payments/reader
}
"#,
    );
    assert!(codes(&c).contains(&Code::W210), "{:?}", c.diags);
    let ir = c.ir.unwrap();
    assert_eq!(
        allowing(
            role(&ir, "workers"),
            "sqs:ReceiveMessage",
            "arn:aws:sqs:us-west-2:111122223333:jobs"
        )
        .len(),
        1
    );
}

#[test]
fn a_resource_grant_outside_the_boundary_is_a_warning_naming_the_grant() {
    let (c, sources) = compile(
        r#"
boundary workloads { allow s3:GetObject }
app checkout in payments {
  identity = pod_identity
  boundary = workloads
}
resource "arn:aws:s3:::media" {
  allow s3:GetObject, s3:GetBucketTagging by payments/checkout
}
"#,
    );
    let w: Vec<_> = c.diags.iter().filter(|d| d.code == Code::W203).collect();
    assert_eq!(w.len(), 1, "{:?}", c.diags);
    assert!(
        w[0].message.contains("s3:GetBucketTagging"),
        "{}",
        w[0].message
    );
    assert!(!w[0].message.contains("s3:GetObject`"), "{}", w[0].message);
    assert!(sources
        .snippet(w[0].span.unwrap())
        .starts_with("allow s3:GetObject, s3:GetBucketTagging"));
}

#[test]
fn an_identity_grant_the_resource_policy_of_another_account_does_not_admit_is_a_warning() {
    let (c, sources) = compile(&format!(
        r#"
app checkout in payments {{
  aws {{
    allow kms:Decrypt, kms:Encrypt on "{KEY}"
  }}
}}
resource "{KEY}" {{
  allow kms:Decrypt by payments/checkout
}}
"#
    ));
    let w: Vec<_> = c.diags.iter().filter(|d| d.code == Code::W211).collect();
    assert_eq!(w.len(), 1, "{:?}", c.diags);
    assert!(w[0].message.contains("`kms:Encrypt`"), "{}", w[0].message);
    assert!(!w[0].message.contains("kms:Decrypt"), "{}", w[0].message);
    // Both sides: the grant, and the resource declaration as a related span.
    assert!(sources
        .snippet(w[0].span.unwrap())
        .starts_with("allow kms:Decrypt, kms:Encrypt"));
    assert!(w[0]
        .related
        .iter()
        .any(|(span, _)| sources.snippet(*span).starts_with("resource")));
    // Within one account the identity policy is enough: no warning.
    let (c, _) = compile(
        r#"
app checkout in payments {
  aws { allow kms:Encrypt on "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
}
resource "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" {
  allow kms:Decrypt by payments/checkout
}
"#,
    );
    assert!(!codes(&c).contains(&Code::W211), "{:?}", c.diags);
}

#[test]
fn explain_shows_the_effective_result_per_action_and_resource() {
    let (ir, sources) = ir(&format!(
        r#"
boundary workloads {{ allow kms:* }}
app checkout in payments {{
  boundary = workloads
  aws {{
    allow kms:Decrypt, kms:Encrypt on "{KEY}"
    allow s3:GetObject on "arn:aws:s3:::media/*"
  }}
}}
resource "{KEY}" {{
  allow kms:Decrypt by payments/checkout
}}
"#
    ));
    let out = accessc::explain::app(&ir, &sources, "payments/checkout").unwrap();
    let line = |action: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{action} ")))
            .unwrap_or_else(|| panic!("{action}: {out}"))
            .to_string()
    };
    assert!(line("kms:Decrypt").contains(" allowed "), "{out}");
    assert!(line("kms:Encrypt").contains(" DENIED "), "{out}");
    assert!(line("s3:GetObject").contains(" DENIED "), "{out}");
    assert!(
        out.contains("denied: the resource's policy does not admit the app"),
        "{out}"
    );
    assert!(
        out.contains("denied: boundary `workloads` does not allow it"),
        "{out}"
    );
}

#[test]
fn who_can_agrees_with_the_resource_policy_of_another_account() {
    let (ir, sources) = ir(&format!(
        r#"
app checkout in payments {{
  aws {{ allow kms:Decrypt, kms:Encrypt on "{KEY}" }}
}}
resource "{KEY}" {{
  allow kms:Decrypt by payments/checkout
}}
"#
    ));
    let a = accessc::who_can::iam::answer(&ir, &sources, "kms:Encrypt", KEY);
    assert!(a.allowed.is_empty(), "{a:#?}");
    assert_eq!(a.denied_by_resource_policy.len(), 1);
    assert_eq!(a.denied_by_resource_policy[0].role, "payments-checkout");
    let a = accessc::who_can::iam::answer(&ir, &sources, "kms:Decrypt", KEY);
    assert_eq!(a.allowed.len(), 1);
    assert!(a.denied_by_resource_policy.is_empty());
}

#[test]
fn a_resource_grant_of_an_action_without_resource_types_gives_it_on_any_resource() {
    // `ecr:GetAuthorizationToken` supports only `Resource: "*"`: on the repository's ARN the
    // role's statement would allow nothing.
    let (ir, _) = ir(r#"
app checkout in payments { identity = pod_identity }
resource "arn:aws:ecr:us-west-2:111122223333:repository/payments/checkout" {
  allow ecr:GetAuthorizationToken, ecr:BatchGetImage by payments/checkout
}
"#);
    let checkout = role(&ir, "payments-checkout");
    assert_eq!(
        allowing(checkout, "ecr:GetAuthorizationToken", "*").len(),
        1
    );
    assert_eq!(
        allowing(
            checkout,
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-west-2:111122223333:repository/payments/checkout"
        )
        .len(),
        1
    );
    assert!(checkout
        .statements
        .iter()
        .all(|s| s.resources.contains("*") != s.actions.contains("ecr:BatchGetImage")));
}
