//! STS, awsQuery protocol: `AssumeRole` and `GetCallerIdentity`, answered in
//! XML, plus the registry of credentials STS accepts.

use std::time::Duration;

use super::{
    AssumedRoleRecord, Fault, IssuedCredentials, RecordedRequest, Reply, Route, State, XML, iso8601_at,
    mint_credentials, now,
};

const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The random-looking suffix AWS appends to `AWSReservedSSO_{role}_` names.
const SSO_SUFFIX: &str = "0123456789abcdef";
/// The role session name of credentials issued by `GetRoleCredentials`.
const SSO_USER: &str = "fake-user";
/// Role chaining caps sessions at one hour, whatever the role allows.
const CHAINING_LIMIT: u64 = 3600;

/// Credentials STS accepts, keyed by access key id in [`State`].
#[derive(Debug, Clone)]
pub(super) struct Known {
    #[expect(dead_code, reason = "signatures are not verified; kept so the registry is complete")]
    pub(super) secret_access_key: String,
    /// Must equal `X-Amz-Security-Token` when set.
    pub(super) session_token: Option<String>,
    /// Milliseconds since the Unix epoch; `None` never expires.
    pub(super) expiration_ms: Option<u64>,
    /// Set by `FakeAws::expire_credentials`.
    pub(super) expired: bool,
    pub(super) account_id: String,
    /// What `GetCallerIdentity` returns as `Arn`.
    pub(super) caller_arn: String,
    /// What trust policies match.
    pub(super) principal_arn: String,
    /// What `GetCallerIdentity` returns as `UserId`.
    pub(super) user_id: String,
    /// Role sessions are subject to the one-hour role-chaining limit.
    pub(super) role_session: bool,
}

impl Known {
    fn is_expired(&self) -> bool {
        self.expired || self.expiration_ms.is_some_and(|e| e <= now().as_millis() as u64)
    }
}

/// The parts of `arn:{partition}:iam::{account}:role/{path/}{name}`.
pub(super) struct RoleArn<'a> {
    partition: &'a str,
    account: &'a str,
    name: &'a str,
}

pub(super) fn parse_role_arn(arn: &str) -> Option<RoleArn<'_>> {
    let mut p = arn.splitn(6, ':');
    let (prefix, partition, service, region) = (p.next()?, p.next()?, p.next()?, p.next()?);
    let (account, resource) = (p.next()?, p.next()?);
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    let ok = prefix == "arn"
        && !partition.is_empty()
        && service == "iam"
        && region.is_empty()
        && !account.is_empty()
        && !name.is_empty();
    ok.then_some(RoleArn { partition, account, name })
}

pub(super) fn sso_principal(account_id: &str, role_name: &str) -> String {
    format!("arn:aws:iam::{account_id}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_{role_name}_{SSO_SUFFIX}")
}

/// Registers credentials just issued by `GetRoleCredentials` for `role_name`
/// in `account_id`.
pub(super) fn register_sso(st: &mut State, creds: &IssuedCredentials, account_id: &str, role_name: &str) {
    let principal_arn = sso_principal(account_id, role_name);
    let role_id = st.role_id(&principal_arn);
    let known = Known {
        secret_access_key: creds.secret_access_key.clone(),
        session_token: Some(creds.session_token.clone()),
        expiration_ms: Some(creds.expiration_ms),
        expired: false,
        account_id: account_id.to_string(),
        caller_arn: format!(
            "arn:aws:sts::{account_id}:assumed-role/AWSReservedSSO_{role_name}_{SSO_SUFFIX}/{SSO_USER}"
        ),
        principal_arn,
        user_id: format!("{role_id}:{SSO_USER}"),
        role_session: true,
    };
    st.credentials.insert(creds.access_key_id.clone(), known);
}

/// `POST /` with an `Action` the fake does not implement.
pub(super) fn invalid_action(req: &RecordedRequest, request_id: &str) -> Reply {
    let action = req.form("Action").unwrap_or_default();
    error(400, "InvalidAction", &format!("Could not find operation {action} for version 2011-06-15"), request_id)
}

