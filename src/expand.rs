//! Pack expansion: every `use PACK(ARG = VALUE, …)` of an app, a role or another pack is
//! replaced by the pack's `aws` and `kubernetes` blocks with its parameters' values put in.
//!
//! The stage between [`crate::syntax`] and [`crate::check`]: the checker sees ordinary grants
//! and rules, and checks them as if they were written in place. What this stage checks is the
//! use itself: the pack exists (E130), each argument names a parameter (E132) and has its
//! type (E133), no parameter is left without a value (E131), a list parameter stands alone in
//! its string (E134), a pack's parameter types are known (E136) and its uses do not loop
//! (E135). A use with such an error adds nothing, so that its errors are not followed by
//! others about the blocks.
//!
//! Parameters are referred to as `${NAME}` inside strings (ARNs, condition keys and values,
//! `named` resource names, `unsafe` reasons). A string that is exactly `"${NAME}"` of a list
//! parameter stands for all its items, each with the span of the value that gave it (the
//! argument at the use site, or the default); any other `${NAME}` of a scalar parameter is
//! replaced in place. Other `${…}` (`${namespace}`, `${aws:username}`) are left for the
//! checker. Values are put in once: a value's own `${…}` is never expanded again. A grant whose
//! `on` list, or a rule whose `named` list, comes out empty (only empty list parameters) is left
//! out: it names no resource, and without its list it would name every one.

use std::collections::BTreeMap;

use crate::ast::*;
use crate::diagnostics::{Code, Diag};

/// The built-in variables a parameter may not be named like (the checker replaces them).
const VARIABLES: &[&str] = crate::check::aws::VARIABLES;

/// How deep `use`s may nest inside packs (a cycle is reported before this is reached).
const MAX_DEPTH: usize = 32;

/// What a parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    /// Any string.
    String,
    /// An ARN (`arn:…`) or `*`.
    Arn,
    /// A Kubernetes object name.
    Name,
}

/// A parameter's type: one value, or a list of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Type {
    scalar: Scalar,
    list: bool,
}

impl Type {
    fn parse(text: &str) -> Option<Type> {
        let (inner, list) = match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(inner) => (inner, true),
            None => (text, false),
        };
        let scalar = match inner {
            "string" => Scalar::String,
            "arn" => Scalar::Arn,
            "name" => Scalar::Name,
            _ => return None,
        };
        Some(Type { scalar, list })
    }
}

/// A parameter's value in one use: its items (one for a scalar), each with its span.
#[derive(Clone, Debug)]
struct Bound {
    items: Vec<Spanned<String>>,
    list: bool,
}

type Env = BTreeMap<String, Bound>;

/// A pack's checked signature.
struct Pack<'p> {
    decl: &'p PackDecl,
    /// Each parameter's type (`None`: unknown type, reported once, E136).
    types: Vec<Option<Type>>,
}

impl Pack<'_> {
    /// `NAME(PARAM: TYPE [= …], …)`, for messages.
    fn signature(&self) -> String {
        let params: Vec<String> = self
            .decl
            .params
            .iter()
            .map(|p| {
                let default = if p.default.is_some() { " = …" } else { "" };
                format!("{}: {}{default}", p.name.node, p.ty.node)
            })
            .collect();
        format!("{}({})", self.decl.name.node, params.join(", "))
    }

    /// `NAME(PARAM = …, …)` with the parameters that need a value.
    fn use_form(&self) -> String {
        let params: Vec<String> = self
            .decl
            .params
            .iter()
            .filter(|p| p.default.is_none())
            .map(|p| format!("{} = …", p.name.node))
            .collect();
        format!("{}({})", self.decl.name.node, params.join(", "))
    }
}

/// Whether the program has anything to expand (most programs have no pack and no `use`).
fn has_packs(program: &Program) -> bool {
    program.decls.iter().any(|d| match d {
        Decl::Pack(_) => true,
        Decl::App(a) => !a.body.uses.is_empty(),
        Decl::Role(r) => !r.body.uses.is_empty(),
        _ => false,
    })
}

