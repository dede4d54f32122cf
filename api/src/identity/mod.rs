//! Accounts: users, sign-in sessions with rotating refresh tokens, API keys,
//! and turning a bearer credential into a [`Principal`]. The pure parts
//! (roles, the permission table, password hashing, JWTs) are in `auth`; this
//! module stores and checks them. The content domain never reaches in here.

pub mod api_keys;
pub mod audit_log;
pub mod sessions;
pub mod users;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::auth::jwt::JwtKeys;
use crate::auth::policy::{Action, Grant, Policy};
use crate::auth::{Principal, password, token};
use crate::error::AppError;
use crate::storage::{Db, WriteTx};

pub use sessions::authenticate;

/// What the account functions receive: the database, the permission table,
/// the token keys, and the bookkeeping of sign-ins. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The database.
    pub db: Db,
    /// Who may do what.
    pub policy: Policy,
    keys: Arc<Keys>,
}

/// The secrets and counters shared by every clone of an [`Identity`].
struct Keys {
    /// Signs and checks access tokens.
    jwt: JwtKeys,
    /// Lifetime of refresh tokens.
    refresh_ttl: Duration,
    /// An Argon2id hash of a random password, verified when a sign-in names
    /// an unknown e-mail address so that it costs as long as a known one.
    /// Made on first use, to keep start-up fast.
    decoy_hash: OnceLock<String>,
    /// Password hashes verified by sign-ins, known address or not (exported by `/metrics`).
    password_checks: AtomicU64,
    /// When each API key's `last_used_at` was last written, so a busy key
    /// costs one write a minute rather than one per request.
    key_use: Mutex<HashMap<Uuid, Instant>>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("jwt", &self.jwt)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// Accounts over an open database, signing tokens with `jwt`.
    pub fn new(db: Db, policy: Policy, jwt: JwtKeys, refresh_ttl: Duration) -> Self {
        Self {
            db,
            policy,
            keys: Arc::new(Keys {
                jwt,
                refresh_ttl,
                decoy_hash: OnceLock::new(),
                password_checks: AtomicU64::new(0),
                key_use: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Signs and checks access tokens.
    pub fn jwt(&self) -> &JwtKeys {
        &self.keys.jwt
    }

    /// What the permission table grants `principal` for `action`, or the
    /// 401/403 that refuses it.
    pub fn require(&self, principal: &Principal, action: Action) -> Result<Grant, AppError> {
        self.policy.require(principal, action)
    }

    /// Starts a write transaction (see [`Db::begin_write`]).
    pub async fn begin_write(&self) -> Result<WriteTx, AppError> {
        self.db.begin_write().await
    }

    /// Password hashes verified by sign-ins so far.
    pub fn password_checks(&self) -> u64 {
        self.keys.password_checks.load(Ordering::Relaxed)
    }

    /// Verifies a sign-in's password against `hash` (the decoy hash when the
    /// address is unknown), counting the verification.
    fn verify_password(&self, password: &str, hash: Option<&str>) -> Result<bool, AppError> {
        let hash = match hash {
            Some(hash) => hash,
            None => self.decoy_hash()?,
        };
        self.keys.password_checks.fetch_add(1, Ordering::Relaxed);
        Ok(password::verify(password, hash))
    }

    /// The decoy hash (see [`Keys::decoy_hash`]).
    fn decoy_hash(&self) -> Result<&str, AppError> {
        if let Some(hash) = self.keys.decoy_hash.get() {
            return Ok(hash);
        }
        let random = token::generate("")?;
        let hash = password::hash(&random)?;
        Ok(self.keys.decoy_hash.get_or_init(|| hash))
    }

    /// True the first time in a minute a key is seen (see [`Keys::key_use`]).
    fn key_use_due(&self, id: Uuid, resolution: Duration) -> bool {
        let Ok(mut seen) = self.keys.key_use.lock() else {
            return false;
        };
        let now = Instant::now();
        match seen.get(&id) {
            Some(last) if now.duration_since(*last) < resolution => false,
            _ => {
                seen.insert(id, now);
                true
            }
        }
    }

    fn refresh_ttl(&self) -> Duration {
        self.keys.refresh_ttl
    }
}
