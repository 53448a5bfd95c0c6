//! Checks of what the config and credentials files say: the legacy layout, registration scopes,
//! `credential_process` lines that run this helper, and keys written into the files.

use std::ffi::OsString;
use std::path::Path;

use super::{Check, Finding, Section, Severity, shell_word};
use crate::cli::{self, Command, NotRun};
use crate::config::file::{Profile, Section as IniSection, SectionKind, SharedConfig, section_kind};
use crate::config::{ConfigError, SSO_PROFILE_KEYS, SsoSession, Target, has_sso_keys, is_this_helper};

/// The scope that makes `aws sso login` ask for a refresh token.
pub(super) const REFRESH_SCOPE: &str = "sso:account:access";

/// One file's profiles: each name with its section in that file.
type FileProfiles<'a> = Vec<(&'a str, &'a IniSection)>;

/// The parsed files, as the AWS CLI combines them (each file's sections still apart).
pub(super) struct Files<'a> {
    /// The config file's path.
    pub config_path: &'a Path,
    /// The credentials file's path.
    pub credentials_path: Option<&'a Path>,
    /// Both files.
    pub shared: &'a SharedConfig,
    /// The names this program answers to, to recognise it in a `credential_process`.
    pub program_names: &'a [&'a str],
}

impl<'a> Files<'a> {
    /// The profiles of both files, sorted by name.
    fn profiles(&self) -> Vec<Profile<'a>> {
        self.shared.profiles()
    }

    /// Where `key` of profile `name` is written: the config file if it has it there, else the
    /// credentials file; with the profile's header in that file.
    fn location(&self, name: &str, key: &str) -> (&'a Path, Section) {
        let in_config = self.shared.profile(name).is_some_and(|p| p.in_config(key));
        match self.credentials_path {
            Some(path) if !in_config => (path, profile_section(name, false)),
            _ => (self.config_path, profile_section(name, true)),
        }
    }

    /// Each file alone: its profiles' sections sorted by profile name, its path, and whether it is
    /// the config file.
    fn each_file(&self) -> Vec<(FileProfiles<'a>, &'a Path, bool)> {
        let profiles = self.profiles();
        let in_config = profiles.iter().filter_map(|p| Some((p.name(), p.config?))).collect();
        let mut files = vec![(in_config, self.config_path, true)];
        if let Some(path) = self.credentials_path {
            files.push((profiles.iter().filter_map(|p| Some((p.name(), p.credentials?))).collect(), path, false));
        }
        files
    }

    /// The `[sso-session]` names, sorted.
    fn sso_session_names(&self) -> Vec<&'a str> {
        let mut names: Vec<&str> = self.shared.config.sso_sessions().map(|(name, _)| name).collect();
        names.sort_unstable();
        names
    }

    /// The SSO profile to point a `credential_process` at: one shell word (a name, or a
    /// placeholder), and a note naming the choices when there is not exactly one.
    fn sso_profile_hint(&self) -> (String, Option<String>) {
        let names: Vec<&str> = self.profiles().into_iter().filter(is_sso_role_profile).map(|p| p.name()).collect();
        match names.as_slice() {
            [one] => (shell_word(one), None),
            [] => ("<an SSO profile>".to_owned(), Some("(create one with `aws configure sso`)".to_owned())),
            many => ("<an SSO profile>".to_owned(), Some(format!("(the SSO profiles here: {})", many.join(", ")))),
        }
    }
}

/// How to sign in to `[sso-session NAME]`: this program's `login`, then the AWS CLI's.
fn login_commands(name: &str) -> String {
    let name = shell_word(name);
    format!("`{} login --sso-session {name}` (or `aws sso login --sso-session {name}`)", crate::program::PROGRAM_NAME)
}

/// The section of profile `name`, headed as in the config file or in the credentials file.
fn profile_section(name: &str, in_config: bool) -> Section {
    let header = match (in_config, name) {
        (true, "default") => "[default]".to_owned(),
        (true, _) => format!("[profile {name}]"),
        (false, _) => format!("[{name}]"),
    };
    Section::Profile { name: name.to_owned(), header }
}

fn header(section: &Section) -> &str {
    match section {
        Section::Profile { header, .. } => header,
        Section::SsoSession(_) => "",
    }
}

/// A profile the helper can get SSO role credentials for.
fn is_sso_role_profile(profile: &Profile<'_>) -> bool {
    (profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some())
        && profile.get("sso_account_id").is_some()
        && profile.get("sso_role_name").is_some()
}

/// A profile's `credential_process` that runs this helper, split into words and parsed as the
/// helper would parse them.
struct HelperCommand {
    words: Vec<String>,
    /// The target, or why the helper would refuse the arguments.
    target: Result<Target, String>,
}

