#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc who-can`: answers on the shipped examples, compared with expectations computed by
//! hand from their `.access` files (the comments say why each principal is or is not there).

mod support;
use support::{code, stdout};

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use accessc::ir::Ir;
use accessc::source::Sources;
use accessc::who_can::iam::{self, IamAnswer};
use accessc::who_can::kube::{self, KubeAnswer, KubeQuery};

fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// The example's files named relative to its folder, compiled.
fn load(dir: &Path) -> (Ir, Sources) {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "access"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    let mut sources = Sources::new();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        sources.add(rel, fs::read_to_string(&f).unwrap());
    }
    let compiled = accessc::compile(&sources);
    let ir = compiled
        .ir
        .unwrap_or_else(|| panic!("{}: {:?}", dir.display(), compiled.diags));
    (ir, sources)
}

fn ask_iam(example_name: &str, action: &str, resource: &str) -> IamAnswer {
    let (ir, sources) = load(&example(example_name));
    iam::answer(&ir, &sources, action, resource)
}

fn allowed(a: &IamAnswer) -> Vec<&str> {
    a.allowed.iter().map(|r| r.role.as_str()).collect()
}

fn ask_kube(example_name: &str, verb: &str, resource: &str, ns: Option<&str>) -> KubeAnswer {
    ask_kube_named(example_name, verb, resource, ns, None)
}

fn ask_kube_named(
    example_name: &str,
    verb: &str,
    resource: &str,
    ns: Option<&str>,
    name: Option<&str>,
) -> KubeAnswer {
    let (ir, sources) = load(&example(example_name));
    kube::answer(
        &ir,
        &sources,
        &KubeQuery {
            verb: verb.into(),
            resource: resource.into(),
            namespace: ns.map(str::to_string),
            cluster: None,
            name: name.map(str::to_string),
        },
    )
    .unwrap()
}

/// `who on cluster` for every grant.
fn who_on(a: &KubeAnswer) -> BTreeSet<String> {
    a.grants
        .iter()
        .map(|g| format!("{} on {}", g.who, g.cluster))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ----- IAM, examples/quickstart -----

#[test]
fn quickstart_read_receipts() {
    // checkout: `read "arn:aws:s3:::receipts/*"` (line 6) includes s3:GetObject; the boundary
    // `workloads` allows s3:*. ledger only reads its secret.
    let a = ask_iam(
        "quickstart",
        "s3:GetObject",
        "arn:aws:s3:::receipts/2024/x.pdf",
    );
    assert_eq!(allowed(&a), ["payments-checkout"]);
    let r = &a.allowed[0];
    assert_eq!(
        r.arn,
        "arn:aws:iam::111122223333:role/eks/payments-checkout"
    );
    assert_eq!(r.declared_by, "app payments/checkout");
    assert_eq!(r.location, "payments/checkout.access:2");
    assert_eq!(r.grants.len(), 1);
    assert_eq!(r.grants[0].resource, "arn:aws:s3:::receipts/*");
    assert_eq!(r.grants[0].actions, ["s3:GetObject"]);
    assert_eq!(r.grants[0].sources, ["payments/checkout.access:6 (read)"]);
    let b = r.boundary.as_ref().unwrap();
    assert_eq!(
        (b.name.as_str(), b.allows, b.denies),
        ("workloads", true, false)
    );
    assert_eq!(b.location, "platform/cluster.access:15");
    assert_eq!(r.members.len(), 1);
    assert_eq!(r.members[0].app, "payments/checkout");
    assert!(a.denied_by_boundary.is_empty());
    assert!(a.resource_policies.is_empty());
    assert!(a.anyone());
}

#[test]
fn quickstart_wildcards_and_misses() {
    // The bucket itself is not an object: `receipts/*` does not match `receipts`, but the
    // `list "arn:aws:s3:::receipts"` grant (line 7) gives s3:ListBucket.
    assert!(allowed(&ask_iam(
        "quickstart",
        "s3:GetObject",
        "arn:aws:s3:::receipts"
    ))
    .is_empty());
    let a = ask_iam("quickstart", "s3:ListBucket", "arn:aws:s3:::receipts");
    assert_eq!(allowed(&a), ["payments-checkout"]);
    assert_eq!(
        a.allowed[0].grants[0].sources,
        ["payments/checkout.access:7 (list)"]
    );
    // Nobody deletes receipts.
    let a = ask_iam("quickstart", "s3:DeleteObject", "arn:aws:s3:::receipts/x");
    assert!(!a.anyone());
    // A wildcard question: every s3:Get* action of the statement.
    let a = ask_iam("quickstart", "s3:GetObject*", "arn:aws:s3:::receipts/x");
    assert_eq!(allowed(&a), ["payments-checkout"]);
    assert_eq!(a.allowed[0].grants[0].actions.len(), 16);
    // ledger: `secret:ledger-db-*` (line 8) matches the secret with its random suffix.
    let a = ask_iam(
        "quickstart",
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-AbCdEf",
    );
    assert_eq!(allowed(&a), ["payments-ledger"]);
    assert_eq!(
        a.allowed[0].grants[0].sources,
        ["payments/ledger.access:7 (allow)"]
    );
    assert_eq!(a.allowed[0].members[0].service_account, "ledger-api");
    // The uploads grant carries its condition (lines 11-12).
    let a = ask_iam(
        "quickstart",
        "s3:PutObject",
        "arn:aws:s3:::uploads/payments/r.pdf",
    );
    assert_eq!(allowed(&a), ["payments-checkout"]);
    assert_eq!(
        a.allowed[0].grants[0].conditions,
        ["StringEquals s3:x-amz-server-side-encryption = aws:kms"]
    );
    assert!(allowed(&ask_iam(
        "quickstart",
        "s3:PutObject",
        "arn:aws:s3:::uploads/ops/r.pdf"
    ))
    .is_empty());
    // Case-insensitive actions, case-sensitive resources.
    assert_eq!(
        allowed(&ask_iam(
            "quickstart",
            "sqs:sendmessage",
            "arn:aws:sqs:us-west-2:111122223333:orders"
        )),
        ["payments-checkout"]
    );
    assert!(allowed(&ask_iam(
        "quickstart",
        "sqs:SendMessage",
        "arn:aws:sqs:us-west-2:111122223333:Orders"
    ))
    .is_empty());
}

#[test]
fn service_wildcard_in_a_statement() {
    let mut sources = Sources::new();
    sources.add(
        "p.access",
        r#"cluster prod {
  account = "111122223333"
  region  = "us-west-2"
}
namespace payments on prod
app admin in payments {
  aws {
    allow s3:* on "arn:aws:s3:::receipts/*" unsafe "admin"
  }
}
"#,
    );
    let ir = accessc::compile(&sources).ir.unwrap();
    let a = iam::answer(
        &ir,
        &sources,
        "s3:GetObject",
        "arn:aws:s3:::receipts/2024/x.pdf",
    );
    assert_eq!(allowed(&a), ["payments-admin"]);
    assert_eq!(a.allowed[0].grants[0].actions, ["s3:*"]);
    assert_eq!(a.allowed[0].grants[0].sources, ["p.access:8 (allow)"]);
}

