//! `token-file-unparseable` and `expired-token`: the SSO token files of the configured sessions.
//!
//! The SDKs read these files more strictly than botocore and this helper:
//! - the AWS SDK for Rust (aws-config 1.13, `sso::cache::parse_cached_token`) matches keys in any
//!   case but reads `expiresAt` and `registrationExpiresAt` with smithy's RFC 3339 parser with
//!   offsets forbidden: the text must end in an upper-case `Z` and have `T` (or `t`) between date
//!   and time; a bad `registrationExpiresAt` fails the whole file;
//! - the AWS SDK for Java v2 (`OnDiskTokenManager`, and `SsoAccessTokenProvider` for the legacy
//!   layout) looks up exactly `accessToken` and `expiresAt` and reads timestamps with
//!   `Instant.parse` (`DateTimeFormatter.ISO_INSTANT`): `T` and `Z` in either case, whole seconds,
//!   at most nine fraction digits, and a `+HH:MM` offset only from Java 12 on; the sso-session
//!   path reads `registrationExpiresAt` the same way.

use std::path::PathBuf;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Check, Finding, Severity};
use crate::config::SsoSession;
use crate::timestamp;
use crate::token::{self, CachedToken, TokenDecision};

/// A token file the config points at, as read from disk.
#[derive(Debug)]
pub(super) struct TokenFile {
    /// The session it belongs to.
    pub session: SsoSession,
    /// Its path.
    pub path: PathBuf,
    /// Its bytes, or why it could not be read.
    pub contents: Result<Vec<u8>, String>,
}

/// Whether the AWS SDK for Rust reads `text` as a token timestamp.
fn rust_sdk_parses(text: &str) -> bool {
    aws_smithy_types::DateTime::from_str(text, aws_smithy_types::date_time::Format::DateTime).is_ok()
}

/// What Java's `Instant.parse` makes of a timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JavaInstant {
    Parses,
    /// A `+HH:MM` offset: refused before Java 12 (JDK-8166138).
    ParsesFromJava12,
    Fails,
}

fn java_instant(text: &str) -> JavaInstant {
    let b = text.as_bytes();
    let digits = |from: usize, to: usize| b.get(from..to).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    let shaped = digits(0, 4)
        && at(4, b"-")
        && digits(5, 7)
        && at(7, b"-")
        && digits(8, 10)
        && at(10, b"Tt")
        && digits(11, 13)
        && at(13, b":")
        && digits(14, 16)
        && at(16, b":")
        && digits(17, 19);
    if !shaped {
        return JavaInstant::Fails;
    }
    let mut rest = &text[19..];
    let mut fraction = "";
    if let Some(after_point) = rest.strip_prefix('.') {
        let n = after_point.bytes().take_while(u8::is_ascii_digit).count();
        if !(1..=9).contains(&n) {
            return JavaInstant::Fails;
        }
        fraction = &rest[..=n];
        rest = &after_point[n..];
    }
    let verdict = match rest {
        "Z" | "z" => JavaInstant::Parses,
        offset if is_offset(offset) => JavaInstant::ParsesFromJava12,
        _ => return JavaInstant::Fails,
    };
    // The fields must make a real date and time.
    let normalized = format!("{}T{}{fraction}Z", &text[..10], &text[11..19]);
    if OffsetDateTime::parse(&normalized, &Rfc3339).is_err() {
        return JavaInstant::Fails;
    }
    verdict
}

/// `+HH:MM` or `-HH:MM`, optionally `:SS`.
fn is_offset(text: &str) -> bool {
    let b = text.as_bytes();
    let pair = |i: usize| b.get(i..i + 2).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    matches!(b.first(), Some(b'+' | b'-'))
        && pair(1)
        && b.get(3) == Some(&b':')
        && pair(4)
        && (b.len() == 6 || (b.len() == 9 && b[6] == b':' && pair(7)))
}

