//! `accessc report`: one self-contained HTML page of a program's access — a searchable index of
//! principals and resources, each principal's effective permissions ([`crate::explain`]) with
//! the declaration each came from, who reaches each resource (AWS ARN patterns, Kubernetes
//! resources), the lint findings, and a picture of the focused node's neighbourhood.
//!
//! A pure function of the program ([`render`]); src/cli/report.rs reads the inputs and writes
//! the file. The page loads nothing: inline style, one inline script allowed by its hash in the
//! page's Content-Security-Policy, no user text inside the script. Without JavaScript every
//! table is there; the script adds the search box and draws the neighbourhood of the node the
//! address points at from the links of the page itself (no data is repeated for it).
//!
//! Size: ids instead of repeated text — source files are listed once (`f3`), the action lists
//! of grants with more than a few actions once (`s7`), resources once (`r12`), and every other
//! mention is a link.

mod index;

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::ast::Span;
use crate::explain::{ActionExplanation, Explanation};
use crate::ir::Ir;
use crate::lint::{Level, Report};
use crate::source::{show_hidden, Sources};

use index::{Index, KubeReach, Reach};

/// The page's style.
const CSS: &str = include_str!("report/page.css");
/// The page's script (no user text in it).
const JS: &str = include_str!("report/page.js");

/// How to render.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Prefix of the links to source files (the relative path from the page's folder to the
    /// folder the paths are relative to, ending in `/`; empty: the same folder). Absolute
    /// paths are linked as `file://` URLs.
    pub link_prefix: String,
}

/// Text escaped for HTML text and attribute values, hidden characters shown escaped.
pub fn esc(text: &str) -> String {
    let shown = show_hidden(text, false);
    let mut out = String::with_capacity(shown.len());
    for c in shown.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path as a URL path: every byte but unreserved ones and `/` percent-encoded.
fn url_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Standard base64 (for the script's hash in the Content-Security-Policy).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The Content-Security-Policy of the page: nothing may load; the inline style and the one
/// script (by its hash) run.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{}'; img-src data:; base-uri 'none'; form-action 'none'",
        base64(&crate::hash::sha256(JS.as_bytes()))
    )
}

/// The state of one rendering: the files and action lists met so far, given short ids.
struct Page<'a> {
    sources: &'a Sources,
    /// FileId index → (number, path) of the files referenced.
    files: BTreeMap<u32, usize>,
    /// Action lists → their number.
    sets: BTreeMap<Vec<String>, usize>,
    user_files: usize,
}

