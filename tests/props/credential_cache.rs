use aws_sso_credential_process::assume_role::{self, AssumedRole};
use aws_sso_credential_process::config::{AssumeRoleHop, SsoRole, SsoSession};
use aws_sso_credential_process::output;
use aws_sso_credential_process::role_credentials::{self, RoleCredentials};
use aws_sso_credential_process::secret::Secret;
use proptest::prelude::*;

use crate::json_text::{self, J};
use crate::timestamps::{timestamp_text, whole_second};

const ACCOUNT: &str = "111122223333";

fn role(account_id: &str) -> SsoRole {
    SsoRole {
        session: SsoSession::Named {
            name: "my-sso".into(),
            start_url: "https://x/start".into(),
            region: "us-east-1".into(),
        },
        account_id: account_id.to_owned(),
        role_name: "ReadOnly".into(),
    }
}

fn hop(account_id: &str) -> AssumeRoleHop {
    AssumeRoleHop {
        profile: "admin".into(),
        role_arn: format!("arn:aws:iam::{account_id}:role/Admin"),
        account_id: account_id.to_owned(),
        role_session_name: None,
        external_id: None,
        duration_seconds: None,
    }
}

/// Reads `bytes` as both kinds of cache file; returns what each made of it, after doing with it
/// what the hot path does: check freshness, print the credential_process document.
fn read_both(bytes: &[u8]) -> (Option<RoleCredentials>, Option<RoleCredentials>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.json");
    std::fs::write(&path, bytes).unwrap();
    let read = (role_credentials::read_cached(&path, &role(ACCOUNT)), assume_role::read_cached(&path, &hop(ACCOUNT)));
    if let Some(credentials) = &read.0 {
        let now = time::OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        let _ = credentials.fresh_at(now);
        let document = output::credential_process_json(credentials);
        assert!(document.ends_with('\n') && document.matches('\n').count() == 1, "{document}");
    }
    read
}

/// A value for a credential field: usually a string, often not.
fn field_value() -> impl Strategy<Value = J> {
    prop_oneof![
        2 => timestamp_text().prop_map(|t| J::Str(json_text::plain(&t))),
        2 => json_text::jstr(24).prop_map(J::Str),
        1 => json_text::value(),
    ]
}

/// `{"ProviderType": …, "Credentials": {…}, …}` with the real field names, any values.
fn cache_like_document() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec![
        "AccessKeyId",
        "SecretAccessKey",
        "SessionToken",
        "Expiration",
        "AccountId",
        "accessKeyId",
        "expiration",
    ]);
    let credentials = prop_oneof![
        3 => proptest::collection::vec((key, field_value()), 0..8).prop_map(|members| {
            J::Obj(members.into_iter().map(|(k, v)| (json_text::plain(k), v)).collect(), " ")
        }),
        1 => json_text::value(),
    ];
    let top = prop::sample::select(vec!["Credentials", "ProviderType", "AssumedRoleUser", "credentials"]);
    proptest::collection::vec((top, prop_oneof![3 => credentials, 1 => json_text::value()]), 0..4)
        .prop_map(|members| J::Obj(members.into_iter().map(|(k, v)| (json_text::plain(k), v)).collect(), "").text())
}

/// Access key IDs are ASCII; secrets are anything but empty (an empty one is a miss).
fn credentials() -> impl Strategy<Value = RoleCredentials> {
    ("(ASIA|AKIA)[A-Z0-9]{12,16}", "\\PC{1,64}|.{1,64}", ".{1,200}", whole_second(), "[0-9]{12}").prop_map(
        |(access_key_id, secret, token, expiration, account_id)| RoleCredentials {
            access_key_id,
            secret_access_key: Secret::new(secret),
            session_token: Secret::new(token),
            expiration,
            account_id,
        },
    )
}

proptest! {
    #![proptest_config(crate::config(256))]

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_both(&bytes);
    }

    #[test]
    fn any_document_of_the_real_fields_never_panics(text in cache_like_document()) {
        let (sso, assumed) = read_both(text.as_bytes());
        // Both caches share one reader: the same file means the same credentials.
        prop_assert_eq!(sso, assumed);
    }

    /// Usable credentials with any timestamp text (the edges of the representable range
    /// included) as `Expiration`: reading, checking and printing them never panics.
    #[test]
    fn any_expiration_never_panics(expiration in timestamp_text(), utc_suffix in any::<bool>()) {
        let expiration = if utc_suffix { format!("{}UTC", expiration.trim_end_matches('Z')) } else { expiration };
        let document = serde_json::json!({"Credentials": {
            "AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": expiration,
        }});
        let (sso, assumed) = read_both(document.to_string().as_bytes());
        prop_assert_eq!(sso, assumed);
    }

    #[test]
    fn role_cache_round_trips(credentials in credentials()) {
        let bytes = role_credentials::cache_file_bytes(&credentials);
        prop_assert!(bytes.is_ascii());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert_eq!(role_credentials::read_cached(&path, &role(&credentials.account_id)), Some(credentials));
    }

    #[test]
    fn assume_role_cache_round_trips(
        credentials in credentials(),
        arn in "\\PC{0,80}",
        assumed_role_id in "\\PC{0,40}",
        source_identity in proptest::option::of("\\PC{0,40}"),
    ) {
        let assumed = AssumedRole { credentials: credentials.clone(), arn, assumed_role_id, source_identity };
        let bytes = assume_role::cache_file_bytes(&assumed);
        prop_assert!(bytes.is_ascii());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.json");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert_eq!(assume_role::read_cached(&path, &hop(&credentials.account_id)), Some(credentials));
    }
}
