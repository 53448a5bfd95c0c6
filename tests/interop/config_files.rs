//! botocore reads `~/.aws/config` and `~/.aws/credentials`, and so do we (`config::file::parse`
//! and `botocore_view`); every file must come out the same from both. botocore's side is
//! `botocore_config_view.py` (next to this file), run once per batch over all the files with the
//! pinned botocore of `scripts/interop`'s venv; ours is the library, in this process.
//!
//! "The same": equal JSON (key order ignored), or both refuse the file with the same Python
//! exception class and the same details: the line (for `UnicodeDecodeError`, the line of the
//! first byte that is not UTF-8), the section and key where the exception names them, the number
//! of bad lines of a `ParsingError`. `_parse_nested`'s `ValueError` has no line; its section and
//! key are compared instead.
//!
//! Two sources of files: the corpus in `test-data/config-files` (see its README), each file read
//! both as a config and as a credentials file; and several thousand files generated from a fixed
//! seed (the same files on every run), all read as config files and every fourth also as a
//! credentials file. A failure lists every disagreement (the file escaped, both results), and
//! for the first few also the smallest file, found by deleting lines and then characters, that
//! still disagrees.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use aws_sso_credential_process::config::file::{self, ParseError};
use serde_json::{Map, Value, json};

/// Generated files; each fourth is also read as a credentials file. To explore further,
/// `AWS_SSO_CP_CONFIG_FILES_COUNT` and `AWS_SSO_CP_CONFIG_FILES_SEED` override it and the seed.
const GENERATED: usize = 6000;
/// The generator's seed: change it (by the variable) to explore, not to make a failure go away.
const SEED: u64 = 0x1a2b_3c4d_5e6f_7081;
/// Files longer than this are shown cut in a report.
const SHOWN: usize = 1500;
/// Disagreements that get a shrunk file in the report (each shrink runs Python a few dozen times),
/// if they are at most [`SHRINK_BYTES`] long.
const SHRINK: usize = 5;
const SHRINK_BYTES: usize = 4096;

fn python() -> PathBuf {
    match std::env::var_os("AWS_SSO_CP_INTEROP_PYTHON") {
        Some(path) => PathBuf::from(path),
        None => panic!("AWS_SSO_CP_INTEROP_PYTHON is not set: run these tests with `scripts/interop`"),
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/botocore_config_view.py")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// `load_config`: `~/.aws/config`.
    Config,
    /// `raw_config_parse`: `~/.aws/credentials`.
    Credentials,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Credentials => "credentials",
        }
    }
}

/// A file to read both ways.
struct Case {
    /// Where it comes from (corpus case and file, or generated number).
    label: String,
    bytes: Vec<u8>,
    mode: Mode,
}

/// What we make of a file, in the script's shape (without `path` and `mode`).
fn ours(bytes: &[u8], mode: Mode) -> Value {
    match file::parse(bytes) {
        Ok(ini) => json!({ "ok": file::botocore_view(&ini, mode == Mode::Config) }),
        Err(error) => refusal(&error),
    }
}

fn refusal(error: &ParseError) -> Value {
    let mut out = Map::new();
    out.insert("error".into(), json!(error.python_exception()));
    match error {
        ParseError::NotUtf8 { line } | ParseError::MissingSectionHeader { line } => {
            out.insert("line".into(), json!(line));
        }
        ParseError::DuplicateSection { section, line, .. } => {
            out.insert("line".into(), json!(line));
            out.insert("section".into(), json!(section));
        }
        ParseError::DuplicateKey { section, key, line, .. } => {
            out.insert("line".into(), json!(line));
            out.insert("section".into(), json!(section));
            out.insert("option".into(), json!(key));
        }
        ParseError::NotKeyValue { line, count } => {
            out.insert("line".into(), json!(line));
            out.insert("count".into(), json!(count));
        }
        // Python's ValueError has no line: the script names the section and key instead.
        ParseError::NestedWithoutEquals { section, key, .. } => {
            out.insert("section".into(), json!(section));
            out.insert("option".into(), json!(key));
        }
    }
    Value::Object(out)
}

