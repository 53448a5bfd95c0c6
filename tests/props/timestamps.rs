use aws_sso_credential_process::timestamp;
use proptest::prelude::*;
use time::{OffsetDateTime, UtcOffset};

/// 1970-01-01T00:00:00Z and 9998-12-31T23:59:59Z: `timestamp::parse` refuses UTC years past
/// 9998, so that arithmetic on what it returns cannot overflow.
pub const MIN_SECS: i64 = 0;
pub const MAX_SECS: i64 = 253_370_764_799;

/// Any whole second between 1970 and 9998.
pub fn whole_second() -> impl Strategy<Value = OffsetDateTime> {
    (MIN_SECS..=MAX_SECS).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).expect("in range"))
}

/// Text shaped like the timestamps AWS tools write, with every part allowed to go wrong: signed
/// or short or long years, out-of-range fields, odd separators, fractions, offsets and suffixes.
pub fn timestamp_text() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        4 => "[0-9]{4}",
        1 => "[+-][0-9]{4,6}",
        1 => "[0-9]{1,3}",
        1 => prop::sample::select(vec!["0000", "9999", "-9999", "+9999", "-0001", "1969", "1970"]).prop_map(str::to_owned),
    ];
    // Mostly valid fields, so that whole timestamps parse often; sometimes anything.
    let field = |valid: &'static str| prop_oneof![6 => valid, 1 => "[0-9]{1,3}", 1 => Just("60".to_owned())];
    let (month, day) = (field("0[1-9]|1[0-2]"), field("0[1-9]|1[0-9]|2[0-8]|3[01]"));
    let (hour, minute, second) = (field("[01][0-9]|2[0-3]"), field("[0-5][0-9]"), field("[0-5][0-9]"));
    let date_sep = prop::sample::select(vec!["T", "T", "T", "t", " ", "  ", "_", ""]);
    let frac = prop_oneof![3 => Just(String::new()), 1 => "\\.[0-9]{0,12}", 1 => ",[0-9]{1,3}"];
    let suffix = prop_oneof![
        4 => prop::sample::select(vec!["Z", "z", "UTC", " UTC", "GMT", "", "+00:00", "-00:00", "+23:59", "-23:59", "UTCZ", "ZZ", " ", "utc"])
            .prop_map(str::to_owned),
        1 => "[+-][0-9]{1,2}(:[0-9]{1,2}(:[0-9]{2})?)?",
    ];
    let padding = prop::sample::select(vec!["", " ", "\t", "\n", "\u{a0}"]);
    let pieces = (year, month, day, date_sep, hour, minute, second, frac, suffix, padding.clone(), padding).prop_map(
        |(y, mo, d, sep, h, mi, s, frac, suffix, before, after)| {
            format!("{before}{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{suffix}{after}")
        },
    );
    // The edges of what the `time` crate can hold (years -9999 to 9999), where arithmetic on a
    // parsed instant can leave the range.
    let edges = prop::sample::select(vec![
        "-9999-01-01T00:00:00",
        "-9999-01-01 00:14:59.999",
        "-9999-01-01T00:15:00",
        "0000-01-01T00:00:00Z",
        "0000-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-23:59",
        "+9999-12-31T23:59:59.999999999",
    ])
    .prop_map(str::to_owned);
    prop_oneof![8 => pieces, 1 => edges]
}

proptest! {
    #![proptest_config(crate::config(512))]

    #[test]
    fn parse_never_panics_on_any_text(text in ".{0,64}") {
        if let Some(t) = timestamp::parse(&text) {
            let _ = timestamp::format(t);
        }
    }

    /// Whatever parses is a real instant: formatting it (whole seconds, UTC) and parsing that
    /// gives it back, for any year a four-digit timestamp can say.
    #[test]
    fn whatever_parses_formats_and_parses_back(text in timestamp_text()) {
        if let Some(t) = timestamp::parse(&text) {
            // Every instant that parses is one a cache file may hold, and is printed with format.
            let formatted = timestamp::format(t);
            let utc = t.checked_to_offset(UtcOffset::UTC).expect("format managed it");
            if (0..=9999).contains(&utc.year()) {
                let whole = utc.replace_nanosecond(0).expect("0 is a valid nanosecond");
                prop_assert_eq!(timestamp::parse(&formatted), Some(whole), "{:?} -> {}", text, formatted);
            }
        }
    }

    #[test]
    fn format_then_parse_round_trips(t in whole_second(), offset in -86_399i32..=86_399, nanos in 0u32..1_000_000_000) {
        let formatted = timestamp::format(t);
        prop_assert_eq!(formatted.len(), 20, "{}", formatted);
        prop_assert!(formatted.ends_with('Z'));
        prop_assert_eq!(timestamp::parse(&formatted), Some(t));
        // The same instant in another offset, with a fraction of a second, formats the same.
        let offset = UtcOffset::from_whole_seconds(offset).expect("within a day");
        let shifted = t.replace_nanosecond(nanos).expect("valid nanosecond");
        if let Some(shifted) = shifted.checked_to_offset(offset) {
            prop_assert_eq!(timestamp::format(shifted), formatted);
        }
    }

    /// The other spellings AWS tools write read as the same instant.
    #[test]
    fn every_writers_spelling_round_trips(t in whole_second()) {
        let z = timestamp::format(t);
        let bare = &z[..19];
        for text in [format!("{bare}UTC"), format!("{bare}+00:00"), format!("{} {} UTC", &bare[..10], &bare[11..]), bare.to_owned(), format!("{bare}.000000Z")] {
            prop_assert_eq!(timestamp::parse(&text), Some(t), "{}", text);
        }
    }
}
