//! Who is calling and what they may do: roles, principals, passwords, JWTs,
//! random tokens, and the permission table. Pure code; the accounts stored in
//! the database are handled by `content::accounts`.

pub mod jwt;
pub mod password;
pub mod policy;
pub mod token;

use uuid::Uuid;

pub use entities::types::{KeyKind, Role};

/// The caller of a request, once its credentials are checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Principal {
    /// No credentials.
    #[default]
    Anonymous,
    /// A front end with an API key.
    Key {
        /// The key's id.
        id: Uuid,
        /// What it may read.
        kind: KeyKind,
    },
    /// A signed-in user.
    User {
        /// The user's id.
        id: Uuid,
        /// Their role, as stored now (not as it was when the token was issued).
        role: Role,
        /// The author profile they write as, if linked.
        author_id: Option<Uuid>,
    },
}

impl Principal {
    /// The user behind the request, recorded as `created_by` / `updated_by`.
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Self::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// Whose writes these are: the user's or the key's id (`None` for the
    /// anonymous). A caller's reads see their own recent writes by it.
    pub fn writer(&self) -> Option<Uuid> {
        match self {
            Self::User { id, .. } | Self::Key { id, .. } => Some(*id),
            Self::Anonymous => None,
        }
    }

    /// The signed-in user's role.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::User { role, .. } => Some(*role),
            _ => None,
        }
    }
}
