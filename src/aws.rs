//! The slow path's connection to AWS: endpoints, HTTP client, timeouts, and what an error means.
//!
//! Clients are built with the generated `Config::builder()`, which is cheap but does not read
//! `AWS_ENDPOINT_URL_*` or the profile's `endpoint_url`/`services` by itself, so the endpoint is
//! resolved here as botocore's `ConfiguredEndpointProvider` does (service variable > global
//! variable > `[services]` section > profile `endpoint_url`, all off under
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or `ignore_configured_endpoint_urls`).
//! The SDK's default HTTPS client ignores proxies, so ours is built with the proxy settings from
//! `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY`.
//!
//! Each response's `Date` header is recorded with our own time at that moment
//! ([`LastResponse`], in this program's cache folder), so `doctor` can tell whether the local
//! clock is off; best effort, and only on the slow path, where clients are built.

use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::{Connector, tls};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{SharedHttpClient, SharedHttpConnector, http_client_fn};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock::RunClock;
use crate::config::{GLOBAL_STS_ENDPOINT, LoadedConfig, StsLocation};
use crate::env::Environment;
use crate::timestamp;

/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for one attempt of one call, from request to full response.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for one call including its retries: a credential_process must not hang its caller.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// Attempts per call; throttling and 5xx answers are retried with jittered exponential backoff.
pub const MAX_ATTEMPTS: u32 = 3;

/// The SDK service IDs whose endpoint can be overridden.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    /// The SSO portal (`GetRoleCredentials`): `AWS_ENDPOINT_URL_SSO`.
    Sso,
    /// SSO-OIDC (`CreateToken`): `AWS_ENDPOINT_URL_SSO_OIDC`.
    SsoOidc,
    /// STS: `AWS_ENDPOINT_URL_STS`.
    Sts,
}

impl Service {
    /// Its key in a `[services NAME]` section: the Rust SDK writes the service ID lower-cased with
    /// `-`, botocore and the JS SDK with `_`; both are accepted.
    fn profile_keys(self) -> &'static [&'static str] {
        match self {
            Self::Sso => &["sso"],
            Self::SsoOidc => &["sso-oidc", "sso_oidc"],
            Self::Sts => &["sts"],
        }
    }

    /// The variable for this service alone: `AWS_ENDPOINT_URL_` and the service ID in upper case
    /// with `_` for spaces.
    fn variable(self) -> &'static str {
        match self {
            Self::Sso => "AWS_ENDPOINT_URL_SSO",
            Self::SsoOidc => "AWS_ENDPOINT_URL_SSO_OIDC",
            Self::Sts => "AWS_ENDPOINT_URL_STS",
        }
    }
}

/// The configured endpoint URL for `service`, if any, resolved as botocore resolves it for the
/// requested profile (`config_provider.ConfiguredEndpointProvider`): service variable, global
/// variable, the service's block in the profile's `[services NAME]` section, the profile's
/// `endpoint_url`.
pub fn endpoint_url(
    env: &Environment,
    config: &LoadedConfig,
    profile: Option<&str>,
    service: Service,
) -> Option<String> {
    let profile = profile.and_then(|name| config.profile(name));
    let ignored = env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .or_else(|| profile?.get("ignore_configured_endpoint_urls"))
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    if ignored {
        return None;
    }
    let from_env = env.get(service.variable()).or_else(|| env.get("AWS_ENDPOINT_URL"));
    let from_services = || {
        let services = config.files.config.services(profile?.get("services")?)?;
        service.profile_keys().iter().find_map(|key| services.value(key)?.sub("endpoint_url"))
    };
    from_env.or_else(from_services).or_else(|| profile?.get("endpoint_url")).map(str::to_owned)
}

/// Everything the slow path needs to build clients: each service's endpoint and HTTP client.
#[derive(Debug, Clone)]
pub struct Connection {
    sso: Endpoint,
    oidc: Endpoint,
    sts: Endpoint,
    /// Where to record each response's `Date` against our clock; `None`: nowhere.
    response_log: Option<(PathBuf, RunClock)>,
}

/// One service's endpoint override and the HTTP client (with its proxy) that reaches it.
#[derive(Debug, Clone)]
struct Endpoint {
    url: Option<String>,
    http_client: SharedHttpClient,
}

