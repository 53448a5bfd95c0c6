//! `status`: what the helper sees for a profile (or every SSO profile), without a secret.
//!
//! Three steps, I/O only in the first and last:
//! 1. `inspect` reads the config, the token file, the role-credential caches, the lock and
//!    back-off files into a `ProfileStatus` (plain data; nothing is written, no lock is waited
//!    for);
//! 2. with `--verify`, `verify` gets the credentials exactly as the default command does and
//!    asks STS `GetCallerIdentity` whose they are;
//! 3. `render_text` or `render_json` turn the statuses into the output, as pure functions of
//!    the data and `now`.
//!
//! Nothing shown is secret: token files and credential caches are reduced to paths, times and
//! states, and a [`Secret`](crate::secret::Secret) has no `Display`.

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::assume_role;
use crate::aws::{self, FailureKind};
use crate::cli::{Request, StatusRequest};
use crate::config::file::SharedConfig;
use crate::config::{
    self, AssumeRoleHop, ChainBase, ConfigError, LoadedConfig, MAX_HOPS, Resolved, SsoRole, SsoSession, Target,
};
use crate::lock::{self, LockDir, LockProbe};
use crate::role_credentials::{self, RoleCredentials};
use crate::token::cache::{self as token_cache, ReadError};
use crate::token::{self, NotRefreshable, TokenDecision};
use crate::{Error, ExitKind, Invocation, Outcome, backoff, timestamp};

/// Version of the `--json` document; raised only if a field changes meaning or goes away.
const JSON_VERSION: u32 = 1;

/// Column where values start in the text output.
const VALUE_COLUMN: usize = 24;

/// Said once after the profiles: no client can see the portal session's own length.
const SESSION_LENGTH_NOTE: &str = "\
Note: the SSO session's own length (the AWS access portal session the administrator sets in IAM
Identity Center, 15 minutes to 90 days) is not visible to clients, so a refreshable token may
still stop refreshing before its client registration expires.
";

/// Runs `status`.
pub fn run(request: &StatusRequest, invocation: &Invocation) -> Result<Outcome, Error> {
    let locks = invocation.env.cache_dir().map(|dir| LockDir::new(&dir));
    let mut entries = match &request.target {
        Some(target) => vec![Entry::Shown(Box::new(inspect(target, invocation, locks.as_ref())?))],
        None => inspect_all(invocation, locks.as_ref())?,
    };
    if request.verify {
        for entry in &mut entries {
            if let Entry::Shown(status) = entry {
                status.verification = Some(verify(status, request, invocation));
            }
        }
    }
    let now = invocation.now;
    let stdout = if request.json { render_json(&entries, now) } else { render_text(&entries, now) };
    Ok(Outcome { stdout, exit_code: exit_code(&entries) })
}

/// One profile in the output: its status, or why it could not be resolved (`--all` only).
#[derive(Debug)]
enum Entry {
    Shown(Box<ProfileStatus>),
    Unresolved { profile: String, error: String },
}

/// Everything `status` shows for one target, read from the files at one instant.
#[derive(Debug)]
struct ProfileStatus {
    /// The target, to get its credentials again with `--verify`.
    target: Target,
    /// The profile asked for; `None` for `--sso-session`/`--start-url`.
    profile: Option<String>,
    /// The IAM Identity Center role (for a chain: the one at its base).
    role: SsoRole,
    /// The chain on top of `role`, if the profile has `role_arn`.
    chain: Option<ChainStatus>,
    token: TokenStatus,
    /// The SSO role's credential cache.
    role_credentials: CacheStatus,
    /// The end of the throttling back-off for the SSO session.
    backoff_until: Probe<Option<OffsetDateTime>>,
    verification: Option<Verification>,
}

#[derive(Debug)]
struct ChainStatus {
    /// The SSO profile the chain starts from.
    base_profile: String,
    /// In call order; the last is the requested profile.
    hops: Vec<HopStatus>,
}

#[derive(Debug)]
struct HopStatus {
    hop: AssumeRoleHop,
    credentials: CacheStatus,
    backoff_until: Probe<Option<OffsetDateTime>>,
}

#[derive(Debug)]
struct TokenStatus {
    path: PathBuf,
    file: TokenFile,
    lock: LockStatus,
}

/// What the token file holds.
#[derive(Debug)]
enum TokenFile {
    Missing,
    /// Present, but not a token we can use: why.
    Unreadable(String),
    Read {
        expires_at: OffsetDateTime,
        refreshable: Result<(), NotRefreshable>,
        registration_expires_at: Option<OffsetDateTime>,
        decision: TokenDecision,
    },
}

/// The state of a token, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenState {
    /// Usable as it is.
    Valid,
    /// Less than 15 minutes left: the next call refreshes it.
    RefreshDue,
    /// Expired, but the next call refreshes it.
    Refreshable,
    /// Expired and not refreshable.
    LoginRequired,
    Missing,
    Unreadable,
}

impl TokenState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::RefreshDue => "refresh-due",
            Self::Refreshable => "refreshable",
            Self::LoginRequired => "login-required",
            Self::Missing => "missing",
            Self::Unreadable => "unreadable",
        }
    }
}

impl TokenFile {
    fn state(&self) -> TokenState {
        match self {
            Self::Missing => TokenState::Missing,
            Self::Unreadable(_) => TokenState::Unreadable,
            Self::Read { decision: TokenDecision::Use, .. } => TokenState::Valid,
            Self::Read { decision: TokenDecision::RefreshOrUse, .. } => TokenState::RefreshDue,
            Self::Read { decision: TokenDecision::MustRefresh, .. } => TokenState::Refreshable,
            Self::Read { decision: TokenDecision::LoginRequired(_), .. } => TokenState::LoginRequired,
        }
    }
}

