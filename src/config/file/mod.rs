//! The AWS CLI's reading of `~/.aws/config` and `~/.aws/credentials`, rule for rule.
//!
//! botocore reads both files with Python's `configparser.RawConfigParser()` and its defaults
//! (`botocore/configloader.py`, `raw_config_parse`), then maps the config file's sections to
//! profiles, sso-sessions and services (`build_profile_map`). [`parse`] is that parser, and
//! [`ConfigFile`] that mapping; [`SharedConfig`] is botocore's `Session.full_config`, where each
//! credentials-file section updates the config profile of the same name key by key. The rules,
//! each from `configparser` unless said otherwise:
//!
//! - The file is UTF-8 (Python's default on the systems the CLI runs on); `\n`, `\r\n` and a lone
//!   `\r` all end a line (Python's universal newlines). A byte-order mark is not skipped, so a
//!   file that starts with one has no section header for the CLI either.
//! - A line whose first non-blank character is `#` or `;` is a comment, wherever it is indented.
//!   There are no inline comments: `region = us-east-1 # eu` sets the whole text.
//! - "Blank" and "strip" mean Python's `str.isspace`, which is Unicode's whitespace plus the
//!   four ASCII separators `\x1c`–`\x1f`.
//! - A section header is a line that starts with `[` and has a `]` after at least one character:
//!   the name runs to the *last* `]`, and whatever follows it is ignored.
//! - `key = value` or `key : value`, split at the first `=` or `:`; the key is lower-cased
//!   (`str.lower`), both sides are stripped.
//! - A line indented more than the line that started the current key continues its value; a blank
//!   line inside a value is kept as an empty line (trailing ones are dropped).
//! - A value that starts with a line break (`s3 =` followed by indented lines) is a nested block
//!   of `key = value` lines (botocore's `_parse_nested`, which splits with `str.splitlines` and
//!   at `=` only, and keeps the keys' case).
//! - `[DEFAULT]` is not a section: its keys are added to every section that lacks them.
//! - The CLI refuses the whole file (`Unable to parse config file`) for: bytes that are not UTF-8,
//!   a key before any section header, a section or a key in a section given twice, a line that is
//!   neither a comment, a header nor a `key = value`, and a nested line without `=`.
//! - Profiles (`build_profile_map`): `[default]`, and any section whose name starts with
//!   `profile` and splits (`shlex.split`, quotes and backslashes as a POSIX shell, blanks being
//!   space, tab, `\r` and `\n`) into exactly two words: the second is the profile's name, so
//!   `[profile 'My Corp']` is the profile `My Corp`. `sso-session` and `services` sections alike.
//!   A section that does not split is skipped. When two sections map to the same name, the later
//!   one wins whole. Names are case-sensitive and may be any Unicode.
//! - The credentials file's sections are profiles by their whole name (no `profile ` prefix).

mod profiles;
mod python;

use std::collections::HashMap;
use std::fmt;

pub use self::profiles::{
    ConfigFile, CredentialsFile, Profile, SectionKind, SharedConfig, botocore_view, section_kind,
};
pub(crate) use self::python::is_py_space;
pub use self::python::shlex_split;
use self::python::{line_of, lower, py_rstrip, py_splitlines, py_strip, universal_lines};

/// A value: text, or a nested block of sub-settings (`s3 =` followed by indented `key = value`
/// lines).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A plain value, with the lines of a continued value joined by `\n`.
    Text(String),
    /// A nested block, in file order; a repeated sub-key keeps its first place and its last value,
    /// as a Python `dict` does.
    Nested(Vec<(String, String)>),
}

impl Value {
    /// The text of a plain value; `None` for a nested block.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Nested(_) => None,
        }
    }

    /// The value of `key` in a nested block; `None` for a plain value.
    pub fn sub(&self, key: &str) -> Option<&str> {
        match self {
            Self::Text(_) => None,
            Self::Nested(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()),
        }
    }
}

