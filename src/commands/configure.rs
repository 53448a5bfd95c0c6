//! `configure`: the credential_process profile lines for an existing SSO profile, printed, or
//! appended to the config file.
//!
//! For `[profile dev-sso]` (what `aws configure sso` writes) it makes
//!
//! ```ini
//! [profile dev]
//! credential_process = /abs/path/to/aws-sso-credential-process --profile dev-sso
//! region = us-east-1
//! ```
//!
//! The plan is worked out from the parsed config with no I/O (`plan_one`, `plan_all`), the
//! text from plain data (`NewProfile::lines`, `appended`); only [`run`] reads and writes.
//! Writing appends: every existing byte stays as it was (comments, order, spacing, CRLF line
//! endings), after a backup next to the file.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::cli::ConfigureRequest;
use crate::config::file::Profile;
use crate::config::{self, ChainBase, LoadedConfig, PROGRAM_NAME, Resolved, Target};
use crate::env::Environment;
use crate::{Error, ExitKind, Invocation, Outcome, fs_util};

/// Runs `configure`. `executable` is this program's absolute path (`std::env::current_exe`), put
/// in `credential_process`; without it, the bare program name (found on `PATH`) is used.
pub fn run(request: &ConfigureRequest, invocation: &Invocation, executable: Option<&Path>) -> Result<Outcome, Error> {
    let env = &invocation.env;
    let own_names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    let program = helper_program(executable)?;
    let plan = match &request.profile {
        Some(profile) => plan_one(env, profile, request.name.as_deref(), &own_names)?,
        None => plan_all(env, &own_names)?,
    };
    let mut notes: String = plan.skipped.iter().map(|note| format!("# skipped: {note}\n")).collect();
    // A region is not part of credentials: without one the SDKs stop ("You must specify a region").
    for profile in plan.new.iter().filter(|profile| profile.region.is_none()) {
        notes.push_str(&format!(
            "# note: profile `{}` sets no region to copy: add `region = <the region your resources are in>` to {}, or tools using it stop with \"You must specify a region\" unless AWS_REGION is set\n",
            profile.source,
            profile.header()
        ));
    }
    if plan.new.is_empty() {
        return Ok(Outcome { stdout: format!("{notes}{}\n", plan.nothing), exit_code: ExitKind::Success });
    }
    let lines = block(&plan.new, &program);
    if !request.write {
        let stdout = format!("# add to {}:\n{}{notes}", plan.path.display(), text(&lines, "\n"));
        return Ok(Outcome { stdout, exit_code: ExitKind::Success });
    }

    let path = &plan.path;
    let io_error = |what| move |source| Error::Io { what, path: path.clone(), source };
    let original = std::fs::read(path).map_err(io_error("read the config file"))?;
    let permissions = std::fs::metadata(path).map_err(io_error("read the config file"))?.permissions();
    let backup =
        fs_util::write_new_backup(path, &original, permissions).map_err(io_error("back up the config file"))?;
    let written =
        fs_util::replace_keeping_mode(path, &appended(&original, &lines)).map_err(io_error("write the config file"))?;

    let file = if written == *path {
        path.display().to_string()
    } else {
        format!("{} (linked from {})", written.display(), path.display())
    };
    let tries: String = plan
        .new
        .iter()
        .map(|profile| format!("try it: aws sts get-caller-identity --profile {}\n", shell_word(&profile.name)))
        .collect();
    let stdout = format!(
        "backed up {} to {}\nadded to {file}:\n{}\n{tries}{notes}",
        path.display(),
        backup.display(),
        text(&lines, "\n")
    );
    Ok(Outcome { stdout, exit_code: ExitKind::Success })
}

/// What to add, and what to say.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Plan {
    /// The config file.
    path: PathBuf,
    /// The profiles to add, in order.
    new: Vec<NewProfile>,
    /// SSO profiles left out, with the reason (only without `--profile`).
    skipped: Vec<String>,
    /// What to say if there is nothing to add.
    nothing: String,
}

