//! The slow path of a role chain: the base credentials (an SSO role, with everything the SSO slow
//! path does, or static keys), then `AssumeRole` for each hop, each hop cached and locked on its
//! own.
//!
//! Each hop first gets its source credentials (from the cache, or by recursing one hop down) and
//! only then takes its own lock, so no lock is ever held while waiting for another: 64 callers
//! make one `AssumeRole` per hop, and two chains that share hops in a different order cannot
//! deadlock. If STS refuses the source credentials themselves (`ExpiredToken`,
//! `InvalidClientTokenId`, e.g. a cache entry revoked early), the source is fetched anew once,
//! skipping the refused cache entry, and the hop is tried again.

use std::path::Path;

use super::slow::{DEGRADED_MIN_REMAINING, SlowContext, is_rejected, serve_stale_on_transient};
use super::sso::SlowPath;
use crate::assume_role::{self, AssumeError};
use crate::aws::{CallFailure, FailureKind};
use crate::config::{AssumeRoleHop, ChainBase, RoleChain};
use crate::error::Error;
use crate::role_credentials::{self, MIN_REMAINING, RoleCredentials};
use crate::{Report, timestamp, token};

/// Everything the chain's slow path works with.
#[derive(Debug)]
pub struct ChainPath<'a> {
    /// The resolved chain.
    pub chain: &'a RoleChain,
    /// `~/.aws`, where the caches are.
    pub aws_dir: &'a Path,
    /// Locks, connection, time.
    pub context: &'a SlowContext<'a>,
    /// How long the last hop's credentials must still last: 15 minutes, or `--min-ttl`.
    pub required: time::Duration,
}

/// Credentials to sign the next `AssumeRole` with.
struct Source {
    credentials: aws_credential_types::Credentials,
    access_key_id: String,
    /// What they are, for messages: `SSO role ReadOnly in account … (profile `dev-sso`)`.
    description: String,
    /// Whether new ones can be fetched if STS refuses these (not for keys written in a file).
    refetchable: bool,
}

