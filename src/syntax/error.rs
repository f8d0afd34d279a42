//! pest errors → [`Diag`]s that say in words what was expected.

use std::collections::BTreeSet;

use pest::error::{ErrorVariant, InputLocation};
use pest::iterators::Pairs;
use pest::Parser;

use super::{AccessParser, Rule, DECL_KEYWORDS};
use crate::ast::{FileId, Span};
use crate::diagnostics::{Code, Diag};

/// How a rule is named in messages; `None` for rules never worth naming.
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::name => "a name",
        Rule::string => "a string",
        Rule::word => "a value",
        Rule::setting => "a setting `key = value`",
        Rule::action => "an IAM action such as `s3:GetObject`",
        Rule::cond_key => "a condition key such as `aws:SourceVpc`",
        Rule::cond_op => "a condition operator (`==`, `!=`, `like`, `in`, `<`, …)",
        Rule::cond_neg_op => "`like`, `in` or `equals_ignore_case` after `not`",
        Rule::kw_is => "`is`",
        Rule::cond_word => "`true`, `false` or `null`",
        Rule::cond_not => "`not`",
        Rule::kw_exists => "`exists`",
        Rule::number => "a number",
        Rule::typed_value | Rule::value_type => "a typed value such as `date(\"…\")` or `ip(\"…\")`",
        Rule::verb | Rule::k8s_rule => "a Kubernetes verb such as `get`",
        Rule::k8s_resource => "a Kubernetes resource such as `pods`",
        Rule::app_ref => "an app `NAMESPACE/APP`",
        Rule::level => "an access level (`read`, `write`, `list`, `tagging`, `permissions`)",
        Rule::list => "a list `[…]`",
        Rule::string_array => "a list of values `[…]`",
        Rule::effect | Rule::boundary_stmt => "`allow` or `deny`",
        Rule::grant => "a grant (`read \"ARN\"`, `allow ACTION on \"ARN\"`)",
        Rule::res_grant => "a grant (`read by NS/APP`, `allow ACTION by NS/APP`)",
        Rule::aws_block => "`aws { … }`",
        Rule::k8s_block => "`kubernetes { … }`",
        Rule::k8s_target | Rule::cluster_scope => "`in NAMESPACE` or `cluster`",
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
        Rule::use_stmt | Rule::kw_use => "`use PACK(…)`",
        Rule::param => "a parameter `NAME: TYPE`",
        Rule::param_type => "a type (`string`, `arn`, `name`, `[string]`, `[arn]`, `[name]`)",
        Rule::arg => "an argument `NAME = VALUE`",
        Rule::cluster
        | Rule::namespace
        | Rule::app
        | Rule::role
        | Rule::boundary
        | Rule::access
        | Rule::resource
        | Rule::pack
        | Rule::kw_cluster
        | Rule::kw_namespace
        | Rule::kw_app
        | Rule::kw_role
        | Rule::kw_boundary
        | Rule::kw_access
        | Rule::kw_resource
        | Rule::kw_pack => "a declaration (`cluster`, `namespace`, `app`, `role`, `boundary`, `access`, `resource`, `pack`)",
        Rule::EOI => "end of file",
        _ => return None,
    })
}

fn describe_token(tok: &str) -> String {
    match tok {
        "{" | "}" | "[" | "]" | "=" | "," | "\"" | "==" | "!=" => format!("`{tok}`"),
        t if DECL_KEYWORDS.contains(&t) => {
            "a declaration (`cluster`, `namespace`, `app`, `role`, `boundary`, `access`, `resource`, `pack`)"
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
    } else if c.is_control() {
        (format!("`{}`", c.escape_debug()), c.len_utf8())
    } else {
        (format!("`{c}`"), c.len_utf8())
    }
}

/// Parse with pest's error detail on: its error also carries the expected tokens and the
/// furthest position reached (see [`attempts`]). Slower than a plain parse, so only used once a
/// file is known to have an error.
pub(super) fn parse_detailed(text: &str) -> Result<Pairs<'_, Rule>, pest::error::Error<Rule>> {
    // pest's error-detail switch is process-wide: serialise the detailed parses so that a
    // concurrent one (tests, library users) cannot switch it off under this one.
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = DETAIL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let result = AccessParser::parse(Rule::file, text);
    pest::set_error_detail(false);
    result
}

/// Expected tokens and the furthest position the parser reached (also counting literal tokens
/// such as `{` or `,`, which pest's plain error leaves out), from an error of
/// [`parse_detailed`] (none from a plain parse's error).
fn attempts(err: &pest::error::Error<Rule>) -> (Vec<String>, usize) {
    err.parse_attempts()
        .map(|a| {
            let tokens = a
                .expected_tokens()
                .into_iter()
                .map(|t| t.to_string())
                .filter(|t| t != "BUILTIN_RULE" && !t.contains(".."))
                .collect();
            (tokens, a.max_position)
        })
        .unwrap_or_default()
}

