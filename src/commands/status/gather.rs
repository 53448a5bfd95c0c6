//! Inspecting: the config and the files → what the helper sees per profile ([`ProfileStatus`]).

use super::*;
use crate::config::file::{SectionKind, section_kind};

/// Every profile in the config that gets credentials from IAM Identity Center, by name; ones that
/// fail to resolve are listed with their error.
pub(super) fn inspect_all(invocation: &Invocation, locks: Option<&LockDir>) -> Result<Vec<Entry>, Error> {
    let loaded = config::load(&invocation.env)?;
    let names: Vec<String> = loaded.files.profile_names().into_iter().map(str::to_owned).collect();
    // Each profile resolved on the files read once, as `--profile NAME` would resolve it.
    let mut entries = Vec::new();
    for name in names {
        let target = Target::Profile(Some(name.clone()));
        let resolution = config::resolve(&loaded, &invocation.env, &target, &own_names(invocation));
        if !uses_sso(&resolution) {
            continue;
        }
        entries.push(
            match resolution.map_err(Error::from).and_then(|r| inspect_resolved(r, &target, invocation, locks)) {
                Ok(status) => Entry::Shown(Box::new(status)),
                Err(error) => Entry::Unresolved { profile: name, error: error.one_line() },
            },
        );
    }
    if entries.is_empty() {
        return Err(Error::Usage(no_sso_profile(&loaded, &invocation.env)));
    }
    Ok(entries)
}

