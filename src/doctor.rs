//! `doctor`: checks the config and the caches, naming each problem with its fix.

use crate::{Error, Invocation, Outcome};

/// Runs `doctor`.
pub fn run(_json: bool, _invocation: &Invocation) -> Result<Outcome, Error> {
    Err(Error::Usage("doctor is not implemented yet".to_owned()))
}
