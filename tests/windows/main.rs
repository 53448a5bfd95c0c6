//! The Windows build under wine: the credential command's cold and hot paths, a refresh, a role
//! chain, 16 callers at once, faults, the PowerShell format, and a refresh while another program
//! holds the token file open. Run by `scripts/windows` (which builds the `.exe`, wine's missing
//! `bcryptprimitives.dll` and the file-holding program, and names them in
//! `AWS_SSO_CP_WINDOWS_EXE`), one test at a time: every run shares the wine prefix's local
//! app-data folder, where the lock files live.
//!
//! Each run goes through `cmd.exe /C`, as the Rust and .NET SDKs run a `credential_process` on
//! Windows; `USERPROFILE` is set there, since wine sets its own when a process starts.

// The harness is outside the program: it may read the real clock and environment.
#![allow(clippy::disallowed_methods, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use fake_aws::{FakeAws, Fault, Route, SeededSession, TrustPolicy};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "ReadOnly";
const CONFIG: &str = include_str!("../../examples/config");
const TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
const ROLE_CACHE_FILE: &str = "0521d1f6a6c4e68f9e18540309367cc3cccb6305.json";

/// The `.exe` under test, with `bcryptprimitives.dll` and `hold-open.exe` beside it.
fn exe() -> PathBuf {
    let path = PathBuf::from(std::env::var_os("AWS_SSO_CP_WINDOWS_EXE").expect("run with scripts/windows"));
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

fn wine() -> PathBuf {
    PathBuf::from(std::env::var_os("AWS_SSO_CP_WINE").unwrap_or_else(|| "/usr/lib/wine/wine64".into()))
}

/// `/tmp/x/y` as wine's `Z:\tmp\x\y`.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct WinEnv {
    home: tempfile::TempDir,
    fake: FakeAws,
}

impl WinEnv {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), CONFIG.replace('\n', "\r\n")).unwrap();
        let fake = FakeAws::start();
        fake.assign_role(ACCOUNT, ROLE);
        // Lock and back-off files of earlier runs: the folder is the prefix's, shared.
        if let Some(prefix) = std::env::var_os("WINEPREFIX") {
            let users = PathBuf::from(prefix).join("drive_c/users");
            for user in std::fs::read_dir(users).into_iter().flatten().flatten() {
                let _ = std::fs::remove_dir_all(user.path().join("AppData/Local/aws-sso-credential-process"));
            }
        }
        Self { home, fake }
    }

    fn aws(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    fn token_path(&self) -> PathBuf {
        self.aws().join("sso/cache").join(TOKEN_FILE)
    }

    fn role_cache_path(&self) -> PathBuf {
        self.aws().join("cli/cache").join(ROLE_CACHE_FILE)
    }

    fn login(&self, expires_in: time::Duration) -> SeededSession {
        let session = self.fake.seed_session();
        let now = time::OffsetDateTime::now_utc();
        let format = aws_sso_credential_process::timestamp::format;
        let token = json!({
            "startUrl": "https://d-1234567890.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": session.access_token,
            "expiresAt": format(now + expires_in),
            "clientId": session.client_id,
            "clientSecret": session.client_secret,
            "registrationExpiresAt": format(now + time::Duration::days(80)),
            "refreshToken": session.refresh_token,
        });
        std::fs::create_dir_all(self.token_path().parent().unwrap()).unwrap();
        std::fs::write(self.token_path(), token.to_string()).unwrap();
        session
    }

    fn token(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.token_path()).unwrap()).unwrap()
    }

    /// `cmd.exe /C "set USERPROFILE=…&& <exe> ARGS"` under wine.
    fn command(&self, args: &[&str]) -> Command {
        self.cmd(&format!("{} {}", windows_path(&exe()), args.join(" ")))
    }

    /// `cmd.exe /C "set USERPROFILE=…&& LINE"` under wine: LINE as the Rust and .NET SDKs run a
    /// `credential_process` line on Windows.
    fn cmd(&self, line: &str) -> Command {
        let line = format!("set USERPROFILE={}&& {line}", windows_path(self.home.path()));
        let mut command = Command::new(wine());
        command
            .args(["cmd.exe", "/C", &line])
            .env("WINEDEBUG", "-all")
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_STS", self.fake.url())
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_CONFIG_FILE")
            .env_remove("AWS_SHARED_CREDENTIALS_FILE")
            .stdin(Stdio::null());
        command
    }

    /// Runs `line` as a line of a batch file (with `USERPROFILE` set before it): `cmd.exe` parses
    /// it as it parses a `credential_process` line the Rust and .NET SDKs give it with `/C` (they
    /// wrap it in one more pair of quotes, which `cmd.exe` strips). Passed on wine's command line
    /// instead, its quotes would arrive escaped.
    fn batch(&self, line: &str) -> Run {
        let script = self.home.path().join("run.cmd");
        let text = format!("@set USERPROFILE={}\r\n@{line}\r\n", windows_path(self.home.path()));
        std::fs::write(&script, text).unwrap();
        let output = self.cmd(&windows_path(&script)).output().expect("run wine");
        finish(output)
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("run wine");
        let run = finish(output);
        for secret in self.fake.secrets() {
            assert!(!run.stderr.contains(&secret), "a secret on stderr: {}", run.stderr);
        }
        run
    }

    fn run_ok(&self, args: &[&str]) -> Value {
        let run = self.run(args);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{args:?}");
        serde_json::from_str(&run.stdout).expect("one JSON document")
    }
}

