//! `~/.aws/config` → the plain data that says which SSO session, account and role to use.
//!
//! The files are read as the AWS CLI reads them ([`file`](mod@file), botocore's rules: the CLI is what the
//! user's other tools and the SDKs' users check their config with). This module then validates
//! the SSO keys and resolves them into an [`SsoRole`], with no further I/O: everything after this
//! point works on that data. [`memo`] remembers a resolution while the files do not change, so a
//! cache hit does not read a config of thousands of profiles.
//!
//! Two layouts are supported, as written by `aws configure sso`:
//! - `sso_session = NAME` + `[sso-session NAME]` with `sso_start_url`/`sso_region` (refreshable);
//! - the legacy layout with `sso_start_url`/`sso_region` in the profile itself.
//!
//! A profile with `role_arn` resolves to a [`RoleChain`] instead (`chain`).

mod chain;
pub mod file;
pub mod memo;

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use self::file::{ConfigFile, CredentialsFile, ParseError, Profile, SharedConfig};

pub use self::chain::{
    AssumeRoleHop, ChainBase, DEFAULT_SESSION_NAME, GLOBAL_STS_ENDPOINT, MAX_CHAINED_DURATION_SECONDS,
    MAX_DURATION_SECONDS, MAX_HOPS, MIN_DURATION_SECONDS, RoleChain, StaticKeys, StsLocation, helper_profile,
    sts_location,
};
use crate::env::Environment;

pub use crate::program::PROGRAM_NAME;

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A profile in the config file; `None` means `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, else `default`.
    Profile(Option<String>),
    /// An `[sso-session NAME]` section plus an account and role, without a profile of its own.
    SsoSession {
        /// The sso-session section name.
        name: String,
        /// The AWS account ID.
        account_id: String,
        /// The permission set (role) name.
        role_name: String,
    },
    /// The legacy layout given on the command line: start URL and SSO region.
    StartUrl {
        /// The AWS access portal URL, exactly as `aws sso login` was given it.
        start_url: String,
        /// The IAM Identity Center region.
        region: String,
        /// The AWS account ID.
        account_id: String,
        /// The permission set (role) name.
        role_name: String,
    },
}

/// The SSO login session a token belongs to; it decides the token's cache file and the
/// `aws sso login` command that renews it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SsoSession {
    /// An `[sso-session NAME]` section: its token is cached under the SHA-1 of the name and can be
    /// refreshed.
    Named {
        /// The sso-session name.
        name: String,
        /// `sso_start_url` of the section.
        start_url: String,
        /// `sso_region` of the section.
        region: String,
    },
    /// The legacy layout: the token is cached under the SHA-1 of the start URL as written.
    Legacy {
        /// `sso_start_url`, verbatim.
        start_url: String,
        /// `sso_region`.
        region: String,
        /// A profile with this start URL, for the `aws sso login --profile` command.
        login_profile: Option<String>,
    },
}

impl SsoSession {
    /// The IAM Identity Center region, where the SSO-OIDC and SSO portal endpoints are.
    pub fn region(&self) -> &str {
        match self {
            Self::Named { region, .. } | Self::Legacy { region, .. } => region,
        }
    }

    /// The `[sso-session]` name; `None` for the legacy layout (the AWS CLI's `session_name`).
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Named { name, .. } => Some(name),
            Self::Legacy { .. } => None,
        }
    }

    /// The start URL of the AWS access portal.
    pub fn start_url(&self) -> &str {
        match self {
            Self::Named { start_url, .. } | Self::Legacy { start_url, .. } => start_url,
        }
    }

    /// This program's command that gets a new token for this session (`login`): by
    /// `--sso-session`, by a profile with the legacy keys, or by `--start-url` and `--region`.
    pub fn own_login_command(&self) -> String {
        let program = PROGRAM_NAME;
        match self {
            Self::Named { name, .. } => format!("{program} login --sso-session {}", shell_word(name)),
            Self::Legacy { login_profile: Some(profile), .. } => {
                format!("{program} login --profile {}", shell_word(profile))
            }
            Self::Legacy { start_url, region, .. } => {
                format!("{program} login --start-url {} --region {}", shell_word(start_url), shell_word(region))
            }
        }
    }

    /// How to sign in again, as messages name it: this program's command, then the AWS CLI's
    /// (`` `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login
    /// --sso-session my-sso`) ``).
    pub fn login_commands(&self) -> String {
        format!("`{}` (or `{}`)", self.own_login_command(), self.cli_login_command())
    }

    /// The AWS CLI's command that gets a new token for this session.
    pub fn cli_login_command(&self) -> String {
        match self {
            Self::Named { name, .. } => format!("aws sso login --sso-session {}", shell_word(name)),
            Self::Legacy { login_profile: Some(profile), .. } => {
                format!("aws sso login --profile {}", shell_word(profile))
            }
            Self::Legacy { start_url, .. } => {
                format!("aws sso login --profile <a profile whose sso_start_url is {start_url}>")
            }
        }
    }
}

impl fmt::Display for SsoSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named { name, .. } => write!(f, "SSO session `{name}`"),
            Self::Legacy { start_url, .. } => write!(f, "SSO session for {start_url}"),
        }
    }
}

/// Everything needed to get credentials for one role, resolved from config into plain data.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SsoRole {
    /// The login session whose token is exchanged for the role credentials.
    pub session: SsoSession,
    /// The AWS account ID.
    pub account_id: String,
    /// The permission set (role) name.
    pub role_name: String,
}

/// What a request resolves to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resolved {
    /// An IAM Identity Center role.
    Sso(SsoRole),
    /// SSO (or static) credentials, then one or more `AssumeRole` calls.
    Chain(RoleChain),
}

/// The parsed config and credentials files.
#[derive(Debug, Default)]
pub struct LoadedConfig {
    /// Both files, as the AWS CLI combines them.
    pub files: SharedConfig,
    /// The config file, for messages.
    pub path: PathBuf,
    /// The credentials file, for messages about keys found there.
    pub credentials_path: Option<PathBuf>,
    /// Why the credentials file could not be read, if it exists and could not be: it is then
    /// read as empty, as botocore does (`configparser.read` skips a file it cannot open), and
    /// named in any resolution error.
    pub credentials_unreadable: Option<String>,
}

impl LoadedConfig {
    /// Profile `name`, from either file.
    pub fn profile(&self, name: &str) -> Option<Profile<'_>> {
        self.files.profile(name)
    }
}

