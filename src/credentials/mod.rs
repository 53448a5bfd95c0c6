//! The credential_process command: resolve the request, print what the AWS CLI's cache holds if it
//! lasts (the hot path, `hot_path.rs`), else get new credentials on the slow path: [`sso`] for an
//! IAM Identity Center role, [`chain`] for `role_arn` hops on top of one (or of access keys).

pub mod chain;
mod hot_path;
pub mod slow;
pub mod sso;

use crate::config::{self, ConfigError, LoadedConfig, Resolved};
use crate::output::Format;
use crate::role_credentials::RoleCredentials;
use crate::{Error, Invocation, Report, Request, aws, lifetime, lock, token};

/// Resolves the request and returns credentials with at least 15 minutes (or `--min-ttl`) left,
/// from the cache or from AWS (or, if AWS cannot be reached for now, still-valid cached ones, with
/// a warning, unless `--min-ttl` was asked for).
///
/// # Errors
/// Whatever stops it, as an [`Error`] whose [`Error::exit_kind`] is the exit code: a config the
/// request cannot be resolved in, a session that needs a sign-in, AWS or the network failing.
pub fn run(request: &Request, invocation: &Invocation) -> Result<(RoleCredentials, Report), Error> {
    let env = &invocation.env;
    let mut report = Report::new(invocation.trace);
    let (resolved, loaded, followed) = resolve(request, invocation, &mut report)?;
    lifetime::check_reachable(&resolved, request.min_ttl)?;
    let required = lifetime::required_remaining(request.min_ttl);
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;

    let cached = hot_path::read(&resolved, &aws_dir);
    if let Some(credentials) = hot_path::fresh(&cached, invocation.now, required, &mut report) {
        return Ok((credentials, report));
    }

    // The slow path needs the files for endpoint settings, even when the memo resolved the request.
    let loaded = match loaded {
        Some(loaded) => loaded,
        None => config::load(env)?,
    };
    let profile = followed.or_else(|| config::profile_name(&request.target, env));
    let connection =
        aws::Connection::new(env, &loaded, profile.as_deref())?.recording_responses(env.cache_dir(), invocation.now);
    let context = slow::SlowContext {
        locks: env.cache_dir().map(|dir| lock::LockDir::new(&dir)),
        lock_timeout: request.lock_timeout,
        connection: &connection,
        now: invocation.now,
    };
    // Stale credentials are no fallback when the caller needs them to last.
    let fallback_min = if request.min_ttl.is_some() { required } else { slow::DEGRADED_MIN_REMAINING };
    let credentials = match &resolved {
        Resolved::Sso(role) => {
            let slow_path = sso::SlowPath {
                role,
                token_path: token::cache::token_path(&aws_dir, &role.session),
                cache_path: cached.path,
                context: &context,
                required,
            };
            slow_path.credentials(cached.credentials, None, fallback_min, &mut report)?
        }
        Resolved::Chain(chain) => {
            let chain_path = chain::ChainPath { chain, aws_dir: &aws_dir, context: &context, required };
            chain_path.credentials(cached.credentials, fallback_min, &mut report)?
        }
    };
    Ok((credentials, report))
}

/// The request resolved into plain data: from the memo if the files are unchanged (then the files
/// are not read, and `None` comes back for them), else from the files, remembering the result.
/// Also the profile a person's request was followed to: every format but the credential_process
/// document is for a person, and follows a profile that hands over to this helper
/// ([`config::resolve_following`]).
fn resolve(
    request: &Request,
    invocation: &Invocation,
    report: &mut Report,
) -> Result<(Resolved, Option<LoadedConfig>, Option<String>), Error> {
    let (target, env) = (&request.target, &invocation.env);
    let profile = config::profile_name(target, env);
    let own_names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    let follow = request.format != Format::Process;
    // The files' identities are taken before they are read (see `config::memo`).
    let memo = config::memo::Memo::new(env, target, profile.as_deref(), &own_names, follow);
    let for_profile = profile.as_deref().map(|p| format!(" for profile `{p}`")).unwrap_or_default();
    let config_path = env.config_file().ok_or(ConfigError::NoHome)?;
    if let Some(memo) = &memo
        && let Some((resolved, followed)) = memo.lookup(env)
    {
        report.step(format!(
            "read {}{for_profile}: unchanged since its resolution was remembered in {}",
            config_path.display(),
            memo.path().display()
        ));
        report_followed(report, profile.as_deref(), followed.as_deref());
        return Ok((resolved, None, followed));
    }
    let loaded = config::load(env)?;
    report.step(format!("read {}{for_profile}", loaded.path.display()));
    let recording = env.recording();
    let (resolved, followed) = if follow {
        config::resolve_following(&loaded, &recording, target, &own_names)?
    } else {
        (config::resolve(&loaded, &recording, target, &own_names)?, None)
    };
    report_followed(report, profile.as_deref(), followed.as_deref());
    if let Some(memo) = &memo {
        memo.store(&resolved, followed.as_deref(), &recording, invocation.now);
    }
    Ok((resolved, Some(loaded), followed))
}

/// `--verbose`: the profile asked for hands over to this helper with `--profile`, followed.
fn report_followed(report: &mut Report, profile: Option<&str>, followed: Option<&str>) {
    if let (Some(profile), Some(followed)) = (profile, followed) {
        report.step(format!(
            "profile `{profile}` gets its credentials from this helper with --profile {followed}: using profile `{followed}`"
        ));
    }
}