fn finish(output: Output) -> Run {
    Run {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn the_cold_path_caches_where_the_cli_does_and_the_hot_path_calls_nothing() {
    let env = WinEnv::new();
    env.login(time::Duration::hours(8));
    let document = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(document["AccountId"], ACCOUNT);
    assert!(document["Expiration"].as_str().unwrap().ends_with('Z'));
    assert!(env.role_cache_path().is_file(), "cached under %USERPROFILE%\\.aws\\cli\\cache");
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
    let again = env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(again, document);
    assert_eq!(env.fake.total_calls(), 1, "the hot path calls nothing");
}

#[test]
fn a_token_due_for_refresh_is_refreshed_and_written_back() {
    let env = WinEnv::new();
    let session = env.login(time::Duration::minutes(5));
    env.run_ok(&["--profile", "dev-sso"]);
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    let token = env.token();
    assert_ne!(token["accessToken"], session.access_token.as_str());
    assert!(env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
}

#[test]
fn sixteen_callers_at_once_make_one_refresh_and_one_fetch() {
    let env = WinEnv::new();
    env.fake.set_latency(Duration::from_millis(200));
    env.login(time::Duration::minutes(5));
    let children: Vec<_> = (0..16)
        .map(|_| env.command(&["--profile", "dev-sso"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap())
        .collect();
    let runs: Vec<Run> = children.into_iter().map(|child| finish(child.wait_with_output().unwrap())).collect();
    assert!(runs.iter().all(|r| r.code == 0), "{:?}", runs.iter().map(|r| &r.stderr).collect::<Vec<_>>());
    assert!(runs.iter().all(|r| r.stdout == runs[0].stdout));
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    assert_eq!(env.fake.calls(Route::GetRoleCredentials), 1);
}

#[test]
fn a_role_chain_is_assumed_and_cached() {
    let env = WinEnv::new();
    env.login(time::Duration::hours(8));
    env.fake
        .add_role("arn:aws:iam::444455556666:role/Admin", TrustPolicy::trusting(FakeAws::sso_principal(ACCOUNT, ROLE)));
    let document = env.run_ok(&["--profile", "prod-admin"]);
    assert_eq!(document["AccountId"], "444455556666");
    assert_eq!(env.fake.calls(Route::AssumeRole), 1);
    env.run_ok(&["--profile", "prod-admin"]);
    assert_eq!(env.fake.calls(Route::AssumeRole), 1, "the hop is cached");
}

#[test]
fn faults_are_one_line_with_their_exit_code() {
    let env = WinEnv::new();
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!((run.code, run.stdout.as_str()), (3, ""));
    assert!(run.stderr.contains("run `aws-sso-credential-process login --sso-session my-sso`"), "{}", run.stderr);
    env.login(time::Duration::hours(8));
    env.fake.fail_always(Route::GetRoleCredentials, Some(Fault::Throttled));
    let run = env.run(&["--profile", "dev-sso"]);
    assert_eq!((run.code, run.stdout.as_str()), (4, ""));
    assert_eq!(run.stderr.trim_end().lines().count(), 1, "{}", run.stderr);
}

#[test]
fn the_powershell_format_sets_the_variables() {
    let env = WinEnv::new();
    env.login(time::Duration::hours(8));
    let run = env.run(&["--profile", "dev-sso", "--format", "powershell"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("$Env:AWS_ACCESS_KEY_ID=\"ASIA"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("$Env:AWS_ACCOUNT_ID=\"{ACCOUNT}\"")), "{}", run.stdout);
}

/// Starts `hold-open.exe` on `file` for `milliseconds`, returning once it has the file open.
fn hold_open(file: &Path, milliseconds: u32) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    let mut hold = Command::new(wine())
        .arg(exe().with_file_name("hold-open.exe"))
        .arg(windows_path(file))
        .arg(milliseconds.to_string())
        .env("WINEDEBUG", "-all")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(hold.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "open", "the holder has the file open");
    hold
}

/// A refresh while another program holds the token file open without `FILE_SHARE_DELETE` (as
/// Python, and so the AWS CLI, opens it): Windows refuses to replace it until it lets go; the
/// refreshed token lands then, and nothing is left behind.
#[test]
fn a_refresh_while_a_reader_holds_the_token_file_lands_once_it_lets_go() {
    let env = WinEnv::new();
    let session = env.login(time::Duration::minutes(5));
    let mut hold = hold_open(&env.token_path(), 1000);
    let run = env.run(&["--profile", "dev-sso"]);
    assert!(hold.wait().unwrap().success());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "no warning: the token was written");
    assert_eq!(env.fake.calls(Route::CreateToken), 1);
    let token = env.token();
    assert_ne!(token["accessToken"], session.access_token.as_str(), "the refreshed token landed");
    assert!(env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
    let leftovers: Vec<_> = std::fs::read_dir(env.token_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A reader that holds the token file longer than the retry window (2 s): the credentials are
/// printed, the warning names the file and the login command, the old token stays whole.
#[test]
fn a_reader_holding_the_token_file_past_the_retry_window_gets_a_warning_and_a_whole_old_token() {
    let env = WinEnv::new();
    let session = env.login(time::Duration::minutes(5));
    let mut hold = hold_open(&env.token_path(), 4000);
    let run = env.run(&["--profile", "dev-sso"]);
    assert!(hold.wait().unwrap().success());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("warning: refreshed the SSO token but cannot write it back"), "{}", run.stderr);
    assert!(run.stderr.contains("(Access denied. (os error 5))"), "{}", run.stderr);
    assert_eq!(env.token()["accessToken"], session.access_token.as_str(), "the old token, whole");
}

/// `configure` run from a folder with a space writes a `credential_process` line that
/// `cmd.exe /C` runs (the program in double quotes), and that line prints credentials.
#[test]
fn configure_writes_a_line_cmd_runs_from_a_folder_with_a_space() {
    let env = WinEnv::new();
    env.login(time::Duration::hours(8));
    let config = env.aws().join("config");
    std::fs::write(
        &config,
        CONFIG.replace(
            "[profile dev]\ncredential_process = aws-sso-credential-process --profile dev-sso\nregion = us-east-1\n",
            "",
        ),
    )
    .unwrap();
    let folder = env.home.path().join("Program Files").join("aws sso");
    std::fs::create_dir_all(&folder).unwrap();
    for file in ["aws-sso-credential-process.exe", "bcryptprimitives.dll"] {
        std::fs::copy(exe().with_file_name(file), folder.join(file)).unwrap();
    }
    let program = windows_path(&folder.join("aws-sso-credential-process.exe"));
    let run = env.batch(&format!("\"{program}\" configure --profile dev-sso --write"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(&config).unwrap();
    let line = written
        .lines()
        .find_map(|l| l.strip_prefix("credential_process = ").filter(|l| l.contains("Program Files")))
        .expect("the new profile's line");
    assert_eq!(line, format!("\"{program}\" --profile dev-sso"));
    let run = env.batch(line);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let document: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["AccountId"], ACCOUNT);
}

/// `HOME` set as Git Bash sets it does not move `~/.aws`: the home folder is `USERPROFILE`, as
/// for the AWS CLI (Python's `expanduser` ignores `HOME` on Windows).
#[test]
fn home_set_as_git_bash_sets_it_is_ignored() {
    let env = WinEnv::new();
    env.login(time::Duration::hours(8));
    let elsewhere = tempfile::tempdir().unwrap();
    let run =
        env.batch(&format!("set HOME={}&& {} --profile dev-sso", windows_path(elsewhere.path()), windows_path(&exe())));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(env.role_cache_path().is_file(), "cached under USERPROFILE");
    assert!(!elsewhere.path().join(".aws").exists());
}
