//! pest pairs → AST. One function per node; anything the grammar rules out is `unexpected`.

use pest::iterators::{Pair, Pairs};

use super::Rule;
use crate::ast::*;
use crate::diagnostics::Diag;

struct Ctx<'d> {
    file: FileId,
    /// Where the parsed text starts in the file (the parser may be given a tail of it).
    offset: usize,
    diags: &'d mut Vec<Diag>,
}

impl Ctx<'_> {
    /// The span of the parsed text's `start..end`, in the file.
    fn at(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start, self.offset + end)
    }
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        // Rules that end in an optional part also hold the whitespace and comments pest skipped
        // while looking for it: end them at their last token instead.
        let end = match p.as_rule() {
            Rule::grant
            | Rule::k8s_rule
            | Rule::res_grant
            | Rule::boundary_stmt
            | Rule::condition
            | Rule::setting
            | Rule::param => content_end(p),
            _ => s.end(),
        };
        self.at(s.start(), end)
    }
    /// A token's text and span (a token holds no trivia: nothing to trim).
    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        let s = p.as_span();
        Spanned::new(s.as_str().to_string(), self.at(s.start(), s.end()))
    }
}

/// Where a grant's or a Kubernetes rule's child ends as the rule's last token (see
/// [`content_end`]): such a child is a token, or a condition.
fn last_end(c: &Pair<'_, Rule>) -> usize {
    match c.as_rule() {
        Rule::string => c.as_span().end() - 1,
        Rule::condition => content_end(c),
        _ => c.as_span().end(),
    }
}

/// The end of a pair's last token (its last descendant: the last in pre-order, found from the
/// end of pest's token queue without walking the tree). A string ends there before its closing
/// quote (the end of its text, as when the text was a pair of its own).
fn content_end(p: &Pair<'_, Rule>) -> usize {
    match p.clone().into_inner().flatten().next_back() {
        Some(last) if last.as_rule() == Rule::string => last.as_span().end() - 1,
        Some(last) => last.as_span().end(),
        None => p.as_span().end(),
    }
}

/// The declarations of a [`Rule::decls`] parse of `text[offset..]`, each with the diagnostics of
/// its own strings, and whether they reach the end of the text.
pub(super) fn decls(
    file: FileId,
    offset: usize,
    pairs: Pairs<'_, Rule>,
    out: &mut Vec<(Decl, Vec<Diag>)>,
) -> bool {
    let mut at_end = false;
    for p in pairs.flat_map(Pair::into_inner) {
        if p.as_rule() == Rule::EOI {
            at_end = true;
            continue;
        }
        let mut diags = Vec::new();
        let mut cx = Ctx {
            file,
            offset,
            diags: &mut diags,
        };
        if let Some(decl) = decl(&mut cx, p) {
            out.push((decl, diags));
        }
    }
    at_end
}

fn decl(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Option<Decl> {
    Some(match p.as_rule() {
        Rule::cluster => Decl::Cluster(cluster(cx, p)),
        Rule::namespace => Decl::Namespace(namespace(cx, p)),
        Rule::app => Decl::App(app(cx, p)),
        Rule::role => Decl::Role(role(cx, p)),
        Rule::boundary => Decl::Boundary(boundary(cx, p)),
        Rule::access => Decl::Access(access(cx, p)),
        Rule::resource => Decl::Resource(resource(cx, p)),
        Rule::pack => Decl::Pack(pack(cx, p)),
        _ => return None,
    })
}

fn cluster(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> ClusterDecl {
    let span = cx.span(&p);
    let mut name = None;
    let mut settings = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => name = Some(cx.ident(c)),
            Rule::setting => settings.push(setting(cx, c)),
            _ => {}
        }
    }
    ClusterDecl {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        settings,
        span,
    }
}

fn namespace(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> NamespaceDecl {
    let span = cx.span(&p);
    let mut name = None;
    let mut clusters = Vec::new();
    let mut settings = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            // The name, then the clusters (the names of its silent `name_list`).
            Rule::name if name.is_none() => name = Some(cx.ident(c)),
            Rule::name => clusters.push(cx.ident(c)),
            Rule::setting => settings.push(setting(cx, c)),
            _ => {}
        }
    }
    NamespaceDecl {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        clusters,
        settings,
        span,
    }
}