/// One `key = value` of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    /// The key, lower-cased as configparser does.
    pub key: String,
    /// The value.
    pub value: Value,
    /// The 1-based line of the key in its file.
    pub line: usize,
    /// The delimiter after the key: `=` or `:`.
    pub delimiter: char,
    /// Whether the key's line starts with a space or a tab (the CLI allows it where the line is
    /// not a continuation; several SDKs take it for one).
    pub indented: bool,
}

/// One section of an INI file, with the `[DEFAULT]` keys it lacks added (last, as configparser
/// lists them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, verbatim (`profile 'My Corp'`).
    pub name: String,
    /// The 1-based line of its header.
    pub line: usize,
    /// Its keys in file order, each once.
    pub properties: Vec<Property>,
}

impl Section {
    /// The value of `key`, text or nested.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.properties.iter().find(|p| p.key == key).map(|p| &p.value)
    }

    /// The text of `key`; `None` if it is missing or a nested block.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.value(key).and_then(Value::as_text)
    }

    /// The property `key`, with its line.
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.key == key)
    }
}

/// A file as `raw_config_parse` returns it: its sections in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ini {
    /// The sections, in the order their headers first appear.
    pub sections: Vec<Section>,
}

/// Why the AWS CLI refuses a file; [`ParseError::line`] says where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The bytes are not UTF-8 (Python: `UnicodeDecodeError`).
    NotUtf8 {
        /// The line of the first byte that is not.
        line: usize,
    },
    /// A line before the first section header (`MissingSectionHeaderError`).
    MissingSectionHeader {
        /// The line.
        line: usize,
    },
    /// A section header repeated (`DuplicateSectionError`).
    DuplicateSection {
        /// The section name.
        section: String,
        /// The line of the repeat.
        line: usize,
        /// The line of the first header.
        first_line: usize,
    },
    /// A key repeated within a section (`DuplicateOptionError`).
    DuplicateKey {
        /// The section name.
        section: String,
        /// The key, lower-cased.
        key: String,
        /// The line of the repeat.
        line: usize,
        /// The line where the key was first set.
        first_line: usize,
    },
    /// Lines that are neither a comment, a section header nor `key = value` (`ParsingError`,
    /// raised when the whole file has been read; also for an empty key, `= value`).
    NotKeyValue {
        /// The first such line.
        line: usize,
        /// How many there are.
        count: usize,
    },
    /// A line of a nested block without `=` (`_parse_nested`'s `ValueError`).
    NestedWithoutEquals {
        /// The section name.
        section: String,
        /// The key whose block it is.
        key: String,
        /// The line of the key.
        line: usize,
    },
}

impl ParseError {
    /// The 1-based line the error is about.
    pub fn line(&self) -> usize {
        match self {
            Self::NotUtf8 { line }
            | Self::MissingSectionHeader { line }
            | Self::DuplicateSection { line, .. }
            | Self::DuplicateKey { line, .. }
            | Self::NotKeyValue { line, .. }
            | Self::NestedWithoutEquals { line, .. } => *line,
        }
    }

    /// The name of the Python exception botocore wraps in its `ConfigParseError`.
    pub fn python_exception(&self) -> &'static str {
        match self {
            Self::NotUtf8 { .. } => "UnicodeDecodeError",
            Self::MissingSectionHeader { .. } => "MissingSectionHeaderError",
            Self::DuplicateSection { .. } => "DuplicateSectionError",
            Self::DuplicateKey { .. } => "DuplicateOptionError",
            Self::NotKeyValue { .. } => "ParsingError",
            Self::NestedWithoutEquals { .. } => "ValueError",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotUtf8 { line } => write!(f, "line {line} is not UTF-8 text"),
            Self::MissingSectionHeader { line } => {
                write!(f, "line {line} comes before the first section header (such as [default] or [profile NAME])")
            }
            Self::DuplicateSection { section, line, first_line } => {
                write!(f, "line {line} repeats the section [{section}] of line {first_line}")
            }
            Self::DuplicateKey { section, key, line, first_line } => {
                write!(f, "line {line} sets {key} again in [{section}] (first set on line {first_line})")
            }
            Self::NotKeyValue { line, count: 1 } => {
                write!(f, "line {line} is neither a comment, a [section] header nor a key = value line")
            }
            Self::NotKeyValue { line, count } => write!(
                f,
                "line {line} (and {} more) is neither a comment, a [section] header nor a key = value line",
                count - 1
            ),
            Self::NestedWithoutEquals { section, key, line } => {
                write!(f, "the indented lines under {key} (line {line}) in [{section}] need the form name = value")
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// An option while the file is read: its key, the lines of its value, and where it starts.
struct RawOption<'t> {
    key: std::borrow::Cow<'t, str>,
    /// The value on the key's line.
    first: &'t str,
    /// The lines that continue it (blank ones as ""); most values have none, and an empty `Vec`
    /// allocates nothing.
    more: Vec<&'t str>,
    line: usize,
    delimiter: char,
    indented: bool,
}

struct RawSection<'t> {
    name: &'t str,
    line: usize,
    options: Vec<RawOption<'t>>,
}

/// Which section keys go to: `[DEFAULT]` or a real one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Current {
    Defaults,
    Section(usize),
}

