//! The hot path: credentials already in the AWS CLI's cache, with enough time left, are printed
//! as they are. It reads one file (the memo of the resolution having spared the config), builds
//! no SDK client, starts no runtime and touches no network.

use std::path::{Path, PathBuf};

use time::Duration;

use crate::config::Resolved;
use crate::role_credentials::{self, RoleCredentials};
use crate::{Report, assume_role, lifetime, timestamp};

/// What the cache holds for a request: the file the AWS CLI keeps its credentials in (the last
/// hop's, for a chain) and what it holds, if anything usable.
pub(super) struct Cached {
    /// The cache file.
    pub path: PathBuf,
    /// Its credentials, however long they last.
    pub credentials: Option<RoleCredentials>,
}

/// Reads the AWS CLI's cache entry for `resolved` under `aws_dir`.
pub(super) fn read(resolved: &Resolved, aws_dir: &Path) -> Cached {
    let (path, credentials) = match resolved {
        Resolved::Sso(role) => {
            let path = role_credentials::cache_path(aws_dir, role);
            let credentials = role_credentials::read_cached(&path, role);
            (path, credentials)
        }
        Resolved::Chain(chain) => {
            let path = assume_role::cache_path(aws_dir, chain.last_hop());
            let credentials = assume_role::read_cached(&path, chain.last_hop());
            (path, credentials)
        }
    };
    Cached { path, credentials }
}

/// The cached credentials if they last `required` past `now` (the hot path's answer), else
/// `None`; the decision is traced either way.
pub(super) fn fresh(
    cached: &Cached,
    now: time::OffsetDateTime,
    required: Duration,
    report: &mut Report,
) -> Option<RoleCredentials> {
    let path = cached.path.display();
    match &cached.credentials {
        Some(credentials) if credentials.lasts(now, required) => {
            report.step(format!(
                "cached credentials in {path} expire at {}: fresh",
                timestamp::format(credentials.expiration)
            ));
            Some(credentials.clone())
        }
        Some(credentials) => {
            report.step(format!(
                "cached credentials in {path} expire at {}: less than {} left, fetching new ones",
                timestamp::format(credentials.expiration),
                lifetime::human(required)
            ));
            None
        }
        None => {
            match role_credentials::unreadable(&cached.path) {
                Some(e) => report.step(format!(
                    "cannot read the cached credentials in {path} ({e}): fetching new ones, which replace the file"
                )),
                None => report.step(format!("no usable cached credentials in {path}")),
            }
            None
        }
    }
}
