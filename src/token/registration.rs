//! The AWS CLI v2's cached SSO-OIDC *client registration*: `~/.aws/sso/cache/<sha1>.json`.
//!
//! `aws sso login` registers an OIDC client (`RegisterClient`) and caches it next to the token,
//! under a key of its own, so the next login skips the registration. We read and write exactly
//! the same files, so a registration made by the CLI is reused by our `login` and ours by the CLI.
//!
//! The reference is the AWS CLI v2 itself (`aws/aws-cli`, branch `v2`, checked at 2.36.7):
//! `awscli/botocore/utils.py` (`BaseSSOTokenFetcher`, `SSOTokenFetcher` for the device code flow,
//! `SSOTokenFetcherAuth` for the authorization code flow with PKCE) and
//! `awscli/customizations/sso/utils.py` (`do_sso_login`, `_sso_json_dumps`, `AuthCodeFetcher`).
//! botocore proper (`boto/botocore`) has no registration cache at all: its `SSOTokenProvider` only
//! reads the copy of the registration kept in the *token* file (`clientId`, `clientSecret`,
//! `registrationExpiresAt`, see [`super::CachedToken`]). Where anything else disagrees with the
//! CLI, the CLI wins: it is the only other program that reads these files.
//!
//! The rules, each from the CLI function named:
//! - File name ([`cache_key`]): `BaseSSOTokenFetcher._registration_cache_key`, the same for both
//!   flows. The grant types are *not* part of the key, so both flows share one file, and a login
//!   with the other flow replaces the registration (see [`usable_for`]).
//! - Reuse ([`usable_for`]): `SSOTokenFetcher._registration` / `SSOTokenFetcherAuth._registration`
//!   with `_is_expired` (15-minute window) and `_is_registration_for_auth_code`.
//! - What is registered ([`register_request_for`]): the two `_register_client` methods.
//! - What is cached ([`Registration::from_response`], [`Registration::to_bytes`]): the dict the
//!   `_register_client` methods return, written by `JSONFileCache` with `_sso_json_dumps`.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use super::cache::sha1_hex;
use crate::secret::Secret;
use crate::timestamp;

/// A registration with less than this left is not reused: a new client is registered instead
/// (`BaseSSOTokenFetcher._EXPIRY_WINDOW = 15 * 60` seconds, applied by `_is_expired` as
/// `expiresAt - now < 900 s` means expired, so exactly 15 minutes left is still reused).
pub const EXPIRY_WINDOW: Duration = Duration::minutes(15);

/// The `clientType` both flows register (`BaseSSOTokenFetcher._CLIENT_REGISTRATION_TYPE`).
pub const CLIENT_TYPE: &str = "public";

/// The OAuth grant type of the authorization code flow; a cached registration whose `grantTypes`
/// contains it is an authorization code registration (`_is_registration_for_auth_code`).
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

/// The OAuth grant type that lets the token be refreshed; registered with the authorization code
/// flow (`SSOTokenFetcherAuth._AUTH_GRANT_TYPES`).
pub const REFRESH_TOKEN_GRANT: &str = "refresh_token";

/// The device code grant type (`SSOTokenFetcher._GRANT_TYPE`), used in `CreateToken` by the device
/// flow. The CLI never sends it in `RegisterClient` nor caches it in `grantTypes`.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The scope the authorization code flow registers when `sso_registration_scopes` is unset or
/// empty (`SSOTokenFetcherAuth._AUTH_GRANT_DEFAULT_SCOPE`).
pub const DEFAULT_AUTHORIZATION_CODE_SCOPE: &str = "sso:account:access";

/// The redirect URI registered for the authorization code flow, without the port: the CLI
/// registers this and then redirects to `http://127.0.0.1:<port>/oauth/callback`
/// (`AuthCodeFetcher.redirect_uri_without_port`), which SSO-OIDC accepts for loopback addresses.
pub const REDIRECT_URI: &str = "http://127.0.0.1/oauth/callback";

