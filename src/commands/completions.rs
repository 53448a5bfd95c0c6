//! `completions SHELL`: the shell's completion script, generated from the same clap definitions
//! the arguments are parsed with ([`crate::cli::command`]), so the two cannot drift.

use crate::cli::command;

/// The completion script for `shell`. clap_complete's bash script (4.6.11) spells the state for
/// a subcommand of a program with a hyphen in its name two ways, so nothing after a subcommand
/// completed (clap-rs/clap#6421): its case labels are respelled the way its dispatch loop spells
/// them. A no-op once clap_complete is fixed; `tests/it/completions.rs` checks the result.
pub fn script(shell: clap_complete::Shell) -> String {
    let name = crate::program::PROGRAM_NAME;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), name, &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        clap_complete::Shell::Bash => script.replace(&name.replace('-', "__subcmd__"), &name.replace('-', "__")),
        _ => script,
    }
}
