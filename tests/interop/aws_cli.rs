//! The real AWS CLI v2 (Debian's `awscli` 2.9.19 at `/usr/bin/aws`) and boto3's own SSO provider
//! share `~/.aws/sso/cache` with us in both directions: `aws sso login --no-browser` against the
//! fake, then our helper; our helper refreshes, then the CLI and boto3; the CLI refreshes, then
//! our helper; `aws sso logout`, then our helper asks for a login and prints nothing. And our own
//! `login`/`logout` with the CLI: our device login reuses the registration `aws sso login` made;
//! the CLI's and boto3's SSO providers use a token our login wrote; after our `logout` the CLI
//! needs a login.
//!
//! CLI 2.9.19 ignores `AWS_ENDPOINT_URL_*`, so it is sent to the fake by endpoint rule-set
//! overrides in a directory on `AWS_DATA_PATH` (its botocore searches there before its bundled
//! data).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fake_aws::{DEVICE_CODE_GRANT, FakeAws, Route};
use serde_json::{Value, json};

const ACCOUNT: &str = "111122223333";
const ROLE: &str = "ReadOnly";
const START_URL: &str = "https://d-1234567890.awsapps.com/start";
/// sha1("my-sso"): the token file of the sso-session `my-sso`.
const TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
/// What the fake's `GetCallerIdentity` says for credentials of role ReadOnly in 111122223333.
const ROLE_ARN: &str = "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_ReadOnly_0123456789abcdef/fake-user";
const CONFIG: &str = include_str!("../../examples/config");
const LOGIN_REQUIRED: i32 = 3;

/// The AWS CLI v2 binary of Debian's `awscli` package. Not the `aws` first on `PATH`, which may be
/// CLI v1 or a shim.
fn aws_cli() -> PathBuf {
    let path = PathBuf::from("/usr/bin/aws");
    assert!(
        path.is_file(),
        "/usr/bin/aws is missing: install the AWS CLI v2 with `apt-get install awscli` (scripts/interop does it)"
    );
    path
}

/// The Python of the virtual environment `scripts/interop` made (boto3 and botocore).
fn python() -> PathBuf {
    match std::env::var_os("AWS_SSO_CP_INTEROP_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => panic!("AWS_SSO_CP_INTEROP_PYTHON is not set: run these tests with `scripts/interop`"),
    }
}

/// An endpoint rule set whose rules return `Endpoint` when given (`--endpoint-url`) and `url`
/// otherwise, with the parameters the bundled rule sets declare for every service.
fn rule_set(url: &str) -> Value {
    let endpoint = |url: Value| json!({"url": url, "properties": {}, "headers": {}});
    json!({
        "version": "1.0",
        "parameters": {
            "Region": {"builtIn": "AWS::Region", "required": false, "type": "String"},
            "UseDualStack": {"builtIn": "AWS::UseDualStack", "required": true, "default": false, "type": "Boolean"},
            "UseFIPS": {"builtIn": "AWS::UseFIPS", "required": true, "default": false, "type": "Boolean"},
            "Endpoint": {"builtIn": "SDK::Endpoint", "required": false, "type": "String"},
        },
        "rules": [
            {
                "conditions": [{"fn": "isSet", "argv": [{"ref": "Endpoint"}]}],
                "endpoint": endpoint(json!({"ref": "Endpoint"})),
                "type": "endpoint",
            },
            {"conditions": [], "endpoint": endpoint(json!(url)), "type": "endpoint"},
        ],
    })
}

/// A temporary HOME with `examples/config`, the fake with ReadOnly in 111122223333 assigned, and
/// a data directory that points the CLI's SSO, SSO-OIDC and STS clients at the fake.
struct Env {
    home: tempfile::TempDir,
    data: tempfile::TempDir,
    fake: FakeAws,
}

