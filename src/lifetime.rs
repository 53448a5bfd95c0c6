//! The lifetime guard (`--min-ttl`): how long printed credentials must last, and, when they
//! cannot, which limit is in the way and what to change.
//!
//! What sets the lifetime of the credentials we print:
//! - an SSO role: the permission set's session duration (1 to 12 hours), set by the IAM Identity
//!   Center administrator and seen only in the expiry of freshly fetched credentials. It does not
//!   depend on the SSO token: role credentials outlive the token and the portal session;
//! - an `AssumeRole` hop: `duration_seconds` (STS's default: one hour), at most the role's maximum
//!   session duration, and at most one hour when the hop is assumed with another role's
//!   credentials (role chaining; SSO roles are roles).
//!
//! So a chain on top of SSO can be refused before any call; an SSO role only once fresh
//! credentials show the permission set's duration.

use std::time::Duration as StdDuration;

use time::{Duration, OffsetDateTime};

use crate::config::{ChainBase, Resolved, RoleChain, SsoRole};
use crate::error::Error;
use crate::role_credentials::{MIN_REMAINING, RoleCredentials};
use crate::timestamp;

/// The longest any AWS temporary credentials last: a permission set's or role's maximum session
/// duration cannot exceed 12 hours.
pub const LONGEST_SESSION: Duration = Duration::hours(12);

/// STS's default `DurationSeconds`, and the cap on a role assumed with role credentials.
pub const ROLE_CHAINING_LIMIT: Duration = Duration::hours(1);

/// How long printed credentials must still last: 15 minutes (below that clients re-run us on
/// nearly every call), or `--min-ttl` if longer.
pub fn required_remaining(min_ttl: Option<StdDuration>) -> Duration {
    let asked = min_ttl.map_or(Duration::ZERO, |ttl| Duration::try_from(ttl).unwrap_or(Duration::MAX));
    asked.max(MIN_REMAINING)
}

/// Refuses, before any call, a `--min-ttl` no credentials for this target can meet.
pub fn check_reachable(resolved: &Resolved, min_ttl: Option<StdDuration>) -> Result<(), Error> {
    let Some(ttl) = min_ttl else { return Ok(()) };
    let wanted = required_remaining(Some(ttl));
    if wanted > LONGEST_SESSION {
        return Err(Error::CannotLast {
            reason: format!(
                "no AWS temporary credentials last {} (12 hours at most), so none can meet --min-ttl {}",
                human(wanted),
                human(wanted)
            ),
            fix: "ask for 12h or less, and have long jobs re-run this helper (through credential_process) as their credentials near expiry".to_owned(),
        });
    }
    match resolved {
        Resolved::Sso(_) => Ok(()),
        Resolved::Chain(chain) => chain_limit(chain, wanted),
    }
}

/// The limit on the last hop of a chain, if it is below `wanted`.
fn chain_limit(chain: &RoleChain, wanted: Duration) -> Result<(), Error> {
    let hop = chain.last_hop();
    let chained = chain.hops.len() > 1 || matches!(chain.base, ChainBase::Sso { .. });
    let configured = hop.duration_seconds.map(|secs| Duration::seconds(secs.into()));
    if chained && wanted > ROLE_CHAINING_LIMIT {
        let source = match chain.hops.iter().rev().nth(1) {
            Some(previous) => previous.to_string(),
            None => chain.base.to_string(),
        };
        return Err(Error::CannotLast {
            reason: format!(
                "credentials for {hop} last at most 1h, less than --min-ttl {}: it is assumed with the credentials of {source}, and AWS limits a role assumed with another role's credentials (role chaining) to 1 hour, whatever duration_seconds says",
                human(wanted)
            ),
            fix: format!(
                "ask for 1h or less, or get access to account {} through an IAM Identity Center permission set of its own (a plain SSO profile lasts up to 12 hours)",
                hop.account_id
            ),
        });
    }
    let lasts = configured.unwrap_or(ROLE_CHAINING_LIMIT);
    if lasts < wanted {
        let setting = match hop.duration_seconds {
            Some(secs) => format!("duration_seconds = {secs}"),
            None => "no duration_seconds (STS's default: 1 hour)".to_owned(),
        };
        return Err(Error::CannotLast {
            reason: format!(
                "credentials for {hop} last {}, less than --min-ttl {}: profile `{}` has {setting}",
                human(lasts),
                human(wanted),
                hop.profile
            ),
            fix: format!(
                "set duration_seconds = {} (or more) in profile `{}`; the role's maximum session duration (IAM, 1 to 12 hours) must allow it",
                wanted.whole_seconds(),
                hop.profile
            ),
        });
    }
    Ok(())
}

/// Freshly fetched SSO role credentials that do not last `wanted`: the permission set's session
/// duration is the limit.
pub fn sso_role_too_short(
    role: &SsoRole,
    credentials: &RoleCredentials,
    now: OffsetDateTime,
    wanted: Duration,
) -> Error {
    let subject = format!("role {} in account {}", role.role_name, role.account_id);
    Error::CannotLast {
        reason: format!(
            "{}: that is the session duration of permission set {}",
            fresh_ones_last(&subject, credentials, now, wanted),
            role.role_name
        ),
        fix: format!(
            "ask your IAM Identity Center administrator to set the session duration of permission set {} to at least {} (12 hours at most), or ask for less",
            role.role_name,
            human(wanted)
        ),
    }
}

