//! `build_profile_map` and `Session.full_config`: which sections are profiles, sso-sessions and
//! services, and the two files combined as the AWS CLI combines them.

use std::collections::HashMap;

use super::python::shlex_split;
use super::{Ini, Section, Value};

/// The config file mapped as `build_profile_map` maps it.
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {
    /// The file's sections.
    pub ini: Ini,
    profiles: HashMap<String, usize>,
    sso_sessions: HashMap<String, usize>,
    services: HashMap<String, usize>,
}

/// What kind of section a config-file header makes, and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionKind {
    /// `[default]` or `[profile NAME]`.
    Profile(String),
    /// `[sso-session NAME]`.
    SsoSession(String),
    /// `[services NAME]`.
    Services(String),
    /// Anything else (the CLI keeps it, but no profile uses it).
    Other,
}

/// What a config-file section name is to botocore (`build_profile_map`, `_parse_section`).
pub fn section_kind(name: &str) -> SectionKind {
    let second_word = || {
        // Without quotes or backslashes `shlex.split` only splits at blanks (the common case,
        // spared the allocations of the general one).
        let bytes = name.as_bytes();
        if !bytes.iter().any(|b| matches!(b, b'\'' | b'"' | b'\\')) {
            let mut words = bytes.split(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')).filter(|w| !w.is_empty());
            let (_, second, third) = (words.next(), words.next(), words.next());
            // Split at ASCII bytes, so each word is still UTF-8.
            return second.filter(|_| third.is_none()).and_then(|w| std::str::from_utf8(w).ok()).map(str::to_owned);
        }
        match shlex_split(name) {
            Some(words) if words.len() == 2 => words.into_iter().nth(1),
            _ => None,
        }
    };
    let kind = if name.starts_with("profile") {
        second_word().map(SectionKind::Profile)
    } else if name.starts_with("sso-session") {
        second_word().map(SectionKind::SsoSession)
    } else if name.starts_with("services") {
        second_word().map(SectionKind::Services)
    } else if name == "default" {
        Some(SectionKind::Profile(name.to_owned()))
    } else {
        None
    };
    kind.unwrap_or(SectionKind::Other)
}

impl ConfigFile {
    /// Maps the sections of a parsed config file; a later section of the same name wins whole.
    pub fn new(ini: Ini) -> Self {
        let mut file = Self { ini, ..Self::default() };
        for (index, section) in file.ini.sections.iter().enumerate() {
            match section_kind(&section.name) {
                SectionKind::Profile(name) => file.profiles.insert(name, index),
                SectionKind::SsoSession(name) => file.sso_sessions.insert(name, index),
                SectionKind::Services(name) => file.services.insert(name, index),
                SectionKind::Other => None,
            };
        }
        file
    }

    /// The section of profile `name`.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name).map(|&i| &self.ini.sections[i])
    }

    /// The section of `[sso-session NAME]`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name).map(|&i| &self.ini.sections[i])
    }

    /// The section of `[services NAME]`.
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name).map(|&i| &self.ini.sections[i])
    }

    /// The profile names, in no particular order.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// The sso-session names and sections, in no particular order.
    pub fn sso_sessions(&self) -> impl Iterator<Item = (&str, &Section)> {
        self.sso_sessions.iter().map(|(name, &i)| (name.as_str(), &self.ini.sections[i]))
    }
}

/// The credentials file: each section is a profile by its whole name.
#[derive(Clone, Debug, Default)]
pub struct CredentialsFile {
    /// The file's sections.
    pub ini: Ini,
    profiles: HashMap<String, usize>,
}

impl CredentialsFile {
    /// Indexes the sections of a parsed credentials file.
    pub fn new(ini: Ini) -> Self {
        let profiles = ini.sections.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
        Self { ini, profiles }
    }

    /// The section of profile `name`.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name).map(|&i| &self.ini.sections[i])
    }
}

/// Both files as botocore's `Session.full_config` combines them: a profile is in either file, and
/// where both have it, the credentials file's keys win one by one.
#[derive(Clone, Debug, Default)]
pub struct SharedConfig {
    /// The config file (empty if it does not exist).
    pub config: ConfigFile,
    /// The credentials file (empty if it does not exist).
    pub credentials: CredentialsFile,
}

