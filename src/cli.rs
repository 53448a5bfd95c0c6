//! Command-line arguments → a [`Target`].

use std::ffi::OsString;
use std::time::Duration;

use clap::{ArgGroup, Parser};

use crate::config::Target;

const EXAMPLES: &str = "\
Examples (in ~/.aws/config):
  [profile dev]
  credential_process = aws-sso-credential-process --profile dev-sso

  [profile ci]
  credential_process = aws-sso-credential-process --sso-session my-sso --account-id 111122223333 --role-name ReadOnly

Exit codes: 0 ok, 1 other error, 2 bad arguments or config, 3 login required (run the
`aws sso login` command printed), 4 AWS or network error.";

/// Prints AWS credential_process JSON for an IAM Identity Center (SSO) role, using and refreshing
/// the token `aws sso login` cached. Never opens a browser or waits for input.
#[derive(Debug, Parser)]
#[command(name = "aws-sso-credential-process", version, after_help = EXAMPLES)]
#[command(group(ArgGroup::new("session").args(["sso_session", "start_url"])))]
pub struct Args {
    /// Profile with sso_session (or sso_start_url), sso_account_id and sso_role_name
    /// [default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, default]
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

    /// Seconds to wait for another caller that is already refreshing or fetching the same
    /// credentials before giving up
    #[arg(long, value_name = "SECONDS", default_value_t = crate::lock::DEFAULT_TIMEOUT.as_secs())]
    lock_timeout: u64,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Which role to get credentials for.
    pub target: Target,
    /// How long to wait for a lock held by another caller.
    pub lock_timeout: Duration,
}

/// Why parsing did not produce a target.
#[derive(Debug)]
pub enum NotRun {
    /// `--help` or `--version`: print this on stdout and exit 0.
    Info(String),
    /// Bad arguments: this one-line message, exit 2.
    Usage(String),
}

/// Parses the command line.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Request, NotRun> {
    let args = Args::try_parse_from(args).map_err(|err| match err.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            NotRun::Info(err.render().to_string())
        }
        _ => {
            let rendered = err.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            NotRun::Usage(format!("{}; see --help", first.trim_start_matches("error: ")))
        }
    })?;
    let nonempty = |name: &str, value: Option<String>| match value {
        Some(v) if v.trim().is_empty() => Err(NotRun::Usage(format!("--{name} must not be empty"))),
        other => Ok(other),
    };
    let profile = nonempty("profile", args.profile)?;
    let account_id = nonempty("account-id", args.account_id)?.unwrap_or_default();
    let role_name = nonempty("role-name", args.role_name)?.unwrap_or_default();
    let target = match (nonempty("sso-session", args.sso_session)?, nonempty("start-url", args.start_url)?) {
        (Some(name), _) => Target::SsoSession { name, account_id, role_name },
        (None, Some(start_url)) => Target::StartUrl {
            start_url,
            region: nonempty("region", args.region)?.unwrap_or_default(),
            account_id,
            role_name,
        },
        (None, None) => Target::Profile(profile),
    };
    Ok(Request { target, lock_timeout: Duration::from_secs(args.lock_timeout) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &str) -> Result<Target, NotRun> {
        parse(std::iter::once("aws-sso-credential-process").chain(words.split_whitespace()).map(OsString::from))
            .map(|request| request.target)
    }

    #[test]
    fn lock_timeout() {
        let request = parse(["x", "--lock-timeout", "5"].map(OsString::from)).unwrap();
        assert_eq!(request.lock_timeout, Duration::from_secs(5));
        let request = parse(["x"].map(OsString::from)).unwrap();
        assert_eq!(request.lock_timeout, crate::lock::DEFAULT_TIMEOUT);
        assert!(matches!(parse(["x", "--lock-timeout", "-1"].map(OsString::from)), Err(NotRun::Usage(_))));
    }

    #[test]
    fn targets() {
        assert_eq!(parse_words("").unwrap(), Target::Profile(None));
        assert_eq!(parse_words("--profile dev").unwrap(), Target::Profile(Some("dev".into())));
        assert_eq!(
            parse_words("--sso-session s --account-id 1 --role-name R").unwrap(),
            Target::SsoSession { name: "s".into(), account_id: "1".into(), role_name: "R".into() }
        );
        assert_eq!(
            parse_words("--start-url https://x/start --region eu-west-1 --account-id 1 --role-name R").unwrap(),
            Target::StartUrl {
                start_url: "https://x/start".into(),
                region: "eu-west-1".into(),
                account_id: "1".into(),
                role_name: "R".into()
            }
        );
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
    }
}
