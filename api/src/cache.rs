//! Shared answers for public reads. Anonymous callers and delivery keys see
//! the same content, so their answers are kept in memory, tagged with the
//! content generation they were made at (`content::changes`), and served
//! again while the generation is unchanged — checked on every request
//! against the database, so writes by any process show at once.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::web::Bytes;

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
    max_entries: usize,
    max_body_bytes: usize,
}

impl ResponseCache {
    /// A cache of at most `max_entries` answers of at most `max_body_bytes` each.
    pub fn new(max_entries: usize, max_body_bytes: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_entries,
            max_body_bytes,
        }
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
