//! Building responses: JSON with an `ETag` and conditional `304`, `201` with
//! `Location`, and list responses in the envelope or admin-UI styles.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use actix_web::web::Bytes;

use crate::app::AppState;
use crate::auth::Principal;
use crate::cache::{Cached, Lookup};
use crate::content::changes;
use crate::content::page::Page;
use crate::error::AppError;

/// Response headers a browser client may read across origins.
pub const EXPOSED_HEADERS: &str =
    "ETag, Location, Link, X-Total-Count, Content-Range, X-Request-Id";

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

/// Serialises `value`, keeping only `fields` when a sparse field set was asked for.
pub fn to_json<T: Serialize>(value: &T, fields: Option<&[String]>) -> Result<Vec<u8>, AppError> {
    let bytes = match fields {
        None => serde_json::to_vec(value),
        Some(fields) => serde_json::to_value(value).and_then(|mut v| {
            retain_fields(&mut v, fields);
            serde_json::to_vec(&v)
        }),
    };
    bytes.map_err(|err| AppError::Internal(err.into()))
}

fn retain_fields(value: &mut Value, fields: &[String]) {
    if let Value::Object(map) = value {
        map.retain(|key, _| fields.iter().any(|f| f == key));
    }
}

/// A rendered read: the JSON body and the headers that go with it (ETag,
/// counts, links). It can be answered now, and kept to answer again.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The JSON body.
    pub body: Bytes,
    /// Headers, the ETag among them.
    pub headers: Vec<(&'static str, String)>,
}

impl Rendered {
    fn etag(&self) -> &str {
        self.headers
            .iter()
            .find(|(name, _)| *name == "etag")
            .map_or("", |(_, value)| value.as_str())
    }

    /// `200` with the body, or `304` when `If-None-Match` names its ETag.
    /// Answers shared by every public reader may be stored by caches, which
    /// must revalidate them; others are private.
    pub fn respond(&self, req: &HttpRequest, shared: bool) -> HttpResponse {
        let etag = self.etag().to_owned();
        let cache_control = if shared {
            "public, max-age=0, must-revalidate"
        } else {
            "private, no-cache"
        };
        if not_modified(req, &etag) {
            return HttpResponse::NotModified()
                .insert_header((header::ETAG, etag))
                .insert_header((header::CACHE_CONTROL, cache_control))
                .finish();
        }
        let mut response = HttpResponse::Ok();
        response.insert_header((header::CONTENT_TYPE, "application/json"));
        response.insert_header((header::CACHE_CONTROL, cache_control));
        for (name, value) in &self.headers {
            response.insert_header((*name, value.as_str()));
        }
        response.body(self.body.clone())
    }
}

/// The rendered entity with its ETag.
pub fn render_entity<T: Serialize>(
    version: i32,
    value: &T,
    fields: Option<&[String]>,
) -> Result<Rendered, AppError> {
    let body = to_json(value, fields)?;
    let etag = entity_etag(version, &body);
    Ok(Rendered {
        body: Bytes::from(body),
        headers: vec![("etag", etag)],
    })
}

/// `200` with the entity as JSON and its ETag, or `304` when the client has it.
pub fn entity<T: Serialize>(
    req: &HttpRequest,
    version: i32,
    value: &T,
    fields: Option<&[String]>,
) -> Result<HttpResponse, AppError> {
    Ok(render_entity(version, value, fields)?.respond(req, false))
}

/// A public read: answered from the shared cache while content is unchanged,
/// else rendered (and kept, when the caller sees what the public sees).
pub async fn shared(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    render: impl AsyncFnOnce() -> Result<Rendered, AppError>,
) -> Result<HttpResponse, AppError> {
    let generation = if state.cache.enabled() {
        changes::public_generation(&state.ctx, principal).await?
    } else {
        None
    };
    let Some(generation) = generation else {
        return Ok(render().await?.respond(req, false));
    };
    let key = format!("{} {}?{}", req.method(), req.path(), req.query_string());
    let filling = match state.cache.lookup(&key, generation).await {
        Lookup::Hit(hit) => {
            let rendered = Rendered {
                body: hit.body,
                headers: hit.headers,
            };
            return Ok(rendered.respond(req, true));
        }
        Lookup::Miss(filling) => filling,
    };
    let rendered = render().await?;
    state.cache.put(
        key,
        Cached {
            generation,
            body: rendered.body.clone(),
            headers: rendered.headers.clone(),
        },
    );
    drop(filling);
    Ok(rendered.respond(req, true))
}

/// The answer to a write: `status` with the entity, its ETag, and for a create its `Location`.
pub fn written<T: Serialize>(
    status: StatusCode,
    location: Option<String>,
    version: i32,
    value: &T,
) -> Result<HttpResponse, AppError> {
    let body = to_json(value, None)?;
    let etag = entity_etag(version, &body);
    let mut builder = json_response(status, body);
    builder = builder.insert_header((header::ETAG, etag));
    if let Some(location) = location {
        builder = builder.insert_header((header::LOCATION, location));
    }
    Ok(builder.finish_with_body())
}

/// A response under construction with its JSON body kept aside.
pub struct JsonResponse {
    builder: actix_web::HttpResponseBuilder,
    body: Vec<u8>,
}

impl JsonResponse {
    /// Adds a header.
    pub fn insert_header(
        mut self,
        header: impl actix_web::http::header::TryIntoHeaderPair,
    ) -> Self {
        self.builder.insert_header(header);
        self
    }

    /// The finished response.
    pub fn finish_with_body(mut self) -> HttpResponse {
        self.builder.body(self.body)
    }
}

fn json_response(status: StatusCode, body: Vec<u8>) -> JsonResponse {
    let mut builder = HttpResponse::build(status);
    builder.insert_header((header::CONTENT_TYPE, "application/json"));
    JsonResponse { builder, body }
}

