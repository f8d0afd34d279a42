//! The command line: argument parsing, reading inputs, printing, exit codes.
//!
//! Every command is a module here (`build` serves `build` and `check`; `diff`, `who_can`,
//! `lint`, `fmt`, `explain`, `import`): it reads what the command needs (through [`input`], the
//! writer, git or standard input), calls the library, which returns data, prints through
//! [`stdout`] and standard error, and returns the exit code ([`exit`]). The library imports
//! nothing from here (but for the templates' reading of their folder, which is moving to the
//! caller), and only here and the writer touch the file system, read the environment or print
//! (tests/architecture.rs).

mod build;
pub mod diff;
mod explain;
mod fmt;
mod graph;
mod import;
pub mod input;
mod lint;
mod lsp;
mod packs;
mod report;
mod shell;
pub mod stdout;
pub mod who_can;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostics::render::{self, Format};
use crate::diagnostics::{self, Diag};
use crate::source::Sources;

/// Exit codes.
pub mod exit {
    /// Success (warnings allowed unless `--deny-warnings`).
    pub const OK: u8 = 0;
    /// The input has errors, or `check` found a stale output.
    pub const INPUT: u8 = 1;
    /// The command line or the file system failed.
    pub const SYSTEM: u8 = 2;
}

/// accessc compiles `.access` files into EKS IAM roles, trust policies, Pod Identity
/// associations and Kubernetes RBAC.
#[derive(Parser, Debug)]
#[command(name = "accessc", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// How diagnostics are printed (default: human; colours only on a terminal).
    #[arg(long, global = true, value_enum, default_value_t = ErrorFormat::Human)]
    pub error_format: ErrorFormat,
    /// Fail (exit 1) on warnings too.
    #[arg(long, global = true)]
    pub deny_warnings: bool,
}

/// Diagnostic formats.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ErrorFormat {
    /// miette's report with the source and a pointer.
    Human,
    /// `file:line:col: error[CODE]: message`.
    Short,
    /// A JSON array.
    Json,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile and write the artifacts (only changed files are written; a failed build writes
    /// nothing).
    Build {
        /// `.access` files or folders (searched recursively); default `.`.
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Targets and templates.
        #[command(flatten)]
        outputs: OutputArgs,
    },
    /// Compile and fail if the output folder is not what `build` would write.
    Check {
        /// `.access` files or folders; default `.`.
        paths: Vec<PathBuf>,
        /// Output folder.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Targets and templates.
        #[command(flatten)]
        outputs: OutputArgs,
    },
    /// Turn existing configuration into `.access` declarations (for migrations).
    Import {
        /// What to import.
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Report the lint findings (best-practice warnings, errors, and notes for what `unsafe`
    /// accepted) as text, JSON or SARIF 2.1.0; `--rules-doc` prints docs/rules.md.
    Lint {
        /// `.access` files or folders; default `.`.
        paths: Vec<PathBuf>,
        /// Report format.
        #[arg(long, value_enum, default_value_t = crate::lint::render::LintFormat::Text)]
        format: crate::lint::render::LintFormat,
        /// The previous output folder (its manifest's authentication modes, for E408).
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Print the rule documentation (docs/rules.md) generated from the rule registry.
        #[arg(long)]
        rules_doc: bool,
    },
    /// Format `.access` files in the canonical style (only files that change are written,
    /// atomically); `-` formats standard input to standard output.
    Fmt {
        /// `.access` files or folders; default `.`.
        paths: Vec<PathBuf>,
        /// Write nothing; list the files that would change and exit 1 if there are any.
        #[arg(long)]
        check: bool,
        /// Print a unified diff of each change.
        #[arg(long)]
        diff: bool,
    },
    /// Explain a diagnostic code (`accessc explain E101`) or an app's effective permissions
    /// with where each came from (`accessc explain payments/checkout [PATH…]`).
    Explain {
        /// A diagnostic code, or an app `NAMESPACE/APP`.
        what: String,
        /// `.access` files or folders (for an app); default `.`.
        paths: Vec<PathBuf>,
    },
    /// Show what `build` would change: the permission changes per principal, then the text
    /// diff (against OUT, `--base DIR` or `--git REV`). Exit 0: no change; 1: changes; 2: errors.
    Diff(diff::DiffArgs),
    /// Write the access report: one self-contained HTML page (no network, no server) with a
    /// searchable index of principals and resources, effective permissions with where each came
    /// from, who reaches each resource, the lint findings and the focused node's graph.
    Report {
        /// `.access` files or folders; default `.`.
        paths: Vec<PathBuf>,
        /// The page to write.
        #[arg(short, long, default_value = "report.html")]
        out: PathBuf,
    },
    /// Who can do an IAM ACTION on a RESOURCE ARN, or a Kubernetes VERB on a RESOURCE
    /// (`-n NS`), with the declaration that grants it. Exit 0: someone; 1: nobody; 2: errors.
    WhoCan(who_can::WhoCanArgs),
    /// The access graph — principals, access entries, roles, apps, clusters, namespaces, AWS
    /// and Kubernetes resources, edges labelled by what they grant — as Mermaid, DOT, JSON or
    /// SVG; `--focus NS/APP`, `--resource ARN`, `--principal ARN` keep one node's paths.
    Graph(graph::GraphArgs),
    /// The packs shipped with accessc (name, controller version, parameters, what it is for);
    /// `accessc packs show NAME` prints a pack's source.
    Packs {
        /// What to do (default: list them).
        #[command(subcommand)]
        what: Option<PacksCommand>,
        /// How to list them: a table (`text`), one JSON document (`json`: name, version,
        /// summary, `use` signature, parameters with types and defaults) or the Markdown index
        /// of docs/packs/README.md (`markdown`).
        #[arg(long, value_enum, default_value_t = PacksFormat::Text)]
        format: PacksFormat,
    },
    /// Print the shell completion script for SHELL (e.g. `accessc completions bash >
    /// ~/.local/share/bash-completion/completions/accessc`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Serve the Language Server Protocol over standard input and output (for editors:
    /// diagnostics, hover, completion, go to definition, references, formatting, quick fixes).
    Lsp,
    /// Print the manual page, accessc(1), in roff (e.g. `accessc man >
    /// ~/.local/share/man/man1/accessc.1`).
    Man,
}

/// What `accessc packs` does beyond listing.
#[derive(Subcommand, Debug)]
pub enum PacksCommand {
    /// Print a built-in pack's `.access` source (or, with `--format markdown`, its
    /// documentation page, as docs/packs/NAME.md holds it).
    Show {
        /// The pack's name.
        name: String,
        /// `access`: the source; `markdown`: the documentation page.
        #[arg(long, value_enum, default_value_t = ShowFormat::Access)]
        format: ShowFormat,
    },
}

/// How `accessc packs` lists the packs.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum PacksFormat {
    /// A table for people.
    Text,
    /// One JSON document.
    Json,
    /// The Markdown index of the packs' documentation.
    Markdown,
}

/// How `accessc packs show` prints a pack.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ShowFormat {
    /// The `.access` source.
    Access,
    /// The documentation page.
    Markdown,
}

