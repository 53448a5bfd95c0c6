//! Rendering as JSON (`--json`): one document, every field always present.

use super::*;

/// The `--json` document (documented in docs/reference.md): `version`, `usable`, `verified`, one entry
/// per profile shown in `profiles`, and the profiles that could not be resolved in `unresolved`.
pub(super) fn render_json(entries: &[Entry], now: OffsetDateTime) -> String {
    let shown = shown(entries);
    let unresolved: Vec<Value> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Unresolved { profile, error } => Some(json!({"profile": profile, "error": error})),
            Entry::Shown(_) => None,
        })
        .collect();
    let verifications: Vec<&Verification> = shown.iter().filter_map(|s| s.verification.as_ref()).collect();
    let verified = (!verifications.is_empty())
        .then(|| verifications.iter().all(|v| matches!(v, Verification::Checked { mismatch: None, .. })));
    let document = json!({
        "version": JSON_VERSION,
        "checked_at": timestamp::format(now),
        "usable": !shown.is_empty() && shown.iter().all(|s| s.verdict().usable),
        "verified": verified,
        "profiles": shown.iter().map(|s| profile_json(s)).collect::<Vec<_>>(),
        "unresolved": unresolved,
    });
    let mut text = serde_json::to_string_pretty(&document).expect("a JSON value serializes");
    text.push('\n');
    text
}

// Long by design: one JSON document, every field in the order it is printed.
pub(super) fn profile_json(status: &ProfileStatus) -> Value {
    let role = &status.role;
    let (session_name, legacy) = match &role.session {
        SsoSession::Named { name, .. } => (Some(name.as_str()), false),
        SsoSession::Legacy { .. } => (None, true),
    };
    let token = &status.token;
    let (expires_at, refreshable, not_refreshable_reason, registration_expires_at, problem) = match &token.file {
        TokenFile::Missing => (None, None, None, None, None),
        TokenFile::Unreadable(why) => (None, None, None, None, Some(why.clone())),
        TokenFile::Read { expires_at, refreshable, registration_expires_at, .. } => (
            Some(*expires_at),
            Some(refreshable.is_ok()),
            refreshable.err().map(|why| why.to_string()),
            *registration_expires_at,
            None,
        ),
    };
    let hops: Vec<Value> = status
        .chain
        .iter()
        .flat_map(|chain| &chain.hops)
        .map(|hop| {
            json!({
                "profile": hop.hop.profile,
                "role_arn": hop.hop.role_arn,
                "account_id": hop.hop.account_id,
                "credentials": cache_json(&hop.credentials),
                "backoff_until": backoff_json(&hop.backoff_until),
            })
        })
        .collect();
    let verdict = status.verdict();
    json!({
        "profile": status.profile,
        "via": status.via,
        "kind": if status.chain.is_some() { "chain" } else { "sso" },
        "usable": verdict.usable,
        "reason": verdict.reason,
        "login_command": role.session.own_login_command(),
        "cli_login_command": role.session.cli_login_command(),
        "base_profile": status.chain.as_ref().map(|chain| &chain.base_profile),
        "sso_session": session_name,
        "legacy": legacy,
        "start_url": role.session.start_url(),
        "sso_region": role.session.region(),
        "account_id": role.account_id,
        "role_name": role.role_name,
        "hops": hops,
        "token": {
            "path": token.path,
            "exists": !matches!(token.file, TokenFile::Missing),
            "state": token.file.state().as_str(),
            "problem": problem,
            "expires_at": time_json(expires_at),
            "refreshable": refreshable,
            "not_refreshable_reason": not_refreshable_reason,
            "registration_expires_at": time_json(registration_expires_at),
            "lock": lock_json(&token.lock),
        },
        "backoff_until": backoff_json(&status.backoff_until),
        "role_credentials": cache_json(&status.role_credentials),
        "limits": {
            "token_expires_at": time_json(expires_at),
            "token_refreshable": refreshable,
            "registration_expires_at": time_json(registration_expires_at),
            "credentials_expire_at": time_json(status.printed_credentials().expires_at),
            "sso_session_length": Value::Null,
        },
        "verify": status.verification.as_ref().map(verification_json),
    })
}

pub(super) fn cache_json(cache: &CacheStatus) -> Value {
    json!({
        "path": cache.path,
        "exists": cache.exists,
        "expires_at": time_json(cache.expires_at),
        "fresh": cache.fresh,
        "lock": lock_json(&cache.lock),
        "problem": cache.problem,
    })
}

pub(super) fn lock_json(lock: &LockStatus) -> Value {
    let (held, holder, problem) = match &lock.state {
        Probe::NoLockFolder => (None, None, Some("no cache folder for lock files".to_owned())),
        Probe::Seen(LockProbe::Free) => (Some(false), None, None),
        Probe::Seen(LockProbe::Held { holder }) => (Some(true), holder.clone(), None),
        Probe::Seen(LockProbe::Unknown(e)) => (None, None, Some(e.to_string())),
    };
    json!({"path": lock.path, "held": held, "holder": holder, "problem": problem})
}

pub(super) fn backoff_json(backoff: &Probe<Option<OffsetDateTime>>) -> Value {
    match backoff {
        Probe::Seen(until) => time_json(*until),
        Probe::NoLockFolder => Value::Null,
    }
}

pub(super) fn verification_json(verification: &Verification) -> Value {
    match verification {
        Verification::Failed { message, exit_code } => json!({
            "ok": false,
            "error": message,
            "exit_code": *exit_code as u8,
            "account": null,
            "arn": null,
            "user_id": null,
            "expected_account": null,
            "expected_role": null,
            "mismatch": null,
            "warnings": [],
        }),
        Verification::Checked { identity, expected, mismatch, warnings } => json!({
            "ok": mismatch.is_none(),
            "error": null,
            "exit_code": if mismatch.is_some() { ExitKind::Other as u8 } else { 0 },
            "account": identity.account,
            "arn": identity.arn,
            "user_id": identity.user_id,
            "expected_account": expected.account_id,
            "expected_role": match &expected.role { ExpectedRole::Sso(name) | ExpectedRole::Assumed(name) => name },
            "mismatch": mismatch,
            "warnings": warnings,
        }),
    }
}

pub(super) fn time_json(t: Option<OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(timestamp::format(t)))
}
