//! `--verify`: the credential command's own credentials → STS `GetCallerIdentity`, matched against
//! the configured role.

use super::*;

pub(super) fn verify(status: &ProfileStatus, request: &StatusRequest, invocation: &Invocation) -> Verification {
    let credentials_request = Request { lock_timeout: request.lock_timeout, ..Request::new(status.target.clone()) };
    let failed = |error: Error| Verification::Failed { message: error.one_line(), exit_code: error.exit_kind() };
    let (credentials, report) = match crate::run(&credentials_request, invocation) {
        Ok(got) => got,
        Err(error) => return failed(error),
    };
    match caller_identity(status, &credentials, invocation) {
        Ok(identity) => {
            let expected = status.expected_identity();
            Verification::Checked {
                mismatch: identity_mismatch(&expected, &identity),
                identity,
                expected,
                warnings: report.warnings,
            }
        }
        Err(error) => failed(error),
    }
}

/// STS `GetCallerIdentity` with `credentials`, at the endpoint and region the profile's chain
/// would use (`AWS_ENDPOINT_URL_STS` and the rest honoured as for `AssumeRole`).
pub(super) fn caller_identity(
    status: &ProfileStatus,
    credentials: &RoleCredentials,
    invocation: &Invocation,
) -> Result<CallerIdentity, Error> {
    let env = &invocation.env;
    let loaded = config::load(env)?;
    let profile = config::profile_name(&status.target, env);
    let location = config::sts_location(&loaded, env, profile.as_deref())?;
    let connection = aws::Connection::new(env, &loaded, profile.as_deref())?;
    let client = connection.sts(&location, credentials.to_signing());
    let runtime = crate::runtime::current_thread().map_err(Error::Runtime)?;
    let output = runtime.block_on(client.get_caller_identity().send()).map_err(|e| {
        let failure = aws::classify(e);
        Error::Aws {
            operation: "GetCallerIdentity",
            target: format!("with the credentials of {}", status.description()),
            hint: (failure.kind == FailureKind::Transient).then(|| "try again later".to_owned()),
            failure,
        }
    })?;
    let text = |value: Option<&str>| value.unwrap_or_default().to_owned();
    let mut user_id = text(output.user_id());
    // AWS never returns an access key ID here, but should anything do so, it is not shown.
    if !credentials.access_key_id.is_empty() && user_id.contains(&credentials.access_key_id) {
        let prefix: String = credentials.access_key_id.chars().take(4).collect();
        user_id = user_id.replace(&credentials.access_key_id, &format!("{prefix}…"));
    }
    Ok(CallerIdentity { account: text(output.account()), arn: text(output.arn()), user_id })
}

/// What differs between the identity STS reports and the configured one, if anything. An SSO
/// role's ARN is `arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_<RoleName>_<hex>/<user>`; an
/// assumed role's `arn:aws:sts::ACCOUNT:assumed-role/<RoleName>/<session>`.
pub(super) fn identity_mismatch(expected: &ExpectedIdentity, identity: &CallerIdentity) -> Option<String> {
    let mut problems = Vec::new();
    if identity.account != expected.account_id {
        problems.push(format!(
            "the credentials are for account {}, not the configured {}",
            identity.account, expected.account_id
        ));
    }
    let assumed_role = identity
        .arn
        .splitn(6, ':')
        .nth(5)
        .and_then(|resource| resource.strip_prefix("assumed-role/"))
        .and_then(|rest| rest.split_once('/'))
        .map(|(role, _session)| role);
    let role_matches = match (&expected.role, assumed_role) {
        (_, None) => false,
        (ExpectedRole::Sso(name), Some(role)) => role
            .strip_prefix("AWSReservedSSO_")
            .and_then(|rest| rest.strip_prefix(name.as_str()))
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|suffix| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_hexdigit())),
        (ExpectedRole::Assumed(name), Some(role)) => role == name,
    };
    if !role_matches {
        problems.push(match assumed_role {
            Some(role) => format!("the ARN's role is {role}, not the configured {}", expected.role),
            None => format!("the ARN is not an assumed role, not the configured {}", expected.role),
        });
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}
