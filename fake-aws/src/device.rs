//! What `aws sso login --use-device-code` and `aws sso logout` need: SSO-OIDC
//! `RegisterClient` (`POST /client/register`), `StartDeviceAuthorization`
//! (`POST /device_authorization`), `CreateToken` with the device-code grant,
//! and the SSO portal's `Logout` (`POST /logout`). The authorization-code
//! grant with PKCE (`GET /authorize`) is in `pkce.rs`.
//!
//! `RegisterClient` takes `scopes`, `grantTypes`, `redirectUris` and
//! `issuerUrl`, and mirrors the service: asking for both the
//! `authorization_code` and the device-code grant answers 500
//! `InternalServerException`; `authorization_code` needs `redirectUris` and
//! `issuerUrl` (else 400 `InvalidRequestException`). A client registered with
//! `grantTypes` may use only those grants (the other one gets 400
//! `UnauthorizedClientException`); one registered without may use the device
//! code (and refresh tokens), as before.
//!
//! A device authorization is approved by the (absent) user at once, or after
//! [`FakeAws::set_device_authorization_pending`] polls answered with
//! `AuthorizationPendingException`; [`FakeAws::set_device_authorization_denied`]
//! makes the user deny it instead (`AccessDeniedException`),
//! [`FakeAws::set_device_code_lifetime`] lets it expire
//! (`ExpiredTokenException`), and [`FakeAws::set_device_slow_down`] answers
//! polls with `SlowDownException`. Every poll is recorded with its time
//! ([`FakeAws::device_polls`]). A client registered with `scopes` gets a
//! refresh token from the device-code grant (as IAM Identity Center does for
//! `sso:account:access`); one registered without gets none.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::pkce::AUTHORIZATION_CODE_GRANT;
use super::{FakeAws, JSON, RecordedRequest, Reply, Route, State, err, invalid_client, now, ok, unauthorized_sso};

/// The grant type of `CreateToken` in the device authorization flow.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `expiresIn` of a device authorization.
const DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(600);
/// Lifetime of a client registration (`clientSecretExpiresAt`).
const REGISTRATION_LIFETIME: Duration = Duration::from_secs(90 * 86400);
const VERIFICATION_URI: &str = "https://device.sso.us-east-1.amazonaws.com/";

/// One successful `RegisterClient`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRegistration {
    /// `clientName` as sent (the AWS CLI sends `botocore-client-{session}`).
    pub client_name: String,
    /// `clientType` as sent (always `public`).
    pub client_type: String,
    /// `scopes` as sent (empty when absent).
    pub scopes: Vec<String>,
    /// `grantTypes` as sent (newer clients only; empty when absent).
    pub grant_types: Vec<String>,
    /// `redirectUris` as sent (authorization-code clients; empty when absent).
    pub redirect_uris: Vec<String>,
    /// `issuerUrl` as sent (authorization-code clients: the start URL).
    pub issuer_url: Option<String>,
    /// The client id issued.
    pub client_id: String,
    /// `clientSecretExpiresAt`, seconds since the Unix epoch.
    pub client_secret_expires_at: u64,
}

/// Tokens issued by a device-code `CreateToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLogin {
    /// The client that polled.
    pub client_id: String,
    /// The `startUrl` of the device authorization.
    pub start_url: String,
    /// The access token issued.
    pub access_token: String,
    /// The refresh token issued (only to clients registered with scopes).
    pub refresh_token: Option<String>,
}

/// One device-code `CreateToken` (a poll) from an authenticated client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePoll {
    /// When it arrived (compare two to check the client's polling interval).
    pub at: Instant,
    /// The client that polled.
    pub client_id: String,
    /// The `deviceCode` sent.
    pub device_code: String,
    /// The OAuth `error` answered (`authorization_pending`, `slow_down`,
    /// `expired_token`, `access_denied`, `invalid_grant`,
    /// `unauthorized_client`), or `None` when tokens were issued.
    pub error: Option<String>,
}

struct Authorization {
    client_id: String,
    start_url: String,
    /// When the device code stops being accepted.
    expires: Duration,
    /// Polls still to be answered `AuthorizationPendingException`.
    pending: usize,
    /// Denied by the user once the pending polls are used up.
    denied: bool,
    /// Exchanged for a token already (device codes are single-use).
    used: bool,
}

