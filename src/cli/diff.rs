//! `accessc diff`: the command line's side of [`crate::diff`] (arguments, reading the two
//! sides, printing the report, the exit code).
//!
//! The base is the committed output folder (`-o OUT`, default `out`), another output folder
//! (`--base DIR`), or the program at a git revision (`--git REV`: the same PATHs at that
//! revision, compiled, read by [`git`]). Both sides become sets of generated files, which
//! [`crate::diff::diff_files`] compares.
//!
//! Exit codes mirror `git diff --exit-code`: 0 nothing would change, 1 something would (a
//! permission or only the text of a file), 2 errors (the input or the base has errors, a file
//! or git failed).

pub mod git;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{exit, input, print_diags, stdout, Cli};
use crate::diagnostics::{self, Diag};
use crate::diff::{self, DiffFormat, Files};
use crate::emit::manifest;
use crate::source::Sources;

/// `accessc diff` arguments.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// `.access` files or folders; default `.`.
    pub paths: Vec<PathBuf>,
    /// The output folder `build` writes (the base, unless `--base` or `--git`).
    #[arg(short, long, default_value = "out")]
    pub out: PathBuf,
    /// Compare with another output folder.
    #[arg(long, value_name = "DIR", conflicts_with = "git")]
    pub base: Option<PathBuf>,
    /// Compare with the program at a git revision (the same PATHs, compiled).
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
}

/// Compile a program; on errors print them and return None.
fn compile_or_report(
    ctx: &crate::Context,
    cli: &Cli,
    sources: &Sources,
    extra: Vec<Diag>,
    options: &crate::Options,
    what: &str,
) -> Option<Files> {
    let mut compiled = crate::compile_in(ctx, sources, options);
    compiled.diags.extend(extra);
    diagnostics::sort(&mut compiled.diags);
    print_diags(cli, &compiled.diags, sources);
    match compiled.artifacts {
        Some(a) if !diagnostics::has_errors(&compiled.diags) => {
            // As the writer does: two artifacts at one path would be one file in the map.
            if let Some(why) = crate::writer::paths::collision(a.iter().map(|x| x.path.as_str())) {
                eprintln!("accessc: cannot diff {what}: internal error: {why}");
                return None;
            }
            Some(diff::files::from_artifacts(&a))
        }
        _ => {
            eprintln!("accessc: cannot diff: {what} has errors");
            None
        }
    }
}

/// Run `accessc diff`.
pub fn run(ctx: &crate::Context, cli: &Cli, args: &DiffArgs) -> u8 {
    // The base side first: with `--git` its manifest gives the build options of the new side.
    let (base_files, options, label) = match &args.git {
        Some(rev) => {
            let sources = match git::load_at(rev, &args.paths) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::SYSTEM;
                }
            };
            let Some(files) = compile_or_report(
                ctx,
                cli,
                &sources,
                Vec::new(),
                &crate::Options::default(),
                &format!("the program at {rev}"),
            ) else {
                return exit::SYSTEM;
            };
            let options = files
                .get(crate::emit::manifest::FILE)
                .and_then(|t| crate::emit::manifest::parse(t))
                .map(|m| crate::Options::from_manifest(&m))
                .unwrap_or_default();
            (Some(files), options, format!("the program at {rev}"))
        }
        None => {
            if let Some(base) = args.base.as_ref().filter(|b| !b.exists()) {
                eprintln!("error: the base folder `{}` does not exist", base.display());
                return exit::SYSTEM;
            }
            let dir = args.base.as_ref().unwrap_or(&args.out);
            let options = crate::writer::read_manifest(dir)
                .map(|m| crate::Options::from_manifest(&m))
                .unwrap_or_default();
            (None, options, format!("`{}`", dir.display()))
        }
    };
    let (sources, read_diags) = match input::load(&args.paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let Some(new_files) =
        compile_or_report(ctx, cli, &sources, read_diags, &options, "the program")
    else {
        return exit::SYSTEM;
    };
    let base_files = match base_files {
        Some(f) => f,
        None => {
            let dir = args.base.as_ref().unwrap_or(&args.out);
            match read_output(dir, &new_files) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::SYSTEM;
                }
            }
        }
    };
    let report = diff::diff_files(&base_files, &new_files, &label);
    stdout::print(&report.render(args.format));
    if report.changed() {
        exit::INPUT
    } else {
        exit::OK
    }
}

/// The files of an output folder that `build` would look at: those its manifest lists, those
/// the new build produces, and the manifest. A missing folder has no files. Read under the
/// folder's shared lock, through [`crate::writer::paths`]: a folder that is or holds a symbolic
/// link, a manifest entry that is not a path inside the folder, and a file accessc did not
/// write that a deployment tool may read are errors (naming them), never read.
pub fn read_output(dir: &Path, produced: &Files) -> Result<Files, String> {
    use crate::writer::{lock, paths};
    let _lock = lock::take(dir, lock::Kind::Shared).map_err(|e| e.to_string())?;
    let listing = paths::list(dir).map_err(|e| e.to_string())?;
    if dir.exists() && !dir.is_dir() {
        return Err(format!("`{}` is not a folder", dir.display()));
    }
    let mut paths: Vec<String> = produced.keys().cloned().collect();
    paths.push(manifest::FILE.to_string());
    if let Some(m) = crate::writer::read_manifest(dir) {
        for e in m.artifacts {
            crate::writer::refuse_entry(dir, &e.path).map_err(|e| e.to_string())?;
            paths.push(e.path);
        }
    }
    paths.sort();
    paths.dedup();
    let foreign = paths::foreign(&listing.files, |p| {
        paths.binary_search_by(|q| q.as_str().cmp(p)).is_ok()
    });
    if !foreign.is_empty() {
        let list: Vec<String> = foreign
            .iter()
            .map(|p| format!("\n  foreign: {}", paths::shown(p)))
            .collect();
        return Err(format!(
            "`{}` holds {} file(s) accessc did not write that Terraform, kubectl, kustomize or \
             another tool may apply with it (`accessc check` fails, `accessc build` refuses to \
             write):{}",
            dir.display(),
            foreign.len(),
            list.concat()
        ));
    }
    let mut files = Files::new();
    for p in paths {
        let full = paths::join(dir, &p).map_err(|why| {
            format!(
                "internal error: the output path `{}` is refused ({why})",
                paths::shown(&p)
            )
        })?;
        match fs::read(&full) {
            Ok(bytes) => {
                files.insert(p, String::from_utf8_lossy(&bytes).into_owned());
            }
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.kind() == io::ErrorKind::NotADirectory
                    || e.kind() == io::ErrorKind::IsADirectory => {}
            Err(e) => return Err(format!("cannot read `{}`: {e}", full.display())),
        }
    }
    Ok(files)
}