/// Parses a file as `configparser.RawConfigParser().read()` does, then joins values and expands
/// `[DEFAULT]` and nested blocks as `raw_config_parse` does.
///
/// # Errors
/// Whatever makes the AWS CLI refuse the file ([`ParseError`]), with the same precedence: repeats
/// and a missing header are reported where they occur, lines that are not `key = value` after the
/// whole file is read.
pub fn parse(bytes: &[u8]) -> Result<Ini, ParseError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(not_utf8(bytes, &e)),
    };
    let (sections, defaults, not_key_value) = read_lines(universal_lines(text))?;
    if let Some((line, count)) = not_key_value {
        return Err(ParseError::NotKeyValue { line, count });
    }
    finish(sections, &defaults)
}

/// The size of the chunks Python's `TextIOWrapper` reads and decodes (`_CHUNK_SIZE`).
const PYTHON_CHUNK: usize = 8192;

/// The error Python reports for a file that is not UTF-8. It decodes the file 8 KiB at a time as
/// it reads lines, so a repeated section or key, or a key before any header, on the lines it could
/// read before the chunk where the decoder fails is reported instead; a sequence cut off by the
/// end of the file fails only at the end.
fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> ParseError {
    let bad = error.valid_up_to();
    let limit = match error.error_len() {
        None => bad,
        Some(len) => {
            // A lead byte is taken in with its chunk, and fails in the chunk that shows the
            // sequence broken.
            let detected = if (0xC2..=0xF4).contains(&bytes[bad]) { bad + len } else { bad };
            detected / PYTHON_CHUNK * PYTHON_CHUNK
        }
    };
    let readable = std::str::from_utf8(&bytes[..limit.min(bad)]).unwrap_or_default();
    // Only whole lines are read, and a final `\r` waits to see whether `\n` follows.
    let readable = readable.strip_suffix('\r').unwrap_or(readable);
    let complete = readable.trim_end_matches(|c| c != '\n' && c != '\r');
    match read_lines(universal_lines(complete)) {
        Err(raised) => raised,
        Ok(_) => ParseError::NotUtf8 { line: line_of(&bytes[..bad]) },
    }
}

/// What `RawConfigParser._read` keeps of the lines: the sections, `[DEFAULT]`'s keys, and the
/// first line that was not `key = value` with how many there were (raised after the last line).
type ReadLines<'t> = (Vec<RawSection<'t>>, Vec<RawOption<'t>>, Option<(usize, usize)>);

