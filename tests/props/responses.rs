//! The real binary against a loopback server that answers the call under test with whatever the
//! strategy makes (any status, content type, error-type header and body), and the other calls
//! with valid answers so the run gets to the one under test.
//!
//! The property: the exit code is 0 (one JSON line with `Version: 1` on stdout) or 1 to 4 (empty
//! stdout, exactly one stderr line), never 101 (a panic); and no value of the body outside the
//! fields that carry an AWS error's code or message reaches stderr.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sso_credential_process::timestamp;
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::json;
use time::OffsetDateTime;

use crate::json_text;

const CONFIG: &str = include_str!("../../examples/config");
/// sha1("my-sso")
const TOKEN_FILE: &str = "0ad374308c5a4e22f723adf10145eafad7c4031c.json";
const PREFIX: &str = "aws-sso-credential-process: ";
/// What the server's own valid answers and the token file hold: never on stderr either.
const VALID_SECRETS: [&str; 5] = [
    "VALIDsecretAccessKey0000",
    "VALIDsessionToken0000",
    "VALIDaccessToken0000",
    "VALIDrefreshToken0000",
    "VALIDclientSecret0000",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// SSO portal `GetRoleCredentials`.
    Sso,
    /// SSO-OIDC `CreateToken`.
    Oidc,
    /// STS `AssumeRole`.
    Sts,
}

/// One HTTP answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    content_type: Option<&'static str>,
    error_type: Option<String>,
    body: Vec<u8>,
    /// Declare a longer Content-Length than the body and close: a response cut short.
    cut_short: bool,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let body = String::from_utf8_lossy(&self.body);
        let shown: String = body.chars().take(600).collect();
        f.debug_struct("Reply")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("error_type", &self.error_type)
            .field("cut_short", &self.cut_short)
            .field("body_len", &self.body.len())
            .field("body", &shown)
            .finish()
    }
}

impl Reply {
    fn ok(content_type: &'static str, body: String) -> Self {
        Self {
            status: 200,
            content_type: Some(content_type),
            error_type: None,
            body: body.into_bytes(),
            cut_short: false,
        }
    }

    fn render(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            429 => "Too Many Requests",
            _ => "Internal Server Error",
        };
        let length = self.body.len() + if self.cut_short { 100 } else { 0 };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {length}\r\nConnection: close\r\nx-amzn-RequestId: 0d7c1a55-props\r\n",
            self.status
        );
        if let Some(content_type) = self.content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        if let Some(error_type) = &self.error_type {
            head.push_str(&format!("x-amzn-ErrorType: {error_type}\r\n"));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("after 1970").as_secs() as i64
}

fn valid_sso_body() -> String {
    let expiration_ms = (now_secs() + 7200) * 1000;
    json!({"roleCredentials": {
        "accessKeyId": "ASIAVALID00000000001",
        "secretAccessKey": VALID_SECRETS[0],
        "sessionToken": VALID_SECRETS[1],
        "expiration": expiration_ms,
    }})
    .to_string()
}

fn valid_oidc_body() -> String {
    json!({"accessToken": VALID_SECRETS[2], "tokenType": "Bearer", "expiresIn": 28800, "refreshToken": VALID_SECRETS[3]})
        .to_string()
}

fn sts_body(access_key_id: &str, secret: &str, token: &str, expiration: &str, extra: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <AssumeRoleResult>\n    \
         <AssumedRoleUser>\n      <AssumedRoleId>AROAEXAMPLE:me</AssumedRoleId>\n      \
         <Arn>arn:aws:sts::444455556666:assumed-role/Admin/me</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      \
         <AccessKeyId>{access_key_id}</AccessKeyId>\n      <SecretAccessKey>{secret}</SecretAccessKey>\n      \
         <SessionToken>{token}</SessionToken>\n      <Expiration>{expiration}</Expiration>\n    </Credentials>\n{extra}  \
         </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>0d7c1a55</RequestId>\n  </ResponseMetadata>\n\
         </AssumeRoleResponse>\n"
    )
}

fn valid_sts_body() -> String {
    let expiration = timestamp::format(OffsetDateTime::from_unix_timestamp(now_secs() + 3600).expect("in range"));
    sts_body("ASIASTSVALID00000001", VALID_SECRETS[0], VALID_SECRETS[1], &expiration, "")
}

// ------------------------------------------------------------------------- the server

