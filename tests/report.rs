#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc report`: a snapshot of the quickstart's page (its body: the style and the script
//! are constants), hostile names escaped everywhere (nothing can open a tag or close the
//! script), determinism, every in-page link has its target, `file:line` places link to the
//! list of source files, the script is allowed by the page's Content-Security-Policy hash and
//! nothing loads from outside, and the command line.

mod support;
use support::{accessc, code, load_dir, root, stderr};

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The page `accessc report` writes for a folder (paths relative to the folder).
fn page_of(dir: &Path) -> String {
    let sources = load_dir(dir);
    let compiled = accessc::compile(&sources);
    let ir = compiled
        .ir
        .unwrap_or_else(|| panic!("{} has errors: {:?}", dir.display(), compiled.diags));
    let lint = accessc::lint::analyze(&sources, &accessc::Options::default());
    accessc::report::render(&ir, &sources, &lint, &accessc::report::Options::default())
}

/// The text between `start` and `end`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    let b = a + s[a..].find(end).unwrap_or_else(|| panic!("no {end}"));
    &s[a..b]
}

/// Every tag name in the page (`<name` and `</name`), lowercase.
fn tags(page: &str) -> BTreeSet<String> {
    // The style and the script are the page's own constants: their `<` are not tags.
    let css = between(page, "<style>", "</style>");
    let js = between(page, "<script>", "</script>");
    let page = &page.replacen(css, "", 1).replacen(js, "", 1);
    let mut out = BTreeSet::new();
    let b = page.as_bytes();
    for (i, _) in page.match_indices('<') {
        let mut j = i + 1;
        if b.get(j) == Some(&b'/') {
            j += 1;
        }
        let k = j + page[j..]
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '!')
            .unwrap_or(0);
        out.insert(page[j..k].to_ascii_lowercase());
    }
    out
}

/// The tags the report writes (HTML, and the SVG of the pictures).
const TAGS: &[&str] = &[
    "!doctype",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "a",
    "header",
    "h1",
    "h2",
    "h3",
    "p",
    "nav",
    "ul",
    "li",
    "main",
    "div",
    "label",
    "input",
    "output",
    "section",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "strong",
    "code",
    "em",
    "article",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "script",
    "svg",
    "defs",
    "marker",
    "path",
    "g",
    "rect",
    "text",
    "line",
];

/// Every `href=#X` has an `id=X`; returns the targets.
fn check_links(page: &str) -> BTreeSet<String> {
    let ids: BTreeSet<&str> = page
        .match_indices(" id=")
        .map(|(i, _)| {
            let rest = &page[i + 4..];
            let end = rest.find(['>', ' ']).unwrap();
            rest[..end].trim_matches('"')
        })
        .collect();
    let mut targets = BTreeSet::new();
    for (i, _) in page.match_indices("href=#") {
        let rest = &page[i + 6..];
        let end = rest.find(['>', ' ']).unwrap();
        let t = &rest[..end];
        assert!(ids.contains(t), "a link to #{t} has no target");
        targets.insert(t.to_string());
    }
    targets
}

#[test]
fn snapshot_of_the_quickstart() {
    let page = page_of(&root().join("examples/quickstart"));
    let body = between(&page, "<body>\n", "<script>");
    insta::with_settings!({ snapshot_path => "../snapshots", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("report_quickstart_body", body);
    });
    check_links(&page);
}

#[test]
fn places_link_to_the_list_of_source_files() {
    let page = page_of(&root().join("examples/quickstart"));
    let targets = check_links(&page);
    assert!(
        targets.iter().any(|t| t.starts_with('f')),
        "no file:line link"
    );
    // A place outside the section's own file reads `file:line` and links to the file's entry.
    assert!(
        page.contains(".access:") && page.contains("<li id=f0><a href=\""),
        "no file:line text or no file list"
    );
    for (i, _) in page.match_indices("<li id=f") {
        let li = &page[i..i + page[i..].find('\n').unwrap()];
        assert!(li.contains(".access"), "{li}");
    }
}

#[test]
fn every_example_renders_with_its_links_and_only_known_tags() {
    for ex in fs::read_dir(root().join("examples")).unwrap() {
        let ex = ex.unwrap().path();
        if !ex.is_dir() {
            continue;
        }
        let page = page_of(&ex);
        check_links(&page);
        let unknown: Vec<String> = tags(&page)
            .into_iter()
            .filter(|t| !TAGS.contains(&t.as_str()))
            .collect();
        assert!(unknown.is_empty(), "{}: tags {unknown:?}", ex.display());
    }
}

