//! `accessc explain`: a diagnostic code's documentation, or an app's effective permissions with
//! where each came from ([`crate::explain`]).

use std::path::PathBuf;

use super::{exit, input, print_diags, stdout, Cli};
use crate::diagnostics::{self, Code};

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
pub fn app(cli: &Cli, key: &str, paths: &[PathBuf]) -> u8 {
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