pub(super) fn respond(
    st: &mut State,
    req: &RecordedRequest,
    route: Route,
    fault: Option<Fault>,
    request_id: &str,
) -> Reply {
    let assume = route == Route::AssumeRole;
    match fault {
        // `Hang` is handled by the connection loop before we get here.
        None | Some(Fault::Hang) => {}
        Some(Fault::Throttled) => return error(400, "Throttling", "Rate exceeded", request_id),
        Some(Fault::Internal) => {
            let msg = "The request processing has failed because of an unknown error, exception or failure.";
            return error(500, "InternalFailure", msg, request_id);
        }
        Some(Fault::Unauthorized) => return invalid_token(request_id),
        Some(Fault::ExpiredToken) => return expired_token(request_id),
        Some(Fault::RegionDisabled) => {
            let account = req
                .signing_access_key_id()
                .and_then(|k| st.credentials.get(k))
                .map(|c| c.account_id.clone())
                .or_else(|| req.form("RoleArn").and_then(|a| parse_role_arn(&a).map(|r| r.account.to_string())))
                .unwrap_or_else(|| "000000000000".into());
            let msg = format!(
                "STS is not activated in this region for account:{account}. Your account administrator can \
                 activate STS in this region using the IAM Console."
            );
            return error(403, "RegionDisabledException", &msg, request_id);
        }
        Some(Fault::GarbageBody) => {
            return Reply::Full {
                status: 200,
                error_type: None,
                content_type: XML,
                body: "this is not xml <<<".into(),
            };
        }
        Some(Fault::TruncatedBody) => {
            let body = if assume {
                truncated_assume_role(st, req, request_id)
            } else {
                truncated_identity(st, req, request_id)
            };
            return Reply::Truncated { content_type: XML, body };
        }
    }
    let (access_key_id, caller) = match authenticate(st, req, request_id) {
        Ok(c) => c,
        Err(reply) => return reply,
    };
    if assume {
        assume_role(st, req, &access_key_id, &caller, request_id)
    } else {
        ok(caller_identity_body(&caller.caller_arn, &caller.user_id, &caller.account_id, request_id))
    }
}

/// The caller's access key id and credentials, or the error STS would send.
fn authenticate(st: &State, req: &RecordedRequest, request_id: &str) -> Result<(String, Known), Reply> {
    let found = req.signing_access_key_id().and_then(|k| st.credentials.get(k).map(|c| (k.to_string(), c.clone())));
    let Some((access_key_id, known)) = found else {
        return Err(invalid_token(request_id));
    };
    if let Some(token) = &known.session_token
        && req.header("x-amz-security-token") != Some(token.as_str())
    {
        return Err(invalid_token(request_id));
    }
    if known.is_expired() {
        return Err(expired_token(request_id));
    }
    Ok((access_key_id, known))
}

fn assume_role(st: &mut State, req: &RecordedRequest, source: &str, caller: &Known, request_id: &str) -> Reply {
    let role_arn = req.form("RoleArn");
    let session = req.form("RoleSessionName");
    let external_id = req.form("ExternalId");
    let mut problems = Vec::new();
    match &role_arn {
        None => problems.push(null_value("roleArn")),
        Some(a) if a.chars().count() < 20 => {
            problems.push(constraint(a, "roleArn", "Member must have length greater than or equal to 20"));
        }
        Some(_) => {}
    }
    match &session {
        None => problems.push(null_value("roleSessionName")),
        Some(s) => {
            let len = s.chars().count();
            if len < 2 {
                problems.push(constraint(s, "roleSessionName", "Member must have length greater than or equal to 2"));
            }
            if len > 64 {
                problems.push(constraint(s, "roleSessionName", "Member must have length less than or equal to 64"));
            }
            if !s.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)) {
                let rule = r"Member must satisfy regular expression pattern: [\w+=,.@-]*";
                problems.push(constraint(s, "roleSessionName", rule));
            }
        }
    }
    let duration = match req.form("DurationSeconds") {
        None => 3600,
        Some(raw) => match raw.parse::<u64>() {
            Ok(d) if d < 900 => {
                problems.push(constraint(
                    &raw,
                    "durationSeconds",
                    "Member must have value greater than or equal to 900",
                ));
                d
            }
            Ok(d) if d > 43200 => {
                problems.push(constraint(
                    &raw,
                    "durationSeconds",
                    "Member must have value less than or equal to 43200",
                ));
                d
            }
            Ok(d) => d,
            Err(_) => {
                problems.push(constraint(&raw, "durationSeconds", "Member must be an integer"));
                0
            }
        },
    };
    let (Some(role_arn), Some(session), true) = (role_arn, session, problems.is_empty()) else {
        let n = problems.len();
        let msg = format!("{n} validation error{} detected: {}", if n == 1 { "" } else { "s" }, problems.join("; "));
        return error(400, "ValidationError", &msg, request_id);
    };

    let denied = || {
        let msg =
            format!("User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}", caller.caller_arn);
        error(403, "AccessDenied", &msg, request_id)
    };
    let (Some(policy), Some(arn)) = (st.iam_roles.get(&role_arn).cloned(), parse_role_arn(&role_arn)) else {
        return denied();
    };
    if !policy.principals.iter().any(|p| trusts(p, caller)) {
        return denied();
    }
    if let Some(want) = &policy.external_id
        && external_id.as_ref() != Some(want)
    {
        return denied();
    }
    if caller.role_session && duration > CHAINING_LIMIT {
        let msg = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";
        return error(400, "ValidationError", msg, request_id);
    }
    if duration > policy.max_session_duration.as_secs() {
        let msg = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";
        return error(400, "ValidationError", msg, request_id);
    }

    let caller_arn = format!("arn:{}:sts::{}:assumed-role/{}/{session}", arn.partition, arn.account, arn.name);
    let account_id = arn.account.to_string();
    let creds = mint_credentials(st, Duration::from_secs(duration));
    let user_id = format!("{}:{session}", st.role_id(&role_arn));
    let body = assume_role_body(&user_id, &caller_arn, &creds, request_id);
    let known = Known {
        secret_access_key: creds.secret_access_key.clone(),
        session_token: Some(creds.session_token.clone()),
        expiration_ms: Some(creds.expiration_ms),
        expired: false,
        account_id,
        caller_arn,
        principal_arn: role_arn.clone(),
        user_id,
        role_session: true,
    };
    st.credentials.insert(creds.access_key_id.clone(), known);
    st.assumed.push(AssumedRoleRecord {
        role_arn,
        session_name: session,
        external_id,
        duration_seconds: duration,
        source_access_key_id: source.to_string(),
        credentials: creds,
    });
    ok(body)
}

