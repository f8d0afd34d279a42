//! `accessc lint [PATH…] [--format text|json|sarif] [--deny-warnings] [-o OUT]`: the command
//! line's side of the lint (reading inputs, printing the report, the exit code).
//!
//! The report goes to standard output, the summary to standard error. Exit codes: 0 no errors
//! (warnings allowed unless `--deny-warnings`; notes and suppressed findings never fail), 1 the
//! input has errors or denied warnings, 2 the inputs could not be read.

use std::path::{Path, PathBuf};

use super::{exit, input, stdout};
use crate::lint::render::{render, summary, LintFormat};
use crate::lint::{self, registry, Finding, Level};

/// Run `accessc lint`.
pub fn run(
    ctx: &crate::Context,
    paths: &[PathBuf],
    out: &Path,
    format: LintFormat,
    deny_warnings: bool,
) -> u8 {
    let (sources, read_diags) = match input::load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let options = crate::writer::read_manifest(out)
        .map(|m| crate::Options::from_manifest(&m))
        .unwrap_or_default();
    let mut report = lint::analyze_in(ctx, &sources, &options);
    report
        .findings
        .extend(read_diags.into_iter().map(|d| Finding::from_diag(d, None)));
    stdout::print(&render(&report, &sources, format));
    let errors = report.count(Level::Error);
    let warnings = report.count(Level::Warning);
    eprintln!("accessc lint: {}", summary(&report));
    if errors > 0 || (deny_warnings && warnings > 0) {
        exit::INPUT
    } else {
        exit::OK
    }
}

/// Print `docs/rules.md`.
pub fn rules_doc() -> u8 {
    stdout::print(&registry::markdown());
    exit::OK
}