// ----- IAM, examples/multi-tenant: shared roles, boundaries, resource policies -----

#[test]
fn multi_tenant_members_match_their_prefix() {
    // tenant-reader reads `tenant-data/${namespace}/*`: for `acme/…` only acme's reader matches.
    let a = ask_iam(
        "multi-tenant",
        "s3:GetObject",
        "arn:aws:s3:::tenant-data/acme/r.csv",
    );
    assert_eq!(allowed(&a), ["tenant-reader"]);
    let members: Vec<(String, String)> = a.allowed[0]
        .members
        .iter()
        .map(|m| (m.app.clone(), m.cluster.clone()))
        .collect();
    assert_eq!(
        members,
        [
            ("acme/reader".to_string(), "prod-east".to_string()),
            ("acme/reader".to_string(), "prod-west".to_string())
        ]
    );
    assert_eq!(
        a.allowed[0].grants[0].resource,
        "arn:aws:s3:::tenant-data/${aws:PrincipalTag/kubernetes-namespace}/*"
    );
    // The bucket policy admits no one to objects (resources.access: a `read` there would admit
    // every reader to the whole bucket).
    assert!(a.resource_policies.is_empty(), "{a:#?}");
    // It admits each reader to list the bucket; the resource grant also gives the shared role
    // that reader's statement (its session tags), so each reader's own policy allows it too.
    let a = ask_iam("multi-tenant", "s3:ListBucket", "arn:aws:s3:::tenant-data");
    let admits: BTreeSet<String> = a
        .resource_policies
        .iter()
        .flat_map(|r| r.admits.clone())
        .collect();
    assert_eq!(
        admits,
        set(&[
            "app acme/reader (service account acme/reader on prod-east, prod-west); its role allows it too",
            "app globex/reader (service account globex/reader on prod-east); its role allows it too",
            "app initech/reader (service account initech/reader on prod-west); its role allows it too",
        ])
    );
    assert!(a.resource_policies.iter().all(|r| !r.sufficient));
    assert!(a
        .resource_policies
        .iter()
        .all(|r| r.location == "resources.access:7"));

    let a = ask_iam(
        "multi-tenant",
        "s3:GetObject",
        "arn:aws:s3:::tenant-data/globex/r.csv",
    );
    let members: Vec<&str> = a.allowed[0]
        .members
        .iter()
        .map(|m| m.app.as_str())
        .collect();
    assert_eq!(members, ["globex/reader"]);
}