impl HelperCommand {
    fn of(profile: &Profile<'_>, program_names: &[&str]) -> Option<Self> {
        let words = shlex::split(profile.get("credential_process")?)?;
        if !is_this_helper(words.first()?, program_names) {
            return None;
        }
        let target = match cli::parse(words.iter().map(OsString::from)) {
            Ok(parsed) => match parsed.command {
                Command::Credentials(request) => Ok(request.target),
                _ => Err("it runs a subcommand, which prints no credentials".to_owned()),
            },
            Err(NotRun::Usage(message)) => Err(message.trim_end_matches("; see --help").to_owned()),
            Err(NotRun::Info(_)) => Err("--help and --version print text, not credentials".to_owned()),
        };
        Some(Self { words, target })
    }

    /// The command with `--profile` set to `profile` (already a shell word), added if missing.
    fn with_profile(&self, profile: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut replaced = false;
        let mut words = self.words.iter();
        while let Some(word) = words.next() {
            if word == "--profile" {
                words.next();
                out.extend(["--profile".to_owned(), profile.to_owned()]);
                replaced = true;
            } else if word.starts_with("--profile=") {
                out.push(format!("--profile={profile}"));
                replaced = true;
            } else {
                out.push(shell_word(word));
            }
        }
        if !replaced {
            out.extend(["--profile".to_owned(), profile.to_owned()]);
        }
        out.join(" ")
    }

    /// The command with `--start-url URL --region R` replaced by `--sso-session NAME`.
    fn with_sso_session(&self, name: &str) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut words = self.words.iter();
        while let Some(word) = words.next() {
            match word.as_str() {
                "--start-url" => {
                    words.next();
                    out.extend(["--sso-session".to_owned(), shell_word(name)]);
                }
                "--region" => {
                    words.next();
                }
                w if w.starts_with("--start-url=") => out.extend(["--sso-session".to_owned(), shell_word(name)]),
                w if w.starts_with("--region=") => {}
                _ => out.push(shell_word(word)),
            }
        }
        out.join(" ")
    }
}

