use crate::harness::*;
use fake_aws::Route;
use serde_json::{Value, json};

#[test]
fn valid_token_and_empty_cache_make_one_get_role_credentials_and_fill_the_cli_cache() {
    let env = TestEnv::new();
    let session = env.login(8 * HOUR);
    let document = env.run_ok(&["--profile", "dev-sso"]);

    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::CreateToken), 0);
    let request = &env.fake.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/federation/credentials");
    assert_eq!(
        request.query,
        vec![("role_name".to_owned(), ROLE.to_owned()), ("account_id".to_owned(), ACCOUNT.to_owned())]
    );
    assert_eq!(request.header("x-amz-sso_bearer_token"), Some(session.access_token.as_str()));

    let issued = &env.fake.issued_credentials()[0];
    assert_eq!(document["AccessKeyId"], json!(issued.access_key_id));
    assert_eq!(document["SecretAccessKey"], json!(issued.secret_access_key));
    assert_eq!(document["SessionToken"], json!(issued.session_token));
    assert_eq!(document["AccountId"], json!(ACCOUNT));
    assert_eq!(expiration_of(&document).unix_timestamp(), (issued.expiration_ms / 1000) as i64);

    // The CLI's own cache file, in its format, 0600 in 0700 folders.
    let cache_path = env.role_cache_path();
    let bytes = std::fs::read_to_string(&cache_path).expect("role cache written where the CLI reads it");
    assert!(bytes.starts_with("{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": "), "{bytes}");
    let cached: Value = serde_json::from_str(&bytes).unwrap();
    assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"]);
    assert_eq!(cached["Credentials"]["Expiration"], document["Expiration"]);
    assert_eq!(cached["Credentials"]["AccountId"], json!(ACCOUNT));
    #[cfg(unix)]
    {
        assert_eq!(mode(&cache_path), 0o600);
        assert_eq!(mode(cache_path.parent().unwrap()), 0o700);
        assert_eq!(mode(cache_path.parent().unwrap().parent().unwrap()), 0o700);
    }

    // The next caller is served from that cache.
    assert_eq!(env.run_ok(&["--profile", "dev-sso"]), document);
    assert_eq!(env.fake.total_calls(), 1);
}

#[test]
fn a_corrupt_role_cache_file_is_a_miss_and_is_rewritten() {
    for garbage in
        ["", "{\"ProviderType\": \"sso\", \"Credentials\": {\"AccessKeyId\": \"AS", "[]", "{\"Credentials\": {}}"]
    {
        let env = TestEnv::new();
        env.login(8 * HOUR);
        std::fs::create_dir_all(env.role_cache_path().parent().unwrap()).unwrap();
        std::fs::write(env.role_cache_path(), garbage).unwrap();
        let document = env.run_ok(&["--profile", "dev-sso"]);
        assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "{garbage:?}");
        let cached = env.read_json(&env.role_cache_path());
        assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"]);
    }
}

#[test]
fn the_token_file_is_not_touched_when_no_refresh_is_due() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let before = std::fs::read(env.token_path()).unwrap();
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(std::fs::read(env.token_path()).unwrap(), before);
}