/// A credential_process profile to add.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NewProfile {
    /// Its name.
    name: String,
    /// The profile the helper gets credentials for: an SSO profile, or a role chain resting on one.
    source: String,
    /// `region` of the source profile, copied: SDKs need one, and the helper does not set it.
    region: Option<String>,
    /// `output` of the source profile, copied.
    output: Option<String>,
}

impl NewProfile {
    /// `[profile NAME]`, or `[default]`.
    fn header(&self) -> String {
        if self.name == "default" { "[default]".to_owned() } else { format!("[profile {}]", self.name) }
    }

    /// The section, given the helper's program word (already quoted for a shell).
    fn lines(&self, program: &str) -> Vec<String> {
        let mut lines =
            vec![self.header(), format!("credential_process = {program} --profile {}", command_word(&self.source))];
        lines.extend(self.region.iter().map(|region| format!("region = {region}")));
        lines.extend(self.output.iter().map(|output| format!("output = {output}")));
        lines
    }
}

/// `lines`, each ended by `eol`.
fn text(lines: &[String], eol: &str) -> String {
    lines.iter().flat_map(|line| [line.as_str(), eol]).collect()
}

/// The sections of `profiles`, a blank line between two.
fn block(profiles: &[NewProfile], program: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, profile) in profiles.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.extend(profile.lines(program));
    }
    lines
}

/// The plan for `configure --profile PROFILE [--name NAME]`.
fn plan_one(env: &Environment, profile: &str, name: Option<&str>, own_names: &[&str]) -> Result<Plan, Error> {
    let loaded = config::load(env)?;
    // The same checks (and messages) as the helper itself makes for `--profile PROFILE`.
    config::resolve(&loaded, env, &Target::Profile(Some(profile.to_owned())), own_names)?;
    let name = match name {
        Some(name) => valid_name(name)?.to_owned(),
        None => default_name(profile),
    };
    let path = loaded.path.clone();
    if let Some(existing) = loaded.profile(&name) {
        if config::helper_profile(&existing, own_names).as_deref() == Some(profile) {
            let nothing = format!(
                "already configured: profile `{name}` in `{}` gets its credentials from this helper with --profile {}; nothing to change",
                path.display(),
                shell_word(profile)
            );
            return Ok(Plan { path, new: Vec::new(), skipped: Vec::new(), nothing });
        }
        return Err(Error::Usage(name_taken(&loaded, &name, profile, own_names)));
    }
    let source = loaded.profile(profile).expect("resolved profiles exist");
    Ok(Plan { new: vec![new_profile(name, &source)], path, skipped: Vec::new(), nothing: String::new() })
}

/// The plan for `configure` without `--profile`: every profile that gets credentials from IAM
/// Identity Center (SSO keys, or a role chain resting on them) and that no profile runs this
/// helper for yet, in name order.
// Long by design: the decision per profile (skip, report, add, conflict) in one loop.
fn plan_all(env: &Environment, own_names: &[&str]) -> Result<Plan, Error> {
    let loaded = config::load(env)?;
    let served: BTreeSet<String> =
        loaded.files.profiles().iter().filter_map(|profile| config::helper_profile(profile, own_names)).collect();
    let names: Vec<String> = loaded.files.profile_names().into_iter().map(str::to_owned).collect();

    let (mut new, mut skipped, mut sso_profiles) = (Vec::<NewProfile>::new(), Vec::new(), 0);
    for name in &names {
        // Resolved as `--profile NAME` would be, on the files read once.
        let loaded = &loaded;
        let Some(profile) = loaded.profile(name) else { continue };
        let has_sso_keys = config::has_sso_keys(&profile);
        if !has_sso_keys && profile.get("role_arn").is_none() {
            continue;
        }
        match config::resolve(loaded, env, &Target::Profile(Some(name.clone())), own_names).map_err(Error::from) {
            Ok(Resolved::Sso(_) | Resolved::Chain(config::RoleChain { base: ChainBase::Sso { .. }, .. })) => {}
            // A chain on access keys is not an SSO profile; a broken chain may be meant for a
            // tool that can ask for an MFA code: neither is ours to report on.
            Ok(Resolved::Chain(_)) => continue,
            Err(_) if !has_sso_keys => continue,
            Err(error) => {
                skipped.push(error.one_line());
                continue;
            }
        }
        sso_profiles += 1;
        if served.contains(name) {
            continue;
        }
        let new_name = default_name(name);
        let conflict = if let Some(first) = new.iter().find(|p| p.name == new_name) {
            Some(format!("cannot add profile `{new_name}` for both `{}` and `{name}`", first.source))
        } else if loaded.profile(&new_name).is_some() {
            Some(name_taken(loaded, &new_name, name, own_names))
        } else {
            None
        };
        if let Some(conflict) = conflict {
            return Err(Error::Usage(format!(
                "{conflict}; run `{PROGRAM_NAME} configure --profile {} --name <another name>`",
                shell_word(name)
            )));
        }
        new.push(new_profile(new_name, &profile));
    }
    let path = loaded.path.clone();
    let nothing = if sso_profiles == 0 {
        format!(
            "nothing to do: no profile in `{}`{} gets its credentials from IAM Identity Center (SSO); create one with `aws configure sso`",
            path.display(),
            if path.exists() { "" } else { " (the file does not exist)" }
        )
    } else {
        format!(
            "nothing to do: every IAM Identity Center (SSO) profile in `{}` already has a profile that runs this helper",
            path.display()
        )
    };
    Ok(Plan { path, new, skipped, nothing })
}

