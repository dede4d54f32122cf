//! `/api/v1/articles`: handlers only parse, call `content::article`, and answer.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use utoipa::IntoParams;
use uuid::Uuid;

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, PayloadTooLarge,
    PreconditionFailed, ReadParams, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::dto::{
    ARTICLE_FIELDS, ArticleOut, ArticleWrite, Formats, TRANSITION_FIELDS, TransitionOut,
    TransitionRequest,
};
use super::extract::{Caller, IfMatch, JsonBody};
use super::history::{NoFilter, history_handlers};
use super::list::{self, Collection, ReadOptions};
use super::respond::{self, ListAnswer};
use crate::app::AppState;
use crate::content::article::{
    self, ArticleFilter, ArticleSort, Include, Read, State, TransitionSort,
};
use crate::content::page::Sort;
use crate::content::{Key, validate};
use crate::error::AppError;

/// How `/articles` reads its query string.
pub struct Articles;

impl Collection for Articles {
    type Filter = ArticleFilter;
    type Sort = ArticleSort;
    const NAME: &'static str = "articles";
    const FIELDS: &'static [&'static str] = ARTICLE_FIELDS;
    const INCLUDES: &'static [&'static str] = &["authors", "tags"];
    const FORMATS: &'static [&'static str] = &["html", "text"];
    const LOCALIZED: bool = true;
    const PREVIEWABLE: bool = true;

    fn default_sort() -> Sort<ArticleSort> {
        article::default_sort()
    }

    fn filter(filter: &mut ArticleFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "author" | "author_id" | "author_ids" => filter.authors.push(Key::parse(value, None)),
            "tag" | "tag_id" | "tag_ids" => filter.tags.push(Key::parse(value, None)),
            "locale" => {
                filter.locale =
                    Some(validate::locale(value).map_err(|m| AppError::bad_field(name, m))?);
            }
            "state" => filter.states.push(State::parse(value).ok_or_else(|| {
                AppError::bad_field(
                    name,
                    "must be one of draft, in_review, approved, scheduled, published, archived",
                )
            })?),
            "slug" => filter.slug = Some(value.to_owned()),
            "published_after" | "published_at_gte" => {
                filter.published_after = Some(list::timestamp(name, value)?);
            }
            "published_before" => filter.published_before = Some(list::timestamp(name, value)?),
            "published_at_lte" => {
                let at = list::timestamp(name, value)?;
                filter.published_before = Some(at + chrono::Duration::microseconds(1));
            }
            "q" => filter.q = Some(value.to_owned()),
            "title_like" => filter.title_contains = Some(value.to_owned()),
            "deleted" => {
                filter.deleted = match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(AppError::bad_field(name, "must be true or false")),
                };
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Article-specific list parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "only describes the API in OpenAPI")]
struct ArticleListParams {
    /// Credited to this author (id or slug); repeat to match any of several.
    author: Option<Vec<String>>,
    /// Filed under this tag (id or slug); repeat to match any of several.
    tag: Option<Vec<String>>,
    /// In this locale (BCP 47).
    locale: Option<String>,
    /// In this state; repeat to match any of several.
    state: Option<Vec<String>>,
    /// With this slug.
    slug: Option<String>,
    /// Published at or after this time (RFC 3339 or a date).
    published_after: Option<String>,
    /// Published before this time (RFC 3339 or a date).
    published_before: Option<String>,
    /// Expand relations: `authors`, `tags`, comma-separated.
    include: Option<String>,
    /// Add derived bodies: `html` (sanitised), `text`, comma-separated.
    formats: Option<String>,
    /// `true`: working copies (needs a preview key or a signed-in user);
    /// `false`: the live version. By default signed-in users see working
    /// copies and everyone else the live version.
    preview: Option<bool>,
}

/// Article-specific read parameters.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "only describes the API in OpenAPI")]
struct ArticleReadParams {
    /// Locale to look a slug up in (by default: the default locale first).
    locale: Option<String>,
    /// Expand relations: `authors`, `tags`, comma-separated.
    include: Option<String>,
    /// Add derived bodies: `html` (sanitised), `text`, comma-separated.
    formats: Option<String>,
    /// `true`: the working copy; `false`: the live version (see the list).
    preview: Option<bool>,
}