#[derive(Default)]
pub(super) struct DeviceState {
    /// Clients made by `RegisterClient`, by client id.
    clients: HashMap<String, ClientRegistration>,
    /// Open device authorizations, by device code.
    authorizations: HashMap<String, Authorization>,
    /// Pending polls each new device authorization starts with.
    pending_polls: usize,
    /// Whether new device authorizations end denied rather than approved.
    denied: bool,
    /// `expiresIn` of new device authorizations (`None`: 600 s).
    lifetime: Option<Duration>,
    /// Polls still to be answered `SlowDownException`.
    slow_down: usize,
    /// `interval` returned by `StartDeviceAuthorization`.
    interval: u64,
    registrations: Vec<ClientRegistration>,
    logins: Vec<DeviceLogin>,
    polls: Vec<DevicePoll>,
}

impl FakeAws {
    /// Each device authorization started from now on answers its first `polls`
    /// device-code `CreateToken` calls with 400 `AuthorizationPendingException`
    /// before it is approved (default 0: approved at once). With at least one
    /// pending poll, `aws sso login --no-browser` prints the verification URL
    /// and code before it gets its token.
    pub fn set_device_authorization_pending(&self, polls: usize) {
        self.st().device.pending_polls = polls;
    }

    /// `interval` (seconds between polls) returned by `StartDeviceAuthorization`
    /// (default 1).
    pub fn set_device_poll_interval(&self, seconds: u64) {
        self.st().device.interval = seconds;
    }

    /// The next `polls` device-code `CreateToken` calls for a valid, open
    /// device authorization answer 400 `SlowDownException` (`slow_down`), as
    /// the service does to a client polling too fast; a client must then add
    /// 5 s to its interval (RFC 8628 3.5). These polls do not use up pending
    /// ones. Default 0.
    pub fn set_device_slow_down(&self, polls: usize) {
        self.st().device.slow_down = polls;
    }

    /// When true, each device authorization started from now on is denied by
    /// the user once its pending polls are used up: every later poll answers
    /// 400 `AccessDeniedException` (`access_denied`). Default false.
    pub fn set_device_authorization_denied(&self, denied: bool) {
        self.st().device.denied = denied;
    }

    /// How long device authorizations started from now on stay valid (their
    /// `expiresIn`, default 600 s). Polls after that answer 400
    /// `ExpiredTokenException` (`expired_token`); with `Duration::ZERO`, every
    /// poll does.
    pub fn set_device_code_lifetime(&self, lifetime: Duration) {
        self.st().device.lifetime = Some(lifetime);
    }

    /// Every successful `RegisterClient`, in order.
    pub fn client_registrations(&self) -> Vec<ClientRegistration> {
        self.st().device.registrations.clone()
    }

    /// Every successful device-code `CreateToken`, in order.
    pub fn device_logins(&self) -> Vec<DeviceLogin> {
        self.st().device.logins.clone()
    }

    /// Every device-code `CreateToken` from a client with valid credentials,
    /// successful or not, in order, with its arrival time.
    pub fn device_polls(&self) -> Vec<DevicePoll> {
        self.st().device.polls.clone()
    }
}

/// The registration of `client_id` by `RegisterClient`, if it was made so
/// (seeded clients have none).
pub(super) fn registration<'a>(st: &'a State, client_id: &str) -> Option<&'a ClientRegistration> {
    st.device.clients.get(client_id)
}

/// Whether `client_id` may use the `CreateToken` grant `grant`
/// ([`DEVICE_CODE_GRANT`] or [`AUTHORIZATION_CODE_GRANT`]): a client
/// registered with `grantTypes` only those; any other, the device code only.
pub(super) fn grant_allowed(st: &State, client_id: &str, grant: &str) -> bool {
    match registration(st, client_id) {
        Some(r) if !r.grant_types.is_empty() => r.grant_types.iter().any(|g| g == grant),
        _ => grant == DEVICE_CODE_GRANT,
    }
}

/// 400 `UnauthorizedClientException`: the client may not use this grant.
pub(super) fn unauthorized_client() -> Reply {
    let body =
        json!({"error": "unauthorized_client", "error_description": "Client is not authorized to use this grant type"});
    err(400, "UnauthorizedClientException", body)
}