/// A configuration problem, naming the profile, the file and the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither `HOME` nor an absolute `AWS_CONFIG_FILE` says where the config is.
    #[error("cannot find the AWS config file: set HOME (or AWS_CONFIG_FILE)")]
    NoHome,
    /// The file is one the AWS CLI refuses too.
    #[error("cannot read `{}`: {source}; the AWS CLI refuses this file too (\"Unable to parse config file\")", path.display())]
    Parse {
        /// The config or credentials file.
        path: PathBuf,
        /// What is wrong, and where.
        #[source]
        source: ParseError,
    },
    /// The file exists but cannot be read.
    #[error("cannot read `{}`", path.display())]
    Unreadable {
        /// The config or credentials file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Resolution failed while the credentials file could not be read (the AWS CLI skips such a
    /// file too): what it holds may be what was missing, so both are said.
    #[error("{then}; `{}` could not be read ({reason}), so nothing in it was seen", path.display())]
    WithUnreadableCredentials {
        /// The credentials file.
        path: PathBuf,
        /// The operating system's error, as text.
        reason: String,
        /// Why resolution failed without it.
        then: Box<ConfigError>,
    },
    /// The profile is not in the file.
    #[error("{}", not_found_message(self))]
    ProfileNotFound {
        /// The profile name.
        profile: String,
        /// The config file.
        path: PathBuf,
        /// Whether the file exists at all.
        file_exists: bool,
        /// The home folder the file was looked for in, if it does not exist either.
        missing_home: Option<PathBuf>,
        /// Where the name came from (`--profile`, `$AWS_PROFILE`, …); empty if not known.
        origin: String,
        /// Profiles whose names are close to it, closest first.
        similar: Vec<String>,
        /// The config file has a `[NAME]` section, which is not a profile there.
        unprefixed: bool,
    },
    /// The profile has no SSO keys at all.
    #[error(
        "profile `{profile}` in `{}` is not an IAM Identity Center (SSO) profile: it sets none of sso_session, sso_start_url, sso_account_id, sso_role_name",
        path.display()
    )]
    NotSso {
        /// The profile name.
        profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// The profile's own `credential_process` runs this helper: resolving it would recurse.
    #[error("profile `{profile}` in `{}` gets its credentials from this helper itself ({}); {}", path.display(), command, match suggestion {
        Some(p) if p != profile => format!("use the profile it points to: --profile {p}"),
        _ => "point --profile at a profile with sso_session (or sso_start_url), sso_account_id and sso_role_name".to_owned(),
    })]
    SelfReferencing {
        /// The profile name.
        profile: String,
        /// The config file.
        path: PathBuf,
        /// The profile's `credential_process` line.
        command: String,
        /// The `--profile` that command passes, if any.
        suggestion: Option<String>,
    },
    /// `source_profile` names a profile that does not exist.
    #[error("profile `{profile}` sets source_profile = {source_profile}, but there is no profile `{source_profile}` in `{}` or the credentials file", path.display())]
    SourceProfileNotFound {
        /// The profile with the reference.
        profile: String,
        /// The missing profile.
        source_profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// `source_profile` references go round in a circle.
    #[error("source_profile references in `{}` go round in a loop: {}", path.display(), profiles.join(" → "))]
    ChainLoop {
        /// The profiles in the order they were followed, the repeated one last.
        profiles: Vec<String>,
        /// The config file.
        path: PathBuf,
    },
    /// More `role_arn` hops than [`MAX_HOPS`].
    #[error("profile `{profile}` in `{}` chains more than {max} roles through source_profile; shorten the chain", path.display())]
    ChainTooLong {
        /// The requested profile.
        profile: String,
        /// The limit.
        max: usize,
        /// The config file.
        path: PathBuf,
    },
    /// `role_arn` without `source_profile`.
    #[error("profile `{profile}` in `{}` sets role_arn but no source_profile; add source_profile = <the SSO profile to assume the role from>", path.display())]
    NoRoleSource {
        /// The profile.
        profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// Both `source_profile` and `credential_source`.
    #[error("profile `{profile}` in `{}` sets both source_profile and credential_source; keep only source_profile", path.display())]
    BothSources {
        /// The profile.
        profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// `credential_source`, which takes credentials from the host (EC2, ECS, the environment).
    #[error("profile `{profile}` in `{}` sets credential_source = {value}, which takes credentials from an EC2 instance, an ECS task or environment variables, not from IAM Identity Center; use source_profile = <an SSO profile> instead", path.display())]
    CredentialSource {
        /// The profile.
        profile: String,
        /// Its value.
        value: String,
        /// The config file.
        path: PathBuf,
    },
    /// `mfa_serial`: the role needs a code typed by a person.
    #[error("profile `{profile}` in `{}` sets mfa_serial, but a credential_process cannot ask anyone for an MFA code; remove mfa_serial and have the role trust the SSO role (IAM Identity Center sign-in already asked for MFA)", path.display())]
    MfaRequired {
        /// The profile.
        profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// A source profile whose credentials come from something this helper does not run.
    #[error("profile `{profile}` in `{}` gets its credentials from {key}, which this helper does not run; use an SSO profile (or one with access keys) as the source of role chains", path.display())]
    UnsupportedSource {
        /// The profile.
        profile: String,
        /// `credential_process` or `web_identity_token_file`.
        key: &'static str,
        /// The config file.
        path: PathBuf,
    },
    /// A source profile with no credentials at all.
    #[error("source profile `{profile}` in `{}` has no credentials: give it SSO keys (sso_session, sso_account_id, sso_role_name) or access keys", path.display())]
    NoCredentials {
        /// The profile.
        profile: String,
        /// The config file.
        path: PathBuf,
    },
    /// A key whose value cannot be used.
    #[error("{key} = {value} in profile `{profile}` (`{}`) is not valid: expected {expected}", path.display())]
    InvalidValue {
        /// The profile (or `environment` for a variable).
        profile: String,
        /// The key or variable.
        key: &'static str,
        /// Its value.
        value: String,
        /// What would be valid.
        expected: String,
        /// The config file.
        path: PathBuf,
    },
    /// `sso_session = NAME` names a section that does not exist.
    #[error("profile `{profile}` refers to sso-session `{session}`, but `{}` has no [sso-session {session}] section{}", path.display(), did_you_mean(similar))]
    MissingSsoSession {
        /// The profile name.
        profile: String,
        /// The missing session name.
        session: String,
        /// The config file.
        path: PathBuf,
        /// sso-sessions whose names are close to it, closest first.
        similar: Vec<String>,
    },
    /// `--sso-session NAME` names a section that does not exist.
    #[error("sso-session `{session}` (from --sso-session) not found in `{}`: it has no [sso-session {session}] section{}{}", path.display(), if *file_exists { "" } else { " (the file does not exist)" }, did_you_mean(similar))]
    SsoSessionNotFound {
        /// The missing session name.
        session: String,
        /// The config file.
        path: PathBuf,
        /// Whether the file exists at all.
        file_exists: bool,
        /// sso-sessions whose names are close to it, closest first.
        similar: Vec<String>,
    },
    /// Required keys are missing from a section.
    #[error("{section} in `{}` is missing {}", path.display(), keys.join(", "))]
    MissingKeys {
        /// `profile `NAME`` or `[sso-session NAME]`.
        section: String,
        /// The missing keys, in the order botocore reports them.
        keys: Vec<&'static str>,
        /// The config file.
        path: PathBuf,
    },
    /// A key is set both in the profile and in its sso-session, with different values.
    #[error("profile `{profile}` sets {key} = {profile_value} but its sso-session `{session}` sets {key} = {session_value} in `{}`; remove {key} from the profile", path.display())]
    Conflict {
        /// The profile name.
        profile: String,
        /// The sso-session name.
        session: String,
        /// The conflicting key.
        key: String,
        /// The profile's value.
        profile_value: String,
        /// The session's value.
        session_value: String,
        /// The config file.
        path: PathBuf,
    },
}

/// The profile a [`Target::Profile`] request means: the explicit name, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default` (the AWS CLI v2's order).
pub fn profile_name(target: &Target, env: &Environment) -> Option<String> {
    match target {
        Target::Profile(Some(name)) => Some(name.clone()),
        Target::Profile(None) => {
            Some(env.get("AWS_PROFILE").or_else(|| env.get("AWS_DEFAULT_PROFILE")).unwrap_or("default").to_owned())
        }
        Target::SsoSession { .. } | Target::StartUrl { .. } => None,
    }
}

/// Reads the config and credentials files as the AWS CLI does (credentials override config key by
/// key: botocore's `Session.full_config`). A missing file, or a folder in its place, is an empty
/// one, as for the CLI (`os.path.isfile`).
///
/// # Errors
/// [`ConfigError::NoHome`] without a home folder; [`ConfigError::Unreadable`] for a file that
/// exists but cannot be read; [`ConfigError::Parse`] for a file the CLI refuses.
pub fn load(env: &Environment) -> Result<LoadedConfig, ConfigError> {
    let path = env.config_file().ok_or(ConfigError::NoHome)?;
    let credentials_path = env.credentials_file();
    let config = match read_file(&path)? {
        Some(bytes) => ConfigFile::new(parse_file(&path, &bytes)?),
        None => ConfigFile::default(),
    };
    let mut credentials_unreadable = None;
    let credentials = match credentials_path.as_deref().map(read_file).transpose() {
        Ok(Some(Some(bytes))) => {
            CredentialsFile::new(parse_file(credentials_path.as_deref().unwrap_or(&path), &bytes)?)
        }
        Ok(_) => CredentialsFile::default(),
        Err(ConfigError::Unreadable { source, .. }) => {
            credentials_unreadable = Some(source.to_string());
            CredentialsFile::default()
        }
        Err(other) => return Err(other),
    };
    Ok(LoadedConfig { files: SharedConfig { config, credentials }, path, credentials_path, credentials_unreadable })
}

/// The bytes of a config or credentials file; `None` if there is no file there.
pub(crate) fn read_file(path: &Path) -> Result<Option<Vec<u8>>, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound || path.is_dir() => Ok(None),
        Err(source) => Err(ConfigError::Unreadable { path: path.to_owned(), source }),
    }
}

fn parse_file(path: &Path, bytes: &[u8]) -> Result<file::Ini, ConfigError> {
    file::parse(bytes).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })
}

