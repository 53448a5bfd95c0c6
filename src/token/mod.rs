//! The SSO access token that `aws sso login` caches, and when to refresh it.
//!
//! The token lives in the AWS CLI's cache (`~/.aws/sso/cache/<sha1>.json`, see [`cache`]) so one
//! `aws sso login` serves the CLI, the SDKs and this helper. [`decide`] is the whole refresh
//! policy as a pure function of the token and `now`; [`refresh`] makes the SSO-OIDC call.

pub mod cache;
pub mod refresh;
pub mod registration;

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use crate::secret::Secret;
use crate::timestamp;

/// A new token file, as `aws sso login` writes it (`SSOTokenFetcher._create_token_attempt`,
/// `SSOTokenFetcherAuth._create_token_`, dumped by `_sso_json_dumps`): `startUrl`, `region`,
/// `accessToken`, `expiresAt`, `clientId`, `clientSecret`, `registrationExpiresAt`, then
/// `refreshToken` if one was issued, in that order, timestamps `YYYY-MM-DDTHH:MM:SSZ`.
pub fn signed_in_file(
    start_url: &str,
    region: &str,
    access_token: &Secret,
    expires_at: OffsetDateTime,
    registration: &registration::Registration,
    refresh_token: Option<&Secret>,
) -> Vec<u8> {
    let mut document = Map::new();
    document.insert("startUrl".into(), start_url.into());
    document.insert("region".into(), region.into());
    document.insert("accessToken".into(), access_token.expose().into());
    document.insert("expiresAt".into(), timestamp::format(expires_at).into());
    document.insert("clientId".into(), registration.client_id.clone().into());
    document.insert("clientSecret".into(), registration.client_secret.expose().into());
    document.insert("registrationExpiresAt".into(), timestamp::format(registration.expires_at).into());
    if let Some(refresh_token) = refresh_token {
        document.insert("refreshToken".into(), refresh_token.expose().into());
    }
    crate::json::to_python_default(&Value::Object(document))
}

/// Refresh a token with less than this left, as the AWS CLI and botocore do
/// (`SSOTokenProvider._REFRESH_WINDOW`); the Rust and JS SDKs use 5 minutes.
pub const REFRESH_WINDOW: Duration = Duration::minutes(15);

/// A token cache file, parsed. The whole document is kept, in order, so a rewrite keeps every
/// field we do not know.
#[derive(Clone)]
pub struct CachedToken {
    document: Map<String, Value>,
    /// The bearer token for the SSO portal.
    pub access_token: Secret,
    /// When the access token expires.
    pub expires_at: OffsetDateTime,
    /// What a refresh needs, if the file has all of it.
    pub grant: Option<RefreshGrant>,
}

impl std::fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedToken")
            .field("fields", &self.document.keys().collect::<Vec<_>>())
            .field("expires_at", &self.expires_at)
            .field("grant", &self.grant)
            .finish_non_exhaustive()
    }
}

/// The client registration and refresh token that let us renew the access token without a human.
#[derive(Clone, Debug)]
pub struct RefreshGrant {
    /// The OAuth refresh token.
    pub refresh_token: Secret,
    /// The registered OIDC client's ID.
    pub client_id: String,
    /// The registered OIDC client's secret.
    pub client_secret: Secret,
    /// When the client registration expires; after that the refresh token is useless.
    pub registration_expires_at: OffsetDateTime,
}

/// Why a token file cannot be used at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidToken {
    /// Not a JSON object.
    NotJson,
    /// A required field is missing or has the wrong type.
    Missing(&'static str),
    /// `expiresAt` is not a timestamp any AWS tool writes.
    BadExpiry,
}

impl std::fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson => f.write_str("it is not valid JSON (empty, truncated or corrupt)"),
            Self::Missing(key) => write!(f, "it has no {key}"),
            Self::BadExpiry => f.write_str("its expiresAt is not a timestamp"),
        }
    }
}

