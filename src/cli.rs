//! Command-line arguments → a [`Command`].
//!
//! Without a subcommand the program is the credential_process helper (the form profiles use);
//! the subcommands are for people: `status`, `configure`, `doctor`, `completions`, `man`. Shell
//! completions and the man page are generated from these same definitions ([`command`]).

use std::ffi::OsString;
use std::time::Duration;

use clap::{ArgGroup, Args as ClapArgs, CommandFactory, Parser, Subcommand};

use crate::config::Target;

/// The program's name, for messages.
const PROGRAM: &str = crate::program::PROGRAM_NAME;

/// How credentials are printed (`--format`).
pub use crate::output::Format;

/// The subcommands' names (and clap's `help`): a command line with one is parsed in full.
const SUBCOMMANDS: [&str; 8] = ["status", "configure", "doctor", "login", "logout", "completions", "man", "help"];

/// The hidden subcommand the completion scripts run to list the names in the config
/// (`__complete profiles`, `__complete sso-sessions`). It is parsed before clap, so it appears in
/// no help, man page or completion script.
pub const COMPLETE: &str = "__complete";

/// The variable that turns on the decision trace (`debug`), like `--verbose`.
pub const LOG_VARIABLE: &str = "AWS_SSO_CREDENTIAL_PROCESS_LOG";

pub(crate) const EXAMPLES: &str = "\
Examples:
  In ~/.aws/config, next to the SSO profile `aws configure sso` wrote:
    [profile dev]
    credential_process = aws-sso-credential-process --profile dev-sso
    region = us-east-1

  Without a profile of its own:
    credential_process = aws-sso-credential-process --sso-session my-sso --account-id 111122223333 --role-name ReadOnly

  Credentials for a shell, guaranteed to last a 2-hour job; the script stops (with exit code
  3 to 5) if there are none:
    creds=$(aws-sso-credential-process --profile dev-sso --format env --min-ttl 2h) || exit
    eval \"$creds\"

  What the helper sees, and whether the session is usable:
    aws-sso-credential-process status --all

  Add the credential_process profile for an SSO profile, and check the setup:
    aws-sso-credential-process configure --profile dev-sso --write
    aws-sso-credential-process doctor

Exit codes: 0 ok, 1 other error, 2 bad arguments or config, 3 login required (run the
`aws sso login` command printed), 4 AWS or network error, 5 the credentials cannot last
as long as --min-ttl asks (the message says which limit is in the way).";

/// `status --help`'s exit codes (docs/reference.md's table, in short).
const STATUS_EXIT_CODES: &str = "\
Exit codes: 0 every profile shown is usable (with --verify: and its credentials are the
configured account's and role's), 1 --verify found another account or role, 2 bad arguments or
configuration, or --all found no SSO profile, 3 a profile needs `aws sso login` (the command is
shown), 4 or 5 --verify could not get the credentials or call STS (that failure's code).";

/// `configure --help`'s exit codes.
const CONFIGURE_EXIT_CODES: &str = "\
Exit codes: 0 done, or nothing to do (it says which), 1 the config file could not be backed up or
written (it is left as it was), 2 bad arguments, a config file that cannot be read or parsed, a
profile that is missing or not an SSO profile, or a new name that is taken or not a valid profile
name (nothing is written).";

/// `doctor --help`'s exit codes.
const DOCTOR_EXIT_CODES: &str = "\
Exit codes: 0 no problem found (warnings alone do not fail, so CI can run it), 1 at least one
problem (a HOME that does not exist is one), 2 bad arguments, or HOME not set at all.";

/// `login --help`'s exit codes.
const LOGIN_EXIT_CODES: &str = "\
Exit codes: 0 signed in, 1 a file could not be written, 2 bad arguments or configuration, 3 the
sign-in did not complete (refused, not approved in time, or answered with another sign-in's
state; nothing is written), 4 AWS or the network failed.";

/// `logout --help`'s exit codes.
const LOGOUT_EXIT_CODES: &str = "\
Exit codes: 0 signed out (a token AWS would not revoke, e.g. an expired one, is deleted all the
same), 1 a file could not be deleted, 2 bad arguments or configuration.";

/// `completions --help`'s and `man --help`'s exit codes.
const PRINT_EXIT_CODES: &str = "Exit codes: 0 printed, 1 stdout could not be written, 2 bad arguments.";

