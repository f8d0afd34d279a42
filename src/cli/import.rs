//! `accessc import aws-auth`: read an aws-auth ConfigMap, print or write the `.access`
//! declarations [`crate::import::aws_auth`] makes of it, and report what it could not import.

use std::io::Read;
use std::path::Path;

use super::{exit, stdout};

/// `accessc import aws-auth FILE [--cluster NAME] [-o OUT]`.
pub fn aws_auth(file: &Path, cluster: &str, out: Option<&Path>) -> u8 {
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