impl Endpoint {
    fn new(
        env: &Environment,
        config: &LoadedConfig,
        profile: Option<&str>,
        service: Service,
    ) -> Result<Self, BadProxy> {
        let url = endpoint_url(env, config, profile, service);
        // AWS endpoints are HTTPS unless an override says otherwise.
        let https = url.as_deref().is_none_or(|u| !u.to_ascii_lowercase().starts_with("http://"));
        Ok(Self { http_client: http_client(proxy_config(env, https)?), url })
    }
}

/// A proxy variable that is not a usable URL.
#[derive(Debug, thiserror::Error)]
#[error("{variable} is not a usable proxy URL ({reason})")]
pub struct BadProxy {
    /// The variable's name.
    pub variable: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl Connection {
    /// Prepares clients with the endpoints and proxies this environment configures.
    pub fn new(env: &Environment, config: &LoadedConfig, profile: Option<&str>) -> Result<Self, BadProxy> {
        Ok(Self {
            sso: Endpoint::new(env, config, profile, Service::Sso)?,
            oidc: Endpoint::new(env, config, profile, Service::SsoOidc)?,
            sts: Endpoint::new(env, config, profile, Service::Sts)?,
            response_log: None,
        })
    }

    /// Records every response's `Date` header, with our time then (`now`, the run's start time,
    /// advanced by the monotonic clock), into [`LAST_RESPONSE_FILE`] in `cache_dir`, for `doctor`'s
    /// clock check. Best effort: a failed write is ignored.
    pub fn recording_responses(mut self, cache_dir: Option<PathBuf>, now: OffsetDateTime) -> Self {
        self.response_log = cache_dir.map(|dir| (dir.join(LAST_RESPONSE_FILE), RunClock::starting_at(now)));
        self
    }

    fn recorder(&self, endpoint: &'static str) -> Option<ResponseRecorder> {
        let (path, clock) = self.response_log.clone()?;
        Some(ResponseRecorder { path, clock, endpoint })
    }

    /// The SSO portal client for the IAM Identity Center `region`.
    pub fn sso(&self, region: &str) -> aws_sdk_sso::Client {
        let mut config = aws_sdk_sso::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .http_client(self.sso.http_client.clone())
            .timeout_config(timeouts())
            .retry_config(retries());
        if let Some(url) = &self.sso.url {
            config = config.endpoint_url(url);
        }
        if let Some(recorder) = self.recorder("sso") {
            config = config.interceptor(recorder);
        }
        aws_sdk_sso::Client::from_conf(config.build())
    }

    /// The SSO-OIDC endpoint for `region`, the base of the un-modelled `/authorize` page: the
    /// configured override, else the regional endpoint (the CLI finds it the same way, by
    /// resolving a `RegisterClient` request's URL: `_get_base_authorization_uri`).
    pub fn oidc_endpoint(&self, region: &str) -> String {
        match &self.oidc.url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if region.starts_with("cn-") => format!("https://oidc.{region}.amazonaws.com.cn"),
            None => format!("https://oidc.{region}.amazonaws.com"),
        }
    }

    /// The SSO-OIDC client for the IAM Identity Center `region`.
    pub fn oidc(&self, region: &str) -> aws_sdk_ssooidc::Client {
        let mut config = aws_sdk_ssooidc::Config::builder()
            .behavior_version(aws_sdk_ssooidc::config::BehaviorVersion::latest())
            .region(aws_sdk_ssooidc::config::Region::new(region.to_owned()))
            .http_client(self.oidc.http_client.clone())
            .timeout_config(timeouts())
            .retry_config(retries());
        if let Some(url) = &self.oidc.url {
            config = config.endpoint_url(url);
        }
        if let Some(recorder) = self.recorder("oidc") {
            config = config.interceptor(recorder);
        }
        aws_sdk_ssooidc::Client::from_conf(config.build())
    }

