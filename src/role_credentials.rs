//! Role credentials: fetched with SSO `GetRoleCredentials`, and shared with the AWS CLI through
//! its own cache, `~/.aws/cli/cache/<sha1>.json`.
//!
//! The cache key and file format are the CLI's (`SSOCredentialFetcher._create_cache_key` and
//! `_get_credentials`), so the CLI and this helper reuse each other's fetches, and `aws sso logout`
//! (which deletes the files whose `ProviderType` is `sso`) clears ours too.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use crate::aws::{CallFailure, FailureKind, classify};
use crate::config::{SsoRole, SsoSession};
use crate::secret::Secret;
use crate::timestamp;
use crate::token::cache::sha1_hex;

/// Cached credentials are reused only with at least this much left, the AWS CLI's rule
/// (`CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS`), and we never print credentials with
/// less: botocore and the JS SDK re-run a credential_process on nearly every call below it.
pub const MIN_REMAINING: Duration = Duration::minutes(15);

/// Temporary credentials for one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleCredentials {
    /// `ASIA…`
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token.
    pub session_token: Secret,
    /// When they expire.
    pub expiration: OffsetDateTime,
    /// The account they belong to.
    pub account_id: String,
}

impl RoleCredentials {
    /// Whether they have at least [`MIN_REMAINING`] left at `now`.
    pub fn fresh_at(&self, now: OffsetDateTime) -> bool {
        self.lasts(now, MIN_REMAINING)
    }

    /// Whether they have at least `remaining` left at `now`.
    pub fn lasts(&self, now: OffsetDateTime, remaining: Duration) -> bool {
        self.expiration - now >= remaining
    }

    /// The SDK's form, to sign an STS call with (`AssumeRole` of the next hop, `GetCallerIdentity`).
    pub fn to_signing(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            &self.access_key_id,
            self.secret_access_key.expose(),
            Some(self.session_token.expose().to_owned()),
            None,
            crate::program::PROGRAM_NAME,
        )
    }
}

/// The AWS CLI's cache file for this role: SHA-1 of
/// `json.dumps({"accountId", "roleName", "sessionName"|"startUrl"}, sort_keys=True, separators=(",", ":"))`.
pub fn cache_path(aws_dir: &Path, role: &SsoRole) -> PathBuf {
    let mut key = Map::new();
    // Inserted in sorted order: the map keeps insertion order, and the key must be sorted.
    key.insert("accountId".into(), role.account_id.clone().into());
    key.insert("roleName".into(), role.role_name.clone().into());
    match &role.session {
        SsoSession::Named { name, .. } => key.insert("sessionName".into(), name.clone().into()),
        SsoSession::Legacy { start_url, .. } => key.insert("startUrl".into(), start_url.clone().into()),
    };
    cli_cache_file(aws_dir, &crate::json::to_python_compact(&Value::Object(key)))
}

/// `~/.aws/cli/cache/<sha1(key)>.json`: the AWS CLI's `JSONFileCache`, shared by its SSO and
/// assume-role credential fetchers.
pub(crate) fn cli_cache_file(aws_dir: &Path, key: &[u8]) -> PathBuf {
    aws_dir.join("cli").join("cache").join(format!("{}.json", sha1_hex(key)))
}

/// Reads the cached credentials for `role`, if the file holds usable ones. Anything else (no
/// file, a half-written or foreign file) is a miss: the caller fetches and rewrites it.
pub fn read_cached(path: &Path, role: &SsoRole) -> Option<RoleCredentials> {
    // The CLI before 2.13 does not write AccountId; the account is the one we asked for.
    read_cli_cache_file(path, &role.account_id)
}

/// Why the cache file at `path` cannot be read, if it exists and cannot be: a miss like any other
/// for the credential call (which, like the AWS CLI's `JSONFileCache`, fetches new credentials
/// and replaces the file), but one to name in `--verbose`, `status` and `doctor`.
pub fn unreadable(path: &Path) -> Option<std::io::Error> {
    match std::fs::File::open(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Some(e),
        _ => None,
    }
}

/// The `Credentials` of an AWS CLI cache file (SSO or assume-role: both keep them there), with
/// `account_id`, the account asked for.
pub(crate) fn read_cli_cache_file(path: &Path, account_id: &str) -> Option<RoleCredentials> {
    let bytes = std::fs::read(path).ok()?;
    let document: Value = serde_json::from_slice(&bytes).ok()?;
    let credentials = document.get("Credentials")?;
    let text = |key: &str| credentials.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    Some(RoleCredentials {
        access_key_id: text("AccessKeyId")?.to_owned(),
        secret_access_key: Secret::new(text("SecretAccessKey")?),
        session_token: Secret::new(text("SessionToken")?),
        expiration: timestamp::parse(text("Expiration")?)?,
        account_id: account_id.to_owned(),
    })
}