/// The environment variables the helper reads, for the man page.
pub(crate) const ENVIRONMENT: [(&str, &str); 10] = [
    ("AWS_CONFIG_FILE", "The config file (default ~/.aws/config)."),
    (
        "AWS_SHARED_CREDENTIALS_FILE",
        "The credentials file (default ~/.aws/credentials), read for access keys a role chain starts from.",
    ),
    (
        "AWS_PROFILE, AWS_DEFAULT_PROFILE",
        "The profile when --profile is not given (in this order, as the AWS CLI v2 does), else default.",
    ),
    (
        "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_STS",
        "Endpoint overrides, as in the SDKs (also endpoint_url and services sections in the config).",
    ),
    ("AWS_REGION, AWS_DEFAULT_REGION, AWS_STS_REGIONAL_ENDPOINTS", "The STS region and endpoint for role chains."),
    ("HTTPS_PROXY, HTTP_PROXY, NO_PROXY", "The proxy for calls to AWS."),
    ("AWS_SSO_CREDENTIAL_PROCESS_LOG", "debug (or trace) traces each decision on stderr, as --verbose does."),
    ("BROWSER", "The browser login opens (else the system's)."),
    (
        "AWS_SSO_CREDENTIAL_PROCESS_LOGIN_TIMEOUT",
        "Seconds login waits for the browser's answer (default 600, as the AWS CLI).",
    ),
    ("HOME, XDG_CACHE_HOME", "Where ~/.aws and the lock files (~/.cache/aws-sso-credential-process) are."),
];

/// Prints AWS credential_process JSON for an IAM Identity Center (SSO) role
///
/// Uses (and refreshes) the token `aws sso login` cached, and the AWS CLI's role credential
/// cache. Never opens a browser or waits for input. Put it behind `credential_process` in
/// ~/.aws/config, or use --format to get the credentials into a shell.
#[derive(Debug, Parser)]
#[command(name = "aws-sso-credential-process", version, after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(flatten)]
    credentials: CredentialArgs,

    /// Trace each decision on stderr (cache paths, expiries, locks, AWS calls and their latency);
    /// secrets are never shown. Same as AWS_SSO_CREDENTIAL_PROCESS_LOG=debug
    #[arg(long, short, global = true)]
    verbose: bool,

    #[command(subcommand)]
    command: Option<SubcommandArgs>,
}

/// The credential command alone, without the subcommands: what `credential_process` runs, parsed
/// without building the subcommands' definitions (a fifth of the hot path's instructions).
#[derive(Debug, Parser)]
#[command(name = "aws-sso-credential-process")]
struct CredentialOnlyArgs {
    #[command(flatten)]
    credentials: CredentialArgs,

    /// See [`Args`].
    #[arg(long, short)]
    verbose: bool,
}

/// The credential command's options.
#[derive(Debug, ClapArgs)]
struct CredentialArgs {
    #[command(flatten)]
    target: TargetArgs,

    /// Output format: the credential_process document, or the AWS CLI's `export-credentials`
    /// shell forms
    #[arg(long, value_enum, default_value_t = Format::Process)]
    format: Format,

    /// Print only credentials that last at least this long (e.g. 2h, 90m, 1h30m); fetch fresh
    /// ones if the cached ones expire sooner, and fail (exit 5) naming the limit if even fresh
    /// ones cannot
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    min_ttl: Option<Duration>,

    /// Seconds to wait for another caller that is already refreshing or fetching the same
    /// credentials before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = crate::lock::DEFAULT_TIMEOUT.as_secs())]
    lock_timeout: u64,
}

impl CredentialArgs {
    fn into_request(self) -> Result<Request, NotRun> {
        Ok(Request {
            target: self.target.into_target()?,
            lock_timeout: Duration::from_secs(self.lock_timeout),
            format: self.format,
            min_ttl: self.min_ttl,
        })
    }
}

/// Which role: a profile, or an sso-session (or start URL) plus account and role.
#[derive(Debug, ClapArgs)]
#[command(group(ArgGroup::new("session").args(["sso_session", "start_url"])))]
struct TargetArgs {
    /// Profile with sso_session (or sso_start_url), sso_account_id and sso_role_name, or with
    /// role_arn and source_profile [default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    #[arg(long, value_name = "PROFILE", conflicts_with = "session")]
    profile: Option<String>,

