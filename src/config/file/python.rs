//! Python's string rules that botocore's reading rests on: `str.isspace`, `str.strip`,
//! `str.splitlines`, `str.lower`, universal newlines and `shlex.split`, each as CPython 3.11–3.13
//! has them.

/// Python's `str.isspace` for one character: Unicode's `White_Space` plus `\x1c`–`\x1f`, which
/// Python counts and Rust does not.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

pub(super) fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

/// The lines of a text as Python's universal-newlines reading yields them: split at `\n`, `\r\n`
/// and `\r`, without the line ends.
pub(super) fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        // Both are ASCII, so a byte search cannot split a character.
        match memchr::memchr2(b'\n', b'\r', current.as_bytes()) {
            Some(end) => {
                let after = if current[end..].starts_with("\r\n") { end + 2 } else { end + 1 };
                rest = Some(&current[after..]);
                // A final line end starts no further line.
                if after == current.len() {
                    rest = None;
                }
                Some(&current[..end])
            }
            None => {
                rest = None;
                (!current.is_empty()).then_some(current)
            }
        }
    })
}

/// The 1-based line at the end of `prefix`, counting line ends as universal newlines do.
pub(super) fn line_of(prefix: &[u8]) -> usize {
    let ends =
        prefix.iter().enumerate().filter(|&(i, &b)| b == b'\n' || (b == b'\r' && prefix.get(i + 1) != Some(&b'\n')));
    ends.count() + 1
}

/// `str.lower`, borrowing when nothing changes.
pub(super) fn lower(key: &str) -> std::borrow::Cow<'_, str> {
    if key.is_ascii() {
        return if key.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(key.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(key)
        };
    }
    // Letters Python's Unicode tables (14 to 15.1 in Python 3.11 to 3.13) do not know yet stay as
    // they are; each run between them is lower-cased whole, so a final sigma is still one.
    let mut lowered = String::with_capacity(key.len());
    let mut rest = key;
    while let Some(at) = rest.find(unknown_to_python) {
        lowered.push_str(&rest[..at].to_lowercase());
        let letter = rest[at..].chars().next().unwrap_or_default();
        lowered.push(letter);
        rest = &rest[at + letter.len_utf8()..];
    }
    lowered.push_str(&rest.to_lowercase());
    if lowered == key { std::borrow::Cow::Borrowed(key) } else { std::borrow::Cow::Owned(lowered) }
}

/// Upper-case letters added in Unicode 16 and 17, which Rust lower-cases and Python 3.11 to 3.13
/// do not (found by comparing every character).
pub(super) fn unknown_to_python(c: char) -> bool {
    matches!(c, '\u{1C89}' | '\u{A7CB}' | '\u{A7CC}' | '\u{A7CE}' | '\u{A7D2}' | '\u{A7D4}' | '\u{A7DA}' | '\u{A7DC}')
        || ('\u{10D50}'..='\u{10D65}').contains(&c)
        || ('\u{16EA0}'..='\u{16EB8}').contains(&c)
}

/// Python's `str.splitlines()` (without the line ends): it also breaks at `\v`, `\f`,
/// `\x1c`–`\x1e`, `\x85`, U+2028 and U+2029.
pub(super) fn py_splitlines(text: &str) -> Vec<&str> {
    let is_break = |c: char| {
        matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}'..='\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}')
    };
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.char_indices().find(|&(_, c)| is_break(c)) {
            Some((at, c)) => {
                lines.push(&rest[..at]);
                let after = if c == '\r' && rest[at..].starts_with("\r\n") { at + 2 } else { at + c.len_utf8() };
                rest = &rest[after..];
            }
            None => {
                lines.push(rest);
                break;
            }
        }
    }
    lines
}

/// Python's `shlex.split(text)` (POSIX mode, no comments): `None` where it raises `ValueError`
/// (an unclosed quote, a trailing backslash). Blanks are space, tab, `\r` and `\n` only; in
/// double quotes a backslash escapes only `"` and `\`.
pub fn shlex_split(text: &str) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Blank,
        Word,
        Quote(char),
        Escape,
    }
    let is_blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut token = String::new();
    let mut state = State::Blank;
    // Where an escape returns to: a word, or inside a double quote.
    let mut escaped_from = State::Word;
    for c in text.chars() {
        match state {
            State::Blank => match c {
                _ if is_blank(c) => {}
                '\\' => (escaped_from, state) = (State::Word, State::Escape),
                '\'' | '"' => state = State::Quote(c),
                _ => (token, state) = (c.to_string(), State::Word),
            },
            State::Word => match c {
                _ if is_blank(c) => {
                    words.push(std::mem::take(&mut token));
                    state = State::Blank;
                }
                '\'' | '"' => state = State::Quote(c),
                '\\' => (escaped_from, state) = (State::Word, State::Escape),
                _ => token.push(c),
            },
            State::Quote(q) => match c {
                _ if c == q => state = State::Word,
                '\\' if q == '"' => (escaped_from, state) = (State::Quote(q), State::Escape),
                _ => token.push(c),
            },
            State::Escape => {
                if let State::Quote(q) = escaped_from
                    && c != '\\'
                    && c != q
                {
                    token.push('\\');
                }
                token.push(c);
                state = escaped_from;
            }
        }
    }
    match state {
        State::Blank => {}
        State::Word => words.push(token),
        State::Quote(_) | State::Escape => return None,
    }
    Some(words)
}