/// botocore's view of each case, in order, from one run of the script over files written to `dir`.
fn botocore(dir: &Path, cases: &[Case]) -> Vec<Value> {
    let mut input = String::new();
    for (index, case) in cases.iter().enumerate() {
        let path = dir.join(format!("{index:06}"));
        std::fs::write(&path, &case.bytes).unwrap();
        writeln!(input, "{}\t{}", case.mode.name(), path.display()).unwrap();
    }
    let mut child = Command::new(python())
        .arg(script())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run botocore_config_view.py");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "botocore_config_view.py failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = std::str::from_utf8(&output.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), cases.len(), "one line per file from botocore_config_view.py");
    lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let mut record: Map<String, Value> = serde_json::from_str(line).unwrap();
            let path = record.remove("path");
            assert_eq!(path, Some(json!(dir.join(format!("{index:06}")).display().to_string())));
            assert_eq!(record.remove("mode"), Some(json!(cases[index].mode.name())));
            Value::Object(record)
        })
        .collect()
}

/// A file's bytes as unambiguous text: printable ASCII as is, everything else escaped; a long
/// file is cut after [`SHOWN`] bytes.
fn escaped(bytes: &[u8]) -> String {
    if bytes.len() > SHOWN {
        let mut cut = SHOWN;
        while std::str::from_utf8(&bytes[..cut]).is_err() && cut > SHOWN - 4 {
            cut -= 1;
        }
        return format!("{}... ({} bytes in all)", escaped(&bytes[..cut]), bytes.len());
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return format!("(not UTF-8) b\"{}\"", bytes.escape_ascii());
    };
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' ' | '!'..='~' => out.push(c),
            _ => write!(out, "\\u{{{:x}}}", u32::from(c)).unwrap(),
        }
    }
    out.push('"');
    out
}

struct Disagreement {
    index: usize,
    botocore: Value,
    ours: Value,
}

/// Reads every case both ways; returns the disagreements and botocore's results.
fn compare(dir: &Path, cases: &[Case]) -> (Vec<Disagreement>, Vec<Value>) {
    let theirs = botocore(dir, cases);
    let disagreements = cases
        .iter()
        .zip(&theirs)
        .enumerate()
        .filter_map(|(index, (case, botocore))| {
            let ours = ours(&case.bytes, case.mode);
            (ours != *botocore).then(|| Disagreement { index, botocore: botocore.clone(), ours })
        })
        .collect();
    (disagreements, theirs)
}

/// Pieces of a file: its lines with their ends (universal newlines), or its characters.
fn pieces(bytes: &[u8], lines: bool) -> Vec<Vec<u8>> {
    if !lines {
        return match std::str::from_utf8(bytes) {
            Ok(text) => text.chars().map(|c| c.to_string().into_bytes()).collect(),
            Err(_) => bytes.iter().map(|&b| vec![b]).collect(),
        };
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i + 2,
            b'\r' | b'\n' => i + 1,
            _ => {
                i += 1;
                continue;
            }
        };
        out.push(bytes[start..end].to_vec());
        start = end;
        i = end;
    }
    if start < bytes.len() {
        out.push(bytes[start..].to_vec());
    }
    out
}

/// The smallest file found that still disagrees: delete lines, then characters, one at a time,
/// while some deletion keeps a disagreement (each round is one run of Python over all deletions).
fn shrink(dir: &Path, bytes: &[u8], mode: Mode) -> Vec<u8> {
    let mut current = bytes.to_vec();
    for lines in [true, false] {
        loop {
            let parts = pieces(&current, lines);
            if parts.len() <= 1 || parts.len() > 2000 {
                break;
            }
            let candidates: Vec<Case> = (0..parts.len())
                .map(|skip| Case {
                    label: String::new(),
                    bytes: parts.iter().enumerate().filter(|&(i, _)| i != skip).flat_map(|(_, p)| p.clone()).collect(),
                    mode,
                })
                .collect();
            let (disagreements, _) = compare(dir, &candidates);
            match disagreements.first() {
                Some(first) => current = candidates[first.index].bytes.clone(),
                None => break,
            }
        }
    }
    current
}

