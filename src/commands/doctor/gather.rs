//! The I/O of `doctor`: parses the files, reads the token and cache files, stats the folders,
//! then runs every check on that data, in order.

use std::io;
use std::path::{Path, PathBuf};

use super::profiles::Files;
use super::tokens::TokenFile;
use super::{
    Check, Diagnosis, Finding, Severity, Status, access, cli_cache, clock_skew, profiles, sdk_compatibility, tokens,
};
use crate::aws::{LAST_RESPONSE_FILE, LastResponse};
use crate::config::file::{self, ConfigFile, CredentialsFile, SharedConfig};
use crate::config::{self, ConfigError, LoadedConfig, Target};
use crate::env::Environment;
use crate::fs_util;
use crate::{Error, Invocation};

/// Reads both files as the AWS CLI does: the files if the checks can run on them, and the
/// `config-syntax` findings if it refuses one (or one cannot be read). A credentials file that
/// cannot be read is a finding but, as for the AWS CLI and the credential call, an empty file to
/// the other checks.
pub(super) fn load_files(env: &Environment) -> (Option<SharedConfig>, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut fatal = false;
    let credentials_file = env.credentials_file();
    let mut read = |path: Option<PathBuf>| -> Option<file::Ini> {
        let path = path?;
        let parsed = config::read_file(&path).and_then(|bytes| match bytes {
            Some(bytes) => {
                file::parse(&bytes).map(Some).map_err(|source| ConfigError::Parse { path: path.clone(), source })
            }
            None => Ok(None),
        });
        parsed.unwrap_or_else(|error| {
            let skipped = matches!(error, ConfigError::Unreadable { .. }) && Some(&path) == credentials_file.as_ref();
            fatal |= !skipped;
            findings.push(syntax_finding(path, &error, skipped));
            None
        })
    };
    let config = read(env.config_file()).map(ConfigFile::new).unwrap_or_default();
    let credentials = read(credentials_file.clone()).map(CredentialsFile::new).unwrap_or_default();
    ((!fatal).then_some(SharedConfig { config, credentials }), findings)
}

/// `skipped`: an unreadable credentials file, which the AWS CLI and the helper read as empty.
fn syntax_finding(file: PathBuf, error: &ConfigError, skipped: bool) -> Finding {
    let (message, fix) = match error {
        ConfigError::Unreadable { source, .. } if skipped => (
            format!(
                "this helper cannot read the file ({source}); like the AWS CLI it then reads it as empty, so no profile or access key in it is seen"
            ),
            "make the file readable by this user",
        ),
        ConfigError::Parse { source, .. } => (
            format!(
                "the AWS CLI cannot read this file (\"Unable to parse config file\"), nor can this helper, so every profile in it fails: {source}"
            ),
            "correct the line the message names",
        ),
        ConfigError::Unreadable { source, .. } => (
            format!("this helper cannot read the file ({source}), so every profile in it fails"),
            "make the file readable by this user",
        ),
        other => (other.to_string(), "correct the file"),
    };
    Finding {
        check: Check::ConfigSyntax,
        severity: Severity::Problem,
        file,
        section: None,
        message,
        fix: fix.to_owned(),
    }
}

/// Collects findings and statuses in check order.
struct Collector {
    findings: Vec<Finding>,
    statuses: Vec<(Check, Status)>,
}

impl Collector {
    fn add(&mut self, check: Check, found: Vec<Finding>, note: Option<String>) {
        self.statuses.push((check, Status::Ran(note)));
        self.findings.extend(found);
    }

    fn skip(&mut self, check: Check, why: &str) {
        self.statuses.push((check, Status::Skipped(why.to_owned())));
    }
}

