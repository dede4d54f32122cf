//! Shared answers for public reads, REST and GraphQL alike. Anonymous
//! callers and delivery keys see the same content, so their answers are kept
//! in memory, tagged with the content generation they were made at (the
//! change log's latest sequence number), and served again while the
//! generation is unchanged — checked on every request against the database,
//! so writes by any process show at once. When an answer is missing, the
//! first request for it makes it and the others asking for the same one wait
//! for it (single flight), instead of all making it at once. Only public
//! events move the generation: draft work leaves these answers alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::web::Bytes;

use super::{AppState, Rendered};
use crate::auth::Principal;
use crate::content::Ctx;
use crate::error::AppError;

/// A public answer as [`serve_public`] gives it.
#[derive(Debug)]
pub struct Served {
    /// The answer.
    pub answer: Rendered,
    /// True when it is the answer every public reader gets (and caches on
    /// the way may keep it).
    pub shared: bool,
}

/// Answers a read: from the shared cache while content is unchanged, when
/// the caller sees what the public sees; otherwise `make` makes it, and a
/// public answer `make` says may be kept (`true`) is kept under `key`.
pub async fn serve_public(
    state: &AppState,
    principal: &Principal,
    key: impl FnOnce() -> String,
    make: impl AsyncFnOnce() -> Result<(Rendered, bool), AppError>,
) -> Result<Served, AppError> {
    let generation = if state.cache.enabled() {
        state.ctx.public_generation(principal).await?
    } else {
        None
    };
    let Some(generation) = generation else {
        let (answer, _) = make().await?;
        // Kept here or not, a public answer is the same for every public reader.
        return Ok(Served {
            answer,
            shared: Ctx::reads_as_public(principal),
        });
    };
    let key = key();
    let filling = match state.cache.lookup(&key, generation).await {
        Lookup::Hit(hit) => {
            state.cache.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Served {
                answer: Rendered {
                    body: hit.body,
                    headers: hit.headers,
                },
                shared: true,
            });
        }
        Lookup::Miss(filling) => filling,
    };
    state.cache.misses.fetch_add(1, Ordering::Relaxed);
    let (answer, keep) = make().await?;
    if keep {
        state.cache.put(
            key,
            Cached {
                generation,
                body: answer.body.clone(),
                headers: answer.headers.clone(),
            },
        );
    }
    drop(filling);
    Ok(Served {
        answer,
        shared: true,
    })
}

/// One stored answer.
#[derive(Debug, Clone)]
pub struct Cached {
    /// The content generation it was made at.
    pub generation: i64,
    /// The body.
    pub body: Bytes,
    /// Headers to send with it (ETag, counts, links…).
    pub headers: Vec<(&'static str, String)>,
}

/// Answers by request key, bounded in number.
#[derive(Debug)]
pub struct ResponseCache {
    entries: Mutex<HashMap<String, Cached>>,
    /// Keys whose answer is being made, and the lock its makers queue on.
    filling: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    max_entries: usize,
    max_body_bytes: usize,
    /// The `Cache-Control` of shared answers.
    control: String,
    /// Public answers served from memory (exported by `/metrics`).
    hits: AtomicU64,
    /// Public answers that had to be made.
    misses: AtomicU64,
}

/// What [`ResponseCache::lookup`] found.
pub enum Lookup {
    /// The answer, ready.
    Hit(Cached),
    /// No answer: the holder makes it and [`ResponseCache::put`]s it; others
    /// asking for the same key wait until this is dropped.
    Miss(Filling),
}

/// The right to make one key's answer (see [`Lookup::Miss`]).
pub struct Filling {
    key: String,
    lock: Arc<tokio::sync::Mutex<()>>,
    guard: Option<tokio::sync::OwnedMutexGuard<()>>,
    filling: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Drop for Filling {
    fn drop(&mut self) {
        self.guard.take();
        if let Ok(mut filling) = self.filling.lock() {
            // The map and this holder: nobody else is waiting for the key.
            if Arc::strong_count(&self.lock) == 2 {
                filling.remove(&self.key);
            }
        }
    }
}

impl ResponseCache {
    /// A cache of at most `max_entries` answers of at most `max_body_bytes`
    /// each; shared answers go out with the `Cache-Control` `control`.
    pub fn new(max_entries: usize, max_body_bytes: usize, control: String) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            filling: Arc::default(),
            max_entries,
            max_body_bytes,
            control,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The `Cache-Control` of answers every public reader shares.
    pub fn control(&self) -> &str {
        &self.control
    }

    /// Public answers served from memory, and made, since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// False when configured to keep nothing.
    pub fn enabled(&self) -> bool {
        self.max_entries > 0
    }

    /// The answer stored for `key` at `generation`, if any.
    pub fn get(&self, key: &str, generation: i64) -> Option<Cached> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|c| c.generation == generation)
            .cloned()
    }

    /// The answer for `key` at `generation`; when there is none, waits
    /// while another request makes it, and if it still is missing, gives the
    /// caller the turn to make it.
    pub async fn lookup(&self, key: &str, generation: i64) -> Lookup {
        if let Some(hit) = self.get(key, generation) {
            return Lookup::Hit(hit);
        }
        let lock = match self.filling.lock() {
            Ok(mut filling) => filling.entry(key.to_owned()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let guard = lock.clone().lock_owned().await;
        let filling = Filling {
            key: key.to_owned(),
            lock,
            guard: Some(guard),
            filling: self.filling.clone(),
        };
        match self.get(key, generation) {
            Some(hit) => Lookup::Hit(hit),
            None => Lookup::Miss(filling),
        }
    }

    /// Stores an answer. When full, the cache starts over: answers of older
    /// generations are useless anyway, and the live set refills quickly.
    pub fn put(&self, key: String, answer: Cached) {
        if self.max_entries == 0 || answer.body.len() > self.max_body_bytes {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.max_entries && !entries.contains_key(&key) {
                entries.clear();
            }
            entries.insert(key, answer);
        }
    }
}