    /// Use this [sso-session NAME] section directly, without a profile
    #[arg(long, value_name = "NAME", requires_all = ["account_id", "role_name"])]
    sso_session: Option<String>,

    /// Legacy layout without a profile: the AWS access portal URL `aws sso login` used
    #[arg(long, value_name = "URL", requires_all = ["region", "account_id", "role_name"])]
    start_url: Option<String>,

    /// IAM Identity Center region, with --start-url
    #[arg(long, value_name = "REGION", requires = "start_url")]
    region: Option<String>,

    /// AWS account ID, with --sso-session or --start-url
    #[arg(long, value_name = "ID", requires = "session")]
    account_id: Option<String>,

    /// Permission set (role) name, with --sso-session or --start-url
    #[arg(long, value_name = "NAME", requires = "session")]
    role_name: Option<String>,
}

/// Which session to sign in to: a profile's, an `[sso-session]`, or a start URL and region.
#[derive(Debug, ClapArgs)]
struct SessionArgs {
    /// The profile whose SSO session to sign in to [default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
    #[arg(long, value_name = "PROFILE", conflicts_with_all = ["sso_session", "start_url"])]
    profile: Option<String>,

    /// This [sso-session NAME] section
    #[arg(long, value_name = "NAME", conflicts_with = "start_url")]
    sso_session: Option<String>,

    /// Legacy layout without a profile: the AWS access portal URL
    #[arg(long, value_name = "URL", requires = "region")]
    start_url: Option<String>,

    /// IAM Identity Center region, with --start-url
    #[arg(long, value_name = "REGION", requires = "start_url")]
    region: Option<String>,
}

impl SessionArgs {
    fn into_target(self) -> Result<Target, NotRun> {
        Ok(match (nonempty("sso-session", self.sso_session)?, nonempty("start-url", self.start_url)?) {
            (Some(name), _) => Target::SsoSession { name, account_id: String::new(), role_name: String::new() },
            (None, Some(start_url)) => Target::StartUrl {
                start_url,
                region: nonempty("region", self.region)?.unwrap_or_default(),
                account_id: String::new(),
                role_name: String::new(),
            },
            (None, None) => Target::Profile(nonempty("profile", self.profile)?),
        })
    }
}

#[derive(Debug, Subcommand)]
enum SubcommandArgs {
    /// Show what the helper sees: session, token, cached credentials, limits, locks
    ///
    /// For a profile (or every SSO profile): the sso-session or start URL, the token file and its
    /// expiry, whether it can be refreshed, the registration expiry, the cached role credentials
    /// and their expiry, what limits how long credentials can last, and the locks. Never prints a
    /// secret.
    #[command(after_help = STATUS_EXIT_CODES)]
    Status {
        #[command(flatten)]
        target: TargetArgs,
        /// Every profile in the config that gets credentials from IAM Identity Center
        #[arg(long, conflicts_with_all = ["profile", "session"])]
        all: bool,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Also call STS GetCallerIdentity with the profile's credentials and compare the account
        /// and role with the configured ones (exit 1 on a mismatch)
        #[arg(long)]
        verify: bool,
        /// With --verify: seconds to wait for another caller already fetching the same credentials
        #[arg(long, value_name = "SECONDS", default_value_t = crate::lock::DEFAULT_TIMEOUT.as_secs(), requires = "verify")]
        lock_timeout: u64,
    },
    /// Print (or --write) the credential_process profile for an SSO profile
    ///
    /// Prints the profile lines that make an existing SSO profile usable through this helper, or
    /// adds them to the config file with --write (comments and order kept, a backup made).
    #[command(after_help = CONFIGURE_EXIT_CODES)]
    Configure {
        /// The SSO profile (sso_session or sso_start_url) to make a credential_process profile
        /// for [default: every SSO profile that has none yet]
        #[arg(long, value_name = "PROFILE")]
        profile: Option<String>,
        /// Name of the new profile [default: PROFILE without a trailing `-sso`, else PROFILE-process]
        #[arg(long, value_name = "NAME", requires = "profile")]
        name: Option<String>,
        /// Add the lines to the config file instead of printing them
        #[arg(long)]
        write: bool,
    },
    /// Check the config and the caches, naming each problem with its fix
    ///
    /// Also what would make the credential call fail: no home folder, a session nobody signed in
    /// with, a file or folder this user cannot use. Only reads: changes no file, calls no AWS API.
    #[command(after_help = DOCTOR_EXIT_CODES)]
    Doctor {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Sign in to IAM Identity Center: the token the AWS CLI, the SDKs and this helper use
    ///
    /// As `aws sso login` does, and into the same files: in a browser with the authorization
    /// code and PKCE (the redirect comes back to 127.0.0.1 on this computer), or with a device
    /// code you confirm on any device (--use-device-code; also for the legacy layout, and by
    /// itself over SSH, without a display, in a container or CI). The client registration is
    /// cached and reused, by the AWS CLI too.
    #[command(after_help = LOGIN_EXIT_CODES)]
    Login {
        #[command(flatten)]
        target: SessionArgs,
        /// Sign in with a device code you confirm on any device, instead of in a browser on this
        /// one: prefer it whenever the browser you will use is not on this machine
        #[arg(long)]
        use_device_code: bool,
        /// Print the URL to open instead of opening a browser
        #[arg(long)]
        no_browser: bool,
    },
    /// Sign out: revoke and delete cached SSO tokens and the credentials fetched with them
    ///
    /// Without --profile or --sso-session, every session on this machine, as `aws sso logout`
    /// does: each token is revoked (SSO Logout) and deleted, and every cached credential file
    /// that came from SSO is deleted. With one, only that session's token and the cached
    /// credentials of the profiles that use it. Client registrations are kept.
    #[command(after_help = LOGOUT_EXIT_CODES)]
    Logout {
        /// Only the session this profile uses
        #[arg(long, value_name = "PROFILE", conflicts_with = "sso_session")]
        profile: Option<String>,
        /// Only this [sso-session NAME]
        #[arg(long, value_name = "NAME")]
        sso_session: Option<String>,
    },
    /// Print a shell completion script
    ///
    /// e.g. `aws-sso-credential-process completions bash > ~/.local/share/bash-completion/completions/aws-sso-credential-process`
    #[command(after_help = PRINT_EXIT_CODES)]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    ///
    /// e.g. `aws-sso-credential-process man | man -l -`
    #[command(after_help = PRINT_EXIT_CODES)]
    Man,
}

/// What `__complete` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// Every profile in the config and credentials files, for `--profile`
    Profiles,
    /// Every `[sso-session NAME]`, for `--sso-session`
    SsoSessions,
}

