//! pest errors → [`Diag`]s that say in words what was expected.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};
use pest::Parser;

use super::{AccessParser, Rule, DECL_KEYWORDS};
use crate::ast::{FileId, Span};
use crate::diagnostics::{Code, Diag};

/// How a rule is named in messages; `None` for rules never worth naming.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::name => "a name",
        Rule::string | Rule::string_inner => "a string",
        Rule::word | Rule::word_value => "a value",
        Rule::setting => "a setting `key = value`",
        Rule::action | Rule::action_list => "an IAM action such as `s3:GetObject`",
        Rule::cond_key => "a condition key such as `aws:SourceVpc`",
        Rule::cond_op => "`==`, `!=` or `like`",
        Rule::verb | Rule::verb_list | Rule::k8s_rule => "a Kubernetes verb such as `get`",
        Rule::k8s_resource | Rule::resource_list => "a Kubernetes resource such as `pods`",
        Rule::app_ref | Rule::app_ref_list => "an app `NAMESPACE/APP`",
        Rule::level => "an access level (`read`, `write`, `list`, `tagging`, `permissions`)",
        Rule::list => "a list `[…]`",
        Rule::string_array => "a list of strings `[\"…\"]`",
        Rule::effect | Rule::boundary_stmt => "`allow` or `deny`",
        Rule::grant | Rule::level_grant | Rule::allow_grant => "a grant (`read \"ARN\"`, `allow ACTION on \"ARN\"`)",
        Rule::res_grant => "a grant (`read by NS/APP`, `allow ACTION by NS/APP`)",
        Rule::aws_block => "`aws { … }`",
        Rule::k8s_block => "`kubernetes { … }`",
        Rule::k8s_target | Rule::cluster_scope => "`in NAMESPACE` or `cluster`",
        Rule::when_clause => "`when`",
        Rule::unsafe_clause => "`unsafe \"reason\"`",
        Rule::kw_on => "`on`",
        Rule::kw_in => "`in`",
        Rule::kw_by => "`by`",
        Rule::kw_allow => "`allow`",
        Rule::kw_when => "`when`",
        Rule::kw_and => "`and`",
        Rule::kw_named => "`named`",
        Rule::kw_unsafe => "`unsafe`",
        Rule::kw_aws => "`aws`",
        Rule::kw_kubernetes => "`kubernetes`",
        Rule::cluster
        | Rule::namespace
        | Rule::app
        | Rule::role
        | Rule::boundary
        | Rule::access
        | Rule::resource
        | Rule::kw_cluster
        | Rule::kw_namespace
        | Rule::kw_app
        | Rule::kw_role
        | Rule::kw_boundary
        | Rule::kw_access
        | Rule::kw_resource => "a declaration (`cluster`, `namespace`, `app`, `role`, `boundary`, `access`, `resource`)",
        Rule::EOI => "end of file",
        _ => return None,
    })
}

fn describe_token(tok: &str) -> String {
    match tok {
        "{" | "}" | "[" | "]" | "=" | "," | "\"" | "==" | "!=" => format!("`{tok}`"),
        t if DECL_KEYWORDS.contains(&t) => {
            "a declaration (`cluster`, `namespace`, `app`, `role`, `boundary`, `access`, `resource`)"
                .to_string()
        }
        t => format!("`{t}`"),
    }
}

/// What stands at `pos`: a word, a symbol, or the end of the file.
fn found_at(text: &str, pos: usize) -> (String, usize) {
    let rest = text.get(pos..).unwrap_or("");
    let Some(c) = rest.chars().next() else {
        return ("end of file".into(), 0);
    };
    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        (format!("`{}`", &rest[..end]), end)
    } else if c == '"' {
        let end = rest[1..]
            .find(['"', '\n'])
            .map(|i| i + 2)
            .unwrap_or(rest.len());
        let shown: String = rest[..end].chars().take(40).collect();
        (format!("string `{}`", shown.trim_end()), end)
    } else if c == '\n' || c == '\r' {
        ("end of line".into(), 1)
    } else {
        (format!("`{c}`"), c.len_utf8())
    }
}

