//! `role_arn` + `source_profile` chains → a [`RoleChain`]: the base credentials and each
//! `AssumeRole` hop, as plain data, before anything is read from a cache or sent to AWS.
//!
//! Resolution follows botocore's `AssumeRoleProvider`, which is what the AWS CLI and boto3 users
//! check their config with:
//! - a profile with `role_arn` is a hop; its `source_profile` gives the credentials it is assumed
//!   with (`credential_source` and `mfa_serial` need an EC2/ECS host or a person, so they are
//!   refused with a message saying what to use instead);
//! - a source profile is itself a hop if it has `role_arn` and no static keys; otherwise it is the
//!   base: SSO keys first, then `aws_access_key_id`/`aws_secret_access_key`;
//! - a profile may name itself as `source_profile` only to use its own static keys; any other
//!   repeat is a loop.
//!
//! A source profile whose `credential_process` runs this helper with `--profile P` is followed
//! to `P`, so the common layout (`[profile dev] credential_process = aws-sso-credential-process
//! --profile dev-sso`, then `source_profile = dev`) works.

use std::fmt;

use super::file::Profile;
use super::{
    ConfigError, LoadedConfig, PROGRAM_NAME, SsoRole, has_sso_keys, has_static_keys, helper_target, is_this_helper,
    profile_argument, resolve_profile,
};
use crate::env::Environment;
use crate::secret::Secret;

/// The most `AssumeRole` hops a chain may have. AWS sets no limit, but each hop costs a call and
/// a longer chain is almost certainly a mistake.
pub const MAX_HOPS: usize = 10;

/// The session name used when a profile sets no `role_session_name`: the same on every run, so
/// CloudTrail shows which tool assumed the role. Like the AWS CLI's generated name, it is not part
/// of the cache key.
pub const DEFAULT_SESSION_NAME: &str = PROGRAM_NAME;

/// Shortest `duration_seconds` accepted: credentials with 15 minutes or less left are never
/// printed (clients would re-run us on every call), so a hop must last longer than that.
pub const MIN_DURATION_SECONDS: u32 = 1200;
/// Longest `duration_seconds` STS allows (a role's maximum session duration can be at most 12 h).
pub const MAX_DURATION_SECONDS: u32 = 43_200;

/// The longest `duration_seconds` STS grants a role assumed with another role's credentials.
pub const MAX_CHAINED_DURATION_SECONDS: u32 = 3600;

/// Regions that `sts_regional_endpoints = legacy` sends to the global endpoint (botocore's
/// `_LEGACY_GLOBAL_ENDPOINT_REGIONS`).
const LEGACY_GLOBAL_REGIONS: [&str; 16] = [
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// The global STS endpoint, used without a region or under `sts_regional_endpoints = legacy`.
pub const GLOBAL_STS_ENDPOINT: &str = "https://sts.amazonaws.com";

/// A resolved chain: base credentials, then one `AssumeRole` per hop, in call order.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RoleChain {
    /// Where the first hop's credentials come from.
    pub base: ChainBase,
    /// The hops: `hops[0]` is assumed with the base credentials, each next one with the previous
    /// hop's; the last is the requested profile. Never empty.
    pub hops: Vec<AssumeRoleHop>,
    /// Where STS is called.
    pub sts: StsLocation,
}

impl RoleChain {
    /// The requested profile's hop, whose credentials are printed.
    pub fn last_hop(&self) -> &AssumeRoleHop {
        self.hops.last().expect("a chain has at least one hop")
    }
}

/// The credentials a chain starts from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ChainBase {
    /// An IAM Identity Center role: everything the SSO path does (cache, locks, refresh).
    Sso {
        /// The profile it was resolved from.
        profile: String,
        /// The role.
        role: SsoRole,
    },
    /// `aws_access_key_id`/`aws_secret_access_key` in the credentials or config file. Never
    /// serialised: a memo of the resolution must not hold the keys.
    #[serde(skip)]
    StaticKeys {
        /// The profile holding them.
        profile: String,
        /// The keys.
        keys: StaticKeys,
    },
}

impl fmt::Display for ChainBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sso { profile, role } => {
                write!(f, "SSO role {} in account {} (profile `{profile}`)", role.role_name, role.account_id)
            }
            Self::StaticKeys { profile, .. } => write!(f, "the access keys of profile `{profile}`"),
        }
    }
}

