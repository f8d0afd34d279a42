//! Matching a user's ARN against the catalog's ARN patterns.
//!
//! The approach of `shared/design/iam-catalog.md`, which resolves every one of AWS's patterns
//! back to its own resource type:
//!
//! 1. split on the first five `:` (outside `${...}`); the service fields must be equal; a
//!    pattern's `${Partition}` / `${Region}` / `${Account}` (or `*`) matches any non-empty
//!    value, an empty pattern field needs an empty value (or `*`), a literal must be equal (or
//!    matched by the user's wildcard);
//! 2. the resource part is compared token by token. In the **strict** pass a pattern variable
//!    matches one or more characters other than `/` and `:`; the user's `*` and IAM policy
//!    variables (`${aws:PrincipalTag/team}`) count as one value character each, so `bucket/*`
//!    is an S3 object and `*` alone a bucket;
//! 3. only if nothing matched, a **relaxed** pass where variables may contain `/` and the last
//!    one anything (S3 keys, role paths, SSM parameter paths, log groups);
//! 4. rank: strict over relaxed, then more literal characters; keep every tie (a Lambda alias
//!    and a version are genuinely both);
//! 5. patterns whose service field is itself a variable (AWS Backup's recovery point,
//!    `arn:${Partition}:${Vendor}:...`) are tried only if no pattern of the ARN's own service
//!    field matched.
//!
//! For access-level expansion the caller keeps the hits whose IAM prefix equals the ARN's
//! service field when there are any (an EKS cluster ARN expands to `eks:` actions, not `aps:`).

use std::fmt;

use super::model::{ResourceType, Service};

/// One resource type an ARN matched.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArnMatch {
    /// The IAM service prefix that owns the resource type (may differ from the ARN's service
    /// field, e.g. `kafka-cluster` on `kafka` ARNs, `aps` on `eks` cluster ARNs).
    pub service: String,
    /// The resource type name, e.g. `object`.
    pub resource_type: String,
    /// The ARN pattern that matched, e.g. `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
    pub pattern: String,
    /// Whether the strict pass matched (variables without `/` or `:`).
    pub strict: bool,
}

/// A known ARN form, shown as help when an ARN matches no resource type.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArnForm {
    /// The IAM service prefix owning the resource type.
    pub service: String,
    /// The resource type name.
    pub resource_type: String,
    /// The ARN pattern.
    pub pattern: String,
}

/// Why an ARN could not be resolved to a resource type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArnError {
    /// The text is not `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    NotAnArn {
        /// The text as given.
        arn: String,
    },
    /// No service of the catalog has ARNs with this service field.
    UnknownService {
        /// The ARN as given.
        arn: String,
        /// Its service field.
        service: String,
        /// The closest known ARN service field, for "did you mean".
        suggestion: Option<String>,
    },
    /// The service is known but none of its resource types' ARN patterns matches.
    NoResourceType {
        /// The ARN as given.
        arn: String,
        /// Its service field.
        service: String,
        /// Every ARN form registered for that service field, the own service's first.
        forms: Vec<ArnForm>,
    },
}

impl fmt::Display for ArnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArnError::NotAnArn { arn } => write!(
                f,
                "`{arn}` is not an ARN (expected `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`)"
            ),
            ArnError::UnknownService { arn, service, .. } => {
                write!(
                    f,
                    "no AWS service has ARNs of service `{service}` (in `{arn}`)"
                )
            }
            ArnError::NoResourceType { arn, service, .. } => {
                write!(f, "no resource type of `{service}` matches `{arn}`")
            }
        }
    }
}

impl std::error::Error for ArnError {}

impl ArnError {
    /// How many forms [`ArnError::help`] lists before "and N more".
    pub const HELP_FORMS: usize = 12;

