//! The abstract syntax tree: what the user wrote, with a [`Span`] on every node.
//!
//! Produced by [`crate::syntax`], consumed by [`crate::check`]. Nothing here is resolved or
//! validated beyond the grammar.

use std::fmt;

/// Index of a source file in [`crate::source::Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// Length in bytes.
    pub fn len(&self) -> usize {
        (self.end.saturating_sub(self.start)) as usize
    }
    /// Whether the span is empty.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// A value with the span it came from. Equality ignores the span.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub node: T,
    /// Where it was written.
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T> Spanned<T> {
    /// Wrap a value.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// A name or reference as written.
pub type Ident = Spanned<String>;

/// Every declaration of a program, from all its files.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// The declarations, in file order then source order.
    pub decls: Vec<Decl>,
}

/// A top-level declaration.
#[derive(Clone, Debug)]
pub enum Decl {
    /// `cluster NAME { … }`
    Cluster(ClusterDecl),
    /// `namespace NAME on CLUSTER, … { … }`
    Namespace(NamespaceDecl),
    /// `app NAME in NS { … }`
    App(AppDecl),
    /// `role NAME { … }`
    Role(RoleDecl),
    /// `boundary NAME { … }`
    Boundary(BoundaryDecl),
    /// `access NAME on CLUSTER, … { … }`
    Access(AccessDecl),
    /// `resource "ARN" { … }`
    Resource(ResourceDecl),
    /// `pack NAME(PARAM: TYPE, …) { … }`
    Pack(PackDecl),
}

impl Decl {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Decl::Cluster(d) => d.span,
            Decl::Namespace(d) => d.span,
            Decl::App(d) => d.span,
            Decl::Role(d) => d.span,
            Decl::Boundary(d) => d.span,
            Decl::Access(d) => d.span,
            Decl::Resource(d) => d.span,
            Decl::Pack(d) => d.span,
        }
    }
}

/// `key = value`
#[derive(Clone, Debug)]
pub struct Setting {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: Spanned<Value>,
    /// The whole setting.
    pub span: Span,
}

/// A setting's value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `"text"`
    Str(String),
    /// `word`
    Word(String),
    /// `word [items]`, e.g. `namespaces [payments]`
    WordList(String, Vec<Spanned<ListItem>>),
    /// `[items]`
    List(Vec<Spanned<ListItem>>),
}

impl Value {
    /// How the value is described in messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Value::Str(_) => "a string",
            Value::Word(_) => "a word",
            Value::WordList(..) => "a word with a list",
            Value::List(_) => "a list",
        }
    }
}

/// An item of a `[…]` list.
#[derive(Clone, Debug, PartialEq)]
pub enum ListItem {
    /// `"text"`
    Str(String),
    /// `word`
    Word(String),
}

impl ListItem {
    /// The text, whichever form it was written in.
    pub fn text(&self) -> &str {
        match self {
            ListItem::Str(s) | ListItem::Word(s) => s,
        }
    }
}

/// `cluster NAME { settings }`
#[derive(Clone, Debug)]
pub struct ClusterDecl {
    /// Name.
    pub name: Ident,
    /// Settings.
    pub settings: Vec<Setting>,
    /// Whole declaration.
    pub span: Span,
}

/// `namespace NAME on CLUSTER, … { settings }`
#[derive(Clone, Debug)]
pub struct NamespaceDecl {
    /// Name.
    pub name: Ident,
    /// Clusters it is on.
    pub clusters: Vec<Ident>,
    /// Settings.
    pub settings: Vec<Setting>,
    /// Whole declaration.
    pub span: Span,
}

/// The body shared by `app` and `role`.
#[derive(Clone, Debug, Default)]
pub struct Body {
    /// `key = value` items.
    pub settings: Vec<Setting>,
    /// `aws { … }` blocks.
    pub aws: Vec<AwsBlock>,
    /// `kubernetes … { … }` blocks.
    pub kubernetes: Vec<K8sBlock>,
    /// `use PACK(…)` items, replaced by the pack's blocks when the program is expanded
    /// ([`crate::expand`]): after expansion every body's list is empty.
    pub uses: Vec<Use>,
}

/// `app NAME in NS { … }`
#[derive(Clone, Debug)]
pub struct AppDecl {
    /// Name.
    pub name: Ident,
    /// Namespace reference.
    pub namespace: Ident,
    /// Body.
    pub body: Body,
    /// Whole declaration.
    pub span: Span,
}

/// `role NAME { … }`
#[derive(Clone, Debug)]
pub struct RoleDecl {
    /// Name.
    pub name: Ident,
    /// Body.
    pub body: Body,
    /// Whole declaration.
    pub span: Span,
}

