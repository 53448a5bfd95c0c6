//! Real AWS clients as consumers of our `credential_process`: boto3, the AWS CLI v2 (Debian's
//! `/usr/bin/aws`), the JS SDK v3 (`fromProcess` and the default chain) and the Rust SDK's
//! aws-config. Each gets a profile whose `credential_process` is a wrapper script that counts its
//! runs and `exec`s our binary, and calls STS `GetCallerIdentity`; the ARN that comes back must be
//! the SSO role's, so our credentials really reached AWS-compatible code and were used to sign.
//!
//! STS is `fake-aws` here, not moto: the credentials are issued by the fake's
//! `GetRoleCredentials`, and only the fake knows them. Each test writes its client's row of the
//! results table to `target/interop/consumers/`, and rewrites `target/interop/consumers.md` from
//! all rows present; `scripts/interop` copies that to `docs/interop.md`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;

use aws_sso_credential_process::timestamp;
use fake_aws::{FakeAws, Route, SeededSession};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

const START_URL: &str = "https://d-1234567890.awsapps.com/start";
/// sha1("my-sso"): the AWS CLI's token cache file name for the session.
const TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
/// What STS `GetCallerIdentity` says for credentials of SSO role ReadOnly in 111122223333.
const SSO_ARN: &str = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/fake-user";
/// The fix our stderr line names when the session is gone.
const LOGIN: &str = "aws sso login --sso-session my-sso";
/// GetCallerIdentity calls in one client process, in the "several calls" scenario.
const CALLS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Client {
    Boto3,
    AwsCli,
    JsFromProcess,
    JsDefaultChain,
    Rust,
}

/// What one client process (the CLI: one invocation per call) did.
struct Outcome {
    arns: Vec<String>,
    /// The client's error output, when it failed.
    error: Option<String>,
}

fn env_path(name: &str, what: &str) -> PathBuf {
    match std::env::var_os(name) {
        Some(path) => PathBuf::from(path),
        None => panic!("{name} is not set ({what}): run these tests with `scripts/interop`"),
    }
}

fn python() -> PathBuf {
    env_path("AWS_SSO_CP_INTEROP_PYTHON", "the venv's python, with boto3")
}

fn aws_cli() -> PathBuf {
    let path = PathBuf::from("/usr/bin/aws");
    assert!(
        path.exists(),
        "/usr/bin/aws (AWS CLI v2, Debian's `awscli`) is missing: `apt-get install -y --no-install-recommends awscli`, \
         or run `scripts/interop`, which installs it"
    );
    path
}

const BOTO3: &str = "
import sys, boto3
try:
    sts = boto3.Session().client('sts')
    for _ in range(int(sys.argv[1])):
        print(sts.get_caller_identity()['Arn'], flush=True)
except Exception as error:
    print(f'{type(error).__name__}: {error}', file=sys.stderr)
    sys.exit(1)
";

impl Client {
    const ALL: [Client; 5] =
        [Client::Boto3, Client::AwsCli, Client::JsFromProcess, Client::JsDefaultChain, Client::Rust];