fn body_member(cx: &mut Ctx<'_>, body: &mut Body, c: Pair<'_, Rule>) {
    match c.as_rule() {
        Rule::setting => body.settings.push(setting(cx, c)),
        Rule::aws_block => body.aws.push(aws_block(cx, c)),
        Rule::k8s_block => body.kubernetes.push(k8s_block(cx, c)),
        Rule::use_stmt => body.uses.push(use_stmt(cx, c)),
        _ => {}
    }
}

fn pack(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> PackDecl {
    let span = cx.span(&p);
    let mut name = None;
    let mut params = Vec::new();
    let mut body = Body::default();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => name = Some(cx.ident(c)),
            Rule::param => params.push(param(cx, c)),
            _ => body_member(cx, &mut body, c),
        }
    }
    PackDecl {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        params,
        body,
        span,
    }
}

fn param(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Param {
    let span = cx.span(&p);
    let mut name = None;
    let mut ty = None;
    let mut default = None;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => name = Some(cx.ident(c)),
            Rule::param_type => ty = Some(cx.ident(c)),
            Rule::string | Rule::list => default = Some(param_value(cx, c)),
            _ => {}
        }
    }
    Param {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        ty: ty.unwrap_or_else(|| Spanned::new(String::new(), span)),
        default,
        span,
    }
}

fn use_stmt(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Use {
    let span = cx.span(&p);
    let mut pack = None;
    let mut args = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => pack = Some(cx.ident(c)),
            Rule::arg => {
                let aspan = cx.span(&c);
                let mut name = None;
                let mut value = None;
                for a in c.into_inner() {
                    match a.as_rule() {
                        Rule::name => name = Some(cx.ident(a)),
                        Rule::string | Rule::list => value = Some(param_value(cx, a)),
                        _ => {}
                    }
                }
                args.push(Arg {
                    name: name.unwrap_or_else(|| Spanned::new(String::new(), aspan)),
                    value: value.unwrap_or_else(|| Spanned::new(Value::List(Vec::new()), aspan)),
                    span: aspan,
                });
            }
            _ => {}
        }
    }
    Use {
        pack: pack.unwrap_or_else(|| Spanned::new(String::new(), span)),
        args,
        span,
    }
}

/// A parameter's default or an argument: a string (its span without the quotes' outside, as
/// every string's) or a list.
fn param_value(cx: &mut Ctx<'_>, c: Pair<'_, Rule>) -> Spanned<Value> {
    if c.as_rule() == Rule::string {
        let s = spanned_string(cx, c);
        Spanned::new(Value::Str(s.node), s.span)
    } else {
        let vspan = cx.span(&c);
        Spanned::new(Value::List(list(cx, c)), vspan)
    }
}

fn app(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> AppDecl {
    let span = cx.span(&p);
    let mut idents = Vec::new();
    let mut body = Body::default();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => idents.push(cx.ident(c)),
            _ => body_member(cx, &mut body, c),
        }
    }
    let mut idents = idents.into_iter();
    let empty = Spanned::new(String::new(), span);
    AppDecl {
        name: idents.next().unwrap_or_else(|| empty.clone()),
        namespace: idents.next().unwrap_or(empty),
        body,
        span,
    }
}

fn role(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> RoleDecl {
    let span = cx.span(&p);
    let mut name = None;
    let mut body = Body::default();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => name = Some(cx.ident(c)),
            _ => body_member(cx, &mut body, c),
        }
    }
    RoleDecl {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        body,
        span,
    }
}

fn setting(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Setting {
    let span = cx.span(&p);
    let mut key = None;
    let mut value = None;
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => key = Some(cx.ident(c)),
            Rule::string => {
                let vspan = cx.span(&c);
                value = Some(Spanned::new(Value::Str(string(cx, c)), vspan));
            }
            // `word_value` is silent: a word, then perhaps its list.
            Rule::word => {
                let s = c.as_span();
                let vspan = cx.at(s.start(), s.end());
                value = Some(Spanned::new(Value::Word(s.as_str().to_string()), vspan));
            }
            Rule::list => match value.take() {
                Some(Spanned {
                    node: Value::Word(word),
                    span: wspan,
                }) => {
                    // A word's list: the value ends at the list's last token.
                    let vspan = Span {
                        start: wspan.start,
                        ..cx.at(0, content_end(&c))
                    };
                    value = Some(Spanned::new(Value::WordList(word, list(cx, c)), vspan));
                }
                _ => {
                    let vspan = cx.span(&c);
                    value = Some(Spanned::new(Value::List(list(cx, c)), vspan));
                }
            },
            _ => {}
        }
    }
    Setting {
        key: key.unwrap_or_else(|| Spanned::new(String::new(), span)),
        value: value.unwrap_or_else(|| Spanned::new(Value::Word(String::new()), span)),
        span,
    }
}

