use crate::harness::*;
use fake_aws::{Fault, Route};

const OTHER: i32 = 1;
const AWS: i32 = 4;

#[test]
fn server_errors_are_retried_then_reported_as_aws_errors() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::Internal));
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert_eq!(
        line,
        "aws-sso-credential-process: GetRoleCredentials for role ReadOnly in account 111122223333 failed: InternalServerException: Internal error (HTTP 500); try again later"
    );
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 3, "bounded retries");
}

#[test]
fn a_transient_error_followed_by_success_is_invisible() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.fail_next(Route::GetRoleCredentials, Fault::Throttled, 1);
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 2);
}

#[test]
fn a_role_not_assigned_says_what_to_check() {
    let env = TestEnv::empty();
    env.write_config(CONFIG);
    env.login(8 * HOUR);
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert_eq!(
        line,
        "aws-sso-credential-process: GetRoleCredentials for role ReadOnly in account 111122223333 failed: ForbiddenException: No access (HTTP 403); check sso_account_id and sso_role_name, or ask your administrator to assign you this role"
    );
}

#[test]
fn an_expired_token_whose_refresh_fails_transiently_is_an_aws_error() {
    let env = TestEnv::new();
    env.login(-MINUTE);
    env.fake.fail_always(Route::CreateToken, Some(Fault::Internal));
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert!(line.starts_with("aws-sso-credential-process: CreateToken to refresh the SSO session `my-sso` failed: InternalServerException"), "{line}");
    assert!(line.ends_with("; try again later"), "{line}");
}

#[test]
fn unreadable_responses_are_reported_without_their_contents() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::GarbageBody));
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert!(line.contains("the response was cut short or is not in the expected format"), "{line}");
    assert!(!line.contains("<<<"), "{line}");
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::TruncatedBody));
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert!(line.contains("GetRoleCredentials for role ReadOnly in account 111122223333 failed"), "{line}");
}

#[test]
fn connection_refused_is_an_aws_error() {
    let mut env = TestEnv::new();
    env.login(8 * HOUR);
    env.set_env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9");
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert!(line.ends_with("failed: could not connect; try again later"), "{line}");
}

#[test]
fn credentials_that_would_expire_within_15_minutes_are_never_printed() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.set_role_session_duration(std_secs(10 * 60));
    let line = env.run_err(&["--profile", "dev-sso"], AWS);
    assert!(line.contains("less than 15 minutes from now"), "{line}");
}

#[test]
fn an_unreadable_cache_folder_is_exit_1() {
    let env = TestEnv::new();
    // ~/.aws/sso is a file, so the token cannot be read (not "missing": something is wrong).
    std::fs::write(env.aws_dir().join("sso"), "not a folder").unwrap();
    let line = env.run_err(&["--profile", "dev-sso"], OTHER);
    assert!(line.starts_with("aws-sso-credential-process: cannot read the SSO token `"), "{line}");
}

#[test]
fn an_unwritable_role_cache_still_prints_credentials_with_a_warning() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    std::fs::create_dir_all(env.aws_dir().join("cli")).unwrap();
    std::fs::write(env.aws_dir().join("cli/cache"), "not a folder").unwrap();
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("aws-sso-credential-process: warning: cannot write the role credential cache"),
        "{}",
        run.stderr
    );
}