fn read_of(options: &ReadOptions) -> Read {
    Read {
        include: Include {
            authors: options.includes("authors"),
            tags: options.includes("tags"),
        },
        preview: options.preview,
    }
}

fn formats_of(options: &ReadOptions) -> Formats {
    Formats {
        html: options.wants("html"),
        text: options.wants("text"),
    }
}

fn location(id: Uuid) -> String {
    format!("/api/v1/articles/{id}")
}

/// List articles.
///
/// Filters combine with AND; repeated `author`, `tag` or `state` values match any of them.
///
/// Anonymous callers (unless `MASTHEAD_PUBLIC_READ=false`) and delivery keys see published articles; signed-in users see working copies; `preview=` chooses.
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(ListParams, ArticleListParams),
    responses(
        (status = 200, description = "A page of articles in `data`, counts in `meta`", body = ListOf<ArticleOut>,
         headers(("X-Total-Count" = u64, description = "Rows over all pages"),
                 ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                 ("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest,
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Articles>(req.query_string(), Some(|f| &mut f.ids))?;
    respond::shared(&state, &caller.0, &req, async || {
        let read = read_of(&request.options);
        let page = article::list(&state.ctx, &caller.0, &request.query, read).await?;
        let formats = formats_of(&request.options);
        let page = page.map(|a| ArticleOut::new(a, formats));
        respond::render_list(
            &req,
            &page,
            ListAnswer {
                resource: Articles::NAME,
                style: request.style.clone(),
                limit: request.query.page.limit(),
                fields: request.options.fields.as_deref(),
            },
        )
    })
    .await
}

/// Get an article by id or slug.
///
/// Anonymous callers (unless `MASTHEAD_PUBLIC_READ=false`) and delivery keys see published articles; signed-in users see working copies; `preview=` chooses.
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"), ReadParams, ArticleReadParams),
    responses(
        (status = 200, description = "The current representation", body = ArticleOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest, NotFound,
    )
)]
#[get("/articles/{id}")]
pub async fn get_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let options = list::read_options::<Articles>(req.query_string())?;
    let key = Key::parse(&path, options.locale.clone());
    respond::shared(&state, &caller.0, &req, async || {
        let article = article::get(&state.ctx, &caller.0, &key, read_of(&options)).await?;
        let version = article.version;
        let out = ArticleOut::new(article, formats_of(&options));
        respond::render_entity(version, &out, options.fields.as_deref())
    })
    .await
}

/// Create an article.
///
/// The slug is generated from the title when absent (`-2`, `-3`… when taken);
/// an explicit slug that is taken is a 409.
///
/// Needs the author role (credited on it, as a draft), editor or admin.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    request_body = ArticleWrite,
    responses(
        (status = 201, description = "Created", body = ArticleOut, headers(("Location" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ArticleWrite>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner().into_input();
    let article = article::create(&state.ctx, &caller.0, input).await?;
    let (id, version) = (article.id, article.version);
    respond::written(
        StatusCode::CREATED,
        Some(location(id)),
        version,
        &ArticleOut::new(article, Formats::default()),
    )
}

async fn write_article(
    state: &AppState,
    caller: Caller,
    path: &str,
    if_match: IfMatch,
    write: ArticleWrite,
    replace: bool,
) -> Result<HttpResponse, AppError> {
    let key = Key::parse(path, None);
    let mut input = write.into_input();
    if replace {
        input = input.replacing();
    }
    let article = article::update(&state.ctx, &caller.0, &key, input, if_match.0).await?;
    let version = article.version;
    respond::written(
        StatusCode::OK,
        None,
        version,
        &ArticleOut::new(article, Formats::default()),
    )
}

/// Update some fields of an article.
///
/// Fields not sent keep their values; `null` clears an optional field.
/// With `If-Match`, the write happens only if the article is still at that version.
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = ArticleWrite,
    responses(
        (status = 200, description = "The current representation", body = ArticleOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/articles/{id}")]
pub async fn patch_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ArticleWrite>,
) -> Result<HttpResponse, AppError> {
    write_article(&state, caller, &path, if_match, body.into_inner(), false).await
}

/// Replace an article.
///
/// Writable fields not sent are cleared (the slug and locale keep their values).
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on")),
    request_body = ArticleWrite,
    responses(
        (status = 200, description = "The current representation", body = ArticleOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[put("/articles/{id}")]
pub async fn replace_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ArticleWrite>,
) -> Result<HttpResponse, AppError> {
    write_article(&state, caller, &path, if_match, body.into_inner(), true).await
}

/// Delete an article.
///
/// The article leaves every read and its live copy goes down, but its
/// revisions and workflow history stay, and an admin can restore it
/// (`POST /articles/{id}/restore`). With `permanent=true` (admins only) it is
/// purged with its history.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"),
           ("permanent" = Option<bool>, Query, description = "Purge the article and its history (admins only)")),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound)
)]
#[delete("/articles/{id}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut permanent = false;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|err| AppError::bad_field("query", format!("cannot be decoded: {err}")))?;
    for (name, value) in pairs {
        permanent = match (name.as_str(), value.as_str()) {
            ("permanent", "true") => true,
            ("permanent", "false") => false,
            ("permanent", _) => {
                return Err(AppError::bad_field("permanent", "must be true or false"));
            }
            (other, _) => return Err(AppError::bad_field(other, "unknown query parameter")),
        };
    }
    article::delete(&state.ctx, &caller.0, &Key::parse(&path, None), permanent).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Restore a deleted article (admins only).
///
/// It comes back as a working copy; one that was live comes back as a draft.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The restored article", body = ArticleOut),
        Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
#[post("/articles/{id}/restore")]
pub async fn restore_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let restored = article::undelete(&state.ctx, &caller.0, &Key::parse(&path, None)).await?;
    let (version, out) = article_out(restored);
    respond::written(StatusCode::OK, None, version, &out)
}

/// An article's wire form with no extra formats, and its version.
fn article_out(article: article::Article) -> (i32, ArticleOut) {
    (
        article.version,
        ArticleOut::new(article, Formats::default()),
    )
}

/// Take a workflow action.
///
/// `submit` (the credited author of a draft, editors, admins); `request_changes`
/// (a `comment` is required), `approve`, `publish` (with an optional
/// `published_at`), `schedule` (with `publish_at` and an optional
/// `unpublish_at`), `unpublish`, `archive` (editors, admins). An action the
/// article's state does not allow is a 409 listing `allowed_actions`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The article after the action", body = ArticleOut),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unprocessable,
    )
)]
#[post("/articles/{id}/transitions")]
pub async fn transition_article(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, AppError> {
    let key = Key::parse(&path, None);
    let moved =
        article::transition(&state.ctx, &caller.0, &key, body.into_inner().into_input()).await?;
    let (version, out) = article_out(moved);
    respond::written(StatusCode::OK, None, version, &out)
}

/// How `…/transitions` reads its query string.
pub struct Transitions;

impl Collection for Transitions {
    type Filter = NoFilter;
    type Sort = TransitionSort;
    const NAME: &'static str = "transitions";
    const FIELDS: &'static [&'static str] = TRANSITION_FIELDS;

    fn default_sort() -> Sort<TransitionSort> {
        article::transition_sort()
    }

    fn filter(_: &mut NoFilter, _: &str, _: &str) -> Result<bool, AppError> {
        Ok(false)
    }
}

/// List an article's workflow history, oldest first (signed-in users).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"), ListParams),
    responses(
        (status = 200, description = "A page of transitions", body = ListOf<TransitionOut>),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
#[get("/articles/{id}/transitions")]
pub async fn list_article_transitions(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Transitions>(req.query_string(), None)?;
    let key = Key::parse(&path, None);
    let page = article::transitions(
        &state.ctx,
        &caller.0,
        &key,
        &request.query.sort,
        &request.query.page,
    )
    .await?
    .map(TransitionOut::from);
    respond::list(
        &req,
        &page,
        ListAnswer {
            resource: Transitions::NAME,
            style: request.style,
            limit: request.query.page.limit(),
            fields: request.options.fields.as_deref(),
        },
    )
}

history_handlers! {
    tag: "articles",
    noun: "an article",
    content: crate::content::article,
    to_out: article_out,
    out: ArticleOut,
    list: list_article_revisions = "/articles/{id}/revisions",
    get: get_article_revision = "/articles/{id}/revisions/{version}",
    restore: restore_article_revision = "/articles/{id}/revisions/{version}/restore",
    diff: diff_article = "/articles/{id}/diff",
}
