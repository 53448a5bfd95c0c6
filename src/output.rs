//! What goes to stdout: the credential_process document (or, when asked, the same credentials in
//! another `--format`), and nothing else, ever. The subcommands for people print their text here
//! too.
//!
//! This is the only module that writes to stdout.

use std::io::{self, Write};

use serde_json::json;

use crate::role_credentials::RoleCredentials;
use crate::timestamp;

/// How credentials are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The credential_process JSON document, on one line (the default)
    #[default]
    Process,
    /// `export AWS_ACCESS_KEY_ID=…` lines, for `eval` in sh, bash or zsh
    Env,
    /// `AWS_ACCESS_KEY_ID=…` lines, without `export`
    EnvNoExport,
    /// `$Env:AWS_ACCESS_KEY_ID="…"` lines, for PowerShell
    Powershell,
    /// `set -gx AWS_ACCESS_KEY_ID …` lines, for fish
    Fish,
    /// The credential_process document, indented
    JsonPretty,
}

/// The AWS-defined credential_process document, `Version` 1, `Expiration` in UTC with `Z` (the
/// form the strict Java and C parsers need), plus `AccountId` (read by botocore ≥ 1.35, the
/// Rust and JS SDKs; ignored by older clients).
pub fn credential_process_json(credentials: &RoleCredentials) -> String {
    let document = json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key.expose(),
        "SessionToken": credentials.session_token.expose(),
        "Expiration": timestamp::format(credentials.expiration),
        "AccountId": credentials.account_id,
    });
    let mut text = document.to_string();
    text.push('\n');
    text
}

/// The credentials in `format`. The shell forms are the AWS CLI's `export-credentials` lines
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_CREDENTIAL_EXPIRATION`), plus `AWS_ACCOUNT_ID`, which botocore ≥ 1.35 and the other SDKs
/// read from the environment. A value is quoted only if the shell would otherwise split or expand
/// it (AWS's keys never need it), so the lines match the CLI's.
pub fn format_credentials(credentials: &RoleCredentials, format: Format) -> String {
    let line: fn(&str, &str) -> String = match format {
        Format::Process => return credential_process_json(credentials),
        Format::JsonPretty => {
            let document: serde_json::Value =
                serde_json::from_str(&credential_process_json(credentials)).expect("our own JSON parses");
            let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
            text.push('\n');
            return text;
        }
        Format::Env => |name, value| format!("export {name}={}\n", posix_word(value)),
        Format::EnvNoExport => |name, value| format!("{name}={}\n", posix_word(value)),
        Format::Powershell => |name, value| format!("$Env:{name}={}\n", powershell_string(value)),
        Format::Fish => |name, value| format!("set -gx {name} {}\n", fish_word(value)),
    };
    let expiration = timestamp::format(credentials.expiration);
    [
        ("AWS_ACCESS_KEY_ID", credentials.access_key_id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key.expose()),
        ("AWS_SESSION_TOKEN", credentials.session_token.expose()),
        ("AWS_CREDENTIAL_EXPIRATION", expiration.as_str()),
        ("AWS_ACCOUNT_ID", credentials.account_id.as_str()),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .map(|(name, value)| line(name, value))
    .collect()
}

/// Characters no shell splits on or expands; every value AWS issues is made of them.
fn is_plain(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "+/=._:,@%-".contains(c))
}

fn posix_word(value: &str) -> String {
    if is_plain(value) { value.to_owned() } else { format!("'{}'", value.replace('\'', "'\\''")) }
}

/// PowerShell: the CLI's double quotes; single quotes (no expansion) for anything else.
fn powershell_string(value: &str) -> String {
    if is_plain(value) { format!("\"{value}\"") } else { format!("'{}'", value.replace('\'', "''")) }
}

/// fish: inside single quotes only `\` and `'` are special.
fn fish_word(value: &str) -> String {
    if is_plain(value) { value.to_owned() } else { format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'")) }
}

/// Prints the credentials (from [`format_credentials`]) or a subcommand's text (a table, JSON, a
/// script) to stdout in one write.
#[expect(clippy::disallowed_methods, reason = "the one stdout writer")]
pub fn print_text(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use time::macros::datetime;

    fn credentials() -> RoleCredentials {
        RoleCredentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: datetime!(2026-11-22 18:49:49 UTC),
            account_id: "111122223333".into(),
        }
    }

    #[test]
    fn shell_values_are_quoted_only_when_needed() {
        assert_eq!(posix_word("AQoDYXdzEJr+/abc=="), "AQoDYXdzEJr+/abc==");
        assert_eq!(posix_word("a b$c'd"), "'a b$c'\\''d'");
        assert_eq!(powershell_string("abc+/="), "\"abc+/=\"");
        assert_eq!(powershell_string("a$b'c"), "'a$b''c'");
        assert_eq!(fish_word("a b\\c'd"), "'a b\\\\c\\'d'");
        assert_eq!(posix_word(""), "''");
    }

    #[test]
    fn exact_document() {
        let credentials = credentials();
        assert_eq!(
            credential_process_json(&credentials),
            "{\"Version\":1,\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"Expiration\":\"2026-11-22T18:49:49Z\",\"AccountId\":\"111122223333\"}\n"
        );
    }

    #[test]
    fn every_format_exactly() {
        let c = credentials();
        let lines = |prefix: &str, assign: &str, quote: &str| {
            [
                ("AWS_ACCESS_KEY_ID", "ASIAX"),
                ("AWS_SECRET_ACCESS_KEY", "s"),
                ("AWS_SESSION_TOKEN", "t"),
                ("AWS_CREDENTIAL_EXPIRATION", "2026-11-22T18:49:49Z"),
                ("AWS_ACCOUNT_ID", "111122223333"),
            ]
            .iter()
            .map(|(name, value)| format!("{prefix}{name}{assign}{quote}{value}{quote}\n"))
            .collect::<String>()
        };
        assert_eq!(format_credentials(&c, Format::Process), credential_process_json(&c));
        assert_eq!(format_credentials(&c, Format::Env), lines("export ", "=", ""));
        assert_eq!(format_credentials(&c, Format::EnvNoExport), lines("", "=", ""));
        assert_eq!(format_credentials(&c, Format::Powershell), lines("$Env:", "=", "\""));
        assert_eq!(format_credentials(&c, Format::Fish), lines("set -gx ", " ", ""));
        assert_eq!(
            format_credentials(&c, Format::JsonPretty),
            "{\n  \"Version\": 1,\n  \"AccessKeyId\": \"ASIAX\",\n  \"SecretAccessKey\": \"s\",\n  \"SessionToken\": \"t\",\n  \"Expiration\": \"2026-11-22T18:49:49Z\",\n  \"AccountId\": \"111122223333\"\n}\n"
        );
    }
}
