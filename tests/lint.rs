#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Lint: the rule registry and `docs/rules.md`, the escalation rules and their documentation
//! examples, notes for what `unsafe` accepts, suppressions, SARIF (validated against the committed
//! SARIF 2.1.0 schema), and the `accessc lint` command.

mod support;
use support::root;

use std::path::{Path, PathBuf};
use std::process::Command;

use accessc::diagnostics::{Code, Severity};
use accessc::lint::{self, registry, Level};
use accessc::source::Sources;
use serde_json::{json, Value};

const PRELUDE: &str = r#"cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace payments on prod
namespace platform on prod
namespace ci on prod
namespace batch on prod
namespace monitoring on prod
"#;

fn sources(text: &str) -> Sources {
    let mut s = Sources::new();
    s.add("prelude.access", PRELUDE);
    s.add("input.access", text);
    s
}

/// The codes `compile` reports.
fn compiled(text: &str) -> Vec<Code> {
    accessc::compile(&sources(text))
        .diags
        .iter()
        .map(|d| d.code)
        .collect()
}

/// (code, level, suppressed) of every lint finding.
fn linted(text: &str) -> Vec<(Code, Level, bool)> {
    lint::analyze(&sources(text), &accessc::Options::default())
        .findings
        .iter()
        .map(|f| (f.code, f.level, f.suppressed.is_some()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The registry and docs/rules.md

#[test]
fn rules_doc_is_up_to_date() {
    let path = root().join("docs/rules.md");
    let want = registry::markdown();
    if std::env::var_os("UPDATE_RULES_DOC").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is out of date: run `UPDATE_RULES_DOC=1 cargo test --test lint` (or `accessc lint --rules-doc > docs/rules.md`)"
    );
}

#[test]
fn every_code_is_a_rule() {
    let rules = registry::rules();
    assert_eq!(rules.len(), Code::ALL.len());
    let mut names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), rules.len(), "rule names are unique");
    for r in &rules {
        assert!(
            r.name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}: {}",
            r.code,
            r.name
        );
        assert_eq!(
            r.level == Level::Error,
            r.code.severity() == Severity::Error
        );
        assert!(!r.rationale.is_empty(), "{}: no rationale", r.code);
        assert!(!r.example.is_empty(), "{}: no example", r.code);
        assert!(!r.fix.is_empty(), "{}: no fix", r.code);
    }
    // Warnings come first, by code.
    let first_error = rules.iter().position(|r| r.level == Level::Error).unwrap();
    assert!(rules[..first_error]
        .iter()
        .all(|r| r.level == Level::Warning));
}

/// The `access` code blocks of a section of a code's page.
fn examples(code: Code, section: &str) -> Vec<String> {
    let doc = code.doc();
    let start = doc.find(&format!("## {section}")).unwrap();
    let rest = &doc[start + 3..];
    let body = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    body.split("```access\n")
        .skip(1)
        .map(|b| b[..b.find("```").unwrap()].to_string())
        .collect()
}