impl Env {
    fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), CONFIG).unwrap();
        let fake = FakeAws::start();
        fake.assign_role(ACCOUNT, ROLE);
        let data = tempfile::tempdir().unwrap();
        for service in ["sso/2019-06-10", "sso-oidc/2019-06-10", "sts/2011-06-15"] {
            let dir = data.path().join(service);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("endpoint-rule-set-1.json"), rule_set(&fake.url()).to_string()).unwrap();
        }
        Self { home, data, fake }
    }

    fn aws_dir(&self) -> PathBuf {
        self.home.path().join(".aws")
    }

    fn token_path(&self) -> PathBuf {
        self.aws_dir().join("sso/cache").join(TOKEN_FILE)
    }

    fn cli_cache(&self) -> PathBuf {
        self.aws_dir().join("cli/cache")
    }

    fn token(&self) -> Value {
        let text = std::fs::read_to_string(self.token_path()).expect("the token file");
        serde_json::from_str(&text).unwrap()
    }

    /// Rewrites the token file with `expiresAt` this many seconds from now (inside the 15-minute
    /// refresh window when below 900), keeping everything else.
    fn set_token_expiry(&self, seconds: i64) {
        let mut token = self.token();
        let at = time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds);
        token["expiresAt"] = json!(aws_sso_credential_process::timestamp::format(at));
        std::fs::write(self.token_path(), token.to_string()).unwrap();
    }

    fn remove_cli_cache(&self) {
        match std::fs::remove_dir_all(self.cli_cache()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("remove the CLI cache: {e}"),
            _ => {}
        }
    }

    /// The environment every outside process gets: this HOME, and nothing that reaches real AWS.
    fn base(&self, program: &Path) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("HOME", self.home.path())
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null());
        command
    }

    /// `/usr/bin/aws ARGS`, with its endpoints redirected to the fake.
    fn aws(&self, args: &[&str]) -> Output {
        self.base(&aws_cli())
            .args(args)
            .env("AWS_DATA_PATH", self.data.path())
            .env("AWS_PAGER", "")
            .output()
            .expect("run /usr/bin/aws")
    }

    /// `/usr/bin/aws ARGS`, which must succeed; its stdout.
    fn aws_ok(&self, args: &[&str]) -> String {
        let out = self.aws(args);
        assert!(
            out.status.success(),
            "aws {args:?} failed ({}):\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `aws sso login --no-browser --sso-session my-sso`; its stdout.
    fn login(&self) -> String {
        let stdout = self.aws_ok(&["sso", "login", "--no-browser", "--sso-session", "my-sso"]);
        assert!(stdout.ends_with(&format!("Successfully logged into Start URL: {START_URL}\n")), "{stdout}");
        stdout
    }

    /// The ARN `aws sts get-caller-identity --profile dev-sso` prints.
    fn cli_caller_arn(&self) -> String {
        let stdout = self.aws_ok(&["sts", "get-caller-identity", "--profile", "dev-sso", "--output", "json"]);
        let document: Value = serde_json::from_str(&stdout).expect("get-caller-identity prints JSON");
        document["Arn"].as_str().unwrap().to_owned()
    }

    /// The ARN boto3's own SSO provider gets for profile dev-sso from `GetCallerIdentity`.
    fn boto3_caller_arn(&self) -> String {
        let script = "import boto3\n\
                      print(boto3.Session(profile_name='dev-sso').client('sts').get_caller_identity()['Arn'])";
        let out = self
            .base(&python())
            .args(["-c", script])
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_STS", self.fake.url())
            .output()
            .expect("run boto3");
        assert!(out.status.success(), "boto3 failed:\n{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Our binary for `--profile dev-sso`.
    fn ours(&self) -> Output {
        self.ours_with(&["--profile", "dev-sso"])
    }

    /// Our binary with `args` (and, for `login`, no browser: the device code is used).
    fn ours_with(&self, args: &[&str]) -> Output {
        self.base(Path::new(env!("CARGO_BIN_EXE_aws-sso-credential-process")))
            .args(args)
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_STS", self.fake.url())
            .output()
            .expect("run aws-sso-credential-process")
    }

    /// Our binary, which must succeed: the one JSON document it prints.
    fn ours_ok(&self) -> Value {
        let out = self.ours();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "our helper failed ({}): {stderr}", out.status);
        self.assert_no_secret(&stderr);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
        let document: Value = serde_json::from_str(&stdout).unwrap();
        let issued = self.fake.issued_credentials();
        assert!(
            issued.iter().any(|c| c.access_key_id == document["AccessKeyId"]),
            "the credentials printed were issued by the fake"
        );
        document
    }

    fn assert_no_secret(&self, text: &str) {
        for secret in self.fake.secrets() {
            assert!(!text.contains(&secret), "a secret the fake issued is on stderr: {text}");
        }
    }

    /// The bearer tokens of the `GetRoleCredentials` calls from request `from` on.
    fn bearers_since(&self, from: usize) -> Vec<String> {
        self.fake.requests()[from..]
            .iter()
            .filter(|r| r.route == Some(Route::GetRoleCredentials))
            .map(|r| r.header("x-amz-sso_bearer_token").unwrap_or_default().to_owned())
            .collect()
    }

    /// The `CreateToken` bodies from request `from` on.
    fn create_tokens_since(&self, from: usize) -> Vec<Value> {
        self.fake.requests()[from..]
            .iter()
            .filter(|r| r.route == Some(Route::CreateToken))
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect()
    }
}

#[test]
fn aws_sso_login_then_our_helper_uses_that_token() {
    let env = Env::new();
    // One pending poll, so that --no-browser prints the URL and code before the fake approves.
    env.fake.set_device_authorization_pending(1);
    let stdout = env.login();
    assert!(stdout.contains("Please visit the following URL:\n\nhttps://device.sso.us-east-1.amazonaws.com/\n"));
    let registrations = env.fake.client_registrations();
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].client_name, "botocore-client-my-sso");
    assert_eq!(registrations[0].client_type, "public");
    assert_eq!(registrations[0].scopes, ["sso:account:access"], "sso_registration_scopes is sent");
    let logins = env.fake.device_logins();
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0].start_url, START_URL);
    let device_polls = env.create_tokens_since(0);
    assert_eq!(device_polls.len(), 2, "one pending poll, then the token");
    assert!(device_polls.iter().all(|b| b["grantType"] == DEVICE_CODE_GRANT));

    // The file the CLI wrote, under sha1("my-sso"): json.dumps with default separators, keys in
    // this order, timestamps in whole seconds with `Z`.
    let text = std::fs::read_to_string(env.token_path()).unwrap();
    let keys = ["startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt"];
    let at: Vec<_> = keys.iter().map(|k| text.find(&format!("\"{k}\": ")).expect(k)).collect();
    assert!(at.is_sorted() && text.starts_with("{\"startUrl\": \""), "{text}");
    let token = env.token();
    for key in ["expiresAt", "registrationExpiresAt"] {
        let value = token[key].as_str().unwrap();
        assert!(value.len() == 20 && value.ends_with('Z') && !value.contains('.'), "{key}: {value}");
    }
    assert_eq!(token["startUrl"], START_URL);
    assert_eq!(token["region"], "us-east-1");
    assert_eq!(token["accessToken"], logins[0].access_token.as_str());
    assert_eq!(token["refreshToken"].as_str(), logins[0].refresh_token.as_deref());
    assert_eq!(token["clientId"], registrations[0].client_id.as_str());

    let before = env.fake.total_calls();
    let document = env.ours_ok();
    assert_eq!(env.bearers_since(before), [logins[0].access_token.clone()], "exactly the CLI's access token");
    assert!(env.create_tokens_since(before).is_empty(), "no CreateToken");
    assert_eq!(env.token(), token, "the token file is left as the CLI wrote it");

    // The CLI reads the role credentials we cached under its key: no second GetRoleCredentials,
    // and its GetCallerIdentity is signed with the access key id we printed.
    let before = env.fake.total_calls();
    assert_eq!(env.cli_caller_arn(), ROLE_ARN);
    let requests = env.fake.requests();
    let calls: Vec<_> = requests[before..].iter().map(|r| r.route).collect();
    assert_eq!(calls, [Some(Route::GetCallerIdentity)]);
    assert_eq!(requests[before].signing_access_key_id(), document["AccessKeyId"].as_str());
}