/// Checks every case; on disagreement panics with all of them (escaped file, both results).
fn check(what: &str, cases: &[Case]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (disagreements, theirs) = compare(dir.path(), cases);
    let elapsed = started.elapsed();
    summary(what, cases, &theirs, disagreements.len(), elapsed);
    if disagreements.is_empty() {
        return theirs;
    }
    let mut report = format!("{} of {} {what} disagree with botocore:\n", disagreements.len(), cases.len());
    let shrink_dir = tempfile::tempdir().unwrap();
    for (n, d) in disagreements.iter().enumerate() {
        let case = &cases[d.index];
        writeln!(report, "\n--- {} (read as a {} file)", case.label, case.mode.name()).unwrap();
        writeln!(report, "file:     {}", escaped(&case.bytes)).unwrap();
        writeln!(report, "botocore: {}", d.botocore).unwrap();
        writeln!(report, "ours:     {}", d.ours).unwrap();
        if n < SHRINK && case.bytes.len() <= SHRINK_BYTES {
            let small = shrink(shrink_dir.path(), &case.bytes, case.mode);
            if small != case.bytes {
                let theirs = botocore(
                    shrink_dir.path(),
                    &[Case { label: String::new(), bytes: small.clone(), mode: case.mode }],
                );
                writeln!(report, "shrunk:   {}", escaped(&small)).unwrap();
                writeln!(report, "  botocore: {}", theirs[0]).unwrap();
                writeln!(report, "  ours:     {}", ours(&small, case.mode)).unwrap();
            }
        }
    }
    write!(report, "\n{} of {} {what} disagree with botocore (listed above)", disagreements.len(), cases.len())
        .unwrap();
    panic!("{report}");
}

#[expect(clippy::print_stderr, reason = "a summary of what was compared, shown with --nocapture")]
fn summary(what: &str, cases: &[Case], theirs: &[Value], disagreements: usize, elapsed: std::time::Duration) {
    let mut outcomes: Vec<(String, usize)> = Vec::new();
    for result in theirs {
        let kind = result.get("error").and_then(Value::as_str).unwrap_or("read").to_owned();
        match outcomes.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => *count += 1,
            None => outcomes.push((kind, 1)),
        }
    }
    outcomes.sort();
    let outcomes: Vec<String> = outcomes.iter().map(|(kind, count)| format!("{kind} {count}")).collect();
    eprintln!(
        "{} {what} ({}); {disagreements} disagreements; botocore took {:.2?}",
        cases.len(),
        outcomes.join(", "),
        elapsed
    );
}

#[test]
fn the_corpus_reads_as_botocore_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/config-files");
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut cases = Vec::new();
    for name in &names {
        let mut found = false;
        for (file, mode) in [("config", Mode::Config), ("credentials", Mode::Credentials)] {
            let Ok(bytes) = std::fs::read(root.join(name).join(file)) else { continue };
            found = true;
            // Each file as what it is, and as the other kind too: the parsing is the same, only the
            // mapping of sections differs.
            let other = if mode == Mode::Config { Mode::Credentials } else { Mode::Config };
            cases.push(Case { label: format!("{name}/{file}"), bytes: bytes.clone(), mode });
            cases.push(Case { label: format!("{name}/{file}"), bytes, mode: other });
        }
        assert!(found, "test-data/config-files/{name} has neither a config nor a credentials file");
    }
    assert!(names.len() >= 60, "the corpus has {} cases", names.len());
    let theirs = check("readings of corpus files", &cases);
    // The issue's two examples, spelled out: what the helper relies on.
    let get = |label: &str| {
        let i = cases.iter().position(|c| c.label == label && c.mode == Mode::Config).unwrap();
        theirs[i]["ok"].clone()
    };
    let quoted = get("issue-sso-session-quoted-name/config");
    assert_eq!(quoted["sso_sessions"]["My Corp Ltd"]["sso_region"], "us-east-1");
    assert_eq!(quoted["profiles"]["corp"]["sso_session"], "My Corp Ltd");
    let indented = get("issue-indented-keys/config");
    assert_eq!(indented["profiles"]["other"]["source_profile"], "dev-sso");
    assert_eq!(indented["profiles"]["dev-sso"]["sso_session"], "my-sso");
}

