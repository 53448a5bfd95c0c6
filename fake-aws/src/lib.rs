//! An in-process fake of the AWS endpoints a credential_process helper talks
//! to, speaking plain HTTP/1.1 with the same wire shapes as AWS:
//!
//! - the IAM Identity Center SSO portal (`GetRoleCredentials`,
//!   `GET /federation/credentials`, and `Logout`, `POST /logout`; restJson),
//! - SSO-OIDC (`CreateToken`, `POST /token`, restJson, with the refresh-token
//!   grant and, for `aws sso login`, `RegisterClient` (`POST /client/register`)
//!   and two login flows: the device-code flow (`StartDeviceAuthorization`,
//!   `POST /device_authorization`; see
//!   [`FakeAws::set_device_authorization_pending`]) and the authorization-code
//!   flow with PKCE that the AWS CLI v2 uses by default (`GET /authorize`,
//!   answered with a `302` to the client's loopback redirect URI; see
//!   [`FakeAws::authorizations`]),
//! - STS (`AssumeRole` and `GetCallerIdentity`, `POST /` with a form body,
//!   awsQuery with XML replies). Requests must carry a SigV4 `Authorization`
//!   header naming an access key id the fake issued or was given (the signature
//!   itself is not checked), plus the matching `X-Amz-Security-Token` for
//!   temporary credentials. Roles and their trust policies are declared with
//!   [`FakeAws::add_role`].
//!
//! The server binds `127.0.0.1` only (on an ephemeral port), never any other
//! interface. Point the AWS SDK at it with `AWS_ENDPOINT_URL_SSO`,
//! `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_STS` set to
//! [`FakeAws::url`]. It supports keep-alive, absolute-form (proxy) request
//! targets, fault injection, latency and full request recording. Dropping the
//! [`FakeAws`] stops the server.

mod device;
mod pkce;
mod sts;

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

pub use device::{ClientRegistration, DEVICE_CODE_GRANT, DeviceLogin, DevicePoll};
pub use pkce::{AUTHORIZATION_CODE_GRANT, Authorization, CodeLogin, REGISTERED_REDIRECT_URI};

/// An operation the fake implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// SSO portal `GetRoleCredentials` (`GET /federation/credentials`).
    GetRoleCredentials,
    /// SSO-OIDC `CreateToken` (`POST /token`).
    CreateToken,
    /// STS `AssumeRole` (`POST /` with the form field `Action=AssumeRole`).
    AssumeRole,
    /// STS `GetCallerIdentity` (`POST /` with `Action=GetCallerIdentity`).
    GetCallerIdentity,
    /// SSO-OIDC `RegisterClient` (`POST /client/register`).
    RegisterClient,
    /// SSO-OIDC `StartDeviceAuthorization` (`POST /device_authorization`).
    StartDeviceAuthorization,
    /// SSO portal `Logout` (`POST /logout`).
    Logout,
    /// SSO-OIDC authorize endpoint of the authorization-code flow
    /// (`GET /authorize`, answered with a redirect).
    Authorize,
}

/// A fault that can be injected on a [`Route`] instead of normal behaviour.
///
/// Faults are taken before the request is authenticated or validated. STS
/// replies are awsQuery XML error documents (`<ErrorResponse>`), `Sender` for
/// 4xx and `Receiver` for 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// SSO/OIDC: 429 `TooManyRequestsException`, `{"message":"Rate exceeded"}`.
    /// STS: 400 `Throttling`, "Rate exceeded" (what STS really sends).
    Throttled,
    /// SSO/OIDC: 500 `InternalServerException`. STS: 500 `InternalFailure`.
    Internal,
    /// SSO/OIDC: the route's normal 401 (`UnauthorizedException` /
    /// `InvalidClientException`); `GET /authorize`: its 400 page for an
    /// invalid `client_id`. STS: 403 `InvalidClientTokenId`.
    Unauthorized,
    /// 200 with the non-JSON body `this is not json <<<` (SSO/OIDC), or the
    /// `text/xml` body `this is not xml <<<` (STS).
    GarbageBody,
    /// 200 whose `Content-Length` claims a full success body (for
    /// `GET /authorize`, an HTML page), of which only the
    /// first half is sent before the connection is closed. No state changes
    /// (nothing becomes valid or invalid, no credentials are registered), but
    /// the generated secrets are added to [`FakeAws::secrets`].
    TruncatedBody,
    /// Read the request, then never answer; the socket stays open until the
    /// fake is dropped.
    Hang,
    /// STS: 400 `ExpiredToken`, "The security token included in the request is
    /// expired". SSO/OIDC: same as [`Fault::Unauthorized`].
    ExpiredToken,
    /// STS: 403 `RegionDisabledException`, "STS is not activated in this region
    /// for account:{account}. …", where the account is the caller's (or, if the
    /// caller is unknown, the one in `RoleArn`). SSO/OIDC: same as
    /// [`Fault::Internal`].
    RegionDisabled,
}

/// What `CreateToken` does with the refresh token on a `refresh_token` grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshPolicy {
    /// Issue a new refresh token; the old one becomes invalid (default).
    #[default]
    Rotate,
    /// Return the same refresh token, which stays valid.
    Keep,
    /// Leave `refreshToken` out of the response; the old one stays valid.
    Omit,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query string (absolute-form targets are reduced to it).
    pub path: String,
    /// Percent-decoded query parameters, in order (for `GET /authorize`,
    /// form-decoded: `+` is a space first).
    pub query: Vec<(String, String)>,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Request body (lossy UTF-8).
    pub body: String,
    /// True when the request target was in absolute form (sent via a proxy).
    pub via_proxy: bool,
    /// The recognised operation, `None` for unknown routes.
    pub route: Option<Route>,
}

impl RecordedRequest {
    /// The first header named `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// The first field named `name` of the `application/x-www-form-urlencoded`
    /// body, decoded (`+` is a space, then percent-decoding).
    pub fn form(&self, name: &str) -> Option<String> {
        form_field(&self.body, name)
    }

    /// The region of the SigV4 credential scope in the `Authorization` header
    /// (`Credential=AKID/20261123/eu-west-1/sts/aws4_request`), if well formed.
    pub fn signing_region(&self) -> Option<&str> {
        self.credential_scope().map(|s| s[2])
    }

    /// The access key id of the SigV4 credential scope in the `Authorization`
    /// header, if well formed.
    pub fn signing_access_key_id(&self) -> Option<&str> {
        self.credential_scope().map(|s| s[0])
    }

    /// `[access key id, date, region, service, "aws4_request"]`.
    fn credential_scope(&self) -> Option<[&str; 5]> {
        let auth = self.header("authorization")?.strip_prefix("AWS4-HMAC-SHA256 ")?;
        let cred = auth.split([',', ' ']).find_map(|p| p.trim().strip_prefix("Credential="))?;
        let mut it = cred.split('/');
        let scope = [it.next()?, it.next()?, it.next()?, it.next()?, it.next()?];
        let ok = it.next().is_none() && scope[4] == "aws4_request" && scope.iter().all(|p| !p.is_empty());
        ok.then_some(scope)
    }
}

/// Temporary credentials returned by a successful `GetRoleCredentials` or
/// `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredentials {
    /// `accessKeyId` (starts with `ASIA`).
    pub access_key_id: String,
    /// `secretAccessKey`.
    pub secret_access_key: String,
    /// `sessionToken`.
    pub session_token: String,
    /// `expiration`, milliseconds since the Unix epoch.
    pub expiration_ms: u64,
}

/// Long-term IAM user access keys made by [`FakeAws::add_static_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// `AKIA` followed by 16 upper-case hex characters.
    pub access_key_id: String,
    /// The secret access key (listed in [`FakeAws::secrets`]).
    pub secret_access_key: String,
}

/// Who may assume a role declared with [`FakeAws::add_role`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    /// Trusted principal ARNs. One matches a caller when it equals the
    /// caller's principal ARN (a role ARN, [`FakeAws::sso_principal`], or
    /// `arn:aws:iam::{acct}:user/{name}`), is `arn:aws:iam::{acct}:root` for
    /// the caller's account, or is `*`.
    pub principals: Vec<String>,
    /// When set, `AssumeRole` must pass exactly this `ExternalId`. When unset,
    /// an `ExternalId` in the request is ignored (as AWS does).
    pub external_id: Option<String>,
    /// The role's maximum session duration (default 3600 s).
    pub max_session_duration: Duration,
}

impl Default for TrustPolicy {
    /// No principals, no external id, a 3600 s maximum session.
    fn default() -> Self {
        TrustPolicy { principals: Vec::new(), external_id: None, max_session_duration: Duration::from_secs(3600) }
    }
}

impl TrustPolicy {
    /// A default policy trusting exactly `principal`.
    pub fn trusting(principal: impl Into<String>) -> Self {
        TrustPolicy { principals: vec![principal.into()], ..TrustPolicy::default() }
    }
}