/// The keywords a rule stands for (candidates for "did you mean").
fn keywords(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::kw_on => &["on"],
        Rule::kw_in | Rule::k8s_target => &["in", "cluster"],
        Rule::kw_by => &["by"],
        Rule::kw_allow => &["allow"],
        Rule::kw_when => &["when"],
        Rule::kw_and => &["and"],
        Rule::kw_named => &["named"],
        Rule::kw_unsafe => &["unsafe"],
        Rule::kw_aws | Rule::aws_block => &["aws"],
        Rule::kw_kubernetes | Rule::k8s_block => &["kubernetes"],
        Rule::kw_use | Rule::use_stmt => &["use"],
        Rule::cluster_scope => &["cluster"],
        Rule::effect | Rule::boundary_stmt => &["allow", "deny"],
        Rule::cond_op => &["like", "in", "equals_ignore_case"],
        Rule::cond_neg_op => &["like", "in", "equals_ignore_case"],
        Rule::kw_is => &["is"],
        Rule::cond_word => &["true", "false", "null"],
        Rule::kw_exists => &["exists"],
        Rule::kw_deny => &["deny"],
        Rule::level | Rule::grant | Rule::res_grant => {
            &["read", "write", "list", "tagging", "permissions", "allow"]
        }
        Rule::cluster
        | Rule::namespace
        | Rule::app
        | Rule::role
        | Rule::boundary
        | Rule::access
        | Rule::resource
        | Rule::pack
        | Rule::kw_cluster
        | Rule::kw_namespace
        | Rule::kw_app
        | Rule::kw_role
        | Rule::kw_boundary
        | Rule::kw_access
        | Rule::kw_resource
        | Rule::kw_pack => DECL_KEYWORDS,
        _ => &[],
    }
}

/// Symbols worth naming in "expected …" (characters that merely continue a name are noise).
fn structural(t: &str) -> bool {
    matches!(t, "{" | "}" | "[" | "]" | "=" | "==" | "!=" | "\"")
}

/// Where pest's last rule failed (the diagnostic may point further on).
pub(super) fn rule_position(err: &pest::error::Error<Rule>) -> usize {
    match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    }
}

/// Turn a pest error of [`parse_detailed`] into a diagnostic. The parser was given
/// `text[offset..]`: the error's positions are relative to `offset`.
pub(super) fn from_pest(
    file: FileId,
    text: &str,
    offset: usize,
    err: &pest::error::Error<Rule>,
) -> Diag {
    let rule_pos = offset + rule_position(err);
    let positives: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    let (tokens, furthest) = attempts(err);
    let furthest = offset + furthest;

    // A word where a keyword was expected and close to one: a misspelt keyword, reported at
    // the word with a suggestion.
    let (rule_found, rule_len) = found_at(text, rule_pos);
    let rule_word = rule_found.trim_matches('`');
    let mut candidates: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    for r in positives {
        candidates.extend(keywords(*r));
    }
    let suggestion = if rule_found.starts_with('`')
        && !rule_word.is_empty()
        && rule_word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        crate::suggest::closest(rule_word, candidates.iter().copied()).filter(|s| *s != rule_word)
    } else {
        None
    };

    // A string that runs to the end of its line: report it where it starts.
    if rule_found.starts_with("string") && odd_quotes_on_line(text, rule_pos) {
        return unterminated(Span::new(file, rule_pos, rule_pos + rule_len.max(1)));
    }
    // A word where a keyword or a name could stand that is no keyword: an unknown keyword,
    // reported at the word.
    let unknown_keyword = rule_found.starts_with('`')
        && positives.iter().any(|r| !keywords(*r).is_empty())
        && !candidates.contains(&rule_word);

    // Otherwise, when the parser got further than its last failing rule (it matched a word or
    // a string and then missed a `{`, `,` or `]`), the error is where it stopped.
    let relocated: BTreeSet<String> =
        if suggestion.is_none() && !unknown_keyword && furthest > rule_pos {
            tokens
                .iter()
                .filter(|t| structural(t) || t.as_str() == ",")
                .map(|t| describe_token(t))
                .collect()
        } else {
            BTreeSet::new()
        };
    let (pos, expected) = if relocated.is_empty() {
        let mut expected: BTreeSet<String> = BTreeSet::new();
        for r in positives {
            if let Some(d) = describe(*r) {
                expected.insert(d.to_string());
            }
        }
        let has_op = positives.contains(&Rule::cond_op);
        // The detailed tokens are those at the furthest position: only name them when that is
        // this position.
        let here: &[String] = if furthest == rule_pos { &tokens } else { &[] };
        for t in here {
            // Keywords are covered by their rules, and characters that merely continue a name
            // or a list are noise; only structural symbols are worth naming.
            if (structural(t) && !(has_op && (t == "==" || t == "!=")))
                || DECL_KEYWORDS.contains(&t.as_str())
            {
                expected.insert(describe_token(t));
            }
        }
        (rule_pos, expected)
    } else {
        (furthest.min(text.len()), relocated)
    };
    let (found, len) = found_at(text, pos);
    let span = Span::new(
        file,
        pos,
        pos + len.max(if pos < text.len() { 1 } else { 0 }),
    );

    // An unterminated string is the most common cause of confusing errors: say so.
    if found.starts_with("string") && odd_quotes_on_line(text, pos) {
        return unterminated(span);
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
    if let Some(s) = suggestion {
        diag = diag.help(format!("did you mean `{s}`?"));
    }
    if diag.help.is_none() && found == "`=`" {
        diag = diag.help("settings (`key = value`) go inside a declaration's `{ … }`");
    }
    diag
}

/// Whether the line around `pos` has an odd number of `"`.
fn odd_quotes_on_line(text: &str, pos: usize) -> bool {
    let pos = pos.min(text.len());
    let line_start = text
        .get(..pos)
        .and_then(|t| t.rfind('\n'))
        .map(|i| i + 1)
        .unwrap_or(0);
    let line_end = text
        .get(pos..)
        .and_then(|t| t.find('\n'))
        .map(|i| pos + i)
        .unwrap_or(text.len());
    let line = text.get(line_start..line_end).unwrap_or("");
    line.matches('"').count() % 2 == 1
}

fn unterminated(span: Span) -> Diag {
    Diag::new(Code::E001, "unterminated string")
        .at(span)
        .label("this string is not closed")
        .help("close the string with `\"` on the same line")
}

fn short_expected(list: &[String]) -> String {
    match list.len() {
        0 => "something else".into(),
        1 => list[0].clone(),
        _ => "one of the above".into(),
    }
}
