//! Automatic persisted queries (Apollo's `persistedQuery` extension): a
//! client sends the SHA-256 of its document instead of the document, so a
//! query fits in a short, cacheable `GET`. The first time a process has not
//! seen a hash it answers `PERSISTED_QUERY_NOT_FOUND`; the client then sends
//! the document with its hash, which is checked and kept. Documents are kept
//! in memory per process, up to a byte budget, oldest dropped first.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Bytes of documents kept at most.
const BUDGET_BYTES: usize = 16 * 1024 * 1024;

/// The documents known by their hash.
#[derive(Debug, Default)]
pub struct PersistedQueries {
    store: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    documents: HashMap<[u8; 32], Arc<str>>,
    order: VecDeque<[u8; 32]>,
    bytes: usize,
}

/// What a request's `persistedQuery` extension comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum Document {
    /// The document to run.
    Query(Arc<str>),
    /// A hash this process does not know: the client should send the document.
    NotFound,
}

/// The SHA-256 named by `extensions.persistedQuery`, if the request has one.
fn requested_hash(extensions: Option<&Map<String, Value>>) -> Result<Option<[u8; 32]>, AppError> {
    let Some(persisted) = extensions.and_then(|e| e.get("persistedQuery")) else {
        return Ok(None);
    };
    let field = "extensions.persistedQuery";
    let Value::Object(persisted) = persisted else {
        return Err(AppError::bad_field(field, "must be an object"));
    };
    if persisted.get("version").and_then(Value::as_i64) != Some(1) {
        return Err(AppError::bad_field(
            format!("{field}.version"),
            "only version 1 is supported",
        ));
    }
    let hash = persisted.get("sha256Hash").and_then(Value::as_str);
    let hash = hash.and_then(decode_hex).ok_or_else(|| {
        AppError::bad_field(
            format!("{field}.sha256Hash"),
            "must be the SHA-256 of the document as 64 hexadecimal digits",
        )
    })?;
    Ok(Some(hash))
}

fn decode_hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

impl PersistedQueries {
    /// The document a request runs: its `query`, checked against and kept
    /// under its `persistedQuery` hash when it has one; or, without a
    /// `query`, the document kept under the hash. `None` when the request
    /// has neither.
    pub fn resolve(
        &self,
        query: Option<&str>,
        extensions: Option<&Map<String, Value>>,
    ) -> Result<Option<Document>, AppError> {
        let hash = requested_hash(extensions)?;
        match (query, hash) {
            (Some(query), None) => Ok(Some(Document::Query(Arc::from(query)))),
            (None, None) => Ok(None),
            (Some(query), Some(hash)) => {
                if <[u8; 32]>::from(Sha256::digest(query.as_bytes())) != hash {
                    return Err(AppError::bad_field(
                        "extensions.persistedQuery.sha256Hash",
                        "is not the SHA-256 of the query",
                    ));
                }
                let document: Arc<str> = Arc::from(query);
                self.keep(hash, document.clone());
                Ok(Some(Document::Query(document)))
            }
            (None, Some(hash)) => {
                let store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(Some(match store.documents.get(&hash) {
                    Some(document) => Document::Query(document.clone()),
                    None => Document::NotFound,
                }))
            }
        }
    }

    fn keep(&self, hash: [u8; 32], document: Arc<str>) {
        let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
        if store.documents.contains_key(&hash) || document.len() > BUDGET_BYTES {
            return;
        }
        store.bytes += document.len();
        store.documents.insert(hash, document);
        store.order.push_back(hash);
        while store.bytes > BUDGET_BYTES {
            let Some(oldest) = store.order.pop_front() else {
                break;
            };
            if let Some(dropped) = store.documents.remove(&oldest) {
                store.bytes -= dropped.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn extensions(hash: &str) -> Map<String, Value> {
        let value = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}});
        value.as_object().cloned().unwrap()
    }

    const QUERY: &str = "{ __typename }";
    // printf '%s' '{ __typename }' | sha256sum
    const HASH: &str = "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b";

    #[test]
    fn a_hash_is_known_once_its_document_was_sent_with_it() {
        let queries = PersistedQueries::default();
        let ext = extensions(HASH);
        assert_eq!(
            queries.resolve(None, Some(&ext)).unwrap(),
            Some(Document::NotFound)
        );
        assert_eq!(
            queries.resolve(Some(QUERY), Some(&ext)).unwrap(),
            Some(Document::Query(Arc::from(QUERY)))
        );
        assert_eq!(
            queries.resolve(None, Some(&ext)).unwrap(),
            Some(Document::Query(Arc::from(QUERY)))
        );
    }

    #[test]
    fn a_hash_that_is_not_the_documents_is_refused_and_not_kept() {
        let queries = PersistedQueries::default();
        let wrong = extensions(&"0".repeat(64));
        assert!(queries.resolve(Some(QUERY), Some(&wrong)).is_err());
        assert_eq!(
            queries.resolve(None, Some(&wrong)).unwrap(),
            Some(Document::NotFound)
        );
        for bad in ["abc", &"g".repeat(64)] {
            assert!(
                queries.resolve(None, Some(&extensions(bad))).is_err(),
                "{bad}"
            );
        }
        let v2 = json!({"persistedQuery": {"version": 2, "sha256Hash": HASH}});
        assert!(queries.resolve(None, v2.as_object()).is_err());
    }

    #[test]
    fn the_oldest_documents_go_past_the_budget() {
        let queries = PersistedQueries::default();
        let big = "x".repeat(BUDGET_BYTES / 2 + 1);
        let hash_of = |text: &str| <[u8; 32]>::from(Sha256::digest(text.as_bytes()));
        let (first, second) = (format!("a{big}"), format!("b{big}"));
        queries.keep(hash_of(&first), Arc::from(first.as_str()));
        queries.keep(hash_of(&second), Arc::from(second.as_str()));
        let store = queries.store.lock().unwrap();
        assert!(!store.documents.contains_key(&hash_of(&first)));
        assert!(store.documents.contains_key(&hash_of(&second)));
        assert!(store.bytes <= BUDGET_BYTES);
    }
}