    /// An STS client at `location` that signs with `credentials`. A configured endpoint wins;
    /// otherwise the global endpoint when `location` asks for it, else the region's own.
    pub fn sts(&self, location: &StsLocation, credentials: aws_credential_types::Credentials) -> aws_sdk_sts::Client {
        let mut config = aws_sdk_sts::Config::builder()
            .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
            .region(aws_sdk_sts::config::Region::new(location.region.clone()))
            .credentials_provider(credentials)
            .http_client(self.sts.http_client.clone())
            .timeout_config(timeouts())
            .retry_config(retries());
        match (&self.sts.url, location.global_endpoint) {
            (Some(url), _) => config = config.endpoint_url(url),
            (None, true) => config = config.endpoint_url(GLOBAL_STS_ENDPOINT),
            (None, false) => {}
        }
        if let Some(recorder) = self.recorder("sts") {
            config = config.interceptor(recorder);
        }
        aws_sdk_sts::Client::from_conf(config.build())
    }
}

/// The file, in this program's cache folder, holding the [`LastResponse`].
pub const LAST_RESPONSE_FILE: &str = "last-response.json";

/// The last AWS response the slow path got: the server's `Date` and our clock at that moment.
/// Their difference is the local clock's error (to within a second and the response's transit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastResponse {
    /// The response's `Date` header.
    pub server_date: OffsetDateTime,
    /// Our time when the response arrived.
    pub local_time: OffsetDateTime,
    /// Which service answered: `sso`, `oidc` or `sts`.
    pub endpoint: String,
}

impl LastResponse {
    /// How far our clock is ahead of AWS's (negative: behind).
    pub fn skew(&self) -> time::Duration {
        self.local_time - self.server_date
    }

    /// The file's bytes: `{"server_date": "…Z", "local_time": "…Z", "endpoint": "sso"}`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let document = json!({
            "server_date": timestamp::format(self.server_date),
            "local_time": timestamp::format(self.local_time),
            "endpoint": self.endpoint,
        });
        crate::json::to_python_default(&document)
    }

    /// Parses the file's bytes; `None` if they are not such a record.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let document: Value = serde_json::from_slice(bytes).ok()?;
        let text = |key: &str| document.get(key).and_then(Value::as_str);
        Some(Self {
            server_date: timestamp::parse(text("server_date")?)?,
            local_time: timestamp::parse(text("local_time")?)?,
            endpoint: text("endpoint")?.to_owned(),
        })
    }

    /// Reads the record in `cache_dir`, if there is a readable one.
    pub fn read(cache_dir: &Path) -> Option<Self> {
        Self::parse(&std::fs::read(cache_dir.join(LAST_RESPONSE_FILE)).ok()?)
    }
}

/// An SDK interceptor that writes a [`LastResponse`] for every response with a `Date` header.
#[derive(Debug)]
struct ResponseRecorder {
    path: PathBuf,
    clock: RunClock,
    endpoint: &'static str,
}

impl Intercept for ResponseRecorder {
    fn name(&self) -> &'static str {
        "ResponseRecorder"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let local_time = self.clock.now();
        if let Some(server_date) = context.response().headers().get("date").and_then(parse_http_date) {
            let record = LastResponse { server_date, local_time, endpoint: self.endpoint.to_owned() };
            // Never fails the call: the record only feeds `doctor`.
            let _ = crate::fs_util::write_atomically(&self.path, &record.to_bytes());
        }
        Ok(())
    }
}

/// An HTTP `Date` (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    let date = aws_smithy_types::DateTime::from_str(text.trim(), aws_smithy_types::date_time::Format::HttpDate).ok()?;
    OffsetDateTime::from_unix_timestamp(date.secs()).ok()
}

/// Jittered exponential backoff from 250 ms, at most 2 s between attempts: a small total budget,
/// since a credential_process has a caller waiting and the shared back-off covers longer storms.
fn retries() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(250))
        .with_max_backoff(Duration::from_secs(2))
}

fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(CALL_TIMEOUT)
        .build()
}

