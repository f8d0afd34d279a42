//! Standard output, for every command that prints: a reader that goes away (`accessc lint |
//! head -1`) ends the process quietly, never with a panic (`print!` panics when its write
//! fails).
//!
//! On Linux `SIGPIPE` has its default action (see `quiet_on_closed_pipe` in the parent
//! module), so the write that finds the pipe closed ends the process by the signal, as it ends
//! any Unix filter. Where it does not (another system, or a parent that blocked the signal), the
//! write fails with `BrokenPipe`, and the process exits with [`CLOSED`] at once, printing
//! nothing. Any other write error (a full disk behind a redirection) is an error on standard
//! error, exit 2.

use std::io::{self, Write};

use super::exit;

/// The exit code when standard output was closed by its reader: 128 + 13, what a shell
/// reports for a process that `SIGPIPE` ended.
pub const CLOSED: u8 = 141;

/// Write `text` to standard output and flush it (see the module's documentation for a
/// failure).
pub fn print(text: &str) {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    if let Err(e) = write(&mut lock, text) {
        drop(lock);
        let code = ending(&e);
        if code != CLOSED {
            let _ = writeln!(io::stderr(), "error: cannot write to standard output: {e}");
        }
        std::process::exit(i32::from(code));
    }
}

/// `text` written and flushed.
fn write(w: &mut impl Write, text: &str) -> io::Result<()> {
    w.write_all(text.as_bytes())?;
    w.flush()
}

/// The exit code for a failed write to standard output.
fn ending(e: &io::Error) -> u8 {
    if e.kind() == io::ErrorKind::BrokenPipe {
        CLOSED
    } else {
        exit::SYSTEM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pipe whose reader went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::BrokenPipe))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_a_quiet_exit_and_other_failures_an_error() {
        let e = write(&mut Closed, "x").unwrap_err();
        assert_eq!(ending(&e), CLOSED);
        assert_eq!(
            ending(&io::Error::from(io::ErrorKind::StorageFull)),
            exit::SYSTEM
        );
        let mut v = Vec::new();
        write(&mut v, "text\n").unwrap();
        assert_eq!(v, b"text\n");
    }
}
