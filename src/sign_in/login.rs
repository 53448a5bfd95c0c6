//! `login`: a sign-in that writes the AWS CLI's files, as `aws sso login` does.
//!
//! 1. The session: [`config::login_session`] (a profile's `sso_session` or legacy keys,
//!    `--sso-session`, or `--start-url` + `--region`).
//! 2. The flow: the authorization code with PKCE for an `[sso-session]`, the device code for the
//!    legacy layout or with `--use-device-code` (the CLI's `do_sso_login`), and also where no
//!    browser here can answer the redirect ([`browser::headless_reason`]), saying so.
//! 3. The client registration: the cached one if it is usable for the flow, else a new one,
//!    cached where the CLI caches it ([`registration`]).
//! 4. The person signs in in a browser; `CreateToken` redeems the code.
//! 5. The token file is written whole, atomically, under the same lock as a refresh.

use std::time::{Duration, Instant};

use crate::clock::RunClock;
use crate::config::{self, ConfigError, LoginSession, SsoSession, Target};
use crate::token::registration::{self, Flow, Registration};
use crate::token::{self, cache as token_cache};
use crate::{Error, ExitKind, Invocation, Outcome, aws, lock, runtime, timestamp};

use super::browser::{self, Surroundings};
use super::oidc::{self, IssuedToken, Poll};
use super::pkce::{self, Callback, Listener, Pkce, WaitError};

/// `login`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginRequest {
    /// What to sign in to (account and role are not used).
    pub target: Target,
    /// Use the device code even where the authorization code would do.
    pub use_device_code: bool,
    /// Print the URL instead of opening a browser.
    pub no_browser: bool,
}

/// The variable that shortens (or lengthens) how long `login` waits for the browser's answer, in
/// seconds (default [`pkce::TIME_LIMIT`], the CLI's 10 minutes).
pub const TIME_LIMIT_VARIABLE: &str = "AWS_SSO_CREDENTIAL_PROCESS_LOGIN_TIMEOUT";

