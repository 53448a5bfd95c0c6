//! `expired-cli-cache`: expired credential files in the AWS CLI's cache (`~/.aws/cli/cache`).
//!
//! Harmless (a role's file is replaced when the role is next used) but the files of roles no
//! longer used are never removed: `aws sso logout` deletes only the SSO ones.

use std::path::{Path, PathBuf};

use serde_json::Value;
use time::OffsetDateTime;

use super::{Check, Finding, Severity, shell_path};
use crate::timestamp;

/// Up to this many expired files, the fix lists them in one `rm`; beyond, it clears the folder.
const LISTED: usize = 5;

/// When the credentials in an AWS CLI cache file expire, if it holds any: `Credentials.Expiration`
/// in any form the AWS tools write (the SSO fetcher's `…Z`, the assume-role fetcher's `…UTC`).
fn expiration(bytes: &[u8]) -> Option<OffsetDateTime> {
    let document: Value = serde_json::from_slice(bytes).ok()?;
    timestamp::parse(document.get("Credentials")?.get("Expiration")?.as_str()?)
}

/// The finding for `folder`, given its `*.json` files (sorted) and their bytes, at `now`; and a
/// note on what was looked at.
pub(super) fn check(folder: &Path, files: &[(PathBuf, Vec<u8>)], now: OffsetDateTime) -> (Option<Finding>, String) {
    let with_expiry: Vec<(&PathBuf, OffsetDateTime)> =
        files.iter().filter_map(|(path, bytes)| Some((path, expiration(bytes)?))).collect();
    let expired: Vec<&PathBuf> = with_expiry.iter().filter(|(_, at)| *at <= now).map(|(path, _)| *path).collect();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let note = format!("{} cached credential file{}, none expired", with_expiry.len(), plural(with_expiry.len()));
    if expired.is_empty() {
        return (None, note);
    }
    let n = expired.len();
    let fix = if n <= LISTED {
        let paths: Vec<String> = expired.iter().map(|path| shell_path(path)).collect();
        format!("rm {}", paths.join(" "))
    } else {
        format!(
            "delete the {n} expired files, or clear the whole cache (valid entries are fetched again when next needed):\n  rm {}/*.json",
            shell_path(folder)
        )
    };
    let finding = Finding {
        check: Check::ExpiredCliCache,
        severity: Severity::Warning,
        file: folder.to_path_buf(),
        section: None,
        message: format!(
            "{n} of the {} cached credential file{} in the folder {} expired: harmless (a role's file is replaced when the role is next used), but those of roles no longer used pile up",
            with_expiry.len(),
            plural(with_expiry.len()),
            if n == 1 { "has" } else { "have" }
        ),
        fix,
    };
    (Some(finding), note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-23 12:00:00 UTC);

    fn file(name: &str, expiration: &str) -> (PathBuf, Vec<u8>) {
        let text = format!(r#"{{"Credentials": {{"AccessKeyId": "ASIA", "Expiration": "{expiration}"}}}}"#);
        (PathBuf::from(format!("/h/.aws/cli/cache/{name}.json")), text.into_bytes())
    }

    #[test]
    fn expired_files_in_both_timestamp_forms_are_counted_and_listed() {
        let folder = Path::new("/h/.aws/cli/cache");
        let files = [
            file("a", "2026-11-23T11:00:00Z"),
            file("b", "2026-11-23T10:00:00UTC"),
            file("c", "2026-11-23T13:00:00Z"),
            (PathBuf::from("/h/.aws/cli/cache/d.json"), b"not json".to_vec()),
        ];
        let (finding, note) = check(folder, &files, NOW);
        let finding = finding.unwrap();
        assert_eq!(note, "3 cached credential files, none expired");
        assert_eq!(
            finding.message,
            "2 of the 3 cached credential files in the folder have expired: harmless (a role's file is replaced when the role is next used), but those of roles no longer used pile up"
        );
        assert_eq!(finding.fix, "rm /h/.aws/cli/cache/a.json /h/.aws/cli/cache/b.json");
        assert_eq!(check(folder, &files[2..], NOW).0, None);
        assert_eq!(check(folder, &[], NOW).1, "0 cached credential files, none expired");
    }

    #[test]
    fn many_expired_files_are_a_count_and_the_folder() {
        let files: Vec<_> = (0..7).map(|i| file(&i.to_string(), "2020-01-01T00:00:00Z")).collect();
        let finding = check(Path::new("/h/my cache"), &files, NOW).0.unwrap();
        assert!(finding.message.starts_with("7 of the 7 cached credential files in the folder have expired"));
        assert!(finding.fix.starts_with("delete the 7 expired files,"));
        assert!(finding.fix.ends_with("\n  rm '/h/my cache'/*.json"), "{}", finding.fix);
    }
}
