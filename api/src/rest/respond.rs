//! REST answers: sparse field sets, entities with their ETag, writes, and
//! lists in the envelope or admin-UI styles with their counts and links.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Principal;
use crate::content::page::Page;
use crate::error::AppError;
use crate::http::answer::{self, PRIVATE, entity_etag, list_etag};
use crate::http::cache::serve_public;
use crate::http::{AppState, EXPOSED_HEADERS, Rendered};

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
    Ok(render_entity(version, value, fields)?.respond(req, PRIVATE))
}

/// A public read: answered from the shared cache while content is unchanged
/// (see [`serve_public`]), else rendered; `304` when the client has it.
pub async fn public(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    render: impl AsyncFnOnce() -> Result<Rendered, AppError>,
) -> Result<HttpResponse, AppError> {
    public_varying(state, principal, req, "", render).await
}

/// [`public`] for an answer that also depends on `varying` (what the
/// request's headers asked for, such as the locales of `Accept-Language`),
/// kept apart in the shared cache.
pub async fn public_varying(
    state: &AppState,
    principal: &Principal,
    req: &HttpRequest,
    varying: &str,
    render: impl AsyncFnOnce() -> Result<Rendered, AppError>,
) -> Result<HttpResponse, AppError> {
    let key = || {
        format!(
            "{} {}?{} {varying}",
            req.method(),
            req.path(),
            req.query_string()
        )
    };
    let served = serve_public(state, principal, key, async || Ok((render().await?, true))).await?;
    let control = if served.shared {
        state.cache.control()
    } else {
        PRIVATE
    };
    Ok(served.answer.respond(req, control))
}

/// A read that found a former slug ([`AppError::Moved`]): `301` to the
/// same address with the current slug in place of the last segment, and
/// the same query. Any other answer as it is.
pub fn or_moved(
    req: &HttpRequest,
    answer: Result<HttpResponse, AppError>,
) -> Result<HttpResponse, AppError> {
    let Err(AppError::Moved { slug, .. }) = &answer else {
        return answer;
    };
    let path = req.path();
    let parent = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let mut location = format!("{parent}{slug}");
    if !req.query_string().is_empty() {
        location.push('?');
        location.push_str(req.query_string());
    }
    Ok(HttpResponse::MovedPermanently()
        .insert_header(("location", location))
        .insert_header(("cache-control", PRIVATE))
        .finish())
}

/// `value` as JSON with `status`, for its caller only (no shared cache
/// keeps it): what is not a versioned entity or a list.
pub fn private_json<T: Serialize>(status: StatusCode, value: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((actix_web::http::header::CACHE_CONTROL, PRIVATE))
        .json(value)
}

/// The answer to a write: `status` with the entity, its ETag, and for a create its `Location`.
pub fn written<T: Serialize>(
    status: StatusCode,
    location: Option<String>,
    version: i32,
    value: &T,
) -> Result<HttpResponse, AppError> {
    Ok(answer::written(
        status,
        location,
        version,
        to_json(value, None)?,
    ))
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

/// Room made for each item of a list before it is written: an article
/// with its body, authors and tags takes a few KiB, and a buffer grown
/// from nothing was copied a dozen times on the way to 130 KiB.
const ITEM_BYTES: usize = 8 * 1024;

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
    let mut body = Vec::with_capacity(ITEM_BYTES * page.items.len().max(1));
    match (&answer.style, answer.fields.is_some()) {
        (ListStyle::Envelope { page: number }, sparse) => {
            let meta = Meta {
                total: page.total,
                page: *number,
                per_page: answer.limit,
                next_cursor: page.next_cursor.clone(),
            };
            if sparse {
                serde_json::to_writer(&mut body, &Envelope { data: &items, meta })
            } else {
                let data = &page.items;
                serde_json::to_writer(&mut body, &Envelope { data, meta })
            }
        }
        (_, true) => serde_json::to_writer(&mut body, &items),
        (_, false) => serde_json::to_writer(&mut body, &page.items),
    }
    .map_err(|err| AppError::Internal(err.into()))?;
    // Cached answers keep their buffer: not the room left over.
    body.shrink_to_fit();

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
    Ok(render_list(req, page, answer)?.respond(req, PRIVATE))
}

/// Rows a page's `next` link may skip by offset; deeper, it is a cursor.
pub const DEEP_OFFSET: u64 = 1_000;

/// RFC 8288 links to the neighbouring pages, keeping every other query
/// parameter. A page's `next` past [`DEEP_OFFSET`] rows goes on by cursor.
pub(super) fn link_header<T>(
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
                // Past DEEP_OFFSET rows, `next` continues by cursor: an
                // offset costs the rows it skips, a cursor does not.
                let next = match &page.next_cursor {
                    Some(cursor) if number.saturating_mul(limit) >= DEEP_OFFSET => url(
                        &[("cursor", cursor.clone()), ("limit", limit.to_string())],
                        &["page", "per_page"],
                    ),
                    _ => url(&[("page", (number + 1).to_string()), per_page.clone()], &[]),
                };
                links.push(format!("{next}; rel=\"next\""));
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
    use actix_web::test::TestRequest;

    use super::{DEEP_OFFSET, link_header};
    use crate::content::page::Page;

    fn page(total: u64, next_cursor: Option<&str>) -> Page<()> {
        Page {
            items: Vec::new(),
            total,
            next_cursor: next_cursor.map(str::to_owned),
            cursors: Vec::new(),
            has_more: next_cursor.is_some(),
        }
    }

    fn next(links: &str) -> &str {
        links
            .split(", ")
            .find(|link| link.ends_with("rel=\"next\""))
            .unwrap_or("")
    }

    #[test]
    fn a_shallow_next_is_a_page_and_a_deep_one_a_cursor() {
        let req = TestRequest::get()
            .uri("/api/v1/articles?tag=sport&page=2&per_page=100")
            .to_http_request();
        let links = link_header(&req, Some(2), 100, &page(5_000, Some("abc")));
        assert_eq!(
            next(&links),
            "</api/v1/articles?tag=sport&page=3&per_page=100>; rel=\"next\""
        );
        let deep = DEEP_OFFSET / 100;
        let req = TestRequest::get()
            .uri(&format!(
                "/api/v1/articles?tag=sport&page={deep}&per_page=100"
            ))
            .to_http_request();
        let links = link_header(&req, Some(deep), 100, &page(5_000, Some("abc")));
        assert_eq!(
            next(&links),
            "</api/v1/articles?tag=sport&cursor=abc&limit=100>; rel=\"next\""
        );
        // The others stay pages; without a cursor (search), next does too.
        assert!(links.contains("page=50&per_page=100>; rel=\"last\""));
        let links = link_header(&req, Some(deep), 100, &page(5_000, None));
        assert!(next(&links).contains(&format!("page={}", deep + 1)));
    }
}