/// Reads everything and runs every check.
pub(super) fn diagnose(invocation: &Invocation) -> Result<Diagnosis, Error> {
    let env = &invocation.env;
    let now = invocation.now;
    let config_file = env.config_file().ok_or(ConfigError::NoHome)?;
    let credentials_file = env.credentials_file();
    let aws_dir = env.aws_dir();
    let cache_dir = env.cache_dir();
    let names: Vec<&str> = invocation.program_name.iter().map(String::as_str).collect();
    let mut out = Collector { findings: Vec::new(), statuses: Vec::new() };
    home_check(&mut out, env);

    // The files are read once: every check, and the helper's own resolution of the targets of
    // `credential_process` lines, work on what was read.
    let (files, findings) = load_files(env);
    out.add(Check::ConfigSyntax, findings, None);
    let loaded = files.map(|files| LoadedConfig {
        files,
        path: config_file.clone(),
        credentials_path: credentials_file.clone(),
        credentials_unreadable: None,
    });
    let files = loaded.as_ref().map(|loaded| Files {
        config_path: &config_file,
        credentials_path: credentials_file.as_deref(),
        shared: &loaded.files,
        program_names: &names,
    });
    let resolve = |target: &Target| -> Result<(), ConfigError> {
        let loaded = loaded.as_ref().expect("checks that resolve run only on files that were read");
        config::resolve(loaded, env, target, &names).map(|_| ())
    };

    for check in Check::ALL.into_iter().skip(2) {
        if !check.needs_config() {
            let paths = (config_file.as_path(), credentials_file.as_deref(), aws_dir.as_deref(), cache_dir.as_deref());
            run_file_check(check, &mut out, paths, now);
            continue;
        }
        let Some(files) = &files else {
            out.skip(check, "the config files cannot be parsed");
            continue;
        };
        run_config_check(check, &mut out, files, &resolve, aws_dir.as_deref(), now);
    }

    Ok(Diagnosis {
        config_exists: config_file.exists(),
        credentials_exists: credentials_file.as_ref().is_some_and(|p| p.exists()),
        config_file,
        credentials_file,
        findings: out.findings,
        statuses: out.statuses,
    })
}

/// Runs a check that reads the parsed files.
fn run_config_check(
    check: Check,
    out: &mut Collector,
    files: &Files<'_>,
    resolve: &dyn Fn(&Target) -> Result<(), ConfigError>,
    aws_dir: Option<&Path>,
    now: time::OffsetDateTime,
) {
    match check {
        Check::SdkCompatibility => {
            let config = (files.config_path, &files.shared.config.ini);
            let credentials = files.credentials_path.map(|path| (path, &files.shared.credentials.ini));
            out.add(check, sdk_compatibility::check(config, credentials), None);
        }
        Check::LegacyLayout => out.add(check, profiles::legacy_layout(files), None),
        Check::MissingRegistrationScopes => out.add(check, profiles::missing_registration_scopes(files), None),
        Check::RecursiveCredentialProcess => {
            out.add(check, profiles::recursive_credential_process(files, resolve), None)
        }
        Check::UnresolvableProfile => out.add(check, profiles::unresolvable_profiles(files, resolve), None),
        Check::IgnoredCredentialProcess => out.add(check, profiles::ignored_credential_process(files), None),
        Check::MissingRegion => out.add(check, profiles::missing_region(files), None),
        Check::HardCodedSessionToken => out.add(check, profiles::hard_coded_session_token(files), None),
        Check::LongTermKeys => out.add(check, profiles::long_term_keys(files), None),
        Check::TokenFileUnparseable => token_checks(out, files, aws_dir, now),
        // Checked with TokenFileUnparseable, from the same files; the rest do not read the config.
        _ => {}
    }
}

/// `token-file-unparseable` and `expired-token`, from the token files of the sessions the config
/// names.
fn token_checks(out: &mut Collector, files: &Files<'_>, aws_dir: Option<&Path>, now: time::OffsetDateTime) {
    let Some(aws_dir) = aws_dir else {
        for check in [Check::TokenFileUnparseable, Check::MissingToken, Check::ExpiredToken] {
            out.skip(check, "no home folder");
        }
        return;
    };
    let sessions = profiles::token_sessions(files);
    let configured = sessions.len();
    let (token_files, missing) = read_token_files(aws_dir, sessions);
    let missing = missing_tokens(missing);
    let (unparseable, expired) = tokens::check(&token_files, now);
    let note = match token_files.len() {
        0 if configured == 0 => "no SSO sessions configured".to_owned(),
        0 => "no token files: nobody has logged in with these sessions".to_owned(),
        1 => "1 token file read".to_owned(),
        n => format!("{n} token files read"),
    };
    out.add(Check::TokenFileUnparseable, unparseable, Some(note));
    out.add(Check::MissingToken, missing, None);
    out.add(Check::ExpiredToken, expired, None);
}

