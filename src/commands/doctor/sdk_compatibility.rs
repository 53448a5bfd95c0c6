//! `sdk-compatibility`: what the AWS CLI (and so this helper) reads in the files but the AWS SDKs
//! read differently or not at all, so that programs built on them fail with the same file.
//!
//! Each rule is taken from the SDKs' own parsers: the Rust SDK (`aws-runtime` 1.10
//! `env_config::parse` and `normalize`: names of `[A-Za-z0-9_-/.%@:+]`, unquoted; `=` only; an
//! indented line continues the previous value, else the file is refused; ` #`/` ;` starts a
//! comment), the Java SDK v2 (`ProfileFileReader`: the same, names without `:` and `+`), the Go SDK
//! v2 (`internal/ini`: names kept verbatim, quotes included; an indented line after a header is
//! dropped) and the JavaScript SDK v3 (`@smithy/shared-ini-file-loader` `parseIni`:
//! `/^([\w-]+)\s(["'])?([\w-@\+\.%:/]+)\2$/`, so quotes around such a name are fine, one blank
//! between prefix and name).

use std::path::Path;

use super::{Check, Finding, Section, Severity};
use crate::config::file::{self, Ini, SectionKind, Value};

/// The characters every SDK accepts in a profile or sso-session name.
fn is_sdk_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// The name with each run of other characters replaced by `-`, for a suggestion; a placeholder
/// for a name with letters outside ASCII, which that would mangle.
fn sdk_name(name: &str) -> String {
    if name.chars().any(|c| c.is_alphabetic() && !c.is_ascii()) {
        return "<a-new-name>".to_owned();
    }
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || "_-.".contains(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() { "my-name".to_owned() } else { out.to_owned() }
}

/// The findings for both files (`credentials` may be absent).
pub(super) fn check(config: (&Path, &Ini), credentials: Option<(&Path, &Ini)>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (config_path, config_ini) = config;
    for section in &config_ini.sections {
        let kind = file::section_kind(&section.name);
        let target = finding_section(&kind, &section.name);
        if let Some(finding) = config_header(config_path, &section.name, &kind) {
            findings.push(finding);
        }
        if !matches!(kind, SectionKind::Other) {
            findings.extend(key_lines(config_path, section, target.as_ref()));
        }
    }
    if let Some((path, ini)) = credentials {
        for section in &ini.sections {
            let target = Some(Section::Profile { name: section.name.clone(), header: format!("[{}]", section.name) });
            if !is_sdk_name(&section.name) {
                findings.push(Finding {
                    check: Check::SdkCompatibility,
                    severity: Severity::Warning,
                    file: path.to_path_buf(),
                    section: target.clone(),
                    message: format!(
                        "the AWS CLI and this helper read [{name}] as the profile `{name}`, but the AWS SDKs (Rust, Go v2, Java v2, JavaScript v3) accept only names of letters, digits and - _ . / % @ : + in the credentials file: programs built on them do not find this profile",
                        name = section.name
                    ),
                    fix: format!(
                        "rename it, e.g. [{}], and change every source_profile and --profile that names it",
                        sdk_name(&section.name)
                    ),
                });
            }
            findings.extend(key_lines(path, section, target.as_ref()));
        }
    }
    findings
}

fn finding_section(kind: &SectionKind, raw: &str) -> Option<Section> {
    match kind {
        SectionKind::Profile(name) => Some(Section::Profile { name: name.clone(), header: format!("[{raw}]") }),
        SectionKind::SsoSession(name) => Some(Section::SsoSession(name.clone())),
        SectionKind::Services(_) | SectionKind::Other => None,
    }
}

/// A config-file header the CLI maps to a profile, sso-session or services section but the SDKs
/// do not read as the same name.
fn config_header(path: &Path, raw: &str, kind: &SectionKind) -> Option<Finding> {
    let (prefix, name, what) = match kind {
        SectionKind::Profile(_) if raw == "default" => return None,
        SectionKind::Profile(name) => ("profile", name, format!("the profile `{name}`")),
        SectionKind::SsoSession(name) => ("sso-session", name, format!("the sso-session `{name}`")),
        SectionKind::Services(name) => ("services", name, format!("the services section `{name}`")),
        SectionKind::Other => return None,
    };
    let standard = format!("{prefix} {name}");
    if raw == standard && is_sdk_name(name) {
        return None;
    }
    let quoted = raw.contains(['\'', '"', '\\']);
    let prefixed = raw.strip_prefix(prefix).is_some_and(|rest| rest.starts_with([' ', '\t']));
    let readers = if !is_sdk_name(name) || !prefixed {
        "the AWS SDKs for Rust, Go (v2), Java (v2) and JavaScript (v3) do not"
    } else if quoted {
        "the AWS SDKs for Rust, Go (v2) and Java (v2) do not (they keep the quotes as part of the name, or ignore the section)"
    } else {
        "the AWS SDK for JavaScript (v3) does not (it wants one space between the two words)"
    };
    let fix = if is_sdk_name(name) {
        format!("write the header as [{standard}]")
    } else {
        let renamed = sdk_name(name);
        match kind {
            SectionKind::SsoSession(_) => format!(
                "rename it to [sso-session {renamed}] and change every `sso_session = {name}` to `sso_session = {renamed}`, then run `aws-sso-credential-process login --sso-session {renamed}` (or `aws sso login --sso-session {renamed}`) (tokens are cached under the session's name)"
            ),
            SectionKind::Services(_) => {
                format!("rename it to [services {renamed}] and change every `services = {name}` to match")
            }
            _ => format!(
                "rename it to [profile {renamed}] and change every source_profile, --profile and AWS_PROFILE that names it"
            ),
        }
    };
    Some(Finding {
        check: Check::SdkCompatibility,
        severity: Severity::Warning,
        file: path.to_path_buf(),
        section: finding_section(kind, raw),
        message: format!(
            "the AWS CLI and this helper read [{raw}] as {what}, but {readers}: they accept [{prefix} NAME] with a NAME of letters, digits and - _ . / % @ : + only, so programs built on them do not find it"
        ),
        fix,
    })
}

/// Key lines the SDKs read differently: indented keys, `key: value`, and values with what the
/// SDKs (not the CLI) take for a comment.
fn key_lines(path: &Path, section: &file::Section, target: Option<&Section>) -> Vec<Finding> {
    let finding = |message: String, fix: String| Finding {
        check: Check::SdkCompatibility,
        severity: Severity::Warning,
        file: path.to_path_buf(),
        section: target.cloned(),
        message,
        fix,
    };
    let lines = |select: &dyn Fn(&file::Property) -> bool| -> Vec<String> {
        section.properties.iter().filter(|p| select(p)).map(|p| format!("line {} ({})", p.line, p.key)).collect()
    };
    let mut findings = Vec::new();
    let indented = lines(&|p| p.indented);
    if !indented.is_empty() {
        findings.push(finding(
            format!(
                "{} {} with blanks: the AWS CLI reads {} as keys of [{}], but the AWS SDKs for Rust and Java (v2) take an indented line for the continuation of the line before and refuse the whole file (\"Expected a property definition, found continuation\"), and the Go SDK (v2) drops such keys",
                indented.join(", "),
                if indented.len() == 1 { "starts" } else { "start" },
                if indented.len() == 1 { "it" } else { "them" },
                section.name
            ),
            "remove the blanks at the start of those lines".to_owned(),
        ));
    }
    let colons = lines(&|p| p.delimiter == ':');
    if !colons.is_empty() {
        findings.push(finding(
            format!(
                "{} {} with `:`: the AWS CLI accepts it, but the AWS SDKs for Rust and Java (v2) accept only `=` and refuse the whole file (\"Expected an '=' sign defining a property\")",
                colons.join(", "),
                if colons.len() == 1 { "sets its key" } else { "set their keys" }
            ),
            "write those lines as key = value".to_owned(),
        ));
    }
    for property in &section.properties {
        let Value::Text(text) = &property.value else { continue };
        let first_line = text.split('\n').next().unwrap_or_default();
        let Some(cut) = [" #", " ;", "\t#", "\t;"].iter().filter_map(|mark| first_line.find(mark)).min() else {
            continue;
        };
        findings.push(finding(
            format!(
                "line {} sets {} to `{first_line}`: the AWS CLI and this helper keep what follows # or ; as part of the value, but the AWS SDKs take it for a comment and read `{}`, so they disagree",
                property.line,
                property.key,
                first_line[..cut].trim_end()
            ),
            "move the comment to a line of its own (a line starting with # or ;)".to_owned(),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(config: &str, credentials: &str) -> Vec<(String, String)> {
        let (c, k) = (file::parse(config.as_bytes()).unwrap(), file::parse(credentials.as_bytes()).unwrap());
        check((Path::new("config"), &c), Some((Path::new("credentials"), &k)))
            .into_iter()
            .map(|f| (f.message, f.fix))
            .collect()
    }

    #[test]
    fn standard_files_have_no_findings() {
        let config = "[default]\nregion = x\n[profile a.b@c]\nk = v#1\n[sso-session s]\nsso_region = x\n[services x]\nsts =\n  endpoint_url = http://h\n[other thing]\n  odd: line\n";
        assert_eq!(messages(config, "[a]\nk = v\n"), []);
    }

    #[test]
    fn quoted_and_spaced_names_are_named_with_the_sdks_that_miss_them() {
        let found = messages(
            "[sso-session 'My Corp Ltd']\nsso_region = x\n[profile \"p\"]\n[profile  q]\n[profiles r]\n[profile é]\n",
            "",
        );
        assert_eq!(found.len(), 5, "{found:#?}");
        assert!(found[4].1.starts_with("rename it to [profile <a-new-name>]"), "{}", found[4].1);
        assert!(found[0].0.starts_with("the AWS CLI and this helper read [sso-session 'My Corp Ltd'] as the sso-session `My Corp Ltd`, but the AWS SDKs for Rust, Go (v2), Java (v2) and JavaScript (v3) do not"), "{}", found[0].0);
        assert!(
            found[0]
                .1
                .starts_with("rename it to [sso-session My-Corp-Ltd] and change every `sso_session = My Corp Ltd`"),
            "{}",
            found[0].1
        );
        assert!(found[1].0.contains("Rust, Go (v2) and Java (v2) do not"), "{}", found[1].0);
        assert_eq!(found[1].1, "write the header as [profile p]");
        assert!(found[2].0.contains("JavaScript (v3) does not"), "{}", found[2].0);
        assert!(found[3].0.contains("[profiles r] as the profile `r`"), "{}", found[3].0);
    }

    #[test]
    fn key_lines_the_sdks_read_differently() {
        let found = messages(
            "[profile other]\n    role_arn = arn\n    source_profile = dev\nregion: eu-west-1\nsso_role_name = ReadOnly ; why not\n",
            "[my keys]\n",
        );
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(
            found[0].0.starts_with(
                "line 2 (role_arn), line 3 (source_profile) start with blanks: the AWS CLI reads them as keys"
            ),
            "{}",
            found[0].0
        );
        assert!(found[1].0.starts_with("line 4 (region) sets its key with `:`"), "{}", found[1].0);
        assert!(
            found[2].0.contains("sets sso_role_name to `ReadOnly ; why not`") && found[2].0.contains("read `ReadOnly`")
        );
        assert!(found[3].0.contains("read [my keys] as the profile `my keys`") && found[3].1.contains("[my-keys]"));
    }
}
