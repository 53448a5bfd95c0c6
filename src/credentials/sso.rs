//! The slow path: role lock, double check, a usable SSO token (refreshed under the token lock if
//! due), `GetRoleCredentials`, the cache, and graceful degradation.
//!
//! Only reached when the role credential cache has nothing fresh; this is where SDK clients are
//! built and the network is used. See `docs/design.md` for the lock protocol.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::slow::{SlowContext, is_rejected, serve_stale_on_transient};
use crate::aws::{CallFailure, FailureKind};
use crate::config::{SsoRole, SsoSession};
use crate::error::Error;
use crate::role_credentials::{self, FetchError, RoleCredentials};
use crate::secret::Secret;
use crate::token::cache::{self as token_cache, ReadError};
use crate::token::{
    self, AfterRefreshFailure, CachedToken, InvalidToken, NotRefreshable, RefreshFailed, RefreshGrant, TokenDecision,
    refresh,
};
use crate::{Report, timestamp};

/// Re-reads of a token file that was not valid JSON: the AWS CLI rewrites it in place (truncate,
/// then write), so a reader can catch it half-written. Each waits 10–40 ms (jittered, so as not to
/// fall into step with a writer), about half a second in all.
const TOKEN_REREADS: u64 = 16;

/// Everything the slow path works with.
#[derive(Debug)]
pub struct SlowPath<'a> {
    /// The role to get credentials for.
    pub role: &'a SsoRole,
    /// The AWS CLI's role-cache file for `role` (`role_credentials::cache_path`).
    pub cache_path: PathBuf,
    /// The SSO token cache file for `role.session` (`token::cache::token_path`).
    pub token_path: PathBuf,
    /// Locks, connection, time.
    pub context: &'a SlowContext<'a>,
    /// How long the credentials must still last: 15 minutes, or `--min-ttl`
    /// ([`crate::lifetime::required_remaining`]).
    pub required: time::Duration,
}