#[test]
fn generated_files_read_as_botocore_reads_them() {
    let number =
        |name: &str| std::env::var(name).ok().map(|v| v.parse::<u64>().unwrap_or_else(|_| panic!("{name}={v}")));
    let count = number("AWS_SSO_CP_CONFIG_FILES_COUNT").map_or(GENERATED, |n| usize::try_from(n).unwrap());
    let mut rng = Rng(number("AWS_SSO_CP_CONFIG_FILES_SEED").unwrap_or(SEED));
    let mut cases = Vec::with_capacity(count + count / 4);
    for n in 0..count {
        let bytes = generate(&mut rng);
        if n % 4 == 0 {
            cases.push(Case { label: format!("generated #{n}"), bytes: bytes.clone(), mode: Mode::Credentials });
        }
        cases.push(Case { label: format!("generated #{n}"), bytes, mode: Mode::Config });
    }
    let theirs = check("readings of generated files", &cases);
    // The generator must mostly make files botocore reads, or it tests only the refusals.
    let read = theirs.iter().filter(|t| t.get("ok").is_some()).count();
    assert!(read * 2 > cases.len(), "only {read} of {} generated files are readable", cases.len());
}

// ---- the generator ------------------------------------------------------------------------

/// SplitMix64: small, seeded, and the same sequence everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Characters of names, keys and values: letters, INI and shell metacharacters, and the blanks
/// where Python and Rust differ (`\x1c`–`\x1f` are blanks only to Python) or that only
/// `str.splitlines` breaks at (`\x0b`, `\x0c`, `\x1c`–`\x1e`, `\x85`, U+2028, U+2029).
const SPECIAL: &[&str] = &[
    " ", "  ", "\t", "'", "\"", "\\", "[", "]", "#", ";", "=", ":", "é", "Σ", "日", "🙂", "İ", "\u{212a}", "\u{1c}",
    "\u{1d}", "\u{1e}", "\u{1f}", "\u{85}", "\u{a0}", "\u{3000}", "\u{2028}", "\u{2029}", "\u{b}", "\u{c}", "\u{200b}",
    "\u{feff}", "\u{0}", "\u{7f}",
];
const LETTERS: &[&str] = &["a", "b", "x", "Z", "0", "7", "-", "_", ".", "/", "@"];

/// Up to `max` characters, half of them letters.
fn junk(rng: &mut Rng, max: usize) -> String {
    let len = rng.below(max + 1);
    (0..len).map(|_| if rng.percent(50) { rng.pick(LETTERS) } else { rng.pick(SPECIAL) }).collect()
}

/// Leading blanks, Python-only ones included.
fn indent(rng: &mut Rng) -> &'static str {
    rng.pick(&[" ", "  ", "    ", "\t", "\t\t", " \t", "\u{a0}", "\u{3000}", "\u{1c}", "\u{1f}", "\u{c}", "\u{85}"])
}

/// What a header line names (the text up to its last `]`), as configparser reads it.
fn header_name(line: &str) -> Option<String> {
    let stripped = line.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c));
    let rest = stripped.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    (end > 0).then(|| rest[..end].to_owned())
}

