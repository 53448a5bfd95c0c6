//! A role chain whose hops are assumed by moto's STS, and whose printed credentials moto's
//! `GetCallerIdentity` (called by boto3) maps back to the assumed role: proof that what we sign
//! and print is accepted by an STS we did not write, through a client we did not write.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_aws::FakeAws;
use serde_json::Value;

/// The Python of the virtual environment `scripts/interop` made (moto, boto3 and botocore).
fn python() -> PathBuf {
    match std::env::var_os("AWS_SSO_CP_INTEROP_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => panic!("AWS_SSO_CP_INTEROP_PYTHON is not set: run these tests with `scripts/interop`"),
    }
}

/// moto's server on a free loopback port, stopped on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto's server");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto's server did not start listening on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, url: format!("http://127.0.0.1:{port}") }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const CONFIG: &str = "
[sso-session my-sso]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = us-east-1

[profile dev-sso]
sso_session = my-sso
sso_account_id = 111122223333
sso_role_name = ReadOnly

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = dev-sso
role_session_name = moto-check
region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = admin
external_id = deploy-ext
duration_seconds = 3600
";

#[test]
fn moto_sts_accepts_a_two_hop_chain_and_knows_who_we_are() {
    let moto = Moto::start();
    let fake = FakeAws::start();
    fake.assign_role("111122223333", "ReadOnly");
    let session = fake.seed_session();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(aws.join("config"), CONFIG).unwrap();
    let expires =
        aws_sso_credential_process::timestamp::format(time::OffsetDateTime::now_utc() + time::Duration::hours(8));
    let token = serde_json::json!({
        "startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1",
        "accessToken": session.access_token, "expiresAt": expires,
        "clientId": session.client_id, "clientSecret": session.client_secret,
        "refreshToken": session.refresh_token,
    });
    // sha1("my-sso")
    std::fs::write(aws.join("sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json"), token.to_string()).unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_aws-sso-credential-process"))
        .args(["--profile", "deploy"])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL_SSO", fake.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", fake.url())
        .env("AWS_ENDPOINT_URL_STS", &moto.url)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(document["AccountId"], "333333333333");

    // boto3, with only the printed credentials, asks moto who that is.
    let check = Command::new(python())
        .args(["-c", "import boto3, sys; print(boto3.client('sts', endpoint_url=sys.argv[1], region_name='us-east-1').get_caller_identity()['Arn'])", &moto.url])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("no-credentials"))
        .env("AWS_ACCESS_KEY_ID", document["AccessKeyId"].as_str().unwrap())
        .env("AWS_SECRET_ACCESS_KEY", document["SecretAccessKey"].as_str().unwrap())
        .env("AWS_SESSION_TOKEN", document["SessionToken"].as_str().unwrap())
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let arn = String::from_utf8(check.stdout).unwrap();
    assert_eq!(arn.trim(), "arn:aws:sts::333333333333:assumed-role/Deploy/aws-sso-credential-process");

    // The first hop is in the CLI's cache with moto's answer, and serves `admin` with no call.
    let admin = Command::new(env!("CARGO_BIN_EXE_aws-sso-credential-process"))
        .args(["--profile", "admin"])
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
        .env("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(admin.status.success(), "{}", String::from_utf8_lossy(&admin.stderr));
    assert_eq!(fake.total_calls(), 1, "one GetRoleCredentials for the whole chain");
}

/// botocore's assume-role fetcher, as the AWS CLI sets it up (its `JSONFileCache` on
/// `~/.aws/cli/cache`), for profile `admin`: prints the access key id it ends up with.
const BOTOCORE_ADMIN: &str = "
import os, botocore.session, botocore.credentials
session = botocore.session.Session(profile='admin')
provider = session.get_component('credential_provider').get_provider('assume-role')
provider.cache = botocore.credentials.JSONFileCache(os.path.expanduser('~/.aws/cli/cache'))
print(session.get_credentials().access_key)
";

#[test]
fn the_aws_cli_assume_role_cache_is_shared_both_ways() {
    let moto = Moto::start();
    let home = tempfile::tempdir().unwrap();
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    // Every key that goes into the cache key, a non-ASCII one included.
    std::fs::write(
        aws.join("config"),
        "[profile base]\naws_access_key_id = AKIAEXAMPLEBASE00001\naws_secret_access_key = base-secret\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::222222222222:role/Admin\nsource_profile = base\n\
         role_session_name = me\nexternal_id = ext-é\nduration_seconds = 3600\nregion = eu-west-1\n",
    )
    .unwrap();
    let cache = aws.join("cli/cache");
    let ours = |sts: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_aws-sso-credential-process"))
            .args(["--profile", "admin"])
            .env_clear()
            .env("HOME", home.path())
            .env("AWS_ENDPOINT_URL_STS", sts)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let document: Value = serde_json::from_slice(&output.stdout).unwrap();
        document["AccessKeyId"].as_str().unwrap().to_owned()
    };
    let botocore = |sts: &str| {
        let output = Command::new(python())
            .args(["-c", BOTOCORE_ADMIN])
            .env_clear()
            .env("HOME", home.path())
            .env("AWS_ENDPOINT_URL_STS", sts)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    // STS at a closed port: any call fails, so a success is a cache hit.
    let unreachable = "http://127.0.0.1:9";

    let assumed_by_us = ours(&moto.url);
    assert_eq!(botocore(unreachable), assumed_by_us, "botocore reads our file under its own key");

    std::fs::remove_dir_all(&cache).unwrap();
    let assumed_by_botocore = botocore(&moto.url);
    assert_ne!(assumed_by_botocore, assumed_by_us);
    assert_eq!(ours(unreachable), assumed_by_botocore, "we read the file botocore wrote");
}
