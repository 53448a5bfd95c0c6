use crate::harness::*;
use fake_aws::{Fault, RefreshPolicy, Route};
use serde_json::{Value, json};

#[test]
fn token_10_minutes_from_expiry_is_refreshed_once_and_written_back_for_the_cli() {
    let env = TestEnv::new();
    let session = env.login(10 * MINUTE);
    let original = env.read_json(&env.token_path());
    let started = now();
    let document = env.run_ok(&["--profile", "dev-sso"]);

    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    let create_token = env.fake.requests().into_iter().find(|r| r.route == Some(Route::CreateToken)).unwrap();
    assert_eq!(create_token.method, "POST");
    assert_eq!(create_token.path, "/token");
    let body: Value = serde_json::from_str(&create_token.body).unwrap();
    assert_eq!(
        body,
        json!({
            "grantType": "refresh_token",
            "clientId": session.client_id,
            "clientSecret": session.client_secret,
            "refreshToken": session.refresh_token,
        })
    );

    // The rewritten file: same keys in the same order, unknown field kept, new token, rotated
    // refresh token, expiresAt in the CLI's format, mode 0600.
    let text = std::fs::read_to_string(env.token_path()).unwrap();
    let rewritten: Value = serde_json::from_str(&text).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&rewritten), keys(&original));
    assert_eq!(rewritten["someFutureField"], original["someFutureField"]);
    assert_eq!(rewritten["startUrl"], original["startUrl"]);
    assert_eq!(rewritten["clientSecret"], original["clientSecret"]);
    assert_eq!(rewritten["registrationExpiresAt"], original["registrationExpiresAt"]);
    assert_ne!(rewritten["accessToken"], original["accessToken"]);
    assert_ne!(rewritten["refreshToken"], original["refreshToken"]);
    assert!(env.fake.is_access_token_valid(rewritten["accessToken"].as_str().unwrap()));
    assert!(env.fake.is_refresh_token_valid(rewritten["refreshToken"].as_str().unwrap()));
    let expires_at = rewritten["expiresAt"].as_str().unwrap();
    assert_eq!(expires_at.len(), "2026-11-23T20:00:00Z".len(), "{expires_at}");
    assert!(expires_at.ends_with('Z'));
    let expires_at: time::OffsetDateTime = aws_sso_credential_process::timestamp::parse(expires_at).unwrap();
    let drift: time::Duration = expires_at - (started + 8 * HOUR);
    assert!(drift.abs() < 2 * MINUTE);
    assert!(text.contains("\"accessToken\": \""), "written with the CLI's separators: {text}");
    #[cfg(unix)]
    assert_eq!(mode(&env.token_path()), 0o600);

    // GetRoleCredentials used the new token.
    let get = env.fake.requests().into_iter().find(|r| r.route == Some(Route::GetRoleCredentials)).unwrap();
    assert_eq!(get.header("x-amz-sso_bearer_token"), rewritten["accessToken"].as_str());
    assert_eq!(document["AccessKeyId"], json!(env.fake.issued_credentials()[0].access_key_id));
}

#[test]
fn an_expired_refreshable_token_is_refreshed() {
    let env = TestEnv::new();
    env.login(-2 * HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn a_refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let env = TestEnv::new();
    env.fake.set_refresh_policy(RefreshPolicy::Omit);
    let session = env.login(5 * MINUTE);
    env.run_ok(&["--profile", "dev-sso"]);
    let rewritten = env.read_json(&env.token_path());
    assert_eq!(rewritten["refreshToken"], json!(session.refresh_token));
    assert_ne!(rewritten["accessToken"], json!(session.access_token));
}

#[test]
fn a_token_file_never_gets_a_wider_mode() {
    let env = TestEnv::new();
    env.login(5 * MINUTE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(env.token_path(), std::fs::Permissions::from_mode(0o400)).unwrap();
        env.run_ok(&["--profile", "dev-sso"]);
        assert_eq!(mode(&env.token_path()), 0o400);
    }
}

#[test]
fn a_failed_refresh_of_a_still_valid_token_uses_it_with_a_warning() {
    let env = TestEnv::new();
    let session = env.login(10 * MINUTE);
    env.fake.fail_always(Route::CreateToken, Some(Fault::Internal));
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("aws-sso-credential-process: warning: could not refresh the SSO session `my-sso`"),
        "{}",
        run.stderr
    );
    let get = env.fake.requests().into_iter().find(|r| r.route == Some(Route::GetRoleCredentials)).unwrap();
    assert_eq!(get.header("x-amz-sso_bearer_token"), Some(session.access_token.as_str()));
    assert_eq!(env.read_json(&env.token_path())["accessToken"], json!(session.access_token), "file untouched");
}

#[test]
fn cached_role_credentials_make_an_expiring_token_irrelevant() {
    let env = TestEnv::new();
    env.login(-HOUR);
    env.write_cached_role_credentials(HOUR);
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.total_calls(), 0);
}