/// The start of the `clientName` we register. The CLI uses `botocore-client-<session name>`
/// (`BaseSSOTokenFetcher._generate_client_name`), but the name only shows on the consent page of
/// the authorization code flow: it is not in the cache key nor in the cached file, and nothing
/// checks it when a registration is reused. So we use a recognisable name of our own.
pub const CLIENT_NAME_PREFIX: &str = "aws-sso-credential-process-";

/// How `aws sso login` signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The authorization code grant with PKCE and a loopback redirect (`SSOTokenFetcherAuth`),
    /// the CLI's default for an `sso-session`.
    AuthorizationCode,
    /// The device code grant (`SSOTokenFetcher`): for legacy profiles (no `sso-session`) and
    /// `--use-device-code`.
    DeviceCode,
}

impl Flow {
    /// The flow the CLI picks (`do_sso_login`): the authorization code flow for a named
    /// `sso-session` unless `--use-device-code`, else the device code flow. An empty session name
    /// counts as none, as it does in Python.
    pub fn for_login(session_name: Option<&str>, use_device_code: bool) -> Self {
        match session_name {
            Some(name) if !name.is_empty() && !use_device_code => Self::AuthorizationCode,
            _ => Self::DeviceCode,
        }
    }
}

/// The registration cache key: the lower-case hex SHA-1 (40 characters) of Python's
/// `json.dumps({"tool": "botocore", "startUrl": start_url, "region": region, "scopes": scopes,
/// "session_name": session_name}, sort_keys=True)` (`BaseSSOTokenFetcher._registration_cache_key`).
///
/// The same key serves both flows: `SSOTokenFetcherAuth` inherits the method and the grant types
/// are not part of it. `start_url` is the `sso_start_url` as configured (not the URL a vanity
/// start URL redirects to); `region` is the SSO region the login uses (`sso_region`, or for a
/// vanity URL the region `resolve_start_url` derived). `scopes` is `sso_registration_scopes` as
/// the CLI parses it (`parse_sso_registration_scopes`: split on `,`, trimmed, empty ones dropped;
/// `None` if the setting is absent, which differs from `Some(&[])`, and always `None` for a legacy
/// profile); `session_name` is the `sso-session` name, `None` for a legacy profile. Non-ASCII
/// characters are hashed as `\uXXXX` escapes (`ensure_ascii=True`).
pub fn cache_key(start_url: &str, region: &str, scopes: Option<&[String]>, session_name: Option<&str>) -> String {
    sha1_hex(&cache_key_preimage(start_url, region, scopes, session_name))
}

/// The bytes [`cache_key`] hashes.
fn cache_key_preimage(start_url: &str, region: &str, scopes: Option<&[String]>, session_name: Option<&str>) -> Vec<u8> {
    // `sort_keys=True`: a BTreeMap orders the keys by their UTF-8 bytes, which is Python's
    // code-point order.
    let args = BTreeMap::from([
        ("tool", Value::from("botocore")),
        ("startUrl", Value::from(start_url)),
        ("region", Value::from(region)),
        ("scopes", scopes.map_or(Value::Null, |s| Value::from(s.to_vec()))),
        ("session_name", session_name.map_or(Value::Null, Value::from)),
    ]);
    let args: Map<String, Value> = args.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    crate::json::to_python_default(&Value::Object(args))
}