#[derive(Default)]
struct Script {
    endpoint: Option<Endpoint>,
    reply: Option<Reply>,
    hits: usize,
}

/// A std-only loopback HTTP/1.1 server: one thread per connection, one answer per connection.
struct Server {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    shutdown: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
}

fn lock(script: &Mutex<Script>) -> MutexGuard<'_, Script> {
    script.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Server {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let script = Arc::new(Mutex::new(Script::default()));
        let shutdown = Arc::new(AtomicBool::new(false));
        let accept = {
            let (script, shutdown) = (script.clone(), shutdown.clone());
            thread::spawn(move || {
                for stream in listener.incoming() {
                    if shutdown.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let script = script.clone();
                    thread::spawn(move || serve(stream, &script));
                }
            })
        };
        Self { addr, script, shutdown, accept: Some(accept) }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Answers `endpoint` with `reply` from now on; returns the number of requests since the last call.
    fn set(&self, endpoint: Endpoint, reply: Reply) -> usize {
        let mut script = lock(&self.script);
        script.endpoint = Some(endpoint);
        script.reply = Some(reply);
        std::mem::take(&mut script.hits)
    }

    fn hits(&self) -> usize {
        lock(&self.script).hits
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if TcpStream::connect(self.addr).is_ok()
            && let Some(accept) = self.accept.take()
        {
            let _ = accept.join();
        }
    }
}

/// Reads one request, routes it, answers, closes.
fn serve(stream: TcpStream, script: &Mutex<Script>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
    let mut content_length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; content_length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let path = target.split('?').next().unwrap_or("");
    let endpoint = match (method.as_str(), path) {
        ("GET", "/federation/credentials") => Some(Endpoint::Sso),
        ("POST", "/token") => Some(Endpoint::Oidc),
        ("POST", "/") if String::from_utf8_lossy(&body).contains("Action=AssumeRole") => Some(Endpoint::Sts),
        _ => None,
    };
    let reply = {
        let mut script = lock(script);
        script.hits += 1;
        match (endpoint, &script.endpoint, &script.reply) {
            (Some(e), Some(under_test), Some(reply)) if e == *under_test => reply.clone(),
            (Some(Endpoint::Sso), ..) => Reply::ok("application/json", valid_sso_body()),
            (Some(Endpoint::Oidc), ..) => Reply::ok("application/json", valid_oidc_body()),
            (Some(Endpoint::Sts), ..) => Reply::ok("text/xml", valid_sts_body()),
            (None, ..) => Reply {
                status: 404,
                content_type: Some("application/json"),
                error_type: Some("UnknownOperationException".into()),
                body: b"{}".to_vec(),
                cut_short: false,
            },
        }
    };
    let _ = writer.write_all(&reply.render());
    let _ = writer.flush();
    let _ = writer.shutdown(Shutdown::Both);
}

// ------------------------------------------------------------------------- the runs

