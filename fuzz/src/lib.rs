//! Shared code of the accessc fuzz targets: the oracle (compile, render, check invariants) and
//! the structure-aware program generator.
//!
//! The oracle panics (= a libFuzzer crash) when:
//! * the compiler or a renderer panics;
//! * a diagnostic has no span, or a span outside its file or not on a character boundary;
//! * artifacts are produced although there are errors, or none although there are none;
//! * (structured target) the artifacts differ when the files are given in reverse order;
//! * `fmt` fails its own self-check (`FmtError::Internal`) or is not idempotent;
//! * (structured target, whose file names and strings are hostile) an artifact's path is not a
//!   clean relative path, a YAML artifact does not parse to exactly one document of a kind
//!   accessc writes, a JSON artifact does not parse, an artifact holds a raw control character,
//!   or the Markdown of `diff` lets a `<` of the input through (see [`check_artifacts`]).

use accessc::diagnostics::render::{self, Format};
use accessc::source::Sources;
use arbitrary::{Result, Unstructured};

/// One generated source file: (name, text).
pub type File = (String, String);

/// Split raw fuzzer bytes into up to three files and compile them.
pub fn compile_bytes(data: &[u8]) {
    let (split, rest) = match data.split_first() {
        Some((b, rest)) => (*b, rest),
        None => (0, data),
    };
    let text = String::from_utf8_lossy(rest).into_owned();
    let mut files: Vec<File> = Vec::new();
    match split % 4 {
        0 | 1 => files.push(("a.access".into(), text)),
        n => {
            // Cut at line boundaries into n parts.
            let lines: Vec<&str> = text.split_inclusive('\n').collect();
            let per = lines.len().div_ceil(usize::from(n)).max(1);
            for (i, chunk) in lines.chunks(per).enumerate() {
                files.push((format!("f{i}.access"), chunk.concat()));
            }
        }
    }
    check_compile(&files, false);
}

/// Compile generated files, also in reverse order, and compare.
pub fn compile_files(files: &[File]) {
    check_compile(files, true);
}

fn sources_of(files: &[File]) -> Sources {
    let mut s = Sources::new();
    for (name, text) in files {
        s.add_named(name.clone(), name.clone(), text.clone());
    }
    s
}

/// `fmt` on one file that parses (chosen by the input's length, so every file position gets its
/// turn; the files come from one generator, and `fmt` with its self-check costs as much as the
/// compile): no internal error, and formatting the result changes nothing. `syntax_error[i]`:
/// the compile found a syntax error in file `i`, where `fmt` would only repeat the same parse.
fn check_fmt(files: &[File], syntax_error: &[bool]) {
    let total: usize = files.iter().map(|(_, t)| t.len()).sum();
    let first = total % files.len().max(1);
    let order = (first..files.len()).chain(0..first);
    let Some((name, text)) = order
        .filter(|&i| !syntax_error.get(i).copied().unwrap_or(true))
        .find_map(|i| files.get(i))
    else {
        return;
    };
    match accessc::fmt::format(text) {
        Ok(once) => match accessc::fmt::format(&once) {
            Ok(twice) => assert_eq!(once, twice, "fmt is not idempotent on {name}"),
            Err(e) => panic!("fmt rejects its own output for {name}: {e:?}\n{once}"),
        },
        Err(accessc::fmt::FmtError::Syntax(_)) => {}
        Err(accessc::fmt::FmtError::Internal(e)) => panic!("fmt bug on {name}: {e}"),
    }
}

