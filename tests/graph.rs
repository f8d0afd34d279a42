#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc graph`: snapshots of the DOT, Mermaid and JSON of every example; Graphviz renders
//! every DOT without a warning (skipped, saying so, where `dot` is absent); the SVG of every
//! example is well-formed XML; hostile names stay inside their labels in every format; focus;
//! the command line (exit codes, did-you-mean, `-o`); and the README's picture is current.

mod support;
use support::{accessc, code, root, stderr, stdout};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use accessc::graph::{self, Focus, Graph, NodeKind};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// The graph `accessc graph PATH` draws (collapsed), with paths named relative to the root as
/// the command line names them when run there.
fn graph_of(rel: &str) -> Graph {
    let cwd = std::env::current_dir().unwrap();
    std::env::set_current_dir(root()).unwrap();
    let loaded = accessc::load_inputs(&[PathBuf::from(rel)]);
    std::env::set_current_dir(cwd).unwrap();
    let (sources, _) = loaded.unwrap();
    let compiled = accessc::compile(&sources);
    let ir = compiled
        .ir
        .unwrap_or_else(|| panic!("{rel} has errors: {:?}", compiled.diags));
    graph::collapse(&graph::build(&ir, &sources))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn snapshots_of_every_example() {
    for ex in examples() {
        let name = ex.file_name().unwrap().to_string_lossy().replace('-', "_");
        let g = graph_of(&rel(&ex));
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("graph_{name}_dot"), graph::dot::render(&g));
            insta::assert_snapshot!(format!("graph_{name}_mermaid"), graph::mermaid::render(&g));
            insta::assert_snapshot!(format!("graph_{name}_json"), graph::json::render(&g));
        });
    }
}

/// The command line prints what the library renders, byte for byte.
#[test]
fn the_command_prints_the_library_rendering() {
    let g = graph_of("examples/quickstart");
    for (format, want) in [
        ("mermaid", graph::mermaid::render(&g)),
        ("dot", graph::dot::render(&g)),
        ("json", graph::json::render(&g)),
        ("svg", graph::svg(&g)),
    ] {
        let o = accessc(
            &["graph", "examples/quickstart", "--format", format],
            &root(),
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert_eq!(stdout(&o), want, "{format}");
    }
}

fn has_dot() -> bool {
    Command::new("dot").arg("-V").output().is_ok()
}

/// Graphviz renders the DOT of every example (and of the hostile names) to SVG with nothing
/// on standard error.
#[test]
fn graphviz_renders_every_example_without_warnings() {
    if !has_dot() {
        println!("skipped: Graphviz `dot` is not installed (Debian: apt-get install graphviz)");
        return;
    }
    let mut dirs: Vec<String> = examples().iter().map(|p| rel(p)).collect();
    dirs.push("tests/graph/hostile".into());
    for d in dirs {
        for g in [graph_of(&d), {
            let full = graph_of(&d);
            graph::focus(&full, &Focus::App("payments/checkout".into())).unwrap_or(full)
        }] {
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("g.dot");
            fs::write(&file, graph::dot::render(&g)).unwrap();
            let o = Command::new("dot")
                .arg("-Tsvg")
                .arg(&file)
                .output()
                .unwrap();
            assert!(o.status.success(), "{d}: dot failed");
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.trim().is_empty(), "{d}: dot says:\n{err}");
            assert!(String::from_utf8_lossy(&o.stdout).contains("<svg"));
        }
    }
}

