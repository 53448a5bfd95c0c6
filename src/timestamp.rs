//! Reading and writing the timestamps found in AWS cache files.
//!
//! Every tool writes them differently: the AWS CLI and botocore write `2026-11-23T01:49:49Z`, the
//! Rust SDK adds microseconds, the JS SDK milliseconds, older tools `+00:00`, and the CLI's
//! assume-role cache `2026-11-22T18:00:00UTC`. We read all of them and write only the first form,
//! which every SDK (including the strict Rust and Java parsers) accepts.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Parses any timestamp form the AWS CLI, botocore and the Rust, JS and Java SDKs write.
/// A timestamp without an offset is taken as UTC, as botocore does for these files. Instants
/// outside the UTC years 1–9998 are refused, so that adding or subtracting a day, and printing
/// them in UTC, can never overflow (a cache file could hold anything).
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    parse_any(text).filter(|t| t.checked_to_offset(UtcOffset::UTC).is_some_and(|utc| (1..=9998).contains(&utc.year())))
}

fn parse_any(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    // Normalise the variants RFC 3339 does not allow: a space separator, a lower-case `t`/`z`,
    // a `UTC`/`GMT` suffix, or no offset at all.
    let mut normalized = text.replacen(' ', "T", 1).replacen('t', "T", 1);
    for suffix in ["UTC", "GMT", "z"] {
        if let Some(stripped) = normalized.strip_suffix(suffix) {
            normalized = format!("{}Z", stripped.trim_end());
        }
    }
    if let Ok(t) = OffsetDateTime::parse(&normalized, &Rfc3339) {
        return Some(t);
    }
    let naive = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    PrimitiveDateTime::parse(&normalized, naive).ok().map(PrimitiveDateTime::assume_utc)
}

/// Formats `t` as `YYYY-MM-DDTHH:MM:SSZ` in UTC, dropping any fraction of a second, the form the
/// AWS CLI writes and every SDK reads.
pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_every_form_the_aws_tools_write() {
        let expected = datetime!(2026-11-23 01:49:49 UTC);
        for text in [
            "2026-11-23T01:49:49Z",
            "2026-11-23T01:49:49+00:00",
            "2026-11-23T01:49:49UTC",
            "2026-11-23 01:49:49 UTC",
            "2026-11-23 01:49:49Z",
            "2026-11-23T01:49:49",
            "2026-11-23T02:49:49+01:00",
            "2026-11-22T20:49:49-05:00",
        ] {
            assert_eq!(parse(text), Some(expected), "{text}");
        }
        assert_eq!(parse("2026-11-23T01:53:27.974427Z"), Some(datetime!(2026-11-23 01:53:27.974427 UTC)));
        assert_eq!(parse("2026-11-23T01:53:27.974Z"), Some(datetime!(2026-11-23 01:53:27.974 UTC)));
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for text in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "1795373607000",
            "2026-11-23",
            // Found by the property tests: out of range once moved to UTC or by 15 minutes.
            "-9999-01-01T00:00:00",
            "0000-01-01T00:10:00Z",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn writes_whole_seconds_in_utc_with_z() {
        assert_eq!(format(datetime!(2026-11-23 01:53:27.974427 UTC)), "2026-11-23T01:53:27Z");
        assert_eq!(format(datetime!(2026-11-23 02:53:27 +01:00)), "2026-11-23T01:53:27Z");
    }
}
