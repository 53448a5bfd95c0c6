//! Rendering as text: one block of aligned fields per profile.

use super::*;

/// The text output: one aligned block per profile, a blank line between them, and the note on
/// the SSO session's length once at the end.
pub(super) fn render_text(entries: &[Entry], now: OffsetDateTime) -> String {
    let blocks: Vec<String> = entries
        .iter()
        .map(|entry| match entry {
            Entry::Shown(status) => text_block(status, now),
            Entry::Unresolved { profile, error } => {
                let mut out = String::new();
                field(&mut out, 0, "Profile", profile);
                field(&mut out, 0, "Error", error);
                out
            }
        })
        .collect();
    let mut out = blocks.join("\n");
    if entries.iter().any(|entry| matches!(entry, Entry::Shown(_))) {
        out.push('\n');
        out.push_str(SESSION_LENGTH_NOTE);
    }
    out
}

pub(super) fn text_block(status: &ProfileStatus, now: OffsetDateTime) -> String {
    let mut text = String::new();
    identity_fields(&mut text, status);
    token_section(&mut text, &status.token, &status.backoff_until, now);
    credentials_sections(&mut text, status, now);
    limits_section(&mut text, status, now);
    let verdict = status.verdict();
    let word = if verdict.usable { "usable" } else { "login required" };
    field(&mut text, 0, "Verdict", format_args!("{word} ({})", verdict.reason));
    let session = &status.role.session;
    field(
        &mut text,
        0,
        "Login command",
        format!("{} (or {})", session.own_login_command(), session.cli_login_command()),
    );
    if let Some(verification) = &status.verification {
        verification_section(&mut text, verification);
    }
    text
}

/// Which profile, session, account and role (and hops) the block is about.
fn identity_fields(out: &mut String, status: &ProfileStatus) {
    let role = &status.role;
    let profile = status.profile.as_deref().unwrap_or("(none: given on the command line)");
    match &status.via {
        Some(via) => {
            field(out, 0, "Profile", format!("{profile} (for {via}, which runs this helper with --profile {profile})"))
        }
        None => field(out, 0, "Profile", profile),
    }
    match &status.chain {
        None => field(out, 0, "Kind", "sso"),
        Some(chain) => {
            let hops = chain.hops.len();
            let plural = if hops == 1 { "" } else { "s" };
            field(out, 0, "Kind", format_args!("chain of {hops} hop{plural} on top of profile {}", chain.base_profile));
        }
    }
    field(out, 0, "SSO session", session_text(&role.session, &status.target));
    field(out, 0, "Start URL", role.session.start_url());
    field(out, 0, "SSO region", role.session.region());
    field(out, 0, "Account", &role.account_id);
    field(out, 0, "Role", &role.role_name);
    for (index, hop) in status.chain.iter().flat_map(|chain| chain.hops.iter().enumerate()) {
        field(
            out,
            0,
            &format!("Hop {}", index + 1),
            format_args!("{} (profile {})", hop.hop.role_arn, hop.hop.profile),
        );
    }
}

/// The SSO token file: its state, expiry, refreshability, lock and back-off.
fn token_section(out: &mut String, token: &TokenStatus, backoff: &Probe<Option<OffsetDateTime>>, now: OffsetDateTime) {
    section(out, "SSO token");
    field(out, 2, "File", token.path.display());
    field(out, 2, "Exists", yes_no(!matches!(token.file, TokenFile::Missing)));
    field(out, 2, "State", token.file.state().as_str());
    match &token.file {
        TokenFile::Missing => {}
        TokenFile::Unreadable(why) => field(out, 2, "Problem", why),
        TokenFile::Read { expires_at, refreshable, registration_expires_at, .. } => {
            field(out, 2, "Expires", when(*expires_at, now));
            match refreshable {
                Ok(()) => field(out, 2, "Refreshable", "yes"),
                Err(why) => field(out, 2, "Refreshable", format_args!("no ({why})")),
            }
            let registration = registration_expires_at.map_or("unknown".to_owned(), |t| when(t, now));
            field(out, 2, "Registration expires", registration);
        }
    }
    field(out, 2, "Lock", lock_text(&token.lock));
    field(out, 2, "Back-off", backoff_text(backoff, now));
}

/// The cached role credentials, and each hop's.
fn credentials_sections(out: &mut String, status: &ProfileStatus, now: OffsetDateTime) {
    section(out, if status.chain.is_some() { "SSO role credentials" } else { "Role credentials" });
    cache_fields(out, &status.role_credentials, now);
    for (index, hop) in status.chain.iter().flat_map(|chain| chain.hops.iter().enumerate()) {
        section(out, &format!("Hop {} credentials (profile {})", index + 1, hop.hop.profile));
        cache_fields(out, &hop.credentials, now);
        field(out, 2, "Back-off", backoff_text(&hop.backoff_until, now));
    }
}

