#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]
//! Robustness of the `accessc` binary: the bad-input corpus (`tests/bad_inputs/`), huge and
//! deeply nested inputs, the fuzz regression fixtures (`tests/fuzz_regressions/`), and
//! file-system faults (read-only output, a file as output, a symlink loop, an unreadable input,
//! a full disk).
//!
//! Each bad input starts with `# expect: CODE [@LINE:COL] [~WORD] [=N]`: the build must exit 1
//! with no panic, print (as JSON) at least one diagnostic with a code and a line, one of them
//! `CODE` (at `LINE:COL`, with the help "did you mean `WORD`", and N diagnostics in all, when
//! given), and write nothing. `good_*` files (a BOM, CRLF line ends) must
//! build. Fault tests need root's powers (mounts, `chattr`) or a non-root user; where neither
//! works they print why they are skipped.

mod support;
use support::{accessc, code, root, stderr, tree};

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// No panic: not killed by a signal, not Rust's panic exit code, no panic message.
fn assert_no_panic(o: &Output, what: &str) {
    let err = stderr(o);
    assert!(
        o.status.code().is_some() && code(o) != 101 && !err.contains("panicked"),
        "{what}: crashed ({:?}): {err}",
        o.status
    );
}

/// The JSON diagnostics printed with `--error-format json` (the array precedes the summary).
fn json_diags(err: &str) -> Vec<serde_json::Value> {
    let text: String = err
        .lines()
        .take_while(|l| !l.starts_with("accessc:"))
        .collect::<Vec<_>>()
        .join("\n");
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Array(v)) => v,
        other => panic!("not a JSON array of diagnostics: {other:?}\n{err}"),
    }
}

const BASE: &str = r#"cluster prod {
  account = "111122223333"
  region  = "us-west-2"
  oidc    = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
}
namespace payments on prod
"#;

const APP: &str = r#"
app checkout in payments {
  aws { allow sqs:SendMessage on "arn:aws:sqs:us-west-2:111122223333:orders" }
  kubernetes { get configmaps }
}
"#;

/// What a bad input's first line promises: `# expect: CODE [@LINE:COL] [~SUGGESTION]`.
struct Expect {
    code: String,
    at: Option<(u64, u64)>,
    /// A diagnostic with the code says "did you mean `SUGGESTION`".
    suggestion: Option<String>,
    /// Exactly this many diagnostics (`=N`): error recovery reports one per broken
    /// declaration, no cascade.
    count: Option<usize>,
}

fn expectation(bytes: &[u8]) -> Option<Expect> {
    let first = bytes.split(|b| *b == b'\n').next()?;
    let first = std::str::from_utf8(first).ok()?;
    let rest = first.strip_prefix("# expect: ")?;
    let mut parts = rest.split_whitespace();
    let code = parts.next()?.to_string();
    let mut at = None;
    let mut suggestion = None;
    let mut count = None;
    for p in parts {
        if let Some((l, c)) = p.strip_prefix('@').and_then(|p| p.split_once(':')) {
            at = Some((l.parse().ok()?, c.parse().ok()?));
        } else if let Some(s) = p.strip_prefix('~') {
            suggestion = Some(s.to_string());
        } else if let Some(n) = p.strip_prefix('=') {
            count = Some(n.parse().ok()?);
        }
    }
    Some(Expect {
        code,
        at,
        suggestion,
        count,
    })
}

/// Build one input file with JSON diagnostics into a fresh folder; check the failure contract
/// and return the diagnostics.
fn build_bad(file: &Path, what: &str, failures: &mut Vec<String>) -> Vec<serde_json::Value> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = accessc(
        &[
            "build",
            file.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--error-format",
            "json",
        ],
        tmp.path(),
    );
    assert_no_panic(&o, what);
    if code(&o) != 1 {
        failures.push(format!(
            "{what}: exit {} (want 1): {}",
            code(&o),
            stderr(&o)
        ));
    }
    if out.exists() || tmp.path().join(".out.accessc-new").exists() {
        failures.push(format!("{what}: something was written"));
    }
    let diags = json_diags(&stderr(&o));
    if diags.is_empty() {
        failures.push(format!("{what}: no diagnostic"));
    }
    for d in &diags {
        let has_code = d["code"].as_str().is_some_and(|c| c.len() == 4);
        let has_line = d["line"].as_u64().is_some_and(|l| l >= 1);
        if !has_code || !has_line || d["column"].as_u64().is_none() {
            failures.push(format!("{what}: a diagnostic without code or span: {d}"));
        }
    }
    diags
}