/// Expected tokens, from a second parse with pest's error detail on (only on the error path).
fn expected_tokens(text: &str) -> Vec<String> {
    pest::set_error_detail(true);
    let result = AccessParser::parse(Rule::file, text);
    pest::set_error_detail(false);
    match result {
        Err(e) => e
            .parse_attempts()
            .map(|a| {
                a.expected_tokens()
                    .into_iter()
                    .map(|t| t.to_string())
                    .filter(|t| t != "BUILTIN_RULE" && !t.contains(".."))
                    .collect()
            })
            .unwrap_or_default(),
        Ok(_) => Vec::new(),
    }
}

/// Turn a pest error into a diagnostic.
pub(super) fn from_pest(file: FileId, text: &str, err: pest::error::Error<Rule>) -> Diag {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let mut expected: BTreeSet<String> = BTreeSet::new();
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for r in positives {
            if let Some(d) = describe(*r) {
                expected.insert(d.to_string());
            }
        }
    }
    let tokens = expected_tokens(text);
    for t in &tokens {
        // Keywords are covered by their rules, and characters that merely continue a name or a
        // list are noise; only structural symbols are worth naming.
        if matches!(t.as_str(), "{" | "}" | "[" | "]" | "=" | "==" | "!=" | "\"")
            || DECL_KEYWORDS.contains(&t.as_str())
        {
            expected.insert(describe_token(t));
        }
    }
    let (found, len) = found_at(text, pos);
    let span = Span::new(
        file,
        pos,
        pos + len.max(if pos < text.len() { 1 } else { 0 }),
    );

    // An unterminated string is the most common cause of confusing errors: say so.
    let line_start = text[..pos.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let line_end = text[pos.min(text.len())..]
        .find('\n')
        .map(|i| pos + i)
        .unwrap_or(text.len());
    let line = &text[line_start..line_end];
    if found.starts_with("string") && line.matches('"').count() % 2 == 1 {
        return Diag::new(Code::E001, "unterminated string")
            .at(span)
            .label("this string is not closed")
            .help("close the string with `\"` on the same line");
    }

    let list: Vec<String> = expected.into_iter().collect();
    let expected_text = match list.len() {
        0 => "something else".to_string(),
        1 => list[0].clone(),
        n => format!("{} or {}", list[..n - 1].join(", "), list[n - 1]),
    };
    let mut diag = Diag::new(
        Code::E001,
        format!("expected {expected_text}, found {found}"),
    )
    .at(span)
    .label(format!("expected {}", short_expected(&list)));

    // A misspelt keyword: suggest the closest one that fits here.
    let word = found.trim_matches('`');
    if found.starts_with('`') && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        let mut candidates: Vec<&str> = tokens
            .iter()
            .map(String::as_str)
            .filter(|t| t.chars().all(|c| c.is_ascii_alphabetic()))
            .collect();
        if list.iter().any(|l| l.starts_with("a declaration")) {
            candidates.extend(DECL_KEYWORDS);
        }
        if list
            .iter()
            .any(|l| l.starts_with("a grant") || l.starts_with("an access level"))
        {
            candidates.extend(["read", "write", "list", "tagging", "permissions", "allow"]);
        }
        if let Some(s) = crate::suggest::closest(word, candidates.into_iter()) {
            if s != word {
                diag = diag.help(format!("did you mean `{s}`?"));
            }
        }
    }
    if diag.help.is_none() && found == "`=`" {
        diag = diag.help("settings (`key = value`) go inside a declaration's `{ … }`");
    }
    diag
}

fn short_expected(list: &[String]) -> String {
    match list.len() {
        0 => "something else".into(),
        1 => list[0].clone(),
        _ => "one of the above".into(),
    }
}
