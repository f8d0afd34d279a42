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
use crate::graph::Focus;
use crate::ir::Ir;
use crate::lint::{Level, Report};
use crate::source::{show_hidden, Sources};

use index::{Index, KubeReach, Reach};

/// The page's style.
const CSS: &str = include_str!("report/page.css");
/// The page's script (no user text in it).
const JS: &str = include_str!("report/page.js");

/// Up to this many principals, each one's picture is inline SVG; above, the script draws the
/// focused node's neighbourhood from the page's links (the 10,000-app corpus would need
/// several hundred MB of SVG).
pub const INLINE_PICTURES: usize = 150;

/// The inline picture of a focus, or nothing (no graph, or nothing to draw).
fn picture(graph: Option<&crate::graph::Graph>, focus: &Focus, id: &str) -> String {
    let Some(g) = graph else {
        return String::new();
    };
    let Some(f) = crate::graph::focus(g, focus) else {
        return String::new();
    };
    if f.edges.is_empty() {
        return String::new();
    }
    // The arrow marker's id, made unique in the page.
    let svg = crate::graph::svg(&f).replace("accessc-arrow", &format!("accessc-arrow-{id}"));
    format!(
        "<figure class=graph><div class=scroll>{svg}</div><figcaption>The paths through this node: {}, {}.</figcaption></figure>",
        plural(f.nodes.len(), "node"),
        plural(f.edges.len(), "edge")
    )
}

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
    /// The folder every user file is under (shown once, in the list of files), ending in `/`.
    root: String,
    /// The file of the section being written: its places show as `line N`.
    home: Option<u32>,
}