/// Replace every `use` of the program's apps and roles by its pack's blocks.
pub fn expand(program: &mut Program, diags: &mut Vec<Diag>) {
    if !has_packs(program) {
        return;
    }
    // The packs are read while the apps and roles change: take them out of the program for the
    // time of the expansion (their order is kept).
    let mut packs_decls: Vec<(usize, PackDecl)> = Vec::new();
    for (i, d) in program.decls.iter_mut().enumerate() {
        if let Decl::Pack(p) = d {
            let empty = PackDecl {
                name: p.name.clone(),
                params: Vec::new(),
                body: Body::default(),
                span: p.span,
            };
            packs_decls.push((i, std::mem::replace(p, empty)));
        }
    }
    let packs = signatures(packs_decls.iter().map(|(_, p)| p), diags);
    let mut used: BTreeMap<String, bool> = packs.keys().map(|k| (k.clone(), false)).collect();
    for decl in &mut program.decls {
        let body = match decl {
            Decl::App(a) => &mut a.body,
            Decl::Role(r) => &mut r.body,
            _ => continue,
        };
        let uses = std::mem::take(&mut body.uses);
        for u in &uses {
            let mut stack = Vec::new();
            if let Some(out) = instantiate(u, None, &packs, &mut stack, &mut used, diags) {
                body.aws.extend(out.aws);
                body.kubernetes.extend(out.kubernetes);
            }
        }
    }
    // A misspelt pack name leaves its pack unused: the E130 says so already.
    let unknown_use = diags.iter().any(|d| d.code == Code::E130);
    for (name, was_used) in &used {
        if !was_used && !unknown_use {
            if let Some(p) = packs
                .get(name)
                .filter(|p| !crate::packs::is_builtin(p.decl.name.span.file))
            {
                diags.push(
                    Diag::new(Code::W003, format!("pack `{name}` is never used"))
                        .at(p.decl.name.span)
                        .label("declared here")
                        .help(format!(
                            "use it in an app or a role (`use {}`), or remove it",
                            p.use_form()
                        )),
                );
            }
        }
    }
    drop(packs);
    for (i, p) in packs_decls {
        program.decls[i] = Decl::Pack(p);
    }
}

/// The packs by name with their parameter types; duplicates (E101), unknown types (E136),
/// duplicate parameters (E101), parameters named like a variable (E134) and defaults of the
/// wrong type (E133) reported.
fn signatures<'p>(
    decls: impl Iterator<Item = &'p PackDecl>,
    diags: &mut Vec<Diag>,
) -> BTreeMap<String, Pack<'p>> {
    let mut packs: BTreeMap<String, Pack<'p>> = BTreeMap::new();
    for decl in decls {
        if let Err((msg, help)) = crate::check::values::k8s_name(&decl.name.node) {
            diags.push(
                Diag::new(Code::E106, msg)
                    .at(decl.name.span)
                    .label("invalid name")
                    .help(help),
            );
        }
        let mut types = Vec::with_capacity(decl.params.len());
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for p in &decl.params {
            if let Some(first) = seen.insert(&p.name.node, p.name.span) {
                diags.push(
                    Diag::new(
                        Code::E101,
                        format!("parameter `{}` is declared twice", p.name.node),
                    )
                    .at(p.name.span)
                    .label("declared again here")
                    .related(first, "first declared here")
                    .help("rename or remove one of the two parameters"),
                );
            }
            if VARIABLES.contains(&p.name.node.as_str()) {
                diags.push(
                    Diag::new(
                        Code::E134,
                        format!(
                            "parameter `{}` has the name of a built-in variable",
                            p.name.node
                        ),
                    )
                    .at(p.name.span)
                    .label("`${…}` already means the app's")
                    .help(format!(
                        "`${{{}}}` is the app's own; name the parameter otherwise",
                        p.name.node
                    )),
                );
            }
            let ty = Type::parse(&p.ty.node);
            if ty.is_none() {
                diags.push(
                    Diag::new(
                        Code::E136,
                        format!("unknown parameter type `{}`", p.ty.node),
                    )
                    .at(p.ty.span)
                    .label("unknown type")
                    .help(
                        match crate::suggest::closest(
                            p.ty.node.trim_matches(['[', ']']),
                            ["string", "arn", "name"].into_iter(),
                        ) {
                            Some(s) if p.ty.node.starts_with('[') => {
                                format!("did you mean `[{s}]`?")
                            }
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "the types are `string`, `arn`, `name` and lists of them: \
                                     `[string]`, `[arn]`, `[name]`"
                                .into(),
                        },
                    ),
                );
            }
            if let (Some(ty), Some(default)) = (ty, &p.default) {
                if let Err(d) = bind(ty, default, &p.name, "default") {
                    diags.push(d);
                }
            }
            types.push(ty);
        }
        let name = decl.name.node.clone();
        if let Some(first) = packs.get(&name) {
            let (a, b) = (first.decl.name.span, decl.name.span);
            let (dup, orig) = if a <= b { (b, a) } else { (a, b) };
            diags.push(
                Diag::new(Code::E101, format!("pack `{name}` is declared twice"))
                    .at(dup)
                    .label("declared again here")
                    .related(orig, "first declared here")
                    .help("rename or remove one of the two pack declarations"),
            );
            if b >= a {
                continue;
            }
        }
        packs.insert(name, Pack { decl, types });
    }
    packs
}