/// Resolves the request into plain data, validating the keys it needs. A profile with `role_arn`
/// is a chain (as in the SDKs, `role_arn` wins over SSO keys in the same profile).
pub fn resolve(
    config: &LoadedConfig,
    env: &Environment,
    target: &Target,
    program_names: &[&str],
) -> Result<Resolved, ConfigError> {
    resolve_files(config, env, target, program_names).map_err(|error| naming_unreadable_credentials(config, error))
}

/// `error`, with the credentials file named if it could not be read.
fn naming_unreadable_credentials(config: &LoadedConfig, error: ConfigError) -> ConfigError {
    match (&config.credentials_unreadable, &config.credentials_path) {
        (Some(reason), Some(path)) => {
            ConfigError::WithUnreadableCredentials { path: path.clone(), reason: reason.clone(), then: Box::new(error) }
        }
        _ => error,
    }
}

/// [`resolve`], on the files as read.
fn resolve_files(
    config: &LoadedConfig,
    env: &Environment,
    target: &Target,
    program_names: &[&str],
) -> Result<Resolved, ConfigError> {
    match target {
        Target::Profile(_) => {
            let name = profile_name(target, env).unwrap_or_else(|| "default".to_owned());
            let Some(profile) = config.profile(&name) else {
                return Err(profile_not_found(config, env, target, &name));
            };
            resolve_profile_or_chain(config, env, profile, program_names)
        }
        Target::SsoSession { name, account_id, role_name } => Ok(Resolved::Sso(SsoRole {
            session: named_session(config, name, None)?,
            account_id: account_id.clone(),
            role_name: role_name.clone(),
        })),
        Target::StartUrl { start_url, region, account_id, role_name } => Ok(Resolved::Sso(SsoRole {
            session: SsoSession::Legacy {
                start_url: start_url.clone(),
                region: region.clone(),
                login_profile: legacy_profile_for(&config.files, start_url),
            },
            account_id: account_id.clone(),
            role_name: role_name.clone(),
        })),
    }
}

/// A profile with `role_arn` is a chain; any other must be an SSO profile.
fn resolve_profile_or_chain(
    config: &LoadedConfig,
    env: &Environment,
    profile: Profile<'_>,
    program_names: &[&str],
) -> Result<Resolved, ConfigError> {
    if profile.get("role_arn").is_some() {
        Ok(Resolved::Chain(chain::resolve_chain(config, env, profile, program_names)?))
    } else {
        Ok(Resolved::Sso(resolve_profile(config, profile, program_names)?))
    }
}

/// A person's request for a profile whose `credential_process` runs this helper with
/// `--profile P` (the layout the README recommends for `AWS_PROFILE`): resolved as `P`, as the
/// credential_process run of that profile would be, and as a chain's `source_profile` already is.
/// The credential_process run itself never follows (its own profile is refused by [`resolve`]).
/// One step only: a `P` that runs this helper too is refused as usual.
///
/// Returns the resolution and the profile followed to, if any.
///
/// # Errors
/// As [`resolve`]; [`ConfigError::ProfileNotFound`] if `P` is not in the files.
pub fn resolve_following(
    config: &LoadedConfig,
    env: &Environment,
    target: &Target,
    program_names: &[&str],
) -> Result<(Resolved, Option<String>), ConfigError> {
    if let Some(name) = profile_name(target, env)
        && let Some(profile) = config.profile(&name)
        && let Some(followed) = handed_over_to(config, env, &profile, program_names)
            .map_err(|e| naming_unreadable_credentials(config, e))?
    {
        let next = followed.name().to_owned();
        let resolved = resolve_profile_or_chain(config, env, followed, program_names)
            .map_err(|error| naming_unreadable_credentials(config, error))?;
        return Ok((resolved, Some(next)));
    }
    resolve(config, env, target, program_names).map(|resolved| (resolved, None))
}

