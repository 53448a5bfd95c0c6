use std::time::Duration;

use crate::harness::*;
use fake_aws::{FakeAws, Fault, Route, TrustPolicy};
use serde_json::{Value, json};

const ADMIN: &str = "arn:aws:iam::123456789012:role/Admin";
const DEPLOY: &str = "arn:aws:iam::444455556666:role/Deploy";
/// The AWS CLI's assume-role cache key for `{"RoleArn": ADMIN}` (reference test vector).
const ADMIN_CACHE: &str = "51e7b105b5040ce662656c8dc6ab4de70c4de7ad";
/// … and for `{"DurationSeconds": 3600, "RoleArn": ADMIN, "RoleSessionName": "me"}`.
const ADMIN_ME_CACHE: &str = "ff119e0dbb9c541aa614a70b5d4917bfc1b70d8a";

const CHAINS: &str = "
[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = dev-sso
region = eu-west-1

[profile admin-me]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = dev-sso
role_session_name = me
duration_seconds = 3600

[profile deploy]
role_arn = arn:aws:iam::444455556666:role/Deploy
source_profile = admin
external_id = deploy-ext

[profile via-helper]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = dev

[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = loop-a

[profile ci-admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = ci
";

/// The sample config plus the chains above; Admin trusts the SSO role, Deploy trusts Admin.
fn chain_env() -> TestEnv {
    let env = TestEnv::new();
    env.write_config(&format!("{CONFIG}{CHAINS}"));
    env.fake.add_role(ADMIN, TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
    env.fake.add_role(DEPLOY, TrustPolicy { external_id: Some("deploy-ext".into()), ..TrustPolicy::trusting(ADMIN) });
    env
}

fn assume_requests(env: &TestEnv) -> Vec<fake_aws::RecordedRequest> {
    env.fake.requests().into_iter().filter(|r| r.route == Some(Route::AssumeRole)).collect()
}

#[test]
fn one_hop_assumes_the_role_with_the_sso_credentials_and_caches_it_where_the_cli_does() {
    let env = chain_env();
    env.login(8 * HOUR);
    let document = env.run_ok(&["--profile", "admin"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::AssumeRole), 1);

    let sso = &env.fake.issued_credentials()[0];
    let assumed = &env.fake.assumed_roles()[0];
    assert_eq!(assumed.role_arn, ADMIN);
    assert_eq!(assumed.session_name, "aws-sso-credential-process");
    assert_eq!((assumed.external_id.as_deref(), assumed.duration_seconds), (None, 3600));
    assert_eq!(assumed.source_access_key_id, sso.access_key_id);
    let request = &assume_requests(&env)[0];
    assert_eq!(request.form("DurationSeconds"), None, "STS's default unless duration_seconds is set");
    assert_eq!(request.signing_region(), Some("eu-west-1"), "the profile's region");
    assert_eq!(request.header("x-amz-security-token"), Some(sso.session_token.as_str()));

    // What is printed is the assumed role's, with its account and its expiry.
    assert_eq!(document["AccessKeyId"], json!(assumed.credentials.access_key_id));
    assert_eq!(document["SecretAccessKey"], json!(assumed.credentials.secret_access_key));
    assert_eq!(document["SessionToken"], json!(assumed.credentials.session_token));
    assert_eq!(document["AccountId"], json!("123456789012"));
    assert_eq!(expiration_of(&document).unix_timestamp(), (assumed.credentials.expiration_ms / 1000) as i64);

    // Both the SSO role and the hop are in the CLI's cache, in its formats.
    assert!(env.role_cache_path().exists());
    let hop_cache = env.cli_cache_file(ADMIN_CACHE);
    let text = std::fs::read_to_string(&hop_cache).expect("hop cached under the CLI's key");
    assert!(text.starts_with("{\"Credentials\": {\"AccessKeyId\": "), "{text}");
    let cached: Value = serde_json::from_str(&text).unwrap();
    assert!(cached["Credentials"]["Expiration"].as_str().unwrap().ends_with("UTC"), "{text}");
    assert_eq!(cached["Credentials"]["AccessKeyId"], document["AccessKeyId"]);
    assert!(
        cached["AssumedRoleUser"]["Arn"].as_str().unwrap().ends_with(":assumed-role/Admin/aws-sso-credential-process")
    );
    #[cfg(unix)]
    assert_eq!(mode(&hop_cache), 0o600);

    // Cache hit: no call at all.
    assert_eq!(env.run_ok(&["--profile", "admin"]), document);
    assert_eq!(env.fake.total_calls(), 2);
}

#[test]
fn two_hops_sign_each_with_the_previous_one_and_send_the_external_id() {
    let env = chain_env();
    env.login(8 * HOUR);
    let document = env.run_ok(&["--profile", "deploy"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::AssumeRole), 2);
    let [admin, deploy] = &env.fake.assumed_roles()[..] else { panic!("two hops") };
    assert_eq!((admin.role_arn.as_str(), deploy.role_arn.as_str()), (ADMIN, DEPLOY));
    assert_eq!(deploy.source_access_key_id, admin.credentials.access_key_id);
    assert_eq!(deploy.external_id.as_deref(), Some("deploy-ext"));
    assert_eq!(document["AccessKeyId"], json!(deploy.credentials.access_key_id));
    assert_eq!(document["AccountId"], json!("444455556666"));
    // `deploy` sets no region: the global endpoint's us-east-1 signs (the endpoint is overridden).
    assert_eq!(assume_requests(&env)[1].signing_region(), Some("us-east-1"));

    // The first hop was cached on the way: `admin` alone makes no call.
    env.run_ok(&["--profile", "admin"]);
    assert_eq!(env.fake.total_calls(), 3);
}

#[test]
fn role_session_name_and_duration_are_sent_and_keyed_as_the_cli_does() {
    let env = chain_env();
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "admin-me"]);
    let request = &assume_requests(&env)[0];
    assert_eq!(request.form("RoleSessionName").as_deref(), Some("me"));
    assert_eq!(request.form("DurationSeconds").as_deref(), Some("3600"));
    assert!(env.cli_cache_file(ADMIN_ME_CACHE).exists());
    assert!(!env.cli_cache_file(ADMIN_CACHE).exists());
}

#[test]
fn a_hop_cached_by_the_aws_cli_is_used_without_a_token_or_a_call() {
    let env = chain_env();
    // No `aws sso login` at all: the hop's cache is all that is needed.
    let expiration = (now() + HOUR).replace_nanosecond(0).unwrap();
    let cli_expiration = timestamp_utc(expiration);
    let file = json!({
        "Credentials": {
            "AccessKeyId": "ASIACLICACHED0000001",
            "SecretAccessKey": CACHED_SECRETS[0],
            "SessionToken": CACHED_SECRETS[1],
            "Expiration": cli_expiration,
        },
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:botocore-session-1", "Arn": "arn:aws:sts::123456789012:assumed-role/Admin/botocore-session-1"},
        "ResponseMetadata": {"RequestId": "r", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0},
    });
    std::fs::create_dir_all(env.aws_dir().join("cli/cache")).unwrap();
    std::fs::write(env.cli_cache_file(ADMIN_CACHE), serde_json::to_string(&file).unwrap()).unwrap();
    let document = env.run_ok(&["--profile", "admin"]);
    assert_eq!(document["AccessKeyId"], json!("ASIACLICACHED0000001"));
    assert_eq!(expiration_of(&document), expiration);
    assert_eq!(document["AccountId"], json!("123456789012"));
    assert_eq!(env.fake.total_calls(), 0);

    // With 10 minutes left it is replaced.
    env.login(8 * HOUR);
    let mut short = file.clone();
    short["Credentials"]["Expiration"] = json!(timestamp_utc(now() + 10 * MINUTE));
    std::fs::write(env.cli_cache_file(ADMIN_CACHE), serde_json::to_string(&short).unwrap()).unwrap();
    let document = env.run_ok(&["--profile", "admin"]);
    assert_eq!(document["AccessKeyId"], json!(env.fake.assumed_roles()[0].credentials.access_key_id));
}

fn timestamp_utc(t: time::OffsetDateTime) -> String {
    aws_sso_credential_process::timestamp::format(t).replace('Z', "UTC")
}

#[test]
fn sixty_four_callers_make_one_assume_role_per_hop() {
    let env = chain_env();
    env.fake.set_latency(Duration::from_millis(100));
    env.login(10 * MINUTE);
    let runs = env.run_parallel(64, |_| vec!["--profile".into(), "deploy".into()]);
    let failures: Vec<&str> = runs.iter().filter(|r| r.code != 0).map(|r| r.stderr.as_str()).collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert!(runs.iter().all(|r| r.stdout == runs[0].stdout));
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::AssumeRole), 2);
}