/// A temporary HOME with the sample config and a token for `my-sso`.
fn home(token_expires_in: i64) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("temporary HOME");
    let aws = home.path().join(".aws");
    std::fs::create_dir_all(aws.join("sso/cache")).unwrap();
    std::fs::write(aws.join("config"), CONFIG).unwrap();
    let at = |secs: i64| timestamp::format(OffsetDateTime::from_unix_timestamp(now_secs() + secs).expect("in range"));
    let token = json!({
        "startUrl": "https://d-1234567890.awsapps.com/start",
        "region": "us-east-1",
        "accessToken": VALID_SECRETS[2],
        "expiresAt": at(token_expires_in),
        "clientId": "client-id",
        "clientSecret": VALID_SECRETS[4],
        "registrationExpiresAt": at(80 * 86_400),
        "refreshToken": VALID_SECRETS[3],
    });
    std::fs::write(aws.join("sso/cache").join(TOKEN_FILE), token.to_string()).unwrap();
    home
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(server: &Server, home: &Path, profile: &str) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_aws-sso-credential-process"))
        .args(["--profile", profile])
        .env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL_SSO", server.url())
        .env("AWS_ENDPOINT_URL_SSO_OIDC", server.url())
        .env("AWS_ENDPOINT_URL_STS", server.url())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .output()
        .expect("run the binary");
    Run {
        code: output.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs the binary for `endpoint` with the server answering it `reply`; checks the contract.
/// For SSO-OIDC, `token_expired` says whether the token has expired (the refresh must succeed or
/// the run fails) or expires within 15 minutes (a failed refresh falls back on it).
fn check(server: &Server, endpoint: Endpoint, reply: Reply, secrets: &[String], token_expired: bool) -> Run {
    let (profile, token_expires_in) = match endpoint {
        Endpoint::Sso => ("dev-sso", 8 * 3600),
        Endpoint::Oidc if token_expired => ("dev-sso", -3600),
        Endpoint::Oidc => ("dev-sso", 300),
        Endpoint::Sts => ("prod-admin", 8 * 3600),
    };
    let home = home(token_expires_in);
    server.set(endpoint, reply);
    let run = run(server, home.path(), profile);
    assert_ne!(run.code, 101, "the binary panicked: {}", run.stderr);
    assert!((0..=4).contains(&run.code), "exit code {}: {}", run.code, run.stderr);
    for secret in secrets.iter().map(String::as_str).chain(VALID_SECRETS) {
        assert!(!run.stderr.contains(secret), "a secret ({secret}) reached stderr: {}", run.stderr);
    }
    if run.code == 0 {
        assert!(run.stdout.ends_with('\n') && run.stdout.matches('\n').count() == 1, "stdout: {:?}", run.stdout);
        let document: serde_json::Value = serde_json::from_str(&run.stdout).expect("stdout is one JSON document");
        assert_eq!(document["Version"], json!(1));
    } else {
        assert_eq!(run.stdout, "", "stdout must be empty on failure");
        assert_eq!(run.stderr.lines().count(), 1, "exactly one stderr line on failure: {:?}", run.stderr);
        assert!(run.stderr.starts_with(PREFIX), "{:?}", run.stderr);
        assert!(!run.stderr.contains("internal error"), "{:?}", run.stderr);
    }
    run
}

// ------------------------------------------------------------------------- the strategies

/// A value that must never reach stderr: it stands for a credential or any other body content.
fn secret() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]{24}".prop_map(|s| format!("SECRET{s}"))
}

/// An AWS error message: may be echoed by design, so it never holds the secret.
fn message() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec!["Session token not found or invalid", "No access", "Rate exceeded", ""]).prop_map(str::to_owned),
        2 => proptest::collection::vec(json_text::any_char(), 0..80).prop_map(|c| c.into_iter().collect()),
        1 => (1usize..300_000).prop_map(|n| "m".repeat(n)),
    ]
}

fn error_code() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "UnauthorizedException", "ForbiddenException", "ResourceNotFoundException", "TooManyRequestsException",
            "InvalidRequestException", "InvalidGrantException", "ExpiredTokenException", "InvalidClientException",
            "AccessDeniedException", "UnauthorizedClientException", "InternalServerException", "SlowDownException",
            "InvalidGrantException:http://internal.amazon.com/coral/com.amazonaws.swbup.v20170201/",
        ]).prop_map(str::to_owned),
        1 => "[A-Za-z:/._#-]{1,40}",
    ]
}

fn status() -> impl Strategy<Value = u16> {
    prop_oneof![6 => Just(200u16), 4 => Just(400), 2 => Just(401), 2 => Just(403), 1 => Just(429), 1 => Just(500)]
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        Some("application/json"),
        Some("application/x-amz-json-1.1"),
        Some("text/xml"),
        Some("text/html; charset=utf-8"),
        Some("application/octet-stream"),
        None,
    ])
}

/// A JSON member value: the right type, or anything else; the secret in some of them.
fn json_field(right: serde_json::Value, secret: String) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just(right.to_string()),
        1 => Just(serde_json::Value::String(secret).to_string()),
        2 => json_text::value().prop_map(|j| j.text()),
    ]
}