/// A role-credential cache file (the AWS CLI's), reduced to what is not secret.
#[derive(Debug)]
struct CacheStatus {
    path: PathBuf,
    exists: bool,
    /// When the cached credentials expire; `None` if there are none usable.
    expires_at: Option<OffsetDateTime>,
    /// At least 15 minutes left ([`RoleCredentials::fresh_at`]).
    fresh: bool,
    lock: LockStatus,
}

/// Something read from this program's lock folder, which may not exist.
#[derive(Debug)]
enum Probe<T> {
    Seen(T),
    /// There is no cache folder for lock files (no `HOME`).
    NoLockFolder,
}

#[derive(Debug)]
struct LockStatus {
    path: Option<PathBuf>,
    state: Probe<LockProbe>,
}

/// What `--verify` found.
#[derive(Debug)]
enum Verification {
    /// Getting the credentials, or the `GetCallerIdentity` call, failed.
    Failed {
        message: String,
        exit_code: u8,
    },
    Checked {
        identity: CallerIdentity,
        expected: ExpectedIdentity,
        mismatch: Option<String>,
        warnings: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CallerIdentity {
    account: String,
    arn: String,
    user_id: String,
}

/// Whose the credentials should be.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExpectedIdentity {
    account_id: String,
    role: ExpectedRole,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ExpectedRole {
    /// A permission set: the role is `AWSReservedSSO_<name>_<hex>`.
    Sso(String),
    /// A role assumed from `role_arn`: the role is its name.
    Assumed(String),
}

impl fmt::Display for ExpectedRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sso(name) => write!(f, "{name} (as AWSReservedSSO_{name}_…)"),
            Self::Assumed(name) => f.write_str(name),
        }
    }
}

/// Whether the profile can get credentials without a person, and why (or why not).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Verdict {
    usable: bool,
    reason: String,
}

// ---------------------------------------------------------------------------------------------
// Inspecting: config and files → ProfileStatus.