/// `RawConfigParser._read` over lines: the errors it raises at once are returned.
// Long by design: it is configparser's `_read` loop, whose branches share one state (the current
// section, the open key, the indent level); split up, that state would travel between functions.
fn read_lines<'t>(lines: impl Iterator<Item = &'t str>) -> Result<ReadLines<'t>, ParseError> {
    let mut sections: Vec<RawSection<'_>> = Vec::new();
    let mut defaults: Vec<RawOption<'_>> = Vec::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut current: Option<Current> = None;
    // The option later lines may continue; `None` also after an empty key (Python's `optname`
    // is then `''`, which is false).
    let mut option: Option<usize> = None;
    let mut indent_level = 0usize;
    let mut not_key_value: Option<(usize, usize)> = None;

    for (index, line) in lines.enumerate() {
        let number = index + 1;
        let stripped = py_strip(line);
        let comment = stripped.starts_with('#') || stripped.starts_with(';');
        if comment || stripped.is_empty() {
            // A blank line (not a comment) inside a value is part of it.
            if !comment && let (Some(current), Some(option)) = (current, option) {
                let options = match current {
                    Current::Defaults => &mut defaults,
                    Current::Section(i) => &mut sections[i].options,
                };
                options[option].more.push("");
            }
            continue;
        }
        // Indentation in characters, as Python's `re` counts it.
        let indent = line.chars().take_while(|&c| is_py_space(c)).count();
        if let (Some(current), Some(option)) = (current, option)
            && indent > indent_level
        {
            let options = match current {
                Current::Defaults => &mut defaults,
                Current::Section(i) => &mut sections[i].options,
            };
            options[option].more.push(stripped);
            continue;
        }
        indent_level = indent;
        if let Some(name) = section_header(stripped) {
            if let Some(&first) = by_name.get(name) {
                return Err(ParseError::DuplicateSection {
                    section: name.to_owned(),
                    line: number,
                    first_line: sections[first].line,
                });
            }
            if name == "DEFAULT" {
                current = Some(Current::Defaults);
            } else {
                by_name.insert(name, sections.len());
                current = Some(Current::Section(sections.len()));
                // Most sections have a handful of keys: one allocation instead of four.
                sections.push(RawSection { name, line: number, options: Vec::with_capacity(8) });
            }
            option = None;
            continue;
        }
        let Some(current) = current else {
            return Err(ParseError::MissingSectionHeader { line: number });
        };
        let Some(delimiter) = memchr::memchr2(b'=', b':', stripped.as_bytes()) else {
            let (first, count) = not_key_value.unwrap_or((number, 0));
            not_key_value = Some((first, count + 1));
            continue;
        };
        let key = py_rstrip(&stripped[..delimiter]);
        if key.is_empty() {
            let (first, count) = not_key_value.unwrap_or((number, 0));
            not_key_value = Some((first, count + 1));
        }
        let key = lower(key);
        let (section_name, options) = match current {
            Current::Defaults => ("DEFAULT", &mut defaults),
            Current::Section(i) => (sections[i].name, &mut sections[i].options),
        };
        if let Some(first) = options.iter().find(|o| o.key == key) {
            return Err(ParseError::DuplicateKey {
                section: section_name.to_owned(),
                key: key.into_owned(),
                line: number,
                first_line: first.line,
            });
        }
        option = (!key.is_empty()).then_some(options.len());
        options.push(RawOption {
            key,
            first: py_strip(&stripped[delimiter + 1..]),
            more: Vec::new(),
            line: number,
            delimiter: if stripped.as_bytes()[delimiter] == b':' { ':' } else { '=' },
            indented: line.starts_with([' ', '\t']),
        });
    }
    Ok((sections, defaults, not_key_value))
}

/// `configparser`'s `SECTCRE`, `\[(?P<header>.+)\]` matched at the start of the stripped line: the
/// name runs to the last `]`, and must not be empty.
fn section_header(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| &rest[..end])
}

