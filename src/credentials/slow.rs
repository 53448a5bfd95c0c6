//! What the two slow paths (an SSO role, a role chain) share: the context they run in (locks,
//! how long to wait for one, the connection to AWS, the time), taking a lock, the throttling
//! back-off, keeping fresh credentials in the AWS CLI's cache, and serving still-valid cached
//! credentials when AWS fails for a reason that may pass.

use std::fmt::Display;
use std::path::{Path, PathBuf};
use std::time::Duration;

use time::OffsetDateTime;

use crate::aws::{CallFailure, Connection};
use crate::error::Error;
use crate::lock::{self, LockDir, LockError, LockGuard};
use crate::role_credentials::RoleCredentials;
use crate::{Report, backoff, timestamp};

/// Cached credentials are served despite a transient failure only with at least this much left.
pub const DEGRADED_MIN_REMAINING: time::Duration = time::Duration::minutes(1);

/// What every slow path runs with.
#[derive(Debug)]
pub struct SlowContext<'a> {
    /// Where the locks (and back-off files) are; `None` if there is no cache folder (then nothing
    /// is locked).
    pub locks: Option<LockDir>,
    /// How long to wait for a lock (`--lock-timeout`).
    pub lock_timeout: Duration,
    /// How to reach AWS.
    pub connection: &'a Connection,
    /// The time the run started.
    pub now: OffsetDateTime,
}

impl SlowContext<'_> {
    /// Takes the lock `path(locks)` names, waiting up to the lock timeout; without a lock folder,
    /// or if the lock file cannot be opened, goes on unlocked (locking saves calls; it is not
    /// needed to work). `what` says what the lock guards, for the timeout message.
    pub fn lock(
        &self,
        path: impl FnOnce(&LockDir) -> PathBuf,
        what: String,
        report: &mut Report,
    ) -> Result<Option<LockGuard>, Error> {
        let Some(locks) = &self.locks else {
            report.step("no cache folder for lock files: going on without locking".to_owned());
            return Ok(None);
        };
        let path = path(locks);
        let started = std::time::Instant::now();
        match lock::acquire(&path, self.lock_timeout) {
            Ok(guard) => {
                report.step(format!("took the lock `{}` after {} ms", path.display(), started.elapsed().as_millis()));
                Ok(Some(guard))
            }
            Err(LockError::Unavailable(e)) => {
                report.step(format!("cannot lock `{}` ({e}): going on without the lock", path.display()));
                Ok(None)
            }
            Err(LockError::Timeout { waited, holder }) => {
                Err(Error::LockTimeout { what, waited_secs: waited.as_secs(), holder, path })
            }
        }
    }

    /// Fails at once while a recent throttled call for `cache_file` asks every caller to hold off.
    pub fn check_backoff(&self, cache_file: &Path, subject: &dyn Display) -> Result<(), Error> {
        let Some(locks) = &self.locks else { return Ok(()) };
        match backoff::active_until(&locks.backoff_file(cache_file), self.now) {
            Some(until) => Err(Error::BackingOff { subject: subject.to_string(), until: timestamp::format(until) }),
            None => Ok(()),
        }
    }

    /// After a throttled call for `cache_file`, asks every caller to hold off for a while.
    pub fn record_backoff(&self, cache_file: &Path, failure: &CallFailure) {
        if let (true, Some(locks)) = (failure.is_throttling(), &self.locks) {
            backoff::record(&locks.backoff_file(cache_file), self.now);
        }
    }

    /// The tail both slow paths share: credentials fresh from `operation` are refused if they are
    /// already near expiry (a wrong clock), else written to the AWS CLI's cache file `path` as
    /// `bytes` (a failed write is a warning: they still serve this run). Whether they last what
    /// the caller asks is for the caller to check, after: cached, they serve every caller that
    /// needs less.
    pub fn keep(
        &self,
        (operation, target): (&'static str, String),
        credentials: &RoleCredentials,
        (path, bytes): (&Path, &[u8]),
        report: &mut Report,
    ) -> Result<(), Error> {
        if !credentials.fresh_at(self.now) {
            return Err(Error::ShortLivedCredentials {
                operation,
                target,
                expiration: timestamp::format(credentials.expiration),
            });
        }
        match crate::fs_util::write_atomically(path, bytes) {
            Ok(()) => report.step(format!("cached them in {}", path.display())),
            Err(e) => report.warn(format!("cannot write the role credential cache `{}`: {e}", path.display())),
        }
        Ok(())
    }
}

/// `result`, or, if it failed for a reason that may pass, the `stale` cached credentials while they
/// have at least `fallback_min` left ([`DEGRADED_MIN_REMAINING`], or all `--min-ttl` asks), with
/// a warning.
pub fn serve_stale_on_transient(
    result: Result<RoleCredentials, Error>,
    stale: Option<RoleCredentials>,
    now: OffsetDateTime,
    fallback_min: time::Duration,
    report: &mut Report,
) -> Result<RoleCredentials, Error> {
    match result {
        Err(error) if error.is_transient() => match stale {
            Some(cached) if cached.lasts(now, fallback_min) => {
                report.warn(format!(
                    "{}; using cached credentials that expire at {}",
                    error.one_line(),
                    timestamp::format(cached.expiration)
                ));
                Ok(cached)
            }
            _ => Err(error),
        },
        other => other,
    }
}

/// Whether these are the credentials STS refused.
pub fn is_rejected(credentials: &RoleCredentials, rejected: Option<&str>) -> bool {
    rejected == Some(credentials.access_key_id.as_str())
}
