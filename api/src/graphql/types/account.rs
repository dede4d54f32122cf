//! The signed-in user and session tokens.

use async_graphql::{Enum, SimpleObject};
use uuid::Uuid;

use crate::auth::Role;
use crate::graphql::scalars::Timestamp;
use crate::identity::sessions::Tokens as SessionTokens;
use crate::identity::users::User;

/// A user role.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role", remote = "Role")]
pub enum RoleGql {
    Viewer,
    Author,
    Editor,
    Admin,
}

/// A signed-in user.
#[derive(SimpleObject)]
#[graphql(name = "User")]
pub struct UserGql {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: RoleGql,
    pub disabled: bool,
    /// The author profile the user writes as.
    pub author_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<User> for UserGql {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
            disabled: u.disabled,
            author_id: u.author_id,
            created_at: u.created_at.into(),
            updated_at: u.updated_at.into(),
        }
    }
}

/// Tokens of a session.
#[derive(SimpleObject)]
pub struct Tokens {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single use: trade it with `refreshToken` before it expires.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl From<SessionTokens> for Tokens {
    fn from(t: SessionTokens) -> Self {
        Self {
            access_token: t.access_token.expose().to_owned(),
            refresh_token: t.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: t.expires_in,
        }
    }
}