/// Joins each value's lines and expands `[DEFAULT]` and nested blocks (`raw_config_parse`).
fn finish(sections: Vec<RawSection<'_>>, defaults: &[RawOption<'_>]) -> Result<Ini, ParseError> {
    let joined = |option: &RawOption<'_>| -> String {
        if option.more.is_empty() {
            return option.first.to_owned();
        }
        let mut text = option.first.to_owned();
        for line in &option.more {
            text.push('\n');
            text.push_str(line);
        }
        py_rstrip(&text).to_owned()
    };
    let mut out = Vec::with_capacity(sections.len());
    for section in sections {
        let mut properties = Vec::with_capacity(section.options.len() + defaults.len());
        let own = section.options.iter();
        let inherited = defaults.iter().filter(|d| !section.options.iter().any(|o| o.key == d.key));
        for option in own.chain(inherited) {
            let text = joined(option);
            let value = if text.starts_with('\n') {
                Value::Nested(parse_nested(&text).ok_or_else(|| ParseError::NestedWithoutEquals {
                    section: section.name.to_owned(),
                    key: option.key.clone().into_owned(),
                    line: option.line,
                })?)
            } else {
                Value::Text(text)
            };
            properties.push(Property {
                key: option.key.clone().into_owned(),
                value,
                line: option.line,
                delimiter: option.delimiter,
                indented: option.indented,
            });
        }
        out.push(Section { name: section.name.to_owned(), line: section.line, properties });
    }
    Ok(Ini { sections: out })
}