fn expiration_ms() -> impl Strategy<Value = String> {
    let soon = (now_secs() + 7200) * 1000;
    prop_oneof![
        8 => Just(soon.to_string()),
        1 => prop::sample::select(vec![
            "0", "-1", "1.5", "1e400", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "253402300799000", "253402300800000", "\"1700000000000\"", "null",
        ]).prop_map(str::to_owned),
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

/// A `GetRoleCredentials` body with each member right, wrong-typed or missing.
fn sso_document(secret: String) -> impl Strategy<Value = String> {
    let member = |name: &'static str, value: BoxedStrategy<String>| {
        proptest::option::weighted(0.93, value).prop_map(move |v| v.map(|v| format!("\"{name}\": {v}")))
    };
    let s = secret.clone();
    let credentials = (
        member("accessKeyId", json_field(json!("ASIAGEN0000000000001"), s.clone()).boxed()),
        member("secretAccessKey", Just(json!(s.clone()).to_string()).boxed()),
        member("sessionToken", json_field(json!(format!("{s}token")), s.clone()).boxed()),
        member("expiration", expiration_ms().boxed()),
        member("extra", Just(json!({"deep": [s.clone()]}).to_string()).boxed()),
    )
        .prop_map(|(a, b, c, d, e)| {
            format!("{{{}}}", [a, b, c, d, e].into_iter().flatten().collect::<Vec<_>>().join(", "))
        });
    let s2 = secret.clone();
    prop_oneof![
        4 => credentials.prop_map(|c| format!("{{\"roleCredentials\": {c}}}")),
        1 => json_text::value().prop_map(move |j| format!("{{\"roleCredentials\": {}, \"x\": \"{s2}\"}}", j.text())),
    ]
}

/// A `CreateToken` body with each member right, wrong-typed or missing.
fn oidc_document(secret: String) -> impl Strategy<Value = String> {
    let member = |name: &'static str, value: BoxedStrategy<String>| {
        proptest::option::weighted(0.93, value).prop_map(move |v| v.map(|v| format!("\"{name}\": {v}")))
    };
    let s = secret;
    let expires_in = prop_oneof![
        8 => Just("28800".to_owned()),
        1 => prop::sample::select(vec!["0", "-5", "2147483647", "2147483648", "1e400", "60.5", "\"28800\"", "null", "1"])
            .prop_map(str::to_owned),
    ];
    (
        member("accessToken", json_field(json!(s.clone()), s.clone()).boxed()),
        member("tokenType", json_field(json!("Bearer"), s.clone()).boxed()),
        member("expiresIn", expires_in.boxed()),
        member("refreshToken", json_field(json!(format!("{s}refresh")), s.clone()).boxed()),
        member("idToken", Just(json!(format!("{s}id")).to_string()).boxed()),
    )
        .prop_map(|(a, b, c, d, e)| {
            format!("{{{}}}", [a, b, c, d, e].into_iter().flatten().collect::<Vec<_>>().join(", "))
        })
}

/// An `AssumeRole` body: valid, with elements wrong or missing, or fragments of XML.
fn sts_document(secret: String) -> impl Strategy<Value = String> {
    let s = secret;
    let expiration = prop_oneof![
        6 => Just(timestamp::format(OffsetDateTime::from_unix_timestamp(now_secs() + 3600).expect("in range"))),
        1 => prop::sample::select(vec![
            "", "soon", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "1700000000",
            "+275760-09-13T00:00:00Z", "2026-11-23T01:49:49.123456789Z",
        ]).prop_map(str::to_owned),
    ];
    let text =
        |right: String| prop_oneof![8 => Just(right), 1 => Just(String::new()), 1 => Just("&bogus;<".to_owned())];
    let extra = prop_oneof![
        Just(String::new()),
        Just(format!("    <SourceIdentity>{s}</SourceIdentity>\n")),
        Just(format!("    <Unknown><Nested a=\"{s}\">{s}</Nested></Unknown>\n")),
        Just(format!("<![CDATA[{s}]]>")),
    ];
    (text("ASIAGEN0000000000001".into()), text(s.clone()), text(format!("{s}token")), expiration, extra)
        .prop_map(|(akid, secret, token, expiration, extra)| sts_body(&akid, &secret, &token, &expiration, &extra))
}

/// An awsQuery error: the code and message may be echoed, the rest never.
fn xml_error(secret: String) -> impl Strategy<Value = String> {
    (error_code(), message(), prop::sample::select(vec!["Sender", "Receiver", ""])).prop_map(move |(code, message, kind)| {
        let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    \
             <Code>{}</Code>\n    <Message>{}</Message>\n    <Detail>{secret}</Detail>\n  </Error>\n  \
             <RequestId>{secret}</RequestId>\n</ErrorResponse>\n",
            esc(&code),
            esc(&message)
        )
    })
}

