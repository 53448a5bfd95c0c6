//! `doctor`: checks the config and the caches, naming each problem with its fix.
//!
//! [`run`] gathers what the checks look at (the parsed config files, token and cache files, file
//! modes, the last AWS response's clock), each check is a function of that data returning
//! [`Finding`]s, and [`render_text`] / [`render_json`] print them. A finding is a `problem`
//! (something fails, or could be abused) or a `warning` (works, but worth fixing); the exit code
//! is 1 if there is at least one problem, else 0.

mod access;
mod cli_cache;
mod clock_skew;
// Its checks run only where files have Unix modes.
#[cfg_attr(not(unix), allow(dead_code))]
mod file_modes;
mod gather;
mod profiles;
mod sdk_compatibility;
mod tokens;

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::{Error, ExitKind, Invocation, Outcome};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something fails now or will, or others could abuse it: exit code 1.
    Problem,
    /// Works, but worth fixing.
    Warning,
}

impl Severity {
    /// `problem` or `warning`, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Problem => "problem",
            Self::Warning => "warning",
        }
    }
}

/// The checks, in the order they run and are printed. Their ids are stable (scripts match them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Check {
    /// The home folder does not exist (or is not a folder).
    HomeFolder,
    /// The config or credentials file cannot be parsed.
    ConfigSyntax,
    /// Something the AWS CLI reads in the files but the AWS SDKs read differently or not at all.
    SdkCompatibility,
    /// A profile (or a `--start-url` command line) uses the legacy layout: no refresh token.
    LegacyLayout,
    /// An `[sso-session]` without `sso:account:access` in `sso_registration_scopes`.
    MissingRegistrationScopes,
    /// A `credential_process` running this helper that the helper would refuse (or that loops).
    RecursiveCredentialProcess,
    /// A profile with SSO keys or `role_arn` that the helper refuses.
    UnresolvableProfile,
    /// SSO keys and a `credential_process` in one profile: the process is never run.
    IgnoredCredentialProcess,
    /// A profile that runs this helper but sets no `region`.
    MissingRegion,
    /// `aws_session_token` written in a file.
    HardCodedSessionToken,
    /// Long-term IAM user keys next to SSO profiles.
    LongTermKeys,
    /// Files and folders others can read or write.
    FileModes,
    /// Cache and lock files or folders this user cannot read or write.
    UnusableFiles,
    /// An SSO token file some SDK cannot parse.
    TokenFileUnparseable,
    /// A configured SSO session nobody has signed in with: no token file.
    MissingToken,
    /// An SSO token that expired and cannot be refreshed.
    ExpiredToken,
    /// Expired files in the AWS CLI's credential cache.
    ExpiredCliCache,
    /// The local clock is off from AWS's.
    ClockSkew,
}

impl Check {
    /// Every check, in order.
    pub const ALL: [Self; 18] = [
        Self::HomeFolder,
        Self::ConfigSyntax,
        Self::SdkCompatibility,
        Self::LegacyLayout,
        Self::MissingRegistrationScopes,
        Self::RecursiveCredentialProcess,
        Self::UnresolvableProfile,
        Self::IgnoredCredentialProcess,
        Self::MissingRegion,
        Self::HardCodedSessionToken,
        Self::LongTermKeys,
        Self::FileModes,
        Self::UnusableFiles,
        Self::TokenFileUnparseable,
        Self::MissingToken,
        Self::ExpiredToken,
        Self::ExpiredCliCache,
        Self::ClockSkew,
    ];