/// `missing-token`: a session the config names that nobody has signed in with, so every profile
/// using it fails (exit 3), as the credential call would say.
fn missing_tokens(missing: Vec<(config::SsoSession, PathBuf)>) -> Vec<Finding> {
    missing
        .into_iter()
        .map(|(session, path)| {
            let section = match &session {
                config::SsoSession::Named { name, .. } => Some(super::Section::SsoSession(name.clone())),
                config::SsoSession::Legacy { .. } => None,
            };
            Finding {
                check: Check::MissingToken,
                severity: Severity::Problem,
                file: path,
                section,
                message: format!(
                    "nobody has signed in with the {session} on this machine (it has no token file): every profile using it fails (exit 3) until someone does"
                ),
                fix: format!("run {}", session.login_commands()),
            }
        })
        .collect()
}

/// The config file, the credentials file, `~/.aws` and this program's cache folder.
type Paths<'a> = (&'a Path, Option<&'a Path>, Option<&'a Path>, Option<&'a Path>);

/// The checks of files and caches that do not read the config.
fn run_file_check(check: Check, out: &mut Collector, paths: Paths<'_>, now: time::OffsetDateTime) {
    let (config_file, credentials_file, aws_dir, cache_dir) = paths;
    match check {
        Check::FileModes => file_modes_check(out, config_file, credentials_file, aws_dir, cache_dir),
        Check::UnusableFiles => {
            let probed = probe_access(aws_dir, cache_dir);
            let note = format!("{} folders and files looked at", probed.1);
            out.add(check, access::unusable(&probed.0), Some(note));
        }
        Check::ExpiredCliCache => {
            let Some(aws_dir) = aws_dir else { return out.skip(check, "no home folder") };
            let folder = aws_dir.join("cli").join("cache");
            if !folder.is_dir() {
                return out.add(check, Vec::new(), Some("no AWS CLI cache folder".to_owned()));
            }
            let files: Vec<(PathBuf, Vec<u8>)> = fs_util::json_files(&folder)
                .into_iter()
                .filter_map(|path| Some((path.clone(), std::fs::read(&path).ok()?)))
                .collect();
            let (finding, note) = cli_cache::check(&folder, &files, now);
            out.add(check, finding.into_iter().collect(), Some(note));
        }
        Check::ClockSkew => {
            let Some(cache_dir) = cache_dir else { return out.skip(check, "no cache folder") };
            match clock_skew::check(LastResponse::read(cache_dir).as_ref(), &cache_dir.join(LAST_RESPONSE_FILE)) {
                Ok(finding) => out.add(check, vec![finding], None),
                Err(Status::Ran(note)) => out.add(check, Vec::new(), note),
                Err(Status::Skipped(why)) => out.skip(check, &why),
            }
        }
        _ => {}
    }
}

#[cfg(unix)]
fn file_modes_check(
    out: &mut Collector,
    config_file: &Path,
    credentials_file: Option<&Path>,
    aws_dir: Option<&Path>,
    cache_dir: Option<&Path>,
) {
    use super::file_modes::{self, Entry, Kind};
    use std::os::unix::fs::MetadataExt;
    let mut entries = Vec::new();
    let mut stat = |path: &Path, kind: Kind| {
        if let Ok(meta) = std::fs::metadata(path) {
            entries.push(Entry { path: path.to_path_buf(), kind, mode: meta.mode(), owner: meta.uid() });
        }
    };
    stat(config_file, Kind::ConfigFile);
    if let Some(path) = credentials_file {
        stat(path, Kind::CredentialsFile);
    }
    if let Some(aws_dir) = aws_dir {
        stat(aws_dir, Kind::Folder);
        for parent in ["sso", "cli"] {
            stat(&aws_dir.join(parent), Kind::Folder);
            let folder = aws_dir.join(parent).join("cache");
            stat(&folder, Kind::CacheFolder);
            for file in fs_util::regular_files(&folder) {
                stat(&file, Kind::CacheFile);
            }
        }
    }
    if let Some(cache_dir) = cache_dir {
        stat(cache_dir, Kind::HelperFolder);
        stat(&cache_dir.join("locks"), Kind::HelperFolder);
    }
    let checked = entries.len();
    let found = file_modes::check(&entries, crate::fs_util::our_uid());
    out.add(Check::FileModes, found, Some(format!("{checked} files and folders checked")));
}

#[cfg(not(unix))]
fn file_modes_check(out: &mut Collector, _: &Path, _: Option<&Path>, _: Option<&Path>, _: Option<&Path>) {
    out.skip(
        Check::FileModes,
        "Windows: the files inherit the access list of your profile folder (you, SYSTEM and administrators); not examined",
    );
}