/// The proxy for an HTTPS (or plain HTTP) endpoint, from the usual variables in upper or lower
/// case: `HTTPS_PROXY` (or `HTTP_PROXY`), else `ALL_PROXY`; `NO_PROXY` lists the exceptions.
fn proxy_config(env: &Environment, https: bool) -> Result<Option<ProxyConfig>, BadProxy> {
    let var = |upper: &'static str| env.get(upper).or_else(|| env.get(&upper.to_ascii_lowercase())).map(|v| (upper, v));
    let Some((variable, url)) = var(if https { "HTTPS_PROXY" } else { "HTTP_PROXY" }).or_else(|| var("ALL_PROXY"))
    else {
        return Ok(None);
    };
    let config = ProxyConfig::all(url).map_err(|e| BadProxy { variable, reason: e.to_string() })?;
    Ok(Some(match env.get("NO_PROXY").or_else(|| env.get("no_proxy")) {
        Some(rules) => config.no_proxy(rules),
        None => config,
    }))
}

fn http_client(proxy: Option<ProxyConfig>) -> SharedHttpClient {
    http_client_fn(move |settings, components| {
        let mut builder = Connector::builder().connector_settings(settings.clone());
        if let Some(sleep) = components.sleep_impl() {
            builder = builder.sleep_impl(sleep);
        }
        if let Some(proxy) = &proxy {
            builder = builder.proxy_config(proxy.clone());
        }
        let connector = builder.tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc)).build();
        SharedHttpConnector::new(connector)
    })
}

/// A failed AWS call, reduced to what the caller acts on. Never holds a secret: only the
/// service's error code and message, or a description of the transport failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFailure {
    /// Whether trying again later may help.
    pub kind: FailureKind,
    /// The service's error code (`InvalidGrantException`), if it answered with one.
    pub code: Option<String>,
    /// One line describing the failure.
    pub detail: String,
}

/// Whether a failure is the service saying no, or something that may pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// A 4xx answer other than throttling: the request itself was refused.
    Rejected,
    /// Throttling, a 5xx, a timeout, a connection failure or an unreadable response.
    Transient,
}

impl CallFailure {
    /// Whether AWS asked us to slow down (after the SDK's own retries).
    pub fn is_throttling(&self) -> bool {
        matches!(
            self.code.as_deref(),
            Some("TooManyRequestsException" | "ThrottlingException" | "Throttling" | "SlowDownException")
        )
    }
}

impl std::fmt::Display for CallFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

const UNREADABLE_RESPONSE: &str = "the response was cut short or is not in the expected format";

/// Classifies an SDK error after the SDK's own retries.
pub fn classify<E: ProvideErrorMetadata>(err: SdkError<E, HttpResponse>) -> CallFailure {
    classify_with_description(err, None)
}

/// [`classify`], with the message to show when the error has none of its own (SSO-OIDC puts its
/// text in the OAuth `error_description` field rather than `message`).
pub fn classify_with_description<E: ProvideErrorMetadata>(
    err: SdkError<E, HttpResponse>,
    description: Option<&str>,
) -> CallFailure {
    let transient = |detail: String| CallFailure { kind: FailureKind::Transient, code: None, detail };
    match err {
        // A success status whose body did not parse surfaces as an unmodelled service error.
        SdkError::ServiceError(context) if context.raw().status().is_success() => {
            transient(format!("{UNREADABLE_RESPONSE} (HTTP {})", context.raw().status().as_u16()))
        }
        SdkError::ServiceError(context) => {
            let status = context.raw().status().as_u16();
            let code = context.err().code().unwrap_or("UnknownError").to_owned();
            let message = context.err().message().or(description).map(one_line).unwrap_or_default();
            let detail = if message.is_empty() {
                format!("{code} (HTTP {status})")
            } else {
                format!("{code}: {message} (HTTP {status})")
            };
            let mut failure = CallFailure { kind: FailureKind::Rejected, code: Some(code), detail };
            // STS says `Throttling` with a 400.
            if status == 429 || status >= 500 || failure.is_throttling() {
                failure.kind = FailureKind::Transient;
            }
            failure
        }
        SdkError::TimeoutError(_) => transient(format!("no answer within {} s", CALL_TIMEOUT.as_secs())),
        SdkError::DispatchFailure(failure) => transient(if failure.is_timeout() {
            "timed out connecting".to_owned()
        } else if failure.is_io() {
            "could not connect".to_owned()
        } else {
            "the request could not be sent".to_owned()
        }),
        // The response's own text is not repeated: it could hold anything, even a credential.
        SdkError::ResponseError(_) => transient(UNREADABLE_RESPONSE.to_owned()),
        _ => {
            CallFailure { kind: FailureKind::Rejected, code: None, detail: "the request could not be built".to_owned() }
        }
    }
}

