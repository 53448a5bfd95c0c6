//! The slow path: a usable SSO token (refreshed if due), then `GetRoleCredentials`, then the cache.
//!
//! Only reached when the role credential cache has nothing fresh; this is where SDK clients are
//! built and the network is used.

use std::path::Path;

use time::OffsetDateTime;

use crate::aws::{Connection, FailureKind};
use crate::config::{SsoRole, SsoSession};
use crate::error::Error;
use crate::role_credentials::{self, FetchError, RoleCredentials};
use crate::secret::Secret;
use crate::token::cache::{self as token_cache, ReadError};
use crate::token::{self, NotRefreshable, TokenDecision, refresh};
use crate::{Report, timestamp};

/// Gets fresh role credentials from AWS and caches them where the AWS CLI does.
pub async fn fetch_and_cache(
    role: &SsoRole,
    aws_dir: &Path,
    connection: &Connection,
    now: OffsetDateTime,
    report: &mut Report,
) -> Result<RoleCredentials, Error> {
    let access_token = usable_token(role, aws_dir, connection, now, report).await?;
    let credentials = match role_credentials::fetch(&connection.sso(), &access_token, role).await {
        Ok(credentials) => credentials,
        Err(FetchError::TokenRejected(_)) => {
            return Err(login_required(&role.session, "has a token the SSO portal refused (expired or revoked)"));
        }
        Err(FetchError::Failed(failure)) => {
            let hint = match (failure.kind, failure.code.as_deref()) {
                (FailureKind::Transient, _) => Some("try again later".to_owned()),
                (_, Some("ForbiddenException" | "ResourceNotFoundException")) => Some(
                    "check sso_account_id and sso_role_name, or ask your administrator to assign you this role"
                        .to_owned(),
                ),
                _ => None,
            };
            return Err(Error::Aws {
                operation: "GetRoleCredentials",
                target: format!("for role {} in account {}", role.role_name, role.account_id),
                failure,
                hint,
            });
        }
    };
    report.calls.push("GetRoleCredentials");
    report.steps.push(format!("fetched role credentials expiring at {}", timestamp::format(credentials.expiration)));
    if !credentials.fresh_at(now) {
        return Err(Error::ShortLivedCredentials {
            role: role.role_name.clone(),
            account: role.account_id.clone(),
            expiration: timestamp::format(credentials.expiration),
        });
    }
    let path = role_credentials::cache_path(aws_dir, role);
    match crate::fs_util::write_atomically(&path, &role_credentials::cache_file_bytes(&credentials)) {
        Ok(()) => report.steps.push(format!("cached them in {}", path.display())),
        // Not fatal: the credentials are good, the next run simply fetches again.
        Err(e) => report.warnings.push(format!("cannot write the role credential cache `{}`: {e}", path.display())),
    }
    Ok(credentials)
}

/// The access token to use, refreshing it first if it expires within the refresh window.
async fn usable_token(
    role: &SsoRole,
    aws_dir: &Path,
    connection: &Connection,
    now: OffsetDateTime,
    report: &mut Report,
) -> Result<Secret, Error> {
    let session = &role.session;
    let path = token_cache::token_path(aws_dir, session);
    let token = match token_cache::read(&path) {
        Ok(token) => token,
        Err(ReadError::Missing) => {
            return Err(login_required(session, &format!("has no cached token (no `{}`)", path.display())));
        }
        Err(ReadError::Invalid(why)) => {
            return Err(login_required(session, &format!("has an unusable token file `{}`: {why}", path.display())));
        }
        Err(ReadError::Io(source)) => return Err(Error::Io { what: "read the SSO token", path, source }),
    };
    let decision = token::decide(&token, now);
    report.steps.push(format!(
        "SSO token in {} expires at {}: {decision}",
        path.display(),
        timestamp::format(token.expires_at)
    ));
    let grant = match (decision, token.usable_grant(now)) {
        (TokenDecision::Use, _) => return Ok(token.access_token),
        (TokenDecision::LoginRequired(why), _) | (_, Err(why)) => {
            let mut reason = format!("has expired and cannot be refreshed ({why}");
            if why == NotRefreshable::NoRefreshToken && matches!(session, SsoSession::Legacy { .. }) {
                reason.push_str("; the legacy sso_start_url layout never gets one, an [sso-session] section does");
            }
            reason.push(')');
            return Err(login_required(session, &reason));
        }
        (TokenDecision::RefreshOrUse | TokenDecision::MustRefresh, Ok(grant)) => grant,
    };
    match refresh::create_token(&connection.oidc(), grant).await {
        Ok(new) => {
            report.calls.push("CreateToken");
            let refreshed = token.refreshed(&new, now);
            match token_cache::write(&path, &refreshed) {
                Ok(()) => report.steps.push(format!(
                    "refreshed the SSO token (now expires at {}) and wrote it back",
                    timestamp::format(refreshed.expires_at)
                )),
                Err(e) => report.warnings.push(format!(
                    "refreshed the SSO token but cannot write it back to `{}` ({e}); other tools may need `{}`",
                    path.display(),
                    session.login_command()
                )),
            }
            Ok(refreshed.access_token)
        }
        Err(failure) if decision == TokenDecision::RefreshOrUse => {
            // Still valid for a few minutes: use it, as the AWS CLI and SDKs do.
            report.warnings.push(format!(
                "could not refresh the {session} ({failure}); using the current token, which expires at {}",
                timestamp::format(token.expires_at)
            ));
            Ok(token.access_token)
        }
        Err(failure) => match failure.kind {
            FailureKind::Rejected => {
                Err(login_required(session, &format!("has expired and its refresh was refused ({failure})")))
            }
            FailureKind::Transient => Err(Error::Aws {
                operation: "CreateToken",
                target: format!("to refresh the {session}"),
                failure,
                hint: Some("try again later".to_owned()),
            }),
        },
    }
}

fn login_required(session: &SsoSession, reason: &str) -> Error {
    Error::LoginRequired { session: session.to_string(), reason: reason.to_owned(), command: session.login_command() }
}