/// A word of a section name: bare, quoted, or broken (unbalanced quote, trailing backslash).
fn word(rng: &mut Rng) -> String {
    let inner: String = if rng.percent(60) {
        rng.pick(&["dev", "my-sso", "x", "My Corp Ltd", "a b", "default", "café", "日本", "p1", ""]).to_owned()
    } else {
        junk(rng, 6)
    };
    match rng.below(10) {
        0 | 1 => format!("'{inner}'"),
        2 | 3 => format!("\"{inner}\""),
        4 => format!("\"{inner}"),
        5 => format!("{inner}\\"),
        6 => format!("\"a\\\"{inner}\\x\""),
        _ => inner,
    }
}

fn header(rng: &mut Rng) -> String {
    let name = match rng.below(20) {
        0 | 1 => "DEFAULT".to_owned(),
        2 => "default".to_owned(),
        3 => rng
            .pick(&[
                "Default",
                "default ",
                " default",
                "preview",
                "plugins",
                "profiles",
                "sso_sessions",
                "services",
                "profile",
                "sso-session",
            ])
            .to_owned(),
        4..=16 => {
            let prefix = rng.pick(&[
                "profile",
                "profile",
                "profile",
                "sso-session",
                "services",
                "profiles",
                "profilex",
                "Profile",
            ]);
            let separator = rng.pick(&[" ", " ", " ", "  ", "\t", " \t ", "", "\u{a0}", "\u{3000}", "\u{1c}", "\u{b}"]);
            let mut name = format!("{prefix}{separator}{}", word(rng));
            if rng.percent(10) {
                name.push_str(rng.pick(&[" ", "\t"]));
                name.push_str(&word(rng));
            }
            name
        }
        _ => format!("x{}", junk(rng, 8)),
    };
    let lead = if rng.percent(8) { indent(rng) } else { "" };
    let trailing = match rng.below(14) {
        0 => " # comment".to_owned(),
        1 => " ; comment".to_owned(),
        2 => "]".to_owned(),
        3 => " x]".to_owned(),
        4 => rng.pick(&["\t", " ", "\u{3000}", "\u{1c}"]).to_owned(),
        5 => junk(rng, 4),
        _ => String::new(),
    };
    format!("{lead}[{name}]{trailing}")
}

const KEYS: &[&str] = &[
    "region",
    "Region",
    "REGION",
    "output",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "role_arn",
    "source_profile",
    "credential_process",
    "services",
    "endpoint_url",
    "x",
    "a b",
    "é",
    "É",
    "ΣΑΣ",
    "İ",
    "i\u{307}",
    "\u{212a}",
    "k",
    "K",
    "key#1",
    "'q'",
    "ﬀ",
    "ẞ",
];
const VALUES: &[&str] = &[
    "us-east-1",
    "eu-west-1",
    "json",
    "111122223333",
    "https://d-1234567890.awsapps.com/start#/",
    "arn:aws:iam::444455556666:role/Admin",
    "aws-sso-credential-process --profile dev-sso",
    "a = b",
    "x:y",
    "# not a comment",
    "; nor this",
    "'quoted'",
    "\"dq\"",
    "\\",
    "[x]",
    "//abc",
    "value\u{3000}",
    "\u{1f}v\u{1c}",
    "k = v",
];
const DELIMITERS: &[&str] =
    &["=", " = ", " = ", ":", " : ", "\t=\t", " =", "= ", "  =  ", "\u{a0}=\u{3000}", "\u{1c}=", "==", ":=", "=:"];

fn value(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=4 => rng.pick(VALUES).to_owned(),
        5..=8 => junk(rng, 12),
        _ => String::new(),
    }
}

