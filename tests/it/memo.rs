use std::time::Duration;

use aws_sso_credential_process::config::memo;

use crate::harness::*;

/// The `debug:` lines of a run.
fn trace(stderr: &str) -> Vec<&str> {
    stderr.lines().filter_map(|line| line.strip_prefix("aws-sso-credential-process: debug: ")).collect()
}

fn memo_files(env: &TestEnv) -> Vec<std::path::PathBuf> {
    let dir = env.home.path().join(".cache/aws-sso-credential-process").join(memo::FOLDER);
    std::fs::read_dir(dir).map(|d| d.map(|e| e.unwrap().path()).collect()).unwrap_or_default()
}

/// Once the config has been still for `memo::SETTLE`, a cache hit resolves the profile from the
/// memo; an edit, even one that keeps the file's size, is read at once.
#[test]
fn a_settled_config_is_remembered_until_it_changes() {
    let mut env = TestEnv::new();
    env.write_cached_role_credentials(HOUR);
    env.set_env("AWS_SSO_CREDENTIAL_PROCESS_LOG", "debug");
    let config = env.aws_dir().join("config");
    let read = format!("read {} for profile `dev-sso`", config.display());

    let run = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!((run.code, trace(&run.stderr)[0]), (0, read.as_str()), "{}", run.stderr);
    assert!(memo_files(&env).is_empty(), "a config written just now is not memoised");

    std::thread::sleep(Duration::try_from(memo::SETTLE).unwrap() + Duration::from_millis(200));
    let first = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!(trace(&first.stderr)[0], read);
    let memos = memo_files(&env);
    assert_eq!(memos.len(), 1);
    let remembered = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!(
        trace(&remembered.stderr)[0],
        format!("{read}: unchanged since its resolution was remembered in {}", memos[0].display())
    );
    assert_eq!(remembered.stdout, first.stdout);
    let memo_text = std::fs::read_to_string(&memos[0]).unwrap();
    assert!(!CACHED_SECRETS.iter().any(|secret| memo_text.contains(secret)), "{memo_text}");

    // The same size, another account: resolved from the file again, at once.
    env.write_config(&CONFIG.replace(ACCOUNT, "999988887777"));
    let run = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!(trace(&run.stderr)[0], read);
    assert_ne!(run.code, 0, "no role is assigned in the new account: {}", run.stderr);
}