/// 400 `InvalidGrantException` with `description`.
pub(super) fn invalid_grant(description: &str) -> Reply {
    err(400, "InvalidGrantException", json!({"error": "invalid_grant", "error_description": description}))
}

/// The route of a `POST` to `path` handled here, if any.
pub(super) fn route(method: &str, path: &str) -> Option<Route> {
    match (method, path) {
        ("POST", "/client/register") => Some(Route::RegisterClient),
        ("POST", "/device_authorization") => Some(Route::StartDeviceAuthorization),
        ("POST", "/logout") => Some(Route::Logout),
        _ => None,
    }
}

pub(super) fn invalid_request(description: &str) -> Reply {
    err(400, "InvalidRequestException", json!({"error": "invalid_request", "error_description": description}))
}

fn json_body(req: &RecordedRequest) -> Result<Value, Reply> {
    match serde_json::from_str::<Value>(&req.body) {
        Ok(v) if v.is_object() => Ok(v),
        _ => Err(invalid_request("Malformed body")),
    }
}

fn string_list(v: &Value, name: &str) -> Vec<String> {
    v.get(name).and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(String::from).collect()
}

/// A successful response of `route` (used for [`super::Fault::TruncatedBody`]);
/// changes nothing but the secrets list.
pub(super) fn sample_body(st: &mut State, route: Route) -> String {
    let at = now().as_secs();
    match route {
        Route::RegisterClient => json!({
            "clientId": format!("cid-{}", st.hex(16)),
            "clientSecret": st.secret("csecret-", 40),
            "clientIdIssuedAt": at,
            "clientSecretExpiresAt": at + REGISTRATION_LIFETIME.as_secs(),
        }),
        Route::StartDeviceAuthorization => json!({
            "deviceCode": st.secret("dc-", 40),
            "userCode": "ABCD-EFGH",
            "verificationUri": VERIFICATION_URI,
            "verificationUriComplete": format!("{VERIFICATION_URI}?user_code=ABCD-EFGH"),
            "expiresIn": DEVICE_CODE_LIFETIME.as_secs(),
            "interval": 1,
        }),
        _ => "{}".into(),
    }
    .to_string()
}

pub(super) fn respond(st: &mut State, req: &RecordedRequest, route: Route) -> Reply {
    match route {
        Route::RegisterClient => register_client(st, req),
        Route::StartDeviceAuthorization => start_device_authorization(st, req),
        _ => logout(st, req),
    }
}

fn register_client(st: &mut State, req: &RecordedRequest) -> Reply {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let field = |n: &str| body.get(n).and_then(Value::as_str).unwrap_or("").to_string();
    let (client_name, client_type) = (field("clientName"), field("clientType"));
    if client_name.is_empty() || client_type.is_empty() {
        return invalid_request("clientName and clientType are required");
    }
    if client_type != "public" {
        let body = json!({"error": "invalid_client_metadata", "error_description": "Invalid client type"});
        return err(400, "InvalidClientMetadataException", body);
    }
    let grant_types = string_list(&body, "grantTypes");
    let redirect_uris = string_list(&body, "redirectUris");
    let issuer_url = body.get("issuerUrl").and_then(Value::as_str).map(String::from);
    let wants = |g: &str| grant_types.iter().any(|t| t == g);
    if wants(AUTHORIZATION_CODE_GRANT) && wants(DEVICE_CODE_GRANT) {
        // What IAM Identity Center really answers to this combination.
        let body = json!({"error": "server_error", "error_description": "An internal error occurred"});
        return err(500, "InternalServerException", body);
    }
    if wants(AUTHORIZATION_CODE_GRANT) && redirect_uris.is_empty() {
        return invalid_request("redirectUris is required for the authorization_code grant");
    }
    if wants(AUTHORIZATION_CODE_GRANT) && issuer_url.as_deref().is_none_or(str::is_empty) {
        return invalid_request("issuerUrl is required for the authorization_code grant");
    }
    let client_id = format!("cid-{}", st.hex(16));
    let client_secret = st.secret("csecret-", 40);
    let issued_at = now().as_secs();
    let expires_at = issued_at + REGISTRATION_LIFETIME.as_secs();
    st.clients.insert(client_id.clone(), client_secret.clone());
    let registration = ClientRegistration {
        client_name,
        client_type,
        scopes: string_list(&body, "scopes"),
        grant_types,
        redirect_uris,
        issuer_url,
        client_id: client_id.clone(),
        client_secret_expires_at: expires_at,
    };
    st.device.clients.insert(client_id.clone(), registration.clone());
    st.device.registrations.push(registration);
    ok(json!({
        "clientId": client_id,
        "clientSecret": client_secret,
        "clientIdIssuedAt": issued_at,
        "clientSecretExpiresAt": expires_at,
    }))
}

