//! `/api/v1/authors`: handlers only parse, call `content::author`, and answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, PayloadTooLarge,
    PreconditionFailed, ReadParams, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::dto::{AUTHOR_FIELDS, AuthorOut, AuthorWrite};
use super::extract::{Caller, IfMatch, JsonBody};
use super::history::history_handlers;
use super::list::{self, Collection};
use super::respond::{self, ListAnswer};
use crate::app::AppState;
use crate::content::Key;
use crate::content::author::{self, AuthorFilter, AuthorSort};
use crate::content::page::Sort;
use crate::error::AppError;

/// How `/authors` reads its query string.
pub struct Authors;

impl Collection for Authors {
    type Filter = AuthorFilter;
    type Sort = AuthorSort;
    const NAME: &'static str = "authors";
    const FIELDS: &'static [&'static str] = AUTHOR_FIELDS;

    fn default_sort() -> Sort<AuthorSort> {
        author::default_sort()
    }

    fn filter(filter: &mut AuthorFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "slug" => filter.slug = Some(value.to_owned()),
            "q" | "name_like" => filter.q = Some(value.to_owned()),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// List authors.
///
/// Readable by anyone who may read published content; e-mail addresses only by signed-in users.
#[utoipa::path(
    tag = "authors",
    security((), ("bearer" = [])),
    params(ListParams, ("slug" = Option<String>, Query, description = "With this slug")),
    responses(
        (status = 200, description = "A page of authors in `data`, counts in `meta`", body = ListOf<AuthorOut>,
         headers(("X-Total-Count" = u64, description = "Rows over all pages"),
                 ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                 ("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest,
    )
)]
#[get("/authors")]
pub async fn list_authors(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Authors>(req.query_string(), Some(|f| &mut f.ids))?;
    respond::shared(&state, &caller.0, &req, async || {
        let page = author::list(&state.ctx, &caller.0, &request.query)
            .await?
            .map(AuthorOut::from);
        respond::render_list(
            &req,
            &page,
            ListAnswer {
                resource: Authors::NAME,
                style: request.style.clone(),
                limit: request.query.page.limit(),
                fields: request.options.fields.as_deref(),
            },
        )
    })
    .await
}

/// Get an author by id or slug.
///
/// Readable by anyone who may read published content; e-mail addresses only by signed-in users.
#[utoipa::path(
    tag = "authors",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Author id or slug"), ReadParams),
    responses(
        (status = 200, description = "The current representation", body = AuthorOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest, NotFound,
    )
)]
#[get("/authors/{id}")]
pub async fn get_author(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let options = list::read_options::<Authors>(req.query_string())?;
    let key = Key::parse(&path, None);
    respond::shared(&state, &caller.0, &req, async || {
        let found = author::get(&state.ctx, &caller.0, &key).await?;
        let version = found.version;
        respond::render_entity(version, &AuthorOut::from(found), options.fields.as_deref())
    })
    .await
}

/// Create an author.
///
/// The slug is generated from the name when absent; an explicit slug that is taken is a 409.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    request_body = AuthorWrite,
    responses(
        (status = 201, description = "Created", body = AuthorOut, headers(("Location" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<AuthorWrite>,
) -> Result<HttpResponse, AppError> {
    let author = author::create(&state.ctx, &caller.0, body.into_inner().into_input()).await?;
    let location = format!("/api/v1/authors/{}", author.id);
    let version = author.version;
    respond::written(
        StatusCode::CREATED,
        Some(location),
        version,
        &AuthorOut::from(author),
    )
}

async fn write_author(
    state: &AppState,
    caller: Caller,
    path: &str,
    if_match: IfMatch,
    write: AuthorWrite,
    replace: bool,
) -> Result<HttpResponse, AppError> {
    let mut input = write.into_input();
    if replace {
        input = input.replacing();
    }
    let author = author::update(
        &state.ctx,
        &caller.0,
        &Key::parse(path, None),
        input,
        if_match.0,
    )
    .await?;
    let version = author.version;
    respond::written(StatusCode::OK, None, version, &AuthorOut::from(author))
}

/// Update some fields of an author.
///
/// Fields not sent keep their values; `null` clears an optional field.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Author id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = AuthorWrite,
    responses(
        (status = 200, description = "The current representation", body = AuthorOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/authors/{id}")]
pub async fn patch_author(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<AuthorWrite>,
) -> Result<HttpResponse, AppError> {
    write_author(&state, caller, &path, if_match, body.into_inner(), false).await
}

/// Replace an author.
///
/// Writable fields not sent are cleared (the slug keeps its value).
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Author id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = AuthorWrite,
    responses(
        (status = 200, description = "The current representation", body = AuthorOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[put("/authors/{id}")]
pub async fn replace_author(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<AuthorWrite>,
) -> Result<HttpResponse, AppError> {
    write_author(&state, caller, &path, if_match, body.into_inner(), true).await
}

/// Delete an author credited on no article.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Author id or slug")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Conflict)
)]
#[delete("/authors/{id}")]
pub async fn delete_author(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    author::delete(&state.ctx, &caller.0, &Key::parse(&path, None)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The wire form of an author, and its version.
fn author_out(author: author::Author) -> (i32, AuthorOut) {
    (author.version, AuthorOut::from(author))
}

history_handlers! {
    tag: "authors",
    noun: "an author",
    content: crate::content::author,
    to_out: author_out,
    out: AuthorOut,
    list: list_author_revisions = "/authors/{id}/revisions",
    get: get_author_revision = "/authors/{id}/revisions/{version}",
    restore: restore_author_revision = "/authors/{id}/revisions/{version}/restore",
    diff: diff_author = "/authors/{id}/diff",
}
