//! Generated JSON documents, kept as a tree that knows its own spelling: how every string was
//! escaped and how every number was written. A property can then check that a rewrite kept each
//! value, and each number's exact text.

use proptest::prelude::*;
use serde_json::Value;

/// A JSON string: its value, and the literal (with quotes) it was written as.
#[derive(Clone, Debug)]
pub struct JStr {
    pub value: String,
    pub text: String,
}

/// A JSON value as written.
#[derive(Clone, Debug)]
pub enum J {
    Null,
    Bool(bool),
    /// The number's exact text (`2.50`, `1e400`, `-0`, a 40-digit integer).
    Num(String),
    Str(JStr),
    Arr(Vec<J>, &'static str),
    /// Members with unique keys, and the whitespace written around separators.
    Obj(Vec<(JStr, J)>, &'static str),
}

const WHITESPACE: [&str; 4] = ["", " ", "\n  ", "\t"];

impl J {
    /// The document text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => out.push_str(&s.text),
            J::Arr(items, ws) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(ws);
                    item.write(out);
                }
                out.push_str(ws);
                out.push(']');
            }
            J::Obj(members, ws) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(ws);
                    out.push_str(&key.text);
                    out.push_str(ws);
                    out.push(':');
                    out.push_str(ws);
                    value.write(out);
                }
                out.push_str(ws);
                out.push('}');
            }
        }
    }

    /// Asserts that `value` (a re-read document) holds this value: same strings, same members in
    /// the same order, every number with the same text, except that exponents are compared in
    /// serde_json's spelling (`1e400` read with `arbitrary_precision` is kept as `1e+400`, `2E5`
    /// as `2e+5`).
    /// `token_cache::number_texts_are_kept_exactly` checks the exact spelling on its own.
    pub fn assert_same_value(&self, value: &Value, at: &str) {
        self.compare(value, at, &normalize_exponent);
    }

    fn compare(&self, value: &Value, at: &str, number: &dyn Fn(&str) -> String) {
        match (self, value) {
            (J::Null, Value::Null) => {}
            (J::Bool(a), Value::Bool(b)) => assert_eq!(a, b, "at {at}"),
            (J::Num(text), Value::Number(n)) => {
                assert_eq!(number(&n.to_string()), number(text), "number text changed at {at}")
            }
            (J::Str(s), Value::String(v)) => assert_eq!(&s.value, v, "string changed at {at}"),
            (J::Arr(items, _), Value::Array(values)) => {
                assert_eq!(items.len(), values.len(), "array length changed at {at}");
                for (i, (item, value)) in items.iter().zip(values).enumerate() {
                    item.compare(value, &format!("{at}[{i}]"), number);
                }
            }
            (J::Obj(members, _), Value::Object(map)) => {
                let keys: Vec<&str> = members.iter().map(|(k, _)| k.value.as_str()).collect();
                let got: Vec<&str> = map.keys().map(String::as_str).collect();
                assert_eq!(keys, got, "members or their order changed at {at}");
                for (key, member) in members {
                    member.compare(&map[&key.value], &format!("{at}.{:?}", key.value), number);
                }
            }
            (expected, got) => panic!("at {at}: expected {}, got {got}", expected.text()),
        }
    }
}

/// A number text with its exponent (if any) written `e`, sign always given.
pub fn normalize_exponent(text: &str) -> String {
    match text.find(['e', 'E']) {
        None => text.to_owned(),
        Some(i) => {
            let (mantissa, exponent) = (&text[..i], &text[i + 1..]);
            let exponent = if exponent.starts_with(['+', '-']) { exponent.to_owned() } else { format!("+{exponent}") };
            format!("{mantissa}e{exponent}")
        }
    }
}

/// Characters worth escaping or not: controls, quotes, backslashes, non-ASCII, astral.
pub fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => proptest::char::range('\0', '\u{1f}'),
        1 => prop::sample::select(vec!['"', '\\', '/', '\u{7f}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffd}']),
        2 => proptest::char::range('\u{80}', '\u{ffff}'),
        2 => proptest::char::range('\u{10000}', '\u{10ffff}'),
        1 => any::<char>(),
    ]
}