fn start_device_authorization(st: &mut State, req: &RecordedRequest) -> Reply {
    let body = match json_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let field = |n: &str| body.get(n).and_then(Value::as_str).unwrap_or("").to_string();
    let client_id = field("clientId");
    if st.clients.get(&client_id).is_none_or(|s| *s != field("clientSecret")) {
        return invalid_client();
    }
    let start_url = field("startUrl");
    if start_url.is_empty() {
        return invalid_request("startUrl is required");
    }
    let device_code = st.secret("dc-", 40);
    let letters: String = st.hex(8).bytes().map(|b| (b'A' + b % 26) as char).collect();
    let user_code = format!("{}-{}", &letters[..4], &letters[4..]);
    let (pending, denied) = (st.device.pending_polls, st.device.denied);
    let interval = if st.device.interval == 0 { 1 } else { st.device.interval };
    let lifetime = st.device.lifetime.unwrap_or(DEVICE_CODE_LIFETIME);
    let authorization = Authorization { client_id, start_url, expires: now() + lifetime, pending, denied, used: false };
    st.device.authorizations.insert(device_code.clone(), authorization);
    ok(json!({
        "deviceCode": device_code,
        "userCode": user_code,
        "verificationUri": VERIFICATION_URI,
        "verificationUriComplete": format!("{VERIFICATION_URI}?user_code={user_code}"),
        "expiresIn": lifetime.as_secs(),
        "interval": interval,
    }))
}

/// `CreateToken` with [`DEVICE_CODE_GRANT`], for a client already
/// authenticated by the caller. Every call is recorded as a [`DevicePoll`].
pub(super) fn create_token(st: &mut State, client_id: &str, body: &Value) -> Reply {
    let device_code = body.get("deviceCode").and_then(Value::as_str).unwrap_or("");
    let (reply, error) = poll(st, client_id, device_code);
    let poll = DevicePoll { at: Instant::now(), client_id: client_id.into(), device_code: device_code.into(), error };
    st.device.polls.push(poll);
    reply
}

