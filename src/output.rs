//! What goes to stdout: the credential_process document, and nothing else, ever.
//!
//! This is the only module that writes to stdout.

use std::io::{self, Write};

use serde_json::json;

use crate::role_credentials::RoleCredentials;
use crate::timestamp;

/// The AWS-defined credential_process document, `Version` 1, `Expiration` in UTC with `Z` (the
/// form the strict Java and C parsers need), plus `AccountId` (read by botocore ≥ 1.35, the
/// Rust and JS SDKs; ignored by older clients).
pub fn credential_process_json(credentials: &RoleCredentials) -> String {
    let document = json!({
        "Version": 1,
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key.expose(),
        "SessionToken": credentials.session_token.expose(),
        "Expiration": timestamp::format(credentials.expiration),
        "AccountId": credentials.account_id,
    });
    let mut text = document.to_string();
    text.push('\n');
    text
}

/// Prints the document to stdout in one write.
#[expect(clippy::disallowed_methods, reason = "the one stdout writer")]
pub fn print(credentials: &RoleCredentials) -> io::Result<()> {
    let text = credential_process_json(credentials);
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use time::macros::datetime;

    #[test]
    fn exact_document() {
        let credentials = RoleCredentials {
            access_key_id: "ASIAX".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration: datetime!(2026-11-22 18:49:49 UTC),
            account_id: "111122223333".into(),
        };
        assert_eq!(
            credential_process_json(&credentials),
            "{\"Version\":1,\"AccessKeyId\":\"ASIAX\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"t\",\"Expiration\":\"2026-11-22T18:49:49Z\",\"AccountId\":\"111122223333\"}\n"
        );
    }
}