/// How a list was asked for, which decides the shape of its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListStyle {
    /// `{data, meta}` with `X-Total-Count` and a `Link` header.
    Envelope {
        /// `Some(page)` for page-number pagination, `None` for cursors.
        page: Option<u64>,
    },
    /// json-server conventions (`_start`/`_end`, `id=`): a bare array and `X-Total-Count`.
    JsonServer,
    /// ra-data-simple-rest conventions (`range`/`filter`): a bare array and `Content-Range`.
    SimpleRest {
        /// Index of the first row returned.
        start: u64,
    },
}

#[derive(Serialize)]
struct Meta {
    total: u64,
    page: Option<u64>,
    per_page: u64,
    next_cursor: Option<String>,
}

#[derive(Serialize)]
struct Envelope<'a, T> {
    data: &'a [T],
    meta: Meta,
}

/// Everything needed to answer a list request.
pub struct ListAnswer<'a> {
    /// Collection name for `Content-Range` (`articles`).
    pub resource: &'static str,
    /// Shape of the answer.
    pub style: ListStyle,
    /// Rows per page asked for.
    pub limit: u64,
    /// Sparse field set.
    pub fields: Option<&'a [String]>,
}

/// A page of items in the asked-for style, with `X-Total-Count`, `Link` or
/// `Content-Range`, and an ETag.
pub fn render_list<T: Serialize>(
    req: &HttpRequest,
    page: &Page<T>,
    answer: ListAnswer<'_>,
) -> Result<Rendered, AppError> {
    let items: Vec<Value> = match answer.fields {
        None => Vec::new(),
        Some(fields) => page
            .items
            .iter()
            .map(|item| {
                serde_json::to_value(item).map(|mut v| {
                    retain_fields(&mut v, fields);
                    v
                })
            })
            .collect::<Result<_, _>>()
            .map_err(|err| AppError::Internal(err.into()))?,
    };
    let body = match (&answer.style, answer.fields.is_some()) {
        (ListStyle::Envelope { page: number }, sparse) => {
            let meta = Meta {
                total: page.total,
                page: *number,
                per_page: answer.limit,
                next_cursor: page.next_cursor.clone(),
            };
            if sparse {
                serde_json::to_vec(&Envelope { data: &items, meta })
            } else {
                serde_json::to_vec(&Envelope {
                    data: &page.items,
                    meta,
                })
            }
        }
        (_, true) => serde_json::to_vec(&items),
        (_, false) => serde_json::to_vec(&page.items),
    }
    .map_err(|err| AppError::Internal(err.into()))?;

    let mut headers = vec![
        ("etag", list_etag(&body)),
        ("x-total-count", page.total.to_string()),
        ("access-control-expose-headers", EXPOSED_HEADERS.to_owned()),
    ];
    match answer.style {
        ListStyle::Envelope { page: number } => {
            let links = link_header(req, number, answer.limit, page);
            if !links.is_empty() {
                headers.push(("link", links));
            }
        }
        ListStyle::SimpleRest { start } => {
            let range = if page.items.is_empty() {
                format!("{} */{}", answer.resource, page.total)
            } else {
                let end = start + page.items.len() as u64 - 1;
                format!("{} {start}-{end}/{}", answer.resource, page.total)
            };
            headers.push(("content-range", range));
        }
        ListStyle::JsonServer => {}
    }
    Ok(Rendered {
        body: Bytes::from(body),
        headers,
    })
}

/// `200` with a page of items (see [`render_list`]), or `304` when the client has it.
pub fn list<T: Serialize>(
    req: &HttpRequest,
    page: &Page<T>,
    answer: ListAnswer<'_>,
) -> Result<HttpResponse, AppError> {
    Ok(render_list(req, page, answer)?.respond(req, false))
}

/// RFC 8288 links to the neighbouring pages, keeping every other query parameter.
fn link_header<T>(
    req: &HttpRequest,
    page_number: Option<u64>,
    limit: u64,
    page: &Page<T>,
) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let url = |replace: &[(&str, String)], drop: &[&str]| -> String {
        let mut kept: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| !replace.iter().any(|(r, _)| r == k) && !drop.contains(&k.as_str()))
            .cloned()
            .collect();
        kept.extend(replace.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
        let query = serde_urlencoded::to_string(&kept).unwrap_or_default();
        format!("<{}?{query}>", req.path())
    };
    let mut links = Vec::new();
    match page_number {
        Some(number) => {
            let last = page.total.div_ceil(limit).max(1);
            let per_page = ("per_page", limit.to_string());
            links.push(format!(
                "{}; rel=\"first\"",
                url(&[("page", "1".into()), per_page.clone()], &[])
            ));
            if number > 1 {
                let prev = (number - 1).min(last);
                links.push(format!(
                    "{}; rel=\"prev\"",
                    url(&[("page", prev.to_string()), per_page.clone()], &[])
                ));
            }
            if number < last {
                links.push(format!(
                    "{}; rel=\"next\"",
                    url(&[("page", (number + 1).to_string()), per_page.clone()], &[])
                ));
            }
            links.push(format!(
                "{}; rel=\"last\"",
                url(&[("page", last.to_string()), per_page], &[])
            ));
        }
        None => {
            let limit = ("limit", limit.to_string());
            links.push(format!(
                "{}; rel=\"first\"",
                url(std::slice::from_ref(&limit), &["cursor"])
            ));
            if let Some(cursor) = &page.next_cursor {
                links.push(format!(
                    "{}; rel=\"next\"",
                    url(&[("cursor", cursor.clone()), limit], &[])
                ));
            }
        }
    }
    links.join(", ")
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