    /// A help line: the suggestion, or the known ARN forms (at most [`ArnError::HELP_FORMS`]).
    pub fn help(&self) -> Option<String> {
        match self {
            ArnError::NotAnArn { .. } => {
                Some("write a full ARN, e.g. `arn:aws:s3:::my-bucket/*`".to_string())
            }
            ArnError::UnknownService { suggestion, .. } => {
                suggestion.as_ref().map(|s| format!("did you mean `{s}`?"))
            }
            ArnError::NoResourceType { service, forms, .. } => {
                if forms.is_empty() {
                    return None;
                }
                let shown: Vec<String> = forms
                    .iter()
                    .take(Self::HELP_FORMS)
                    .map(|f| format!("`{}` ({} {})", f.pattern, f.service, f.resource_type))
                    .collect();
                let more = forms.len().saturating_sub(Self::HELP_FORMS);
                let tail = if more > 0 {
                    format!(", and {more} more")
                } else {
                    String::new()
                };
                Some(format!(
                    "ARN forms of `{service}`: {}{tail}",
                    shown.join(", ")
                ))
            }
        }
    }
}

/// A user's ARN split into its six fields (on `:` outside `${...}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UserArn<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

/// Splits an ARN on its first five `:`, skipping `:` inside IAM policy variables `${...}`.
pub(crate) fn split_arn(arn: &str) -> Option<UserArn<'_>> {
    let mut cuts = [0usize; 5];
    let mut found = 0;
    let mut in_var = false;
    let bytes = arn.as_bytes();
    let mut i = 0;
    while i < bytes.len() && found < 5 {
        match bytes.get(i) {
            Some(b'$') if !in_var && bytes.get(i + 1) == Some(&b'{') => {
                in_var = true;
                i += 1;
            }
            Some(b'}') if in_var => in_var = false,
            Some(b':') if !in_var => {
                if let Some(c) = cuts.get_mut(found) {
                    *c = i;
                }
                found += 1;
            }
            _ => {}
        }
        i += 1;
    }
    if found < 5 {
        return None;
    }
    let field = |n: usize| -> Option<&str> {
        let start = if n == 0 { 0 } else { cuts.get(n - 1)? + 1 };
        let end = if n == 5 { arn.len() } else { *cuts.get(n)? };
        arn.get(start..end)
    };
    if field(0)? != "arn" {
        return None;
    }
    Some(UserArn {
        partition: field(1)?,
        service: field(2)?,
        region: field(3)?,
        account: field(4)?,
        resource: field(5)?,
    })
}

/// One unit of a user's resource part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Char(char),
    /// `*` or `?`: some value.
    Wild,
    /// An IAM policy variable `${...}`: some value.
    PolicyVar,
}

fn user_units(s: &str) -> Vec<Unit> {
    let mut units = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            if let Some(end) = after.find('}') {
                units.push(Unit::PolicyVar);
                rest = after.get(end + 1..).unwrap_or_default();
                continue;
            }
        }
        units.push(match c {
            '*' | '?' => Unit::Wild,
            c => Unit::Char(c),
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    units
}

/// One token of a pattern's resource part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Lit(char),
    /// `${Name}` or a literal `*` in the pattern; `last` marks the pattern's last variable.
    Var {
        last: bool,
    },
}

fn pattern_tokens(s: &str) -> Vec<Tok> {
    let mut toks = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            if let Some(end) = after.find('}') {
                toks.push(Tok::Var { last: false });
                rest = after.get(end + 1..).unwrap_or_default();
                continue;
            }
        }
        toks.push(if c == '*' {
            Tok::Var { last: false }
        } else {
            Tok::Lit(c)
        });
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    if let Some(Tok::Var { last }) = toks.iter_mut().rev().find(|t| matches!(t, Tok::Var { .. })) {
        *last = true;
    }
    toks
}

/// Backtracking match of pattern tokens against user units; `budget` bounds the work.
fn match_tokens(toks: &[Tok], units: &[Unit], strict: bool, budget: &mut u32) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    match toks.split_first() {
        None => units.is_empty(),
        Some((Tok::Lit(c), rest)) => match units.split_first() {
            Some((Unit::Char(u), more)) if u == c => match_tokens(rest, more, strict, budget),
            _ => false,
        },
        Some((Tok::Var { last }, rest)) => {
            let allowed = |u: &Unit| match u {
                Unit::Wild | Unit::PolicyVar => true,
                Unit::Char('/') => !strict,
                Unit::Char(':') => !strict && *last,
                Unit::Char(_) => true,
            };
            for k in 1..=units.len() {
                match units.get(k - 1) {
                    Some(u) if allowed(u) => {}
                    _ => break,
                }
                if match_tokens(rest, units.get(k..).unwrap_or_default(), strict, budget) {
                    return true;
                }
            }
            false
        }
    }
}

