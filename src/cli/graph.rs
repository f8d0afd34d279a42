//! `accessc graph`: the command line's side of [`crate::graph`] (arguments, reading the
//! program, focusing, rendering, printing or writing the picture, the exit code).
//!
//! Exit codes: 0 the picture was printed or written; 1 the program has errors (printed as
//! `build` prints them) or the focus names nothing (with a "did you mean"); 2 the input or the
//! output could not be read or written.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::stdout::print;
use super::{exit, print_diags, read_program, Cli, NoIr};
use crate::diagnostics;
use crate::graph::{self, Focus};
use crate::source::Sources;

/// Output formats of `graph`.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    /// A Mermaid flowchart (GitHub renders it in Markdown).
    #[default]
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// The nodes and edges as JSON.
    Json,
    /// An SVG picture, laid out by accessc itself.
    Svg,
}

/// `accessc graph` arguments.
#[derive(Args, Debug)]
pub struct GraphArgs {
    /// `.access` files or folders; default `.`.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
    /// Only the paths through this app (`NAMESPACE/APP`).
    #[arg(long, value_name = "NS/APP", group = "focus_on")]
    pub focus: Option<String>,
    /// Only who reaches this AWS resource (an ARN; matched against the program's ARN patterns
    /// as IAM matches them).
    #[arg(long, value_name = "ARN", group = "focus_on")]
    pub resource: Option<String>,
    /// Only the paths through this IAM principal or role (an ARN).
    #[arg(long, value_name = "ARN", group = "focus_on")]
    pub principal: Option<String>,
    /// Draw every app, even apps of the same shape (default: they collapse into one node).
    #[arg(long)]
    pub no_collapse: bool,
    /// Write the picture to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Run `accessc graph`.
pub fn run(ctx: &crate::Context, cli: &Cli, args: &GraphArgs) -> u8 {
    let (ir, sources) = match checked_ir(ctx, cli, &args.paths) {
        Ok(x) => x,
        Err(NoIr::Unread) => return exit::SYSTEM,
        Err(NoIr::Errors) => {
            eprintln!("accessc: no graph: the input has errors");
            return exit::INPUT;
        }
    };
    let full = graph::build(&ir, &sources);
    // The IR's largest parts are freed on every thread (as `build` frees them).
    let crate::ir::Ir {
        roles,
        rbac,
        service_accounts,
        ..
    } = ir;
    crate::par::drop_vec(roles);
    crate::par::drop_vec(rbac);
    crate::par::drop_vec(service_accounts);
    let focus = if let Some(app) = &args.focus {
        Some(Focus::App(app.clone()))
    } else if let Some(arn) = &args.resource {
        Some(Focus::Resource(arn.clone()))
    } else {
        args.principal.clone().map(Focus::Principal)
    };
    let g = match &focus {
        None => full,
        Some(f) => match graph::focus(&full, f) {
            Some(g) => g,
            None => {
                let (what, name) = match f {
                    Focus::App(a) => ("app", a),
                    Focus::Resource(a) => ("ARN pattern or resource policy matching", a),
                    Focus::Principal(a) => ("principal or role", a),
                };
                let candidates = graph::focus_candidates(&full, f);
                let hint = crate::suggest::closest(name, candidates.iter().map(String::as_str))
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default();
                eprintln!("error: no {what} `{name}` in the program{hint}");
                return exit::INPUT;
            }
        },
    };
    let g = if args.no_collapse {
        g
    } else {
        graph::collapse_into(g)
    };
    let text = match args.format {
        GraphFormat::Mermaid => graph::mermaid::render(&g),
        GraphFormat::Dot => graph::dot::render(&g),
        GraphFormat::Json => graph::json::render(&g),
        GraphFormat::Svg => graph::svg::render(&g),
    };
    crate::par::drop_vec(g.nodes);
    crate::par::drop_vec(g.edges);
    match &args.out {
        None => {
            print(&text);
            exit::OK
        }
        Some(path) => match super::fmt::write_atomically(path, text.as_bytes()) {
            Ok(()) => exit::OK,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                exit::SYSTEM
            }
        },
    }
}

/// Read, parse, check and lower the program under `paths`, and lint it, as `build` does up to
/// its emitters: the IR and the sources, else why not, said or printed (the diagnostics as
/// `build` prints them). The emitters do not run: a picture needs no output files, and at
/// 10,000 apps they are half of a build's time; the errors only they find (a policy over
/// IAM's size limit) do not stop the picture.
fn checked_ir(
    ctx: &crate::Context,
    cli: &Cli,
    paths: &[PathBuf],
) -> Result<(crate::ir::Ir, Sources), NoIr> {
    let (sources, read_diags) = read_program(paths)?;
    let (ir, mut diags) = ctx.run(|| {
        let (program, mut diags) = crate::parse(&sources);
        if diagnostics::has_errors(&diags) {
            return (None, diags);
        }
        let (ir, checked) = crate::check_and_lower_in(ctx, &program, &crate::Options::default());
        diags.extend(checked);
        crate::lint::finish(&sources, &program, ir.as_ref(), &mut diags);
        crate::par::drop_vec(program.decls);
        (ir, diags)
    });
    diags.extend(read_diags);
    diagnostics::sort(&mut diags);
    match ir.filter(|_| !diagnostics::has_errors(&diags)) {
        Some(ir) => Ok((ir, sources)),
        None => {
            print_diags(cli, &diags, &sources);
            Err(NoIr::Errors)
        }
    }
}