/// One successful `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRoleRecord {
    /// The `RoleArn` assumed.
    pub role_arn: String,
    /// The `RoleSessionName`.
    pub session_name: String,
    /// The `ExternalId` sent, if any.
    pub external_id: Option<String>,
    /// The granted `DurationSeconds` (3600 when the request had none).
    pub duration_seconds: u64,
    /// The access key id that signed the request.
    pub source_access_key_id: String,
    /// The credentials returned.
    pub credentials: IssuedCredentials,
}

/// A freshly registered client with a valid refresh token and access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededSession {
    /// A valid SSO access token (bearer token for `GetRoleCredentials`).
    pub access_token: String,
    /// A valid refresh token for `CreateToken`.
    pub refresh_token: String,
    /// The registered OIDC client id.
    pub client_id: String,
    /// The registered OIDC client secret.
    pub client_secret: String,
}

#[derive(Default)]
struct State {
    clients: HashMap<String, String>,
    access_tokens: HashSet<String>,
    refresh_tokens: HashSet<String>,
    roles: HashSet<(String, String)>,
    latency: Duration,
    role_session_duration: Duration,
    token_lifetime: Duration,
    refresh_policy: RefreshPolicy,
    /// Seconds added to the `Date` header of every reply (negative: behind).
    clock_offset_secs: i64,
    fail_next: HashMap<Route, VecDeque<(Fault, usize)>>,
    fail_always: HashMap<Route, Fault>,
    calls: HashMap<Route, usize>,
    requests: Vec<RecordedRequest>,
    secrets: Vec<String>,
    issued: Vec<IssuedCredentials>,
    /// Every credential STS accepts, by access key id.
    credentials: HashMap<String, sts::Known>,
    /// Roles that can be assumed, by role ARN.
    iam_roles: HashMap<String, TrustPolicy>,
    /// Stable `AROA…` unique ids, by role ARN.
    role_ids: HashMap<String, String>,
    assumed: Vec<AssumedRoleRecord>,
    /// The device authorization flow and `Logout` (`device.rs`).
    device: device::DeviceState,
    /// The authorization-code flow with PKCE (`pkce.rs`).
    pkce: pkce::PkceState,
    counter: u64,
    keys: RandomState,
}

impl State {
    /// `n` random-looking hex characters, unique per call.
    fn hex(&mut self, n: usize) -> String {
        let mut s = String::with_capacity(n + 16);
        while s.len() < n {
            self.counter += 1;
            let mut h = self.keys.build_hasher();
            h.write_u64(self.counter);
            h.write_u128(now().as_nanos());
            s.push_str(&format!("{:016x}", h.finish()));
        }
        s.truncate(n);
        s
    }

    fn secret(&mut self, prefix: &str, n: usize) -> String {
        let s = format!("{prefix}{}", self.hex(n));
        self.secrets.push(s.clone());
        s
    }

    /// The stable `AROA…` unique id of the role `role_arn`.
    fn role_id(&mut self, role_arn: &str) -> String {
        if let Some(id) = self.role_ids.get(role_arn) {
            return id.clone();
        }
        let id = format!("AROA{}", self.hex(17).to_ascii_uppercase());
        self.role_ids.insert(role_arn.to_string(), id.clone());
        id
    }

    fn take_fault(&mut self, route: Route) -> Option<Fault> {
        if let Some(q) = self.fail_next.get_mut(&route)
            && let Some((fault, left)) = q.front_mut()
        {
            let fault = *fault;
            *left -= 1;
            if *left == 0 {
                q.pop_front();
            }
            return Some(fault);
        }
        self.fail_always.get(&route).copied()
    }
}

/// A running fake server; dropping it stops the server.
pub struct FakeAws {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    shutdown: Arc<AtomicBool>,
    conns: Arc<Mutex<HashMap<u64, TcpStream>>>,
    accept: Option<JoinHandle<()>>,
}

fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeAws {
    /// Binds `127.0.0.1:0` and starts serving on a background thread.
    ///
    /// # Panics
    /// If the loopback socket cannot be bound.
    pub fn start() -> FakeAws {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local_addr");
        let state = Arc::new(Mutex::new(State {
            role_session_duration: Duration::from_secs(3600),
            token_lifetime: Duration::from_secs(28800),
            ..State::default()
        }));
        let shutdown = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<HashMap<u64, TcpStream>>> = Arc::default();
        let (st, sd, cs) = (state.clone(), shutdown.clone(), conns.clone());
        let accept = thread::Builder::new()
            .name("fake-aws-accept".into())
            .spawn(move || {
                let next_id = AtomicU64::new(0);
                for stream in listener.incoming() {
                    if sd.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let id = next_id.fetch_add(1, Ordering::Relaxed);
                    if let Ok(clone) = stream.try_clone() {
                        lock(&cs).insert(id, clone);
                    }
                    let (st, sd, cs) = (st.clone(), sd.clone(), cs.clone());
                    let _ = thread::Builder::new().name("fake-aws-conn".into()).spawn(move || {
                        serve_connection(stream, &st, &sd);
                        lock(&cs).remove(&id);
                    });
                }
            })
            .expect("spawn accept thread");
        FakeAws { addr, state, shutdown, conns, accept: Some(accept) }
    }

    /// Base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound socket address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn st(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    /// Sleep this long before answering each request (default 0).
    pub fn set_latency(&self, latency: Duration) {
        self.st().latency = latency;
    }

    /// Lifetime of issued role credentials (default 3600 s).
    pub fn set_role_session_duration(&self, d: Duration) {
        self.st().role_session_duration = d;
    }

    /// `expiresIn` of access tokens issued by `CreateToken` (default 28800 s).
    pub fn set_token_lifetime(&self, d: Duration) {
        self.st().token_lifetime = d;
    }

    /// Makes every reply's `Date` header lie by `seconds` (positive: ahead of the
    /// real clock, negative: behind), as a server would whose clock is off from
    /// the caller's. Only the header changes: expirations stay on the real clock.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.st().clock_offset_secs = seconds;
    }

    /// Refresh-token policy of `CreateToken` (default [`RefreshPolicy::Rotate`]).
    pub fn set_refresh_policy(&self, policy: RefreshPolicy) {
        self.st().refresh_policy = policy;
    }

    /// Registers a fresh client with a valid refresh token and access token.
    pub fn seed_session(&self) -> SeededSession {
        let mut st = self.st();
        let client_id = format!("cid-{}", st.hex(16));
        let client_secret = st.secret("csecret-", 40);
        let access_token = st.secret("aoa", 64);
        let refresh_token = st.secret("aor", 64);
        st.clients.insert(client_id.clone(), client_secret.clone());
        st.access_tokens.insert(access_token.clone());
        st.refresh_tokens.insert(refresh_token.clone());
        SeededSession { access_token, refresh_token, client_id, client_secret }
    }

    /// Registers (or replaces) an OIDC client.
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        let mut st = self.st();
        st.clients.insert(client_id.into(), client_secret.into());
        st.secrets.push(client_secret.into());
    }

    /// Makes `token` a valid bearer token for `GetRoleCredentials`.
    pub fn add_access_token(&self, token: &str) {
        let mut st = self.st();
        st.access_tokens.insert(token.into());
        st.secrets.push(token.into());
    }

    /// Makes `token` invalid for `GetRoleCredentials`.
    pub fn revoke_access_token(&self, token: &str) {
        self.st().access_tokens.remove(token);
    }

    /// Makes `token` a valid refresh token for `CreateToken`.
    pub fn add_refresh_token(&self, token: &str) {
        let mut st = self.st();
        st.refresh_tokens.insert(token.into());
        st.secrets.push(token.into());
    }

    /// Makes `token` invalid for `CreateToken`.
    pub fn revoke_refresh_token(&self, token: &str) {
        self.st().refresh_tokens.remove(token);
    }

    /// Whether `token` is currently a valid access token.
    pub fn is_access_token_valid(&self, token: &str) -> bool {
        self.st().access_tokens.contains(token)
    }

    /// Whether `token` is currently a valid refresh token.
    pub fn is_refresh_token_valid(&self, token: &str) -> bool {
        self.st().refresh_tokens.contains(token)
    }

    /// Assigns `role_name` in `account_id` (to every valid access token).
    pub fn assign_role(&self, account_id: &str, role_name: &str) {
        self.st().roles.insert((account_id.into(), role_name.into()));
    }

    /// The next `times` calls on `route` get `fault`, then normal behaviour
    /// resumes. Repeated calls queue up; this takes precedence over
    /// [`FakeAws::fail_always`].
    pub fn fail_next(&self, route: Route, fault: Fault, times: usize) {
        if times > 0 {
            self.st().fail_next.entry(route).or_default().push_back((fault, times));
        }
    }

    /// Every call on `route` gets `fault`; `None` clears it.
    pub fn fail_always(&self, route: Route, fault: Option<Fault>) {
        let mut st = self.st();
        match fault {
            Some(f) => st.fail_always.insert(route, f),
            None => st.fail_always.remove(&route),
        };
    }

    /// Number of requests received on `route` (faulted ones included).
    pub fn calls(&self, route: Route) -> usize {
        self.st().calls.get(&route).copied().unwrap_or(0)
    }

    /// Number of requests received, unknown routes included.
    pub fn total_calls(&self) -> usize {
        self.st().requests.len()
    }

    /// All requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.st().requests.clone()
    }

    /// Every secret value issued or seeded (access/refresh/id tokens, client
    /// secrets, secret access keys, session tokens). Excludes client ids and
    /// access key ids.
    pub fn secrets(&self) -> Vec<String> {
        self.st().secrets.clone()
    }

    /// Credentials returned by successful `GetRoleCredentials`, in issue order.
    /// (`AssumeRole` results are in [`FakeAws::assumed_roles`].)
    pub fn issued_credentials(&self) -> Vec<IssuedCredentials> {
        self.st().issued.clone()
    }

    /// The principal ARN of credentials issued by `GetRoleCredentials` for
    /// `role_name` in `account_id`, for use in a [`TrustPolicy`]:
    /// `arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{role_name}_0123456789abcdef`.
    pub fn sso_principal(account_id: &str, role_name: &str) -> String {
        sts::sso_principal(account_id, role_name)
    }

    /// Creates long-term access keys for the IAM user `user_name` in
    /// `account_id` (ARN `arn:aws:iam::{account_id}:user/{user_name}`), valid
    /// for STS. They never expire and have no session token.
    pub fn add_static_keys(&self, account_id: &str, user_name: &str) -> StaticKeys {
        let mut st = self.st();
        let access_key_id = format!("AKIA{}", st.hex(16).to_ascii_uppercase());
        let secret_access_key = st.secret("", 40);
        let arn = format!("arn:aws:iam::{account_id}:user/{user_name}");
        let known = sts::Known {
            secret_access_key: secret_access_key.clone(),
            session_token: None,
            expiration_ms: None,
            expired: false,
            account_id: account_id.to_string(),
            caller_arn: arn.clone(),
            principal_arn: arn,
            user_id: access_key_id.clone(),
            role_session: false,
        };
        st.credentials.insert(access_key_id.clone(), known);
        StaticKeys { access_key_id, secret_access_key }
    }

    /// Marks the credentials with this access key id as expired: STS answers
    /// their next use with 400 `ExpiredToken`. Unknown ids are ignored.
    pub fn expire_credentials(&self, access_key_id: &str) {
        if let Some(c) = self.st().credentials.get_mut(access_key_id) {
            c.expired = true;
        }
    }

    /// Forgets the credentials with this access key id: STS answers their next
    /// use with 403 `InvalidClientTokenId`.
    pub fn revoke_credentials(&self, access_key_id: &str) {
        self.st().credentials.remove(access_key_id);
    }

    /// Declares (or replaces) the role `role_arn`
    /// (`arn:aws:iam::{acct}:role/{path/}{Name}`), assumable by `AssumeRole`
    /// under `policy`.
    ///
    /// # Panics
    /// If `role_arn` is not a role ARN of that shape.
    pub fn add_role(&self, role_arn: &str, policy: TrustPolicy) {
        assert!(sts::parse_role_arn(role_arn).is_some(), "not a role ARN: {role_arn}");
        self.st().iam_roles.insert(role_arn.to_string(), policy);
    }

    /// Every successful `AssumeRole`, in order.
    pub fn assumed_roles(&self) -> Vec<AssumedRoleRecord> {
        self.st().assumed.clone()
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if woke && let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        for (_, s) in lock(&self.conns).drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

// ---------------------------------------------------------------- HTTP layer

struct Request {
    rec: RecordedRequest,
    close: bool,
}

fn read_line(r: &mut impl BufRead) -> Option<String> {
    let mut buf = Vec::new();
    if r.read_until(b'\n', &mut buf).ok()? == 0 {
        return None;
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Some(String::from_utf8_lossy(&buf).into_owned())
}

const MAX_BODY: usize = 16 << 20;

fn read_request(r: &mut BufReader<TcpStream>, w: &mut TcpStream) -> Option<Request> {
    let mut line = read_line(r)?;
    while line.is_empty() {
        line = read_line(r)?;
    }
    let mut parts = line.split_whitespace();
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next().unwrap_or(""));
    let mut headers = Vec::new();
    loop {
        let h = read_line(r)?;
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.to_ascii_lowercase());
    if get("expect").is_some_and(|v| v == "100-continue") {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").ok()?;
    }
    let mut body = Vec::new();
    if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        loop {
            let size_line = read_line(r)?;
            let hex = size_line.split(';').next()?.trim();
            let size = usize::from_str_radix(hex, 16).ok()?;
            if size == 0 {
                while !read_line(r)?.is_empty() {}
                break;
            }
            if body.len() + size > MAX_BODY {
                return None;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).ok()?;
            read_line(r)?;
        }
    } else if let Some(len) = get("content-length") {
        let len: usize = len.parse().ok()?;
        if len > MAX_BODY {
            return None;
        }
        body.resize(len, 0);
        r.read_exact(&mut body).ok()?;
    }
    let close = match get("connection") {
        Some(c) if c.contains("close") => true,
        Some(c) if c.contains("keep-alive") => false,
        _ => version == "HTTP/1.0",
    };
    let (target, via_proxy) = match target.find("://") {
        Some(i) => {
            let rest = &target[i + 3..];
            (rest.find(['/', '?']).map_or("/", |j| &rest[j..]), true)
        }
        None => (target, false),
    };
    let (path, q) = target.split_once('?').unwrap_or((target, ""));
    let path = if path.is_empty() { "/" } else { path };
    // A browser's query (the authorize URL) is form-urlencoded; the SDKs' are
    // percent-encoded, `+` included.
    let decode = if path == "/authorize" { form_decode } else { percent_decode };
    let query = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect();
    let body = String::from_utf8_lossy(&body).into_owned();
    let route = match (method, path) {
        ("GET", "/federation/credentials") => Some(Route::GetRoleCredentials),
        ("POST", "/token") => Some(Route::CreateToken),
        ("POST", "/") => match form_field(&body, "Action").as_deref() {
            Some("AssumeRole") => Some(Route::AssumeRole),
            Some("GetCallerIdentity") => Some(Route::GetCallerIdentity),
            _ => None,
        },
        _ => device::route(method, path).or_else(|| pkce::route(method, path)),
    };
    let rec =
        RecordedRequest { method: method.to_string(), path: path.to_string(), query, headers, body, via_proxy, route };
    Some(Request { rec, close })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `+` is a space, then percent-decoding.
fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// The first field named `name` of a form-urlencoded `body`, decoded.
fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').filter(|p| !p.is_empty()).find_map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (form_decode(k) == name).then(|| form_decode(v))
    })
}

/// RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`) from the system clock,
/// moved by `offset_secs`.
fn http_date(offset_secs: i64) -> String {
    http_date_at(now().as_secs().saturating_add_signed(offset_secs))
}

