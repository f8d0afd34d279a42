//! The rule registry: one entry per diagnostic code — its code, name, default level, title,
//! rationale, example and fix. The code, level and title come from [`Code`]; the rationale,
//! example and fix from its page `docs/codes/CODE.md`; the names of the lint rules (W-codes) are
//! listed here (errors get theirs from their titles). `docs/rules.md` is generated from it
//! ([`markdown`]), and so is SARIF's `tool.driver.rules`.

use crate::diagnostics::{Code, Severity};

/// The names of the lint rules. Stable, like the codes.
const NAMES: &[(Code, &str)] = &[
    (Code::W001, "invalid-suppression"),
    (Code::W002, "unused-suppression"),
    (Code::W003, "unused-pack"),
    (Code::W201, "resource-arn-not-supported"),
    (Code::W202, "arn-outside-cluster-account"),
    (Code::W203, "grant-outside-boundary"),
    (Code::W204, "shared-role-without-abac"),
    (Code::W205, "pass-role-on-any-role"),
    (Code::W206, "access-entry-escalation"),
    (Code::W207, "pod-identity-escalation"),
    (Code::W208, "boundary-dropped"),
    (Code::W209, "boundary-allows-everything"),
    (Code::W210, "resource-grant-to-shared-irsa-role"),
    (Code::W211, "grant-not-admitted-by-resource-policy"),
    (Code::W212, "for-all-values-without-null-guard"),
    (Code::W213, "deny-shadows-allow"),
    (Code::W301, "named-verb-not-restricted"),
    (Code::W302, "rbac-escalate-or-bind"),
    (Code::W303, "rbac-impersonate"),
    (Code::W304, "rbac-wildcard"),
    (Code::W305, "rbac-read-all-secrets"),
    (Code::W306, "rbac-pod-exec"),
    (Code::W307, "rbac-node-proxy"),
    (Code::W308, "rbac-create-pods"),
    (Code::W309, "rbac-write-aws-auth"),
    (Code::W310, "rbac-service-account-token"),
    (Code::W311, "rbac-ephemeral-containers"),
    (Code::W312, "rbac-admission-webhooks"),
    (Code::W313, "rbac-approve-csr"),
    (Code::W314, "rbac-create-workloads-elsewhere"),
    (Code::W401, "iam-user-access"),
    (Code::W402, "cross-account-access"),
    (Code::W403, "admin-in-kube-system"),
    (Code::W404, "aws-auth-passthrough"),
];

/// Rules that `unsafe "reason"` accepts: `accessc lint` lists the accepted uses as notes.
const UNSAFE_NOTES: &[Code] = &[
    Code::E202,
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
];

/// A rule's default level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// The program does not compile.
    Error,
    /// A best-practice finding; fails only with `--deny-warnings`.
    Warning,
    /// Information: a finding the source accepted (`unsafe`).
    Note,
}

impl Level {
    /// The word (`error`, `warning`, `note`), as SARIF writes it too.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The code.
    pub code: Code,
    /// A stable kebab-case name.
    pub name: String,
    /// Its level unless the source accepts it.
    pub level: Level,
    /// One line.
    pub title: &'static str,
    /// Why it matters ("What it means").
    pub rationale: String,
    /// Source that triggers it.
    pub example: String,
    /// How to fix it.
    pub fix: String,
    /// Whether `unsafe "reason"` accepts it (then a note).
    pub unsafe_accepts: bool,
}