/// The blocks a `use` adds.
struct Expansion {
    aws: Vec<AwsBlock>,
    kubernetes: Vec<K8sBlock>,
}

/// The blocks of one `use` (`outer`: the parameters of the pack it is written in, put into
/// its arguments first), or `None` after an error.
fn instantiate(
    u: &Use,
    outer: Option<&Env>,
    packs: &BTreeMap<String, Pack<'_>>,
    stack: &mut Vec<String>,
    used: &mut BTreeMap<String, bool>,
    diags: &mut Vec<Diag>,
) -> Option<Expansion> {
    let Some(pack) = packs.get(&u.pack.node) else {
        diags.push(crate::check::resolve::unknown(
            Code::E130,
            "pack",
            &u.pack,
            packs
                .keys()
                .map(String::as_str)
                .chain(crate::packs::PACKS.iter().map(|p| p.name)),
        ));
        return None;
    };
    used.insert(u.pack.node.clone(), true);
    if stack.contains(&u.pack.node) || stack.len() >= MAX_DEPTH {
        let mut chain = stack.clone();
        chain.push(u.pack.node.clone());
        diags.push(
            Diag::new(Code::E135, format!("pack `{}` uses itself", u.pack.node))
                .at(u.pack.span)
                .label("used again here")
                .help(format!(
                    "the uses go round: {}; remove one of them",
                    chain
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" → ")
                )),
        );
        return None;
    }
    let env = arguments(u, pack, outer, diags)?;
    stack.push(u.pack.node.clone());
    let mut errors = false;
    let mut out = Expansion {
        aws: Vec::new(),
        kubernetes: Vec::new(),
    };
    let mut sub = Subst {
        env: &env,
        diags,
        errors: &mut errors,
    };
    for block in &pack.decl.body.aws {
        out.aws.push(sub.aws_block(block));
    }
    for block in &pack.decl.body.kubernetes {
        out.kubernetes.push(sub.k8s_block(block));
    }
    for inner in &pack.decl.body.uses {
        match instantiate(inner, Some(&env), packs, stack, used, diags) {
            Some(more) => {
                out.aws.extend(more.aws);
                out.kubernetes.extend(more.kubernetes);
            }
            None => errors = true,
        }
    }
    stack.pop();
    (!errors).then_some(out)
}

