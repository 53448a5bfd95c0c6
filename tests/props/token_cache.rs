use aws_sso_credential_process::secret::Secret;
use aws_sso_credential_process::timestamp;
use aws_sso_credential_process::token::refresh::NewToken;
use aws_sso_credential_process::token::{self, CachedToken, cache};
use proptest::prelude::*;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::json_text::{self, J, JStr};
use crate::timestamps::timestamp_text;

const ACCESS_TOKEN: &str = "accessToken";
const EXPIRES_AT: &str = "expiresAt";
const REFRESH_TOKEN: &str = "refreshToken";
/// Every key the token reader looks at (case-insensitively).
const KNOWN: [&str; 6] = [ACCESS_TOKEN, EXPIRES_AT, REFRESH_TOKEN, "clientId", "clientSecret", "registrationExpiresAt"];

/// A key as some writer might spell it: the Rust SDK matches keys case-insensitively.
fn spelled(key: &'static str) -> impl Strategy<Value = String> {
    prop::sample::select(vec![key.to_owned(), key.to_ascii_lowercase(), key.to_ascii_uppercase()])
}

/// "Now" as a real clock says it: 2000 to 2200, with a fraction of a second.
fn now() -> impl Strategy<Value = OffsetDateTime> {
    (946_684_800i64..7_258_118_400, 0u32..1_000_000_000).prop_map(|(s, n)| {
        OffsetDateTime::from_unix_timestamp(s).expect("in range").replace_nanosecond(n).expect("valid nanosecond")
    })
}

fn new_token() -> impl Strategy<Value = NewToken> {
    ("\\PC{1,80}", 1i32..=i32::MAX, proptest::option::of("\\PC{1,80}")).prop_map(|(access, expires_in, rotated)| {
        NewToken { access_token: Secret::new(access), expires_in, refresh_token: rotated.map(Secret::new) }
    })
}

/// Everything the program does with a token it read: the refresh decision, the grant, a refresh
/// and the rewrite. None of it may panic, whatever the file said.
fn use_token(token: &CachedToken, now: OffsetDateTime, new: &NewToken) {
    let _ = token::decide(token, now);
    let _ = token.usable_grant(now);
    let refreshed = token.refreshed(new, now);
    let bytes = refreshed.to_bytes();
    assert!(CachedToken::parse(&bytes).is_ok(), "a rewritten token does not read back");
}

/// A value for a known key: usually the right type, often not.
fn known_value() -> impl Strategy<Value = J> {
    prop_oneof![
        3 => timestamp_text().prop_map(|t| J::Str(json_text::plain(&t))),
        2 => json_text::jstr(16).prop_map(J::Str),
        2 => json_text::value(),
    ]
}

/// A document built from the real field names, with values of any type, keys possibly repeated.
fn token_like_document() -> impl Strategy<Value = String> {
    let key = prop::sample::select(KNOWN.to_vec()).prop_flat_map(spelled);
    let members = proptest::collection::vec((key, known_value()), 0..10);
    (members, json_text::whitespace()).prop_map(|(members, ws)| {
        let members = members.into_iter().map(|(k, v)| (json_text::plain(&k), v)).collect();
        J::Obj(members, ws).text()
    })
}

/// A key no token reader knows.
fn unknown_key() -> impl Strategy<Value = JStr> {
    json_text::jstr(12)
        .prop_filter("not a known key", |k| !KNOWN.iter().any(|known| k.value.eq_ignore_ascii_case(known)))
}

/// A valid token document: the known fields (some optional, spelled in any case, with a
/// timestamp any writer uses) and unknown fields of every kind, in random order.
#[derive(Debug, Clone)]
struct TokenDocument {
    members: Vec<(JStr, J)>,
    ws: &'static str,
}

impl TokenDocument {
    fn text(&self) -> String {
        J::Obj(self.members.clone(), self.ws).text()
    }

    fn has(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| k.value.eq_ignore_ascii_case(key))
    }
}

fn writer_timestamp() -> impl Strategy<Value = String> {
    (crate::timestamps::whole_second(), 0usize..4).prop_map(|(t, form)| {
        let z = timestamp::format(t);
        match form {
            0 => z,
            1 => format!("{}.{:06}Z", &z[..19], t.second()),
            2 => format!("{}+00:00", &z[..19]),
            _ => format!("{}UTC", &z[..19]),
        }
    })
}

