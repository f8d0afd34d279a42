//! `accessc explain`: a diagnostic code's documentation, or an app's effective permissions with
//! where each came from ([`crate::explain`]).

use std::path::PathBuf;

use super::{compiled_ir, exit, stdout, Cli, NoIr};
use crate::diagnostics::Code;

/// `accessc explain CODE`: the code's documentation.
pub fn code(code: &str) -> u8 {
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

/// `accessc explain NAMESPACE/APP [PATH…]`: the app's effective permissions.
pub fn app(ctx: &crate::Context, cli: &Cli, key: &str, paths: &[PathBuf]) -> u8 {
    let (ir, sources) = match compiled_ir(ctx, cli, paths) {
        Ok(x) => x,
        Err(NoIr::Unread) => return exit::SYSTEM,
        Err(NoIr::Errors) => {
            eprintln!("accessc: cannot explain `{key}`: the input has errors");
            return exit::INPUT;
        }
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
