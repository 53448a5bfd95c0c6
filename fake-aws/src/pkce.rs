//! The OAuth 2.0 authorization-code grant with PKCE (RFC 7636), as IAM
//! Identity Center runs it for `aws sso login` in the AWS CLI v2 (2.22 and
//! later, its default):
//!
//! 1. `RegisterClient` with `grantTypes` `authorization_code` (and
//!    `refresh_token`), `redirectUris` `["http://127.0.0.1/oauth/callback"]`
//!    (no port: loopback redirects may use any, RFC 8252 7.3) and `issuerUrl`
//!    (the start URL), in `device.rs`.
//! 2. `GET /authorize` on the SSO-OIDC host, with the query parameters
//!    `response_type=code`, `client_id`, `redirect_uri`
//!    (`http://127.0.0.1:<port>/oauth/callback`), `state`,
//!    `code_challenge_method=S256`, `code_challenge` (43 base64url
//!    characters) and `scopes` (space- or comma-separated, optional). The
//!    (absent) user approves at once: `302 Found` to
//!    `<redirect_uri>?code=<code>&state=<state>`. A bad request gets a
//!    `400` plain-text page naming the problem and no redirect;
//!    [`FakeAws::set_authorization_denied`] redirects with
//!    `error=access_denied` instead of a code, and
//!    [`FakeAws::set_authorization_state_override`] sends another state back.
//!    Every request is recorded ([`FakeAws::authorizations`]).
//! 3. `CreateToken` with `grantType: "authorization_code"`, `code`,
//!    `redirectUri` (the same as in the authorize request) and `codeVerifier`
//!    (`BASE64URL-NOPAD(SHA256(codeVerifier))` must be the challenge). The
//!    code is single-use and lives 5 minutes. The tokens are those of the
//!    device-code grant: an access token `GetRoleCredentials` accepts, and a
//!    refresh token when the client registered with scopes.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::device::{self, invalid_grant, invalid_request, unauthorized_client};
use super::{FakeAws, RecordedRequest, Reply, Route, State, now, ok};

/// The grant type of `CreateToken` (and of `RegisterClient`'s `grantTypes`)
/// in the authorization-code flow.
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";
/// The redirect URI a client must register (`redirectUris`) to use
/// `GET /authorize`; the authorize request then names a port.
pub const REGISTERED_REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";
/// How long an authorization code can be exchanged (default).
const CODE_LIFETIME: Duration = Duration::from_secs(300);
const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// One `GET /authorize`, its parameters as received (empty when absent) and
/// its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// `response_type`.
    pub response_type: String,
    /// `client_id`.
    pub client_id: String,
    /// `redirect_uri`.
    pub redirect_uri: String,
    /// `state`.
    pub state: String,
    /// `code_challenge_method`.
    pub code_challenge_method: String,
    /// `code_challenge`.
    pub code_challenge: String,
    /// `scopes`, split on spaces and commas (empty when absent).
    pub scopes: Vec<String>,
    /// The authorization code issued, when redirected with one.
    pub code: Option<String>,
    /// The `Location` redirected to (with a code or with `access_denied`);
    /// `None` when refused with a 400.
    pub location: Option<String>,
    /// Why no code was issued: the 400 page's text, or `access_denied`.
    pub error: Option<String>,
}

/// Tokens issued by an authorization-code `CreateToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLogin {
    /// The client that redeemed the code.
    pub client_id: String,
    /// The authorization code redeemed.
    pub code: String,
    /// The `redirectUri` sent (the authorize request's, port included).
    pub redirect_uri: String,
    /// The scopes of the authorize request.
    pub scopes: Vec<String>,
    /// The access token issued.
    pub access_token: String,
    /// The refresh token issued (only to clients registered with scopes).
    pub refresh_token: Option<String>,
}

/// An authorization code, by code.
struct Grant {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    scopes: Vec<String>,
    /// When the code stops being accepted.
    expires: Duration,
    /// Exchanged for tokens already (codes are single-use).
    used: bool,
}

#[derive(Default)]
pub(super) struct PkceState {
    codes: HashMap<String, Grant>,
    /// Redirect with `error=access_denied` instead of a code.
    denied: bool,
    /// The state sent back instead of the request's.
    state_override: Option<String>,
    /// Lifetime of new codes (`None`: 5 minutes).
    code_lifetime: Option<Duration>,
    authorizations: Vec<Authorization>,
    logins: Vec<CodeLogin>,
}

