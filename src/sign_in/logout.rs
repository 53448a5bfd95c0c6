//! `logout`: signing out, as `aws sso logout` does (`awscli/customizations/sso/logout.py`), or of
//! one session only.
//!
//! Without a target, every token file in `~/.aws/sso/cache` (a JSON file with `accessToken`) is
//! revoked with SSO `Logout` in its own region (best effort: an expired token is refused, and
//! that is fine) and deleted, then every `~/.aws/cli/cache` file whose `ProviderType` is `sso`
//! is deleted. Client registrations stay, as with the CLI. With a target, only that session's
//! token and the cached credentials of the profiles that use it (their SSO roles, and the hops
//! of role chains resting on them).
//!
//! Each file is deleted under the lock a refresh or fetch of it takes, so a caller refreshing at
//! that moment cannot write a token back after it was revoked.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::{self, ChainBase, ConfigError, Resolved, SsoSession, Target};
use crate::lock::LockDir;
use crate::{Error, ExitKind, Invocation, Outcome, assume_role, aws, fs_util, role_credentials, runtime};

/// `logout`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    /// The session to sign out of; `None`: every session on this machine.
    pub target: Option<Target>,
}

/// What a caller whose lock `logout` waits for is doing, for the timeout's message.
const DELETING: &str = "refreshing or fetching what is being deleted";

/// Signs out and deletes the files; says what was done.
///
/// # Errors
/// A config error for a target (exit 2); a file that cannot be deleted (exit 1). A refused or
/// failed `Logout` call is not an error: the token is deleted all the same.
pub fn run(request: &LogoutRequest, invocation: &Invocation) -> Result<Outcome, Error> {
    let env = &invocation.env;
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;
    let locks = env.cache_dir().map(|dir| LockDir::new(&dir));
    let loaded = config::load(env)?;
    let own_names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    let (tokens, credentials, profile, session) = match &request.target {
        None => (token_files(&aws_dir.join("sso").join("cache")), sso_credential_files(&aws_dir), None, None),
        Some(target) => {
            let login = config::login_session(&loaded, env, target, &own_names)?;
            let token = crate::token::cache::token_path(&aws_dir, &login.session);
            let tokens = if token.exists() { vec![token] } else { Vec::new() };
            let credentials = credentials_of(&loaded, env, &aws_dir, &login.session, &own_names);
            (tokens, credentials, login.profile, Some(login.session))
        }
    };
    let connection = aws::Connection::new(env, &loaded, profile.as_deref())?;
    let rt = runtime::current_thread().map_err(Error::Runtime)?;

    let mut revoked = 0;
    for path in &tokens {
        let _guard = super::locked(locks.as_ref().map(|l| l.token_lock(path)), DELETING)?;
        // Read again under the lock: a refresh may have just replaced it.
        let document: Option<Value> = std::fs::read(path).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let token = document.as_ref().and_then(|d| d.get("accessToken")).and_then(Value::as_str);
        let region = document.as_ref().and_then(|d| d.get("region")).and_then(Value::as_str);
        if let (Some(token), Some(region)) = (token, region) {
            let call = connection.sso(region).logout().access_token(token).send();
            revoked += usize::from(rt.block_on(call).is_ok());
        }
        remove(path, "delete the SSO token")?;
    }
    let mut removed = 0;
    for path in &credentials {
        let _guard = super::locked(locks.as_ref().map(|l| l.role_lock(path)), DELETING)?;
        if path.exists() {
            remove(path, "delete the cached credentials")?;
            removed += 1;
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let what = match &session {
        None => "signed out of every SSO session on this machine".to_owned(),
        Some(session) if tokens.is_empty() => format!("not signed in to the {session} (no token file)"),
        Some(session) => format!("signed out of the {session}"),
    };
    let stdout = format!(
        "{what}: deleted {} ({} revoked by AWS) and {}; client registrations are kept\n",
        plural(tokens.len(), "token file"),
        revoked,
        plural(removed, "cached credential file"),
    );
    Ok(Outcome { stdout, exit_code: ExitKind::Success })
}

/// The token files in `folder`: JSON files with `accessToken` (the CLI's `SSOTokenSweeper`).
fn token_files(folder: &Path) -> Vec<PathBuf> {
    fs_util::json_files(folder)
        .into_iter()
        .filter(|path| read_json(path).is_some_and(|d| d.get("accessToken").is_some()))
        .collect()
}

/// The AWS CLI cache files from SSO (`ProviderType` `sso`, the CLI's `SSOCredentialSweeper`).
fn sso_credential_files(aws_dir: &Path) -> Vec<PathBuf> {
    fs_util::json_files(&aws_dir.join("cli").join("cache"))
        .into_iter()
        .filter(|path| read_json(path).is_some_and(|d| d.get("ProviderType").and_then(Value::as_str) == Some("sso")))
        .collect()
}

/// The cached credentials of every profile whose credentials come from `session`: its SSO role,
/// and each hop of a role chain resting on one.
fn credentials_of(
    loaded: &config::LoadedConfig,
    env: &crate::env::Environment,
    aws_dir: &Path,
    session: &SsoSession,
    own_names: &[&str],
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for name in loaded.files.profile_names() {
        match config::resolve(loaded, env, &Target::Profile(Some(name.to_owned())), own_names) {
            Ok(Resolved::Sso(role)) if role.session == *session => {
                files.push(role_credentials::cache_path(aws_dir, &role))
            }
            Ok(Resolved::Chain(chain)) => {
                if let ChainBase::Sso { role, .. } = &chain.base
                    && role.session == *session
                {
                    files.push(role_credentials::cache_path(aws_dir, role));
                    files.extend(chain.hops.iter().map(|hop| assume_role::cache_path(aws_dir, hop)));
                }
            }
            _ => {}
        }
    }
    files.sort();
    files.dedup();
    files
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn remove(path: &Path, what: &'static str) -> Result<(), Error> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::Io { what, path: path.to_path_buf(), source: e })
        }
        _ => Ok(()),
    }
}
