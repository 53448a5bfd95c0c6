//! `cargo run --example demo`: the real code path — config, token refresh, GetRoleCredentials,
//! JSON out, cache hit, a role chain (STS AssumeRole), and a session that is gone — against a
//! loopback fake of IAM Identity Center and STS, in a temporary HOME. Needs no AWS account and
//! touches nothing outside that folder.

// The demo talks to a person on stdout; the program itself never does.
#![allow(clippy::print_stdout, clippy::disallowed_methods)]

use std::io::{self, Write};

use aws_sso_credential_process::{Environment, Invocation, Request, Target, clock, output, run, timestamp};
use fake_aws::{FakeAws, TrustPolicy};
use serde_json::{Value, json};

const CONFIG: &str = include_str!("config");

fn main() -> io::Result<()> {
    demo(&mut io::stdout().lock())
}

/// Runs the three scenarios and describes them on `out`.
pub fn demo(out: &mut dyn Write) -> io::Result<()> {
    let fake = FakeAws::start();
    fake.assign_role("111122223333", "ReadOnly");
    fake.add_role(
        "arn:aws:iam::444455556666:role/Admin",
        TrustPolicy::trusting(FakeAws::sso_principal("111122223333", "ReadOnly")),
    );
    let home = tempfile::tempdir()?;
    let aws_dir = home.path().join(".aws");
    std::fs::create_dir_all(aws_dir.join("sso/cache"))?;
    std::fs::write(aws_dir.join("config"), CONFIG)?;
    let env = Environment::from_vars([
        ("HOME", home.path().to_str().expect("temporary paths are UTF-8")),
        // Lock files go under the temporary HOME too (`~/.cache/aws-sso-credential-process`).
        ("AWS_ENDPOINT_URL_SSO", &fake.url()),
        ("AWS_ENDPOINT_URL_SSO_OIDC", &fake.url()),
        ("AWS_ENDPOINT_URL_STS", &fake.url()),
    ]);

    writeln!(out, "aws-sso-credential-process demo: a temporary HOME ({}) and a loopback fake", home.path().display())?;
    writeln!(out, "of the SSO portal, SSO-OIDC and STS at {}. ~/.aws/config:\n", fake.url())?;
    for line in CONFIG.lines().filter(|line| !line.starts_with('#')) {
        writeln!(out, "    {line}")?;
    }

    // What `aws sso login --sso-session my-sso` leaves behind, 7 h 50 min ago.
    let session = fake.seed_session();
    let now = clock::now();
    let token_path = aws_dir.join("sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json");
    let token = json!({
        "startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1",
        "accessToken": session.access_token, "expiresAt": timestamp::format(now + time::Duration::minutes(10)),
        "clientId": session.client_id, "clientSecret": session.client_secret,
        "registrationExpiresAt": timestamp::format(now + time::Duration::days(80)),
        "refreshToken": session.refresh_token,
    });
    std::fs::write(&token_path, token.to_string())?;
    writeln!(
        out,
        "\n`aws sso login --sso-session my-sso` ran earlier; its token (in ~/.aws/sso/cache/{})",
        file_name(&token_path)
    )?;
    writeln!(out, "expires in 10 minutes, inside the 15-minute refresh window.")?;

    let mut calls_before = 0;
    for (title, profile, prepare) in [
        ("1. First call: refresh the token, fetch role credentials", "dev-sso", None),
        ("2. Second call: served from the AWS CLI's role cache", "dev-sso", None),
        ("3. Role chaining: the cached SSO role assumes a role in another account", "prod-admin", None),
        ("4. The session is gone (credentials expired, refresh token revoked)", "dev-sso", Some(())),
    ] {
        if prepare.is_some() {
            for entry in std::fs::read_dir(aws_dir.join("cli/cache"))? {
                std::fs::remove_file(entry?.path())?;
            }
            let mut expired: Value = serde_json::from_slice(&std::fs::read(&token_path)?)?;
            expired["expiresAt"] = json!(timestamp::format(now - time::Duration::minutes(1)));
            let refresh_token = expired["refreshToken"].as_str().unwrap_or_default().to_owned();
            fake.revoke_refresh_token(&refresh_token);
            std::fs::write(&token_path, expired.to_string())?;
        }
        writeln!(out, "\n{title}\n$ aws-sso-credential-process --profile {profile}")?;
        let request = Request::new(Target::Profile(Some(profile.to_owned())));
        let invocation = Invocation { env: env.clone(), now: clock::now(), program_name: None, trace: None };
        let result = run(&request, &invocation);
        let calls: Vec<String> = fake
            .requests()
            .iter()
            .skip(calls_before)
            .map(|r| r.route.map_or_else(|| format!("{} {}", r.method, r.path), |route| format!("{route:?}")))
            .collect();
        calls_before = fake.total_calls();
        match result {
            Ok((credentials, report)) => {
                for step in &report.steps {
                    writeln!(out, "    - {step}")?;
                }
                let document: Value = serde_json::from_str(&output::credential_process_json(&credentials))?;
                writeln!(
                    out,
                    "    AWS calls: {}",
                    if calls.is_empty() { "none".to_owned() } else { calls.join(", ") }
                )?;
                writeln!(out, "    stdout (secrets shortened here): {}", shortened(document))?;
            }
            Err(error) => {
                writeln!(
                    out,
                    "    AWS calls: {}",
                    if calls.is_empty() { "none".to_owned() } else { calls.join(", ") }
                )?;
                writeln!(out, "    stdout: (empty)")?;
                writeln!(out, "    stderr: aws-sso-credential-process: {}", error.one_line())?;
                writeln!(out, "    exit code: {}", error.exit_kind() as u8)?;
            }
        }
    }
    writeln!(out, "\nThe token file was rewritten in the AWS CLI's format (0600, unknown fields kept), so the CLI")?;
    writeln!(
        out,
        "and the SDKs keep using the refreshed token; nothing outside {} was touched.",
        home.path().display()
    )?;
    Ok(())
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn shortened(mut document: Value) -> Value {
    for key in ["SecretAccessKey", "SessionToken"] {
        if let Some(text) = document[key].as_str() {
            document[key] = json!(format!("{}…", &text[..8.min(text.len())]));
        }
    }
    document
}