/// The registration file under `aws_dir` (`~/.aws`): `<aws_dir>/sso/cache/<cache_key>.json`, the
/// folder of the CLI's `JSONFileCache` (`SSO_TOKEN_DIR` in `awscli/customizations/sso/utils.py`).
/// The arguments are those of [`cache_key`].
pub fn cache_path(
    aws_dir: &Path,
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> PathBuf {
    aws_dir.join("sso").join("cache").join(format!("{}.json", cache_key(start_url, region, scopes, session_name)))
}

/// A cached client registration, as the CLI writes it: `{"clientId": …, "clientSecret": …,
/// "expiresAt": "YYYY-MM-DDTHH:MM:SSZ"}`, plus `"scopes": [...]` if scopes were registered, plus
/// `"grantTypes": ["authorization_code", "refresh_token"]` for the authorization code flow.
/// Fields we do not know are ignored: we only ever write whole new files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// The registered client's ID (`clientId`).
    pub client_id: String,
    /// The registered client's secret (`clientSecret`).
    pub client_secret: Secret,
    /// When the client secret expires (`expiresAt`; `RegisterClient`'s `clientSecretExpiresAt`,
    /// whole seconds, UTC).
    pub expires_at: OffsetDateTime,
    /// The scopes registered (`scopes`), if the file names them. The CLI never reads them back
    /// (they are part of the file name), so anything but a list of strings counts as absent.
    pub scopes: Option<Vec<String>>,
    /// The grant types registered (`grantTypes`): written only by the authorization code flow; a
    /// file without them is a device code registration (older CLIs did not cache them).
    pub grant_types: Option<Vec<String>>,
}

/// Why a registration file cannot be used. The CLI itself fails on such a file (`KeyError` from
/// `JSONFileCache` or the dict); the right response is to register anew and replace it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvalidRegistration {
    /// Not a JSON object.
    NotJson,
    /// A required field (`clientId`, `clientSecret`, `expiresAt`) is missing or not a string.
    Missing(&'static str),
    /// `expiresAt` is not a timestamp, or one out of range.
    BadExpiry,
    /// `grantTypes` is there but not a list of strings.
    BadGrantTypes,
}

impl std::fmt::Display for InvalidRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson => f.write_str("it is not a JSON object (empty, truncated or corrupt)"),
            Self::Missing(key) => write!(f, "it has no {key}"),
            Self::BadExpiry => f.write_str("its expiresAt is not a timestamp"),
            Self::BadGrantTypes => f.write_str("its grantTypes is not a list of strings"),
        }
    }
}

impl std::error::Error for InvalidRegistration {}

impl Registration {
    /// Parses a registration file. Field names are matched exactly, as the CLI reads them (a
    /// Python dict lookup); `expiresAt` may be in any form [`timestamp::parse`] reads, of which
    /// the CLI writes `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(bytes: &[u8]) -> Result<Self, InvalidRegistration> {
        let document = match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            _ => return Err(InvalidRegistration::NotJson),
        };
        let string =
            |key: &'static str| document.get(key).and_then(Value::as_str).ok_or(InvalidRegistration::Missing(key));
        let client_id = string("clientId")?.to_owned();
        let client_secret = Secret::new(string("clientSecret")?);
        let expires_at = timestamp::parse(string("expiresAt")?).ok_or(InvalidRegistration::BadExpiry)?;
        let scopes = document.get("scopes").and_then(string_list);
        let grant_types = match document.get("grantTypes") {
            None => None,
            Some(value) => Some(string_list(value).ok_or(InvalidRegistration::BadGrantTypes)?),
        };
        Ok(Self { client_id, client_secret, expires_at, scopes, grant_types })
    }

    /// The registration the CLI caches after `RegisterClient` answered `client_id`,
    /// `client_secret` and `client_secret_expires_at` (Unix seconds) to `request`: `scopes` only
    /// if some were sent, `grantTypes` only for the authorization code flow (the dicts built by
    /// `SSOTokenFetcher._register_client` and `SSOTokenFetcherAuth._register_client`). Fails if
    /// the expiry is not a time we can write.
    pub fn from_response(
        request: &RegisterRequest,
        client_id: impl Into<String>,
        client_secret: Secret,
        client_secret_expires_at: i64,
    ) -> Result<Self, InvalidRegistration> {
        let expires_at = OffsetDateTime::from_unix_timestamp(client_secret_expires_at)
            .ok()
            .filter(|t| (1..=9998).contains(&t.year()))
            .ok_or(InvalidRegistration::BadExpiry)?;
        Ok(Self {
            client_id: client_id.into(),
            client_secret,
            expires_at,
            scopes: request.scopes.clone(),
            grant_types: request.grant_types.clone(),
        })
    }

    /// Whether this is an authorization code registration: `grantTypes` contains
    /// `authorization_code` (`BaseSSOTokenFetcher._is_registration_for_auth_code`; without
    /// `grantTypes` it is taken for a device code registration).
    pub fn is_for_authorization_code(&self) -> bool {
        self.grant_types.as_ref().is_some_and(|grants| grants.iter().any(|g| g == AUTHORIZATION_CODE_GRANT))
    }

    /// The file's bytes, byte for byte what the CLI writes: `json.dumps` of the dict in its
    /// insertion order `clientId`, `clientSecret`, `expiresAt`, then `scopes` and `grantTypes` if
    /// present (no `sort_keys`), `", "` and `": "` separators, non-ASCII escaped, no trailing
    /// newline, `expiresAt` as `strftime('%Y-%m-%dT%H:%M:%SZ')` in UTC (`_sso_json_dumps` and
    /// `_serialize_utc_timestamp` in `awscli/customizations/sso/utils.py`).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut document = Map::new();
        document.insert("clientId".into(), self.client_id.clone().into());
        document.insert("clientSecret".into(), self.client_secret.expose().into());
        document.insert("expiresAt".into(), timestamp::format(self.expires_at).into());
        if let Some(scopes) = &self.scopes {
            document.insert("scopes".into(), scopes.clone().into());
        }
        if let Some(grant_types) = &self.grant_types {
            document.insert("grantTypes".into(), grant_types.clone().into());
        }
        crate::json::to_python_default(&Value::Object(document))
    }
}