    fn slug(self) -> &'static str {
        match self {
            Client::Boto3 => "boto3",
            Client::AwsCli => "aws-cli",
            Client::JsFromProcess => "js-from-process",
            Client::JsDefaultChain => "js-default-chain",
            Client::Rust => "rust-aws-config",
        }
    }

    /// Whether the client's error, when we fail, shows our stderr line. The JS default chain
    /// swallows every provider's error into a generic one.
    fn shows_our_line(self) -> bool {
        self != Client::JsDefaultChain
    }

    fn program(self, args: &[&str]) -> Command {
        let mut command = match self {
            Client::Boto3 => {
                let mut command = Command::new(python());
                command.args(["-c", BOTO3]);
                command
            }
            Client::AwsCli => Command::new(aws_cli()),
            Client::JsFromProcess | Client::JsDefaultChain => {
                let mut command = Command::new("node");
                command.arg(env_path("AWS_SSO_CP_INTEROP_NODE_CHECK", "check.mjs next to the installed JS SDK"));
                if !args.contains(&"--version") {
                    command.arg(if self == Client::JsFromProcess { "process" } else { "chain" });
                }
                command
            }
            Client::Rust => Command::new(env_path("AWS_SSO_CP_INTEROP_RUST_CLIENT", "interop-clients/rust-client")),
        };
        command.args(args);
        command
    }

    /// The client and its version, as the table's first column.
    fn describe(self) -> String {
        let stdout = |mut command: Command| {
            let output = command.env("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true").output().unwrap();
            assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
            String::from_utf8(output.stdout).unwrap().trim().to_owned()
        };
        match self {
            Client::Boto3 => {
                let mut command = Command::new(python());
                command.args(["-c", "import boto3, botocore; print(boto3.__version__, botocore.__version__)"]);
                let versions = stdout(command);
                let (boto3, botocore) = versions.split_once(' ').unwrap();
                format!("boto3 {boto3} (botocore {botocore})")
            }
            Client::AwsCli => {
                let mut command = Command::new(aws_cli());
                command.arg("--version");
                let version = stdout(command);
                let version = version.split_whitespace().next().unwrap().trim_start_matches("aws-cli/");
                format!("AWS CLI {version} (`/usr/bin/aws`, Debian `awscli`)")
            }
            Client::JsFromProcess | Client::JsDefaultChain => {
                let mut node = Command::new("node");
                node.arg("--version");
                let node = stdout(node);
                let provider = if self == Client::JsFromProcess {
                    "`fromProcess`"
                } else {
                    "default chain `fromNodeProviderChain`"
                };
                format!("JS SDK v3, {provider}: {} (Node.js {node})", stdout(self.program(&["--version"])))
            }
            Client::Rust => format!("Rust SDK, default chain: {}", stdout(self.program(&["--version"]))),
        }
    }

    /// Runs `calls` GetCallerIdentity calls in one client process (the CLI: `calls` invocations,
    /// stopping at the first failure).
    fn call(self, env: &Env, calls: usize) -> Outcome {
        let runs: Vec<Output> = if self == Client::AwsCli {
            let url = env.fake.url();
            let mut outputs = Vec::new();
            for _ in 0..calls {
                let args = ["sts", "get-caller-identity", "--endpoint-url", &url, "--output", "text", "--query", "Arn"];
                let output = env.client(self.program(&args)).output().unwrap();
                let failed = !output.status.success();
                outputs.push(output);
                if failed {
                    break;
                }
            }
            outputs
        } else {
            vec![env.client(self.program(&[&calls.to_string()])).output().unwrap()]
        };
        let mut outcome = Outcome { arns: Vec::new(), error: None };
        for output in runs {
            let stdout = String::from_utf8(output.stdout).unwrap();
            let stderr = String::from_utf8(output.stderr).unwrap();
            for secret in env.fake.secrets() {
                assert!(!stdout.contains(&secret) && !stderr.contains(&secret), "a secret reached {self:?}'s output");
            }
            outcome.arns.extend(stdout.lines().map(str::to_owned));
            if !output.status.success() {
                outcome.error = Some(stderr);
            }
        }
        outcome
    }
}

/// A temporary HOME with the config, the counting wrapper, and the fake with the role assigned.
struct Env {
    home: tempfile::TempDir,
    fake: FakeAws,
}

