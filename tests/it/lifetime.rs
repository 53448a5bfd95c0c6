use std::time::Duration;

use crate::harness::*;
use fake_aws::{Fault, Route, TrustPolicy};
use serde_json::json;

const ADMIN: &str = "arn:aws:iam::444455556666:role/Admin";

#[test]
fn cached_credentials_that_expire_too_soon_are_replaced_by_fresh_ones() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.set_role_session_duration(Duration::from_secs(4 * 3600));
    env.write_cached_role_credentials(HOUR);

    // Enough for the default 15 minutes: served from the cache.
    let cached = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(cached["AccessKeyId"], json!("ASIACACHED0000000001"));
    let cached = env.run_ok(&["--profile", "dev-sso", "--min-ttl", "45m"]);
    assert_eq!(cached["AccessKeyId"], json!("ASIACACHED0000000001"));
    assert_eq!(env.fake.total_calls(), 0);

    // Not for two hours: one fetch, and the fresh ones replace the cached ones for everybody.
    let fresh = env.run_ok(&["--profile", "dev-sso", "--min-ttl", "2h"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert!(expiration_of(&fresh) - now() >= 2 * HOUR, "{fresh}");
    assert_eq!(fresh["AccessKeyId"], json!(env.fake.issued_credentials()[0].access_key_id));
    assert_eq!(env.read_json(&env.role_cache_path())["Credentials"]["AccessKeyId"], fresh["AccessKeyId"]);
    assert_eq!(env.run_ok(&["--profile", "dev-sso", "--min-ttl", "3h"]), fresh);
    assert_eq!(env.fake.total_calls(), 1);
}

#[test]
fn a_permission_set_session_shorter_than_min_ttl_fails_with_exit_5_naming_it() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    // The fake's permission set gives one-hour credentials (its default).
    let line = env.run_err(&["--profile", "dev-sso", "--min-ttl", "2h"], 5);
    assert!(
        line.starts_with(
            "aws-sso-credential-process: fresh credentials for role ReadOnly in account 111122223333 last 1h (until "
        ),
        "{line}"
    );
    assert!(
        line.ends_with(
            "less than --min-ttl 2h: that is the session duration of permission set ReadOnly; ask your IAM Identity Center administrator to set the session duration of permission set ReadOnly to at least 2h (12 hours at most), or ask for less"
        ),
        "{line}"
    );
    // They were fetched and cached all the same: callers that need less are served from the cache.
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    env.run_ok(&["--profile", "dev-sso", "--min-ttl", "30m"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn limits_known_from_the_config_fail_before_any_call() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let line = env.run_err(&["--profile", "dev-sso", "--min-ttl", "13h"], 5);
    assert_eq!(
        line,
        "aws-sso-credential-process: no AWS temporary credentials last 13h (12 hours at most), so none can meet --min-ttl 13h; ask for 12h or less, and have long jobs re-run this helper (through credential_process) as their credentials near expiry"
    );

    // prod-admin is assumed with dev-sso's SSO role credentials: role chaining, one hour at most.
    env.fake.add_role(ADMIN, TrustPolicy::trusting(fake_aws::FakeAws::sso_principal(ACCOUNT, ROLE)));
    let line = env.run_err(&["--profile", "prod-admin", "--min-ttl", "90m"], 5);
    assert_eq!(
        line,
        "aws-sso-credential-process: credentials for role arn:aws:iam::444455556666:role/Admin (profile `prod-admin`) last at most 1h, less than --min-ttl 1h 30m: it is assumed with the credentials of SSO role ReadOnly in account 111122223333 (profile `dev-sso`), and AWS limits a role assumed with another role's credentials (role chaining) to 1 hour, whatever duration_seconds says; ask for 1h or less, or get access to account 444455556666 through an IAM Identity Center permission set of its own (a plain SSO profile lasts up to 12 hours)"
    );
    assert_eq!(env.fake.total_calls(), 0);
    // Within the limit the chain works as usual.
    let document = env.run_ok(&["--profile", "prod-admin", "--min-ttl", "40m"]);
    assert_eq!(document["AccountId"], json!("444455556666"));
}

#[test]
fn on_access_keys_duration_seconds_decides() {
    let env = TestEnv::new();
    let keys = env.fake.add_static_keys("123456789012", "ci-user");
    env.fake.add_role(
        ADMIN,
        TrustPolicy {
            max_session_duration: Duration::from_secs(4 * 3600),
            ..TrustPolicy::trusting("arn:aws:iam::123456789012:user/ci-user")
        },
    );
    env.write_credentials_file(&format!(
        "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.access_key_id, keys.secret_access_key
    ));
    env.write_config(&format!(
        "{CONFIG}\n[profile ci-admin]\nrole_arn = {ADMIN}\nsource_profile = ci\n\n[profile ci-admin-3h]\nrole_arn = {ADMIN}\nsource_profile = ci\nduration_seconds = 10800\n"
    ));
    let line = env.run_err(&["--profile", "ci-admin", "--min-ttl", "2h"], 5);
    assert!(
        line.ends_with(
            "last 1h, less than --min-ttl 2h: profile `ci-admin` has no duration_seconds (STS's default: 1 hour); set duration_seconds = 7200 (or more) in profile `ci-admin`; the role's maximum session duration (IAM, 1 to 12 hours) must allow it"
        ),
        "{line}"
    );
    assert_eq!(env.fake.total_calls(), 0);
    let document = env.run_ok(&["--profile", "ci-admin-3h", "--min-ttl", "2h"]);
    assert!(expiration_of(&document) - now() >= 2 * HOUR);
    assert_eq!(env.fake.calls(Route::AssumeRole), 1);
}

#[test]
fn with_min_ttl_stale_credentials_are_no_fallback_for_an_aws_failure() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.write_cached_role_credentials(HOUR);
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::Internal));
    let line = env.run_err(&["--profile", "dev-sso", "--min-ttl", "2h"], 4);
    assert!(line.contains("GetRoleCredentials"), "{line}");
}

#[test]
fn min_ttl_is_parsed_strictly() {
    let env = TestEnv::new();
    let line = env.run_err(&["--profile", "dev-sso", "--min-ttl", "two hours"], 2);
    assert!(line.contains("--min-ttl"), "{line}");
}