/// Each new rule's Example triggers it; its Fix compiles without it (or suppresses it).
#[test]
fn documentation_examples_trigger_their_rule() {
    let codes = [
        Code::W001,
        Code::W002,
        Code::W205,
        Code::W206,
        Code::W207,
        Code::W208,
        Code::W209,
        Code::W302,
        Code::W303,
        Code::W304,
        Code::W305,
        Code::W306,
        Code::W307,
        Code::W308,
        Code::W309,
        Code::W310,
        Code::W311,
        Code::W312,
        Code::W313,
        Code::W314,
        Code::W403,
    ];
    let mut failures = Vec::new();
    for code in codes {
        for ex in examples(code, "Example") {
            let got = compiled(&ex);
            if !got.contains(&code) || got.iter().any(|c| c.severity() == Severity::Error) {
                failures.push(format!("{code} example gives {got:?}:\n{ex}"));
            }
        }
        for fix in examples(code, "Fix") {
            let got = compiled(&fix);
            if got.contains(&code) || got.iter().any(|c| c.severity() == Severity::Error) {
                failures.push(format!("{code} fix gives {got:?}:\n{fix}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// Rules

#[test]
fn rbac_hazards_warn_unless_unsafe_then_lint_notes_them() {
    let warned =
        "app a in payments {\n  kubernetes {\n    create pods\n    get, list pods/exec\n  }\n}\n";
    assert_eq!(compiled(warned), [Code::W308, Code::W306]);
    let accepted = "app a in payments {\n  kubernetes {\n    create pods unsafe \"job runner\"\n    get, list pods/exec unsafe \"debug\"\n  }\n}\n";
    assert!(compiled(accepted).is_empty());
    assert_eq!(
        linted(accepted),
        [
            (Code::W308, Level::Note, false),
            (Code::W306, Level::Note, false)
        ]
    );
    // In a cluster block the messages say so.
    let cluster = "app a in payments {\n  kubernetes cluster {\n    list secrets\n  }\n}\n";
    let diags = accessc::compile(&sources(cluster)).diags;
    assert_eq!(diags[0].code, Code::W305);
    assert!(
        diags[0].message.contains("every namespace"),
        "{}",
        diags[0].message
    );
    // Named secrets are fine for W305 (W301 says what `named` does to `list`).
    assert_eq!(
        compiled(
            "app a in payments {\n  kubernetes {\n    get, list secrets named \"x\"\n  }\n}\n"
        ),
        [Code::W301]
    );
}

/// A `config_map` cluster `legacy` with `kube-system` and `tools` on it, and `kube-system` on
/// `prod` (an `api` cluster).
const LEGACY: &str = "cluster legacy {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  auth_mode = config_map\n  nodes = \"arn:aws:iam::111122223333:role/legacy-nodes\"\n}\nnamespace kube-system on prod, legacy\nnamespace tools on legacy\n";

/// The codes of an app's or access's one block of rules, after [`LEGACY`].
fn block_codes(decl: &str, target: &str, rules: &str) -> Vec<Code> {
    let text = format!("{LEGACY}{decl} {{\n  kubernetes {target}{{\n    {rules}\n  }}\n}}\n");
    compiled(&text)
}

#[test]
fn aws_auth_writes_are_w309_where_aws_auth_is_read() {
    let app = "app sync in tools";
    for rules in [
        "update configmaps named \"aws-auth\"",
        "get, patch configmaps named \"aws-auth\", \"other\"",
        "update configmaps",
        "create configmaps",
    ] {
        assert_eq!(
            block_codes(app, "in kube-system ", rules),
            [Code::W309],
            "{rules}"
        );
    }
    // Cluster-wide writes reach kube-system too.
    assert_eq!(
        block_codes(app, "cluster ", "update configmaps"),
        [Code::W309]
    );
    // So do an access's rules.
    let access = "access ops on legacy";
    let role = "  role = \"arn:aws:iam::111122223333:role/Ops\"\n";
    let text = format!("{LEGACY}{access} {{\n{role}  kubernetes in kube-system {{\n    patch configmaps named \"aws-auth\"\n  }}\n}}\n");
    assert_eq!(compiled(&text), [Code::W309]);
    // Near misses: reading it, another ConfigMap, another namespace, an `api` cluster, `unsafe`.
    for (target, rules) in [
        ("in kube-system ", "get configmaps named \"aws-auth\""),
        ("in kube-system ", "get, list, watch configmaps"),
        ("in kube-system ", "update configmaps named \"coredns\""),
        ("in tools ", "update, patch, create configmaps"),
        ("", "update, patch, create configmaps"),
        (
            "in kube-system ",
            "update configmaps named \"aws-auth\" unsafe \"applies aws-auth\"",
        ),
    ] {
        assert!(
            block_codes(app, target, rules).is_empty(),
            "{target}{rules}"
        );
    }
    let api = format!("{LEGACY}namespace ops on prod\napp sync in ops {{\n  kubernetes in kube-system {{\n    update configmaps named \"aws-auth\"\n  }}\n}}\n");
    assert!(compiled(&api).is_empty(), "{:?}", compiled(&api));
    // `unsafe` makes it a note of `accessc lint`.
    let accepted = format!("{LEGACY}app sync in tools {{\n  kubernetes in kube-system {{\n    update configmaps named \"aws-auth\" unsafe \"applies aws-auth\"\n  }}\n}}\n");
    assert_eq!(linted(&accepted), [(Code::W309, Level::Note, false)]);
}

#[test]
fn token_ephemeral_webhook_and_csr_rules() {
    let app = "app a in tools";
    for (rules, code) in [
        ("create serviceaccounts/token", Code::W310),
        ("update pods/ephemeralcontainers", Code::W311),
        ("patch pods/ephemeralcontainers", Code::W311),
    ] {
        assert_eq!(block_codes(app, "", rules), [code], "{rules}");
        assert_eq!(
            block_codes(app, "cluster ", rules),
            [code],
            "cluster {rules}"
        );
    }
    for rules in [
        "create mutatingwebhookconfigurations",
        "update validatingwebhookconfigurations named \"policy\"",
        "patch mutatingwebhookconfigurations",
        "delete validatingwebhookconfigurations",
    ] {
        assert_eq!(block_codes(app, "cluster ", rules), [Code::W312], "{rules}");
    }
    for rules in [
        "update certificatesigningrequests/approval",
        "approve signers",
        "approve signers named \"kubernetes.io/kube-apiserver-client\"",
    ] {
        assert_eq!(block_codes(app, "cluster ", rules), [Code::W313], "{rules}");
    }
    // Near misses: reading, other subresources, `*` (W304's alone).
    for (target, rules) in [
        ("", "get serviceaccounts"),
        ("", "create serviceaccounts"),
        ("", "get pods/ephemeralcontainers"),
        (
            "cluster ",
            "get, list, watch mutatingwebhookconfigurations, validatingwebhookconfigurations",
        ),
        ("cluster ", "get, list, watch certificatesigningrequests"),
        ("cluster ", "create certificatesigningrequests"),
        ("cluster ", "update certificatesigningrequests/status"),
        ("cluster ", "sign signers"),
        (
            "",
            "create serviceaccounts/token unsafe \"issues deploy tokens\"",
        ),
    ] {
        assert!(
            block_codes(app, target, rules).is_empty(),
            "{target}{rules}"
        );
    }
    assert_eq!(
        block_codes(
            app,
            "cluster ",
            "* mutatingwebhookconfigurations unsafe \"x\""
        ),
        [] as [Code; 0]
    );
    assert_eq!(
        block_codes(app, "cluster ", "* mutatingwebhookconfigurations"),
        [Code::W304]
    );
}

#[test]
fn cluster_wide_get_secrets_is_w305() {
    let app = "app a in tools";
    assert_eq!(block_codes(app, "cluster ", "get secrets"), [Code::W305]);
    // So does `get` in kube-system, in an app or an access.
    assert_eq!(
        block_codes(app, "in kube-system ", "get secrets"),
        [Code::W305]
    );
    let access = "access ops on legacy {\n  role = \"arn:aws:iam::111122223333:role/Ops\"\n  kubernetes in kube-system {\n    get secrets\n  }\n}\n";
    assert_eq!(compiled(&format!("{LEGACY}{access}")), [Code::W305]);
    // In another namespace, `get` reads what the app is told to read; by name it is fine anywhere.
    assert!(block_codes(app, "", "get secrets").is_empty());
    assert!(block_codes(app, "in kube-system ", "get secrets named \"x\"").is_empty());
    assert!(block_codes(app, "cluster ", "get secrets named \"x\"").is_empty());
}

#[test]
fn workload_controllers_in_other_namespaces_are_w314() {
    let app = "app deployer in tools";
    for r in [
        "deployments",
        "daemonsets",
        "statefulsets",
        "replicasets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
        "deployments.apps",
    ] {
        let rules = format!("create {r}");
        assert_eq!(
            block_codes(app, "in kube-system ", &rules),
            [Code::W314],
            "{r}"
        );
        assert_eq!(block_codes(app, "cluster ", &rules), [Code::W314], "{r}");
        // In the app's own namespace, written either way: no warning.
        assert!(block_codes(app, "", &rules).is_empty(), "{r}");
        assert!(block_codes(app, "in tools ", &rules).is_empty(), "{r}");
    }
    // Other verbs are not `create`.
    assert!(block_codes(
        app,
        "in kube-system ",
        "get, list, update, patch deployments"
    )
    .is_empty());
    // An access: in kube-system or cluster-wide, not in the namespace its people work in.
    let access = "access devs on legacy {\n  role = \"arn:aws:iam::111122223333:role/Devs\"\n";
    let with = |target: &str| {
        compiled(&format!(
            "{LEGACY}{access}  kubernetes {target} {{\n    create deployments\n  }}\n}}\n"
        ))
    };
    assert_eq!(with("in kube-system"), [Code::W314]);
    assert_eq!(with("cluster"), [Code::W314]);
    assert!(with("in tools").is_empty());
}

#[test]
fn admin_policies_in_kube_system_are_w403_without_break_glass() {
    let access = |settings: &str| {
        compiled(&format!(
            "{LEGACY}access ops on prod {{\n  role = \"arn:aws:iam::111122223333:role/Ops\"\n{settings}}}\n"
        ))
    };
    for policy in ["cluster_admin", "admin", "edit"] {
        let got = access(&format!(
            "  policy = {policy}\n  scope = namespaces [payments, kube-system]\n"
        ));
        assert_eq!(got, [Code::W403], "{policy}");
        let glass = access(&format!(
            "  policy = {policy}\n  scope = namespaces [kube-system]\n  break_glass = true\n"
        ));
        assert!(glass.is_empty(), "{policy}: {glass:?}");
    }
    // `view`, and admin in other namespaces, are fine.
    assert!(access("  policy = view\n  scope = namespaces [kube-system]\n").is_empty());
    assert!(access("  policy = admin\n  scope = namespaces [payments]\n").is_empty());
    // On a config_map cluster (a RoleBinding to the ClusterRole) too.
    let legacy = compiled(&format!(
        "{LEGACY}access ops on legacy {{\n  role = \"arn:aws:iam::111122223333:role/Ops\"\n  policy = admin\n  scope = namespaces [kube-system]\n}}\n"
    ));
    assert_eq!(legacy, [Code::W403]);
}

/// The only places a program names Kubernetes users and groups are an access's `username` and
/// `groups`, which become access entries and aws-auth mappings; `system:anonymous` and
/// `system:unauthenticated` are rejected there (E401) on every authentication mode.
#[test]
fn anonymous_subjects_are_rejected() {
    for cluster in ["prod", "legacy"] {
        for setting in [
            "groups = [\"system:unauthenticated\"]",
            "groups = [\"devs\", \"system:anonymous\"]",
            "username = \"system:anonymous\"",
            "username = \"system:unauthenticated\"",
        ] {
            let text = format!(
                "{LEGACY}access anon on {cluster} {{\n  role = \"arn:aws:iam::111122223333:role/Anon\"\n  {setting}\n}}\n"
            );
            assert_eq!(compiled(&text), [Code::E401], "{cluster}: {setting}");
        }
    }
}

#[test]
fn unsafe_wildcards_are_notes_of_e202() {
    let text = "app a in payments {\n  aws {\n    allow s3:* on \"arn:aws:s3:::b/*\" unsafe \"legacy\"\n  }\n}\n";
    assert!(compiled(text).is_empty());
    assert_eq!(linted(text), [(Code::E202, Level::Note, false)]);
}

#[test]
fn iam_escalations() {
    // PassRole on everything: `unsafe` accepts the wildcard, not the escalation.
    let text =
        "app a in payments {\n  aws {\n    allow iam:PassRole on \"*\" unsafe \"legacy\"\n  }\n}\n";
    assert_eq!(compiled(text), [Code::W205]);
    // A named role is fine.
    assert!(compiled("app a in payments {\n  aws {\n    allow iam:PassRole on \"arn:aws:iam::111122223333:role/batch\"\n  }\n}\n").is_empty());
    // `*` covers all three paths.
    let all = "app a in payments {\n  aws {\n    allow * on \"*\" unsafe \"admin\"\n  }\n}\n";
    let got = compiled(all);
    for c in [Code::W205, Code::W206, Code::W207] {
        assert!(got.contains(&c), "{got:?}");
    }
    // A boundary that denies iam:* and eks:* caps them.
    let capped = "boundary safe {\n  allow s3:*\n  deny iam:*, eks:*\n}\napp a in payments {\n  boundary = safe\n  aws {\n    allow * on \"*\" unsafe \"admin\"\n  }\n}\n";
    let got = compiled(capped);
    for c in [Code::W205, Code::W206, Code::W207] {
        assert!(!got.contains(&c), "{got:?}");
    }
    // In a shared role, reported once at the role's grants.
    let shared = "role ops {\n  aws {\n    allow eks:CreatePodIdentityAssociation on \"arn:aws:eks:us-west-2:111122223333:cluster/prod\"\n    allow iam:PassRole on \"arn:aws:iam::111122223333:role/x/*\"\n  }\n}\napp a in payments { role = ops }\napp b in platform { role = ops }\n";
    let got = compiled(shared);
    assert_eq!(
        got.iter().filter(|c| **c == Code::W207).count(),
        1,
        "{got:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Suppressions

const BIND: &str = "app m in platform {\n  kubernetes cluster {\n    bind clusterroles\n  }\n}\n";

#[test]
fn a_suppression_hides_the_warning_everywhere() {
    let text = format!("# accessc: allow W302 \"manages tenant roles\"\n{BIND}");
    assert!(compiled(&text).is_empty(), "{:?}", compiled(&text));
    assert_eq!(linted(&text), [(Code::W302, Level::Warning, true)]);
    let report = lint::analyze(&sources(&text), &accessc::Options::default());
    assert_eq!(
        report.findings[0].suppressed.as_deref(),
        Some("manages tenant roles")
    );
    // Comments and blank lines may stand between; other directives too.
    let stacked = "# accessc: allow W308 \"runs jobs\"\n# A note for readers.\n\n# accessc: allow W302 \"manages roles\"\napp m in platform {\n  kubernetes cluster {\n    bind clusterroles\n    create pods\n  }\n}\n";
    assert!(compiled(stacked).is_empty(), "{:?}", compiled(stacked));
    // It covers its own declaration only.
    let other = format!("# accessc: allow W302 \"x\"\napp n in payments {{}}\n{BIND}");
    assert_eq!(compiled(&other), [Code::W002, Code::W302]);
}

#[test]
fn bad_suppressions_are_w001() {
    for (text, why) in [
        (format!("# accessc: allow W302\n{BIND}"), "needs a reason"),
        (format!("# accessc: allow W302 \"\"\n{BIND}"), "needs a reason"),
        (format!("# accessc: allow E202 \"x\"\n{BIND}"), "cannot be suppressed"),
        (format!("# accessc: allow W001 \"x\"\n{BIND}"), "cannot be suppressed"),
        (format!("# accessc: allow W3O2 \"x\"\n{BIND}"), "not a diagnostic code"),
        (format!("# accessc: ignore W302 \"x\"\n{BIND}"), "unknown directive"),
        (format!("{BIND}# accessc: allow W302 \"x\"\n"), "line before a declaration"),
        (
            "app m in platform {\n  kubernetes cluster {\n    # accessc: allow W302 \"x\"\n    bind clusterroles\n  }\n}\n".to_string(),
            "line before a declaration",
        ),
        (format!("# accessc: allow W302 \"x\"\nnamespace z on prod\n{BIND}"), ""),
    ] {
        let diags = accessc::compile(&sources(&text)).diags;
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        if why.is_empty() {
            // A directive before another declaration: unused there, and the warning stays.
            assert_eq!(codes, [Code::W002, Code::W302], "{text}");
            continue;
        }
        assert!(codes.contains(&Code::W001), "{text}: {codes:?}");
        assert!(codes.contains(&Code::W302), "{text}: the warning stays: {codes:?}");
        let w001 = diags.iter().find(|d| d.code == Code::W001).unwrap();
        assert!(w001.message.contains(why), "{text}: {}", w001.message);
    }
}

#[test]
fn unused_suppressions_wait_for_a_program_without_errors() {
    let text = "# accessc: allow W305 \"x\"\napp a in payments {\n  kubernetes {\n    get configmaps\n  }\n}\n";
    assert_eq!(compiled(text), [Code::W002]);
    let broken = format!("{text}app b in nowhere {{}}\n");
    assert_eq!(compiled(&broken), [Code::E103]);
}

#[test]
fn build_deny_warnings_passes_with_a_suppression() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("prelude.access"), PRELUDE).unwrap();
    std::fs::write(dir.path().join("app.access"), BIND).unwrap();
    let out = dir.path().join("out");
    let build = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_accessc"))
            .args(args)
            .arg(dir.path())
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap()
    };
    assert_eq!(build(&["--deny-warnings", "build"]).status.code(), Some(1));
    std::fs::write(
        dir.path().join("app.access"),
        format!("# accessc: allow W302 \"manages roles\"\n{BIND}"),
    )
    .unwrap();
    let o = build(&["--deny-warnings", "build"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `accessc lint` reports exactly what `build` reports, plus notes and suppressed findings.
#[test]
fn lint_agrees_with_build() {
    let mut failures = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let sources = support::load_dir(&dir);
        let options = std::fs::read_to_string(dir.join("previous-manifest.json"))
            .ok()
            .and_then(|t| accessc::emit::manifest::parse(&t))
            .map(|m| accessc::Options::from_manifest(&m))
            .unwrap_or_default();
        let compiled = accessc::compile_with(&sources, &options);
        let report = lint::analyze(&sources, &options);
        let want: Vec<(Code, Option<accessc::ast::Span>)> =
            compiled.diags.iter().map(|d| (d.code, d.span)).collect();
        let got: Vec<(Code, Option<accessc::ast::Span>)> = report
            .findings
            .iter()
            .filter(|f| f.level != Level::Note && f.suppressed.is_none())
            .map(|f| (f.code, f.span))
            .collect();
        if want != got {
            failures.push(format!("{}: build {want:?}\nlint {got:?}", dir.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// SARIF

/// A small JSON Schema (draft 4) validator: the keywords the SARIF 2.1.0 schema uses. `pattern`
/// is not implemented: an instance that reaches one is reported, so that the test fails loudly
/// rather than passing unchecked.
struct Validator<'a> {
    root: &'a Value,
    errors: Vec<String>,
}

impl Validator<'_> {
    fn resolve(&self, r: &str) -> &Value {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("remote $ref {r}"));
        self.root
            .pointer(pointer)
            .unwrap_or_else(|| panic!("unresolved $ref {r}"))
    }

    fn valid(&mut self, schema: &Value, v: &Value) -> bool {
        let before = self.errors.len();
        self.check(schema, v, "");
        let ok = self.errors.len() == before;
        self.errors.truncate(before);
        ok
    }

    fn check(&mut self, schema: &Value, v: &Value, path: &str) {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(r).clone();
            return self.check(&target, v, path);
        }
        let Some(obj) = schema.as_object() else {
            return;
        };
        for (key, s) in obj {
            match key.as_str() {
                "type" => {
                    let types: Vec<&str> = match s {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    let ok = types.iter().any(|t| match *t {
                        "object" => v.is_object(),
                        "array" => v.is_array(),
                        "string" => v.is_string(),
                        "boolean" => v.is_boolean(),
                        "null" => v.is_null(),
                        "number" => v.is_number(),
                        "integer" => v.is_i64() || v.is_u64(),
                        _ => false,
                    });
                    if !ok {
                        self.errors
                            .push(format!("{path}: not of type {types:?}: {v}"));
                    }
                }
                "enum" => {
                    if !s.as_array().unwrap().contains(v) {
                        self.errors.push(format!("{path}: {v} not in {s}"));
                    }
                }
                "required" => {
                    if let Some(o) = v.as_object() {
                        for k in s.as_array().unwrap() {
                            if !o.contains_key(k.as_str().unwrap()) {
                                self.errors.push(format!("{path}: missing {k}"));
                            }
                        }
                    }
                }
                "properties" | "additionalProperties" => {
                    if key == "additionalProperties" && obj.contains_key("properties") {
                        continue; // handled with "properties"
                    }
                    let Some(o) = v.as_object() else { continue };
                    let props = obj.get("properties").and_then(Value::as_object);
                    let extra = obj.get("additionalProperties");
                    for (k, item) in o {
                        let p = format!("{path}/{k}");
                        match props.and_then(|ps| ps.get(k)) {
                            Some(ps) => self.check(ps, item, &p),
                            None => match extra {
                                Some(Value::Bool(false)) => {
                                    self.errors.push(format!("{p}: property not allowed"))
                                }
                                Some(e @ Value::Object(_)) => self.check(e, item, &p),
                                _ => {}
                            },
                        }
                    }
                }
                "items" => {
                    if let Some(a) = v.as_array() {
                        for (i, item) in a.iter().enumerate() {
                            self.check(s, item, &format!("{path}/{i}"));
                        }
                    }
                }
                "minItems" => {
                    if let Some(a) = v.as_array() {
                        if (a.len() as u64) < s.as_u64().unwrap() {
                            self.errors.push(format!("{path}: fewer than {s} items"));
                        }
                    }
                }
                "uniqueItems" => {
                    if let (Some(a), Some(true)) = (v.as_array(), s.as_bool()) {
                        for (i, x) in a.iter().enumerate() {
                            if a[..i].contains(x) {
                                self.errors.push(format!("{path}: duplicate item {x}"));
                            }
                        }
                    }
                }
                "minimum" => {
                    if let (Some(n), Some(m)) = (v.as_f64(), s.as_f64()) {
                        if n < m {
                            self.errors.push(format!("{path}: {n} < {m}"));
                        }
                    }
                }
                "maximum" => {
                    if let (Some(n), Some(m)) = (v.as_f64(), s.as_f64()) {
                        if n > m {
                            self.errors.push(format!("{path}: {n} > {m}"));
                        }
                    }
                }
                "anyOf" | "oneOf" => {
                    let branches = s.as_array().unwrap();
                    let n = branches.iter().filter(|b| self.valid(b, v)).count();
                    if n == 0 || (key == "oneOf" && n > 1) {
                        self.errors
                            .push(format!("{path}: {n} branches of {key} match"));
                    }
                }
                "pattern" => {
                    if v.is_string() {
                        self.errors.push(format!(
                            "{path}: `pattern` is not implemented by this validator"
                        ));
                    }
                }
                "format" => {
                    if let Some(text) = v.as_str() {
                        let ok = match s.as_str().unwrap() {
                            "uri" => text.contains(':') && !text.contains(' '),
                            "uri-reference" => !text.contains(' '),
                            _ => true,
                        };
                        if !ok {
                            self.errors.push(format!("{path}: {text:?} is not a {s}"));
                        }
                    }
                }
                "$schema" | "id" | "title" | "description" | "default" | "definitions" => {}
                other => panic!("schema keyword `{other}` is not implemented by this validator"),
            }
        }
    }
}

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/sarif-2.1.0-rtm.5.json")).unwrap(),
    )
    .unwrap()
}

fn validate(log: &Value) -> Vec<String> {
    let schema = schema();
    let mut v = Validator {
        root: &schema,
        errors: Vec::new(),
    };
    v.check(&schema, log, "");
    v.errors
}

fn sarif_of(sources: &Sources) -> Value {
    let report = lint::analyze(sources, &accessc::Options::default());
    lint::sarif::log(&report, sources)
}

#[test]
fn sarif_validates_for_every_case_and_example() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.extend(
        std::fs::read_dir(root().join("examples"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    dirs.sort();
    let mut failures = Vec::new();
    let mut results = 0;
    for dir in dirs {
        let sources = support::load_dir(&dir);
        let log = sarif_of(&sources);
        results += log["runs"][0]["results"].as_array().unwrap().len();
        let errors = validate(&log);
        if !errors.is_empty() {
            failures.push(format!("{}: {}", dir.display(), errors.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(results > 100, "the cases give many results ({results})");
}

#[test]
fn the_validator_rejects_broken_logs() {
    let sources = sources(BIND);
    let good = sarif_of(&sources);
    assert_eq!(validate(&good), Vec::<String>::new());
    let mut bad = good.clone();
    bad["version"] = "2.0".into();
    assert!(!validate(&bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["level"] = "warn".into();
    assert!(!validate(&bad).is_empty());
    let mut bad = good.clone();
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validate(&bad).is_empty());
    let mut bad = good;
    bad["runs"][0]["tool"]["driver"]["rules"][0]["unknown"] = true.into();
    assert!(!validate(&bad).is_empty());
}

#[test]
fn sarif_has_rule_metadata_regions_and_suppressions() {
    let text = format!(
        "{BIND}# accessc: allow W305 \"reads the tenant secrets\"\napp s in payments {{\n  kubernetes {{\n    list secrets\n    create pods unsafe \"jobs\"\n  }}\n}}\n"
    );
    let sources = sources(&text);
    let log = sarif_of(&sources);
    assert_eq!(validate(&log), Vec::<String>::new());
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "accessc");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Code::ALL.len());
    let w302 = rules.iter().find(|r| r["id"] == "W302").unwrap();
    assert_eq!(w302["name"], "rbac-escalate-or-bind");
    assert_eq!(w302["defaultConfiguration"]["level"], "warning");
    for key in ["shortDescription", "fullDescription", "help"] {
        assert!(
            w302[key]["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{key}"
        );
    }
    let e101 = rules.iter().find(|r| r["id"] == "E101").unwrap();
    assert_eq!(e101["defaultConfiguration"]["level"], "error");

    let results = run["results"].as_array().unwrap();
    let get = |id: &str| results.iter().find(|r| r["ruleId"] == id).unwrap().clone();
    // `bind` is on line 3, columns 5–9 (end exclusive), of input.access.
    let bind = get("W302");
    assert_eq!(bind["level"], "warning");
    assert_eq!(
        rules[bind["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "W302"
    );
    let loc = &bind["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "input.access");
    assert_eq!(
        loc["region"],
        json!({"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9})
    );
    let secrets = get("W305");
    assert_eq!(
        secrets["suppressions"],
        json!([{"kind": "inSource", "justification": "reads the tenant secrets"}])
    );
    let pods = get("W308");
    assert_eq!(pods["level"], "note");
    assert!(pods.get("suppressions").is_none());
}

// ---------------------------------------------------------------------------------------------
// The command

fn accessc(args: &[&str], dir: &Path) -> (Option<i32>, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn lint_command_formats_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("prelude.access"), PRELUDE).unwrap();
    // Clean.
    std::fs::write(p.join("app.access"), "app a in payments {}\n").unwrap();
    let (code, out, err) = accessc(&["lint", "."], p);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "");
    assert!(err.contains("0 errors, 0 warnings, 0 notes"), "{err}");
    // A warning and a note: exit 0; with --deny-warnings, 1.
    std::fs::write(
        p.join("app.access"),
        "app a in payments {\n  kubernetes {\n    bind roles\n    create pods unsafe \"jobs\"\n  }\n}\n",
    )
    .unwrap();
    let (code, out, _) = accessc(&["lint"], p);
    assert_eq!(code, Some(0));
    assert!(
        out.contains("app.access:3:5: warning[W302]: `bind`"),
        "{out}"
    );
    assert!(out.contains("app.access:4:12: note[W308]"), "{out}");
    assert!(out.contains("  help: accepted: unsafe \"jobs\""), "{out}");
    assert_eq!(accessc(&["lint", "--deny-warnings"], p).0, Some(1));
    // JSON.
    let (_, out, _) = accessc(&["lint", "--format", "json"], p);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["summary"],
        json!({"errors": 0, "warnings": 1, "notes": 1, "suppressed": 0})
    );
    assert_eq!(v["findings"][0]["rule"], "rbac-escalate-or-bind");
    assert_eq!(v["findings"][0]["file"], "app.access");
    assert_eq!(v["findings"][0]["line"], 3);
    // SARIF, valid.
    let (_, out, _) = accessc(&["lint", ".", "--format", "sarif"], p);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(validate(&log), Vec::<String>::new());
    // Only notes: --deny-warnings passes.
    std::fs::write(
        p.join("app.access"),
        "app a in payments {\n  kubernetes {\n    create pods unsafe \"jobs\"\n  }\n}\n",
    )
    .unwrap();
    assert_eq!(accessc(&["lint", "--deny-warnings"], p).0, Some(0));
    // Errors: 1. A missing path: 2.
    std::fs::write(p.join("app.access"), "app a in nowhere {}\n").unwrap();
    let (code, out, _) = accessc(&["lint", "--format", "sarif"], p);
    assert_eq!(code, Some(1));
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["level"], "error");
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
    assert_eq!(accessc(&["lint", "missing"], p).0, Some(2));
}

#[test]
fn rules_doc_flag_prints_the_registry() {
    let (code, out, _) = accessc(&["lint", "--rules-doc"], &root());
    assert_eq!(code, Some(0));
    assert_eq!(out, registry::markdown());
}

/// A suppression in a built-in pack covers the pack's findings in every program that uses it:
/// Karpenter's pack keeps the template's `ForAllValues` condition on `aws:TagKeys` (W212).
#[test]
fn a_built_in_packs_suppression_applies_where_it_is_used() {
    let text = "app karpenter in batch {\n  identity = irsa\n  use karpenter()\n}\n";
    assert!(!compiled(text).contains(&Code::W212));
    let findings = linted(text);
    assert!(
        findings.contains(&(Code::W212, Level::Warning, true)),
        "{findings:?}"
    );
    assert!(!findings.iter().any(|f| f.0 == Code::W002), "{findings:?}");
}
