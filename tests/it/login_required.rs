use crate::harness::*;
use fake_aws::Route;
use serde_json::json;

const LOGIN_REQUIRED: i32 = 3;

#[test]
fn no_token_at_all_names_the_login_command() {
    let env = TestEnv::new();
    let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
    assert!(line.starts_with("aws-sso-credential-process: SSO session `my-sso` has no cached token (no `"), "{line}");
    assert!(
        line.ends_with(
            "; run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
        ),
        "{line}"
    );
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn expired_and_not_refreshable_names_the_login_command_and_calls_nothing() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    env.write_token(
        &env.token_path(),
        &json!({"startUrl": START_URL, "region": "us-east-1", "accessToken": session.access_token,
                "expiresAt": aws_sso_credential_process::timestamp::format(now() - MINUTE)}),
    );
    let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
    assert_eq!(
        line,
        "aws-sso-credential-process: SSO session `my-sso` has expired and cannot be refreshed (it has no refresh token); run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
    );
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn an_expired_client_registration_means_login() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    let mut document = token_document(&session, -MINUTE);
    document["registrationExpiresAt"] = json!(aws_sso_credential_process::timestamp::format(now() - HOUR));
    env.write_token(&env.token_path(), &document);
    let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
    assert!(line.contains("its client registration expired at"), "{line}");
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn legacy_layout_names_the_profile_and_explains_why_it_cannot_refresh() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    env.write_token(
        &env.legacy_token_path(),
        &json!({"startUrl": START_URL, "region": "us-east-1", "accessToken": session.access_token,
                "expiresAt": aws_sso_credential_process::timestamp::format(now() - MINUTE)}),
    );
    let line = env.run_err(&["--profile", "legacy"], LOGIN_REQUIRED);
    assert!(
        line.contains("SSO session for https://d-1234567890.awsapps.com/start has expired and cannot be refreshed"),
        "{line}"
    );
    assert!(line.contains("the legacy sso_start_url layout never gets one"), "{line}");
    assert!(
        line.ends_with(
            "; run `aws-sso-credential-process login --profile legacy` (or `aws sso login --profile legacy`)"
        ),
        "{line}"
    );
}

#[test]
fn a_revoked_refresh_token_means_login() {
    let env = TestEnv::new();
    let session = env.login(-MINUTE);
    env.fake.revoke_refresh_token(&session.refresh_token);
    let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
    assert!(line.contains("has expired and its refresh was refused (InvalidGrantException"), "{line}");
    assert!(
        line.ends_with(
            "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
        ),
        "{line}"
    );
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 0);
}

#[test]
fn a_token_the_portal_refuses_means_login() {
    let env = TestEnv::new();
    let session = env.login(8 * HOUR);
    env.fake.revoke_access_token(&session.access_token);
    let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
    assert_eq!(
        line,
        "aws-sso-credential-process: SSO session `my-sso` has a token the SSO portal refused (expired or revoked); run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
    );
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "401 is not retried");
}

#[test]
fn a_malformed_or_truncated_token_file_means_login() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    let full = serde_json::to_string(&token_document(&session, 8 * HOUR)).unwrap();
    std::fs::create_dir_all(env.token_path().parent().unwrap()).unwrap();
    for (contents, why) in [
        (String::new(), "it is not valid JSON"),
        (full[..full.len() / 2].to_owned(), "it is not valid JSON"),
        ("{\"expiresAt\": \"2030-01-01T00:00:00Z\"}".to_owned(), "it has no accessToken"),
        ("{\"accessToken\": \"x\", \"expiresAt\": \"next tuesday\"}".to_owned(), "its expiresAt is not a timestamp"),
    ] {
        std::fs::write(env.token_path(), &contents).unwrap();
        let line = env.run_err(&["--profile", "dev-sso"], LOGIN_REQUIRED);
        assert!(line.contains("has an unusable token file") && line.contains(why), "{line}");
        assert!(
            line.ends_with(
                "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
            ),
            "{line}"
        );
    }
    assert_eq!(env.fake.total_calls(), 0);
}