/// `aws { grants }`
#[derive(Clone, Debug)]
pub struct AwsBlock {
    /// The grants.
    pub grants: Vec<Grant>,
    /// Whole block.
    pub span: Span,
}

/// An IAM access level usable as a grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `read`
    Read,
    /// `write`
    Write,
    /// `list`
    List,
    /// `tagging`
    Tagging,
    /// `permissions`
    Permissions,
}

impl Level {
    /// Parse the keyword.
    pub fn from_keyword(s: &str) -> Option<Level> {
        Some(match s {
            "read" => Level::Read,
            "write" => Level::Write,
            "list" => Level::List,
            "tagging" => Level::Tagging,
            "permissions" => Level::Permissions,
            _ => return None,
        })
    }
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
            Level::List => "list",
            Level::Tagging => "tagging",
            Level::Permissions => "permissions",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// One AWS grant.
#[derive(Clone, Debug)]
pub struct Grant {
    /// What is granted.
    pub kind: GrantKind,
    /// `unsafe "reason"`.
    pub unsafe_reason: Option<Spanned<String>>,
    /// Whole grant.
    pub span: Span,
}

/// The two grant forms.
#[derive(Clone, Debug)]
pub enum GrantKind {
    /// `read "ARN", …`
    Level {
        /// The level.
        level: Spanned<Level>,
        /// The ARNs.
        arns: Vec<Spanned<String>>,
    },
    /// `allow|deny ACTION, … [on "ARN", …] [when …]`
    Allow {
        /// `deny` instead of `allow`: a Deny statement.
        deny: bool,
        /// The actions.
        actions: Vec<Spanned<String>>,
        /// The ARNs (empty: no `on`).
        arns: Vec<Spanned<String>>,
        /// The conditions.
        conditions: Vec<Condition>,
    },
}

/// A condition operator as written. Which IAM operator it becomes depends on the values'
/// kind too ([`Condition::iam_operator`]): `==` on strings is `StringEquals`, on numbers
/// `NumericEquals`, on `date("…")` `DateEquals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CondOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `like`
    Like,
    /// `not like`
    NotLike,
    /// `in` (the same as `==`: IAM ORs the values of one key)
    In,
    /// `not in` (the same as `!=`)
    NotIn,
    /// `equals_ignore_case`
    EqIgnoreCase,
    /// `not equals_ignore_case`
    NeIgnoreCase,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `is true`, `is false`, `is null`
    Is,
    /// `is not null` (`is not true` / `is not false` are E125: IAM has no negated `Bool`)
    IsNot,
}

impl CondOp {
    /// The IAM string operator of `==`, `!=` and `like` (the operators of the first version of
    /// the language, whose values are always strings); other operators give `StringEquals` here:
    /// use [`Condition::iam_operator`].
    pub fn iam_operator(self) -> &'static str {
        match self {
            CondOp::Ne => "StringNotEquals",
            CondOp::Like => "StringLike",
            _ => "StringEquals",
        }
    }
    /// The source form.
    pub fn symbol(self) -> &'static str {
        match self {
            CondOp::Eq => "==",
            CondOp::Ne => "!=",
            CondOp::Like => "like",
            CondOp::NotLike => "not like",
            CondOp::In => "in",
            CondOp::NotIn => "not in",
            CondOp::EqIgnoreCase => "equals_ignore_case",
            CondOp::NeIgnoreCase => "not equals_ignore_case",
            CondOp::Lt => "<",
            CondOp::Le => "<=",
            CondOp::Gt => ">",
            CondOp::Ge => ">=",
            CondOp::Is => "is",
            CondOp::IsNot => "is not",
        }
    }
}

/// The kind of a condition's values, from how they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueKind {
    /// `"text"`
    String,
    /// `42`, `1.5`
    Number,
    /// `date("2026-01-01T00:00:00Z")`
    Date,
    /// `ip("10.0.0.0/8")`
    Ip,
    /// `arn("arn:aws:…")`
    Arn,
    /// `binary("QmluYXJ5")` (base64)
    Binary,
    /// `true`, `false` (after `is`)
    Bool,
    /// `null` (after `is`)
    Null,
}

impl ValueKind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::String => "a string",
            ValueKind::Number => "a number",
            ValueKind::Date => "a date",
            ValueKind::Ip => "an IP address",
            ValueKind::Arn => "an ARN",
            ValueKind::Binary => "a binary value",
            ValueKind::Bool => "a boolean",
            ValueKind::Null => "`null`",
        }
    }
    /// The constructor word of a typed value (`date`, `ip`, `arn`, `binary`).
    pub fn from_constructor(word: &str) -> Option<ValueKind> {
        Some(match word {
            "date" => ValueKind::Date,
            "ip" => ValueKind::Ip,
            "arn" => ValueKind::Arn,
            "binary" => ValueKind::Binary,
            _ => return None,
        })
    }
}

