//! Inspecting: the config and the files → what the helper sees per profile ([`ProfileStatus`]).

use super::*;

/// Every profile in the config that gets credentials from IAM Identity Center, by name; ones that
/// fail to resolve are listed with their error.
pub(super) fn inspect_all(invocation: &Invocation, locks: Option<&LockDir>) -> Result<Vec<Entry>, Error> {
    let mut loaded = config::load(&invocation.env, None)?;
    let own_names = own_names(invocation);
    let names: Vec<String> = loaded
        .files
        .profile_names()
        .into_iter()
        .filter(|name| uses_sso(&loaded.files, name, &own_names))
        .map(str::to_owned)
        .collect();
    if names.is_empty() {
        return Err(Error::Usage(format!(
            "no profile in `{}` gets its credentials from IAM Identity Center (SSO)",
            loaded.path.display()
        )));
    }
    // Each profile resolved on the files read once, as `--profile NAME` would resolve it.
    Ok(names
        .into_iter()
        .map(|name| {
            loaded.selected = Some(name.clone());
            match inspect_loaded(&Target::Profile(Some(name.clone())), invocation, locks, &loaded) {
                Ok(status) => Entry::Shown(Box::new(status)),
                Err(error) => Entry::Unresolved { profile: name, error: error.one_line() },
            }
        })
        .collect())
}

pub(super) fn own_names(invocation: &Invocation) -> Vec<&str> {
    invocation.program_name.iter().map(String::as_str).collect()
}

/// Whether profile `name` gets its credentials from IAM Identity Center: it has SSO keys, or its
/// `source_profile` chain (followed as `config::resolve` does, through a `credential_process`
/// that runs this helper) ends at a profile that has. A broken chain (a missing profile, a loop,
/// no source) counts too, so that `--all` shows its error rather than hiding it.
pub(super) fn uses_sso(profiles: &SharedConfig, name: &str, own_names: &[&str]) -> bool {
    use config::{has_sso_keys, has_static_keys};
    let mut visited: Vec<String> = Vec::new();
    let mut current = name.to_owned();
    loop {
        let Some(profile) = profiles.profile(&current) else { return true };
        if visited.contains(&current) {
            // A profile may name itself as its source only to use its own keys.
            return !(visited.last() == Some(&current) && has_static_keys(&profile));
        }
        let is_target = visited.is_empty();
        visited.push(current.clone());
        if visited.len() > MAX_HOPS + 1 {
            return true;
        }
        if profile.get("web_identity_token_file").is_some() {
            return false;
        }
        if profile.get("role_arn").is_some() && (is_target || !has_static_keys(&profile)) {
            match profile.get("source_profile") {
                Some(source) => current = source.to_owned(),
                // `credential_source` takes credentials from the host; with neither key the
                // profile is broken.
                None => return profile.get("credential_source").is_none(),
            }
            continue;
        }
        if has_sso_keys(&profile) {
            return true;
        }
        match config::helper_profile(&profile, own_names) {
            // A profile that runs this helper is not itself an SSO profile; a source that does
            // leads to the profile it names.
            Some(target) if !is_target && !has_static_keys(&profile) => current = target,
            _ => return false,
        }
    }
}

/// Reads everything `status` shows for `target`. Config errors are returned as they are.
pub(super) fn inspect(
    target: &Target,
    invocation: &Invocation,
    locks: Option<&LockDir>,
) -> Result<ProfileStatus, Error> {
    let loaded = config::load(&invocation.env, config::profile_name(target, &invocation.env).as_deref())?;
    inspect_loaded(target, invocation, locks, &loaded)
}

/// [`inspect`] on files already read, with the target's profile selected in `loaded`.
pub(super) fn inspect_loaded(
    target: &Target,
    invocation: &Invocation,
    locks: Option<&LockDir>,
    loaded: &LoadedConfig,
) -> Result<ProfileStatus, Error> {
    let env = &invocation.env;
    let now = invocation.now;
    let profile = config::profile_name(target, env);
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;
    let (role, chain) = match config::resolve(loaded, env, target, &own_names(invocation))? {
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
