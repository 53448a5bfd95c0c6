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

mod gather;
mod json;
mod text;
mod verify;

use self::gather::{inspect, inspect_all};
use self::json::render_json;
use self::text::render_text;
use self::verify::verify;

use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::assume_role;
use crate::aws::{self, FailureKind};
use crate::cli::{Request, StatusRequest};
use crate::config::{self, AssumeRoleHop, ChainBase, ConfigError, LoadedConfig, Resolved, SsoRole, SsoSession, Target};
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
    /// The profile named (by `--profile` or `$AWS_PROFILE`) when it runs this helper with
    /// `--profile` [`Self::profile`], which is shown instead.
    via: Option<String>,
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
    /// Why the file cannot be read, if it exists and cannot be.
    problem: Option<String>,
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
        exit_code: ExitKind,
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
fn exit_code(entries: &[Entry]) -> ExitKind {
    let shown = shown(entries);
    if shown.is_empty() {
        return ExitKind::Usage;
    }
    let verifications = || shown.iter().filter_map(|status| status.verification.as_ref());
    if verifications().any(|v| matches!(v, Verification::Checked { mismatch: Some(_), .. })) {
        return ExitKind::Other;
    }
    if let Some(code) = verifications().find_map(|v| match v {
        Verification::Failed { exit_code, .. } => Some(*exit_code),
        Verification::Checked { .. } => None,
    }) {
        return code;
    }
    if shown.iter().any(|status| !status.verdict().usable) {
        return ExitKind::LoginRequired;
    }
    ExitKind::Success
}

#[cfg(test)]
mod tests {
    use super::gather::uses_sso;
    use super::text::{relative, when};
    use super::verify::identity_mismatch;
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
            include_str!("../../../examples/config"),
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
        let loaded = config::load(&env).unwrap();
        let names: Vec<String> = loaded.files.profile_names().into_iter().map(str::to_owned).collect();
        let mut shown = Vec::new();
        for name in &names {
            if uses_sso(&config::resolve(&loaded, &env, &Target::Profile(Some(name.clone())), &[])) {
                shown.push(name.as_str());
            }
        }
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
            via: None,
            role: SsoRole { session, account_id: "111122223333".into(), role_name: "ReadOnly".into() },
            chain: Some(ChainStatus {
                base_profile: "dev-sso".into(),
                hops: vec![
                    HopStatus {
                        hop: hop("admin", "arn:aws:iam::123456789012:role/Admin", "123456789012"),
                        credentials: CacheStatus {
                            path: "/h/.aws/cli/cache/a.json".into(),
                            exists: true,
                            problem: None,
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
                            problem: None,
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
                problem: None,
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
Login command:          aws-sso-credential-process login --sso-session my-sso (or aws sso login --sso-session my-sso)
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
        assert_eq!(exit_code(&entries), ExitKind::Success, "the unresolved profile does not count");
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
        assert_eq!(exit_code(&[with(None)]), ExitKind::LoginRequired);
        let failed = || Some(Verification::Failed { message: "x".into(), exit_code: ExitKind::Aws });
        assert_eq!(exit_code(&[with(None), with(failed())]), ExitKind::Aws);
        let mismatch = Some(Verification::Checked {
            identity: identity("1", "arn"),
            expected: ExpectedIdentity { account_id: "2".into(), role: ExpectedRole::Assumed("A".into()) },
            mismatch: Some("…".into()),
            warnings: vec![],
        });
        assert_eq!(exit_code(&[with(failed()), with(mismatch)]), ExitKind::Other);
        assert_eq!(exit_code(&[Entry::Unresolved { profile: "p".into(), error: "e".into() }]), ExitKind::Usage);
    }
}
