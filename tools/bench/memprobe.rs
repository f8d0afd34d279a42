//! Memory after each stage of a compile (not a test; for profiling, see docs/performance.md).
//!
//!     cargo run --release --example memprobe -- CORPUS_DIR
//!
//! Uses the system allocator and returns freed memory to the system (`malloc_trim`) before each
//! reading, so that the resident size is what each stage keeps alive.

use std::path::PathBuf;
use std::process::ExitCode;

fn rss(label: &str) {
    #[cfg(target_os = "linux")]
    // SAFETY: malloc_trim only releases free memory of the system allocator.
    unsafe {
        libc::malloc_trim(0);
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    eprintln!(
        "{label:<16} rss {:>5} MB  peak {:>5} MB",
        field("VmRSS:"),
        field("VmHWM:")
    );
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: memprobe CORPUS_DIR");
        return ExitCode::from(2);
    };
    let Ok((sources, _)) = accessc::load_inputs(&[PathBuf::from(&dir)]) else {
        eprintln!("error: cannot read {dir}");
        return ExitCode::from(2);
    };
    rss("read");
    let (program, _) = accessc::parse(&sources);
    rss("parsed");
    let (ir, _) = accessc::check_and_lower(&program, &accessc::Options::default());
    rss("checked");
    drop(program);
    rss("tree dropped");
    let Some(ir) = ir else {
        eprintln!("error: the corpus has errors");
        return ExitCode::from(1);
    };
    let statements: usize = ir.roles.iter().map(|r| r.statements.len()).sum();
    let actions: usize = ir
        .roles
        .iter()
        .flat_map(|r| &r.statements)
        .map(|s| s.actions.len())
        .sum();
    eprintln!(
        "IR: {} roles, {statements} statements, {actions} actions, {} service accounts, {} RBAC grants",
        ir.roles.len(),
        ir.service_accounts.len(),
        ir.rbac.len()
    );
    let Ok(artifacts) = accessc::emit::all(&ir, &sources) else {
        eprintln!("error: emission failed");
        return ExitCode::from(1);
    };
    rss("emitted");
    let bytes: usize = artifacts.iter().map(|a| a.contents.len()).sum();
    eprintln!("{} files, {:.1} MB", artifacts.len(), bytes as f64 / 1e6);
    ExitCode::SUCCESS
}