impl ChainPath<'_> {
    /// Fresh credentials for the last hop, or, if getting them fails for a reason that may pass,
    /// the stale cached ones while they are still valid (with a warning).
    pub fn credentials(
        &self,
        stale: Option<RoleCredentials>,
        fallback_min: time::Duration,
        report: &mut Report,
    ) -> Result<RoleCredentials, Error> {
        let last_hop_cache = assume_role::cache_path(self.aws_dir, self.chain.last_hop());
        crate::fs_util::warn_about_untrusted_folders([last_hop_cache.as_path()], &mut report.warnings);
        let result = self.hop(self.chain.hops.len() - 1, None, report);
        serve_stale_on_transient(result, stale, self.context.now, fallback_min, report)
    }

    /// Credentials for hop `index`: from its cache if fresh (and not `rejected`), else assumed
    /// with its source's credentials.
    // Long by design: one hop's whole protocol (cache, source, lock, double check, back-off, the
    // call, and the one retry with fresh source credentials) in the order it happens.
    fn hop(&self, index: usize, rejected: Option<&str>, report: &mut Report) -> Result<RoleCredentials, Error> {
        let hop = &self.chain.hops[index];
        let path = assume_role::cache_path(self.aws_dir, hop);
        // Only the printed (last) hop must last --min-ttl; a source need only be valid for the call.
        let required = if index + 1 == self.chain.hops.len() { self.required } else { MIN_REMAINING };
        let usable = |c: &RoleCredentials| c.lasts(self.context.now, required) && !is_rejected(c, rejected);
        if let Some(cached) = assume_role::read_cached(&path, hop).filter(usable) {
            report.step(format!("cached credentials for {hop} in {} are fresh", path.display()));
            return Ok(cached);
        }
        let mut source_rejected: Option<String> = None;
        loop {
            let source = self.source(index, source_rejected.as_deref(), report)?;
            let what = format!("assuming {hop}");
            let _hop_lock = self.context.lock(|locks| locks.role_lock(&path), what, report)?;
            // Another caller may have assumed it while we waited for the lock.
            if let Some(cached) = assume_role::read_cached(&path, hop).filter(usable) {
                report.step(format!("another caller cached fresh credentials for {hop} meanwhile: using them"));
                return Ok(cached);
            }
            self.context.check_backoff(&path, hop)?;
            let client = self.context.connection.sts(&self.chain.sts, source.credentials.clone());
            let runtime = crate::runtime::current_thread().map_err(Error::Runtime)?;
            let started = std::time::Instant::now();
            let failure = match runtime.block_on(assume_role::assume(&client, hop)) {
                Ok(assumed) => {
                    report.call("AssumeRole", started.elapsed());
                    let credentials = assumed.credentials.clone();
                    let expiration = timestamp::format(credentials.expiration);
                    report.step(format!("assumed {hop}: credentials expire at {expiration}"));
                    let bytes = assume_role::cache_file_bytes(&assumed);
                    self.context.keep(("AssumeRole", format!("for {hop}")), &credentials, (&path, &bytes), report)?;
                    if !credentials.lasts(self.context.now, required) {
                        return Err(crate::lifetime::assumed_too_short(hop, &credentials, self.context.now, required));
                    }
                    return Ok(credentials);
                }
                Err(AssumeError::SourceRejected(failure)) if source.refetchable && source_rejected.is_none() => {
                    report.failed_call("AssumeRole", started.elapsed(), &failure);
                    report.step(format!(
                        "STS refused the source credentials ({failure}): fetching {} anew",
                        source.description
                    ));
                    source_rejected = Some(source.access_key_id);
                    continue;
                }
                Err(AssumeError::SourceRejected(failure)) => {
                    report.failed_call("AssumeRole", started.elapsed(), &failure);
                    let hint = if source.refetchable {
                        "STS refused freshly fetched source credentials too; check the system clock".to_owned()
                    } else {
                        format!("{} are invalid, inactive or expired; replace them", source.description)
                    };
                    return Err(assume_error(hop, &source, failure, Some(hint)));
                }
                Err(AssumeError::Failed(failure)) => {
                    report.failed_call("AssumeRole", started.elapsed(), &failure);
                    failure
                }
            };
            self.context.record_backoff(&path, &failure);
            let hint = self.hint(hop, &source, &failure);
            return Err(assume_error(hop, &source, failure, hint));
        }
    }

    /// The credentials hop `index` is assumed with: the previous hop's, or the chain's base.
    fn source(&self, index: usize, rejected: Option<&str>, report: &mut Report) -> Result<Source, Error> {
        if index > 0 {
            let credentials = self.hop(index - 1, rejected, report)?;
            return Ok(Source::temporary(&credentials, self.chain.hops[index - 1].to_string()));
        }
        match &self.chain.base {
            ChainBase::Sso { role, .. } => {
                let description = self.chain.base.to_string();
                let cache_path = role_credentials::cache_path(self.aws_dir, role);
                let cached = role_credentials::read_cached(&cache_path, role);
                if let Some(fresh) =
                    cached.as_ref().filter(|c| c.fresh_at(self.context.now) && !is_rejected(c, rejected))
                {
                    report.step(format!("cached {description} credentials in {} are fresh", cache_path.display()));
                    return Ok(Source::temporary(fresh, description));
                }
                let slow_path = SlowPath {
                    role,
                    token_path: token::cache::token_path(self.aws_dir, &role.session),
                    cache_path,
                    context: self.context,
                    required: MIN_REMAINING,
                };
                let credentials = slow_path.credentials(cached, rejected, DEGRADED_MIN_REMAINING, report)?;
                Ok(Source::temporary(&credentials, description))
            }
            ChainBase::StaticKeys { keys, .. } => Ok(Source {
                credentials: aws_credential_types::Credentials::new(
                    &keys.access_key_id,
                    keys.secret_access_key.expose(),
                    keys.session_token.as_ref().map(|t| t.expose().to_owned()),
                    None,
                    crate::program::PROGRAM_NAME,
                ),
                access_key_id: keys.access_key_id.clone(),
                description: self.chain.base.to_string(),
                refetchable: false,
            }),
        }
    }

    /// What to do about a failed `AssumeRole`, where we know.
    fn hint(&self, hop: &AssumeRoleHop, source: &Source, failure: &CallFailure) -> Option<String> {
        match (failure.kind, failure.code.as_deref()) {
            (FailureKind::Transient, _) => Some("try again later".to_owned()),
            (_, Some("AccessDenied")) => Some(format!(
                "check that the trust policy of {} allows {}{}",
                hop.role_arn,
                source.description,
                if hop.external_id.is_some() { " with this external_id" } else { "" }
            )),
            (_, Some("RegionDisabledException")) => Some(format!(
                "activate STS in {} (IAM console, Account settings), or set region (or sts_regional_endpoints = legacy) in profile `{}`",
                self.chain.sts.region, hop.profile
            )),
            (_, Some("ValidationError")) if hop.duration_seconds.is_some() => Some(format!(
                "lower duration_seconds in profile `{}`: at most the role's maximum session duration, and at most 3600 when the source is itself a role (SSO roles are)",
                hop.profile
            )),
            _ => None,
        }
    }
}

impl Source {
    fn temporary(credentials: &RoleCredentials, description: String) -> Self {
        Self {
            credentials: credentials.to_signing(),
            access_key_id: credentials.access_key_id.clone(),
            description,
            refetchable: true,
        }
    }
}

fn assume_error(hop: &AssumeRoleHop, source: &Source, failure: CallFailure, hint: Option<String>) -> Error {
    Error::Aws { operation: "AssumeRole", target: format!("of {hop} with {}", source.description), failure, hint }
}
