use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::*;

const SUBCOMMANDS: [&str; 7] = ["status", "configure", "doctor", "login", "logout", "completions", "man"];
/// The helper's long flags, and each subcommand's.
const LONG_FLAGS: [&str; 16] = [
    "--profile",
    "--sso-session",
    "--start-url",
    "--account-id",
    "--role-name",
    "--format",
    "--min-ttl",
    "--lock-timeout",
    "--verbose",
    "--all",
    "--json",
    "--verify",
    "--name",
    "--write",
    "--use-device-code",
    "--no-browser",
];

/// What `completions SHELL` (or `man`) prints; it must succeed with nothing on stderr.
fn generated(args: &[&str]) -> String {
    let run = TestEnv::empty().run_any(args);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
    assert!(run.stdout.ends_with('\n'));
    run.stdout
}

/// Whether `program` can be run; if not, says which check is skipped (or fails, under `.ci/run`,
/// which installs them and sets AWS_SSO_CP_REQUIRE_SHELLS).
fn installed(program: &str, check: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(std::env::var_os("AWS_SSO_CP_REQUIRE_SHELLS").is_none(), "`{program}` is required for {check}");
        note(&format!("`{program}` is not installed: skipping {check}"));
    }
    found
}

#[expect(clippy::print_stderr, reason = "a test saying which check it skipped")]
fn note(line: &str) {
    eprintln!("note: {line}");
}

fn write_script(dir: &Path, shell: &str) -> std::path::PathBuf {
    let path = dir.join(format!("completion.{shell}"));
    std::fs::write(&path, generated(&["completions", shell])).unwrap();
    path
}

#[test]
fn every_shell_gets_a_script_with_every_subcommand_and_long_flag() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = generated(&["completions", shell]);
        for word in SUBCOMMANDS.iter().chain(&LONG_FLAGS) {
            // fish names long flags without their dashes (`-l min-ttl`).
            let word = if shell == "fish" { word.trim_start_matches('-') } else { word };
            assert!(script.contains(word), "{shell}: {word} missing");
        }
    }
    let run = TestEnv::empty().run_any(&["completions", "tcsh"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

/// Sources the bash script and asks its completion function what it offers for `words` (the
/// last one being completed), as bash does on TAB.
fn bash_completions(script: &Path, words: &[&str]) -> Vec<String> {
    bash_completions_in(Command::new("bash"), script, words)
}

/// [`bash_completions`] with `command`'s environment (a HOME with a config, the binary on PATH).
fn bash_completions_in(mut command: Command, script: &Path, words: &[&str]) -> Vec<String> {
    const DRIVER: &str = r#"
        source "$1"; shift
        function=$(complete -p aws-sso-credential-process | sed -E 's/.* -F ([^ ]+) .*/\1/')
        COMP_WORDS=(aws-sso-credential-process "$@")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        "$function" aws-sso-credential-process "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let output =
        command.args(["--norc", "--noprofile", "-c", DRIVER, "driver"]).arg(script).args(words).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

#[test]
fn the_bash_script_is_valid_and_completes_subcommands_flags_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "bash");
    let syntax = Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));

    assert_eq!(bash_completions(&script, &["st"]), ["status"]);
    assert_eq!(bash_completions(&script, &["con"]), ["configure"]);
    assert_eq!(bash_completions(&script, &["--min"]), ["--min-ttl"]);
    assert_eq!(bash_completions(&script, &["configure", "--w"]), ["--write"]);
    assert_eq!(bash_completions(&script, &["status", "--v"]), ["--verify", "--verbose"]);
    assert_eq!(bash_completions(&script, &["--format", "env"]), ["env", "env-no-export"]);
    assert_eq!(bash_completions(&script, &["completions", "p"]), ["powershell"]);
}

#[test]
fn the_zsh_and_fish_scripts_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    if installed("zsh", "the zsh syntax check") {
        let check = Command::new("zsh").arg("-n").arg(write_script(dir.path(), "zsh")).output().unwrap();
        assert!(check.status.success(), "zsh -n: {}", String::from_utf8_lossy(&check.stderr));
    }
    if installed("fish", "the fish checks") {
        let script = write_script(dir.path(), "fish");
        let check = Command::new("fish").arg("--no-execute").arg(&script).output().unwrap();
        assert!(check.status.success(), "fish --no-execute: {}", String::from_utf8_lossy(&check.stderr));
        let source = format!("source {}; complete -C'aws-sso-credential-process st'", script.display());
        let offered = Command::new("fish").args(["--no-config", "-c", &source]).output().unwrap();
        let offered = String::from_utf8(offered.stdout).unwrap();
        assert!(offered.starts_with("status\t"), "{offered}");
    }
}