fn check_compile(files: &[File], reorder: bool) {
    let sources = sources_of(files);
    let compiled = accessc::compile(&sources);
    let mut syntax_error = vec![false; files.len()];
    for d in &compiled.diags {
        if let (Some(span), true) = (d.span, d.code.as_str().starts_with("E0")) {
            if let Some(bad) = syntax_error.get_mut(span.file.0 as usize) {
                *bad = true;
            }
        }
    }
    check_fmt(files, &syntax_error);
    for d in &compiled.diags {
        let Some(span) = d.span else {
            panic!("diagnostic without a span: {d:?}");
        };
        let file = sources
            .get(span.file)
            .unwrap_or_else(|| panic!("span in an unknown file: {d:?}"));
        let (start, end) = (span.start as usize, span.end as usize);
        assert!(
            start <= end && end <= file.text.len(),
            "span {start}..{end} outside a file of {} bytes: {d:?}",
            file.text.len()
        );
        assert!(
            file.text.is_char_boundary(start) && file.text.is_char_boundary(end),
            "span {start}..{end} not on character boundaries: {d:?}"
        );
    }
    let has_errors = accessc::diagnostics::has_errors(&compiled.diags);
    assert_eq!(
        compiled.artifacts.is_some(),
        !has_errors,
        "artifacts and errors disagree: {:?}",
        compiled.diags
    );
    // Renderers must not panic either: the short one on every diagnostic, the JSON and the
    // human one on the first only (each renders a diagnostic on its own, and the human one
    // costs about as much as the whole compile).
    let first = compiled.diags.get(..1).unwrap_or_default();
    let _ = render::render(&compiled.diags, &sources, Format::Short);
    let _ = render::render(first, &sources, Format::Json);
    // Both the terminal's wrapping (at a narrow width) and the pipe's none, by input.
    let width = (compiled.diags.len() % 2 == 0).then_some(60);
    let _ = render::render(
        first,
        &sources,
        Format::Human {
            color: false,
            width,
        },
    );

    if reorder {
        if let Some(artifacts) = &compiled.artifacts {
            check_artifacts(artifacts);
        }
    }

    if reorder && files.len() > 1 {
        let reversed: Vec<File> = files.iter().rev().cloned().collect();
        let again = accessc::compile(&sources_of(&reversed));
        let strip = |a: &Option<Vec<accessc::emit::Artifact>>| {
            a.as_ref().map(|v| {
                v.iter()
                    .map(|a| (a.path.clone(), a.contents.clone()))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            strip(&compiled.artifacts),
            strip(&again.artifacts),
            "output depends on the file order"
        );
        // With duplicate declarations (E101) the first one found is checked and the others are
        // not, so the follow-on diagnostics may depend on the order (the command line sorts
        // files by path, so a build is still deterministic).
        if compiled.diags.iter().any(|d| d.code.as_str() == "E101") {
            return;
        }
        let codes = |d: &[accessc::diagnostics::Diag]| {
            let mut v: Vec<_> = d.iter().map(|d| d.code.as_str()).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(
            codes(&compiled.diags),
            codes(&again.diags),
            "diagnostics depend on the file order"
        );
    }
}

/// The `kind`s of the Kubernetes objects accessc writes.
const YAML_KINDS: &[&str] = &[
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "ServiceAccount",
    "ConfigMap",
];

/// Whether a character must never stand raw in an artifact: a control character (C0 except
/// line feed and tab, DEL, C1), a line or paragraph separator, a bidirectional override.
fn forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every artifact of a compile whose names and strings are hostile: a clean relative path, YAML
/// that is exactly one document of a kind accessc writes (the kustomization has none), JSON
/// that parses, no raw control character, and a `diff --format markdown` of the whole output
/// with no `<` but its own tags.
fn check_artifacts(artifacts: &[accessc::emit::Artifact]) {
    for a in artifacts {
        let path = &a.path;
        assert!(
            !path.is_empty() && !path.starts_with('/') && !path.contains('\\'),
            "artifact path not relative: {path:?}"
        );
        assert!(
            path.split('/')
                .all(|c| !c.is_empty() && c != "." && c != ".."),
            "artifact path with an empty, `.` or `..` component: {path:?}"
        );
        assert!(
            !path.chars().any(|c| forbidden_char(c) || c == ':'),
            "artifact path with a control character or `:`: {path:?}"
        );
        if let Some(c) = a.contents.chars().find(|&c| forbidden_char(c)) {
            panic!("raw {c:?} in {path}:\n{}", a.contents);
        }
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            check_yaml(path, &a.contents);
        } else if path.ends_with(".json") {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(&a.contents) {
                panic!("{path} is not JSON: {e}\n{}", a.contents);
            }
        }
    }
    let files: accessc::diff::Files = artifacts
        .iter()
        .map(|a| (a.path.clone(), a.contents.clone()))
        .collect();
    let report = accessc::diff::diff_files(&accessc::diff::Files::new(), &files, "base");
    let md = report.render(accessc::diff::DiffFormat::Markdown);
    let mut fenced = false;
    for line in md.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        let rest = ["<details>", "</details>", "<summary>", "</summary>"]
            .iter()
            .fold(line.to_string(), |l, tag| l.replace(tag, ""));
        assert!(
            fenced || !outside_code_spans(&rest).contains('<'),
            "raw `<` in the Markdown of diff: {line:?}\n{md}"
        );
    }
}

/// A Markdown line without its code spans (a run of backticks up to the next run of as many;
/// an unmatched run is literal text), as CommonMark reads it.
fn outside_code_spans(line: &str) -> String {
    let b = line.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::new();
    let mut i = 0;
    let mut text_from = 0;
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let mut close = None;
        while j < b.len() {
            if b[j] == b'`' {
                let m = run_at(j);
                if m == n {
                    close = Some(j + m);
                    break;
                }
                j += m;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str(&line[text_from..i]);
                text_from = end;
                i = end;
            }
            None => i += n,
        }
    }
    out.push_str(&line[text_from..]);
    out
}