/// Long-term (or, with a session token, temporary) keys written in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticKeys {
    /// `aws_access_key_id`.
    pub access_key_id: String,
    /// `aws_secret_access_key`.
    pub secret_access_key: Secret,
    /// `aws_session_token`, if any.
    pub session_token: Option<Secret>,
}

/// One `sts:AssumeRole` call, from a profile with `role_arn`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AssumeRoleHop {
    /// The profile.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// The account in `role_arn`, printed as `AccountId`.
    pub account_id: String,
    /// `role_session_name`, if set (only a configured name is part of the cache key).
    pub role_session_name: Option<String>,
    /// `external_id`, if set.
    pub external_id: Option<String>,
    /// `duration_seconds`, if set (else STS's default, one hour).
    pub duration_seconds: Option<u32>,
}

impl AssumeRoleHop {
    /// The `RoleSessionName` sent to STS.
    pub fn session_name(&self) -> &str {
        self.role_session_name.as_deref().unwrap_or(DEFAULT_SESSION_NAME)
    }
}

impl fmt::Display for AssumeRoleHop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "role {} (profile `{}`)", self.role_arn, self.profile)
    }
}

/// The STS region and endpoint, from the requested profile and the environment, as the SDKs use
/// them for every hop of a chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StsLocation {
    /// The signing region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else
    /// `us-east-1` (for the global endpoint).
    pub region: String,
    /// Whether to call the global endpoint rather than the region's own: without any region, or
    /// under `sts_regional_endpoints = legacy` in a region that had only the global one.
    pub global_endpoint: bool,
}

/// Resolves the chain that starts at profile `name`, which has `role_arn`.
pub(super) fn resolve_chain(
    config: &LoadedConfig,
    env: &Environment,
    target: Profile<'_>,
    program_names: &[&str],
) -> Result<RoleChain, ConfigError> {
    let path = &config.path;
    let name = target.name();
    let mut visited: Vec<String> = vec![name.to_owned()];
    let mut hops_from_target = Vec::new();
    let mut current = target;
    let base = loop {
        hops_from_target.push(hop(config, &current)?);
        if hops_from_target.len() > MAX_HOPS {
            return Err(ConfigError::ChainTooLong { profile: name.to_owned(), max: MAX_HOPS, path: path.clone() });
        }
        let source_name = current.get("source_profile").unwrap_or_default();
        let mut source = source_profile(config, source_name, current.name())?;
        // Follow `credential_process = aws-sso-credential-process --profile P` to P.
        if let Some(target) = helper_target(&source, program_names) {
            visited.push(source.name().to_owned());
            source = source_profile(config, &target, source.name())?;
        }
        let source_name = source.name();
        if visited.iter().any(|v| v == source_name) {
            // A profile may source itself only to use its own static keys.
            if source_name == current.name() && has_static_keys(&source) {
                break static_base(config, &source)?;
            }
            visited.push(source_name.to_owned());
            return Err(ConfigError::ChainLoop { profiles: visited, path: path.clone() });
        }
        visited.push(source_name.to_owned());
        if has_static_keys(&source) || source.get("role_arn").is_none() {
            break base(config, &source, program_names)?;
        }
        current = source;
    };
    hops_from_target.reverse();
    check_chaining_durations(config, &base, &hops_from_target)?;
    Ok(RoleChain { base, hops: hops_from_target, sts: sts_location(config, env, Some(name))? })
}

/// Refuses a `duration_seconds` above an hour on a hop assumed with another role's credentials
/// (an SSO role, or the hop before): STS refuses role chaining beyond 1 hour
/// (`ValidationException`), so the call would only fail after the earlier calls were made.
fn check_chaining_durations(
    config: &LoadedConfig,
    base: &ChainBase,
    hops: &[AssumeRoleHop],
) -> Result<(), ConfigError> {
    for (index, hop) in hops.iter().enumerate() {
        let chained = index > 0 || matches!(base, ChainBase::Sso { .. });
        if let Some(seconds) = hop.duration_seconds.filter(|&s| chained && s > MAX_CHAINED_DURATION_SECONDS) {
            let source = match index.checked_sub(1).map(|i| &hops[i]) {
                Some(previous) => previous.to_string(),
                None => base.to_string(),
            };
            return Err(ConfigError::InvalidValue {
                profile: hop.profile.clone(),
                key: "duration_seconds",
                value: seconds.to_string(),
                expected: format!(
                    "at most {MAX_CHAINED_DURATION_SECONDS}: the role is assumed with the credentials of {source}, and AWS limits a role assumed with another role's credentials (role chaining) to 1 hour"
                ),
                path: config.path.clone(),
            });
        }
    }
    Ok(())
}