impl FakeAws {
    /// When true, `GET /authorize` requests that pass every check are denied
    /// by the user: the redirect carries
    /// `error=access_denied&error_description=…&state=…` and no code.
    /// Default false.
    pub fn set_authorization_denied(&self, denied: bool) {
        self.st().pkce.denied = denied;
    }

    /// `Some(state)`: `GET /authorize` redirects with this `state` instead of
    /// the request's (to test that a client checks it). `None` (default):
    /// the request's state.
    pub fn set_authorization_state_override(&self, state: Option<String>) {
        self.st().pkce.state_override = state;
    }

    /// How long authorization codes issued from now on can be exchanged
    /// (default 5 minutes); `Duration::ZERO` makes them expired at once.
    pub fn set_authorization_code_lifetime(&self, lifetime: Duration) {
        self.st().pkce.code_lifetime = Some(lifetime);
    }

    /// Every `GET /authorize` that was not faulted, in order.
    pub fn authorizations(&self) -> Vec<Authorization> {
        self.st().pkce.authorizations.clone()
    }

    /// Every successful authorization-code `CreateToken`, in order.
    pub fn code_logins(&self) -> Vec<CodeLogin> {
        self.st().pkce.logins.clone()
    }
}

/// The route of a request to `path` handled here, if any.
pub(super) fn route(method: &str, path: &str) -> Option<Route> {
    (method == "GET" && path == "/authorize").then_some(Route::Authorize)
}

/// The 400 page of a refused authorize request: no redirect.
fn bad_request(problem: &str) -> Reply {
    Reply::Full { status: 400, error_type: None, content_type: TEXT, body: format!("400 Bad Request: {problem}\n") }
}

/// What `GET /authorize` answers for an unknown client ([`super::Fault::Unauthorized`]).
pub(super) fn invalid_client_page() -> Reply {
    bad_request("invalid client_id")
}

