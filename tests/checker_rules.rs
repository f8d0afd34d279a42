//! The type-checker's rules, one small in-memory program each, through `accessc::compile`.
//!
//! Each test asserts the diagnostic's code, a substring of its message and of its help, and the
//! source text its span underlines (not byte offsets), so the tests survive reformatting of the
//! surrounding program.

// Helpers outside `#[test]` functions panic on purpose: a failed lookup is a failed test.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use accessc::diagnostics::{Code, Diag, Severity};
use accessc::source::Sources;
use accessc::Compiled;

/// A cluster with an OIDC issuer and a namespace on it.
const BASE: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}

namespace payments on prod
"#;

/// A cluster without `oidc` (and without `org`) and a namespace on it.
const BASE_NO_OIDC: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
}

namespace payments on prod
"#;

/// An app that compiles, for programs whose error is elsewhere.
const APP: &str = r#"
app checkout in payments {
  aws {
    allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders"
  }
}
"#;

fn compile_files(files: &[(&str, &str)]) -> (Sources, Compiled) {
    let mut sources = Sources::new();
    for (path, text) in files {
        sources.add(*path, *text);
    }
    let compiled = accessc::compile(&sources);
    (sources, compiled)
}

fn compile(text: &str) -> (Sources, Compiled) {
    compile_files(&[("x.access", text)])
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diags.iter().map(|d| d.code.as_str()).collect()
}

fn underlined<'s>(sources: &'s Sources, d: &Diag) -> &'s str {
    sources.snippet(d.span.expect("the diagnostic has a span"))
}

/// Compile, expect exactly one diagnostic with `code` (and, for an error code, no output), and
/// check its message, help and underlined text. Returns it for further checks.
#[track_caller]
fn expect(text: &str, code: Code, message: &str, help: &str, under: &str) -> (Sources, Diag) {
    let (sources, compiled) = compile(text);
    expect_in(sources, compiled, code, message, help, under)
}

#[track_caller]
fn expect_in(
    sources: Sources,
    compiled: Compiled,
    code: Code,
    message: &str,
    help: &str,
    under: &str,
) -> (Sources, Diag) {
    let found: Vec<&Diag> = compiled.diags.iter().filter(|d| d.code == code).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code}, got {:?}: {:#?}",
        codes(&compiled),
        compiled.diags
    );
    let d = found[0].clone();
    if code.severity() == Severity::Error {
        assert!(compiled.artifacts.is_none(), "an error produced output");
    }
    assert!(
        d.message.contains(message),
        "message {:?} does not contain {:?}",
        d.message,
        message
    );
    let h = d.help.clone().unwrap_or_default();
    assert!(h.contains(help), "help {h:?} does not contain {help:?}");
    assert_eq!(underlined(&sources, &d), under, "underlined text of {d:#?}");
    (sources, d)
}

#[track_caller]
fn assert_compiles(text: &str) -> Compiled {
    let (_, compiled) = compile(text);
    assert!(
        compiled.diags.iter().all(|d| !d.is_error()),
        "unexpected errors: {:#?}",
        compiled.diags
    );
    assert!(compiled.artifacts.is_some());
    compiled
}

fn artifact<'c>(c: &'c Compiled, path: &str) -> &'c str {
    c.artifacts
        .as_ref()
        .and_then(|a| a.iter().find(|a| a.path == path))
        .map(|a| a.contents.as_str())
        .unwrap_or_else(|| panic!("no artifact {path}"))
}

// ------------------------------------------------------------------------------------------
// Baseline

#[test]
fn base_program_compiles() {
    let c = assert_compiles(&format!("{BASE}{APP}"));
    assert!(c.diags.is_empty(), "{:#?}", c.diags);
}

// ------------------------------------------------------------------------------------------
// Duplicates (E101, E117)

#[test]
fn duplicate_cluster_across_files_points_at_the_later_one() {
    let (sources, compiled) = compile_files(&[
        ("a.access", &format!("{BASE}{APP}")),
        (
            "b.access",
            "cluster prod {\n  account = \"444455556666\"\n  region = \"eu-west-1\"\n}\n",
        ),
    ]);
    let (sources, d) = expect_in(
        sources,
        compiled,
        Code::E101,
        "cluster `prod` is declared twice",
        "rename or remove one of the two cluster declarations",
        "prod",
    );
    assert_eq!(sources.path(d.span.unwrap().file), "b.access");
    let (first, label) = &d.related[0];
    assert_eq!(sources.path(first.file), "a.access");
    assert_eq!(sources.snippet(*first), "prod");
    assert_eq!(label, "first declared here");
}

#[test]
fn duplicate_app_in_one_namespace() {
    let text = format!("{BASE}{APP}\napp checkout in payments {{ }}\n");
    let (_, d) = expect(
        &text,
        Code::E101,
        "app `checkout` is declared twice",
        "app declarations",
        "checkout",
    );
    assert_eq!(d.related.len(), 1);
}

#[test]
fn same_app_name_in_two_namespaces_is_fine() {
    let text = format!(
        "{BASE}namespace billing on prod\n{APP}\napp checkout in billing {{\n  kubernetes {{\n    get configmaps\n  }}\n}}\n"
    );
    assert_compiles(&text);
}

#[test]
fn duplicate_setting() {
    let text = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  region = \"us-east-1\"\n}\nnamespace payments on prod\n";
    let (sources, d) = expect(
        text,
        Code::E117,
        "`region` is set twice",
        "remove one",
        "region",
    );
    // The primary span is the second `region`, the related one the first.
    assert!(d.span.unwrap().start > d.related[0].0.start);
    assert_eq!(sources.snippet(d.related[0].0), "region");
}

