//! The AWS CLI's SSO token cache: `~/.aws/sso/cache/<sha1>.json`.
//!
//! The file name is the lower-case hex SHA-1 of the sso-session name, or of the start URL exactly
//! as written for the legacy layout (botocore `SSOTokenLoader._generate_cache_key`, the Rust SDK's
//! `cached_token_path`, the JS SDK's `getSSOTokenFilepath` all agree).

use std::io;
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use super::{CachedToken, InvalidToken};
use crate::config::SsoSession;

/// The token file for `session` under `aws_dir` (`~/.aws`).
pub fn token_path(aws_dir: &Path, session: &SsoSession) -> PathBuf {
    let key = match session {
        SsoSession::Named { name, .. } => name,
        SsoSession::Legacy { start_url, .. } => start_url,
    };
    aws_dir.join("sso").join("cache").join(format!("{}.json", sha1_hex(key.as_bytes())))
}

/// Lower-case hex SHA-1, the AWS tools' cache key function.
pub fn sha1_hex(bytes: &[u8]) -> String {
    Sha1::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a token could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// No file: nobody has logged in (or `aws sso logout` ran).
    Missing,
    /// The file exists but could not be read.
    Io(io::Error),
    /// The file is not a usable token.
    Invalid(InvalidToken),
}

/// Reads and parses the token file.
pub fn read(path: &Path) -> Result<CachedToken, ReadError> {
    match std::fs::read(path) {
        Ok(bytes) => CachedToken::parse(&bytes).map_err(ReadError::Invalid),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(ReadError::Missing),
        Err(e) => Err(ReadError::Io(e)),
    }
}

/// Writes the token back atomically, 0600, so the CLI and SDKs keep using it.
pub fn write(path: &Path, token: &CachedToken) -> io::Result<()> {
    crate::fs_util::write_atomically(path, &token.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_match_the_reference_vectors() {
        let named = SsoSession::Named { name: "my-sso".into(), start_url: "x".into(), region: "r".into() };
        assert_eq!(
            token_path(Path::new("/h/.aws"), &named),
            PathBuf::from("/h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
        let legacy = SsoSession::Legacy {
            start_url: "https://d-123.awsapps.com/start".into(),
            region: "r".into(),
            login_profile: None,
        };
        assert_eq!(
            token_path(Path::new("/h/.aws"), &legacy),
            PathBuf::from("/h/.aws/sso/cache/2b829a45f04c9828cb45b7d092d8e4aa30818393.json")
        );
    }
}
