//! The program's own name: what users put behind `credential_process`, the folder of its cache,
//! and the default role session name. A leaf: it imports nothing from the crate.

/// The executable name users put behind `credential_process`.
pub const PROGRAM_NAME: &str = "aws-sso-credential-process";