// ------------------------------------------------------------------------------------------
// Unknown references with "did you mean" (E102–E105, E122)

#[test]
fn unknown_cluster_suggests_the_closest() {
    let text = BASE.replace("namespace payments on prod", "namespace payments on prd");
    expect(
        &format!("{text}{APP}"),
        Code::E102,
        "unknown cluster `prd`",
        "did you mean `prod`?",
        "prd",
    );
}

#[test]
fn unknown_cluster_without_close_name_lists_the_declared_ones() {
    let text = format!("{BASE}namespace tools on kubernetes-staging\n");
    expect(
        &text,
        Code::E102,
        "unknown cluster `kubernetes-staging`",
        "declared clusters: `prod`",
        "kubernetes-staging",
    );
}

#[test]
fn unknown_cluster_in_access_declaration() {
    let text = format!(
        "{BASE}access oncall on prdo {{\n  role = \"arn:aws:iam::111122223333:role/OnCall\"\n}}\n"
    );
    expect(
        &text,
        Code::E102,
        "unknown cluster `prdo`",
        "did you mean `prod`?",
        "prdo",
    );
}

#[test]
fn unknown_namespace_of_an_app() {
    let text = format!("{BASE}{}", APP.replace("in payments", "in paymnts"));
    expect(
        &text,
        Code::E103,
        "unknown namespace `paymnts`",
        "did you mean `payments`?",
        "paymnts",
    );
}

#[test]
fn unknown_namespace_in_kubernetes_block() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  kubernetes in paymnt {{\n    get configmaps\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E103,
        "unknown namespace `paymnt`",
        "did you mean `payments`?",
        "paymnt",
    );
}

#[test]
fn unknown_role_suggests_the_closest() {
    let text = format!(
        "{BASE}role tenant-reader {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::t/${{namespace}}/*\"\n  }}\n}}\napp checkout in payments {{\n  role = \"tenant-readr\"\n}}\n"
    );
    expect(
        &text,
        Code::E104,
        "unknown role `tenant-readr`",
        "did you mean `tenant-reader`?",
        "\"tenant-readr\"",
    );
}

#[test]
fn unknown_boundary_of_an_app() {
    let text = format!(
        "{BASE}boundary workloads {{\n  allow s3:*\n}}\napp checkout in payments {{\n  boundary = \"workload\"\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::receipts/*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E105,
        "unknown boundary `workload`",
        "did you mean `workloads`?",
        "\"workload\"",
    );
}

#[test]
fn unknown_app_in_resource_policy() {
    let text = format!(
        "{BASE}{APP}\nresource \"arn:aws:sqs:us-west-2:111122223333:orders\" {{\n  allow sqs:SendMessage by payments/chekout\n}}\n"
    );
    expect(
        &text,
        Code::E122,
        "unknown app `payments/chekout`",
        "did you mean `payments/checkout`?",
        "payments/chekout",
    );
}

// ------------------------------------------------------------------------------------------
// Names and settings (E106–E109)

#[test]
fn invalid_app_name_proposes_a_valid_one() {
    let text = format!("{BASE}{}", APP.replace("app checkout", "app Check_out"));
    expect(
        &text,
        Code::E106,
        "`Check_out` is not a valid name",
        "try `check-out`",
        "Check_out",
    );
}

#[test]
fn invalid_service_account_name() {
    let text =
        format!("{BASE}app checkout in payments {{\n  service_account = \"Checkout_SA\"\n}}\n");
    expect(
        &text,
        Code::E106,
        "`Checkout_SA` is not a valid name",
        "try `checkout-sa`",
        "\"Checkout_SA\"",
    );
}

#[test]
fn unknown_setting_suggests_the_closest() {
    let text = format!("{BASE}app checkout in payments {{\n  servce_account = \"sa\"\n}}\n");
    expect(
        &text,
        Code::E107,
        "`app` has no setting `servce_account`",
        "did you mean `service_account`?",
        "servce_account",
    );
}

#[test]
fn namespace_has_no_settings() {
    let text = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n}\nnamespace payments on prod {\n  labels = \"x\"\n}\n";
    expect(
        text,
        Code::E107,
        "`namespace` has no setting `labels`",
        "",
        "labels",
    );
}

#[test]
fn missing_account() {
    let text = "cluster prod {\n  region = \"us-west-2\"\n}\nnamespace payments on prod\n";
    expect(
        text,
        Code::E108,
        "cluster `prod` has no `account`",
        "add `account = \"111122223333\"`",
        "prod",
    );
}

#[test]
fn boundary_without_allow() {
    let text = format!("{BASE}boundary locked {{\n  deny iam:*\n}}\n{APP}");
    expect(
        &text,
        Code::E108,
        "boundary `locked` allows nothing",
        "add `allow",
        "locked",
    );
}

#[test]
fn choice_value_suggests_the_closest() {
    let text = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  auth_mode = \"configmap\"\n}\n";
    expect(
        text,
        Code::E109,
        "`configmap` is not a valid `auth_mode` of `cluster`",
        "did you mean `config_map`?",
        "\"configmap\"",
    );
}

