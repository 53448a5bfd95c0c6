//! The process environment, read once at start-up and then passed around as data.
//!
//! This is the only module that reads `std::env`: everything else asks an [`Environment`], so
//! tests and the demo can run the whole program against a temporary `HOME` and loopback
//! endpoints without touching the real process environment.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot of the environment variables the helper (and the AWS SDK code it calls) may read.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    // Ordered, not hashed: a start-up snapshot of a few dozen variables, read a handful of times,
    // costs less without a hasher to seed and run (measured: docs/benchmarks.md).
    vars: BTreeMap<String, String>,
    /// Snapshotted from the process: the cache folder is then the platform's.
    from_process: bool,
    /// While recording ([`Environment::recording`]): the names [`Environment::get`] was asked for.
    reads: Option<std::cell::RefCell<Vec<String>>>,
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
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), from_process: false, reads: None }
    }

    /// The value of `name`, if it is set and not empty (an empty variable counts as unset, as in
    /// the AWS SDKs).
    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some(reads) = &self.reads {
            reads.borrow_mut().push(name.to_owned());
        }
        self.vars.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// A copy that records which variables are read through it, so a result computed with it can
    /// say what it depends on ([`Environment::recorded_reads`]; the config memo).
    pub fn recording(&self) -> Self {
        Self { reads: Some(std::cell::RefCell::default()), ..self.clone() }
    }

    /// The variables read since [`Environment::recording`], each once and sorted, with their
    /// values (`None`: unset or empty).
    pub fn recorded_reads(&self) -> Vec<(String, Option<String>)> {
        let Some(reads) = &self.reads else { return Vec::new() };
        let mut names = reads.borrow().clone();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let value = self.vars.get(&name).filter(|v| !v.is_empty()).cloned();
                (name, value)
            })
            .collect()
    }

    /// The user's home directory, as the AWS CLI finds it (Python's `os.path.expanduser("~")`):
    /// `HOME` on Unix; on Windows `USERPROFILE`, else `HOMEDRIVE` + `HOMEPATH`, and never `HOME`
    /// (Python 3.8+, bpo-36264: Git Bash and MSYS set `HOME` to a folder of their own). The AWS
    /// SDK for Rust takes `HOME` first on Windows too; the CLI wins (docs/design.md, "Windows").
    pub fn home(&self) -> Option<PathBuf> {
        if cfg!(windows) { self.windows_home() } else { self.get("HOME").map(PathBuf::from) }
    }

    /// The Windows rule of [`Environment::home`], on any platform (for its tests).
    fn windows_home(&self) -> Option<PathBuf> {
        if let Some(profile) = self.get("USERPROFILE") {
            return Some(PathBuf::from(profile));
        }
        let path = self.get("HOMEPATH")?;
        Some(PathBuf::from(format!("{}{path}", self.get("HOMEDRIVE").unwrap_or_default())))
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

    /// `os.path.expanduser(os.path.expandvars(path))`, as botocore expands these two variables
    /// (`configloader.raw_config_parse`): `$NAME` and `${NAME}` of a set variable (even an empty
    /// one) are replaced and others kept, then a leading `~` is the home folder.
    fn expand_home(&self, path: &str) -> Option<PathBuf> {
        let path = self.expand_vars(path);
        match path.strip_prefix('~') {
            Some(rest) if rest.is_empty() || rest.starts_with('/') || rest.starts_with('\\') => {
                Some(self.home()?.join(rest.trim_start_matches(['/', '\\'])))
            }
            _ => Some(PathBuf::from(path.as_ref())),
        }
    }

    /// Python's `posixpath.expandvars`: `$` followed by ASCII letters, digits and `_`, or by
    /// `{…}`, naming a variable that is set.
    fn expand_vars<'p>(&self, path: &'p str) -> std::borrow::Cow<'p, str> {
        if !path.contains('$') {
            return std::borrow::Cow::Borrowed(path);
        }
        let mut out = String::with_capacity(path.len());
        let mut rest = path;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, len) = match after.strip_prefix('{') {
                Some(braced) => match braced.find('}') {
                    Some(end) => (&braced[..end], end + 2),
                    None => ("", 0),
                },
                None => {
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
                    (&after[..end], end)
                }
            };
            match self.vars.get(name).filter(|_| len > 0 && !name.is_empty()) {
                Some(value) => out.push_str(value),
                None => out.push_str(&rest[at..at + 1 + len]),
            }
            rest = &rest[at + 1 + len..];
        }
        out.push_str(rest);
        std::borrow::Cow::Owned(out)
    }

    /// This program's own cache folder, for its lock files: the platform's (`~/.cache` or
    /// `$XDG_CACHE_HOME` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) when
    /// taken from the process, else `$XDG_CACHE_HOME` or `$HOME/.cache`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if self.from_process {
            return directories::BaseDirs::new().map(|dirs| dirs.cache_dir().join(crate::program::PROGRAM_NAME));
        }
        let base = match self.get("XDG_CACHE_HOME").map(PathBuf::from).filter(|p| p.is_absolute()) {
            Some(dir) => dir,
            None => self.home()?.join(".cache"),
        };
        Some(base.join(crate::program::PROGRAM_NAME))
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
        // botocore expands variables first, then `~`: `$NAME`, `${NAME}`, unknown ones kept.
        let env = Environment::from_vars([
            ("HOME", "/home/u"),
            ("D", "~/dots"),
            ("E", ""),
            ("AWS_CONFIG_FILE", "$D/aws${E}/$NOPE/${D}x/$"),
        ]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/home/u/dots/aws/$NOPE/~/dotsx/$")));
        let env = Environment::from_vars([("AWS_CONFIG_FILE", "/a/${unclosed")]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/a/${unclosed")));
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let env = Environment::from_vars([("HOME", "/h"), ("AWS_CONFIG_FILE", "")]);
        assert_eq!(env.config_file(), Some(PathBuf::from("/h/.aws/config")));
        assert_eq!(Environment::default().config_file(), None);
    }

    #[test]
    fn windows_homes_follow_python_and_ignore_home() {
        let env = |vars: &[(&str, &str)]| Environment::from_vars(vars.iter().copied());
        let home = |vars: &[(&str, &str)]| env(vars).windows_home();
        assert_eq!(
            home(&[("HOME", "/c/Users/me"), ("USERPROFILE", r"C:\Users\me")]),
            Some(PathBuf::from(r"C:\Users\me"))
        );
        assert_eq!(home(&[("HOMEDRIVE", "D:"), ("HOMEPATH", r"\Users\me")]), Some(PathBuf::from(r"D:\Users\me")));
        assert_eq!(home(&[("HOMEPATH", r"\Users\me")]), Some(PathBuf::from(r"\Users\me")));
        assert_eq!(home(&[("HOME", "/c/Users/me")]), None, "HOME alone is not a Windows home");
    }

    #[test]
    fn cache_dir_follows_xdg_then_home() {
        let env = Environment::from_vars([("HOME", "/h"), ("XDG_CACHE_HOME", "/x")]);
        assert_eq!(env.cache_dir(), Some(PathBuf::from("/x/aws-sso-credential-process")));
        let env = Environment::from_vars([("HOME", "/h")]);
        assert_eq!(env.cache_dir(), Some(PathBuf::from("/h/.cache/aws-sso-credential-process")));
    }
}