#[test]
fn our_refresh_is_used_by_the_cli_and_by_boto3() {
    let env = Env::new();
    env.login();
    let old = env.token();
    env.set_token_expiry(10 * 60);

    let before = env.fake.total_calls();
    env.ours_ok();
    let refreshes = env.create_tokens_since(before);
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0]["grantType"], "refresh_token");
    assert_eq!(refreshes[0]["refreshToken"], old["refreshToken"]);
    let ours = env.token();
    assert_ne!(ours["accessToken"], old["accessToken"]);
    assert_eq!(env.bearers_since(before), [ours["accessToken"].as_str().unwrap()]);

    // Only the token we wrote can work now, and no role credentials are cached.
    env.fake.revoke_access_token(old["accessToken"].as_str().unwrap());
    env.remove_cli_cache();
    let before = env.fake.total_calls();
    assert_eq!(env.cli_caller_arn(), ROLE_ARN, "the CLI's SSO provider reads the file we rewrote");
    assert_eq!(env.bearers_since(before), [ours["accessToken"].as_str().unwrap()]);
    assert!(env.create_tokens_since(before).is_empty());

    env.remove_cli_cache();
    let before = env.fake.total_calls();
    assert_eq!(env.boto3_caller_arn(), ROLE_ARN, "boto3's SSO provider reads the file we rewrote");
    assert_eq!(env.bearers_since(before), [ours["accessToken"].as_str().unwrap()]);
    assert!(env.create_tokens_since(before).is_empty());
    assert_eq!(env.token(), ours, "neither rewrote it");
}