    /// The stable id.
    pub fn id(self) -> &'static str {
        match self {
            Self::HomeFolder => "home-folder",
            Self::ConfigSyntax => "config-syntax",
            Self::SdkCompatibility => "sdk-compatibility",
            Self::LegacyLayout => "legacy-layout",
            Self::MissingRegistrationScopes => "missing-registration-scopes",
            Self::RecursiveCredentialProcess => "recursive-credential-process",
            Self::UnresolvableProfile => "unresolvable-profile",
            Self::IgnoredCredentialProcess => "ignored-credential-process",
            Self::MissingRegion => "missing-region",
            Self::HardCodedSessionToken => "hard-coded-session-token",
            Self::LongTermKeys => "long-term-keys",
            Self::FileModes => "file-modes",
            Self::UnusableFiles => "unusable-files",
            Self::TokenFileUnparseable => "token-file-unparseable",
            Self::MissingToken => "missing-token",
            Self::ExpiredToken => "expired-token",
            Self::ExpiredCliCache => "expired-cli-cache",
            Self::ClockSkew => "clock-skew",
        }
    }

    /// Whether the check reads the parsed config (and so cannot run when it does not parse).
    fn needs_config(self) -> bool {
        matches!(
            self,
            Self::SdkCompatibility
                | Self::LegacyLayout
                | Self::MissingRegistrationScopes
                | Self::RecursiveCredentialProcess
                | Self::UnresolvableProfile
                | Self::IgnoredCredentialProcess
                | Self::MissingRegion
                | Self::HardCodedSessionToken
                | Self::LongTermKeys
                | Self::TokenFileUnparseable
                | Self::MissingToken
                | Self::ExpiredToken
        )
    }
}

/// The config section a finding is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    /// A profile, with its header as written in that file (`[profile dev]`, `[default]`, `[dev]`).
    Profile {
        /// The profile's name.
        name: String,
        /// Its section header in the file the finding names.
        header: String,
    },
    /// An `[sso-session NAME]` section.
    SsoSession(String),
}

/// One thing wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which check found it.
    pub check: Check,
    /// How bad it is.
    pub severity: Severity,
    /// The file (or folder) at fault.
    pub file: PathBuf,
    /// The section in it, for config files.
    pub section: Option<Section>,
    /// What is wrong and what it breaks, one line.
    pub message: String,
    /// The fix: the lines to write, the command to run; may span lines.
    pub fix: String,
}

/// How a check that found nothing went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It ran; an optional note says what it looked at.
    Ran(Option<String>),
    /// It could not run, and why.
    Skipped(String),
}

/// Everything `doctor` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The config file read.
    pub config_file: PathBuf,
    /// Whether it exists.
    pub config_exists: bool,
    /// The credentials file read, if there is a home folder to find it in.
    pub credentials_file: Option<PathBuf>,
    /// Whether it exists.
    pub credentials_exists: bool,
    /// The findings, in check order.
    pub findings: Vec<Finding>,
    /// How each check went, in check order.
    pub statuses: Vec<(Check, Status)>,
}

impl Diagnosis {
    /// The number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// [`ExitKind::Other`] (1) if there is a problem, else [`ExitKind::Success`].
    pub fn exit_code(&self) -> ExitKind {
        if self.count(Severity::Problem) > 0 { ExitKind::Other } else { ExitKind::Success }
    }
}

/// Runs `doctor`: text, or with `json` a JSON document; exit code 1 if a problem was found.
pub fn run(json: bool, invocation: &Invocation) -> Result<Outcome, Error> {
    let diagnosis = gather::diagnose(invocation)?;
    let stdout = if json { render_json(&diagnosis) } else { render_text(&diagnosis) };
    Ok(Outcome { stdout, exit_code: diagnosis.exit_code() })
}

/// Width of the severity column.
const COLUMN: usize = 9;

