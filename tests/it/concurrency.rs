//! Many callers at once: one refresh and one fetch, locks released by a killed holder, a writer
//! rewriting the token in place, a rotated refresh token, throttling storms, lock timeouts.

use std::fs::OpenOptions;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::harness::*;
use fake_aws::{Fault, RefreshPolicy, Route};
use serde_json::{Value, json};

const CALLERS: usize = 64;

fn profile_args(_: usize) -> Vec<String> {
    vec!["--profile".into(), "dev-sso".into()]
}

fn assert_all_identical_successes(runs: &[Run]) {
    let failures: Vec<&str> = runs.iter().filter(|r| r.code != 0).map(|r| r.stderr.as_str()).collect();
    assert!(failures.is_empty(), "{} of {} failed: {failures:?}", failures.len(), runs.len());
    assert!(runs.iter().all(|r| r.stdout == runs[0].stdout), "every caller prints the credentials of the one fetch");
}

/// Waits (bounded) until `condition` holds; a test step, not a timing assertion.
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn sixty_four_callers_at_token_expiry_make_one_refresh_and_one_fetch() {
    for round in 0..3 {
        let env = TestEnv::new();
        env.fake.set_latency(Duration::from_millis(150));
        env.login(10 * MINUTE);
        let runs = env.run_parallel(CALLERS, profile_args);
        assert_all_identical_successes(&runs);
        assert_eq!(env.fake.calls(Route::CreateToken), 1, "round {round}");
        assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "round {round}");
        let document: Value = serde_json::from_str(&runs[0].stdout).unwrap();
        assert_eq!(document["AccessKeyId"], json!(env.fake.issued_credentials()[0].access_key_id));
        let token = env.read_json(&env.token_path());
        assert!(env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
    }
}

#[test]
fn sixty_four_callers_at_role_credential_expiry_make_one_fetch() {
    for round in 0..3 {
        let env = TestEnv::new();
        env.fake.set_latency(Duration::from_millis(150));
        env.login(8 * HOUR);
        env.write_cached_role_credentials(10 * MINUTE);
        let runs = env.run_parallel(CALLERS, profile_args);
        assert_all_identical_successes(&runs);
        assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "round {round}");
        assert_eq!(env.fake.calls(Route::CreateToken), 0, "round {round}");
    }
}

#[test]
fn a_holder_killed_mid_refresh_does_not_block_the_next_caller() {
    let env = TestEnv::new();
    env.fake.set_refresh_policy(RefreshPolicy::Keep);
    env.fake.set_latency(Duration::from_secs(5));
    env.login(10 * MINUTE);
    let mut holder = env.command(&["--profile", "dev-sso"]).spawn().unwrap();
    // It holds the role and token locks while its CreateToken is in flight.
    wait_until("the holder is mid-refresh", || env.fake.calls(Route::CreateToken) == 1);
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    env.fake.set_latency(Duration::ZERO);
    // A stale lock would make this wait 20 s and then fail with exit 4.
    env.run_ok(&["--profile", "dev-sso", "--lock-timeout", "20"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn callers_survive_a_writer_that_rewrites_the_token_in_place() {
    let env = TestEnv::new();
    let session = env.login(8 * HOUR);
    for i in 0..CALLERS {
        env.fake.assign_role(ACCOUNT, &format!("Role{i}"));
    }
    let bytes = std::fs::read(env.token_path()).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, path, bytes) = (stop.clone(), env.token_path(), bytes.clone());
        std::thread::spawn(move || {
            let mut rewrites = 0;
            while !stop.load(Ordering::SeqCst) {
                // As the AWS CLI 2.x does: open with truncation, then write, not atomically.
                let mut file = OpenOptions::new().write(true).truncate(true).open(&path).unwrap();
                std::thread::sleep(Duration::from_millis(1));
                file.write_all(&bytes[..bytes.len() / 2]).unwrap();
                std::thread::sleep(Duration::from_millis(1));
                file.write_all(&bytes[bytes.len() / 2..]).unwrap();
                drop(file);
                rewrites += 1;
                std::thread::sleep(Duration::from_millis(8));
            }
            rewrites
        })
    };
    // Each caller wants another role, so every one of them reads the token.
    let runs = env.run_parallel(CALLERS, |i| {
        ["--sso-session", "my-sso", "--account-id", ACCOUNT, "--role-name", &format!("Role{i}")]
            .map(str::to_owned)
            .to_vec()
    });
    stop.store(true, Ordering::SeqCst);
    let rewrites = writer.join().unwrap();
    assert!(rewrites > 10, "the writer kept rewriting ({rewrites})");
    let failures: Vec<&str> = runs.iter().filter(|r| r.code != 0).map(|r| r.stderr.as_str()).collect();
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), CALLERS);
    let get = env.fake.requests();
    assert!(get.iter().all(|r| r.header("x-amz-sso_bearer_token") == Some(session.access_token.as_str())));
}