#[test]
fn the_clis_refresh_is_used_by_our_helper() {
    let env = Env::new();
    env.login();
    let old = env.token();
    env.set_token_expiry(10 * 60);
    env.remove_cli_cache();

    let before = env.fake.total_calls();
    assert_eq!(env.cli_caller_arn(), ROLE_ARN);
    let refreshes = env.create_tokens_since(before);
    assert_eq!(refreshes.len(), 1, "the CLI refreshed the token");
    assert_eq!(refreshes[0]["grantType"], "refresh_token");
    assert_eq!(refreshes[0]["refreshToken"], old["refreshToken"]);
    let cli = env.token();
    assert_ne!(cli["accessToken"], old["accessToken"]);
    assert_ne!(cli["refreshToken"], old["refreshToken"], "the fake rotates refresh tokens");
    assert!(!env.fake.is_refresh_token_valid(old["refreshToken"].as_str().unwrap()));

    env.fake.revoke_access_token(old["accessToken"].as_str().unwrap());
    env.remove_cli_cache();
    let before = env.fake.total_calls();
    env.ours_ok();
    assert_eq!(env.bearers_since(before), [cli["accessToken"].as_str().unwrap()]);
    assert!(env.create_tokens_since(before).is_empty());

    // The refresh token the CLI rotated in is the one we refresh with next.
    env.set_token_expiry(10 * 60);
    env.remove_cli_cache();
    let before = env.fake.total_calls();
    env.ours_ok();
    let refreshes = env.create_tokens_since(before);
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0]["refreshToken"], cli["refreshToken"]);
    assert_ne!(env.token()["accessToken"], cli["accessToken"]);
}

#[test]
fn after_aws_sso_logout_we_ask_for_a_login_and_print_nothing() {
    let env = Env::new();
    env.login();
    let token = env.token();
    env.ours_ok();
    assert!(std::fs::read_dir(env.cli_cache()).unwrap().count() > 0, "we cached role credentials");

    env.aws_ok(&["sso", "logout"]);
    assert_eq!(env.fake.calls(Route::Logout), 1);
    let logout = env.fake.requests().into_iter().find(|r| r.route == Some(Route::Logout)).unwrap();
    assert_eq!(logout.header("x-amz-sso_bearer_token"), token["accessToken"].as_str());
    assert!(!env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()));
    assert!(!env.token_path().exists(), "the CLI deleted the token file");
    assert_eq!(std::fs::read_dir(env.cli_cache()).unwrap().count(), 0, "and the role credentials we cached");

    let (before, issued) = (env.fake.total_calls(), env.fake.issued_credentials().len());
    let out = env.ours();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(LOGIN_REQUIRED), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("aws-sso-credential-process: "), "{stderr}");
    assert!(
        stderr.trim_end().ends_with(
            "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
        ),
        "{stderr}"
    );
    env.assert_no_secret(&stderr);
    let calls = env.fake.requests()[before..].iter().map(|r| r.route).collect::<Vec<_>>();
    assert!(!calls.contains(&Some(Route::GetRoleCredentials)), "no call that returns credentials: {calls:?}");
    assert_eq!(env.fake.issued_credentials().len(), issued);
}

