//! Access tokens: HS256 JWTs with subject, role, issue and expiry times, a
//! unique id, issuer and audience — all of them checked on the way in.

use std::time::Duration;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use entities::types::Named;

/// `iss` of every token.
pub const ISSUER: &str = "masthead";
/// `aud` of every token.
pub const AUDIENCE: &str = "masthead-api";
/// Shortest accepted signing secret, in bytes.
pub const MIN_SECRET_LEN: usize = 32;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The role when the token was issued (informative: requests use the stored role).
    pub role: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issue time.
    pub iat: u64,
    /// Not valid before.
    pub nbf: u64,
    /// Unique token id.
    pub jti: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
}

/// Why a token was refused; the text goes into `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Past its `exp`.
    Expired,
    /// Anything else: bad signature, algorithm, issuer, audience, `nbf`, shape.
    Invalid(&'static str),
}

/// Signs and checks access tokens with one secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

fn now_secs() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

impl JwtKeys {
    /// Keys for `secret`, issuing tokens that live `ttl`.
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    /// Seconds a new token lives.
    pub fn ttl_secs(&self) -> u64 {
        self.ttl.as_secs()
    }

    /// A signed token for the user.
    pub fn issue(&self, user_id: Uuid, role: Role) -> anyhow::Result<String> {
        let now = now_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.as_str().to_owned(),
            exp: now + self.ttl.as_secs(),
            iat: now,
            nbf: now,
            jti: Uuid::now_v7().to_string(),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| anyhow::anyhow!("cannot sign a token: {err}"))
    }

    /// The claims of a token signed with this secret, or why it is refused.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::Invalid("the token is not valid yet"),
                ErrorKind::InvalidSignature => TokenError::Invalid("the signature does not match"),
                ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                    TokenError::Invalid("the token is not signed with HS256")
                }
                ErrorKind::InvalidIssuer => TokenError::Invalid("the issuer is not masthead"),
                ErrorKind::InvalidAudience => {
                    TokenError::Invalid("the audience is not masthead-api")
                }
                ErrorKind::MissingRequiredClaim(_) => {
                    TokenError::Invalid("a required claim is missing")
                }
                _ => TokenError::Invalid("the token is malformed"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_round_trips() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(900));
        let user = Uuid::now_v7();
        let token = keys.issue(user, Role::Editor).unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.role, "editor");
        assert_eq!(claims.exp - claims.iat, 900);
        assert_eq!(
            (claims.iss.as_str(), claims.aud.as_str()),
            (ISSUER, AUDIENCE)
        );
    }

    #[test]
    fn foreign_and_altered_tokens_are_refused() {
        let keys = JwtKeys::new(SECRET, Duration::from_secs(900));
        let other = JwtKeys::new(
            b"another secret of at least 32 bytes!",
            Duration::from_secs(900),
        );
        let token = other.issue(Uuid::now_v7(), Role::Admin).unwrap();
        assert!(matches!(keys.verify(&token), Err(TokenError::Invalid(_))));
        let mut tampered = keys.issue(Uuid::now_v7(), Role::Viewer).unwrap();
        tampered.pop();
        assert!(keys.verify(&tampered).is_err());
        assert!(keys.verify("not.a.token").is_err());
    }
}