#[test]
fn invalid_grant_after_someone_else_rotated_the_refresh_token_uses_the_newer_token_on_disk() {
    let env = TestEnv::new();
    env.fake.set_latency(Duration::from_secs(1));
    let old = env.login(-MINUTE);
    let caller = env.command(&["--profile", "dev-sso"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    wait_until("our CreateToken is in flight", || env.fake.calls(Route::CreateToken) == 1);
    // Meanwhile the AWS CLI (which takes no lock) refreshes first: the old refresh token is
    // rotated out and its newer token lands on disk.
    let newer = env.fake.seed_session();
    env.fake.revoke_refresh_token(&old.refresh_token);
    let mut document = token_document(&old, 8 * HOUR);
    document["accessToken"] = json!(newer.access_token);
    document["refreshToken"] = json!(newer.refresh_token);
    env.write_token(&env.token_path(), &document);

    let run = env.finish(caller.wait_with_output().unwrap());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.fake.calls(Route::CreateToken), 1, "no second refresh: the newer token is fresh");
    let get = env.fake.requests().into_iter().find(|r| r.route == Some(Route::GetRoleCredentials)).unwrap();
    assert_eq!(get.header("x-amz-sso_bearer_token"), Some(newer.access_token.as_str()));
}

#[test]
fn a_throttling_storm_with_valid_cached_credentials_serves_them_with_a_warning() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    let cached = env.write_cached_role_credentials(10 * MINUTE);
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::Throttled));
    let runs = env.run_parallel(16, profile_args);
    for run in &runs {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let document: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(document["AccessKeyId"], cached["AccessKeyId"]);
        assert!(run.stderr.starts_with("aws-sso-credential-process: warning: "), "{}", run.stderr);
        assert!(run.stderr.contains("using cached credentials that expire at"), "{}", run.stderr);
    }
    // One caller made the SDK's 3 attempts and recorded a back-off; the others made no call.
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 3);
}

#[test]
fn a_throttling_storm_with_nothing_cached_fails_fast_with_few_calls() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::Throttled));
    let runs = env.run_parallel(16, profile_args);
    for run in &runs {
        assert_eq!(run.code, 4, "{}", run.stderr);
        assert!(run.stderr.contains("try again later"), "{}", run.stderr);
    }
    assert_eq!(runs.iter().filter(|r| r.stderr.contains("TooManyRequestsException: Rate exceeded")).count(), 1);
    assert_eq!(runs.iter().filter(|r| r.stderr.contains("AWS throttled a recent call")).count(), 15);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 3);
}

#[test]
fn a_lock_held_too_long_says_who_holds_it_or_serves_valid_cached_credentials() {
    let env = TestEnv::new();
    env.login(8 * HOUR);
    std::fs::create_dir_all(env.lock_dir()).unwrap();
    let path =
        env.lock_dir().join(format!("role-{}.lock", env.role_cache_path().file_stem().unwrap().to_str().unwrap()));
    let mut held = OpenOptions::new().create(true).truncate(true).write(true).open(&path).unwrap();
    held.lock().unwrap();
    write!(held, "pid 4242").unwrap();

    let line = env.run_err(&["--profile", "dev-sso", "--lock-timeout", "1"], 4);
    assert!(
        line.starts_with("aws-sso-credential-process: gave up after 1 s waiting for another caller (pid 4242) to finish fetching role credentials for ReadOnly in account 111122223333 (lock `"),
        "{line}"
    );
    assert!(line.ends_with("`); try again, or raise --lock-timeout"), "{line}");

    let cached = env.write_cached_role_credentials(10 * MINUTE);
    let run = env.run(&["--profile", "dev-sso", "--lock-timeout", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(serde_json::from_str::<Value>(&run.stdout).unwrap()["AccessKeyId"], cached["AccessKeyId"]);
    assert!(run.stderr.contains("gave up after 1 s waiting"), "{}", run.stderr);
    assert_eq!(env.fake.total_calls(), 0);
    drop(held);
}

#[test]
fn lock_files_live_outside_the_aws_caches() {
    let env = TestEnv::new();
    env.login(10 * MINUTE);
    env.run_ok(&["--profile", "dev-sso"]);
    let mut locks: Vec<String> =
        std::fs::read_dir(env.lock_dir()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    locks.sort();
    let role_stem = env.role_cache_path().file_stem().unwrap().to_str().unwrap().to_owned();
    let token_stem = env.token_path().file_stem().unwrap().to_str().unwrap().to_owned();
    assert_eq!(locks, vec![format!("role-{role_stem}.lock"), format!("token-{token_stem}.lock")]);
    for dir in ["sso/cache", "cli/cache"] {
        for entry in std::fs::read_dir(env.aws_dir().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert!(name.ends_with(".json") && name.len() == 45, "{dir}/{name}");
        }
    }
    #[cfg(unix)]
    assert_eq!(mode(&env.lock_dir()), 0o700);
}

#[test]
fn a_throttled_refresh_of_a_still_valid_token_does_not_hold_other_callers_off() {
    let env = TestEnv::new();
    env.login(10 * MINUTE);
    env.fake.fail_next(Route::CreateToken, Fault::Throttled, 3);
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("could not refresh"), "{}", run.stderr);
    // Another role of the same session right after: no back-off stands in its way.
    env.fake.assign_role(ACCOUNT, "Other");
    env.run_ok(&["--sso-session", "my-sso", "--account-id", ACCOUNT, "--role-name", "Other"]);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 2);
}
