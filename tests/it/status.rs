//! `status`: what the helper sees, for one profile or `--all`, as text or JSON, with `--verify`.
//!
//! Outputs are compared exactly, after replacing the temporary HOME with `$HOME`, the timestamps
//! the test wrote with their names, and each relative time (`in 7h 59m`, `expired 3m ago`, which
//! depend on how long the run took) with `…`. The expected texts are data:
//! `test-data/status/<test name>/expected.txt` (`STATUS_BLESS=1` rewrites them).

use std::fs::OpenOptions;
use std::io::Write;

use crate::harness::*;
use aws_sso_credential_process::config::{SsoRole, SsoSession};
use aws_sso_credential_process::{role_credentials, timestamp};
use fake_aws::{FakeAws, Route, TrustPolicy};
use serde_json::{Value, json};

/// Runs `status ARGS…` and checks that no secret reached stdout either.
fn status(env: &TestEnv, args: &[&str]) -> Run {
    let args: Vec<&str> = std::iter::once("status").chain(args.iter().copied()).collect();
    let run = env.run_any(&args);
    for secret in env.fake.secrets().iter().map(String::as_str).chain(CACHED_SECRETS) {
        assert!(!run.stdout.contains(secret), "a secret reached stdout: {}", run.stdout);
    }
    run
}