/// `any KEY …` / `all KEY …`: IAM's set qualifiers for keys with several values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetQualifier {
    /// `any`: `ForAnyValue:` (some value of the request's set matches).
    Any,
    /// `all`: `ForAllValues:` (every value of the request's set matches; true when the set is
    /// empty or absent).
    All,
}

impl SetQualifier {
    /// The IAM prefix.
    pub fn iam_prefix(self) -> &'static str {
        match self {
            SetQualifier::Any => "ForAnyValue:",
            SetQualifier::All => "ForAllValues:",
        }
    }
    /// The source form.
    pub fn keyword(self) -> &'static str {
        match self {
            SetQualifier::Any => "any",
            SetQualifier::All => "all",
        }
    }
}

/// `[any|all] KEY OP VALUE [if exists]`
#[derive(Clone, Debug)]
pub struct Condition {
    /// `any` / `all`.
    pub qualifier: Option<Spanned<SetQualifier>>,
    /// Condition key.
    pub key: Spanned<String>,
    /// Operator.
    pub op: CondOp,
    /// The operator's span (`not like`: both words).
    pub op_span: Span,
    /// The kind of the values (the first value's).
    pub kind: ValueKind,
    /// Values of another kind than the first (E125, reported by the checker).
    pub mixed: Vec<Spanned<ValueKind>>,
    /// One or more values (the text inside `date("…")`; `true` / `false` for `is true` /
    /// `is false`; `true` for `is null`, `false` for `is not null`, as IAM's `Null` writes them).
    pub values: Vec<Spanned<String>>,
    /// `if exists`.
    pub if_exists: bool,
    /// Whole condition.
    pub span: Span,
}

impl Condition {
    /// A plain `KEY OP "VALUE"` condition (no qualifier, strings).
    pub fn string(
        key: Spanned<String>,
        op: CondOp,
        values: Vec<Spanned<String>>,
        span: Span,
    ) -> Self {
        Condition {
            qualifier: None,
            key,
            op,
            op_span: span,
            kind: ValueKind::String,
            values,
            mixed: Vec::new(),
            if_exists: false,
            span,
        }
    }

    /// The IAM operator this condition writes (`ForAnyValue:StringLike`,
    /// `NumericLessThanIfExists`, `Null`), or `None` when the operator does not apply to the
    /// values' kind (`like` on numbers: E218, reported by the checker).
    pub fn iam_operator(&self) -> Option<String> {
        use CondOp::*;
        use ValueKind as K;
        let base = match (self.kind, self.op) {
            (K::String, Eq | In) => "StringEquals",
            (K::String, Ne | NotIn) => "StringNotEquals",
            (K::String, Like) => "StringLike",
            (K::String, NotLike) => "StringNotLike",
            (K::String, EqIgnoreCase) => "StringEqualsIgnoreCase",
            (K::String, NeIgnoreCase) => "StringNotEqualsIgnoreCase",
            (K::Number, Eq | In) => "NumericEquals",
            (K::Number, Ne | NotIn) => "NumericNotEquals",
            (K::Number, Lt) => "NumericLessThan",
            (K::Number, Le) => "NumericLessThanEquals",
            (K::Number, Gt) => "NumericGreaterThan",
            (K::Number, Ge) => "NumericGreaterThanEquals",
            (K::Date, Eq | In) => "DateEquals",
            (K::Date, Ne | NotIn) => "DateNotEquals",
            (K::Date, Lt) => "DateLessThan",
            (K::Date, Le) => "DateLessThanEquals",
            (K::Date, Gt) => "DateGreaterThan",
            (K::Date, Ge) => "DateGreaterThanEquals",
            (K::Bool, Is) => "Bool",
            (K::Binary, Eq | In) => "BinaryEquals",
            (K::Ip, Eq | In) => "IpAddress",
            (K::Ip, Ne | NotIn) => "NotIpAddress",
            (K::Arn, Eq | In) => "ArnEquals",
            (K::Arn, Ne | NotIn) => "ArnNotEquals",
            (K::Arn, Like) => "ArnLike",
            (K::Arn, NotLike) => "ArnNotLike",
            (K::Null, Is | IsNot) => "Null",
            _ => return None,
        };
        if self.kind == K::Null && self.if_exists {
            return None;
        }
        let mut op = String::with_capacity(40);
        if let Some(q) = &self.qualifier {
            op.push_str(q.node.iam_prefix());
        }
        op.push_str(base);
        if self.if_exists {
            op.push_str("IfExists");
        }
        Some(op)
    }
}

/// Where a `kubernetes` block applies.
#[derive(Clone, Debug, PartialEq)]
pub enum K8sTarget {
    /// `kubernetes { }`: the app's own namespace.
    Own,
    /// `kubernetes in NS { }`
    Namespace(Ident),
    /// `kubernetes cluster { }`
    Cluster,
}

