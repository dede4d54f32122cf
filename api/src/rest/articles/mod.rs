//! `/api/v1/articles`: handlers only parse, call `content::article`, and answer.

mod dto;
mod editing;
mod transitions;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use utoipa::IntoParams;
use uuid::Uuid;

pub use dto::{ArticleOut, ArticleWrite, Formats};
pub use editing::{
    create_preview_link, get_article_autosave, list_preview_links, patch_article,
    revoke_preview_link,
};
pub use transitions::{Transitions, list_article_transitions, transition_article};

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, Moved, NotFound, PayloadTooLarge,
    ReadParams, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::edit::edit_handlers;
use super::history::history_handlers;
use super::list::{self, Collection, ReadOptions};
use super::respond;
use crate::content::article::{
    self, Article, ArticleFilter, ArticleInput, ArticleSort, Include, Read,
};
use crate::content::page::Sort;
use crate::content::{EntityKind, Key, Named, State, locales, validate};
use crate::error::AppError;
use crate::http::answer::ContentKeys;
use crate::http::{AppState, Caller, JsonBody, query};

/// How `/articles` reads its query string.
pub struct Articles;

impl Collection for Articles {
    type Filter = ArticleFilter;
    type Sort = ArticleSort;
    const NAME: &'static str = "articles";
    const FIELDS: &'static [&'static str] = dto::ARTICLE_FIELDS;
    const INCLUDES: &'static [&'static str] = &["authors", "tags"];
    const FORMATS: &'static [&'static str] = &["html", "text", "ast"];
    const LOCALIZED: bool = true;
    const SHAREABLE: bool = true;
    const PREVIEWABLE: bool = true;
    const SEARCHABLE: bool = true;

    fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
        vec![("state", State::ALL.iter().map(|s| s.as_str()).collect())]
    }

    fn default_sort() -> Sort<ArticleSort> {
        article::default_sort()
    }

    fn filter(filter: &mut ArticleFilter, name: &str, value: &str) -> Result<bool, AppError> {
        let bad = |message: String| AppError::bad_field(name, message);
        match name {
            "author" | "author_id" | "author_ids" => filter.authors.push(Key::parse(value, None)),
            "tag" | "tag_id" | "tag_ids" => filter.tags.push(Key::parse(value, None)),
            "locale" => filter.locale = Some(validate::locale_filter(value).map_err(bad)?),
            "state" => {
                let state = State::parse(value);
                let state = state.ok_or_else(|| bad(format!("must be one of {}", State::names())));
                filter.states.push(state?);
            }
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
            "deleted" => filter.deleted = query::boolean(name, value)?,
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
    published_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Published before this time (RFC 3339 or a date).
    published_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Expand relations: `authors`, `tags`, comma-separated.
    include: Option<String>,
    /// Add derived bodies: `html` (sanitised, library pictures resolved), `text`, `ast` (an mdast tree), comma-separated.
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
    /// Answer in this locale (BCP 47), or `auto` for the best of
    /// `Accept-Language`: the article, or the translation of its group in
    /// the first locale of the chain (the locale, its configured fallbacks
    /// or its language, then the default locale) that has one. The answer
    /// says which in `Content-Language`. A slug prefers these locales among
    /// the articles that have it. Without `locale` a read never switches
    /// article.
    #[param(pattern = "^(auto|[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?)$")]
    locale: Option<String>,
    /// `false`: answer in the asked-for locale only (404 when the group has
    /// no translation in it). Default `true`.
    fallback: Option<bool>,
    /// Expand relations: `authors`, `tags`, comma-separated.
    include: Option<String>,
    /// Add derived bodies: `html` (sanitised, library pictures resolved), `text`, `ast` (an mdast tree), comma-separated.
    formats: Option<String>,
    /// `true`: the working copy; `false`: the live version (see the list).
    preview: Option<bool>,
    /// The token of a preview link (`POST /articles/{id}/preview-links`):
    /// the article's working copy, for anyone holding it, until the link
    /// expires or is revoked (403 after). Never cached by shared caches.
    #[param(min_length = 1)]
    preview_token: Option<String>,
}

pub(super) fn read_of(options: &ReadOptions) -> Read {
    Read {
        include: Include {
            authors: options.includes("authors"),
            tags: options.includes("tags"),
            pictures: options.wants("html") || options.wants("ast"),
        },
        preview: options.preview,
    }
}

pub(super) fn formats_of(options: &ReadOptions) -> Formats {
    Formats {
        html: options.wants("html"),
        text: options.wants("text"),
        ast: options.wants("ast"),
    }
}

fn location(id: Uuid) -> String {
    format!("/api/v1/articles/{id}")
}

/// The answer to a write of an article: its wire form with no extra formats.
fn written(
    status: StatusCode,
    location: Option<String>,
    article: Article,
) -> Result<HttpResponse, AppError> {
    let version = article.version;
    respond::written(status, location, version, &ArticleOut::from(article))
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
    respond::public(&state, &caller.0, &req, async || {
        let read = read_of(&request.options);
        let page = article::list(&state.ctx, &caller.0, &request.query, read).await?;
        let keys = content_keys(&page.items);
        let formats = formats_of(&request.options);
        let page = page.map(|a| ArticleOut::new(a, formats));
        Ok(respond::render_list(&req, &page, request.answer())?.keyed(&keys))
    })
    .await
}

/// What an answer showing `articles` shows: them, their authors and tags.
fn content_keys(articles: &[Article]) -> ContentKeys {
    let mut keys = ContentKeys::of("articles");
    for article in articles {
        keys.add(EntityKind::Article, article.id);
    }
    for article in articles {
        for id in &article.author_ids {
            keys.add(EntityKind::Author, id);
        }
        for id in &article.tag_ids {
            keys.add(EntityKind::Tag, id);
        }
    }
    keys
}

/// Get an article by id or slug.
///
/// Anonymous callers (unless `MASTHEAD_PUBLIC_READ=false`) and delivery keys see published articles; signed-in users see working copies; `preview=` chooses.
#[utoipa::path(
    tag = "articles",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"), ReadParams, ArticleReadParams),
    responses(
        (status = 200, description = "The current representation", body = ArticleOut,
         headers(("ETag" = String),
                 ("Content-Language" = String, description = "The locale of the article answered"),
                 ("Vary" = String, description = "`Accept-Language` when `locale` was asked for"))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        Moved, BadRequest, Forbidden, NotFound,
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
    let key = Key::parse(&path, None);
    if let Some(token) = &options.preview_token {
        return editing::read_shared(&state, &req, &key, token, &options).await;
    }
    let chain = options.locale.as_deref().map(|wanted| {
        let wanted = if wanted == "auto" {
            let header = req.headers().get(actix_web::http::header::ACCEPT_LANGUAGE);
            locales::accepted(header.and_then(|v| v.to_str().ok()).unwrap_or(""))
        } else {
            vec![wanted.to_owned()]
        };
        let locales = &state.ctx.settings.locales;
        locales.chain(&wanted, options.fallback.unwrap_or(true))
    });
    let varying = chain.as_ref().map(|c| c.join(",")).unwrap_or_default();
    let answer = respond::public_varying(&state, &caller.0, &req, &varying, async || {
        let read = read_of(&options);
        let article = match &chain {
            None => article::get(&state.ctx, &caller.0, &key, read).await?,
            Some(chain) => article::get_localized(&state.ctx, &caller.0, &key, read, chain).await?,
        };
        let keys = content_keys(std::slice::from_ref(&article));
        let (version, locale) = (article.version, article.locale.clone());
        let out = ArticleOut::new(article, formats_of(&options));
        let mut rendered = respond::render_entity(version, &out, options.fields.as_deref())?;
        rendered.headers.push(("content-language", locale));
        if chain.is_some() {
            rendered
                .headers
                .push(("vary", "Accept-Language".to_owned()));
        }
        Ok(rendered.keyed(&keys))
    })
    .await;
    respond::or_moved(&req, answer)
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
    let input = ArticleInput::from(body.into_inner());
    let article = article::create(&state.ctx, &caller.0, input).await?;
    written(StatusCode::CREATED, Some(location(article.id)), article)
}

edit_handlers! {
    tag: "articles",
    item: Article,
    input: ArticleInput,
    write: ArticleWrite,
    out: ArticleOut,
    key: "Article id or slug",
    path: "/articles/{id}",
    replace: replace_article [
        "Replace an article.",
        "",
        "Writable fields not sent are cleared (the slug and locale keep their values).",
        "",
        "Needs the editor or admin role, or the author role on one's own drafts.",
    ],
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
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "permanent" => permanent = query::boolean(&name, &value)?,
            other => return Err(query::unknown(other)),
        }
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
    written(StatusCode::OK, None, restored)
}

history_handlers! {
    tag: "articles",
    noun: "an article",
    versioned: Article,
    out: ArticleOut,
    list: list_article_revisions = "/articles/{id}/revisions",
    get: get_article_revision = "/articles/{id}/revisions/{version}",
    restore: restore_article_revision = "/articles/{id}/revisions/{version}/restore",
    diff: diff_article = "/articles/{id}/diff",
}
