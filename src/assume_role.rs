//! One hop of a role chain: STS `AssumeRole`, and the AWS CLI's assume-role cache.
//!
//! The cache key and file are the CLI's (`BaseAssumeRoleCredentialFetcher._create_cache_key`,
//! `JSONFileCache`): the SHA-1 of `json.dumps(args, sort_keys=True)` over `RoleArn` and the
//! configured `RoleSessionName`, `ExternalId` and `DurationSeconds`; the file holds the STS
//! response with `…UTC` timestamps. So the CLI and this helper reuse each other's hops.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::aws::{CallFailure, FailureKind, classify};
use crate::config::AssumeRoleHop;
use crate::role_credentials::{self, RoleCredentials};
use crate::secret::Secret;
use crate::timestamp;

/// What STS returned for one `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedRole {
    /// The credentials, with the account of the role.
    pub credentials: RoleCredentials,
    /// `AssumedRoleUser.Arn` (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
    pub arn: String,
    /// `AssumedRoleUser.AssumedRoleId`.
    pub assumed_role_id: String,
    /// `SourceIdentity`, if the session has one.
    pub source_identity: Option<String>,
}

/// The AWS CLI's cache file for this hop.
pub fn cache_path(aws_dir: &Path, hop: &AssumeRoleHop) -> PathBuf {
    let mut key = Map::new();
    // Inserted in sorted order (the map keeps insertion order; the CLI sorts the keys). An
    // unset session name is not part of the key, as the CLI leaves out the one it generates.
    if let Some(duration) = hop.duration_seconds {
        key.insert("DurationSeconds".into(), duration.into());
    }
    if let Some(external_id) = &hop.external_id {
        key.insert("ExternalId".into(), external_id.clone().into());
    }
    key.insert("RoleArn".into(), hop.role_arn.clone().into());
    if let Some(session_name) = &hop.role_session_name {
        key.insert("RoleSessionName".into(), session_name.clone().into());
    }
    role_credentials::cli_cache_file(aws_dir, &crate::json::to_python_default(&Value::Object(key)))
}

/// Reads the cached credentials for `hop`, if the file holds usable ones; anything else is a miss.
pub fn read_cached(path: &Path, hop: &AssumeRoleHop) -> Option<RoleCredentials> {
    role_credentials::read_cli_cache_file(path, &hop.account_id)
}

/// The cache file's bytes, as the AWS CLI writes them: the response's `Credentials` (with the
/// `AccountId` newer CLIs add), `AssumedRoleUser` and `SourceIdentity`, timestamps as `…UTC`,
/// `json.dumps` default separators. (The CLI also stores the HTTP `ResponseMetadata`, which no
/// reader uses; it is left out.)
pub fn cache_file_bytes(assumed: &AssumedRole) -> Vec<u8> {
    let credentials = &assumed.credentials;
    let mut document = json!({
        "Credentials": {
            "AccessKeyId": credentials.access_key_id,
            "SecretAccessKey": credentials.secret_access_key.expose(),
            "SessionToken": credentials.session_token.expose(),
            "Expiration": cli_timestamp(credentials.expiration),
            "AccountId": credentials.account_id,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": assumed.assumed_role_id,
            "Arn": assumed.arn,
        },
    });
    if let Some(source_identity) = &assumed.source_identity {
        document["SourceIdentity"] = source_identity.clone().into();
    }
    crate::json::to_python_default(&document)
}

/// `2026-11-22T18:00:00UTC`: botocore's `strftime('%Y-%m-%dT%H:%M:%S%Z')` of a UTC datetime.
fn cli_timestamp(t: OffsetDateTime) -> String {
    let mut text = timestamp::format(t);
    text.pop();
    text.push_str("UTC");
    text
}

/// Why `AssumeRole` failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssumeError {
    /// `ExpiredToken` or `InvalidClientTokenId`: STS refused the source credentials themselves
    /// (expired early, revoked, or a stale cache), so fresh source credentials may succeed.
    SourceRejected(CallFailure),
    /// Any other failure.
    Failed(CallFailure),
}