#[test]
fn boolean_setting_with_a_string() {
    let text = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  bootstrap_admin = \"yes\"\n}\n";
    expect(
        text,
        Code::E109,
        "`bootstrap_admin` must be `true` or `false`",
        "write `bootstrap_admin = true`",
        "\"yes\"",
    );
}

#[test]
fn identity_none_with_grants() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  identity = \"none\"\n  aws {{\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders\"\n  }}\n}}\n"
    );
    let (_, d) = expect(
        &text,
        Code::E109,
        "app `checkout` has `identity = none` but AWS grants",
        "remove the grants",
        "aws {\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders\"\n  }",
    );
    assert_eq!(d.label.as_deref(), Some("AWS grants"));
}

// ------------------------------------------------------------------------------------------
// AWS values (E110–E114, E121, E123)

fn cluster_with(extra: &str) -> String {
    format!(
        "cluster prod {{\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  {extra}\n}}\nnamespace payments on prod\n{APP}"
    )
}

#[test]
fn account_must_be_twelve_digits() {
    let text = format!("{BASE}{APP}").replace("\"111122223333\"\n", "\"1111-2222-3333\"\n");
    expect(
        &text,
        Code::E110,
        "`1111-2222-3333` is not an AWS account id",
        "exactly 12 digits",
        "\"1111-2222-3333\"",
    );
}

#[test]
fn region_must_look_like_a_region() {
    let text = format!("{BASE}{APP}").replace("\"us-west-2\"\n", "\"Oregon\"\n");
    let (_, compiled) = compile(&text);
    // The issuer is checked against the region too; the region error is the one that matters.
    let d = compiled
        .diags
        .iter()
        .find(|d| d.code == Code::E111)
        .expect("E111");
    assert_eq!(d.message, "`Oregon` is not an AWS region");
    assert!(d.help.as_deref().unwrap_or("").contains("\"us-west-2\""));
}

#[test]
fn unknown_partition_suggests_the_closest() {
    expect(
        &cluster_with("partition = \"aws-us-gvo\""),
        Code::E112,
        "`aws-us-gvo` is not an AWS partition",
        "did you mean `aws-us-gov`?",
        "\"aws-us-gvo\"",
    );
}

#[test]
fn partition_must_match_the_region() {
    let (sources, d) = expect(
        &cluster_with("partition = \"aws-cn\""),
        Code::E112,
        "region `us-west-2` is in partition `aws`, not `aws-cn`",
        "remove it",
        "\"aws-cn\"",
    );
    assert_eq!(sources.snippet(d.related[0].0), "\"us-west-2\"");
}