/// Signs in and writes the token file. `tell` shows the person a line (on stderr): the URL to
/// open, the code to enter, why the device code is used.
///
/// # Errors
/// A config error (exit 2); the sign-in refused, timed out, answered with another login's
/// state or left unapproved ([`Error::SignIn`], exit 3); an AWS or network failure (exit 4); a
/// file that cannot be written (exit 1).
pub fn run(
    request: &LoginRequest,
    invocation: &Invocation,
    surroundings: Surroundings,
    tell: &mut dyn FnMut(&str),
) -> Result<Outcome, Error> {
    let env = &invocation.env;
    let clock = RunClock::starting_at(invocation.now);
    let own_names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    let loaded = config::load(env)?;
    let login = config::login_session(&loaded, env, &request.target, &own_names)?;
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;
    let mut flow = Flow::for_login(login.session.name(), request.use_device_code);
    let headless = browser::headless_reason(env, surroundings);
    if flow == Flow::AuthorizationCode
        && let Some(reason) = headless
    {
        tell(&format!("{reason}: signing in with a device code, which works from any device"));
        flow = Flow::DeviceCode;
    }

    let connection = aws::Connection::new(env, &loaded, login.profile.as_deref())?
        .recording_responses(env.cache_dir(), invocation.now);
    let region = login.session.region().to_owned();
    let client = connection.oidc(&region);
    let rt = runtime::current_thread().map_err(Error::Runtime)?;
    let session = &login.session;
    let failed = |operation: &'static str| {
        move |failure| Error::Aws { operation, target: format!("for the {session}"), failure, hint: None }
    };

    let trace = |line: String| {
        if let Some(trace) = invocation.trace {
            trace(&line);
        }
    };
    trace(format!(
        "signing in to the {session} with the {}",
        if flow == Flow::AuthorizationCode { "authorization code (PKCE)" } else { "device code" }
    ));
    let registration = registration_for(&login, flow, &aws_dir, clock.now(), &trace, |request| {
        rt.block_on(oidc::register_client(&client, request)).map_err(failed("RegisterClient"))
    })?;

    let issued = match flow {
        Flow::AuthorizationCode => {
            let listener = Listener::bind().map_err(|source| {
                Error::SignIn(format!("cannot listen on 127.0.0.1 for the browser's answer: {source}"))
            })?;
            trace(format!("listening for the browser's answer on 127.0.0.1:{}", listener.port()));
            let secrets = Pkce::new().map_err(|e| Error::SignIn(format!("no random numbers from the system: {e}")))?;
            let url = pkce::authorize_url(
                &connection.oidc_endpoint(&region),
                &registration.client_id,
                listener.port(),
                secrets.state.expose(),
                &secrets.challenge,
                login.scopes.as_deref().unwrap_or_default(),
            );
            if request.no_browser {
                tell(&format!(
                    "To sign in to the {session}, open this URL in a browser on this computer (it answers to 127.0.0.1):\n\n  {url}\n\nOn another device, run this again with --use-device-code."
                ));
            } else {
                tell(&format!(
                    "Opening your browser to sign in to the {session}. If it does not open, open this URL:\n\n  {url}\n\nOn another device, run this again with --use-device-code."
                ));
                if let Err(e) = browser::open(&url) {
                    tell(&format!("could not open a browser ({e}): open the URL above"));
                }
            }
            let limit = env
                .get(TIME_LIMIT_VARIABLE)
                .and_then(|seconds| seconds.trim().parse().ok())
                .map_or(pkce::TIME_LIMIT, Duration::from_secs);
            let code = match listener.wait(Instant::now() + limit) {
                Err(WaitError::TimedOut) => {
                    return Err(Error::SignIn(format!(
                        "no answer from the browser within {}; run the login again",
                        crate::lifetime::human(time::Duration::try_from(limit).unwrap_or(time::Duration::ZERO))
                    )));
                }
                Err(WaitError::Io(e)) => {
                    return Err(Error::SignIn(format!("the listener for the browser's answer failed: {e}")));
                }
                Ok(Callback::Refused { error, description }) => {
                    let description = description.map(|d| format!(": {d}")).unwrap_or_default();
                    return Err(Error::SignIn(format!(
                        "the sign-in was refused ({error}{description}); nothing was written"
                    )));
                }
                Ok(Callback::Code { state, .. }) if !secrets.state_matches(&state) => {
                    return Err(Error::SignIn(
                        "the browser's answer carried another sign-in's state, so its code was not used and nothing was written; run the login again".to_owned(),
                    ));
                }
                Ok(Callback::Code { code, .. }) => code,
            };
            rt.block_on(oidc::redeem_authorization_code(
                &client,
                &registration,
                &code,
                &pkce::redirect_uri(listener.port()),
                &secrets.verifier,
            ))
            .map_err(failed("CreateToken"))?
        }
        Flow::DeviceCode => {
            let authorization = rt
                .block_on(oidc::start_device_authorization(&client, &registration, session.start_url()))
                .map_err(failed("StartDeviceAuthorization"))?;
            let complete = authorization.verification_uri_complete.as_deref();
            tell(&format!(
                "To sign in to the {session}, open {} on any device and enter the code {}{}",
                authorization.verification_uri,
                authorization.user_code,
                complete.map(|url| format!("\n(or open {url}, which fills the code in)")).unwrap_or_default()
            ));
            if !request.no_browser && headless.is_none() {
                let _ = browser::open(complete.unwrap_or(&authorization.verification_uri));
            }
            poll(&rt, &client, &registration, &authorization, session)?
        }
    };

    let token_path = token_cache::token_path(&aws_dir, session);
    let expires_at = clock.now() + issued.expires_in;
    let bytes = token::signed_in_file(
        session.start_url(),
        &region,
        &issued.access_token,
        expires_at,
        &registration,
        issued.refresh_token.as_ref(),
    );
    write_token(env, &token_path, &bytes)?;
    trace(format!("wrote the token to {}", token_path.display()));

    let refresh = match &issued.refresh_token {
        Some(_) => format!(
            "refreshed by this helper (and the AWS CLI) until the client registration expires at {}",
            timestamp::format(registration.expires_at)
        ),
        None => {
            "it cannot be refreshed (no refresh token: the session's sso_registration_scopes lack sso:account:access)"
                .to_owned()
        }
    };
    let stdout = format!(
        "signed in to the {session}: the token in {} expires at {}, {refresh}\n",
        token_path.display(),
        timestamp::format(expires_at)
    );
    Ok(Outcome { stdout, exit_code: ExitKind::Success })
}