/// The sso-session to move a legacy start URL to: an existing section with that start URL, else
/// a new one named after the portal (`d-1234567890` for `https://d-1234567890.awsapps.com/start`)
/// or, if that name is taken, after the profile. Returns the name and whether it exists.
fn session_for(profiles: &SharedConfig, start_url: &str, profile: &str) -> (String, bool) {
    let mut sessions: Vec<&str> = profiles.config.sso_sessions().map(|(name, _)| name).collect();
    sessions.sort_unstable();
    if let Some(existing) =
        sessions.iter().find(|name| profiles.sso_session(name).and_then(|s| s.get("sso_start_url")) == Some(start_url))
    {
        return ((*existing).to_owned(), true);
    }
    let portal = start_url
        .split_once("://")
        .map_or(start_url, |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .and_then(|host| host.strip_suffix(".awsapps.com"))
        .filter(|label| !label.is_empty() && !label.contains('.'));
    match portal {
        Some(label) if profiles.sso_session(label).is_none() => (label.to_owned(), false),
        _ => (profile.to_owned(), false),
    }
}

/// The lines of a new `[sso-session]` section, as `aws configure sso-session` writes them.
fn session_section_lines(name: &str, start_url: &str, region: Option<&str>) -> String {
    format!(
        "  [sso-session {name}]\n  sso_start_url = {start_url}\n  sso_region = {}\n  sso_registration_scopes = {REFRESH_SCOPE}",
        region.unwrap_or("<the IAM Identity Center region>")
    )
}

/// The fix for a legacy start URL: `reuse` + `change` if the sso-session `session` already exists
/// (`exists`), else the section to add and then `change`; either way, the login that follows.
fn move_to_session(
    (session, exists): (&str, bool),
    reuse: String,
    start_url: &str,
    region: Option<&str>,
    change: &str,
) -> String {
    let login = format!("then run {}", login_commands(session));
    if exists {
        format!("{reuse}{change}\n{login}")
    } else {
        format!(
            "add this section (what `aws configure sso-session` writes):\n{}\nand {change}\n{login}",
            session_section_lines(session, start_url, region)
        )
    }
}

const NEVER_REFRESHED: &str = "it cannot be refreshed, and everything using the profile fails when it expires until someone runs `aws sso login` again";

/// The SSO sessions whose token files the config points at: each `[sso-session]`, each legacy
/// start URL of a profile, each `--start-url` of a helper command line; sorted, no repeats.
pub(super) fn token_sessions(files: &Files<'_>) -> Vec<SsoSession> {
    let mut sessions: Vec<SsoSession> = files
        .sso_session_names()
        .into_iter()
        .map(|name| {
            let section = files.shared.sso_session(name);
            let key = |key: &str| section.and_then(|s| s.get(key)).unwrap_or_default().to_owned();
            SsoSession::Named { name: name.to_owned(), start_url: key("sso_start_url"), region: key("sso_region") }
        })
        .collect();
    let mut legacy: Vec<SsoSession> = Vec::new();
    for profile in files.profiles() {
        let (start_url, region, login_profile) = match (profile.get("sso_start_url"), profile.get("sso_session")) {
            (Some(url), None) => (
                url.to_owned(),
                profile.get("sso_region").unwrap_or_default().to_owned(),
                Some(profile.name().to_owned()),
            ),
            _ => match HelperCommand::of(&profile, files.program_names).map(|c| c.target) {
                Some(Ok(Target::StartUrl { start_url, region, .. })) => (start_url, region, None),
                _ => continue,
            },
        };
        match legacy.iter_mut().find(|s| s.start_url() == start_url) {
            // A profile with the legacy keys names the login command; a command line cannot.
            Some(SsoSession::Legacy { login_profile: existing @ None, .. }) => *existing = login_profile,
            Some(_) => {}
            None => legacy.push(SsoSession::Legacy { start_url, region, login_profile }),
        }
    }
    legacy.sort_by(|a, b| a.start_url().cmp(b.start_url()));
    sessions.extend(legacy);
    sessions
}

/// `legacy-layout`: `sso_start_url` in a profile without `sso_session`, or a helper command line
/// with `--start-url`.
pub(super) fn legacy_layout(files: &Files<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for profile in files.profiles() {
        let name = profile.name();
        if let (Some(start_url), None) = (profile.get("sso_start_url"), profile.get("sso_session")) {
            let (file, section) = files.location(name, "sso_start_url");
            let (session, exists) = session_for(files.shared, start_url, name);
            let switch = format!(
                "in {}, replace sso_start_url and sso_region with\n  sso_session = {session}",
                header(&section)
            );
            let fix = move_to_session(
                (&session, exists),
                format!("use the [sso-session {session}] section, which has the same start URL: "),
                start_url,
                profile.get("sso_region"),
                &switch,
            );
            findings.push(Finding {
                check: Check::LegacyLayout,
                severity: Severity::Problem,
                file: file.to_path_buf(),
                section: Some(section),
                message: format!(
                    "the profile sets sso_start_url itself instead of sso_session (the legacy layout), so `aws sso login` caches its token without a refresh token: {NEVER_REFRESHED}"
                ),
                fix,
            });
        }
        if let Some(command) = HelperCommand::of(&profile, files.program_names)
            && let Ok(Target::StartUrl { start_url, region, .. }) = &command.target
        {
            let (file, section) = files.location(name, "credential_process");
            let (session, exists) = session_for(files.shared, start_url, name);
            let new_line = format!(
                "in {}, use it instead of --start-url and --region:\n  credential_process = {}",
                header(&section),
                command.with_sso_session(&session)
            );
            let fix = move_to_session(
                (&session, exists),
                format!("the [sso-session {session}] section has the same start URL; "),
                start_url,
                Some(region.as_str()).filter(|r| !r.is_empty()),
                &new_line,
            );
            findings.push(Finding {
                check: Check::LegacyLayout,
                severity: Severity::Problem,
                file: file.to_path_buf(),
                section: Some(section),
                message: format!(
                    "its credential_process runs this helper with --start-url (the legacy layout), so the token it uses has no refresh token: {NEVER_REFRESHED}"
                ),
                fix,
            });
        }
    }
    findings
}

/// `missing-registration-scopes`: an `[sso-session]` whose `sso_registration_scopes` lacks
/// `sso:account:access`.
pub(super) fn missing_registration_scopes(files: &Files<'_>) -> Vec<Finding> {
    files
        .sso_session_names()
        .into_iter()
        .filter_map(|name| {
            let scopes = files.shared.sso_session(name)?.get("sso_registration_scopes");
            if scopes.is_some_and(|s| s.split(',').any(|scope| scope.trim() == REFRESH_SCOPE)) {
                return None;
            }
            let consequence = format!(
                "so `aws sso login` registers its client without the {REFRESH_SCOPE} scope and gets no refresh token: the token cannot be refreshed, and every profile using this session fails when it expires until someone logs in again"
            );
            let (message, change) = match scopes {
                None => (
                    format!("the section has no sso_registration_scopes, {consequence}"),
                    format!("add to [sso-session {name}]:\n  sso_registration_scopes = {REFRESH_SCOPE}"),
                ),
                Some(scopes) => (
                    format!("its sso_registration_scopes ({scopes}) lacks {REFRESH_SCOPE}, {consequence}"),
                    format!(
                        "in [sso-session {name}], change it to:\n  sso_registration_scopes = {}, {REFRESH_SCOPE}",
                        scopes.trim()
                    ),
                ),
            };
            Some(Finding {
                check: Check::MissingRegistrationScopes,
                severity: Severity::Problem,
                file: files.config_path.to_path_buf(),
                section: Some(Section::SsoSession(name.to_owned())),
                message,
                fix: format!("{change}\nthen run {}", login_commands(name)),
            })
        })
        .collect()
}

/// Where following `--profile` from one helper command to the next ends.
#[derive(Debug, PartialEq, Eq)]
enum Walk {
    /// Back at a profile already seen: the profiles in order, the repeated one last.
    Loop(Vec<String>),
    /// At a profile with SSO keys or `role_arn`: the one to point at instead.
    EndsAt(String),
    /// At a missing profile or one without credentials.
    DeadEnd,
}

fn walk(files: &Files<'_>, start: &str, first: &str) -> Walk {
    let mut visited = vec![start.to_owned()];
    let mut current = first.to_owned();
    loop {
        if visited.contains(&current) {
            visited.push(current);
            return Walk::Loop(visited);
        }
        let Some(profile) = files.shared.profile(&current) else { return Walk::DeadEnd };
        if has_sso_keys(&profile) || profile.get("role_arn").is_some() {
            return Walk::EndsAt(current);
        }
        // The link the helper's own chain resolution follows (`config::helper_profile`).
        match crate::config::helper_profile(&profile, files.program_names) {
            Some(next) => {
                visited.push(current);
                current = next;
            }
            None => return Walk::DeadEnd,
        }
    }
}

/// `recursive-credential-process`: a profile whose `credential_process` runs this helper with
/// arguments it would refuse: its own profile, a loop, a profile that itself runs the helper, a
/// profile without SSO keys or `role_arn`, or no target at all. `resolve` is the helper's own
/// resolution of a target against these files.
// Long by design: one finding per way a command line can go wrong, each with its own message and
// fix; the cases read best side by side.
pub(super) fn recursive_credential_process(
    files: &Files<'_>,
    resolve: &dyn Fn(&Target) -> Result<(), ConfigError>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for profile in files.profiles() {
        let name = profile.name();
        let Some(command) = HelperCommand::of(&profile, files.program_names) else { continue };
        let (file, section) = files.location(name, "credential_process");
        let (hint, note) = files.sso_profile_hint();
        let point_at_sso = format!(
            "point --profile at the SSO profile (one with sso_session, sso_account_id and sso_role_name):\n  credential_process = {}{}",
            command.with_profile(&hint),
            note.as_ref().map(|n| format!("\n{n}")).unwrap_or_default()
        );
        let (message, fix) = match &command.target {
            Err(why) => (
                format!("its credential_process runs this helper with arguments it refuses: {why}"),
                format!(
                    "correct the command line (see `aws-sso-credential-process --help`), or point it at the SSO profile:\n  credential_process = {} --profile {hint}{}",
                    shell_word(&command.words[0]),
                    note.as_ref().map(|n| format!("\n{n}")).unwrap_or_default()
                ),
            ),
            Ok(Target::Profile(None)) => (
                "its credential_process runs this helper without --profile, so the helper takes AWS_PROFILE from whatever runs it: for a tool using this very profile, that is this profile, which the helper refuses".to_owned(),
                point_at_sso,
            ),
            Ok(target) => match resolve(target) {
                Ok(()) => continue,
                Err(error) => {
                    let Target::Profile(Some(target_name)) = target else {
                        findings.push(Finding {
                            check: Check::RecursiveCredentialProcess,
                            severity: Severity::Problem,
                            file: file.to_path_buf(),
                            section: Some(section),
                            message: format!("its credential_process runs this helper, which refuses it: {error}"),
                            fix: "fix the configuration as the message says".to_owned(),
                        });
                        continue;
                    };
                    let refused = matches!(error, ConfigError::SelfReferencing { .. });
                    match walk(files, name, target_name) {
                        Walk::Loop(path) if refused => {
                            let why = if path.len() == 2 {
                                format!("--profile {target_name}, the profile itself")
                            } else {
                                format!("--profile {target_name}, which leads back here ({})", path.join(" → "))
                            };
                            (
                                format!(
                                    "its credential_process runs this helper with {why}: the helper would run itself forever, so it refuses"
                                ),
                                point_at_sso,
                            )
                        }
                        Walk::EndsAt(end) if refused => (
                            format!(
                                "its credential_process runs this helper with --profile {target_name}, but profile `{target_name}` gets its credentials from this helper too, and the helper refuses a profile that runs it (it never runs a credential_process)"
                            ),
                            format!(
                                "point --profile at the profile that one leads to:\n  credential_process = {}",
                                command.with_profile(&shell_word(&end))
                            ),
                        ),
                        _ => (
                            format!(
                                "its credential_process runs this helper with --profile {target_name}, which the helper refuses: {error}"
                            ),
                            format!("fix profile `{target_name}` as the message says, or {point_at_sso}"),
                        ),
                    }
                }
            },
        };
        findings.push(Finding {
            check: Check::RecursiveCredentialProcess,
            severity: Severity::Problem,
            file: file.to_path_buf(),
            section: Some(section),
            message,
            fix,
        });
    }
    findings
}

/// `unresolvable-profile`: a profile with SSO keys or `role_arn` that the helper refuses, with the
/// line the credential call would print (exit 2): a missing `[sso-session]`, a missing key, a
/// `source_profile` that does not exist, a loop, a value out of range. Not reported: a profile
/// that runs this helper (`recursive-credential-process`'s), and role profiles that are for the
/// AWS CLI rather than this helper (`mfa_serial`, `credential_source`, a web identity or
/// `credential_process` at the base), which the CLI may well use.
pub(super) fn unresolvable_profiles(
    files: &Files<'_>,
    resolve: &dyn Fn(&Target) -> Result<(), ConfigError>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for profile in files.profiles() {
        let key = SSO_PROFILE_KEYS.into_iter().chain(["role_arn"]).find(|key| profile.get(key).is_some());
        let Some(key) = key else { continue };
        let Err(error) = resolve(&Target::Profile(Some(profile.name().to_owned()))) else { continue };
        let not_for_this_helper = |error: &ConfigError| {
            matches!(
                error,
                ConfigError::SelfReferencing { .. }
                    | ConfigError::MfaRequired { .. }
                    | ConfigError::CredentialSource { .. }
                    | ConfigError::UnsupportedSource { .. }
            )
        };
        if not_for_this_helper(&error) {
            continue;
        }
        let (file, section) = files.location(profile.name(), key);
        findings.push(Finding {
            check: Check::UnresolvableProfile,
            severity: Severity::Problem,
            file: file.to_path_buf(),
            section: Some(section),
            message: format!(
                "the helper refuses the profile, so every credential call for it fails (exit 2): {}",
                crate::Error::from(error).one_line()
            ),
            fix: "correct the profile as the message says".to_owned(),
        });
    }
    findings.extend(unprefixed_sections(files));
    findings
}

/// Sections of the config file named like a profile without the `profile ` prefix (`[dev-sso]`,
/// the likeliest slip when writing one by hand) that hold profile keys: botocore's
/// `build_profile_map` ignores them, and so does everything else.
fn unprefixed_sections(files: &Files<'_>) -> Vec<Finding> {
    const PROFILE_KEYS: [&str; 4] = ["role_arn", "source_profile", "credential_process", "region"];
    files
        .shared
        .config
        .ini
        .sections
        .iter()
        .filter(|section| section_kind(&section.name) == SectionKind::Other)
        .filter(|section| SSO_PROFILE_KEYS.iter().chain(&PROFILE_KEYS).any(|key| section.value(key).is_some()))
        .map(|section| {
            let name = &section.name;
            Finding {
                check: Check::UnresolvableProfile,
                severity: Severity::Problem,
                file: files.config_path.to_path_buf(),
                section: Some(Section::Profile { name: name.clone(), header: format!("[{name}]") }),
                message: format!(
                    "the section is not a profile: in the config file a profile is [profile NAME] (only [default] goes without the prefix), so the AWS CLI, the SDKs and this helper ignore it, and `--profile {name}` is not found"
                ),
                fix: format!("rename the section [profile {name}]"),
            }
        })
        .collect()
}

/// `ignored-credential-process`: SSO keys and `credential_process` in one profile; the SDKs and
/// the AWS CLI take the SSO keys and never run the process.
pub(super) fn ignored_credential_process(files: &Files<'_>) -> Vec<Finding> {
    files
        .profiles()
        .into_iter()
        .filter(|profile| has_sso_keys(profile))
        .filter_map(|profile| {
            let line = profile.get("credential_process")?;
            let name = profile.name();
            let (file, section) = files.location(name, "credential_process");
            let keys: Vec<&str> = SSO_PROFILE_KEYS.iter().copied().filter(|key| profile.get(key).is_some()).collect();
            Some(Finding {
                check: Check::IgnoredCredentialProcess,
                severity: Severity::Warning,
                file: file.to_path_buf(),
                section: Some(section.clone()),
                message: format!(
                    "the profile has both SSO keys ({}) and credential_process: the AWS CLI and the SDKs use the SSO keys and never run credential_process",
                    keys.join(", ")
                ),
                fix: format!(
                    "remove credential_process from {} (tools keep using the SSO keys), or move it into a profile of its own for tools to use:\n  [profile {name}-process]\n  credential_process = {line}",
                    header(&section)
                ),
            })
        })
        .collect()
}

/// `missing-region`: a profile that runs this helper but sets no `region`. A region is not part
/// of credentials, so the helper cannot supply one, and botocore, the AWS CLI and the SDKs do not
/// take it from another profile: they stop with "You must specify a region" (botocore's
/// `NoRegionError`) unless `AWS_REGION` or `AWS_DEFAULT_REGION` is set.
pub(super) fn missing_region(files: &Files<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for profile in files.profiles() {
        if profile.get("region").is_some() {
            continue;
        }
        let Some(command) = HelperCommand::of(&profile, files.program_names) else { continue };
        let name = profile.name();
        let target_region = match &command.target {
            Ok(Target::Profile(Some(target))) => files.shared.profile(target).and_then(|p| p.get("region")),
            _ => None,
        };
        let (file, section) = files.location(name, "credential_process");
        let (region, where_from) = match target_region {
            Some(region) => (region.to_owned(), " (the region of the profile it gets credentials for)".to_owned()),
            None => ("<the region your resources are in>".to_owned(), String::new()),
        };
        findings.push(Finding {
            check: Check::MissingRegion,
            severity: Severity::Warning,
            file: file.to_path_buf(),
            section: Some(section.clone()),
            message: "the profile gets credentials from this helper but sets no region: the AWS CLI, boto3 and the SDKs stop with \"You must specify a region\" unless AWS_REGION or AWS_DEFAULT_REGION is set (a region is not part of credentials, and no other profile's is used)".to_owned(),
            fix: format!("add to {}{where_from}:\n  region = {region}", header(&section)),
        });
    }
    findings
}

/// `hard-coded-session-token`: `aws_session_token` written in the config or credentials file.
pub(super) fn hard_coded_session_token(files: &Files<'_>) -> Vec<Finding> {
    let (hint, note) = files.sso_profile_hint();
    let mut findings = Vec::new();
    for (set, path, in_config) in files.each_file() {
        for (name, _) in set.into_iter().filter(|(_, s)| s.get("aws_session_token").is_some()) {
            let section = profile_section(name, in_config);
            findings.push(Finding {
                check: Check::HardCodedSessionToken,
                severity: Severity::Problem,
                file: path.to_path_buf(),
                message: "the profile has aws_session_token written in the file: temporary credentials copied in by hand (or by a script), which expire within hours; from then on everything using the profile fails (ExpiredToken) until someone pastes new ones".to_owned(),
                fix: format!(
                    "remove aws_access_key_id, aws_secret_access_key and aws_session_token from {}, and get the credentials from IAM Identity Center with this helper instead:\n  credential_process = aws-sso-credential-process --profile {hint}{}",
                    header(&section),
                    note.as_ref().map(|n| format!("\n{n}")).unwrap_or_default()
                ),
                section: Some(section),
            });
        }
    }
    findings
}

/// `long-term-keys`: `aws_access_key_id` without a session token, in a setup that has SSO profiles.
pub(super) fn long_term_keys(files: &Files<'_>) -> Vec<Finding> {
    let has_sso = !files.sso_session_names().is_empty() || files.profiles().iter().any(has_sso_keys);
    if !has_sso {
        return Vec::new();
    }
    let mut findings = Vec::new();
    for (set, path, in_config) in files.each_file() {
        for (name, keys) in set {
            let Some(key_id) = keys.get("aws_access_key_id") else { continue };
            if keys.get("aws_session_token").is_some() {
                continue;
            }
            let section = profile_section(name, in_config);
            findings.push(Finding {
                check: Check::LongTermKeys,
                severity: Severity::Warning,
                file: path.to_path_buf(),
                message: format!(
                    "the profile holds long-term IAM user access keys ({}) next to IAM Identity Center profiles: they never expire, so if they leak they work until someone deactivates them",
                    key_kind(key_id)
                ),
                fix: format!(
                    "delete aws_access_key_id and aws_secret_access_key from {}, then deactivate and delete the key in IAM:\n  aws iam update-access-key --access-key-id <the key ID> --status Inactive\n  aws iam delete-access-key --access-key-id <the key ID>\n(if a role_arn profile uses this one as source_profile, point it at an SSO profile instead)",
                    header(&section)
                ),
                section: Some(section),
            });
        }
    }
    findings
}

/// At most the first four characters of an access key ID (`AKIA…`): its kind, not the key.
fn key_kind(key_id: &str) -> String {
    let key_id = key_id.trim();
    match key_id.get(..4) {
        Some(prefix) if key_id.len() > 4 && prefix.bytes().all(|b| b.is_ascii_alphanumeric()) => format!("{prefix}…"),
        _ => "…".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    struct Parsed {
        _home: tempfile::TempDir,
        shared: SharedConfig,
        config_path: PathBuf,
        credentials_path: PathBuf,
    }

    fn parse(config: &str, credentials: &str) -> Parsed {
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(home.path().join(".aws")).unwrap();
        std::fs::write(home.path().join(".aws/config"), config).unwrap();
        std::fs::write(home.path().join(".aws/credentials"), credentials).unwrap();
        let env = crate::Environment::from_vars([("HOME", home.path().to_str().unwrap())]);
        let shared = super::super::gather::load_files(&env).0.unwrap();
        Parsed {
            config_path: home.path().join(".aws/config"),
            credentials_path: home.path().join(".aws/credentials"),
            _home: home,
            shared,
        }
    }

    fn files(parsed: &Parsed) -> Files<'_> {
        Files {
            config_path: &parsed.config_path,
            credentials_path: Some(&parsed.credentials_path),
            shared: &parsed.shared,
            program_names: &[],
        }
    }

    fn header_of(finding: &Finding) -> &str {
        finding.section.as_ref().map(header).unwrap_or_default()
    }

    const SESSION: &str = "[sso-session s]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = sso:account:access\n\n[profile sso]\nsso_session = s\nsso_account_id = 111111111111\nsso_role_name = R\n\n";

    #[test]
    fn legacy_profiles_are_pointed_at_an_existing_or_a_new_sso_session() {
        let p = parse(
            &format!(
                "{SESSION}[profile same]\nsso_start_url = https://d-1.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = R\n\n\
                 [default]\nsso_start_url = https://acme.awsapps.com/start\nsso_account_id = 1\nsso_role_name = R\n\n\
                 [profile ci]\ncredential_process = aws-sso-credential-process --start-url https://acme.awsapps.com/start --region us-east-1 --account-id 1 --role-name R\n"
            ),
            "",
        );
        let findings = legacy_layout(&files(&p));
        let summary: Vec<(&str, &str)> = findings.iter().map(|f| (header_of(f), f.fix.as_str())).collect();
        assert_eq!(summary.len(), 3, "{summary:#?}");
        assert_eq!(summary[0].0, "[profile ci]");
        assert_eq!(
            summary[0].1,
            "add this section (what `aws configure sso-session` writes):\n  [sso-session acme]\n  sso_start_url = https://acme.awsapps.com/start\n  sso_region = us-east-1\n  sso_registration_scopes = sso:account:access\nand in [profile ci], use it instead of --start-url and --region:\n  credential_process = aws-sso-credential-process --sso-session acme --account-id 1 --role-name R\nthen run `aws-sso-credential-process login --sso-session acme` (or `aws sso login --sso-session acme`)"
        );
        assert_eq!(summary[1].0, "[default]");
        assert!(summary[1].1.contains("  sso_region = <the IAM Identity Center region>\n"), "{}", summary[1].1);
        assert_eq!(
            summary[2],
            (
                "[profile same]",
                "use the [sso-session s] section, which has the same start URL: in [profile same], replace sso_start_url and sso_region with\n  sso_session = s\nthen run `aws-sso-credential-process login --sso-session s` (or `aws sso login --sso-session s`)"
            )
        );
        assert!(legacy_layout(&files(&parse(SESSION, ""))).is_empty());
    }

    #[test]
    fn session_names_come_from_the_portal_unless_taken() {
        let p = parse("[sso-session acme]\nsso_start_url = https://other/start\n", "");
        assert_eq!(session_for(&p.shared, "https://d-9.awsapps.com/start/#/", "p"), ("d-9".into(), false));
        assert_eq!(session_for(&p.shared, "https://acme.awsapps.com/start", "p"), ("p".into(), false));
        assert_eq!(session_for(&p.shared, "https://other/start", "p"), ("acme".into(), true));
        assert_eq!(session_for(&p.shared, "https://sso.example.com/start", "p"), ("p".into(), false));
    }

    #[test]
    fn registration_scopes_must_include_the_refresh_scope() {
        let p = parse(
            "[sso-session ok]\nsso_registration_scopes = sso:account:access\n[sso-session none]\nsso_start_url = x\n[sso-session other]\nsso_registration_scopes = codecatalyst:read_write\n[sso-session list]\nsso_registration_scopes = a , sso:account:access\n",
            "",
        );
        let findings = missing_registration_scopes(&files(&p));
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].section, Some(Section::SsoSession("none".into())));
        assert!(findings[0].message.starts_with("the section has no sso_registration_scopes, so `aws sso login`"));
        assert_eq!(
            findings[0].fix,
            "add to [sso-session none]:\n  sso_registration_scopes = sso:account:access\nthen run `aws-sso-credential-process login --sso-session none` (or `aws sso login --sso-session none`)"
        );
        assert!(findings[1].fix.contains("  sso_registration_scopes = codecatalyst:read_write, sso:account:access\n"));
    }

    fn recursion(config: &str) -> Vec<(String, String, String)> {
        let p = parse(config, "");
        let home_env = crate::Environment::from_vars([(
            "HOME",
            p.config_path.parent().unwrap().parent().unwrap().to_str().unwrap(),
        )]);
        let resolve = |target: &Target| {
            let loaded = crate::config::load(&home_env)?;
            crate::config::resolve(&loaded, &home_env, target, &[]).map(|_| ())
        };
        recursive_credential_process(&files(&p), &resolve)
            .into_iter()
            .map(|f| (header_of(&f).to_owned(), f.message, f.fix))
            .collect()
    }

    #[test]
    fn helper_commands_that_loop_or_point_at_a_helper_profile_are_found() {
        let config = format!(
            "{SESSION}[profile dev]\ncredential_process = aws-sso-credential-process --profile sso\n\n\
             [profile self]\ncredential_process = /usr/bin/aws-sso-credential-process --profile self\n\n\
             [profile a]\ncredential_process = aws-sso-credential-process --profile b\n\n\
             [profile b]\ncredential_process = aws-sso-credential-process --profile a\n\n\
             [profile via]\ncredential_process = aws-sso-credential-process --profile=dev\n\n\
             [profile bare]\ncredential_process = aws-sso-credential-process\n\n\
             [profile bad]\ncredential_process = aws-sso-credential-process --sso-session s\n\n\
             [profile empty]\nregion = eu-west-1\n\n[profile to-empty]\ncredential_process = aws-sso-credential-process --profile empty\n\n\
             [profile other]\ncredential_process = /bin/some-other-tool --profile other\n"
        );
        let found = recursion(&config);
        let headers: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            headers,
            [
                "[profile a]",
                "[profile b]",
                "[profile bad]",
                "[profile bare]",
                "[profile self]",
                "[profile to-empty]",
                "[profile via]"
            ]
        );
        let by = |h: &str| found.iter().find(|f| f.0 == h).unwrap();
        assert!(
            by("[profile a]").1.contains("with --profile b, which leads back here (a → b → a)"),
            "{:?}",
            by("[profile a]")
        );
        assert!(by("[profile a]").2.ends_with("credential_process = aws-sso-credential-process --profile sso"));
        assert!(
            by("[profile self]").1.contains("with --profile self, the profile itself: the helper would run itself")
        );
        assert!(
            by("[profile self]").2.ends_with("credential_process = /usr/bin/aws-sso-credential-process --profile sso")
        );
        assert!(by("[profile via]").1.contains("but profile `dev` gets its credentials from this helper too"));
        assert_eq!(
            by("[profile via]").2,
            "point --profile at the profile that one leads to:\n  credential_process = aws-sso-credential-process --profile=sso"
        );
        assert!(by("[profile bare]").1.contains("without --profile"));
        assert!(by("[profile bad]").1.contains("arguments it refuses: "), "{:?}", by("[profile bad]"));
        assert!(
            by("[profile to-empty]").1.contains("is not an IAM Identity Center (SSO) profile"),
            "{:?}",
            by("[profile to-empty]")
        );
    }

    #[test]
    fn sso_profile_hints_name_the_choices() {
        let p = parse("[profile x]\nregion = us-east-1\n", "");
        assert_eq!(
            files(&p).sso_profile_hint(),
            ("<an SSO profile>".into(), Some("(create one with `aws configure sso`)".into()))
        );
        let p =
            parse(&format!("{SESSION}[profile sso2]\nsso_session = s\nsso_account_id = 2\nsso_role_name = R\n"), "");
        assert_eq!(files(&p).sso_profile_hint().1.as_deref(), Some("(the SSO profiles here: sso, sso2)"));
    }

    #[test]
    fn sso_keys_hide_a_credential_process() {
        let p = parse(
            &format!(
                "{SESSION}[profile both]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\ncredential_process = aws-sso-credential-process --profile both\n"
            ),
            "",
        );
        let findings = ignored_credential_process(&files(&p));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert!(findings[0].message.contains("SSO keys (sso_session, sso_account_id, sso_role_name)"));
        assert!(
            findings[0].fix.ends_with(
                "  [profile both-process]\n  credential_process = aws-sso-credential-process --profile both"
            )
        );
    }

    #[test]
    fn keys_in_files_are_found_in_the_file_that_holds_them_and_never_shown() {
        let config = format!(
            "{SESSION}[profile cfg]\naws_access_key_id = AKIAEXAMPLEKEY00001\naws_secret_access_key = cfgS3cr3t\n"
        );
        let credentials = "[temp]\naws_access_key_id = ASIAEXAMPLEKEY00002\naws_secret_access_key = tempS3cr3t\naws_session_token = tok3n\n\n[long]\naws_access_key_id = AKIAEXAMPLEKEY00003\naws_secret_access_key = longS3cr3t\n";
        let p = parse(&config, credentials);
        let tokens = hard_coded_session_token(&files(&p));
        assert_eq!(tokens.len(), 1);
        assert_eq!((tokens[0].file.clone(), header_of(&tokens[0])), (p.credentials_path.clone(), "[temp]"));
        assert!(tokens[0].fix.contains("--profile sso"));
        let long = long_term_keys(&files(&p));
        let places: Vec<(&Path, &str)> = long.iter().map(|f| (f.file.as_path(), header_of(f))).collect();
        assert_eq!(places, [(p.config_path.as_path(), "[profile cfg]"), (p.credentials_path.as_path(), "[long]")]);
        assert!(long[0].message.contains("(AKIA…)"));
        for finding in tokens.iter().chain(&long) {
            for secret in ["EXAMPLEKEY", "S3cr3t", "tok3n"] {
                assert!(!finding.message.contains(secret) && !finding.fix.contains(secret), "{finding:?}");
            }
        }
        // Without SSO profiles, keys are how this setup works: nothing to say.
        let p = parse("", credentials);
        assert!(long_term_keys(&files(&p)).is_empty());
    }

    #[test]
    fn key_kinds_show_at_most_four_characters() {
        assert_eq!(key_kind("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(key_kind("AKIA"), "…");
        assert_eq!(key_kind("é1234567"), "…");
    }
}
