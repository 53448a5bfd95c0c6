//! Interop tests: our binary against implementations no one here wrote. Not part of the plain
//! `cargo test` (they need Python packages); `scripts/interop` installs what they need into
//! `target/interop` and runs them, and `.ci/run` runs that script.

// The harness is outside the program: it may read the real clock and environment.
#![allow(clippy::disallowed_methods, unreachable_pub)]

/// A real STS (moto's server) accepts what a role chain prints, and botocore's assume-role
/// fetcher shares the AWS CLI's cache with us in both directions.
mod moto_sts;

/// Real clients (boto3, the AWS CLI v2, the JS SDK v3, the Rust SDK) run our binary as their
/// `credential_process` and call STS `GetCallerIdentity` with what we print; writes the
/// client × scenario table (`target/interop/consumers.md`, copied to `docs/interop.md`).
mod consumers;

/// The real AWS CLI v2 (`aws sso login`, its SSO provider, `aws sso logout`) and boto3's SSO
/// provider share the SSO token cache with us in both directions.
mod aws_cli;

/// A real headless browser (chromium) completes `login`'s authorization-code flow.
mod browser;

/// botocore's reading of config and credentials files (`botocore_config_view.py`) against
/// `config::file`: the corpus in `test-data/config-files` and thousands of generated files.
mod config_files;