/// Assumes `hop`'s role with the credentials `client` signs with.
pub async fn assume(client: &aws_sdk_sts::Client, hop: &AssumeRoleHop) -> Result<AssumedRole, AssumeError> {
    let output = client
        .assume_role()
        .role_arn(&hop.role_arn)
        .role_session_name(hop.session_name())
        .set_external_id(hop.external_id.clone())
        .set_duration_seconds(hop.duration_seconds.and_then(|d| i32::try_from(d).ok()))
        .send()
        .await
        .map_err(|e| {
            let failure = classify(e);
            match failure.code.as_deref() {
                Some("ExpiredToken" | "InvalidClientTokenId") => AssumeError::SourceRejected(failure),
                _ => AssumeError::Failed(failure),
            }
        })?;
    let malformed = |what: &str| {
        AssumeError::Failed(CallFailure {
            kind: FailureKind::Transient,
            code: None,
            detail: format!("AssumeRole returned no {what}"),
        })
    };
    let credentials = output.credentials().ok_or_else(|| malformed("Credentials"))?;
    let user = output.assumed_role_user().ok_or_else(|| malformed("AssumedRoleUser"))?;
    let nonempty = |value: &str, what: &str| {
        Some(value).filter(|v| !v.is_empty()).map(str::to_owned).ok_or_else(|| malformed(what))
    };
    let expiration = OffsetDateTime::from_unix_timestamp(credentials.expiration().secs())
        .map_err(|_| malformed("valid Expiration"))?;
    Ok(AssumedRole {
        credentials: RoleCredentials {
            access_key_id: nonempty(credentials.access_key_id(), "AccessKeyId")?,
            secret_access_key: Secret::new(nonempty(credentials.secret_access_key(), "SecretAccessKey")?),
            session_token: Secret::new(nonempty(credentials.session_token(), "SessionToken")?),
            // Whole seconds, as the CLI stores them.
            expiration,
            account_id: hop.account_id.clone(),
        },
        arn: user.arn().to_owned(),
        assumed_role_id: user.assumed_role_id().to_owned(),
        source_identity: output.source_identity().map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn hop(role_session_name: Option<&str>, duration_seconds: Option<u32>) -> AssumeRoleHop {
        AssumeRoleHop {
            profile: "admin".into(),
            role_arn: "arn:aws:iam::123456789012:role/Admin".into(),
            account_id: "123456789012".into(),
            role_session_name: role_session_name.map(str::to_owned),
            external_id: None,
            duration_seconds,
        }
    }

    #[test]
    fn cache_keys_match_the_aws_cli_vectors() {
        let aws = Path::new("/h/.aws");
        assert_eq!(
            cache_path(aws, &hop(None, None)),
            PathBuf::from("/h/.aws/cli/cache/51e7b105b5040ce662656c8dc6ab4de70c4de7ad.json")
        );
        assert_eq!(
            cache_path(aws, &hop(Some("me"), Some(3600))),
            PathBuf::from("/h/.aws/cli/cache/ff119e0dbb9c541aa614a70b5d4917bfc1b70d8a.json")
        );
    }

    #[test]
    fn cache_file_round_trips_in_the_cli_format() {
        let assumed = AssumedRole {
            credentials: RoleCredentials {
                access_key_id: "ASIAX".into(),
                secret_access_key: Secret::new("s"),
                session_token: Secret::new("t"),
                expiration: datetime!(2026-11-22 18:00:00 UTC),
                account_id: "123456789012".into(),
            },
            arn: "arn:aws:sts::123456789012:assumed-role/Admin/me".into(),
            assumed_role_id: "AROAEXAMPLE:me".into(),
            source_identity: None,
        };
        let bytes = cache_file_bytes(&assumed);
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-22T18:00:00UTC", "AccountId": "123456789012"}, "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:me", "Arn": "arn:aws:sts::123456789012:assumed-role/Admin/me"}}"#
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("c.json");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read_cached(&path, &hop(None, None)), Some(assumed.credentials));
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(read_cached(&path, &hop(None, None)), None);
    }
}