fn is_var_field(field: &str) -> bool {
    field == "*" || field.contains("${")
}

/// Whether a user's partition/region/account field fits the pattern's field.
fn field_matches(pattern: &str, user: &str) -> bool {
    if pattern.is_empty() {
        return user.is_empty() || user == "*";
    }
    if is_var_field(pattern) || user.contains("${") {
        return !user.is_empty();
    }
    user == pattern || super::glob::glob_match_ci(user, pattern)
}

/// A pattern's literal characters (outside variables), for ranking.
fn literal_chars(pattern_fields: &[&str], toks: &[Tok]) -> usize {
    let fields: usize = pattern_fields
        .iter()
        .filter(|f| !is_var_field(f))
        .map(|f| f.chars().count())
        .sum();
    fields + toks.iter().filter(|t| matches!(t, Tok::Lit(_))).count()
}

/// A hit during matching, borrowing from the catalog.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit<'c> {
    /// The catalog slot of `service` and the index of `resource_type` in it.
    pub(crate) slot: usize,
    pub(crate) rt: usize,
    pub(crate) service: &'c Service,
    pub(crate) resource_type: &'c ResourceType,
    pub(crate) pattern: &'static str,
    pub(crate) strict: bool,
    literal: usize,
}

impl Hit<'_> {
    pub(crate) fn to_match(self) -> ArnMatch {
        ArnMatch {
            service: self.service.prefix().to_string(),
            resource_type: self.resource_type.name().to_string(),
            pattern: self.pattern.to_string(),
            strict: self.strict,
        }
    }
}

/// A catalog ARN pattern, split into its fields and its resource part tokenised once, when its
/// service is parsed: a large program matches thousands of ARNs against the same patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    /// The pattern as the catalog writes it.
    pub(crate) text: &'static str,
    partition: &'static str,
    service: &'static str,
    region: &'static str,
    account: &'static str,
    toks: Vec<Tok>,
    /// Its literal characters, for ranking.
    literal: usize,
}

impl Pattern {
    /// The pattern's fields and tokens; `None` if it has fewer than six fields (it then
    /// matches nothing).
    pub(crate) fn compile(text: &'static str) -> Option<Pattern> {
        let mut parts = text.splitn(6, ':');
        let (_arn, partition, service, region, account, resource) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        let toks = pattern_tokens(resource);
        let literal = literal_chars(&[partition, region, account], &toks);
        Some(Pattern {
            text,
            partition,
            service,
            region,
            account,
            toks,
            literal,
        })
    }

    /// An SSM parameter ARN without an account: AWS's public parameters
    /// (`arn:aws:ssm:REGION::parameter/aws/service/…`, the AMI ids EKS node provisioners read)
    /// name none, though the IAM reference's pattern writes `${Account}`.
    fn public_parameter(&self, user: &UserArn<'_>) -> bool {
        user.account.is_empty()
            && self.service == "ssm"
            && self
                .text
                .ends_with(":parameter/${ParameterNameWithoutLeadingSlash}")
    }

    /// Whether the pattern matches `user` in one pass; `Some(literal chars)` if it does.
    fn matches(&self, user: &UserArn<'_>, units: &[Unit], strict: bool) -> Option<usize> {
        if !(is_var_field(self.service) || self.service.eq_ignore_ascii_case(user.service)) {
            return None;
        }
        if !(field_matches(self.partition, user.partition)
            && field_matches(self.region, user.region)
            && (field_matches(self.account, user.account) || self.public_parameter(user)))
        {
            return None;
        }
        let mut budget = 20_000;
        match_tokens(&self.toks, units, strict, &mut budget).then_some(self.literal)
    }
}

/// Whether `pattern` matches `user` in one pass; `Some(literal chars)` if it does.
#[cfg(test)]
fn pattern_matches(
    pattern: &'static str,
    user: &UserArn<'_>,
    units: &[Unit],
    strict: bool,
) -> Option<usize> {
    Pattern::compile(pattern)?.matches(user, units, strict)
}