fn string_list(value: &Value) -> Option<Vec<String>> {
    value.as_array()?.iter().map(|v| v.as_str().map(str::to_owned)).collect()
}

/// Why a registration file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file exists but could not be read.
    Io(io::Error),
    /// The file is not a usable registration.
    Invalid(InvalidRegistration),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read it: {e}"),
            Self::Invalid(why) => why.fmt(f),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Invalid(why) => Some(why),
        }
    }
}

/// Reads and parses the registration file at `path`; `Ok(None)` if there is none.
pub fn read(path: &Path) -> Result<Option<Registration>, ReadError> {
    match std::fs::read(path) {
        Ok(bytes) => Registration::parse(&bytes).map(Some).map_err(ReadError::Invalid),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ReadError::Io(e)),
    }
}

/// Writes `registration` to `path` as the CLI would ([`Registration::to_bytes`]), atomically and
/// 0600 ([`crate::fs_util::write_atomically`]; the CLI truncates and rewrites in place, 0600).
pub fn write(path: &Path, registration: &Registration) -> io::Result<()> {
    crate::fs_util::write_atomically(path, &registration.to_bytes())
}

/// Whether a login with `flow` at `now` reuses `registration`, exactly as the CLI decides
/// (`SSOTokenFetcher._registration`, `SSOTokenFetcherAuth._registration`):
/// - at least [`EXPIRY_WINDOW`] (15 minutes) is left before `expiresAt` (`_is_expired`), and
/// - for [`Flow::AuthorizationCode`], `grantTypes` contains `authorization_code`; for
///   [`Flow::DeviceCode`], it does not (or there is no `grantTypes`)
///   (`_is_registration_for_auth_code`).
///
/// The CLI does not also require `refresh_token` for the authorization code flow, nor the device
/// code grant for the device flow (it never registers one), and neither do we: the CLI wins.
/// Scopes are not compared: they are part of the file name.
pub fn usable_for(registration: &Registration, now: OffsetDateTime, flow: Flow) -> bool {
    let fresh = registration.expires_at - now >= EXPIRY_WINDOW;
    fresh
        && match flow {
            Flow::AuthorizationCode => registration.is_for_authorization_code(),
            Flow::DeviceCode => !registration.is_for_authorization_code(),
        }
}

