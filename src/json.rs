//! JSON written the way Python's `json.dumps` writes it, so the cache files we rewrite and the
//! cache keys we compute are byte-for-byte what the AWS CLI would produce.

use std::io;

use serde_json::Value;
use serde_json::ser::Formatter;

/// `json.dumps(value)`: `", "` and `": "` separators, non-ASCII escaped, keys in the map's order.
pub fn to_python_default(value: &Value) -> Vec<u8> {
    serialize(value, PythonFormatter { compact: false })
}

/// `json.dumps(value, separators=(',', ':'))`: compact, non-ASCII escaped.
pub fn to_python_compact(value: &Value) -> Vec<u8> {
    serialize(value, PythonFormatter { compact: true })
}

fn serialize(value: &Value, formatter: PythonFormatter) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(value, &mut serializer).expect("serialising a JSON value into memory cannot fail");
    out
}

struct PythonFormatter {
    compact: bool,
}

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        self.separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if self.compact { b":" } else { b": " })
    }

    /// Python's default `ensure_ascii=True` writes every non-ASCII character as `\uXXXX`
    /// (UTF-16 code units, so characters outside the BMP become a surrogate pair).
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(index) = rest.find(|c: char| !c.is_ascii()) {
            writer.write_all(&rest.as_bytes()[..index])?;
            let c = rest[index..].chars().next().expect("find returned a char boundary");
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[index + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

impl PythonFormatter {
    fn separator<W: ?Sized + io::Write>(&self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(if self.compact { b"," } else { b", " }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps() {
        let value = json!({"b": "x", "a": [1, 2], "c": {"d": null}});
        assert_eq!(to_python_default(&value), br#"{"b": "x", "a": [1, 2], "c": {"d": null}}"#);
        assert_eq!(to_python_compact(&value), br#"{"b":"x","a":[1,2],"c":{"d":null}}"#);
    }

    #[test]
    fn escapes_non_ascii_like_ensure_ascii() {
        // json.dumps("caf\u00e9 \U0001F600 \"q\"") == '"caf\\u00e9 \\ud83d\\ude00 \\"q\\""'
        let value = json!("caf\u{e9} \u{1F600} \"q\"");
        assert_eq!(String::from_utf8(to_python_default(&value)).unwrap(), r#""caf\u00e9 \ud83d\ude00 \"q\"""#);
    }
}