/// `text` with the HOME as `$HOME`, each `(name, timestamp)` as `<name>`, and relative times as `…`.
fn normalized(env: &TestEnv, text: &str, timestamps: &[(&str, &str)]) -> String {
    let mut text = text.replace(env.home.path().to_str().unwrap(), "$HOME");
    for (name, at) in timestamps {
        text = text.replace(at, &format!("<{name}>"));
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(start) = ["(in ", "(expired "].iter().filter_map(|open| rest.find(open)).min() {
        let end = start + rest[start..].find(')').expect("a closing parenthesis");
        let inner = &rest[start + 1..end];
        out.push_str(&rest[..start]);
        if inner.starts_with("in ") {
            out.push_str("(in …)");
        } else if inner.ends_with(" ago") {
            out.push_str("(expired … ago)");
        } else {
            out.push_str(&rest[start..=end]);
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Compares `actual` with `test-data/status/CASE/FILE` (the expected output, with the note at the
/// end), or writes it there with `STATUS_BLESS=1` (then review the diff, as for `doctor`).
fn golden(case: &str, file: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/status").join(case).join(file);
    if std::env::var_os("STATUS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "{} differs", path.display());
}

fn token_times(env: &TestEnv, path: &std::path::Path) -> (String, String) {
    let token = env.read_json(path);
    let text = |key: &str| token[key].as_str().unwrap_or_default().to_owned();
    (text("expiresAt"), text("registrationExpiresAt"))
}

#[test]
fn a_valid_token_and_fresh_cached_credentials() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let cached = env.write_cached_role_credentials(HOUR);
    let run = status(&env, &["--profile", "dev-sso"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (token, registration) = token_times(&env, &env.token_path());
    let times =
        [("token", token.as_str()), ("registration", &registration), ("role", cached["Expiration"].as_str().unwrap())];
    golden("a-valid-token-and-fresh-cached-credentials", "expected.txt", &normalized(&env, &run.stdout, &times));
    assert_eq!(env.fake.total_calls(), 0, "status reads files only");
}

#[test]
fn a_token_due_for_refresh_is_usable_and_left_as_it_is() {
    let env = TestEnv::new();
    env.login(10 * MINUTE);
    let before = std::fs::read(env.token_path()).unwrap();
    let run = status(&env, &["--profile", "dev-sso"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (token, registration) = token_times(&env, &env.token_path());
    golden(
        "a-token-due-for-refresh-is-usable-and-left-as-it-is",
        "expected.txt",
        &normalized(&env, &run.stdout, &[("token", &token), ("registration", &registration)]),
    );
    assert_eq!(std::fs::read(env.token_path()).unwrap(), before, "status never refreshes");
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn an_expired_legacy_token_needs_a_login_and_names_the_command() {
    let env = TestEnv::new();
    let session = env.fake.seed_session();
    let expired = timestamp::format(now() - MINUTE);
    env.write_token(
        &env.legacy_token_path(),
        &json!({"startUrl": START_URL, "region": "us-east-1", "accessToken": session.access_token, "expiresAt": expired}),
    );
    let run = status(&env, &["--profile", "legacy"]);
    assert_eq!((run.code, run.stderr.as_str()), (3, ""));
    golden(
        "an-expired-legacy-token-needs-a-login-and-names-the-command",
        "expected.txt",
        &normalized(&env, &run.stdout, &[("token", &expired)]),
    );
}

#[test]
fn no_token_file_needs_a_login_and_the_default_profile_is_the_credential_commands() {
    let mut env = TestEnv::new();
    env.set_env("AWS_PROFILE", "dev-sso");
    let run = status(&env, &[]);
    assert_eq!((run.code, run.stderr.as_str()), (3, ""));
    golden(
        "no-token-file-needs-a-login-and-the-default-profile-is-the-credential-commands",
        "expected.txt",
        &normalized(&env, &run.stdout, &[]),
    );
}

#[test]
fn all_shows_every_identity_center_profile_and_skips_the_others() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let run = status(&env, &["--all"]);
    assert_eq!((run.code, run.stderr.as_str()), (3, ""), "legacy has no token");
    let (token, registration) = token_times(&env, &env.token_path());
    golden(
        "all-shows-every-identity-center-profile-and-skips-the-others",
        "expected.txt",
        &normalized(&env, &run.stdout, &[("token", &token), ("registration", &registration)]),
    );
    assert_eq!(env.fake.total_calls(), 0);
}

#[test]
fn all_lists_a_profile_that_does_not_resolve_with_its_error() {
    let env = TestEnv::new();
    env.write_config(&format!(
        "{CONFIG}\n[profile broken]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n"
    ));
    env.login(8 * HOUR);
    env.write_token(&env.legacy_token_path(), &token_document(&env.fake.seed_session(), 8 * HOUR));
    let run = status(&env, &["--all"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "an unresolved profile does not count");
    let text = normalized(&env, &run.stdout, &[]);
    assert!(text.starts_with(
        "Profile:                broken\nError:                  profile `broken` refers to sso-session `nope`, but `$HOME/.aws/config` has no [sso-session nope] section\n\nProfile:                dev-sso\n"
    ), "{text}");
    let document: Value = serde_json::from_str(&status(&env, &["--all", "--json"]).stdout).unwrap();
    assert_eq!(document["unresolved"][0]["profile"], json!("broken"));
    assert_eq!(document["profiles"].as_array().unwrap().len(), 3);
}

#[test]
fn a_config_error_for_one_target_is_one_line_and_exit_2() {
    let env = TestEnv::new();
    let run = status(&env, &["--profile", "nope"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr.starts_with("aws-sso-credential-process: profile `nope` (from --profile) not found in `"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
    env.write_config(&format!(
        "{CONFIG}\n[profile broken]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n"
    ));
    let run = status(&env, &["--profile", "broken"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        format!(
            "aws-sso-credential-process: profile `broken` refers to sso-session `nope`, but `{}` has no [sso-session nope] section\n",
            env.aws_dir().join("config").display()
        )
    );
}

#[test]
fn json_has_one_entry_per_profile_and_a_top_level_verdict() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let cached = env.write_cached_role_credentials(HOUR);
    let run = status(&env, &["--all", "--json"]);
    assert_eq!((run.code, run.stderr.as_str()), (3, ""));
    let document: Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let keys = |value: &Value| value.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&document), ["version", "checked_at", "usable", "verified", "profiles", "unresolved"]);
    assert_eq!((document["version"].clone(), document["usable"].clone()), (json!(1), json!(false)));
    assert_eq!(document["verified"], Value::Null);
    assert!(document["checked_at"].as_str().unwrap().ends_with('Z'));
    let profiles = document["profiles"].as_array().unwrap();
    let names: Vec<&str> = profiles.iter().map(|p| p["profile"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev-sso", "legacy", "prod-admin"]);
    for profile in profiles {
        assert_eq!(
            keys(profile),
            [
                "profile",
                "via",
                "kind",
                "usable",
                "reason",
                "login_command",
                "cli_login_command",
                "base_profile",
                "sso_session",
                "legacy",
                "start_url",
                "sso_region",
                "account_id",
                "role_name",
                "hops",
                "token",
                "backoff_until",
                "role_credentials",
                "limits",
                "verify",
            ]
        );
    }

    let (token, registration) = token_times(&env, &env.token_path());
    let home = env.home.path().to_str().unwrap();
    let lock = |name: &str| json!({"path": format!("{home}/.cache/aws-sso-credential-process/locks/{name}.lock"), "held": false, "holder": null, "problem": null});
    let role_cache = json!({
        "path": env.role_cache_path(),
        "exists": true,
        "expires_at": cached["Expiration"],
        "fresh": true,
        "lock": lock("role-0521d1f6a6c4e68f9e18540309367cc3cccb6305"),
        "problem": null,
    });
    assert_eq!(
        profiles[0],
        json!({
            "profile": "dev-sso",
            "via": null,
            "kind": "sso",
            "usable": true,
            "reason": "the cached role credentials are fresh",
            "login_command": "aws-sso-credential-process login --sso-session my-sso",
            "cli_login_command": "aws sso login --sso-session my-sso",
            "base_profile": null,
            "sso_session": "my-sso",
            "legacy": false,
            "start_url": START_URL,
            "sso_region": "us-east-1",
            "account_id": ACCOUNT,
            "role_name": ROLE,
            "hops": [],
            "token": {
                "path": env.token_path(),
                "exists": true,
                "state": "valid",
                "problem": null,
                "expires_at": token,
                "refreshable": true,
                "not_refreshable_reason": null,
                "registration_expires_at": registration,
                "lock": lock("token-0ad374308c5a4e22f723adf10145eafad7c4031c"),
            },
            "backoff_until": null,
            "role_credentials": role_cache,
            "limits": {
                "token_expires_at": token,
                "token_refreshable": true,
                "registration_expires_at": registration,
                "credentials_expire_at": cached["Expiration"],
                "sso_session_length": null,
            },
            "verify": null,
        })
    );

    let legacy = &profiles[1];
    assert_eq!(legacy["usable"], json!(false));
    assert_eq!((legacy["sso_session"].clone(), legacy["legacy"].clone()), (Value::Null, json!(true)));
    assert_eq!(legacy["login_command"], json!("aws-sso-credential-process login --profile legacy"));
    assert_eq!(legacy["cli_login_command"], json!("aws sso login --profile legacy"));
    assert_eq!(legacy["token"]["state"], json!("missing"));
    assert_eq!(legacy["token"]["exists"], json!(false));
    assert_eq!(legacy["token"]["expires_at"], Value::Null);
    assert_eq!(legacy["limits"]["token_refreshable"], Value::Null);

    let chain = &profiles[2];
    assert_eq!((chain["kind"].clone(), chain["base_profile"].clone()), (json!("chain"), json!("dev-sso")));
    assert_eq!(chain["usable"], json!(true));
    assert_eq!(chain["reason"], json!("the cached SSO role credentials are fresh; the chain is assumed with them"));
    assert_eq!(chain["role_credentials"], role_cache);
    let hop = &chain["hops"][0];
    assert_eq!(keys(hop), ["profile", "role_arn", "account_id", "credentials", "backoff_until"]);
    assert_eq!(hop["role_arn"], json!("arn:aws:iam::444455556666:role/Admin"));
    assert_eq!(hop["account_id"], json!("444455556666"));
    assert_eq!(hop["credentials"]["exists"], json!(false));
    assert_eq!(chain["limits"]["credentials_expire_at"], Value::Null, "the chain prints the hop's credentials");
}

#[test]
fn a_lock_held_by_another_process_is_shown_with_its_holder() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    std::fs::create_dir_all(env.lock_dir()).unwrap();
    let stem = SESSION_TOKEN_FILE.strip_suffix(".json").unwrap();
    let path = env.lock_dir().join(format!("token-{stem}.lock"));
    let mut held = OpenOptions::new().create(true).truncate(true).write(true).open(&path).unwrap();
    held.lock().unwrap();
    write!(held, "pid 4242").unwrap();

    let run = status(&env, &["--profile", "dev-sso"]);
    assert_eq!(run.code, 0);
    let token_section: Vec<&str> =
        run.stdout.lines().skip_while(|l| *l != "SSO token:").take_while(|l| *l != "Role credentials:").collect();
    assert!(token_section.contains(&"  Lock:                 held by another process (pid 4242)"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Role credentials:\n") && run.stdout.matches("Lock:                 free").count() == 1
    );
    let document: Value = serde_json::from_str(&status(&env, &["--profile", "dev-sso", "--json"]).stdout).unwrap();
    let lock = &document["profiles"][0]["token"]["lock"];
    assert_eq!((lock["held"].clone(), lock["holder"].clone()), (json!(true), json!("pid 4242")));

    drop(held);
    let run = status(&env, &["--profile", "dev-sso"]);
    assert_eq!(run.stdout.matches("Lock:                 free").count(), 2);
}

/// The `  UserId:` value, checked to be the fake's role session id, replaced by `<user-id>`.
fn without_user_id(text: &str) -> String {
    let line = text.lines().find(|l| l.starts_with("  UserId:")).expect("a UserId line");
    let user_id = line.rsplit(' ').next().unwrap();
    assert!(user_id.starts_with("AROA") && user_id.ends_with(":fake-user"), "{line}");
    text.replace(user_id, "<user-id>")
}

#[test]
fn verify_gets_the_credentials_and_shows_whose_they_are() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let run = status(&env, &["--profile", "dev-sso", "--verify"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    assert_eq!(env.fake.calls(Route::GetCallerIdentity), 1);
    assert!(env.role_cache_path().exists(), "cached, as the default command does");
    let text = without_user_id(&run.stdout);
    let verify = text.split("Login command:          aws-sso-credential-process login --sso-session my-sso (or aws sso login --sso-session my-sso)\n").nth(1).unwrap();
    golden("verify-gets-the-credentials-and-shows-whose-they-are", "expected.txt", verify);
    // What was inspected before the fetch: nothing cached then.
    assert!(text.contains("Role credentials:\n  File:"), "{text}");

    let document: Value =
        serde_json::from_str(&status(&env, &["--profile", "dev-sso", "--verify", "--json"]).stdout).unwrap();
    assert_eq!(document["verified"], json!(true));
    let verify = &document["profiles"][0]["verify"];
    assert_eq!(verify["ok"], json!(true));
    assert_eq!(verify["account"], json!(ACCOUNT));
    assert_eq!(verify["expected_role"], json!(ROLE));
    assert_eq!(verify["mismatch"], Value::Null);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "the second run used the cache");
}

#[test]
fn verify_of_a_chain_expects_the_last_hops_role_and_calls_sts_in_its_region() {
    let env = TestEnv::new();
    let admin = "arn:aws:iam::444455556666:role/Admin";
    env.fake.add_role(admin, TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
    env.login(8 * HOUR);
    let run = status(&env, &["--profile", "prod-admin", "--verify"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "\
  Account:              444455556666 (configured: 444455556666)
  Arn:                  arn:aws:sts::444455556666:assumed-role/Admin/aws-sso-credential-process
"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("  Configured role:      Admin\n  Result:               ok: "), "{}", run.stdout);
    let identity_call = env.fake.requests().into_iter().find(|r| r.route == Some(Route::GetCallerIdentity)).unwrap();
    assert_eq!(identity_call.signing_region(), Some("eu-west-1"), "prod-admin's region");
    assert_eq!(
        identity_call.signing_access_key_id(),
        Some(env.fake.assumed_roles()[0].credentials.access_key_id.as_str())
    );
}

/// Caches, under (my-sso, 111122223333, ReadOnly), credentials the fake issued for another
/// account or role, as a mixed-up cache or a wrong assignment would.
fn cache_credentials_of(env: &TestEnv, account: &str, role: &str) {
    env.fake.assign_role(account, role);
    env.run_ok(&["--sso-session", "my-sso", "--account-id", account, "--role-name", role]);
    let session = SsoSession::Named { name: "my-sso".into(), start_url: START_URL.into(), region: "us-east-1".into() };
    let other = SsoRole { session, account_id: account.into(), role_name: role.into() };
    std::fs::copy(role_credentials::cache_path(&env.aws_dir(), &other), env.role_cache_path()).unwrap();
}

#[test]
fn verify_flags_credentials_of_another_account_or_role_and_exits_1() {
    for (account, role, mismatch) in [
        ("999999999999", ROLE, "the credentials are for account 999999999999, not the configured 111122223333"),
        (
            ACCOUNT,
            "Admin",
            "the ARN's role is AWSReservedSSO_Admin_0123456789abcdef, not the configured ReadOnly (as AWSReservedSSO_ReadOnly_…)",
        ),
    ] {
        let env = TestEnv::new();
        env.login(8 * HOUR);
        cache_credentials_of(&env, account, role);
        let run = status(&env, &["--profile", "dev-sso", "--verify"]);
        assert_eq!((run.code, run.stderr.as_str()), (1, ""));
        assert!(run.stdout.contains(&format!("\n  Result:               MISMATCH: {mismatch}\n")), "{}", run.stdout);
        assert!(run.stdout.contains(&format!("\n  Account:              {account} (configured: 111122223333)\n")));
        let run = status(&env, &["--profile", "dev-sso", "--verify", "--json"]);
        assert_eq!(run.code, 1);
        let document: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(document["verified"], json!(false));
        let verify = &document["profiles"][0]["verify"];
        assert_eq!((verify["ok"].clone(), verify["mismatch"].clone()), (json!(false), json!(mismatch)));
    }
}

#[test]
fn verify_shows_why_credentials_cannot_be_had_and_exits_with_that_code() {
    let env = TestEnv::new();
    let run = status(&env, &["--profile", "dev-sso", "--verify"]);
    assert_eq!((run.code, run.stderr.as_str()), (3, ""));
    assert!(
        run.stdout.contains(
            "\nVerify (STS GetCallerIdentity):\n  Error:                SSO session `my-sso` has no cached token (no `"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("`); run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)\n"), "{}", run.stdout);

    env.login(8 * HOUR);
    env.fake.fail_always(Route::GetCallerIdentity, Some(fake_aws::Fault::Internal));
    let run = status(&env, &["--profile", "dev-sso", "--verify"]);
    assert_eq!((run.code, run.stderr.as_str()), (4, ""));
    assert!(
        run.stdout.contains("\n  Error:                GetCallerIdentity with the credentials of profile `dev-sso` failed: InternalFailure: "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(HTTP 500); try again later\n"), "{}", run.stdout);
}

#[test]
fn verify_never_shows_an_access_key_id_even_as_the_user_id() {
    let env = TestEnv::new();
    // An IAM user's keys in the role cache; the fake answers their UserId with the key's ID.
    let keys = env.fake.add_static_keys("999999999999", "mallory");
    let credentials = json!({
        "AccessKeyId": keys.access_key_id,
        "SecretAccessKey": keys.secret_access_key,
        "SessionToken": "not-checked-for-long-term-keys",
        "Expiration": timestamp::format(now() + HOUR),
    });
    std::fs::create_dir_all(env.role_cache_path().parent().unwrap()).unwrap();
    std::fs::write(env.role_cache_path(), json!({"ProviderType": "sso", "Credentials": credentials}).to_string())
        .unwrap();
    let run = status(&env, &["--profile", "dev-sso", "--verify"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains(&keys.access_key_id), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "\n  Arn:                  arn:aws:iam::999999999999:user/mallory\n  UserId:               AKIA…\n"
        )
    );
    assert!(
        run.stdout.contains(
            "MISMATCH: the credentials are for account 999999999999, not the configured 111122223333; the ARN is not an assumed role, not the configured ReadOnly (as AWSReservedSSO_ReadOnly_…)\n"
        ),
        "{}",
        run.stdout
    );
}

/// `--all` with nothing to show says why: no file (and no home folder), or SSO sections written
/// without the `profile ` prefix.
#[test]
fn all_with_nothing_to_show_says_why() {
    let mut env = TestEnv::new();
    let config = env.aws_dir().join("config");
    env.write_config("[dev-sso]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n");
    let run = status(&env, &["--all"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        format!(
            "aws-sso-credential-process: no profile in `{}` gets its credentials from IAM Identity Center (SSO): [dev-sso] has SSO keys but is not a profile: write it [profile dev-sso]\n",
            config.display()
        )
    );
    let home = env.home.path().join("nowhere");
    env.set_env("HOME", home.to_str().unwrap());
    let run = status(&env, &["--all"]);
    assert_eq!(
        run.stderr,
        format!(
            "aws-sso-credential-process: no config file `{0}/.aws/config`: the home folder `{0}` does not exist either: is HOME right?\n",
            home.display()
        )
    );
}
