//! IAM matching: action wildcards and ARN globs with policy variables.
//!
//! * Actions match ASCII-case-insensitively; `*` is any text, `?` one character.
//! * Resources match as IAM's `Resource` element does: `*` alone matches everything; otherwise
//!   the six colon-separated parts of an ARN (`arn:partition:service:region:account:resource`)
//!   are matched one by one, case-sensitively, `*` and `?` not crossing into the next part
//!   (the last part, the resource, may itself contain colons and slashes).
//! * Policy variables (`${aws:PrincipalTag/kubernetes-namespace}`) are replaced by a value when
//!   the caller knows one (a member of a shared role), and otherwise match anything (the answer
//!   then says it depends on the variable). `${*}`, `${?}` and `${$}` are IAM's escapes for the
//!   literal characters.

/// One element of a compiled pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// A literal character.
    Lit(char),
    /// `*`: any run of characters.
    Star,
    /// `?`: one character.
    One,
}

/// A pattern with its policy variables resolved.
#[derive(Clone, Debug)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// Variables that had no value and were taken as `*`.
    pub unknown_vars: Vec<String>,
}

impl Pattern {
    /// Compile `text`, resolving each `${name}` with `var` (None: unknown, matches anything).
    pub fn new(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Pattern {
        let mut toks = Vec::new();
        let mut unknown_vars = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if let Some(after) = rest.strip_prefix("${") {
                if let Some(end) = after.find('}') {
                    let name = after.get(..end).unwrap_or_default();
                    rest = after.get(end + 1..).unwrap_or_default();
                    match name {
                        "*" => toks.push(Tok::Lit('*')),
                        "?" => toks.push(Tok::Lit('?')),
                        "$" => toks.push(Tok::Lit('$')),
                        _ => match var(name) {
                            Some(v) => toks.extend(v.chars().map(Tok::Lit)),
                            None => {
                                toks.push(Tok::Star);
                                unknown_vars.push(name.to_string());
                            }
                        },
                    }
                    continue;
                }
            }
            toks.push(match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                _ => Tok::Lit(c),
            });
            rest = rest.get(c.len_utf8()..).unwrap_or_default();
        }
        Pattern { toks, unknown_vars }
    }

    /// A pattern without variables.
    pub fn plain(text: &str) -> Pattern {
        Pattern::new(text, &|_| None)
    }

    /// Whether the pattern matches the action name (case-insensitive).
    pub fn matches_action(&self, action: &str) -> bool {
        let text: Vec<char> = action.chars().collect();
        glob(&self.toks, &text, true)
    }

    /// Whether the pattern matches the ARN, part by part.
    pub fn matches_arn(&self, arn: &str) -> bool {
        if self.toks == [Tok::Star] {
            return true;
        }
        let text: Vec<char> = arn.chars().collect();
        let pat_parts = split_toks(&self.toks);
        let text_parts = split_chars(&text);
        if pat_parts.len() != 6 || text_parts.len() != 6 {
            // Not an ARN on one side: match the whole text.
            return glob(&self.toks, &text, false);
        }
        pat_parts
            .iter()
            .zip(&text_parts)
            .all(|(p, t)| glob(p, t, false))
    }
}

/// Split tokens at the first five literal colons.
fn split_toks(toks: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *t == Tok::Lit(':') {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    parts.push(&toks[start..]);
    parts
}

fn split_chars(text: &[char]) -> Vec<&[char]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *c == ':' {
            parts.push(&text[start..i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Greedy glob with one backtrack point (linear in practice).
fn glob(p: &[Tok], t: &[char], case_insensitive: bool) -> bool {
    let eq = |a: char, b: char| {
        if case_insensitive {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi + 1, ti));
                pi += 1;
            }
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
            }
            Some(Tok::Lit(c)) if eq(*c, t[ti]) => {
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
        .is_some_and(|rest| rest.iter().all(|t| *t == Tok::Star))
}

/// Whether the text has an IAM wildcard (`*` or `?`).
pub fn has_wildcard(text: &str) -> bool {
    text.contains('*') || text.contains('?')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        assert!(Pattern::plain("s3:Get*").matches_action("s3:GetObject"));
        assert!(Pattern::plain("s3:get*").matches_action("S3:GetObject"));
        assert!(Pattern::plain("s3:*").matches_action("s3:DeleteObject"));
        assert!(!Pattern::plain("s3:Put*").matches_action("s3:GetObject"));
        assert!(Pattern::plain("*").matches_action("iam:PassRole"));
        assert!(Pattern::plain("s3:GetObjec?").matches_action("s3:GetObject"));
    }

    #[test]
    fn arns() {
        let p = Pattern::plain("arn:aws:s3:::receipts/*");
        assert!(p.matches_arn("arn:aws:s3:::receipts/2024/x.pdf"));
        assert!(!p.matches_arn("arn:aws:s3:::receipts"));
        assert!(!p.matches_arn("arn:aws:s3:::Receipts/x"));
        assert!(Pattern::plain("*").matches_arn("arn:aws:s3:::receipts"));
        assert!(Pattern::plain("arn:aws:s3:::*").matches_arn("arn:aws:s3:::a/b:c"));
        // `*` does not cross an ARN part.
        assert!(
            !Pattern::plain("arn:aws:iam::*:role/x").matches_arn("arn:aws:iam::1:role/y:role/x")
        );
        assert!(
            Pattern::plain("arn:aws:iam::*:role/x").matches_arn("arn:aws:iam::111122223333:role/x")
        );
        assert!(
            Pattern::plain("arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-*")
                .matches_arn(
                    "arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-AbCdEf"
                )
        );
    }

    #[test]
    fn variables() {
        let ns = |name: &str| {
            (name == "aws:PrincipalTag/kubernetes-namespace").then(|| "acme".to_string())
        };
        let p = Pattern::new(
            "arn:aws:s3:::tenant-data/${aws:PrincipalTag/kubernetes-namespace}/*",
            &ns,
        );
        assert!(p.matches_arn("arn:aws:s3:::tenant-data/acme/r.csv"));
        assert!(!p.matches_arn("arn:aws:s3:::tenant-data/globex/r.csv"));
        assert!(p.unknown_vars.is_empty());
        let unknown = Pattern::plain("arn:aws:s3:::home/${aws:username}/*");
        assert!(unknown.matches_arn("arn:aws:s3:::home/alice/x"));
        assert_eq!(unknown.unknown_vars, vec!["aws:username".to_string()]);
        assert!(Pattern::plain("arn:aws:s3:::a/${*}").matches_arn("arn:aws:s3:::a/*"));
        assert!(!Pattern::plain("arn:aws:s3:::a/${*}").matches_arn("arn:aws:s3:::a/b"));
    }
}