/// `(year, month 1..=12, day 1..=31)` of a day count since 1970-01-01.
fn civil_from_days(days: u64) -> (i64, i64, i64) {
    // Civil-from-days (Howard Hinnant), valid for dates after 1970.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// ISO 8601 UTC timestamp in whole seconds, `2026-11-23T16:53:37Z`.
fn iso8601_at(secs: u64) -> String {
    let (days, rem) = (secs / 86400, secs % 86400);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

fn http_date_at(secs: u64) -> String {
    let (days, rem) = (secs / 86400, secs % 86400);
    let (year, month, day) = civil_from_days(days);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MO: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WD[(days % 7) as usize],
        MO[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

const JSON: &str = "application/json";
const XML: &str = "text/xml";

enum Reply {
    Full {
        status: u16,
        error_type: Option<&'static str>,
        content_type: &'static str,
        body: String,
    },
    Truncated {
        content_type: &'static str,
        body: String,
    },
    /// `302 Found` to `location`, with an empty body.
    Redirect {
        location: String,
        content_type: &'static str,
    },
}

fn err(status: u16, error_type: &'static str, body: Value) -> Reply {
    Reply::Full { status, error_type: Some(error_type), content_type: JSON, body: body.to_string() }
}

fn ok(body: Value) -> Reply {
    Reply::Full { status: 200, error_type: None, content_type: JSON, body: body.to_string() }
}

fn render(
    status: u16,
    error_type: Option<&str>,
    content_type: &str,
    body: &str,
    request_id: &str,
    clock_offset_secs: i64,
) -> (Vec<u8>, usize) {
    render_with(status, error_type, content_type, body, &[], request_id, clock_offset_secs)
}

/// [`render`] with `extra` headers after the usual ones.
fn render_with(
    status: u16,
    error_type: Option<&str>,
    content_type: &str,
    body: &str,
    extra: &[(&str, &str)],
    request_id: &str,
    clock_offset_secs: i64,
) -> (Vec<u8>, usize) {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nDate: {}\r\nx-amzn-RequestId: {request_id}\r\n",
        body.len(),
        http_date(clock_offset_secs)
    );
    if let Some(t) = error_type {
        head.push_str(&format!("x-amzn-ErrorType: {t}\r\n"));
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let head_len = head.len();
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    (bytes, head_len)
}

fn serve_connection(stream: TcpStream, state: &Mutex<State>, shutdown: &AtomicBool) {
    let Ok(mut w) = stream.try_clone() else {
        return;
    };
    let mut r = BufReader::new(stream);
    while !shutdown.load(Ordering::SeqCst) {
        let Some(req) = read_request(&mut r, &mut w) else {
            return;
        };
        let (fault, latency, request_id, clock_offset) = {
            let mut st = lock(state);
            let fault = req.rec.route.and_then(|route| {
                *st.calls.entry(route).or_default() += 1;
                st.take_fault(route)
            });
            st.requests.push(req.rec.clone());
            let h = st.hex(32);
            let id = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
            (fault, st.latency, id, st.clock_offset_secs)
        };
        if fault == Some(Fault::Hang) {
            while !shutdown.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(10));
            }
            return;
        }
        if !latency.is_zero() {
            thread::sleep(latency);
        }
        let reply = respond(&mut lock(state), &req.rec, fault, &request_id);
        let sent = match reply {
            Reply::Full { status, error_type, content_type, body } => {
                w.write_all(&render(status, error_type, content_type, &body, &request_id, clock_offset).0)
            }
            Reply::Redirect { location, content_type } => {
                let extra = [("Location", location.as_str())];
                w.write_all(&render_with(302, None, content_type, "", &extra, &request_id, clock_offset).0)
            }
            Reply::Truncated { content_type, body } => {
                let (bytes, head_len) = render(200, None, content_type, &body, &request_id, clock_offset);
                let _ = w.write_all(&bytes[..head_len + body.len() / 2]);
                let _ = w.flush();
                let _ = w.shutdown(Shutdown::Both);
                return;
            }
        };
        if sent.and_then(|()| w.flush()).is_err() || req.close {
            let _ = w.shutdown(Shutdown::Both);
            return;
        }
    }
}

// -------------------------------------------------------------- operations

fn respond(st: &mut State, req: &RecordedRequest, fault: Option<Fault>, request_id: &str) -> Reply {
    let Some(route) = req.route else {
        if req.method == "POST" && req.path == "/" {
            return sts::invalid_action(req, request_id);
        }
        return err(404, "UnknownOperationException", json!({"message": "unknown route"}));
    };
    let sso = match route {
        Route::AssumeRole | Route::GetCallerIdentity => return sts::respond(st, req, route, fault, request_id),
        Route::GetRoleCredentials | Route::Logout => true,
        Route::CreateToken | Route::RegisterClient | Route::StartDeviceAuthorization | Route::Authorize => false,
    };
    match fault {
        // `Hang` is handled by the connection loop before we get here.
        None | Some(Fault::Hang) => {}
        Some(Fault::Throttled) => {
            return err(429, "TooManyRequestsException", json!({"message": "Rate exceeded"}));
        }
        Some(Fault::Internal | Fault::RegionDisabled) if sso => {
            return err(500, "InternalServerException", json!({"message": "Internal error"}));
        }
        Some(Fault::Internal | Fault::RegionDisabled) => {
            let body = json!({"error": "server_error", "error_description": "Internal error"});
            return err(500, "InternalServerException", body);
        }
        Some(Fault::Unauthorized | Fault::ExpiredToken) if sso => return unauthorized_sso(),
        Some(Fault::Unauthorized | Fault::ExpiredToken) if route == Route::Authorize => {
            return pkce::invalid_client_page();
        }
        Some(Fault::Unauthorized | Fault::ExpiredToken) => return invalid_client(),
        Some(Fault::GarbageBody) => {
            let body = "this is not json <<<".into();
            return Reply::Full { status: 200, error_type: None, content_type: JSON, body };
        }
        Some(Fault::TruncatedBody) if route == Route::Authorize => {
            return Reply::Truncated { content_type: "text/html; charset=utf-8", body: pkce::sample_body() };
        }
        Some(Fault::TruncatedBody)
            if matches!(route, Route::RegisterClient | Route::StartDeviceAuthorization | Route::Logout) =>
        {
            return Reply::Truncated { content_type: JSON, body: device::sample_body(st, route) };
        }
        Some(Fault::TruncatedBody) if sso => {
            let creds = new_credentials(st);
            return Reply::Truncated { content_type: JSON, body: credentials_body(&creds).to_string() };
        }
        Some(Fault::TruncatedBody) => {
            let body = json!({
                "accessToken": st.secret("aoa", 64),
                "tokenType": "Bearer",
                "expiresIn": st.token_lifetime.as_secs(),
                "refreshToken": st.secret("aor", 64),
                "idToken": st.secret("eyJ", 96),
            });
            return Reply::Truncated { content_type: JSON, body: body.to_string() };
        }
    }
    match route {
        Route::GetRoleCredentials => get_role_credentials(st, req),
        Route::CreateToken => create_token(st, req),
        Route::Authorize => pkce::authorize(st, req),
        _ => device::respond(st, req, route),
    }
}

fn unauthorized_sso() -> Reply {
    let body = json!({"message": "Session token not found or invalid"});
    err(401, "UnauthorizedException", body)
}

fn invalid_client() -> Reply {
    let body = json!({"error": "invalid_client", "error_description": "Invalid client provided"});
    err(401, "InvalidClientException", body)
}

/// Fresh SSO role credentials, valid for the configured role session duration.
fn new_credentials(st: &mut State) -> IssuedCredentials {
    let lifetime = st.role_session_duration;
    mint_credentials(st, lifetime)
}

/// Fresh temporary credentials valid for `lifetime`; the secret access key and
/// session token are added to the secrets.
fn mint_credentials(st: &mut State, lifetime: Duration) -> IssuedCredentials {
    let access_key_id = format!("ASIA{}", st.hex(16).to_ascii_uppercase());
    let expiration = now() + lifetime;
    IssuedCredentials {
        access_key_id,
        secret_access_key: st.secret("", 40),
        session_token: st.secret("IQoJb3JpZ2luX2Vj", 128),
        expiration_ms: expiration.as_millis() as u64,
    }
}

fn credentials_body(c: &IssuedCredentials) -> Value {
    json!({"roleCredentials": {
        "accessKeyId": c.access_key_id,
        "secretAccessKey": c.secret_access_key,
        "sessionToken": c.session_token,
        "expiration": c.expiration_ms,
    }})
}

fn get_role_credentials(st: &mut State, req: &RecordedRequest) -> Reply {
    let token = req.header("x-amz-sso_bearer_token").unwrap_or("");
    if !st.access_tokens.contains(token) {
        return unauthorized_sso();
    }
    let param = |n: &str| req.query.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let key = (param("account_id").unwrap_or_default(), param("role_name").unwrap_or_default());
    if !st.roles.contains(&key) {
        return err(403, "ForbiddenException", json!({"message": "No access"}));
    }
    let creds = new_credentials(st);
    st.issued.push(creds.clone());
    sts::register_sso(st, &creds, &key.0, &key.1);
    ok(credentials_body(&creds))
}

fn create_token(st: &mut State, req: &RecordedRequest) -> Reply {
    let Ok(body) = serde_json::from_str::<Value>(&req.body) else {
        let body = json!({"error": "invalid_request", "error_description": "Malformed body"});
        return err(400, "InvalidRequestException", body);
    };
    let field = |n: &str| body.get(n).and_then(Value::as_str).unwrap_or("");
    if st.clients.get(field("clientId")).is_none_or(|s| s != field("clientSecret")) {
        return invalid_client();
    }
    match field("grantType") {
        DEVICE_CODE_GRANT => return device::create_token(st, field("clientId"), &body),
        AUTHORIZATION_CODE_GRANT => return pkce::create_token(st, field("clientId"), &body),
        _ => {}
    }
    if field("grantType") != "refresh_token" {
        return err(400, "UnsupportedGrantTypeException", json!({"error": "unsupported_grant_type"}));
    }
    let old = field("refreshToken");
    if !st.refresh_tokens.contains(old) {
        let body = json!({"error": "invalid_grant", "error_description": "Invalid refresh token provided"});
        return err(400, "InvalidGrantException", body);
    }
    let access = st.secret("aoa", 64);
    st.access_tokens.insert(access.clone());
    let mut out = json!({
        "accessToken": access,
        "tokenType": "Bearer",
        "expiresIn": st.token_lifetime.as_secs(),
    });
    match st.refresh_policy {
        RefreshPolicy::Rotate => {
            st.refresh_tokens.remove(old);
            let new = st.secret("aor", 64);
            st.refresh_tokens.insert(new.clone());
            out["refreshToken"] = json!(new);
        }
        RefreshPolicy::Keep => out["refreshToken"] = json!(old),
        RefreshPolicy::Omit => {}
    }
    out["idToken"] = json!(st.secret("eyJ", 96));
    ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    struct Client {
        r: BufReader<TcpStream>,
        w: TcpStream,
    }

    struct Resp {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    }

    impl Resp {
        fn header(&self, n: &str) -> Option<&str> {
            self.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str())
        }
        fn json(&self) -> Value {
            serde_json::from_str(&self.body).expect("json body")
        }
    }

    impl Client {
        fn new(fake: &FakeAws) -> Client {
            let s = TcpStream::connect(fake.addr()).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            Client { w: s.try_clone().unwrap(), r: BufReader::new(s) }
        }

        fn raw(&mut self, req: &str) -> Resp {
            self.w.write_all(req.as_bytes()).unwrap();
            let status_line = read_line(&mut self.r).expect("status line");
            let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
            let mut headers = Vec::new();
            loop {
                let h = read_line(&mut self.r).unwrap();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
            let mut resp = Resp { status, headers, body: String::new() };
            let len: usize = resp.header("content-length").unwrap().parse().unwrap();
            let mut body = vec![0; len];
            self.r.read_exact(&mut body).unwrap();
            resp.body = String::from_utf8(body).unwrap();
            resp
        }

        fn grc(&mut self, token: &str, account: &str, role: &str) -> Resp {
            self.raw(&format!(
                "GET /federation/credentials?role_name={role}&account_id={account} HTTP/1.1\r\n\
                 Host: x\r\nx-amz-sso_bearer_token: {token}\r\n\r\n"
            ))
        }

        fn token(&mut self, s: &SeededSession, refresh: &str) -> Resp {
            let body = json!({"clientId": s.client_id, "clientSecret": s.client_secret,
                "grantType": "refresh_token", "refreshToken": refresh})
            .to_string();
            self.raw(&format!(
                "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            ))
        }
    }

    #[test]
    fn get_role_credentials_200_401_403_on_one_connection() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.assign_role("111122223333", "Admin+Ops");
        let mut c = Client::new(&fake);
        let r = c.grc(&s.access_token, "111122223333", "Admin%2BOps");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert!(r.header("date").unwrap().ends_with(" GMT"));
        assert!(r.header("x-amzn-requestid").is_some());
        let rc = &r.json()["roleCredentials"];
        let issued = fake.issued_credentials();
        assert_eq!(issued.len(), 1);
        assert_eq!(rc["accessKeyId"], issued[0].access_key_id.as_str());
        assert!(issued[0].access_key_id.starts_with("ASIA"));
        assert_eq!(rc["expiration"].as_u64(), Some(issued[0].expiration_ms));
        let in_an_hour = (now() + Duration::from_secs(3600)).as_millis() as u64;
        assert!(issued[0].expiration_ms.abs_diff(in_an_hour) < 60_000);
        assert!(fake.secrets().contains(&issued[0].secret_access_key));
        assert!(fake.secrets().contains(&issued[0].session_token));
        assert!(!fake.secrets().contains(&issued[0].access_key_id));

        let r2 = c.grc(&s.access_token, "111122223333", "Admin%2BOps");
        assert_eq!(r2.status, 200);
        assert_ne!(r2.json()["roleCredentials"]["secretAccessKey"], rc["secretAccessKey"]);

        let r = c.grc("bogus", "111122223333", "Admin%2BOps");
        assert_eq!(r.status, 401);
        assert_eq!(r.header("x-amzn-errortype"), Some("UnauthorizedException"));
        assert_eq!(r.json(), json!({"message": "Session token not found or invalid"}));

        let r = c.grc(&s.access_token, "111122223333", "Other");
        assert_eq!(r.status, 403);
        assert_eq!(r.header("x-amzn-errortype"), Some("ForbiddenException"));
        assert_eq!(r.json(), json!({"message": "No access"}));

        assert_eq!(fake.calls(Route::GetRoleCredentials), 4);
        let reqs = fake.requests();
        assert_eq!(reqs[0].path, "/federation/credentials");
        assert_eq!(reqs[0].query[0], ("role_name".into(), "Admin+Ops".into()));
        assert_eq!(reqs[0].header("X-Amz-Sso_Bearer_Token"), Some(s.access_token.as_str()));
        assert!(!reqs[0].via_proxy);
    }

    #[test]
    fn create_token_rotate_then_invalid_grant() {
        let fake = FakeAws::start();
        fake.assign_role("1", "R");
        let s = fake.seed_session();
        let mut c = Client::new(&fake);
        let r = c.token(&s, &s.refresh_token);
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["tokenType"], "Bearer");
        assert_eq!(j["expiresIn"].as_u64(), Some(28800));
        let new_rt = j["refreshToken"].as_str().unwrap();
        assert_ne!(new_rt, s.refresh_token);
        assert!(fake.is_refresh_token_valid(new_rt));
        assert!(!fake.is_refresh_token_valid(&s.refresh_token));
        let at = j["accessToken"].as_str().unwrap();
        assert!(fake.secrets().iter().any(|x| x == at));
        assert_eq!(c.grc(at, "1", "R").status, 200);

        let r = c.token(&s, &s.refresh_token);
        assert_eq!(r.status, 400);
        assert_eq!(r.header("x-amzn-errortype"), Some("InvalidGrantException"));
        assert_eq!(r.json()["error"], "invalid_grant");

        let bad = SeededSession { client_secret: "nope".into(), ..s.clone() };
        let r = c.token(&bad, new_rt);
        assert_eq!(r.status, 401);
        assert_eq!(r.header("x-amzn-errortype"), Some("InvalidClientException"));
        assert_eq!(r.json()["error"], "invalid_client");
        assert_eq!(fake.calls(Route::CreateToken), 3);
    }

    #[test]
    fn create_token_keep_and_omit() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        let mut c = Client::new(&fake);
        fake.set_refresh_policy(RefreshPolicy::Keep);
        fake.set_token_lifetime(Duration::from_secs(60));
        let j = c.token(&s, &s.refresh_token).json();
        assert_eq!(j["refreshToken"], s.refresh_token.as_str());
        assert_eq!(j["expiresIn"].as_u64(), Some(60));
        fake.set_refresh_policy(RefreshPolicy::Omit);
        let r = c.token(&s, &s.refresh_token);
        assert_eq!(r.status, 200);
        assert!(r.json().get("refreshToken").is_none());
        assert!(fake.is_refresh_token_valid(&s.refresh_token));
        assert_eq!(c.token(&s, &s.refresh_token).status, 200);
    }

    #[test]
    fn fail_next_throttled_then_success() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.assign_role("1", "R");
        fake.fail_next(Route::GetRoleCredentials, Fault::Throttled, 1);
        let mut c = Client::new(&fake);
        let r = c.grc(&s.access_token, "1", "R");
        assert_eq!(r.status, 429);
        assert_eq!(r.header("x-amzn-errortype"), Some("TooManyRequestsException"));
        assert_eq!(r.json(), json!({"message": "Rate exceeded"}));
        assert_eq!(c.grc(&s.access_token, "1", "R").status, 200);
        assert_eq!(fake.calls(Route::GetRoleCredentials), 2);

        fake.fail_always(Route::CreateToken, Some(Fault::Internal));
        for _ in 0..2 {
            let r = c.token(&s, &s.refresh_token);
            assert_eq!(r.status, 500);
            assert_eq!(r.json()["error"], "server_error");
        }
        fake.fail_always(Route::CreateToken, None);
        fake.fail_next(Route::CreateToken, Fault::GarbageBody, 1);
        assert_eq!(c.token(&s, &s.refresh_token).body, "this is not json <<<");
        assert_eq!(c.token(&s, &s.refresh_token).status, 200);
    }

    #[test]
    fn absolute_form_unknown_route_and_chunked_body() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.assign_role("1", "R");
        let mut c = Client::new(&fake);
        let r = c.raw(&format!(
            "GET http://portal.sso.us-east-1.amazonaws.com/federation/credentials?role_name=R&account_id=1 HTTP/1.1\r\n\
             Host: portal.sso.us-east-1.amazonaws.com\r\nx-amz-sso_bearer_token: {}\r\n\r\n",
            s.access_token
        ));
        assert_eq!(r.status, 200);
        let r = c.raw("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.status, 404);
        assert_eq!(r.header("x-amzn-errortype"), Some("UnknownOperationException"));
        let body = json!({"clientId": s.client_id, "clientSecret": s.client_secret,
            "grantType": "client_credentials"})
        .to_string();
        let (a, b) = body.split_at(10);
        let r = c.raw(&format!(
            "POST /token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        ));
        assert_eq!(r.status, 400);
        assert_eq!(r.json(), json!({"error": "unsupported_grant_type"}));
        let reqs = fake.requests();
        assert!(reqs[0].via_proxy);
        assert_eq!(reqs[0].path, "/federation/credentials");
        assert_eq!(reqs[0].route, Some(Route::GetRoleCredentials));
        assert_eq!(reqs[1].route, None);
        assert_eq!(reqs[2].body, body);
        assert_eq!(fake.total_calls(), 3);
    }

    #[test]
    fn truncated_body_closes_connection() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.fail_next(Route::GetRoleCredentials, Fault::TruncatedBody, 1);
        let mut c = Client::new(&fake);
        let req = format!(
            "GET /federation/credentials?role_name=R&account_id=1 HTTP/1.1\r\n\
             x-amz-sso_bearer_token: {}\r\n\r\n",
            s.access_token
        );
        c.w.write_all(req.as_bytes()).unwrap();
        let mut all = String::new();
        c.r.read_to_string(&mut all).unwrap();
        let (head, body) = all.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"));
        let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
        assert_eq!(body.len(), len / 2);
        assert!(fake.issued_credentials().is_empty());
    }

    #[test]
    fn drop_does_not_hang_with_hang_fault() {
        let fake = FakeAws::start();
        fake.fail_always(Route::CreateToken, Some(Fault::Hang));
        let mut c = Client::new(&fake);
        c.w.write_all(b"POST /token HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while fake.calls(Route::CreateToken) == 0 {
            assert!(Instant::now() < deadline);
            thread::sleep(Duration::from_millis(5));
        }
        let idle = Client::new(&fake);
        // A hang guard, not a speed claim: the drop must return at all.
        let (done, dropped) = std::sync::mpsc::channel();
        thread::spawn(move || {
            drop(fake);
            let _ = done.send(());
        });
        dropped.recv_timeout(Duration::from_secs(60)).expect("dropping the fake returned");
        let mut rest = Vec::new();
        assert!(matches!(c.r.read_to_end(&mut rest), Ok(0)));
        drop(idle);
    }

    #[test]
    fn concurrent_connections_and_date_format() {
        let fake = Arc::new(FakeAws::start());
        let s = fake.seed_session();
        fake.assign_role("1", "R");
        fake.set_latency(Duration::from_millis(20));
        let handles: Vec<_> = (0..64)
            .map(|_| {
                let (fake, tok) = (fake.clone(), s.access_token.clone());
                thread::spawn(move || Client::new(&fake).grc(&tok, "1", "R").status)
            })
            .collect();
        assert!(handles.into_iter().all(|h| h.join().unwrap() == 200));
        let keys: HashSet<_> = fake.issued_credentials().into_iter().map(|c| c.access_key_id).collect();
        assert_eq!(keys.len(), 64);
        assert_eq!(http_date_at(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date_at(1_709_164_800), "Thu, 29 Feb 2024 00:00:00 GMT");
        assert_eq!(http_date(0).len(), 29);
        assert_eq!(iso8601_at(784_111_777), "1994-11-06T08:49:37Z");
        assert_eq!(iso8601_at(1_709_164_800), "2024-02-29T00:00:00Z");
    }

    #[test]
    fn a_clock_offset_moves_only_the_date_header() {
        let fake = FakeAws::start();
        let s = fake.seed_session();
        fake.assign_role("1", "R");
        fake.set_clock_offset(600);
        let r = Client::new(&fake).grc(&s.access_token, "1", "R");
        let expected = [-1, 0, 1].map(|d| http_date_at((now().as_secs() as i64 + 600 + d) as u64));
        assert!(expected.iter().any(|e| r.header("date") == Some(e.as_str())), "{:?}", r.header("date"));
        let in_an_hour = (now() + Duration::from_secs(3600)).as_millis() as u64;
        assert!(fake.issued_credentials()[0].expiration_ms.abs_diff(in_an_hour) < 60_000);
    }

    // ------------------------------------------------------------------ STS

    const ACCT: &str = "111111111111";
    const ADMIN: &str = "arn:aws:iam::222222222222:role/Admin";

    /// The text of the first `<tag>` element in `body`.
    fn tag<'a>(body: &'a str, tag: &str) -> Option<&'a str> {
        let start = body.find(&format!("<{tag}>"))? + tag.len() + 2;
        let len = body[start..].find(&format!("</{tag}>"))?;
        Some(&body[start..start + len])
    }

    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Credentials for `role` in ACCT, obtained through `GetRoleCredentials`.
    fn sso_creds(fake: &FakeAws, role: &str) -> IssuedCredentials {
        let s = fake.seed_session();
        fake.assign_role(ACCT, role);
        assert_eq!(Client::new(fake).grc(&s.access_token, ACCT, role).status, 200);
        fake.issued_credentials().pop().unwrap()
    }

    /// The credentials of a successful `AssumeRole` reply.
    fn creds_of(r: &Resp) -> IssuedCredentials {
        assert_eq!(r.status, 200, "{}", r.body);
        IssuedCredentials {
            access_key_id: tag(&r.body, "AccessKeyId").unwrap().into(),
            secret_access_key: tag(&r.body, "SecretAccessKey").unwrap().into(),
            session_token: tag(&r.body, "SessionToken").unwrap().into(),
            expiration_ms: 0,
        }
    }

    impl Client {
        /// An STS call signed (in shape only) with `akid`.
        fn sts(&mut self, akid: &str, token: Option<&str>, form: &str) -> Resp {
            let token = token.map(|t| format!("X-Amz-Security-Token: {t}\r\n")).unwrap_or_default();
            self.raw(&format!(
                "POST / HTTP/1.1\r\nHost: sts.eu-west-1.amazonaws.com\r\n\
                 Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
                 Authorization: AWS4-HMAC-SHA256 Credential={akid}/20261123/eu-west-1/sts/aws4_request, \
                 SignedHeaders=host, Signature=00\r\n{token}Content-Length: {}\r\n\r\n{form}",
                form.len()
            ))
        }

        fn assume(&mut self, c: &IssuedCredentials, role_arn: &str, extra: &str) -> Resp {
            let form =
                format!("Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=me{extra}", enc(role_arn));
            self.sts(&c.access_key_id, Some(&c.session_token), &form)
        }

        fn whoami(&mut self, akid: &str, token: Option<&str>) -> Resp {
            self.sts(akid, token, "Action=GetCallerIdentity&Version=2011-06-15")
        }
    }

    fn assert_sts_error(r: &Resp, status: u16, code: &str) {
        assert_eq!(r.status, status, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("text/xml"));
        assert_eq!(tag(&r.body, "Code"), Some(code), "{}", r.body);
        let kind = if status >= 500 { "Receiver" } else { "Sender" };
        assert_eq!(tag(&r.body, "Type"), Some(kind));
        assert_eq!(tag(&r.body, "RequestId"), r.header("x-amzn-requestid"));
        assert!(r.body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"));
    }

    #[test]
    fn assume_role_from_sso_credentials() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        fake.add_role(ADMIN, TrustPolicy::trusting(FakeAws::sso_principal(ACCT, "Admin")));
        let mut c = Client::new(&fake);
        let r = c.assume(&sso, ADMIN, "&DurationSeconds=3600&ExternalId=ignored");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("text/xml"));
        let b = &r.body;
        assert!(b.starts_with("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"));
        assert!(b.contains("<AssumeRoleResult>\n    <AssumedRoleUser>\n      <AssumedRoleId>"));
        assert!(!b.contains("PackedPolicySize"));
        assert_eq!(tag(b, "Arn"), Some("arn:aws:sts::222222222222:assumed-role/Admin/me"));
        let role_id = tag(b, "AssumedRoleId").unwrap();
        let (aroa, session) = role_id.split_once(':').unwrap();
        assert_eq!(session, "me");
        assert!(aroa.starts_with("AROA") && aroa.len() == 21, "{aroa}");
        assert!(aroa[4..].bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(tag(b, "RequestId"), r.header("x-amzn-requestid"));

        let rec = fake.assumed_roles();
        assert_eq!(rec.len(), 1);
        let (rec, got) = (&rec[0], creds_of(&r));
        assert_eq!(rec.role_arn, ADMIN);
        assert_eq!(rec.session_name, "me");
        assert_eq!(rec.external_id.as_deref(), Some("ignored"));
        assert_eq!(rec.duration_seconds, 3600);
        assert_eq!(rec.source_access_key_id, sso.access_key_id);
        assert_eq!(rec.credentials, IssuedCredentials { expiration_ms: rec.credentials.expiration_ms, ..got.clone() });
        assert!(got.access_key_id.starts_with("ASIA") && got.access_key_id.len() == 20);
        assert_eq!(got.secret_access_key.len(), 40);
        assert!(got.session_token.len() > 100);
        assert!(fake.secrets().contains(&got.secret_access_key));
        assert!(fake.secrets().contains(&got.session_token));
        let in_an_hour = (now() + Duration::from_secs(3600)).as_millis() as u64;
        assert!(rec.credentials.expiration_ms.abs_diff(in_an_hour) < 60_000);
        assert_eq!(tag(b, "Expiration"), Some(iso8601_at(rec.credentials.expiration_ms / 1000).as_str()));

        let req = fake.requests().pop().unwrap();
        assert_eq!(req.route, Some(Route::AssumeRole));
        assert_eq!(req.form("RoleArn").as_deref(), Some(ADMIN));
        assert_eq!(req.signing_region(), Some("eu-west-1"));
        assert_eq!(req.signing_access_key_id(), Some(sso.access_key_id.as_str()));
        assert_eq!(fake.calls(Route::AssumeRole), 1);
        assert!(fake.issued_credentials().len() == 1, "AssumeRole is not listed with GetRoleCredentials");
    }

    #[test]
    fn assume_role_access_denied_and_external_id() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Dev");
        let mut c = Client::new(&fake);
        let denied = |r: &Resp, role: &str| {
            assert_sts_error(r, 403, "AccessDenied");
            let who = format!("arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_Dev_0123456789abcdef/fake-user");
            let msg = format!("User: {who} is not authorized to perform: sts:AssumeRole on resource: {role}");
            assert_eq!(tag(&r.body, "Message"), Some(msg.as_str()));
        };
        denied(&c.assume(&sso, ADMIN, ""), ADMIN);
        fake.add_role(ADMIN, TrustPolicy::trusting(FakeAws::sso_principal(ACCT, "Admin")));
        denied(&c.assume(&sso, ADMIN, ""), ADMIN);

        let ext = "arn:aws:iam::222222222222:role/team/Ext";
        let policy = TrustPolicy {
            external_id: Some("s3cr&t".into()),
            ..TrustPolicy::trusting(format!("arn:aws:iam::{ACCT}:root"))
        };
        fake.add_role(ext, policy);
        denied(&c.assume(&sso, ext, ""), ext);
        denied(&c.assume(&sso, ext, "&ExternalId=other"), ext);
        let r = c.assume(&sso, ext, "&ExternalId=s3cr%26t");
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(tag(&r.body, "Arn"), Some("arn:aws:sts::222222222222:assumed-role/Ext/me"));
        fake.add_role(ADMIN, TrustPolicy::trusting("*"));
        assert_eq!(c.assume(&sso, ADMIN, "").status, 200);
        assert_eq!(fake.assumed_roles().len(), 2);
    }

    #[test]
    fn assume_role_validation_errors() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        let user = fake.add_static_keys(ACCT, "alice");
        let policy = TrustPolicy { max_session_duration: Duration::from_secs(7200), ..TrustPolicy::trusting("*") };
        fake.add_role(ADMIN, policy);
        let mut c = Client::new(&fake);

        let r = c.assume(&sso, ADMIN, "&DurationSeconds=3601");
        assert_sts_error(&r, 400, "ValidationError");
        assert_eq!(
            tag(&r.body, "Message"),
            Some("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
        );
        let u = IssuedCredentials {
            access_key_id: user.access_key_id.clone(),
            secret_access_key: user.secret_access_key.clone(),
            session_token: String::new(),
            expiration_ms: 0,
        };
        let r = c.sts(
            &u.access_key_id,
            None,
            &format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me&DurationSeconds=7201", enc(ADMIN)),
        );
        assert_sts_error(&r, 400, "ValidationError");
        assert_eq!(
            tag(&r.body, "Message"),
            Some("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        );
        let r = c.sts(
            &u.access_key_id,
            None,
            &format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me&DurationSeconds=7200", enc(ADMIN)),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(fake.assumed_roles()[0].duration_seconds, 7200);
        let in_two_hours = (now() + Duration::from_secs(7200)).as_millis() as u64;
        assert!(fake.assumed_roles()[0].credentials.expiration_ms.abs_diff(in_two_hours) < 60_000);

        for form in [
            "Action=AssumeRole&RoleSessionName=me".to_string(),
            format!("Action=AssumeRole&RoleArn={}", enc(ADMIN)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName=a", enc(ADMIN)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName=bad+name", enc(ADMIN)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName={}", enc(ADMIN), "x".repeat(65)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me&DurationSeconds=899", enc(ADMIN)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me&DurationSeconds=43201", enc(ADMIN)),
            format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me&DurationSeconds=1h", enc(ADMIN)),
        ] {
            let r = c.sts(&sso.access_key_id, Some(&sso.session_token), &form);
            assert_sts_error(&r, 400, "ValidationError");
            assert!(tag(&r.body, "Message").unwrap().starts_with("1 validation error detected: Value "), "{}", r.body);
        }
        let r = c.sts(&sso.access_key_id, Some(&sso.session_token), "Action=AssumeRole");
        assert_eq!(
            tag(&r.body, "Message"),
            Some(
                "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not \
                 be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null"
            )
        );
        let r = c.sts(
            &sso.access_key_id,
            Some(&sso.session_token),
            &format!("Action=AssumeRole&RoleArn={}&RoleSessionName=a%26b", enc(ADMIN)),
        );
        assert_eq!(
            tag(&r.body, "Message"),
            Some(
                "1 validation error detected: Value 'a&amp;b' at 'roleSessionName' failed to satisfy constraint: \
                 Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            )
        );
        let r = c.sts(
            &sso.access_key_id,
            Some(&sso.session_token),
            &format!("Action=AssumeRole&RoleArn={}&RoleSessionName=a.b%40c%2Cd%3De%2Bf_-", enc(ADMIN)),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(fake.assumed_roles()[1].session_name, "a.b@c,d=e+f_-");
    }

    #[test]
    fn sts_authentication() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        fake.add_role(ADMIN, TrustPolicy::trusting("*"));
        let mut c = Client::new(&fake);
        let invalid = |r: &Resp| {
            assert_sts_error(r, 403, "InvalidClientTokenId");
            assert_eq!(tag(&r.body, "Message"), Some("The security token included in the request is invalid."));
        };
        invalid(&c.whoami("ASIAUNKNOWN000000000", Some(&sso.session_token)));
        invalid(&c.whoami(&sso.access_key_id, None));
        invalid(&c.whoami(&sso.access_key_id, Some("wrong")));
        invalid(
            &c.raw("POST / HTTP/1.1\r\nAuthorization: Bearer x\r\nContent-Length: 24\r\n\r\nAction=GetCallerIdentity"),
        );
        invalid(&c.raw("POST / HTTP/1.1\r\nContent-Length: 24\r\n\r\nAction=GetCallerIdentity"));
        invalid(&c.assume(&IssuedCredentials { session_token: "wrong".into(), ..sso.clone() }, ADMIN, ""));
        assert_eq!(c.whoami(&sso.access_key_id, Some(&sso.session_token)).status, 200);

        fake.expire_credentials(&sso.access_key_id);
        let r = c.assume(&sso, ADMIN, "");
        assert_sts_error(&r, 400, "ExpiredToken");
        assert_eq!(tag(&r.body, "Message"), Some("The security token included in the request is expired"));
        fake.revoke_credentials(&sso.access_key_id);
        invalid(&c.whoami(&sso.access_key_id, Some(&sso.session_token)));

        fake.set_role_session_duration(Duration::ZERO);
        let short = sso_creds(&fake, "Admin");
        assert_sts_error(&c.whoami(&short.access_key_id, Some(&short.session_token)), 400, "ExpiredToken");
        assert!(fake.assumed_roles().is_empty());
        assert_eq!(fake.calls(Route::GetCallerIdentity), 8);
    }

    #[test]
    fn two_hop_chain_and_caller_identity() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        let hop1 = "arn:aws:iam::222222222222:role/path/to/Hop1";
        let hop2 = "arn:aws:iam::333333333333:role/Hop2";
        fake.add_role(hop1, TrustPolicy::trusting(FakeAws::sso_principal(ACCT, "Admin")));
        fake.add_role(hop2, TrustPolicy::trusting(hop1));
        let mut c = Client::new(&fake);
        assert_sts_error(&c.assume(&sso, hop2, ""), 403, "AccessDenied");
        let first = creds_of(&c.assume(&sso, hop1, ""));
        let r = c.assume(&first, hop2, "&DurationSeconds=900");
        let second = creds_of(&r);
        assert_eq!(tag(&r.body, "Arn"), Some("arn:aws:sts::333333333333:assumed-role/Hop2/me"));
        let rec = fake.assumed_roles();
        assert_eq!(rec[1].source_access_key_id, first.access_key_id);
        assert_eq!(rec[1].duration_seconds, 900);

        let r = c.whoami(&sso.access_key_id, Some(&sso.session_token));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.header("content-type"), Some("text/xml"));
        assert!(r.body.starts_with("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"));
        assert_eq!(
            tag(&r.body, "Arn"),
            Some("arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/fake-user")
        );
        assert!(tag(&r.body, "UserId").unwrap().starts_with("AROA"));
        assert!(tag(&r.body, "UserId").unwrap().ends_with(":fake-user"));
        assert_eq!(tag(&r.body, "Account"), Some(ACCT));
        assert_eq!(tag(&r.body, "RequestId"), r.header("x-amzn-requestid"));

        let hop1_id = tag(&c.assume(&sso, hop1, "").body, "AssumedRoleId").unwrap().to_string();
        let r = c.whoami(&first.access_key_id, Some(&first.session_token));
        assert_eq!(tag(&r.body, "Arn"), Some("arn:aws:sts::222222222222:assumed-role/Hop1/me"));
        assert_eq!(tag(&r.body, "UserId"), Some(hop1_id.as_str()), "role ids are stable per role");
        assert_eq!(tag(&r.body, "Account"), Some("222222222222"));
        let r = c.whoami(&second.access_key_id, Some(&second.session_token));
        assert_eq!(tag(&r.body, "Arn"), Some("arn:aws:sts::333333333333:assumed-role/Hop2/me"));

        let keys = fake.add_static_keys("444444444444", "alice");
        assert!(keys.access_key_id.starts_with("AKIA") && keys.access_key_id.len() == 20);
        assert!(keys.access_key_id[4..].bytes().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert!(fake.secrets().contains(&keys.secret_access_key));
        let r = c.whoami(&keys.access_key_id, None);
        assert_eq!(tag(&r.body, "Arn"), Some("arn:aws:iam::444444444444:user/alice"));
        assert_eq!(tag(&r.body, "UserId"), Some(keys.access_key_id.as_str()));
        assert_eq!(tag(&r.body, "Account"), Some("444444444444"));
        assert_eq!(fake.calls(Route::GetCallerIdentity), 4);
    }

    #[test]
    fn sts_faults() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        fake.add_role(ADMIN, TrustPolicy::trusting("*"));
        let mut c = Client::new(&fake);
        fake.fail_next(Route::AssumeRole, Fault::Throttled, 1);
        fake.fail_next(Route::AssumeRole, Fault::RegionDisabled, 1);
        fake.fail_next(Route::AssumeRole, Fault::Internal, 1);
        fake.fail_next(Route::AssumeRole, Fault::ExpiredToken, 1);
        fake.fail_next(Route::AssumeRole, Fault::Unauthorized, 1);
        let r = c.assume(&sso, ADMIN, "");
        assert_sts_error(&r, 400, "Throttling");
        assert_eq!(tag(&r.body, "Message"), Some("Rate exceeded"));
        let r = c.assume(&sso, ADMIN, "");
        assert_sts_error(&r, 403, "RegionDisabledException");
        assert_eq!(
            tag(&r.body, "Message"),
            Some(
                "STS is not activated in this region for account:111111111111. Your account administrator can \
                 activate STS in this region using the IAM Console."
            )
        );
        assert_sts_error(&c.assume(&sso, ADMIN, ""), 500, "InternalFailure");
        assert_sts_error(&c.assume(&sso, ADMIN, ""), 400, "ExpiredToken");
        assert_sts_error(&c.assume(&sso, ADMIN, ""), 403, "InvalidClientTokenId");
        assert_eq!(c.assume(&sso, ADMIN, "").status, 200);
        assert_eq!(fake.calls(Route::AssumeRole), 6);
        assert_eq!(fake.assumed_roles().len(), 1);

        fake.fail_next(Route::GetCallerIdentity, Fault::GarbageBody, 1);
        let r = c.whoami(&sso.access_key_id, Some(&sso.session_token));
        assert_eq!(
            (r.status, r.header("content-type"), r.body.as_str()),
            (200, Some("text/xml"), "this is not xml <<<")
        );

        // The new faults on the SSO and OIDC routes.
        let s = fake.seed_session();
        fake.fail_next(Route::GetRoleCredentials, Fault::ExpiredToken, 1);
        fake.fail_next(Route::GetRoleCredentials, Fault::RegionDisabled, 1);
        assert_eq!(c.grc(&s.access_token, ACCT, "Admin").header("x-amzn-errortype"), Some("UnauthorizedException"));
        assert_eq!(c.grc(&s.access_token, ACCT, "Admin").status, 500);
        fake.fail_next(Route::CreateToken, Fault::ExpiredToken, 1);
        fake.fail_next(Route::CreateToken, Fault::RegionDisabled, 1);
        assert_eq!(c.token(&s, &s.refresh_token).json()["error"], "invalid_client");
        assert_eq!(c.token(&s, &s.refresh_token).json()["error"], "server_error");
    }

    #[test]
    fn sts_truncated_body_registers_nothing() {
        let fake = FakeAws::start();
        let sso = sso_creds(&fake, "Admin");
        fake.add_role(ADMIN, TrustPolicy::trusting("*"));
        fake.fail_next(Route::AssumeRole, Fault::TruncatedBody, 1);
        let secrets = fake.secrets().len();
        let mut c = Client::new(&fake);
        let form = format!("Action=AssumeRole&RoleArn={}&RoleSessionName=me", enc(ADMIN));
        let req = format!(
            "POST / HTTP/1.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential={}/20261123/eu-west-1/sts/aws4_request, \
             SignedHeaders=host, Signature=00\r\nX-Amz-Security-Token: {}\r\nContent-Length: {}\r\n\r\n{form}",
            sso.access_key_id,
            sso.session_token,
            form.len()
        );
        c.w.write_all(req.as_bytes()).unwrap();
        let mut all = String::new();
        c.r.read_to_string(&mut all).unwrap();
        let (head, body) = all.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200") && head.contains("Content-Type: text/xml"));
        let len: usize = head.lines().find_map(|l| l.strip_prefix("Content-Length: ")).unwrap().parse().unwrap();
        assert_eq!(body.len(), len / 2);
        assert!(body.starts_with("<AssumeRoleResponse"));
        assert_eq!(fake.secrets().len(), secrets + 2);
        assert!(fake.assumed_roles().is_empty());
        assert_eq!(fake.st().credentials.len(), 1, "only the SSO credentials");
    }

    #[test]
    fn invalid_action_and_form_decoding() {
        let fake = FakeAws::start();
        let mut c = Client::new(&fake);
        let r = c.raw("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nAction=Nope");
        assert_sts_error(&r, 400, "InvalidAction");
        assert_eq!(tag(&r.body, "Message"), Some("Could not find operation Nope for version 2011-06-15"));
        assert_eq!(fake.requests()[0].route, None);
        assert_eq!(c.raw("GET / HTTP/1.1\r\n\r\n").status, 404);

        let rec = RecordedRequest {
            method: "POST".into(),
            path: "/".into(),
            query: vec![],
            headers: vec![(
                "authorization".into(),
                "AWS4-HMAC-SHA256 Credential=ASIAXXXX/20261123/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00".into(),
            )],
            body: "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A2%3Arole%2FA&RoleSessionName=a+b%2Bc&Empty=&Flag&A%2BB=1".into(),
            via_proxy: false,
            route: Some(Route::AssumeRole),
        };
        assert_eq!(rec.form("RoleArn").as_deref(), Some("arn:aws:iam::2:role/A"));
        assert_eq!(rec.form("RoleSessionName").as_deref(), Some("a b+c"));
        assert_eq!(rec.form("Empty").as_deref(), Some(""));
        assert_eq!(rec.form("Flag").as_deref(), Some(""));
        assert_eq!(rec.form("A+B").as_deref(), Some("1"));
        assert_eq!(rec.form("Missing"), None);
        assert_eq!(rec.signing_region(), Some("eu-west-1"));
        assert_eq!(rec.signing_access_key_id(), Some("ASIAXXXX"));
        for garbled in [
            "AWS4-HMAC-SHA256 Credential=ASIAXXXX/20261123/eu-west-1/sts, Signature=00",
            "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
            "Bearer ASIAXXXX/20261123/eu-west-1/sts/aws4_request",
            "AWS4-HMAC-SHA256 Credential=/20261123/eu-west-1/sts/aws4_request",
        ] {
            let rec = RecordedRequest { headers: vec![("authorization".into(), garbled.into())], ..rec.clone() };
            assert_eq!((rec.signing_region(), rec.signing_access_key_id()), (None, None), "{garbled}");
        }
        assert_eq!(sts::esc(r#"<a href="x">&'</a>"#), "&lt;a href=\"x\"&gt;&amp;'&lt;/a&gt;");
    }
}
