//! `/api/v1/tags`: handlers only parse, call `content::tag`, and answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, PayloadTooLarge,
    PreconditionFailed, ReadParams, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::dto::{TAG_FIELDS, TagOut, TagWrite};
use super::extract::{Caller, IfMatch, JsonBody};
use super::history::history_handlers;
use super::list::{self, Collection};
use super::respond::{self, ListAnswer};
use crate::app::AppState;
use crate::content::Key;
use crate::content::page::Sort;
use crate::content::tag::{self, TagFilter, TagSort};
use crate::error::AppError;

/// How `/tags` reads its query string.
pub struct Tags;

impl Collection for Tags {
    type Filter = TagFilter;
    type Sort = TagSort;
    const NAME: &'static str = "tags";
    const FIELDS: &'static [&'static str] = TAG_FIELDS;

    fn default_sort() -> Sort<TagSort> {
        tag::default_sort()
    }

    fn filter(filter: &mut TagFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "slug" => filter.slug = Some(value.to_owned()),
            "q" | "name_like" => filter.q = Some(value.to_owned()),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// List tags.
///
/// Readable by anyone who may read published content; e-mail addresses only by signed-in users.
#[utoipa::path(
    tag = "tags",
    security((), ("bearer" = [])),
    params(ListParams, ("slug" = Option<String>, Query, description = "With this slug")),
    responses(
        (status = 200, description = "A page of tags in `data`, counts in `meta`", body = ListOf<TagOut>,
         headers(("X-Total-Count" = u64, description = "Rows over all pages"),
                 ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                 ("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest,
    )
)]
#[get("/tags")]
pub async fn list_tags(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Tags>(req.query_string(), Some(|f| &mut f.ids))?;
    respond::shared(&state, &caller.0, &req, async || {
        let page = tag::list(&state.ctx, &caller.0, &request.query)
            .await?
            .map(TagOut::from);
        respond::render_list(
            &req,
            &page,
            ListAnswer {
                resource: Tags::NAME,
                style: request.style.clone(),
                limit: request.query.page.limit(),
                fields: request.options.fields.as_deref(),
            },
        )
    })
    .await
}

/// Get a tag by id or slug.
///
/// Readable by anyone who may read published content; e-mail addresses only by signed-in users.
#[utoipa::path(
    tag = "tags",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Tag id or slug"), ReadParams),
    responses(
        (status = 200, description = "The current representation", body = TagOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest, NotFound,
    )
)]
#[get("/tags/{id}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let options = list::read_options::<Tags>(req.query_string())?;
    let key = Key::parse(&path, None);
    respond::shared(&state, &caller.0, &req, async || {
        let found = tag::get(&state.ctx, &caller.0, &key).await?;
        let version = found.version;
        respond::render_entity(version, &TagOut::from(found), options.fields.as_deref())
    })
    .await
}

/// Create a tag.
///
/// The slug is generated from the name when absent; an explicit slug that is taken is a 409.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    request_body = TagWrite,
    responses(
        (status = 201, description = "Created", body = TagOut, headers(("Location" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<TagWrite>,
) -> Result<HttpResponse, AppError> {
    let tag = tag::create(&state.ctx, &caller.0, body.into_inner().into_input()).await?;
    let location = format!("/api/v1/tags/{}", tag.id);
    let version = tag.version;
    respond::written(
        StatusCode::CREATED,
        Some(location),
        version,
        &TagOut::from(tag),
    )
}

async fn write_tag(
    state: &AppState,
    caller: Caller,
    path: &str,
    if_match: IfMatch,
    write: TagWrite,
    replace: bool,
) -> Result<HttpResponse, AppError> {
    let mut input = write.into_input();
    if replace {
        input = input.replacing();
    }
    let tag = tag::update(
        &state.ctx,
        &caller.0,
        &Key::parse(path, None),
        input,
        if_match.0,
    )
    .await?;
    let version = tag.version;
    respond::written(StatusCode::OK, None, version, &TagOut::from(tag))
}

/// Update some fields of a tag.
///
/// Fields not sent keep their values; `null` clears an optional field.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tag id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = TagWrite,
    responses(
        (status = 200, description = "The current representation", body = TagOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/tags/{id}")]
pub async fn patch_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<TagWrite>,
) -> Result<HttpResponse, AppError> {
    write_tag(&state, caller, &path, if_match, body.into_inner(), false).await
}

/// Replace a tag.
///
/// Writable fields not sent are cleared (the slug keeps its value).
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tag id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = TagWrite,
    responses(
        (status = 200, description = "The current representation", body = TagOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[put("/tags/{id}")]
pub async fn replace_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<TagWrite>,
) -> Result<HttpResponse, AppError> {
    write_tag(&state, caller, &path, if_match, body.into_inner(), true).await
}

/// Delete a tag no article is filed under.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tag id or slug")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict)
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    tag::delete(&state.ctx, &caller.0, &Key::parse(&path, None)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The wire form of a tag, and its version.
fn tag_out(tag: tag::Tag) -> (i32, TagOut) {
    (tag.version, TagOut::from(tag))
}

history_handlers! {
    tag: "tags",
    noun: "a tag",
    content: crate::content::tag,
    to_out: tag_out,
    out: TagOut,
    list: list_tag_revisions = "/tags/{id}/revisions",
    get: get_tag_revision = "/tags/{id}/revisions/{version}",
    restore: restore_tag_revision = "/tags/{id}/revisions/{version}/restore",
    diff: diff_tag = "/tags/{id}/diff",
}
