//! The SSO-OIDC calls of a sign-in: `RegisterClient`, `StartDeviceAuthorization`, and
//! `CreateToken` with the authorization-code or the device-code grant, as the AWS CLI v2 makes
//! them (`SSOTokenFetcher`, `SSOTokenFetcherAuth` in its `botocore/utils.py`).

use std::time::Duration;

use crate::aws::{CallFailure, FailureKind, classify, classify_with_description};
use crate::secret::Secret;
use crate::token::registration::{DEVICE_CODE_GRANT, RegisterRequest, Registration};
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;

/// Added to the polling interval after `SlowDownException` (RFC 8628 3.5; the CLI's
/// `_SLOW_DOWN_DELAY`).
pub const SLOW_DOWN: Duration = Duration::from_secs(5);

/// The polling interval when the service names none (RFC 8628; the CLI's `_DEFAULT_INTERVAL`).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// `RegisterClient` with `request` ([`crate::token::registration::register_request_for`]), and the
/// registration to cache.
///
/// # Errors
/// The call's failure, classified.
pub async fn register_client(
    client: &aws_sdk_ssooidc::Client,
    request: &RegisterRequest,
) -> Result<Registration, CallFailure> {
    let output = client
        .register_client()
        .client_name(&request.client_name)
        .client_type(request.client_type)
        .set_scopes(request.scopes.clone())
        .set_grant_types(request.grant_types.clone())
        .set_redirect_uris(request.redirect_uris.clone())
        .set_issuer_url(request.issuer_url.clone())
        .send()
        .await
        .map_err(classify)?;
    let unusable = |what: &str| CallFailure {
        kind: FailureKind::Transient,
        code: None,
        detail: format!("RegisterClient returned no usable {what}"),
    };
    let client_id = output.client_id().filter(|v| !v.is_empty()).ok_or_else(|| unusable("clientId"))?;
    let client_secret = output.client_secret().filter(|v| !v.is_empty()).ok_or_else(|| unusable("clientSecret"))?;
    Registration::from_response(request, client_id, Secret::new(client_secret), output.client_secret_expires_at())
        .map_err(|_| unusable("clientSecretExpiresAt"))
}

/// A device authorization: what the person is shown, and what polling needs.
#[derive(Debug)]
pub struct DeviceAuthorization {
    /// The code to poll with.
    pub device_code: Secret,
    /// The code the person confirms in the browser.
    pub user_code: String,
    /// The page to open.
    pub verification_uri: String,
    /// The page with the code filled in.
    pub verification_uri_complete: Option<String>,
    /// How long the codes are valid.
    pub expires_in: Duration,
    /// How often to poll.
    pub interval: Duration,
}

/// `StartDeviceAuthorization` for the registered client.
///
/// # Errors
/// The call's failure, classified.
pub async fn start_device_authorization(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    start_url: &str,
) -> Result<DeviceAuthorization, CallFailure> {
    let output = client
        .start_device_authorization()
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .start_url(start_url)
        .send()
        .await
        .map_err(classify)?;
    let missing = |what: &str| CallFailure {
        kind: FailureKind::Transient,
        code: None,
        detail: format!("StartDeviceAuthorization returned no {what}"),
    };
    let seconds = |n: i32| Duration::from_secs(u64::try_from(n).unwrap_or(0));
    Ok(DeviceAuthorization {
        device_code: Secret::new(output.device_code().ok_or_else(|| missing("deviceCode"))?),
        user_code: output.user_code().ok_or_else(|| missing("userCode"))?.to_owned(),
        verification_uri: output.verification_uri().ok_or_else(|| missing("verificationUri"))?.to_owned(),
        verification_uri_complete: output.verification_uri_complete().map(str::to_owned),
        expires_in: seconds(output.expires_in()),
        interval: if output.interval() > 0 { seconds(output.interval()) } else { DEFAULT_INTERVAL },
    })
}

