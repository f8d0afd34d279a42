#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Hostile names: file and folder names and string values from the whole Unicode range, with
//! controls and the specials of YAML, JSON, HCL and Markdown, never change which documents the
//! output holds (every output file is re-parsed and compared with what the program declares),
//! and never break the Markdown of `diff`. Inputs and templates are read only from inside the
//! folders given on the command line.

mod support;
use support::tree;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use accessc::source::display_name;
use proptest::prelude::*;
use serde_json::Value;

fn accessc(args: &[&str], cwd: &Path) -> Output {
    accessc_env(args, cwd, &[])
}

fn accessc_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_accessc"));
    c.args(args).current_dir(cwd).env("ACCESSC_CACHE_DIR", "");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const CLUSTER: &str = r#"cluster prod {
  account   = "111122223333"
  region    = "us-west-2"
  oidc      = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
  auth_mode = api
}

namespace payments on prod
"#;

/// A cluster on aws-auth with an access whose rules name a hostile resource (`NAMED`).
const LEGACY: &str = r#"
cluster legacy {
  account   = "111122223333"
  region    = "us-west-2"
  auth_mode = config_map
  nodes     = "arn:aws:iam::111122223333:role/legacy-nodes"
}

namespace tools on legacy

access release-bot on legacy {
  role     = "arn:aws:iam::111122223333:role/release-bot"
  policy   = edit
  scope    = namespaces [tools]
  groups   = ["release-managers"]
  username = "release-bot"
  kubernetes in tools {
    get secrets named NAMED
  }
}
"#;

/// The cluster file: both clusters, the access naming `named`.
fn clusters(named: &str) -> String {
    format!("{CLUSTER}{}", LEGACY.replace("NAMED", &lit(named)))
}

/// A string literal of the language.
fn lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Two apps with AWS grants and Kubernetes rules; `arn`, `cond` and `named` are hostile.
fn apps(arn: &str, cond: &str, named: &str, more: bool) -> String {
    let extra = if more {
        format!(
            "    allow s3:DeleteObject on {}\n",
            lit(&format!("arn:aws:s3:::receipts/{arn}"))
        )
    } else {
        String::new()
    };
    format!(
        r#"app checkout in payments {{
  identity        = irsa
  service_account = "checkout-sa"
  aws {{
    allow s3:GetObject on {}
{extra}    allow s3:PutObject on "arn:aws:s3:::uploads/x"
      when s3:x-amz-server-side-encryption == {}
  }}
  kubernetes {{
    get secrets named {}
    get, list configmaps
  }}
}}

app ledger in payments {{
  identity = pod_identity
  aws {{
    allow dynamodb:GetItem on "arn:aws:dynamodb:us-west-2:111122223333:table/ledger"
  }}
  kubernetes {{
    get, list, watch configmaps
  }}
}}
"#,
        lit(&format!("arn:aws:s3:::receipts/{arn}")),
        lit(cond),
        lit(named)
    )
}

/// The Kubernetes documents the program declares: file → (kind, name, namespace).
const YAML_DOCS: [(&str, &str, &str, &str); 10] = [
    (
        "prod/kubernetes/payments/role-checkout.yaml",
        "Role",
        "checkout",
        "payments",
    ),
    (
        "prod/kubernetes/payments/role-ledger.yaml",
        "Role",
        "ledger",
        "payments",
    ),
    (
        "prod/kubernetes/payments/rolebinding-checkout.yaml",
        "RoleBinding",
        "checkout",
        "payments",
    ),
    (
        "prod/kubernetes/payments/rolebinding-ledger.yaml",
        "RoleBinding",
        "ledger",
        "payments",
    ),
    (
        "prod/kubernetes/payments/serviceaccount-checkout-sa.yaml",
        "ServiceAccount",
        "checkout-sa",
        "payments",
    ),
    (
        "prod/kubernetes/payments/serviceaccount-ledger.yaml",
        "ServiceAccount",
        "ledger",
        "payments",
    ),
    (
        "legacy/kubernetes/kube-system/configmap-aws-auth.yaml",
        "ConfigMap",
        "aws-auth",
        "kube-system",
    ),
    (
        "legacy/kubernetes/tools/role-access.release-bot.rules.yaml",
        "Role",
        "access.release-bot.rules",
        "tools",
    ),
    (
        "legacy/kubernetes/tools/rolebinding-access.release-bot.edit.yaml",
        "RoleBinding",
        "access.release-bot.edit",
        "tools",
    ),
    (
        "legacy/kubernetes/tools/rolebinding-access.release-bot.rules.yaml",
        "RoleBinding",
        "access.release-bot.rules",
        "tools",
    ),
];