/// The cache file's bytes, exactly as the AWS CLI writes them.
pub fn cache_file_bytes(credentials: &RoleCredentials) -> Vec<u8> {
    let document = json!({
        "ProviderType": "sso",
        "Credentials": {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key.expose(),
            "SessionToken": credentials.session_token.expose(),
            "Expiration": timestamp::format(credentials.expiration),
            "AccountId": credentials.account_id,
        }
    });
    crate::json::to_python_default(&document)
}

/// Why `GetRoleCredentials` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// 401: the access token was refused (expired early, revoked, or logged out elsewhere).
    TokenRejected(CallFailure),
    /// The call failed for another reason.
    Failed(CallFailure),
}

/// Exchanges the access token for the role's credentials.
pub async fn fetch(
    client: &aws_sdk_sso::Client,
    access_token: &Secret,
    role: &SsoRole,
) -> Result<RoleCredentials, FetchError> {
    let output = client
        .get_role_credentials()
        .access_token(access_token.expose())
        .account_id(&role.account_id)
        .role_name(&role.role_name)
        .send()
        .await
        .map_err(|e| {
            let failure = classify(e);
            if failure.code.as_deref() == Some("UnauthorizedException") {
                FetchError::TokenRejected(failure)
            } else {
                FetchError::Failed(failure)
            }
        })?;
    let malformed = |what: &str| {
        FetchError::Failed(CallFailure {
            kind: FailureKind::Transient,
            code: None,
            detail: format!("GetRoleCredentials returned no {what}"),
        })
    };
    let credentials = output.role_credentials().ok_or_else(|| malformed("roleCredentials"))?;
    let text = |value: Option<&str>, what: &str| {
        value.filter(|v| !v.is_empty()).map(str::to_owned).ok_or_else(|| malformed(what))
    };
    let expiration = OffsetDateTime::from_unix_timestamp_nanos(i128::from(credentials.expiration()) * 1_000_000)
        .map_err(|_| malformed("valid expiration"))?;
    Ok(RoleCredentials {
        access_key_id: text(credentials.access_key_id(), "accessKeyId")?,
        secret_access_key: Secret::new(text(credentials.secret_access_key(), "secretAccessKey")?),
        session_token: Secret::new(text(credentials.session_token(), "sessionToken")?),
        // Whole seconds, as the CLI stores them: what we print is then what the cache says.
        expiration: expiration.replace_nanosecond(0).unwrap_or(expiration),
        account_id: role.account_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn role(session: SsoSession) -> SsoRole {
        SsoRole { session, account_id: "123456789012".into(), role_name: "ReadOnly".into() }
    }

    #[test]
    fn cache_keys_match_the_aws_cli_vectors() {
        let named = role(SsoSession::Named { name: "my-sso".into(), start_url: "u".into(), region: "r".into() });
        assert_eq!(
            cache_path(Path::new("/h/.aws"), &named),
            PathBuf::from("/h/.aws/cli/cache/31b260dab331b2af063485cea75f7b8b3cf54c71.json")
        );
        let legacy = role(SsoSession::Legacy {
            start_url: "https://d-123.awsapps.com/start".into(),
            region: "r".into(),
            login_profile: None,
        });
        assert_eq!(
            cache_path(Path::new("/h/.aws"), &legacy),
            PathBuf::from("/h/.aws/cli/cache/49d74a5adea274d356f0d1ec5a815460b5c8e31d.json")
        );
    }

    #[test]
    fn cache_file_round_trips_in_the_cli_format() {
        let credentials = RoleCredentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: datetime!(2026-11-22 18:49:49 UTC),
            account_id: "123456789012".into(),
        };
        let bytes = cache_file_bytes(&credentials);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-22T18:49:49Z", "AccountId": "123456789012"}}"#
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.json");
        std::fs::write(&path, &bytes).unwrap();
        let named = role(SsoSession::Named { name: "my-sso".into(), start_url: "u".into(), region: "r".into() });
        assert_eq!(read_cached(&path, &named), Some(credentials));
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        assert_eq!(read_cached(&path, &named), None);
    }

    #[test]
    fn freshness_uses_the_cli_window() {
        let mut credentials = RoleCredentials {
            access_key_id: "A".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: datetime!(2026-11-23 12:15:00 UTC),
            account_id: "1".into(),
        };
        assert!(credentials.fresh_at(datetime!(2026-11-23 12:00:00 UTC)));
        credentials.expiration = datetime!(2026-11-23 12:14:59 UTC);
        assert!(!credentials.fresh_at(datetime!(2026-11-23 12:00:00 UTC)));
    }
}
