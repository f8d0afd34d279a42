#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! The built-in packs' documentation is generated from their sources: `docs/packs/NAME.md` is
//! `accessc packs show NAME --format markdown` and `docs/packs/README.md` is `accessc packs
//! --format markdown`, with no page for a pack that does not exist. `UPDATE_PACK_DOCS=1 cargo
//! test --test pack_docs` rewrites them.

mod support;
use support::{accessc, code, root, stdout};

use std::collections::BTreeSet;
use std::path::Path;

/// The packs `accessc packs --format json` lists.
fn pack_names() -> Vec<String> {
    let o = accessc(&["packs", "--format", "json"], Path::new("."));
    assert_eq!(code(&o), 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    doc["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn pack_pages_are_generated_from_the_packs() {
    let dir = root().join("docs/packs");
    let update = std::env::var_os("UPDATE_PACK_DOCS").is_some();
    let mut want: Vec<(String, String)> = Vec::new();
    let index = accessc(&["packs", "--format", "markdown"], Path::new("."));
    want.push(("README.md".to_string(), stdout(&index)));
    for name in pack_names() {
        let o = accessc(
            &["packs", "show", &name, "--format", "markdown"],
            Path::new("."),
        );
        assert_eq!(code(&o), 0, "{name}");
        want.push((format!("{name}.md"), stdout(&o)));
    }
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                std::fs::remove_file(p).unwrap();
            }
        }
        for (file, text) in &want {
            std::fs::write(dir.join(file), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (file, text) in &want {
        if std::fs::read_to_string(dir.join(file)).unwrap_or_default() != *text {
            stale.push(file.clone());
        }
    }
    let expected: BTreeSet<&str> = want.iter().map(|(f, _)| f.as_str()).collect();
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|f| !expected.contains(f.as_str()))
        .collect();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/packs is out of date (stale {stale:?}, extra {extra:?}): run `UPDATE_PACK_DOCS=1 cargo test --test pack_docs`"
    );
}

#[test]
fn the_json_list_names_each_packs_parameters_and_defaults() {
    let o = accessc(&["packs", "--format", "json"], Path::new("."));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let dns = doc["packs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "external-dns")
        .unwrap();
    assert_eq!(dns["parameters"][0]["name"], "zones");
    assert_eq!(dns["parameters"][0]["type"], "[arn]");
    assert_eq!(
        dns["parameters"][0]["default"],
        serde_json::json!(["arn:aws:route53:::hostedzone/*"])
    );
    assert!(dns["use"]
        .as_str()
        .unwrap()
        .starts_with("external-dns(zones: [arn]"));
    assert!(!dns["version"].as_str().unwrap().is_empty());
}

#[test]
fn the_readme_table_lists_every_pack() {
    let o = accessc(&["packs", "--format", "json"], Path::new("."));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut want = String::from("| Pack | Version | For |\n| --- | --- | --- |\n");
    for p in doc["packs"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        let summary = p["summary"].as_str().unwrap();
        let what = summary.split_once(": ").map_or(summary, |(_, w)| w);
        want.push_str(&format!(
            "| [`{name}`](docs/packs/{name}.md) | {} | {what} |\n",
            p["version"].as_str().unwrap()
        ));
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- packs: generated")
        .expect("README.md has no packs table");
    let table = &readme[start..];
    let table = &table[table.find('\n').unwrap() + 1..table.find("<!-- packs: end -->").unwrap()];
    assert_eq!(
        table, want,
        "README.md's packs table is out of date: paste the rows above"
    );
}