/// The top-level keys a Terraform JSON file may have.
const TF_KEYS: [&str; 5] = ["//", "terraform", "provider", "resource", "output"];

/// Every YAML document of a file.
fn yaml_docs(text: &str) -> Result<Vec<serde_yaml::Value>, String> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(text) {
        docs.push(serde_yaml::Value::deserialize(d).map_err(|e| e.to_string())?);
    }
    Ok(docs)
}

/// A JSON value with every occurrence of each `from` replaced by its `to` in its strings.
fn rename(v: &Value, names: &[(String, String)]) -> Value {
    match v {
        Value::String(s) => {
            let mut s = s.clone();
            for (from, to) in names {
                s = s.replace(from.as_str(), to);
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rename(x, names)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), rename(x, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What may differ between two builds of one program under other file names: the order of
/// the names in lists of sources, and the hashes of files that carry the names.
fn normalize(v: Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .filter(|(k, _)| k != "sha256")
                .map(|(k, x)| {
                    let x = match (k.as_str(), x) {
                        ("sources", Value::Array(mut a)) => {
                            a.sort_by_key(|x| x.to_string());
                            Value::Array(a)
                        }
                        ("//", Value::String(c)) => {
                            let mut names: Vec<&str> = c.split(", ").collect();
                            names.sort_unstable();
                            Value::String(names.join(", "))
                        }
                        (_, x) => normalize(x),
                    };
                    (k, x)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        other => other,
    }
}

/// Characters a source name must never show raw in any output.
fn raw_hostile(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{feff}'
                | '#'
                | '<'
                | '>'
                | '`'
                | '*'
                | '"'
                | '$'
                | '|'
                | '['
                | ']'
        )
}

/// The Markdown outside fenced code blocks, and a check that fences are balanced and no
/// string opens HTML, a code span or a table cell of its own.
fn check_markdown(md: &str) -> Result<(), String> {
    let mut fence: Option<String> = None;
    let mut mermaid = false;
    for line in md.lines() {
        if let Some(f) = &fence {
            if line == f {
                fence = None;
            } else if mermaid && (line.contains('`') || line.chars().any(raw_hostile_in_markdown)) {
                // The diagram's labels write every such character as an entity.
                return Err(format!(
                    "a raw backtick or hidden character in the diagram: {line:?}"
                ));
            }
            continue;
        }
        if line.starts_with("```") {
            let ticks: String = line.chars().take_while(|&c| c == '`').collect();
            mermaid = line == format!("{ticks}mermaid");
            if line != format!("{ticks}diff") && !mermaid {
                return Err(format!("a fence that accessc did not open: {line:?}"));
            }
            fence = Some(ticks);
            continue;
        }
        let known = ["<details>", "</details>", "<summary>"];
        if !known.iter().any(|k| line.starts_with(k)) && line.contains('<') {
            return Err(format!("raw `<` in {line:?}"));
        }
        if line.chars().any(raw_hostile_in_markdown) {
            return Err(format!("a hidden character in {line:?}"));
        }
        if !code_spans_close(line) {
            return Err(format!("unbalanced code span in {line:?}"));
        }
        if line.starts_with('|') && line.matches('|').count() != 3 {
            return Err(format!("a table row with extra cells: {line:?}"));
        }
    }
    match fence {
        Some(f) => Err(format!("fence {f} never closed")),
        None => Ok(()),
    }
}

/// Whether every code span a line opens closes on it (CommonMark: outside a span `\\` escapes
/// the next character; a run of N backticks opens a span that the next run of exactly N closes).
fn code_spans_close(line: &str) -> bool {
    let b = line.as_bytes();
    let run = |at: usize| b[at..].iter().take_while(|&&c| c == b'`').count();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'`' => {
                let n = run(i);
                let mut j = i + n;
                loop {
                    if j >= b.len() {
                        return false;
                    }
                    if b[j] == b'`' {
                        let m = run(j);
                        j += m;
                        if m == n {
                            break;
                        }
                    } else {
                        j += 1;
                    }
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    true
}

fn raw_hostile_in_markdown(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Build the program under `src/<folder_a>/<file_a>` (cluster) and `src/<folder_b>/<file_b>`
/// (apps) in a fresh folder, build a baseline with ordinary names, and check every output
/// file against it; then change the apps and check the Markdown of `diff`.
fn check_hostile(
    a: (&str, &str),
    b: (&str, &str),
    arn: &str,
    cond: &str,
    named: &str,
) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Baseline: ordinary names.
    fs::create_dir_all(d.join("plain/f1")).unwrap();
    fs::create_dir_all(d.join("plain/f2")).unwrap();
    fs::write(d.join("plain/f1/cluster.access"), clusters(named)).unwrap();
    fs::write(
        d.join("plain/f2/apps.access"),
        apps(arn, cond, named, false),
    )
    .unwrap();
    let o = accessc(&["build", "plain", "-o", "plain-out"], d);
    if o.status.code() != Some(0) {
        return Err(format!("baseline: {}", all_output(&o)));
    }
    // The same program under hostile names.
    let (pa, pb) = (
        Path::new("src").join(a.0).join(a.1),
        Path::new("src").join(b.0).join(b.1),
    );
    for p in [&pa, &pb] {
        if fs::create_dir_all(d.join(p.parent().unwrap())).is_err() {
            return Ok(()); // A name this file system cannot hold.
        }
    }
    if fs::write(d.join(&pa), clusters(named)).is_err()
        || fs::write(d.join(&pb), apps(arn, cond, named, false)).is_err()
    {
        return Ok(());
    }
    let o = accessc(&["build", "src", "-o", "out"], d);
    if o.status.code() != Some(0) {
        return Err(format!("build: {}", all_output(&o)));
    }
    let rel = |x: (&str, &str)| format!("{}/{}", x.0, x.1);
    let (na, nb) = (rel(a), rel(b));
    let (sa, sb) = (
        display_name(&na).into_owned(),
        display_name(&nb).into_owned(),
    );
    for s in [&sa, &sb] {
        if let Some(c) = s.chars().find(|&c| raw_hostile(c)) {
            return Err(format!("display name {s:?} shows {c:?} raw"));
        }
    }
    let mut names = vec![
        (sa.clone(), "f1/cluster.access".to_string()),
        (sb.clone(), "f2/apps.access".to_string()),
    ];
    names.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    let plain = tree(&d.join("plain-out"));
    let out = tree(&d.join("out"));
    let keys = |m: &BTreeMap<String, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    if keys(&plain) != keys(&out) {
        return Err(format!(
            "files differ: {:?} vs {:?}",
            keys(&plain),
            keys(&out)
        ));
    }
    for (path, bytes) in &out {
        let text = std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?;
        let base = std::str::from_utf8(&plain[path]).unwrap();
        if path.ends_with(".yaml") {
            let docs = yaml_docs(text).map_err(|e| format!("{path}: {e}\n{text}"))?;
            if docs.len() != 1 {
                return Err(format!("{path}: {} documents\n{text}", docs.len()));
            }
            if docs != yaml_docs(base).unwrap() {
                return Err(format!("{path}: not the declared document\n{text}"));
            }
            // The only comment is the first line, naming the sources in their display form.
            let first = text.lines().next().unwrap_or("");
            let Some(from) = first
                .strip_prefix("# generated by accessc from ")
                .and_then(|r| r.strip_suffix("; do not edit"))
            else {
                return Err(format!("{path}: header {first:?}"));
            };
            if !from.split(", ").all(|n| n == sa || n == sb) {
                return Err(format!("{path}: header names {from:?}"));
            }
            if let Some((_, kind, name, ns)) = YAML_DOCS
                .iter()
                .find(|(p, ..)| *path == format!("clusters/{p}"))
            {
                let doc = &docs[0];
                if doc["kind"].as_str() != Some(kind)
                    || doc["metadata"]["name"].as_str() != Some(name)
                    || doc["metadata"]["namespace"].as_str() != Some(ns)
                {
                    return Err(format!("{path}: not {kind} {ns}/{name}\n{text}"));
                }
                if *kind == "Role" && (*name == "checkout" || name.ends_with(".rules")) {
                    let names = &doc["rules"][0]["resourceNames"][0];
                    if names.as_str() != Some(named) {
                        return Err(format!("{path}: resourceNames {names:?}"));
                    }
                }
            } else if !path.ends_with("kubernetes/kustomization.yaml") {
                return Err(format!("{path}: a YAML file the program does not declare"));
            }
        } else if path.ends_with(".json") {
            let v: Value = serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))?;
            let p: Value = serde_json::from_str(base).unwrap();
            if path.ends_with(".tf.json") {
                let obj = v.as_object().ok_or(format!("{path}: not an object"))?;
                if let Some(k) = obj.keys().find(|k| !TF_KEYS.contains(&k.as_str())) {
                    return Err(format!("{path}: unexpected top-level key {k:?}"));
                }
                let comment = obj["//"].as_str().unwrap_or("");
                if comment.contains("${") || comment.contains("%{") {
                    return Err(format!("{path}: interpolation in {comment:?}"));
                }
            }
            if normalize(rename(&v, &names)) != normalize(p) {
                return Err(format!("{path}: not the declared document\n{text}"));
            }
        } else {
            return Err(format!("{path}: a file the program does not declare"));
        }
    }
    // A change: one more grant on the hostile ARN, and a new condition value.
    let cond2 = format!("{cond}2");
    fs::write(d.join(&pb), apps(arn, &cond2, named, true)).unwrap();
    let o = accessc(&["diff", "src", "-o", "out", "--format", "markdown"], d);
    if o.status.code() != Some(1) {
        return Err(format!("diff: {}", all_output(&o)));
    }
    let md = String::from_utf8_lossy(&o.stdout).into_owned();
    check_markdown(&md).map_err(|e| format!("{e}\n{md}"))?;
    let o = accessc(&["diff", "src", "-o", "out"], d);
    let text = all_output(&o);
    if let Some(c) = text
        .chars()
        .find(|&c| raw_hostile_in_markdown(c) && c != '\n')
    {
        return Err(format!("diff text shows {c:?} raw\n{text}"));
    }
    Ok(())
}

/// Characters and strings that break formats: C0/C1 controls, line and paragraph separators,
/// bidirectional overrides, and the specials of YAML, JSON, HCL and Markdown.
const SPECIALS: &[&str] = &[
    "\n---\n",
    "\n",
    "\r",
    "\t",
    "\u{1b}[31m",
    "\u{7}",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{2066}",
    "\u{feff}",
    "<!--",
    "-->",
    "*/",
    "/*",
    "\"",
    "\\",
    "${",
    "%{",
    "`",
    "```",
    "#",
    ": ",
    "- ",
    "|",
    "[",
    "]",
    "{",
    "}",
    "&",
    "!",
    "'",
    "<",
    ">",
    ",",
    "* ",
    "_",
    "~~~",
];

fn hostile() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => any::<char>().prop_map(String::from),
            1 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap().to_string()),
            1 => (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap().to_string()),
            3 => prop::sample::select(SPECIALS).prop_map(String::from),
            2 => "[a-z]{1,4}",
        ],
        1..8,
    )
    .prop_map(|v| v.concat())
}

