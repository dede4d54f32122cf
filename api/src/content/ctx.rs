//! What every content function receives: the database, settings, and the
//! access settings that decide what a principal may do.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::DatabaseBackend;
use serde::{Deserialize, Deserializer};
use uuid::Uuid;

use super::write::WriteGate;
pub use super::write::WriteTx;
use crate::auth::Principal;
use crate::auth::jwt::JwtKeys;
use crate::auth::policy::{self, Action, Grant};
use crate::db::Db;
use crate::error::AppError;

/// Settings the content rules depend on.
#[derive(Debug)]
pub struct Settings {
    /// Locale of articles created without one.
    pub default_locale: String,
    /// Whether anonymous callers may read published content.
    pub public_read: bool,
    /// Signs and checks access tokens.
    pub jwt: JwtKeys,
    /// Lifetime of refresh tokens.
    pub refresh_ttl: Duration,
    /// An Argon2id hash of a random password, verified when a sign-in names
    /// an unknown e-mail address so that it costs as long as a known one.
    /// Made on first use, to keep start-up fast.
    pub decoy_hash: std::sync::OnceLock<String>,
}

impl Settings {
    /// The decoy hash (see [`Settings::decoy_hash`]).
    pub fn decoy_hash(&self) -> &str {
        self.decoy_hash.get_or_init(|| {
            let random = crate::auth::token::generate("").unwrap_or_default();
            crate::auth::password::hash(&random).unwrap_or_default()
        })
    }
}

/// Shared handle for content functions: cheap to clone.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// Content settings.
    pub settings: Arc<Settings>,
    /// SQLite allows one writer at a time; writers queue here instead of
    /// failing with `SQLITE_BUSY`, and share commits.
    write_gate: Option<Arc<WriteGate>>,
    /// When each API key's `last_used_at` was last written, so a busy key
    /// costs one write a minute rather than one per request.
    pub(crate) key_use: Arc<std::sync::Mutex<HashMap<Uuid, Instant>>>,
    /// Password hashes verified by sign-ins, known address or not (exported by `/metrics`).
    pub(crate) password_checks: Arc<AtomicU64>,
    /// Shared reads of the latest change (`changes::generation`).
    pub(crate) latest: Arc<super::changes::Latest>,
}

impl Ctx {
    /// A context over an open database.
    pub fn new(db: Db, settings: Settings) -> Self {
        let write_gate =
            (db.backend() == DatabaseBackend::Sqlite).then(|| Arc::new(WriteGate::default()));
        Self {
            db,
            settings: Arc::new(settings),
            write_gate,
            key_use: Arc::default(),
            password_checks: Arc::default(),
            latest: Arc::default(),
        }
    }

    /// What the permission table grants `principal` for `action`, or the
    /// 401/403 that refuses it.
    pub fn require(&self, principal: &Principal, action: Action) -> Result<Grant, AppError> {
        policy::require(principal, action, self.settings.public_read)
    }

    /// Password hashes verified by sign-ins so far.
    pub fn password_checks(&self) -> u64 {
        self.password_checks.load(Ordering::Relaxed)
    }

    /// SQLite writes committed so far and the commits that carried them
    /// (equal when no commit was shared); `None` on PostgreSQL.
    pub fn group_commits(&self) -> Option<(u64, u64)> {
        self.write_gate.as_ref().map(|gate| gate.committed())
    }

    /// True when the table lets `principal` do `action`.
    pub fn allows(&self, principal: &Principal, action: Action) -> bool {
        policy::grant(principal, action, self.settings.public_read) != Grant::No
    }

    /// Starts a write transaction; see [`super::write`] for how SQLite
    /// writers share commits.
    pub async fn begin_write(&self) -> Result<WriteTx, AppError> {
        super::write::begin(&self.db.conn, self.write_gate.as_ref()).await
    }
}

/// How an entity is addressed: by id, or by its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The UUID.
    Id(Uuid),
    /// The slug; for articles, optionally within one locale.
    Slug {
        /// The slug text.
        slug: String,
        /// Locale to look in (articles only).
        locale: Option<String>,
    },
}

impl Key {
    /// A UUID is an id; anything else is a slug.
    pub fn parse(raw: &str, locale: Option<String>) -> Self {
        match Uuid::parse_str(raw) {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug {
                slug: raw.to_owned(),
                locale,
            },
        }
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
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Self::Value(value),
            None => Self::Null,
        })
    }
}

/// The current time at the precision both databases store (microseconds),
/// so a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