/// Which outputs `build` and `check` write.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Write only these targets (comma-separated; default: all but `apply`). `gitops` includes
    /// `kubernetes`, `apply` (the apply plan) includes `aws`; `templates` needs `--templates`.
    /// Files of other targets that an earlier build wrote are removed.
    #[arg(
        long = "target",
        value_enum,
        value_delimiter = ',',
        value_name = "TARGET"
    )]
    pub targets: Vec<crate::emit::target::Target>,
    /// Render the handlebars templates of this folder (`KIND[.LABEL].EXT.hbs`) into
    /// `OUT/templates/` (docs/pipelines.md).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
}

/// What `accessc import` reads.
#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// An aws-auth ConfigMap, as `kubectl get configmap aws-auth -n kube-system -o yaml` prints
    /// it: each mapping becomes an `access` declaration, the node mapping the cluster's `nodes`;
    /// what cannot be expressed is reported.
    AwsAuth {
        /// The ConfigMap (YAML or JSON); `-` reads standard input.
        file: PathBuf,
        /// The cluster the declarations are on.
        #[arg(long, default_value = "my-cluster")]
        cluster: String,
        /// Write the declarations to this file instead of standard output.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
}

/// Run the command line; returns the process exit code.
///
/// `release_memory` gives freed memory back to the system (the binary's allocator's; see
/// [`crate::Context::with_release_memory`]). The command runs in one [`crate::Context`],
/// made here from the environment: every compile it makes and the writer's work use its
/// thread count.
pub fn main(release_memory: fn()) -> ExitCode {
    quiet_on_closed_pipe();
    let mut ctx = crate::Context::new().with_release_memory(release_memory);
    if let Some(n) = threads_from_env() {
        ctx = ctx.with_threads(n);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::SYSTEM
            } else {
                exit::OK
            });
        }
    };
    ExitCode::from(ctx.run(|| run(&ctx, cli)))
}