/// The profile `profile` hands over to ([`helper_target`], one step), if it hands over to
/// another one.
///
/// # Errors
/// [`ConfigError::ProfileNotFound`], naming where the name came from, if that profile is not in
/// the files.
fn handed_over_to<'a>(
    config: &'a LoadedConfig,
    env: &Environment,
    profile: &Profile<'_>,
    program_names: &[&str],
) -> Result<Option<Profile<'a>>, ConfigError> {
    let Some(next) = helper_target(profile, program_names).filter(|next| next != profile.name()) else {
        return Ok(None);
    };
    config.profile(&next).map(Some).ok_or_else(|| {
        let mut error = profile_not_found(config, env, &Target::Profile(Some(next.clone())), &next);
        if let ConfigError::ProfileNotFound { origin, .. } = &mut error {
            *origin = format!("the --profile in the credential_process of profile `{}`", profile.name());
        }
        error
    })
}

/// The `--profile` a profile hands over to this helper: set only for a profile that has nothing
/// of its own to resolve (no SSO keys, `role_arn` or access keys) and whose `credential_process`
/// runs this helper with `--profile`.
fn helper_target(profile: &Profile<'_>, program_names: &[&str]) -> Option<String> {
    if has_sso_keys(profile) || has_static_keys(profile) || profile.get("role_arn").is_some() {
        return None;
    }
    chain::helper_profile(profile, program_names)
}

/// Where the profile a [`Target::Profile`] request means came from, for messages.
pub fn profile_origin(target: &Target, env: &Environment) -> &'static str {
    match target {
        Target::Profile(Some(_)) => "--profile",
        Target::Profile(None) if env.get("AWS_PROFILE").is_some() => "$AWS_PROFILE",
        Target::Profile(None) if env.get("AWS_DEFAULT_PROFILE").is_some() => "$AWS_DEFAULT_PROFILE",
        Target::Profile(None) => "the default, with no --profile, $AWS_PROFILE or $AWS_DEFAULT_PROFILE",
        Target::SsoSession { .. } | Target::StartUrl { .. } => "",
    }
}

/// The request's profile is not in the files: say where its name came from, which names are
/// close (`strsim`'s Damerau–Levenshtein, normalised, at least 0.7, or the same but for case), and
/// whether a `[NAME]` section lacks the `profile ` prefix.
fn profile_not_found(config: &LoadedConfig, env: &Environment, target: &Target, name: &str) -> ConfigError {
    let similar = similar_names(name, config.files.profile_names());
    ConfigError::ProfileNotFound {
        profile: name.to_owned(),
        path: config.path.clone(),
        file_exists: config.path.exists(),
        missing_home: env.home().filter(|home| config.path.starts_with(home) && !home.exists()),
        origin: profile_origin(target, env).to_owned(),
        similar,
        unprefixed: name != "default" && config.files.config.ini.sections.iter().any(|section| section.name == name),
    }
}

/// Up to three of `candidates` close to `name`, closest first: `strsim`'s Damerau–Levenshtein,
/// normalised, at least 0.7, or the same but for case (the likeliest slip of all).
fn similar_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut similar: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let score = if candidate.to_lowercase() == name.to_lowercase() {
                1.0
            } else {
                strsim::normalized_damerau_levenshtein(name, candidate)
            };
            (score >= 0.7).then_some((score, candidate))
        })
        .collect();
    similar.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    similar.into_iter().take(3).map(|(_, name)| name.to_owned()).collect()
}

/// `; did you mean `x`?` (or one of several), or nothing.
fn did_you_mean(similar: &[String]) -> String {
    match similar {
        [] => String::new(),
        [one] => format!("; did you mean `{one}`?"),
        many => {
            let names: Vec<String> = many.iter().map(|name| format!("`{name}`")).collect();
            format!("; did you mean one of {}?", names.join(", "))
        }
    }
}

/// The message of [`ConfigError::ProfileNotFound`].
fn not_found_message(error: &ConfigError) -> String {
    let ConfigError::ProfileNotFound { profile, path, file_exists, missing_home, origin, similar, unprefixed } = error
    else {
        return String::new();
    };
    let mut message = format!("profile `{profile}`");
    if !origin.is_empty() {
        message.push_str(&format!(" (from {origin})"));
    }
    message.push_str(&format!(" not found in `{}`", path.display()));
    match missing_home {
        Some(home) => message.push_str(&format!(
            " (the file does not exist, nor does the home folder `{}`: is HOME right?)",
            home.display()
        )),
        None if !file_exists => message.push_str(" (the file does not exist)"),
        None => {}
    }
    if *unprefixed {
        message.push_str(&format!(
            "; its section [{profile}] is not a profile in the config file: write it [profile {profile}]"
        ));
    }
    if *file_exists {
        message.push_str(&format!("; `{PROGRAM_NAME} status --all` lists the SSO profiles"));
    }
    // Last, so the question mark ends the line.
    message.push_str(&did_you_mean(similar));
    message
}

/// The keys that make a profile an IAM Identity Center (SSO) profile.
pub const SSO_PROFILE_KEYS: [&str; 5] =
    ["sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name"];

/// The keys of long-term or pasted access keys.
pub const STATIC_KEYS: [&str; 2] = ["aws_access_key_id", "aws_secret_access_key"];

/// Whether `profile` sets any of [`SSO_PROFILE_KEYS`].
pub fn has_sso_keys(profile: &Profile<'_>) -> bool {
    SSO_PROFILE_KEYS.iter().any(|key| profile.get(key).is_some())
}

/// Whether `profile` sets any of [`STATIC_KEYS`].
pub fn has_static_keys(profile: &Profile<'_>) -> bool {
    STATIC_KEYS.iter().any(|key| profile.get(key).is_some())
}

/// The SSO role of `profile` (the request's profile, or the base of a chain).
fn resolve_profile(
    config: &LoadedConfig,
    profile: Profile<'_>,
    program_names: &[&str],
) -> Result<SsoRole, ConfigError> {
    let path = &config.path;
    let name = profile.name();
    if !has_sso_keys(&profile) {
        return Err(not_sso_reason(&profile, path, program_names));
    }

    let account_id = profile.get("sso_account_id");
    let role_name = profile.get("sso_role_name");
    let session = match profile.get("sso_session") {
        Some(session_name) => named_session(config, session_name, Some(&profile))?,
        None => SsoSession::Legacy {
            start_url: profile.get("sso_start_url").unwrap_or_default().to_owned(),
            region: profile.get("sso_region").unwrap_or_default().to_owned(),
            login_profile: Some(name.to_owned()),
        },
    };
    // Reported in botocore's order, so the message matches what `aws` says for the same file.
    let missing: Vec<&'static str> = [
        ("sso_role_name", role_name.is_none()),
        ("sso_account_id", account_id.is_none()),
        ("sso_start_url", session.start_url().is_empty()),
        ("sso_region", session.region().is_empty()),
    ]
    .into_iter()
    .filter_map(|(key, missing)| missing.then_some(key))
    .collect();
    if !missing.is_empty() {
        return Err(ConfigError::MissingKeys {
            section: format!("profile `{name}`"),
            keys: missing,
            path: path.clone(),
        });
    }
    Ok(SsoRole {
        session,
        account_id: account_id.unwrap_or_default().to_owned(),
        role_name: role_name.unwrap_or_default().to_owned(),
    })
}