/// Every profile in the config that gets credentials from IAM Identity Center, by name; ones that
/// fail to resolve are listed with their error.
fn inspect_all(invocation: &Invocation, locks: Option<&LockDir>) -> Result<Vec<Entry>, Error> {
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

fn own_names(invocation: &Invocation) -> Vec<&str> {
    invocation.program_name.iter().map(String::as_str).collect()
}

/// Whether profile `name` gets its credentials from IAM Identity Center: it has SSO keys, or its
/// `source_profile` chain (followed as `config::resolve` does, through a `credential_process`
/// that runs this helper) ends at a profile that has. A broken chain (a missing profile, a loop,
/// no source) counts too, so that `--all` shows its error rather than hiding it.
fn uses_sso(profiles: &SharedConfig, name: &str, own_names: &[&str]) -> bool {
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
fn inspect(target: &Target, invocation: &Invocation, locks: Option<&LockDir>) -> Result<ProfileStatus, Error> {
    let loaded = config::load(&invocation.env, config::profile_name(target, &invocation.env).as_deref())?;
    inspect_loaded(target, invocation, locks, &loaded)
}

/// [`inspect`] on files already read, with the target's profile selected in `loaded`.
fn inspect_loaded(
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

fn token_file(path: &Path, now: OffsetDateTime) -> TokenFile {
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

fn cache_status(
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

fn lock_status(path: Option<PathBuf>) -> LockStatus {
    match path {
        Some(path) => LockStatus { state: Probe::Seen(lock::probe(&path)), path: Some(path) },
        None => LockStatus { path: None, state: Probe::NoLockFolder },
    }
}

fn backoff_until(locks: Option<&LockDir>, cache_file: &Path, now: OffsetDateTime) -> Probe<Option<OffsetDateTime>> {
    match locks {
        Some(locks) => Probe::Seen(backoff::active_until(&locks.backoff_file(cache_file), now)),
        None => Probe::NoLockFolder,
    }
}

impl ProfileStatus {
    /// Usable if credentials are cached fresh somewhere along the way, or the token is valid or
    /// can be refreshed; else a login is required.
    fn verdict(&self) -> Verdict {
        let usable = |reason: String| Verdict { usable: true, reason };
        if let Some(chain) = &self.chain {
            let last = chain.hops.len();
            if let Some((index, hop)) = chain.hops.iter().enumerate().rev().find(|(_, hop)| hop.credentials.fresh) {
                return usable(if index + 1 == last {
                    "the cached credentials of the last hop are fresh".to_owned()
                } else {
                    format!(
                        "the cached credentials of hop {} (profile `{}`) are fresh; the hops after it are assumed with them",
                        index + 1,
                        hop.hop.profile
                    )
                });
            }
            if self.role_credentials.fresh {
                return usable("the cached SSO role credentials are fresh; the chain is assumed with them".to_owned());
            }
        } else if self.role_credentials.fresh {
            return usable("the cached role credentials are fresh".to_owned());
        }
        let login = |reason: String| Verdict { usable: false, reason };
        match &self.token.file {
            TokenFile::Missing => login("there is no cached SSO token".to_owned()),
            TokenFile::Unreadable(why) => login(format!("the SSO token file is unusable: {why}")),
            TokenFile::Read { decision, .. } => match decision {
                TokenDecision::Use => usable("the SSO token is valid".to_owned()),
                TokenDecision::RefreshOrUse => {
                    usable("the SSO token expires within 15 minutes and the next call refreshes it".to_owned())
                }
                TokenDecision::MustRefresh => {
                    usable("the SSO token has expired and the next call refreshes it".to_owned())
                }
                TokenDecision::LoginRequired(why) => {
                    login(format!("the SSO token has expired and cannot be refreshed: {why}"))
                }
            },
        }
    }

    /// The credentials the default command prints: the SSO role's, or the chain's last hop's.
    fn printed_credentials(&self) -> &CacheStatus {
        match &self.chain {
            Some(chain) => &chain.hops.last().expect("a chain has at least one hop").credentials,
            None => &self.role_credentials,
        }
    }

    /// Whose the printed credentials should be.
    fn expected_identity(&self) -> ExpectedIdentity {
        match self.chain.as_ref().and_then(|chain| chain.hops.last()) {
            Some(last) => ExpectedIdentity {
                account_id: last.hop.account_id.clone(),
                role: ExpectedRole::Assumed(role_name_of_arn(&last.hop.role_arn).to_owned()),
            },
            None => ExpectedIdentity {
                account_id: self.role.account_id.clone(),
                role: ExpectedRole::Sso(self.role.role_name.clone()),
            },
        }
    }

    /// For messages: `profile `dev-sso`` or `role ReadOnly in account …`.
    fn description(&self) -> String {
        match &self.profile {
            Some(profile) => format!("profile `{profile}`"),
            None => format!("role {} in account {}", self.role.role_name, self.role.account_id),
        }
    }
}

/// `Admin` for `arn:aws:iam::123456789012:role/path/Admin`.
fn role_name_of_arn(role_arn: &str) -> &str {
    role_arn.rsplit(['/', ':']).next().unwrap_or(role_arn)
}

// ---------------------------------------------------------------------------------------------
// Verifying: the default command's credentials → STS GetCallerIdentity.

fn verify(status: &ProfileStatus, request: &StatusRequest, invocation: &Invocation) -> Verification {
    let credentials_request = Request { lock_timeout: request.lock_timeout, ..Request::new(status.target.clone()) };
    let failed = |error: Error| Verification::Failed { message: error.one_line(), exit_code: error.exit_kind() as u8 };
    let (credentials, report) = match crate::run(&credentials_request, invocation) {
        Ok(got) => got,
        Err(error) => return failed(error),
    };
    match caller_identity(status, &credentials, invocation) {
        Ok(identity) => {
            let expected = status.expected_identity();
            Verification::Checked {
                mismatch: identity_mismatch(&expected, &identity),
                identity,
                expected,
                warnings: report.warnings,
            }
        }
        Err(error) => failed(error),
    }
}

/// STS `GetCallerIdentity` with `credentials`, at the endpoint and region the profile's chain
/// would use (`AWS_ENDPOINT_URL_STS` and the rest honoured as for `AssumeRole`).
fn caller_identity(
    status: &ProfileStatus,
    credentials: &RoleCredentials,
    invocation: &Invocation,
) -> Result<CallerIdentity, Error> {
    let env = &invocation.env;
    let loaded = config::load(env, config::profile_name(&status.target, env).as_deref())?;
    let location = config::sts_location(&loaded, env)?;
    let connection = aws::Connection::new(env, &loaded)?;
    let client = connection.sts(&location, credentials.to_signing());
    let runtime = crate::runtime::current_thread().map_err(Error::Runtime)?;
    let output = runtime.block_on(client.get_caller_identity().send()).map_err(|e| {
        let failure = aws::classify(e);
        Error::Aws {
            operation: "GetCallerIdentity",
            target: format!("with the credentials of {}", status.description()),
            hint: (failure.kind == FailureKind::Transient).then(|| "try again later".to_owned()),
            failure,
        }
    })?;
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    let mut user_id = text(output.user_id());
    // AWS never returns an access key ID here, but should anything do so, it is not shown.
    if !credentials.access_key_id.is_empty() && user_id.contains(&credentials.access_key_id) {
        let prefix: String = credentials.access_key_id.chars().take(4).collect();
        user_id = user_id.replace(&credentials.access_key_id, &format!("{prefix}…"));
    }
    Ok(CallerIdentity { account: text(output.account()), arn: text(output.arn()), user_id })
}

/// What differs between the identity STS reports and the configured one, if anything. An SSO
/// role's ARN is `arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_<RoleName>_<hex>/<user>`; an
/// assumed role's `arn:aws:sts::ACCOUNT:assumed-role/<RoleName>/<session>`.
fn identity_mismatch(expected: &ExpectedIdentity, identity: &CallerIdentity) -> Option<String> {
    let mut problems = Vec::new();
    if identity.account != expected.account_id {
        problems.push(format!(
            "the credentials are for account {}, not the configured {}",
            identity.account, expected.account_id
        ));
    }
    let assumed_role = identity
        .arn
        .splitn(6, ':')
        .nth(5)
        .and_then(|resource| resource.strip_prefix("assumed-role/"))
        .and_then(|rest| rest.split_once('/'))
        .map(|(role, _session)| role);
    let role_matches = match (&expected.role, assumed_role) {
        (_, None) => false,
        (ExpectedRole::Sso(name), Some(role)) => role
            .strip_prefix("AWSReservedSSO_")
            .and_then(|rest| rest.strip_prefix(name.as_str()))
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|suffix| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit())),
        (ExpectedRole::Assumed(name), Some(role)) => role == name,
    };
    if !role_matches {
        problems.push(match assumed_role {
            Some(role) => format!("the ARN's role is {role}, not the configured {}", expected.role),
            None => format!("the ARN is not an assumed role, not the configured {}", expected.role),
        });
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

// ---------------------------------------------------------------------------------------------
// The exit code.

/// The profiles shown, without the ones that could not be resolved.
fn shown(entries: &[Entry]) -> Vec<&ProfileStatus> {
    entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Shown(status) => Some(status.as_ref()),
            Entry::Unresolved { .. } => None,
        })
        .collect()
}

/// 1 if `--verify` found a mismatch; else the code of the first `--verify` failure; else 3 if a
/// profile needs a login; else 0. Profiles that could not be resolved do not count, unless no
/// profile could be (then 2).
fn exit_code(entries: &[Entry]) -> u8 {
    let shown = shown(entries);
    if shown.is_empty() {
        return ExitKind::Usage as u8;
    }
    let verifications = || shown.iter().filter_map(|status| status.verification.as_ref());
    if verifications().any(|v| matches!(v, Verification::Checked { mismatch: Some(_), .. })) {
        return ExitKind::Other as u8;
    }
    if let Some(code) = verifications().find_map(|v| match v {
        Verification::Failed { exit_code, .. } => Some(*exit_code),
        Verification::Checked { .. } => None,
    }) {
        return code;
    }
    if shown.iter().any(|status| !status.verdict().usable) {
        return ExitKind::LoginRequired as u8;
    }
    0
}

// ---------------------------------------------------------------------------------------------
// Rendering: text.

/// The text output: one aligned block per profile, a blank line between them, and the note on
/// the SSO session's length once at the end.
fn render_text(entries: &[Entry], now: OffsetDateTime) -> String {
    let blocks: Vec<String> = entries
        .iter()
        .map(|entry| match entry {
            Entry::Shown(status) => text_block(status, now),
            Entry::Unresolved { profile, error } => {
                let mut out = String::new();
                field(&mut out, 0, "Profile", profile);
                field(&mut out, 0, "Error", error);
                out
            }
        })
        .collect();
    let mut out = blocks.join("\n");
    if entries.iter().any(|entry| matches!(entry, Entry::Shown(_))) {
        out.push('\n');
        out.push_str(SESSION_LENGTH_NOTE);
    }
    out
}

fn text_block(status: &ProfileStatus, now: OffsetDateTime) -> String {
    let mut text = String::new();
    let out = &mut text;
    let role = &status.role;
    field(out, 0, "Profile", status.profile.as_deref().unwrap_or("(none: given on the command line)"));
    match &status.chain {
        None => field(out, 0, "Kind", "sso"),
        Some(chain) => {
            let hops = chain.hops.len();
            let plural = if hops == 1 { "" } else { "s" };
            field(out, 0, "Kind", format_args!("chain of {hops} hop{plural} on top of profile {}", chain.base_profile));
        }
    }
    field(out, 0, "SSO session", session_text(&role.session, &status.target));
    field(out, 0, "Start URL", role.session.start_url());
    field(out, 0, "SSO region", role.session.region());
    field(out, 0, "Account", &role.account_id);
    field(out, 0, "Role", &role.role_name);
    if let Some(chain) = &status.chain {
        for (index, hop) in chain.hops.iter().enumerate() {
            field(
                out,
                0,
                &format!("Hop {}", index + 1),
                format_args!("{} (profile {})", hop.hop.role_arn, hop.hop.profile),
            );
        }
    }

    section(out, "SSO token");
    let token = &status.token;
    field(out, 2, "File", token.path.display());
    field(out, 2, "Exists", yes_no(!matches!(token.file, TokenFile::Missing)));
    field(out, 2, "State", token.file.state().as_str());
    match &token.file {
        TokenFile::Missing => {}
        TokenFile::Unreadable(why) => field(out, 2, "Problem", why),
        TokenFile::Read { expires_at, refreshable, registration_expires_at, .. } => {
            field(out, 2, "Expires", when(*expires_at, now));
            match refreshable {
                Ok(()) => field(out, 2, "Refreshable", "yes"),
                Err(why) => field(out, 2, "Refreshable", format_args!("no ({why})")),
            }
            field(
                out,
                2,
                "Registration expires",
                registration_expires_at.map_or("unknown".to_owned(), |t| when(t, now)),
            );
        }
    }
    field(out, 2, "Lock", lock_text(&token.lock));
    field(out, 2, "Back-off", backoff_text(&status.backoff_until, now));

    section(out, if status.chain.is_some() { "SSO role credentials" } else { "Role credentials" });
    cache_fields(out, &status.role_credentials, now);
    if let Some(chain) = &status.chain {
        for (index, hop) in chain.hops.iter().enumerate() {
            section(out, &format!("Hop {} credentials (profile {})", index + 1, hop.hop.profile));
            cache_fields(out, &hop.credentials, now);
            field(out, 2, "Back-off", backoff_text(&hop.backoff_until, now));
        }
    }

    section(out, "Limits");
    let token_limit = match &token.file {
        TokenFile::Missing => "none: no token".to_owned(),
        TokenFile::Unreadable(_) => "unknown: the token file is unusable".to_owned(),
        TokenFile::Read { expires_at, refreshable: Ok(()), .. } => {
            format!("{}, then refreshed", when(*expires_at, now))
        }
        TokenFile::Read { expires_at, refreshable: Err(why), .. } => {
            format!("{}, not refreshable ({why})", when(*expires_at, now))
        }
    };
    field(out, 2, "SSO token", token_limit);
    let registration = match &token.file {
        TokenFile::Read { registration_expires_at: Some(at), .. } => format!("{}, then login required", when(*at, now)),
        TokenFile::Read { registration_expires_at: None, .. } => "none: the token cannot be refreshed".to_owned(),
        TokenFile::Missing | TokenFile::Unreadable(_) => "unknown".to_owned(),
    };
    field(out, 2, "Client registration", registration);
    let credentials_limit = |cache: &CacheStatus, then: &str| match cache.expires_at {
        Some(at) => format!("{}, then {then}", when(at, now)),
        None => "none cached".to_owned(),
    };
    match &status.chain {
        None => field(out, 2, "Role credentials", credentials_limit(&status.role_credentials, "fetched anew")),
        Some(chain) => {
            field(out, 2, "SSO role credentials", credentials_limit(&status.role_credentials, "fetched anew"));
            for (index, hop) in chain.hops.iter().enumerate() {
                field(
                    out,
                    2,
                    &format!("Hop {} credentials", index + 1),
                    credentials_limit(&hop.credentials, "assumed anew"),
                );
            }
        }
    }
    field(out, 2, "SSO session length", "not visible to clients (see the note below)");

    let verdict = status.verdict();
    let word = if verdict.usable { "usable" } else { "login required" };
    field(out, 0, "Verdict", format_args!("{word} ({})", verdict.reason));
    field(out, 0, "Login command", role.session.login_command());

    match &status.verification {
        None => {}
        Some(Verification::Failed { message, .. }) => {
            section(out, "Verify (STS GetCallerIdentity)");
            field(out, 2, "Error", message);
        }
        Some(Verification::Checked { identity, expected, mismatch, warnings }) => {
            section(out, "Verify (STS GetCallerIdentity)");
            field(out, 2, "Account", format_args!("{} (configured: {})", identity.account, expected.account_id));
            field(out, 2, "Arn", &identity.arn);
            field(out, 2, "UserId", &identity.user_id);
            field(out, 2, "Configured role", &expected.role);
            for warning in warnings {
                field(out, 2, "Warning", warning);
            }
            match mismatch {
                None => field(out, 2, "Result", "ok: the credentials are the configured account's and role's"),
                Some(what) => field(out, 2, "Result", format_args!("MISMATCH: {what}")),
            }
        }
    }
    text
}

fn session_text(session: &SsoSession, target: &Target) -> String {
    match (session, target) {
        (SsoSession::Named { name, .. }, _) => name.clone(),
        (SsoSession::Legacy { .. }, Target::StartUrl { .. }) => "legacy (--start-url, no sso-session)".to_owned(),
        (SsoSession::Legacy { .. }, _) => "legacy (sso_start_url in the profile)".to_owned(),
    }
}

fn cache_fields(out: &mut String, cache: &CacheStatus, now: OffsetDateTime) {
    field(out, 2, "File", cache.path.display());
    let expires = match (cache.expires_at, cache.exists) {
        (Some(at), _) => when(at, now),
        (None, true) => "unknown: the file holds no usable credentials".to_owned(),
        (None, false) => "none cached".to_owned(),
    };
    field(out, 2, "Expires", expires);
    let fresh = match cache.expires_at {
        _ if cache.fresh => "yes",
        Some(at) if at > now => "no (less than 15 minutes left)",
        Some(_) => "no (expired)",
        None => "no",
    };
    field(out, 2, "Fresh", fresh);
    field(out, 2, "Lock", lock_text(&cache.lock));
}

fn lock_text(lock: &LockStatus) -> String {
    match &lock.state {
        Probe::NoLockFolder => "unknown (no cache folder for lock files)".to_owned(),
        Probe::Seen(LockProbe::Free) => "free".to_owned(),
        Probe::Seen(LockProbe::Held { holder: Some(holder) }) => format!("held by another process ({holder})"),
        Probe::Seen(LockProbe::Held { holder: None }) => "held by another process".to_owned(),
        Probe::Seen(LockProbe::Unknown(e)) => format!("unknown ({e})"),
    }
}

fn backoff_text(backoff: &Probe<Option<OffsetDateTime>>, now: OffsetDateTime) -> String {
    match backoff {
        Probe::NoLockFolder => "unknown (no cache folder)".to_owned(),
        Probe::Seen(None) => "none".to_owned(),
        Probe::Seen(Some(until)) => format!("AWS throttled a recent call: no call until {}", when(*until, now)),
    }
}

fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// `Label:` padded to the value column, then the value.
fn field(out: &mut String, indent: usize, label: &str, value: impl fmt::Display) {
    let key = format!("{:indent$}{label}:", "");
    let _ = writeln!(out, "{key:<width$} {value}", width = VALUE_COLUMN - 1);
}

fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "{title}:");
}

/// `2026-11-23T20:00:00Z (in 7h 59m)` or `… (expired 3m ago)`.
fn when(t: OffsetDateTime, now: OffsetDateTime) -> String {
    format!("{} ({})", timestamp::format(t), relative(t, now))
}

/// `in 1h 2m`, or `expired 3m ago`: the two largest units, rounded down.
fn relative(t: OffsetDateTime, now: OffsetDateTime) -> String {
    if t > now { format!("in {}", span(t - now)) } else { format!("expired {} ago", span(now - t)) }
}

fn span(duration: time::Duration) -> String {
    let secs = duration.whole_seconds();
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering: JSON.

/// The `--json` document (documented in the README): `version`, `usable`, `verified`, one entry
/// per profile shown in `profiles`, and the profiles that could not be resolved in `unresolved`.
fn render_json(entries: &[Entry], now: OffsetDateTime) -> String {
    let shown = shown(entries);
    let unresolved: Vec<Value> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Unresolved { profile, error } => Some(json!({"profile": profile, "error": error})),
            Entry::Shown(_) => None,
        })
        .collect();
    let verifications: Vec<&Verification> = shown.iter().filter_map(|s| s.verification.as_ref()).collect();
    let verified = (!verifications.is_empty())
        .then(|| verifications.iter().all(|v| matches!(v, Verification::Checked { mismatch: None, .. })));
    let document = json!({
        "version": JSON_VERSION,
        "checked_at": timestamp::format(now),
        "usable": !shown.is_empty() && shown.iter().all(|s| s.verdict().usable),
        "verified": verified,
        "profiles": shown.iter().map(|s| profile_json(s)).collect::<Vec<_>>(),
        "unresolved": unresolved,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    text.push('\n');
    text
}

fn profile_json(status: &ProfileStatus) -> Value {
    let role = &status.role;
    let (session_name, legacy) = match &role.session {
        SsoSession::Named { name, .. } => (Some(name.as_str()), false),
        SsoSession::Legacy { .. } => (None, true),
    };
    let token = &status.token;
    let (expires_at, refreshable, not_refreshable_reason, registration_expires_at, problem) = match &token.file {
        TokenFile::Missing => (None, None, None, None, None),
        TokenFile::Unreadable(why) => (None, None, None, None, Some(why.clone())),
        TokenFile::Read { expires_at, refreshable, registration_expires_at, .. } => (
            Some(*expires_at),
            Some(refreshable.is_ok()),
            refreshable.err().map(|why| why.to_string()),
            *registration_expires_at,
            None,
        ),
    };
    let hops: Vec<Value> = status
        .chain
        .iter()
        .flat_map(|chain| &chain.hops)
        .map(|hop| {
            json!({
                "profile": hop.hop.profile,
                "role_arn": hop.hop.role_arn,
                "account_id": hop.hop.account_id,
                "credentials": cache_json(&hop.credentials),
                "backoff_until": backoff_json(&hop.backoff_until),
            })
        })
        .collect();
    let verdict = status.verdict();
    json!({
        "profile": status.profile,
        "kind": if status.chain.is_some() { "chain" } else { "sso" },
        "usable": verdict.usable,
        "reason": verdict.reason,
        "login_command": role.session.login_command(),
        "base_profile": status.chain.as_ref().map(|chain| &chain.base_profile),
        "sso_session": session_name,
        "legacy": legacy,
        "start_url": role.session.start_url(),
        "sso_region": role.session.region(),
        "account_id": role.account_id,
        "role_name": role.role_name,
        "hops": hops,
        "token": {
            "path": token.path,
            "exists": !matches!(token.file, TokenFile::Missing),
            "state": token.file.state().as_str(),
            "problem": problem,
            "expires_at": time_json(expires_at),
            "refreshable": refreshable,
            "not_refreshable_reason": not_refreshable_reason,
            "registration_expires_at": time_json(registration_expires_at),
            "lock": lock_json(&token.lock),
        },
        "backoff_until": backoff_json(&status.backoff_until),
        "role_credentials": cache_json(&status.role_credentials),
        "limits": {
            "token_expires_at": time_json(expires_at),
            "token_refreshable": refreshable,
            "registration_expires_at": time_json(registration_expires_at),
            "credentials_expire_at": time_json(status.printed_credentials().expires_at),
            "sso_session_length": Value::Null,
        },
        "verify": status.verification.as_ref().map(verification_json),
    })
}

fn cache_json(cache: &CacheStatus) -> Value {
    json!({
        "path": cache.path,
        "exists": cache.exists,
        "expires_at": time_json(cache.expires_at),
        "fresh": cache.fresh,
        "lock": lock_json(&cache.lock),
    })
}

fn lock_json(lock: &LockStatus) -> Value {
    let (held, holder, problem) = match &lock.state {
        Probe::NoLockFolder => (None, None, Some("no cache folder for lock files".to_owned())),
        Probe::Seen(LockProbe::Free) => (Some(false), None, None),
        Probe::Seen(LockProbe::Held { holder }) => (Some(true), holder.clone(), None),
        Probe::Seen(LockProbe::Unknown(e)) => (None, None, Some(e.to_string())),
    };
    json!({"path": lock.path, "held": held, "holder": holder, "problem": problem})
}

fn backoff_json(backoff: &Probe<Option<OffsetDateTime>>) -> Value {
    match backoff {
        Probe::Seen(until) => time_json(*until),
        Probe::NoLockFolder => Value::Null,
    }
}

fn verification_json(verification: &Verification) -> Value {
    match verification {
        Verification::Failed { message, exit_code } => json!({
            "ok": false,
            "error": message,
            "exit_code": exit_code,
            "account": null,
            "arn": null,
            "user_id": null,
            "expected_account": null,
            "expected_role": null,
            "mismatch": null,
            "warnings": [],
        }),
        Verification::Checked { identity, expected, mismatch, warnings } => json!({
            "ok": mismatch.is_none(),
            "error": null,
            "exit_code": if mismatch.is_some() { ExitKind::Other as u8 } else { 0 },
            "account": identity.account,
            "arn": identity.arn,
            "user_id": identity.user_id,
            "expected_account": expected.account_id,
            "expected_role": match &expected.role { ExpectedRole::Sso(name) | ExpectedRole::Assumed(name) => name },
            "mismatch": mismatch,
            "warnings": warnings,
        }),
    }
}

fn time_json(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(timestamp::format(t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    #[test]
    fn relative_times_show_the_two_largest_units() {
        let at = |secs: i64| NOW + time::Duration::seconds(secs);
        assert_eq!(relative(at(3720), NOW), "in 1h 2m");
        assert_eq!(relative(at(-180), NOW), "expired 3m ago");
        assert_eq!(relative(at(45), NOW), "in 45s");
        assert_eq!(relative(at(0), NOW), "expired 0s ago");
        assert_eq!(relative(at(80 * 86_400 + 3 * 3600 + 59), NOW), "in 80d 3h");
        assert_eq!(relative(at(3600), NOW), "in 1h 0m");
        assert_eq!(when(at(-59), NOW), "2026-11-23T11:59:01Z (expired 59s ago)");
    }

    fn identity(account: &str, arn: &str) -> CallerIdentity {
        CallerIdentity { account: account.into(), arn: arn.into(), user_id: "AROAEXAMPLE:fake-user".into() }
    }

    #[test]
    fn identities_are_matched_against_the_configured_account_and_role() {
        let sso = ExpectedIdentity { account_id: "111122223333".into(), role: ExpectedRole::Sso("ReadOnly".into()) };
        let sso_arn = |role: &str| format!("arn:aws:sts::111122223333:assumed-role/{role}/alice@example.com");
        assert_eq!(
            identity_mismatch(&sso, &identity("111122223333", &sso_arn("AWSReservedSSO_ReadOnly_0123456789abcdef"))),
            None
        );
        assert_eq!(
            identity_mismatch(&sso, &identity("111122223333", &sso_arn("AWSReservedSSO_ReadOnly_2_0123456789abcdef"))),
            Some(
                "the ARN's role is AWSReservedSSO_ReadOnly_2_0123456789abcdef, not the configured ReadOnly (as AWSReservedSSO_ReadOnly_…)"
                    .into()
            )
        );
        assert!(identity_mismatch(&sso, &identity("111122223333", &sso_arn("ReadOnly"))).is_some());
        assert_eq!(
            identity_mismatch(&sso, &identity("999999999999", &sso_arn("AWSReservedSSO_ReadOnly_0123456789abcdef"))),
            Some("the credentials are for account 999999999999, not the configured 111122223333".into())
        );
        assert_eq!(
            identity_mismatch(&sso, &identity("999999999999", "arn:aws:iam::999999999999:user/mallory")),
            Some(
                "the credentials are for account 999999999999, not the configured 111122223333; the ARN is not an assumed role, not the configured ReadOnly (as AWSReservedSSO_ReadOnly_…)"
                    .into()
            )
        );
        let chained = ExpectedIdentity {
            account_id: "444455556666".into(),
            role: ExpectedRole::Assumed(role_name_of_arn("arn:aws:iam::444455556666:role/team/Admin").into()),
        };
        let arn = "arn:aws:sts::444455556666:assumed-role/Admin/aws-sso-credential-process";
        assert_eq!(identity_mismatch(&chained, &identity("444455556666", arn)), None);
        let arn = "arn:aws:sts::444455556666:assumed-role/Deploy/aws-sso-credential-process";
        assert_eq!(
            identity_mismatch(&chained, &identity("444455556666", arn)),
            Some("the ARN's role is Deploy, not the configured Admin".into())
        );
    }

    #[test]
    fn all_means_the_profiles_that_get_credentials_from_identity_center() {
        let text = format!(
            "{}{}",
            include_str!("../../examples/config"),
            "
[profile keys]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = s
[profile on-keys]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = keys
[profile on-own-keys]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = on-own-keys
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = s
[profile via-helper]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = dev
[profile two-hops]
role_arn = arn:aws:iam::123456789012:role/B
source_profile = prod-admin
[profile on-host]
role_arn = arn:aws:iam::123456789012:role/A
credential_source = Ec2InstanceMetadata
[profile on-web-identity]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = web
[profile web]
web_identity_token_file = /t
role_arn = arn:aws:iam::123456789012:role/W
[profile dangling]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = nowhere
[profile loop-a]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = loop-b
[profile loop-b]
role_arn = arn:aws:iam::123456789012:role/A
source_profile = loop-a
[profile broken-sso]
sso_session = nope
[profile plain]
region = eu-west-1
"
        );
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), text).unwrap();
        let env = crate::Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        let loaded = config::load(&env, None).unwrap();
        let shown: Vec<&str> =
            loaded.files.profile_names().into_iter().filter(|p| uses_sso(&loaded.files, p, &[])).collect();
        assert_eq!(
            shown,
            ["broken-sso", "dangling", "dev-sso", "legacy", "loop-a", "loop-b", "prod-admin", "two-hops", "via-helper"]
        );
    }

    fn lock(state: LockProbe) -> LockStatus {
        LockStatus { path: Some("/c/locks/x.lock".into()), state: Probe::Seen(state) }
    }

    fn chain_status() -> ProfileStatus {
        let session = SsoSession::Named {
            name: "my-sso".into(),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
        };
        let hop = |profile: &str, arn: &str, account: &str| AssumeRoleHop {
            profile: profile.into(),
            role_arn: arn.into(),
            account_id: account.into(),
            role_session_name: None,
            external_id: None,
            duration_seconds: None,
        };
        ProfileStatus {
            target: Target::Profile(Some("deploy".into())),
            profile: Some("deploy".into()),
            role: SsoRole { session, account_id: "111122223333".into(), role_name: "ReadOnly".into() },
            chain: Some(ChainStatus {
                base_profile: "dev-sso".into(),
                hops: vec![
                    HopStatus {
                        hop: hop("admin", "arn:aws:iam::123456789012:role/Admin", "123456789012"),
                        credentials: CacheStatus {
                            path: "/h/.aws/cli/cache/a.json".into(),
                            exists: true,
                            expires_at: Some(datetime!(2026-11-23 12:40:00 UTC)),
                            fresh: true,
                            lock: lock(LockProbe::Free),
                        },
                        backoff_until: Probe::Seen(None),
                    },
                    HopStatus {
                        hop: hop("deploy", "arn:aws:iam::444455556666:role/Deploy", "444455556666"),
                        credentials: CacheStatus {
                            path: "/h/.aws/cli/cache/d.json".into(),
                            exists: true,
                            expires_at: Some(datetime!(2026-11-23 12:10:00 UTC)),
                            fresh: false,
                            lock: lock(LockProbe::Held { holder: Some("pid 4242".into()) }),
                        },
                        backoff_until: Probe::Seen(Some(datetime!(2026-11-23 12:00:08 UTC))),
                    },
                ],
            }),
            token: TokenStatus {
                path: "/h/.aws/sso/cache/t.json".into(),
                file: TokenFile::Read {
                    expires_at: datetime!(2026-11-23 11:57:00 UTC),
                    refreshable: Err(NotRefreshable::RegistrationExpired(datetime!(2026-11-20 00:00:00 UTC))),
                    registration_expires_at: Some(datetime!(2026-11-20 00:00:00 UTC)),
                    decision: TokenDecision::LoginRequired(NotRefreshable::RegistrationExpired(
                        datetime!(2026-11-20 00:00:00 UTC),
                    )),
                },
                lock: LockStatus { path: None, state: Probe::NoLockFolder },
            },
            role_credentials: CacheStatus {
                path: "/h/.aws/cli/cache/s.json".into(),
                exists: false,
                expires_at: None,
                fresh: false,
                lock: lock(LockProbe::Free),
            },
            backoff_until: Probe::Seen(None),
            verification: Some(Verification::Checked {
                identity: identity(
                    "444455556666",
                    "arn:aws:sts::444455556666:assumed-role/Deploy/aws-sso-credential-process",
                ),
                expected: ExpectedIdentity {
                    account_id: "444455556666".into(),
                    role: ExpectedRole::Assumed("Deploy".into()),
                },
                mismatch: None,
                warnings: vec![],
            }),
        }
    }

    #[test]
    fn a_chain_is_shown_hop_by_hop_and_usable_from_a_fresh_hop() {
        let entries = [
            Entry::Shown(Box::new(chain_status())),
            Entry::Unresolved { profile: "broken".into(), error: "profile `broken` refers to …".into() },
        ];
        assert_eq!(
            render_text(&entries, NOW),
            "\
Profile:                deploy
Kind:                   chain of 2 hops on top of profile dev-sso
SSO session:            my-sso
Start URL:              https://d-1234567890.awsapps.com/start
SSO region:             us-east-1
Account:                111122223333
Role:                   ReadOnly
Hop 1:                  arn:aws:iam::123456789012:role/Admin (profile admin)
Hop 2:                  arn:aws:iam::444455556666:role/Deploy (profile deploy)
SSO token:
  File:                 /h/.aws/sso/cache/t.json
  Exists:               yes
  State:                login-required
  Expires:              2026-11-23T11:57:00Z (expired 3m ago)
  Refreshable:          no (its client registration expired at 2026-11-20T00:00:00Z)
  Registration expires: 2026-11-20T00:00:00Z (expired 3d 12h ago)
  Lock:                 unknown (no cache folder for lock files)
  Back-off:             none
SSO role credentials:
  File:                 /h/.aws/cli/cache/s.json
  Expires:              none cached
  Fresh:                no
  Lock:                 free
Hop 1 credentials (profile admin):
  File:                 /h/.aws/cli/cache/a.json
  Expires:              2026-11-23T12:40:00Z (in 40m)
  Fresh:                yes
  Lock:                 free
  Back-off:             none
Hop 2 credentials (profile deploy):
  File:                 /h/.aws/cli/cache/d.json
  Expires:              2026-11-23T12:10:00Z (in 10m)
  Fresh:                no (less than 15 minutes left)
  Lock:                 held by another process (pid 4242)
  Back-off:             AWS throttled a recent call: no call until 2026-11-23T12:00:08Z (in 8s)
Limits:
  SSO token:            2026-11-23T11:57:00Z (expired 3m ago), not refreshable (its client registration expired at 2026-11-20T00:00:00Z)
  Client registration:  2026-11-20T00:00:00Z (expired 3d 12h ago), then login required
  SSO role credentials: none cached
  Hop 1 credentials:    2026-11-23T12:40:00Z (in 40m), then assumed anew
  Hop 2 credentials:    2026-11-23T12:10:00Z (in 10m), then assumed anew
  SSO session length:   not visible to clients (see the note below)
Verdict:                usable (the cached credentials of hop 1 (profile `admin`) are fresh; the hops after it are assumed with them)
Login command:          aws sso login --sso-session my-sso
Verify (STS GetCallerIdentity):
  Account:              444455556666 (configured: 444455556666)
  Arn:                  arn:aws:sts::444455556666:assumed-role/Deploy/aws-sso-credential-process
  UserId:               AROAEXAMPLE:fake-user
  Configured role:      Deploy
  Result:               ok: the credentials are the configured account's and role's

Profile:                broken
Error:                  profile `broken` refers to …

Note: the SSO session's own length (the AWS access portal session the administrator sets in IAM
Identity Center, 15 minutes to 90 days) is not visible to clients, so a refreshable token may
still stop refreshing before its client registration expires.
"
        );
        assert_eq!(exit_code(&entries), 0, "the unresolved profile does not count");
        let document: Value = serde_json::from_str(&render_json(&entries, NOW)).unwrap();
        assert_eq!(document["usable"], json!(true));
        assert_eq!(document["verified"], json!(true));
        assert_eq!(document["unresolved"], json!([{"profile": "broken", "error": "profile `broken` refers to …"}]));
        let profile = &document["profiles"][0];
        assert_eq!(profile["hops"][1]["credentials"]["lock"]["holder"], json!("pid 4242"));
        assert_eq!(profile["hops"][1]["backoff_until"], json!("2026-11-23T12:00:08Z"));
        assert_eq!(profile["token"]["lock"]["held"], Value::Null);
        assert_eq!(profile["limits"]["credentials_expire_at"], json!("2026-11-23T12:10:00Z"));
        assert_eq!(profile["verify"]["expected_role"], json!("Deploy"));
    }

    #[test]
    fn exit_codes_rank_mismatch_then_failure_then_login() {
        // Without its fresh hop, the chain needs a login: the token's registration has expired.
        let with = |verification: Option<Verification>| {
            let mut status = chain_status();
            status.chain.as_mut().unwrap().hops[0].credentials.fresh = false;
            status.verification = verification;
            Entry::Shown(Box::new(status))
        };
        assert_eq!(exit_code(&[with(None)]), 3);
        let failed = || Some(Verification::Failed { message: "x".into(), exit_code: 4 });
        assert_eq!(exit_code(&[with(None), with(failed())]), 4);
        let mismatch = Some(Verification::Checked {
            identity: identity("1", "arn"),
            expected: ExpectedIdentity { account_id: "2".into(), role: ExpectedRole::Assumed("A".into()) },
            mismatch: Some("…".into()),
            warnings: vec![],
        });
        assert_eq!(exit_code(&[with(failed()), with(mismatch)]), 1);
        assert_eq!(exit_code(&[Entry::Unresolved { profile: "p".into(), error: "e".into() }]), 2);
    }
}
