//! OpenAPI pieces shared by the handlers: problem responses and query parameters.
//! These types are never built: they exist to describe the API.
#![allow(dead_code, reason = "types that only describe the API in OpenAPI")]

use utoipa::{IntoParams, IntoResponses};

use crate::error::Problem;

/// Declares the problem responses, one type per status.
macro_rules! problems {
    ($( $(#[$doc:meta])* $name:ident = $status:literal, )+) => {
        $(
            $(#[$doc])*
            #[derive(IntoResponses)]
            #[response(status = $status, content_type = "application/problem+json")]
            pub struct $name(pub Problem);
        )+
    };
}

problems! {
    /// The input cannot be parsed: malformed JSON, a wrong type, an unknown field or query parameter.
    BadRequest = 400,
    /// No such resource.
    NotFound = 404,
    /// The request conflicts with stored state (a taken slug, a record still in use).
    Conflict = 409,
    /// The sync cursor is older than the kept change log (`urn:masthead:problem:resync-required`): start a new sync without a cursor.
    Gone = 410,
    /// `If-Match` names a version that is no longer current; `current_version` says which is.
    PreconditionFailed = 412,
    /// The request body is over the size limit.
    PayloadTooLarge = 413,
    /// The request body is not `application/json`.
    UnsupportedMediaType = 415,
    /// The input is well-formed but breaks a rule; `errors` lists each field.
    Unprocessable = 422,
    /// No credentials where they are needed, or refused ones; `WWW-Authenticate` says why.
    Unauthorized = 401,
    /// The caller may not do this.
    Forbidden = 403,
    /// Too many failed attempts; `Retry-After` says when to try again.
    TooManyRequests = 429,
}

/// A former slug (design §15): `Location` is the same address with the
/// current slug (and the same query).
#[derive(IntoResponses)]
#[response(
    status = 301,
    headers(("Location" = String, description = "The address with the current slug"))
)]
pub struct Moved;

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
    #[param(minimum = 1)]
    pub page: Option<u64>,
    /// Rows per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
    /// Opaque cursor from `meta.next_cursor` of the previous page (with `limit`).
    #[param(min_length = 1)]
    pub cursor: Option<String>,
    /// Rows per page with cursors, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    /// Sort keys, comma-separated; a leading `-` sorts descending (`-published_at,title`); a key named again is ignored.
    #[param(min_length = 1)]
    pub sort: Option<String>,
    /// Only these top-level fields, comma-separated.
    #[param(min_length = 1)]
    pub fields: Option<String>,
    /// Text to look for (case-insensitive for ASCII letters).
    pub q: Option<String>,
}

/// Shaping parameters of a single read.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReadParams {
    /// Only these top-level fields, comma-separated.
    #[param(min_length = 1)]
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