/// The ASCII characters that some pattern of `services` writes literally in its resource part
/// (a bit per character). A user's character outside this set can only be taken by a pattern
/// variable, like any other such character: see [`shape_key`].
pub(crate) fn literal_alphabet(services: &[(usize, &Service)]) -> u128 {
    let mut set = 0u128;
    for (_, service) in services {
        for rt in service.resource_types() {
            for pattern in rt.patterns() {
                for t in &pattern.toks {
                    if let Tok::Lit(c) = t {
                        if c.is_ascii() {
                            set |= 1u128 << (*c as u32);
                        }
                    }
                }
            }
        }
    }
    set
}

/// A key that is equal for two ARNs whenever [`best_hits`] over services whose literal
/// characters are `alphabet` ([`literal_alphabet`]) must give both the same hits: `tag`, the
/// partition, service, region and account fields as they are, then the units of the resource
/// part (as [`user_units`] cuts them) with every ASCII character outside `alphabet` other than
/// `/` and `:` written as one placeholder.
///
/// Why that is enough: the fields are compared whole. In the resource part, a pattern's literal
/// character matches only that same character, so it never matches a replaced one (nor the
/// placeholder); a variable takes any character but `/` and `:` (which are kept), so it takes a
/// replaced one exactly as it takes the placeholder. Every step of [`match_tokens`] then goes
/// the same way on both ARNs (the same steps, so the same work budget), and the hits, their
/// ranks and order are the same. Non-ASCII characters are kept as they are.
///
/// The key is bytes: text as UTF-8, and markers (field end, `*`/`?`, `${…}`, placeholder) from
/// the bytes 0xF8–0xFF, which UTF-8 never uses, so different unit sequences give different keys.
pub(crate) fn shape_key(user: &UserArn<'_>, alphabet: u128, tag: u8) -> Vec<u8> {
    const SEP: u8 = 0xF8;
    const WILD: u8 = 0xF9;
    const POLICY_VAR: u8 = 0xFA;
    const OTHER: u8 = 0xFB;
    let mut key = Vec::with_capacity(
        user.partition.len()
            + user.service.len()
            + user.region.len()
            + user.account.len()
            + user.resource.len()
            + 6,
    );
    key.push(tag);
    for field in [user.partition, user.service, user.region, user.account] {
        key.extend_from_slice(field.as_bytes());
        key.push(SEP);
    }
    // As `user_units`, by bytes: a `${…}` with its `}` is one unit; a non-ASCII character's
    // bytes (all 0x80 or above) are kept.
    let bytes = user.resource.as_bytes();
    let fold = |b: u8| match b {
        b'*' | b'?' => WILD,
        b'/' | b':' => b,
        0x80.. => b,
        _ if alphabet & (1u128 << b) == 0 => OTHER,
        _ => b,
    };
    // Most resource parts hold no `${…}`: folded byte for byte in one go.
    if !bytes.contains(&b'$') {
        key.extend(bytes.iter().map(|&b| fold(b)));
        return key;
    }
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'$' && bytes.get(i + 1) == Some(&b'{') {
            if let Some(end) = bytes
                .get(i + 2..)
                .and_then(|r| r.iter().position(|&c| c == b'}'))
            {
                key.push(POLICY_VAR);
                i += 2 + end + 1;
                continue;
            }
        }
        key.push(fold(b));
        i += 1;
    }
    key
}

