//! `accessc completions SHELL` and `accessc man`: the shell's completion script and the manual
//! page, both generated from the command line's own definition ([`super::Cli`]), so they never
//! drift from it.

use clap::CommandFactory;

use super::{exit, stdout, Cli};

/// `accessc completions SHELL`: the completion script for that shell.
pub fn completions(shell: clap_complete::Shell) -> u8 {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "accessc", &mut out);
    stdout::print(&String::from_utf8_lossy(&out));
    exit::OK
}

/// `accessc man`: accessc(1) in roff, with a section per command.
pub fn man() -> u8 {
    let cmd = Cli::command();
    let mut out = Vec::new();
    let page = clap_mangen::Man::new(cmd.clone());
    if let Err(e) = page.render(&mut out) {
        eprintln!("error: cannot render the manual page: {e}");
        return exit::SYSTEM;
    }
    // The commands, each a section with its description, synopsis and options as
    // subsections (clap_mangen's page lists only their names).
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("accessc {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        let mut section = Vec::new();
        if man.render_description_section(&mut section).is_err()
            || man.render_synopsis_section(&mut section).is_err()
            || man.render_options_section(&mut section).is_err()
        {
            continue;
        }
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        for line in String::from_utf8_lossy(&section).lines() {
            match line.strip_prefix(".SH ") {
                Some(title) => out.extend_from_slice(format!(".SS {title}\n").as_bytes()),
                None => {
                    out.extend_from_slice(line.as_bytes());
                    out.push(b'\n');
                }
            }
        }
    }
    stdout::print(&String::from_utf8_lossy(&out));
    exit::OK
}