/// A file or folder name: no `/` or NUL (no file system stores them), not `.` or `..`, at most
/// 200 bytes.
fn component() -> impl Strategy<Value = String> {
    hostile().prop_map(|s| {
        let mut s: String = s.chars().filter(|&c| c != '/' && c != '\0').collect();
        while s.len() > 200 {
            s.pop();
        }
        if s.is_empty() || s == "." || s == ".." {
            s.push('x');
        }
        s
    })
}

/// A value: `${` (a variable) is spelled `$ {`; in an ARN, no controls, white space, `$` or
/// wildcards (the language refuses them there).
fn value(arn: bool) -> impl Strategy<Value = String> {
    hostile().prop_map(move |s| {
        let s = s.replace("${", "$ {");
        if arn {
            s.chars()
                .filter(|&c| {
                    !(accessc::source::is_hidden(c)
                        || c.is_whitespace()
                        || matches!(c, '\u{2028}' | '\u{2029}' | '*' | '?' | '$'))
                })
                .collect::<String>()
                + "k"
        } else {
            // Hidden characters in a string are E004 (`hidden_characters_in_strings_are_refused`);
            // line breaks and tabs are written as escapes.
            s.chars()
                .filter(|&c| c == '\n' || c == '\t' || !accessc::source::is_hidden(c))
                .collect()
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        // About 0.4 s a case in a debug build; `PROPTEST_CASES` runs more.
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Hostile file and folder names and values: every output file re-parses to exactly the
    /// declared documents, and the diff Markdown stays well-formed.
    #[test]
    fn hostile_names_keep_the_declared_documents(
        fa in component(),
        ga in component(),
        fb in component(),
        gb in component(),
        arn in value(true),
        cond in value(false),
        named in value(false),
    ) {
        // Distinct folders, so the two files never collide.
        let ga = format!("{ga}.access");
        let gb = format!("{gb}.access");
        let fb = format!("{fb}-2");
        check_hostile((&fa, &ga), (&fb, &gb), &arn, &cond, &named)
            .map_err(TestCaseError::fail)?;
    }
}

/// The attack of the issue: a folder and file name that, written raw into the
/// `# generated by …` header, add a ClusterRoleBinding to `cluster-admin`.
#[test]
fn file_names_cannot_add_a_cluster_role_binding() {
    let folder = "x\n---\napiVersion: rbac.authorization.k8s.io";
    let file = "v1\nkind: ClusterRoleBinding\nmetadata:\n  name: pwned\nroleRef:\n  apiGroup: \
rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n- kind: Group\n  \
name: system:authenticated\n  apiGroup: rbac.authorization.k8s.io\n---\n#.access";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/platform")).unwrap();
    fs::create_dir_all(d.join("src").join(folder)).unwrap();
    fs::write(d.join("src/platform/cluster.access"), CLUSTER).unwrap();
    fs::write(
        d.join("src").join(folder).join(file),
        apps("k", "aws:kms", "db", false),
    )
    .unwrap();
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let mut yaml = 0;
    for (path, bytes) in tree(&d.join("out")) {
        let text = String::from_utf8(bytes).unwrap();
        if !path.ends_with(".yaml") {
            assert!(!text.contains("ClusterRoleBinding\n"), "{path}:\n{text}");
            continue;
        }
        yaml += 1;
        let docs = yaml_docs(&text).unwrap_or_else(|e| panic!("{path}: {e}\n{text}"));
        assert_eq!(docs.len(), 1, "{path}:\n{text}");
        assert_ne!(
            docs[0]["kind"].as_str(),
            Some("ClusterRoleBinding"),
            "{path}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with('#')).count(),
            1,
            "{path}:\n{text}"
        );
    }
    assert_eq!(yaml, 7);
    // `lint` and `who-can` name the file in the same form.
    let o = accessc(&["lint", "src", "--format", "sarif"], d);
    let sarif = String::from_utf8_lossy(&o.stdout);
    assert!(!sarif.contains("ClusterRoleBinding\\n"), "{sarif}");
}

/// A name that opens an HTML comment (after closing a code span) in the Markdown of `diff`,
/// as a file name and as a condition value.
#[test]
fn markdown_diff_cannot_open_an_html_comment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = "a`<!--";
    fs::create_dir_all(d.join("src/platform")).unwrap();
    fs::create_dir_all(d.join("src").join(folder)).unwrap();
    fs::write(d.join("src/platform/cluster.access"), CLUSTER).unwrap();
    let app = d.join("src").join(folder).join("apps.access");
    fs::write(&app, apps("k", "x`<!--", "db", false)).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    fs::write(&app, apps("k`<!--", "y`<!--", "db", true)).unwrap();
    let o = accessc(&["diff", "src", "-o", "out", "--format", "markdown"], d);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let md = String::from_utf8_lossy(&o.stdout);
    check_markdown(&md).unwrap_or_else(|e| panic!("{e}\n{md}"));
    assert!(md.contains("s3:DeleteObject"), "{md}");
    // The permission gain after the hostile strings is still there, outside any comment.
    let outside: String = md.split("<details>").next().unwrap().to_string();
    assert!(!outside.contains("<!--"), "{md}");
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// An input that is a symbolic link to a file outside the input folder is refused (exit 2,
/// naming it); one to a file inside is read.
#[test]
fn input_symlinks_leaving_the_root_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src/apps")).unwrap();
    fs::create_dir_all(d.join("elsewhere")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    fs::write(
        d.join("elsewhere/apps.access"),
        apps("k", "aws:kms", "db", false),
    )
    .unwrap();
    symlink(
        "../../elsewhere/apps.access",
        d.join("src/apps/apps.access"),
    );
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("src/apps/apps.access"), "{err}");
    assert!(err.contains("outside"), "{err}");
    assert!(!d.join("out").exists());
    // A folder symlink that leaves the root: refused too.
    fs::remove_file(d.join("src/apps/apps.access")).unwrap();
    symlink("../../elsewhere", d.join("src/apps/more"));
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    // Inside the root: allowed.
    fs::remove_file(d.join("src/apps/more")).unwrap();
    fs::copy(
        d.join("elsewhere/apps.access"),
        d.join("src/apps/real.access.txt"),
    )
    .unwrap();
    symlink("real.access.txt", d.join("src/apps/apps.access"));
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
}

/// `leak.access -> /proc/self/environ`: the environment never reaches stdout, stderr or SARIF,
/// whether the folder or the file is named.
#[test]
fn proc_environ_is_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    symlink("/proc/self/environ", d.join("src/leak.access"));
    let secret = "ACCESSC_TEST_SECRET_7f3a9c";
    let env = [("LEAKED_TOKEN", secret)];
    for args in [
        &["build", "src", "-o", "out"][..],
        &["build", "src/leak.access", "-o", "out"],
        &["lint", "src", "--format", "sarif"],
        &["lint", "src"],
        &["check", "src", "-o", "out"],
    ] {
        let o = accessc_env(args, d, &env);
        let all = all_output(&o);
        assert!(!all.contains(secret), "{args:?}: {all}");
        assert_eq!(o.status.code(), Some(2), "{args:?}: {all}");
        assert!(all.contains("leak.access"), "{args:?}: {all}");
    }
}

/// A non-regular `.access` entry (a FIFO) is refused, not waited on.
#[test]
fn a_fifo_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    let fifo: PathBuf = d.join("src/pipe.access");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return;
    }
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(all_output(&o).contains("not a regular file"));
}

