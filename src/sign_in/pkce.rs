//! The authorization-code flow with PKCE (RFC 7636), as the AWS CLI v2 (2.22+) runs it by
//! default (`SSOTokenFetcherAuth` and `AuthCodeFetcher` in the CLI's `botocore/utils.py` and
//! `customizations/sso/utils.py`): a code verifier and its S256 challenge, a random state, the
//! authorize URL, and a loopback listener for the redirect.
//!
//! Where we differ from the CLI, on purpose: the listener is bound to `127.0.0.1` only (the CLI
//! binds every interface), and the state is compared in constant time.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::secret::Secret;

/// The path the authorization server redirects to (the client is registered with
/// [`crate::token::registration::REDIRECT_URI`], without a port: loopback redirects may use any,
/// RFC 8252 7.3).
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// How long the person has to sign in: the CLI's `AuthCodeFetcher._OVERALL_TIMEOUT`.
pub const TIME_LIMIT: Duration = Duration::from_secs(600);

/// The characters of a code verifier: RFC 7636's unreserved set.
const UNRESERVED: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// The verifier's length: the CLI's 64 (RFC 7636 allows 43 to 128).
const VERIFIER_LENGTH: usize = 64;

/// One login's secrets: the code verifier (kept until `CreateToken`) and the state.
pub struct Pkce {
    /// 64 unreserved characters from the operating system's CSPRNG.
    pub verifier: Secret,
    /// `BASE64URL-NOPAD(SHA256(verifier))`, 43 characters.
    pub challenge: String,
    /// A random state for the redirect (UUID-like 32 hex digits), compared in constant time.
    pub state: Secret,
}

impl Pkce {
    /// A fresh verifier, challenge and state.
    ///
    /// # Errors
    /// If the operating system's random source fails.
    pub fn new() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; VERIFIER_LENGTH];
        getrandom::fill(&mut bytes)?;
        let verifier = unbiased(&bytes)?;
        let mut state = [0u8; 16];
        getrandom::fill(&mut state)?;
        let state: String = state.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self::from_parts(verifier, state))
    }

    /// The challenge for `verifier`, with `state`: what [`Pkce::new`] builds, from given parts.
    pub fn from_parts(verifier: String, state: String) -> Self {
        let challenge = challenge(&verifier);
        Self { verifier: Secret::new(verifier), challenge, state: Secret::new(state) }
    }

    /// Whether `state` (from the redirect) is ours, compared in constant time.
    pub fn state_matches(&self, state: &str) -> bool {
        self.state.expose().as_bytes().ct_eq(state.as_bytes()).into()
    }
}

/// `VERIFIER_LENGTH` unreserved characters from random bytes, each byte kept only if it maps
/// onto the 66 characters without bias (bytes 0..=197, three full rounds of 66), drawing more
/// from the CSPRNG as needed.
fn unbiased(first: &[u8]) -> Result<String, getrandom::Error> {
    const LIMIT: u8 = (256 / UNRESERVED.len() * UNRESERVED.len() - 1) as u8;
    let mut out = String::with_capacity(VERIFIER_LENGTH);
    let mut pool = first.to_vec();
    loop {
        for &byte in &pool {
            if byte <= LIMIT {
                out.push(char::from(UNRESERVED[usize::from(byte) % UNRESERVED.len()]));
                if out.len() == VERIFIER_LENGTH {
                    return Ok(out);
                }
            }
        }
        pool = vec![0u8; VERIFIER_LENGTH];
        getrandom::fill(&mut pool)?;
    }
}

/// RFC 7636's S256: `BASE64URL-NOPAD(SHA256(ASCII(verifier)))`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The redirect URI with the listener's port, as sent in the authorize URL and `CreateToken`.
pub fn redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// The authorize URL (the CLI's `_get_authorization_uri`): the SSO-OIDC endpoint (`base`, the
/// same one `CreateToken` goes to, overrides included) + `/authorize` and the query, scopes
/// space-separated (`sso:account:access` if none are configured).
pub fn authorize_url(
    base: &str,
    client_id: &str,
    port: u16,
    state: &str,
    challenge: &str,
    scopes: &[String],
) -> String {
    let scopes = if scopes.is_empty() { "sso:account:access".to_owned() } else { scopes.join(" ") };
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", &redirect_uri(port))
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", &scopes)
        .append_pair("code_challenge", challenge)
        .finish();
    format!("{}/authorize?{query}", base.trim_end_matches('/'))
}

/// What the redirect brought.
#[derive(Debug, PartialEq, Eq)]
pub enum Callback {
    /// The authorization code, and the state it came with.
    Code {
        /// The code, for `CreateToken`.
        code: Secret,
        /// The state as received.
        state: String,
    },
    /// The authorization server said no (`error=access_denied`, …), with its description.
    Refused {
        /// `error`.
        error: String,
        /// `error_description`, if any.
        description: Option<String>,
    },
}

/// The query of a request to the callback path, if it is one the flow can use: a `code` with a
/// `state`, or an `error`. Anything else (a favicon, a stray request) is `None`.
pub fn parse_callback(url: &str) -> Option<Callback> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    if path != CALLBACK_PATH {
        return None;
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    if let Some(error) = get("error") {
        return Some(Callback::Refused { error, description: get("error_description") });
    }
    Some(Callback::Code { code: Secret::new(get("code")?), state: get("state")? })
}

/// The page the browser shows after the redirect.
const DONE_PAGE: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>aws-sso-credential-process</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Request handled</h1>\
<p>You may close this tab and return to the terminal.</p></body></html>";

/// The loopback listener for the redirect: bound to `127.0.0.1` on a free port, before the
/// browser is opened, and only ever on loopback.
pub struct Listener {
    server: tiny_http::Server,
    port: u16,
}

