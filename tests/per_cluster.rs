//! Per-cluster scoping: `${cluster}` in an app's own grants never gives one cluster's pods
//! another cluster's slice. A Pod Identity role on several clusters takes the session tag
//! `eks-cluster-name`; a role without session tags (IRSA, `session_tags = false`) is one role
//! per cluster. IAM request simulation of the same rules: `examples/karpenter/simulate.json`.

// Helpers outside `#[test]` functions panic on purpose: a failed lookup is a failed test.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use accessc::source::Sources;
use accessc::Compiled;
use serde_json::Value;

/// Two clusters of one account, with OIDC issuers, and two namespaces on both.
const CLUSTERS: &str = r#"
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
        "{CLUSTERS}app controller in karpenter {{\n  {settings}\n  aws {{\n    allow ec2:TerminateInstances on \"arn:aws:ec2:us-west-2:111122223333:instance/*\"\n      when ec2:ResourceTag/karpenter.sh/discovery == \"${{cluster}}\"\n  }}\n}}\n"
    )
}

#[track_caller]
fn compiles(text: &str) -> Compiled {
    let mut sources = Sources::new();
    sources.add("x.access", text);
    let c = accessc::compile(&sources);
    assert!(
        c.diags.iter().all(|d| !d.is_error()),
        "unexpected errors: {:#?}",
        c.diags
    );
    c
}

#[track_caller]
fn artifact<'c>(c: &'c Compiled, path: &str) -> &'c str {
    c.artifacts
        .as_ref()
        .and_then(|a| a.iter().find(|a| a.path == path))
        .map(|a| a.contents.as_str())
        .unwrap_or_else(|| panic!("no artifact {path}"))
}

#[track_caller]
fn json(c: &Compiled, path: &str) -> Value {
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

fn statements(policy: &Value) -> &Vec<Value> {
    policy["Statement"].as_array().unwrap()
}

#[test]
fn a_role_on_two_clusters_reaches_only_its_own() {
    let c = compiles(&controller(""));
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
    let c = compiles(&format!(
        "{CLUSTERS}app reader in web {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::config/${{cluster}}/*\" }}\n}}\n"
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
    let c = compiles(&format!(
        "{CLUSTERS}app scaler in karpenter {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\"\n  }}\n}}\n"
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
    let c = compiles(&format!(
        "{CLUSTERS}app scaler in karpenter {{\n  aws {{\n    allow autoscaling:SetDesiredCapacity on \"arn:aws:autoscaling:us-west-2:111122223333:autoScalingGroup:*:autoScalingGroupName/*\"\n      when autoscaling:ResourceTag/kubernetes.io/cluster/${{cluster}} == \"owned\" and aws:PrincipalTag/eks-cluster-name == \"prod\"\n  }}\n}}\n"
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
    let c = compiles(&controller("identity = irsa"));
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
    let c = compiles(&controller("session_tags = false"));
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
    let c = compiles(&format!(
        "{CLUSTERS}app reader in web {{\n  identity = irsa\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::config/${{namespace}}/*\" }}\n}}\n"
    ));
    assert_eq!(roles(&c), ["aws/111122223333/roles/web-reader"]);
}

#[test]
fn per_cluster_role_names_meet_no_other_role() {
    // `karpenter-controller.prod` and the app `controller-prod`'s `karpenter-controller-prod`.
    let c = compiles(&format!(
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
    let c = compiles(&format!(
        "{CLUSTERS}app reader in web {{\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::logs/*\" }}\n}}\nresource \"arn:aws:s3:::logs\" {{\n  allow s3:ListBucket by web/reader\n    when s3:prefix like \"${{cluster}}/*\"\n}}\n"
    ));
    let policy = artifact(&c, "resources/s3/logs/bucket-policy.json");
    assert!(
        policy.contains("\"s3:prefix\": \"${aws:PrincipalTag/eks-cluster-name}/*\""),
        "{policy}"
    );
}

#[test]
fn an_irsa_app_admitted_with_cluster_by_a_resource_is_one_role_per_cluster() {
    let c = compiles(&format!(
        "{CLUSTERS}app reader in web {{\n  identity = irsa\n  aws {{ allow s3:GetObject on \"arn:aws:s3:::logs/*\" }}\n}}\nresource \"arn:aws:s3:::logs\" {{\n  allow s3:ListBucket by web/reader\n    when s3:prefix like \"${{cluster}}/*\"\n}}\n"
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