/// The token `CreateToken` returned.
#[derive(Debug)]
pub struct IssuedToken {
    /// The access token.
    pub access_token: Secret,
    /// Its lifetime.
    pub expires_in: Duration,
    /// The refresh token, if the registration's scopes earn one.
    pub refresh_token: Option<Secret>,
}

/// How one device-code poll ended.
#[derive(Debug)]
pub enum Poll {
    /// Signed in.
    Token(IssuedToken),
    /// Not yet (`AuthorizationPendingException`).
    Pending,
    /// Poll less often (`SlowDownException`).
    SlowDown,
    /// The device code expired before the person approved (`ExpiredTokenException`).
    Expired,
    /// The person (or a policy) said no (`AccessDeniedException`).
    Denied(Option<String>),
}

/// One `CreateToken` with the device-code grant.
///
/// # Errors
/// A failure other than the polling states above, classified.
pub async fn poll_device_token(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    device_code: &Secret,
) -> Result<Poll, CallFailure> {
    let result = client
        .create_token()
        .grant_type(DEVICE_CODE_GRANT)
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .device_code(device_code.expose())
        .send()
        .await;
    match result {
        Ok(output) => Ok(Poll::Token(issued(&output)?)),
        Err(err) => match err.as_service_error() {
            Some(CreateTokenError::AuthorizationPendingException(_)) => Ok(Poll::Pending),
            Some(CreateTokenError::SlowDownException(_)) => Ok(Poll::SlowDown),
            Some(CreateTokenError::ExpiredTokenException(_)) => Ok(Poll::Expired),
            Some(CreateTokenError::AccessDeniedException(e)) => {
                Ok(Poll::Denied(e.error_description().map(str::to_owned)))
            }
            _ => Err(classify(err)),
        },
    }
}

/// `CreateToken` with the authorization-code grant: the code, the redirect URI with its port
/// and the PKCE verifier.
///
/// # Errors
/// The call's failure, classified, with the service's `error_description`.
pub async fn redeem_authorization_code(
    client: &aws_sdk_ssooidc::Client,
    registration: &Registration,
    code: &Secret,
    redirect_uri: &str,
    verifier: &Secret,
) -> Result<IssuedToken, CallFailure> {
    let output = client
        .create_token()
        .grant_type("authorization_code")
        .client_id(&registration.client_id)
        .client_secret(registration.client_secret.expose())
        .code(code.expose())
        .redirect_uri(redirect_uri)
        .code_verifier(verifier.expose())
        .send()
        .await
        .map_err(|err| {
            let description = err.as_service_error().and_then(|e| match e {
                CreateTokenError::InvalidGrantException(e) => e.error_description(),
                CreateTokenError::InvalidRequestException(e) => e.error_description(),
                CreateTokenError::InvalidClientException(e) => e.error_description(),
                CreateTokenError::UnauthorizedClientException(e) => e.error_description(),
                CreateTokenError::AccessDeniedException(e) => e.error_description(),
                _ => None,
            });
            let description = description.map(str::to_owned);
            classify_with_description(err, description.as_deref())
        })?;
    issued(&output)
}

fn issued(output: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput) -> Result<IssuedToken, CallFailure> {
    let access_token = output.access_token().filter(|t| !t.is_empty()).ok_or_else(|| CallFailure {
        kind: FailureKind::Transient,
        code: None,
        detail: "CreateToken returned no access token".to_owned(),
    })?;
    let expires_in = u64::try_from(output.expires_in()).ok().filter(|&s| s > 0).ok_or_else(|| CallFailure {
        kind: FailureKind::Transient,
        code: None,
        detail: format!("CreateToken returned a token that expires in {} s", output.expires_in()),
    })?;
    Ok(IssuedToken {
        access_token: Secret::new(access_token),
        expires_in: Duration::from_secs(expires_in),
        refresh_token: output.refresh_token().filter(|t| !t.is_empty()).map(Secret::new),
    })
}