/// `kubernetes [in NS | cluster] { rules }`
#[derive(Clone, Debug)]
pub struct K8sBlock {
    /// Target.
    pub target: K8sTarget,
    /// Rules.
    pub rules: Vec<K8sRule>,
    /// Whole block.
    pub span: Span,
}

/// `VERB, … RESOURCE, … [named "N", …] [unsafe "why"]`
#[derive(Clone, Debug)]
pub struct K8sRule {
    /// Verbs.
    pub verbs: Vec<Spanned<String>>,
    /// Resources.
    pub resources: Vec<Spanned<String>>,
    /// Resource names.
    pub names: Vec<Spanned<String>>,
    /// `unsafe "reason"`.
    pub unsafe_reason: Option<Spanned<String>>,
    /// Whole rule.
    pub span: Span,
}

/// `boundary NAME { allow …  deny … }`
#[derive(Clone, Debug)]
pub struct BoundaryDecl {
    /// Name.
    pub name: Ident,
    /// Statements.
    pub stmts: Vec<BoundaryStmt>,
    /// Whole declaration.
    pub span: Span,
}

/// `allow|deny ACTION, … [on "ARN", …]`
#[derive(Clone, Debug)]
pub struct BoundaryStmt {
    /// `true` for `allow`.
    pub allow: bool,
    /// Actions.
    pub actions: Vec<Spanned<String>>,
    /// ARNs (empty: `*`).
    pub arns: Vec<Spanned<String>>,
    /// Whole statement.
    pub span: Span,
}

/// `access NAME on CLUSTER, … { … }`
#[derive(Clone, Debug)]
pub struct AccessDecl {
    /// Name.
    pub name: Ident,
    /// Clusters.
    pub clusters: Vec<Ident>,
    /// Settings.
    pub settings: Vec<Setting>,
    /// Extra RBAC.
    pub kubernetes: Vec<K8sBlock>,
    /// Whole declaration.
    pub span: Span,
}

/// `resource "ARN" { grants }`
#[derive(Clone, Debug)]
pub struct ResourceDecl {
    /// The resource ARN.
    pub arn: Spanned<String>,
    /// Grants.
    pub grants: Vec<ResGrant>,
    /// Whole declaration.
    pub span: Span,
}

/// What a resource grant hands out.
#[derive(Clone, Debug)]
pub enum ResWhat {
    /// An access level.
    Level(Spanned<Level>),
    /// Explicit actions.
    Actions(Vec<Spanned<String>>),
}

/// `LEVEL by NS/APP, …` or `allow ACTIONS by NS/APP, …`
#[derive(Clone, Debug)]
pub struct ResGrant {
    /// What.
    pub what: ResWhat,
    /// To whom (`NS/APP`).
    pub by: Vec<Spanned<String>>,
    /// Conditions.
    pub conditions: Vec<Condition>,
    /// `unsafe "reason"`.
    pub unsafe_reason: Option<Spanned<String>>,
    /// Whole grant.
    pub span: Span,
}

/// `pack NAME(PARAM: TYPE [= DEFAULT], …) { … }`: grants and Kubernetes rules written once and
/// used by apps and roles (`use NAME(ARG = VALUE, …)`).
#[derive(Clone, Debug)]
pub struct PackDecl {
    /// Name.
    pub name: Ident,
    /// Parameters, in order.
    pub params: Vec<Param>,
    /// `aws { … }` and `kubernetes … { … }` blocks and `use` items (no settings).
    pub body: Body,
    /// Whole declaration.
    pub span: Span,
}

/// `NAME: TYPE [= DEFAULT]`
#[derive(Clone, Debug)]
pub struct Param {
    /// Name.
    pub name: Ident,
    /// The type as written (`arn`, `[arn]`, …), resolved by the expander.
    pub ty: Spanned<String>,
    /// The value when a use gives none.
    pub default: Option<Spanned<Value>>,
    /// Whole parameter.
    pub span: Span,
}

/// `use PACK(ARG = VALUE, …)`
#[derive(Clone, Debug)]
pub struct Use {
    /// The pack's name.
    pub pack: Ident,
    /// The arguments, in order.
    pub args: Vec<Arg>,
    /// Whole item.
    pub span: Span,
}

/// `NAME = VALUE` in a `use`.
#[derive(Clone, Debug)]
pub struct Arg {
    /// The parameter's name.
    pub name: Ident,
    /// The value: a string or a list.
    pub value: Spanned<Value>,
    /// Whole argument.
    pub span: Span,
}

/// A string literal of the language with the text `s` (`"`, `\\`, line breaks and tabs
/// escaped).
pub fn string_literal(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
