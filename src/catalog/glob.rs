//! Small matchers: IAM wildcards over action names, and templated condition keys.

/// IAM wildcard match: `*` matches any text (also empty), `?` any one character, everything
/// else ASCII-case-insensitively. Linear-time greedy matching with one backtrack point.
pub(crate) fn glob_match_ci(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // (pattern index after the last `*`, text index it was tried at)
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some('*'), _) => {
                star = Some((pi + 1, ti));
                pi += 1;
            }
            (Some(pc), Some(tc)) if *pc == '?' || pc.eq_ignore_ascii_case(tc) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

/// One piece of a condition-key template.
#[derive(Debug, PartialEq)]
enum KeyPart<'a> {
    Lit(&'a str),
    /// `${TagKey}` or `<key>`: one or more characters.
    Hole,
}

fn key_parts(template: &str) -> Vec<KeyPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = template;
    loop {
        let open = match (rest.find("${"), rest.find('<')) {
            (Some(a), Some(b)) => Some((a.min(b), if a < b { "}" } else { ">" })),
            (Some(a), None) => Some((a, "}")),
            (None, Some(b)) => Some((b, ">")),
            (None, None) => None,
        };
        let Some((start, close)) = open else {
            if !rest.is_empty() {
                parts.push(KeyPart::Lit(rest));
            }
            return parts;
        };
        let Some(end) = rest
            .get(start..)
            .and_then(|s| s.find(close))
            .map(|e| start + e)
        else {
            parts.push(KeyPart::Lit(rest));
            return parts;
        };
        if start > 0 {
            parts.push(KeyPart::Lit(rest.get(..start).unwrap_or_default()));
        }
        parts.push(KeyPart::Hole);
        rest = rest.get(end + close.len()..).unwrap_or_default();
    }
}

fn parts_match(parts: &[KeyPart<'_>], key: &str) -> bool {
    match parts.split_first() {
        None => key.is_empty(),
        Some((KeyPart::Lit(lit), rest)) => {
            let n = lit.len();
            match (key.get(..n), key.get(n..)) {
                (Some(head), Some(tail)) if head.eq_ignore_ascii_case(lit) => {
                    parts_match(rest, tail)
                }
                _ => false,
            }
        }
        Some((KeyPart::Hole, rest)) => key
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain(std::iter::once(key.len()))
            .filter(|i| *i > 0)
            .any(|i| key.get(i..).is_some_and(|tail| parts_match(rest, tail))),
    }
}

/// Whether a user's condition key `key` is the catalog key `template`: equal
/// ASCII-case-insensitively, or equal with each `${...}` / `<...>` of the template standing for
/// one or more characters (`aws:PrincipalTag/team` is `aws:PrincipalTag/${TagKey}`). A last
/// part `/tag-key`, as AWS writes some services' tag keys (`secretsmanager:ResourceTag/tag-key`),
/// stands for any tag key too.
pub(crate) fn key_matches(template: &str, key: &str) -> bool {
    if template.eq_ignore_ascii_case(key) {
        return true;
    }
    if let Some(prefix) = template.strip_suffix("/tag-key") {
        let n = prefix.len() + 1;
        return key.len() > n
            && key
                .get(..n)
                .is_some_and(|head| head.eq_ignore_ascii_case(&template[..n]));
    }
    if !template.contains("${") && !template.contains('<') {
        return false;
    }
    parts_match(&key_parts(template), key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match_ci("Get*", "GetObject"));
        assert!(glob_match_ci("get*", "GetObject"));
        assert!(glob_match_ci("*", ""));
        assert!(glob_match_ci("*Object*", "GetObjectTagging"));
        assert!(glob_match_ci("Get?bject", "GetObject"));
        assert!(!glob_match_ci("Get?bject", "GetObjects"));
        assert!(!glob_match_ci("Put*", "GetObject"));
        assert!(glob_match_ci("a*b*c", "aXbYbZc"));
        assert!(!glob_match_ci("a*b*c", "aXbYbZ"));
        assert!(glob_match_ci("GetObject", "getobject"));
        assert!(!glob_match_ci("", "x"));
    }

    #[test]
    fn templated_keys() {
        assert!(key_matches(
            "aws:PrincipalTag/${TagKey}",
            "aws:PrincipalTag/team"
        ));
        assert!(key_matches(
            "aws:PrincipalTag/${TagKey}",
            "AWS:principaltag/Team/x"
        ));
        assert!(key_matches(
            "aws:PrincipalTag/${TagKey}",
            "aws:PrincipalTag/${TagKey}"
        ));
        assert!(!key_matches(
            "aws:PrincipalTag/${TagKey}",
            "aws:PrincipalTag/"
        ));
        assert!(!key_matches(
            "aws:PrincipalTag/${TagKey}",
            "aws:PrincipalTags"
        ));
        assert!(key_matches(
            "s3:ExistingObjectTag/<key>",
            "s3:ExistingObjectTag/owner"
        ));
        assert!(key_matches(
            "codebuild:environment.environmentVariables/${name}.value",
            "codebuild:environment.environmentVariables/FOO.value"
        ));
        assert!(!key_matches(
            "codebuild:environment.environmentVariables/${name}.value",
            "codebuild:environment.environmentVariables/FOO.type"
        ));
        assert!(key_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:ResourceTag/managed-by"
        ));
        assert!(key_matches(
            "ssm:resourceTag/tag-key",
            "ssm:ResourceTag/team"
        ));
        assert!(!key_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:ResourceTag/"
        ));
        assert!(!key_matches(
            "secretsmanager:ResourceTag/tag-key",
            "secretsmanager:RequestTag/team"
        ));
        assert!(key_matches("aws:SourceIp", "aws:sourceip"));
        assert!(!key_matches("aws:SourceIp", "aws:SourceIpx"));
        // a template without its closing brace is a literal
        assert!(key_matches("x:${broken", "X:${BROKEN"));
        assert!(!key_matches("x:${broken", "x:abc"));
    }
}