/// How long each thing lasts, and what happens then.
fn limits_section(out: &mut String, status: &ProfileStatus, now: OffsetDateTime) {
    section(out, "Limits");
    let token_limit = match &status.token.file {
        TokenFile::Missing => "none: no token".to_owned(),
        TokenFile::Unreadable(_) => "unknown: the token file is unusable".to_owned(),
        TokenFile::Read { expires_at, refreshable: Ok(()), .. } => {
            format!("{}, then refreshed", when(*expires_at, now))
        }
        TokenFile::Read { expires_at, refreshable: Err(why), .. } => {
            format!("{}, not refreshable ({why})", when(*expires_at, now))
        }
    };
    field(out, 2, "SSO token", token_limit);
    let registration = match &status.token.file {
        TokenFile::Read { registration_expires_at: Some(at), .. } => format!("{}, then login required", when(*at, now)),
        TokenFile::Read { registration_expires_at: None, .. } => "none: the token cannot be refreshed".to_owned(),
        TokenFile::Missing | TokenFile::Unreadable(_) => "unknown".to_owned(),
    };
    field(out, 2, "Client registration", registration);
    let credentials_limit = |cache: &CacheStatus, then: &str| match cache.expires_at {
        Some(at) => format!("{}, then {then}", when(at, now)),
        None => "none cached".to_owned(),
    };
    let label = if status.chain.is_some() { "SSO role credentials" } else { "Role credentials" };
    field(out, 2, label, credentials_limit(&status.role_credentials, "fetched anew"));
    for (index, hop) in status.chain.iter().flat_map(|chain| chain.hops.iter().enumerate()) {
        field(out, 2, &format!("Hop {} credentials", index + 1), credentials_limit(&hop.credentials, "assumed anew"));
    }
    field(out, 2, "SSO session length", "not visible to clients (see the note below)");
}

/// What `--verify` found.
fn verification_section(out: &mut String, verification: &Verification) {
    section(out, "Verify (STS GetCallerIdentity)");
    match verification {
        Verification::Failed { message, .. } => field(out, 2, "Error", message),
        Verification::Checked { identity, expected, mismatch, warnings } => {
            field(out, 2, "Account", format_args!("{} (configured: {})", identity.account, expected.account_id));
            field(out, 2, "Arn", &identity.arn);
            field(out, 2, "UserId", &identity.user_id);
            field(out, 2, "Configured role", &expected.role);
            for warning in warnings {
                field(out, 2, "Warning", warning);
            }
            match mismatch {
                None => field(out, 2, "Result", "ok: the credentials are the configured account's and role's"),
                Some(what) => field(out, 2, "Result", format_args!("MISMATCH: {what}")),
            }
        }
    }
}

pub(super) fn session_text(session: &SsoSession, target: &Target) -> String {
    match (session, target) {
        (SsoSession::Named { name, .. }, _) => name.clone(),
        (SsoSession::Legacy { .. }, Target::StartUrl { .. }) => "legacy (--start-url, no sso-session)".to_owned(),
        (SsoSession::Legacy { .. }, _) => "legacy (sso_start_url in the profile)".to_owned(),
    }
}

pub(super) fn cache_fields(out: &mut String, cache: &CacheStatus, now: OffsetDateTime) {
    field(out, 2, "File", cache.path.display());
    let expires = match (cache.expires_at, cache.exists) {
        (Some(at), _) => when(at, now),
        (None, true) => match &cache.problem {
            Some(problem) => format!("unknown: {problem}"),
            None => "unknown: the file holds no usable credentials".to_owned(),
        },
        (None, false) => "none cached".to_owned(),
    };
    field(out, 2, "Expires", expires);
    let fresh = match cache.expires_at {
        _ if cache.fresh => "yes",
        Some(at) if at > now => "no (less than 15 minutes left)",
        Some(_) => "no (expired)",
        None => "no",
    };
    field(out, 2, "Fresh", fresh);
    field(out, 2, "Lock", lock_text(&cache.lock));
}

pub(super) fn lock_text(lock: &LockStatus) -> String {
    match &lock.state {
        Probe::NoLockFolder => "unknown (no cache folder for lock files)".to_owned(),
        Probe::Seen(LockProbe::Free) => "free".to_owned(),
        Probe::Seen(LockProbe::Held { holder: Some(holder) }) => format!("held by another process ({holder})"),
        Probe::Seen(LockProbe::Held { holder: None }) => "held by another process".to_owned(),
        Probe::Seen(LockProbe::Unknown(e)) => format!("unknown ({e})"),
    }
}

pub(super) fn backoff_text(backoff: &Probe<Option<OffsetDateTime>>, now: OffsetDateTime) -> String {
    match backoff {
        Probe::NoLockFolder => "unknown (no cache folder)".to_owned(),
        Probe::Seen(None) => "none".to_owned(),
        Probe::Seen(Some(until)) => format!("AWS throttled a recent call: no call until {}", when(*until, now)),
    }
}

pub(super) fn yes_no(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

/// `Label:` padded to the value column, then the value.
pub(super) fn field(out: &mut String, indent: usize, label: &str, value: impl fmt::Display) {
    let key = format!("{:indent$}{label}:", "");
    let _ = writeln!(out, "{key:<width$} {value}", width = VALUE_COLUMN - 1);
}

pub(super) fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "{title}:");
}

/// `2026-11-23T20:00:00Z (in 7h 59m)` or `… (expired 3m ago)`.
pub(super) fn when(t: OffsetDateTime, now: OffsetDateTime) -> String {
    format!("{} ({})", timestamp::format(t), relative(t, now))
}

/// `in 1h 2m`, or `expired 3m ago`: the two largest units, rounded down.
pub(super) fn relative(t: OffsetDateTime, now: OffsetDateTime) -> String {
    if t > now { format!("in {}", span(t - now)) } else { format!("expired {} ago", span(now - t)) }
}

pub(super) fn span(duration: time::Duration) -> String {
    let secs = duration.whole_seconds();
    let (days, hours, minutes) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m")
    } else {
        format!("{secs}s")
    }
}
