//! SSO-OIDC `CreateToken` with grant type `refresh_token`: a new access token without a human.

use super::RefreshGrant;
use aws_sdk_ssooidc::operation::create_token::CreateTokenError;

use crate::aws::{CallFailure, FailureKind, classify_with_description};
use crate::secret::Secret;

/// What `CreateToken` returned.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The new access token.
    pub access_token: Secret,
    /// Its lifetime in seconds.
    pub expires_in: i32,
    /// A rotated refresh token, if the service sent one (else the old one stays valid).
    pub refresh_token: Option<Secret>,
}

/// Exchanges the refresh token for a new access token.
pub async fn create_token(client: &aws_sdk_ssooidc::Client, grant: &RefreshGrant) -> Result<NewToken, CallFailure> {
    let output = client
        .create_token()
        .grant_type("refresh_token")
        .client_id(&grant.client_id)
        .client_secret(grant.client_secret.expose())
        .refresh_token(grant.refresh_token.expose())
        .send()
        .await
        .map_err(|err| {
            let description = err.as_service_error().and_then(error_description).map(str::to_owned);
            classify_with_description(err, description.as_deref())
        })?;
    let access_token = output.access_token().filter(|t| !t.is_empty()).ok_or_else(|| CallFailure {
        kind: FailureKind::Transient,
        code: None,
        detail: "CreateToken returned no access token".to_owned(),
    })?;
    if output.expires_in() <= 0 {
        return Err(CallFailure {
            kind: FailureKind::Transient,
            code: None,
            detail: format!("CreateToken returned a token that expires in {} s", output.expires_in()),
        });
    }
    Ok(NewToken {
        access_token: Secret::new(access_token),
        expires_in: output.expires_in(),
        refresh_token: output.refresh_token().filter(|t| !t.is_empty()).map(Secret::new),
    })
}

/// The OAuth `error_description` of the errors a refresh can meet.
fn error_description(err: &CreateTokenError) -> Option<&str> {
    match err {
        CreateTokenError::InvalidGrantException(e) => e.error_description(),
        CreateTokenError::ExpiredTokenException(e) => e.error_description(),
        CreateTokenError::InvalidClientException(e) => e.error_description(),
        CreateTokenError::UnauthorizedClientException(e) => e.error_description(),
        CreateTokenError::AccessDeniedException(e) => e.error_description(),
        CreateTokenError::InvalidRequestException(e) => e.error_description(),
        CreateTokenError::InternalServerException(e) => e.error_description(),
        _ => None,
    }
}
