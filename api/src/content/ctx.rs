//! What every content function receives: the database, the content
//! settings, the permission table, the media library, and the authors and
//! tags kept in memory.

use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use crate::auth::policy::{Action, Grant, Policy};
use crate::auth::{KeyKind, Principal};
use crate::content::Named;
use crate::content::kept::Records;
use crate::content::locales::Locales;
use crate::error::AppError;
use crate::media::Media;
use crate::storage::{Db, WriteTx};

/// Settings the content rules depend on.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Locale of articles created without one.
    pub default_locale: String,
    /// The configured locales, the default first, and their fallbacks.
    pub locales: Locales,
}

/// Shared handle for content functions: cheap to clone.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// Content settings.
    pub settings: Arc<Settings>,
    /// Who may do what.
    pub policy: Policy,
    /// The media library's bytes and rules.
    pub media: Arc<Media>,
    /// Authors and tags kept while the public generation stands.
    pub(crate) kept: Arc<Records>,
}

impl Ctx {
    /// A context over an open database.
    pub fn new(db: Db, settings: Settings, policy: Policy, media: Media) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            policy,
            media: Arc::new(media),
            kept: Arc::default(),
        }
    }

    /// What the permission table grants `principal` for `action`, or the
    /// 401/403 that refuses it.
    pub fn require(&self, principal: &Principal, action: Action) -> Result<Grant, AppError> {
        self.policy.require(principal, action)
    }

    /// True when the table lets `principal` do `action`.
    pub fn allows(&self, principal: &Principal, action: Action) -> bool {
        self.policy.allows(principal, action)
    }

    /// Starts a write transaction (see [`Db::begin_write`]).
    pub async fn begin_write(&self) -> Result<WriteTx, AppError> {
        self.db.begin_write().await
    }

    /// True for callers who see exactly what the public sees: no
    /// credentials, or a delivery key.
    pub fn reads_as_public(principal: &Principal) -> bool {
        matches!(
            principal,
            Principal::Anonymous
                | Principal::Key {
                    kind: KeyKind::Delivery,
                    ..
                }
        )
    }

    /// For callers who see exactly what the public sees and may read it:
    /// the content generation their answers can be shared under. `None`
    /// for everyone else, whose answers are not shared.
    pub async fn public_generation(&self, principal: &Principal) -> Result<Option<i64>, AppError> {
        if !Self::reads_as_public(principal) {
            return Ok(None);
        }
        self.require(principal, Action::ReadLive)?;
        self.db.generation().await.map(Some)
    }
}

/// A field of a partial update: absent, explicitly null, or a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not sent: leave the stored value alone.
    #[default]
    Missing,
    /// Sent as `null`: clear the value.
    Null,
    /// Sent with a value.
    Value(T),
}

impl<T> Patch<T> {
    /// The sent value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Self::Value(value) => Some(value),
            _ => None,
        }
    }

    /// For a full replacement (`PUT`): a field that was not sent is cleared.
    pub fn or_null(self) -> Self {
        match self {
            Self::Missing => Self::Null,
            other => other,
        }
    }

    /// Resolves against the current value: `Missing` keeps it, `Null` clears it.
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Missing => current,
            Self::Null => None,
            Self::Value(value) => Some(value),
        }
    }

    /// Converts the value inside.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Missing => Patch::Missing,
            Self::Null => Patch::Null,
            Self::Value(value) => Patch::Value(f(value)),
        }
    }

    /// Converts the value inside with a conversion that may fail.
    pub fn try_map<U, E>(self, f: impl FnOnce(T) -> Result<U, E>) -> Result<Patch<U>, E> {
        Ok(match self {
            Self::Missing => Patch::Missing,
            Self::Null => Patch::Null,
            Self::Value(value) => Patch::Value(f(value)?),
        })
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// A value given or not (never null): the shape of optional create fields.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Missing, Self::Value)
    }
}

/// A value of a closed set as a client named it: a known value, or a name
/// outside the set. The domain reports an unknown name with the input's
/// other problems, after checking who is asking — the same as any other
/// broken field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice<T> {
    /// One of the set.
    Known(T),
    /// A name that is not.
    Unknown(String),
}

impl<T: Named> Choice<T> {
    /// The value named `name`, or the unknown name.
    pub fn parse(name: &str) -> Self {
        T::parse(name).map_or_else(|| Self::Unknown(name.to_owned()), Self::Known)
    }

    /// The value, when the name was known.
    pub fn known(&self) -> Option<T> {
        match self {
            Self::Known(value) => Some(*value),
            Self::Unknown(_) => None,
        }
    }
}

impl<T> From<T> for Choice<T> {
    fn from(value: T) -> Self {
        Self::Known(value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}