/// botocore's `_parse_nested`: `str.splitlines`, strip, skip empty lines, split at the first `=`.
fn parse_nested(text: &str) -> Option<Vec<(String, String)>> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in py_splitlines(text) {
        let line = py_strip(line);
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=')?;
        let (key, value) = (py_strip(key), py_strip(value));
        match entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => value.clone_into(&mut entry.1),
            None => entries.push((key.to_owned(), value.to_owned())),
        }
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ini: &Ini, section: &str, key: &str) -> Option<String> {
        ini.sections.iter().find(|s| s.name == section)?.get(key).map(str::to_owned)
    }

    #[test]
    fn the_issue_examples_read_as_the_cli_reads_them() {
        let file = "[profile corp]\nsso_session = My Corp Ltd\nsso_account_id = 111122223333\n\
                    sso_role_name = ReadOnly\n[sso-session 'My Corp Ltd']\n\
                    sso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\n";
        let config = ConfigFile::new(parse(file.as_bytes()).unwrap());
        assert_eq!(config.sso_session("My Corp Ltd").unwrap().get("sso_region"), Some("us-east-1"));
        let file =
            "[profile other]\n    role_arn = arn:aws:iam::444455556666:role/Admin\n    source_profile = dev-sso\n";
        let ini = parse(file.as_bytes()).unwrap();
        assert_eq!(text(&ini, "profile other", "source_profile").as_deref(), Some("dev-sso"));
    }

    #[test]
    fn comments_delimiters_continuations_and_case() {
        let file = "; top\n[a]\n  # indented comment\nKey: v # not a comment\nmulti = x\n\n  y\n  # c\n  z\n\n\n\
                    other=1=2\nempty =\n[DEFAULT]\nregion = d\nkey = ignored\n";
        let ini = parse(file.as_bytes()).unwrap();
        assert_eq!(text(&ini, "a", "key").as_deref(), Some("v # not a comment"));
        assert_eq!(text(&ini, "a", "multi").as_deref(), Some("x\n\ny\nz"));
        assert_eq!(text(&ini, "a", "other").as_deref(), Some("1=2"));
        assert_eq!(text(&ini, "a", "empty").as_deref(), Some(""));
        assert_eq!(text(&ini, "a", "region").as_deref(), Some("d"));
        let keys: Vec<&str> = ini.sections[0].properties.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["key", "multi", "other", "empty", "region"]);
    }

    #[test]
    fn nested_blocks_and_blank_lines_in_values() {
        let ini = parse(b"[a]\ns3 =\n  Addressing_Style = path\n\n  x=1\nv = a\n\n  b\n").unwrap();
        assert_eq!(
            ini.sections[0].value("s3"),
            Some(&Value::Nested(vec![("Addressing_Style".into(), "path".into()), ("x".into(), "1".into())]))
        );
        assert_eq!(text(&ini, "a", "v").as_deref(), Some("a\n\nb"));
        assert!(matches!(parse(b"[a]\ns3 =\n  novalue\n"), Err(ParseError::NestedWithoutEquals { line: 2, .. })));
    }

    #[test]
    fn headers_run_to_the_last_bracket() {
        assert_eq!(section_header("[profile a] # c"), Some("profile a"));
        assert_eq!(section_header("[a]b]"), Some("a]b"));
        assert_eq!(section_header("[]"), None);
        assert_eq!(section_header("[]]"), Some("]"));
        assert_eq!(section_header("[a"), None);
    }

    #[test]
    fn errors_are_the_clis() {
        let err = |bytes: &[u8]| parse(bytes).unwrap_err();
        assert_eq!(err(b"region = x\n[a]\n"), ParseError::MissingSectionHeader { line: 1 });
        assert_eq!(err(b"\xef\xbb\xbf[a]\n"), ParseError::MissingSectionHeader { line: 1 });
        assert_eq!(
            err(b"[a]\n[b]\n[a]\n"),
            ParseError::DuplicateSection { section: "a".into(), line: 3, first_line: 1 }
        );
        assert_eq!(
            err(b"[a]\nX = 1\nx = 2\n"),
            ParseError::DuplicateKey { section: "a".into(), key: "x".into(), line: 3, first_line: 2 }
        );
        assert_eq!(err(b"[a]\nnope\n[b]\nalso\n"), ParseError::NotKeyValue { line: 2, count: 2 });
        assert_eq!(err(b"[a]\n= v\n"), ParseError::NotKeyValue { line: 2, count: 1 });
        assert_eq!(err(b"[a]\nx = \xff\n"), ParseError::NotUtf8 { line: 2 });
        // A repeat is reported where it is, before lines that were not key = value.
        assert!(matches!(err(b"[a]\nnope\n[a]\n"), ParseError::DuplicateSection { line: 3, .. }));
        // [DEFAULT] may repeat, its keys may not.
        assert!(parse(b"[DEFAULT]\na = 1\n[DEFAULT]\nb = 2\n").is_ok());
        assert!(matches!(err(b"[DEFAULT]\na = 1\n[DEFAULT]\na = 2\n"), ParseError::DuplicateKey { .. }));
    }

    #[test]
    fn line_ends_are_universal() {
        let ini = parse(b"[a]\r\nx = 1\ry = 2\n").unwrap();
        assert_eq!((text(&ini, "a", "x").as_deref(), text(&ini, "a", "y").as_deref()), (Some("1"), Some("2")));
    }

    #[test]
    fn shlex_splits_as_python_does() {
        let split = |s: &str| shlex_split(s).map(|w| w.join("|"));
        assert_eq!(split("profile 'My Corp Ltd'").as_deref(), Some("profile|My Corp Ltd"));
        assert_eq!(split("profile\t  \"a b\"").as_deref(), Some("profile|a b"));
        assert_eq!(split(r#"profile "a\"b\x""#).as_deref(), Some(r#"profile|a"b\x"#));
        assert_eq!(split(r"profile a\ b").as_deref(), Some("profile|a b"));
        assert_eq!(split("profile ''").as_deref(), Some("profile|"));
        assert_eq!(split("profile #x").as_deref(), Some("profile|#x"));
        assert_eq!(split("profile 'x"), None);
        assert_eq!(split("profile x\\"), None);
        assert_eq!(split("profile\u{a0}x").as_deref(), Some("profile\u{a0}x"));
    }

    #[test]
    fn sections_map_to_profiles_sessions_and_services() {
        assert_eq!(section_kind("default"), SectionKind::Profile("default".into()));
        assert_eq!(section_kind("profile  a"), SectionKind::Profile("a".into()));
        assert_eq!(section_kind("profiles a"), SectionKind::Profile("a".into()));
        assert_eq!(section_kind("profile a b"), SectionKind::Other);
        assert_eq!(section_kind("profile"), SectionKind::Other);
        assert_eq!(section_kind("Default"), SectionKind::Other);
        assert_eq!(section_kind("sso-session 'x y'"), SectionKind::SsoSession("x y".into()));
        assert_eq!(section_kind("services s"), SectionKind::Services("s".into()));
        let config = ConfigFile::new(parse(b"[profile a]\nx = 1\n[profile  a]\ny = 2\n").unwrap());
        assert_eq!((config.profile("a").unwrap().get("x"), config.profile("a").unwrap().get("y")), (None, Some("2")));
    }
}