impl CachedToken {
    /// Parses a cache file. Keys are matched case-insensitively, as the Rust SDK does.
    pub fn parse(bytes: &[u8]) -> Result<Self, InvalidToken> {
        let document = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            _ => return Err(InvalidToken::NotJson),
        };
        let access_token = string_field(&document, "accessToken").ok_or(InvalidToken::Missing("accessToken"))?;
        let expires_at = string_field(&document, "expiresAt").ok_or(InvalidToken::Missing("expiresAt"))?;
        let expires_at = timestamp::parse(expires_at).ok_or(InvalidToken::BadExpiry)?;
        let grant = (|| {
            Some(RefreshGrant {
                refresh_token: Secret::new(string_field(&document, "refreshToken")?),
                client_id: string_field(&document, "clientId")?.to_owned(),
                client_secret: Secret::new(string_field(&document, "clientSecret")?),
                registration_expires_at: timestamp::parse(string_field(&document, "registrationExpiresAt")?)?,
            })
        })();
        Ok(Self { access_token: Secret::new(access_token), expires_at, grant, document })
    }

    /// The document with a refreshed token applied: new `accessToken` and `expiresAt`
    /// (`now + expires_in`, whole seconds, `Z`), the rotated refresh token if one came back, and
    /// every other field exactly as it was.
    pub fn refreshed(&self, new: &refresh::NewToken, now: OffsetDateTime) -> Self {
        let mut document = self.document.clone();
        let expires_at = (now + Duration::seconds(new.expires_in.into())).replace_nanosecond(0).unwrap_or(now);
        set_field(&mut document, "accessToken", new.access_token.expose().into());
        set_field(&mut document, "expiresAt", timestamp::format(expires_at).into());
        if let Some(rotated) = &new.refresh_token {
            set_field(&mut document, "refreshToken", rotated.expose().into());
        }
        let grant = self.grant.clone().map(|grant| RefreshGrant {
            refresh_token: new.refresh_token.clone().unwrap_or(grant.refresh_token),
            ..grant
        });
        Self { document, access_token: new.access_token.clone(), expires_at, grant }
    }

    /// The file's bytes, written as the AWS CLI writes them (`json.dumps` separators).
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::json::to_python_default(&Value::Object(self.document.clone()))
    }

    /// The refresh grant, if the client registration is still valid at `now`.
    pub fn usable_grant(&self, now: OffsetDateTime) -> Result<&RefreshGrant, NotRefreshable> {
        match &self.grant {
            None => Err(NotRefreshable::NoRefreshToken),
            Some(grant) if grant.registration_expires_at <= now => {
                Err(NotRefreshable::RegistrationExpired(grant.registration_expires_at))
            }
            Some(grant) => Ok(grant),
        }
    }
}

fn string_field<'a>(document: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    document.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| v.as_str())
}

/// Sets `key`, reusing the existing spelling of the key if the file has one in another case.
fn set_field(document: &mut Map<String, Value>, key: &str, value: Value) {
    let existing = document.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
    document.insert(existing.unwrap_or_else(|| key.to_owned()), value);
}

/// Why a token cannot be refreshed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRefreshable {
    /// The file lacks `refreshToken`, `clientId`, `clientSecret` or `registrationExpiresAt`
    /// (the legacy layout never gets them).
    NoRefreshToken,
    /// The OIDC client registration expired at this time.
    RegistrationExpired(OffsetDateTime),
}

impl std::fmt::Display for NotRefreshable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoRefreshToken => f.write_str("it has no refresh token"),
            Self::RegistrationExpired(at) => write!(f, "its client registration expired at {}", timestamp::format(*at)),
        }
    }
}

/// What to do with a cached token at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenDecision {
    /// More than [`REFRESH_WINDOW`] left, or less but it cannot be refreshed and is still valid.
    Use,
    /// Less than [`REFRESH_WINDOW`] left and refreshable: refresh, and if that fails keep using it.
    RefreshOrUse,
    /// Expired and refreshable: refresh or fail.
    MustRefresh,
    /// Expired and not refreshable: only `aws sso login` helps.
    LoginRequired(NotRefreshable),
}

impl std::fmt::Display for TokenDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Use => f.write_str("use it"),
            Self::RefreshOrUse => f.write_str("less than 15 minutes left, refresh it"),
            Self::MustRefresh => f.write_str("expired, refresh it"),
            Self::LoginRequired(why) => write!(f, "expired and cannot be refreshed: {why}"),
        }
    }
}