impl SlowPath<'_> {
    /// Fresh credentials, or, if getting them fails for a reason that may pass, the stale ones
    /// from the cache while they have `fallback_min` left (with a warning). Cached credentials
    /// with the access key `rejected` (refused by STS further down a role chain) are never used.
    pub fn credentials(
        &self,
        stale: Option<RoleCredentials>,
        rejected: Option<&str>,
        fallback_min: time::Duration,
        report: &mut Report,
    ) -> Result<RoleCredentials, Error> {
        let stale = stale.filter(|cached| !is_rejected(cached, rejected));
        let files = [self.cache_path.as_path(), self.token_path.as_path()];
        crate::fs_util::warn_about_untrusted_folders(files, &mut report.warnings);
        serve_stale_on_transient(self.locked_fetch(rejected, report), stale, self.context.now, fallback_min, report)
    }

    /// Under the role lock: the double check, the back-off, then the fetch.
    fn locked_fetch(&self, rejected: Option<&str>, report: &mut Report) -> Result<RoleCredentials, Error> {
        let role = self.role;
        let what = format!("fetching role credentials for {} in account {}", role.role_name, role.account_id);
        let _role_lock = self.context.lock(|locks| locks.role_lock(&self.cache_path), what, report)?;
        // Another caller may have fetched them while we waited for the lock.
        if let Some(cached) = role_credentials::read_cached(&self.cache_path, role)
            .filter(|c| c.lasts(self.context.now, self.required) && !is_rejected(c, rejected))
        {
            report.step("another caller cached fresh role credentials while we waited: using them".to_owned());
            return Ok(cached);
        }
        self.context.check_backoff(&self.token_path, &self.role.session)?;
        let runtime = crate::runtime::current_thread().map_err(Error::Runtime)?;
        runtime.block_on(self.fetch_and_cache(report))
    }

    /// Back-off for the session is kept next to its token file's lock.
    fn record_backoff(&self, failure: &CallFailure) {
        self.context.record_backoff(&self.token_path, failure);
    }

    /// Gets fresh role credentials from AWS and caches them where the AWS CLI does.
    async fn fetch_and_cache(&self, report: &mut Report) -> Result<RoleCredentials, Error> {
        let role = self.role;
        let access_token = self.usable_token(report).await?;
        let started = std::time::Instant::now();
        let fetched =
            role_credentials::fetch(&self.context.connection.sso(role.session.region()), &access_token, role).await;
        let credentials = match fetched {
            Ok(credentials) => credentials,
            Err(FetchError::TokenRejected(failure)) => {
                report.failed_call("GetRoleCredentials", started.elapsed(), &failure);
                return Err(login_required(&role.session, "has a token the SSO portal refused (expired or revoked)"));
            }
            Err(FetchError::Failed(failure)) => {
                report.failed_call("GetRoleCredentials", started.elapsed(), &failure);
                self.record_backoff(&failure);
                let hint = match (failure.kind, failure.code.as_deref()) {
                    (FailureKind::Transient, _) => Some("try again later".to_owned()),
                    (_, Some("ForbiddenException" | "ResourceNotFoundException")) => Some(
                        "check sso_account_id and sso_role_name, or ask your administrator to assign you this role"
                            .to_owned(),
                    ),
                    _ => None,
                };
                return Err(Error::Aws {
                    operation: "GetRoleCredentials",
                    target: format!("for role {} in account {}", role.role_name, role.account_id),
                    failure,
                    hint,
                });
            }
        };
        report.call("GetRoleCredentials", started.elapsed());
        report.step(format!("fetched role credentials expiring at {}", timestamp::format(credentials.expiration)));
        let target = format!("for role {} in account {}", role.role_name, role.account_id);
        let bytes = role_credentials::cache_file_bytes(&credentials);
        self.context.keep(("GetRoleCredentials", target), &credentials, (&self.cache_path, &bytes), report)?;
        let now = self.context.now;
        if !credentials.lasts(now, self.required) {
            return Err(crate::lifetime::sso_role_too_short(role, &credentials, now, self.required));
        }
        Ok(credentials)
    }

    /// The access token to use, refreshing it first (under the token lock) if it expires within
    /// the refresh window.
    async fn usable_token(&self, report: &mut Report) -> Result<Secret, Error> {
        let session = &self.role.session;
        let path = &self.token_path;
        let token = read_token(path, session).await?;
        let decision = token::decide(&token, self.context.now);
        report.step(format!(
            "SSO token in {} expires at {}: {decision}",
            path.display(),
            timestamp::format(token.expires_at)
        ));
        match decision {
            TokenDecision::Use => return Ok(token.access_token),
            TokenDecision::LoginRequired(why) => return Err(cannot_refresh(session, why)),
            TokenDecision::RefreshOrUse | TokenDecision::MustRefresh => {}
        }

        let _token_lock =
            self.context.lock(|locks| locks.token_lock(path), format!("refreshing the {session}"), report)?;
        // Another caller may have refreshed it while we waited for the lock.
        let mut token = read_token(path, session).await?;
        let mut rotated_elsewhere = false;
        loop {
            let decision = token::decide(&token, self.context.now);
            let grant = match (decision, token.usable_grant(self.context.now)) {
                (TokenDecision::Use, _) => {
                    report.step("another process refreshed the SSO token meanwhile: using it".to_owned());
                    return Ok(token.access_token);
                }
                (TokenDecision::LoginRequired(why), _) | (_, Err(why)) => return Err(cannot_refresh(session, why)),
                (_, Ok(grant)) => grant,
            };
            let failure = match self.refresh(&token, grant, report).await {
                Ok(access_token) => return Ok(access_token),
                Err(failure) => failure,
            };
            // invalid_grant: someone outside our locks (the AWS CLI, another machine sharing the
            // home folder) may have rotated the refresh token first. Their newer token is on disk.
            let on_disk = match failure.code.as_deref() == Some("InvalidGrantException") && !rotated_elsewhere {
                true => Some(read_token(path, session).await?).filter(|on_disk| differs(on_disk, &token)),
                false => None,
            };
            let failed = RefreshFailed {
                newer_token_on_disk: on_disk.is_some(),
                rejected: failure.kind == FailureKind::Rejected,
            };
            match token::after_refresh_failure(decision, failed) {
                AfterRefreshFailure::UseNewerOnDisk => {
                    report.step(
                        "the refresh token was rotated by another process: using the newer token on disk".to_owned(),
                    );
                    token = on_disk.expect("a newer token was read");
                    rotated_elsewhere = true;
                }
                outcome => return self.refresh_failed(outcome, token, failure, report),
            }
        }
    }
}

