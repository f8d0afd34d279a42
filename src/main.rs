//! The `accessc` binary.
fn main() -> std::process::ExitCode {
    accessc::cli::main()
}
