#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Messages that can be copied: a value a diagnostic suggests (an ARN, an action, a name, an
//! `unsafe "…"` text) is never wrapped or cut, in any format, on a terminal or in a pipe; a
//! snippet stays short whatever the size of the declaration it points at.

mod support;
use support::{accessc, stderr};

use std::fs;
use std::path::Path;

use accessc::diagnostics::render::{quoted_values, render, Format};
use accessc::diagnostics::{Code, Diag};
use accessc::source::Sources;

const CLUSTER: &str = r#"cluster prod {
  account = "111122223333"
  region  = "us-west-2"
}

namespace media on prod
"#;

/// A bucket name of 200 characters, hyphens included (where a wrapper likes to break).
fn long_bucket() -> String {
    let mut name = "media-originals".to_string();
    while name.len() < 200 {
        name.push_str("-archive");
    }
    name.truncate(200);
    name
}

fn program(grant: &str) -> String {
    format!("{CLUSTER}\napp uploader in media {{\n  aws {{\n    {grant}\n  }}\n}}\n")
}

#[test]
fn a_suggested_arn_of_200_characters_is_whole_on_one_line_in_a_piped_report() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = long_bucket();
    let text = program(&format!("allow s3:GetObject on \"arn:aws:s3:::{bucket}\""));
    fs::write(tmp.path().join("a.access"), text).unwrap();
    let want = format!("\"arn:aws:s3:::{bucket}/*\"");
    for format in ["human", "short", "json"] {
        let o = accessc(
            &["build", ".", "-o", "out", "--error-format", format],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        let expected = if format == "json" {
            want.replace('"', "\\\"")
        } else {
            want.clone()
        };
        assert!(
            err.lines().any(|l| l.contains(&expected)),
            "{format}: the suggested ARN is not whole on one line:\n{err}"
        );
    }
}

#[test]
fn no_suggested_value_is_cut_in_any_format() {
    let tmp = tempfile::tempdir().unwrap();
    let bucket = long_bucket();
    // `s3:ListBucket` on an object ARN: the help names the bucket ARN to write.
    let text = program(&format!(
        "allow s3:ListBucket on \"arn:aws:s3:::{bucket}/photos/*\""
    ));
    fs::write(tmp.path().join("a.access"), text).unwrap();
    let want = format!("`arn:aws:s3:::{bucket}`");
    for format in ["human", "short", "json"] {
        let o = accessc(
            &["build", ".", "-o", "out", "--error-format", format],
            tmp.path(),
        );
        let err = stderr(&o);
        let help = err
            .lines()
            .find(|l| l.contains("help"))
            .unwrap_or_else(|| panic!("{format}: no help:\n{err}"));
        assert!(
            help.contains(&want),
            "{format}: the help does not carry the bucket's ARN whole:\n{err}"
        );
        for v in quoted_values(help) {
            assert!(!v.contains('…'), "{format}: a cut value `{v}`:\n{err}");
        }
    }
}

/// A terminal's report wraps prose at its width, but a quoted value stays on one line, however
/// long, and is not broken at its hyphens.
#[test]
fn prose_wraps_on_a_terminal_but_never_inside_a_value() {
    let mut sources = Sources::new();
    sources.add("a.access", program("allow s3:GetObject on \"x\""));
    let bucket = long_bucket();
    let value = format!("arn:aws:s3:::{bucket}/*");
    let help = format!(
        "the grant names the bucket, and the action applies to its objects: write \"{value}\", or add `unsafe \"objects of a bucket of the media team\"` to the grant"
    );
    let d = Diag::new(
        Code::E209,
        "a message of some length that a terminal of sixty columns wraps",
    )
    .help(help);
    for width in [40, 60, 100] {
        let out = render(
            std::slice::from_ref(&d),
            &sources,
            Format::Human {
                color: false,
                width: Some(width),
            },
        );
        assert!(
            out.lines().any(|l| l.contains(&format!("\"{value}\""))),
            "{out}"
        );
        assert!(
            out.lines()
                .any(|l| l.contains("`unsafe \"objects of a bucket of the media team\"`")),
            "{out}"
        );
        // Prose lines are within the width (only a value's line may be longer).
        assert!(
            out.lines()
                .filter(|l| l.chars().count() > width)
                .all(|l| l.contains(&value) || l.contains("`unsafe")),
            "width {width}:\n{out}"
        );
    }
    // A pipe: nothing is wrapped.
    let out = render(
        std::slice::from_ref(&d),
        &sources,
        Format::Human {
            color: false,
            width: None,
        },
    );
    assert!(
        out.contains(&format!("help: {}", d.help.as_deref().unwrap())),
        "{out}"
    );
}

/// An app of 1,200 lines that needs more than 10 managed policies: the report points at the
/// app's first line, not at all 1,200.
#[test]
fn the_report_of_a_1200_line_app_over_the_policy_count_stays_short() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = format!("{CLUSTER}\napp uploader in media {{\n  aws {{\n");
    for i in 0..1190 {
        text.push_str(&format!(
            "    allow sqs:SendMessage on \"arn:aws:sqs:us-west-2:111122223333:orders-{i:04}\"\n"
        ));
    }
    text.push_str("  }\n}\n");
    assert!(text.lines().count() >= 1_200);
    fs::write(tmp.path().join("a.access"), text).unwrap();
    let o = accessc(&["build", ".", "-o", "out"], tmp.path());
    let err = stderr(&o);
    assert!(err.contains("E203"), "{err}");
    assert!(
        err.lines().count() < 20,
        "{} lines:\n{err}",
        err.lines().count()
    );
    assert!(err.contains("app uploader in media {"), "{err}");
    // The help says what makes it fit, not access levels (which add actions).
    assert!(err.contains("max_managed_policies"), "{err}");
    assert!(!err.contains("access-level"), "{err}");
}

/// Every case's diagnostics, rendered for a narrow terminal and for a pipe: each value its help
/// quotes is on one line, whole.
#[test]
fn every_value_a_help_quotes_is_whole_on_one_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let sources = support::load_dir(&dir);
        let compiled = support::compile_dir(&dir, &sources);
        for width in [Some(60), None] {
            for d in &compiled.diags {
                let Some(help) = &d.help else { continue };
                let out = render(
                    std::slice::from_ref(d),
                    &sources,
                    Format::Human {
                        color: false,
                        width,
                    },
                );
                for v in quoted_values(help) {
                    if !out.lines().any(|l| l.contains(v)) {
                        failures.push(format!(
                            "{}: {} `{v}` is not whole on one line at width {width:?}:\n{out}",
                            dir.display(),
                            d.code
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