/// Why a profile without SSO keys cannot be used, most specific reason first.
fn not_sso_reason(profile: &Profile<'_>, path: &Path, program_names: &[&str]) -> ConfigError {
    let name = profile.name().to_owned();
    if let Some(command) = profile.get("credential_process")
        && let Some(words) = shlex::split(command)
        && words.first().is_some_and(|program| is_this_helper(program, program_names))
    {
        return ConfigError::SelfReferencing {
            profile: name,
            path: path.to_owned(),
            command: format!("credential_process = {command}"),
            suggestion: profile_argument(&words),
        };
    }
    ConfigError::NotSso { profile: name, path: path.to_owned() }
}

pub(crate) fn is_this_helper(program: &str, program_names: &[&str]) -> bool {
    let file_name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    let stem = file_name.strip_suffix(".exe").unwrap_or(file_name);
    stem == PROGRAM_NAME || program_names.iter().any(|own| !own.is_empty() && *own == stem)
}

fn profile_argument(words: &[String]) -> Option<String> {
    let mut words = words.iter();
    while let Some(word) = words.next() {
        if word == "--profile" {
            return words.next().cloned();
        }
        if let Some(value) = word.strip_prefix("--profile=") {
            return Some(value.to_owned());
        }
    }
    None
}

/// Resolves `[sso-session NAME]`, checking it against the keys `profile` repeats, if any.
fn named_session(config: &LoadedConfig, name: &str, profile: Option<&Profile<'_>>) -> Result<SsoSession, ConfigError> {
    let path = &config.path;
    let section = config.files.sso_session(name).ok_or_else(|| {
        let similar = similar_names(name, config.files.config.sso_sessions().map(|(name, _)| name));
        match profile {
            Some(profile) => ConfigError::MissingSsoSession {
                profile: profile.name().to_owned(),
                session: name.to_owned(),
                path: path.clone(),
                similar,
            },
            None => ConfigError::SsoSessionNotFound {
                session: name.to_owned(),
                path: path.clone(),
                file_exists: path.exists(),
                similar,
            },
        }
    })?;
    let start_url = section.get("sso_start_url");
    let region = section.get("sso_region");
    let missing: Vec<&'static str> = [("sso_start_url", start_url.is_none()), ("sso_region", region.is_none())]
        .into_iter()
        .filter_map(|(key, missing)| missing.then_some(key))
        .collect();
    if !missing.is_empty() {
        return Err(ConfigError::MissingKeys {
            section: format!("[sso-session {name}]"),
            keys: missing,
            path: path.clone(),
        });
    }
    // botocore accepts a key of the session repeated in the profile if the values agree, and
    // refuses any that differ (`SSOProvider._resolve_sso_session_reference`; the Rust SDK rejects
    // every repeat); the AWS CLI is what most users check their config with, so we follow it.
    if let Some(profile) = profile {
        for property in &section.properties {
            if let (Some(profile_value), Some(session_value)) = (profile.value(&property.key), Some(&property.value))
                && profile_value != session_value
            {
                let text =
                    |value: &file::Value| value.as_text().map_or_else(|| "(a nested block)".to_owned(), str::to_owned);
                return Err(ConfigError::Conflict {
                    profile: profile.name().to_owned(),
                    session: name.to_owned(),
                    key: property.key.clone(),
                    profile_value: text(profile_value),
                    session_value: text(session_value),
                    path: path.clone(),
                });
            }
        }
    }
    Ok(SsoSession::Named {
        name: name.to_owned(),
        start_url: start_url.unwrap_or_default().to_owned(),
        region: region.unwrap_or_default().to_owned(),
    })
}

/// A legacy-layout profile with this start URL, to name in `aws sso login --profile`.
fn legacy_profile_for(files: &SharedConfig, start_url: &str) -> Option<String> {
    files
        .profiles()
        .into_iter()
        .find(|p| p.get("sso_session").is_none() && p.get("sso_start_url") == Some(start_url))
        .map(|p| p.name().to_owned())
}

/// What a sign-in is for: the session, the scopes its client registers with, and the profile
/// whose endpoint settings apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoginSession {
    /// The session whose token the sign-in writes.
    pub session: SsoSession,
    /// `sso_registration_scopes` of the `[sso-session]`, parsed as the AWS CLI parses it
    /// (`parse_sso_registration_scopes`: split at commas, blanks trimmed, empty ones dropped);
    /// `None` if not set (the legacy layout has none).
    pub scopes: Option<Vec<String>>,
    /// The profile the target named (after following one that runs this helper), for endpoint
    /// settings; `None` for `--sso-session` and `--start-url`.
    pub profile: Option<String>,
}

/// The session `login` (and `logout` with a target) signs in to for `target`, as
/// `aws sso login` finds it (`BaseSSOCommand._get_sso_config`): a profile's `sso_session`, or
/// its `sso_start_url` + `sso_region` (the legacy layout); `--sso-session NAME`; or
/// `--start-url` + `--region`. Unlike resolution for credentials, no account or role is needed.
/// Also: a profile that runs this helper with `--profile P` means `P`, and a `role_arn` profile
/// the session at the base of its chain.
///
/// # Errors
/// The profile or section is missing or incomplete, or the profile has no SSO session at all.
pub fn login_session(
    config: &LoadedConfig,
    env: &Environment,
    target: &Target,
    program_names: &[&str],
) -> Result<LoginSession, ConfigError> {
    let scopes_of = |session: &SsoSession| match session {
        SsoSession::Named { name, .. } => config
            .files
            .sso_session(name)
            .and_then(|section| section.get("sso_registration_scopes"))
            .map(|scopes| scopes.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()),
        SsoSession::Legacy { .. } => None,
    };
    let with_scopes =
        |session: SsoSession, profile: Option<String>| LoginSession { scopes: scopes_of(&session), session, profile };
    let name = match target {
        Target::SsoSession { name, .. } => return Ok(with_scopes(named_session(config, name, None)?, None)),
        Target::StartUrl { start_url, region, .. } => {
            let session = SsoSession::Legacy {
                start_url: start_url.clone(),
                region: region.clone(),
                login_profile: legacy_profile_for(&config.files, start_url),
            };
            return Ok(with_scopes(session, None));
        }
        Target::Profile(_) => profile_name(target, env).unwrap_or_else(|| "default".to_owned()),
    };
    let Some(mut profile) = config.profile(&name) else {
        return Err(naming_unreadable_credentials(config, profile_not_found(config, env, target, &name)));
    };
    if let Some(followed) = handed_over_to(config, env, &profile, program_names)? {
        profile = followed;
    }
    let profile_name = Some(profile.name().to_owned());
    if let Some(session_name) = profile.get("sso_session") {
        return Ok(with_scopes(named_session(config, session_name, Some(&profile))?, profile_name));
    }
    if profile.get("sso_start_url").is_some() || profile.get("sso_region").is_some() {
        let (start_url, region) = (profile.get("sso_start_url"), profile.get("sso_region"));
        let missing: Vec<&'static str> = [("sso_start_url", start_url.is_none()), ("sso_region", region.is_none())]
            .into_iter()
            .filter_map(|(key, missing)| missing.then_some(key))
            .collect();
        if !missing.is_empty() {
            return Err(ConfigError::MissingKeys {
                section: format!("profile `{}`", profile.name()),
                keys: missing,
                path: config.path.clone(),
            });
        }
        let session = SsoSession::Legacy {
            start_url: start_url.unwrap_or_default().to_owned(),
            region: region.unwrap_or_default().to_owned(),
            login_profile: profile_name.clone(),
        };
        return Ok(with_scopes(session, profile_name));
    }
    if profile.get("role_arn").is_some() {
        return match resolve_profile_or_chain(config, env, profile, program_names)
            .map_err(|error| naming_unreadable_credentials(config, error))?
        {
            Resolved::Chain(RoleChain { base: ChainBase::Sso { role, .. }, .. }) | Resolved::Sso(role) => {
                Ok(with_scopes(role.session, profile_name))
            }
            Resolved::Chain(RoleChain { base: ChainBase::StaticKeys { profile: base, .. }, .. }) => {
                Err(ConfigError::NotSso { profile: base, path: config.path.clone() })
            }
        };
    }
    Err(not_sso_reason(&profile, &config.path, program_names))
}

