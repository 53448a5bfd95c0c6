//! Signing in and out without the AWS CLI: `login` (the authorization-code flow with PKCE, or the
//! device code) and `logout`, reading and writing exactly the AWS CLI's files.

pub mod browser;
pub mod login;
pub mod logout;
pub mod oidc;
pub mod pkce;

use std::path::PathBuf;
use std::time::Duration;

use crate::Error;
use crate::lock::{self, LockGuard};

/// How long a sign-in or sign-out waits for a caller refreshing or fetching the same files.
const LOCK_TIMEOUT: Duration = Duration::from_secs(30);

/// The lock at `path` (the one a refresh or fetch of the file takes), if locks can be used here;
/// held by another caller past [`LOCK_TIMEOUT`], an error saying `what` it is doing.
fn locked(path: Option<PathBuf>, what: &str) -> Result<Option<LockGuard>, Error> {
    let Some(path) = path else { return Ok(None) };
    match lock::acquire(&path, LOCK_TIMEOUT) {
        Ok(guard) => Ok(Some(guard)),
        Err(lock::LockError::Unavailable(_)) => Ok(None),
        Err(lock::LockError::Timeout { waited, holder }) => {
            Err(Error::LockTimeout { what: what.to_owned(), waited_secs: waited.as_secs(), holder, path })
        }
    }
}