/// Profile `name`, which profile `referenced_by` names as its source.
fn source_profile<'a>(config: &'a LoadedConfig, name: &str, referenced_by: &str) -> Result<Profile<'a>, ConfigError> {
    config.profile(name).ok_or_else(|| ConfigError::SourceProfileNotFound {
        profile: referenced_by.to_owned(),
        source_profile: name.to_owned(),
        path: config.path.clone(),
    })
}

/// The `--profile` that `profile`'s `credential_process` passes to this helper, if it runs this
/// helper (recognised by [`PROGRAM_NAME`] or one of `program_names`) with one.
pub fn helper_profile(profile: &Profile<'_>, program_names: &[&str]) -> Option<String> {
    let words = shlex::split(profile.get("credential_process")?)?;
    if !is_this_helper(words.first()?, program_names) {
        return None;
    }
    profile_argument(&words)
}

/// The hop for a profile with `role_arn`, refusing what cannot work without a person or an
/// EC2/ECS host.
// Long by design: every key of a hop checked in the order botocore's AssumeRoleProvider reads
// them, each with its own message.
fn hop(config: &LoadedConfig, profile: &Profile<'_>) -> Result<AssumeRoleHop, ConfigError> {
    let path = &config.path;
    let name = profile.name().to_owned();
    let role_arn = profile.get("role_arn").unwrap_or_default();
    if profile.get("mfa_serial").is_some() {
        return Err(ConfigError::MfaRequired { profile: name, path: path.clone() });
    }
    // `role_arn` with a web identity token is AssumeRoleWithWebIdentity (botocore's provider for
    // it comes first), which this helper does not run.
    if profile.get("web_identity_token_file").is_some() {
        return Err(ConfigError::UnsupportedSource {
            profile: name,
            key: "web_identity_token_file",
            path: path.clone(),
        });
    }
    match (profile.get("source_profile"), profile.get("credential_source")) {
        (Some(_), Some(_)) => return Err(ConfigError::BothSources { profile: name, path: path.clone() }),
        (None, Some(source)) => {
            return Err(ConfigError::CredentialSource { profile: name, value: source.to_owned(), path: path.clone() });
        }
        (None, None) => return Err(ConfigError::NoRoleSource { profile: name, path: path.clone() }),
        (Some(_), None) => {}
    }
    let invalid = |key: &'static str, value: &str, expected: &str| ConfigError::InvalidValue {
        profile: name.clone(),
        key,
        value: value.to_owned(),
        expected: expected.to_owned(),
        path: path.clone(),
    };
    let account_id = role_account(role_arn)
        .ok_or_else(|| invalid("role_arn", role_arn, "an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME"))?;
    let role_session_name = profile.get("role_session_name");
    if let Some(session_name) = role_session_name
        && !valid_session_name(session_name)
    {
        return Err(invalid(
            "role_session_name",
            session_name,
            "2 to 64 letters, digits and the characters + = , . @ _ -",
        ));
    }
    let duration_seconds = match profile.get("duration_seconds") {
        None => None,
        Some(text) => Some(
            text.trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (MIN_DURATION_SECONDS..=MAX_DURATION_SECONDS).contains(d))
                .ok_or_else(|| {
                    invalid(
                        "duration_seconds",
                        text,
                        &format!(
                            "a whole number of seconds from {MIN_DURATION_SECONDS} (credentials with 15 minutes or less left are never printed) to {MAX_DURATION_SECONDS}"
                        ),
                    )
                })?,
        ),
    };
    Ok(AssumeRoleHop {
        profile: name.clone(),
        role_arn: role_arn.to_owned(),
        account_id: account_id.to_owned(),
        role_session_name: role_session_name.map(str::to_owned),
        external_id: profile.get("external_id").map(str::to_owned),
        duration_seconds,
    })
}

/// The account of `arn:PARTITION:iam::ACCOUNT:role/NAME`, if `arn` is an IAM role ARN.
fn role_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (prefix, partition, service, region, account, resource) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let is_role = prefix == "arn"
        && !partition.is_empty()
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && resource.strip_prefix("role/").is_some_and(|name| !name.is_empty());
    is_role.then_some(account)
}

