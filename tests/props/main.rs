//! Property-based tests of everything that reads outside data: token and credential cache files,
//! timestamps, the config and credentials files, and what the SSO portal, SSO-OIDC and STS answer.
//!
//! The properties are the issue's: never panic, never print to stdout on error, and keep unknown
//! token fields byte-for-byte in value. Case counts are bounded so the target stays fast; the
//! standard `PROPTEST_CASES` variable overrides every one of them (the ones that run the binary
//! included).

// Tests are outside the program: they may read the real clock and environment.
#![allow(clippy::disallowed_methods, unreachable_pub)]

/// JSON documents as text, with the exact number and escape spellings kept for comparison.
mod json_text;

/// The SSO token cache file: never panics, a refresh keeps every unknown field.
mod token_cache;

/// The AWS CLI's role and assume-role cache files.
mod credential_cache;

/// `timestamp::parse` and `timestamp::format`.
mod timestamps;

/// The config and credentials files: load + resolve never panic, errors stay on one line.
mod config;

/// `config::file::parse`, botocore's reading of those files: never panics on any bytes or
/// INI-ish text; what it returns holds together (keys and sections once, lines in range).
mod config_file;

/// The real binary against a loopback server that answers anything.
mod responses;

use proptest::test_runner::Config;

/// `cases` cases, unless `PROPTEST_CASES` says otherwise. Failing inputs are printed (shrunk),
/// not saved under `proptest-regressions/` in the work tree.
pub fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases);
    Config { cases, failure_persistence: None, ..Config::default() }
}