/// Quotes a word for a POSIX shell if it needs it, so the printed command can be pasted.
fn shell_word(word: &str) -> Cow<'_, str> {
    shlex::try_quote(word).unwrap_or(Cow::Borrowed(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> (tempfile::TempDir, Environment) {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), text).unwrap();
        let env = Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        (home, env)
    }

    fn resolve_with(
        text: &str,
        credentials: &str,
        vars: &[(&str, &str)],
        target: Target,
    ) -> Result<Resolved, ConfigError> {
        let (home, _) = config(text);
        std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
        let mut all = vec![("HOME".to_owned(), home.path().to_str().unwrap().to_owned())];
        all.extend(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let env = Environment::from_vars(all);
        let loaded = load(&env).unwrap();
        resolve(&loaded, &env, &target, &[])
    }

    fn resolve_in(text: &str, target: Target) -> Result<SsoRole, ConfigError> {
        match resolve_with(text, "", &[], target)? {
            Resolved::Sso(role) => Ok(role),
            Resolved::Chain(chain) => panic!("expected an SSO role, got {chain:?}"),
        }
    }

    fn chain_in(text: &str, credentials: &str, vars: &[(&str, &str)], profile: &str) -> Result<RoleChain, ConfigError> {
        match resolve_with(text, credentials, vars, Target::Profile(Some(profile.into())))? {
            Resolved::Chain(chain) => Ok(chain),
            Resolved::Sso(role) => panic!("expected a chain, got {role:?}"),
        }
    }

    fn chain_error(text: &str, profile: &str) -> String {
        chain_in(text, "", &[], profile).unwrap_err().to_string()
    }

    const HOPS: &str = "\
[sso-session s]
sso_start_url = https://x/start
sso_region = eu-west-1

[profile sso]
sso_session = s
sso_account_id = 111111111111
sso_role_name = ReadOnly

[profile via-helper]
credential_process = aws-sso-credential-process --profile sso

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = sso
external_id = ext-1
duration_seconds = 3600
region = eu-central-1

[profile deploy]
role_arn = arn:aws:iam::333333333333:role/Deploy
source_profile = admin
role_session_name = alice

[profile helper-hop]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = via-helper
";

    #[test]
    fn resolves_role_chains_from_the_base_up() {
        let chain = chain_in(HOPS, "", &[], "deploy").unwrap();
        let ChainBase::Sso { profile, role } = &chain.base else { panic!("{chain:?}") };
        assert_eq!((profile.as_str(), role.role_name.as_str()), ("sso", "ReadOnly"));
        assert_eq!(chain.hops.len(), 2);
        assert_eq!(
            chain.hops[0],
            AssumeRoleHop {
                profile: "admin".into(),
                role_arn: "arn:aws:iam::222222222222:role/Admin".into(),
                account_id: "222222222222".into(),
                role_session_name: None,
                external_id: Some("ext-1".into()),
                duration_seconds: Some(3600),
            }
        );
        assert_eq!(chain.last_hop().session_name(), "alice");
        assert_eq!(chain.hops[0].session_name(), DEFAULT_SESSION_NAME);
        // `deploy` sets no region: STS goes to the global endpoint.
        assert_eq!(chain.sts, StsLocation { region: "us-east-1".into(), global_endpoint: true });
        let chain = chain_in(HOPS, "", &[], "admin").unwrap();
        assert_eq!(chain.sts, StsLocation { region: "eu-central-1".into(), global_endpoint: false });
        let chain = chain_in(HOPS, "", &[("AWS_REGION", "ap-south-1")], "admin").unwrap();
        assert_eq!(chain.sts.region, "ap-south-1");
        let chain = chain_in(HOPS, "", &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")], "admin").unwrap();
        assert_eq!(chain.sts, StsLocation { region: "eu-central-1".into(), global_endpoint: true });
        let err = chain_in(HOPS, "", &[("AWS_STS_REGIONAL_ENDPOINTS", "sideways")], "admin").unwrap_err();
        assert!(err.to_string().contains("AWS_STS_REGIONAL_ENDPOINTS = sideways"), "{err}");
    }

    #[test]
    fn the_sample_config_chains_prod_admin_on_dev_sso() {
        let chain = chain_in(include_str!("../../examples/config"), "", &[], "prod-admin").unwrap();
        assert!(matches!(&chain.base, ChainBase::Sso { profile, .. } if profile == "dev-sso"), "{chain:?}");
        assert_eq!(chain.last_hop().account_id, "444455556666");
        assert_eq!(chain.sts, StsLocation { region: "eu-west-1".into(), global_endpoint: false });
    }

    #[test]
    fn follows_a_source_profile_that_runs_this_helper() {
        let chain = chain_in(HOPS, "", &[], "helper-hop").unwrap();
        assert!(matches!(&chain.base, ChainBase::Sso { profile, .. } if profile == "sso"), "{chain:?}");
    }

    #[test]
    fn static_keys_from_the_credentials_file_end_a_chain() {
        let text = "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = base\n\n\
                    [profile self]\nrole_arn = arn:aws:iam::222222222222:role/S\nsource_profile = self\n";
        let credentials = "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n\n\
                           [self]\naws_access_key_id = AKIASELF\naws_secret_access_key = s3lf\n";
        let chain = chain_in(text, credentials, &[], "a").unwrap();
        let ChainBase::StaticKeys { profile, keys } = &chain.base else { panic!("{chain:?}") };
        assert_eq!(
            (profile.as_str(), keys.access_key_id.as_str(), keys.session_token.is_none()),
            ("base", "AKIAEXAMPLE", true)
        );
        assert!(!format!("{chain:?}").contains("s3cr3t"));
        // A profile may name itself as source only to use its own keys.
        let chain = chain_in(text, credentials, &[], "self").unwrap();
        assert_eq!((chain.hops.len(), chain.base.to_string()), (1, "the access keys of profile `self`".to_owned()));
        let err = chain_in(text, "[base]\naws_access_key_id = AKIAEXAMPLE\n", &[], "a").unwrap_err().to_string();
        assert!(
            err.contains("profile `base`") && err.contains("credentials` is missing aws_secret_access_key"),
            "{err}"
        );
    }

    #[test]
    fn refuses_chains_that_cannot_work_and_says_why() {
        let hop = |name: &str, extra: &str| {
            format!("[profile {name}]\nrole_arn = arn:aws:iam::222222222222:role/{name}\n{extra}\n")
        };
        let text = format!("{}{}", hop("a", "source_profile = b"), hop("b", "source_profile = a"));
        assert!(chain_error(&text, "a").contains("go round in a loop: a → b → a"));
        assert!(chain_error(&hop("a", "source_profile = a"), "a").contains("a → a"));
        let long: String =
            (0..=MAX_HOPS).map(|i| hop(&format!("p{i}"), &format!("source_profile = p{}", i + 1))).collect();
        assert!(chain_error(&long, "p0").contains("chains more than 10 roles"));
        assert!(
            chain_error(&hop("a", "source_profile = nope"), "a")
                .contains("source_profile = nope, but there is no profile `nope`")
        );
        assert!(chain_error(&hop("a", ""), "a").contains("sets role_arn but no source_profile"));
        assert!(
            chain_error(&hop("a", "credential_source = Ec2InstanceMetadata"), "a")
                .contains("credential_source = Ec2InstanceMetadata, which takes credentials from an EC2 instance")
        );
        assert!(
            chain_error(&hop("a", "source_profile = b\ncredential_source = Environment"), "a")
                .contains("sets both source_profile and credential_source")
        );
        let with_sso = format!("{HOPS}{}", hop("m", "source_profile = sso\nmfa_serial = arn:aws:iam::1:mfa/u"));
        assert!(chain_error(&with_sso, "m").contains("sets mfa_serial, but a credential_process cannot ask"));
        let with_sso = format!("{HOPS}{}", hop("d", "source_profile = sso\nduration_seconds = 900"));
        assert!(chain_error(&with_sso, "d").contains("duration_seconds = 900 in profile `d`"));
        // Role chaining (a hop assumed with role credentials) is capped at an hour; a hop on
        // access keys is not chaining.
        let with_sso = format!("{HOPS}{}", hop("c", "source_profile = sso\nduration_seconds = 3601"));
        assert!(
            chain_error(&with_sso, "c")
                .contains("expected at most 3600: the role is assumed with the credentials of SSO role ReadOnly")
        );
        let keys = "[base]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n";
        let on_keys = format!(
            "{}{}",
            hop("k1", "source_profile = base\nduration_seconds = 7200"),
            hop("k2", "source_profile = k1\nduration_seconds = 7200")
        );
        assert_eq!(chain_in(&on_keys, keys, &[], "k1").unwrap().hops[0].duration_seconds, Some(7200));
        let err = chain_in(&on_keys, keys, &[], "k2").unwrap_err().to_string();
        assert!(
            err.contains("duration_seconds = 7200 in profile `k2`")
                && err.contains("credentials of role arn:aws:iam::222222222222:role/k1"),
            "{err}"
        );
        assert!(
            chain_error(&hop("w", "web_identity_token_file = /t"), "w")
                .contains("gets its credentials from web_identity_token_file, which this helper does not run")
        );
        let text = "[profile a]\nrole_arn = Admin\nsource_profile = a\n";
        assert!(chain_error(text, "a").contains("role_arn = Admin in profile `a`"));
        let text = format!("{}[profile b]\ncredential_process = /bin/other-tool\n", hop("a", "source_profile = b"));
        assert!(
            chain_error(&text, "a")
                .contains("gets its credentials from credential_process, which this helper does not run")
        );
        let text = format!("{}[profile b]\nregion = eu-west-1\n", hop("a", "source_profile = b"));
        assert!(chain_error(&text, "a").contains("source profile `b`"));
    }

    /// The sample config, plus a profile whose credential_process calls itself.
    fn login_in(text: &str, target: Target) -> Result<LoginSession, ConfigError> {
        let (home, env) = config(text);
        let loaded = load(&env).unwrap();
        let result = login_session(&loaded, &env, &target, &[]);
        drop(home);
        result
    }

    #[test]
    fn login_finds_the_session_as_aws_sso_login_does_and_follows_the_helper_and_chains() {
        let text = session_config().replace(
            "sso_registration_scopes = sso:account:access",
            "sso_registration_scopes = sso:account:access , ,codewhisperer:completions",
        );
        let named = SsoSession::Named {
            name: "my-sso".into(),
            start_url: "https://d-1234567890.awsapps.com/start".into(),
            region: "us-east-1".into(),
        };
        let scopes = Some(vec!["sso:account:access".to_owned(), "codewhisperer:completions".to_owned()]);
        for (profile, via) in
            [("dev-sso", "dev-sso"), ("dev", "dev-sso"), ("prod-admin", "prod-admin"), ("prod", "prod-admin")]
        {
            let login = login_in(&text, Target::Profile(Some(profile.into()))).unwrap();
            assert_eq!(
                login,
                LoginSession { session: named.clone(), scopes: scopes.clone(), profile: Some(via.into()) }
            );
        }
        let login = login_in(
            &text,
            Target::SsoSession { name: "my-sso".into(), account_id: String::new(), role_name: String::new() },
        );
        assert_eq!(login.unwrap(), LoginSession { session: named, scopes, profile: None });
        let login = login_in(&text, Target::Profile(Some("legacy".into()))).unwrap();
        assert_eq!(login.session.cli_login_command(), "aws sso login --profile legacy");
        assert_eq!(login.scopes, None);
        // No account or role needed; a profile with only `sso_session` is enough.
        let login =
            login_in(&format!("{text}\n[profile bare]\nsso_session = my-sso\n"), Target::Profile(Some("bare".into())));
        assert!(login.is_ok(), "{login:?}");
        let err = login_in(&text, Target::Profile(Some("loop".into()))).unwrap_err();
        assert!(matches!(err, ConfigError::SelfReferencing { .. }), "{err:?}");
        let err = login_in(
            &text,
            Target::SsoSession { name: "nope".into(), account_id: String::new(), role_name: String::new() },
        );
        assert!(matches!(err, Err(ConfigError::SsoSessionNotFound { .. })));
    }

    fn session_config() -> String {
        format!(
            "{}\n[profile loop]\ncredential_process = /usr/local/bin/aws-sso-credential-process --profile loop\n",
            include_str!("../../examples/config")
        )
    }

    #[test]
    fn resolves_the_sso_session_layout() {
        let role = resolve_in(&session_config(), Target::Profile(Some("dev-sso".into()))).unwrap();
        assert_eq!(
            role,
            SsoRole {
                session: SsoSession::Named {
                    name: "my-sso".into(),
                    start_url: "https://d-1234567890.awsapps.com/start".into(),
                    region: "us-east-1".into()
                },
                account_id: "111122223333".into(),
                role_name: "ReadOnly".into(),
            }
        );
        assert_eq!(role.session.cli_login_command(), "aws sso login --sso-session my-sso");
    }

    #[test]
    fn resolves_the_legacy_layout() {
        let role = resolve_in(&session_config(), Target::Profile(Some("legacy".into()))).unwrap();
        assert_eq!(role.session.start_url(), "https://d-1234567890.awsapps.com/start");
        assert_eq!(role.session.region(), "us-east-1");
        assert_eq!(role.session.cli_login_command(), "aws sso login --profile legacy");
    }

    #[test]
    fn resolves_command_line_targets() {
        let role = resolve_in(
            &session_config(),
            Target::SsoSession { name: "my-sso".into(), account_id: "1".into(), role_name: "R".into() },
        )
        .unwrap();
        assert_eq!(role.session.region(), "us-east-1");
        let role = resolve_in(
            &session_config(),
            Target::StartUrl {
                start_url: "https://d-1234567890.awsapps.com/start".into(),
                region: "us-east-1".into(),
                account_id: "1".into(),
                role_name: "R".into(),
            },
        )
        .unwrap();
        assert_eq!(role.session.cli_login_command(), "aws sso login --profile legacy");
    }

    #[test]
    fn refuses_a_profile_that_would_run_this_helper_again() {
        let err = resolve_in(&session_config(), Target::Profile(Some("dev".into()))).unwrap_err().to_string();
        assert!(
            err.contains("profile `dev`") && err.contains("use the profile it points to: --profile dev-sso"),
            "{err}"
        );
        let err = resolve_in(&session_config(), Target::Profile(Some("loop".into()))).unwrap_err().to_string();
        assert!(err.contains("gets its credentials from this helper itself"), "{err}");
        assert!(!err.contains("--profile loop:"), "{err}");
    }

    #[test]
    fn names_profile_file_and_missing_keys() {
        let err = resolve_in(
            "[profile p]\nsso_session = s\n\n[sso-session s]\nsso_start_url = https://x/start\n",
            Target::Profile(Some("p".into())),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("[sso-session s] in `") && err.ends_with("config` is missing sso_region"), "{err}");
        let err = resolve_in("[profile p]\nsso_start_url = https://x/start\n", Target::Profile(Some("p".into())))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("is missing sso_role_name, sso_account_id, sso_region"), "{err}");
        let err =
            resolve_in("[profile p]\nsso_session = nope\n", Target::Profile(Some("p".into()))).unwrap_err().to_string();
        assert!(err.contains("refers to sso-session `nope`"), "{err}");
        let err =
            resolve_in("[profile p]\nregion = us-east-1\n", Target::Profile(Some("p".into()))).unwrap_err().to_string();
        assert!(err.contains("is not an IAM Identity Center (SSO) profile"), "{err}");
        let err = resolve_in("", Target::Profile(Some("p".into()))).unwrap_err().to_string();
        assert!(err.starts_with("profile `p` (from --profile) not found in `"), "{err}");
    }

    #[test]
    fn a_missing_profile_says_where_its_name_came_from_and_what_is_close() {
        let not_found = |text: &str, vars: &[(&str, &str)], target: Target| {
            let err = resolve_with(text, "", vars, target).unwrap_err().to_string();
            let tail = err.split_once("/.aws/config`").map(|(_, tail)| tail.to_owned()).unwrap_or_default();
            (err.split_once(" not found").map(|(head, _)| head.to_owned()).unwrap_or_default(), tail)
        };
        let sample = include_str!("../../examples/config");
        let (head, tail) = not_found(sample, &[], Target::Profile(Some("dev-ssso".into())));
        assert_eq!(head, "profile `dev-ssso` (from --profile)");
        assert_eq!(tail, "; `aws-sso-credential-process status --all` lists the SSO profiles; did you mean `dev-sso`?");
        let (head, _) = not_found(sample, &[("AWS_PROFILE", "staging")], Target::Profile(None));
        assert_eq!(head, "profile `staging` (from $AWS_PROFILE)");
        let (head, _) = not_found(sample, &[("AWS_DEFAULT_PROFILE", "x")], Target::Profile(None));
        assert_eq!(head, "profile `x` (from $AWS_DEFAULT_PROFILE)");
        let (head, _) = not_found(sample, &[], Target::Profile(None));
        assert_eq!(
            head,
            "profile `default` (from the default, with no --profile, $AWS_PROFILE or $AWS_DEFAULT_PROFILE)"
        );
        let (_, tail) = not_found(
            "[dev-sso]\nregion = x\n[profile Dev-SSO]\n[profile dev-ss]\n",
            &[],
            Target::Profile(Some("dev-sso".into())),
        );
        assert_eq!(
            tail,
            "; its section [dev-sso] is not a profile in the config file: write it [profile dev-sso]; `aws-sso-credential-process status --all` lists the SSO profiles; did you mean one of `Dev-SSO`, `dev-ss`?"
        );
    }

    #[test]
    fn conflicting_duplicate_keys_are_refused_and_equal_ones_accepted() {
        let text = |url: &str| {
            format!(
                "[sso-session s]\nsso_start_url = https://a/start\nsso_region = us-east-1\n\n[profile p]\nsso_session = s\nsso_start_url = {url}\nsso_account_id = 1\nsso_role_name = R\n"
            )
        };
        assert!(resolve_in(&text("https://a/start"), Target::Profile(Some("p".into()))).is_ok());
        let err = resolve_in(&text("https://b/start"), Target::Profile(Some("p".into()))).unwrap_err().to_string();
        assert!(
            err.contains(
                "sets sso_start_url = https://b/start but its sso-session `s` sets sso_start_url = https://a/start"
            ),
            "{err}"
        );
    }

    #[test]
    fn profile_selection_follows_the_aws_cli() {
        let env = Environment::from_vars([("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(profile_name(&Target::Profile(None), &env).as_deref(), Some("a"));
        let env = Environment::from_vars([("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(profile_name(&Target::Profile(None), &env).as_deref(), Some("b"));
        assert_eq!(profile_name(&Target::Profile(None), &Environment::default()).as_deref(), Some("default"));
    }

    #[test]
    fn login_command_quotes_odd_names() {
        let session = SsoSession::Named { name: "my sso".into(), start_url: String::new(), region: String::new() };
        assert_eq!(session.cli_login_command(), "aws sso login --sso-session 'my sso'");
        assert_eq!(
            session.login_commands(),
            "`aws-sso-credential-process login --sso-session 'my sso'` (or `aws sso login --sso-session 'my sso'`)"
        );
        let legacy =
            SsoSession::Legacy { start_url: "https://x/start".into(), region: "eu-west-1".into(), login_profile: None };
        assert_eq!(
            legacy.own_login_command(),
            "aws-sso-credential-process login --start-url https://x/start --region eu-west-1"
        );
    }
}
