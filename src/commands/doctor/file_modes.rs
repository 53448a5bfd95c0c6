//! `file-modes`: files and folders holding the config, keys, tokens and credentials that other
//! users could read or change.

use std::path::PathBuf;

use super::{Check, Finding, Severity, shell_path};
use crate::fs_util::folder_distrust;

/// What a path is, which decides what others may not do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// The config file: nobody else may write it (it says which programs run).
    ConfigFile,
    /// The credentials file: nobody else may read or write it.
    CredentialsFile,
    /// `~/.aws`, `~/.aws/sso`, `~/.aws/cli`: nobody else may write them.
    Folder,
    /// `~/.aws/sso/cache`, `~/.aws/cli/cache`: nobody else may write them, nor should list them.
    CacheFolder,
    /// A file in a cache folder: nobody else may read or write it.
    CacheFile,
    /// This program's own cache folder (locks, the last response): nobody else may write it.
    HelperFolder,
}

/// A path with its permission bits and owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// The path.
    pub path: PathBuf,
    /// What it is.
    pub kind: Kind,
    /// Its mode (`st_mode`).
    pub mode: u32,
    /// Its owner's uid.
    pub owner: u32,
}

/// `readable by other users`, `writable by other users`, or both, if `mode` allows it within `mask`.
fn access(mode: u32, mask: u32) -> Option<&'static str> {
    let (read, write) = (mode & mask & 0o044 != 0, mode & mask & 0o022 != 0);
    match (read, write) {
        (false, false) => None,
        (true, false) => Some("readable by other users"),
        (false, true) => Some("writable by other users"),
        (true, true) => Some("readable and writable by other users"),
    }
}

fn finding(entry: &Entry, severity: Severity, message: String, fix: String) -> Finding {
    Finding { check: Check::FileModes, severity, file: entry.path.clone(), section: None, message, fix }
}

/// The findings for `entries`, given our uid `us`.
pub(super) fn check(entries: &[Entry], us: u32) -> Vec<Finding> {
    entries
        .iter()
        .filter_map(|entry| match entry.kind {
            Kind::ConfigFile => file_finding(entry, us, (0o022, "chmod go-w"), |what| {
                format!(
                    "the config file is {what}: they could make your profiles run a credential_process of their choosing"
                )
            }),
            Kind::CredentialsFile => file_finding(entry, us, (0o077, "chmod 600"), |what| {
                format!("the credentials file is {what}, and it holds access keys")
            }),
            Kind::Folder | Kind::CacheFolder | Kind::HelperFolder => folder_finding(entry, us),
            Kind::CacheFile => cache_file_finding(entry),
        })
        .collect()
}

/// The config or credentials file: owned by someone else, or open to others beyond `mask` (fixed
/// by `chmod`); `message` says what that lets them do, given what is wrong.
fn file_finding(
    entry: &Entry,
    us: u32,
    (mask, chmod): (u32, &str),
    message: impl FnOnce(&str) -> String,
) -> Option<Finding> {
    let mode = entry.mode & 0o7777;
    let path = shell_path(&entry.path);
    let mut what = Vec::new();
    let mut fix = Vec::new();
    if entry.owner != us && entry.owner != 0 {
        what.push(format!("owned by another user (uid {}; you are uid {us})", entry.owner));
        fix.push(format!("sudo chown {us} {path}"));
    }
    if let Some(access) = access(mode, mask) {
        what.push(format!("{access} (mode {mode:04o})"));
        fix.push(format!("{chmod} {path}"));
    }
    (!what.is_empty()).then(|| finding(entry, Severity::Problem, message(&what.join(" and ")), fix.join(" && ")))
}

/// A folder others can write to or that someone else owns (a problem), or a cache folder others
/// can list (a warning).
fn folder_finding(entry: &Entry, us: u32) -> Option<Finding> {
    let mode = entry.mode & 0o7777;
    if let Some(distrust) = folder_distrust(&entry.path, entry.mode, entry.owner, us) {
        let could = match entry.kind {
            Kind::Folder => "replace the files in it",
            Kind::CacheFolder => "replace the SSO tokens or credentials cached in it",
            _ => "plant lock files that stall every caller, or replace what it records",
        };
        let message = format!("the folder {}, so they could {could}", distrust.what);
        return Some(finding(entry, Severity::Problem, message, distrust.fix));
    }
    (entry.kind == Kind::CacheFolder && mode & 0o077 != 0).then(|| {
        finding(
            entry,
            Severity::Warning,
            format!(
                "other users can list the folder (mode {mode:04o}), and so see which SSO sessions and roles have cached credentials"
            ),
            format!("chmod 700 {}", shell_path(&entry.path)),
        )
    })
}