/// A sign-in page (used for [`super::Fault::TruncatedBody`]).
pub(super) fn sample_body() -> String {
    "<!DOCTYPE html><html><head><title>AWS access portal</title></head><body><p>Signing in...</p></body></html>".into()
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The port of a loopback redirect URI `http://127.0.0.1:<port>/oauth/callback`.
fn loopback_port(uri: &str) -> Option<u16> {
    let rest = uri.strip_prefix("http://127.0.0.1:")?;
    let (port, path) = rest.split_at(rest.find('/')?);
    let digits = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
    (digits && path == "/oauth/callback").then(|| port.parse::<u16>().ok()).flatten().filter(|&p| p != 0)
}

fn is_base64url(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Why the authorize request `a` is refused, if it is.
fn problem(st: &State, a: &Authorization) -> Option<&'static str> {
    let Some(reg) = device::registration(st, &a.client_id) else {
        return Some("invalid client_id: not a registered client");
    };
    if !reg.grant_types.iter().any(|g| g == AUTHORIZATION_CODE_GRANT) {
        return Some("invalid client_id: the client is not registered for the authorization_code grant");
    }
    if loopback_port(&a.redirect_uri).is_none() {
        return Some("invalid redirect_uri: it must be http://127.0.0.1:<port>/oauth/callback");
    }
    if !reg.redirect_uris.iter().any(|u| u == REGISTERED_REDIRECT_URI) {
        return Some("invalid redirect_uri: the client did not register http://127.0.0.1/oauth/callback");
    }
    if a.response_type != "code" {
        return Some("unsupported response_type: it must be code");
    }
    if a.code_challenge_method != "S256" {
        return Some("invalid code_challenge_method: it must be S256");
    }
    if a.code_challenge.len() != 43 || !is_base64url(&a.code_challenge) {
        return Some("invalid code_challenge: it must be 43 base64url characters without padding");
    }
    if a.state.is_empty() {
        return Some("missing state");
    }
    None
}

/// `GET /authorize`.
pub(super) fn authorize(st: &mut State, req: &RecordedRequest) -> Reply {
    let param = |n: &str| req.query.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let scopes = param("scopes").split([' ', ',']).filter(|s| !s.is_empty()).map(String::from).collect();
    let mut a = Authorization {
        response_type: param("response_type"),
        client_id: param("client_id"),
        redirect_uri: param("redirect_uri"),
        state: param("state"),
        code_challenge_method: param("code_challenge_method"),
        code_challenge: param("code_challenge"),
        scopes,
        code: None,
        location: None,
        error: None,
    };
    if let Some(problem) = problem(st, &a) {
        a.error = Some(problem.into());
        st.pkce.authorizations.push(a);
        return bad_request(problem);
    }
    let state = encode(st.pkce.state_override.as_ref().unwrap_or(&a.state));
    let location = if st.pkce.denied {
        a.error = Some("access_denied".into());
        let description = encode("The user denied the authorization request");
        format!("{}?error=access_denied&error_description={description}&state={state}", a.redirect_uri)
    } else {
        let code = st.secret("code-", 48);
        let grant = Grant {
            client_id: a.client_id.clone(),
            redirect_uri: a.redirect_uri.clone(),
            code_challenge: a.code_challenge.clone(),
            scopes: a.scopes.clone(),
            expires: now() + st.pkce.code_lifetime.unwrap_or(CODE_LIFETIME),
            used: false,
        };
        st.pkce.codes.insert(code.clone(), grant);
        a.code = Some(code.clone());
        format!("{}?code={}&state={state}", a.redirect_uri, encode(&code))
    };
    a.location = Some(location.clone());
    st.pkce.authorizations.push(a);
    Reply::Redirect { location, content_type: HTML }
}

/// Whether `v` is a well-formed code verifier: 43 to 128 unreserved characters.
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL-NOPAD(SHA256(verifier))`.
fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `CreateToken` with [`AUTHORIZATION_CODE_GRANT`], for a client already
/// authenticated by the caller.
pub(super) fn create_token(st: &mut State, client_id: &str, body: &Value) -> Reply {
    if !device::grant_allowed(st, client_id, AUTHORIZATION_CODE_GRANT) {
        return unauthorized_client();
    }
    let field = |n: &str| body.get(n).and_then(Value::as_str).unwrap_or("");
    let (code, redirect_uri, verifier) = (field("code"), field("redirectUri"), field("codeVerifier"));
    if code.is_empty() || redirect_uri.is_empty() || verifier.is_empty() {
        return invalid_request("code, redirectUri and codeVerifier are required");
    }
    let Some(grant) = st.pkce.codes.get_mut(code) else {
        return invalid_grant("Invalid authorization code provided");
    };
    if grant.client_id != client_id || grant.used {
        return invalid_grant("Invalid authorization code provided");
    }
    if grant.expires <= now() {
        return invalid_grant("Authorization code has expired");
    }
    if grant.redirect_uri != redirect_uri {
        return invalid_grant("Invalid redirect URI provided");
    }
    if !valid_verifier(verifier) {
        return invalid_grant("Invalid code verifier provided");
    }
    if s256(verifier) != grant.code_challenge {
        return invalid_grant("Code verifier does not match the code challenge");
    }
    grant.used = true;
    let scopes = grant.scopes.clone();
    let (out, access_token, refresh_token) = device::issue_tokens(st, client_id);
    st.pkce.logins.push(CodeLogin {
        client_id: client_id.into(),
        code: code.into(),
        redirect_uri: redirect_uri.into(),
        scopes,
        access_token,
        refresh_token,
    });
    ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use serde_json::json;

    use super::super::{DEVICE_CODE_GRANT, Fault};
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWZgmi-M";
    const START_URL: &str = "https://d-1.awsapps.com/start";

    struct Resp {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Resp {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
        }
        fn json(&self) -> Value {
            serde_json::from_str(&self.body).expect("json body")
        }
        fn error(&self) -> (u16, Option<&str>, String) {
            let error = self.json()["error"].as_str().unwrap_or_default().to_string();
            (self.status, self.header("x-amzn-errortype"), error)
        }
        /// The decoded query of the `Location` header.
        fn location_query(&self) -> Vec<(String, String)> {
            let location = self.header("location").expect("a Location header");
            let (_, q) = location.split_once('?').unwrap();
            q.split('&')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (super::super::form_decode(k), super::super::form_decode(v))
                })
                .collect()
        }
        fn location_param(&self, name: &str) -> Option<String> {
            self.location_query().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
        }
    }

    /// One request on a fresh connection (`Connection: close`).
    fn send(fake: &FakeAws, head: &str, body: &str) -> Resp {
        let mut s = TcpStream::connect(fake.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let req = format!(
            "{head} HTTP/1.1\r\nHost: oidc.us-east-1.amazonaws.com\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        let (head, body) = all.split_once("\r\n\r\n").unwrap();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines
            .map(|l| l.split_once(':').unwrap())
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Resp { status, headers, body: body.to_string() }
    }

    fn post(fake: &FakeAws, path: &str, body: &Value) -> Resp {
        send(fake, &format!("POST {path}"), &body.to_string())
    }

    fn get(fake: &FakeAws, path_and_query: &str) -> Resp {
        send(fake, &format!("GET {path_and_query}"), "")
    }

    /// A registered client: (id, secret).
    struct Client {
        id: String,
        secret: String,
    }

    fn register(fake: &FakeAws, extra: &Value) -> Resp {
        let mut body = json!({"clientName": "botocore-client-my-sso", "clientType": "public"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(fake, "/client/register", &body)
    }

    /// A client registered as the AWS CLI registers for the authorization-code flow.
    fn cli_client(fake: &FakeAws) -> Client {
        let r = register(
            fake,
            &json!({"grantTypes": ["authorization_code", "refresh_token"],
                "redirectUris": [REGISTERED_REDIRECT_URI], "issuerUrl": START_URL,
                "scopes": ["sso:account:access"]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        Client { id: j["clientId"].as_str().unwrap().into(), secret: j["clientSecret"].as_str().unwrap().into() }
    }

    /// A query parameter and its value (`None`: leave it out).
    type Change<'a> = (&'a str, Option<&'a str>);

    /// The authorize query the CLI sends, with `changes` applied.
    fn authorize_query(client_id: &str, changes: &[Change]) -> String {
        let challenge = s256(VERIFIER);
        let mut params = vec![
            ("response_type", Some("code")),
            ("client_id", Some(client_id)),
            ("redirect_uri", Some("http://127.0.0.1:49152/oauth/callback")),
            ("state", Some("d2c1a3e4-0000-4000-8000-000000000001")),
            ("code_challenge_method", Some("S256")),
            ("scopes", Some("sso:account:access")),
            ("code_challenge", Some(challenge.as_str())),
        ];
        for (name, value) in changes {
            match params.iter_mut().find(|(k, _)| k == name) {
                Some(p) => p.1 = *value,
                None => params.push((name, *value)),
            }
        }
        let query: Vec<String> = params.iter().filter_map(|(k, v)| v.map(|v| format!("{k}={}", encode(v)))).collect();
        format!("/authorize?{}", query.join("&"))
    }

    fn authorize(fake: &FakeAws, client_id: &str, changes: &[Change]) -> Resp {
        get(fake, &authorize_query(client_id, changes))
    }

    /// A code for `c` (authorize with the CLI's parameters).
    fn code_for(fake: &FakeAws, c: &Client) -> String {
        let r = authorize(fake, &c.id, &[]);
        assert_eq!(r.status, 302, "{}", r.body);
        r.location_param("code").unwrap()
    }

    fn token(fake: &FakeAws, c: &Client, code: &str, redirect_uri: &str, verifier: &str) -> Resp {
        post(
            fake,
            "/token",
            &json!({"grantType": "authorization_code", "clientId": c.id, "clientSecret": c.secret,
                "code": code, "redirectUri": redirect_uri, "codeVerifier": verifier}),
        )
    }

    const REDIRECT: &str = "http://127.0.0.1:49152/oauth/callback";

    #[test]
    fn happy_path_end_to_end() {
        let fake = FakeAws::start();
        fake.assign_role("111122223333", "Admin");
        let c = cli_client(&fake);
        let reg = &fake.client_registrations()[0];
        assert_eq!(reg.grant_types, ["authorization_code", "refresh_token"]);
        assert_eq!(reg.redirect_uris, [REGISTERED_REDIRECT_URI]);
        assert_eq!(reg.issuer_url.as_deref(), Some(START_URL));

        let r = authorize(&fake, &c.id, &[]);
        assert_eq!(r.status, 302, "{}", r.body);
        assert_eq!((r.header("content-length"), r.body.as_str()), (Some("0"), ""));
        let location = r.header("location").unwrap();
        assert!(location.starts_with("http://127.0.0.1:49152/oauth/callback?code="), "{location}");
        let code = r.location_param("code").unwrap();
        assert_eq!(r.location_param("state").as_deref(), Some("d2c1a3e4-0000-4000-8000-000000000001"));
        assert!(fake.secrets().contains(&code));
        let auths = fake.authorizations();
        assert_eq!(auths.len(), 1);
        assert_eq!(
            auths[0],
            Authorization {
                response_type: "code".into(),
                client_id: c.id.clone(),
                redirect_uri: REDIRECT.into(),
                state: "d2c1a3e4-0000-4000-8000-000000000001".into(),
                code_challenge_method: "S256".into(),
                code_challenge: "rQjEJAV5tMQCFQBsPm2Ks4geMmFhxVAKCCreFXCEggE".into(),
                scopes: vec!["sso:account:access".into()],
                code: Some(code.clone()),
                location: Some(location.into()),
                error: None,
            }
        );
        assert_eq!(fake.requests()[1].route, Some(Route::Authorize));
        assert_eq!(fake.calls(Route::Authorize), 1);

        let r = token(&fake, &c, &code, REDIRECT, VERIFIER);
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["tokenType"], "Bearer");
        assert_eq!(j["expiresIn"].as_u64(), Some(28800));
        assert!(j["idToken"].is_string());
        let access = j["accessToken"].as_str().unwrap();
        let refresh = j["refreshToken"].as_str().unwrap();
        assert!(fake.is_access_token_valid(access) && fake.is_refresh_token_valid(refresh));
        assert_eq!(
            fake.code_logins(),
            [CodeLogin {
                client_id: c.id.clone(),
                code: code.clone(),
                redirect_uri: REDIRECT.into(),
                scopes: vec!["sso:account:access".into()],
                access_token: access.into(),
                refresh_token: Some(refresh.into()),
            }]
        );
        assert!(fake.device_logins().is_empty() && fake.device_polls().is_empty());

        let r = send(&fake, "GET /federation/credentials?role_name=Admin&account_id=111122223333", "");
        assert_eq!(r.status, 401, "no bearer token");
        let mut s = TcpStream::connect(fake.addr()).unwrap();
        write!(
            s,
            "GET /federation/credentials?role_name=Admin&account_id=111122223333 HTTP/1.1\r\n\
             x-amz-sso_bearer_token: {access}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        assert!(all.starts_with("HTTP/1.1 200 OK"), "{all}");
        assert_eq!(fake.issued_credentials().len(), 1);

        // The refresh token works with the refresh grant.
        let r = post(
            &fake,
            "/token",
            &json!({"grantType": "refresh_token", "clientId": c.id, "clientSecret": c.secret, "refreshToken": refresh}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }

    #[test]
    fn a_client_registered_without_scopes_gets_no_refresh_token() {
        let fake = FakeAws::start();
        let r = register(
            &fake,
            &json!({"grantTypes": ["authorization_code"], "redirectUris": [REGISTERED_REDIRECT_URI],
                "issuerUrl": START_URL}),
        );
        let j = r.json();
        let c =
            Client { id: j["clientId"].as_str().unwrap().into(), secret: j["clientSecret"].as_str().unwrap().into() };
        let code = code_for(&fake, &c);
        let r = token(&fake, &c, &code, REDIRECT, VERIFIER);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json().get("refreshToken").is_none());
        assert_eq!(fake.code_logins()[0].refresh_token, None);
    }

    #[test]
    fn create_token_checks_code_redirect_uri_and_verifier() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        let code = code_for(&fake, &c);
        let grant = |r: &Resp| {
            assert_eq!(r.error(), (400, Some("InvalidGrantException"), "invalid_grant".into()), "{}", r.body);
            r.json()["error_description"].as_str().unwrap().to_string()
        };

        // A verifier of the right shape that is not the one behind the challenge.
        let wrong = "x".repeat(64);
        assert_eq!(
            grant(&token(&fake, &c, &code, REDIRECT, &wrong)),
            "Code verifier does not match the code challenge"
        );
        // Malformed verifiers: too short, too long, a reserved character.
        for bad in [&VERIFIER[..42], &"a".repeat(129), &format!("{}+", &VERIFIER[..43])] {
            assert_eq!(grant(&token(&fake, &c, &code, REDIRECT, bad)), "Invalid code verifier provided", "{bad}");
        }
        // The redirect URI must be the authorize request's, port included.
        for other in ["http://127.0.0.1:49153/oauth/callback", REGISTERED_REDIRECT_URI] {
            assert_eq!(grant(&token(&fake, &c, &code, other, VERIFIER)), "Invalid redirect URI provided");
        }
        // Unknown codes and another client's code.
        assert_eq!(grant(&token(&fake, &c, "code-unknown", REDIRECT, VERIFIER)), "Invalid authorization code provided");
        let other = cli_client(&fake);
        assert_eq!(grant(&token(&fake, &other, &code, REDIRECT, VERIFIER)), "Invalid authorization code provided");
        // Wrong client credentials, missing fields.
        let r = token(&fake, &Client { id: c.id.clone(), secret: "nope".into() }, &code, REDIRECT, VERIFIER);
        assert_eq!(r.error(), (401, Some("InvalidClientException"), "invalid_client".into()));
        let r = token(&fake, &c, &code, REDIRECT, "");
        assert_eq!(r.error(), (400, Some("InvalidRequestException"), "invalid_request".into()));
        let r = token(&fake, &c, "", REDIRECT, VERIFIER);
        assert_eq!(r.error(), (400, Some("InvalidRequestException"), "invalid_request".into()));

        // Failed attempts leave the code usable; it is single-use.
        assert!(fake.code_logins().is_empty());
        assert_eq!(token(&fake, &c, &code, REDIRECT, VERIFIER).status, 200);
        assert_eq!(grant(&token(&fake, &c, &code, REDIRECT, VERIFIER)), "Invalid authorization code provided");
        assert_eq!(fake.code_logins().len(), 1);

        // Codes expire (5 minutes by default).
        let code = code_for(&fake, &c);
        let expires = fake.st().pkce.codes[&code].expires;
        assert!((expires.saturating_sub(now())).as_secs().abs_diff(300) <= 2);
        fake.set_authorization_code_lifetime(Duration::ZERO);
        let code = code_for(&fake, &c);
        assert_eq!(grant(&token(&fake, &c, &code, REDIRECT, VERIFIER)), "Authorization code has expired");
    }

    #[test]
    fn grants_are_kept_apart() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        let unauthorized = |r: &Resp| {
            assert_eq!(
                r.error(),
                (400, Some("UnauthorizedClientException"), "unauthorized_client".into()),
                "{}",
                r.body
            );
        };
        // An authorization-code client may not start or redeem a device authorization.
        let auth = post(
            &fake,
            "/device_authorization",
            &json!({"clientId": c.id, "clientSecret": c.secret, "startUrl": START_URL}),
        );
        let device_code = auth.json()["deviceCode"].as_str().unwrap().to_string();
        unauthorized(&post(
            &fake,
            "/token",
            &json!({"grantType": DEVICE_CODE_GRANT, "clientId": c.id, "clientSecret": c.secret, "deviceCode": device_code}),
        ));
        assert_eq!(fake.device_polls()[0].error.as_deref(), Some("unauthorized_client"));

        // Device clients (with or without grantTypes) and seeded clients may not use authorization codes.
        let code = code_for(&fake, &c);
        let device_only = register(&fake, &json!({"grantTypes": [DEVICE_CODE_GRANT, "refresh_token"]})).json();
        let legacy = register(&fake, &json!({"scopes": ["sso:account:access"]})).json();
        let seeded = fake.seed_session();
        for (id, secret) in [
            (device_only["clientId"].as_str().unwrap(), device_only["clientSecret"].as_str().unwrap()),
            (legacy["clientId"].as_str().unwrap(), legacy["clientSecret"].as_str().unwrap()),
            (&seeded.client_id, &seeded.client_secret),
        ] {
            let other = Client { id: id.into(), secret: secret.into() };
            unauthorized(&token(&fake, &other, &code, REDIRECT, VERIFIER));
            let r = authorize(&fake, id, &[]);
            assert_eq!(r.status, 400, "{}", r.body);
            assert!(r.body.contains("client_id"), "{}", r.body);
        }
        // The code was not spent by those attempts.
        assert_eq!(token(&fake, &c, &code, REDIRECT, VERIFIER).status, 200);
    }

    #[test]
    fn register_client_rules_for_authorization_code() {
        let fake = FakeAws::start();
        let r = register(
            &fake,
            &json!({"grantTypes": ["authorization_code", DEVICE_CODE_GRANT], "redirectUris": [REGISTERED_REDIRECT_URI],
                "issuerUrl": START_URL}),
        );
        assert_eq!(r.error(), (500, Some("InternalServerException"), "server_error".into()));
        let r = register(&fake, &json!({"grantTypes": ["authorization_code"], "issuerUrl": START_URL}));
        assert_eq!(r.error(), (400, Some("InvalidRequestException"), "invalid_request".into()));
        assert!(r.json()["error_description"].as_str().unwrap().contains("redirectUris"));
        let r =
            register(&fake, &json!({"grantTypes": ["authorization_code"], "redirectUris": [], "issuerUrl": START_URL}));
        assert_eq!(r.status, 400);
        let r =
            register(&fake, &json!({"grantTypes": ["authorization_code"], "redirectUris": [REGISTERED_REDIRECT_URI]}));
        assert_eq!(r.error(), (400, Some("InvalidRequestException"), "invalid_request".into()));
        assert!(r.json()["error_description"].as_str().unwrap().contains("issuerUrl"));
        assert!(fake.client_registrations().is_empty());

        // Without grantTypes: as before (no redirect URIs or issuer needed).
        let r = register(&fake, &json!({"scopes": ["sso:account:access"]}));
        assert_eq!(r.status, 200, "{}", r.body);
        let reg = &fake.client_registrations()[0];
        assert!(reg.grant_types.is_empty() && reg.redirect_uris.is_empty() && reg.issuer_url.is_none());
    }

    #[test]
    fn authorize_refuses_bad_requests_without_redirecting() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        let port_ful = register(
            &fake,
            &json!({"grantTypes": ["authorization_code"], "redirectUris": ["http://127.0.0.1:49152/oauth/callback"],
                "issuerUrl": START_URL}),
        )
        .json()["clientId"]
            .as_str()
            .unwrap()
            .to_string();
        let (a42, a44) = ("a".repeat(42), "a".repeat(44));
        let (padded, plus) = (format!("{a42}="), format!("{a42}+"));
        let cases: Vec<(&str, Vec<Change>, &str)> = vec![
            (&c.id, vec![("client_id", None)], "invalid client_id"),
            (&c.id, vec![("client_id", Some("cid-unknown"))], "invalid client_id"),
            (&port_ful, vec![], "did not register http://127.0.0.1/oauth/callback"),
            (&c.id, vec![("redirect_uri", None)], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://127.0.0.1/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://localhost:49152/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("https://127.0.0.1:49152/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://127.0.0.1:49152/other"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://127.0.0.1:0/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://127.0.0.1:65536/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://127.0.0.1:+80/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("redirect_uri", Some("http://evil.example/oauth/callback"))], "invalid redirect_uri"),
            (&c.id, vec![("response_type", Some("token"))], "unsupported response_type"),
            (&c.id, vec![("response_type", None)], "unsupported response_type"),
            (&c.id, vec![("code_challenge_method", Some("plain"))], "invalid code_challenge_method"),
            (&c.id, vec![("code_challenge_method", None)], "invalid code_challenge_method"),
            (&c.id, vec![("code_challenge", None)], "invalid code_challenge"),
            (&c.id, vec![("code_challenge", Some(&a42))], "invalid code_challenge"),
            (&c.id, vec![("code_challenge", Some(&a44))], "invalid code_challenge"),
            (&c.id, vec![("code_challenge", Some(&padded))], "invalid code_challenge"),
            (&c.id, vec![("code_challenge", Some(&plus))], "invalid code_challenge"),
            (&c.id, vec![("state", None)], "missing state"),
            (&c.id, vec![("state", Some(""))], "missing state"),
        ];
        for (i, (client, changes, expected)) in cases.iter().enumerate() {
            let r = authorize(&fake, client, changes);
            assert_eq!(r.status, 400, "{changes:?}: {}", r.body);
            assert_eq!(r.header("location"), None);
            assert_eq!(r.header("content-type"), Some(TEXT));
            assert!(r.body.contains(expected), "{changes:?}: {}", r.body);
            let rec = &fake.authorizations()[i];
            assert!(rec.error.as_deref().unwrap().contains(expected));
            assert_eq!((rec.code.as_ref(), rec.location.as_ref()), (None, None));
        }
        assert!(fake.st().pkce.codes.is_empty());
    }

    #[test]
    fn authorize_scopes_and_query_decoding() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        for (raw, expected) in [
            (
                "sso%3Aaccount%3Aaccess%20codewhisperer%3Acompletions",
                vec!["sso:account:access", "codewhisperer:completions"],
            ),
            (
                "sso%3Aaccount%3Aaccess+codewhisperer%3Acompletions",
                vec!["sso:account:access", "codewhisperer:completions"],
            ),
            ("a%2Cb,c", vec!["a", "b", "c"]),
            ("", vec![]),
        ] {
            let query = authorize_query(&c.id, &[("scopes", None)]);
            let r = get(&fake, &format!("{query}&scopes={raw}"));
            assert_eq!(r.status, 302, "{}", r.body);
            assert_eq!(fake.authorizations().last().unwrap().scopes, expected);
        }
        let r = authorize(&fake, &c.id, &[("scopes", None), ("state", Some("a b&c=d+e"))]);
        assert_eq!(r.status, 302, "{}", r.body);
        assert!(fake.authorizations().last().unwrap().scopes.is_empty());
        assert!(r.header("location").unwrap().ends_with("&state=a%20b%26c%3Dd%2Be"));
        assert_eq!(r.location_param("state").as_deref(), Some("a b&c=d+e"));
    }

    #[test]
    fn denied_and_state_override() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        fake.set_authorization_denied(true);
        let r = authorize(&fake, &c.id, &[]);
        assert_eq!(r.status, 302);
        assert!(
            r.header("location").unwrap().starts_with("http://127.0.0.1:49152/oauth/callback?error=access_denied&")
        );
        assert_eq!(r.location_param("error").as_deref(), Some("access_denied"));
        assert!(r.location_param("error_description").is_some());
        assert_eq!(r.location_param("state").as_deref(), Some("d2c1a3e4-0000-4000-8000-000000000001"));
        assert_eq!(r.location_param("code"), None);
        let rec = fake.authorizations().pop().unwrap();
        assert_eq!((rec.code, rec.error.as_deref()), (None, Some("access_denied")));
        assert!(fake.st().pkce.codes.is_empty());
        // Checks still come first: a bad request is a 400, not a denial.
        assert_eq!(authorize(&fake, &c.id, &[("state", None)]).status, 400);

        fake.set_authorization_denied(false);
        fake.set_authorization_state_override(Some("forged".into()));
        let r = authorize(&fake, &c.id, &[]);
        assert_eq!(r.status, 302);
        assert_eq!(r.location_param("state").as_deref(), Some("forged"));
        let code = r.location_param("code").unwrap();
        assert_eq!(fake.authorizations().last().unwrap().state, "d2c1a3e4-0000-4000-8000-000000000001");
        // The code itself is good.
        assert_eq!(token(&fake, &c, &code, REDIRECT, VERIFIER).status, 200);
        fake.set_authorization_denied(true);
        assert_eq!(authorize(&fake, &c.id, &[]).location_param("state").as_deref(), Some("forged"));
        fake.set_authorization_state_override(None);
        fake.set_authorization_denied(false);
        assert_eq!(
            authorize(&fake, &c.id, &[]).location_param("state").as_deref(),
            Some("d2c1a3e4-0000-4000-8000-000000000001")
        );
    }

    #[test]
    fn faults_on_authorize() {
        let fake = FakeAws::start();
        let c = cli_client(&fake);
        fake.fail_next(Route::Authorize, Fault::Throttled, 1);
        fake.fail_next(Route::Authorize, Fault::Unauthorized, 1);
        fake.fail_next(Route::Authorize, Fault::Internal, 1);
        assert_eq!(authorize(&fake, &c.id, &[]).status, 429);
        let r = authorize(&fake, &c.id, &[]);
        assert_eq!((r.status, r.header("location")), (400, None));
        assert!(r.body.contains("invalid client_id"));
        assert_eq!(authorize(&fake, &c.id, &[]).status, 500);
        fake.fail_next(Route::Authorize, Fault::TruncatedBody, 1);
        let r = authorize(&fake, &c.id, &[]);
        assert_eq!(r.status, 200);
        let len: usize = r.header("content-length").unwrap().parse().unwrap();
        assert_eq!(r.body.len(), len / 2);
        assert!(fake.authorizations().is_empty(), "faulted requests are not handled");
        assert_eq!(authorize(&fake, &c.id, &[]).status, 302);
        assert_eq!(fake.calls(Route::Authorize), 5);
        // A POST to /authorize is not the route.
        assert_eq!(post(&fake, "/authorize", &json!({})).status, 404);
    }

    #[test]
    fn helpers() {
        // Checked with `openssl dgst -sha256 -binary | base64`, made url-safe, `=` dropped.
        assert_eq!(s256(VERIFIER), "rQjEJAV5tMQCFQBsPm2Ks4geMmFhxVAKCCreFXCEggE");
        assert_eq!(encode("a-b_c.d~e f/:?&=+%"), "a-b_c.d~e%20f%2F%3A%3F%26%3D%2B%25");
        assert_eq!(loopback_port("http://127.0.0.1:8080/oauth/callback"), Some(8080));
        assert_eq!(loopback_port("http://127.0.0.1:8080/oauth/callback/"), None);
        assert_eq!(loopback_port("http://127.0.0.1:/oauth/callback"), None);
        assert!(valid_verifier(&"~".repeat(43)) && valid_verifier(&"A".repeat(128)));
        assert!(!valid_verifier(&"a".repeat(42)) && !valid_verifier(&format!("{}é", "a".repeat(42))));
    }
}
