#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! `accessc fmt`: idempotent on every example and fixture, meaning-preserving (same artifacts),
//! keeps every comment, reports files with syntax errors, and writes only what changes.

mod support;
use support::root;

use std::path::{Path, PathBuf};
use std::process::Command;

use accessc::fmt::{self, FmtError};
use accessc::source::Sources;

/// Every `.access` file of the examples (not their output) and of the test cases.
fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ["examples", "tests/cases", "tests/bad_inputs"]
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(root().join(d)).into_iter())
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "access"))
        .filter(|p| !p.components().any(|c| c.as_os_str() == "out"))
        .collect();
    files.sort();
    files
}

fn format(text: &str) -> String {
    match fmt::format(text) {
        Ok(t) => t,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn formatting_is_idempotent_on_every_example_and_fixture() {
    let mut failures = Vec::new();
    let mut formatted = 0;
    for path in corpus() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // not UTF-8: reported, never formatted
        };
        match fmt::format(&text) {
            Ok(once) => {
                formatted += 1;
                match fmt::format(&once) {
                    Ok(twice) if twice == once => {}
                    Ok(twice) => failures.push(format!(
                        "{}: second run differs:\n{}",
                        path.display(),
                        accessc::fmt::command::diff("first", &once, &twice)
                    )),
                    Err(e) => failures.push(format!("{}: second run: {e:?}", path.display())),
                }
            }
            Err(FmtError::Syntax(_)) => {}
            Err(FmtError::Internal(e)) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(formatted > 100, "only {formatted} files formatted");
}

/// The sources of a folder, each formatted (files that do not parse as they are).
fn formatted_dir(dir: &Path) -> Sources {
    let original = support::load_dir(dir);
    let mut out = Sources::new();
    for (_, f) in original.iter() {
        if f.unparsed {
            out.add_unparsed(f.path.clone(), f.text.clone());
        } else {
            let text = fmt::format(&f.text).unwrap_or_else(|_| f.text.clone());
            out.add(f.path.clone(), text);
        }
    }
    out
}

/// Artifacts without the source line numbers they record (formatting moves lines).
fn artifacts(c: &accessc::Compiled) -> Vec<(String, String)> {
    let strip = |s: &str| {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if c == ':' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                // `file.access:12` → `file.access:N`, but keep ARNs' account ids.
                if out.ends_with(".access:") {
                    while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        chars.next();
                    }
                    out.push('N');
                }
            }
        }
        out
    };
    c.artifacts
        .iter()
        .flatten()
        .map(|a| (a.path.clone(), strip(&a.contents)))
        .collect()
}