#[test]
fn grant_arn_must_have_six_parts() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3::receipts/*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E113,
        "is not a valid ARN: it needs six `:`-separated parts",
        "arn:aws:s3:::bucket/*",
        "\"arn:aws:s3::receipts/*\"",
    );
}

#[test]
fn node_role_must_be_a_role() {
    expect(
        &cluster_with("nodes = \"arn:aws:iam::111122223333:user/nodes\""),
        Code::E113,
        "is not an IAM role ARN",
        "arn:aws:iam::111122223333:role/NAME",
        "\"arn:aws:iam::111122223333:user/nodes\"",
    );
}

#[test]
fn node_role_must_be_in_the_cluster_account() {
    expect(
        &cluster_with("nodes = \"arn:aws:iam::444455556666:role/nodes\""),
        Code::E113,
        "the node role is in account `444455556666`, the cluster in `111122223333`",
        "cluster's account",
        "\"arn:aws:iam::444455556666:role/nodes\"",
    );
}

#[test]
fn oidc_issuer_without_scheme() {
    let text = format!("{BASE}{APP}").replace("\"oidc.eks", "\"https://oidc.eks");
    expect(
        &text,
        Code::E114,
        "the OIDC issuer is written without `https://`",
        "write \"oidc.eks.us-west-2.amazonaws.com/id/",
        "\"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"",
    );
}

#[test]
fn oidc_issuer_of_another_region() {
    let text = format!("{BASE}{APP}").replace("oidc.eks.us-west-2", "oidc.eks.eu-west-1");
    expect(
        &text,
        Code::E114,
        "is not an EKS OIDC issuer",
        "must be `oidc.eks.us-west-2.amazonaws.com`",
        "\"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"",
    );
}

#[test]
fn organization_id() {
    expect(
        &cluster_with("org = \"o-123\""),
        Code::E121,
        "`o-123` is not an AWS Organizations id",
        "o-a1b2c3d4e5",
        "\"o-123\"",
    );
}

#[test]
fn role_path_must_start_and_end_with_slash() {
    expect(
        &cluster_with("role_path = \"/eks\""),
        Code::E123,
        "`/eks` is not a valid IAM path",
        "start and end with `/`",
        "\"/eks\"",
    );
}

// ------------------------------------------------------------------------------------------
// Identities and roles (E115, E116, E119, E120, E205)

#[test]
fn irsa_needs_the_cluster_oidc_issuer() {
    let text = format!(
        "{BASE_NO_OIDC}app checkout in payments {{\n  identity = \"irsa\"\n  aws {{\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders\"\n  }}\n}}\n"
    );
    let (sources, d) = expect(
        &text,
        Code::E115,
        "IRSA needs cluster `prod` to declare its OIDC issuer",
        "add `oidc = \"ISSUER\"` to cluster `prod`, ISSUER being what `aws eks describe-cluster --region us-west-2 --name prod",
        "\"irsa\"",
    );
    assert!(sources
        .snippet(d.related[0].0)
        .starts_with("cluster prod {"));
}

#[test]
fn pod_identity_needs_no_oidc_issuer() {
    assert_compiles(&format!("{BASE_NO_OIDC}{APP}"));
}

#[test]
fn two_apps_on_one_service_account() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  service_account = \"worker\"\n}}\napp refunds in payments {{\n  service_account = \"worker\"\n}}\n"
    );
    let (sources, d) = expect(
        &text,
        Code::E116,
        "service account `worker` in namespace `payments` is used by apps `checkout` and `refunds`",
        "give each app its own `service_account`",
        "refunds",
    );
    assert_eq!(sources.snippet(d.related[0].0), "checkout");
}

#[test]
fn default_service_account_clashes_with_an_explicit_one() {
    // `checkout` uses service account `checkout` by default.
    let text =
        format!("{BASE}{APP}app refunds in payments {{\n  service_account = \"checkout\"\n}}\n");
    expect(
        &text,
        Code::E116,
        "service account `checkout`",
        "own `service_account`",
        "refunds",
    );
}

#[test]
fn role_name_collision_between_app_and_shared_role() {
    let text = format!(
        "{BASE}{APP}role payments-checkout {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::x/${{namespace}}/*\"\n  }}\n}}\napp refunds in payments {{ role = \"payments-checkout\" }}\n"
    );
    let (_, d) = expect(
        &text,
        Code::E119,
        "both need IAM role `payments-checkout` in account 111122223333",
        "rename one of the two",
        "role payments-checkout {\n  aws {\n    allow s3:GetObject on \"arn:aws:s3:::x/${namespace}/*\"\n  }\n}",
    );
    assert!(d.message.contains("app payments/checkout"));
    assert!(d.message.contains("role payments-checkout"));
}

#[test]
fn app_with_shared_role_and_own_grants() {
    let text = format!(
        "{BASE}role tenant-reader {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::t/${{namespace}}/*\"\n  }}\n}}\napp checkout in payments {{\n  role = \"tenant-reader\"\n  aws {{\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders\"\n  }}\n}}\n"
    );
    let (sources, d) = expect(
        &text,
        Code::E120,
        "app `checkout` uses shared role `tenant-reader` and declares its own AWS grants",
        "move the grants into the shared role",
        "aws {\n    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders\"\n  }",
    );
    assert_eq!(sources.snippet(d.related[0].0), "\"tenant-reader\"");
}

#[test]
fn app_with_shared_role_and_own_identity() {
    let text = format!(
        "{BASE}role tenant-reader {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::t/${{namespace}}/*\"\n  }}\n}}\napp checkout in payments {{\n  role = \"tenant-reader\"\n  identity = \"irsa\"\n}}\n"
    );
    expect(
        &text,
        Code::E120,
        "uses shared role `tenant-reader`, which sets the identity",
        "remove `identity` from the app",
        "\"irsa\"",
    );
}

#[test]
fn shared_role_cannot_hold_kubernetes_rules() {
    let text = format!(
        "{BASE}role tenant-reader {{\n  kubernetes {{\n    get pods\n  }}\n}}\napp checkout in payments {{ role = \"tenant-reader\" }}\n"
    );
    expect(
        &text,
        Code::E120,
        "shared role `tenant-reader` cannot hold Kubernetes rules",
        "put `kubernetes { … }` in the apps",
        "kubernetes {\n    get pods\n  }",
    );
}

#[test]
fn variable_in_shared_irsa_role() {
    let text = format!(
        "{BASE}role tenant-reader {{\n  identity = \"irsa\"\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::t/${{service_account}}/*\"\n  }}\n}}\napp checkout in payments {{ role = \"tenant-reader\" }}\n"
    );
    expect(
        &text,
        Code::E205,
        "`${service_account}` cannot be used in a shared IRSA role",
        "use `identity = pod_identity`",
        "${service_account}",
    );
}

#[test]
fn shared_pod_identity_role_uses_session_tags() {
    let text = format!(
        "{BASE}namespace billing on prod\nrole tenant-reader {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::t/${{namespace}}/${{cluster}}/*\"\n  }}\n}}\napp checkout in payments {{ role = \"tenant-reader\" }}\napp ledger in billing {{ role = \"tenant-reader\" }}\n"
    );
    let c = assert_compiles(&text);
    let policy = artifact(&c, "aws/111122223333/roles/tenant-reader/policy.json");
    assert!(
        policy.contains(
            "arn:aws:s3:::t/${aws:PrincipalTag/kubernetes-namespace}/${aws:PrincipalTag/eks-cluster-name}/*"
        ),
        "{policy}"
    );
}

// ------------------------------------------------------------------------------------------
// Variables (E118)

#[test]
fn unknown_variable_suggests_the_closest() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::u/${{namespce}}/*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E118,
        "unknown variable `${namespce}`",
        "did you mean `${namespace}`?",
        "${namespce}",
    );
}

#[test]
fn unknown_variable_in_a_condition_value() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow s3:ListBucket on \"arn:aws:s3:::u\"\n      when s3:prefix like \"${{foo}}/*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E118,
        "unknown variable `${foo}`",
        "`${aws:username}`",
        "${foo}",
    );
}

#[test]
fn iam_policy_variables_pass_through() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow s3:GetObject on \"arn:aws:s3:::home/${{aws:username}}/*\"\n  }}\n}}\n"
    );
    let c = assert_compiles(&text);
    let policy = artifact(&c, "aws/111122223333/roles/payments-checkout/policy.json");
    assert!(
        policy.contains("arn:aws:s3:::home/${aws:username}/*"),
        "{policy}"
    );
}

// ------------------------------------------------------------------------------------------
// IAM actions and wildcards (E201, E202)

#[test]
fn malformed_boundary_action() {
    let text = format!(
        "{BASE}boundary workloads {{\n  allow S3:*, sqs:*\n}}\napp checkout in payments {{\n  boundary = \"workloads\"\n}}\n"
    );
    expect(
        &text,
        Code::E201,
        "`S3:*` is not an IAM action",
        "`service:Action`",
        "S3:*",
    );
}

#[test]
fn grant_actions_are_matched_case_insensitively() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow S3:getobject on \"arn:aws:s3:::r/*\"\n  }}\n}}\n"
    );
    let c = assert_compiles(&text);
    let policy = artifact(&c, "aws/111122223333/roles/payments-checkout/policy.json");
    assert!(policy.contains("\"s3:GetObject\""), "{policy}");
}

#[test]
fn service_wildcard_needs_unsafe() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow s3:* on \"arn:aws:s3:::r/*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E202,
        "`s3:*` grants every action of",
        "add `unsafe \"reason\"`",
        "s3:*",
    );
}

/// `*` alone names no service: the help's example of a narrower wildcard does not pick one.
#[test]
fn the_star_action_is_not_told_to_narrow_to_s3() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow * on \"arn:aws:s3:::r/*\"\n  }}\n}}\n"
    );
    let (_, d) = expect(
        &text,
        Code::E202,
        "`*` grants every action of every service",
        "a narrower wildcard such as `SERVICE:Get*`",
        "*",
    );
    assert!(!d.help.as_deref().unwrap_or("").contains("s3:"), "{d:?}");
}

#[test]
fn star_resource_needs_unsafe() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow sqs:SendMessage on \"*\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E202,
        "`\"*\"` grants the actions on every resource",
        "name the resources",
        "\"*\"",
    );
}

#[test]
fn unsafe_allows_a_star_resource_and_keeps_the_reason() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow sqs:ListQueues on \"*\" unsafe \"ListQueues has no resource type\"\n  }}\n}}\n"
    );
    let c = assert_compiles(&text);
    let ir = c.ir.as_ref().expect("ir");
    let reasons: Vec<&String> = ir
        .roles
        .iter()
        .flat_map(|r| r.statements.iter())
        .flat_map(|s| s.unsafe_reasons.iter())
        .collect();
    assert_eq!(reasons, ["ListQueues has no resource type"]);
}

// ------------------------------------------------------------------------------------------
// Kubernetes rules (E301–E305, W301)

fn k8s(block: &str) -> String {
    format!("{BASE}app checkout in payments {{\n  {block}\n}}\n")
}

#[test]
fn unknown_verb_suggests_the_closest() {
    expect(
        &k8s("kubernetes {\n    get, lsit pods\n  }"),
        Code::E301,
        "`lsit` is not a Kubernetes verb",
        "did you mean `list`?",
        "lsit",
    );
}

#[test]
fn unknown_resource_suggests_the_closest() {
    expect(
        &k8s("kubernetes {\n    get secret\n  }"),
        Code::E302,
        "`secret` is not a known Kubernetes resource",
        "did you mean `secrets`?",
        "secret",
    );
}

#[test]
fn unknown_resource_of_a_builtin_group() {
    expect(
        &k8s("kubernetes {\n    get deployment.apps\n  }"),
        Code::E302,
        "API group `apps` has no resource `deployment`",
        "did you mean `deployments.apps`?",
        "deployment.apps",
    );
}

#[test]
fn unknown_subresource_lists_the_known_ones() {
    expect(
        &k8s("kubernetes {\n    get pods/logs\n  }"),
        Code::E304,
        "`pods` has no subresource `logs`",
        "log",
        "pods/logs",
    );
}

#[test]
fn cluster_scoped_resource_in_namespaced_block() {
    expect(
        &k8s("kubernetes {\n    get pods, nodes\n  }"),
        Code::E303,
        "`nodes` is cluster-scoped and cannot be granted in a namespace",
        "`kubernetes cluster { … }`",
        "nodes",
    );
}

#[test]
fn cluster_scoped_resource_in_other_namespace_block() {
    let text = format!(
        "{BASE}namespace tools on prod\napp checkout in payments {{\n  kubernetes in tools {{\n    list namespaces\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E303,
        "`namespaces` is cluster-scoped",
        "ClusterRole",
        "namespaces",
    );
}

#[test]
fn cluster_scoped_resource_in_cluster_block_is_fine() {
    let c = assert_compiles(&k8s("kubernetes cluster {\n    get, list nodes\n  }"));
    let role = artifact(
        &c,
        "clusters/prod/kubernetes/_cluster/clusterrole-payments.checkout.yaml",
    );
    assert!(
        role.contains("kind: ClusterRole") && role.contains("- nodes"),
        "{role}"
    );
}

#[test]
fn namespace_not_on_the_app_clusters() {
    let text = format!(
        "{BASE}cluster staging {{\n  account = \"111122223333\"\n  region = \"us-west-2\"\n}}\nnamespace tools on staging\napp checkout in payments {{\n  kubernetes in tools {{\n    get configmaps\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E305,
        "namespace `tools` is on none of the clusters of `payments`",
        "`payments` is on `prod`; `tools` is on `staging`",
        "tools",
    );
}

#[test]
fn named_with_list_warns() {
    let (sources, d) = expect(
        &k8s("kubernetes {\n    get, list secrets named \"db\"\n  }"),
        Code::W301,
        "`named` limits `list` to requests for a single name",
        "Move `list` to a rule without `named`",
        "list",
    );
    assert_eq!(d.severity, Severity::Warning);
    drop(sources);
}

#[test]
fn named_with_get_only_does_not_warn() {
    let c = assert_compiles(&k8s(
        "kubernetes {\n    get, update secrets named \"db\"\n  }",
    ));
    assert!(c.diags.is_empty(), "{:#?}", c.diags);
}

/// A subresource is requested on a named object (`create pods/exec` on pod NAME), so `named`
/// does restrict `create` there: no W301, and the escalation warning names the pod, not every
/// pod of the namespace.
#[test]
fn named_restricts_create_on_a_subresource() {
    let c = assert_compiles(&k8s(
        "kubernetes {\n    create pods/exec, pods/portforward named \"debug\"\n  }",
    ));
    let found: Vec<(&str, &str)> = c
        .diags
        .iter()
        .map(|d| (d.code.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("W306", "`pods/exec` reaches into pod `debug` in the namespace: its files, secrets and service account"),
            ("W306", "`pods/portforward` reaches into pod `debug` in the namespace: its files, secrets and service account"),
        ]
    );
}

/// With a whole resource in the rule too, `create` is reported for that resource only.
#[test]
fn named_create_on_a_resource_and_a_subresource_names_the_resource() {
    expect(
        &k8s("kubernetes {\n    get, create pods, pods/exec named \"debug\"\n  }"),
        Code::W301,
        "a rule with `named` never grants `create` on `pods`",
        "it does on a subresource such as `pods/exec`",
        "create",
    );
}

#[test]
fn a_program_with_only_warnings_produces_artifacts() {
    let (_, c) = compile(&k8s(
        "kubernetes {\n    get, watch, create configmaps named \"cfg\"\n  }",
    ));
    assert_eq!(codes(&c), ["W301", "W301"]);
    assert!(c.diags.iter().all(|d| d.severity == Severity::Warning));
    assert!(c.ir.is_some());
    let role = artifact(&c, "clusters/prod/kubernetes/payments/role-checkout.yaml");
    assert!(
        role.contains("resourceNames:") && role.contains("- cfg"),
        "{role}"
    );
}

// ------------------------------------------------------------------------------------------
// Regressions of problems found while writing these tests.

/// A bare-word setting value (`auth_mode = configmap`) underlines the word plus the whitespace
/// and comment after it: pest's implicit whitespace before the optional `[list]` of
/// `word_value` is part of the pair's span.
#[test]
fn bare_word_value_underlines_only_the_word() {
    let text = "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  auth_mode = configmap   # legacy\n}\n";
    expect(
        text,
        Code::E109,
        "`configmap` is not a valid `auth_mode`",
        "did you mean `config_map`?",
        "configmap",
    );
}

// ------------------------------------------------------------------------------------------
// Variables in condition keys (E217)

#[test]
fn a_cluster_variable_in_a_condition_key_is_replaced_per_cluster() {
    let text = format!(
        "{BASE}cluster staging {{\n  account = \"111122223333\"\n  region  = \"us-west-2\"\n  oidc    = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLF\"\n}}\nnamespace tools on prod, staging\napp scaler in tools {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\"\n  }}\n}}\n"
    );
    let c = assert_compiles(&text);
    let policy = artifact(&c, "aws/111122223333/roles/tools-scaler/policy.json");
    assert!(!policy.contains("${cluster}"), "{policy}");
    for cluster in ["prod", "staging"] {
        assert!(
            policy.contains(&format!(
                "\"autoscaling:ResourceTag/kubernetes.io/cluster/{cluster}\": \"owned\""
            )),
            "{policy}"
        );
    }
}

#[test]
fn a_variable_in_a_shared_roles_condition_key_is_refused() {
    let text = format!(
        "{BASE}role scaler {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\"\n  }}\n}}\napp a in payments {{ role = scaler }}\n"
    );
    expect(
        &text,
        Code::E217,
        "`${cluster}` in condition key",
        "IAM replaces no variables in condition keys",
        "${cluster}",
    );
}

#[test]
fn an_iam_variable_in_a_condition_key_is_refused() {
    let text = format!(
        "{BASE}app checkout in payments {{\n  aws {{\n    allow ec2:TerminateInstances on \"arn:aws:ec2:us-west-2:111122223333:instance/*\"\n      when ec2:ResourceTag/owner-${{aws:username}} == \"x\"\n  }}\n}}\n"
    );
    expect(
        &text,
        Code::E217,
        "IAM policy variable `${aws:username}` in condition key",
        "write the key literally",
        "${aws:username}",
    );
}

// ------------------------------------------------------------------------------------------
// Per-cluster scoping: `${cluster}` in an app's own grants never gives one cluster's pods another
// cluster's slice. A Pod Identity role on several clusters takes the session tag
// `eks-cluster-name`; a role without session tags (IRSA, `session_tags = false`) is one role per
// cluster. IAM request simulation of the same rules: `examples/karpenter/simulate.json`.

/// Two clusters of one account, with OIDC issuers, and two namespaces on both.
const TWO_CLUSTERS: &str = r#"
cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/PROD0000000000000000000000000000"
}

cluster staging {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/STAGING0000000000000000000000000"
}

namespace karpenter on prod, staging
namespace web on prod, staging
"#;

/// A Karpenter-like app: acts on instances tagged with its cluster's discovery tag.
fn controller(settings: &str) -> String {
    format!(
        "{TWO_CLUSTERS}app controller in karpenter {{\n  {settings}\n  aws {{\n    allow ec2:TerminateInstances on \"arn:aws:ec2:us-west-2:111122223333:instance/*\"\n      when ec2:ResourceTag/karpenter.sh/discovery == \"${{cluster}}\"\n  }}\n}}\n"
    )
}

#[track_caller]
fn json(c: &Compiled, path: &str) -> serde_json::Value {
    serde_json::from_str(artifact(c, path)).unwrap()
}

/// The role folders written, `aws/ACCOUNT/roles/NAME`.
fn roles(c: &Compiled) -> Vec<String> {
    let mut out: Vec<String> = c
        .artifacts
        .as_ref()
        .unwrap()
        .iter()
        .filter_map(|a| a.path.strip_suffix("/trust-policy.json"))
        .map(str::to_string)
        .collect();
    out.sort();
    out
}

fn statements(policy: &serde_json::Value) -> &Vec<serde_json::Value> {
    policy["Statement"].as_array().unwrap()
}

#[test]
fn a_role_on_two_clusters_reaches_only_its_own() {
    let c = assert_compiles(&controller(""));
    assert_eq!(roles(&c), ["aws/111122223333/roles/karpenter-controller"]);
    let policy = json(
        &c,
        "aws/111122223333/roles/karpenter-controller/policy.json",
    );
    let [s] = statements(&policy).as_slice() else {
        panic!("one statement: {policy:#}");
    };
    // One value, the requesting pod's cluster: not `["prod", "staging"]`.
    assert_eq!(
        s["Condition"]["StringEquals"]["ec2:ResourceTag/karpenter.sh/discovery"],
        "${aws:PrincipalTag/eks-cluster-name}",
        "{policy:#}"
    );
    // EKS may set the session tags: the trust allows sts:TagSession from both clusters.
    let trust = json(
        &c,
        "aws/111122223333/roles/karpenter-controller/trust-policy.json",
    );
    let t = &trust["Statement"][0];
    assert_eq!(
        t["Action"],
        serde_json::json!(["sts:AssumeRole", "sts:TagSession"])
    );
    assert_eq!(
        t["Condition"]["ArnEquals"]["aws:SourceArn"],
        serde_json::json!([
            "arn:aws:eks:us-west-2:111122223333:cluster/prod",
            "arn:aws:eks:us-west-2:111122223333:cluster/staging"
        ])
    );
}

#[test]
fn a_cluster_in_an_arn_is_the_requesting_pods_cluster() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app reader in web {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::config/${{cluster}}/*\" }}\n}}\n"
    ));
    let policy = json(&c, "aws/111122223333/roles/web-reader/policy.json");
    assert_eq!(
        statements(&policy)[0]["Resource"],
        "arn:aws:s3:::config/${aws:PrincipalTag/eks-cluster-name}/*",
        "{policy:#}"
    );
}

#[test]
fn a_cluster_keyed_statement_applies_only_to_its_clusters_pods() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app scaler in karpenter {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\"\n  }}\n}}\n"
    ));
    let policy = json(&c, "aws/111122223333/roles/karpenter-scaler/policy.json");
    let st = statements(&policy);
    assert_eq!(st.len(), 2, "{policy:#}");
    for (s, cluster) in st.iter().zip(["prod", "staging"]) {
        let eq = &s["Condition"]["StringEquals"];
        assert_eq!(
            eq[format!("autoscaling:ResourceTag/kubernetes.io/cluster/{cluster}")],
            "owned"
        );
        assert_eq!(
            eq["aws:PrincipalTag/eks-cluster-name"], cluster,
            "{policy:#}"
        );
    }
}

#[test]
fn a_grants_own_cluster_tag_condition_keeps_only_its_cluster() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app scaler in karpenter {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\" and aws:PrincipalTag/eks-cluster-name == \"prod\"\n  }}\n}}\n"
    ));
    let policy = json(&c, "aws/111122223333/roles/karpenter-scaler/policy.json");
    let [s] = statements(&policy).as_slice() else {
        panic!("only prod's statement: {policy:#}");
    };
    assert_eq!(
        s["Condition"]["StringEquals"]["aws:PrincipalTag/eks-cluster-name"],
        "prod"
    );
}

#[test]
fn an_irsa_role_using_cluster_is_one_role_per_cluster() {
    let c = assert_compiles(&controller("identity = irsa"));
    assert_eq!(
        roles(&c),
        [
            "aws/111122223333/roles/karpenter-controller.prod",
            "aws/111122223333/roles/karpenter-controller.staging"
        ]
    );
    for (cluster, other) in [("prod", "staging"), ("staging", "prod")] {
        let dir = format!("aws/111122223333/roles/karpenter-controller.{cluster}");
        let policy = json(&c, &format!("{dir}/policy.json"));
        assert_eq!(
            statements(&policy)[0]["Condition"]["StringEquals"]
                ["ec2:ResourceTag/karpenter.sh/discovery"],
            cluster,
            "{policy:#}"
        );
        // Only this cluster's OIDC provider may assume it.
        let trust = artifact(&c, &format!("{dir}/trust-policy.json"));
        assert!(
            trust.contains(&format!("/id/{}0", cluster.to_uppercase())),
            "{trust}"
        );
        assert!(
            !trust.contains(&format!("/id/{}0", other.to_uppercase())),
            "{trust}"
        );
        // The service account in this cluster names this cluster's role.
        let sa = artifact(
            &c,
            &format!("clusters/{cluster}/kubernetes/karpenter/serviceaccount-controller.yaml"),
        );
        assert!(
            sa.contains(&format!(
                "eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/karpenter-controller.{cluster}\n"
            )),
            "{sa}"
        );
    }
    // Terraform: one role resource each.
    let tf = artifact(
        &c,
        "terraform/111122223333/role-karpenter-controller.prod.tf.json",
    );
    assert!(
        tf.contains("\"name\": \"karpenter-controller.prod\""),
        "{tf}"
    );
}

#[test]
fn a_pod_identity_role_without_session_tags_is_one_role_per_cluster() {
    let c = assert_compiles(&controller("session_tags = false"));
    assert_eq!(
        roles(&c),
        [
            "aws/111122223333/roles/karpenter-controller.prod",
            "aws/111122223333/roles/karpenter-controller.staging"
        ]
    );
    for cluster in ["prod", "staging"] {
        let assoc = json(
            &c,
            &format!("clusters/{cluster}/eks/pod-identity-associations/karpenter.controller.create-pod-identity-association.json"),
        );
        assert_eq!(
            assoc["roleArn"],
            format!("arn:aws:iam::111122223333:role/karpenter-controller.{cluster}")
        );
        let trust = json(
            &c,
            &format!("aws/111122223333/roles/karpenter-controller.{cluster}/trust-policy.json"),
        );
        assert_eq!(
            trust["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"],
            format!("arn:aws:eks:us-west-2:111122223333:cluster/{cluster}")
        );
    }
}

#[test]
fn a_role_without_cluster_stays_one_role() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app reader in web {{\n  identity = irsa\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::config/${{namespace}}/*\" }}\n}}\n"
    ));
    assert_eq!(roles(&c), ["aws/111122223333/roles/web-reader"]);
}

#[test]
fn per_cluster_role_names_meet_no_other_role() {
    // `karpenter-controller.prod` and the app `controller-prod`'s `karpenter-controller-prod`.
    let c = assert_compiles(&format!(
        "{}app controller-prod in karpenter {{\n  identity = irsa\n}}\n",
        controller("identity = irsa")
    ));
    assert_eq!(
        roles(&c),
        [
            "aws/111122223333/roles/karpenter-controller-prod",
            "aws/111122223333/roles/karpenter-controller.prod",
            "aws/111122223333/roles/karpenter-controller.staging"
        ]
    );
}

#[test]
fn a_resource_grant_value_with_cluster_is_the_requesting_pods_cluster() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app reader in web {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::logs/*\" }}\n}}\nresource \"arn:aws:s3:::logs\" {{\n  allow s3:ListBucket by web/reader\n    when s3:prefix like \"${{cluster}}/*\"\n}}\n"
    ));
    let policy = artifact(&c, "resources/s3/logs/bucket-policy.json");
    assert!(
        policy.contains("\"s3:prefix\": \"${aws:PrincipalTag/eks-cluster-name}/*\""),
        "{policy}"
    );
}

#[test]
fn an_irsa_app_admitted_with_cluster_by_a_resource_is_one_role_per_cluster() {
    let c = assert_compiles(&format!(
        "{TWO_CLUSTERS}app reader in web {{\n  identity = irsa\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::logs/*\" }}\n}}\nresource \"arn:aws:s3:::logs\" {{\n  allow s3:ListBucket by web/reader\n    when s3:prefix like \"${{cluster}}/*\"\n}}\n"
    ));
    assert_eq!(
        roles(&c),
        [
            "aws/111122223333/roles/web-reader.prod",
            "aws/111122223333/roles/web-reader.staging"
        ]
    );
    // Each role is admitted to its own cluster's prefix only.
    let policy = json(&c, "resources/s3/logs/bucket-policy.json");
    let mut admitted: Vec<(String, String)> = statements(&policy)
        .iter()
        .map(|s| {
            (
                s["Principal"]["AWS"].as_str().unwrap().to_string(),
                s["Condition"]["StringLike"]["s3:prefix"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    admitted.sort();
    assert_eq!(
        admitted,
        [
            (
                "arn:aws:iam::111122223333:role/web-reader.prod".to_string(),
                "prod/*".to_string()
            ),
            (
                "arn:aws:iam::111122223333:role/web-reader.staging".to_string(),
                "staging/*".to_string()
            )
        ],
        "{policy:#}"
    );
}

#[test]
fn a_variable_in_a_resource_grant_value_is_the_admitted_apps() {
    let text = format!(
        "{BASE_NO_OIDC}app checkout in payments {{\n  aws {{ allow s3:PutObject on \"arn:aws:s3:::logs/*\" }}\n}}\nresource \"arn:aws:s3:::logs\" {{\n  allow s3:ListBucket by payments/checkout\n    when s3:prefix like \"${{namespace}}/${{service_account}}/${{cluster}}/*\"\n}}\n"
    );
    let c = assert_compiles(&text);
    let policy = artifact(&c, "resources/s3/logs/bucket-policy.json");
    assert!(
        policy.contains("\"s3:prefix\": \"payments/checkout/prod/*\""),
        "{policy}"
    );
    assert!(!policy.contains("${"), "{policy}");
}