#[test]
fn multi_tenant_boundary_denies() {
    // billing's DynamoDB grant (tenants.access:23) is outside the `tenants` boundary
    // (platform.access:17 allows only s3, kms:Decrypt/GenerateDataKey, sqs).
    let a = ask_iam(
        "multi-tenant",
        "dynamodb:PutItem",
        "arn:aws:dynamodb:us-east-1:111122223333:table/usage",
    );
    assert!(a.allowed.is_empty());
    assert!(!a.anyone());
    assert_eq!(a.denied_by_boundary.len(), 1);
    let r = &a.denied_by_boundary[0];
    assert_eq!(r.role, "acme-billing");
    assert_eq!(r.grants[0].sources, ["tenants.access:23 (allow)"]);
    let b = r.boundary.as_ref().unwrap();
    assert_eq!((b.allows, b.denies), (false, false));
    assert_eq!(b.location, "platform.access:17");
    // Its S3 write is inside the boundary.
    let a = ask_iam(
        "multi-tenant",
        "s3:PutObject",
        "arn:aws:s3:::tenant-reports/acme/2024.csv",
    );
    assert_eq!(allowed(&a), ["acme-billing"]);
}

// ----- Kubernetes, examples/quickstart -----

#[test]
fn quickstart_kubernetes() {
    // reloader: `patch deployments, statefulsets, daemonsets` in its own namespace (line 5).
    let a = ask_kube("quickstart", "patch", "deployments", Some("ops"));
    assert_eq!(who_on(&a), set(&["app ops/reloader on prod"]));
    let g = &a.grants[0];
    assert_eq!(g.via, "Role reloader");
    assert_eq!(g.scope, "namespace ops");
    assert_eq!(g.principal, "service account ops/reloader");
    assert_eq!(g.location, "ops/tools.access:2");
    // Not in another namespace.
    assert!(
        ask_kube("quickstart", "patch", "deployments", Some("payments"))
            .grants
            .is_empty()
    );
    // inventory: `kubernetes cluster { get, list, watch nodes, namespaces }` (line 11).
    let a = ask_kube("quickstart", "list", "nodes", None);
    assert_eq!(who_on(&a), set(&["app ops/inventory on prod"]));
    assert_eq!(a.grants[0].via, "ClusterRole ops.inventory");
    assert_eq!(a.grants[0].scope, "cluster-wide");
    assert_eq!(a.grants[0].location, "ops/tools.access:11");
    // checkout: `get secrets named "checkout-db"` only.
    let a = ask_kube("quickstart", "get", "secrets", Some("payments"));
    assert_eq!(who_on(&a), set(&["app payments/checkout on prod"]));
    assert_eq!(a.grants[0].only_named, ["checkout-db"]);
    assert!(ask_kube_named(
        "quickstart",
        "get",
        "secrets",
        Some("payments"),
        Some("other")
    )
    .grants
    .is_empty());
    assert_eq!(
        ask_kube_named(
            "quickstart",
            "get",
            "secrets",
            Some("payments"),
            Some("checkout-db")
        )
        .grants
        .len(),
        1
    );
    assert!(ask_kube("quickstart", "list", "secrets", Some("payments"))
        .grants
        .is_empty());
    // No access declarations and no creator admin (bootstrap_admin = false): nobody deletes pods.
    assert!(ask_kube("quickstart", "delete", "pods", Some("payments"))
        .grants
        .is_empty());
}

// ----- Kubernetes, examples/access: access policies, scopes, aws-auth -----