/// The refresh policy: a pure function of the token and the time.
pub fn decide(token: &CachedToken, now: OffsetDateTime) -> TokenDecision {
    let expired = token.expires_at <= now;
    let expires_soon = token.expires_at - REFRESH_WINDOW <= now;
    match (expired, expires_soon, token.usable_grant(now)) {
        (_, false, _) => TokenDecision::Use,
        (false, true, Ok(_)) => TokenDecision::RefreshOrUse,
        (false, true, Err(_)) => TokenDecision::Use,
        (true, _, Ok(_)) => TokenDecision::MustRefresh,
        (true, _, Err(why)) => TokenDecision::LoginRequired(why),
    }
}

/// How a refresh that was due went wrong, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshFailed {
    /// SSO-OIDC refused the refresh token (`invalid_grant`) and the token file now holds another
    /// token than the one refreshed: someone outside our locks (the AWS CLI, another machine
    /// sharing the home folder) rotated it first. Looked at once per run.
    pub newer_token_on_disk: bool,
    /// The service refused it (as opposed to a failure that may pass: throttling, 5xx, network).
    pub rejected: bool,
}

/// What to do after a refresh failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterRefreshFailure {
    /// Start over with the newer token on disk (it may not even need a refresh).
    UseNewerOnDisk,
    /// The token is still valid for a few minutes: use it, with a warning (as the AWS CLI and the
    /// SDKs do); no back-off, since this run goes on.
    UseCurrent,
    /// The session is over: only a sign-in helps.
    LoginRequired,
    /// It may pass: fail now, and have every caller hold off for a while.
    BackOff,
}

