//! IAM conditions: each `when` condition's operator against its values' kind (E218), its
//! values against that kind (dates, IP ranges, base64: E125), its key's type in the catalog
//! (a `Bool` key with `like`, an ARN key with `<`: E218; `any` / `all` on a single-valued key:
//! E219), and the `all` foot-gun (`ForAllValues:` in an allow without a `not null` guard: W212).
//!
//! Which IAM operator a condition writes is [`Condition::iam_operator`]; whether its key
//! applies to the grant's actions is [`super::catalog_checks::condition_key_as`].

use crate::ast::{CondOp, Condition, SetQualifier, ValueKind};
use crate::catalog;
use crate::diagnostics::{Code, Diag};

/// The catalog's value type of a condition key (`String`, `ArrayOfString`, `Bool`, `ARN`,
/// `Numeric`, `Date`, `IPAddress`, …): a global key's, else its service's; `None` when the
/// key is unknown or its type is not given.
pub fn key_type(key: &str) -> Option<&'static str> {
    let cat = catalog::catalog();
    let found = cat
        .global_condition_keys()
        .iter()
        .find(|k| k.matches(key))
        .map(|k| k.value_type);
    let found = found.or_else(|| {
        let (svc, _) = key.split_once(':')?;
        let service = cat.service(&svc.to_ascii_lowercase())?;
        service
            .condition_keys()
            .iter()
            .find(|k| k.matches(key))
            .map(|k| k.value_type)
    });
    found.filter(|t| !t.is_empty())
}

/// Whether a grant's conditions scope it by tags: a positive condition (`==`, `in`, `like`,
/// `equals_ignore_case`, `is not null`, not `if exists`) on a resource or request tag
/// (`aws:ResourceTag/…`, `aws:RequestTag/…`, or a service's own `…:ResourceTag/…`). Such a
/// grant may name `on "*"` without `unsafe`: the tag, not the ARN, is what limits it.
pub fn scopes_by_tag(conds: &[Condition]) -> bool {
    conds.iter().any(|c| {
        let Some((_, name)) = c.key.node.split_once(':') else {
            return false;
        };
        let lower = name.to_ascii_lowercase();
        let tag = lower.starts_with("resourcetag/") || lower.starts_with("requesttag/");
        let positive = matches!(
            c.op,
            CondOp::Eq | CondOp::In | CondOp::Like | CondOp::EqIgnoreCase | CondOp::IsNot
        );
        tag && positive && !c.if_exists && c.qualifier.is_none()
    })
}

/// Check the conditions of one grant (`deny`: a deny grant, where `all` is no foot-gun).
/// Diagnostics only: a condition with an error is then dropped by the caller, whose
/// [`Condition::iam_operator`] is `None` for an operator that does not fit its values.
pub fn check_grant_conditions(conds: &[Condition], deny: bool, diags: &mut Vec<Diag>) {
    for c in conds {
        check_condition(c, diags);
        if !deny
            && c.kind != ValueKind::Null
            && c.qualifier
                .as_ref()
                .is_some_and(|q| q.node == SetQualifier::All)
        {
            let guarded = conds.iter().any(|g| {
                g.kind == ValueKind::Null
                    && g.op == CondOp::IsNot
                    && g.key.node.eq_ignore_ascii_case(&c.key.node)
            });
            if !guarded {
                if let Some(q) = &c.qualifier {
                    diags.push(
                        Diag::new(
                            Code::W212,
                            format!("`all {}` also matches a request without `{}`", c.key.node, c.key.node),
                        )
                        .at(q.span)
                        .label("`ForAllValues:` is true for an empty set")
                        .help(format!("add `and {} is not null` so that the grant applies only to requests that carry the key", c.key.node)),
                    );
                }
            }
        }
    }
}

/// The operators that apply to values of a kind, for help texts.
fn operators_for(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::String => "`==`, `!=`, `in`, `not in`, `like`, `not like`, `equals_ignore_case`, `not equals_ignore_case`",
        ValueKind::Number | ValueKind::Date => "`==`, `!=`, `in`, `not in`, `<`, `<=`, `>`, `>=`",
        ValueKind::Ip => "`in`, `not in` (or `==`, `!=`)",
        ValueKind::Arn => "`==`, `!=`, `in`, `not in`, `like`, `not like`",
        ValueKind::Binary => "`==` (or `in`)",
        ValueKind::Bool => "`is true`, `is false`",
        ValueKind::Null => "`is null`, `is not null`",
    }
}

/// How to write a condition on a key of an IAM type.
fn fix_for_type(key: &str, base: &str) -> String {
    match base {
        "Bool" => format!("write `{key} is true` or `{key} is false`"),
        "Numeric" => format!("compare with a number: `{key} == 1`, `{key} < 3600`"),
        "Date" => format!("compare with a date: `{key} < date(\"2026-01-01T00:00:00Z\")`"),
        "IPAddress" => format!("compare with IP ranges: `{key} in ip(\"203.0.113.0/24\")`"),
        "ARN" => format!(
            "compare with ARNs or strings: `{key} like arn(\"arn:aws:…\")`, `{key} == \"…\"`"
        ),
        _ => format!("compare with strings: `{key} == \"…\"`, `{key} like \"…*\"`"),
    }
}

