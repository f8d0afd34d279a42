//! The command line: argument parsing, reading inputs, printing, exit codes.

mod build;
pub mod input;
pub mod stdout;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostics::render::{self, Format};
use crate::diagnostics::{self, Code, Diag};
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
        #[arg(long, value_enum, default_value_t = crate::lint::command::LintFormat::Text)]
        format: crate::lint::command::LintFormat,
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
    Diff(crate::diff::DiffArgs),
    /// Who can do an IAM ACTION on a RESOURCE ARN, or a Kubernetes VERB on a RESOURCE
    /// (`-n NS`), with the declaration that grants it. Exit 0: someone; 1: nobody; 2: errors.
    WhoCan(crate::who_can::WhoCanArgs),
}

/// Which outputs `build` and `check` write.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Write only these targets (comma-separated; default: all). `gitops` includes
    /// `kubernetes`; `templates` needs `--templates`. Files of other targets that an earlier
    /// build wrote are removed.
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
pub fn main() -> ExitCode {
    quiet_on_closed_pipe();
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
    ExitCode::from(run(cli))
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

fn format(cli: &Cli) -> Format {
    match cli.error_format {
        ErrorFormat::Human => Format::human_for_stderr(),
        ErrorFormat::Short => Format::Short,
        ErrorFormat::Json => Format::Json,
    }
}

pub(crate) fn print_diags(cli: &Cli, diags: &[Diag], sources: &Sources) {
    if diags.is_empty() && cli.error_format != ErrorFormat::Json {
        return;
    }
    eprint!("{}", render::render(diags, sources, format(cli)));
}

pub(crate) fn summary(diags: &[Diag]) -> Option<String> {
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

/// Run a parsed command line.
pub fn run(cli: Cli) -> u8 {
    match &cli.command {
        Command::Build {
            paths,
            out,
            outputs,
        } => build::run(&cli, paths, out, outputs, false),
        Command::Check {
            paths,
            out,
            outputs,
        } => build::run(&cli, paths, out, outputs, true),
        Command::Import {
            what: ImportCommand::AwsAuth { file, cluster, out },
        } => import_aws_auth(file, cluster, out.as_deref()),
        Command::Lint {
            paths,
            format,
            out,
            rules_doc,
        } => {
            if *rules_doc {
                crate::lint::command::rules_doc()
            } else {
                crate::lint::command::run(paths, out, *format, cli.deny_warnings)
            }
        }
        Command::Fmt { paths, check, diff } => crate::fmt::command::run(
            paths,
            crate::fmt::command::Options {
                check: *check,
                diff: *diff,
            },
            format(&cli),
        ),
        Command::Explain { what, paths } => {
            if what.contains('/') {
                explain_app(&cli, what, paths)
            } else {
                explain(what)
            }
        }
        Command::Diff(args) => crate::diff::command(&cli, args),
        Command::WhoCan(args) => crate::who_can::command(&cli, args),
    }
}

fn explain(code: &str) -> u8 {
    match code.parse::<Code>() {
        Ok(c) => {
            stdout::print(c.doc());
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::SYSTEM
        }
    }
}

fn explain_app(cli: &Cli, key: &str, paths: &[PathBuf]) -> u8 {
    let (sources, read_diags) = match input::load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::SYSTEM;
        }
    };
    let mut compiled = crate::compile(&sources);
    compiled.diags.extend(read_diags);
    diagnostics::sort(&mut compiled.diags);
    let Some(ir) = compiled
        .ir
        .filter(|_| !diagnostics::has_errors(&compiled.diags))
    else {
        print_diags(cli, &compiled.diags, &sources);
        eprintln!("accessc: cannot explain `{key}`: the input has errors");
        return exit::INPUT;
    };
    match crate::explain::app(&ir, &sources, key) {
        Some(text) => {
            // Values quoted in it reach the terminal with nothing hidden.
            stdout::print(&crate::source::show_hidden(&text, true));
            exit::OK
        }
        None => {
            eprintln!("error: no app `{key}` in the program");
            exit::INPUT
        }
    }
}

fn import_aws_auth(file: &std::path::Path, cluster: &str, out: Option<&std::path::Path>) -> u8 {
    use std::io::Read;
    if let Err(e) = crate::import::aws_auth::check_cluster_name(cluster) {
        eprintln!("error: --cluster: {e}");
        return exit::SYSTEM;
    }
    let (text, from) = if file.as_os_str() == "-" {
        let mut text = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut text) {
            eprintln!("error: cannot read standard input: {e}");
            return exit::SYSTEM;
        }
        (text, "standard input".to_string())
    } else {
        match std::fs::read_to_string(file) {
            Ok(t) => (
                t,
                format!(
                    "`{}`",
                    crate::source::display_name(&file.display().to_string())
                ),
            ),
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", file.display());
                return exit::SYSTEM;
            }
        }
    };
    let imported = match crate::import::aws_auth::convert(&text, cluster) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            return exit::INPUT;
        }
    };
    let source = imported.to_source(&from);
    for n in &imported.notes {
        eprintln!("{n}");
    }
    let node_roles =
        imported.nodes.len() + imported.windows_nodes.len() + imported.fargate_roles.len();
    if node_roles == 0 {
        eprintln!("note: no node role mapping: set `nodes` on cluster `{cluster}` before building");
    }
    let dropped = imported
        .notes
        .iter()
        .filter(|n| n.kind == crate::import::NoteKind::NotImported)
        .count();
    let count = imported.accesses.len();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let carried = imported.passthrough_roles.len()
        + imported.passthrough_users.len()
        + imported.passthrough_accounts.len();
    eprintln!(
        "accessc: {count} access declaration{} for cluster `{cluster}`, {node_roles} node role{}, {carried} item{} carried through unchecked (W404); {dropped} item{} not imported",
        plural(count),
        plural(node_roles),
        plural(carried),
        plural(dropped),
    );
    match out {
        None => {
            stdout::print(&source);
            exit::OK
        }
        Some(path) => match std::fs::write(path, source) {
            Ok(()) => {
                eprintln!("accessc: wrote {}", path.display());
                exit::OK
            }
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                exit::SYSTEM
            }
        },
    }
}
