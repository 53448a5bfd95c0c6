//! Interop tests: our binary against implementations no one here wrote. Not part of the plain
//! `cargo test` (they need Python packages); `scripts/interop` installs what they need into
//! `target/interop` and runs them, and `.ci/run` runs that script.

// The harness is outside the program: it may read the real clock and environment.
#![allow(clippy::disallowed_methods, unreachable_pub)]

/// A real STS (moto's server) accepts what a role chain prints, and botocore's assume-role
/// fetcher shares the AWS CLI's cache with us in both directions.
mod moto_sts;