/// Why waiting for the redirect ended without a callback.
#[derive(Debug)]
pub enum WaitError {
    /// The time limit passed.
    TimedOut,
    /// The listener failed.
    Io(std::io::Error),
}

impl Listener {
    /// Binds `127.0.0.1:0`.
    ///
    /// # Errors
    /// The operating system's error if no loopback port can be bound.
    pub fn bind() -> std::io::Result<Self> {
        let server = tiny_http::Server::http(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(std::io::Error::other)?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|addr| addr.port())
            .ok_or_else(|| std::io::Error::other("the loopback listener has no port"))?;
        Ok(Self { server, port })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves requests until a `GET /oauth/callback` with a code and state, or an error, arrives
    /// (it gets a page saying the tab may be closed), or `deadline` passes. Other requests get a
    /// 404 and are otherwise ignored.
    ///
    /// # Errors
    /// [`WaitError::TimedOut`] after `deadline`; [`WaitError::Io`] if the listener fails.
    pub fn wait(&self, deadline: Instant) -> Result<Callback, WaitError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(WaitError::TimedOut);
            }
            let Some(request) = self.server.recv_timeout(left).map_err(WaitError::Io)? else { continue };
            let callback =
                (*request.method() == tiny_http::Method::Get).then(|| parse_callback(request.url())).flatten();
            match callback {
                Some(callback) => {
                    let header = tiny_http::Header::from_bytes("Content-Type", "text/html; charset=utf-8")
                        .expect("a valid header");
                    let _ = request.respond(tiny_http::Response::from_string(DONE_PAGE).with_header(header));
                    return Ok(callback);
                }
                None => {
                    let _ = request.respond(tiny_http::Response::empty(404));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_clis() {
        // The CLI's own expression, `base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest())`,
        // with the final `=` it trims.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWZgmi-M"),
            "rQjEJAV5tMQCFQBsPm2Ks4geMmFhxVAKCCreFXCEggE"
        );
    }

    #[test]
    fn verifiers_are_64_unreserved_characters_and_differ() {
        let (a, b) = (Pkce::new().unwrap(), Pkce::new().unwrap());
        for pkce in [&a, &b] {
            assert_eq!(pkce.verifier.expose().len(), 64);
            assert!(pkce.verifier.expose().bytes().all(|c| UNRESERVED.contains(&c)));
            assert_eq!(pkce.challenge.len(), 43);
            assert_eq!(pkce.state.expose().len(), 32);
        }
        assert_ne!(a.verifier, b.verifier);
        assert_ne!(a.state, b.state);
        assert!(a.state_matches(a.state.expose()));
        assert!(!a.state_matches(b.state.expose()));
        assert!(!a.state_matches(""));
    }

    #[test]
    fn the_authorize_url_is_the_clis() {
        let url = authorize_url(
            "https://oidc.us-east-1.amazonaws.com/",
            "cid",
            49152,
            "st",
            "E9Melhoa2OwvFwgm9C_jx1_PMK3wp-Xp5yVXqsQdqYw",
            &["sso:account:access".to_owned(), "codewhisperer:completions".to_owned()],
        );
        assert_eq!(
            url,
            "https://oidc.us-east-1.amazonaws.com/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A49152%2Foauth%2Fcallback&state=st&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess+codewhisperer%3Acompletions&code_challenge=E9Melhoa2OwvFwgm9C_jx1_PMK3wp-Xp5yVXqsQdqYw"
        );
        assert!(authorize_url("http://127.0.0.1:1", "c", 2, "s", "x", &[]).contains("&scopes=sso%3Aaccount%3Aaccess&"));
    }

    #[test]
    fn callbacks_are_parsed_and_others_ignored() {
        assert_eq!(
            parse_callback("/oauth/callback?code=abc&state=xyz"),
            Some(Callback::Code { code: Secret::new("abc"), state: "xyz".into() })
        );
        assert_eq!(
            parse_callback("/oauth/callback?error=access_denied&error_description=User+denied&state=xyz"),
            Some(Callback::Refused { error: "access_denied".into(), description: Some("User denied".into()) })
        );
        assert_eq!(parse_callback("/oauth/callback?code=abc"), None);
        assert_eq!(parse_callback("/favicon.ico"), None);
        assert_eq!(parse_callback("/oauth/callbackx?code=a&state=b"), None);
    }

    #[test]
    fn the_listener_is_loopback_only_and_answers_the_callback() {
        let listener = Listener::bind().unwrap();
        let port = listener.port();
        let client = std::thread::spawn(move || {
            use std::io::{Read, Write};
            let get = |path: &str| {
                let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
                write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
                let mut response = String::new();
                stream.read_to_string(&mut response).unwrap();
                response
            };
            let stray = get("/favicon.ico");
            let done = get("/oauth/callback?code=c0de&state=s");
            (stray, done)
        });
        let callback = listener.wait(Instant::now() + Duration::from_secs(10)).unwrap();
        assert_eq!(callback, Callback::Code { code: Secret::new("c0de"), state: "s".into() });
        let (stray, done) = client.join().unwrap();
        assert!(stray.starts_with("HTTP/1.1 404"), "{stray}");
        assert!(done.starts_with("HTTP/1.1 200") && done.contains("You may close this tab"), "{done}");
        let bound = listener.server.server_addr().to_ip().unwrap();
        assert_eq!(bound.ip(), std::net::IpAddr::from([127, 0, 0, 1]));
    }

    #[test]
    fn waiting_ends_at_the_deadline() {
        let listener = Listener::bind().unwrap();
        assert!(matches!(listener.wait(Instant::now() + Duration::from_millis(50)), Err(WaitError::TimedOut)));
    }
}