/// What is wrong with the form of a timestamp the SDKs refuse.
fn form_problem(text: &str) -> &'static str {
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    if trimmed.as_bytes().get(10) == Some(&b' ') {
        "has a space between the date and the time instead of `T`"
    } else if upper.ends_with("UTC") || upper.ends_with("GMT") {
        "ends in a time zone name instead of `Z`"
    } else if trimmed.len() > 19 && is_offset_suffix(trimmed) {
        "has a UTC offset instead of `Z`"
    } else if trimmed.ends_with('z') {
        "ends in a lower-case `z`"
    } else if !trimmed.ends_with('Z') {
        "has no time zone"
    } else {
        "is not an RFC 3339 timestamp"
    }
}

fn is_offset_suffix(text: &str) -> bool {
    [6, 9]
        .iter()
        .any(|&n| text.len() > n && text.is_char_boundary(text.len() - n) && is_offset(&text[text.len() - n..]))
}

/// The names of the SDKs that refuse `text`, if any (`registration` for `registrationExpiresAt`,
/// which Java reads only for sso-session tokens).
fn refusers(text: &str, java_reads_it: bool) -> Vec<&'static str> {
    let mut who = Vec::new();
    if !rust_sdk_parses(text) {
        who.push("the AWS SDK for Rust");
    }
    match java_reads_it.then(|| java_instant(text)) {
        Some(JavaInstant::Fails) => who.push("the AWS SDK for Java"),
        Some(JavaInstant::ParsesFromJava12) => who.push("the AWS SDK for Java on Java 11 or older"),
        Some(JavaInstant::Parses) | None => {}
    }
    who
}

/// Why some SDK cannot read a token file this helper reads, one reason per field.
fn sdk_incompatibilities(document: &Map<String, Value>, named_session: bool) -> Vec<String> {
    let mut reasons = Vec::new();
    let any_case = |key: &str| document.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).and_then(|(_, v)| v.as_str());
    for (field, java_reads_it) in [("expiresAt", true), ("registrationExpiresAt", named_session)] {
        let Some(text) = any_case(field) else { continue };
        let java_reads_it = java_reads_it && document.get(field).is_some();
        let who = refusers(text, java_reads_it);
        if who.is_empty() {
            continue;
        }
        let suggestion = timestamp::parse(text).map(|t| format!(" (`{}`)", timestamp::format(t))).unwrap_or_default();
        reasons.push(format!(
            "{field} `{text}` {}{suggestion}, which {} cannot parse",
            form_problem(text),
            who.join(" and ")
        ));
    }
    let misspelled: Vec<&str> = ["accessToken", "expiresAt"]
        .into_iter()
        .filter(|key| !document.contains_key(*key))
        .filter_map(|key| document.keys().find(|k| k.eq_ignore_ascii_case(key)).map(String::as_str))
        .collect();
    if !misspelled.is_empty() {
        reasons.push(format!(
            "its keys are spelled {}, but the AWS SDK for Java looks for exactly accessToken and expiresAt",
            misspelled.join(" and ")
        ));
    }
    reasons
}

