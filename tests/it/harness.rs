//! `TestEnv`: a temporary `HOME`, the loopback fake, and the real binary run against both.
//!
//! Every run is checked for the output contract whatever the test asserts: on success exactly
//! one JSON document on stdout; on failure an empty stdout and exactly one stderr line; and never
//! a secret the fake issued (or a test seeded) on stderr.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use aws_sso_credential_process::timestamp;
use fake_aws::{FakeAws, SeededSession};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// The secrets of [`TestEnv::write_cached_role_credentials`], checked like the fake's.
pub const CACHED_SECRETS: [&str; 2] = ["cached-secret-access-key", "cached-session-token"];
pub const START_URL: &str = "https://d-1234567890.awsapps.com/start";
pub const ACCOUNT: &str = "111122223333";
pub const ROLE: &str = "ReadOnly";
/// sha1("my-sso")
pub const SESSION_TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";

/// The sample config from `examples/config`: an sso-session, the SSO profile `dev-sso`, a
/// profile `dev` that uses the helper, and a legacy-layout profile `legacy`.
pub const CONFIG: &str = include_str!("../../examples/config");

pub struct TestEnv {
    pub home: tempfile::TempDir,
    pub fake: FakeAws,
    extra_env: Vec<(String, String)>,
    removed_env: Vec<String>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl TestEnv {
    /// A fake with role ReadOnly in 111122223333 assigned, and the config written.
    pub fn new() -> Self {
        let env = Self::empty();
        env.fake.assign_role(ACCOUNT, ROLE);
        env.write_config(CONFIG);
        env
    }

    /// No config, nothing assigned.
    pub fn empty() -> Self {
        Self {
            home: tempfile::tempdir().expect("temporary HOME"),
            fake: FakeAws::start(),
            extra_env: Vec::new(),
            removed_env: Vec::new(),
        }
    }

    pub fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.aws_dir()).unwrap();
        std::fs::write(self.aws_dir().join("config"), text).unwrap();
    }

    pub fn write_credentials_file(&self, text: &str) {
        std::fs::create_dir_all(self.aws_dir()).unwrap();
        std::fs::write(self.aws_dir().join("credentials"), text).unwrap();
    }

    /// A file in the AWS CLI's cache folder, by its SHA-1 name.
    pub fn cli_cache_file(&self, sha1: &str) -> PathBuf {
        self.aws_dir().join("cli/cache").join(format!("{sha1}.json"))
    }

    pub fn set_env(&mut self, name: &str, value: &str) {
        self.extra_env.push((name.to_owned(), value.to_owned()));
    }

    pub fn remove_env(&mut self, name: &str) {
        self.removed_env.push(name.to_owned());
    }

    /// This program's lock folder under the temporary HOME.
    pub fn lock_dir(&self) -> PathBuf {
        self.home.path().join(".cache/aws-sso-credential-process/locks")
    }

    pub fn token_path(&self) -> PathBuf {
        self.aws_dir().join("sso/cache").join(SESSION_TOKEN_FILE)
    }

    /// Writes an SSO token cache file for `my-sso`, as `aws sso login` does, for a session the
    /// fake knows, expiring `expires_in` from now (negative: already expired).
    pub fn login(&self, expires_in: time::Duration) -> SeededSession {
        let session = self.fake.seed_session();
        self.write_token(&self.token_path(), &token_document(&session, expires_in));
        session
    }

    pub fn write_token(&self, path: &Path, document: &Value) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_string(document).unwrap()).unwrap();
    }

    pub fn read_json(&self, path: &Path) -> Value {
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    /// The AWS CLI's role cache file for (my-sso, 111122223333, ReadOnly); the name was computed
    /// with Python's `json.dumps(sort_keys=True, separators=(",", ":"))` + sha1, as the CLI does.
    pub fn role_cache_path(&self) -> PathBuf {
        self.aws_dir().join("cli/cache/0521d1f6a6c4e68f9e18540309367cc3cccb6305.json")
    }

    /// The same for the legacy layout (keyed by start URL).
    pub fn legacy_role_cache_path(&self) -> PathBuf {
        self.aws_dir().join("cli/cache/417c90ed1b57b636208f01348e75fbf5c9a91a50.json")
    }

    /// The legacy layout's token file: sha1 of the start URL.
    pub fn legacy_token_path(&self) -> PathBuf {
        self.aws_dir().join("sso/cache/7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json")
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary_under_test());
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_STS", self.fake.url())
            // Anything that tries to reach real AWS fails at once.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        for (name, value) in &self.extra_env {
            command.env(name, value);
        }
        for name in &self.removed_env {
            command.env_remove(name);
        }
        command
    }

    /// Runs the binary and checks the output contract.
    pub fn run(&self, args: &[&str]) -> Run {
        self.finish(self.command(args).output().expect("run the binary"))
    }

    /// Runs a command whose output is not the helper's usual one (a subcommand, another
    /// `--format`, `--verbose`): checks only that no secret reaches stderr.
    pub fn run_any(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run the binary");
        let run = Run {
            code: output.status.code().expect("exited normally, not by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        self.check_no_secret_on_stderr(&run);
        run
    }

    /// Starts `n` copies at once (as fast as processes can be spawned), waits for all, and checks
    /// each one's output contract.
    pub fn run_parallel(&self, n: usize, args: impl Fn(usize) -> Vec<String>) -> Vec<Run> {
        let children: Vec<_> = (0..n)
            .map(|i| {
                let args = args(i);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                self.command(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn")
            })
            .collect();
        children.into_iter().map(|child| self.finish(child.wait_with_output().expect("wait"))).collect()
    }

    /// Checks the output contract of a finished run.
    pub fn finish(&self, output: std::process::Output) -> Run {
        let run = Run {
            code: output.status.code().expect("exited normally, not by a signal"),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        self.check_contract(&run);
        run
    }

    fn check_no_secret_on_stderr(&self, run: &Run) {
        for secret in self.fake.secrets().iter().map(String::as_str).chain(CACHED_SECRETS) {
            assert!(!run.stderr.contains(secret), "a secret reached stderr: {}", run.stderr);
        }
    }

    fn check_contract(&self, run: &Run) {
        self.check_no_secret_on_stderr(run);
        if run.code == 0 {
            assert!(run.stdout.ends_with('\n') && run.stdout.matches('\n').count() == 1, "stdout: {:?}", run.stdout);
            let document: Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON document");
            assert_eq!(document["Version"], json!(1));
        } else {
            assert_eq!(run.stdout, "", "stdout must be empty on failure");
            assert_eq!(run.stderr.lines().count(), 1, "exactly one stderr line on failure: {:?}", run.stderr);
            assert!(run.stderr.starts_with("aws-sso-credential-process: "), "{:?}", run.stderr);
        }
    }

    /// Runs and expects success; returns the credential_process document.
    pub fn run_ok(&self, args: &[&str]) -> Value {
        let run = self.run(args);
        assert_eq!(run.code, 0, "stderr: {}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap()
    }

    /// Runs and expects failure with `code`; returns the stderr line.
    pub fn run_err(&self, args: &[&str], code: i32) -> String {
        let run = self.run(args);
        assert_eq!(run.code, code, "stderr: {} stdout: {}", run.stderr, run.stdout);
        run.stderr.trim_end().to_owned()
    }

    /// Writes the CLI's role cache file with credentials expiring `expires_in` from now; its
    /// secrets are in [`CACHED_SECRETS`].
    pub fn write_cached_role_credentials(&self, expires_in: time::Duration) -> Value {
        let credentials = json!({
            "AccessKeyId": "ASIACACHED0000000001",
            "SecretAccessKey": CACHED_SECRETS[0],
            "SessionToken": CACHED_SECRETS[1],
            "Expiration": timestamp::format(now() + expires_in),
        });
        let document = json!({"ProviderType": "sso", "Credentials": credentials});
        std::fs::create_dir_all(self.role_cache_path().parent().unwrap()).unwrap();
        std::fs::write(self.role_cache_path(), serde_json::to_string(&document).unwrap()).unwrap();
        credentials
    }
}

/// A token file as `aws sso login` writes it, plus a field no tool knows yet.
pub fn token_document(session: &SeededSession, expires_in: time::Duration) -> Value {
    json!({
        "startUrl": START_URL,
        "region": "us-east-1",
        "accessToken": session.access_token,
        "expiresAt": timestamp::format(now() + expires_in),
        "clientId": session.client_id,
        "clientSecret": session.client_secret,
        "registrationExpiresAt": timestamp::format(now() + time::Duration::days(80)),
        "refreshToken": session.refresh_token,
        "someFutureField": {"kept": [1, 2.50, "é"]},
    })
}

/// The binary under test: the one cargo built for this run, or another build of it named by
/// `AWS_SSO_CP_TEST_BINARY` (CI runs this suite against the static release build too).
pub fn binary_under_test() -> PathBuf {
    #[expect(clippy::disallowed_methods, reason = "the test suite's own setting, not the helper's environment")]
    let chosen = std::env::var_os("AWS_SSO_CP_TEST_BINARY");
    chosen.map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_aws-sso-credential-process")), PathBuf::from)
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn expiration_of(document: &Value) -> OffsetDateTime {
    let text = document["Expiration"].as_str().expect("Expiration is a string");
    assert!(text.ends_with('Z'), "{text}");
    timestamp::parse(text).expect("Expiration parses")
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

pub const MINUTE: time::Duration = time::Duration::minutes(1);
pub const HOUR: time::Duration = time::Duration::hours(1);

pub fn std_secs(secs: u64) -> Duration {
    Duration::from_secs(secs)
}

/// Runs another program (a shell) with a test command's environment.
pub trait WithEnvOf {
    fn output_of(&self, program: &std::ffi::OsStr, args: &[&str]) -> std::process::Output;
}

impl WithEnvOf for Command {
    fn output_of(&self, program: &std::ffi::OsStr, args: &[&str]) -> std::process::Output {
        let mut other = Command::new(program);
        other.args(args).env_clear().stdin(Stdio::null());
        for (name, value) in self.get_envs() {
            if let Some(value) = value {
                other.env(name, value);
            }
        }
        other.output().expect("run the program")
    }
}
