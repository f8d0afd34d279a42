//! `accessc report [PATH…] -o report.html`: the command line's side of [`crate::report`]
//! (reading the program, writing the page atomically, the exit code).
//!
//! Exit codes: 0 written, 1 the input has errors (printed; no page), 2 the inputs could not be
//! read or the page not written.

use std::path::{Component, Path, PathBuf};

use super::{exit, input, print_diags, Cli};
use crate::lint::Finding;

/// Run `accessc report`.
pub fn run(ctx: &crate::Context, cli: &Cli, paths: &[PathBuf], out: &Path) -> u8 {
    let (sources, read_diags) = match input::load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let (mut lint, ir) = crate::lint::analyze_with_ir(ctx, &sources, &crate::Options::default());
    let errors = crate::diagnostics::has_errors(&read_diags);
    let Some(ir) = ir.filter(|_| !errors) else {
        let mut diags = read_diags;
        diags.extend(
            crate::compile_in(ctx, &sources, &crate::Options::default())
                .diags
                .into_iter()
                .filter(|d| d.severity == crate::diagnostics::Severity::Error),
        );
        crate::diagnostics::sort(&mut diags);
        print_diags(cli, &diags, &sources);
        eprintln!("accessc: cannot write the report: the input has errors");
        return exit::INPUT;
    };
    lint.findings
        .extend(read_diags.into_iter().map(|d| Finding::from_diag(d, None)));
    let options = crate::report::Options {
        link_prefix: link_prefix(out),
    };
    let page = crate::report::render(&ir, &sources, &lint, &options);
    match super::fmt::write_atomically(out, page.as_bytes()) {
        Ok(()) => {
            eprintln!(
                "accessc report: wrote {} ({} bytes)",
                out.display(),
                page.len()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", out.display());
            exit::SYSTEM
        }
    }
}

/// The relative path from the page's folder to the current folder (the one relative source
/// paths are relative to), ending in `/`; empty when they are the same or it cannot be told.
fn link_prefix(out: &Path) -> String {
    let Ok(cwd) = std::env::current_dir() else {
        return String::new();
    };
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Ok(dir) = dir.canonicalize() else {
        return String::new();
    };
    let Ok(cwd) = cwd.canonicalize() else {
        return String::new();
    };
    let a: Vec<Component> = dir.components().collect();
    let b: Vec<Component> = cwd.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut prefix = String::new();
    for _ in common..a.len() {
        prefix.push_str("../");
    }
    for c in &b[common..] {
        prefix.push_str(&c.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    prefix
}