/// Whether values of `kind` fit a key of the IAM type `base` (without its `ArrayOf`).
fn fits(kind: ValueKind, base: &str) -> bool {
    match kind {
        ValueKind::Null => true,
        // IAM compares an ARN key with string operators too (`StringEquals` on `aws:SourceArn`).
        ValueKind::String | ValueKind::Binary => matches!(base, "String" | "ARN"),
        ValueKind::Arn => base == "ARN",
        ValueKind::Number => base == "Numeric",
        ValueKind::Date => base == "Date",
        ValueKind::Bool => base == "Bool",
        ValueKind::Ip => base == "IPAddress",
    }
}

/// Check one condition on its own.
fn check_condition(c: &Condition, diags: &mut Vec<Diag>) {
    let key = &c.key.node;
    if let Some(first) = c.mixed.first() {
        diags.push(
            Diag::new(
                Code::E125,
                format!(
                    "{} among the values of `{key}`, whose first value is {}",
                    first.node.describe(),
                    c.kind.describe()
                ),
            )
            .at(first.span)
            .label("another kind of value")
            .help("the values of one condition are of one kind (IAM ORs them under one operator): write a condition per kind"),
        );
        return;
    }
    if c.kind == ValueKind::Bool && c.op == CondOp::IsNot {
        let word = c.values.first().map_or("true", |v| v.node.as_str());
        diags.push(
            Diag::new(Code::E125, format!("`is not {word}` has no IAM operator"))
                .at(c.op_span)
                .label("negated boolean")
                .help(format!("IAM's `Bool` has no negation: write `is {}` (a request without the key matches neither; add `if exists` to match it too)", if word == "true" { "false" } else { "true" })),
        );
        return;
    }
    if c.iam_operator().is_none() {
        let d = if c.kind == ValueKind::Null {
            Diag::new(Code::E218, "`is null` has no `if exists` form")
                .at(c.span)
                .label("`if exists` on `Null`")
                .help(
                    "`is null` already tests whether the request carries the key: drop `if exists`",
                )
        } else {
            Diag::new(
                Code::E218,
                format!("`{}` does not compare {}", c.op.symbol(), plural(c.kind)),
            )
            .at(c.op_span)
            .label("operator")
            .help(
                match key_type(key).map(|t| t.trim_start_matches("ArrayOf")) {
                    // The values do not fit the key either: say how to write the key's.
                    Some(base) if !fits(c.kind, base) => fix_for_type(key, base),
                    _ => format!("{} take {}", capital(plural(c.kind)), operators_for(c.kind)),
                },
            )
        };
        diags.push(d);
        return;
    }
    for v in &c.values {
        if let Err(why) = check_value(c.kind, &v.node) {
            diags.push(
                Diag::new(
                    Code::E125,
                    format!("`{}` is not {}", v.node, c.kind.describe()),
                )
                .at(v.span)
                .label("invalid value")
                .help(why),
            );
        }
    }
    let Some(ty) = key_type(key) else {
        return;
    };
    let multi = ty.starts_with("ArrayOf");
    let base = ty.trim_start_matches("ArrayOf");
    if !fits(c.kind, base) {
        diags.push(
            Diag::new(
                Code::E218,
                format!(
                    "`{key}` has type {base}: {} does not fit it",
                    c.kind.describe()
                ),
            )
            .at(c.span)
            .label(format!("{} compared with {}", base, c.kind.describe()))
            .help(fix_for_type(key, base)),
        );
    }
    if let Some(q) = &c.qualifier {
        if c.kind == ValueKind::Null {
            diags.push(
                Diag::new(Code::E219, format!("`{}` with `is null`", q.node.keyword()))
                    .at(q.span)
                    .label("set qualifier")
                    .help(format!(
                        "`is null` tests whether the request carries `{key}` at all: drop `{}`",
                        q.node.keyword()
                    )),
            );
        } else if !multi {
            diags.push(
                Diag::new(
                    Code::E219,
                    format!("`{}` on `{key}`, a single-valued key", q.node.keyword()),
                )
                .at(q.span)
                .label(format!("`{key}` is {ty}, not a set"))
                .help(format!("`any` and `all` (`ForAnyValue:`, `ForAllValues:`) are for keys with several values such as `aws:TagKeys`: drop `{}`", q.node.keyword())),
            );
        }
    }
}