/// What `RegisterClient` must send, as the CLI sends it for each flow (the `_register_client`
/// methods). `None` fields are not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRequest {
    /// `clientName`: see [`client_name`].
    pub client_name: String,
    /// `clientType`: always [`CLIENT_TYPE`] (`public`).
    pub client_type: &'static str,
    /// `scopes`: device code flow: the configured scopes if there are any (Python truthiness: an
    /// empty list is not sent); authorization code flow: the configured scopes, or
    /// `["sso:account:access"]` if none or empty.
    pub scopes: Option<Vec<String>>,
    /// `grantTypes`: `["authorization_code", "refresh_token"]` for the authorization code flow,
    /// not sent for the device code flow.
    pub grant_types: Option<Vec<String>>,
    /// `redirectUris`: `["http://127.0.0.1/oauth/callback"]` ([`REDIRECT_URI`]) for the
    /// authorization code flow, not sent for the device code flow.
    pub redirect_uris: Option<Vec<String>>,
    /// `issuerUrl`: the start URL for the authorization code flow (the resolved one, for a vanity
    /// URL), not sent for the device code flow.
    pub issuer_url: Option<String>,
}

/// The `clientName` we register: [`CLIENT_NAME_PREFIX`] and the `sso-session` name, or for a
/// legacy profile the Unix time `now` in whole seconds, the same scheme as the CLI's
/// `botocore-client-<name or timestamp>` (`BaseSSOTokenFetcher._generate_client_name`).
pub fn client_name(session_name: Option<&str>, now: OffsetDateTime) -> String {
    match session_name {
        Some(name) => format!("{CLIENT_NAME_PREFIX}{name}"),
        None => format!("{CLIENT_NAME_PREFIX}{}", now.unix_timestamp()),
    }
}

