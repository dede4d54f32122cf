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
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == etag || candidate == "*")
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

    /// `200` with the body, or `304` when `If-None-Match` names its ETag.
    /// Answers shared by every public reader may be stored by caches, which
    /// must revalidate them; others are private.
    pub fn respond(&self, req: &HttpRequest, shared: bool) -> HttpResponse {
        let cache_control = if shared {
            "public, max-age=0, must-revalidate"
        } else {
            "private, no-cache"
        };
        if let Some(etag) = self.etag()
            && not_modified(req, etag)
        {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, etag.to_owned()))
                .insert_header((header::CACHE_CONTROL, cache_control))
                .finish();
        }
        let mut response = self.plain(StatusCode::OK);
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static(cache_control),
        );
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
/// `*` (any version) counts as none; an ETag this API did not issue is a 400.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i32>);

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
        ready(match version_of_etag(text) {
            Some(version) => Ok(Self(Some(version))),
            None => Err(AppError::bad_field(
                "If-Match",
                "must be an ETag returned by this API (or *)",
            )),
        })
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
}