/// A kebab-case name from a title: "cluster admin without `break_glass`" →
/// `cluster-admin-without-break-glass`.
fn kebab(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// The sections of a code's page: (heading, body).
fn sections(doc: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in doc.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            out.push((h.trim(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out.into_iter()
        .map(|(h, b)| (h, b.trim().to_string()))
        .collect()
}

/// The rule of a code.
pub fn rule(code: Code) -> Rule {
    let doc = sections(code.doc());
    let section = |name: &str| {
        doc.iter()
            .find(|(h, _)| *h == name)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    };
    Rule {
        code,
        name: NAMES
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, n)| (*n).to_string())
            .unwrap_or_else(|| kebab(code.title())),
        level: match code.severity() {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        },
        title: code.title(),
        rationale: section("What it means"),
        example: section("Example"),
        fix: section("Fix"),
        unsafe_accepts: UNSAFE_NOTES.contains(&code),
    }
}

/// Every rule: the lint rules (warnings) by code, then the errors by code.
pub fn rules() -> Vec<Rule> {
    let mut codes: Vec<Code> = Code::ALL.to_vec();
    codes.sort_by_key(|c| (c.severity() == Severity::Error, c.as_str()));
    codes.into_iter().map(rule).collect()
}

/// Turn a page's `## ` headings into `### ` ones for the combined document.
fn demote(text: &str) -> String {
    text.lines()
        .map(|l| match l.strip_prefix("## ") {
            Some(h) => format!("#### {h}"),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `docs/rules.md`.
pub fn markdown() -> String {
    let rules = rules();
    let mut s = String::new();
    s.push_str("# Lint rules\n\n");
    s.push_str("<!-- Generated from the rule registry (src/lint/registry.rs, src/diagnostics/codes.rs and\n");
    s.push_str("     docs/codes/); do not edit. Regenerate with `accessc lint --rules-doc > docs/rules.md`\n");
    s.push_str("     or `UPDATE_RULES_DOC=1 cargo test --test lint`. -->\n\n");
    s.push_str("The lint rules are the EKS security best practices (the EKS Best Practices Guide, Identity and\n");
    s.push_str("Access Management) and the privilege-escalation paths of IAM and Kubernetes RBAC. They are on by\n");
    s.push_str("default: `accessc build` and `accessc check` print them as warnings (which fail only with\n");
    s.push_str("`--deny-warnings`), and `accessc lint` reports them as text, JSON or SARIF.\n\n");
    s.push_str("* **error**: the program does not compile (the errors are listed at the end).\n");
    s.push_str("* **warning**: a best-practice finding; the program compiles.\n");
    s.push_str("* **note** (`accessc lint` only): a finding the source accepted with `unsafe \"reason\"` on the\n");
    s.push_str("  grant or rule. Rules marked *unsafe → note* below accept `unsafe`.\n\n");
    s.push_str("A warning can be suppressed for one declaration, with a reason, by a comment on the line before\n");
    s.push_str("it: `# accessc: allow W302, W306 \"why\"` (W001 reports a malformed one, W002 an unused one).\n\n");
    s.push_str("| code | name | level | what |\n| --- | --- | --- | --- |\n");
    for r in rules.iter().filter(|r| r.level != Level::Error) {
        s.push_str(&format!(
            "| [{code}](#{anchor}) | `{name}` | {level}{unsafe_} | {title} |\n",
            code = r.code,
            anchor = r.code.as_str().to_ascii_lowercase(),
            name = r.name,
            level = r.level.as_str(),
            unsafe_ = if r.unsafe_accepts {
                "; unsafe → note"
            } else {
                ""
            },
            title = r.title.replace('|', "\\|"),
        ));
    }
    for r in rules.iter().filter(|r| r.level != Level::Error) {
        s.push_str(&format!("\n## {}\n\n", r.code));
        s.push_str(&format!(
            "`{}` · {} · default level **{}**{}\n\n",
            r.name,
            r.title,
            r.level.as_str(),
            if r.unsafe_accepts {
                "; `unsafe \"reason\"` turns it into a note"
            } else {
                ""
            }
        ));
        s.push_str(&format!(
            "### What it means\n\n{}\n\n",
            demote(&r.rationale)
        ));
        s.push_str(&format!("### Example\n\n{}\n\n", demote(&r.example)));
        s.push_str(&format!("### Fix\n\n{}\n", demote(&r.fix)));
    }
    s.push_str("\n## Errors\n\n");
    s.push_str("Always on; each has its page in `docs/codes/` (`accessc explain CODE`).\n\n");
    s.push_str("| code | name | what |\n| --- | --- | --- |\n");
    for r in rules.iter().filter(|r| r.level == Level::Error) {
        s.push_str(&format!(
            "| [{code}](codes/{code}.md) | `{name}` | {title}{unsafe_} |\n",
            code = r.code,
            name = r.name,
            title = r.title.replace('|', "\\|"),
            unsafe_ = if r.unsafe_accepts {
                " (`unsafe \"reason\"` accepts it: a note)"
            } else {
                ""
            },
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            kebab("cluster admin without `break_glass`"),
            "cluster-admin-without-break-glass"
        );
        let rules = rules();
        let mut names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "rule names are unique");
        for r in rules.iter().filter(|r| r.level == Level::Warning) {
            assert!(
                NAMES.iter().any(|(c, _)| *c == r.code),
                "{} has no name",
                r.code
            );
            assert!(
                !r.rationale.is_empty() && !r.example.is_empty() && !r.fix.is_empty(),
                "{}",
                r.code
            );
        }
    }
}