impl Env {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        let fake = FakeAws::start();
        fake.assign_role("111122223333", "ReadOnly");
        let wrapper = home.path().join("credential-process");
        let counter = home.path().join("runs");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho run >> '{}'\nexec '{}' --profile dev-sso\n",
                counter.display(),
                env!("CARGO_BIN_EXE_aws-sso-credential-process")
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let aws = home.path().join(".aws");
        std::fs::create_dir_all(&aws).unwrap();
        let config = format!(
            "[sso-session my-sso]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n\n\
             [profile dev-sso]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\
             region = us-east-1\n\n\
             [profile dev]\ncredential_process = {}\nregion = us-east-1\n",
            wrapper.display()
        );
        std::fs::write(aws.join("config"), config).unwrap();
        Self { home, fake }
    }

    fn token_path(&self) -> PathBuf {
        self.home.path().join(".aws/sso/cache").join(TOKEN_FILE)
    }

    /// Writes the token cache file `aws sso login` would, for a session the fake knows.
    fn login(&self, expires_in: Duration) -> SeededSession {
        let session = self.fake.seed_session();
        let now = OffsetDateTime::now_utc();
        let token = json!({
            "startUrl": START_URL,
            "region": "us-east-1",
            "accessToken": session.access_token,
            "expiresAt": timestamp::format(now + expires_in),
            "clientId": session.client_id,
            "clientSecret": session.client_secret,
            "registrationExpiresAt": timestamp::format(now + Duration::days(80)),
            "refreshToken": session.refresh_token,
        });
        std::fs::create_dir_all(self.token_path().parent().unwrap()).unwrap();
        std::fs::write(self.token_path(), token.to_string()).unwrap();
        session
    }

    /// How often the wrapper ran us.
    fn runs(&self) -> usize {
        std::fs::read_to_string(self.home.path().join("runs")).map_or(0, |text| text.lines().count())
    }

    /// Our binary, run directly (not counted), as the wrapper runs it.
    fn ours(&self) -> Output {
        self.with_env(Command::new(env!("CARGO_BIN_EXE_aws-sso-credential-process")).args(["--profile", "dev-sso"]))
            .output()
            .unwrap()
    }

    fn client(&self, mut command: Command) -> Command {
        self.with_env(&mut command).env("AWS_PROFILE", "dev");
        command
    }

    fn with_env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        let home = self.home.path();
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_CONFIG_FILE", home.join(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.join(".aws/credentials"))
            // Read by our binary, boto3, the JS SDK and aws-config; the CLI 2.9 gets `--endpoint-url`.
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_STS", self.fake.url())
            // Anything that tries to reach real AWS fails at once.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .env("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED", "true")
            .stdin(Stdio::null())
    }

    /// The access key ids that signed the GetCallerIdentity calls the fake received.
    fn caller_keys(&self) -> Vec<String> {
        let requests = self.fake.requests();
        let calls = requests.iter().filter(|r| r.route == Some(Route::GetCallerIdentity));
        calls.map(|r| r.signing_access_key_id().expect("a signed call").to_owned()).collect()
    }

    /// Every call succeeded with the SSO role's ARN, signed with credentials the fake issued.
    fn assert_all_ours(&self, client: Client, outcome: &Outcome, calls: usize) {
        assert_eq!(outcome.error, None, "{client:?} failed");
        assert_eq!(outcome.arns, vec![SSO_ARN; calls], "{client:?}'s GetCallerIdentity answers");
        let issued: Vec<String> = self.fake.issued_credentials().into_iter().map(|c| c.access_key_id).collect();
        let keys = self.caller_keys();
        assert_eq!(keys.len(), calls, "{client:?}: GetCallerIdentity calls the fake received");
        assert!(keys.iter().all(|k| issued.contains(k)), "{client:?} signed with {keys:?}, issued {issued:?}");
    }

    /// The client's error text, with the temporary HOME replaced, for the docs.
    fn redact(&self, text: &str) -> String {
        text.replace(&self.home.path().display().to_string(), "$TMP")
    }
}

fn runs_text(runs: usize) -> String {
    if runs == 1 { "1 run".to_owned() } else { format!("{runs} runs") }
}

/// One client's row: the four scenarios, each asserted, described for the table.
fn check(client: Client) {
    let describe = client.describe();

    // Cache hit: our role cache holds credentials (from a run of our own); no call to AWS but STS.
    let env = Env::new();
    env.login(Duration::hours(8));
    assert!(env.ours().status.success());
    let outcome = client.call(&env, 1);
    env.assert_all_ours(client, &outcome, 1);
    assert_eq!(env.runs(), 1, "{client:?} ran us once");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "served from our cache: only the first run fetched");
    assert_eq!(env.fake.calls(Route::CreateToken), 0);
    let cache_hit = format!("ok, {}, no SSO call", runs_text(env.runs()));

    // Refresh on the way: the token has 10 minutes left, so we refresh it, then fetch.
    let env = Env::new();
    let session = env.login(Duration::minutes(10));
    let outcome = client.call(&env, 1);
    env.assert_all_ours(client, &outcome, 1);
    assert_eq!(env.runs(), 1, "{client:?} ran us once");
    assert_eq!(env.fake.calls(Route::CreateToken), 1, "the token was refreshed");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    let token: Value = serde_json::from_slice(&std::fs::read(env.token_path()).unwrap()).unwrap();
    assert_ne!(token["accessToken"], json!(session.access_token), "the refreshed token was written back");
    let expires = timestamp::parse(token["expiresAt"].as_str().unwrap()).unwrap();
    assert!(expires > OffsetDateTime::now_utc() + Duration::hours(1), "{expires}");
    let refresh = format!("ok, {}, token refreshed", runs_text(env.runs()));

    // Session gone: the token has expired and the fake refuses its refresh token.
    let env = Env::new();
    let session = env.login(-Duration::hours(1));
    env.fake.revoke_refresh_token(&session.refresh_token);
    let outcome = client.call(&env, 1);
    assert!(outcome.arns.is_empty(), "{client:?} got an identity: {:?}", outcome.arns);
    let error = outcome.error.unwrap_or_else(|| panic!("{client:?} did not fail"));
    let ours = env.ours();
    assert_eq!(ours.status.code(), Some(3), "login required");
    let line = String::from_utf8(ours.stderr).unwrap().trim_end().to_owned();
    assert!(line.starts_with("aws-sso-credential-process: ") && line.contains(LOGIN), "{line}");
    let runs = env.runs();
    assert!(runs >= 1, "{client:?} never ran us");
    let gone = if client.shows_our_line() {
        assert!(error.contains(&line), "{client:?} does not show our line {line:?}: {error}");
        format!("error shows our line, {}", runs_text(runs))
    } else {
        assert!(!error.contains(LOGIN), "{client:?} now shows our line; update `shows_our_line`: {error}");
        assert!(error.contains("Could not load credentials from any providers"), "{error}");
        format!("**our line hidden** (generic error), {}", runs_text(runs))
    };
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 0);
    let gone_error = env.redact(error.trim());

    // Several calls in one client process, with 1-hour credentials: the client must run us once
    // (the CLI, which has no cache across processes, once per invocation).
    let env = Env::new();
    env.login(Duration::hours(8));
    let outcome = client.call(&env, CALLS);
    env.assert_all_ours(client, &outcome, CALLS);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1, "one fetch; the rest from our cache");
    let several = if client == Client::AwsCli {
        assert_eq!(env.runs(), CALLS, "once per CLI invocation");
        format!("ok; {CALLS} invocations, {} (1 per invocation)", runs_text(env.runs()))
    } else {
        assert_eq!(env.runs(), 1, "{client:?} re-ran us for a 1-hour credential");
        format!("ok, {}", runs_text(env.runs()))
    };

    record(
        client,
        json!({
            "client": describe,
            "cells": [cache_hit, refresh, gone, several],
            "error": gone_error,
        }),
    );
}

