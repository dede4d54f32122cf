//! Who is calling and what they may do: roles, principals, passwords, JWTs,
//! random tokens, and the permission table. Pure code; the accounts stored in
//! the database are handled by `content::accounts`.

pub mod jwt;
pub mod password;
pub mod policy;
pub mod token;

use uuid::Uuid;

/// What a signed-in user may do, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads working copies (previews).
    Viewer,
    /// Writes their own articles while they are drafts.
    Author,
    /// Does all content work: every article, author and tag.
    Editor,
    /// Also manages users and API keys.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Self; 4] = [Self::Viewer, Self::Author, Self::Editor, Self::Admin];

    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewer => "viewer",
            Self::Author => "author",
            Self::Editor => "editor",
            Self::Admin => "admin",
        }
    }

    /// The role named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// What an API key may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Published content only.
    Delivery,
    /// Working copies too.
    Preview,
}

impl KeyKind {
    /// The wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivery => "delivery",
            Self::Preview => "preview",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Delivery, Self::Preview]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

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

    /// The signed-in user's role.
    pub fn role(&self) -> Option<Role> {
        match self {
            Self::User { role, .. } => Some(*role),
            _ => None,
        }
    }
}