/// A token or credentials cache file others can read or write.
fn cache_file_finding(entry: &Entry) -> Option<Finding> {
    let mode = entry.mode & 0o7777;
    let access = access(mode, 0o077)?;
    Some(finding(
        entry,
        Severity::Problem,
        format!("the file is {access} (mode {mode:04o}), and it holds secrets (an SSO token or credentials)"),
        format!("chmod 600 {}", shell_path(&entry.path)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, kind: Kind, mode: u32, owner: u32) -> Entry {
        Entry { path: PathBuf::from(path), kind, mode, owner }
    }

    fn messages(entries: &[Entry]) -> Vec<(Severity, String, String)> {
        check(entries, 1000).into_iter().map(|f| (f.severity, f.message, f.fix)).collect()
    }

    #[test]
    fn private_files_and_folders_are_fine() {
        let entries = [
            entry("/h/.aws/config", Kind::ConfigFile, 0o100644, 1000),
            entry("/h/.aws/credentials", Kind::CredentialsFile, 0o100600, 1000),
            entry("/h/.aws", Kind::Folder, 0o40755, 1000),
            entry("/h/.aws/sso/cache", Kind::CacheFolder, 0o40700, 1000),
            entry("/h/.aws/sso/cache/a.json", Kind::CacheFile, 0o100400, 1000),
            entry("/h/.cache/x", Kind::HelperFolder, 0o40755, 0),
        ];
        assert_eq!(messages(&entries), []);
    }

    #[test]
    fn open_files_and_folders_are_named_with_the_chmod() {
        let found = messages(&[
            entry("/h/.aws/config", Kind::ConfigFile, 0o100666, 1000),
            entry("/h/.aws/credentials", Kind::CredentialsFile, 0o100640, 1000),
            entry("/h/.aws", Kind::Folder, 0o40777, 1000),
            entry("/h/.aws/cli/cache", Kind::CacheFolder, 0o40755, 1000),
            entry("/h/.aws/cli/cache/b.json", Kind::CacheFile, 0o100664, 1000),
            entry("/h/my cache", Kind::HelperFolder, 0o40700, 1001),
        ]);
        let expected = [
            (
                Severity::Problem,
                "the config file is writable by other users (mode 0666): they could make your profiles run a credential_process of their choosing",
                "chmod go-w /h/.aws/config",
            ),
            (
                Severity::Problem,
                "the credentials file is readable by other users (mode 0640), and it holds access keys",
                "chmod 600 /h/.aws/credentials",
            ),
            (
                Severity::Problem,
                "the folder is writable by other users (mode 0777), so they could replace the files in it",
                "chmod 700 /h/.aws",
            ),
            (
                Severity::Warning,
                "other users can list the folder (mode 0755), and so see which SSO sessions and roles have cached credentials",
                "chmod 700 /h/.aws/cli/cache",
            ),
            (
                Severity::Problem,
                "the file is readable and writable by other users (mode 0664), and it holds secrets (an SSO token or credentials)",
                "chmod 600 /h/.aws/cli/cache/b.json",
            ),
            (
                Severity::Problem,
                "the folder is owned by another user (uid 1001; you are uid 1000), so they could plant lock files that stall every caller, or replace what it records",
                "sudo chown 1000 '/h/my cache'",
            ),
        ];
        let expected: Vec<(Severity, String, String)> =
            expected.into_iter().map(|(s, m, f)| (s, m.to_owned(), f.to_owned())).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_foreign_config_file_needs_chown_too() {
        let found = messages(&[entry("/h/c", Kind::ConfigFile, 0o100664, 1001)]);
        assert_eq!(
            found[0].1,
            "the config file is owned by another user (uid 1001; you are uid 1000) and writable by other users (mode 0664): they could make your profiles run a credential_process of their choosing"
        );
        assert_eq!(found[0].2, "sudo chown 1000 /h/c && chmod go-w /h/c");
    }
}
