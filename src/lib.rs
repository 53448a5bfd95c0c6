//! `aws-sso-credential-process`: credential_process JSON for an IAM Identity Center (SSO) role.
//!
//! The flow, one module per step:
//! 1. [`cli`] turns the arguments into a [`cli::Request`] (a [`config::Target`] and options);
//! 2. [`config`] reads `~/.aws/config` (and `~/.aws/credentials`) as the AWS CLI does and
//!    resolves the target into plain data: an [`config::SsoRole`] (session, account, role), or a
//!    [`config::RoleChain`] (base credentials, then `AssumeRole` hops) for a `role_arn` profile;
//!    a memo of that resolution ([`config::memo`]) spares re-reading files that have not changed;
//! 3. the hot path: [`role_credentials`] (or [`assume_role`] for a chain) reads the AWS CLI's
//!    cache; with at least 15 minutes left, those credentials are printed and nothing else happens
//!    (no SDK client, no runtime threads, no network);
//! 4. the slow path, [`credentials`]: under a cross-process [`lock`], the SSO token from the CLI's
//!    cache ([`token`]), refreshed with SSO-OIDC when due, exchanged with `GetRoleCredentials`, and
//!    cached; transient failures fall back to still-valid cached credentials. For a chain,
//!    [`role_chain`] does this for the base, then STS `AssumeRole` per hop, each cached and locked;
//! 5. [`output`] prints the document; on failure the binary prints one line from [`error`].
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
pub mod role_chain;
pub mod role_credentials;
pub mod secret;
pub mod timestamp;
pub mod token;

use time::OffsetDateTime;

pub use crate::cli::Request;
pub use crate::config::Target;
use crate::config::{ConfigError, PROGRAM_NAME, Resolved};
pub use crate::env::Environment;
pub use crate::error::{Error, ExitKind};
use crate::role_credentials::RoleCredentials;

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
    pub exit_code: u8,
}

/// What a successful run did, for stderr warnings, `--verbose` and the demo. Holds no secret:
/// lines are built from paths, names and times, and a [`secret::Secret`] has no `Display`.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Decisions taken, in order.
    pub steps: Vec<String>,
    /// AWS calls made, in order.
    pub calls: Vec<&'static str>,
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
        self.calls.push(operation);
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

/// Resolves the request and returns credentials with at least 15 minutes (or `--min-ttl`) left,
/// from the cache or from AWS (or, if AWS cannot be reached for now, still-valid cached ones, with
/// a warning, unless `--min-ttl` was asked for).
pub fn run(request: &Request, invocation: &Invocation) -> Result<(RoleCredentials, Report), Error> {
    let target = &request.target;
    let env = &invocation.env;
    let mut report = Report::new(invocation.trace);
    let profile = config::profile_name(target, env);
    let own_names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    // The files' identities are taken before they are read (see `config::memo`).
    let memo = config::memo::Memo::new(env, target, profile.as_deref(), &own_names);
    let for_profile = profile.as_deref().map(|p| format!(" for profile `{p}`")).unwrap_or_default();
    let config_path = env.config_file().ok_or(ConfigError::NoHome)?;
    let remembered = memo.as_ref().and_then(|memo| Some((memo.lookup(env)?, memo.path())));
    let (resolved, loaded) = match remembered {
        Some((resolved, memo_path)) => {
            report.step(format!(
                "read {}{for_profile}: unchanged since its resolution was remembered in {}",
                config_path.display(),
                memo_path.display()
            ));
            (resolved, None)
        }
        None => {
            let loaded = config::load(env, profile.as_deref())?;
            report.step(format!("read {}{for_profile}", loaded.path.display()));
            let recording = env.recording();
            let resolved = config::resolve(&loaded, &recording, target, &own_names)?;
            if let Some(memo) = &memo {
                memo.store(&resolved, &recording, invocation.now);
            }
            (resolved, Some(loaded))
        }
    };
    lifetime::check_reachable(&resolved, request.min_ttl)?;
    let required = lifetime::required_remaining(request.min_ttl);
    let aws_dir = env.aws_dir().ok_or(ConfigError::NoHome)?;

    // The hot path: fresh credentials in the AWS CLI's cache, nothing else to do.
    let (cache_path, cached) = match &resolved {
        Resolved::Sso(role) => {
            let path = role_credentials::cache_path(&aws_dir, role);
            let cached = role_credentials::read_cached(&path, role);
            (path, cached)
        }
        Resolved::Chain(chain) => {
            let path = assume_role::cache_path(&aws_dir, chain.last_hop());
            let cached = assume_role::read_cached(&path, chain.last_hop());
            (path, cached)
        }
    };
    match &cached {
        Some(cached) if cached.lasts(invocation.now, required) => {
            report.step(format!(
                "cached credentials in {} expire at {}: fresh",
                cache_path.display(),
                timestamp::format(cached.expiration)
            ));
            return Ok((cached.clone(), report));
        }
        Some(cached) => report.step(format!(
            "cached credentials in {} expire at {}: less than {} left, fetching new ones",
            cache_path.display(),
            timestamp::format(cached.expiration),
            lifetime::human(required)
        )),
        None => report.step(format!("no usable cached credentials in {}", cache_path.display())),
    }

    // The slow path needs the files for endpoint settings, even when the memo resolved the request.
    let loaded = match loaded {
        Some(loaded) => loaded,
        None => config::load(env, profile.as_deref())?,
    };
    let connection = aws::Connection::new(env, &loaded)?.recording_responses(env.cache_dir(), invocation.now);
    let locks = env.cache_dir().map(|dir| lock::LockDir::new(&dir));
    // Stale credentials are no fallback when the caller needs them to last.
    let fallback_min = if request.min_ttl.is_some() { required } else { credentials::DEGRADED_MIN_REMAINING };
    let credentials = match &resolved {
        Resolved::Sso(role) => {
            let slow_path = credentials::SlowPath {
                role,
                token_path: token::cache::token_path(&aws_dir, &role.session),
                cache_path,
                locks,
                lock_timeout: request.lock_timeout,
                connection: &connection,
                now: invocation.now,
                required,
            };
            slow_path.credentials(cached, None, fallback_min, &mut report)?
        }
        Resolved::Chain(chain) => {
            let chain_path = role_chain::ChainPath {
                chain,
                aws_dir: &aws_dir,
                locks,
                lock_timeout: request.lock_timeout,
                connection: &connection,
                now: invocation.now,
                required,
            };
            chain_path.credentials(cached, fallback_min, &mut report)?
        }
    };
    Ok((credentials, report))
}

/// The name users give the program; see [`config::PROGRAM_NAME`].
pub const fn program_name() -> &'static str {
    PROGRAM_NAME
}