/// The cached registration for this session and scopes if it is usable for `flow` (the CLI's
/// rules, [`registration::usable_for`]), else a new one from `register`, cached.
fn registration_for(
    login: &LoginSession,
    flow: Flow,
    aws_dir: &std::path::Path,
    now: time::OffsetDateTime,
    trace: &dyn Fn(String),
    register: impl FnOnce(&registration::RegisterRequest) -> Result<Registration, Error>,
) -> Result<Registration, Error> {
    let session = &login.session;
    let session_name = session.name();
    let path =
        registration::cache_path(aws_dir, session.start_url(), session.region(), login.scopes.as_deref(), session_name);
    if let Ok(Some(cached)) = registration::read(&path)
        && registration::usable_for(&cached, now, flow)
    {
        trace(format!(
            "reusing the client registration in {} (expires at {})",
            path.display(),
            timestamp::format(cached.expires_at)
        ));
        return Ok(cached);
    }
    let request =
        registration::register_request_for(flow, session_name, session.start_url(), login.scopes.as_deref(), now);
    let registration = register(&request)?;
    registration::write(&path, &registration).map_err(|source| Error::Io {
        what: "write the client registration",
        path: path.clone(),
        source,
    })?;
    trace(format!("registered client `{}` and cached it in {}", request.client_name, path.display()));
    Ok(registration)
}

/// Polls `CreateToken` at the service's interval (5 s more after each `slow_down`) until the
/// person approves, declines, or the device code expires.
fn poll(
    rt: &tokio::runtime::Runtime,
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    authorization: &oidc::DeviceAuthorization,
    session: &SsoSession,
) -> Result<IssuedToken, Error> {
    let deadline = Instant::now() + authorization.expires_in;
    let mut interval = authorization.interval;
    let expired = || {
        Error::SignIn(format!(
            "the code expired before the sign-in was approved (it lasts {}); run the login again",
            crate::lifetime::human(time::Duration::try_from(authorization.expires_in).unwrap_or(time::Duration::ZERO))
        ))
    };
    loop {
        if Instant::now() >= deadline {
            return Err(expired());
        }
        std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
        let polled = rt.block_on(oidc::poll_device_token(client, registration, &authorization.device_code));
        match polled.map_err(|failure| Error::Aws {
            operation: "CreateToken",
            target: format!("for the {session}"),
            failure,
            hint: None,
        })? {
            Poll::Token(token) => return Ok(token),
            Poll::Pending => {}
            Poll::SlowDown => interval += oidc::SLOW_DOWN,
            Poll::Expired => return Err(expired()),
            Poll::Denied(description) => {
                let description = description.map(|d| format!(": {d}")).unwrap_or_default();
                return Err(Error::SignIn(format!("the sign-in was denied{description}; nothing was written")));
            }
        }
    }
}

/// Writes the token file under the token lock (the one a refresh takes), so a login racing
/// callers that refresh loses nothing: each writes a whole file, one after the other.
fn write_token(env: &crate::env::Environment, path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    let _guard =
        super::locked(env.cache_dir().map(|dir| lock::LockDir::new(&dir).token_lock(path)), "refreshing the token")?;
    if let Some(dir) = path.parent() {
        crate::fs_util::create_private_dir_all(dir).map_err(|source| Error::Io {
            what: "create the SSO token cache folder",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    crate::fs_util::write_atomically(path, bytes).map_err(|source| Error::Io {
        what: "write the SSO token",
        path: path.to_path_buf(),
        source,
    })
}
