//! The process environment, read once at start-up and then passed around as data.
//!
//! This is the only module that reads `std::env`: everything else asks an [`Environment`], so
//! tests and the demo can run the whole program against a temporary `HOME` and loopback
//! endpoints without touching the real process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The variables the AWS SDK's shared-config loader reads: where the files are, which profile, and
/// the home directory (`HOME`; `USERPROFILE`, `HOMEDRIVE` + `HOMEPATH` on Windows). See
/// `aws_runtime::env_config` and `aws_runtime::fs_util::home_dir`.
const SDK_FILE_VARIABLES: [&str; 7] =
    ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH"];

/// A snapshot of the environment variables the helper (and the AWS SDK code it calls) may read.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    // Ordered, not hashed: a start-up snapshot of a few dozen variables, read a handful of times,
    // costs less without a hasher to seed and run (measured: docs/benchmarks.md).
    vars: BTreeMap<String, String>,
    /// Snapshotted from the process: the cache folder is then the platform's, found only when
    /// the slow path asks (the hot path never needs it).
    from_process: bool,
}

impl Environment {
    /// Snapshots the real process environment. Variables that are not valid UTF-8 are skipped,
    /// as the AWS SDKs do.
    #[expect(clippy::disallowed_methods, reason = "the one place that reads the process environment")]
    pub fn from_process() -> Self {
        let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self { from_process: true, ..Self::from_vars(vars) }
    }

    /// Builds an environment from explicit variables (tests, the demo).
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), from_process: false }
    }

    /// The value of `name`, if it is set and not empty (an empty variable counts as unset, as in
    /// the AWS SDKs).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The user's home directory: `HOME`, or `USERPROFILE` on Windows, as the AWS SDKs resolve it.
    pub fn home(&self) -> Option<PathBuf> {
        self.get("HOME").or_else(|| if cfg!(windows) { self.get("USERPROFILE") } else { None }).map(PathBuf::from)
    }

    /// `~/.aws`, where the SSO token cache and the AWS CLI's credential cache live. These caches
    /// are always under the home directory, whatever `AWS_CONFIG_FILE` says.
    pub fn aws_dir(&self) -> Option<PathBuf> {
        self.home().map(|home| home.join(".aws"))
    }

    /// The shared config file: `AWS_CONFIG_FILE` (a leading `~` expanded) or `~/.aws/config`.
    pub fn config_file(&self) -> Option<PathBuf> {
        match self.get("AWS_CONFIG_FILE") {
            Some(path) => self.expand_home(path),
            None => self.aws_dir().map(|dir| dir.join("config")),
        }
    }

    /// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` (a leading `~` expanded) or
    /// `~/.aws/credentials`.
    pub fn credentials_file(&self) -> Option<PathBuf> {
        match self.get("AWS_SHARED_CREDENTIALS_FILE") {
            Some(path) => self.expand_home(path),
            None => self.aws_dir().map(|dir| dir.join("credentials")),
        }
    }

    fn expand_home(&self, path: &str) -> Option<PathBuf> {
        match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') => {
                Some(self.home()?.join(rest.trim_start_matches(['/', '\\'])))
            }
            _ => Some(PathBuf::from(path)),
        }
    }

    /// This program's own cache folder, for its lock files: the platform's (`~/.cache` or
    /// `$XDG_CACHE_HOME` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) when
    /// taken from the process, else `$XDG_CACHE_HOME` or `$HOME/.cache`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if self.from_process {
            return directories::BaseDirs::new().map(|dirs| dirs.cache_dir().join(crate::config::PROGRAM_NAME));
        }
        let base = match self.get("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
            Some(dir) => dir,
            None => self.home()?.join(".cache"),
        };
        Some(base.join(crate::config::PROGRAM_NAME))
    }

    /// All the variables, in the form the AWS SDK's own config code takes (slow path: endpoint
    /// settings may come from any `AWS_ENDPOINT_URL_*`).
    pub fn to_sdk_env(&self) -> aws_types::os_shim_internal::Env {
        let vars: std::collections::HashMap<String, String> = self.vars.clone().into_iter().collect();
        aws_types::os_shim_internal::Env::from(vars)
    }

    /// The variables the AWS SDK's shared-config loader reads (`SDK_FILE_VARIABLES`), in the form
    /// it takes them; copying only these keeps the hot path from copying the whole environment.
    pub fn to_sdk_file_env(&self) -> aws_types::os_shim_internal::Env {
        let pairs: Vec<(&str, &str)> = SDK_FILE_VARIABLES
            .iter()
            .filter_map(|&name| self.vars.get(name).map(|value| (name, value.as_str())))
            .collect();
        aws_types::os_shim_internal::Env::from_slice(&pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_file_honours_aws_config_file_and_expands_tilde() {
        let env = Environment::from_vars([("HOME", "/home/u"), ("AWS_CONFIG_FILE", "~/alt/config")]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/home/u/alt/config")));
        let env = Environment::from_vars([("HOME", "/home/u")]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/home/u/.aws/config")));
        assert_eq!(env.aws_dir(), Some(PathBuf::from("/home/u/.aws")));
        assert_eq!(env.credentials_file(), Some(PathBuf::from("/home/u/.aws/credentials")));
        let env = Environment::from_vars([("HOME", "/home/u"), ("AWS_SHARED_CREDENTIALS_FILE", "~/c")]);
        assert_eq!(env.credentials_file(), Some(PathBuf::from("/home/u/c")));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Environment::from_vars([("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/h/.aws/config")));
        assert_eq!(Environment::default().config_file(), None);
    }

    #[test]
    fn cache_dir_follows_xdg_then_home() {
        let env = Environment::from_vars([("HOME", "/h"), ("XDG_CACHE_HOME", "/x")]);
        assert_eq!(env.cache_dir(), Some(PathBuf::from("/x/aws-sso-credential-process")));
        let env = Environment::from_vars([("HOME", "/h")]);
        assert_eq!(env.cache_dir(), Some(PathBuf::from("/h/.cache/aws-sso-credential-process")));
    }
}
