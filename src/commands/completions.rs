//! `completions SHELL`: the shell's completion script, generated from the same clap definitions
//! the arguments are parsed with ([`crate::cli::command`]), so the two cannot drift; and
//! `__complete NAMES`, which the bash, zsh and fish scripts run to offer the profile and
//! sso-session names of the config for `--profile` and `--sso-session` (clap_complete's static
//! scripts offer file names there; its dynamic completion is still an unstable feature).

use crate::cli::{COMPLETE, Names, command};
use crate::config;
use crate::env::Environment;

/// The completion script for `shell`.
///
/// bash, zsh and fish complete `--profile` and `--sso-session` values by running the command
/// being completed with `__complete profiles` / `__complete sso-sessions` (so the names come from
/// the config that command reads, `AWS_CONFIG_FILE` included). PowerShell and elvish scripts are
/// clap_complete's as they are.
///
/// clap_complete's bash script (4.6.11) spells the state for a subcommand of a program with a
/// hyphen in its name two ways, so nothing after a subcommand completed (clap-rs/clap#6421): its
/// case labels are respelled the way its dispatch loop spells them. A no-op once clap_complete is
/// fixed; `tests/it/completions.rs` checks the result.
pub fn script(shell: clap_complete::Shell) -> String {
    let name = crate::program::PROGRAM_NAME;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command(), name, &mut script);
    let script = String::from_utf8_lossy(&script).into_owned();
    match shell {
        clap_complete::Shell::Bash => {
            bash_values(&script.replace(&name.replace('-', "__subcmd__"), &name.replace('-', "__")))
        }
        clap_complete::Shell::Zsh => zsh_values(&script),
        clap_complete::Shell::Fish => fish_values(&script),
        _ => script,
    }
}

/// The flags whose values are names from the config, with the `__complete` argument for each.
const NAMED: [(&str, &str); 2] = [("profile", "profiles"), ("sso-session", "sso-sessions")];

/// bash: the `--profile)` / `--sso-session)` cases offer `compgen -W` of the names instead of
/// file names.
fn bash_values(script: &str) -> String {
    let file_names = r#"COMPREPLY=($(compgen -f "${cur}"))"#;
    let mut out = String::with_capacity(script.len() + 1024);
    let mut names_for: Option<&str> = None;
    for line in script.split_inclusive('\n') {
        match names_for.take() {
            Some(names) if line.trim() == file_names => {
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push_str(&format!(
                    "{indent}COMPREPLY=($(compgen -W \"$(\"${{COMP_WORDS[0]}}\" {COMPLETE} {names} 2>/dev/null)\" -- \"${{cur}}\"))\n"
                ));
                continue;
            }
            _ => {}
        }
        names_for = NAMED.iter().find(|(flag, _)| line.trim() == format!("--{flag})")).map(|(_, names)| *names);
        out.push_str(line);
    }
    out
}

/// zsh: the `--profile=[…]:PROFILE:_default` and `--sso-session=[…]:NAME:_default` specs call a
/// function that adds the names.
fn zsh_values(script: &str) -> String {
    let function = format!(
        "\n_aws_sso_credential_process_names() {{\n    local -a names\n    names=(${{(f)\"$(${{words[1]}} {COMPLETE} $1 2>/dev/null)\"}})\n    compadd -a names\n}}\n"
    );
    let mut out = String::with_capacity(script.len() + 1024);
    for (index, line) in script.split_inclusive('\n').enumerate() {
        let named = NAMED.iter().find(|(flag, _)| line.contains(&format!("--{flag}=[")) && line.contains(":_default'"));
        match named {
            Some((_, names)) => {
                out.push_str(&line.replacen(":_default'", &format!(":_aws_sso_credential_process_names {names}'"), 1))
            }
            None => out.push_str(line),
        }
        // After `#compdef`, which must stay the first line.
        if index == 0 {
            out.push_str(&function);
        }
    }
    out
}

/// fish: `-l profile … -r` and `-l sso-session … -r` offer the names, and no file names.
///
/// Also mends clap_complete's (4.6.11) `needs_command` function, which parses the line with
/// `argparse` and gives up when the line ends with an option that takes a value
/// (`aws-sso-credential-process --format `): no option before a subcommand could complete its
/// value. It now parses the line without that last option in that case.
fn fish_values(script: &str) -> String {
    let needs_command = "    argparse -s (__fish_aws_sso_credential_process_global_optspecs) -- $cmd 2>/dev/null\n";
    let script = script.replacen(
        &format!("{needs_command}    or return\n"),
        &format!(
            "{needs_command}    or argparse -s (__fish_aws_sso_credential_process_global_optspecs) -- $cmd[1..-2] 2>/dev/null\n    or return\n"
        ),
        1,
    );
    let function = format!(
        "function __fish_aws_sso_credential_process_names\n    set -l program (commandline -opc)[1]\n    for name in (command $program {COMPLETE} $argv 2>/dev/null)\n        printf '%s\\t%s\\n' $name (string replace -r 's$' '' -- $argv[1])\n    end\nend\n\n"
    );
    let mut out = function;
    for line in script.split_inclusive('\n') {
        let named =
            NAMED.iter().find(|(flag, _)| line.contains(&format!(" -l {flag} ")) && line.trim_end().ends_with(" -r"));
        match named {
            Some((_, names)) => {
                out.push_str(line.trim_end());
                out.push_str(&format!(" -f -a '(__fish_aws_sso_credential_process_names {names})'\n"));
            }
            None => out.push_str(line),
        }
    }
    out
}

/// `__complete NAMES`: the profile or sso-session names in the files `env` points at, one per
/// line, sorted; nothing (never an error) if the files cannot be read.
pub fn names(names: Names, env: &Environment) -> String {
    let Ok(loaded) = config::load(env) else { return String::new() };
    let list: Vec<&str> = match names {
        Names::Profiles => loaded.files.profile_names(),
        Names::SsoSessions => loaded.files.config.sso_sessions().map(|(name, _)| name).collect(),
    };
    list.iter().filter(|name| !name.contains('\n')).map(|name| format!("{name}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    /// Every `--profile` (root, `status`, `configure`, `login`, `logout`) and `--sso-session`
    /// (root, `status`, `login`, `logout`) is
    /// rewritten: a clap_complete upgrade that changes the scripts' shape fails here, not silently.
    #[test]
    fn every_name_flag_is_rewritten_in_each_shell() {
        let count = |shell, needle: &str| script(shell).matches(needle).count();
        assert_eq!(count(Shell::Bash, "__complete profiles"), 5);
        assert_eq!(count(Shell::Bash, "__complete sso-sessions"), 4);
        assert_eq!(count(Shell::Zsh, ":_aws_sso_credential_process_names profiles'"), 5);
        assert_eq!(count(Shell::Zsh, ":_aws_sso_credential_process_names sso-sessions'"), 4);
        assert_eq!(count(Shell::Fish, "(__fish_aws_sso_credential_process_names profiles)"), 5);
        assert_eq!(count(Shell::Fish, "(__fish_aws_sso_credential_process_names sso-sessions)"), 4);
        assert_eq!(count(Shell::Fish, "-- $cmd[1..-2] 2>/dev/null"), 1);
        assert!(script(Shell::Zsh).starts_with("#compdef aws-sso-credential-process\n"));
    }
}