impl SlowPath<'_> {
    /// `CreateToken` with the refresh grant, then the refreshed token written back for the AWS CLI
    /// and the SDKs (a failed write is a warning: the new token still serves this run).
    async fn refresh(
        &self,
        token: &CachedToken,
        grant: &RefreshGrant,
        report: &mut Report,
    ) -> Result<Secret, CallFailure> {
        let (session, path) = (&self.role.session, &self.token_path);
        let started = std::time::Instant::now();
        let new = match refresh::create_token(&self.context.connection.oidc(session.region()), grant).await {
            Ok(new) => new,
            Err(failure) => {
                report.failed_call("CreateToken", started.elapsed(), &failure);
                return Err(failure);
            }
        };
        report.call("CreateToken", started.elapsed());
        let refreshed = token.refreshed(&new, self.context.now);
        match token_cache::write(path, &refreshed) {
            Ok(()) => report.step(format!(
                "refreshed the SSO token (now expires at {}) and wrote it back",
                timestamp::format(refreshed.expires_at)
            )),
            Err(e) => report.warn(format!(
                "refreshed the SSO token but cannot write it back to `{}` ({e}); other tools may need {}",
                path.display(),
                session.login_commands()
            )),
        }
        Ok(refreshed.access_token)
    }

    /// Carries out what [`token::after_refresh_failure`] decided (other than retrying).
    fn refresh_failed(
        &self,
        outcome: AfterRefreshFailure,
        token: CachedToken,
        failure: CallFailure,
        report: &mut Report,
    ) -> Result<Secret, Error> {
        let session = &self.role.session;
        match outcome {
            // `UseNewerOnDisk` is retried by the caller; should it get here, the current token is
            // the safe answer.
            AfterRefreshFailure::UseCurrent | AfterRefreshFailure::UseNewerOnDisk => {
                report.warn(format!(
                    "could not refresh the {session} ({failure}); using the current token, which expires at {}",
                    timestamp::format(token.expires_at)
                ));
                Ok(token.access_token)
            }
            AfterRefreshFailure::LoginRequired => {
                Err(login_required(session, &format!("has expired and its refresh was refused ({failure})")))
            }
            AfterRefreshFailure::BackOff => {
                self.record_backoff(&failure);
                Err(Error::Aws {
                    operation: "CreateToken",
                    target: format!("to refresh the {session}"),
                    failure,
                    hint: Some("try again later".to_owned()),
                })
            }
        }
    }
}

/// Whether the file now holds another token than the one we tried to refresh.
fn differs(on_disk: &CachedToken, ours: &CachedToken) -> bool {
    let refresh_token = |t: &CachedToken| t.grant.as_ref().map(|g| g.refresh_token.clone());
    on_disk.access_token != ours.access_token || refresh_token(on_disk) != refresh_token(ours)
}

/// Reads the token file, re-reading it for about half a second if it is not valid JSON (a writer
/// that truncates in place may be half-way through), then giving up: login required.
async fn read_token(path: &Path, session: &SsoSession) -> Result<CachedToken, Error> {
    let jitter = std::collections::hash_map::RandomState::new();
    let mut rereads = 0..TOKEN_REREADS;
    loop {
        match token_cache::read(path) {
            Ok(token) => return Ok(token),
            Err(ReadError::Invalid(InvalidToken::NotJson)) if let Some(attempt) = rereads.next() => {
                let pause = 10 + std::hash::BuildHasher::hash_one(&jitter, attempt) % 31;
                tokio::time::sleep(Duration::from_millis(pause)).await;
            }
            Err(ReadError::Missing) => {
                return Err(login_required(session, &format!("has no cached token (no `{}`)", path.display())));
            }
            Err(ReadError::Invalid(why)) => {
                return Err(login_required(
                    session,
                    &format!("has an unusable token file `{}`: {why}", path.display()),
                ));
            }
            Err(ReadError::Io(source)) => {
                return Err(Error::Io { what: "read the SSO token", path: path.to_owned(), source });
            }
        }
    }
}

fn cannot_refresh(session: &SsoSession, why: NotRefreshable) -> Error {
    let mut reason = format!("has expired and cannot be refreshed ({why}");
    if why == NotRefreshable::NoRefreshToken && matches!(session, SsoSession::Legacy { .. }) {
        reason.push_str("; the legacy sso_start_url layout never gets one, an [sso-session] section does");
    }
    reason.push(')');
    login_required(session, &reason)
}

fn login_required(session: &SsoSession, reason: &str) -> Error {
    Error::LoginRequired { session: session.to_string(), reason: reason.to_owned(), command: session.login_commands() }
}
