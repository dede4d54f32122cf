//! OpenAPI pieces shared by the handlers: problem responses and query parameters.
//! These types are never built: they exist to describe the API.
#![allow(dead_code, reason = "types that only describe the API in OpenAPI")]

use utoipa::{IntoParams, IntoResponses};

use crate::error::Problem;

/// The input cannot be parsed: malformed JSON, a wrong type, an unknown field or query parameter.
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadRequest(pub Problem);

/// No such resource.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(pub Problem);

/// The request conflicts with stored state (a taken slug, a record still in use).
#[derive(IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct Conflict(pub Problem);

/// `If-Match` names a version that is no longer current; `current_version` says which is.
#[derive(IntoResponses)]
#[response(status = 412, content_type = "application/problem+json")]
pub struct PreconditionFailed(pub Problem);

/// The request body is over the size limit.
#[derive(IntoResponses)]
#[response(status = 413, content_type = "application/problem+json")]
pub struct PayloadTooLarge(pub Problem);

/// The request body is not `application/json`.
#[derive(IntoResponses)]
#[response(status = 415, content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub Problem);

/// The input is well-formed but breaks a rule; `errors` lists each field.
#[derive(IntoResponses)]
#[response(status = 422, content_type = "application/problem+json")]
pub struct Unprocessable(pub Problem);

/// Pagination, sorting and shaping parameters common to every list.
///
/// Lists also speak the conventions of admin UIs. A request with any of
/// json-server's parameters — `_start`, `_end`, `_sort`, `_order`, repeated
/// `id`, the field names `author_ids`/`tag_ids`, or a filter operator suffix
/// `_like`, `_gte`, `_lte` — gets a bare array with `X-Total-Count`; one with
/// `range`, `filter` or `sort` as JSON (ra-data-simple-rest) gets a bare array
/// with `Content-Range`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1 (with `per_page`).
    pub page: Option<u64>,
    /// Rows per page, 1 to 100 (default 20).
    pub per_page: Option<u64>,
    /// Opaque cursor from `meta.next_cursor` of the previous page (with `limit`).
    pub cursor: Option<String>,
    /// Rows per page with cursors, 1 to 100 (default 20).
    pub limit: Option<u64>,
    /// Sort keys, comma-separated; a leading `-` sorts descending (`-published_at,title`).
    pub sort: Option<String>,
    /// Only these top-level fields, comma-separated.
    pub fields: Option<String>,
    /// Text to look for (case-insensitive for ASCII letters).
    pub q: Option<String>,
}

/// Shaping parameters of a single read.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadParams {
    /// Only these top-level fields, comma-separated.
    pub fields: Option<String>,
}

/// Counts and cursors of a list answer.
#[derive(utoipa::ToSchema)]
pub struct ListMeta {
    /// Rows matching the filters, over all pages.
    pub total: u64,
    /// The page number, with page pagination (`null` with cursors).
    pub page: Option<u64>,
    /// Rows per page asked for.
    pub per_page: u64,
    /// Cursor for the next page (`null` on the last page).
    pub next_cursor: Option<String>,
}

/// A page of a list. With the admin-UI conventions (`_start`/`_end`, `id=`,
/// `range`, `filter`) the answer is the bare `data` array instead.
#[derive(utoipa::ToSchema)]
pub struct ListOf<T> {
    /// The rows of this page.
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// No credentials where they are needed, or refused ones; `WWW-Authenticate` says why.
#[derive(IntoResponses)]
#[response(status = 401, content_type = "application/problem+json")]
pub struct Unauthorized(pub Problem);

/// The caller may not do this.
#[derive(IntoResponses)]
#[response(status = 403, content_type = "application/problem+json")]
pub struct Forbidden(pub Problem);

/// Too many failed attempts; `Retry-After` says when to try again.
#[derive(IntoResponses)]
#[response(status = 429, content_type = "application/problem+json")]
pub struct TooManyRequests(pub Problem);