/// A request for credentials (the default command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which role to get credentials for.
    pub target: Target,
    /// How long to wait for a lock held by another caller.
    pub lock_timeout: Duration,
    /// How to print them.
    pub format: Format,
    /// The least lifetime the printed credentials must have, beyond the usual 15 minutes.
    pub min_ttl: Option<Duration>,
}

impl Request {
    /// Credentials for `target`, with the default options.
    pub fn new(target: Target) -> Self {
        Self { target, lock_timeout: crate::lock::DEFAULT_TIMEOUT, format: Format::Process, min_ttl: None }
    }
}

/// `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    /// One target; `None` with `all`.
    pub target: Option<Target>,
    /// JSON instead of a table.
    pub json: bool,
    /// Call STS GetCallerIdentity too.
    pub verify: bool,
    /// How long to wait for a lock (with `verify`, which may fetch credentials).
    pub lock_timeout: Duration,
}

/// `configure`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigureRequest {
    /// The SSO profile; `None`: every SSO profile without a credential_process profile.
    pub profile: Option<String>,
    /// The new profile's name.
    pub name: Option<String>,
    /// Edit the config file instead of printing.
    pub write: bool,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print credentials (no subcommand).
    Credentials(Request),
    /// `status`.
    Status(StatusRequest),
    /// `configure`.
    Configure(ConfigureRequest),
    /// `doctor`.
    Doctor {
        /// JSON instead of text.
        json: bool,
    },
    /// `login`.
    Login(crate::sign_in::login::LoginRequest),
    /// `logout`.
    Logout(crate::sign_in::logout::LogoutRequest),
    /// `completions SHELL`: the script for that shell.
    Completions(clap_complete::Shell),
    /// `man`: the manual page.
    Man,
    /// `__complete NAMES`: the names for a completion script.
    Complete(Names),
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// What to do.
    pub command: Command,
    /// Whether `--verbose` was given (the environment variable is read by the caller).
    pub verbose: bool,
}

/// Why parsing did not produce a command.
#[derive(Debug)]
pub enum NotRun {
    /// `--help` or `--version`: print this on stdout and exit 0.
    Info(String),
    /// Bad arguments: this one-line message, exit 2.
    Usage(String),
}

