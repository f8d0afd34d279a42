//! `accessc who-can`: the command line's side of [`crate::who_can`] (arguments, reading the
//! program, printing the answer, the exit code).
//!
//! Exit codes, as `grep`: 0 someone can, 1 nobody can, 2 the question or the input is wrong.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::stdout::print;
use super::{compiled_ir, exit, Cli, NoIr};
use crate::source::show_hidden;
use crate::who_can::{iam, is_iam_question, kube};

/// Output formats of `who-can`.
#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum WhoCanFormat {
    /// Readable text.
    #[default]
    Text,
    /// JSON.
    Json,
}

/// `accessc who-can` arguments.
#[derive(Args, Debug)]
pub struct WhoCanArgs {
    /// An IAM action (`s3:GetObject`, wildcards allowed) or a Kubernetes verb (`get`, `delete`).
    pub action: String,
    /// An ARN (for an IAM action) or a Kubernetes resource as `.access` files write it
    /// (`pods`, `pods/exec`, `deployments`, `certificates.cert-manager.io`).
    pub resource: String,
    /// `.access` files or folders; default `.`.
    pub paths: Vec<PathBuf>,
    /// Kubernetes: the namespace (default: every namespace).
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// Kubernetes: only this cluster (default: every cluster).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Kubernetes: the object's name (rules restricted with `named` match only their names).
    #[arg(long)]
    pub name: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = WhoCanFormat::Text)]
    pub format: WhoCanFormat,
}

/// Run `accessc who-can`.
pub fn run(ctx: &crate::Context, cli: &Cli, args: &WhoCanArgs) -> u8 {
    let iam = is_iam_question(&args.action);
    if iam && (args.namespace.is_some() || args.name.is_some() || args.cluster.is_some()) {
        eprintln!(
            "error: `-n`, `--cluster` and `--name` are for Kubernetes questions; `{}` is an IAM action",
            args.action
        );
        return exit::SYSTEM;
    }
    let (ir, sources) = match compiled_ir(ctx, cli, &args.paths) {
        Ok(x) => x,
        Err(NoIr::Unread) => return exit::SYSTEM,
        Err(NoIr::Errors) => {
            eprintln!("accessc: cannot answer: the input has errors");
            return exit::SYSTEM;
        }
    };
    if iam {
        let a = iam::answer(&ir, &sources, &args.action, &args.resource);
        match args.format {
            WhoCanFormat::Text => print(&show_hidden(&iam::render_text(&a), true)),
            WhoCanFormat::Json => print(&format!("{}\n", json(&a))),
        }
        if a.anyone() {
            exit::OK
        } else {
            exit::INPUT
        }
    } else {
        let q = kube::KubeQuery {
            verb: args.action.clone(),
            resource: args.resource.clone(),
            namespace: args.namespace.clone(),
            cluster: args.cluster.clone(),
            name: args.name.clone(),
        };
        match kube::answer(&ir, &sources, &q) {
            Ok(a) => {
                match args.format {
                    WhoCanFormat::Text => print(&show_hidden(&kube::render_text(&a), true)),
                    WhoCanFormat::Json => print(&format!("{}\n", json(&a))),
                }
                if a.grants.is_empty() {
                    exit::INPUT
                } else {
                    exit::OK
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit::SYSTEM
            }
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}