fn check_yaml(path: &str, text: &str) {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        match serde_yaml::Value::deserialize(doc) {
            Ok(v) => docs.push(v),
            Err(e) => panic!("{path} is not YAML: {e}\n{text}"),
        }
    }
    assert_eq!(
        docs.len(),
        1,
        "{path}: {} YAML documents\n{text}",
        docs.len()
    );
    let kind = docs[0].get("kind").and_then(serde_yaml::Value::as_str);
    if path.ends_with("/kustomization.yaml") {
        assert!(
            kind.is_none(),
            "{path}: a kustomization of kind {kind:?}\n{text}"
        );
        assert!(
            docs[0].get("resources").is_some(),
            "{path}: a kustomization without resources\n{text}"
        );
    } else {
        assert!(
            kind.is_some_and(|k| YAML_KINDS.contains(&k)),
            "{path}: kind {kind:?}\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The generator

const CLUSTERS: &[&str] = &["prod", "dev", "stage", "eu", "Prod", "c"];
const NAMESPACES: &[&str] = &["payments", "ops", "billing", "kube-system", "Bad_NS", "x"];
const APPS: &[&str] = &["checkout", "ledger", "api", "worker", "reloader", "a-b"];
const ROLES: &[&str] = &["shared", "readers", "writers", "r"];
const BOUNDARIES: &[&str] = &["workloads", "cap", "none", "b"];
const ACCESSES: &[&str] = &["admins", "viewers", "ci", "nodes"];

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "*",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:GetQueueUrl",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "secretsmanager:GetSecretValue",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "ec2:DescribeInstances",
    "iam:PassRole",
    "iam:*",
    "sts:AssumeRole",
    "s3:NoSuchAction",
    "nosuchservice:Thing",
    "S3:getobject",
    "s3:Get?bject",
    "logs:CreateLogStream",
    "cloudwatch:PutMetricData",
];

const ARNS: &[&str] = &[
    "arn:aws:s3:::receipts/*",
    "arn:aws:s3:::receipts",
    "arn:aws:s3:::uploads/${namespace}/*",
    "arn:aws:s3:::b/${service_account}/${cluster}/*",
    "arn:aws:s3:::home/${aws:username}/*",
    "arn:aws:s3:::x/${bogus}",
    "arn:aws:s3:::x/${",
    "arn:aws:sqs:us-west-2:111122223333:orders",
    "arn:aws:sqs:eu-west-1:111122223333:orders",
    "arn:aws:dynamodb:us-west-2:111122223333:table/carts",
    "arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-*",
    "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:iam::111122223333:role/prod-nodes",
    "arn:aws-cn:s3:::china/*",
    "arn:aws:s3:us-west-2::bad",
    "arn:aws:sqs:us-west-2:1234:short",
    "arn:",
    "*",
    "",
    "not an arn",
    "arn:aws:logs:us-west-2:111122223333:log-group:/eks/*:*",
];

const COND_KEYS: &[&str] = &[
    "s3:x-amz-server-side-encryption",
    "aws:SourceVpc",
    "aws:PrincipalTag/team",
    "aws:RequestTag/${namespace}",
    "aws:ResourceTag/owner",
    "s3:prefix",
    "bogus:key",
    "aws:",
    "kms:EncryptionContext:app",
];

const VERBS: &[&str] = &[
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "impersonate",
    "bind",
    "escalate",
    "approve",
    "*",
    "fetch",
    "gte",
];

const RESOURCES: &[&str] = &[
    "pods",
    "pods/log",
    "pods/exec",
    "pods/nope",
    "configmaps",
    "secrets",
    "deployments",
    "deployments.apps",
    "statefulsets",
    "events",
    "nodes",
    "namespaces",
    "clusterroles",
    "certificates.cert-manager.io",
    "widgets.example.com",
    "*",
    "pod",
    "deploymnts",
    "services/proxy",
    "leases",
    "ingresses",
];

const CLUSTER_KEYS: &[&str] = &[
    "account",
    "region",
    "partition",
    "name",
    "oidc",
    "org",
    "auth_mode",
    "nodes",
    "boundary",
    "role_path",
    "bootstrap_admin",
    "acount",
    "regions",
];

const APP_KEYS: &[&str] = &[
    "identity",
    "service_account",
    "role",
    "boundary",
    "identiy",
    "account",
];

const ACCESS_KEYS: &[&str] = &[
    "principal",
    "policy",
    "policies",
    "scope",
    "groups",
    "kubernetes_groups",
    "type",
    "username",
    "access_scope",
];

const WORDS: &[&str] = &[
    "pod_identity",
    "irsa",
    "none",
    "true",
    "false",
    "api",
    "api_and_config_map",
    "config_map",
    "aws",
    "aws-cn",
    "aws-us-gov",
    "cluster",
    "admin",
    "view",
    "edit",
    "cluster_admin",
    "namespaces",
    "standard",
    "workloads",
    "shared",
    "42",
];

const STRINGS: &[&str] = &[
    "111122223333",
    "444455556666",
    "1234",
    "us-west-2",
    "eu-central-1",
    "cn-north-1",
    "us-gov-west-1",
    "moon-1",
    "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    "oidc.eks.eu-central-1.amazonaws.com/id/ABC",
    "https://oidc.eks.us-west-2.amazonaws.com/id/X",
    "o-a1b2c3d4e5",
    "o-",
    "/eks/",
    "eks",
    "/a//b/",
    "arn:aws:iam::111122223333:role/prod-nodes",
    "arn:aws:iam::444455556666:role/other",
    "arn:aws:iam::111122223333:role/admin",
    "ledger-api",
    "Bad SA",
    "",
    "system:masters",
    "tab\\there",
    "quote\\\"d",
    "bad\\qescape",
    "ünïcödé",
];

/// Pieces of hostile names and strings: YAML, JSON, HCL, Markdown and shell specials, path
/// tricks, names Windows reserves, line and paragraph separators, bidirectional overrides.
const HOSTILE: &[&str] = &[
    "\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: x\nroleRef:\n  kind: ClusterRole\n  name: cluster-admin\n",
    "\n---\n",
    "\n...\n",
    "\nkind: ClusterRole\n",
    "<!--",
    "-->",
    "<details>",
    "*/",
    "/*",
    "\"",
    "\\",
    "'",
    "${",
    "${aws:username}",
    "%{",
    "`",
    "```",
    "#",
    "..",
    "/",
    "./",
    "../../",
    "/etc/passwd",
    "C:\\",
    "con",
    "aux",
    "com1",
    "nul.txt",
    ": ",
    "- ",
    "? ",
    "&a",
    "*a",
    "!!binary",
    "|",
    ">",
    "{",
    "}",
    "[",
    "]",
    ",",
    "@",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{2066}",
    "\u{200b}",
    "\u{feff}",
    "\u{85}",
    "\u{9b}",
    "\u{1b}[31m",
    "\u{0}",
    "\r",
    "\r\n",
    "\t",
    "\u{7f}",
    "ü",
    "\u{10ffff}",
    "app",
    "x",
];

/// A hostile text: pieces of [`HOSTILE`], any Unicode character, C0 and C1 controls, letters.
fn hostile(u: &mut Unstructured<'_>) -> Result<String> {
    let mut s = String::new();
    for _ in 0..u.int_in_range(1..=5u8)? {
        match u.int_in_range(0..=9u8)? {
            0..=4 => s.push_str(u.choose(HOSTILE)?),
            5 => s.push(u.arbitrary::<char>()?),
            6 => s.push(char::from(u.int_in_range(0..=0x1fu8)?)),
            7 => s.push(char::from_u32(u.int_in_range(0x7f..=0x9fu32)?).unwrap_or('\u{7f}')),
            _ => s.push(char::from(u.int_in_range(b'a'..=b'z')?)),
        }
    }
    Ok(s)
}

/// Whether the generator keeps file names plain (`ACCESSC_FUZZ_PLAIN_NAMES=1`): for fuzzing
/// a version of accessc that still writes input file names raw into the headers of the
/// generated files, where the hostile names fail the oracle at once.
fn plain_names() -> bool {
    static PLAIN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PLAIN.get_or_init(|| std::env::var_os("ACCESSC_FUZZ_PLAIN_NAMES").is_some_and(|v| v == "1"))
}

/// A source file's name (also its path): usually plain, often with hostile folder and file
/// names, absolute or with `..`.
fn file_name(u: &mut Unstructured<'_>, i: u8) -> Result<String> {
    let pick = u.int_in_range(0..=9u8)?;
    if plain_names() {
        return Ok(format!("f{i}.access"));
    }
    Ok(match pick {
        0..=3 => format!("f{i}.access"),
        4 => format!("f{i}/{}/{}.access", hostile(u)?, hostile(u)?),
        5 => format!("{}/f{i}.access", hostile(u)?),
        6 => format!("f{i}{}.access", hostile(u)?),
        7 => format!("/abs/f{i}{}", hostile(u)?),
        8 => format!("../f{i}/{}", hostile(u)?),
        _ => format!("f{i}{}", hostile(u)?),
    })
}

/// A source-text builder driven by the fuzzer's bytes.
struct Gen<'a, 'b> {
    u: &'a mut Unstructured<'b>,
    out: String,
}

impl Gen<'_, '_> {
    fn pick<'s>(&mut self, pool: &[&'s str]) -> Result<&'s str> {
        Ok(*self.u.choose(pool)?)
    }
    fn chance(&mut self, percent: u8) -> Result<bool> {
        Ok(self.u.int_in_range(0..=99u8)? < percent)
    }
    fn count(&mut self, max: u8) -> Result<u8> {
        self.u.int_in_range(0..=max)
    }
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }
    /// A name from a pool, sometimes a fresh or invalid one.
    fn name(&mut self, pool: &[&str]) -> Result<String> {
        Ok(match self.count(19)? {
            0 => format!("n{}", self.count(9)?),
            1 => "x".repeat(usize::from(self.count(80)?) + 1),
            2 => "UPPER".into(),
            3 => "-dash".into(),
            4 => "dots.in.name".into(),
            _ => self.pick(pool)?.to_string(),
        })
    }
    fn string_lit(&mut self, pool: &[&str]) -> Result<()> {
        let s = match self.count(19)? {
            0 => {
                let n: String = self.u.arbitrary()?;
                n.replace(['"', '\\', '\n'], "")
            }
            // Hostile, alone or inside a value from the pool (an ARN, an account, a name),
            // with the language's escapes so that it mostly parses.
            1 | 2 => {
                let h = hostile(self.u)?;
                let base = self.pick(pool)?;
                let h = if self.chance(50)? {
                    let at = self.u.int_in_range(0..=base.len())?;
                    let at = (0..=at)
                        .rev()
                        .find(|&i| base.is_char_boundary(i))
                        .unwrap_or(0);
                    format!("{}{h}{}", &base[..at], &base[at..])
                } else {
                    h
                };
                if self.chance(90)? {
                    h.replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n")
                        .replace('\t', "\\t")
                } else {
                    h
                }
            }
            _ => self.pick(pool)?.to_string(),
        };
        self.push("\"");
        self.push(&s);
        self.push("\"");
        Ok(())
    }
    fn sep(&mut self) -> Result<()> {
        let s = self.pick(&["\n", " ", "\n  ", "; ", "\r\n", "\t", " # comment\n"])?;
        self.push(s);
        Ok(())
    }
    fn list_of(&mut self, pool: &[&str], max: u8, quote: bool) -> Result<()> {
        let n = self.count(max)?.max(1);
        for i in 0..n {
            if i > 0 {
                self.push(", ");
            }
            if quote {
                self.string_lit(pool)?;
            } else {
                let w = self.pick(pool)?;
                self.push(w);
            }
        }
        Ok(())
    }
    fn setting(&mut self, keys: &[&str]) -> Result<()> {
        let key = self.pick(keys)?;
        self.push(key);
        self.push(" = ");
        match self.count(9)? {
            0..=4 => self.string_lit(STRINGS)?,
            5..=7 => {
                let w = self.pick(WORDS)?;
                self.push(w);
            }
            8 => {
                let w = self.pick(WORDS)?;
                self.push(w);
                self.push(" [");
                let pool = [NAMESPACES, CLUSTERS].concat();
                self.list_of(&pool, 3, false)?;
                self.push("]");
            }
            _ => {
                self.push("[");
                let q = self.chance(50)?;
                self.list_of(STRINGS, 3, q)?;
                self.push("]");
            }
        }
        self.sep()
    }
    fn grant(&mut self) -> Result<()> {
        if self.chance(25)? {
            let lvl = self.pick(&["read", "write", "list", "tagging", "permissions"])?;
            self.push(lvl);
            self.push(" ");
            self.list_of(ARNS, 2, true)?;
        } else {
            self.push("allow ");
            self.list_of(ACTIONS, 3, false)?;
            if self.chance(80)? {
                self.push(" on ");
                self.list_of(ARNS, 3, true)?;
            }
            if self.chance(25)? {
                self.push(" when ");
                let n = self.count(2)?.max(1);
                for i in 0..n {
                    if i > 0 {
                        self.push(" and ");
                    }
                    let k = self.pick(COND_KEYS)?;
                    self.push(k);
                    let op = self.pick(&[" == ", " != ", " like "])?;
                    self.push(op);
                    if self.chance(30)? {
                        self.push("[");
                        self.list_of(STRINGS, 3, true)?;
                        self.push("]");
                    } else {
                        self.string_lit(STRINGS)?;
                    }
                }
            }
        }
        if self.chance(15)? {
            self.push(" unsafe ");
            self.string_lit(&["needed", ""])?;
        }
        self.sep()
    }
    fn aws_block(&mut self) -> Result<()> {
        self.push("aws {");
        self.sep()?;
        let many = if self.chance(3)? { 60 } else { 4 };
        for _ in 0..self.count(many)? {
            self.grant()?;
        }
        self.push("}");
        self.sep()
    }
    fn k8s_block(&mut self) -> Result<()> {
        self.push("kubernetes ");
        match self.count(3)? {
            0 => {
                self.push("in ");
                let n = self.name(NAMESPACES)?;
                self.push(&n);
                self.push(" ");
            }
            1 => self.push("cluster "),
            _ => {}
        }
        self.push("{");
        self.sep()?;
        for _ in 0..self.count(4)? {
            self.list_of(VERBS, 3, false)?;
            self.push(" ");
            self.list_of(RESOURCES, 3, false)?;
            if self.chance(20)? {
                self.push(" named ");
                self.list_of(&["checkout-db", "x", "", "A"], 2, true)?;
            }
            if self.chance(10)? {
                self.push(" unsafe \"why\"");
            }
            self.sep()?;
        }
        self.push("}");
        self.sep()
    }
    fn body(&mut self, keys: &[&str]) -> Result<()> {
        for _ in 0..self.count(6)? {
            match self.count(5)? {
                0 | 1 => self.setting(keys)?,
                2 | 3 => self.aws_block()?,
                _ => self.k8s_block()?,
            }
        }
        Ok(())
    }
    fn decl(&mut self) -> Result<()> {
        match self.count(12)? {
            0 | 1 => {
                self.push("cluster ");
                let n = self.name(CLUSTERS)?;
                self.push(&n);
                self.push(" {");
                self.sep()?;
                // Mostly valid clusters, so that the later stages run.
                if self.chance(85)? {
                    self.push("account = \"111122223333\"\nregion = \"us-west-2\"\n");
                    if self.chance(60)? {
                        self.push("oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n");
                    }
                }
                for _ in 0..self.count(4)? {
                    self.setting(CLUSTER_KEYS)?;
                }
                self.push("}");
            }
            2 | 3 => {
                self.push("namespace ");
                let n = self.name(NAMESPACES)?;
                self.push(&n);
                self.push(" on ");
                let n = self.count(2)?.max(1);
                for i in 0..n {
                    if i > 0 {
                        self.push(", ");
                    }
                    let c = self.name(CLUSTERS)?;
                    self.push(&c);
                }
                if self.chance(10)? {
                    self.push(" {");
                    self.setting(&["labels", "owner"])?;
                    self.push("}");
                }
            }
            4..=7 => {
                self.push("app ");
                let n = self.name(APPS)?;
                self.push(&n);
                self.push(" in ");
                let n = self.name(NAMESPACES)?;
                self.push(&n);
                self.push(" {");
                self.sep()?;
                self.body(APP_KEYS)?;
                self.push("}");
            }
            8 => {
                self.push("role ");
                let n = self.name(ROLES)?;
                self.push(&n);
                self.push(" {");
                self.sep()?;
                self.body(&["identity", "boundary", "service_account"])?;
                self.push("}");
            }
            9 => {
                self.push("boundary ");
                let n = self.name(BOUNDARIES)?;
                self.push(&n);
                self.push(" {");
                self.sep()?;
                for _ in 0..self.count(4)? {
                    let e = self.pick(&["allow ", "deny "])?;
                    self.push(e);
                    self.list_of(ACTIONS, 3, false)?;
                    if self.chance(30)? {
                        self.push(" on ");
                        self.list_of(ARNS, 2, true)?;
                    }
                    self.sep()?;
                }
                self.push("}");
            }
            10 => {
                self.push("access ");
                let n = self.name(ACCESSES)?;
                self.push(&n);
                self.push(" on ");
                self.list_of(CLUSTERS, 2, false)?;
                self.push(" {");
                self.sep()?;
                for _ in 0..self.count(4)? {
                    if self.chance(70)? {
                        self.setting(ACCESS_KEYS)?;
                    } else {
                        self.k8s_block()?;
                    }
                }
                self.push("}");
            }
            11 => {
                self.push("resource ");
                self.string_lit(ARNS)?;
                self.push(" {");
                self.sep()?;
                for _ in 0..self.count(3)? {
                    if self.chance(50)? {
                        let l = self.pick(&["read", "write", "list", "tagging", "permissions"])?;
                        self.push(l);
                    } else {
                        self.push("allow ");
                        self.list_of(ACTIONS, 2, false)?;
                    }
                    self.push(" by ");
                    let n = self.count(2)?.max(1);
                    for i in 0..n {
                        if i > 0 {
                            self.push(", ");
                        }
                        let ns = self.name(NAMESPACES)?;
                        let app = self.name(APPS)?;
                        self.push(&format!("{ns}/{app}"));
                    }
                    self.sep()?;
                }
                self.push("}");
            }
            _ => {
                // Raw damage: a stray token.
                let t = self.pick(&[
                    "{", "}", "[", "]", "=", "\"", ",", "clustr", "ap", "allow", "on", "\u{feff}",
                    "\\", "${", "==", "#", "\u{0}", "é",
                ])?;
                self.push(t);
            }
        }
        self.sep()
    }
}