fn token_document() -> impl Strategy<Value = TokenDocument> {
    let string = || json_text::jstr(40).prop_map(J::Str);
    let stamp = || writer_timestamp().prop_map(|t| J::Str(json_text::plain(&t)));
    let known = (
        (spelled(ACCESS_TOKEN), string()),
        (spelled(EXPIRES_AT), stamp()),
        proptest::option::of((spelled(REFRESH_TOKEN), string())),
        proptest::option::of((spelled("clientId"), string())),
        proptest::option::of((spelled("clientSecret"), string())),
        proptest::option::of((spelled("registrationExpiresAt"), stamp())),
    );
    let unknown = proptest::collection::vec((unknown_key(), json_text::value()), 0..8);
    (known, unknown, json_text::whitespace())
        .prop_flat_map(|((access, expires, refresh, id, secret, registration), unknown, ws)| {
            let mut members: Vec<(JStr, J)> = [Some(access), Some(expires), refresh, id, secret, registration]
                .into_iter()
                .flatten()
                .map(|(k, v)| (json_text::plain(&k), v))
                .collect();
            members.extend(json_text::unique(unknown));
            (Just(members).prop_shuffle(), Just(ws))
        })
        .prop_map(|(members, ws)| TokenDocument { members, ws })
}

proptest! {
    #![proptest_config(crate::config(256))]

    #[test]
    fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), now in now(), new in new_token()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(token) = cache::read(&path) {
            use_token(&token, now, &new);
        }
    }

    #[test]
    fn any_document_of_the_real_fields_never_panics(text in token_like_document(), now in now(), new in new_token()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        std::fs::write(&path, &text).unwrap();
        if let Ok(token) = cache::read(&path) {
            use_token(&token, now, &new);
        }
    }

    /// A token that reads, with any timestamp text in `expiresAt` and `registrationExpiresAt`
    /// (the edges of the representable range included): deciding, refreshing and rewriting it
    /// never panics.
    #[test]
    fn any_timestamps_in_a_token_never_panic(
        expires_at in timestamp_text(),
        registration_expires_at in timestamp_text(),
        now in now(),
        new in new_token(),
    ) {
        let document = serde_json::json!({
            "accessToken": "a",
            "expiresAt": expires_at,
            "clientId": "c",
            "clientSecret": "s",
            "registrationExpiresAt": registration_expires_at,
            "refreshToken": "r",
        });
        if let Ok(token) = CachedToken::parse(document.to_string().as_bytes()) {
            use_token(&token, now, &new);
        }
    }

    #[test]
    fn a_truncated_document_never_panics(doc in token_document(), cut in any::<prop::sample::Index>(), now in now(), new in new_token()) {
        let text = doc.text();
        let bytes = &text.as_bytes()[..cut.index(text.len() + 1)];
        if let Ok(token) = CachedToken::parse(bytes) {
            use_token(&token, now, &new);
        }
    }

    /// The issue's promise, taken literally: a refresh keeps every number's text as it was. A
    /// number with an exponent (`1e400`, `2E5`) comes back as `1e+400`, `2e+5`: serde_json's
    /// `arbitrary_precision` reader spells every exponent `e` with a sign. The value is the same,
    /// the bytes are not.
    #[test]
    fn number_texts_are_kept_exactly(number in json_text::number_text()) {
        let text = format!(r#"{{"accessToken": "a", "expiresAt": "2026-11-23T01:49:49Z", "n": {number}}}"#);
        let token = CachedToken::parse(text.as_bytes()).expect("a valid token");
        let new = NewToken { access_token: Secret::new("b"), expires_in: 3600, refresh_token: None };
        let now = OffsetDateTime::from_unix_timestamp(1_795_000_000).unwrap();
        let bytes = token.refreshed(&new, now).to_bytes();
        let rewritten = String::from_utf8(bytes).expect("ASCII");
        let kept = rewritten.strip_prefix(r#"{"accessToken": "b", "expiresAt": "#).and_then(|rest| rest.split_once(r#""n": "#)).map(|(_, n)| n.trim_end_matches('}'));
        // serde_json keeps the digits but spells an exponent `e` with a sign (`2E5` → `2e+5`),
        // the same number; everything else is kept to the byte.
        prop_assert_eq!(kept.map(exponent_spelled_as_serde_json), Some(exponent_spelled_as_serde_json(&number)), "{} became {}", number, rewritten);
        if !number.contains(['e', 'E']) {
            prop_assert_eq!(kept, Some(number.as_str()));
        }
    }

    /// A refresh rewrites `accessToken`, `expiresAt` and (if rotated) `refreshToken`, and keeps
    /// every other field: same key spelling, same place, same value, same number text.
    #[test]
    fn a_refresh_keeps_every_unknown_field(doc in token_document(), now in now(), new in new_token()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token.json");
        let text = doc.text();
        std::fs::write(&path, &text).unwrap();
        let token = match cache::read(&path) {
            Ok(token) => token,
            Err(e) => panic!("a valid token did not read: {e:?}\n{text}"),
        };
        let refreshed = token.refreshed(&new, now);
        let bytes = refreshed.to_bytes();
        prop_assert!(bytes.is_ascii(), "json.dumps writes ASCII only");
        let rewritten: Value = serde_json::from_slice(&bytes).expect("the rewrite is JSON");
        let map = rewritten.as_object().expect("an object");

        let mut expected_keys: Vec<&str> = doc.members.iter().map(|(k, _)| k.value.as_str()).collect();
        if new.refresh_token.is_some() && !doc.has(REFRESH_TOKEN) {
            expected_keys.push(REFRESH_TOKEN);
        }
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        prop_assert_eq!(keys, expected_keys);

        let expires_at = (now + Duration::seconds(new.expires_in.into())).replace_nanosecond(0).unwrap();
        let expires_at_text = timestamp::format(expires_at);
        for (key, original) in &doc.members {
            let got = &map[&key.value];
            if key.value.eq_ignore_ascii_case(ACCESS_TOKEN) {
                prop_assert_eq!(got.as_str(), Some(new.access_token.expose()));
            } else if key.value.eq_ignore_ascii_case(EXPIRES_AT) {
                prop_assert_eq!(got.as_str(), Some(expires_at_text.as_str()));
            } else if key.value.eq_ignore_ascii_case(REFRESH_TOKEN) && new.refresh_token.is_some() {
                prop_assert_eq!(got.as_str(), new.refresh_token.as_ref().map(Secret::expose));
            } else {
                original.assert_same_value(got, &key.value);
            }
        }

        // And it reads back as the refreshed token.
        let reread = CachedToken::parse(&bytes).expect("the rewrite reads back");
        prop_assert_eq!(reread.access_token.expose(), new.access_token.expose());
        prop_assert_eq!(reread.expires_at, expires_at);
        // A grant stays a grant, with the rotated refresh token if one came back. (Real refreshes
        // start from a grant; without one, a rotated token may complete one, so no check then.)
        if let Some(grant) = &token.grant {
            let regrant = reread.grant.as_ref().expect("the grant is kept");
            let expected = new.refresh_token.as_ref().unwrap_or(&grant.refresh_token);
            prop_assert_eq!(regrant.refresh_token.expose(), expected.expose());
            prop_assert_eq!(&regrant.client_id, &grant.client_id);
            prop_assert_eq!(regrant.client_secret.expose(), grant.client_secret.expose());
            prop_assert_eq!(regrant.registration_expires_at, grant.registration_expires_at);
        }
    }
}

proptest! {
    #![proptest_config(crate::config(256))]

    /// `json.dumps` output, default and compact: ASCII only, and it reads back as the same value.
    #[test]
    fn python_json_reads_back_as_the_same_value(doc in json_text::value()) {
        let value: Value = serde_json::from_str(&doc.text()).expect("generated JSON parses");
        for bytes in [aws_sso_credential_process::json::to_python_default(&value), aws_sso_credential_process::json::to_python_compact(&value)] {
            prop_assert!(bytes.is_ascii());
            let reread: Value = serde_json::from_slice(&bytes).expect("the output is JSON");
            doc.assert_same_value(&reread, "$");
        }
    }
}

/// `1E5`, `1e5`, `1e+5` → `1e+5`: how serde_json (arbitrary_precision) writes an exponent.
fn exponent_spelled_as_serde_json(number: &str) -> String {
    match number.split_once(['e', 'E']) {
        Some((mantissa, exponent)) if exponent.starts_with(['+', '-']) => format!("{mantissa}e{exponent}"),
        Some((mantissa, exponent)) => format!("{mantissa}e+{exponent}"),
        None => number.to_owned(),
    }
}
