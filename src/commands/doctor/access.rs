//! `home-folder` and `unusable-files`: what the credential call must read or write but this user
//! cannot. The findings are pure functions of what was probed ([`Probed`]); the probing is in
//! `gather`.

use std::path::{Path, PathBuf};

use super::{Check, Finding, Severity, shell_path};

/// `home-folder`: the home folder (where the token and credential caches live, whatever
/// `AWS_CONFIG_FILE` says) does not exist or is not a folder. `variable` is where its path came
/// from (`$HOME`, `%USERPROFILE%`); `problem` what is wrong with it, if anything.
pub(super) fn home_folder(home: &Path, variable: &str, problem: Option<&str>) -> Option<Finding> {
    let problem = problem?;
    Some(Finding {
        check: Check::HomeFolder,
        severity: Severity::Problem,
        file: home.to_path_buf(),
        section: None,
        message: format!(
            "the home folder (from {variable}) {problem}: the helper finds no sign-in and no cached credentials there and cannot save any, so every profile fails"
        ),
        fix: format!("set {variable} to your home folder, or create this one: mkdir -p {}", shell_path(home)),
    })
}

/// What a path is to the credential call, for the message and the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// `~/.aws/sso/cache`: SSO tokens (read, and written after a refresh).
    TokenFolder,
    /// `~/.aws/cli/cache`: role credentials (read, and written after a fetch).
    CredentialFolder,
    /// This program's lock folder.
    LockFolder,
    /// A file in `~/.aws/cli/cache`.
    CredentialFile,
    /// A lock file.
    LockFile,
}

/// One path that this user cannot use as the credential call needs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Probed {
    /// The path (for a folder not created yet, the folder itself).
    pub path: PathBuf,
    pub role: Role,
    /// The operating system's error, or what is missing (`cannot create it in …`).
    pub error: String,
    /// Owned by another user (the fix is then `sudo chown`/`sudo rm`, not `chmod`).
    pub foreign: bool,
}

/// `unusable-files`: one finding per path this user cannot use.
pub(super) fn unusable(probed: &[Probed]) -> Vec<Finding> {
    probed
        .iter()
        .map(|p| {
            let path = shell_path(&p.path);
            let (severity, consequence, fix) = match p.role {
                Role::TokenFolder => (
                    Severity::Problem,
                    "a refreshed SSO token cannot be saved, so each call refreshes it again, and `aws sso login` cannot write its token",
                    folder_fix(&path, p.foreign),
                ),
                Role::CredentialFolder => (
                    Severity::Problem,
                    "role credentials cannot be cached, so every call fetches new ones from AWS",
                    folder_fix(&path, p.foreign),
                ),
                Role::LockFolder => (
                    Severity::Problem,
                    "no caller can take a lock, so parallel callers each refresh the token and fetch credentials (a refresh token used twice can end the session)",
                    folder_fix(&path, p.foreign),
                ),
                Role::CredentialFile => (
                    Severity::Warning,
                    "the helper and the AWS CLI treat it as missing and replace it at the next fetch",
                    format!("{}rm {path}", if p.foreign { "sudo " } else { "" }),
                ),
                Role::LockFile => (
                    Severity::Problem,
                    "no caller can take this lock, so parallel callers each refresh the token or fetch credentials",
                    format!("{}rm {path}", if p.foreign { "sudo " } else { "" }),
                ),
            };
            Finding {
                check: Check::UnusableFiles,
                severity,
                file: p.path.clone(),
                section: None,
                message: format!("this user cannot use it ({}): {consequence}", p.error),
                fix,
            }
        })
        .collect()
}

fn folder_fix(path: &str, foreign: bool) -> String {
    if foreign {
        format!("sudo chown -R \"$(id -u):$(id -g)\" {path} && chmod 700 {path}")
    } else {
        format!("chmod 700 {path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_home_is_a_problem_naming_the_variable() {
        let finding = home_folder(Path::new("/nowhere"), "$HOME", Some("does not exist")).unwrap();
        assert_eq!(finding.severity, Severity::Problem);
        assert_eq!(
            finding.message,
            "the home folder (from $HOME) does not exist: the helper finds no sign-in and no cached credentials there and cannot save any, so every profile fails"
        );
        assert_eq!(finding.fix, "set $HOME to your home folder, or create this one: mkdir -p /nowhere");
        assert!(home_folder(Path::new("/home/me"), "$HOME", None).is_none());
    }

    #[test]
    fn each_role_has_its_severity_and_fix() {
        let probed = |role, foreign| Probed {
            path: PathBuf::from("/h/x"),
            role,
            error: "Permission denied (os error 13)".to_owned(),
            foreign,
        };
        let findings = unusable(&[
            probed(Role::LockFolder, false),
            probed(Role::LockFolder, true),
            probed(Role::CredentialFile, true),
            probed(Role::LockFile, false),
        ]);
        let got: Vec<(Severity, &str)> = findings.iter().map(|f| (f.severity, f.fix.as_str())).collect();
        assert_eq!(
            got,
            [
                (Severity::Problem, "chmod 700 /h/x"),
                (Severity::Problem, "sudo chown -R \"$(id -u):$(id -g)\" /h/x && chmod 700 /h/x"),
                (Severity::Warning, "sudo rm /h/x"),
                (Severity::Problem, "rm /h/x"),
            ]
        );
        assert!(
            findings[0].message.starts_with("this user cannot use it (Permission denied (os error 13)): no caller")
        );
    }
}