/// The clap command behind the parser, for completions and the man page.
pub fn command() -> clap::Command {
    Args::command()
}

/// Parses the command line.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Parsed, NotRun> {
    let args: Vec<OsString> = args.into_iter().collect();
    if args.get(1).is_some_and(|arg| arg == COMPLETE) {
        let names = match args.get(2).and_then(|arg| arg.to_str()) {
            Some("profiles") if args.len() == 3 => Names::Profiles,
            Some("sso-sessions") if args.len() == 3 => Names::SsoSessions,
            _ => return Err(NotRun::Usage(format!("usage: {COMPLETE} profiles|sso-sessions"))),
        };
        return Ok(Parsed { command: Command::Complete(names), verbose: false });
    }
    // The credential command (every credential_process run) is parsed without the subcommands;
    // help, version, subcommands and anything it rejects go to the full parser, for its messages.
    let for_people = |arg: &OsString| {
        let arg = arg.to_str().unwrap_or_default();
        ["-h", "--help", "-V", "--version"].contains(&arg) || SUBCOMMANDS.contains(&arg)
    };
    if !args.iter().skip(1).any(for_people)
        && let Ok(parsed) = CredentialOnlyArgs::try_parse_from(&args)
    {
        return Ok(Parsed {
            command: Command::Credentials(parsed.credentials.into_request()?),
            verbose: parsed.verbose,
        });
    }
    let args = Args::try_parse_from(verbose_after_subcommand(args)).map_err(|err| match err.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            NotRun::Info(err.render().to_string())
        }
        _ => NotRun::Usage(format!("{}; see --help", one_line_usage_error(&err.render().to_string()))),
    })?;
    let command = match args.command {
        None => Command::Credentials(args.credentials.into_request()?),
        Some(SubcommandArgs::Status { target, all, json, verify, lock_timeout }) => Command::Status(StatusRequest {
            target: if all { None } else { Some(target.into_target()?) },
            json,
            verify,
            lock_timeout: Duration::from_secs(lock_timeout),
        }),
        Some(SubcommandArgs::Configure { profile, name, write }) => Command::Configure(ConfigureRequest {
            profile: nonempty("profile", profile)?,
            name: nonempty("name", name)?,
            write,
        }),
        Some(SubcommandArgs::Doctor { json }) => Command::Doctor { json },
        Some(SubcommandArgs::Login { target, use_device_code, no_browser }) => {
            Command::Login(crate::sign_in::login::LoginRequest {
                target: target.into_target()?,
                use_device_code,
                no_browser,
            })
        }
        Some(SubcommandArgs::Logout { profile, sso_session }) => {
            let target = match (nonempty("profile", profile)?, nonempty("sso-session", sso_session)?) {
                (_, Some(name)) => {
                    Some(Target::SsoSession { name, account_id: String::new(), role_name: String::new() })
                }
                (Some(profile), None) => Some(Target::Profile(Some(profile))),
                (None, None) => None,
            };
            Command::Logout(crate::sign_in::logout::LogoutRequest { target })
        }
        Some(SubcommandArgs::Completions { shell }) => Command::Completions(shell),
        Some(SubcommandArgs::Man) => Command::Man,
    };
    Ok(Parsed { command, verbose: args.verbose })
}

impl TargetArgs {
    fn into_target(self) -> Result<Target, NotRun> {
        let profile = nonempty("profile", self.profile)?;
        let account_id = nonempty("account-id", self.account_id)?.unwrap_or_default();
        let role_name = nonempty("role-name", self.role_name)?.unwrap_or_default();
        Ok(match (nonempty("sso-session", self.sso_session)?, nonempty("start-url", self.start_url)?) {
            (Some(name), _) => Target::SsoSession { name, account_id, role_name },
            (None, Some(start_url)) => Target::StartUrl {
                start_url,
                region: nonempty("region", self.region)?.unwrap_or_default(),
                account_id,
                role_name,
            },
            (None, None) => Target::Profile(profile),
        })
    }
}

fn nonempty(name: &str, value: Option<String>) -> Result<Option<String>, NotRun> {
    match value {
        Some(v) if v.trim().is_empty() => Err(NotRun::Usage(format!("--{name} must not be empty"))),
        other => Ok(other),
    }
}