#[test]
fn bad_inputs_fail_with_a_code_and_a_span_and_write_nothing() {
    let dir = root().join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            !p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("good_")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 60,
        "the corpus has {} bad inputs",
        files.len()
    );
    let mut failures = Vec::new();
    let mut positioned = 0;
    let mut suggested = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(file).unwrap();
        let Some(expect) = expectation(&bytes) else {
            failures.push(format!("{name}: no `# expect: CODE` first line"));
            continue;
        };
        let diags = build_bad(file, &name, &mut failures);
        let with_code: Vec<&serde_json::Value> = diags
            .iter()
            .filter(|d| d["code"] == expect.code.as_str())
            .collect();
        if with_code.is_empty() {
            failures.push(format!(
                "{name}: no {} among {:?}",
                expect.code,
                diags.iter().map(|d| d["code"].clone()).collect::<Vec<_>>()
            ));
        }
        if let Some(n) = expect.count {
            if diags.len() != n {
                failures.push(format!(
                    "{name}: {} diagnostics, want {n}: {:?}",
                    diags.len(),
                    diags
                        .iter()
                        .map(|d| format!("{}:{} {}", d["line"], d["column"], d["message"]))
                        .collect::<Vec<_>>()
                ));
            }
        }
        if let Some(want) = &expect.suggestion {
            suggested += 1;
            let text = format!("did you mean `{want}`");
            if !with_code
                .iter()
                .any(|d| d["help"].as_str().is_some_and(|h| h.contains(&text)))
            {
                failures.push(format!(
                    "{name}: no {} saying {text}: {:?}",
                    expect.code,
                    with_code.iter().map(|d| &d["help"]).collect::<Vec<_>>()
                ));
            }
        }
        if let Some((line, col)) = expect.at {
            positioned += 1;
            if !with_code
                .iter()
                .any(|d| d["line"] == line && d["column"] == col)
            {
                failures.push(format!(
                    "{name}: no {} at {line}:{col}: {:?}",
                    expect.code,
                    with_code
                        .iter()
                        .map(|d| format!("{}:{} {}", d["line"], d["column"], d["message"]))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(positioned >= 20, "only {positioned} inputs pin their span");
    assert!(
        suggested >= 10,
        "only {suggested} inputs check a suggestion"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A BOM and CRLF line ends are accepted, and give the same output as the plain file.
#[test]
fn bom_and_crlf_inputs_are_accepted() {
    let dir = root().join("tests/bad_inputs");
    let mut n = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let file = entry.unwrap().path();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("good_") {
            continue;
        }
        n += 1;
        let bytes = fs::read(&file).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let plain = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
        let tmp = tempfile::tempdir().unwrap();
        for (sub, contents) in [("raw", text.as_str()), ("plain", plain.as_str())] {
            fs::create_dir_all(tmp.path().join(sub)).unwrap();
            fs::write(tmp.path().join(sub).join("input.access"), contents).unwrap();
            let o = accessc(&["build", sub, "-o", &format!("{sub}-out")], tmp.path());
            assert_no_panic(&o, &name);
            assert_eq!(code(&o), 0, "{name} ({sub}): {}", stderr(&o));
        }
        assert_eq!(
            tree(&tmp.path().join("raw-out")),
            tree(&tmp.path().join("plain-out")),
            "{name}: a BOM or CRLF changed the output"
        );
    }
    assert!(n >= 2, "good_ inputs: {n}");
}

/// Inputs too large to commit: a 10 MB string (closed and unterminated), 10,000 nested `[` and
/// `{`, a file of more broken declarations than are reported.
#[test]
fn huge_and_deeply_nested_inputs_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let big = "a".repeat(10 * 1024 * 1024);
    let cases: Vec<(&str, String, &str, u64)> = vec![
        (
            "ten_mb_string",
            format!("{BASE}app checkout in payments {{\n  service_account = \"{big}\"\n}}\n"),
            "E106",
            8,
        ),
        (
            "ten_mb_unterminated_string",
            format!("{BASE}app checkout in payments {{\n  service_account = \"{big}\n}}\n"),
            "E001",
            8,
        ),
        (
            "ten_mb_comment_then_error",
            format!("{BASE}# {big}\nclustr x {{ }}\n"),
            "E001",
            8,
        ),
        (
            "nested_brackets",
            format!(
                "{BASE}app checkout in payments {{\n  identity = {}\n}}\n",
                "[".repeat(10_000)
            ),
            "E001",
            8,
        ),
        (
            "nested_braces",
            format!("{BASE}app checkout in payments {}\n", "{".repeat(10_000)),
            "E001",
            7,
        ),
        (
            "many_broken_declarations",
            format!("{BASE}{}", "clustr x { }\n".repeat(5_000)),
            "E001",
            7,
        ),
    ];
    let mut failures = Vec::new();
    for (name, text, want, line) in cases {
        let file = tmp.path().join(format!("{name}.access"));
        fs::write(&file, &text).unwrap();
        let started = std::time::Instant::now();
        let diags = build_bad(&file, name, &mut failures);
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(60),
            "{name}: took {took:?}"
        );
        if !diags.iter().any(|d| d["code"] == want && d["line"] == line) {
            failures.push(format!(
                "{name}: no {want} on line {line}: {:?}",
                diags
                    .iter()
                    .map(|d| format!("{} {}:{}", d["code"], d["line"], d["column"]))
                    .collect::<Vec<_>>()
            ));
        }
        // Messages quote what they found, but not megabytes of it.
        for d in &diags {
            let len = d["message"].as_str().map_or(0, str::len);
            if len > 2_000 {
                failures.push(format!("{name}: a {len}-byte message ({})", d["code"]));
            }
        }
    }
    // Nor do the human reports print a 10 MB source line back.
    let o = accessc(&["build", "ten_mb_string.access", "-o", "out"], tmp.path());
    assert_no_panic(&o, "ten_mb_string (human)");
    assert_eq!(code(&o), 1);
    assert!(
        o.stderr.len() < 100_000,
        "a {}-byte human report",
        o.stderr.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every input that once crashed a fuzz target compiles (with or without errors) and renders
/// its diagnostics without a panic. A folder is one program of several files; a file is raw
/// fuzzer bytes (decoded lossily, as the byte target does).
#[test]
fn fuzz_regressions_do_not_panic() {
    use accessc::diagnostics::render::{self, Format};
    let dir = root().join("tests/fuzz_regressions");
    let mut entries: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    entries.sort();
    assert!(!entries.is_empty());
    for entry in entries {
        let mut sources = accessc::source::Sources::new();
        if entry.is_dir() {
            let mut files: Vec<PathBuf> = fs::read_dir(&entry)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            for f in files {
                let text = String::from_utf8_lossy(&fs::read(&f).unwrap()).into_owned();
                sources.add(f.file_name().unwrap().to_string_lossy(), text);
            }
        } else {
            let bytes = fs::read(&entry).unwrap();
            sources.add("input.access", String::from_utf8_lossy(&bytes).into_owned());
        }
        let name = entry.display().to_string();
        let result = std::panic::catch_unwind(|| {
            let compiled = accessc::compile(&sources);
            for format in [
                Format::Short,
                Format::Json,
                Format::Human {
                    color: false,
                    width: Some(100),
                },
                Format::Human {
                    color: false,
                    width: None,
                },
            ] {
                let _ = render::render(&compiled.diags, &sources, format);
            }
            for d in &compiled.diags {
                let span = d.span.expect("every diagnostic has a span");
                let text = &sources.get(span.file).unwrap().text;
                assert!(span.start <= span.end && (span.end as usize) <= text.len());
            }
            assert_eq!(
                compiled.artifacts.is_some(),
                !accessc::diagnostics::has_errors(&compiled.diags)
            );
        });
        assert!(result.is_ok(), "{name} panicked");
    }
}

// ---------------------------------------------------------------------------------------------
// File-system faults

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A project with a built output, then a changed input: `T/src`, `T/site/out`.
fn built_project() -> (tempfile::TempDir, BTreeMap<String, Vec<u8>>) {
    let tmp = tempfile::tempdir().unwrap();
    fs::create_dir_all(tmp.path().join("src")).unwrap();
    fs::create_dir_all(tmp.path().join("site")).unwrap();
    fs::write(tmp.path().join("src/cluster.access"), BASE).unwrap();
    fs::write(tmp.path().join("src/app.access"), APP).unwrap();
    let o = accessc(&["build", "src", "-o", "site/out"], tmp.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let before = tree(&tmp.path().join("site/out"));
    fs::write(
        tmp.path().join("src/app.access"),
        APP.replace("orders", "orders2")
            .replace("checkout", "checkout2"),
    )
    .unwrap();
    (tmp, before)
}

/// The fault contract: exit 2, an error naming `path_part`, the previous output intact, no
/// staging folder left behind.
fn assert_fault(o: &Output, t: &Path, before: &BTreeMap<String, Vec<u8>>, path_part: &str) {
    assert_no_panic(o, path_part);
    let err = stderr(o);
    assert_eq!(code(o), 2, "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("error:") && l.contains(path_part)),
        "the error does not name `{path_part}`: {err}"
    );
    assert_eq!(
        &tree(&t.join("site/out")),
        before,
        "the previous output changed"
    );
    assert!(
        !t.join("site/.out.accessc-new").exists(),
        "a staging folder was left behind"
    );
}

/// Run a shell script in a private mount namespace (its mounts vanish with it).
fn in_mount_namespace(script: &str, cwd: &Path) -> Option<Output> {
    if !is_root() || !have("unshare") {
        return None;
    }
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp"])
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    Some(
        Command::new("unshare")
            .args(["-m", "sh", "-ec", script])
            .current_dir(cwd)
            .env("ACCESSC", env!("CARGO_BIN_EXE_accessc"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap(),
    )
}

#[test]
fn read_only_output_folder() {
    let mut ran = Vec::new();
    // 1. A read-only file system (a read-only bind mount; root only).
    let (p, before) = built_project();
    let t = p.path();
    let script = format!(
        "mount --bind {site} {site}; mount -o remount,bind,ro {site}; \
         exec \"$ACCESSC\" build src -o site/out",
        site = t.join("site").display()
    );
    if let Some(o) = in_mount_namespace(&script, t) {
        assert!(
            stderr(&o).contains("Read-only file system"),
            "{}",
            stderr(&o)
        );
        assert_fault(&o, t, &before, "site/");
        ran.push("read-only mount");
    }

    // 2. An immutable output folder (`chattr +i`, which stops root too).
    let (p, before) = built_project();
    let t = p.path();
    let out = t.join("site/out");
    let chattr = |flag: &str| {
        Command::new("chattr")
            .args([flag, out.to_str().unwrap()])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if is_root() && have("chattr") && chattr("+i") {
        let o = accessc(&["build", "src", "-o", "site/out"], t);
        let undone = chattr("-i");
        assert!(undone, "chattr -i failed");
        assert_fault(&o, t, &before, "site/out");
        ran.push("immutable folder");
    }

    // 3. Permission bits: as a non-root user (root ignores them), directly or via setpriv.
    let (p, before) = built_project();
    let t = p.path();
    let out = t.join("site/out");
    let mode = |path: &Path, m: u32| {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(m)).unwrap();
    };
    let o = if !is_root() {
        mode(&out, 0o555);
        Some(accessc(&["build", "src", "-o", "site/out"], t))
    } else if have("setpriv") {
        // `nobody` may read the project and write into `site`, but not into `site/out`.
        for d in [t, &t.join("src"), &t.join("site")] {
            mode(d, 0o777);
        }
        mode(&out, 0o555);
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_accessc"),
                "build",
                "src",
                "-o",
                "site/out",
            ])
            .current_dir(t)
            .env("NO_COLOR", "1")
            .output()
            .ok()
    } else {
        None
    };
    if let Some(o) = o {
        mode(&out, 0o755);
        assert!(stderr(&o).contains("ermission denied"), "{}", stderr(&o));
        assert_fault(&o, t, &before, "site/out");
        ran.push("permission bits");
    }
    if ran.is_empty() {
        println!("skipped: not root (no mounts, no chattr) and no way to drop privileges");
    } else {
        println!("read-only output checked with: {}", ran.join(", "));
    }
}

/// After the new tree is swapped in, the old one is removed; when that fails (a folder of it
/// made immutable), the build still succeeds — the new output is complete — and says where the
/// old tree was left; the next build removes it. Root only (`chattr +i`); skipped elsewhere.
#[test]
fn an_old_tree_that_cannot_be_removed_is_left_with_a_warning() {
    if !is_root() || !have("chattr") {
        println!("skipped: needs root and chattr");
        return;
    }
    let (p, before) = built_project();
    let t = p.path();
    let chattr = |flag: &str, dir: &Path| {
        Command::new("chattr")
            .args([flag, dir.to_str().unwrap()])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let stuck = t.join("site/out/aws");
    if !chattr("+i", &stuck) {
        println!("skipped: the file system has no immutable flag");
        return;
    }
    let o = accessc(&["build", "src", "-o", "site/out"], t);
    let left = t.join("site/.out.accessc-new");
    let undone = chattr("-i", &left.join("aws")) || chattr("-i", &stuck);
    assert!(undone, "chattr -i failed");
    assert_no_panic(&o, "leftover");
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: cannot remove the previous output, left in")
            && err.contains(".out.accessc-new")
            && err.contains("the next build removes it"),
        "{err}"
    );
    assert!(!err.contains("intact"), "{err}");
    // The new output is in place; what is left of the old tree (what could not be removed) is
    // where the warning says.
    let now = tree(&t.join("site/out"));
    assert!(now != before, "the output did not change");
    assert!(
        now.keys().any(|k| k.contains("checkout2")),
        "{:?}",
        now.keys()
    );
    assert!(left.join("aws").is_dir());
    // The next build (nothing to change) removes it.
    let o = accessc(&["build", "src", "-o", "site/out"], t);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!left.exists());
    assert!(
        tree(&t.join("site/out")) == now,
        "the second build changed the output"
    );
}

#[test]
fn output_path_that_is_a_file() {
    let (p, _) = built_project();
    let t = p.path();
    fs::write(t.join("site/file"), "not a folder\n").unwrap();
    let o = accessc(&["build", "src", "-o", "site/file"], t);
    assert_no_panic(&o, "file");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("site/file"), "{}", stderr(&o));
    assert_eq!(fs::read(t.join("site/file")).unwrap(), b"not a folder\n");
    // A file where a parent folder should be.
    let o = accessc(&["build", "src", "-o", "site/file/out"], t);
    assert_no_panic(&o, "file/out");
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("site/file"), "{}", stderr(&o));
    assert_eq!(fs::read(t.join("site/file")).unwrap(), b"not a folder\n");
}

#[test]
fn symlink_loop_in_the_input_tree() {
    let (p, before) = built_project();
    let t = p.path();
    fs::create_dir_all(t.join("src/nested")).unwrap();
    std::os::unix::fs::symlink("..", t.join("src/nested/loop")).unwrap();
    let o = accessc(&["build", "src", "-o", "site/out"], t);
    assert_fault(&o, t, &before, "src/nested/loop");
    assert!(stderr(&o).contains("loop"), "{}", stderr(&o));
    // A link to itself named like an input file.
    fs::remove_file(t.join("src/nested/loop")).unwrap();
    std::os::unix::fs::symlink("self.access", t.join("src/self.access")).unwrap();
    let o = accessc(&["build", "src", "-o", "site/out"], t);
    assert_fault(&o, t, &before, "src/self.access");
}

#[test]
fn unreadable_input_file() {
    use std::os::unix::fs::PermissionsExt;
    let (p, before) = built_project();
    let t = p.path();
    let file = t.join("src/app.access");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    let o = if !is_root() {
        Some(accessc(&["build", "src", "-o", "site/out"], t))
    } else if have("setpriv") {
        for d in [t, &t.join("src"), &t.join("site")] {
            fs::set_permissions(d, fs::Permissions::from_mode(0o777)).unwrap();
        }
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                env!("CARGO_BIN_EXE_accessc"),
                "build",
                "src",
                "-o",
                "site/out",
            ])
            .current_dir(t)
            .env("NO_COLOR", "1")
            .output()
            .ok()
    } else {
        None
    };
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    match o {
        Some(o) => {
            assert!(stderr(&o).contains("ermission denied"), "{}", stderr(&o));
            assert_fault(&o, t, &before, "src/app.access");
        }
        None => println!("skipped: root reads any file and there is no setpriv to drop privileges"),
    }
}