/// The parameters' values of one use: its arguments (with `outer`'s parameters put in), else
/// the defaults. `None` after an error.
fn arguments(u: &Use, pack: &Pack<'_>, outer: Option<&Env>, diags: &mut Vec<Diag>) -> Option<Env> {
    let before = diags.len();
    let params = &pack.decl.params;
    let mut env = Env::new();
    let mut given: BTreeMap<&str, Span> = BTreeMap::new();
    for arg in &u.args {
        let Some(i) = params.iter().position(|p| p.name.node == arg.name.node) else {
            let help = match crate::suggest::closest(
                &arg.name.node,
                params.iter().map(|p| p.name.node.as_str()),
            ) {
                Some(s) => format!("did you mean `{s}`? The pack is `{}`", pack.signature()),
                None => format!("the pack is `{}`", pack.signature()),
            };
            diags.push(
                Diag::new(
                    Code::E132,
                    format!(
                        "pack `{}` has no parameter `{}`",
                        pack.decl.name.node, arg.name.node
                    ),
                )
                .at(arg.name.span)
                .label("unknown parameter")
                .related(pack.decl.name.span, "the pack")
                .help(help),
            );
            continue;
        };
        if let Some(first) = given.insert(&arg.name.node, arg.name.span) {
            diags.push(
                Diag::new(
                    Code::E101,
                    format!("argument `{}` is given twice", arg.name.node),
                )
                .at(arg.name.span)
                .label("given again here")
                .related(first, "first given here")
                .help("remove one of the two arguments"),
            );
            continue;
        }
        let Some(ty) = pack.types[i] else {
            continue;
        };
        let value = match outer {
            Some(outer) => {
                let mut errors = false;
                let mut sub = Subst {
                    env: outer,
                    diags,
                    errors: &mut errors,
                };
                let v = sub.value(&arg.value);
                if errors {
                    continue;
                }
                v
            }
            None => arg.value.clone(),
        };
        match bind(ty, &value, &params[i].name, "argument") {
            Ok(bound) => {
                env.insert(arg.name.node.clone(), bound);
            }
            Err(d) => diags.push(d.related(params[i].span, "the parameter")),
        }
    }
    // An unknown argument is most likely a missing one misspelt: its E132 is the one to fix.
    let misspelt = diags[before..].iter().any(|d| d.code == Code::E132);
    let mut bad_default = false;
    for (i, p) in params.iter().enumerate() {
        if given.contains_key(p.name.node.as_str()) {
            continue;
        }
        match (&p.default, pack.types[i]) {
            (Some(default), Some(ty)) => match bind(ty, default, &p.name, "default") {
                Ok(bound) => {
                    env.insert(p.name.node.clone(), bound);
                }
                // Reported with the pack's signature.
                Err(_) => bad_default = true,
            },
            (Some(_), None) => {}
            (None, _) if misspelt => {}
            (None, _) => diags.push(
                Diag::new(
                    Code::E131,
                    format!(
                        "`use {}` gives no value for `{}`",
                        pack.decl.name.node, p.name.node
                    ),
                )
                .at(u.pack.span)
                .label(format!("`{}` missing", p.name.node))
                .related(p.span, "the parameter")
                .help(format!(
                    "add `{} = …`: the pack is `{}`",
                    p.name.node,
                    pack.signature()
                )),
            ),
        }
    }
    (diags.len() == before && !bad_default && pack.types.iter().all(Option::is_some)).then_some(env)
}

/// A value checked against a parameter's type (`what`: "argument" or "default").
fn bind(ty: Type, value: &Spanned<Value>, param: &Ident, what: &str) -> Result<Bound, Diag> {
    let wrong = |found: &str, span: Span| {
        let expected = match (ty.list, ty.scalar) {
            (false, Scalar::String) => "a string `\"…\"`",
            (false, Scalar::Arn) => "an ARN `\"arn:…\"`",
            (false, Scalar::Name) => "a Kubernetes name `\"…\"`",
            (true, Scalar::String) => "a list of strings `[\"…\", …]`",
            (true, Scalar::Arn) => "a list of ARNs `[\"arn:…\", …]`",
            (true, Scalar::Name) => "a list of Kubernetes names `[\"…\", …]`",
        };
        Diag::new(
            Code::E133,
            format!("{what} `{}` must be {expected}, not {found}", param.node),
        )
        .at(span)
        .label("wrong type")
        .help(match (ty.list, found) {
            (true, "a string") => "write the value as a list: `[\"…\"]`".to_string(),
            (false, "a list") => "give one value, not a list".to_string(),
            _ => format!("`{}` is `{}`", param.node, type_text(ty)),
        })
    };
    let items: Vec<Spanned<String>> = match (&value.node, ty.list) {
        (Value::Str(s), false) => vec![Spanned::new(s.clone(), value.span)],
        (Value::List(items), true) => items
            .iter()
            .map(|i| Spanned::new(i.node.text().to_string(), i.span))
            .collect(),
        (Value::Str(_), true) => return Err(wrong("a string", value.span)),
        (Value::List(_), false) => return Err(wrong("a list", value.span)),
        (other, _) => return Err(wrong(other.describe(), value.span)),
    };
    for item in &items {
        let problem = match ty.scalar {
            Scalar::String => None,
            Scalar::Arn if item.node == "*" || item.node.starts_with("arn:") => None,
            // A value may be a parameter of the pack the `use` is written in, or a variable.
            Scalar::Arn if item.node.starts_with("${") => None,
            Scalar::Arn => Some((
                "an ARN",
                "an ARN is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (or `*`)".to_string(),
            )),
            Scalar::Name => crate::check::values::k8s_name(&item.node)
                .err()
                .map(|(_, help)| ("a Kubernetes name", help)),
        };
        if let Some((expected, help)) = problem {
            let whose = if ty.list {
                format!("each item of {what} `{}`", param.node)
            } else {
                format!("{what} `{}`", param.node)
            };
            return Err(Diag::new(
                Code::E133,
                format!("{whose} must be {expected}, not `{}`", item.node),
            )
            .at(item.span)
            .label("wrong type")
            .help(help));
        }
    }
    Ok(Bound {
        items,
        list: ty.list,
    })
}