/// `-v`/`--verbose` given before a subcommand (`-v status`), moved after it, where clap takes it
/// (it is global, but the credential command's arguments conflict with subcommands, and clap
/// counts it as one of them).
fn verbose_after_subcommand(args: Vec<OsString>) -> Vec<OsString> {
    let is_verbose = |arg: &OsString| arg == "-v" || arg == "--verbose";
    let Some(at) = args.iter().skip(1).position(|arg| arg.to_str().is_some_and(|a| SUBCOMMANDS.contains(&a))) else {
        return args;
    };
    let at = at + 1;
    if !args[1..at].iter().any(is_verbose) {
        return args;
    }
    let (before, after) = args.split_at(at);
    let mut moved: Vec<OsString> = before.iter().filter(|arg| !is_verbose(arg)).cloned().collect();
    moved.push(after[0].clone());
    moved.push("--verbose".into());
    moved.extend(after[1..].iter().cloned());
    moved
}

/// clap's message on one line: its first line plus the indented lines after it (the arguments
/// that are missing), without the usage and tips that follow a blank line. "The subcommand 'X'
/// cannot be used with 'Y'" is said the way it happened: options before a subcommand, or a
/// stray word (an unquoted value with a space).
fn one_line_usage_error(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("invalid arguments").trim_start_matches("error: ").trim_end();
    let details: Vec<&str> = lines.take_while(|line| !line.trim().is_empty()).map(str::trim).collect();
    // One option: "… cannot be used with '--x <X>'"; several: "… cannot be used with:" and one
    // indented line each.
    if let Some(rest) = first.strip_prefix("the subcommand '")
        && let Some((word, with)) = rest.split_once("' cannot be used with")
        && let Some(option) = with.strip_prefix(" '").map(|o| o.trim_end_matches('\'')).or(details.last().copied())
    {
        let flag = option.split_whitespace().next().unwrap_or(option);
        return if SUBCOMMANDS.contains(&word) {
            let flag = details.first().map_or(flag, |first| first.split_whitespace().next().unwrap_or(first));
            format!(
                "{flag} comes before the subcommand `{word}`: put the subcommand first (`{PROGRAM} {word} {flag} …`)"
            )
        } else {
            format!("unexpected word '{word}' after '{option}': quote a value that has a space (`{flag} '… {word}'`)")
        };
    }
    let mut line = match details.as_slice() {
        [] => first.to_owned(),
        details => format!("{} {}", first, details.join(", ")),
    };
    // clap's suggestions ("tip: a similar argument exists: '--profile'") are kept.
    for tip in rendered.lines().filter_map(|line| line.trim().strip_prefix("tip: ")) {
        line.push_str("; ");
        line.push_str(tip);
    }
    line
}