#[test]
fn full_disk() {
    let (p, _) = built_project();
    let t = p.path();
    // Inside a private mount namespace: a 512 KiB tmpfs over `site`, the previous output copied
    // in, the disk filled up, then a build whose new files cannot be written. The script
    // copies the output back out (to `after`) before the namespace and its tmpfs vanish.
    let mut big = String::new();
    for i in 0..200 {
        big.push_str(&APP.replace("checkout", &format!("app{i}")));
    }
    fs::write(t.join("src/app.access"), big).unwrap();
    let script = format!(
        "cp -a {t}/site/out {t}/saved; \
         mount -t tmpfs -o size=512k tmpfs {t}/site; \
         cp -a {t}/saved {t}/site/out; \
         dd if=/dev/zero of={t}/site/filler bs=4k 2>/dev/null || true; \
         set +e; \"$ACCESSC\" build src -o site/out; rc=$?; set -e; \
         rm -f {t}/site/filler; \
         mkdir {t}/after; cp -a {t}/site/. {t}/after/; \
         exit $rc",
        t = t.display()
    );
    let Some(o) = in_mount_namespace(&script, t) else {
        println!("skipped: a small tmpfs needs root and `unshare -m` (mounts) here");
        return;
    };
    assert_no_panic(&o, "full disk");
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("error:") && l.contains("site/")),
        "{err}"
    );
    assert_eq!(
        tree(&t.join("after/out")),
        tree(&t.join("saved")),
        "the previous output changed"
    );
    assert!(
        !t.join("after/.out.accessc-new").exists(),
        "a staging folder was left behind"
    );
}