/// Why `--all` has nothing to show: the file is missing (and maybe the home folder), or its SSO
/// sections lack the `profile ` prefix, or it has no SSO profile at all.
fn no_sso_profile(loaded: &LoadedConfig, env: &crate::Environment) -> String {
    let path = loaded.path.display();
    if !loaded.path.exists() {
        return match env.home().filter(|home| loaded.path.starts_with(home) && !home.exists()) {
            Some(home) => format!(
                "no config file `{path}`: the home folder `{}` does not exist either: is HOME right?",
                home.display()
            ),
            None => format!("no config file `{path}`; create a profile with `aws configure sso`"),
        };
    }
    let unprefixed: Vec<String> = loaded
        .files
        .config
        .ini
        .sections
        .iter()
        .filter(|s| {
            section_kind(&s.name) == SectionKind::Other && config::SSO_PROFILE_KEYS.iter().any(|k| s.value(k).is_some())
        })
        .map(|s| s.name.clone())
        .collect();
    let none = format!("no profile in `{path}` gets its credentials from IAM Identity Center (SSO)");
    match unprefixed.as_slice() {
        [] => none,
        [name] => format!("{none}: [{name}] has SSO keys but is not a profile: write it [profile {name}]"),
        names => format!(
            "{none}: {} have SSO keys but are not profiles: write each as [profile NAME]",
            names.iter().map(|name| format!("[{name}]")).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub(super) fn own_names(invocation: &Invocation) -> Vec<&str> {
    invocation.program_name.iter().map(String::as_str).collect()
}

/// Whether a profile gets its credentials from IAM Identity Center, judged by the helper's own
/// resolution of it (`config::resolve`): an SSO role, or a role chain on one. A profile the helper
/// refuses counts too unless the refusal says it is not an SSO profile at all (no SSO keys,
/// access keys, credentials from the host, a web identity or another tool, a profile that runs
/// this helper), so that `--all` shows a broken chain's error rather than hiding it.
pub(super) fn uses_sso(resolution: &Result<Resolved, ConfigError>) -> bool {
    match resolution {
        Ok(Resolved::Sso(_)) => true,
        Ok(Resolved::Chain(chain)) => matches!(chain.base, ChainBase::Sso { .. }),
        Err(error) => !not_sso(error),
    }
}

/// Whether `error` says the profile is not an SSO profile at all.
fn not_sso(error: &ConfigError) -> bool {
    match error {
        ConfigError::NotSso { .. }
        | ConfigError::SelfReferencing { .. }
        | ConfigError::CredentialSource { .. }
        | ConfigError::UnsupportedSource { .. }
        | ConfigError::NoCredentials { .. } => true,
        ConfigError::WithUnreadableCredentials { then, .. } => not_sso(then),
        _ => false,
    }
}

/// Reads everything `status` shows for `target`. Config errors are returned as they are.
pub(super) fn inspect(
    target: &Target,
    invocation: &Invocation,
    locks: Option<&LockDir>,
) -> Result<ProfileStatus, Error> {
    let loaded = config::load(&invocation.env)?;
    inspect_loaded(target, invocation, locks, &loaded)
}

/// [`inspect`] on files already read, with the target's profile selected in `loaded`.
fn inspect_loaded(
    target: &Target,
    invocation: &Invocation,
    locks: Option<&LockDir>,
    loaded: &LoadedConfig,
) -> Result<ProfileStatus, Error> {
    let (resolved, followed) = config::resolve_following(loaded, &invocation.env, target, &own_names(invocation))?;
    let Some(followed) = followed else { return inspect_resolved(resolved, target, invocation, locks) };
    if let (Some(trace), Some(profile)) = (invocation.trace, config::profile_name(target, &invocation.env)) {
        trace(&format!(
            "profile `{profile}` gets its credentials from this helper with --profile {followed}: showing profile `{followed}`"
        ));
    }
    let mut status = inspect_resolved(resolved, &Target::Profile(Some(followed)), invocation, locks)?;
    status.via = config::profile_name(target, &invocation.env);
    Ok(status)
}

/// What the helper sees for `target`, resolved as `resolved`: the token, the caches, the locks.
fn inspect_resolved(
    resolved: Resolved,
    target: &Target,
    invocation: &Invocation,
    locks: Option<&LockDir>,
) -> Result<ProfileStatus, Error> {
    let env = &invocation.env;
    let now = invocation.now;
    let profile = config::profile_name(target, env);
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;
    let (role, chain) = match resolved {
        Resolved::Sso(role) => (role, None),
        Resolved::Chain(chain) => match chain.base {
            ChainBase::Sso { profile: base_profile, role } => {
                let hops = chain
                    .hops
                    .into_iter()
                    .map(|hop| {
                        let path = assume_role::cache_path(&aws_dir, &hop);
                        let cached = assume_role::read_cached(&path, &hop);
                        HopStatus {
                            credentials: cache_status(path.clone(), cached, locks, now),
                            backoff_until: backoff_until(locks, &path, now),
                            hop,
                        }
                    })
                    .collect();
                (role, Some(ChainStatus { base_profile, hops }))
            }
            ChainBase::StaticKeys { profile: base_profile, .. } => {
                return Err(Error::Usage(format!(
                    "profile `{}` does not get its credentials from IAM Identity Center: its role chain starts at the access keys of profile `{base_profile}`",
                    profile.as_deref().unwrap_or_default()
                )));
            }
        },
    };
    let token_path = token_cache::token_path(&aws_dir, &role.session);
    let role_cache = role_credentials::cache_path(&aws_dir, &role);
    let cached = role_credentials::read_cached(&role_cache, &role);
    Ok(ProfileStatus {
        target: target.clone(),
        profile,
        via: None,
        token: TokenStatus {
            file: token_file(&token_path, now),
            lock: lock_status(locks.map(|l| l.token_lock(&token_path))),
            path: token_path.clone(),
        },
        role_credentials: cache_status(role_cache, cached, locks, now),
        backoff_until: backoff_until(locks, &token_path, now),
        role,
        chain,
        verification: None,
    })
}

pub(super) fn token_file(path: &Path, now: OffsetDateTime) -> TokenFile {
    match token_cache::read(path) {
        Ok(token) => TokenFile::Read {
            expires_at: token.expires_at,
            refreshable: token.usable_grant(now).map(|_| ()),
            registration_expires_at: token.grant.as_ref().map(|grant| grant.registration_expires_at),
            decision: token::decide(&token, now),
        },
        Err(ReadError::Missing) => TokenFile::Missing,
        Err(ReadError::Io(e)) => TokenFile::Unreadable(format!("cannot read it: {e}")),
        Err(ReadError::Invalid(why)) => TokenFile::Unreadable(why.to_string()),
    }
}

pub(super) fn cache_status(
    path: PathBuf,
    cached: Option<RoleCredentials>,
    locks: Option<&LockDir>,
    now: OffsetDateTime,
) -> CacheStatus {
    CacheStatus {
        exists: path.exists(),
        problem: role_credentials::unreadable(&path).map(|e| format!("cannot read it: {e}")),
        expires_at: cached.as_ref().map(|c| c.expiration),
        fresh: cached.as_ref().is_some_and(|c| c.fresh_at(now)),
        lock: lock_status(locks.map(|l| l.role_lock(&path))),
        path,
    }
}

pub(super) fn lock_status(path: Option<PathBuf>) -> LockStatus {
    match path {
        Some(path) => LockStatus { state: Probe::Seen(lock::probe(&path)), path: Some(path) },
        None => LockStatus { path: None, state: Probe::NoLockFolder },
    }
}

pub(super) fn backoff_until(
    locks: Option<&LockDir>,
    cache_file: &Path,
    now: OffsetDateTime,
) -> Probe<Option<OffsetDateTime>> {
    match locks {
        Some(locks) => Probe::Seen(backoff::active_until(&locks.backoff_file(cache_file), now)),
        None => Probe::NoLockFolder,
    }
}