fn plural(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::String => "strings",
        ValueKind::Number => "numbers",
        ValueKind::Date => "dates",
        ValueKind::Ip => "IP addresses",
        ValueKind::Arn => "ARNs",
        ValueKind::Binary => "binary values",
        ValueKind::Bool => "booleans",
        ValueKind::Null => "`null`",
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Check a value against its kind; `Err` holds the help.
pub fn check_value(kind: ValueKind, v: &str) -> Result<(), String> {
    let variable = v.contains("${");
    match kind {
        ValueKind::String | ValueKind::Bool | ValueKind::Null => Ok(()),
        ValueKind::Arn => {
            if v.starts_with("${") || v.starts_with("arn:") && v.split(':').count() >= 6 {
                Ok(())
            } else {
                Err("an ARN is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (`*` and `?` may stand for any part with `like`)".into())
            }
        }
        _ if variable => Err(
            "IAM replaces policy variables only in string and ARN values: compare with a literal value".into(),
        ),
        ValueKind::Number => v
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| "write a decimal number, e.g. `3600`".into()),
        ValueKind::Date => date(v).then_some(()).ok_or_else(|| {
            "write an ISO 8601 date (`2026-01-31`, `2026-01-31T23:59:59Z`, with an optional `+hh:mm` offset) or seconds since the epoch (`1767225600`)".into()
        }),
        ValueKind::Ip => ip_range(v).then_some(()).ok_or_else(|| {
            "write an IPv4 or IPv6 address or CIDR range, e.g. `203.0.113.0/24`, `2001:db8::/32`".into()
        }),
        ValueKind::Binary => base64(v).then_some(()).ok_or_else(|| {
            "write the value in base64 (`A-Z a-z 0-9 + /`, padded with `=` to a multiple of 4 characters)".into()
        }),
    }
}

/// `n` digits at the start of `s`, as a number.
fn digits(s: &str, n: usize) -> Option<u32> {
    let d = s.get(..n)?;
    if d.bytes().all(|b| b.is_ascii_digit()) {
        d.parse().ok()
    } else {
        None
    }
}

/// An ISO 8601 date or date-time as IAM reads it, or epoch seconds.
fn date(v: &str) -> bool {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    let b = v.as_bytes();
    let (Some(_), Some(month), Some(day)) = (
        digits(v, 4),
        v.get(5..).and_then(|s| digits(s, 2)),
        v.get(8..).and_then(|s| digits(s, 2)),
    ) else {
        return false;
    };
    if b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
    {
        return false;
    }
    let rest = &v[10..];
    if rest.is_empty() {
        return true;
    }
    let Some(time) = rest.strip_prefix('T') else {
        return false;
    };
    let (Some(h), Some(m)) = (digits(time, 2), time.get(3..).and_then(|s| digits(s, 2))) else {
        return false;
    };
    if time.as_bytes().get(2) != Some(&b':') || h > 23 || m > 59 {
        return false;
    }
    let mut rest = &time[5..];
    if let Some(s) = rest.strip_prefix(':') {
        match digits(s, 2) {
            Some(sec) if sec <= 60 => rest = &s[2..],
            _ => return false,
        }
        if let Some(frac) = rest.strip_prefix('.') {
            let n = frac.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return false;
            }
            rest = &frac[n..];
        }
    }
    match rest {
        "" | "Z" => true,
        zone => {
            let sign = zone.starts_with(['+', '-']);
            let z = &zone[1.min(zone.len())..];
            sign && z.len() == 5
                && z.as_bytes()[2] == b':'
                && digits(z, 2).is_some_and(|h| h <= 23)
                && digits(&z[3..], 2).is_some_and(|m| m <= 59)
        }
    }
}

/// An IPv4 or IPv6 address, optionally with a `/prefix` of its length.
fn ip_range(v: &str) -> bool {
    let (addr, prefix) = match v.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (v, None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match prefix {
        None => true,
        Some(p) => {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n <= max)
        }
    }
}

/// Base64 text (standard alphabet, padded).
fn base64(v: &str) -> bool {
    let body = v.trim_end_matches('=');
    !v.is_empty()
        && v.len() % 4 == 0
        && v.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in [
            "2026-01-31",
            "2026-01-31T23:59:59Z",
            "2026-01-31T23:59Z",
            "2026-01-31T23:59:59.123Z",
            "2026-01-31T23:59:59+02:00",
            "1767225600",
        ] {
            assert!(date(ok), "{ok}");
        }
        for bad in [
            "2026-13-01",
            "2026-1-1",
            "tomorrow",
            "2026-01-31T24:00:00Z",
            "2026-01-31T10:00:00+2",
            "",
        ] {
            assert!(!date(bad), "{bad}");
        }
    }

    #[test]
    fn ip_ranges() {
        for ok in ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "::1"] {
            assert!(ip_range(ok), "{ok}");
        }
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "2001:db8::/129",
            "10.0.0.0/",
            "host",
        ] {
            assert!(!ip_range(bad), "{bad}");
        }
    }

    #[test]
    fn base64_values() {
        assert!(base64("QmluYXJ5"));
        assert!(base64("QmluYXI="));
        assert!(!base64("QmluYXI"));
        assert!(!base64("Qmlu YXI="));
        assert!(!base64(""));
    }

    #[test]
    fn key_types() {
        assert_eq!(key_type("aws:MultiFactorAuthPresent"), Some("Bool"));
        assert_eq!(key_type("aws:TagKeys"), Some("ArrayOfString"));
        assert_eq!(key_type("aws:SourceIp"), Some("IPAddress"));
        assert_eq!(key_type("aws:RequestTag/team"), Some("String"));
    }
}
