//! `accessc diff`: what `build` would change, as permission changes per principal, then the
//! text diff of the changed files.
//!
//! The base is the committed output folder (`-o OUT`, default `out`), another output folder
//! (`--base DIR`), or the program at a git revision (`--git REV`: the same PATHs at that
//! revision, compiled). Both sides become sets of generated files, and both are read into one
//! [`model::Model`] by the same code, so that every form compares alike.
//!
//! Exit codes mirror `git diff --exit-code`: 0 nothing would change, 1 something would (a
//! permission or only the text of a file), 2 errors (the input or the base has errors, a file
//! or git failed).

pub mod compare;
pub mod files;
pub mod git;
pub mod model;
pub mod render;

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::{exit, Cli, ErrorFormat};
use crate::diagnostics::render::Format;
use crate::diagnostics::{self, Diag};
use crate::source::Sources;

pub use compare::{Change, PrincipalReport};
pub use files::{FileChange, FileStatus};
pub use model::{Files, Model};

/// A diff: the permission changes and the changed files.
#[derive(Clone, Debug)]
pub struct Report {
    /// What the new output is compared with, in words.
    pub base: String,
    /// Principals whose permissions change.
    pub principals: Vec<PrincipalReport>,
    /// Files that change.
    pub files: Vec<FileChange>,
}

impl Report {
    /// Whether anything would change.
    pub fn changed(&self) -> bool {
        !self.files.is_empty()
    }

    /// How many permission changes there are.
    pub fn permission_changes(&self) -> usize {
        self.principals.iter().map(|p| p.changes.len()).sum()
    }

    /// Render in a format.
    pub fn render(&self, format: DiffFormat) -> String {
        match format {
            DiffFormat::Text => render::text(self),
            DiffFormat::Markdown => render::markdown(self),
            DiffFormat::Json => render::json(self),
        }
    }
}

/// Compare two sets of generated files.
pub fn diff_files(base: &Files, new: &Files, base_label: &str) -> Report {
    Report {
        base: base_label.to_string(),
        principals: compare::compare(&Model::read(base), &Model::read(new)),
        files: files::changes(base, new),
    }
}

/// Output formats of `diff`.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum DiffFormat {
    /// Readable text with a unified diff.
    #[default]
    Text,
    /// Markdown for a pull-request comment.
    Markdown,
    /// JSON.
    Json,
}

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

/// Print diagnostics as the command line's `--error-format` says.
pub fn print_diags(cli: &Cli, diags: &[Diag], sources: &Sources) {
    if diags.is_empty() && cli.error_format != ErrorFormat::Json {
        return;
    }
    let format = match cli.error_format {
        ErrorFormat::Human => Format::human_for_stderr(),
        ErrorFormat::Short => Format::Short,
        ErrorFormat::Json => Format::Json,
    };
    eprint!("{}", diagnostics::render::render(diags, sources, format));
}

/// Compile a program; on errors print them and return None.
fn compile_or_report(
    cli: &Cli,
    sources: &Sources,
    extra: Vec<Diag>,
    options: &crate::Options,
    what: &str,
) -> Option<Files> {
    let mut compiled = crate::compile_with(sources, options);
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
            Some(files::from_artifacts(&a))
        }
        _ => {
            eprintln!("accessc: cannot diff: {what} has errors");
            None
        }
    }
}

/// Run `accessc diff`.
pub fn command(cli: &Cli, args: &DiffArgs) -> u8 {
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
    let (sources, read_diags) = match crate::cli::input::load(&args.paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let Some(new_files) = compile_or_report(cli, &sources, read_diags, &options, "the program")
    else {
        return exit::SYSTEM;
    };
    let base_files = match base_files {
        Some(f) => f,
        None => {
            let dir = args.base.as_ref().unwrap_or(&args.out);
            match files::read_output(dir, &new_files) {
                Ok(f) => f,
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::SYSTEM;
                }
            }
        }
    };
    let report = diff_files(&base_files, &new_files, &label);
    crate::cli::stdout::print(&report.render(args.format));
    if report.changed() {
        exit::INPUT
    } else {
        exit::OK
    }
}
