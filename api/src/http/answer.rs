//! Answers with validators: entity and list ETags, `304 Not Modified` for a
//! matching `If-None-Match`, the `If-Match` precondition of writes, and the
//! `201`/`200` of a write with its `ETag` and `Location`.

use std::future::{Ready, ready};

use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload};

use crate::error::AppError;

/// An ETag for a representation of version `version` of an entity:
/// `"<version>-<hash of the bytes>"`. The version part lets `If-Match` be
/// checked against the stored row; the hash changes with any other change of
/// the representation (an expanded author renamed, other query parameters).
pub fn entity_etag(version: i32, body: &[u8]) -> String {
    format!("\"{version}-{:016x}\"", xxhash_rust::xxh3::xxh3_64(body))
}

/// An ETag for a list representation.
pub fn list_etag(body: &[u8]) -> String {
    format!("\"l-{:016x}\"", xxhash_rust::xxh3::xxh3_64(body))
}

/// The version inside an entity ETag made by [`entity_etag`].
pub fn version_of_etag(etag: &str) -> Option<i32> {
    let inner = etag.strip_prefix('"')?.strip_suffix('"')?;
    let (version, hash) = inner.split_once('-')?;
    if hash.len() != 16 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    version.parse().ok()
}

/// True when the request's `If-None-Match` lists `etag` (or `*`).
pub fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == etag || candidate == "*")
}

/// The `Cache-Control` of answers made for one caller.
pub const PRIVATE: &str = "private, no-cache";

/// The longest list of content keys an answer names one by one (CDNs take
/// 16 KiB of them at most).
pub const MAX_KEYS_BYTES: usize = 8 * 1024;

/// The content an answer shows, by name: its collections (`articles`)
/// first, then each entity (`article:{id}`, `author:{id}`, `tag:{id}`),
/// each once. A webhook names the same entities, so a CDN can purge
/// exactly the answers an event changed.
#[derive(Debug, Default, Clone)]
pub struct ContentKeys {
    names: Vec<String>,
    collections: usize,
}

impl ContentKeys {
    /// The keys of an answer from `collection` (`articles`).
    pub fn of(collection: &str) -> Self {
        Self {
            names: vec![collection.to_owned()],
            collections: 1,
        }
    }

    /// Adds entity `id` of `kind` (`article`), unless named already.
    pub fn add(&mut self, kind: impl std::fmt::Display, id: impl std::fmt::Display) {
        let name = format!("{kind}:{id}");
        if !self.names[self.collections..].contains(&name) {
            self.names.push(name);
        }
    }
}

/// A rendered answer: the JSON body and the headers that go with it (ETag,
/// counts, links). It can be answered now, and kept to answer again.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The JSON body.
    pub body: Bytes,
    /// Headers, the ETag among them when the answer has one.
    pub headers: Vec<(&'static str, String)>,
}

