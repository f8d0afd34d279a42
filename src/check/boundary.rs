//! Permission boundaries at compile time: every granted action that the role's boundary does
//! not allow (or denies) is a warning (W203), because AWS would deny it at run time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasherDefault;

use crate::ast::Span;
use crate::diagnostics::{Code, Diag};
use crate::ir::{Boundary, IamRole, Ir};

use crate::hash::{fnv1a_continue, FNV1A_OFFSET};

/// IAM wildcard match: `*` any run of characters, `?` one character. `fold` compares ASCII
/// case-insensitively (action names); resources are case-sensitive.
pub fn glob(pattern: &str, text: &str, fold: bool) -> bool {
    // Nearly every pattern and text is ASCII: match their bytes without allocating.
    if pattern.is_ascii() && text.is_ascii() {
        return glob_in(pattern.as_bytes(), text.as_bytes(), b'*', b'?', |a, b| {
            if fold {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        });
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob_in(&p, &t, '*', '?', |a, b| {
        if fold {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    })
}

/// The matcher over units (bytes of ASCII text, or chars): iterative, backtracking to the
/// last `*`.
fn glob_in<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    star_unit: T,
    any_unit: T,
    eq: impl Fn(&T, &T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any_unit || (p[pi] != star_unit && eq(&p[pi], &t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_unit {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a granted action pattern (concrete, or a wildcard of an `unsafe` grant) is covered
/// by a boundary action pattern.
fn action_covered(boundary: &str, granted: &str) -> bool {
    boundary == "*" || glob(boundary, granted, true)
}

/// Whether a boundary statement's resources cover a granted resource.
fn resource_covered(boundary: &BTreeSet<String>, resource: &str) -> bool {
    boundary
        .iter()
        .any(|b| b == "*" || glob(b, resource, false))
}

/// The resources of the statements of a boundary whose actions cover one action: worked out
/// once per (boundary, action), as every app's role asks about the same few actions.
struct Covering<'b> {
    deny: Vec<&'b BTreeSet<String>>,
    allow: Vec<&'b BTreeSet<String>>,
    /// The indices in the boundary's `deny` and `allow` of the statements above.
    statements: (Vec<usize>, Vec<usize>),
    /// Equal for two coverings of one boundary with the same statements (see [`check_roles`]).
    class: usize,
}

impl<'b> Covering<'b> {
    fn of(b: &'b Boundary, action: &str) -> Covering<'b> {
        let covering = |stmts: &'b [(BTreeSet<String>, BTreeSet<String>)]| {
            stmts
                .iter()
                .enumerate()
                .filter(|(_, (actions, _))| actions.iter().any(|a| action_covered(a, action)))
                .map(|(i, (_, resources))| (i, resources))
                .unzip()
        };
        let (deny_at, deny): (Vec<usize>, _) = covering(&b.deny);
        let (allow_at, allow): (Vec<usize>, _) = covering(&b.allow);
        Covering {
            deny,
            allow,
            statements: (deny_at, allow_at),
            class: 0,
        }
    }

    /// Why the boundary would deny the action on a resource, if it would.
    fn denial(&self, resource: &str) -> Option<&'static str> {
        if self.deny.iter().any(|r| resource_covered(r, resource)) {
            return Some("denies");
        }
        let allowed = self.allow.iter().any(|r| resource_covered(r, resource));
        (!allowed).then_some("does not allow")
    }
}

/// Why boundary `b` would deny `action` on `resource` (`denies`, `does not allow`), if it
/// would: the judgement of W203, for `accessc explain`.
pub fn denial(b: &Boundary, action: &str, resource: &str) -> Option<&'static str> {
    Covering::of(b, action).denial(resource)
}

/// FNV-1a, for the short action names of [`check_roles`]' memo: far cheaper than the
/// default SipHash on the hundreds of thousands of lookups of a large program.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(FNV1A_OFFSET)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_continue(self.0, bytes);
    }
}

/// W203 for every grant with actions outside its role's boundary. A large program's roles
/// are checked on several threads, a run of roles each; the diagnostics keep the role order.
pub fn check(ir: &Ir, diags: &mut Vec<Diag>) {
    let runs: Vec<&[IamRole]> = ir.roles.chunks(256).collect();
    let found = crate::par::map(
        &runs,
        |run| run.iter().map(|r| 1 + r.statements.len()).sum(),
        2048,
        |run| {
            let mut d = Vec::new();
            check_roles(ir, run, &mut d);
            d
        },
    );
    diags.extend(found.into_iter().flatten());
}

/// [`check`] of some of the roles.
fn check_roles(ir: &Ir, roles: &[IamRole], diags: &mut Vec<Diag>) {
    // (boundary, action) -> the statements that name it.
    let mut coverings: HashMap<(usize, &str), Covering<'_>, BuildHasherDefault<Fnv>> =
        HashMap::default();
    // The classes of coverings: (boundary, covering deny statements, covering allow
    // statements), the statements by their index in the boundary.
    let mut classes: HashMap<(usize, Vec<usize>, Vec<usize>), usize> = HashMap::new();
    let mut verdicts: Vec<(usize, Option<&'static str>)> = Vec::new();
    for role in roles {
        let Some(bref) = &role.boundary else { continue };
        let Some((bi, b)) = ir
            .boundaries
            .iter()
            .enumerate()
            .find(|(_, b)| b.name == bref.name && b.account == role.account)
        else {
            continue;
        };
        // (grant span, verdict) -> actions
        let mut findings: BTreeMap<(Span, &'static str), BTreeSet<String>> = BTreeMap::new();
        // A deny takes away: the boundary need not allow it.
        for s in role.statements.iter().filter(|s| !s.deny) {
            // A statement's verdict depends on its resources and on which boundary statements
            // cover the action: found once per class of coverings.
            verdicts.clear();
            for (action, spans) in &s.origins {
                let covering = coverings.entry((bi, action.as_str())).or_insert_with(|| {
                    let mut c = Covering::of(b, action);
                    let (deny_at, allow_at) = c.statements.clone();
                    let next = classes.len();
                    c.class = *classes.entry((bi, deny_at, allow_at)).or_insert(next);
                    c
                });
                let verdict = match verdicts.iter().find(|(c, _)| *c == covering.class) {
                    Some(&(_, v)) => v,
                    None => {
                        let v = s.resources.iter().find_map(|r| covering.denial(r));
                        verdicts.push((covering.class, v));
                        v
                    }
                };
                if let Some(v) = verdict {
                    for span in spans {
                        findings
                            .entry((*span, v))
                            .or_default()
                            .insert(action.clone());
                    }
                }
            }
        }
        for ((span, verdict), actions) in findings {
            let list: Vec<String> = actions.iter().take(5).map(|a| format!("`{a}`")).collect();
            let more = if actions.len() > 5 {
                format!(" and {} more", actions.len() - 5)
            } else {
                String::new()
            };
            diags.push(
                Diag::new(
                    Code::W203,
                    format!(
                        "boundary `{}` {verdict} {}{more}, granted to role `{}`",
                        b.name,
                        list.join(", "),
                        role.name
                    ),
                )
                .at(span)
                .label("AWS will deny this")
                .related(b.span, "the boundary")
                .help(format!(
                    "a permission boundary caps the role: AWS denies what it does not allow. Narrow the grant, widen boundary `{}`, or set `boundary = …` on the {}",
                    b.name,
                    role.origin.what.split(' ').next().unwrap_or("declaration")
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("s3:*", "s3:GetObject", true));
        assert!(glob("s3:get*", "s3:GetObject", true));
        assert!(!glob("s3:Get*", "sqs:GetQueueUrl", true));
        assert!(glob("s3:Get?bject", "s3:GetObject", true));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::B/x", false));
        assert!(glob("*", "", false));
        assert!(glob("a*b*c", "aXbYc", false));
        assert!(!glob("a*b*c", "aXbY", false));
        // Non-ASCII text: `?` is one character, not one byte.
        assert!(glob("é?x", "éüx", false));
        assert!(!glob("é?x", "éx", false));
        assert!(glob("*ü", "aü", false));
    }
}
