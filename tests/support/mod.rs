//! Shared helpers for the integration tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail loudly"
)]
#![allow(dead_code)]

pub mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use accessc::diagnostics::render::{render, Format};
use accessc::source::Sources;

/// The project's root folder (where `Cargo.toml` is).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the `accessc` binary in `cwd` with `NO_COLOR=1`. Its output goes to pipes: what a CI log
/// or `2>&1 | less` gets.
pub fn accessc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accessc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A finished command's exit code (-1 when a signal ended it).
pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A finished command's standard output, lossily decoded.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A finished command's standard error, lossily decoded.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes, by its path relative to `dir` with `/` separators.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (
                rel.to_string_lossy().replace('\\', "/"),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Every `.access` file of a case folder, sorted, named relative to the folder.
pub fn load_dir(dir: &Path) -> Sources {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "access"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    let mut sources = Sources::new();
    for f in files {
        let rel = f
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&f).unwrap();
        match String::from_utf8(bytes) {
            Ok(text) => {
                sources.add(rel, text);
            }
            Err(e) => {
                sources.add_unparsed(rel, String::from_utf8_lossy(e.as_bytes()).into_owned());
            }
        }
    }
    sources
}

/// Compile a case folder. A `previous-manifest.json` in the folder stands for the previous
/// output's manifest (its clusters' authentication modes feed the transition check, E408); a
/// `templates/` folder stands for `--templates templates`; a `targets` file (`aws,apply`) for
/// `--target aws,apply`.
pub fn compile_dir(dir: &Path, sources: &Sources) -> accessc::Compiled {
    let mut options = std::fs::read_to_string(dir.join("previous-manifest.json"))
        .ok()
        .and_then(|t| accessc::emit::manifest::parse(&t))
        .map(|m| accessc::Options::from_manifest(&m))
        .unwrap_or_default();
    if dir.join("templates").is_dir() {
        let mut set = accessc::templates::TemplateSet::read(&dir.join("templates")).unwrap();
        set.dir = "templates".into();
        options.templates = Some(set);
    }
    if let Ok(targets) = std::fs::read_to_string(dir.join("targets")) {
        let list = targets.trim().split(',').map(|t| t.parse().unwrap());
        options.targets = accessc::emit::target::Targets::of(list);
    }
    accessc::compile_with(sources, &options)
}

/// Compile and render everything: sources, diagnostics, then each artifact.
pub fn run_case(dir: &Path) -> String {
    let sources = load_dir(dir);
    let compiled = compile_dir(dir, &sources);
    let mut out = String::new();
    for (_, f) in sources.iter() {
        out.push_str(&format!("----- SOURCE {}\n{}", f.path, f.text));
        if !f.text.ends_with('\n') {
            out.push('\n');
        }
    }
    out.push_str("----- DIAGNOSTICS\n");
    out.push_str(&render(
        &compiled.diags,
        &sources,
        Format::Human {
            color: false,
            width: Some(100),
        },
    ));
    if let Some(artifacts) = &compiled.artifacts {
        for a in artifacts {
            if a.path == "manifest.json" {
                continue;
            }
            out.push_str(&format!("----- {}\n{}", a.path, a.contents));
        }
    } else {
        out.push_str("----- NO OUTPUT\n");
    }
    out
}

/// The proptest configuration of the property tests: `PROPTEST_CASES` programs (default 48, to
/// keep CI fast), no failure files.
pub fn proptest_config() -> proptest::prelude::ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    proptest::prelude::ProptestConfig {
        cases,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    }
}

/// xorshift64*: reproducible random numbers without a dependency.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// One of `items` (not empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