fn type_text(ty: Type) -> &'static str {
    match (ty.list, ty.scalar) {
        (false, Scalar::String) => "string",
        (false, Scalar::Arn) => "arn",
        (false, Scalar::Name) => "name",
        (true, Scalar::String) => "[string]",
        (true, Scalar::Arn) => "[arn]",
        (true, Scalar::Name) => "[name]",
    }
}

/// Puts parameters' values into a pack's blocks.
struct Subst<'a> {
    env: &'a Env,
    diags: &'a mut Vec<Diag>,
    errors: &'a mut bool,
}

/// The parameter a string is exactly a reference to (`"${NAME}"`).
fn whole<'e>(env: &'e Env, s: &str) -> Option<&'e Bound> {
    let name = s.strip_prefix("${")?.strip_suffix('}')?;
    env.get(name)
}

impl Subst<'_> {
    /// A string in a list position: a list parameter's items, or the string with its scalar
    /// parameters replaced.
    fn items(&mut self, s: &Spanned<String>) -> Vec<Spanned<String>> {
        if let Some(bound) = whole(self.env, &s.node) {
            return bound.items.clone();
        }
        vec![self.one(s)]
    }

    /// A string in a place for one value.
    fn one(&mut self, s: &Spanned<String>) -> Spanned<String> {
        if !s.node.contains("${") {
            return s.clone();
        }
        let mut out = String::with_capacity(s.node.len());
        let mut rest = s.node.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            match self.env.get(name) {
                Some(bound) if !bound.list => out.push_str(&bound.items[0].node),
                Some(_) => {
                    *self.errors = true;
                    self.diags.push(
                        Diag::new(
                            Code::E134,
                            format!("list parameter `{name}` inside a longer string"),
                        )
                        .at(s.span)
                        .label("a list cannot be put in here")
                        .help(format!(
                            "write `\"${{{name}}}\"` alone as an item of a list of values (it stands for all its items)"
                        )),
                    );
                    out.push_str(&rest[i..i + 3 + end]);
                }
                None => out.push_str(&rest[i..i + 3 + end]),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Spanned::new(out, s.span)
    }

    fn list(&mut self, items: &[Spanned<String>]) -> Vec<Spanned<String>> {
        items.iter().flat_map(|s| self.items(s)).collect()
    }

    /// An argument of a `use` inside a pack.
    fn value(&mut self, v: &Spanned<Value>) -> Spanned<Value> {
        match &v.node {
            Value::Str(s) => {
                let s = Spanned::new(s.clone(), v.span);
                match whole(self.env, &s.node) {
                    Some(bound) if bound.list => Spanned::new(
                        Value::List(
                            bound
                                .items
                                .iter()
                                .map(|i| Spanned::new(ListItem::Str(i.node.clone()), i.span))
                                .collect(),
                        ),
                        v.span,
                    ),
                    _ => {
                        let one = self.one(&s);
                        Spanned::new(Value::Str(one.node), v.span)
                    }
                }
            }
            Value::List(items) => {
                let strings: Vec<Spanned<String>> = items
                    .iter()
                    .map(|i| Spanned::new(i.node.text().to_string(), i.span))
                    .collect();
                Spanned::new(
                    Value::List(
                        self.list(&strings)
                            .into_iter()
                            .map(|s| Spanned::new(ListItem::Str(s.node), s.span))
                            .collect(),
                    ),
                    v.span,
                )
            }
            _ => v.clone(),
        }
    }

    fn reason(&mut self, r: &Option<Spanned<String>>) -> Option<Spanned<String>> {
        r.as_ref().map(|r| self.one(r))
    }

    fn aws_block(&mut self, b: &AwsBlock) -> AwsBlock {
        AwsBlock {
            grants: b.grants.iter().filter_map(|g| self.grant(g)).collect(),
            span: b.span,
        }
    }

    /// A grant with the parameters' values put in; none when its `on` names resources only
    /// through list parameters that are all empty (`on "${keys}"` with `keys = []`: the grant
    /// is for no resource, not for `*`).
    fn grant(&mut self, g: &Grant) -> Option<Grant> {
        let (GrantKind::Level { arns: written, .. } | GrantKind::Allow { arns: written, .. }) =
            &g.kind;
        let arns = self.list(written);
        if !written.is_empty() && arns.is_empty() {
            return None;
        }
        let kind = match &g.kind {
            GrantKind::Level { level, .. } => GrantKind::Level {
                level: level.clone(),
                arns,
            },
            GrantKind::Allow {
                actions,
                conditions,
                deny,
                ..
            } => GrantKind::Allow {
                deny: *deny,
                actions: actions.clone(),
                arns,
                conditions: conditions.iter().map(|c| self.condition(c)).collect(),
            },
        };
        Some(Grant {
            kind,
            unsafe_reason: self.reason(&g.unsafe_reason),
            span: g.span,
        })
    }

    fn condition(&mut self, c: &Condition) -> Condition {
        Condition {
            key: self.one(&c.key),
            values: self.list(&c.values),
            ..c.clone()
        }
    }

    fn k8s_block(&mut self, b: &K8sBlock) -> K8sBlock {
        K8sBlock {
            target: b.target.clone(),
            // A rule `named` only empty list parameters names no object (not every object).
            rules: b
                .rules
                .iter()
                .filter_map(|r| {
                    let names = self.list(&r.names);
                    let unsafe_reason = self.reason(&r.unsafe_reason);
                    (r.names.is_empty() || !names.is_empty()).then(|| K8sRule {
                        names,
                        unsafe_reason,
                        ..r.clone()
                    })
                })
                .collect(),
            span: b.span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The program of `text`, expanded, and its diagnostics' codes.
    fn expanded(text: &str) -> (Program, Vec<&'static str>) {
        let (decls, mut diags) = crate::syntax::parse_file(FileId(0), text);
        assert!(diags.is_empty(), "{diags:?}");
        let mut program = Program { decls };
        expand(&mut program, &mut diags);
        (program, diags.iter().map(|d| d.code.as_str()).collect())
    }

    fn app_arns(program: &Program, name: &str) -> Vec<String> {
        program
            .decls
            .iter()
            .find_map(|d| match d {
                Decl::App(a) if a.name.node == name => Some(a),
                _ => None,
            })
            .unwrap()
            .body
            .aws
            .iter()
            .flat_map(|b| &b.grants)
            .flat_map(|g| match &g.kind {
                GrantKind::Level { arns, .. } | GrantKind::Allow { arns, .. } => arns.clone(),
            })
            .map(|a| a.node)
            .collect()
    }

    #[test]
    fn types_are_the_three_scalars_and_their_lists() {
        assert_eq!(
            Type::parse("[arn]"),
            Some(Type {
                scalar: Scalar::Arn,
                list: true
            })
        );
        assert_eq!(
            Type::parse("name"),
            Some(Type {
                scalar: Scalar::Name,
                list: false
            })
        );
        assert_eq!(Type::parse("[[arn]]"), None);
        assert_eq!(Type::parse("str"), None);
    }

    #[test]
    fn a_grant_on_an_empty_list_parameter_is_dropped_not_widened() {
        let text = r#"
pack p(keys: [arn] = []) {
  aws {
    allow kms:Decrypt on "${keys}"
    allow ec2:DescribeVolumes
  }
}
app a in ns { use p() }
app b in ns { use p(keys = ["arn:aws:kms:us-west-2:111122223333:key/k"]) }
"#;
        let (program, codes) = expanded(text);
        assert!(codes.is_empty(), "{codes:?}");
        let grants = |name: &str| {
            program
                .decls
                .iter()
                .find_map(|d| match d {
                    Decl::App(a) if a.name.node == name => {
                        Some(a.body.aws.iter().map(|b| b.grants.len()).sum::<usize>())
                    }
                    _ => None,
                })
                .unwrap()
        };
        // `a` keeps only the grant without `on`: the other would otherwise mean `*`.
        assert_eq!(grants("a"), 1);
        assert_eq!(grants("b"), 2);
        assert!(app_arns(&program, "a").is_empty());
        assert_eq!(
            app_arns(&program, "b"),
            ["arn:aws:kms:us-west-2:111122223333:key/k"]
        );
    }

    #[test]
    fn a_list_parameter_alone_in_a_string_stands_for_its_items_with_their_spans() {
        let text = r#"
pack p(objects: [arn]) { aws { read "${objects}" } }
app a in ns { use p(objects = ["arn:aws:s3:::x/*", "arn:aws:s3:::y/*"]) }
"#;
        let (program, codes) = expanded(text);
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(
            app_arns(&program, "a"),
            ["arn:aws:s3:::x/*", "arn:aws:s3:::y/*"]
        );
        let Decl::App(app) = &program.decls[1] else {
            panic!()
        };
        let GrantKind::Level { arns, .. } = &app.body.aws[0].grants[0].kind else {
            panic!()
        };
        // Each item keeps the span of the argument that gave it (the use site).
        let at = |s: Span| &text[s.start as usize..s.end as usize];
        assert_eq!(at(arns[0].span), "\"arn:aws:s3:::x/*\"");
        assert_eq!(at(arns[1].span), "\"arn:aws:s3:::y/*\"");
        assert!(app.body.uses.is_empty());
    }

    #[test]
    fn values_are_put_in_once_and_other_variables_are_left_for_the_checker() {
        let (program, codes) = expanded(
            r#"
pack p(bucket: string, other: string = "${bucket}") {
  aws { read "arn:aws:s3:::${bucket}/${namespace}/${other}" }
}
app a in ns { use p(bucket = "b-${cluster}") }
"#,
        );
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(
            app_arns(&program, "a"),
            ["arn:aws:s3:::b-${cluster}/${namespace}/${bucket}"]
        );
    }

    #[test]
    fn a_use_inside_a_pack_gets_the_outer_parameters() {
        let (program, codes) = expanded(
            r#"
pack inner(keys: [arn]) { aws { allow kms:Decrypt on "${keys}" } }
pack outer(key: arn) { use inner(keys = ["${key}", "arn:aws:kms:us-west-2:111122223333:key/b"]) }
app a in ns { use outer(key = "arn:aws:kms:us-west-2:111122223333:key/a") }
"#,
        );
        assert!(codes.is_empty(), "{codes:?}");
        assert_eq!(
            app_arns(&program, "a"),
            [
                "arn:aws:kms:us-west-2:111122223333:key/a",
                "arn:aws:kms:us-west-2:111122223333:key/b"
            ]
        );
    }

    #[test]
    fn a_use_with_an_error_adds_nothing() {
        let (program, codes) = expanded(
            r#"
pack p(objects: [arn]) { aws { read "${objects}" } }
app a in ns { use p(objects = "arn:aws:s3:::x/*") }
app b in ns { use p() }
app c in ns { use q() }
"#,
        );
        assert_eq!(codes, ["E133", "E131", "E130"]);
        for app in ["a", "b", "c"] {
            assert!(app_arns(&program, app).is_empty(), "{app}");
        }
    }

    #[test]
    fn a_program_without_packs_is_left_as_it_is() {
        let text = "app a in ns { aws { read \"arn:aws:s3:::x/*\" } }\n";
        let (program, codes) = expanded(text);
        assert!(codes.is_empty());
        assert_eq!(app_arns(&program, "a"), ["arn:aws:s3:::x/*"]);
    }

    #[test]
    fn packs_stay_in_the_program_after_expansion() {
        let (program, _) = expanded(
            "pack p(x: string) { aws { read \"arn:aws:s3:::${x}/*\" } }\napp a in ns { use p(x = \"b\") }\n",
        );
        let Decl::Pack(p) = &program.decls[0] else {
            panic!()
        };
        assert_eq!(p.params.len(), 1);
        assert_eq!(p.body.aws.len(), 1);
    }
}