/// Freshly assumed credentials that do not last `wanted` (STS gave less than configured).
pub fn assumed_too_short(
    hop: &crate::config::AssumeRoleHop,
    credentials: &RoleCredentials,
    now: OffsetDateTime,
    wanted: Duration,
) -> Error {
    Error::CannotLast {
        reason: fresh_ones_last(&hop.to_string(), credentials, now, wanted),
        fix: format!(
            "raise duration_seconds in profile `{}` and the role's maximum session duration, or ask for less",
            hop.profile
        ),
    }
}

/// `fresh credentials for SUBJECT last 1h (until …Z), less than --min-ttl 2h`.
fn fresh_ones_last(subject: &str, credentials: &RoleCredentials, now: OffsetDateTime, wanted: Duration) -> String {
    format!(
        "fresh credentials for {subject} last {} (until {}), less than --min-ttl {}",
        human(credentials.expiration - now),
        timestamp::format(credentials.expiration),
        human(wanted)
    )
}

/// `2h`, `1h 30m`, `45m`, `30s`: to the nearest minute unless under one (fresh one-hour
/// credentials, a few seconds short of an hour when seen, read `1h`).
pub fn human(duration: Duration) -> String {
    let secs = duration.whole_seconds().max(0).unsigned_abs();
    let rounded = if secs >= 60 { (secs + 30) / 60 * 60 } else { secs };
    humantime::format_duration(StdDuration::from_secs(rounded)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{AssumeRoleHop, SsoSession, StsLocation};

    fn sso_role() -> SsoRole {
        SsoRole {
            session: SsoSession::Named {
                name: "s".into(),
                start_url: "https://x/start".into(),
                region: "us-east-1".into(),
            },
            account_id: "111122223333".into(),
            role_name: "ReadOnly".into(),
        }
    }

    fn chain(duration_seconds: Option<u32>, on_sso: bool) -> Resolved {
        let base = if on_sso {
            ChainBase::Sso { profile: "dev-sso".into(), role: sso_role() }
        } else {
            ChainBase::StaticKeys {
                profile: "keys".into(),
                keys: crate::config::StaticKeys {
                    access_key_id: "AKIAX".into(),
                    secret_access_key: crate::secret::Secret::new("s"),
                    session_token: None,
                },
            }
        };
        Resolved::Chain(RoleChain {
            base,
            hops: vec![AssumeRoleHop {
                profile: "prod-admin".into(),
                role_arn: "arn:aws:iam::444455556666:role/Admin".into(),
                account_id: "444455556666".into(),
                role_session_name: None,
                external_id: None,
                duration_seconds,
            }],
            sts: StsLocation { region: "us-east-1".into(), global_endpoint: false },
        })
    }

    const HOURS: fn(u64) -> Option<StdDuration> = |h| Some(StdDuration::from_secs(h * 3600));

    #[test]
    fn required_is_at_least_15_minutes() {
        assert_eq!(required_remaining(None), MIN_REMAINING);
        assert_eq!(required_remaining(Some(StdDuration::from_secs(60))), MIN_REMAINING);
        assert_eq!(required_remaining(HOURS(2)), Duration::hours(2));
    }

    #[test]
    fn reachability() {
        let sso = Resolved::Sso(sso_role());
        assert!(check_reachable(&sso, None).is_ok());
        assert!(check_reachable(&sso, HOURS(12)).is_ok());
        let too_long = check_reachable(&sso, HOURS(13)).unwrap_err();
        assert_eq!(too_long.exit_kind(), crate::ExitKind::Lifetime);
        assert!(too_long.to_string().contains("12 hours at most"), "{too_long}");

        // On SSO: role chaining, one hour at most, whatever duration_seconds says.
        assert!(check_reachable(&chain(None, true), HOURS(1)).is_ok());
        let chained = check_reachable(&chain(Some(7200), true), HOURS(2)).unwrap_err().to_string();
        assert!(chained.contains("role chaining") && chained.contains("account 444455556666"), "{chained}");

        // On access keys: duration_seconds decides.
        assert!(check_reachable(&chain(Some(7200), false), HOURS(2)).is_ok());
        let default = check_reachable(&chain(None, false), HOURS(2)).unwrap_err().to_string();
        assert!(default.contains("STS's default: 1 hour") && default.contains("duration_seconds = 7200"), "{default}");
        let short = check_reachable(&chain(Some(3600), false), HOURS(2)).unwrap_err().to_string();
        assert!(short.contains("has duration_seconds = 3600"), "{short}");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::hours(2)), "2h");
        assert_eq!(human(Duration::minutes(90)), "1h 30m");
        assert_eq!(human(Duration::seconds(59 * 60 + 58)), "1h");
        assert_eq!(human(Duration::seconds(59 * 60 + 29)), "59m");
        assert_eq!(human(Duration::seconds(30)), "30s");
        assert_eq!(human(Duration::seconds(-5)), "0s");
    }
}
