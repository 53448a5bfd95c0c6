use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::*;

/// A minimal browser: GET `url` (plain HTTP, as the fake and the loopback listener speak) and
/// return the status and the `Location` header.
fn get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").expect("a plain-HTTP URL");
    let (host, path) = rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = response
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| line.strip_prefix("Location: ").or_else(|| line.strip_prefix("location: ")))
        .map(str::to_owned);
    (status, location)
}

/// Approves the sign-in as a person would: opens the authorize URL (the fake answers with a
/// redirect) and follows the redirect to the helper's loopback listener.
fn approve(url: &str) -> u16 {
    let (status, location) = get(url);
    assert_eq!(status, 302, "{url}");
    get(&location.expect("a redirect")).0
}

/// A `$BROWSER` that writes the URL it is given into `file`, for the test to open.
fn recording_browser(env: &TestEnv) -> (PathBuf, PathBuf) {
    let script = env.home.path().join("browser.sh");
    let file = env.home.path().join("opened-url");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}.tmp' && mv '{0}.tmp' '{0}'\n", file.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (script, file)
}

fn wait_for(file: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(file) {
            return text;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the browser was never opened");
}

fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    env.command(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

/// The run's outcome, without the credential command's output contract (a login talks to the
/// person on stderr).
fn finish(child: Child) -> Run {
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The keys of the token file, in order.
fn keys(document: &Value) -> Vec<String> {
    document.as_object().unwrap().keys().cloned().collect()
}

/// Signs in with the authorization code through `$BROWSER`, as a person with a browser would.
fn browser_login(env: &mut TestEnv, args: &[&str]) -> Run {
    let (browser, opened) = recording_browser(env);
    env.set_env("BROWSER", browser.to_str().unwrap());
    let _ = std::fs::remove_file(&opened);
    let child = spawn(env, args);
    let url = wait_for(&opened);
    assert!(url.starts_with(&format!("{}/authorize?response_type=code&client_id=", env.fake.url())), "{url}");
    assert_eq!(approve(&url), 200);
    finish(child)
}

#[test]
fn the_authorization_code_flow_writes_the_clis_files_and_the_helper_uses_them() {
    let mut env = TestEnv::new();
    let run = browser_login(&mut env, &["login", "--profile", "dev"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token_path = env.token_path();
    assert!(
        run.stdout.starts_with(&format!(
            "signed in to the SSO session `my-sso`: the token in {} expires at ",
            token_path.display()
        )),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("Opening your browser to sign in to the SSO session `my-sso`"), "{}", run.stderr);

    // The token file: the CLI's fields, in its order, `Z` timestamps, 0600.
    let token = env.read_json(&token_path);
    assert_eq!(
        keys(&token),
        [
            "startUrl",
            "region",
            "accessToken",
            "expiresAt",
            "clientId",
            "clientSecret",
            "registrationExpiresAt",
            "refreshToken"
        ]
    );
    assert_eq!(token["startUrl"], "https://d-1234567890.awsapps.com/start");
    assert!(token["expiresAt"].as_str().unwrap().ends_with('Z'));
    #[cfg(unix)]
    assert_eq!(mode(&token_path), 0o600);
    // The registration, next to the token (its name is checked against the CLI's key in
    // `the_registration_file_has_the_clis_name`), with its grant types.
    let cached: Vec<PathBuf> =
        std::fs::read_dir(env.aws_dir().join("sso/cache")).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(cached.len(), 2, "{cached:?}");
    let registration_path = cached.into_iter().find(|p| *p != token_path).unwrap();
    let registration = env.read_json(&registration_path);
    assert_eq!(keys(&registration), ["clientId", "clientSecret", "expiresAt", "scopes", "grantTypes"]);
    assert_eq!(registration["grantTypes"], serde_json::json!(["authorization_code", "refresh_token"]));
    assert_eq!(registration["clientId"], token["clientId"]);

    let registrations = env.fake.client_registrations();
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].client_name, "aws-sso-credential-process-my-sso");
    assert_eq!(registrations[0].redirect_uris, ["http://127.0.0.1/oauth/callback"]);
    assert_eq!(registrations[0].issuer_url.as_deref(), Some("https://d-1234567890.awsapps.com/start"));
    let authorization = &env.fake.authorizations()[0];
    assert!(authorization.redirect_uri.starts_with("http://127.0.0.1:"), "{authorization:?}");

    // The helper uses the new token.
    let document = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(document["AccountId"], ACCOUNT);

    // A second login reuses the registration.
    let run = browser_login(&mut env, &["login", "--sso-session", "my-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(env.fake.client_registrations().len(), 1, "the cached registration is reused");
    assert_eq!(env.fake.authorizations().len(), 2);
}

#[test]
fn a_denial_or_another_sign_ins_state_writes_nothing() {
    let mut env = TestEnv::new();
    env.fake.set_authorization_denied(true);
    let (browser, opened) = recording_browser(&env);
    env.set_env("BROWSER", browser.to_str().unwrap());
    let child = spawn(&env, &["login", "--profile", "dev-sso"]);
    let url = wait_for(&opened);
    assert_eq!(approve(&url), 200, "the page still says the tab may be closed");
    let run = finish(child);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(
        run.stderr.ends_with("aws-sso-credential-process: the sign-in was refused (access_denied: The user denied the request); nothing was written\n")
            || run.stderr.contains("the sign-in was refused (access_denied"),
        "{}",
        run.stderr
    );
    assert!(!env.token_path().exists());

    env.fake.set_authorization_denied(false);
    env.fake.set_authorization_state_override(Some("someone-elses".to_owned()));
    std::fs::remove_file(&opened).unwrap();
    let child = spawn(&env, &["login", "--profile", "dev-sso"]);
    let url = wait_for(&opened);
    approve(&url);
    let run = finish(child);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(
        run.stderr.ends_with("aws-sso-credential-process: the browser's answer carried another sign-in's state, so its code was not used and nothing was written; run the login again\n"),
        "{}",
        run.stderr
    );
    assert!(!env.token_path().exists());
    assert!(env.fake.code_logins().is_empty(), "the code was never redeemed");
}

#[test]
fn no_browser_prints_the_url_and_the_device_code_works_from_anywhere() {
    let mut env = TestEnv::new();
    // --no-browser: the URL is printed; the person opens it (in the browser `$BROWSER` names,
    // which says there is one, even in a container).
    env.set_env("BROWSER", "false");
    let mut child = spawn(&env, &["login", "--profile", "dev-sso", "--no-browser"]);
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let url = loop {
        let mut buffer = [0u8; 4096];
        let n = stderr.read(&mut buffer).unwrap();
        assert!(n > 0, "no URL printed: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        if let Some(line) = seen.lines().map(str::trim).find(|l| l.starts_with("http://") && l.contains("/authorize?"))
            && seen.contains("--use-device-code")
        {
            break line.to_owned();
        }
    };
    assert!(seen.contains("open this URL in a browser on this computer"), "{seen}");
    assert_eq!(approve(&url), 200);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));

    // The device code, asked for.
    let env = TestEnv::new();
    env.fake.set_device_poll_interval(1);
    let run = env.run_any(&["login", "--sso-session", "my-sso", "--use-device-code", "--no-browser"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("To sign in to the SSO session `my-sso`, open https://device.sso.us-east-1.amazonaws.com/ on any device and enter the code "), "{}", run.stderr);
    let registrations = env.fake.client_registrations();
    assert_eq!(registrations.len(), 1);
    assert!(registrations[0].grant_types.is_empty(), "a device-code registration has no grant types");
    assert_eq!(keys(&env.read_json(&env.token_path())).last().unwrap(), "refreshToken");
    assert_eq!(env.run_ok(&["--profile", "dev-sso"])["AccountId"], ACCOUNT);
}

#[test]
fn where_no_browser_can_answer_the_device_code_is_used_and_said() {
    let env = TestEnv::new();
    env.fake.set_device_poll_interval(1);
    // No BROWSER and no DISPLAY (the harness clears the environment).
    let run = env.run_any(&["login", "--profile", "dev-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(": signing in with a device code, which works from any device\n"), "{}", run.stderr);
    assert!(env.fake.authorizations().is_empty());

    // The legacy layout signs in with the device code, as `aws sso login` does.
    let run = env.run_any(&["login", "--profile", "legacy"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(env.legacy_token_path().exists());
}

#[test]
fn a_device_code_that_is_denied_or_expires_writes_nothing() {
    let env = TestEnv::new();
    env.fake.set_device_poll_interval(1);
    env.fake.set_device_authorization_denied(true);
    let run = env.run_any(&["login", "--profile", "dev-sso", "--use-device-code", "--no-browser"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(
        run.stderr.lines().last().unwrap().starts_with("aws-sso-credential-process: the sign-in was denied"),
        "{}",
        run.stderr
    );
    assert!(!env.token_path().exists());
}

#[test]
fn logout_signs_out_of_everything_or_of_one_session() {
    let env = TestEnv::new();
    let session = env.login(8 * HOUR);
    env.write_token(&env.legacy_token_path(), &token_document(&session, 8 * HOUR));
    env.run_ok(&["--profile", "dev-sso"]);
    assert!(env.role_cache_path().exists());
    // Something that is not from SSO stays.
    let other = env.aws_dir().join("cli/cache/assumed.json");
    std::fs::write(&other, r#"{"Credentials": {}, "ProviderType": "assume-role"}"#).unwrap();

    let run = env.run_any(&["logout", "--sso-session", "my-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "signed out of the SSO session `my-sso`: deleted 1 token file (1 revoked by AWS) and 1 cached credential file; client registrations are kept\n"
    );
    assert!(!env.token_path().exists() && !env.role_cache_path().exists());
    assert!(env.legacy_token_path().exists(), "another session's token stays");
    assert_eq!(env.run_any(&["--profile", "dev-sso"]).code, 3, "signed out");

    let run = env.run_any(&["logout"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("signed out of every SSO session on this machine: deleted 1 token file"),
        "{}",
        run.stdout
    );
    assert!(!env.legacy_token_path().exists());
    assert!(other.exists(), "only SSO credentials are deleted, as by `aws sso logout`");

    let run = env.run_any(&["logout", "--profile", "dev"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "not signed in to the SSO session `my-sso` (no token file): deleted 0 token files (0 revoked by AWS) and 0 cached credential files; client registrations are kept\n"
        )
    );
}

/// No answer from the browser within the time limit (shortened here with the variable): one
/// line, exit 3, nothing written.
#[test]
fn no_answer_within_the_time_limit_writes_nothing() {
    let mut env = TestEnv::new();
    env.set_env("BROWSER", "true");
    env.set_env("AWS_SSO_CREDENTIAL_PROCESS_LOGIN_TIMEOUT", "1");
    let run = env.run_any(&["login", "--profile", "dev-sso"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(
        run.stderr.ends_with("aws-sso-credential-process: no answer from the browser within 1s; run the login again\n"),
        "{}",
        run.stderr
    );
    assert!(!env.token_path().exists());
}

/// The registration's file name is the CLI's key: the issue's vector (start URL
/// `https://d-123.awsapps.com/start`, `us-east-1`, session `my-sso`, scopes
/// `["sso:account:access"]`).
#[test]
fn the_registration_file_has_the_clis_name() {
    let mut env = TestEnv::new();
    env.write_config(&CONFIG.replace("https://d-1234567890.awsapps.com/start", "https://d-123.awsapps.com/start"));
    let run = browser_login(&mut env, &["login", "--sso-session", "my-sso"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let registration = env.aws_dir().join("sso/cache/41703fba9789c2c8f9b7faa73b70bebb72c62cc9.json");
    assert_eq!(env.read_json(&registration)["grantTypes"], serde_json::json!(["authorization_code", "refresh_token"]));
    #[cfg(unix)]
    assert_eq!(mode(&registration), 0o600);
}

/// A login while 64 callers refresh the same session's token: each writes whole files under the
/// token lock, so the file is always a whole token and the helper works afterwards.
#[test]
fn a_login_racing_callers_that_refresh_loses_nothing() {
    let env = TestEnv::new();
    env.fake.set_latency(Duration::from_millis(100));
    env.fake.set_device_poll_interval(1);
    env.login(10 * MINUTE);
    let login = spawn(&env, &["login", "--profile", "dev-sso", "--use-device-code", "--no-browser"]);
    let runs = env.run_parallel(64, |_| vec!["--profile".into(), "dev-sso".into()]);
    let login = finish(login);
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(runs.iter().all(|r| r.code == 0), "{:?}", runs.iter().map(|r| &r.stderr).collect::<Vec<_>>());
    let token = env.read_json(&env.token_path());
    assert!(env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
    std::fs::remove_file(env.role_cache_path()).unwrap();
    assert_eq!(env.run_ok(&["--profile", "dev-sso"])["AccountId"], ACCOUNT);
}

/// After `slow_down` the next poll comes 5 s later than the interval (RFC 8628); a code that
/// expires before anyone approves ends the login with one line, writing nothing.
#[test]
fn device_polling_slows_down_when_asked_and_stops_when_the_code_expires() {
    let env = TestEnv::new();
    env.fake.set_device_poll_interval(1);
    env.fake.set_device_slow_down(1);
    let run = env.run_any(&["login", "--profile", "dev-sso", "--use-device-code", "--no-browser"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let polls = env.fake.device_polls();
    let slowed = polls.iter().position(|p| p.error.as_deref() == Some("slow_down")).expect("a slow_down answer");
    let gap = polls[slowed + 1].at - polls[slowed].at;
    assert!(gap >= Duration::from_secs(6), "1 s + 5 s after slow_down, was {gap:?}");

    let env = TestEnv::new();
    env.fake.set_device_poll_interval(1);
    env.fake.set_device_authorization_pending(1000);
    env.fake.set_device_code_lifetime(Duration::from_secs(3));
    let run = env.run_any(&["login", "--profile", "dev-sso", "--use-device-code", "--no-browser"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(
        run.stderr.ends_with("aws-sso-credential-process: the code expired before the sign-in was approved (it lasts 3s); run the login again\n"),
        "{}",
        run.stderr
    );
    assert!(!env.token_path().exists());
}

/// What a login prints never holds a token, a refresh token or a client secret, nor the PKCE
/// verifier.
#[test]
fn a_login_prints_no_secret() {
    let mut env = TestEnv::new();
    let run = browser_login(&mut env, &["login", "--profile", "dev-sso", "--verbose"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for step in [
        "debug: signing in to the SSO session `my-sso` with the authorization code (PKCE)\n",
        "debug: registered client `aws-sso-credential-process-my-sso` and cached it in ",
        "debug: listening for the browser's answer on 127.0.0.1:",
        "debug: wrote the token to ",
    ] {
        assert!(run.stderr.contains(step), "{step} not in {}", run.stderr);
    }
    let token = env.read_json(&env.token_path());
    let mut secrets = env.fake.secrets();
    secrets.extend(["accessToken", "refreshToken", "clientSecret"].map(|k| token[k].as_str().unwrap().to_owned()));
    // The verifier, as sent with CreateToken.
    for request in env.fake.requests().iter().filter(|r| r.route == Some(fake_aws::Route::CreateToken)) {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        secrets.extend(body["codeVerifier"].as_str().map(str::to_owned));
    }
    assert!(secrets.len() > 3);
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        assert!(!run.stdout.contains(secret.as_str()) && !run.stderr.contains(secret.as_str()), "a secret was printed");
    }
}