/// A profile as the CLI sees it: its sections in the config and the credentials file.
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    name: &'a str,
    /// Its section in the config file.
    pub config: Option<&'a Section>,
    /// Its section in the credentials file.
    pub credentials: Option<&'a Section>,
}

impl<'a> Profile<'a> {
    /// The profile's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// The value of `key`, from the credentials file first.
    pub fn value(&self, key: &str) -> Option<&'a Value> {
        self.credentials.and_then(|s| s.value(key)).or_else(|| self.config.and_then(|s| s.value(key)))
    }

    /// The text of `key`; `None` if it is missing or a nested block.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.value(key).and_then(Value::as_text)
    }

    /// Whether `key` is set in the config file (not only in the credentials file).
    pub fn in_config(&self, key: &str) -> bool {
        self.config.is_some_and(|s| s.value(key).is_some())
    }

    /// Every key, each once, the credentials file's first.
    pub fn keys(&self) -> Vec<&'a str> {
        let mut keys: Vec<&str> = Vec::new();
        for section in self.credentials.into_iter().chain(self.config) {
            for property in &section.properties {
                if !keys.contains(&property.key.as_str()) {
                    keys.push(&property.key);
                }
            }
        }
        keys
    }
}

impl SharedConfig {
    /// Profile `name`, if either file has it.
    pub fn profile(&self, name: &str) -> Option<Profile<'_>> {
        let (config, credentials) = (self.config.profile(name), self.credentials.profile(name));
        let (own_name, _) =
            self.config.profiles.get_key_value(name).or_else(|| self.credentials.profiles.get_key_value(name))?;
        Some(Profile { name: own_name, config, credentials })
    }

    /// Every profile name in either file, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> =
            self.config.profile_names().chain(self.credentials.profiles.keys().map(String::as_str)).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Every profile in either file, sorted by name.
    pub fn profiles(&self) -> Vec<Profile<'_>> {
        self.profile_names().into_iter().filter_map(|name| self.profile(name)).collect()
    }

    /// The section of `[sso-session NAME]` (config file only).
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.config.sso_session(name)
    }
}

/// The data botocore returns for a file, as JSON, to compare with botocore itself: for the config
/// file `load_config`'s (`profiles`, `sso_sessions`, `services` and the other sections by name),
/// for the credentials file (`config: false`) `raw_config_parse`'s (sections by name).
pub fn botocore_view(ini: &Ini, config: bool) -> serde_json::Value {
    use serde_json::{Map, Value as Json};
    let section_json = |section: &Section| -> Json {
        let entries = section.properties.iter().map(|p| {
            let value = match &p.value {
                Value::Text(text) => Json::String(text.clone()),
                Value::Nested(entries) => {
                    Json::Object(entries.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect())
                }
            };
            (p.key.clone(), value)
        });
        Json::Object(entries.collect())
    };
    let mut top = Map::new();
    if !config {
        for section in &ini.sections {
            top.insert(section.name.clone(), section_json(section));
        }
        return Json::Object(top);
    }
    let (mut profiles, mut sso_sessions, mut services) = (Map::new(), Map::new(), Map::new());
    for section in &ini.sections {
        let prefixed = ["profile", "sso-session", "services"].iter().any(|p| section.name.starts_with(p));
        match section_kind(&section.name) {
            SectionKind::Profile(name) => profiles.insert(name, section_json(section)),
            SectionKind::SsoSession(name) => sso_sessions.insert(name, section_json(section)),
            SectionKind::Services(name) => services.insert(name, section_json(section)),
            SectionKind::Other if prefixed => None,
            SectionKind::Other => top.insert(section.name.clone(), section_json(section)),
        };
    }
    top.insert("profiles".into(), Json::Object(profiles));
    top.insert("sso_sessions".into(), Json::Object(sso_sessions));
    top.insert("services".into(), Json::Object(services));
    Json::Object(top)
}