/// `home-folder`: the home folder must exist for anything to work.
fn home_check(out: &mut Collector, env: &Environment) {
    let Some(home) = env.home() else { return out.skip(Check::HomeFolder, "no home folder set") };
    let variable = if env.get("HOME").is_some() { "$HOME" } else { "%USERPROFILE%" };
    let problem = match std::fs::metadata(&home) {
        Ok(meta) if meta.is_dir() => None,
        Ok(_) => Some("is not a folder".to_owned()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Some("does not exist".to_owned()),
        Err(e) => Some(format!("cannot be examined ({e})")),
    };
    out.add(Check::HomeFolder, access::home_folder(&home, variable, problem.as_deref()).into_iter().collect(), None);
}

/// `unusable-files`: the cache and lock folders this user must list and write to (or, for one
/// not created yet, the folder it would be created in), the AWS CLI cache files it must read and
/// the lock files it must open for writing. Only looks: nothing is created or locked. Returns the
/// paths that fail, and how many were looked at.
fn probe_access(aws_dir: Option<&Path>, cache_dir: Option<&Path>) -> (Vec<access::Probed>, usize) {
    use access::{Probed, Role};
    let mut probed = Vec::new();
    let mut looked_at = 0;
    let mut folders: Vec<(PathBuf, Role)> = Vec::new();
    if let Some(aws_dir) = aws_dir {
        folders.push((aws_dir.join("sso").join("cache"), Role::TokenFolder));
        folders.push((aws_dir.join("cli").join("cache"), Role::CredentialFolder));
    }
    if let Some(cache_dir) = cache_dir {
        folders.push((crate::lock::LockDir::new(cache_dir).path().to_path_buf(), Role::LockFolder));
    }
    for (folder, role) in folders {
        // A folder not created yet is created by the first caller: its nearest existing
        // ancestor must then be writable.
        let Some(existing) = folder.ancestors().find(|a| a.exists()) else { continue };
        looked_at += 1;
        if let Some(error) = folder_access(existing) {
            let error =
                if existing == folder { error } else { format!("cannot create it in {}: {error}", existing.display()) };
            probed.push(Probed { foreign: foreign(existing), path: folder.clone(), role, error });
            continue;
        }
        let files = fs_util::regular_files(&folder);
        for file in files {
            let (role, opened) = match role {
                Role::CredentialFolder if file.extension().is_some_and(|e| e == "json") => {
                    (Role::CredentialFile, std::fs::File::open(&file).map(drop))
                }
                Role::LockFolder if file.extension().is_some_and(|e| e == "lock") => {
                    (Role::LockFile, std::fs::OpenOptions::new().write(true).open(&file).map(drop))
                }
                _ => continue,
            };
            looked_at += 1;
            if let Err(e) = opened {
                probed.push(Probed { foreign: foreign(&file), path: file, role, error: e.to_string() });
            }
        }
    }
    (probed, looked_at)
}

/// Why this user cannot list and write to `folder`, if it cannot.
#[cfg(unix)]
fn folder_access(folder: &Path) -> Option<String> {
    use rustix::fs::{Access, AtFlags, CWD, accessat};
    let wanted = Access::READ_OK | Access::WRITE_OK | Access::EXEC_OK;
    accessat(CWD, folder, wanted, AtFlags::EACCESS).err().map(|e| io::Error::from(e).to_string())
}

/// Why this user cannot list `folder`, if it cannot (Windows folders' ACLs are not examined).
#[cfg(not(unix))]
fn folder_access(folder: &Path) -> Option<String> {
    std::fs::read_dir(folder).err().map(|e| e.to_string())
}

/// Whether another user owns `path`.
#[cfg(unix)]
fn foreign(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).is_ok_and(|meta| meta.uid() != crate::fs_util::our_uid())
}

#[cfg(not(unix))]
fn foreign(_: &Path) -> bool {
    false
}

/// The token file of each session that has one, and the sessions (with the path) that have none.
fn read_token_files(
    aws_dir: &Path,
    sessions: Vec<config::SsoSession>,
) -> (Vec<TokenFile>, Vec<(config::SsoSession, PathBuf)>) {
    let (mut files, mut missing) = (Vec::new(), Vec::new());
    for session in sessions {
        let path = crate::token::cache::token_path(aws_dir, &session);
        let contents = match std::fs::read(&path) {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push((session, path));
                continue;
            }
            Err(e) => Err(e.to_string()),
        };
        files.push(TokenFile { session, path, contents });
    }
    (files, missing)
}
