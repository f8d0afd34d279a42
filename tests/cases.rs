#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Snapshot tests: one folder per case under `tests/cases/`, each with an `input.access` (and
//! optionally more `.access` files); the snapshot holds the sources, the diagnostics and every
//! artifact. Error cases are named after their code (`e101_duplicate_cluster`).

mod support;

use std::path::Path;

#[test]
fn cases() {
    insta::glob!("cases/*/input.access", |path| {
        let dir = path.parent().unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            omit_expression => true,
            snapshot_suffix => "",
            input_file => path,
        }, {
            insta::assert_snapshot!(name.clone(), support::run_case(dir));
        });
    });
}

/// Every error case folder `eNNN_*` produces at least one diagnostic with that code, and
/// warning cases `wNNN_*` one with theirs.
#[test]
fn case_codes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let Some(code) = name.split('_').next().filter(|c| {
            c.len() == 4
                && (c.starts_with('e') || c.starts_with('w'))
                && c[1..].chars().all(|d| d.is_ascii_digit())
        }) else {
            continue;
        };
        let code = code.to_ascii_uppercase();
        let sources = support::load_dir(&dir);
        let compiled = support::compile_dir(&dir, &sources);
        if !compiled.diags.iter().any(|d| d.code.as_str() == code) {
            failures.push(format!(
                "{name}: no {code} among {:?}",
                compiled
                    .diags
                    .iter()
                    .map(|d| d.code.as_str())
                    .collect::<Vec<_>>()
            ));
        }
        if code.starts_with('E') && compiled.artifacts.is_some() {
            failures.push(format!("{name}: an error case produced output"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every code has a failing fixture, and every code has its documentation page.
#[test]
fn every_code_has_a_fixture_and_a_doc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases: Vec<String> = std::fs::read_dir(root.join("tests/cases"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .to_ascii_uppercase()
        })
        .collect();
    let mut missing = Vec::new();
    for code in accessc::diagnostics::Code::ALL {
        let c = code.as_str();
        if !cases.iter().any(|n| n.starts_with(&format!("{c}_"))) {
            missing.push(format!(
                "{c}: no tests/cases/{}_* fixture",
                c.to_ascii_lowercase()
            ));
        }
        let doc = code.doc();
        if !doc.starts_with(&format!("# {c}")) || doc.contains("TODO") {
            missing.push(format!("{c}: docs/codes/{c}.md is missing or unfinished"));
        }
    }
    let docs: Vec<String> = std::fs::read_dir(root.join("docs/codes"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".md")
                .to_string()
        })
        .collect();
    for d in docs {
        if d.parse::<accessc::diagnostics::Code>().is_err() {
            missing.push(format!("docs/codes/{d}.md documents no code"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