/// `ACCESSC_THREADS=N` caps the threads a large build uses (1 turns parallelism off; unset,
/// zero or not a number: every core).
fn threads_from_env() -> Option<usize> {
    std::env::var("ACCESSC_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
}

/// End the process quietly, as a Unix filter does, when whoever reads its output goes away
/// (`accessc check … | head`): restore the default action of `SIGPIPE`, which Rust's runtime
/// ignores (a write to the closed pipe would then fail). accessc writes to no other pipe or
/// socket. Linux only; elsewhere, and where the signal is blocked, every print goes through
/// [`stdout::print`], which ends the process quietly on the failed write.
fn quiet_on_closed_pipe() {
    #[cfg(target_os = "linux")]
    // SAFETY: setting a signal's disposition to the default has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The human report for standard error: colours and wrapping at its width only on a terminal
/// (colours not with `NO_COLOR`); a pipe or a file gets every line whole.
fn human_for_stderr() -> Format {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    Format::Human {
        color: terminal && std::env::var_os("NO_COLOR").is_none(),
        width: terminal
            .then(|| terminal_size::terminal_size_of(std::io::stderr()))
            .flatten()
            .map(|(w, _)| usize::from(w.0).max(MIN_WIDTH)),
    }
}

/// Narrower terminals are wrapped as if they had this many columns.
const MIN_WIDTH: usize = 40;

/// The diagnostics format `--error-format` asks for.
fn format(cli: &Cli) -> Format {
    match cli.error_format {
        ErrorFormat::Human => human_for_stderr(),
        ErrorFormat::Short => Format::Short,
        ErrorFormat::Json => Format::Json,
    }
}

/// Print diagnostics to standard error as `--error-format` says (JSON prints `[]` for none).
fn print_diags(cli: &Cli, diags: &[Diag], sources: &Sources) {
    if diags.is_empty() && cli.error_format != ErrorFormat::Json {
        return;
    }
    eprint!("{}", render::render(diags, sources, format(cli)));
}

/// `1 error, 2 warnings` (None without diagnostics).
fn summary(diags: &[Diag]) -> Option<String> {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    match (errors, warnings) {
        (0, 0) => None,
        (e, w) => Some(format!(
            "{e} error{}, {w} warning{}",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        )),
    }
}

/// Why [`compiled_ir`] has no IR.
enum NoIr {
    /// The inputs could not be read (said).
    Unread,
    /// The program has errors (printed).
    Errors,
}

/// Read the `.access` files under `paths` (with the diagnostics of reading them), else say why
/// not.
fn read_program(paths: &[PathBuf]) -> Result<(Sources, Vec<Diag>), NoIr> {
    input::load(paths).map_err(|e| {
        eprintln!("error: {e}");
        NoIr::Unread
    })
}

/// Read and compile the program under `paths` for a command that asks the IR a question
/// (`explain`, `who-can`): the IR and the sources, else why not, said or printed.
fn compiled_ir(
    ctx: &crate::Context,
    cli: &Cli,
    paths: &[PathBuf],
) -> Result<(crate::ir::Ir, Sources), NoIr> {
    let (sources, read_diags) = read_program(paths)?;
    let mut compiled = crate::compile_in(ctx, &sources, &crate::Options::default());
    compiled.diags.extend(read_diags);
    diagnostics::sort(&mut compiled.diags);
    let Some(ir) = compiled
        .ir
        .filter(|_| !diagnostics::has_errors(&compiled.diags))
    else {
        print_diags(cli, &compiled.diags, &sources);
        return Err(NoIr::Errors);
    };
    Ok((ir, sources))
}

/// Run a parsed command line in a context.
pub fn run(ctx: &crate::Context, cli: Cli) -> u8 {
    match &cli.command {
        Command::Build {
            paths,
            out,
            outputs,
        } => build::run(ctx, &cli, paths, out, outputs, false),
        Command::Check {
            paths,
            out,
            outputs,
        } => build::run(ctx, &cli, paths, out, outputs, true),
        Command::Import {
            what: ImportCommand::AwsAuth { file, cluster, out },
        } => import::aws_auth(file, cluster, out.as_deref()),
        Command::Lint {
            paths,
            format,
            out,
            rules_doc,
        } => {
            if *rules_doc {
                lint::rules_doc()
            } else {
                lint::run(ctx, paths, out, *format, cli.deny_warnings)
            }
        }
        Command::Fmt { paths, check, diff } => fmt::run(
            paths,
            fmt::Options {
                check: *check,
                diff: *diff,
            },
            format(&cli),
        ),
        Command::Explain { what, paths } => {
            if what.contains('/') {
                explain::app(ctx, &cli, what, paths)
            } else {
                explain::code(what)
            }
        }
        Command::Diff(args) => diff::run(ctx, &cli, args),
        Command::WhoCan(args) => who_can::run(ctx, &cli, args),
        Command::Graph(args) => graph::run(ctx, &cli, args),
        Command::Report { paths, out } => report::run(ctx, &cli, paths, out),
        Command::Packs { what: None, format } => packs::list(*format),
        Command::Packs {
            what: Some(PacksCommand::Show { name, format }),
            ..
        } => packs::show(name, *format),
        Command::Completions { shell } => shell::completions(*shell),
        Command::Man => shell::man(),
        Command::Lsp => lsp::run(),
    }
}