#[test]
fn access_denied_names_the_role_and_the_source_identity() {
    let env = chain_env();
    env.fake.add_role(ADMIN, TrustPolicy::trusting("arn:aws:iam::999999999999:role/Someone"));
    env.login(8 * HOUR);
    let line = env.run_err(&["--profile", "admin"], 4);
    assert!(
        line.contains(
            "AssumeRole of role arn:aws:iam::123456789012:role/Admin (profile `admin`) with SSO role ReadOnly in account 111122223333 (profile `dev-sso`) failed: AccessDenied: User: arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_"
        ),
        "{line}"
    );
    assert!(
        line.contains("is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/Admin"),
        "{line}"
    );
    assert!(line.ends_with("check that the trust policy of arn:aws:iam::123456789012:role/Admin allows SSO role ReadOnly in account 111122223333 (profile `dev-sso`)"), "{line}");
    assert_eq!(env.fake.calls(Route::AssumeRole), 1, "a refusal is not retried");

    // A wrong external id is refused the same way, and the hint says so.
    env.fake.add_role(ADMIN, TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
    env.fake.add_role(DEPLOY, TrustPolicy { external_id: Some("other".into()), ..TrustPolicy::trusting(ADMIN) });
    let line = env.run_err(&["--profile", "deploy"], 4);
    assert!(
        line.contains("with role arn:aws:iam::123456789012:role/Admin (profile `admin`) failed: AccessDenied"),
        "{line}"
    );
    assert!(line.ends_with("with this external_id"), "{line}");
}

#[test]
fn source_credentials_refused_by_sts_are_fetched_anew_once() {
    let env = chain_env();
    env.login(8 * HOUR);
    // The SSO role cache holds credentials STS does not know (revoked, or from another world).
    env.write_cached_role_credentials(2 * HOUR);
    let document = env.run_ok(&["--profile", "admin"]);
    assert_eq!(env.fake.calls(Route::AssumeRole), 2, "refused, then retried with new source credentials");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    let sso = &env.fake.issued_credentials()[0];
    assert_eq!(env.fake.assumed_roles()[0].source_access_key_id, sso.access_key_id);
    assert_eq!(env.read_json(&env.role_cache_path())["Credentials"]["AccessKeyId"], json!(sso.access_key_id));
    assert_eq!(document["AccessKeyId"], json!(env.fake.assumed_roles()[0].credentials.access_key_id));

    // Expired early (ExpiredToken): the same.
    std::fs::remove_file(env.cli_cache_file(ADMIN_CACHE)).unwrap();
    env.fake.expire_credentials(&sso.access_key_id);
    env.run_ok(&["--profile", "admin"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 2);
    assert_eq!(env.fake.calls(Route::AssumeRole), 4);

    // If STS refuses the new ones too, it fails after one refetch, saying so.
    std::fs::remove_file(env.cli_cache_file(ADMIN_CACHE)).unwrap();
    env.fake.fail_always(Route::AssumeRole, Some(Fault::ExpiredToken));
    let line = env.run_err(&["--profile", "admin"], 4);
    assert!(line.contains("failed: ExpiredToken: The security token included in the request is expired"), "{line}");
    assert!(line.ends_with("STS refused freshly fetched source credentials too; check the system clock"), "{line}");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 3);
    assert_eq!(env.fake.calls(Route::AssumeRole), 6);
}

#[test]
fn sts_errors_map_to_the_failure_contract() {
    let env = chain_env();
    env.login(8 * HOUR);
    env.fake.fail_always(Route::AssumeRole, Some(Fault::RegionDisabled));
    let line = env.run_err(&["--profile", "admin"], 4);
    assert!(line.contains("RegionDisabledException: STS is not activated in this region"), "{line}");
    assert!(line.contains("activate STS in eu-west-1"), "{line}");

    env.fake.fail_always(Route::AssumeRole, Some(Fault::Throttled));
    let line = env.run_err(&["--profile", "admin"], 4);
    assert!(line.contains("Throttling: Rate exceeded") && line.ends_with("try again later"), "{line}");
    // The back-off stops the next caller from calling at all.
    let calls = env.fake.calls(Route::AssumeRole);
    let line = env.run_err(&["--profile", "admin"], 4);
    assert!(line.contains("AWS throttled a recent call for the role arn:aws:iam::123456789012:role/Admin"), "{line}");
    assert_eq!(env.fake.calls(Route::AssumeRole), calls);

    // Still-valid cached hop credentials are served through a storm, with a warning.
    let expiring = json!({"Credentials": {
        "AccessKeyId": "ASIASTALE00000000001", "SecretAccessKey": CACHED_SECRETS[0],
        "SessionToken": CACHED_SECRETS[1], "Expiration": timestamp_utc(now() + 10 * MINUTE)}});
    std::fs::write(env.cli_cache_file(ADMIN_CACHE), expiring.to_string()).unwrap();
    let run = env.run(&["--profile", "admin"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning:") && run.stderr.contains("using cached credentials"), "{}", run.stderr);

    let env = chain_env();
    env.write_config(&format!(
        "{CONFIG}{CHAINS}[profile long]\nrole_arn = {ADMIN}\nsource_profile = dev-sso\nduration_seconds = 7200\n"
    ));
    env.login(8 * HOUR);
    // Known from the config alone: refused before any call (STS would refuse it after the SSO one).
    let line = env.run_err(&["--profile", "long"], 2);
    assert_eq!(
        line,
        format!(
            "aws-sso-credential-process: duration_seconds = 7200 in profile `long` (`{}`) is not valid: expected at most 3600: the role is assumed with the credentials of SSO role ReadOnly in account 111122223333 (profile `dev-sso`), and AWS limits a role assumed with another role's credentials (role chaining) to 1 hour",
            env.aws_dir().join("config").display()
        )
    );
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn the_base_session_being_gone_asks_for_the_sso_login() {
    let env = chain_env();
    let line = env.run_err(&["--profile", "deploy"], 3);
    assert!(
        line.ends_with(
            "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
        ),
        "{line}"
    );
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn static_keys_in_the_credentials_file_can_start_a_chain() {
    let env = chain_env();
    let keys = env.fake.add_static_keys("123456789012", "ci-user");
    env.fake.add_role(ADMIN, TrustPolicy::trusting("arn:aws:iam::123456789012:user/ci-user"));
    env.write_credentials_file(&format!(
        "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        keys.access_key_id, keys.secret_access_key
    ));
    let document = env.run_ok(&["--profile", "ci-admin"]);
    assert_eq!(env.fake.assumed_roles()[0].source_access_key_id, keys.access_key_id);
    assert_eq!(document["AccountId"], json!("123456789012"));
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 0);

    // Keys STS refuses cannot be fetched anew: one call, and a message that says what to do.
    std::fs::remove_file(env.cli_cache_file(ADMIN_CACHE)).unwrap();
    env.fake.revoke_credentials(&keys.access_key_id);
    let line = env.run_err(&["--profile", "ci-admin"], 4);
    assert!(line.contains("InvalidClientTokenId"), "{line}");
    assert!(line.ends_with("the access keys of profile `ci` are invalid, inactive or expired; replace them"), "{line}");
    assert_eq!(env.fake.calls(Route::AssumeRole), 2);
}

#[test]
fn a_source_profile_that_runs_this_helper_is_followed_to_its_sso_profile() {
    let env = chain_env();
    env.login(8 * HOUR);
    env.run_ok(&["--profile", "via-helper"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::AssumeRole), 1);
}

#[test]
fn chains_that_cannot_work_are_refused_before_any_call() {
    let env = chain_env();
    env.login(8 * HOUR);
    let line = env.run_err(&["--profile", "loop-a"], 2);
    assert!(line.contains("go round in a loop: loop-a → loop-b → loop-a"), "{line}");
    env.write_config(&format!(
        "{CONFIG}[profile m]\nrole_arn = {ADMIN}\nsource_profile = dev-sso\nmfa_serial = arn:aws:iam::1:mfa/me\n"
    ));
    let line = env.run_err(&["--profile", "m"], 2);
    assert!(line.contains("profile `m`") && line.contains("sets mfa_serial"), "{line}");
    env.write_config(&format!("{CONFIG}[profile c]\nrole_arn = {ADMIN}\ncredential_source = EcsContainer\n"));
    let line = env.run_err(&["--profile", "c"], 2);
    assert!(
        line.contains("credential_source = EcsContainer") && line.contains("use source_profile = <an SSO profile>"),
        "{line}"
    );
    assert_eq!(env.fake.total_calls(), 0);
}