/// How one character is written: 0 = as is (if JSON allows), 1 = short escape (if any),
/// 2 = `\u` lower-case hex, 3 = `\u` upper-case hex.
fn encode(c: char, how: u8, out: &mut String) {
    let short = match c {
        '"' => Some("\\\""),
        '\\' => Some("\\\\"),
        '/' => Some("\\/"),
        '\u{8}' => Some("\\b"),
        '\u{c}' => Some("\\f"),
        '\n' => Some("\\n"),
        '\r' => Some("\\r"),
        '\t' => Some("\\t"),
        _ => None,
    };
    let must_escape = c == '"' || c == '\\' || c < ' ';
    match (how, short) {
        (0, _) if !must_escape => out.push(c),
        (0 | 1, Some(s)) => out.push_str(s),
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                if how == 3 {
                    out.push_str(&format!("\\u{unit:04X}"));
                } else {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
}

/// A JSON string from `chars`, each character written one of the valid ways.
pub fn jstr_from(chars: impl Strategy<Value = Vec<char>>) -> impl Strategy<Value = JStr> {
    chars
        .prop_flat_map(|chars| {
            let n = chars.len();
            (Just(chars), proptest::collection::vec(0u8..4, n))
        })
        .prop_map(|(chars, hows)| {
            let mut text = String::from("\"");
            for (c, how) in chars.iter().zip(hows) {
                encode(*c, how, &mut text);
            }
            text.push('"');
            JStr { value: chars.into_iter().collect(), text }
        })
}

/// Any JSON string of up to `max` characters.
pub fn jstr(max: usize) -> impl Strategy<Value = JStr> {
    jstr_from(proptest::collection::vec(any_char(), 0..=max))
}

/// A plain (ASCII, unescaped) JSON string.
pub fn plain(value: &str) -> JStr {
    JStr { value: value.to_owned(), text: serde_json::to_string(value).expect("a string serialises") }
}

/// Number texts as any JSON writer might spell them: big integers, trailing zeros, huge
/// exponents, negative zero.
pub fn number_text() -> impl Strategy<Value = String> {
    let int = prop_oneof![Just("0".to_owned()), "[1-9][0-9]{0,40}"];
    let frac = prop_oneof![Just(String::new()), "\\.[0-9]{1,25}"];
    let exp = prop_oneof![2 => Just(String::new()), 1 => "[eE][+-]?[0-9]{1,4}"];
    let special = prop::sample::select(vec![
        "2.50",
        "1e400",
        "-1e400",
        "1E-400",
        "-0",
        "-0.0",
        "0.10",
        "18446744073709551616",
        "-9223372036854775809",
        "3.141592653589793238462643383279",
        "1.0",
        "100",
        "1e+2",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        3 => (any::<bool>(), int, frac, exp).prop_map(|(neg, i, f, e)| format!("{}{i}{f}{e}", if neg { "-" } else { "" })),
        1 => special,
    ]
}

/// Any JSON value, nested a few levels, objects with unique keys.
pub fn value() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number_text().prop_map(J::Num),
        jstr(24).prop_map(J::Str),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let ws = prop::sample::select(WHITESPACE.to_vec());
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..6), ws.clone()).prop_map(|(items, ws)| J::Arr(items, ws)),
            (proptest::collection::vec((jstr(12), inner), 0..6), ws)
                .prop_map(|(members, ws)| J::Obj(unique(members), ws)),
        ]
    })
}

/// Keeps the first member of each key.
pub fn unique(members: Vec<(JStr, J)>) -> Vec<(JStr, J)> {
    let mut seen = std::collections::HashSet::new();
    members.into_iter().filter(|(k, _)| seen.insert(k.value.clone())).collect()
}

/// Whitespace to put around separators.
pub fn whitespace() -> impl Strategy<Value = &'static str> {
    prop::sample::select(WHITESPACE.to_vec())
}