/// The best-ranked hits of `user` among `services` (strict pass, then relaxed pass).
/// `services` are (catalog slot, service).
pub(crate) fn best_hits<'c>(services: &[(usize, &'c Service)], user: &UserArn<'_>) -> Vec<Hit<'c>> {
    let units = user_units(user.resource);
    for strict in [true, false] {
        let mut hits: Vec<Hit<'c>> = Vec::new();
        for &(slot, service) in services {
            for (rt_index, rt) in service.resource_types().iter().enumerate() {
                for pattern in rt.patterns() {
                    if let Some(literal) = pattern.matches(user, &units, strict) {
                        hits.push(Hit {
                            slot,
                            rt: rt_index,
                            service,
                            resource_type: rt,
                            pattern: pattern.text,
                            strict,
                            literal,
                        });
                    }
                }
            }
        }
        if let Some(max) = hits.iter().map(|h| h.literal).max() {
            hits.retain(|h| h.literal == max);
            hits.sort_by(|a, b| {
                (a.service.prefix(), a.resource_type.name(), a.pattern).cmp(&(
                    b.service.prefix(),
                    b.resource_type.name(),
                    b.pattern,
                ))
            });
            hits.dedup_by(|a, b| {
                a.service.prefix() == b.service.prefix()
                    && a.resource_type.name() == b.resource_type.name()
                    && a.pattern == b.pattern
            });
            return hits;
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split() {
        let a = split_arn("arn:aws:s3:::receipts/*").unwrap();
        assert_eq!(
            (a.partition, a.service, a.region, a.account, a.resource),
            ("aws", "s3", "", "", "receipts/*")
        );
        let a = split_arn("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/x:*").unwrap();
        assert_eq!(a.resource, "log-group:/aws/x:*");
        let a = split_arn("arn:aws:iam::${aws:PrincipalAccount}:role/x").unwrap();
        assert_eq!(a.account, "${aws:PrincipalAccount}");
        assert_eq!(a.resource, "role/x");
        assert!(split_arn("arn:aws:s3").is_none());
        assert!(split_arn("*").is_none());
        assert!(split_arn("urn:aws:s3:::b").is_none());
    }

    #[test]
    fn strict_and_relaxed() {
        let obj = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let u = split_arn("arn:aws:s3:::receipts/*").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(obj, &u, &units, true), Some(1));
        assert_eq!(pattern_matches(bucket, &u, &units, true), None);
        let u = split_arn("arn:aws:s3:::*").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(bucket, &u, &units, true), Some(0));
        assert_eq!(pattern_matches(obj, &u, &units, true), None);
        // keys with slashes need the relaxed pass
        let u = split_arn("arn:aws:s3:::b/a/b/c.txt").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(obj, &u, &units, true), None);
        assert_eq!(pattern_matches(obj, &u, &units, false), Some(1));
        // a policy variable is one value, even with `/` and `:` inside
        let u = split_arn("arn:aws:s3:::b/${aws:PrincipalTag/team}/*").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(obj, &u, &units, false), Some(1));
        // region must be empty for S3
        let u = split_arn("arn:aws:s3:us-east-1::b").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(bucket, &u, &units, true), None);
        // AWS's public SSM parameters have no account; other ARNs need theirs
        let param = "arn:${Partition}:ssm:${Region}:${Account}:parameter/${ParameterNameWithoutLeadingSlash}";
        let u = split_arn("arn:aws:ssm:us-west-2::parameter/aws/service/*").unwrap();
        let units = user_units(u.resource);
        assert!(pattern_matches(param, &u, &units, false).is_some());
        let queue = "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}";
        let u = split_arn("arn:aws:sqs:us-west-2::q").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(queue, &u, &units, false), None);
        // service must be equal
        let u = split_arn("arn:aws:sqs:::b").unwrap();
        let units = user_units(u.resource);
        assert_eq!(pattern_matches(bucket, &u, &units, true), None);
    }

    #[test]
    fn tokens() {
        assert_eq!(
            pattern_tokens("a${X}/*"),
            vec![
                Tok::Lit('a'),
                Tok::Var { last: false },
                Tok::Lit('/'),
                Tok::Var { last: true }
            ]
        );
        assert_eq!(
            user_units("${a:b}*x"),
            vec![Unit::PolicyVar, Unit::Wild, Unit::Char('x')]
        );
        assert_eq!(
            user_units("${x"),
            vec![Unit::Char('$'), Unit::Char('{'), Unit::Char('x')]
        );
    }

    #[test]
    fn pathological_input_is_bounded() {
        let u = "a".repeat(5000);
        let units = user_units(&u);
        let toks = pattern_tokens("${A}${B}${C}${D}${E}b");
        let mut budget = 20_000;
        assert!(!match_tokens(&toks, &units, false, &mut budget));
    }

    #[test]
    fn help_lists_forms() {
        let e = ArnError::NoResourceType {
            arn: "arn:aws:s3:::a:b".into(),
            service: "s3".into(),
            forms: vec![ArnForm {
                service: "s3".into(),
                resource_type: "bucket".into(),
                pattern: "arn:${Partition}:s3:::${BucketName}".into(),
            }],
        };
        assert_eq!(
            e.to_string(),
            "no resource type of `s3` matches `arn:aws:s3:::a:b`"
        );
        assert_eq!(
            e.help().unwrap(),
            "ARN forms of `s3`: `arn:${Partition}:s3:::${BucketName}` (s3 bucket)"
        );
    }
}