/// A JSON error: the code and message fields may be echoed, the rest never.
fn json_error(secret: String) -> impl Strategy<Value = String> {
    let message_key = prop::sample::select(vec!["message", "Message", "errorMessage", "error_description"]);
    let code_key = prop::sample::select(vec![None, Some("__type"), Some("code"), Some("error")]);
    (message_key, message(), code_key, error_code()).prop_map(move |(message_key, message, code_key, code)| {
        let mut document = serde_json::Map::new();
        if let Some(code_key) = code_key {
            document.insert(code_key.into(), code.into());
        }
        document.insert(message_key.into(), message.into());
        document.insert("requestDetail".into(), secret.clone().into());
        document.insert("nested".into(), json!({"reason": secret, "list": [secret]}));
        serde_json::Value::Object(document).to_string()
    })
}

/// Random bytes with the secret somewhere inside.
fn garbage(secret: String) -> impl Strategy<Value = Vec<u8>> {
    (proptest::collection::vec(any::<u8>(), 0..400), any::<prop::sample::Index>()).prop_map(move |(mut bytes, at)| {
        let at = at.index(bytes.len() + 1);
        bytes.splice(at..at, secret.bytes());
        bytes
    })
}

/// The body for `endpoint`: any of the shapes above, possibly cut at any byte, or huge.
fn body(endpoint: Endpoint, secret: String) -> impl Strategy<Value = Vec<u8>> {
    let document = match endpoint {
        Endpoint::Sso => sso_document(secret.clone()).boxed(),
        Endpoint::Oidc => oidc_document(secret.clone()).boxed(),
        Endpoint::Sts => sts_document(secret.clone()).boxed(),
    };
    let truncated =
        (document.clone(), any::<prop::sample::Index>()).prop_map(|(d, at)| d.as_bytes()[..at.index(d.len())].to_vec());
    let s = secret.clone();
    let huge = (1usize..3_000_000).prop_map(move |n| {
        match endpoint {
            Endpoint::Sts => sts_body("ASIAHUGE000000000001", &s, &format!("{s}{}", "t".repeat(n)), "", ""),
            _ => json!({"roleCredentials": {"sessionToken": format!("{s}{}", "t".repeat(n))}, "accessToken": s})
                .to_string(),
        }
        .into_bytes()
    });
    prop_oneof![
        5 => document.prop_map(String::into_bytes),
        2 => truncated,
        2 => json_error(secret.clone()).prop_map(String::into_bytes),
        2 => xml_error(secret.clone()).prop_map(String::into_bytes),
        2 => garbage(secret),
        1 => huge,
        1 => Just(Vec::new()),
    ]
}

/// A reply, the secret it holds, and whether the token has expired (SSO-OIDC only).
fn reply(endpoint: Endpoint) -> impl Strategy<Value = (Reply, String, bool)> {
    secret().prop_flat_map(move |secret| {
        let error_type = proptest::option::weighted(0.4, error_code());
        let cut_short = proptest::bool::weighted(0.08);
        (status(), content_type(), error_type, body(endpoint, secret.clone()), cut_short, Just(secret), any::<bool>())
            .prop_map(|(status, content_type, error_type, body, cut_short, secret, expired)| {
                (Reply { status, content_type, error_type, body, cut_short }, secret, expired)
            })
    })
}

fn property(endpoint: Endpoint) {
    let server = Server::start();
    let mut runner = TestRunner::new(crate::config(24));
    let result = runner.run(&reply(endpoint), |(reply, secret, token_expired)| {
        check(&server, endpoint, reply, &[secret], token_expired);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn any_sso_portal_answer_keeps_the_output_contract() {
    property(Endpoint::Sso);
}

#[test]
fn any_sso_oidc_answer_keeps_the_output_contract() {
    property(Endpoint::Oidc);
}

#[test]
fn any_sts_answer_keeps_the_output_contract() {
    property(Endpoint::Sts);
}

/// The setup itself works: valid answers give credentials, so the properties above do not pass
/// only because every run fails early.
#[test]
fn valid_answers_give_credentials() {
    let server = Server::start();
    for (endpoint, body, content_type) in [
        (Endpoint::Sso, valid_sso_body(), "application/json"),
        (Endpoint::Oidc, valid_oidc_body(), "application/json"),
        (Endpoint::Sts, valid_sts_body(), "text/xml"),
    ] {
        let run = check(&server, endpoint, Reply::ok(content_type, body), &[], true);
        assert_eq!(run.code, 0, "{endpoint:?}: {}", run.stderr);
        assert!(server.hits() >= 1, "{endpoint:?}: the server was not called");
    }
}
