//! Every way a run can fail, each with the message a user acts on and its exit code.
//!
//! A failure prints exactly one line on stderr and nothing on stdout. The exit code tells the
//! kinds apart, so scripts can react (e.g. run `aws sso login` only on [`ExitKind::LoginRequired`]).

use std::path::PathBuf;

use crate::aws::{BadProxy, CallFailure};
use crate::config::ConfigError;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// 0: done (for `status` and `doctor`: nothing to report).
    Success = 0,
    /// 1: anything else (an unwritable cache folder, an internal error).
    Other = 1,
    /// 2: bad arguments or configuration; fix the command line or `~/.aws/config`.
    Usage = 2,
    /// 3: the SSO session is gone; run the `aws sso login` command in the message.
    LoginRequired = 3,
    /// 4: AWS refused the call or could not be reached; the message says which and whether to retry.
    Aws = 4,
    /// 5: the credentials cannot last as long as `--min-ttl` asks; the message names the limit.
    Lifetime = 5,
}

/// A failed run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command-line arguments.
    #[error("{0}")]
    Usage(String),
    /// Bad or incomplete configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A proxy variable that cannot be used.
    #[error(transparent)]
    Proxy(#[from] BadProxy),
    /// The SSO session cannot give us a token any more.
    #[error("{session} {reason}; run {command}")]
    LoginRequired {
        /// Which session (`SSO session `my-sso``).
        session: String,
        /// What is wrong, starting with a verb (`has expired and cannot be refreshed …`).
        reason: String,
        /// The commands that fix it, quoted ([`crate::config::SsoSession::login_commands`]).
        command: String,
    },
    /// An AWS call failed.
    #[error("{operation} {target} failed: {failure}{}", hint.as_deref().map(|h| format!("; {h}")).unwrap_or_default())]
    Aws {
        /// `GetRoleCredentials`, `CreateToken`.
        operation: &'static str,
        /// What it was for (`for role ReadOnly in account 111122223333`).
        target: String,
        /// What went wrong.
        failure: CallFailure,
        /// What to do about it, if we know.
        hint: Option<String>,
    },
    /// Fetched credentials that would make clients re-run us on every call.
    #[error(
        "{operation} returned credentials {target} that expire at {expiration}, less than 15 minutes from now; check the system clock"
    )]
    ShortLivedCredentials {
        /// `GetRoleCredentials` or `AssumeRole`.
        operation: &'static str,
        /// Which (`for role ReadOnly in account 111122223333`).
        target: String,
        /// Their expiry.
        expiration: String,
    },
    /// No credentials for the target can last as long as `--min-ttl` asks.
    #[error("{reason}; {fix}")]
    CannotLast {
        /// Which limit is in the way (`… last 1h, less than --min-ttl 2h: …`).
        reason: String,
        /// What to change.
        fix: String,
    },
    /// Another caller held the lock for the whole wait.
    #[error("gave up after {waited_secs} s waiting for another caller{} to finish {what} (lock `{}`); try again, or raise --lock-timeout", holder.as_deref().map(|h| format!(" ({h})")).unwrap_or_default(), path.display())]
    LockTimeout {
        /// What the holder is doing (`fetching role credentials for ReadOnly in account …`).
        what: String,
        /// How long we waited.
        waited_secs: u64,
        /// What the holder wrote into the lock (`pid 1234`).
        holder: Option<String>,
        /// The lock file.
        path: PathBuf,
    },
    /// AWS throttled a recent call for this session or role; callers stay away until the back-off
    /// ends.
    #[error("AWS throttled a recent call for the {subject}, so no call is made before {until}; try again later")]
    BackingOff {
        /// Which session or role (`SSO session `my-sso``).
        subject: String,
        /// When the back-off ends.
        until: String,
    },
    /// A file could not be read or written.
    #[error("cannot {what} `{}`", path.display())]
    Io {
        /// `write the role credential cache`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `login` did not complete: refused, timed out, answered with another sign-in's state, or
    /// the listener for the answer failed. Nothing was written.
    #[error("{0}")]
    SignIn(String),
    /// The async runtime could not start.
    #[error("cannot start the I/O runtime")]
    Runtime(#[source] std::io::Error),
}

impl Error {
    /// The exit code for this failure.
    pub fn exit_kind(&self) -> ExitKind {
        match self {
            Self::Usage(_) | Self::Config(_) | Self::Proxy(_) => ExitKind::Usage,
            Self::LoginRequired { .. } | Self::SignIn(_) => ExitKind::LoginRequired,
            Self::Aws { .. }
            | Self::ShortLivedCredentials { .. }
            | Self::LockTimeout { .. }
            | Self::BackingOff { .. } => ExitKind::Aws,
            Self::CannotLast { .. } => ExitKind::Lifetime,
            Self::Io { .. } | Self::Runtime(_) => ExitKind::Other,
        }
    }

    /// Whether waiting may help: a transient AWS failure, a busy lock, a throttling back-off. Still
    /// valid cached credentials are then served instead of failing.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Aws { failure, .. } => failure.kind == crate::aws::FailureKind::Transient,
            Self::LockTimeout { .. } | Self::BackingOff { .. } => true,
            _ => false,
        }
    }

    /// The message and its causes on one line, control characters replaced, ready for stderr.
    pub fn one_line(&self) -> String {
        let mut line = self.to_string();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !line.contains(&text) {
                line.push_str(": ");
                line.push_str(&text);
            }
            source = cause.source();
        }
        line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_causes_without_repeating_them() {
        let err = Error::Io {
            what: "write the role credential cache",
            path: "/h/.aws/cli/cache/x.json".into(),
            source: std::io::Error::new(std::io::ErrorKind::PermissionDenied, "Permission denied\n(os error 13)"),
        };
        assert_eq!(
            err.one_line(),
            "cannot write the role credential cache `/h/.aws/cli/cache/x.json`: Permission denied (os error 13)"
        );
        assert_eq!(err.exit_kind() as u8, 1);
    }
}