/// A template that is a symbolic link out of the template folder is refused; nothing of its
/// target is rendered.
#[test]
fn template_symlinks_leaving_the_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::create_dir_all(d.join("tpl")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    fs::write(d.join("src/apps.access"), apps("k", "aws:kms", "db", false)).unwrap();
    fs::write(d.join("outside.hbs"), "SECRET-OUTSIDE {{cluster.name}}\n").unwrap();
    symlink("../outside.hbs", d.join("tpl/cluster.txt.hbs"));
    let o = accessc(&["build", "src", "-o", "out", "--templates", "tpl"], d);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(
        all_output(&o).contains("tpl/cluster.txt.hbs"),
        "{}",
        all_output(&o)
    );
    assert!(!all_output(&o).contains("SECRET-OUTSIDE"));
    assert!(!d.join("out").exists());
    // A partial linked to /proc/self/environ: refused as well.
    fs::remove_file(d.join("tpl/cluster.txt.hbs")).unwrap();
    fs::write(
        d.join("tpl/cluster.txt.hbs"),
        "{{cluster.name}} {{> env}}\n",
    )
    .unwrap();
    symlink("/proc/self/environ", d.join("tpl/_env.hbs"));
    let o = accessc_env(
        &["build", "src", "-o", "out", "--templates", "tpl"],
        d,
        &[("LEAKED_TOKEN", "ACCESSC_TEST_SECRET_7f3a9c")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    assert!(!all_output(&o).contains("ACCESSC_TEST_SECRET_7f3a9c"));
    assert!(!d.join("out").exists());
    // Inside the folder: allowed.
    fs::remove_file(d.join("tpl/_env.hbs")).unwrap();
    fs::write(d.join("tpl/real.txt"), "inside").unwrap();
    symlink("real.txt", d.join("tpl/_env.hbs"));
    let o = accessc(&["build", "src", "-o", "out", "--templates", "tpl"], d);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let text = fs::read_to_string(d.join("out/templates/cluster/prod.txt")).unwrap();
    assert_eq!(text, "prod inside\n");
}

/// Diagnostics, in every format a terminal shows, carry no control, bidirectional or invisible
/// character raw: not from a file or folder name, a quoted value or the source snippet.
#[test]
fn diagnostics_reach_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = "t\u{1b}]0;owned\u{7}\u{1b}[2J\u{202e}";
    fs::create_dir_all(d.join("src").join(folder)).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    let bad = "app x in payments {\n  service_account = \"a\u{1b}[31mred\u{202e}\u{9b}2J\"\n}\n\
               app y in payments {\n  kubernetes {\n    get secrets named \"a\u{1b}[2Jb\"\n  }\n  \
               service_account = \"\u{1b}[1mb\"\n}\n";
    fs::write(d.join("src").join(folder).join("e\u{1b}[1m.access"), bad).unwrap();
    for format in ["human", "short"] {
        let o = accessc(&["build", "src", "-o", "out", "--error-format", format], d);
        assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
        let all = all_output(&o);
        let raw = all
            .chars()
            .find(|&c| c != '\n' && accessc::source::is_hidden(c));
        assert_eq!(raw, None, "{format}: {all:?}");
        assert!(all.contains("\\u{1b}"), "{format}: {all}");
    }
    // `lint`'s text report quotes the same messages.
    let o = accessc(&["lint", "src"], d);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let all = all_output(&o);
    let raw = all
        .chars()
        .find(|&c| c != '\n' && accessc::source::is_hidden(c));
    assert_eq!(raw, None, "lint: {all:?}");
    assert!(all.contains("\\u{1b}"), "lint: {all}");
}

/// `fmt` rewrites a file with a hostile name in place (it opens the file where it was found,
/// not its display name) and lists it in its display form.
#[test]
fn fmt_rewrites_files_with_hostile_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let folder = "a\\b\n<!--";
    fs::create_dir_all(d.join("src").join(folder)).unwrap();
    let file = d.join("src").join(folder).join("x\u{202e}.access");
    fs::write(&file, "namespace   payments   on prod\n").unwrap();
    let o = accessc(&["fmt", "--check", "src"], d);
    assert_eq!(o.status.code(), Some(1), "{}", all_output(&o));
    let listed = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        listed,
        "src/a\\u{5c}b\\u{a}\\u{3c}\\u{21}--/x\\u{202e}.access\n"
    );
    let o = accessc(&["fmt", "src"], d);
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "namespace payments on prod\n"
    );
}