#[test]
fn the_man_page_is_roff_that_lists_the_subcommands_and_renders() {
    let page = generated(&["man"]);
    // clap_mangen starts with the `Aq` string definitions roff needs, then the title.
    let title = page.lines().position(|line| line.starts_with(".TH aws-sso-credential-process 1 "));
    let first_section = page.lines().position(|line| line.starts_with(".SH"));
    assert!(matches!((title, first_section), (Some(t), Some(s)) if t < 3 && t < s), "{page}");
    assert!(page.lines().take(3).all(|line| line.starts_with('.')), "{page}");
    for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "ENVIRONMENT", "EXAMPLES"] {
        assert!(page.contains(&format!("\n.SH {section}\n")), "{section} missing");
    }
    // One page: each subcommand has its own section with its synopsis, description and flags.
    for subcommand in SUBCOMMANDS {
        let heading = format!("\n.SH \"COMMAND: {}\"\n", subcommand.to_uppercase());
        assert!(page.contains(&heading), "{subcommand}");
        assert!(page.contains(&format!(".SS \"{subcommand} OPTIONS\"")), "{subcommand}");
        assert!(page.contains(&format!(".SS \"{subcommand} EXIT CODES\"\n0 ")), "{subcommand}");
    }
    for flag in LONG_FLAGS {
        assert!(page.contains(&format!("\\fB{}\\fR", flag.replace('-', "\\-"))), "{flag}");
    }
    assert!(!page.contains("(1)\n"), "no references to pages that do not exist");
    assert!(page.contains("\\fB\\-\\-min\\-ttl\\fR"));

    if !installed("man", "rendering the man page") {
        return;
    }
    let mut man = Command::new("man")
        .args(["--warnings", "-l", "-"])
        .env("LC_ALL", "C.UTF-8")
        .env("MANWIDTH", "80")
        .env("MANPAGER", "cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    man.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let output = man.wait_with_output().unwrap();
    let (rendered, warnings) = (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap());
    assert!(output.status.success(), "man -l -: {warnings}");
    assert_eq!(warnings, "", "groff warnings");
    // Justified text: compare words, not spacing.
    let rendered = rendered.split_whitespace().collect::<Vec<_>>().join(" ");
    for text in [
        "NAME aws-sso-credential-process - Prints AWS credential_process JSON",
        "COMMAND: STATUS",
        "--min-ttl <DURATION>",
    ] {
        assert!(rendered.contains(text), "{text} not in the rendered page:\n{rendered}");
    }
    for subcommand in SUBCOMMANDS {
        let synopsis = format!("{subcommand} SYNOPSIS aws-sso-credential-process {subcommand} ");
        assert!(rendered.contains(&synopsis), "{synopsis} not in {rendered}");
    }
}