/// Whether the trust-policy principal `p` matches `caller`.
fn trusts(p: &str, caller: &Known) -> bool {
    let root_of_caller = p
        .strip_suffix(":root")
        .and_then(|r| r.rsplit_once(':'))
        .is_some_and(|(pre, acct)| pre.starts_with("arn:") && pre.ends_with(":iam:") && acct == caller.account_id);
    p == "*" || p == caller.principal_arn || root_of_caller
}

fn null_value(member: &str) -> String {
    format!("Value null at '{member}' failed to satisfy constraint: Member must not be null")
}

fn constraint(value: &str, member: &str, rule: &str) -> String {
    format!("Value '{value}' at '{member}' failed to satisfy constraint: {rule}")
}

/// Half of this is sent: fresh secrets (recorded), nothing registered.
fn truncated_assume_role(st: &mut State, req: &RecordedRequest, request_id: &str) -> String {
    let role_arn = req.form("RoleArn").unwrap_or_default();
    let session = req.form("RoleSessionName").unwrap_or_else(|| "session".into());
    let duration = req.form("DurationSeconds").and_then(|d| d.parse().ok()).unwrap_or(3600);
    let (account, name) = parse_role_arn(&role_arn).map_or(("000000000000", "Role"), |a| (a.account, a.name));
    let caller_arn = format!("arn:aws:sts::{account}:assumed-role/{name}/{session}");
    let creds = mint_credentials(st, Duration::from_secs(duration));
    let role_id = format!("AROA{}", st.hex(17).to_ascii_uppercase());
    assume_role_body(&format!("{role_id}:{session}"), &caller_arn, &creds, request_id)
}

fn truncated_identity(st: &State, req: &RecordedRequest, request_id: &str) -> String {
    match req.signing_access_key_id().and_then(|k| st.credentials.get(k)) {
        Some(c) => caller_identity_body(&c.caller_arn, &c.user_id, &c.account_id, request_id),
        None => {
            caller_identity_body("arn:aws:iam::000000000000:user/unknown", "AIDAUNKNOWN", "000000000000", request_id)
        }
    }
}

fn assume_role_body(assumed_role_id: &str, arn: &str, c: &IssuedCredentials, request_id: &str) -> String {
    format!(
        "<AssumeRoleResponse xmlns=\"{NS}\">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n      \
         <AssumedRoleId>{}</AssumedRoleId>\n      <Arn>{}</Arn>\n    </AssumedRoleUser>\n    <Credentials>\n      \
         <AccessKeyId>{}</AccessKeyId>\n      <SecretAccessKey>{}</SecretAccessKey>\n      \
         <SessionToken>{}</SessionToken>\n      <Expiration>{}</Expiration>\n    </Credentials>\n  \
         </AssumeRoleResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n\
         </AssumeRoleResponse>\n",
        esc(assumed_role_id),
        esc(arn),
        esc(&c.access_key_id),
        esc(&c.secret_access_key),
        esc(&c.session_token),
        iso8601_at(c.expiration_ms / 1000),
        esc(request_id),
    )
}

fn caller_identity_body(arn: &str, user_id: &str, account: &str, request_id: &str) -> String {
    format!(
        "<GetCallerIdentityResponse xmlns=\"{NS}\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    \
         <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    \
         <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
        esc(arn),
        esc(user_id),
        esc(account),
        esc(request_id),
    )
}

fn ok(body: String) -> Reply {
    Reply::Full { status: 200, error_type: None, content_type: XML, body }
}

fn error(status: u16, code: &str, message: &str, request_id: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<ErrorResponse xmlns=\"{NS}\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    \
         <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        esc(code),
        esc(message),
        esc(request_id),
    );
    Reply::Full { status, error_type: None, content_type: XML, body }
}

fn invalid_token(request_id: &str) -> Reply {
    error(403, "InvalidClientTokenId", "The security token included in the request is invalid.", request_id)
}

fn expired_token(request_id: &str) -> Reply {
    error(400, "ExpiredToken", "The security token included in the request is expired", request_id)
}

/// Escapes `&`, `<` and `>`: every interpolated value is element text, where
/// quotes need no escaping (and AWS leaves them as they are).
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}