impl Page<'_> {
    /// A `file:line` link (to the file's entry in the list of source files).
    fn loc(&mut self, span: Span) -> String {
        let n = self.files.len();
        let id = *self.files.entry(span.file.0).or_insert(n);
        let (line, _) = self.sources.line_col(span);
        format!(
            "<a class=l href=#f{id}>{}:{line}</a>",
            esc(self.sources.path(span.file))
        )
    }
    /// A list of actions: inline when short, else a link to the shared list.
    fn actions(&mut self, actions: Vec<String>) -> String {
        if actions.len() <= 3 {
            return actions
                .iter()
                .map(|a| format!("<code>{}</code>", esc(a)))
                .collect::<Vec<_>>()
                .join(" ");
        }
        let n = self.sets.len();
        let len = actions.len();
        let id = *self.sets.entry(actions).or_insert(n);
        format!("<a href=#s{id}>{len} actions (list {id})</a>")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The report of a program: the page's HTML.
pub fn render(ir: &Ir, sources: &Sources, lint: &Report, options: &Options) -> String {
    let idx = index::build(ir, sources);
    let mut page = Page {
        sources,
        files: BTreeMap::new(),
        sets: BTreeMap::new(),
        user_files: sources.iter().count(),
    };
    let res_pos: BTreeMap<&str, usize> = idx
        .resources
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    let mut body = String::new();

    // The index of principals.
    let findings: Vec<_> = lint
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let _ = write!(
        body,
        "<section id=principals aria-labelledby=h-principals><h2 id=h-principals>Principals</h2>\
<p>{}, {}, {}. Select one for its effective permissions.</p>\
<table class=idx><thead><tr><th scope=col>Kind<th scope=col>Name<th scope=col>Declared at</thead><tbody>\n",
        plural(idx.apps.len(), "app"),
        plural(idx.roles.len(), "shared role"),
        plural(idx.principals.len(), "access principal"),
    );
    for (i, e) in idx.apps.iter().enumerate() {
        let at = e
            .roles
            .first()
            .filter(|r| idx.role_pos.get(&r.arn).is_none())
            .map(|r| page.loc(r.span))
            .or_else(|| e.rbac.first().map(|g| page.loc(g.span)))
            .unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr><td>app<td><a href=#a{i}>{}</a><td>{at}",
            esc(&e.app)
        );
    }
    for (i, r) in idx.roles.iter().enumerate() {
        let at = page.loc(r.origin.span);
        let _ = writeln!(
            body,
            "<tr><td>role<td><a href=#o{i}>{}</a><td>{at}",
            esc(&r.name)
        );
    }
    for (i, p) in idx.principals.iter().enumerate() {
        let at = p.grants.first().map(|g| page.loc(g.2)).unwrap_or_default();
        let _ = writeln!(
            body,
            "<tr><td>access<td><a href=#p{i}>{}</a><td>{at}",
            esc(&p.arn)
        );
    }
    body.push_str("</tbody></table></section>\n");

    // The index of resources: who reaches each.
    let _ = write!(
        body,
        "<section id=resources aria-labelledby=h-resources><h2 id=h-resources>Resources</h2>\
<h3 id=h-aws>AWS resources ({})</h3><p>ARN patterns as the grants write them, and who reaches each \
(allowed actions by grant; <code>accessc who-can</code> answers for one ARN).</p>\
<table class=idx aria-labelledby=h-aws><thead><tr><th scope=col>Resource<th scope=col>Who can reach it</thead><tbody>\n",
        idx.resources.len()
    );
    for (i, (arn, reaches)) in idx.resources.iter().enumerate() {
        let mut who = Vec::new();
        for r in reaches {
            match r {
                Reach::App {
                    app,
                    via,
                    allowed,
                    denied,
                } => {
                    let mut s = format!("<a href=#a{app}>{}</a>", esc(&idx.apps[*app].app));
                    if let Some(v) = via {
                        let _ = write!(
                            s,
                            " via <a href=#o{v}>{}</a>",
                            esc(&idx.roles[*v].name)
                        );
                    }
                    let parts: Vec<String> = allowed
                        .iter()
                        .map(|(w, n)| format!("{} {n}", esc(w)))
                        .collect();
                    if !parts.is_empty() {
                        let _ = write!(s, ": {}", parts.join(", "));
                    }
                    if *denied > 0 {
                        let _ = write!(s, " <strong>({denied} denied)</strong>");
                    }
                    who.push(s);
                }
                Reach::Policy {
                    sid,
                    principals,
                    actions,
                    span,
                } => {
                    let ps: Vec<String> = principals
                        .iter()
                        .map(|p| match idx.role_pos.get(p) {
                            Some(o) => format!("<a href=#o{o}>{}</a>", esc(p)),
                            None => format!("<code>{}</code>", esc(p)),
                        })
                        .collect();
                    let acts = page.actions(actions.clone());
                    let at = page.loc(*span);
                    who.push(format!(
                        "resource policy <code>{}</code> ({at}) admits {}: {acts}",
                        esc(sid),
                        ps.join(", ")
                    ));
                }
            }
        }
        let _ = writeln!(
            body,
            "<tr id=r{i}><th scope=row><code>{}</code><td>{}",
            esc(arn),
            who.join("<br>")
        );
    }
    let _ = write!(
        body,
        "</tbody></table>\n<h3 id=h-kube>Kubernetes resources ({})</h3>\
<table class=idx aria-labelledby=h-kube><thead><tr><th scope=col>Namespace<th scope=col>Resource<th scope=col>Who is bound to it</thead><tbody>\n",
        idx.kube.len()
    );
    for (i, ((ns, res), reaches)) in idx.kube.iter().enumerate() {
        let who: Vec<String> = reaches
            .iter()
            .map(|k| kube_reach(&mut page, &idx, k))
            .collect();
        let ns = if ns == "*" {
            "<em>cluster-wide</em>".to_string()
        } else {
            esc(ns)
        };
        let _ = writeln!(
            body,
            "<tr id=k{i}><td>{ns}<th scope=row><code>{}</code><td>{}",
            esc(res),
            who.join("<br>")
        );
    }
    body.push_str("</tbody></table></section>\n");

    // Lint findings.
    let _ = write!(
        body,
        "<section id=lint aria-labelledby=h-lint><h2 id=h-lint>Lint findings ({})</h2>",
        findings.len()
    );
    if lint.suppressed() > 0 {
        let _ = write!(
            body,
            "<p>{} suppressed by <code>allow</code> directives are not listed.</p>",
            lint.suppressed()
        );
    }
    if findings.is_empty() {
        body.push_str("<p>No findings.</p>");
    } else {
        body.push_str(
            "<table class=idx aria-labelledby=h-lint><thead><tr><th scope=col>Level<th scope=col>Code<th scope=col>Finding<th scope=col>At</thead><tbody>\n",
        );
        for f in &findings {
            let at = f.span.map(|s| page.loc(s)).unwrap_or_default();
            let mut msg = esc(&f.message);
            for (span, label) in &f.related {
                let _ = write!(msg, "<br>{}: {}", page.loc(*span), esc(label));
            }
            if let Some(h) = &f.help {
                let _ = write!(msg, "<br>help: {}", esc(h));
            }
            let level = f.level.as_str();
            let class = match f.level {
                Level::Error => "e",
                Level::Warning => "w",
                Level::Note => "n",
            };
            let _ = writeln!(
                body,
                "<tr><td class={class}>{level}<td><code>{}</code><td>{msg}<td>{at}",
                f.code
            );
        }
        body.push_str("</tbody></table>");
    }
    body.push_str("</section>\n");

    // Details.
    body.push_str(
        "<section id=details aria-labelledby=h-details><h2 id=h-details>Effective permissions</h2>\n",
    );
    for (i, e) in idx.apps.iter().enumerate() {
        app_section(&mut body, &mut page, &idx, &res_pos, i, e);
    }
    for (i, r) in idx.roles.iter().enumerate() {
        let at = page.loc(r.origin.span);
        let _ = write!(
            body,
            "<article id=o{i} aria-labelledby=o{i}h><h3 id=o{i}h>role {}</h3><p><code>{}</code>, {}, declared at {at}",
            esc(&r.name),
            esc(&r.arn()),
            match r.identity {
                crate::ir::Identity::PodIdentity => "Pod Identity",
                crate::ir::Identity::Irsa => "IRSA",
            }
        );
        if let Some(b) = &r.boundary {
            let _ = write!(body, "; permission boundary <code>{}</code>", esc(&b.name));
        }
        let mut members: Vec<&str> = r.members.iter().map(|m| m.app.as_str()).collect();
        members.sort_unstable();
        members.dedup();
        let links: Vec<String> = members
            .iter()
            .map(|m| match idx.app_pos.get(*m) {
                Some(a) => format!("<a href=#a{a}>{}</a>", esc(m)),
                None => esc(m),
            })
            .collect();
        let _ = write!(
            body,
            ".</p><p>Members: {}.</p><table><thead><tr><th scope=col>Effect<th scope=col>Resources<th scope=col>Actions<th scope=col>When<th scope=col>At</thead><tbody>\n",
            links.join(", ")
        );
        for s in &r.statements {
            let resources: Vec<String> = s
                .resources
                .iter()
                .map(|x| match res_pos.get(x.as_str()) {
                    Some(p) => format!("<a href=#r{p}>{}</a>", esc(x)),
                    None => format!("<code>{}</code>", esc(x)),
                })
                .collect();
            let acts = page.actions(s.actions.iter().cloned().collect());
            let mut when = Vec::new();
            for (op, keys) in &s.conditions {
                for (k, v) in keys {
                    when.push(esc(&format!(
                        "{op} {k} = {}",
                        v.iter().cloned().collect::<Vec<_>>().join(" | ")
                    )));
                }
            }
            let at: Vec<String> = s.sources.iter().map(|sp| page.loc(*sp)).collect();
            let _ = writeln!(
                body,
                "<tr><td>{}<td>{}<td>{acts}<td>{}<td>{}",
                s.effect(),
                resources.join("<br>"),
                when.join("<br>"),
                at.join(" ")
            );
        }
        body.push_str("</tbody></table></article>\n");
    }
    for (i, p) in idx.principals.iter().enumerate() {
        let _ = write!(
            body,
            "<article id=p{i} aria-labelledby=p{i}h><h3 id=p{i}h>access principal <code>{}</code></h3><table><thead><tr><th scope=col>Cluster<th scope=col>Access<th scope=col>At</thead><tbody>\n",
            esc(&p.arn)
        );
        for (cluster, text, span) in &p.grants {
            let at = page.loc(*span);
            let _ = writeln!(body, "<tr><td>{}<td>{}<td>{at}", esc(cluster), esc(text));
        }
        body.push_str("</tbody></table></article>\n");
    }
    body.push_str("</section>\n");

    // Shared lists: action lists, source files.
    let mut sets: Vec<(&Vec<String>, &usize)> = page.sets.iter().collect();
    sets.sort_by_key(|(_, n)| **n);
    if !sets.is_empty() {
        body.push_str("<section id=sets aria-labelledby=h-sets><h2 id=h-sets>Action lists</h2><dl>\n");
        for (actions, n) in sets {
            let _ = writeln!(
                body,
                "<dt id=s{n}>list {n} ({} actions)<dd>{}",
                actions.len(),
                actions
                    .iter()
                    .map(|a| esc(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            );
        }
        body.push_str("</dl></section>\n");
    }
    let mut files: Vec<(&u32, &usize)> = page.files.iter().collect();
    files.sort_by_key(|(_, n)| **n);
    body.push_str(
        "<section id=files aria-labelledby=h-files><h2 id=h-files>Source files</h2><ul>\n",
    );
    for (file, n) in files {
        let path = sources.path(crate::ast::FileId(*file));
        if (*file as usize) < page.user_files {
            let href = if path.starts_with('/') {
                format!("file://{}", url_path(path))
            } else {
                format!("{}{}", url_path(&options.link_prefix), url_path(path))
            };
            let _ = writeln!(
                body,
                "<li id=f{n}><a href=\"{}\">{}</a>",
                esc(&href),
                esc(path)
            );
        } else {
            let _ = writeln!(body, "<li id=f{n}>{} (built in)", esc(path));
        }
    }
    body.push_str("</ul></section>\n");

    let mut out = String::with_capacity(body.len() + CSS.len() + JS.len() + 2048);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=en>\n<head>\n<meta charset=utf-8>\n\
<meta http-equiv=Content-Security-Policy content=\"{}\">\n\
<meta name=viewport content=\"width=device-width, initial-scale=1\">\n\
<title>Access report</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
<a class=skip href=#main>Skip to the content</a>\n\
<header><h1>Access report</h1><p>Who can reach what: {}, {}, {}, {} from {}.</p>\n\
<nav aria-label=Sections><ul><li><a href=#principals>Principals</a><li><a href=#resources>Resources</a>\
<li><a href=#lint>Lint findings</a><li><a href=#details>Effective permissions</a><li><a href=#files>Source files</a></ul></nav></header>\n\
<main id=main>\n<div id=find role=search hidden><label for=q>Search principals, resources and findings</label> \
<input id=q type=search autocomplete=off spellcheck=false> <output id=count for=q aria-live=polite></output></div>\n",
        content_security_policy(),
        plural(idx.apps.len(), "app"),
        plural(idx.principals.len(), "access principal"),
        plural(idx.resources.len(), "AWS resource"),
        plural(findings.len(), "lint finding"),
        plural(page.user_files, "file"),
    );
    out.push_str(&body);
    let _ = write!(out, "</main>\n<script>\n{JS}</script>\n</body>\n</html>\n");
    out
}

fn kube_reach(page: &mut Page, idx: &Index, k: &KubeReach) -> String {
    let who = match k.app {
        Some(a) => format!("<a href=#a{a}>{}</a>", esc(&idx.apps[a].app)),
        None => esc(&k.subject),
    };
    let mut s = format!("{who}: {}", esc(&k.verbs.join(", ")));
    if !k.names.is_empty() {
        let _ = write!(s, " named {}", esc(&k.names.join(", ")));
    }
    let clusters: Vec<&str> = k.clusters.iter().map(String::as_str).collect();
    let _ = write!(s, " on {} ({})", esc(&clusters.join(", ")), page.loc(k.span));
    s
}

/// One app's effective permissions.
fn app_section(
    body: &mut String,
    page: &mut Page,
    _idx: &Index,
    res_pos: &BTreeMap<&str, usize>,
    i: usize,
    e: &Explanation,
) {
    let _ = write!(
        body,
        "<article id=a{i} aria-labelledby=a{i}h><h3 id=a{i}h>app {}</h3><p>Service account <code>{}</code> on {}{}.</p>",
        esc(&e.app),
        esc(&e.service_account),
        esc(&e.clusters.join(", ")),
        if e.managed {
            ""
        } else {
            " (external: its chart writes it)"
        }
    );
    if e.roles.is_empty() {
        body.push_str("<p>AWS: no IAM role.</p>");
    }
    for r in &e.roles {
        let role = match _idx.role_pos.get(&r.arn) {
            Some(o) => format!("<a href=#o{o}>{}</a>", esc(&r.arn)),
            None => format!("<code>{}</code>", esc(&r.arn)),
        };
        let at = page.loc(r.span);
        let _ = write!(body, "<p>AWS: {} role {role} ({at})", r.kind);
        if let Some((name, _)) = &r.boundary {
            let _ = write!(body, ", boundary <code>{}</code>", esc(name));
        }
        body.push_str(".</p>");
        if r.resources.is_empty() {
            body.push_str("<p>No permissions.</p>");
            continue;
        }
        body.push_str("<table><thead><tr><th scope=col>Resource<th scope=col>Actions<th scope=col>Granted by<th scope=col>Verdict</thead><tbody>\n");
        for res in &r.resources {
            // Actions with the same grants and verdict on one row.
            let mut groups: BTreeMap<(Vec<Span>, Vec<String>), Vec<&ActionExplanation>> =
                BTreeMap::new();
            for a in &res.actions {
                let spans: Vec<Span> = a.from.iter().map(|(s, _)| *s).collect();
                let mut why: Vec<String> = a.denied.iter().map(|n| note(page, n)).collect();
                why.extend(a.maybe.iter().map(|n| format!("maybe: {}", note(page, n))));
                groups.entry((spans, why)).or_default().push(a);
            }
            let name = match res_pos.get(res.resource.as_str()) {
                Some(p) => format!("<a href=#r{p}>{}</a>", esc(&res.resource)),
                None => format!("<code>{}</code>", esc(&res.resource)),
            };
            let mut extra = String::new();
            for c in &res.conditions {
                let _ = write!(extra, "<br>when {}", esc(c));
            }
            if let Some((account, span)) = &res.policy {
                let _ = write!(
                    extra,
                    "<br>in account {}: AWS also asks its policy ({})",
                    esc(account),
                    page.loc(*span)
                );
            }
            let n = groups.len();
            for (k, ((_, why), acts)) in groups.into_iter().enumerate() {
                let from: Vec<String> = acts[0]
                    .from
                    .iter()
                    .map(|(s, how)| format!("{} {}", esc(how), page.loc(*s)))
                    .collect();
                let list = page.actions(acts.iter().map(|a| a.action.clone()).collect());
                let verdict = if why.iter().any(|w| !w.starts_with("maybe: ")) {
                    format!("<strong>denied</strong>: {}", why.join("; "))
                } else if why.is_empty() {
                    "allowed".to_string()
                } else {
                    format!("allowed; {}", why.join("; "))
                };
                if k == 0 {
                    let span = if n > 1 {
                        format!(" rowspan={n}")
                    } else {
                        String::new()
                    };
                    let _ = write!(body, "<tr><th scope=row{span}>{name}{extra}");
                } else {
                    body.push_str("<tr>");
                }
                let _ = writeln!(body, "<td>{list}<td>{}<td>{verdict}", from.join(", "));
            }
        }
        body.push_str("</tbody></table>");
        for d in &r.denies {
            let at = d.at.map(|s| page.loc(s)).unwrap_or_default();
            let _ = write!(
                body,
                "<p>deny <code>{}</code> on <code>{}</code> ({at}){}</p>",
                esc(&d.actions.join(", ")),
                esc(&d.resources.join(", ")),
                d.when
                    .as_ref()
                    .map(|w| format!(" when {}", esc(w)))
                    .unwrap_or_default()
            );
        }
    }
    if e.rbac.is_empty() {
        body.push_str("<p>Kubernetes: no RBAC.</p>");
    } else {
        // The same grant on several clusters once.
        let mut merged: Vec<(Vec<&str>, &crate::explain::RbacExplanation)> = Vec::new();
        for g in &e.rbac {
            match merged.iter_mut().find(|(_, m)| {
                m.what == g.what
                    && m.span == g.span
                    && m.rules.len() == g.rules.len()
                    && m.rules.iter().zip(&g.rules).all(|(a, b)| {
                        a.verbs == b.verbs
                            && a.resources == b.resources
                            && a.groups == b.groups
                            && a.names == b.names
                    })
            }) {
                Some((clusters, _)) => clusters.push(&g.cluster),
                None => merged.push((vec![&g.cluster], g)),
            }
        }
        for (clusters, g) in merged {
            let at = page.loc(g.span);
            let _ = write!(
                body,
                "<p>Kubernetes on {}: {} ({at})</p><ul>",
                esc(&clusters.join(", ")),
                esc(&g.what)
            );
            for r in &g.rules {
                let _ = write!(
                    body,
                    "<li>{} {} [{}]",
                    esc(&r.verbs.join(", ")),
                    esc(&r.resources.join(", ")),
                    esc(&r.groups.join(", "))
                );
                if !r.names.is_empty() {
                    let _ = write!(body, " named {}", esc(&r.names.join(", ")));
                }
            }
            body.push_str("</ul>");
        }
    }
    body.push_str("</article>\n");
}

/// A note with its place linked.
fn note(page: &mut Page, n: &crate::explain::Note) -> String {
    match &n.at {
        None => format!("{}{}", esc(&n.pre), esc(&n.post)),
        Some(at) => format!(
            "{}({}){}",
            esc(&n.pre),
            at.map(|s| page.loc(s)).unwrap_or_default(),
            esc(&n.post)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn escapes_everything() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