/// One poll: the reply and the OAuth error it carries, if any.
fn poll(st: &mut State, client_id: &str, device_code: &str) -> (Reply, Option<String>) {
    let fail = |status, error_type, error: &str, description: &str| {
        let body = json!({"error": error, "error_description": description});
        (err(status, error_type, body), Some(error.to_string()))
    };
    if !grant_allowed(st, client_id, DEVICE_CODE_GRANT) {
        return (unauthorized_client(), Some("unauthorized_client".into()));
    }
    let invalid = || (invalid_grant("Invalid device code provided"), Some("invalid_grant".to_string()));
    let Some(auth) = st.device.authorizations.get_mut(device_code) else {
        return invalid();
    };
    if auth.client_id != client_id || auth.used {
        return invalid();
    }
    if auth.expires <= now() {
        return fail(400, "ExpiredTokenException", "expired_token", "Device code has expired");
    }
    if st.device.slow_down > 0 {
        st.device.slow_down -= 1;
        return fail(400, "SlowDownException", "slow_down", "Client is polling too quickly");
    }
    if auth.pending > 0 {
        auth.pending -= 1;
        return fail(400, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending");
    }
    if auth.denied {
        return fail(400, "AccessDeniedException", "access_denied", "The user denied the authorization request");
    }
    auth.used = true;
    let start_url = auth.start_url.clone();
    let (out, access_token, refresh_token) = issue_tokens(st, client_id);
    st.device.logins.push(DeviceLogin { client_id: client_id.to_string(), start_url, access_token, refresh_token });
    (ok(out), None)
}

/// A new access token (valid for `GetRoleCredentials` and `Logout`), a refresh
/// token when `client_id` registered with scopes, and an id token: the body of
/// a successful `CreateToken` for a login grant, the access token and the
/// refresh token.
pub(super) fn issue_tokens(st: &mut State, client_id: &str) -> (Value, String, Option<String>) {
    let access_token = st.secret("aoa", 64);
    st.access_tokens.insert(access_token.clone());
    let mut out = json!({
        "accessToken": access_token,
        "tokenType": "Bearer",
        "expiresIn": st.token_lifetime.as_secs(),
    });
    let scoped = registration(st, client_id).is_some_and(|r| !r.scopes.is_empty());
    let refresh_token = scoped.then(|| {
        let t = st.secret("aor", 64);
        st.refresh_tokens.insert(t.clone());
        out["refreshToken"] = json!(t);
        t
    });
    out["idToken"] = json!(st.secret("eyJ", 96));
    (out, access_token, refresh_token)
}

/// SSO portal `Logout`: the bearer token stops being valid.
fn logout(st: &mut State, req: &RecordedRequest) -> Reply {
    let token = req.header("x-amz-sso_bearer_token").unwrap_or("");
    if !st.access_tokens.remove(token) {
        return unauthorized_sso();
    }
    Reply::Full { status: 200, error_type: None, content_type: JSON, body: String::new() }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::TcpStream;

    use super::super::{Fault, RefreshPolicy};
    use super::*;

    struct Resp {
        status: u16,
        error_type: Option<String>,
        body: String,
    }

    impl Resp {
        fn json(&self) -> Value {
            serde_json::from_str(&self.body).expect("json body")
        }
    }

    /// One request on a fresh connection (`Connection: close`).
    fn call(fake: &FakeAws, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut s = TcpStream::connect(fake.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut req = format!("POST {path} HTTP/1.1\r\nHost: oidc.us-east-1.amazonaws.com\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
        s.write_all(req.as_bytes()).unwrap();
        let mut all = String::new();
        s.read_to_string(&mut all).unwrap();
        let (head, body) = all.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        let error_type = head.lines().find_map(|l| l.strip_prefix("x-amzn-ErrorType: ")).map(String::from);
        Resp { status, error_type, body: body.to_string() }
    }

    fn post(fake: &FakeAws, path: &str, body: &Value) -> Resp {
        call(fake, path, &[], &body.to_string())
    }

    /// RegisterClient + StartDeviceAuthorization: (client id, secret, device code).
    fn begin(fake: &FakeAws, scopes: Option<&[&str]>) -> (String, String, String) {
        let mut body = json!({"clientName": "botocore-client-my-sso", "clientType": "public"});
        if let Some(s) = scopes {
            body["scopes"] = json!(s);
        }
        let reg = post(fake, "/client/register", &body);
        assert_eq!(reg.status, 200, "{}", reg.body);
        let reg = reg.json();
        let (id, secret) = (reg["clientId"].as_str().unwrap(), reg["clientSecret"].as_str().unwrap());
        let auth = post(
            fake,
            "/device_authorization",
            &json!({"clientId": id, "clientSecret": secret, "startUrl": "https://d-1.awsapps.com/start"}),
        );
        assert_eq!(auth.status, 200, "{}", auth.body);
        (id.into(), secret.into(), auth.json()["deviceCode"].as_str().unwrap().into())
    }

    fn poll(fake: &FakeAws, id: &str, secret: &str, device_code: &str) -> Resp {
        post(
            fake,
            "/token",
            &json!({"grantType": DEVICE_CODE_GRANT, "clientId": id, "clientSecret": secret, "deviceCode": device_code}),
        )
    }

    #[test]
    fn register_client_shapes_and_validation() {
        let fake = FakeAws::start();
        let body = json!({"clientName": "botocore-client-my-sso", "clientType": "public",
            "scopes": ["sso:account:access"], "grantTypes": ["refresh_token"]});
        let r = post(&fake, "/client/register", &body);
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        let id = j["clientId"].as_str().unwrap();
        let secret = j["clientSecret"].as_str().unwrap();
        assert!(fake.secrets().iter().any(|s| s == secret));
        let issued = j["clientIdIssuedAt"].as_u64().unwrap();
        assert!(issued.abs_diff(now().as_secs()) < 60);
        assert_eq!(j["clientSecretExpiresAt"].as_u64(), Some(issued + 90 * 86400));
        let regs = fake.client_registrations();
        assert_eq!(regs.len(), 1);
        assert_eq!(regs[0].client_id, id);
        assert_eq!(regs[0].client_name, "botocore-client-my-sso");
        assert_eq!(regs[0].scopes, ["sso:account:access"]);
        assert_eq!(regs[0].grant_types, ["refresh_token"]);

        let r = post(&fake, "/client/register", &json!({"clientName": "x"}));
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("InvalidRequestException")));
        let r = post(&fake, "/client/register", &json!({"clientName": "x", "clientType": "confidential"}));
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("InvalidClientMetadataException")));
        let r = call(&fake, "/client/register", &[], "not json");
        assert_eq!(r.status, 400);
        assert_eq!(fake.calls(Route::RegisterClient), 4);
        assert_eq!(fake.client_registrations().len(), 1);
    }

    #[test]
    fn device_flow_approved_at_once_issues_refreshable_tokens() {
        let fake = FakeAws::start();
        fake.assign_role("1", "R");
        let (id, secret, code) = begin(&fake, Some(&["sso:account:access"]));
        let auth = &fake.requests()[1];
        assert_eq!(auth.route, Some(Route::StartDeviceAuthorization));
        let r = poll(&fake, &id, &secret, &code);
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["tokenType"], "Bearer");
        assert_eq!(j["expiresIn"].as_u64(), Some(28800));
        let access = j["accessToken"].as_str().unwrap();
        let refresh = j["refreshToken"].as_str().unwrap();
        assert!(fake.is_access_token_valid(access));
        assert!(fake.is_refresh_token_valid(refresh));
        assert_eq!(
            fake.device_logins(),
            [DeviceLogin {
                client_id: id.clone(),
                start_url: "https://d-1.awsapps.com/start".into(),
                access_token: access.into(),
                refresh_token: Some(refresh.into()),
            }]
        );
        // The device code is single-use; the refresh token works with the registered client.
        let r = poll(&fake, &id, &secret, &code);
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("InvalidGrantException")));
        fake.set_refresh_policy(RefreshPolicy::Keep);
        let r = post(
            &fake,
            "/token",
            &json!({"grantType": "refresh_token", "clientId": id, "clientSecret": secret, "refreshToken": refresh}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(fake.calls(Route::CreateToken), 3);
    }

    #[test]
    fn device_flow_pending_then_approved_and_errors() {
        let fake = FakeAws::start();
        fake.set_device_authorization_pending(2);
        fake.set_device_poll_interval(3);
        let (id, secret, code) = begin(&fake, None);
        let start = fake.requests()[1].clone();
        assert!(start.body.contains("startUrl"));
        for _ in 0..2 {
            let r = poll(&fake, &id, &secret, &code);
            assert_eq!((r.status, r.error_type.as_deref()), (400, Some("AuthorizationPendingException")));
            assert_eq!(r.json()["error"], "authorization_pending");
        }
        // Another client may not redeem it, and a wrong secret is an invalid client.
        let (other_id, other_secret, _) = begin(&fake, None);
        let r = poll(&fake, &other_id, &other_secret, &code);
        assert_eq!(r.error_type.as_deref(), Some("InvalidGrantException"));
        let r = poll(&fake, &id, "wrong", &code);
        assert_eq!((r.status, r.error_type.as_deref()), (401, Some("InvalidClientException")));
        let r = poll(&fake, &id, &secret, "dc-unknown");
        assert_eq!(r.error_type.as_deref(), Some("InvalidGrantException"));

        let r = poll(&fake, &id, &secret, &code);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json().get("refreshToken").is_none(), "no scopes, no refresh token");
        assert_eq!(fake.device_logins()[0].refresh_token, None);

        // The interval knob, and expired device codes.
        let (id, secret, _) = begin(&fake, None);
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret, "startUrl": "u"}));
        let j = r.json();
        assert_eq!(j["interval"].as_u64(), Some(3));
        assert_eq!(j["expiresIn"].as_u64(), Some(600));
        let user_code = j["userCode"].as_str().unwrap();
        assert!(user_code.len() == 9 && user_code.as_bytes()[4] == b'-');
        assert_eq!(j["verificationUriComplete"], format!("{VERIFICATION_URI}?user_code={user_code}"));
        let code = j["deviceCode"].as_str().unwrap();
        fake.st().device.authorizations.get_mut(code).unwrap().expires = now();
        let r = poll(&fake, &id, &secret, code);
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("ExpiredTokenException")));

        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": "x", "startUrl": "u"}));
        assert_eq!((r.status, r.error_type.as_deref()), (401, Some("InvalidClientException")));
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret}));
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("InvalidRequestException")));
    }

    #[test]
    fn slow_down_then_pending_then_token_with_poll_times() {
        let fake = FakeAws::start();
        fake.set_device_slow_down(2);
        fake.set_device_authorization_pending(1);
        let (id, secret, code) = begin(&fake, None);
        let mut answers = Vec::new();
        for _ in 0..4 {
            let r = poll(&fake, &id, &secret, &code);
            answers.push((r.status, r.error_type.clone(), r.json()["error"].as_str().map(String::from)));
        }
        let e = |t: &str, code: &str| (400, Some(t.to_string()), Some(code.to_string()));
        assert_eq!(
            answers,
            [
                e("SlowDownException", "slow_down"),
                e("SlowDownException", "slow_down"),
                e("AuthorizationPendingException", "authorization_pending"),
                (200, None, None),
            ]
        );
        let polls = fake.device_polls();
        let errors: Vec<_> = polls.iter().map(|p| p.error.as_deref()).collect();
        assert_eq!(errors, [Some("slow_down"), Some("slow_down"), Some("authorization_pending"), None]);
        assert!(polls.iter().all(|p| p.client_id == id && p.device_code == code));
        assert!(polls.windows(2).all(|w| w[0].at <= w[1].at));
        // Slow-down is used up; the counter is the fake's, not the authorization's.
        let (id, secret, code) = begin(&fake, None);
        assert_eq!(poll(&fake, &id, &secret, &code).error_type.as_deref(), Some("AuthorizationPendingException"));
        fake.set_device_slow_down(1);
        assert_eq!(poll(&fake, &id, &secret, &code).error_type.as_deref(), Some("SlowDownException"));
        assert_eq!(poll(&fake, &id, &secret, &code).status, 200);
        // An unknown device code is answered before slow-down.
        fake.set_device_slow_down(1);
        assert_eq!(poll(&fake, &id, &secret, "dc-x").error_type.as_deref(), Some("InvalidGrantException"));
        assert_eq!(fake.device_polls().last().unwrap().error.as_deref(), Some("invalid_grant"));
    }

    #[test]
    fn denied_and_expired_device_authorizations() {
        let fake = FakeAws::start();
        fake.set_device_authorization_pending(1);
        fake.set_device_authorization_denied(true);
        let (id, secret, code) = begin(&fake, None);
        fake.set_device_authorization_denied(false);
        assert_eq!(poll(&fake, &id, &secret, &code).error_type.as_deref(), Some("AuthorizationPendingException"));
        for _ in 0..2 {
            let r = poll(&fake, &id, &secret, &code);
            assert_eq!((r.status, r.error_type.as_deref()), (400, Some("AccessDeniedException")));
            assert_eq!(r.json()["error"], "access_denied");
        }
        assert!(fake.device_logins().is_empty());
        // Authorizations started after the setting was cleared are approved.
        let (id2, secret2, code2) = begin(&fake, None);
        poll(&fake, &id2, &secret2, &code2);
        assert_eq!(poll(&fake, &id2, &secret2, &code2).status, 200);

        fake.set_device_code_lifetime(Duration::ZERO);
        let (id, secret, _) = begin(&fake, None);
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret, "startUrl": "u"}));
        assert_eq!(r.json()["expiresIn"].as_u64(), Some(0));
        let code = r.json()["deviceCode"].as_str().unwrap().to_string();
        fake.set_device_slow_down(1);
        let r = poll(&fake, &id, &secret, &code);
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("ExpiredTokenException")));
        assert_eq!(r.json()["error"], "expired_token");
        assert_eq!(fake.device_polls().last().unwrap().error.as_deref(), Some("expired_token"));
        fake.set_device_code_lifetime(Duration::from_secs(120));
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret, "startUrl": "u"}));
        assert_eq!(r.json()["expiresIn"].as_u64(), Some(120));
    }

    #[test]
    fn device_grant_needs_the_grant_type_when_grant_types_are_registered() {
        let fake = FakeAws::start();
        let reg = post(
            &fake,
            "/client/register",
            &json!({"clientName": "n", "clientType": "public", "grantTypes": [DEVICE_CODE_GRANT, "refresh_token"]}),
        );
        let j = reg.json();
        let (id, secret) = (j["clientId"].as_str().unwrap(), j["clientSecret"].as_str().unwrap());
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret, "startUrl": "u"}));
        let code = r.json()["deviceCode"].as_str().unwrap().to_string();
        assert_eq!(poll(&fake, id, secret, &code).status, 200);

        let reg = post(
            &fake,
            "/client/register",
            &json!({"clientName": "n", "clientType": "public", "grantTypes": ["refresh_token"]}),
        );
        let j = reg.json();
        let (id, secret) = (j["clientId"].as_str().unwrap(), j["clientSecret"].as_str().unwrap());
        let r = post(&fake, "/device_authorization", &json!({"clientId": id, "clientSecret": secret, "startUrl": "u"}));
        let code = r.json()["deviceCode"].as_str().unwrap().to_string();
        let r = poll(&fake, id, secret, &code);
        assert_eq!((r.status, r.error_type.as_deref()), (400, Some("UnauthorizedClientException")));
        assert_eq!(r.json()["error"], "unauthorized_client");
        // Seeded clients (no registration) keep the device grant.
        let s = fake.seed_session();
        let r = post(
            &fake,
            "/device_authorization",
            &json!({"clientId": s.client_id, "clientSecret": s.client_secret, "startUrl": "u"}),
        );
        let code = r.json()["deviceCode"].as_str().unwrap().to_string();
        assert_eq!(poll(&fake, &s.client_id, &s.client_secret, &code).status, 200);
    }

    #[test]
    fn logout_revokes_the_bearer_token_only() {
        let fake = FakeAws::start();
        let a = fake.seed_session();
        let b = fake.seed_session();
        let r = call(&fake, "/logout", &[("x-amz-sso_bearer_token", &a.access_token)], "");
        assert_eq!((r.status, r.body.as_str()), (200, ""));
        assert!(!fake.is_access_token_valid(&a.access_token));
        assert!(fake.is_access_token_valid(&b.access_token));
        let r = call(&fake, "/logout", &[("x-amz-sso_bearer_token", &a.access_token)], "");
        assert_eq!((r.status, r.error_type.as_deref()), (401, Some("UnauthorizedException")));
        let r = call(&fake, "/logout", &[], "");
        assert_eq!(r.status, 401);
        assert_eq!(fake.calls(Route::Logout), 3);
        assert_eq!(fake.requests()[0].route, Some(Route::Logout));
    }

    #[test]
    fn faults_on_the_new_routes() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.fail_next(Route::RegisterClient, Fault::Throttled, 1);
        fake.fail_next(Route::StartDeviceAuthorization, Fault::Internal, 1);
        fake.fail_next(Route::Logout, Fault::Unauthorized, 1);
        let r = post(&fake, "/client/register", &json!({"clientName": "n", "clientType": "public"}));
        assert_eq!((r.status, r.error_type.as_deref()), (429, Some("TooManyRequestsException")));
        let r = post(&fake, "/device_authorization", &json!({}));
        assert_eq!((r.status, r.json()["error"].as_str()), (500, Some("server_error")));
        let r = call(&fake, "/logout", &[("x-amz-sso_bearer_token", &s.access_token)], "");
        assert_eq!((r.status, r.error_type.as_deref()), (401, Some("UnauthorizedException")));
        assert!(fake.is_access_token_valid(&s.access_token));

        fake.fail_next(Route::RegisterClient, Fault::TruncatedBody, 1);
        let secrets = fake.secrets().len();
        let r = call(&fake, "/client/register", &[], "{}");
        assert_eq!(r.status, 200);
        assert!(r.body.starts_with("{\"clientId\""));
        assert!(serde_json::from_str::<Value>(&r.body).is_err());
        assert_eq!(fake.secrets().len(), secrets + 1);
        assert!(fake.client_registrations().is_empty());
    }
}