/// The key configparser reads from a key line (approximately: before the first `=` or `:`,
/// stripped, lower-cased), to avoid repeats in files meant to be valid.
fn key_of(line: &str) -> String {
    let end = line.find(['=', ':']).unwrap_or(line.len());
    line[..end].trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)).to_lowercase()
}

/// The lines of one file (without line ends).
struct Lines {
    lines: Vec<String>,
    /// Whether repeated sections and keys are avoided (most files) or allowed.
    strict: bool,
    sections: Vec<String>,
    keys: Vec<(String, String)>,
    section: String,
}

impl Lines {
    /// Records the key of `line` in the current section; false if it is there already (in strict
    /// files, where the line is then dropped).
    fn claim(&mut self, line: &str) -> bool {
        let entry = (self.section.clone(), key_of(line));
        if self.strict && self.keys.contains(&entry) {
            return false;
        }
        self.keys.push(entry);
        true
    }

    /// A `key = value` line with a key not yet in the section (in strict files), or `None`.
    fn key_line(&mut self, rng: &mut Rng, lead: &str) -> Option<String> {
        for _ in 0..5 {
            let key = if rng.percent(85) { rng.pick(KEYS).to_owned() } else { format!("k{}", junk(rng, 5)) };
            let line = format!("{lead}{key}{}{}", rng.pick(DELIMITERS), value(rng));
            if self.claim(&line) {
                return Some(line);
            }
        }
        None
    }

    /// A key line, sometimes continued on more-indented lines (with blank and comment lines).
    fn key(&mut self, rng: &mut Rng) {
        let lead = if rng.percent(15) { indent(rng) } else { "" };
        let Some(line) = self.key_line(rng, lead) else { return };
        self.lines.push(line);
        if rng.percent(20) {
            for _ in 0..=rng.below(3) {
                match rng.below(10) {
                    0 => self.lines.push(String::new()),
                    1 => self.lines.push(format!("{}# comment", indent(rng))),
                    2 => self.lines.push(rng.pick(&["   ", "\t", "\u{a0}", "\u{1c}"]).to_owned()),
                    _ => {
                        // Mostly more indented than the key (a continuation), sometimes not.
                        let more = if rng.percent(90) { format!("{lead}{}", indent(rng)) } else { lead.to_owned() };
                        let text =
                            if rng.percent(50) { rng.pick(VALUES).to_owned() } else { format!("c{}", junk(rng, 8)) };
                        self.lines.push(format!("{more}{text}"));
                    }
                }
            }
        }
    }

    /// `s3 =` and an indented block of `name = value` lines (sometimes one without `=`).
    fn nested(&mut self, rng: &mut Rng) {
        let lead = if rng.percent(10) { indent(rng) } else { "" };
        let name = rng.pick(&["s3", "sso", "sts", "S3", "dynamodb", "sso_oidc"]);
        let opener = format!("{lead}{name}{}", rng.pick(&[" =", "=", " = ", " =\t", ":", " : ", " =\u{3000}"]));
        if !self.claim(&opener) {
            return;
        }
        self.lines.push(opener);
        for _ in 0..rng.below(5) {
            let deeper = format!("{lead}{}", indent(rng));
            let sub = rng.pick(&["addressing_style", "Signature_Version", "endpoint_url", "x", "a b", "é", "x"]);
            let line = match rng.below(40) {
                0 | 1 => String::new(),
                2 | 3 => format!("{deeper}# comment"),
                4 => format!("{deeper}{sub}: no equals sign"),
                5 | 6 => format!("{deeper}{sub} = 1\u{2028}y = 2"),
                7 | 8 => format!(
                    "{deeper}{sub} = 1{}y = 2",
                    rng.pick(&["\u{1c}", "\u{1d}", "\u{1e}", "\u{85}", "\u{b}", "\u{c}"])
                ),
                9 | 10 => format!("{deeper}{sub}=a=b"),
                11 => format!("{deeper}= no key"),
                _ => format!("{deeper}{sub}{}{}", rng.pick(&["=", " = ", "\t=\t"]), value(rng)),
            };
            self.lines.push(line);
        }
    }