fn list(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Vec<Spanned<ListItem>> {
    let mut items = Vec::new();
    for c in p.into_inner() {
        let span = cx.span(&c);
        match c.as_rule() {
            Rule::string => items.push(Spanned::new(ListItem::Str(string(cx, c)), span)),
            Rule::word => items.push(Spanned::new(ListItem::Word(c.as_str().to_string()), span)),
            _ => {}
        }
    }
    items
}

/// A string's value, escapes resolved.
fn string(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> String {
    let raw = p.as_str();
    let inner_start = cx.offset + p.as_span().start() + 1;
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
    // Printable ASCII (nearly every string) holds no hidden character; a raw tab is allowed,
    // as `\t` is.
    if !inner.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        for (i, c) in inner.char_indices() {
            if c != '\t' && crate::source::is_hidden(c) {
                cx.diags
                    .push(super::hidden_char_error(cx.file, inner_start + i, c));
            }
        }
    }
    if !inner.contains('\\') {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((j, other)) => {
                let start = inner_start + i;
                let end = inner_start + j + other.len_utf8();
                cx.diags
                    .push(super::escape_error(cx.file, start, end, &other.to_string()));
                out.push(other);
            }
            None => {}
        }
    }
    out
}

/// A string token: its value (escapes resolved) and its span.
fn spanned_string(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Spanned<String> {
    let s = p.as_span();
    let span = cx.at(s.start(), s.end());
    Spanned::new(string(cx, p), span)
}

fn aws_block(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> AwsBlock {
    let span = cx.span(&p);
    let inner = p.into_inner();
    let mut grants = Vec::with_capacity(inner.len());
    for c in inner {
        if c.as_rule() == Rule::grant {
            grants.push(grant(cx, c));
        }
    }
    AwsBlock { grants, span }
}

fn level(cx: &Ctx<'_>, p: &Pair<'_, Rule>) -> Spanned<Level> {
    Spanned::new(
        Level::from_keyword(p.as_str()).unwrap_or(Level::Read),
        cx.span(p),
    )
}

/// A grant. Its `level_grant` or `allow_grant`, `when_clause` and `unsafe_clause` are silent:
/// their tokens are the grant's children, the strings before `unsafe` its ARNs and the one
/// after it the reason.
fn grant(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Grant {
    // The span ends at the last token, that of the last child (no second walk to find it).
    let start = p.as_span().start();
    let mut end = start;
    let mut lvl = None;
    let mut actions = Vec::new();
    let mut arns = Vec::new();
    let mut conditions = Vec::new();
    let mut unsafe_reason = None;
    let mut after_unsafe = false;
    let mut deny = false;
    for c in p.into_inner() {
        end = last_end(&c);
        match c.as_rule() {
            Rule::level => lvl = Some(level(cx, &c)),
            Rule::kw_deny => deny = true,
            Rule::action => actions.push(cx.ident(c)),
            Rule::condition => conditions.push(condition(cx, c)),
            Rule::kw_unsafe => after_unsafe = true,
            Rule::string if after_unsafe => unsafe_reason = Some(spanned_string(cx, c)),
            Rule::string => arns.push(spanned_string(cx, c)),
            _ => {}
        }
    }
    let kind = match lvl {
        Some(level) => GrantKind::Level { level, arns },
        None => GrantKind::Allow {
            deny,
            actions,
            arns,
            conditions,
        },
    };
    Grant {
        kind,
        unsafe_reason,
        span: cx.at(start, end),
    }
}

fn condition(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> Condition {
    let span = cx.span(&p);
    let mut c = Condition::string(
        Spanned::new(String::new(), span),
        CondOp::Eq,
        Vec::new(),
        span,
    );
    let mut negated = false;
    let mut op_start: Option<usize> = None;
    let mut kinds: Vec<Spanned<ValueKind>> = Vec::new();
    for t in p.into_inner() {
        match t.as_rule() {
            Rule::cond_qual => {
                let q = if t.as_str() == "all" {
                    SetQualifier::All
                } else {
                    SetQualifier::Any
                };
                c.qualifier = Some(Spanned::new(q, cx.span(&t)));
            }
            Rule::cond_key => c.key = cx.ident(t),
            Rule::cond_not => {
                negated = true;
                op_start.get_or_insert(t.as_span().start());
            }
            Rule::kw_is => {
                op_start = Some(t.as_span().start());
                c.op = CondOp::Is;
                c.op_span = cx.span(&t);
            }
            Rule::cond_op | Rule::cond_neg_op => {
                let start = *op_start.get_or_insert(t.as_span().start());
                c.op_span = cx.at(start, t.as_span().end());
                c.op = match (t.as_str(), negated) {
                    ("!=", _) => CondOp::Ne,
                    ("like", false) => CondOp::Like,
                    ("like", true) => CondOp::NotLike,
                    ("in", false) => CondOp::In,
                    ("in", true) => CondOp::NotIn,
                    ("equals_ignore_case", false) => CondOp::EqIgnoreCase,
                    ("equals_ignore_case", true) => CondOp::NeIgnoreCase,
                    ("<", _) => CondOp::Lt,
                    ("<=", _) => CondOp::Le,
                    (">", _) => CondOp::Gt,
                    (">=", _) => CondOp::Ge,
                    _ => CondOp::Eq,
                };
            }
            Rule::cond_word => {
                let s = cx.span(&t);
                if let Some(start) = op_start {
                    c.op_span = cx.at(start, t.as_span().end());
                }
                let (kind, value) = match (t.as_str(), negated) {
                    ("null", false) => (ValueKind::Null, "true"),
                    ("null", true) => (ValueKind::Null, "false"),
                    (word, _) => (ValueKind::Bool, word),
                };
                if negated {
                    c.op = CondOp::IsNot;
                }
                kinds.push(Spanned::new(kind, s));
                c.values.push(Spanned::new(value.to_string(), s));
            }
            Rule::string | Rule::number | Rule::typed_value => {
                let (kind, value) = cond_value(cx, t);
                kinds.push(Spanned::new(kind, value.span));
                c.values.push(value);
            }
            Rule::string_array => {
                for v in t.into_inner() {
                    let (kind, value) = cond_value(cx, v);
                    kinds.push(Spanned::new(kind, value.span));
                    c.values.push(value);
                }
            }
            Rule::kw_exists => c.if_exists = true,
            _ => {}
        }
    }
    if let Some(first) = kinds.first() {
        c.kind = first.node;
        c.mixed = kinds
            .iter()
            .filter(|k| k.node != first.node)
            .cloned()
            .collect();
    }
    c
}

/// One condition value: its kind and its text (inside the quotes of `date("…")` and the like).
fn cond_value(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> (ValueKind, Spanned<String>) {
    match p.as_rule() {
        Rule::number => (ValueKind::Number, cx.ident(p)),
        Rule::typed_value => {
            let span = cx.span(&p);
            let mut kind = ValueKind::String;
            let mut text = String::new();
            for t in p.into_inner() {
                match t.as_rule() {
                    Rule::value_type => {
                        kind = ValueKind::from_constructor(t.as_str()).unwrap_or(ValueKind::String);
                    }
                    Rule::string => text = string(cx, t),
                    _ => {}
                }
            }
            (kind, Spanned::new(text, span))
        }
        _ => (ValueKind::String, spanned_string(cx, p)),
    }
}

fn k8s_block(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> K8sBlock {
    let span = cx.span(&p);
    let mut target = K8sTarget::Own;
    let mut rules = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::k8s_target => {
                for t in c.into_inner() {
                    match t.as_rule() {
                        Rule::name => target = K8sTarget::Namespace(cx.ident(t)),
                        Rule::cluster_scope => target = K8sTarget::Cluster,
                        _ => {}
                    }
                }
            }
            Rule::k8s_rule => rules.push(k8s_rule(cx, c)),
            _ => {}
        }
    }
    K8sBlock {
        target,
        rules,
        span,
    }
}

fn k8s_rule(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> K8sRule {
    // The span ends at the last token, that of the last child (no second walk to find it).
    let start = p.as_span().start();
    let mut end = start;
    let mut rule = K8sRule {
        verbs: Vec::new(),
        resources: Vec::new(),
        names: Vec::new(),
        unsafe_reason: None,
        span: cx.at(start, start),
    };
    // The strings after `named` are names, the one after `unsafe` the reason (the clauses are
    // silent).
    let mut after_unsafe = false;
    for c in p.into_inner() {
        end = last_end(&c);
        match c.as_rule() {
            Rule::verb => rule.verbs.push(cx.ident(c)),
            Rule::k8s_resource => rule.resources.push(cx.ident(c)),
            Rule::kw_unsafe => after_unsafe = true,
            Rule::string if after_unsafe => rule.unsafe_reason = Some(spanned_string(cx, c)),
            Rule::string => rule.names.push(spanned_string(cx, c)),
            _ => {}
        }
    }
    rule.span = cx.at(start, end);
    rule
}

fn boundary(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> BoundaryDecl {
    let span = cx.span(&p);
    let mut name = None;
    let mut stmts = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::name => name = Some(cx.ident(c)),
            Rule::boundary_stmt => {
                let sspan = cx.span(&c);
                let mut stmt = BoundaryStmt {
                    allow: true,
                    actions: Vec::new(),
                    arns: Vec::new(),
                    span: sspan,
                };
                for s in c.into_inner() {
                    match s.as_rule() {
                        Rule::effect => stmt.allow = s.as_str() == "allow",
                        Rule::action => stmt.actions.push(cx.ident(s)),
                        Rule::string => stmt.arns.push(spanned_string(cx, s)),
                        _ => {}
                    }
                }
                stmts.push(stmt);
            }
            _ => {}
        }
    }
    BoundaryDecl {
        name: name.unwrap_or_else(|| Spanned::new(String::new(), span)),
        stmts,
        span,
    }
}

fn access(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> AccessDecl {
    let span = cx.span(&p);
    let mut decl = AccessDecl {
        name: Spanned::new(String::new(), span),
        clusters: Vec::new(),
        settings: Vec::new(),
        kubernetes: Vec::new(),
        span,
    };
    let mut named = false;
    for c in p.into_inner() {
        match c.as_rule() {
            // The name, then the clusters (the names of its silent `name_list`).
            Rule::name if !named => {
                decl.name = cx.ident(c);
                named = true;
            }
            Rule::name => decl.clusters.push(cx.ident(c)),
            Rule::setting => decl.settings.push(setting(cx, c)),
            Rule::k8s_block => decl.kubernetes.push(k8s_block(cx, c)),
            _ => {}
        }
    }
    decl
}

fn resource(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> ResourceDecl {
    let span = cx.span(&p);
    let mut arn = Spanned::new(String::new(), span);
    let mut grants = Vec::new();
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::string => {
                let s = cx.span(&c);
                arn = Spanned::new(string(cx, c), s);
            }
            Rule::res_grant => grants.push(res_grant(cx, c)),
            _ => {}
        }
    }
    ResourceDecl { arn, grants, span }
}

fn res_grant(cx: &mut Ctx<'_>, p: Pair<'_, Rule>) -> ResGrant {
    let span = cx.span(&p);
    let mut g = ResGrant {
        what: ResWhat::Actions(Vec::new()),
        by: Vec::new(),
        conditions: Vec::new(),
        unsafe_reason: None,
        span,
    };
    // The `when` and `unsafe` clauses are silent: their conditions and the reason (the one
    // string) are the grant's children.
    for c in p.into_inner() {
        match c.as_rule() {
            Rule::level => g.what = ResWhat::Level(level(cx, &c)),
            Rule::action => match &mut g.what {
                ResWhat::Actions(actions) => actions.push(cx.ident(c)),
                ResWhat::Level(_) => g.what = ResWhat::Actions(vec![cx.ident(c)]),
            },
            Rule::app_ref => g.by.push(cx.ident(c)),
            Rule::condition => g.conditions.push(condition(cx, c)),
            Rule::string => g.unsafe_reason = Some(spanned_string(cx, c)),
            _ => {}
        }
    }
    g
}
