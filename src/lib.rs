//! `aws-sso-credential-process`: credential_process JSON for an IAM Identity Center (SSO) role.
//!
//! The flow, one module per step:
//! 1. [`cli`] turns the arguments into a [`cli::Request`] (a [`config::Target`] and options);
//! 2. [`config`] reads `~/.aws/config` (and `~/.aws/credentials`) as the AWS CLI does and
//!    resolves the target into plain data: an [`config::SsoRole`] (session, account, role), or a
//!    [`config::RoleChain`] (base credentials, then `AssumeRole` hops) for a `role_arn` profile;
//!    a memo of that resolution ([`config::memo`]) spares re-reading files that have not changed;
//! 3. [`credentials::run`], the credential command: the hot path reads the AWS CLI's cache
//!    ([`role_credentials`], or [`assume_role`] for a chain); with at least 15 minutes left, those
//!    credentials are printed and nothing else happens (no SDK client, no runtime threads, no
//!    network);
//! 4. the slow path, [`credentials::sso`]: under a cross-process [`lock`], the SSO token from the
//!    CLI's cache ([`token`]), refreshed with SSO-OIDC when due, exchanged with
//!    `GetRoleCredentials`, and cached; transient failures fall back to still-valid cached
//!    credentials. For a chain, [`credentials::chain`] does this for the base, then STS
//!    `AssumeRole` per hop, each cached and locked;
//! 5. [`output`] prints the document; on failure the binary prints one line from [`error`].
//!
//! The commands for people ([`commands`]: `status`, `configure`, `doctor`) read the same files.
//!
//! I/O stays at the edges: the environment ([`env`](mod@env)), the clock ([`clock`]) and therefore paths
//! and endpoints are passed in, so the library runs the same against a temporary `HOME` and a
//! loopback fake (see `examples/demo.rs`).

pub mod assume_role;
pub mod aws;
pub mod backoff;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod env;
pub mod error;
pub mod fs_util;
pub mod json;
pub mod lifetime;
pub mod lock;
pub mod output;
pub mod program;
pub mod role_credentials;
pub mod runtime;
pub mod secret;
pub mod sign_in;
pub mod timestamp;
pub mod token;

use time::OffsetDateTime;

pub use crate::cli::Request;
pub use crate::config::Target;
pub use crate::credentials::run;
pub use crate::env::Environment;
pub use crate::error::{Error, ExitKind};
use crate::program::PROGRAM_NAME;

/// What a run works with: the environment and the time, taken once at start-up.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The environment variables.
    pub env: Environment,
    /// The current time.
    pub now: OffsetDateTime,
    /// The name this program was started as (argv\[0\]'s file name), to recognise itself in a
    /// profile's `credential_process`.
    pub program_name: Option<String>,
    /// Where each decision is traced as it is taken (`--verbose`); `None`: nowhere.
    pub trace: Option<fn(&str)>,
}

/// What a subcommand for people prints on stdout, and its exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The whole text (a table, JSON, a script, a man page).
    pub stdout: String,
    /// The exit code.
    pub exit_code: ExitKind,
}

/// What a successful run did, for stderr warnings, `--verbose` and the demo. Holds no secret:
/// lines are built from paths, names and times, and a [`secret::Secret`] has no `Display`.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Decisions taken, in order.
    pub steps: Vec<String>,
    /// Things the user should know although the run succeeded.
    pub warnings: Vec<String>,
    /// Where each step is also traced as it is taken.
    trace: Option<fn(&str)>,
}

impl Report {
    /// An empty report that traces to `trace`.
    pub fn new(trace: Option<fn(&str)>) -> Self {
        Self { trace, ..Self::default() }
    }

    /// Records a decision.
    pub fn step(&mut self, line: String) {
        if let Some(trace) = self.trace {
            trace(&line);
        }
        self.steps.push(line);
    }

    /// Records an AWS call that succeeded, and how long it took.
    pub fn call(&mut self, operation: &'static str, took: std::time::Duration) {
        if let Some(trace) = self.trace {
            trace(&format!("{operation} succeeded in {} ms", took.as_millis()));
        }
    }

    /// Traces an AWS call that failed, and how long it took.
    pub fn failed_call(&self, operation: &'static str, took: std::time::Duration, failure: &dyn std::fmt::Display) {
        if let Some(trace) = self.trace {
            trace(&format!("{operation} failed in {} ms: {failure}", took.as_millis()));
        }
    }

    /// Records something the user should know although the run succeeded.
    pub fn warn(&mut self, line: String) {
        self.warnings.push(line);
    }
}

/// The name users give the program; see [`program::PROGRAM_NAME`].
pub const fn program_name() -> &'static str {
    PROGRAM_NAME
}