/// A shell in `env`'s HOME with the binary under test first on PATH, as a person who installed it
/// would have it.
fn shell_in(env: &TestEnv, shell: &str) -> Command {
    let bin = binary_under_test();
    let path = std::env::join_paths(
        std::iter::once(bin.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let mut command = env.command(&[]);
    let mut shell = Command::new(shell);
    shell.env_clear();
    for (name, value) in command.get_envs() {
        if let Some(value) = value {
            shell.env(name, value);
        }
    }
    shell.env("PATH", path);
    let _ = command.stdin(Stdio::null());
    shell
}

const PROFILES: [&str; 5] = ["dev", "dev-sso", "legacy", "prod", "prod-admin"];

/// `__complete` lists the names of the config (and credentials file), sorted, quietly.
#[test]
fn the_hidden_lister_prints_the_names_in_the_config() {
    let env = TestEnv::new();
    env.write_credentials_file("[ci]\naws_access_key_id = AKIAEXAMPLEKEYID\naws_secret_access_key = SECRET\n");
    let run = env.run_any(&["__complete", "profiles"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), [&["ci"][..], &PROFILES].concat());
    assert_eq!(env.run_any(&["__complete", "sso-sessions"]).stdout, "my-sso\n");
    // A file that cannot be parsed: nothing, and no error in the middle of a command line.
    env.write_config("[profile a]\nx = 1\n[profile a]\n");
    let run = env.run_any(&["__complete", "profiles"]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    assert!(!generated(&["--help"]).contains("__complete"));
}

#[test]
fn bash_completes_profile_and_sso_session_names_from_the_config() {
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    let script = write_script(dir.path(), "bash");
    let complete = |words: &[&str]| bash_completions_in(shell_in(&env, "bash"), &script, words);
    assert_eq!(complete(&["--profile", "d"]), ["dev", "dev-sso"]);
    assert_eq!(complete(&["--profile", ""]), PROFILES);
    assert_eq!(complete(&["status", "--profile", "prod"]), ["prod", "prod-admin"]);
    assert_eq!(complete(&["configure", "--profile", "l"]), ["legacy"]);
    assert_eq!(complete(&["--sso-session", ""]), ["my-sso"]);
    assert_eq!(complete(&["status", "--sso-session", "m"]), ["my-sso"]);
}

#[test]
fn zsh_and_fish_complete_profile_and_sso_session_names_from_the_config() {
    let env = TestEnv::new();
    let dir = tempfile::tempdir().unwrap();
    if installed("zsh", "the zsh name completion") {
        // The completion system needs a terminal; the function the specs call is run with
        // `compadd` and `compdef` standing in for it, as `_arguments` would call it.
        let script = write_script(dir.path(), "zsh");
        let driver = format!(
            "compdef() {{ }}; compadd() {{ print -l -- ${{(P)2}} }}; source {}; words=(aws-sso-credential-process --profile); _aws_sso_credential_process_names profiles; _aws_sso_credential_process_names sso-sessions",
            script.display()
        );
        let output = shell_in(&env, "zsh").args(["-f", "-c", &driver]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let offered = String::from_utf8(output.stdout).unwrap();
        assert_eq!(offered.lines().collect::<Vec<_>>(), [&PROFILES[..], &["my-sso"]].concat());
        let spec = std::fs::read_to_string(&script).unwrap();
        assert!(spec.contains(":PROFILE:_aws_sso_credential_process_names profiles'"), "{spec}");
        assert!(spec.contains(":NAME:_aws_sso_credential_process_names sso-sessions'"), "{spec}");
    }
    if installed("fish", "the fish name completion") {
        let script = write_script(dir.path(), "fish");
        let offered = |line: &str| {
            let source = format!("source {}; complete -C'{line}'", script.display());
            let output = shell_in(&env, "fish").args(["--no-config", "-c", &source]).output().unwrap();
            let text = String::from_utf8(output.stdout).unwrap();
            text.lines().map(|l| l.split('\t').next().unwrap().to_owned()).collect::<Vec<_>>()
        };
        assert_eq!(offered("aws-sso-credential-process --profile d"), ["dev", "dev-sso"]);
        // clap_complete's own value completion before a subcommand, mended too.
        assert_eq!(offered("aws-sso-credential-process --format e"), ["env", "env-no-export"]);
        assert_eq!(offered("aws-sso-credential-process status --sso-session "), ["my-sso"]);
        assert_eq!(offered("aws-sso-credential-process configure --profile pr"), ["prod", "prod-admin"]);
    }
}

/// Each subcommand's `--help` ends with its exit codes (the man page has them too, above).
#[test]
fn each_subcommand_help_lists_its_exit_codes() {
    for (subcommand, codes) in [
        ("status", &["0 every profile", "1 --verify", "2 bad arguments", "3 a profile needs", "4 or 5 --verify"][..]),
        ("configure", &["0 done", "1 the config file", "2 bad arguments"]),
        ("doctor", &["0 no problem", "1 at least one", "2 bad arguments"]),
        ("completions", &["0 printed", "2 bad arguments"]),
        ("man", &["0 printed"]),
        ("login", &["0 signed in", "1 a file", "2 bad arguments", "3 the sign-in did not complete", "4 AWS"]),
        ("logout", &["0 signed out", "1 a file", "2 bad arguments"]),
    ] {
        let help = generated(&[subcommand, "--help"]);
        let at = help.find("\nExit codes: ").unwrap_or_else(|| panic!("{subcommand}: {help}"));
        let text = help[at..].split_whitespace().collect::<Vec<_>>().join(" ");
        for code in codes {
            assert!(text.contains(code), "{subcommand}: {code} not in {text}");
        }
    }
}