/// The refresh policy after a failed refresh, a pure function of the decision that asked for the
/// refresh ([`decide`]: [`TokenDecision::RefreshOrUse`] or [`TokenDecision::MustRefresh`]) and how
/// it failed.
pub fn after_refresh_failure(decision: TokenDecision, failed: RefreshFailed) -> AfterRefreshFailure {
    match (decision, failed) {
        (_, RefreshFailed { newer_token_on_disk: true, .. }) => AfterRefreshFailure::UseNewerOnDisk,
        (TokenDecision::RefreshOrUse | TokenDecision::Use, _) => AfterRefreshFailure::UseCurrent,
        (_, RefreshFailed { rejected: true, .. }) => AfterRefreshFailure::LoginRequired,
        (TokenDecision::MustRefresh | TokenDecision::LoginRequired(_), _) => AfterRefreshFailure::BackOff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    fn token(expires_at: &str, registration_expires_at: Option<&str>) -> CachedToken {
        let mut doc = serde_json::json!({
            "startUrl": "https://d-1234567890.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": "at",
            "expiresAt": expires_at,
        });
        if let Some(reg) = registration_expires_at {
            let obj = doc.as_object_mut().unwrap();
            obj.insert("clientId".into(), "cid".into());
            obj.insert("clientSecret".into(), "cs".into());
            obj.insert("registrationExpiresAt".into(), reg.into());
            obj.insert("refreshToken".into(), "rt".into());
        }
        CachedToken::parse(doc.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn refresh_policy_matches_the_aws_cli() {
        let reg = Some("2027-01-01T00:00:00Z");
        assert_eq!(decide(&token("2026-11-23T12:16:00Z", reg), NOW), TokenDecision::Use);
        assert_eq!(decide(&token("2026-11-23T12:15:00Z", reg), NOW), TokenDecision::RefreshOrUse);
        assert_eq!(decide(&token("2026-11-23T12:10:00Z", reg), NOW), TokenDecision::RefreshOrUse);
        assert_eq!(decide(&token("2026-11-23T12:00:00Z", reg), NOW), TokenDecision::MustRefresh);
        assert_eq!(decide(&token("2026-11-23T12:10:00Z", None), NOW), TokenDecision::Use);
        assert_eq!(
            decide(&token("2026-11-23T11:00:00Z", None), NOW),
            TokenDecision::LoginRequired(NotRefreshable::NoRefreshToken)
        );
        assert_eq!(
            decide(&token("2026-11-23T11:00:00Z", Some("2026-11-23T11:59:59Z")), NOW),
            TokenDecision::LoginRequired(NotRefreshable::RegistrationExpired(datetime!(2026-11-23 11:59:59 UTC)))
        );
    }

    #[test]
    fn parses_every_writer_and_ignores_key_case() {
        let t = CachedToken::parse(br#"{"AccessToken":"a","EXPIRESAT":"2026-11-23T01:53:27.974427Z"}"#).unwrap();
        assert_eq!(t.access_token.expose(), "a");
        assert!(t.grant.is_none());
        assert_eq!(CachedToken::parse(b"").unwrap_err(), InvalidToken::NotJson);
        assert_eq!(CachedToken::parse(br#"{"accessToken":"a","expiresAt":"2026"#).unwrap_err(), InvalidToken::NotJson);
        assert_eq!(
            CachedToken::parse(br#"{"expiresAt":"2026-11-23T01:53:27Z"}"#).unwrap_err(),
            InvalidToken::Missing("accessToken")
        );
        assert_eq!(
            CachedToken::parse(br#"{"accessToken":"a","expiresAt":"soon"}"#).unwrap_err(),
            InvalidToken::BadExpiry
        );
        assert_eq!(CachedToken::parse(b"[1]").unwrap_err(), InvalidToken::NotJson);
    }

    #[test]
    fn refresh_keeps_unknown_fields_order_and_old_refresh_token_if_none_returned() {
        let original = br#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "old", "expiresAt": "2026-11-23T12:05:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2027-02-20T17:49:49Z", "refreshToken": "rt", "futureField": {"n": 1.50, "list": [1, "\u00e9"]}}"#;
        let token = CachedToken::parse(original).unwrap();
        let new = refresh::NewToken { access_token: Secret::new("new"), expires_in: 28800, refresh_token: None };
        let refreshed = token.refreshed(&new, datetime!(2026-11-23 12:00:00.75 UTC));
        assert_eq!(
            String::from_utf8(refreshed.to_bytes()).unwrap(),
            r#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "new", "expiresAt": "2026-11-23T20:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2027-02-20T17:49:49Z", "refreshToken": "rt", "futureField": {"n": 1.50, "list": [1, "\u00e9"]}}"#
        );
        let rotated = refresh::NewToken { refresh_token: Some(Secret::new("rt2")), ..new };
        let refreshed = token.refreshed(&rotated, NOW);
        assert_eq!(refreshed.grant.as_ref().unwrap().refresh_token.expose(), "rt2");
        assert!(String::from_utf8(refreshed.to_bytes()).unwrap().contains(r#""refreshToken": "rt2""#));
    }

    #[test]
    fn debug_shows_no_secret() {
        let t = token("2026-11-23T16:00:00Z", Some("2027-01-01T00:00:00Z"));
        let debug = format!("{t:?}");
        for secret in ["\"at\"", "\"rt\"", "\"cs\""] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }

    #[test]
    fn after_a_failed_refresh_every_case() {
        use AfterRefreshFailure::*;
        let failed = |newer_token_on_disk, rejected| RefreshFailed { newer_token_on_disk, rejected };
        let table = [
            // (decision that asked for the refresh, newer token on disk, rejected) -> what to do
            (TokenDecision::RefreshOrUse, false, false, UseCurrent),
            (TokenDecision::RefreshOrUse, false, true, UseCurrent),
            (TokenDecision::RefreshOrUse, true, false, UseNewerOnDisk),
            (TokenDecision::RefreshOrUse, true, true, UseNewerOnDisk),
            (TokenDecision::MustRefresh, false, false, BackOff),
            (TokenDecision::MustRefresh, false, true, LoginRequired),
            (TokenDecision::MustRefresh, true, false, UseNewerOnDisk),
            (TokenDecision::MustRefresh, true, true, UseNewerOnDisk),
        ];
        for (decision, newer, rejected, expected) in table {
            assert_eq!(
                after_refresh_failure(decision, failed(newer, rejected)),
                expected,
                "{decision:?} {newer} {rejected}"
            );
        }
    }
}
