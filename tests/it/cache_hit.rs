use crate::harness::*;
use serde_json::json;

#[test]
fn valid_cached_role_credentials_are_printed_with_no_aws_call_and_no_token() {
    let env = TestEnv::new();
    let cached = env.write_cached_role_credentials(HOUR);
    let document = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(
        document,
        json!({
            "Version": 1,
            "AccessKeyId": cached["AccessKeyId"],
            "SecretAccessKey": cached["SecretAccessKey"],
            "SessionToken": cached["SessionToken"],
            "Expiration": cached["Expiration"],
            "AccountId": ACCOUNT,
        })
    );
    assert_eq!(env.fake.total_calls(), 0);
    assert!(!env.token_path().exists(), "the hot path must not need the token");
}

#[test]
fn output_is_the_exact_compact_document() {
    let env = TestEnv::new();
    let cached = env.write_cached_role_credentials(HOUR);
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!(
        run.stdout,
        format!(
            "{{\"Version\":1,\"AccessKeyId\":\"ASIACACHED0000000001\",\"SecretAccessKey\":\"cached-secret-access-key\",\"SessionToken\":\"cached-session-token\",\"Expiration\":{},\"AccountId\":\"111122223333\"}}\n",
            cached["Expiration"]
        )
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn cached_credentials_with_less_than_15_minutes_left_are_replaced() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let stale = env.write_cached_role_credentials(14 * MINUTE);
    let document = env.run_ok(&["--profile", "dev-sso"]);
    assert_ne!(document["AccessKeyId"], stale["AccessKeyId"]);
    assert_eq!(env.fake.calls(fake_aws::Route::GetRoleCredentials), 1);
    assert!(expiration_of(&document) - now() > 50 * MINUTE);
}

#[test]
fn a_cache_file_written_by_an_older_cli_without_account_id_is_used() {
    // The AWS CLI 2.9 writes no AccountId; the account is the one configured.
    let env = TestEnv::new();
    let cached = env.write_cached_role_credentials(2 * HOUR);
    assert!(cached.get("AccountId").is_none());
    assert_eq!(env.run_ok(&["--profile", "dev-sso"])["AccountId"], json!(ACCOUNT));
}
