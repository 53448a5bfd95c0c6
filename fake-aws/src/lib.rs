//! An in-process fake of two AWS IAM Identity Center endpoints: the SSO portal
//! (`GetRoleCredentials`, `GET /federation/credentials`) and SSO-OIDC
//! (`CreateToken`, `POST /token`), speaking plain HTTP/1.1 with the same wire
//! shapes as AWS.
//!
//! The server binds `127.0.0.1` only (on an ephemeral port), never any other
//! interface. Point the AWS SDK at it with `AWS_ENDPOINT_URL_SSO` and
//! `AWS_ENDPOINT_URL_SSO_OIDC` set to [`FakeAws::url`]. It supports keep-alive,
//! absolute-form (proxy) request targets, fault injection, latency and full
//! request recording. Dropping the [`FakeAws`] stops the server.

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

/// An operation the fake implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// SSO portal `GetRoleCredentials` (`GET /federation/credentials`).
    GetRoleCredentials,
    /// SSO-OIDC `CreateToken` (`POST /token`).
    CreateToken,
}

/// A fault that can be injected on a [`Route`] instead of normal behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 `TooManyRequestsException`, `{"message":"Rate exceeded"}`.
    Throttled,
    /// 500 `InternalServerException`.
    Internal,
    /// The route's normal 401 (`UnauthorizedException` / `InvalidClientException`).
    Unauthorized,
    /// 200 with the non-JSON body `this is not json <<<`.
    GarbageBody,
    /// 200 whose `Content-Length` claims a full success body, of which only the
    /// first half is sent before the connection is closed. No state changes
    /// (nothing becomes valid or invalid), but the generated values are added
    /// to [`FakeAws::secrets`].
    TruncatedBody,
    /// Read the request, then never answer; the socket stays open until the
    /// fake is dropped.
    Hang,
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
    /// Percent-decoded query parameters, in order.
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
}

/// Role credentials returned by a successful `GetRoleCredentials`.
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
    fail_next: HashMap<Route, VecDeque<(Fault, usize)>>,
    fail_always: HashMap<Route, Fault>,
    calls: HashMap<Route, usize>,
    requests: Vec<RecordedRequest>,
    secrets: Vec<String>,
    issued: Vec<IssuedCredentials>,
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
    pub fn issued_credentials(&self) -> Vec<IssuedCredentials> {
        self.st().issued.clone()
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
    let query = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    let route = match (method, path) {
        ("GET", "/federation/credentials") => Some(Route::GetRoleCredentials),
        ("POST", "/token") => Some(Route::CreateToken),
        _ => None,
    };
    let rec = RecordedRequest {
        method: method.to_string(),
        path: path.to_string(),
        query,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        via_proxy,
        route,
    };
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

/// RFC 1123 date (`Sun, 06 Nov 1994 08:49:37 GMT`) from the system clock.
fn http_date() -> String {
    http_date_at(now().as_secs())
}

fn http_date_at(secs: u64) -> String {
    let (days, rem) = (secs / 86400, secs % 86400);
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

enum Reply {
    Full { status: u16, error_type: Option<&'static str>, body: String },
    Truncated(String),
}

fn err(status: u16, error_type: &'static str, body: Value) -> Reply {
    Reply::Full { status, error_type: Some(error_type), body: body.to_string() }
}

fn ok(body: Value) -> Reply {
    Reply::Full { status: 200, error_type: None, body: body.to_string() }
}

fn render(status: u16, error_type: Option<&str>, body: &str, request_id: &str) -> (Vec<u8>, usize) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nDate: {}\r\nx-amzn-RequestId: {request_id}\r\n",
        body.len(),
        http_date()
    );
    if let Some(t) = error_type {
        head.push_str(&format!("x-amzn-ErrorType: {t}\r\n"));
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
        let (fault, latency, request_id) = {
            let mut st = lock(state);
            let fault = req.rec.route.and_then(|route| {
                *st.calls.entry(route).or_default() += 1;
                st.take_fault(route)
            });
            st.requests.push(req.rec.clone());
            let h = st.hex(32);
            let id = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
            (fault, st.latency, id)
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
        let reply = respond(&mut lock(state), &req.rec, fault);
        let sent = match reply {
            Reply::Full { status, error_type, body } => w.write_all(&render(status, error_type, &body, &request_id).0),
            Reply::Truncated(body) => {
                let (bytes, head_len) = render(200, None, &body, &request_id);
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

fn respond(st: &mut State, req: &RecordedRequest, fault: Option<Fault>) -> Reply {
    let Some(route) = req.route else {
        return err(404, "UnknownOperationException", json!({"message": "unknown route"}));
    };
    let sso = route == Route::GetRoleCredentials;
    match fault {
        // `Hang` is handled by the connection loop before we get here.
        None | Some(Fault::Hang) => {}
        Some(Fault::Throttled) => {
            return err(429, "TooManyRequestsException", json!({"message": "Rate exceeded"}));
        }
        Some(Fault::Internal) if sso => {
            return err(500, "InternalServerException", json!({"message": "Internal error"}));
        }
        Some(Fault::Internal) => {
            let body = json!({"error": "server_error", "error_description": "Internal error"});
            return err(500, "InternalServerException", body);
        }
        Some(Fault::Unauthorized) if sso => return unauthorized_sso(),
        Some(Fault::Unauthorized) => return invalid_client(),
        Some(Fault::GarbageBody) => {
            return Reply::Full { status: 200, error_type: None, body: "this is not json <<<".into() };
        }
        Some(Fault::TruncatedBody) if sso => {
            let creds = new_credentials(st);
            return Reply::Truncated(credentials_body(&creds).to_string());
        }
        Some(Fault::TruncatedBody) => {
            let body = json!({
                "accessToken": st.secret("aoa", 64),
                "tokenType": "Bearer",
                "expiresIn": st.token_lifetime.as_secs(),
                "refreshToken": st.secret("aor", 64),
                "idToken": st.secret("eyJ", 96),
            });
            return Reply::Truncated(body.to_string());
        }
    }
    if sso { get_role_credentials(st, req) } else { create_token(st, req) }
}

fn unauthorized_sso() -> Reply {
    let body = json!({"message": "Session token not found or invalid"});
    err(401, "UnauthorizedException", body)
}

fn invalid_client() -> Reply {
    let body = json!({"error": "invalid_client", "error_description": "Invalid client provided"});
    err(401, "InvalidClientException", body)
}

fn new_credentials(st: &mut State) -> IssuedCredentials {
    let access_key_id = format!("ASIA{}", st.hex(16).to_ascii_uppercase());
    let expiration = now() + st.role_session_duration;
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
            "grantType": "authorization_code"})
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
        let started = Instant::now();
        drop(fake);
        assert!(started.elapsed() < Duration::from_secs(2));
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
        assert_eq!(http_date().len(), 29);
    }
}
