//! A config file that exists but cannot be read is reported as unreadable, with its path and the
//! operating system's error, by every command: never as missing (which would send the user
//! looking for a profile that is there).
//!
//! Root reads every file, so when the suite runs as root (as CI does) these runs drop to the
//! `nobody` user with `setpriv` (util-linux), on a copy of the binary and a HOME that `nobody`
//! owns; as another user they run as that user.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use crate::harness::*;

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Gives `path` and everything under it to `nobody`.
fn give_to_nobody(path: &Path) {
    std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            give_to_nobody(&entry.unwrap().path());
        }
    }
}

/// Runs the helper with `args` as a user who is not root, with the config file at mode 000.
fn run_unreadable(env: &TestEnv, args: &[&str]) -> Output {
    let config = env.aws_dir().join("config");
    let command = env.command(&[]);
    if !is_root() {
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
        let output = env.command(args).output().unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        return output;
    }
    // A copy `nobody` can run, wherever the checkout is.
    let bin = env.home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let binary = bin.join("aws-sso-credential-process");
    if !binary.exists() {
        std::fs::copy(binary_under_test(), &binary).unwrap();
    }
    give_to_nobody(env.home.path());
    std::fs::set_permissions(env.home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    let ids = format!("{NOBODY}");
    let mut setpriv_args = vec!["--reuid", &ids, "--regid", &ids, "--clear-groups", "--", binary.to_str().unwrap()];
    setpriv_args.extend_from_slice(args);
    command.output_of("setpriv".as_ref(), &setpriv_args)
}

fn stderr_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().to_owned()
}

#[test]
fn an_unreadable_config_is_unreadable_for_every_command() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let config = env.aws_dir().join("config");
    let unreadable =
        format!("aws-sso-credential-process: cannot read `{}`: Permission denied (os error 13)", config.display());
    for args in [
        &["--profile", "dev-sso"][..],
        &["--profile", "dev-sso", "--format", "env"],
        &["status", "--profile", "dev-sso"],
        &["status", "--all"],
        &["configure", "--profile", "dev-sso"],
    ] {
        let output = run_unreadable(&env, args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout), "", "{args:?}");
        assert_eq!(stderr_line(&output), unreadable, "{args:?}");
    }
    let output = run_unreadable(&env, &["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(
            "problem  config-syntax\n  where: $HOME/.aws/config\n"
                .replace("$HOME", env.home.path().to_str().unwrap())
                .as_str()
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "  what:  this helper cannot read the file (Permission denied (os error 13)), so every profile in it fails\n"
        ),
        "{stdout}"
    );
}