fn new_profile(name: String, source: &Profile<'_>) -> NewProfile {
    NewProfile {
        name,
        source: source.name().to_owned(),
        region: source.get("region").map(str::to_owned),
        output: source.get("output").map(str::to_owned),
    }
}

/// Why profile `name`, which exists, cannot be added for `source`.
fn name_taken(loaded: &LoadedConfig, name: &str, source: &str, own_names: &[&str]) -> String {
    let files = match &loaded.credentials_path {
        Some(credentials) if credentials.exists() => {
            format!("`{}` or `{}`", loaded.path.display(), credentials.display())
        }
        _ => format!("`{}`", loaded.path.display()),
    };
    let existing = loaded.profile(name);
    let what = match existing.and_then(|profile| config::helper_profile(&profile, own_names)) {
        Some(other) => format!("runs this helper with --profile {}", shell_word(&other)),
        None if name == source => "is the SSO profile itself".to_owned(),
        None => format!("does not run this helper with --profile {}", shell_word(source)),
    };
    format!("cannot add profile `{name}` for `{source}`: profile `{name}` already exists in {files} and {what}")
}

/// The new profile's name without `--name`: `dev-sso` → `dev`, else `NAME-process`.
fn default_name(profile: &str) -> String {
    match profile.strip_suffix("-sso") {
        Some(base) if !base.is_empty() => base.to_owned(),
        _ => format!("{profile}-process"),
    }
}

/// `name` if the AWS SDKs accept it as a profile name (the Rust SDK ignores a section whose name
/// has other characters).
fn valid_name(name: &str) -> Result<&str, Error> {
    let valid = name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c));
    if valid {
        Ok(name)
    } else {
        Err(Error::Usage(format!(
            "--name {}: a profile name may only have letters, digits and _ - / . % @ : +",
            shell_word(name)
        )))
    }
}

/// The program word of `credential_process`: this executable's path, quoted so that botocore's
/// `shlex.split` and the `sh -c` of the other SDKs both read it as one word.
fn helper_program(executable: Option<&Path>) -> Result<String, Error> {
    let Some(path) = executable else { return Ok(PROGRAM_NAME.to_owned()) };
    let unusable = |why: &str| Error::Io {
        what: "put this program's path in credential_process",
        path: path.to_owned(),
        source: std::io::Error::other(why.to_owned()),
    };
    let text = path.to_str().ok_or_else(|| unusable("it is not valid UTF-8"))?;
    if text.chars().any(char::is_control) {
        return Err(unusable("it has a control character, which cannot be written on one config line"));
    }
    // The Rust SDK's parser ends a value at `#` or `;` after a space or tab (a comment).
    if text.as_bytes().windows(2).any(|pair| matches!(pair, [b' ' | b'\t', b'#' | b';'])) {
        return Err(unusable(
            "the AWS SDK for Rust would read ` #` or ` ;` in it as the start of a comment; install it elsewhere",
        ));
    }
    Ok(command_word(text).into_owned())
}