    fn section(&mut self, rng: &mut Rng) {
        for _ in 0..5 {
            let line = header(rng);
            let name = header_name(&line).unwrap_or_default();
            // [DEFAULT] may repeat; its keys may not (they are tracked under its name).
            if !self.strict || name == "DEFAULT" || !self.sections.contains(&name) {
                self.sections.push(name.clone());
                self.section = name;
                self.lines.push(line);
                break;
            }
        }
        for _ in 0..rng.below(7) {
            match rng.below(100) {
                0..=59 => self.key(rng),
                60..=69 => self.nested(rng),
                70..=79 => self.lines.push(format!(
                    "{}{}{}",
                    if rng.percent(50) { indent(rng) } else { "" },
                    rng.pick(&["#", ";"]),
                    junk(rng, 10)
                )),
                80..=89 => self.lines.push(if rng.percent(60) { String::new() } else { indent(rng).to_owned() }),
                90 | 91 => self.lines.push(
                    rng.pick(&["nope", "[unclosed", "]", "= no key", "just some words", "\u{feff}# bom"]).to_owned(),
                ),
                _ => self.key(rng),
            }
        }
    }
}

/// One file: sections of keys, continued values, nested blocks, comments and blank lines, with
/// one kind of line end (or all mixed), sometimes a BOM, a key before any header, or bytes that
/// are not UTF-8.
fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut file = Lines {
        lines: Vec::new(),
        strict: rng.percent(92),
        sections: Vec::new(),
        keys: Vec::new(),
        section: String::new(),
    };
    if rng.percent(20) {
        file.lines.push(rng.pick(&["# ~/.aws/config", "", "  ; indented comment", "\t"]).to_owned());
    }
    if rng.percent(2) {
        file.key(rng);
    }
    for _ in 0..rng.below(6) {
        file.section(rng);
    }
    let ends = match rng.below(20) {
        0..=10 => vec!["\n"],
        11..=13 => vec!["\r\n"],
        14 | 15 => vec!["\r"],
        _ => vec!["\n", "\r\n", "\r"],
    };
    let mut text = String::new();
    if rng.percent(2) {
        text.push('\u{feff}');
    }
    let count = file.lines.len();
    for (i, line) in file.lines.iter().enumerate() {
        text.push_str(line);
        if i + 1 < count || rng.percent(85) {
            text.push_str(rng.pick(&ends));
        }
    }
    let mut bytes = text.into_bytes();
    if rng.percent(3) {
        let bad: &[u8] =
            rng.pick(&[b"\xff".as_slice(), b"\xe9", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"]);
        // At a character boundary, or at the very end (a truncated last character).
        let text = String::from_utf8(bytes.clone()).unwrap();
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let at = if rng.percent(30) { text.len() } else { rng.pick(&boundaries) };
        bytes.splice(at..at, bad.iter().copied());
    }
    bytes
}

/// `expected-sso.json` in each corpus case (what `tests/it/corpus.rs` runs the helper against) is
/// what botocore's SSO provider makes of the case today.
#[test]
fn the_corpus_sso_resolutions_are_botocores() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/config-files");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let output = Command::new(python())
        .arg("-X")
        .arg("utf8")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/botocore_sso_resolution.py"))
        .args(&dirs)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), dirs.len());
    let mut stale = Vec::new();
    for (dir, line) in dirs.iter().zip(&lines) {
        let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected-sso.json")).unwrap()).unwrap();
        if expected != line["result"] {
            stale.push(format!("{}: botocore now says {}", dir.display(), line["result"]));
        }
    }
    assert!(
        stale.is_empty(),
        "expected-sso.json differs from botocore (regenerate with `botocore_sso_resolution.py --write`):\n{}",
        stale.join("\n")
    );
}