impl Rendered {
    /// A JSON body with no headers of its own.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self {
            body: body.into(),
            headers: Vec::new(),
        }
    }

    fn etag(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| *name == "etag")
            .map(|(_, value)| value.as_str())
    }

    /// Adds the names of the content the answer shows, for caches on the
    /// way that purge by them (`Surrogate-Key`, space-separated, and
    /// `Cache-Tag`, comma-separated). Past [`MAX_KEYS_BYTES`] only the
    /// collection names are kept: purging one of those empties the answer too.
    #[must_use]
    pub fn keyed(mut self, keys: &ContentKeys) -> Self {
        if keys.names.is_empty() {
            return self;
        }
        let names = if keys.names.iter().map(|k| k.len() + 1).sum::<usize>() > MAX_KEYS_BYTES {
            &keys.names[..keys.collections]
        } else {
            &keys.names[..]
        };
        self.headers.push(("surrogate-key", names.join(" ")));
        self.headers.push(("cache-tag", names.join(",")));
        self
    }

    /// `200` with the body, or `304` when `If-None-Match` names its ETag,
    /// with the `Cache-Control` given: [`PRIVATE`], or the one of answers
    /// every public reader shares.
    pub fn respond(&self, req: &HttpRequest, cache_control: &str) -> HttpResponse {
        if let Some(etag) = self.etag()
            && not_modified(req, etag)
        {
            let mut response = HttpResponse::NotModified();
            response
                .insert_header((header::ETAG, etag.to_owned()))
                .insert_header((header::CACHE_CONTROL, cache_control.to_owned()));
            // A 304 carries what a 200 would about its variants (RFC 9110).
            for (name, value) in &self.headers {
                if matches!(*name, "vary" | "content-language") {
                    response.insert_header((*name, value.as_str()));
                }
            }
            return response.finish();
        }
        let mut response = self.plain(StatusCode::OK);
        if let Ok(value) = header::HeaderValue::from_str(cache_control) {
            response.headers_mut().insert(header::CACHE_CONTROL, value);
        }
        response
    }

    /// The answer with `status`, its headers and body, nothing added.
    pub fn plain(&self, status: StatusCode) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/json"));
        for (name, value) in &self.headers {
            response.insert_header((*name, value.as_str()));
        }
        response.body(self.body.clone())
    }
}

/// The answer to a write: `status` with the entity's JSON, its ETag, and for
/// a create its `Location`.
pub fn written(
    status: StatusCode,
    location: Option<String>,
    version: i32,
    body: Vec<u8>,
) -> HttpResponse {
    let mut headers = vec![("etag", entity_etag(version, &body))];
    if let Some(location) = location {
        headers.push(("location", location));
    }
    Rendered {
        body: Bytes::from(body),
        headers,
    }
    .plain(status)
}

/// The version an `If-Match` header names, if the request has one.
/// `*` (any version) counts as none. A value that is not an ETag of this
/// API names no version at all (version 0, which no record has): like a
/// stale ETag, the precondition fails with 412 (RFC 9110, §13.1.1).
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

/// The version no record has, standing for an `If-Match` that names none.
const NO_VERSION: i32 = 0;

impl FromRequest for IfMatch {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(header::IF_MATCH) else {
            return ready(Ok(Self(None)));
        };
        let text = value.to_str().unwrap_or("").trim();
        if text == "*" {
            return ready(Ok(Self(None)));
        }
        let version = version_of_etag(text).unwrap_or(NO_VERSION);
        ready(Ok(Self(Some(version))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_etags_carry_their_version() {
        let etag = entity_etag(7, b"{}");
        assert_eq!(version_of_etag(&etag), Some(7));
        assert_ne!(etag, entity_etag(7, b"{ }"));
        for foreign in [
            "\"7\"",
            "W/\"7-0000000000000000\"",
            "\"x-0000000000000000\"",
            "7-abc",
        ] {
            assert_eq!(version_of_etag(foreign), None, "{foreign}");
        }
    }

    fn header<'a>(answer: &'a Rendered, name: &str) -> Option<&'a str> {
        answer
            .headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn content_keys_name_each_entity_once_within_the_limit() {
        let mut keys = ContentKeys::of("articles");
        keys.add("article", 1);
        keys.add("tag", 7);
        keys.add("tag", 7);
        let answer = Rendered::json("[]").keyed(&keys);
        assert_eq!(
            header(&answer, "surrogate-key"),
            Some("articles article:1 tag:7")
        );
        assert_eq!(
            header(&answer, "cache-tag"),
            Some("articles,article:1,tag:7")
        );

        let mut many = ContentKeys::of("articles");
        for id in 0..1000 {
            many.add("article", format!("0195a1b2-0000-7000-8000-{id:012}"));
        }
        let answer = Rendered::json("[]").keyed(&many);
        assert_eq!(header(&answer, "surrogate-key"), Some("articles"));
    }
}