impl Page<'_> {
    /// A `file:line` link (to the file's entry in the list of source files).
    fn loc(&mut self, span: Span) -> String {
        let n = self.files.len();
        let id = *self.files.entry(span.file.0).or_insert(n);
        let (line, _) = self.sources.line_col(span);
        if self.home == Some(span.file.0) {
            return format!("<a href=#f{id}>line {line}</a>");
        }
        let path = self.sources.path(span.file);
        let shown = if (span.file.0 as usize) < self.user_files {
            path.strip_prefix(self.root.as_str()).unwrap_or(path)
        } else {
            path
        };
        format!("<a href=#f{id}>{}:{line}</a>", esc(shown))
    }
    /// A list of actions: inline when short, else a link to the shared list.
    fn actions(&mut self, actions: Vec<String>) -> String {
        if actions.len() <= 3 {
            return actions
                .iter()
                .map(|a| esc(a))
                .collect::<Vec<_>>()
                .join(", ");
        }
        let n = self.sets.len();
        let len = actions.len();
        let id = *self.sets.entry(actions).or_insert(n);
        format!("<a href=#s{id}>{len} actions</a>")
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
        root: common_root(sources),
        home: None,
    };
    let res_pos: BTreeMap<&str, usize> = idx
        .resources
        .keys()
        .enumerate()
        .map(|(i, k)| (k.as_str(), i))
        .collect();
    // An app's section links to a resource's row only when someone else reaches it too (else
    // the row names the app alone; the script links them all).
    let shared_res: BTreeMap<&str, usize> = idx
        .resources
        .iter()
        .enumerate()
        .filter(|(_, (_, reaches))| reaches.len() > 1)
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    // Small programs get each principal's picture inline ([`crate::graph`]'s SVG of its
    // focus); larger ones get it drawn by the script when the address points at it.
    let nodes = idx.apps.len() + idx.roles.len() + idx.principals.len();
    let graph = (nodes <= INLINE_PICTURES).then(|| crate::graph::build(ir, sources));
    let mut body = String::new();

    // The index of principals.
    let findings: Vec<_> = lint
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let _ = writeln!(
        body,
        "<section id=principals aria-labelledby=h-principals><h2 id=h-principals>Principals</h2>\
<p>{}, {}, {}. Select one for its effective permissions.</p>\
<table class=idx><thead><tr><th>Kind<th>Name</thead><tbody>",
        plural(idx.apps.len(), "app"),
        plural(idx.roles.len(), "shared role"),
        plural(idx.principals.len(), "access principal"),
    );
    for (i, e) in idx.apps.iter().enumerate() {
        let _ = writeln!(body, "<tr><td>app<td><a href=#a{i}>{}</a>", esc(&e.app));
    }
    for (i, r) in idx.roles.iter().enumerate() {
        let _ = writeln!(body, "<tr><td>role<td><a href=#o{i}>{}</a>", esc(&r.name));
    }
    for (i, p) in idx.principals.iter().enumerate() {
        let _ = writeln!(body, "<tr><td>access<td><a href=#p{i}>{}</a>", esc(&p.arn));
    }
    body.push_str("</tbody></table></section>\n");

    // The index of resources: who reaches each.
    let _ = writeln!(
        body,
        "<section id=resources aria-labelledby=h-resources><h2 id=h-resources>Resources</h2>\
<h3 id=h-aws>AWS resources ({})</h3><p>ARN patterns as the grants write them, and who reaches each \
(allowed actions by grant; <code>accessc who-can</code> answers for one ARN), grouped by \
partition, service, region and account.</p>\
<table class=\"idx arn\" aria-labelledby=h-aws><thead><tr><th>Resource<th>Who can reach it</thead>",
        idx.resources.len()
    );
    let mut group: Option<&str> = None;
    for (i, (arn, reaches)) in idx.resources.iter().enumerate() {
        let (prefix, rest) = arn_prefix(arn);
        if group != Some(prefix) {
            if group.is_some() {
                body.push_str("</tbody>");
            }
            let shown = if prefix.is_empty() {
                "other patterns".to_string()
            } else {
                format!("{}…", esc(prefix))
            };
            let _ = writeln!(
                body,
                "<tbody><tr class=g><th colspan=2 scope=rowgroup>{shown}"
            );
            group = Some(prefix);
        }
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
                        let _ = write!(s, " via <a href=#o{v}>{}</a>", esc(&idx.roles[*v].name));
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
                    conditions,
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
                    let when = if conditions.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " when {}",
                            conditions
                                .iter()
                                .map(|c| esc(c))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        )
                    };
                    who.push(format!(
                        "resource policy <code>{}</code> ({at}) admits {}: {acts}{when}",
                        esc(sid),
                        ps.join(", ")
                    ));
                }
            }
        }
        let _ = writeln!(
            body,
            "<tr id=r{i}><th>{}<td>{}",
            esc(rest),
            who.join("<br>")
        );
    }
    if group.is_none() {
        body.push_str("<tbody>");
    }
    let _ = write!(
        body,
        "</tbody></table>\n<h3 id=h-kube>Kubernetes resources ({})</h3>\
<table class=idx aria-labelledby=h-kube><thead><tr><th>Namespace<th>Resource<th>Who is bound to it</thead><tbody>\n",
        idx.kube.len()
    );
    for (i, ((ns, res), reaches)) in idx.kube.iter().enumerate() {
        let who = kube_reaches(&idx, ns, reaches);
        let ns = if ns == "*" {
            "<em>cluster-wide</em>".to_string()
        } else {
            esc(ns)
        };
        let _ = writeln!(
            body,
            "<tr id=k{i}><td>{ns}<th><code>{}</code><td>{}",
            esc(res),
            who
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
            "<table class=idx aria-labelledby=h-lint><thead><tr><th>Level<th>Code<th>Finding<th>At</thead><tbody>\n",
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
        let pic = picture(graph.as_ref(), &Focus::App(e.app.clone()), &format!("a{i}"));
        app_section(&mut body, &mut page, &idx, &shared_res, i, e, &pic);
    }
    for (i, r) in idx.roles.iter().enumerate() {
        let at = page.loc(r.origin.span);
        let _ = write!(
            body,
            "<article id=o{i}><h3>role {}</h3>{}<p><code>{}</code>, {}, declared at {at}",
            esc(&r.name),
            picture(graph.as_ref(), &Focus::Principal(r.arn()), &format!("o{i}")),
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
        let _ = writeln!(
            body,
            ".</p><p>Members: {}.</p><table><thead><tr><th>Effect<th>Resources<th>Actions<th>When<th>At</thead><tbody>",
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
        let _ = writeln!(
            body,
            "<article id=p{i}><h3>access principal <code>{}</code></h3>{}<table><thead><tr><th>Cluster<th>Access<th>At</thead><tbody>",
            esc(&p.arn),
            picture(graph.as_ref(), &Focus::Principal(p.arn.clone()), &format!("p{i}"))
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
        body.push_str(
            "<section id=sets aria-labelledby=h-sets><h2 id=h-sets>Action lists</h2><dl>\n",
        );
        for (actions, n) in sets {
            let _ = writeln!(
                body,
                "<dt id=s{n}>list {n} ({} actions)<dd>{}",
                actions.len(),
                actions.iter().map(|a| esc(a)).collect::<Vec<_>>().join(" ")
            );
        }
        body.push_str("</dl></section>\n");
    }
    let mut files: Vec<(&u32, &usize)> = page.files.iter().collect();
    files.sort_by_key(|(_, n)| **n);
    body.push_str("<section id=files aria-labelledby=h-files><h2 id=h-files>Source files</h2>");
    if !page.root.is_empty() {
        let _ = write!(
            body,
            "<p>Places are shown relative to <code>{}</code>.</p>",
            esc(&page.root)
        );
    }
    body.push_str("<ul>\n");
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
    let _ = write!(out, "</main>\n<script>{JS}</script>\n</body>\n</html>\n");
    out
}

/// Who is bound to a Kubernetes resource: the subjects grouped by verbs and clusters
/// (the declarations are in each app's section); apps of the row's namespace by their name.
fn kube_reaches(idx: &Index, ns: &str, reaches: &[KubeReach]) -> String {
    let mut groups: BTreeMap<(&[String], Vec<&str>), Vec<String>> = BTreeMap::new();
    for k in reaches {
        let mut who = match k.app {
            Some(a) => {
                let key = &idx.apps[a].app;
                let shown = key
                    .strip_prefix(ns)
                    .and_then(|r| r.strip_prefix('/'))
                    .unwrap_or(key);
                format!("<a href=#a{a}>{}</a>", esc(shown))
            }
            None => esc(&k.subject),
        };
        if !k.names.is_empty() {
            let _ = write!(who, " (named {})", esc(&k.names.join(", ")));
        }
        groups
            .entry((&k.verbs, k.clusters.iter().map(String::as_str).collect()))
            .or_default()
            .push(who);
    }
    let mut out = Vec::new();
    for ((verbs, clusters), who) in groups {
        out.push(format!(
            "{} on {}: {}",
            esc(&verbs.join(", ")),
            esc(&clusters.join(", ")),
            who.join(", ")
        ));
    }
    out.join("<br>")
}

/// An ARN's `arn:PARTITION:SERVICE:REGION:ACCOUNT:` and the rest (no prefix for other text).
fn arn_prefix(arn: &str) -> (&str, &str) {
    if !arn.starts_with("arn:") {
        return ("", arn);
    }
    let mut end = 0;
    for (n, (i, _)) in arn.match_indices(':').enumerate() {
        if n == 4 {
            end = i + 1;
            break;
        }
    }
    arn.split_at(end)
}

/// The folder all user files share (`a/b/` of `a/b/x.access` and `a/b/c/y.access`), or empty.
fn common_root(sources: &Sources) -> String {
    let mut root: Option<&str> = None;
    for (_, f) in sources.iter() {
        let dir = match f.path.rfind('/') {
            Some(i) => &f.path[..=i],
            None => "",
        };
        root = Some(match root {
            None => dir,
            Some(r) => {
                let mut n = r
                    .bytes()
                    .zip(dir.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                while n > 0 && r.as_bytes()[n - 1] != b'/' {
                    n -= 1;
                }
                &r[..n]
            }
        });
    }
    root.unwrap_or("").to_string()
}

/// One app's effective permissions. Places in the app's own file show as `line N` (the file is
/// named once, at the top of the section).
fn app_section(
    body: &mut String,
    page: &mut Page,
    idx: &Index,
    res_pos: &BTreeMap<&str, usize>,
    i: usize,
    e: &Explanation,
    pic: &str,
) {
    let decl = e
        .roles
        .iter()
        .find(|r| r.what.starts_with("app "))
        .map(|r| r.span)
        .or_else(|| e.rbac.first().map(|g| g.span));
    let _ = write!(
        body,
        "<article id=a{i}><h3>app {}</h3>{pic}<p>",
        esc(&e.app)
    );
    if let Some(d) = decl {
        let at = page.loc(d);
        let _ = write!(body, "Declared at {at}. ");
        page.home = Some(d.file.0);
    }
    let _ = write!(
        body,
        "Service account {} on {}{}.</p>",
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
        let role = match idx.role_pos.get(&r.arn) {
            Some(o) => format!("<a href=#o{o}>{}</a>", esc(&r.arn)),
            None => esc(&r.arn),
        };
        let _ = write!(body, "<p>AWS: {} role {role}", r.kind);
        if Some(r.span) != decl {
            let at = page.loc(r.span);
            let _ = write!(body, " ({at})");
        }
        if let Some((name, _)) = &r.boundary {
            let _ = write!(body, ", boundary {}", esc(name));
        }
        body.push_str(".</p>");
        if r.resources.is_empty() {
            body.push_str("<p>No permissions.</p>");
            continue;
        }
        // Rows: per resource, the actions with the same grants and verdict.
        let mut rows = Vec::new();
        for res in &r.resources {
            let mut groups: BTreeMap<(Vec<Span>, Vec<String>), Vec<&ActionExplanation>> =
                BTreeMap::new();
            for a in &res.actions {
                let spans: Vec<Span> = a.from.iter().map(|(s, _)| *s).collect();
                let mut why: Vec<String> = a.denied.iter().map(|n| note(page, n)).collect();
                why.extend(a.maybe.iter().map(|n| format!("maybe: {}", note(page, n))));
                groups.entry((spans, why)).or_default().push(a);
            }
            let mut name = match res_pos.get(res.resource.as_str()) {
                Some(p) => format!("<a href=#r{p}>{}</a>", esc(&res.resource)),
                None => esc(&res.resource),
            };
            for c in &res.conditions {
                let _ = write!(name, "<br>when {}", esc(c));
            }
            if let Some((account, span)) = &res.policy {
                let _ = write!(
                    name,
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
                    String::new()
                } else {
                    format!("allowed; {}", why.join("; "))
                };
                let head = (k == 0).then(|| (n, name.clone()));
                rows.push((head, list, from.join(", "), verdict));
            }
        }
        let verdicts = rows.iter().any(|r| !r.3.is_empty());
        body.push_str("<table class=p><tr><th>Resource<th>Actions<th>Granted by");
        if verdicts {
            body.push_str("<th>Verdict");
        }
        body.push('\n');
        for (head, list, from, verdict) in rows {
            body.push_str("<tr>");
            if let Some((n, name)) = head {
                if n > 1 {
                    let _ = write!(body, "<th rowspan={n}>{name}");
                } else {
                    let _ = write!(body, "<th>{name}");
                }
            }
            let _ = write!(body, "<td>{list}<td>{from}");
            if verdicts {
                let v = if verdict.is_empty() {
                    "allowed"
                } else {
                    &verdict
                };
                let _ = write!(body, "<td>{v}");
            }
            body.push('\n');
        }
        body.push_str("</table>");
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
            let _ = write!(
                body,
                "<p>Kubernetes on {}: {}",
                esc(&clusters.join(", ")),
                esc(&g.what)
            );
            if Some(g.span) != decl {
                let at = page.loc(g.span);
                let _ = write!(body, " ({at})");
            }
            body.push_str("</p><ul>");
            for r in &g.rules {
                let _ = write!(
                    body,
                    "<li>{} {}",
                    esc(&r.verbs.join(", ")),
                    esc(&r.resources.join(", "))
                );
                if r.groups.iter().any(|g| g != "core") {
                    let _ = write!(body, " [{}]", esc(&r.groups.join(", ")));
                }
                if !r.names.is_empty() {
                    let _ = write!(body, " named {}", esc(&r.names.join(", ")));
                }
            }
            body.push_str("</ul>");
        }
    }
    body.push_str("</article>\n");
    page.home = None;
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