/// The `RegisterClient` request for `flow`, as the CLI builds it (`SSOTokenFetcher._register_client`,
/// `SSOTokenFetcherAuth._register_client`), but with our [`client_name`]. `issuer_url` is the start
/// URL (the resolved one for a vanity URL); `scopes` is `sso_registration_scopes` as in
/// [`cache_key`].
pub fn register_request_for(
    flow: Flow,
    session_name: Option<&str>,
    issuer_url: &str,
    scopes: Option<&[String]>,
    now: OffsetDateTime,
) -> RegisterRequest {
    let configured = scopes.filter(|s| !s.is_empty()).map(<[String]>::to_vec);
    let client_name = client_name(session_name, now);
    match flow {
        Flow::DeviceCode => RegisterRequest {
            client_name,
            client_type: CLIENT_TYPE,
            scopes: configured,
            grant_types: None,
            redirect_uris: None,
            issuer_url: None,
        },
        Flow::AuthorizationCode => RegisterRequest {
            client_name,
            client_type: CLIENT_TYPE,
            scopes: Some(configured.unwrap_or_else(|| vec![DEFAULT_AUTHORIZATION_CODE_SCOPE.to_owned()])),
            grant_types: Some(vec![AUTHORIZATION_CODE_GRANT.to_owned(), REFRESH_TOKEN_GRANT.to_owned()]),
            redirect_uris: Some(vec![REDIRECT_URI.to_owned()]),
            issuer_url: Some(issuer_url.to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const START_URL: &str = "https://d-123.awsapps.com/start";
    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// `expiresAt` 2026-11-22T18:53:27Z, as `datetime.fromtimestamp(1795373607, tzutc())`.
    const EXPIRES: i64 = 1_795_373_607;

    // Both written by Python: `json.dumps(registration, default=_serialize_utc_timestamp)` of the
    // dicts `SSOTokenFetcherAuth._register_client` and `SSOTokenFetcher._register_client` build.
    const CLI_PKCE_FILE: &str = r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-11-22T18:53:27Z", "scopes": ["sso:account:access"], "grantTypes": ["authorization_code", "refresh_token"]}"#;
    const CLI_DEVICE_FILE: &str = r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-11-22T18:53:27Z"}"#;

    #[test]
    fn cache_keys_match_the_cli() {
        let scopes = strings(&["sso:account:access"]);
        assert_eq!(cache_key(START_URL, "us-east-1", None, Some("my-sso")), "4a61d5c0d0268ea975225ec49ec41d69c98d0633");
        assert_eq!(
            cache_key(START_URL, "us-east-1", Some(&scopes), Some("my-sso")),
            "41703fba9789c2c8f9b7faa73b70bebb72c62cc9"
        );
        // Computed with Python's json.dumps + hashlib.sha1: a legacy profile, and an empty
        // `sso_registration_scopes` (which is not the same as none).
        assert_eq!(cache_key(START_URL, "us-east-1", None, None), "334df8a025b4d748342a2fb4eaa316ea48c5576c");
        assert_eq!(
            cache_key(START_URL, "us-east-1", Some(&[]), Some("my-sso")),
            "138262d8bfb1fb0db1e071255d38563dda83ae29"
        );
        assert_eq!(
            String::from_utf8(cache_key_preimage(START_URL, "us-east-1", None, Some("my-sso"))).unwrap(),
            r#"{"region": "us-east-1", "scopes": null, "session_name": "my-sso", "startUrl": "https://d-123.awsapps.com/start", "tool": "botocore"}"#
        );
    }

    #[test]
    fn cache_key_escapes_non_ascii_like_python() {
        let scopes = strings(&["sso:account:access", "codewhisperer:completions"]);
        let url = "https://caf\u{e9}.example.com/start";
        let session = "\u{e9}quipe \u{1F600}";
        assert_eq!(
            String::from_utf8(cache_key_preimage(url, "eu-west-1", Some(&scopes), Some(session))).unwrap(),
            r#"{"region": "eu-west-1", "scopes": ["sso:account:access", "codewhisperer:completions"], "session_name": "\u00e9quipe \ud83d\ude00", "startUrl": "https://caf\u00e9.example.com/start", "tool": "botocore"}"#
        );
        assert_eq!(
            cache_key(url, "eu-west-1", Some(&scopes), Some(session)),
            "5cf48fa8dc418738bef4836439aa0828dcee8d9c"
        );
    }

    #[test]
    fn cache_path_is_in_the_sso_cache() {
        assert_eq!(
            cache_path(Path::new("/h/.aws"), START_URL, "us-east-1", None, Some("my-sso")),
            PathBuf::from("/h/.aws/sso/cache/4a61d5c0d0268ea975225ec49ec41d69c98d0633.json")
        );
    }

    #[test]
    fn parses_files_the_cli_wrote_and_writes_them_back_byte_for_byte() {
        let pkce = Registration::parse(CLI_PKCE_FILE.as_bytes()).unwrap();
        assert_eq!(pkce.client_id, "cid");
        assert_eq!(pkce.client_secret.expose(), "sec");
        assert_eq!(pkce.expires_at, datetime!(2026-11-22 18:53:27 UTC));
        assert_eq!(pkce.scopes, Some(strings(&["sso:account:access"])));
        assert_eq!(pkce.grant_types, Some(strings(&["authorization_code", "refresh_token"])));
        assert!(pkce.is_for_authorization_code());
        assert_eq!(String::from_utf8(pkce.to_bytes()).unwrap(), CLI_PKCE_FILE);

        let device = Registration::parse(CLI_DEVICE_FILE.as_bytes()).unwrap();
        assert_eq!((device.scopes.as_ref(), device.grant_types.as_ref()), (None, None));
        assert!(!device.is_for_authorization_code());
        assert_eq!(String::from_utf8(device.to_bytes()).unwrap(), CLI_DEVICE_FILE);
    }

    #[test]
    fn from_response_builds_the_dict_the_cli_caches() {
        let pkce = register_request_for(Flow::AuthorizationCode, Some("my-sso"), START_URL, None, NOW);
        let registration = Registration::from_response(&pkce, "cid", Secret::new("sec"), EXPIRES).unwrap();
        assert_eq!(String::from_utf8(registration.to_bytes()).unwrap(), CLI_PKCE_FILE);

        let device = register_request_for(Flow::DeviceCode, None, START_URL, Some(&[]), NOW);
        let registration = Registration::from_response(&device, "cid", Secret::new("sec"), EXPIRES).unwrap();
        assert_eq!(String::from_utf8(registration.to_bytes()).unwrap(), CLI_DEVICE_FILE);

        let scopes = strings(&["sso:account:access", "x:\u{e9}"]);
        let device = register_request_for(Flow::DeviceCode, Some("s"), START_URL, Some(&scopes), NOW);
        let registration = Registration::from_response(&device, "cid", Secret::new("sec"), EXPIRES).unwrap();
        assert_eq!(
            String::from_utf8(registration.to_bytes()).unwrap(),
            r#"{"clientId": "cid", "clientSecret": "sec", "expiresAt": "2026-11-22T18:53:27Z", "scopes": ["sso:account:access", "x:\u00e9"]}"#
        );
        assert_eq!(Registration::parse(&registration.to_bytes()).unwrap(), registration);

        assert_eq!(
            Registration::from_response(&device, "cid", Secret::new("sec"), i64::MAX).unwrap_err(),
            InvalidRegistration::BadExpiry
        );
    }

    #[test]
    fn parse_rejects_what_the_cli_cannot_use_and_ignores_the_rest() {
        let bad = |text: &str| Registration::parse(text.as_bytes()).unwrap_err();
        assert_eq!(bad(""), InvalidRegistration::NotJson);
        assert_eq!(bad(r#"{"clientId": "c""#), InvalidRegistration::NotJson);
        assert_eq!(bad("[]"), InvalidRegistration::NotJson);
        assert_eq!(
            bad(r#"{"clientSecret": "s", "expiresAt": "2026-11-22T18:53:27Z"}"#),
            InvalidRegistration::Missing("clientId")
        );
        assert_eq!(
            bad(r#"{"ClientId": "c", "clientSecret": "s", "expiresAt": "2026-11-22T18:53:27Z"}"#),
            InvalidRegistration::Missing("clientId")
        );
        assert_eq!(
            bad(r#"{"clientId": "c", "clientSecret": 1, "expiresAt": "2026-11-22T18:53:27Z"}"#),
            InvalidRegistration::Missing("clientSecret")
        );
        assert_eq!(bad(r#"{"clientId": "c", "clientSecret": "s"}"#), InvalidRegistration::Missing("expiresAt"));
        assert_eq!(
            bad(r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "soon"}"#),
            InvalidRegistration::BadExpiry
        );
        assert_eq!(
            bad(r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2026-11-22T18:53:27Z", "grantTypes": null}"#),
            InvalidRegistration::BadGrantTypes
        );
        let lenient = Registration::parse(
            br#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2026-11-22T18:53:27.5+00:00", "scopes": "x", "future": {"a": 1}}"#,
        )
        .unwrap();
        assert_eq!(lenient.expires_at, datetime!(2026-11-22 18:53:27.5 UTC));
        assert_eq!(lenient.scopes, None);
    }

    #[test]
    fn read_and_write_round_trip_through_a_private_file() {
        let home = tempfile::tempdir().unwrap();
        let path = cache_path(home.path(), START_URL, "us-east-1", None, Some("my-sso"));
        assert!(read(&path).unwrap().is_none());
        let registration = Registration::parse(CLI_PKCE_FILE.as_bytes()).unwrap();
        write(&path, &registration).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), CLI_PKCE_FILE);
        assert_eq!(read(&path).unwrap(), Some(registration));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, b"{").unwrap();
        assert!(matches!(read(&path), Err(ReadError::Invalid(InvalidRegistration::NotJson))));
    }

    #[test]
    fn reused_until_fifteen_minutes_before_expiry() {
        let mut registration = Registration::parse(CLI_DEVICE_FILE.as_bytes()).unwrap();
        registration.expires_at = NOW + Duration::minutes(15);
        assert!(usable_for(&registration, NOW, Flow::DeviceCode));
        registration.expires_at = NOW + Duration::minutes(15) - Duration::seconds(1);
        assert!(!usable_for(&registration, NOW, Flow::DeviceCode));
        registration.expires_at = NOW - Duration::days(1);
        assert!(!usable_for(&registration, NOW, Flow::DeviceCode));
    }

    #[test]
    fn reused_only_by_the_flow_it_was_registered_for() {
        let with = |grants: Option<&[&str]>| Registration {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            expires_at: NOW + Duration::days(90),
            scopes: None,
            grant_types: grants.map(strings),
        };
        let table: [(Option<&[&str]>, bool, bool); 6] = [
            // (grantTypes) -> (authorization code flow reuses it, device code flow reuses it)
            (None, false, true),
            (Some(&[]), false, true),
            (Some(&["authorization_code", "refresh_token"]), true, false),
            (Some(&["authorization_code"]), true, false),
            (Some(&[DEVICE_CODE_GRANT, "refresh_token"]), false, true),
            (Some(&[DEVICE_CODE_GRANT, "authorization_code"]), true, false),
        ];
        for (grants, pkce, device) in table {
            let registration = with(grants);
            assert_eq!(usable_for(&registration, NOW, Flow::AuthorizationCode), pkce, "{grants:?}");
            assert_eq!(usable_for(&registration, NOW, Flow::DeviceCode), device, "{grants:?}");
        }
    }

    #[test]
    fn register_requests_are_the_clis() {
        let pkce = register_request_for(Flow::AuthorizationCode, Some("my-sso"), START_URL, Some(&[]), NOW);
        assert_eq!(
            pkce,
            RegisterRequest {
                client_name: "aws-sso-credential-process-my-sso".into(),
                client_type: "public",
                scopes: Some(strings(&["sso:account:access"])),
                grant_types: Some(strings(&["authorization_code", "refresh_token"])),
                redirect_uris: Some(strings(&["http://127.0.0.1/oauth/callback"])),
                issuer_url: Some(START_URL.into()),
            }
        );
        let scopes = strings(&["a", "b"]);
        let device = register_request_for(Flow::DeviceCode, None, START_URL, Some(&scopes), NOW);
        assert_eq!(
            device,
            RegisterRequest {
                client_name: format!("aws-sso-credential-process-{}", NOW.unix_timestamp()),
                client_type: "public",
                scopes: Some(scopes.clone()),
                grant_types: None,
                redirect_uris: None,
                issuer_url: None,
            }
        );
        let pkce = register_request_for(Flow::AuthorizationCode, Some("s"), START_URL, Some(&scopes), NOW);
        assert_eq!(pkce.scopes, Some(scopes));
        assert_eq!(register_request_for(Flow::DeviceCode, None, START_URL, None, NOW).scopes, None);
    }

    #[test]
    fn the_flow_is_picked_as_the_cli_picks_it() {
        assert_eq!(Flow::for_login(Some("my-sso"), false), Flow::AuthorizationCode);
        assert_eq!(Flow::for_login(Some("my-sso"), true), Flow::DeviceCode);
        assert_eq!(Flow::for_login(None, false), Flow::DeviceCode);
        assert_eq!(Flow::for_login(Some(""), false), Flow::DeviceCode);
    }

    #[test]
    fn debug_shows_no_secret() {
        let registration = Registration::parse(CLI_PKCE_FILE.as_bytes()).unwrap();
        assert!(!format!("{registration:?}").contains("sec\""));
    }
}