#[test]
fn access_delete_deployments_only_through_access_policies() {
    // payments-devs: edit on [payments] (people.access:11) — an EKS access policy on prod and
    // staging, a RoleBinding to ClusterRole edit on legacy; ci-deployer: admin on [payments,
    // billing]; platform-admins: cluster_admin on prod and staging (not legacy); legacy's
    // creator keeps cluster-admin (config_map clusters require it). viewers (view) and oncall
    // (only reads) cannot.
    let a = ask_kube("access", "delete", "deployments", Some("payments"));
    assert_eq!(
        who_on(&a),
        set(&[
            "access payments-devs on prod",
            "access payments-devs on staging",
            "access payments-devs on legacy",
            "access ci-deployer on prod",
            "access ci-deployer on staging",
            "access ci-deployer on legacy",
            "access platform-admins on prod",
            "access platform-admins on staging",
            "cluster creator on legacy",
        ])
    );
    // On prod, payments-devs has no RBAC at all: the permission comes only from AmazonEKSEditPolicy.
    let prod: Vec<_> = a
        .grants
        .iter()
        .filter(|g| g.who == "access payments-devs" && g.cluster == "prod")
        .collect();
    assert_eq!(prod.len(), 1);
    assert_eq!(prod[0].via, "EKS access policy edit (AmazonEKSEditPolicy)");
    assert_eq!(prod[0].scope, "namespace payments");
    assert_eq!(
        prod[0].principal,
        "arn:aws:iam::111122223333:role/teams/payments/PaymentsDev"
    );
    assert_eq!(prod[0].location, "people.access:11");
    let (ir, _) = load(&example("access"));
    assert!(!ir
        .rbac
        .iter()
        .any(|g| g.cluster == "prod" && g.origin.what == "access payments-devs"));
    let legacy = a
        .grants
        .iter()
        .find(|g| g.who == "access payments-devs" && g.cluster == "legacy")
        .unwrap();
    assert_eq!(
        legacy.via,
        "aws-auth group accessc:payments-devs, RoleBinding access.payments-devs.edit to ClusterRole edit"
    );
    assert_eq!(
        legacy.principal,
        "arn:aws:iam::111122223333:role/PaymentsDev"
    );
    let creator = a
        .grants
        .iter()
        .find(|g| g.who == "cluster creator")
        .unwrap();
    assert_eq!(creator.location, "clusters.access:21");
    // Not in billing: payments-devs' scope is [payments].
    let a = ask_kube("access", "delete", "deployments", Some("billing"));
    assert!(!who_on(&a)
        .iter()
        .any(|w| w.starts_with("access payments-devs")));
}

#[test]
fn access_reads_writes_and_rbac() {
    // Secrets: edit and admin read them, view does not.
    let a = ask_kube("access", "get", "secrets", Some("payments"));
    assert!(!who_on(&a).iter().any(|w| w.starts_with("access viewers")));
    assert!(who_on(&a).contains("access payments-devs on prod"));
    // Pods in payments: view (cluster scope) and oncall's own Role too.
    let a = ask_kube("access", "list", "pods", Some("payments"));
    assert_eq!(
        who_on(&a),
        set(&[
            "access payments-devs on prod",
            "access payments-devs on staging",
            "access payments-devs on legacy",
            "access ci-deployer on prod",
            "access ci-deployer on staging",
            "access ci-deployer on legacy",
            "access platform-admins on prod",
            "access platform-admins on staging",
            "cluster creator on legacy",
            "access viewers on prod",
            "access viewers on staging",
            "access viewers on legacy",
            "access oncall on prod",
            "access oncall on staging",
            "access oncall on legacy",
        ])
    );
    let oncall = a
        .grants
        .iter()
        .find(|g| g.who == "access oncall" && g.cluster == "prod")
        .unwrap();
    assert_eq!(
        oncall.via,
        "Role access.oncall.rules (group accessc:oncall)"
    );
    assert_eq!(oncall.location, "people.access:28");
    // Pods in billing: not payments-devs, not oncall.
    let a = ask_kube("access", "list", "pods", Some("billing"));
    assert_eq!(
        who_on(&a),
        set(&[
            "access ci-deployer on prod",
            "access ci-deployer on staging",
            "access ci-deployer on legacy",
            "access platform-admins on prod",
            "access platform-admins on staging",
            "cluster creator on legacy",
            "access viewers on prod",
            "access viewers on staging",
            "access viewers on legacy",
        ])
    );
    // RoleBindings: admin can, edit cannot.
    let a = ask_kube("access", "create", "rolebindings", Some("payments"));
    assert_eq!(
        who_on(&a),
        set(&[
            "access ci-deployer on prod",
            "access ci-deployer on staging",
            "access ci-deployer on legacy",
            "access platform-admins on prod",
            "access platform-admins on staging",
            "cluster creator on legacy",
        ])
    );
    // exec: edit and above.
    let a = ask_kube("access", "create", "pods/exec", Some("payments"));
    assert_eq!(a.grants.len(), 9);
}

