use crate::harness::*;

/// The `debug:` lines of a run.
fn trace(stderr: &str) -> Vec<&str> {
    stderr.lines().filter_map(|line| line.strip_prefix("aws-sso-credential-process: debug: ")).collect()
}

#[test]
fn verbose_traces_each_decision_of_a_refresh_and_fetch_without_a_secret() {
    let env = TestEnv::new();
    env.login(5 * MINUTE);
    let run = env.run_any(&["--profile", "dev-sso", "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is still the document");
    let lines = trace(&run.stderr);
    assert_eq!(lines.len(), run.stderr.lines().count(), "only debug lines on success: {}", run.stderr);
    let config = env.aws_dir().join("config");
    let token = env.token_path();
    let role_cache = env.role_cache_path();
    let expected_starts = [
        format!("read {} for profile `dev-sso`", config.display()),
        format!("no usable cached credentials in {}", role_cache.display()),
        "took the lock `".to_owned(),
        format!("SSO token in {} expires at ", token.display()),
        "took the lock `".to_owned(),
        "CreateToken succeeded in ".to_owned(),
        "refreshed the SSO token (now expires at ".to_owned(),
        "GetRoleCredentials succeeded in ".to_owned(),
        "fetched role credentials expiring at ".to_owned(),
        format!("cached them in {}", role_cache.display()),
    ];
    assert_eq!(lines.len(), expected_starts.len(), "{lines:#?}");
    for (line, start) in lines.iter().zip(&expected_starts) {
        assert!(line.starts_with(start.as_str()), "{line:?} should start with {start:?}");
    }
    // No secret by value: neither the fake's nor the printed ones.
    for secret in [&document["SecretAccessKey"], &document["SessionToken"]] {
        assert!(!run.stderr.contains(secret.as_str().unwrap()));
    }
}

#[test]
fn the_environment_variable_turns_the_trace_on_and_the_hot_path_is_traced_too() {
    let mut env = TestEnv::new();
    env.write_cached_role_credentials(HOUR);
    env.set_env("AWS_SSO_CREDENTIAL_PROCESS_LOG", "debug");
    let run = env.run_any(&["--profile", "dev-sso"]);
    assert_eq!(run.code, 0);
    let lines = trace(&run.stderr);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].starts_with(&format!("cached credentials in {} expire at ", env.role_cache_path().display())));
    assert!(lines[1].ends_with(": fresh"), "{}", lines[1]);

    // Any other level is quiet, as is the default.
    env.set_env("AWS_SSO_CREDENTIAL_PROCESS_LOG", "info");
    assert_eq!(env.run(&["--profile", "dev-sso"]).stderr, "");
    env.remove_env("AWS_SSO_CREDENTIAL_PROCESS_LOG");
    assert_eq!(env.run(&["--profile", "dev-sso"]).stderr, "");
}

#[test]
fn a_failure_is_traced_up_to_the_one_error_line() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.fail_always(fake_aws::Route::GetRoleCredentials, Some(fake_aws::Fault::Unauthorized));
    let run = env.run_any(&["--profile", "dev-sso", "-v"]);
    assert_eq!(run.code, 3);
    assert_eq!(run.stdout, "");
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("aws-sso-credential-process: SSO session `my-sso` has a token the SSO portal refused"),
        "{last}"
    );
    let lines = trace(&run.stderr);
    assert!(
        lines.iter().any(|l| l.starts_with("GetRoleCredentials failed in ") && l.contains("UnauthorizedException")),
        "{lines:#?}"
    );
    assert_eq!(lines.len() + 1, run.stderr.lines().count());
}