/// The text report: the files read, one block per finding or one line per check without any,
/// and a summary line.
pub fn render_text(diagnosis: &Diagnosis) -> String {
    let mut out = String::new();
    let exists = |yes: bool| if yes { "" } else { " (not found)" };
    let _ = writeln!(out, "config file:      {}{}", diagnosis.config_file.display(), exists(diagnosis.config_exists));
    match &diagnosis.credentials_file {
        Some(path) => {
            let _ = writeln!(out, "credentials file: {}{}", path.display(), exists(diagnosis.credentials_exists));
        }
        None => out.push_str("credentials file: (none: no home folder)\n"),
    }
    out.push('\n');
    for (check, status) in &diagnosis.statuses {
        let findings: Vec<&Finding> = diagnosis.findings.iter().filter(|f| f.check == *check).collect();
        if findings.is_empty() {
            let (word, note) = match status {
                Status::Ran(note) => ("ok", note.as_deref()),
                Status::Skipped(why) => ("skipped", Some(why.as_str())),
            };
            let note = note.map(|n| format!(" ({n})")).unwrap_or_default();
            let _ = writeln!(out, "{word:<COLUMN$}{}{note}", check.id());
        }
        for finding in findings {
            let _ = writeln!(out, "{:<COLUMN$}{}", finding.severity.as_str(), check.id());
            let _ = writeln!(out, "  where: {}", place(finding));
            let _ = writeln!(out, "  what:  {}", finding.message);
            let mut fix_lines = finding.fix.lines();
            let _ = writeln!(out, "  fix:   {}", fix_lines.next().unwrap_or_default());
            for line in fix_lines {
                let _ = writeln!(out, "{:COLUMN$}{line}", "");
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(diagnosis));
    out.push('\n');
    out
}

fn place(finding: &Finding) -> String {
    let file = finding.file.display();
    match &finding.section {
        None => file.to_string(),
        Some(Section::Profile { header, .. }) => format!("{file}, {header}"),
        Some(Section::SsoSession(name)) => format!("{file}, [sso-session {name}]"),
    }
}

/// `2 problems, 1 warning`, `no problems found`, `no problems found, 1 warning`.
fn summary(diagnosis: &Diagnosis) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (diagnosis.count(Severity::Problem), diagnosis.count(Severity::Warning)) {
        (0, 0) => "no problems found".to_owned(),
        (0, warnings) => format!("no problems found, {}", plural(warnings, "warning")),
        (problems, warnings) => format!("{}, {}", plural(problems, "problem"), plural(warnings, "warning")),
    }
}

/// The JSON report: `{"config_file", "credentials_file", "findings": [{"check", "severity", "file",
/// "profile", "sso_session", "message", "fix"}], "skipped": [ids], "problems", "warnings"}`;
/// absent values are `null`, never left out.
pub fn render_json(diagnosis: &Diagnosis) -> String {
    let findings: Vec<Value> = diagnosis
        .findings
        .iter()
        .map(|f| {
            let (profile, sso_session) = match &f.section {
                Some(Section::Profile { name, .. }) => (Some(name.as_str()), None),
                Some(Section::SsoSession(name)) => (None, Some(name.as_str())),
                None => (None, None),
            };
            json!({
                "check": f.check.id(),
                "severity": f.severity.as_str(),
                "file": f.file.to_string_lossy(),
                "profile": profile,
                "sso_session": sso_session,
                "message": f.message,
                "fix": f.fix,
            })
        })
        .collect();
    let skipped: Vec<&str> = diagnosis
        .statuses
        .iter()
        .filter(|(_, status)| matches!(status, Status::Skipped(_)))
        .map(|(check, _)| check.id())
        .collect();
    let document = json!({
        "config_file": diagnosis.config_file.to_string_lossy(),
        "credentials_file": diagnosis.credentials_file.as_ref().map(|p| p.to_string_lossy()),
        "findings": findings,
        "skipped": skipped,
        "problems": diagnosis.count(Severity::Problem),
        "warnings": diagnosis.count(Severity::Warning),
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serialises");
    text.push('\n');
    text
}

/// Quotes `word` for a POSIX shell if it needs it, so printed commands can be pasted.
fn shell_word(word: &str) -> String {
    shlex::try_quote(word).map_or_else(|_| word.to_owned(), |quoted| quoted.into_owned())
}

/// A path as one shell word.
fn shell_path(path: &std::path::Path) -> String {
    shell_word(&path.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(check: Check, severity: Severity, section: Option<Section>) -> Finding {
        Finding {
            check,
            severity,
            file: PathBuf::from("/h/.aws/config"),
            section,
            message: "something is wrong".into(),
            fix: "first line\n  second line".into(),
        }
    }

    fn diagnosis(findings: Vec<Finding>) -> Diagnosis {
        Diagnosis {
            config_file: PathBuf::from("/h/.aws/config"),
            config_exists: true,
            credentials_file: Some(PathBuf::from("/h/.aws/credentials")),
            credentials_exists: false,
            findings,
            statuses: vec![
                (Check::LegacyLayout, Status::Ran(None)),
                (Check::FileModes, Status::Ran(Some("3 files".into()))),
                (Check::ClockSkew, Status::Skipped("no record".into())),
            ],
        }
    }

    #[test]
    fn text_has_the_files_a_block_per_finding_ok_lines_and_a_summary() {
        let profile = Section::Profile { name: "legacy".into(), header: "[profile legacy]".into() };
        let d = diagnosis(vec![
            finding(Check::LegacyLayout, Severity::Problem, Some(profile)),
            finding(Check::ClockSkew, Severity::Warning, None),
        ]);
        assert_eq!(
            render_text(&d),
            "config file:      /h/.aws/config\n\
             credentials file: /h/.aws/credentials (not found)\n\
             \n\
             problem  legacy-layout\n\
             \x20 where: /h/.aws/config, [profile legacy]\n\
             \x20 what:  something is wrong\n\
             \x20 fix:   first line\n\
             \x20          second line\n\
             ok       file-modes (3 files)\n\
             warning  clock-skew\n\
             \x20 where: /h/.aws/config\n\
             \x20 what:  something is wrong\n\
             \x20 fix:   first line\n\
             \x20          second line\n\
             \n\
             1 problem, 1 warning\n"
        );
        assert_eq!(d.exit_code(), ExitKind::Other);
    }

    #[test]
    fn summaries_and_exit_codes() {
        let clean = diagnosis(vec![]);
        assert!(render_text(&clean).ends_with("ok       legacy-layout\nok       file-modes (3 files)\nskipped  clock-skew (no record)\n\nno problems found\n"));
        assert_eq!(clean.exit_code(), ExitKind::Success);
        let warned = diagnosis(vec![
            finding(Check::ClockSkew, Severity::Warning, None),
            finding(Check::FileModes, Severity::Warning, None),
        ]);
        assert!(render_text(&warned).ends_with("\nno problems found, 2 warnings\n"));
        assert_eq!(warned.exit_code(), ExitKind::Success, "warnings alone do not fail");
        let bad = diagnosis(vec![
            finding(Check::FileModes, Severity::Problem, None),
            finding(Check::FileModes, Severity::Problem, None),
        ]);
        assert!(render_text(&bad).ends_with("\n2 problems, 0 warnings\n"));
    }

    #[test]
    fn json_names_every_field_with_nulls() {
        let d = diagnosis(vec![finding(
            Check::MissingRegistrationScopes,
            Severity::Problem,
            Some(Section::SsoSession("s".into())),
        )]);
        let value: Value = serde_json::from_str(&render_json(&d)).unwrap();
        assert_eq!(
            value,
            json!({
                "config_file": "/h/.aws/config",
                "credentials_file": "/h/.aws/credentials",
                "findings": [{
                    "check": "missing-registration-scopes",
                    "severity": "problem",
                    "file": "/h/.aws/config",
                    "profile": null,
                    "sso_session": "s",
                    "message": "something is wrong",
                    "fix": "first line\n  second line",
                }],
                "skipped": ["clock-skew"],
                "problems": 1,
                "warnings": 0,
            })
        );
    }

    #[test]
    fn check_ids_are_unique_and_in_order() {
        let ids: std::collections::BTreeSet<&str> = Check::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(ids.len(), Check::ALL.len());
        assert!(Check::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