/// `original` (a config file's bytes) with `lines` appended: after a line break if the last line
/// has none and a blank line if there is none, in the file's own line endings (CRLF if its first
/// line ends with one). Every original byte is kept.
fn appended(original: &[u8], lines: &[String]) -> Vec<u8> {
    let first_break = original.iter().position(|&b| b == b'\n');
    let eol: &[u8] = match first_break {
        Some(i) if i > 0 && original[i - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    let mut text = original.to_vec();
    if !text.is_empty() && !text.ends_with(b"\n") {
        text.extend_from_slice(eol);
    }
    if !text.is_empty() && !ends_with_blank_line(&text) {
        text.extend_from_slice(eol);
    }
    for line in lines {
        text.extend_from_slice(line.as_bytes());
        text.extend_from_slice(eol);
    }
    text
}

/// Whether the last line of `text` (which ends with a line break) is blank.
fn ends_with_blank_line(text: &[u8]) -> bool {
    let without_break = text.strip_suffix(b"\n").unwrap_or(text);
    let without_break = without_break.strip_suffix(b"\r").unwrap_or(without_break);
    let last_line = without_break.rsplit(|&b| b == b'\n').next().unwrap_or_default();
    without_break.is_empty() || last_line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

/// Quotes a word for a POSIX shell (and Python's `shlex`) if it needs it.
fn shell_word(word: &str) -> Cow<'_, str> {
    shlex::try_quote(word).unwrap_or(Cow::Borrowed(word))
}

/// A word of the `credential_process` line, quoted for what runs it here: on Unix botocore's
/// `shlex.split` and the other SDKs' `sh -c` ([`shell_word`]); on Windows botocore's
/// `_windows_shell_split` and the Rust and .NET SDKs' `cmd.exe /C`, which both take a word in
/// double quotes (Windows paths cannot hold one) and not single quotes.
fn command_word(word: &str) -> Cow<'_, str> {
    if cfg!(windows) { windows_word(word) } else { shell_word(word) }
}

/// [`command_word`]'s Windows form: double quotes around a word with a blank or a character
/// `cmd.exe` treats specially.
fn windows_word(word: &str) -> Cow<'_, str> {
    if word.is_empty() || word.chars().any(|c| c.is_whitespace() || "&|<>^%!(),;=".contains(c)) {
        Cow::Owned(format!("\"{word}\""))
    } else {
        Cow::Borrowed(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_words_are_double_quoted_only_when_cmd_needs_it() {
        assert_eq!(
            windows_word(r"C:\Tools\aws-sso-credential-process.exe"),
            r"C:\Tools\aws-sso-credential-process.exe"
        );
        assert_eq!(
            windows_word(r"C:\Program Files\aws-sso-credential-process\aws-sso-credential-process.exe"),
            r#""C:\Program Files\aws-sso-credential-process\aws-sso-credential-process.exe""#
        );
        assert_eq!(windows_word(r"C:\R&D\x.exe"), r#""C:\R&D\x.exe""#);
        assert_eq!(windows_word("dev-sso"), "dev-sso");
    }

    fn env_with(config_text: &str) -> (tempfile::TempDir, Environment) {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config_text).unwrap();
        let env = Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        (home, env)
    }

    const SAMPLE: &str = include_str!("../../examples/config");

    fn new(name: &str, source: &str, region: Option<&str>) -> NewProfile {
        NewProfile { name: name.into(), source: source.into(), region: region.map(Into::into), output: None }
    }

    #[test]
    fn default_names() {
        assert_eq!(default_name("dev-sso"), "dev");
        assert_eq!(default_name("dev"), "dev-process");
        assert_eq!(default_name("-sso"), "-sso-process");
        assert_eq!(default_name("dev-sso-sso"), "dev-sso");
    }

    #[test]
    fn names_are_checked_like_the_sdk_does() {
        assert!(valid_name("team/dev.admin@1:2+3%_-").is_ok());
        for bad in ["a b", "a]", "dév", "a#b"] {
            assert!(matches!(valid_name(bad), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn the_program_path_is_quoted_for_botocore_and_sh() {
        assert_eq!(helper_program(None).unwrap(), PROGRAM_NAME);
        assert_eq!(helper_program(Some(Path::new("/usr/local/bin/x"))).unwrap(), "/usr/local/bin/x");
        let spaced = helper_program(Some(Path::new("/Users/Jo Smith/bin/x"))).unwrap();
        assert_eq!(spaced, "'/Users/Jo Smith/bin/x'");
        assert_eq!(shlex::split(&spaced).unwrap(), ["/Users/Jo Smith/bin/x"]);
        let odd = helper_program(Some(Path::new("/o'brien/$HOME/x"))).unwrap();
        assert_eq!(shlex::split(&odd).unwrap(), ["/o'brien/$HOME/x"]);
        let comment = helper_program(Some(Path::new("/a #1/x"))).unwrap_err().one_line();
        assert!(comment.contains("start of a comment"), "{comment}");
        assert!(helper_program(Some(Path::new("/a#1/x"))).is_ok(), "a # not after a space is no comment");
        assert!(helper_program(Some(Path::new("/a\n/x"))).is_err());
    }

    #[test]
    fn sections_copy_region_and_output() {
        let mut profile = new("dev", "dev-sso", Some("eu-west-1"));
        assert_eq!(
            profile.lines("/bin/x"),
            ["[profile dev]", "credential_process = /bin/x --profile dev-sso", "region = eu-west-1"]
        );
        profile.output = Some("json".into());
        profile.region = None;
        assert_eq!(profile.lines("x")[2], "output = json");
        assert_eq!(new("default", "a%b", None).lines("x"), ["[default]", "credential_process = x --profile 'a%b'"]);
    }

    #[test]
    fn appending_keeps_every_byte_and_the_line_endings() {
        let lines = vec!["[profile a]".to_owned(), "k = v".to_owned()];
        assert_eq!(appended(b"", &lines), b"[profile a]\nk = v\n");
        assert_eq!(appended(b"[x]\ny = 1\n", &lines), b"[x]\ny = 1\n\n[profile a]\nk = v\n");
        assert_eq!(appended(b"[x]\ny = 1", &lines), b"[x]\ny = 1\n\n[profile a]\nk = v\n");
        assert_eq!(appended(b"[x]\ny = 1\n\n", &lines), b"[x]\ny = 1\n\n[profile a]\nk = v\n");
        assert_eq!(appended(b"[x]\ny = 1\n  \t\n", &lines), b"[x]\ny = 1\n  \t\n[profile a]\nk = v\n");
        assert_eq!(appended(b"# only\n", &lines), b"# only\n\n[profile a]\nk = v\n");
        assert_eq!(appended(b"\n", &lines), b"\n[profile a]\nk = v\n");
        assert_eq!(appended(b"[x]\r\ny = 1\r\n", &lines), b"[x]\r\ny = 1\r\n\r\n[profile a]\r\nk = v\r\n");
        assert_eq!(appended(b"[x]\r\ny = 1", &lines), b"[x]\r\ny = 1\r\n\r\n[profile a]\r\nk = v\r\n");
        assert_eq!(appended(b"[x]\r\n\r\n", &lines), b"[x]\r\n\r\n[profile a]\r\nk = v\r\n");
    }

    #[test]
    fn one_sso_profile() {
        let (_home, env) = env_with(&SAMPLE.replace("[profile dev]", "[profile tools]"));
        let plan = plan_one(&env, "dev-sso", None, &[]).unwrap();
        assert_eq!(plan.new, [new("dev", "dev-sso", Some("us-east-1"))]);
        let plan = plan_one(&env, "dev-sso", Some("mine"), &[]).unwrap();
        assert_eq!(plan.new, [new("mine", "dev-sso", Some("us-east-1"))]);
        // A role chain resting on SSO.
        let plan = plan_one(&env, "prod-admin", Some("p"), &[]).unwrap();
        assert_eq!(plan.new, [new("p", "prod-admin", Some("eu-west-1"))]);
        assert_eq!(plan_one(&env, "legacy", None, &[]).unwrap().new, [new("legacy-process", "legacy", None)]);
    }

    #[test]
    fn already_configured_taken_and_unusable_profiles() {
        let (_home, env) = env_with(SAMPLE);
        let plan = plan_one(&env, "dev-sso", None, &[]).unwrap();
        assert!(plan.new.is_empty());
        assert!(plan.nothing.starts_with("already configured: profile `dev`"), "{}", plan.nothing);
        let error = plan_one(&env, "dev-sso", Some("prod"), &[]).unwrap_err().one_line();
        assert!(
            error.contains("profile `prod` already exists")
                && error.ends_with("runs this helper with --profile prod-admin"),
            "{error}"
        );
        let error = plan_one(&env, "dev-sso", Some("legacy"), &[]).unwrap_err().one_line();
        assert!(error.ends_with("does not run this helper with --profile dev-sso"), "{error}");
        let error = plan_one(&env, "dev-sso", Some("dev-sso"), &[]).unwrap_err().one_line();
        assert!(error.ends_with("is the SSO profile itself"), "{error}");
        assert!(matches!(
            plan_one(&env, "nope", None, &[]),
            Err(Error::Config(config::ConfigError::ProfileNotFound { .. }))
        ));
        assert!(matches!(
            plan_one(&env, "dev", None, &[]),
            Err(Error::Config(config::ConfigError::SelfReferencing { .. }))
        ));
    }

    #[test]
    fn every_sso_profile_without_a_helper_profile() {
        let (_home, env) = env_with(SAMPLE);
        let plan = plan_all(&env, &[]).unwrap();
        assert_eq!(plan.new, [new("legacy-process", "legacy", None)]);

        let text = format!(
            "{SAMPLE}\n[profile broken]\nsso_session = nowhere\n\n[profile keys]\naws_access_key_id = AKIAEXAMPLE\n\
             aws_secret_access_key = x\n\n[profile on-keys]\nrole_arn = arn:aws:iam::222222222222:role/A\nsource_profile = keys\n\n\
             [profile legacy-process]\ncredential_process = aws-sso-credential-process --profile legacy\n"
        );
        let (_home, env) = env_with(&text);
        let plan = plan_all(&env, &[]).unwrap();
        assert!(plan.new.is_empty(), "{plan:?}");
        assert_eq!(plan.skipped.len(), 1);
        assert!(plan.skipped[0].contains("profile `broken` refers to sso-session `nowhere`"), "{plan:?}");
        assert!(plan.nothing.contains("already has a profile that runs this helper"), "{}", plan.nothing);

        // Two SSO profiles whose default names collide.
        let text = "[profile a-sso]\nsso_start_url = https://x/start\nsso_region = r\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile a-process-sso]\nsso_start_url = https://x/start\nsso_region = r\nsso_account_id = 1\nsso_role_name = R\n\
                    [profile a]\nsso_start_url = https://x/start\nsso_region = r\nsso_account_id = 1\nsso_role_name = R\n";
        let (_home, env) = env_with(text);
        let error = plan_all(&env, &[]).unwrap_err().one_line();
        assert_eq!(
            error,
            "cannot add profile `a-process` for both `a` and `a-process-sso`; \
             run `aws-sso-credential-process configure --profile a-process-sso --name <another name>`"
        );
        let (_home, env) = env_with(&text.replace("[profile a-process-sso]", "[profile b]"));
        let error = plan_all(&env, &[]).unwrap_err().one_line();
        assert!(error.starts_with("cannot add profile `a` for `a-sso`: profile `a` already exists in `"), "{error}");
        assert!(error.ends_with("does not run this helper with --profile a-sso; run `aws-sso-credential-process configure --profile a-sso --name <another name>`"), "{error}");

        let (_home, env) = env_with("# empty\n");
        let plan = plan_all(&env, &[]).unwrap();
        assert!(plan.new.is_empty() && plan.nothing.contains("no profile in"), "{plan:?}");
    }
}