/// STS's rule for `RoleSessionName`: `[\w+=,.@-]{2,64}`.
fn valid_session_name(name: &str) -> bool {
    (2..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// The credentials at the bottom of the chain, in botocore's order: web identity, SSO, static
/// keys, credential_process.
fn base(config: &LoadedConfig, source: &Profile<'_>, program_names: &[&str]) -> Result<ChainBase, ConfigError> {
    let path = &config.path;
    let name = source.name().to_owned();
    if source.get("web_identity_token_file").is_some() {
        return Err(ConfigError::UnsupportedSource {
            profile: name,
            key: "web_identity_token_file",
            path: path.clone(),
        });
    }
    if has_sso_keys(source) {
        let role = resolve_profile(config, *source, program_names)?;
        return Ok(ChainBase::Sso { profile: name, role });
    }
    if has_static_keys(source) {
        return static_base(config, source);
    }
    if source.get("credential_process").is_some() {
        return Err(ConfigError::UnsupportedSource { profile: name, key: "credential_process", path: path.clone() });
    }
    Err(ConfigError::NoCredentials { profile: name, path: path.clone() })
}

fn static_base(config: &LoadedConfig, source: &Profile<'_>) -> Result<ChainBase, ConfigError> {
    let (id, secret) = (source.get("aws_access_key_id"), source.get("aws_secret_access_key"));
    let (Some(id), Some(secret)) = (id, secret) else {
        let missing = if id.is_none() { "aws_access_key_id" } else { "aws_secret_access_key" };
        return Err(ConfigError::MissingKeys {
            section: format!("profile `{}`", source.name()),
            keys: vec![missing],
            path: config.credentials_path.clone().unwrap_or_else(|| config.path.clone()),
        });
    };
    Ok(ChainBase::StaticKeys {
        profile: source.name().to_owned(),
        keys: StaticKeys {
            access_key_id: id.to_owned(),
            secret_access_key: Secret::new(secret),
            session_token: source.get("aws_session_token").map(Secret::new),
        },
    })
}

/// The STS region and endpoint for the requested (selected) profile; `status --verify` calls STS
/// there for an SSO profile too.
pub fn sts_location(
    config: &LoadedConfig,
    env: &Environment,
    profile: Option<&str>,
) -> Result<StsLocation, ConfigError> {
    let selected = profile.and_then(|name| config.profile(name));
    let region = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .or_else(|| selected.and_then(|p| p.get("region")));
    let (mode, from_env) = match env.get("AWS_STS_REGIONAL_ENDPOINTS") {
        Some(mode) => (Some(mode), true),
        None => (selected.and_then(|p| p.get("sts_regional_endpoints")), false),
    };
    let legacy = match mode.map(str::trim) {
        None => false,
        Some(mode) if mode.eq_ignore_ascii_case("regional") => false,
        Some(mode) if mode.eq_ignore_ascii_case("legacy") => true,
        Some(other) => {
            return Err(ConfigError::InvalidValue {
                profile: if from_env { "environment".to_owned() } else { profile.unwrap_or("default").to_owned() },
                key: if from_env { "AWS_STS_REGIONAL_ENDPOINTS" } else { "sts_regional_endpoints" },
                value: other.to_owned(),
                expected: "`regional` or `legacy`".to_owned(),
                path: config.path.clone(),
            });
        }
    };
    Ok(match region {
        Some(region) => StsLocation {
            region: region.to_owned(),
            global_endpoint: region == "aws-global" || (legacy && LEGACY_GLOBAL_REGIONS.contains(&region)),
        },
        None => StsLocation { region: "us-east-1".to_owned(), global_endpoint: true },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_checked() {
        assert_eq!(role_account("arn:aws:iam::123456789012:role/Admin"), Some("123456789012"));
        assert_eq!(role_account("arn:aws-cn:iam::123456789012:role/path/to/Admin"), Some("123456789012"));
        for bad in [
            "Admin",
            "arn:aws:iam::123456789012:user/Admin",
            "arn:aws:iam::12345:role/Admin",
            "arn:aws:sts::123456789012:role/Admin",
            "arn:aws:iam::123456789012:role/",
        ] {
            assert_eq!(role_account(bad), None, "{bad}");
        }
    }

    #[test]
    fn session_names_follow_sts_rules() {
        assert!(valid_session_name("alice@example.com"));
        assert!(valid_session_name(DEFAULT_SESSION_NAME));
        assert!(!valid_session_name("a"));
        assert!(!valid_session_name("has space"));
        assert!(!valid_session_name(&"x".repeat(65)));
    }
}
