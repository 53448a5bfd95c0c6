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
    run_with_unreadable(env, &[&env.aws_dir().join("config")], args)
}

/// Runs the helper with `args` as a user who is not root, with each of `paths` at mode 000.
fn run_with_unreadable(env: &TestEnv, paths: &[&Path], args: &[&str]) -> Output {
    // `None`: back to the usual mode.
    let set_modes = |mode: Option<u32>| {
        for path in paths {
            let mode = mode.unwrap_or(if path.is_dir() { 0o700 } else { 0o600 });
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    };
    let command = env.command(&[]);
    if !is_root() {
        set_modes(Some(0o000));
        let output = env.command(args).output().unwrap();
        set_modes(None);
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
    set_modes(Some(0o000));
    let ids = format!("{NOBODY}");
    let mut setpriv_args = vec!["--reuid", &ids, "--regid", &ids, "--clear-groups", "--", binary.to_str().unwrap()];
    setpriv_args.extend_from_slice(args);
    let output = command.output_of("setpriv".as_ref(), &setpriv_args);
    set_modes(None);
    output
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

/// The lines of `doctor`'s text report from the block of check `id` to the next check.
fn doctor_block(stdout: &str, id: &str) -> String {
    let mut block = String::new();
    let mut inside = false;
    for line in stdout.lines() {
        let is_check = !line.starts_with(' ') && line.split_whitespace().nth(1).is_some_and(|word| !word.is_empty());
        if is_check {
            inside = line.split_whitespace().nth(1) == Some(id);
        }
        if inside {
            block.push_str(line);
            block.push('\n');
        }
    }
    block
}

const DENIED: &str = "Permission denied (os error 13)";

/// An unreadable token file: the credential call that needs it fails naming it (exit 1), `status`
/// says so, `doctor` names it with its fix.
#[test]
fn an_unreadable_token_is_named_by_every_command() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let token = env.token_path();
    let output = run_with_unreadable(&env, &[&token], &["--profile", "dev-sso"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_line(&output),
        format!("aws-sso-credential-process: cannot read the SSO token `{}`: {DENIED}", token.display())
    );
    let output = run_with_unreadable(&env, &[&token], &["status", "--profile", "dev-sso"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains(&format!(
            "  State:                unreadable\n  Problem:              cannot read it: {DENIED}\n"
        )),
        "{stdout}"
    );
    let output = run_with_unreadable(&env, &[&token], &["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        doctor_block(&String::from_utf8(output.stdout).unwrap(), "token-file-unparseable"),
        format!(
            "problem  token-file-unparseable\n  where: {path}\n  what:  the token file of the SSO session `my-sso` cannot be read ({DENIED})\n  fix:   check the file's owner and mode (`ls -l {path}`), or run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)\n",
            path = token.display()
        )
    );
    assert_eq!(env.fake.total_calls(), 0);
}

/// Unreadable cached role credentials: the credential call fetches new ones and replaces the file
/// (as the AWS CLI's JSONFileCache does), saying why in `--verbose`; `status` and `doctor` name it.
#[test]
fn unreadable_role_credentials_are_named_and_replaced() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.write_cached_role_credentials(HOUR);
    let cache = env.role_cache_path();
    let output = run_with_unreadable(&env, &[&cache], &["status", "--profile", "dev-sso"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains(&format!("  Expires:              unknown: cannot read it: {DENIED}\n")), "{stdout}");
    let output = run_with_unreadable(&env, &[&cache], &["status", "--profile", "dev-sso", "--json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["profiles"][0]["role_credentials"]["problem"], format!("cannot read it: {DENIED}"));
    let output = run_with_unreadable(&env, &[&cache], &["doctor"]);
    assert_eq!(
        doctor_block(&String::from_utf8(output.stdout).unwrap(), "unusable-files"),
        format!(
            "warning  unusable-files\n  where: {path}\n  what:  this user cannot use it ({DENIED}): the helper and the AWS CLI treat it as missing and replace it at the next fetch\n  fix:   rm {path}\n",
            path = cache.display(),
        )
    );
    let output = run_with_unreadable(&env, &[&cache], &["--profile", "dev-sso", "--verbose"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!(
            "debug: cannot read the cached credentials in {} ({DENIED}): fetching new ones, which replace the file\n",
            cache.display()
        )),
        "{stderr}"
    );
    assert_eq!(env.fake.calls(fake_aws::Route::GetRoleCredentials), 1);
    assert!(std::fs::File::open(&cache).is_ok(), "replaced by a readable file");
}

/// A lock folder this user cannot use: the credential call goes on without locks (and says so in
/// `--verbose`); `status` shows the locks as unknown; `doctor` reports the problem with its fix.
#[test]
fn an_unusable_lock_folder_is_a_doctor_problem() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    std::fs::remove_file(env.role_cache_path()).unwrap();
    let locks = env.lock_dir();
    let output = run_with_unreadable(&env, &[&locks], &["doctor"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        doctor_block(&String::from_utf8(output.stdout).unwrap(), "unusable-files"),
        format!(
            "problem  unusable-files\n  where: {path}\n  what:  this user cannot use it ({DENIED}): no caller can take a lock, so parallel callers each refresh the token and fetch credentials (a refresh token used twice can end the session)\n  fix:   chmod 700 {path}\n",
            path = locks.display(),
        )
    );
    let output = run_with_unreadable(&env, &[&locks], &["--profile", "dev-sso", "--verbose"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&format!("({DENIED}): going on without the lock\n")), "{stderr}");

    // One lock file this user cannot open.
    let lock_file = std::fs::read_dir(&locks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("role-"))
        .unwrap();
    let output = run_with_unreadable(&env, &[&lock_file], &["doctor"]);
    let block = doctor_block(&String::from_utf8(output.stdout).unwrap(), "unusable-files");
    assert!(block.starts_with(&format!("problem  unusable-files\n  where: {}\n", lock_file.display())), "{block}");
    assert!(block.contains("no caller can take this lock"), "{block}");
}

/// A credentials file that cannot be read is skipped, as the AWS CLI skips it (botocore's
/// `configparser.read` ignores a file it cannot open): an SSO profile in the config still works.
/// Whatever then fails names the file; `doctor` reports it.
#[test]
fn an_unreadable_credentials_file_is_skipped_as_the_cli_does_and_named() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.write_credentials_file("[keys]\naws_access_key_id = AKIAEXAMPLEKEYID\naws_secret_access_key = SECRET\n");
    let credentials = env.aws_dir().join("credentials");
    let output = run_with_unreadable(&env, &[&credentials], &["--profile", "dev-sso"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = run_with_unreadable(&env, &[&credentials], &["--profile", "keys", "--format", "env"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr_line(&output),
        format!(
            "aws-sso-credential-process: profile `keys` (from --profile) not found in `{}`; `aws-sso-credential-process status --all` lists the SSO profiles; `{}` could not be read ({DENIED}), so nothing in it was seen",
            env.aws_dir().join("config").display(),
            credentials.display()
        )
    );
    let output = run_with_unreadable(&env, &[&credentials], &["status", "--profile", "dev-sso"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = run_with_unreadable(&env, &[&credentials], &["doctor"]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        doctor_block(&stdout, "config-syntax"),
        format!(
            "problem  config-syntax\n  where: {}\n  what:  this helper cannot read the file ({DENIED}); like the AWS CLI it then reads it as empty, so no profile or access key in it is seen\n  fix:   make the file readable by this user\n",
            credentials.display()
        )
    );
    assert!(stdout.contains("\nok       recursive-credential-process\n"), "the other checks still run: {stdout}");
}