/// Keeps a server-supplied message to one short line.
fn one_line(message: &str) -> String {
    let line: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).take(200).collect();
    line.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(text: &str, _env: &Environment) -> (tempfile::TempDir, LoadedConfig) {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), text).unwrap();
        let env = Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        (home, crate::config::load(&env).unwrap())
    }

    const CONFIG: &str = "[profile p]\nendpoint_url = http://global.profile\nservices = local\n\n[services local]\nsso =\n  endpoint_url = http://sso.profile\nsso_oidc =\n  endpoint_url = http://oidc.profile\n";

    #[test]
    fn endpoint_precedence_matches_the_sdks() {
        let none = Environment::default();
        let (_h, p) = profiles(CONFIG, &none);
        assert_eq!(endpoint_url(&none, &p, Some("p"), Service::Sso).as_deref(), Some("http://sso.profile"));
        assert_eq!(endpoint_url(&none, &p, Some("p"), Service::SsoOidc).as_deref(), Some("http://oidc.profile"));
        assert_eq!(endpoint_url(&none, &p, Some("p"), Service::Sts).as_deref(), Some("http://global.profile"));
        let env = Environment::from_vars([("AWS_ENDPOINT_URL", "http://global.env")]);
        assert_eq!(endpoint_url(&env, &p, Some("p"), Service::Sso).as_deref(), Some("http://global.env"));
        let env = Environment::from_vars([
            ("AWS_ENDPOINT_URL", "http://global.env"),
            ("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc.env"),
        ]);
        assert_eq!(endpoint_url(&env, &p, Some("p"), Service::SsoOidc).as_deref(), Some("http://oidc.env"));
        assert_eq!(endpoint_url(&env, &p, Some("p"), Service::Sso).as_deref(), Some("http://global.env"));
        let env = Environment::from_vars([
            ("AWS_ENDPOINT_URL_SSO", "http://sso.env"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ]);
        assert_eq!(endpoint_url(&env, &p, Some("p"), Service::Sso), None);
        let (_h, empty) = profiles("[profile p]\nregion = us-east-1\n", &none);
        assert_eq!(endpoint_url(&none, &empty, Some("p"), Service::Sso), None);
    }

    #[test]
    fn proxy_variables_are_validated() {
        assert!(proxy_config(&Environment::default(), true).unwrap().is_none());
        let env = Environment::from_vars([("HTTPS_PROXY", "http://127.0.0.1:3128"), ("NO_PROXY", "127.0.0.1")]);
        assert!(proxy_config(&env, true).unwrap().is_some());
        assert!(proxy_config(&env, false).unwrap().is_none());
        let env = Environment::from_vars([("all_proxy", "http://127.0.0.1:3128")]);
        assert!(proxy_config(&env, false).unwrap().is_some());
        let env = Environment::from_vars([("https_proxy", "not a url")]);
        assert_eq!(proxy_config(&env, true).unwrap_err().variable, "HTTPS_PROXY");
    }

    #[test]
    fn last_response_records_round_trip_and_http_dates_parse() {
        use time::macros::datetime;
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(datetime!(1994-11-06 08:49:37 UTC)));
        assert_eq!(parse_http_date("yesterday"), None);
        let record = LastResponse {
            server_date: datetime!(2026-11-23 12:10:00 UTC),
            local_time: datetime!(2026-11-23 12:00:00 UTC),
            endpoint: "sso".into(),
        };
        let bytes = record.to_bytes();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"server_date": "2026-11-23T12:10:00Z", "local_time": "2026-11-23T12:00:00Z", "endpoint": "sso"}"#
        );
        assert_eq!(LastResponse::parse(&bytes), Some(record.clone()));
        assert_eq!(record.skew(), -time::Duration::minutes(10));
        assert_eq!(LastResponse::parse(b"{}"), None);
    }

    #[test]
    fn server_messages_stay_on_one_short_line() {
        assert_eq!(one_line("a\nb\r\tc"), "a b  c");
        assert_eq!(one_line(&"x".repeat(500)).len(), 200);
    }
}
