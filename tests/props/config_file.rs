use aws_sso_credential_process::config::file::{self, ConfigFile, CredentialsFile, Value};
use proptest::prelude::*;

const EXCEPTIONS: [&str; 6] = [
    "UnicodeDecodeError",
    "MissingSectionHeaderError",
    "DuplicateSectionError",
    "DuplicateOptionError",
    "ParsingError",
    "ValueError",
];

/// The most a line number can be: one more than the line ends (`\n`, `\r\n`, `\r`).
fn max_line(bytes: &[u8]) -> usize {
    let ends =
        bytes.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')));
    ends.count() + 1
}

/// Parses `bytes` and checks what comes back: never a panic; on success sections and keys each
/// once, lines in range, no line break where none can be; on failure a line in range and a
/// one-line message; and the same answer twice.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let max = max_line(bytes);
    let parsed = file::parse(bytes);
    prop_assert_eq!(&parsed, &file::parse(bytes), "parse is not deterministic");
    match parsed {
        Ok(ini) => {
            for (i, section) in ini.sections.iter().enumerate() {
                prop_assert!(!section.name.is_empty() && section.name != "DEFAULT", "section {:?}", section.name);
                prop_assert!(!section.name.contains(['\n', '\r']), "section {:?}", section.name);
                prop_assert!((1..=max).contains(&section.line), "section line {} of {}", section.line, max);
                prop_assert!(ini.sections[..i].iter().all(|s| s.name != section.name), "[{}] twice", section.name);
                for (j, property) in section.properties.iter().enumerate() {
                    let key = &property.key;
                    prop_assert!(!key.is_empty() && !key.contains(['\n', '\r']), "key {:?}", key);
                    prop_assert!((1..=max).contains(&property.line), "key line {} of {}", property.line, max);
                    prop_assert!(section.properties[..j].iter().all(|p| p.key != *key), "{} twice", key);
                    match &property.value {
                        Value::Text(text) => {
                            prop_assert!(!text.starts_with('\n') && !text.contains('\r'), "value {:?}", text);
                        }
                        Value::Nested(entries) => {
                            for (k, v) in entries {
                                prop_assert!(
                                    !k.contains(['\n', '\r', '=']) && !v.contains(['\n', '\r']),
                                    "{:?}",
                                    (k, v)
                                );
                            }
                        }
                    }
                }
            }
            // Everything built on a parsed file works on any of them.
            let _ = file::botocore_view(&ini, true);
            let _ = file::botocore_view(&ini, false);
            let config = ConfigFile::new(ini.clone());
            for name in config.profile_names() {
                prop_assert!(config.profile(name).is_some(), "profile {:?}", name);
            }
            let _ = config.sso_sessions().count();
            let credentials = CredentialsFile::new(ini);
            prop_assert!(credentials.ini.sections.iter().all(|s| credentials.profile(&s.name).is_some()));
        }
        Err(error) => {
            prop_assert!((1..=max).contains(&error.line()), "error line {} of {}: {:?}", error.line(), max, error);
            prop_assert!(EXCEPTIONS.contains(&error.python_exception()), "{:?}", error);
            let message = error.to_string();
            prop_assert!(!message.is_empty() && !message.contains(['\n', '\r']), "message {:?}", message);
        }
    }
    Ok(())
}

/// Bytes that are mostly the ones INI syntax and UTF-8 errors are made of.
fn ini_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b"[]=:#; \t\n\r'\"\\aZ0-_".to_vec()),
        1 => prop::sample::select(vec![0x00, 0x1c, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xff]),
        1 => any::<u8>(),
    ]
}

/// One piece of an INI-ish line.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "[", "]", "[profile ", "[sso-session ", "[services ", "[default]", "[DEFAULT]", "profile", "'", "\"",
            "\\", "=", ":", " = ", "#", ";", " ", "  ", "\t", "region", "REGION", "s3", "sso_session", "x y",
            "us-east-1", "https://d-1234567890.awsapps.com/start#/", "\u{1c}", "\u{1f}", "\u{85}", "\u{a0}",
            "\u{3000}", "\u{2028}", "\u{b}", "\u{c}", "\u{feff}", "é", "Σ", "İ", "\u{212a}", "\u{a7cc}",
        ])
        .prop_map(str::to_owned),
        1 => proptest::collection::vec(crate::json_text::any_char().prop_filter("no line end", |c| !matches!(c, '\n' | '\r')), 0..6)
            .prop_map(|chars| chars.into_iter().collect()),
    ]
}

/// INI-ish text: lines of pieces, some indented, with any line ends.
fn ini_text() -> impl Strategy<Value = String> {
    let line = (
        prop::sample::select(vec!["", "", "", " ", "    ", "\t", "\u{a0}", "\u{1c}"]),
        proptest::collection::vec(piece(), 0..6),
        prop::sample::select(vec!["\n", "\n", "\n", "\r\n", "\r", ""]),
    )
        .prop_map(|(indent, pieces, end)| format!("{indent}{}{end}", pieces.concat()));
    proptest::collection::vec(line, 0..24).prop_map(|lines| lines.concat())
}

proptest! {
    #![proptest_config(crate::config(1024))]

    /// Any bytes at all, invalid UTF-8 included.
    #[test]
    fn parse_never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes)?;
    }

    /// Bytes mostly of INI syntax, with bytes that break UTF-8 among them.
    #[test]
    fn parse_never_panics_on_ini_bytes(bytes in proptest::collection::vec(ini_byte(), 0..512)) {
        check(&bytes)?;
    }

    /// INI-ish text: headers, quotes, delimiters, comments, continuation and nested lines, the
    /// blanks only Python counts, line ends of every kind.
    #[test]
    fn parse_never_panics_on_ini_text(text in ini_text()) {
        check(text.as_bytes())?;
    }
}