/// `2h`, `90m`, `1h30m`, `45s` (humantime's units), or a bare number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 2h, 90m, 1h30m, 3600)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Command, NotRun> {
        parse(std::iter::once("aws-sso-credential-process").chain(words.split_whitespace()).map(OsString::from))
            .map(|parsed| parsed.command)
    }

    fn request(words: &str) -> Request {
        match parse_words(words) {
            Ok(Command::Credentials(request)) => request,
            other => panic!("{words}: {other:?}"),
        }
    }

    #[test]
    fn lock_timeout() {
        assert_eq!(request("--lock-timeout 5").lock_timeout, Duration::from_secs(5));
        assert_eq!(request("").lock_timeout, crate::lock::DEFAULT_TIMEOUT);
        assert!(matches!(parse_words("--lock-timeout -1"), Err(NotRun::Usage(_))));
    }

    #[test]
    fn targets() {
        assert_eq!(request("").target, Target::Profile(None));
        assert_eq!(request("--profile dev").target, Target::Profile(Some("dev".into())));
        assert_eq!(
            request("--sso-session s --account-id 1 --role-name R").target,
            Target::SsoSession { name: "s".into(), account_id: "1".into(), role_name: "R".into() }
        );
        assert_eq!(
            request("--start-url https://x/start --region eu-west-1 --account-id 1 --role-name R").target,
            Target::StartUrl {
                start_url: "https://x/start".into(),
                region: "eu-west-1".into(),
                account_id: "1".into(),
                role_name: "R".into()
            }
        );
    }

    #[test]
    fn formats_and_min_ttl() {
        assert_eq!(request("").format, Format::Process);
        assert_eq!(request("--format env-no-export").format, Format::EnvNoExport);
        assert_eq!(request("--format json-pretty").format, Format::JsonPretty);
        assert_eq!(request("").min_ttl, None);
        assert_eq!(request("--min-ttl 2h").min_ttl, Some(Duration::from_secs(7200)));
        assert_eq!(request("--min-ttl 1h30m").min_ttl, Some(Duration::from_secs(5400)));
        assert_eq!(request("--min-ttl 90m").min_ttl, Some(Duration::from_secs(5400)));
        assert_eq!(request("--min-ttl 600").min_ttl, Some(Duration::from_secs(600)));
        assert!(matches!(parse_words("--min-ttl soon"), Err(NotRun::Usage(_))));
        assert!(matches!(parse_words("--format yaml"), Err(NotRun::Usage(_))));
    }

    #[test]
    fn subcommands() {
        assert!(matches!(
            parse_words("status --profile dev --json"),
            Ok(Command::Status(StatusRequest {
                target: Some(Target::Profile(Some(_))),
                json: true,
                verify: false,
                ..
            }))
        ));
        assert!(matches!(parse_words("status --all"), Ok(Command::Status(StatusRequest { target: None, .. }))));
        assert!(matches!(parse_words("status --all --profile dev"), Err(NotRun::Usage(_))));
        assert!(matches!(
            parse_words("configure --profile dev-sso --write"),
            Ok(Command::Configure(ConfigureRequest { write: true, .. }))
        ));
        assert!(matches!(parse_words("configure --name x"), Err(NotRun::Usage(_))));
        assert!(matches!(parse_words("doctor"), Ok(Command::Doctor { json: false })));
        assert!(matches!(parse_words("completions bash"), Ok(Command::Completions(clap_complete::Shell::Bash))));
        assert!(matches!(parse_words("man"), Ok(Command::Man)));
        // The helper's options belong to the helper, not to a subcommand.
        assert!(matches!(parse_words("--profile dev status"), Err(NotRun::Usage(_))));
        assert!(matches!(parse_words("status --format env"), Err(NotRun::Usage(_))));
        let verbose = parse(["x", "status", "-v"].map(OsString::from)).unwrap();
        assert!(verbose.verbose);
        assert!(matches!(
            parse_words("status --verify --lock-timeout 5"),
            Ok(Command::Status(StatusRequest { lock_timeout, .. })) if lock_timeout == Duration::from_secs(5)
        ));
    }

    #[test]
    fn usage_errors_are_one_line() {
        for words in [
            "--profile a --sso-session s --account-id 1 --role-name R",
            "--sso-session s",
            "--start-url u --account-id 1 --role-name R",
            "--account-id 1",
            "--bogus",
            "--profile",
        ] {
            match parse_words(words) {
                Err(NotRun::Usage(message)) => {
                    assert!(!message.contains('\n') && message.ends_with("; see --help"), "{message}")
                }
                other => panic!("{words}: {other:?}"),
            }
        }
        assert!(matches!(parse_words("--help"), Err(NotRun::Info(_))));
        assert!(matches!(parse_words("--version"), Err(NotRun::Info(_))));
        // The missing arguments are named.
        match parse_words("--sso-session s --account-id 1") {
            Err(NotRun::Usage(message)) => assert_eq!(
                message,
                "the following required arguments were not provided: --role-name <NAME>; see --help"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn definitions_are_consistent() {
        command().debug_assert();
        CredentialOnlyArgs::command().debug_assert();
    }

    /// The short-cut parser for the credential command reads every command line as the full one.
    #[test]
    fn both_parsers_agree_on_the_credential_command() {
        for words in [
            "",
            "--profile dev -v",
            "--profile status",
            "--sso-session s --account-id 1 --role-name R --format env --min-ttl 2h --lock-timeout 3",
            "--start-url https://x/start --region eu-west-1 --account-id 1 --role-name R --verbose",
        ] {
            let args = || std::iter::once("x").chain(words.split_whitespace()).map(OsString::from);
            let short_cut = CredentialOnlyArgs::try_parse_from(args()).unwrap();
            let full = Args::try_parse_from(args()).unwrap();
            assert!(full.command.is_none(), "{words}");
            assert_eq!(short_cut.verbose, full.verbose, "{words}");
            assert_eq!(
                short_cut.credentials.into_request().unwrap(),
                full.credentials.into_request().unwrap(),
                "{words}"
            );
        }
    }
}
