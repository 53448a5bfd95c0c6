//! Integration tests: the real binary, a temporary `HOME`, and the loopback fake of SSO, SSO-OIDC
//! and STS (`fake-aws`) reached through `AWS_ENDPOINT_URL_SSO`/`_SSO_OIDC`/`_STS`.

// The harness is outside the program: it may read the real clock and environment.
#![allow(clippy::disallowed_methods, unreachable_pub)]

/// TestEnv: temporary HOME, fake, running the binary, contract checks on every run.
mod harness;

/// Valid cached role credentials: printed with no AWS call and no token needed.
mod cache_hit;
/// `completions SHELL` and `man`: every subcommand and flag, valid scripts that complete, a man
/// page that renders.
mod completions;
/// Many callers at once: locks, single flight, degradation.
mod concurrency;
/// Config layouts, command-line targets and configuration errors.
mod config;
/// `configure`: the credential_process profile for an SSO profile, printed or appended to the
/// config file byte-exactly, with a backup.
// Unix modes, links and owners throughout.
#[cfg(unix)]
mod configure;
/// The config-file corpus: every profile botocore resolves with SSO works, every other fails.
mod corpus;
/// `doctor`: each broken setup in test-data/doctor, exact text and JSON; the clock check against
/// the fake.
mod doctor;
/// Endpoint overrides and proxies.
mod endpoints;
/// The demo example, run as a test.
mod examples;
/// AWS and transport failures, other failures, and the exit codes.
mod failures;
/// Fault injection: refused, hanging and broken answers, full or read-only disks, open or foreign
/// cache folders, symlinked cache files: one line or a documented fallback, nothing lost.
// Unix modes, owners, signals and links throughout.
#[cfg(unix)]
mod faults;
/// Role cache empty or stale: one GetRoleCredentials, cached in the CLI's format.
mod fetch;
/// A person's request for a profile that runs this helper with `--profile P` is followed to `P`.
mod follow;
/// `--format`: the credentials as the AWS CLI's export-credentials prints them, and `eval` in sh.
mod formats;
/// `--min-ttl`: credentials that last, or exit 5 naming the limit.
mod lifetime;
/// `login` (PKCE through `$BROWSER`, device code) and `logout`, against the fake.
mod login;
/// The SSO session is gone: exit 3 and the exact `aws sso login` command.
mod login_required;
/// The config memo: a settled config is resolved without reading it, and any change is read.
mod memo;
/// The README's setup, run as written.
mod readme;
/// Token close to expiry or expired: CreateToken, token file rewritten for the CLI.
mod refresh;
/// role_arn + source_profile: STS AssumeRole on top of SSO (or static keys), cached per hop.
mod role_chain;
/// `status`: token, caches, locks and limits per profile, `--all`, `--json`, `--verify`.
mod status;
/// An unreadable config is reported as unreadable by every command (run as a user who is not
/// root: `setpriv` to `nobody` when the suite runs as root).
mod unreadable;
/// `--verbose` and AWS_SSO_CREDENTIAL_PROCESS_LOG: each decision traced, no secret.
mod verbose;
