//! Name resolution: the symbol tables of a program, duplicate names, and references.

use std::collections::BTreeMap;

use crate::ast::*;
use crate::diagnostics::{Code, Diag};

use super::values;

/// Every declaration by kind and name.
#[derive(Default)]
pub struct Symbols<'a> {
    /// Clusters.
    pub clusters: BTreeMap<&'a str, &'a ClusterDecl>,
    /// Namespaces.
    pub namespaces: BTreeMap<&'a str, &'a NamespaceDecl>,
    /// Apps by (namespace, name).
    pub apps: BTreeMap<(&'a str, &'a str), &'a AppDecl>,
    /// Shared roles.
    pub roles: BTreeMap<&'a str, &'a RoleDecl>,
    /// Boundaries.
    pub boundaries: BTreeMap<&'a str, &'a BoundaryDecl>,
    /// Access declarations.
    pub accesses: BTreeMap<&'a str, &'a AccessDecl>,
    /// Resource policies by ARN.
    pub resources: BTreeMap<&'a str, &'a ResourceDecl>,
}

impl Symbols<'_> {
    /// Whether `ns` names a declared namespace; E103 (with "did you mean") if not.
    pub fn known_namespace(&self, ns: &Ident, diags: &mut Vec<Diag>) -> bool {
        if self.namespaces.contains_key(ns.node.as_str()) {
            return true;
        }
        diags.push(unknown(
            Code::E103,
            "namespace",
            ns,
            self.namespaces.keys().copied(),
        ));
        false
    }
}

fn insert<'a, K: Ord + Copy, T>(
    map: &mut BTreeMap<K, &'a T>,
    key: K,
    decl: &'a T,
    name: &Ident,
    first_span: impl Fn(&T) -> Span,
    kind: &str,
    diags: &mut Vec<Diag>,
) {
    if let Some(first) = map.get(&key) {
        // Report on the later one in source order so the message does not depend on file order
        // more than it must.
        let (a, b) = (first_span(first), name.span);
        let (dup, orig) = if a <= b { (b, a) } else { (a, b) };
        diags.push(
            Diag::new(
                Code::E101,
                format!("{kind} `{}` is declared twice", name.node),
            )
            .at(dup)
            .label("declared again here")
            .related(orig, "first declared here")
            .help(format!(
                "rename or remove one of the two {kind} declarations"
            )),
        );
        if b < a {
            map.insert(key, decl);
        }
        return;
    }
    map.insert(key, decl);
}

fn check_name(name: &Ident, diags: &mut Vec<Diag>) {
    values::check_k8s_name(name, "invalid name", diags);
}

/// Build the symbol tables, reporting duplicate and malformed names.
pub fn collect<'a>(program: &'a Program, diags: &mut Vec<Diag>) -> Symbols<'a> {
    let mut s = Symbols::default();
    for decl in &program.decls {
        match decl {
            Decl::Cluster(d) => {
                check_name(&d.name, diags);
                insert(
                    &mut s.clusters,
                    d.name.node.as_str(),
                    d,
                    &d.name,
                    |x| x.name.span,
                    "cluster",
                    diags,
                );
            }
            Decl::Namespace(d) => {
                check_name(&d.name, diags);
                insert(
                    &mut s.namespaces,
                    d.name.node.as_str(),
                    d,
                    &d.name,
                    |x| x.name.span,
                    "namespace",
                    diags,
                );
            }
            Decl::App(d) => {
                check_name(&d.name, diags);
                let key = (d.namespace.node.as_str(), d.name.node.as_str());
                insert(&mut s.apps, key, d, &d.name, |x| x.name.span, "app", diags);
            }
            Decl::Role(d) => {
                check_name(&d.name, diags);
                insert(
                    &mut s.roles,
                    d.name.node.as_str(),
                    d,
                    &d.name,
                    |x| x.name.span,
                    "role",
                    diags,
                );
            }
            Decl::Boundary(d) => {
                check_name(&d.name, diags);
                insert(
                    &mut s.boundaries,
                    d.name.node.as_str(),
                    d,
                    &d.name,
                    |x| x.name.span,
                    "boundary",
                    diags,
                );
            }
            Decl::Access(d) => {
                check_name(&d.name, diags);
                insert(
                    &mut s.accesses,
                    d.name.node.as_str(),
                    d,
                    &d.name,
                    |x| x.name.span,
                    "access",
                    diags,
                );
            }
            Decl::Resource(d) => {
                insert(
                    &mut s.resources,
                    d.arn.node.as_str(),
                    d,
                    &d.arn,
                    |x| x.arn.span,
                    "resource",
                    diags,
                );
            }
            // Packs are names of the expander's (`crate::expand`): by now their uses are
            // replaced by their blocks.
            Decl::Pack(_) => {}
        }
    }
    s
}

/// An "unknown X" diagnostic with "did you mean" over the declared names.
pub fn unknown<'k>(
    code: Code,
    kind: &str,
    name: &Ident,
    candidates: impl Iterator<Item = &'k str>,
) -> Diag {
    let names: Vec<&str> = candidates.collect();
    let help = match crate::suggest::closest(&name.node, names.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None if names.is_empty() => format!(
            "no {kind} is declared; declare it with `{kind} {} …`",
            name.node
        ),
        None => format!(
            "declared {kind}s: {}",
            names
                .iter()
                .take(8)
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diag::new(code, format!("unknown {kind} `{}`", name.node))
        .at(name.span)
        .label(format!("no such {kind}"))
        .help(help)
}