#[test]
fn formatting_never_changes_the_compiled_output() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.extend(
        std::fs::read_dir(root().join("examples"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    dirs.sort();
    let mut failures = Vec::new();
    for dir in dirs {
        let before = accessc::compile(&support::load_dir(&dir));
        let after = accessc::compile(&formatted_dir(&dir));
        if artifacts(&before) != artifacts(&after) {
            failures.push(format!("{}: artifacts differ", dir.display()));
        }
        let codes = |c: &accessc::Compiled| {
            c.diags
                .iter()
                .map(|d| (d.code, d.message.clone()))
                .collect::<Vec<_>>()
        };
        if codes(&before) != codes(&after) {
            failures.push(format!(
                "{}: diagnostics differ: {:?} / {:?}",
                dir.display(),
                codes(&before),
                codes(&after)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const COMMENTS: &str = r#"# 1 file header

# 2 before the cluster
cluster prod { # 3 after the brace
  # 4 before a setting
  account = "111122223333" # 5 end of a setting
  region = "us-west-2"; auth_mode = api   # 6 end of the line
  # 7 before the closing brace
} # 8 after the closing brace
# 9 between declarations
namespace payments on prod # 10 end of a namespace
namespace ops on # 11 inside a declaration head
  prod

app checkout in payments {
  identity = pod_identity # 12
  aws { # 13
    # 14 before a grant
    read "arn:aws:s3:::receipts/*" # 15 end of a grant

    # 16 after a blank line
    allow s3:PutObject, # 17 after a comma
      s3:GetObject # 18 before on
      on "arn:aws:s3:::uploads/*" # 19
      # 20 own line before when
      when s3:x-amz-server-side-encryption == "aws:kms" # 21
    # 22 closing the aws block
  } # 23
  kubernetes {
    get, list, # 24 between verbs
      watch configmaps
    get secrets named # 25 before the names
      "checkout-db"
  }
}
# 26 before the boundary
boundary caps { allow s3:* # 27
  deny iam:* }
access devs on prod {
  role = "arn:aws:iam::111122223333:role/Dev"
  scope = namespaces [ # 28 in a list
    payments ]
  policy = edit
}
# 29 at the end
"#;

const COMMENTS_FORMATTED: &str = r#"# 1 file header

# 2 before the cluster
cluster prod {  # 3 after the brace
  # 4 before a setting
  account   = "111122223333"  # 5 end of a setting
  region    = "us-west-2"
  auth_mode = api             # 6 end of the line
  # 7 before the closing brace
}  # 8 after the closing brace

# 9 between declarations
namespace payments on prod  # 10 end of a namespace

namespace ops on  # 11 inside a declaration head
    prod

app checkout in payments {
  identity = pod_identity  # 12
  aws {  # 13
    # 14 before a grant
    read "arn:aws:s3:::receipts/*"  # 15 end of a grant

    # 16 after a blank line
    allow s3:PutObject,  # 17 after a comma
          s3:GetObject  # 18 before on
      on "arn:aws:s3:::uploads/*"  # 19
      # 20 own line before when
      when s3:x-amz-server-side-encryption == "aws:kms"  # 21
    # 22 closing the aws block
  }  # 23
  kubernetes {
    get, list,  # 24 between verbs
    watch configmaps
    get secrets named  # 25 before the names
        "checkout-db"
  }
}

# 26 before the boundary
boundary caps {
  allow s3:*  # 27
  deny  iam:*
}

access devs on prod {
  role   = "arn:aws:iam::111122223333:role/Dev"
  scope  = namespaces [  # 28 in a list
           payments]
  policy = edit
}
# 29 at the end
"#;

#[test]
fn every_comment_is_kept_where_it_was() {
    let once = format(COMMENTS);
    assert_eq!(
        once,
        COMMENTS_FORMATTED,
        "\n{}",
        accessc::fmt::command::diff("expected", COMMENTS_FORMATTED, &once)
    );
    assert_eq!(format(&once), once, "idempotent");
    for n in 1..=29 {
        assert_eq!(
            once.matches(&format!("# {n} ")).count() + once.matches(&format!("# {n}\n")).count(),
            1,
            "comment {n}"
        );
    }
    // And it means the same.
    let compile = |text: &str| {
        let mut s = Sources::new();
        s.add("a.access", text);
        accessc::compile(&s)
            .diags
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(compile(COMMENTS), compile(&once));
}

#[test]
fn canonical_style() {
    let messy = "cluster prod{account=\"111122223333\"\n\n\n region = \"us-west-2\";}\nnamespace payments on prod{}\napp reader in payments {\n\n  role = shared\n\n}\nrole shared{aws{read \"arn:aws:s3:::b/*\" list \"arn:aws:s3:::b\"\npermissions \"arn:aws:s3:::b\"}}\napp checkout in payments {\n  aws {\n    allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:BatchGetItem on \"arn:aws:dynamodb:us-west-2:111122223333:table/carts\", \"arn:aws:dynamodb:us-west-2:111122223333:table/orders\"\n  }\n}\n";
    let want = r#"cluster prod {
  account = "111122223333"

  region = "us-west-2"
}

namespace payments on prod
app reader in payments { role = shared }

role shared {
  aws {
    read "arn:aws:s3:::b/*"
    list "arn:aws:s3:::b"
    permissions "arn:aws:s3:::b"
  }
}

app checkout in payments {
  aws {
    allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem,
          dynamodb:DeleteItem, dynamodb:BatchGetItem
      on "arn:aws:dynamodb:us-west-2:111122223333:table/carts",
         "arn:aws:dynamodb:us-west-2:111122223333:table/orders"
  }
}
"#;
    let got = format(messy);
    assert_eq!(
        got,
        want,
        "\n{}",
        accessc::fmt::command::diff("expected", want, &got)
    );
    assert_eq!(format(want), want);
    assert_eq!(format(""), "");
    assert_eq!(format("\n\n# only a comment\n\n"), "# only a comment\n");
    assert_eq!(format("\u{feff}namespace a on b\r\n"), "namespace a on b\n");
}

#[test]
fn the_examples_read_as_written() {
    // The quickstart is already in the canonical style.
    for f in [
        "payments/checkout.access",
        "payments/ledger.access",
        "platform/cluster.access",
        "ops/tools.access",
    ] {
        let path = root().join("examples/quickstart").join(f);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(format(&text), text, "{f}");
    }
}

#[test]
fn syntax_errors_are_reported_not_formatted() {
    assert!(matches!(
        fmt::format("app a in b {\n  aws { allow }\n}\n"),
        Err(FmtError::Syntax(d)) if !d.is_empty()
    ));
}

fn accessc(args: &[&str], dir: &Path, stdin: Option<&str>) -> (Option<i32>, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn fmt_command_check_write_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let good = "namespace a on b\n";
    std::fs::write(p.join("good.access"), good).unwrap();
    std::fs::write(p.join("messy.access"), "namespace   a on b ;\n").unwrap();
    std::fs::write(p.join("broken.access"), "app a in b {\n").unwrap();
    let good_mtime = std::fs::metadata(p.join("good.access"))
        .unwrap()
        .modified()
        .unwrap();

    // --check lists what would change, writes nothing, exits 1.
    let (code, out, err) = accessc(&["fmt", "--check", "."], p, None);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out, "messy.access\n");
    assert!(err.contains("broken.access"), "{err}");
    assert!(err.contains("E001"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.join("messy.access")).unwrap(),
        "namespace   a on b ;\n"
    );
    // --diff shows the change.
    let (_, out, _) = accessc(&["fmt", "--check", "--diff", "messy.access"], p, None);
    assert!(
        out.contains("-namespace   a on b ;\n+namespace a on b\n"),
        "{out}"
    );

    // fmt writes the changed file only; the broken one is left alone (exit 1).
    let (code, _, err) = accessc(&["fmt"], p, None);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("1 file reformatted, 1 file unchanged"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(p.join("messy.access")).unwrap(),
        good
    );
    assert_eq!(
        std::fs::read_to_string(p.join("broken.access")).unwrap(),
        "app a in b {\n"
    );
    assert_eq!(
        std::fs::metadata(p.join("good.access"))
            .unwrap()
            .modified()
            .unwrap(),
        good_mtime,
        "an unchanged file is not written"
    );
    // No temporary files are left behind.
    let names: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    // Now clean: --check exits 0.
    std::fs::remove_file(p.join("broken.access")).unwrap();
    let (code, out, _) = accessc(&["fmt", "--check"], p, None);
    assert_eq!(code, Some(0));
    assert_eq!(out, "");

    // Standard input.
    let (code, out, _) = accessc(&["fmt", "-"], p, Some("namespace  x on y;"));
    assert_eq!(code, Some(0));
    assert_eq!(out, "namespace x on y\n");
    let (code, _, _) = accessc(&["fmt", "-"], p, Some("app {"));
    assert_eq!(code, Some(1));

    // A missing path is a file-system error.
    assert_eq!(accessc(&["fmt", "missing"], p, None).0, Some(2));
}

/// Every run of whitespace outside strings and comments replaced by a comment (`own_line`: on a
/// line of its own; otherwise at the end of the line).
fn with_comments_everywhere(text: &str, own_line: bool) -> (String, usize) {
    let mut out = String::new();
    let mut n = 0;
    let mut chars = text.chars().peekable();
    let (mut in_string, mut in_comment) = (false, false);
    while let Some(c) = chars.next() {
        if in_comment {
            out.push(c);
            in_comment = c != '\n';
            continue;
        }
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(e) = chars.next() {
                    out.push(e);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '#' => {
                in_comment = true;
                out.push(c);
            }
            c if c.is_whitespace() => {
                while chars.peek().is_some_and(|d| d.is_whitespace()) {
                    chars.next();
                }
                n += 1;
                if own_line {
                    out.push_str(&format!("\n# c{n}\n"));
                } else {
                    out.push_str(&format!(" # c{n}\n"));
                }
            }
            c => out.push(c),
        }
    }
    (out, n)
}

#[test]
fn comments_between_every_token_survive() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in corpus() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if fmt::format(&text).is_err() {
            continue;
        }
        for own_line in [false, true] {
            let (commented, n) = with_comments_everywhere(&text, own_line);
            match fmt::format(&commented) {
                Ok(once) => {
                    checked += 1;
                    for k in 1..=n {
                        if once.matches(&format!("# c{k}\n")).count() != 1 {
                            failures.push(format!("{}: comment c{k} lost", path.display()));
                            break;
                        }
                    }
                    if fmt::format(&once).ok().as_deref() != Some(once.as_str()) {
                        failures.push(format!("{}: not idempotent with comments", path.display()));
                    }
                }
                Err(e) => failures.push(format!("{} (own_line {own_line}): {e:?}", path.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 200, "{checked}");
}