/// A small XML well-formedness check: tags nest and close, attributes are quoted, `<` and `&`
/// appear only as markup and entities, and there is one root element.
fn well_formed(xml: &str) -> Result<(), String> {
    fn entity_ok(s: &str) -> bool {
        let Some(end) = s.find(';') else { return false };
        let name = &s[1..end];
        matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix('#')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    }
    fn text_ok(t: &str) -> Result<(), String> {
        for (i, c) in t.char_indices() {
            if c == '<' {
                return Err(format!("raw `<` in text: {t:?}"));
            }
            if c == '&' && !entity_ok(&t[i..]) {
                return Err(format!("raw `&` in text: {t:?}"));
            }
            if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
                return Err(format!("control character in text: {t:?}"));
            }
        }
        Ok(())
    }
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        text_ok(&rest[..lt])?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unclosed comment")?;
            rest = &after[end + 3..];
            continue;
        }
        let gt = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[1..gt];
        // A `>` inside a quoted attribute value would end the tag early: values hold none.
        if tag.matches('"').count() % 2 != 0 {
            return Err(format!("unbalanced quotes in <{tag}>"));
        }
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or(format!("stray </{name}>"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name: String = body.chars().take_while(|c| !c.is_whitespace()).collect();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':')
        {
            return Err(format!("bad tag name in <{tag}>"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = body[name.len()..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find("=\"")
                .ok_or(format!("bad attribute in <{tag}>"))?;
            let aname = attrs[..eq].trim();
            if aname.is_empty() || aname.contains(char::is_whitespace) {
                return Err(format!("bad attribute name in <{tag}>"));
            }
            let val_rest = &attrs[eq + 2..];
            let close = val_rest.find('"').ok_or("unclosed attribute")?;
            text_ok(&val_rest[..close])?;
            attrs = val_rest[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name);
        }
    }
    text_ok(rest)?;
    if !stack.is_empty() {
        return Err(format!("unclosed elements: {stack:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

#[test]
fn the_xml_check_rejects_broken_documents() {
    assert!(well_formed("<svg><g a=\"1\"/><text>a &amp; b</text></svg>\n").is_ok());
    assert!(well_formed("<svg><text>a & b</text></svg>").is_err());
    assert!(well_formed("<svg><text>a < b</text></svg>").is_err());
    assert!(well_formed("<svg><g></svg>").is_err());
    assert!(well_formed("<svg a=\"x\"\"></svg>").is_err());
    assert!(well_formed("<svg/><svg/>").is_err());
}

#[test]
fn the_svg_of_every_example_is_well_formed() {
    let mut dirs: Vec<String> = examples().iter().map(|p| rel(p)).collect();
    dirs.push("tests/graph/hostile".into());
    for d in dirs {
        let svg = graph::svg(&graph_of(&d));
        well_formed(&svg).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        // Deterministic.
        assert_eq!(svg, graph::svg(&graph_of(&d)));
    }
}

/// The hostile names of tests/graph/hostile stay inside their labels: each format's label
/// decodes back to the node's label, and nothing else in the output carries user text.
#[test]
fn hostile_names_stay_in_their_labels() {
    let g = graph_of("tests/graph/hostile");
    let hostile: Vec<&graph::Node> = g
        .nodes
        .iter()
        .filter(|n| n.label.contains('"') || n.label.contains('<'))
        .collect();
    assert!(hostile.len() >= 4, "the fixture's names reach the graph");
    // The graph keeps the names as written.
    assert!(g
        .nodes
        .iter()
        .any(|n| n.label.contains("`g`h{i}[j](k)l&amp;-->m")));

    // DOT: every `label="…"` and `tooltip="…"` string escapes `"` and `\`.
    let dot = graph::dot::render(&g);
    for n in &hostile {
        let want = format!("{} [label={}", n.id, graph::dot::quote(&n.label));
        assert!(dot.contains(&want), "{want}");
    }
    for line in dot.lines() {
        let mut in_str = false;
        let mut esc = false;
        for c in line.chars() {
            match (in_str, esc, c) {
                (true, true, _) => esc = false,
                (true, false, '\\') => esc = true,
                (_, false, '"') => in_str = !in_str,
                _ => {}
            }
        }
        assert!(!in_str, "an unclosed DOT string: {line}");
    }
    assert_eq!(graph::dot::quote("a\"b\\c\nd"), "\"a\\\"b\\\\c\u{fffd}d\"");

    // Mermaid: labels hold only safe characters and entities, and decode to the label.
    let mm = graph::mermaid::render(&g);
    let decode = |s: &str| -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find('#') {
            out.push_str(&rest[..i]);
            let end = rest[i..].find(';').unwrap() + i;
            let n: u32 = rest[i + 1..end].parse().unwrap();
            out.push(char::from_u32(n).unwrap());
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    };
    for n in &hostile {
        let prefix = format!("{}[\"", n.id);
        let line = mm
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no node line for {}", n.id));
        let label = line
            .strip_prefix(&prefix)
            .unwrap()
            .strip_suffix("\"]")
            .unwrap();
        assert!(
            label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " .,:/*_=@+-#;".contains(c)),
            "{label}"
        );
        let printable: String = n
            .label
            .chars()
            .map(|c| if c.is_control() { '\u{fffd}' } else { c })
            .collect();
        assert_eq!(decode(label), printable);
    }
    for line in mm.lines() {
        assert!(
            !line.contains('`') && !line.contains('<') && !line.contains('|')
                || line.contains("-->|")
                || line.contains("-.->|"),
            "raw markup in {line}"
        );
    }

    // JSON: parses back to the same labels.
    let v: serde_json::Value = serde_json::from_str(&graph::json::render(&g)).unwrap();
    for n in &hostile {
        let node = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == n.id.as_str())
            .unwrap();
        assert_eq!(node["label"], n.label.as_str());
    }

    // SVG: well-formed, no element from a name.
    let svg = graph::svg(&g);
    well_formed(&svg).unwrap();
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;/text&gt;&lt;script&gt;"));
}

#[test]
fn focus_on_each_kind() {
    let g = graph_of("examples/quickstart");
    let app = graph::focus(&g, &Focus::App("payments/checkout".into())).unwrap();
    assert_eq!(app.keys(NodeKind::App), ["payments/checkout"]);
    assert!(app
        .find(NodeKind::AwsResource, "arn:aws:s3:::receipts/*")
        .is_some());
    assert!(app
        .find(
            NodeKind::AwsResource,
            "arn:aws:secretsmanager:us-west-2:111122223333:secret:ledger-db-*"
        )
        .is_none());
    // Who reaches an object: the pattern that matches it, the role, the app.
    let res = graph::focus(
        &g,
        &Focus::Resource("arn:aws:s3:::receipts/2024/a.pdf".into()),
    )
    .unwrap();
    assert_eq!(res.keys(NodeKind::AwsResource), ["arn:aws:s3:::receipts/*"]);
    assert_eq!(res.keys(NodeKind::App), ["payments/checkout"]);
    let p = graph::focus(
        &g,
        &Focus::Principal("arn:aws:iam::111122223333:role/prod-nodes".into()),
    )
    .unwrap();
    assert_eq!(p.keys(NodeKind::AccessEntry), ["prod/_nodes"]);
    assert!(graph::focus(&g, &Focus::App("payments/ledgr".into())).is_none());
}

#[test]
fn command_line_errors_and_output_file() {
    // An unknown focus: exit 1 with the closest name.
    let o = accessc(
        &["graph", "examples/quickstart", "--focus", "payments/ledgr"],
        &root(),
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o)
            .contains("no app `payments/ledgr` in the program; did you mean `payments/ledger`?"),
        "{}",
        stderr(&o)
    );
    let o = accessc(
        &[
            "graph",
            "examples/quickstart",
            "--resource",
            "arn:aws:s3:::nothing-here/x",
        ],
        &root(),
    );
    assert_eq!(code(&o), 1);
    // Two foci at once: a usage error.
    let o = accessc(
        &[
            "graph",
            "examples/quickstart",
            "--focus",
            "a/b",
            "--principal",
            "x",
        ],
        &root(),
    );
    assert_eq!(code(&o), 2);
    // A program with errors: the diagnostics as `build` prints them, exit 1.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bad.access"), "app x in {\n").unwrap();
    let g = accessc(&["graph", "."], dir.path());
    let b = accessc(&["build", ".", "-o", "out"], dir.path());
    assert_eq!(code(&g), 1);
    let err = stderr(&g);
    let (diags, last) = err.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(last, "accessc: no graph: the input has errors");
    assert!(stderr(&b).starts_with(diags), "{}", stderr(&g));
    assert!(stdout(&g).is_empty());
    // -o writes the file, nothing on standard output.
    let out = dir.path().join("g.svg");
    let o = accessc(
        &[
            "graph",
            root().join("examples/quickstart").to_str().unwrap(),
            "--format",
            "svg",
            "-o",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
    assert!(fs::read_to_string(&out).unwrap().starts_with("<svg"));
    // A folder that does not exist: exit 2.
    let o = accessc(&["graph", "no-such-folder"], dir.path());
    assert_eq!(code(&o), 2);
}

/// docs/pictures/quickstart.svg is what `accessc graph --format svg examples/quickstart`
/// draws now.
#[test]
fn the_readme_picture_is_current() {
    let want = graph::svg(&graph_of("examples/quickstart"));
    let path = root().join("docs/pictures/quickstart.svg");
    let have = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/pictures/quickstart.svg is stale; regenerate it with\n  cargo run --release -- graph --format svg examples/quickstart -o docs/pictures/quickstart.svg"
    );
}