/// Our `login` (device code) for the sso-session, which must succeed.
fn our_login(env: &Env) {
    let out = env.ours_with(&["login", "--sso-session", "my-sso", "--use-device-code", "--no-browser"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "our login failed: {stderr}");
    env.assert_no_secret(&stderr);
    env.assert_no_secret(&String::from_utf8_lossy(&out.stdout));
}

#[test]
fn our_device_login_reuses_the_registration_aws_sso_login_made() {
    let env = Env::new();
    env.login();
    let cli_registration = env.fake.client_registrations()[0].client_id.clone();
    std::fs::remove_file(env.token_path()).unwrap();
    our_login(&env);
    assert_eq!(
        env.fake.client_registrations().len(),
        1,
        "no second RegisterClient: the CLI's registration file is ours"
    );
    assert_eq!(env.token()["clientId"], cli_registration.as_str());
    assert_eq!(env.fake.device_logins().len(), 2);
}

#[test]
fn the_clis_and_boto3s_sso_providers_use_a_token_our_login_wrote() {
    let env = Env::new();
    our_login(&env);
    let token = env.token();
    let registrations = env.fake.client_registrations();
    assert_eq!(registrations.len(), 1);
    assert_eq!(registrations[0].client_name, "aws-sso-credential-process-my-sso");

    let before = env.fake.total_calls();
    assert_eq!(env.cli_caller_arn(), ROLE_ARN, "the CLI's SSO provider reads the file our login wrote");
    assert_eq!(env.bearers_since(before), [token["accessToken"].as_str().unwrap()]);
    env.remove_cli_cache();
    let before = env.fake.total_calls();
    assert_eq!(env.boto3_caller_arn(), ROLE_ARN, "and boto3's");
    assert_eq!(env.bearers_since(before), [token["accessToken"].as_str().unwrap()]);

    // The CLI refreshes the token our login wrote with its refresh token and registration.
    env.set_token_expiry(10 * 60);
    env.remove_cli_cache();
    let before = env.fake.total_calls();
    assert_eq!(env.cli_caller_arn(), ROLE_ARN);
    let refreshes = env.create_tokens_since(before);
    assert_eq!(refreshes.len(), 1);
    assert_eq!(refreshes[0]["refreshToken"], token["refreshToken"]);
    assert_eq!(refreshes[0]["clientId"], token["clientId"]);
}

#[test]
fn after_our_logout_the_cli_needs_a_login() {
    let env = Env::new();
    env.login();
    let token = env.token();
    env.ours_ok();
    let out = env.ours_with(&["logout"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!env.fake.is_access_token_valid(token["accessToken"].as_str().unwrap()), "revoked with SSO Logout");
    assert!(!env.token_path().exists());
    assert_eq!(std::fs::read_dir(env.cli_cache()).unwrap().count(), 0, "the role credentials from SSO are gone");
    let out = env.aws(&["sts", "get-caller-identity", "--profile", "dev-sso"]);
    assert!(!out.status.success(), "the CLI has no token any more");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Error loading SSO Token: Token for my-sso does not exist"),
        "the CLI needs a login: {stderr}"
    );
}

#[test]
fn aws_sso_login_reuses_the_registration_our_device_login_made() {
    let env = Env::new();
    our_login(&env);
    let ours = env.fake.client_registrations()[0].client_id.clone();
    std::fs::remove_file(env.token_path()).unwrap();
    env.login();
    assert_eq!(env.fake.client_registrations().len(), 1, "the CLI registered no client of its own");
    assert_eq!(env.token()["clientId"], ours.as_str());
}