/// `token-file-unparseable` findings and `expired-token` findings for the token files at `now`.
// Long by design: each reader's rules (ours, the Rust SDK's, the Java SDK's) side by side.
pub(super) fn check(files: &[TokenFile], now: OffsetDateTime) -> (Vec<Finding>, Vec<Finding>) {
    let (mut unparseable, mut expired) = (Vec::new(), Vec::new());
    for file in files {
        let session = &file.session;
        let login = session.login_commands();
        let problem = |message: String, fix: String| Finding {
            check: Check::TokenFileUnparseable,
            severity: Severity::Problem,
            file: file.path.clone(),
            section: None,
            message,
            fix,
        };
        let bytes = match &file.contents {
            Ok(bytes) => bytes,
            Err(why) => {
                unparseable.push(problem(
                    format!("the token file of the {session} cannot be read ({why})"),
                    format!(
                        "check the file's owner and mode (`ls -l {}`), or run {login}",
                        super::shell_path(&file.path)
                    ),
                ));
                continue;
            }
        };
        let token = match CachedToken::parse(bytes) {
            Ok(token) => token,
            Err(why) => {
                unparseable.push(problem(
                    format!("the token of the {session} cannot be used by any tool: {why}"),
                    format!("run {login}: it writes a new token file"),
                ));
                continue;
            }
        };
        let document: Map<String, Value> = serde_json::from_slice(bytes).unwrap_or_default();
        let reasons = sdk_incompatibilities(&document, matches!(session, SsoSession::Named { .. }));
        if !reasons.is_empty() {
            unparseable.push(problem(
                format!(
                    "the token of the {session} is read by this helper but not by every SDK: {}; programs using those SDKs fail with this session",
                    reasons.join("; ")
                ),
                format!("run {login}: it rewrites the file with timestamps every SDK reads"),
            ));
        }
        if let TokenDecision::LoginRequired(why) = token::decide(&token, now) {
            expired.push(Finding {
                check: Check::ExpiredToken,
                severity: Severity::Warning,
                file: file.path.clone(),
                section: None,
                message: format!(
                    "the token of the {session} expired at {} and cannot be refreshed ({why}): everything using this session fails until someone logs in again",
                    timestamp::format(token.expires_at)
                ),
                fix: format!("run {login}"),
            });
        }
    }
    (unparseable, expired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_rust_sdk_wants_an_upper_case_z_and_a_t() {
        for ok in ["2026-11-23T01:49:49Z", "2026-11-23T01:49:49.123456Z", "2026-11-23t01:49:49Z"] {
            assert!(rust_sdk_parses(ok), "{ok}");
        }
        for bad in [
            "2026-11-23T01:49:49+00:00",
            "2026-11-23T01:49:49UTC",
            "2026-11-23 01:49:49Z",
            "2026-11-23T01:49:49z",
            "2026-11-23T01:49:49",
            "2026-13-23T01:49:49Z",
        ] {
            assert!(!rust_sdk_parses(bad), "{bad}");
        }
    }

    #[test]
    fn java_instant_parse_rules() {
        use JavaInstant::*;
        for (text, verdict) in [
            ("2026-11-23T01:49:49Z", Parses),
            ("2026-11-23t01:49:49z", Parses),
            ("2026-11-23T01:49:49.974427Z", Parses),
            ("2026-11-23T01:49:49.123456789Z", Parses),
            ("2026-11-23T01:49:49.1234567890Z", Fails),
            ("2026-11-23T01:49:49+00:00", ParsesFromJava12),
            ("2026-11-23T02:49:49+01:00:00", ParsesFromJava12),
            ("2026-11-23T01:49:49+0000", Fails),
            ("2026-11-23T01:49:49UTC", Fails),
            ("2026-11-23 01:49:49Z", Fails),
            ("2026-11-23T01:49Z", Fails),
            ("2026-11-23T01:49:49", Fails),
            ("2026-02-30T01:49:49Z", Fails),
            ("", Fails),
        ] {
            assert_eq!(java_instant(text), verdict, "{text}");
        }
    }

    #[test]
    fn forms_are_named() {
        assert_eq!(form_problem("2026-11-23 01:49:49Z"), "has a space between the date and the time instead of `T`");
        assert_eq!(form_problem("2026-11-23T01:49:49UTC"), "ends in a time zone name instead of `Z`");
        assert_eq!(form_problem("2026-11-23T01:49:49+00:00"), "has a UTC offset instead of `Z`");
        assert_eq!(form_problem("2026-11-23T01:49:49.5-05:00"), "has a UTC offset instead of `Z`");
        assert_eq!(form_problem("2026-11-23T01:49:49z"), "ends in a lower-case `z`");
        assert_eq!(form_problem("2026-11-23T01:49:49"), "has no time zone");
        assert_eq!(form_problem("2026-11-23T25:49:49Z"), "is not an RFC 3339 timestamp");
    }

    fn named() -> SsoSession {
        SsoSession::Named { name: "my-sso".into(), start_url: "https://x/start".into(), region: "us-east-1".into() }
    }

    fn file(session: SsoSession, text: &str) -> TokenFile {
        TokenFile { session, path: PathBuf::from("/h/.aws/sso/cache/t.json"), contents: Ok(text.as_bytes().to_vec()) }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    #[test]
    fn files_only_some_sdks_read_are_problems_naming_them() {
        let text = r#"{"accessToken": "s3cret", "expiresAt": "2026-11-23T20:00:00+00:00", "registrationExpiresAt": "2027-01-01 00:00:00 UTC", "refreshToken": "r", "clientId": "c", "clientSecret": "cs"}"#;
        let (unparseable, expired) = check(&[file(named(), text)], NOW);
        assert!(expired.is_empty());
        assert_eq!(unparseable.len(), 1);
        assert_eq!(
            unparseable[0].message,
            "the token of the SSO session `my-sso` is read by this helper but not by every SDK: expiresAt `2026-11-23T20:00:00+00:00` has a UTC offset instead of `Z` (`2026-11-23T20:00:00Z`), which the AWS SDK for Rust and the AWS SDK for Java on Java 11 or older cannot parse; registrationExpiresAt `2027-01-01 00:00:00 UTC` has a space between the date and the time instead of `T` (`2027-01-01T00:00:00Z`), which the AWS SDK for Rust and the AWS SDK for Java cannot parse; programs using those SDKs fail with this session"
        );
        assert_eq!(
            unparseable[0].fix,
            "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`): it rewrites the file with timestamps every SDK reads"
        );
        assert!(!unparseable[0].message.contains("s3cret"));
    }

    #[test]
    fn legacy_tokens_are_not_read_for_registration_by_java_and_key_case_matters_to_java() {
        let legacy = SsoSession::Legacy {
            start_url: "https://x/start".into(),
            region: "r".into(),
            login_profile: Some("p".into()),
        };
        let text = r#"{"AccessToken": "a", "expiresAt": "2026-11-23T20:00:00Z", "registrationExpiresAt": "2027-01-01T00:00:00+00:00"}"#;
        let (unparseable, _) = check(&[file(legacy, text)], NOW);
        let message = &unparseable[0].message;
        assert!(message.contains("registrationExpiresAt `2027-01-01T00:00:00+00:00` has a UTC offset instead of `Z` (`2027-01-01T00:00:00Z`), which the AWS SDK for Rust cannot parse; its keys are spelled AccessToken, but the AWS SDK for Java looks for exactly accessToken and expiresAt"), "{message}");
        assert_eq!(
            unparseable[0].fix,
            "run `aws-sso-credential-process login --profile p` (or `aws sso login --profile p`): it rewrites the file with timestamps every SDK reads"
        );
    }

    #[test]
    fn broken_files_and_expired_tokens() {
        let (unparseable, expired) = check(
            &[
                file(named(), "{\"accessToken\": \"a\""),
                file(named(), r#"{"accessToken": "a", "expiresAt": "2026-11-23T11:00:00Z"}"#),
                file(named(), r#"{"accessToken": "a", "expiresAt": "2026-11-23T13:00:00Z"}"#),
                TokenFile { contents: Err("Permission denied".into()), ..file(named(), "") },
            ],
            NOW,
        );
        assert_eq!(unparseable.len(), 2);
        assert_eq!(
            unparseable[0].message,
            "the token of the SSO session `my-sso` cannot be used by any tool: it is not valid JSON (empty, truncated or corrupt)"
        );
        assert_eq!(
            unparseable[1].message,
            "the token file of the SSO session `my-sso` cannot be read (Permission denied)"
        );
        assert_eq!(expired.len(), 1);
        assert_eq!(
            expired[0].message,
            "the token of the SSO session `my-sso` expired at 2026-11-23T11:00:00Z and cannot be refreshed (it has no refresh token): everything using this session fails until someone logs in again"
        );
        assert_eq!(
            (expired[0].severity, expired[0].fix.as_str()),
            (
                Severity::Warning,
                "run `aws-sso-credential-process login --sso-session my-sso` (or `aws sso login --sso-session my-sso`)"
            )
        );
    }
}