#[test]
fn access_cluster_scoped() {
    // nodes: oncall's ClusterRole; view does not cover nodes; namespace-scoped policies never
    // reach cluster-scoped resources.
    let a = ask_kube("access", "list", "nodes", None);
    assert_eq!(
        who_on(&a),
        set(&[
            "access oncall on prod",
            "access oncall on staging",
            "access oncall on legacy",
            "access platform-admins on prod",
            "access platform-admins on staging",
            "cluster creator on legacy",
        ])
    );
    // namespaces: view at cluster scope reads them.
    let a = ask_kube("access", "list", "namespaces", Some("payments"));
    assert_eq!(a.namespace, None);
    assert_eq!(a.notes.len(), 1);
    assert_eq!(
        a.grants
            .iter()
            .filter(|g| g.who == "access viewers")
            .count(),
        3
    );
    assert!(!a.grants.iter().any(|g| g.who == "access ci-deployer"));
}

#[test]
fn bad_questions() {
    let (ir, sources) = load(&example("access"));
    let q = |verb: &str, resource: &str, cluster: Option<&str>| KubeQuery {
        verb: verb.into(),
        resource: resource.into(),
        namespace: None,
        cluster: cluster.map(str::to_string),
        name: None,
    };
    let e = kube::answer(&ir, &sources, &q("frobnicate", "pods", None)).unwrap_err();
    assert!(
        e.0.starts_with("unknown Kubernetes verb `frobnicate`"),
        "{e}"
    );
    let e = kube::answer(&ir, &sources, &q("get", "podz", None)).unwrap_err();
    assert!(e.0.contains("did you mean `pods`"), "{e}");
    let e = kube::answer(&ir, &sources, &q("get", "pods", Some("nowhere"))).unwrap_err();
    assert_eq!(e.0, "no cluster `nowhere` in the program");
    let a = kube::answer(&ir, &sources, &q("get", "pods", Some("legacy"))).unwrap();
    assert_eq!(a.clusters, ["legacy"]);
}

// ----- the command line -----

fn accessc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn cli_exit_codes_and_formats() {
    let o = accessc(&[
        "who-can",
        "delete",
        "deployments",
        "-n",
        "payments",
        "examples/access",
    ]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "who can delete deployments.apps in namespace payments on legacy, prod, staging\n"
        ),
        "{out}"
    );
    assert!(out.contains("\naccess payments-devs  arn:aws:iam::111122223333:role/PaymentsDev, arn:aws:iam::111122223333:role/teams/payments/PaymentsDev\n"), "{out}");
    assert!(out.contains("  on prod, staging: EKS access policy edit (AmazonEKSEditPolicy), namespace payments  examples/access/people.access:11\n"), "{out}");
    // Nobody: exit 1.
    let o = accessc(&[
        "who-can",
        "s3:DeleteObject",
        "arn:aws:s3:::receipts/x",
        "examples/quickstart",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).contains("no role can"));
    // JSON.
    let o = accessc(&[
        "who-can",
        "s3:GetObject",
        "arn:aws:s3:::receipts/x",
        "examples/quickstart",
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["allowed"][0]["role"], "payments-checkout");
    assert_eq!(
        json["allowed"][0]["grants"][0]["sources"][0],
        "examples/quickstart/payments/checkout.access:6 (read)"
    );
    // Wrong questions: exit 2.
    assert_eq!(
        code(&accessc(&[
            "who-can",
            "frobnicate",
            "pods",
            "examples/access"
        ])),
        2
    );
    assert_eq!(
        code(&accessc(&[
            "who-can",
            "s3:GetObject",
            "arn:aws:s3:::x/y",
            "-n",
            "payments",
            "examples/quickstart"
        ])),
        2
    );
}

/// A `deny` is no grant: an unconditional one takes the allow away, a conditional one makes
/// it conditional on the deny's conditions not holding.
#[test]
fn deny_grants_are_not_allows() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases/ok_deny_grants");
    let (ir, sources) = load(&dir);
    let private = iam::answer(
        &ir,
        &sources,
        "s3:GetObject",
        "arn:aws:s3:::media/private/a",
    );
    assert!(allowed(&private).is_empty(), "{private:?}");
    let public = iam::answer(&ir, &sources, "s3:GetObject", "arn:aws:s3:::media/public/a");
    assert_eq!(allowed(&public), ["shared"]);
    // Only the deny names `s3:*` on the audit bucket: nobody can.
    let audit = iam::answer(&ir, &sources, "s3:GetObject", "arn:aws:s3:::audit/x");
    assert!(allowed(&audit).is_empty(), "{audit:?}");
    let tags = iam::answer(
        &ir,
        &sources,
        "ec2:CreateTags",
        "arn:aws:ec2:us-west-2:111122223333:volume/v1",
    );
    assert_eq!(allowed(&tags), ["ops-ebs"]);
    let text = format!("{tags:?}");
    assert!(text.contains("not denied by `DenyEc21`"), "{text}");
}