/// Generate one to four files of a mostly grammatical program.
pub fn generate(u: &mut Unstructured<'_>) -> Vec<File> {
    let nfiles = u.int_in_range(1..=4u8).unwrap_or(1);
    let mut files = Vec::new();
    // A common base of valid declarations half of the time, so references resolve.
    let base = u.ratio(1u8, 2u8).unwrap_or(false);
    for i in 0..nfiles {
        let mut g = Gen {
            u,
            out: String::new(),
        };
        if base && i == 0 {
            g.push(
                "cluster prod {\n  account = \"111122223333\"\n  region = \"us-west-2\"\n  \
                 oidc = \"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"\n}\n\
                 namespace payments on prod\nnamespace ops on prod\n\
                 boundary workloads { allow s3:*, sqs:* }\nrole shared { aws { allow s3:GetObject on \"arn:aws:s3:::receipts/*\" } }\n",
            );
        }
        let ndecls = g.u.int_in_range(0..=8u8).unwrap_or(0);
        for _ in 0..ndecls {
            if g.decl().is_err() {
                break;
            }
        }
        // Truncate sometimes, at a character boundary.
        if g.chance(5).unwrap_or(false) && !g.out.is_empty() {
            let at = g.u.int_in_range(0..=g.out.len()).unwrap_or(0);
            let mut at = at.min(g.out.len());
            while !g.out.is_char_boundary(at) {
                at -= 1;
            }
            g.out.truncate(at);
        }
        let name = file_name(g.u, i).unwrap_or_else(|_| format!("f{i}.access"));
        files.push((name, g.out));
    }
    files
}
