//! `configure`: the credential_process profile lines for an existing SSO profile.

use crate::cli::ConfigureRequest;
use crate::{Error, Invocation, Outcome};

/// Runs `configure`.
pub fn run(_request: &ConfigureRequest, _invocation: &Invocation) -> Result<Outcome, Error> {
    Err(Error::Usage("configure is not implemented yet".to_owned()))
}
