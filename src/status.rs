//! `status`: what the helper sees for a profile, without a secret.

use crate::cli::StatusRequest;
use crate::{Error, Invocation, Outcome};

/// Runs `status`.
pub fn run(_request: &StatusRequest, _invocation: &Invocation) -> Result<Outcome, Error> {
    Err(Error::Usage("status is not implemented yet".to_owned()))
}
