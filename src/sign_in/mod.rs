//! Signing in and out without the AWS CLI: `login` (the authorization-code flow with PKCE, or the
//! device code) and `logout`, reading and writing exactly the AWS CLI's files.

pub mod browser;
pub mod login;
pub mod logout;
pub mod oidc;
pub mod pkce;