static TABLE: Mutex<()> = Mutex::new(());

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/interop")
}

/// Writes this client's row, then the table from every row present.
fn record(client: Client, row: Value) {
    let _guard = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    let rows = interop_dir().join("consumers");
    std::fs::create_dir_all(&rows).unwrap();
    let order = Client::ALL.iter().position(|c| *c == client).unwrap();
    std::fs::write(rows.join(format!("{order}-{}.json", client.slug())), row.to_string()).unwrap();

    let mut files: Vec<_> = std::fs::read_dir(&rows).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let rows: Vec<Value> = files.iter().map(|f| serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap()).collect();
    let mut md = format!(
        "# Real clients as consumers of the helper\n\n\
         Generated by `scripts/interop` (`tests/interop/consumers.rs`) on {date}; do not edit by hand. \
         The first column names each client and its version.\n\n\
         Each client gets a profile whose `credential_process` is a wrapper that counts its runs and \
         `exec`s this helper for SSO role ReadOnly in 111122223333, and calls STS `GetCallerIdentity`. \
         \"ok\" means every call returned the SSO role's ARN, `{SSO_ARN}`, and was signed with \
         credentials the SSO portal issued: our output reached the client and the client signed with it. \
         STS here is `fake-aws`, the repository's loopback fake, not moto: the credentials come from the \
         fake's `GetRoleCredentials`, and moto's STS cannot know keys another service issued. Every endpoint \
         is on 127.0.0.1, and `HTTPS_PROXY` points at a closed port, so nothing reaches AWS.\n\n\
         - **cache hit**: our role cache holds valid credentials; the client calls once.\n\
         - **refresh on the way**: the SSO token has 10 minutes left; we refresh it, then fetch.\n\
         - **session gone**: the token has expired and its refresh is refused; we exit 3 with one \
         line naming `{LOGIN}`. \"runs\" counts how often the client ran us.\n\
         - **{CALLS} calls**: {CALLS} `GetCallerIdentity` calls in one client process with 1-hour credentials \
         (the AWS CLI: {CALLS} invocations, since it keeps no credentials between processes).\n\n\
         | client | cache hit | refresh on the way | session gone | {CALLS} calls |\n|---|---|---|---|---|\n",
        date = OffsetDateTime::now_utc().date(),
    );
    for row in &rows {
        let cells: Vec<&str> = row["cells"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
        md.push_str(&format!("| {} | {} |\n", row["client"].as_str().unwrap(), cells.join(" | ")));
    }
    md.push_str("\n## What each client shows when the session is gone\n");
    for row in &rows {
        md.push_str(&format!(
            "\n{}:\n\n```text\n{}\n```\n",
            row["client"].as_str().unwrap(),
            row["error"].as_str().unwrap()
        ));
    }
    std::fs::write(interop_dir().join("consumers.md"), md).unwrap();
}

#[test]
fn boto3() {
    check(Client::Boto3);
}

#[test]
fn aws_cli_v2() {
    check(Client::AwsCli);
}

#[test]
fn js_sdk_from_process() {
    check(Client::JsFromProcess);
}

#[test]
fn js_sdk_default_chain() {
    check(Client::JsDefaultChain);
}

#[test]
fn rust_sdk_aws_config() {
    check(Client::Rust);
}