/// `import aws-auth` writes the name of the file it read into a `#` comment: a line break in
/// that name cannot start a declaration in the generated program.
#[test]
fn import_comments_stay_on_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = "aws-auth\napp evil in kube-system { kubernetes cluster { * * } }\n#.yaml";
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/import/aws-auth.yaml");
    fs::copy(fixture, d.join(name)).unwrap();
    let o = accessc(
        &[
            "import",
            "aws-auth",
            name,
            "--cluster",
            "legacy",
            "-o",
            "imported.access",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(0), "{}", all_output(&o));
    let text = fs::read_to_string(d.join("imported.access")).unwrap();
    assert!(!text.lines().any(|l| l.starts_with("app ")), "{text}");
    assert!(text.contains("aws-auth\\u{a}app evil"), "{text}");
}

/// `explain` and `who-can` quote conditions and resource names with nothing hidden: a string
/// with an escape sequence is refused (E004) and the report shows none raw, and a line break in
/// a value cannot forge a line.
#[test]
fn explain_and_who_can_show_values_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    let commands = [
        &["explain", "payments/checkout", "src"][..],
        &["who-can", "s3:PutObject", "arn:aws:s3:::uploads/x", "src"],
        &["who-can", "get", "secrets", "-n", "payments", "src"],
    ];
    let hidden = "a\u{1b}[2J\u{202e}";
    fs::write(d.join("src/apps.access"), apps("k", hidden, hidden, false)).unwrap();
    for args in commands {
        let o = accessc(args, d);
        let all = all_output(&o);
        assert!(matches!(o.status.code(), Some(1 | 2)), "{args:?}: {all}");
        assert!(all.contains("E004"), "{args:?}: {all}");
        let raw = all
            .chars()
            .find(|&c| c != '\n' && accessc::source::is_hidden(c));
        assert_eq!(raw, None, "{args:?}: {all:?}");
    }
    let cond = "a\n  s3:DeleteObject  forged";
    let named = "n\n  forged";
    fs::write(d.join("src/apps.access"), apps("k", cond, named, false)).unwrap();
    for args in commands {
        let o = accessc(args, d);
        let all = all_output(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {all}");
        assert!(
            !all.lines().any(|l| l.trim_start().starts_with("forged")),
            "{args:?}: {all}"
        );
        assert!(
            !all.lines()
                .any(|l| l.trim_start().starts_with("s3:DeleteObject")),
            "{args:?}: {all}"
        );
    }
}

/// An input over the size cap is refused before it is read (exit 2, naming it).
#[test]
fn an_input_over_the_size_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("src")).unwrap();
    fs::write(d.join("src/cluster.access"), CLUSTER).unwrap();
    let big = fs::File::create(d.join("src/big.access")).unwrap();
    big.set_len(accessc::MAX_INPUT_BYTES + 1).unwrap();
    let o = accessc(&["build", "src", "-o", "out"], d);
    assert_eq!(o.status.code(), Some(2), "{}", all_output(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("src/big.access") && err.contains("64 MiB"),
        "{err}"
    );
}