#[test]
fn the_page_is_the_same_bytes_every_time() {
    let dir = root().join("examples/multi-tenant");
    assert_eq!(page_of(&dir), page_of(&dir));
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a.html");
    let b = tmp.path().join("b.html");
    for out in [&a, &b] {
        let o = accessc(
            &[
                "report",
                "examples/multi-tenant",
                "-o",
                out.to_str().unwrap(),
            ],
            &root(),
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
    }
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn the_script_is_allowed_by_its_hash_and_nothing_loads() {
    let page = page_of(&root().join("examples/multi-tenant"));
    let script = between(&page, "<script>", "</script>");
    assert_eq!(page.matches("<script").count(), 1);
    assert_eq!(page.matches("</script").count(), 1);
    let hash = Sha256::digest(script.as_bytes());
    let csp = accessc::report::content_security_policy();
    assert!(page.contains(&format!("content=\"{csp}\"")));
    let b64 = {
        // Standard base64 of the digest.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in hash.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    s.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    };
    assert!(csp.contains(&format!("'sha256-{b64}'")), "{csp}");
    assert!(csp.starts_with("default-src 'none'"));
    // Nothing that would load: no src=, no external href, no url( or @import in the style.
    assert!(!page.contains(" src="));
    assert!(!page.contains("@import"));
    assert!(!page.contains("url(http"));
    for (i, _) in page.match_indices("href=\"") {
        let rest = &page[i + 6..];
        assert!(
            !rest.starts_with("http") && !rest.starts_with("//"),
            "external link: {}",
            &rest[..40.min(rest.len())]
        );
    }
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let dir = root().join("tests/graph/hostile");
    let page = page_of(&dir);
    check_links(&page);
    let unknown: Vec<String> = tags(&page)
        .into_iter()
        .filter(|t| !TAGS.contains(&t.as_str()))
        .collect();
    assert!(unknown.is_empty(), "tags from user text: {unknown:?}");
    for raw in [
        "<script>alert(1)",
        "</text><script>",
        "<b>",
        "<c>",
        "<!-- \"",
        "]]></title>",
        "\"a\\b<c>",
    ] {
        assert!(!page.contains(raw), "{raw:?} reached the page unescaped");
    }
    // The script is the page's own: no user text inside it.
    let script = between(&page, "<script>", "</script>");
    assert_eq!(
        script,
        between(
            &page_of(&root().join("examples/quickstart")),
            "<script>",
            "</script>"
        )
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Escaped attribute values cannot end their quotes: every `"` inside a tag pairs up.
    for (i, _) in page.match_indices('<') {
        let end = i + page[i..].find('>').unwrap();
        let tag = &page[i..end];
        if tag.starts_with("<style") || tag.starts_with("<script") {
            continue;
        }
        assert_eq!(tag.matches('"').count() % 2, 0, "{tag}");
    }
}

#[test]
fn hostile_names_in_a_program_reach_the_page_escaped() {
    // A namespace and an app whose names the language allows, with grants naming hostile
    // resources and conditions.
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("p.access"),
        r#"cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace pay on prod
app x in pay {
  aws {
    allow s3:GetObject on "arn:aws:s3:::b/</script><script>alert(1)</script>"
      when aws:PrincipalTag/team == "'\"><img src=x onerror=alert(1)>"
  }
  kubernetes {
    get secrets named "</td></tr></table><h1>x"
  }
}
"#,
    )
    .unwrap();
    let page = page_of(tmp.path());
    assert_eq!(page.matches("<script").count(), 1);
    assert!(!page.contains("<img"));
    assert!(!page.contains("</td></tr></table><h1>x"));
    assert!(page.contains("&lt;/script&gt;&lt;script&gt;alert(1)"));
    check_links(&page);
}

#[test]
fn the_command_line_writes_the_page_or_says_why_not() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r.html");
    let o = accessc(
        &["report", "examples/quickstart", "-o", out.to_str().unwrap()],
        &root(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    // Source links are relative to the page's folder: here, absolute from the temp folder.
    assert!(page.contains("examples/quickstart/"), "no source link");
    // No temporary file is left next to it.
    let left: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1);

    let bad = tmp.path().join("bad.access");
    fs::write(&bad, "app x in {\n").unwrap();
    let o = accessc(
        &["report", bad.to_str().unwrap(), "-o", out.to_str().unwrap()],
        &root(),
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot write the report"),
        "{}",
        stderr(&o)
    );
    // The previous page is still there.
    assert!(fs::read_to_string(&out)
        .unwrap()
        .starts_with("<!DOCTYPE html>"));
}
