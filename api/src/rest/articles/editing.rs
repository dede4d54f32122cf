//! Editors' tools on `/api/v1/articles` (design §15): `PATCH` with
//! `autosave=true` and the autosave it keeps, and preview links with the
//! read they open.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ArticleOut, ArticleWrite, formats_of, read_of};
use crate::content::Key;
use crate::content::article::autosave::{self, Autosave};
use crate::content::article::preview::{self, PreviewLink};
use crate::content::article::{Article, ArticleInput};
use crate::content::history::Versioned;
use crate::error::AppError;
use crate::http::{AppState, Caller, IfMatch, JsonBody, query};
use crate::rest::docs::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::rest::list::ReadOptions;
use crate::rest::respond;

/// A user's autosave of an article: its content, not yet a revision.
#[derive(Debug, Serialize, ToSchema)]
pub struct AutosaveOut {
    pub article_id: Uuid,
    /// Whose autosave it is (each user has one per article).
    pub user_id: Uuid,
    /// The article's version the content is based on.
    pub base_version: i32,
    pub saved_at: DateTime<Utc>,
    /// The article's content as autosaved, as a revision's `snapshot` shows it.
    #[schema(value_type = Object)]
    pub content: Map<String, Value>,
}

impl AutosaveOut {
    fn new(saved: Autosave) -> Result<Self, AppError> {
        let content = match serde_json::to_value(&saved.content) {
            Ok(Value::Object(content)) => content,
            _ => {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "an autosave is not an object"
                )));
            }
        };
        Ok(Self {
            article_id: saved.article_id,
            user_id: saved.user_id,
            base_version: saved.base_version,
            saved_at: saved.saved_at,
            content,
        })
    }
}

/// The answer to a `PATCH` of an article: the article, or with
/// `autosave=true` the autosave.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub enum ArticlePatched {
    Article(Box<ArticleOut>),
    Autosave(AutosaveOut),
}

/// Update some fields of an article, or autosave them.
///
/// Fields not sent keep their values; `null` clears an optional field.
/// With `If-Match`, the write happens only if the article is still at that version.
///
/// With `autosave=true` the article is not written: the fields go to the
/// caller's one autosave of it (overwritten in place, no revision, no
/// event) and the answer is that autosave. The caller's next save folds
/// it in (only the fields it changed, when others saved meanwhile).
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"),
           ("If-Match" = Option<String>, Header, description = "ETag of the version this edit is based on (412 when it is not the current one)"),
           ("autosave" = Option<bool>, Query, description = "`true`: keep the fields as the caller's autosave instead of writing them")),
    request_body = ArticleWrite,
    responses(
        (status = 200, description = "The current representation; with `autosave=true`, the autosave", body = ArticlePatched, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed,
        PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[patch("/articles/{id}")]
pub async fn patch_article(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    if_match: IfMatch,
    body: JsonBody<ArticleWrite>,
) -> Result<HttpResponse, AppError> {
    let mut autosaving = false;
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "autosave" => autosaving = query::boolean(&name, &value)?,
            other => return Err(query::unknown(other)),
        }
    }
    let input = ArticleInput::from(body.into_inner());
    let key = Key::parse(&path, None);
    if autosaving {
        let saved = autosave::save(&state.ctx, &caller.0, &key, input).await?;
        let out = ArticlePatched::Autosave(AutosaveOut::new(saved)?);
        return Ok(respond::private_json(StatusCode::OK, &out));
    }
    let updated = Article::update(&state.ctx, &caller.0, &key, input, if_match.0).await?;
    let version = updated.version;
    let out = ArticlePatched::Article(Box::new(ArticleOut::from(updated)));
    respond::written(StatusCode::OK, None, version, &out)
}

/// The caller's autosave of an article.
///
/// Each signed-in user has at most one per article (`PATCH
/// /articles/{id}?autosave=true`); 404 when the caller has none.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "The caller's autosave", body = AutosaveOut),
        Unauthorized, Forbidden, NotFound,
    )
)]
#[get("/articles/{id}/autosave")]
pub async fn get_article_autosave(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let saved = autosave::get(&state.ctx, &caller.0, &Key::parse(&path, None)).await?;
    Ok(respond::private_json(
        StatusCode::OK,
        &AutosaveOut::new(saved)?,
    ))
}

/// How long a new preview link lasts.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewLinkCreate {
    /// Seconds until the link stops working: 60 to 7,776,000 (ninety
    /// days); seven days when absent.
    #[schema(value_type = Option<u64>, minimum = 60, maximum = 7_776_000)]
    pub expires_in: Option<f64>,
}

impl PreviewLinkCreate {
    /// The lifetime in whole seconds: JSON has one kind of number, so
    /// `3600.0` is 3600 too; a fraction is refused.
    fn seconds(&self) -> Result<Option<u64>, AppError> {
        let Some(seconds) = self.expires_in else {
            return Ok(None);
        };
        let whole = (seconds.fract() == 0.0)
            .then(|| seconds.to_string().parse::<u64>().ok())
            .flatten();
        whole.map(Some).ok_or_else(|| {
            AppError::invalid(
                "expires_in",
                "must be a whole number of seconds, 60 or more",
            )
        })
    }
}

/// A preview link of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLinkOut {
    pub id: Uuid,
    pub article_id: Uuid,
    /// The token: in the answer to the link's creation only, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The read the link opens (with the token, in the creation's answer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it still opens the article (not expired, not revoked).
    pub active: bool,
}

impl From<PreviewLink> for PreviewLinkOut {
    fn from(link: PreviewLink) -> Self {
        let url = link
            .token
            .as_ref()
            .map(|token| format!("/api/v1/articles/{}?preview_token={token}", link.article_id));
        Self {
            active: link.is_active(Utc::now()),
            id: link.id,
            article_id: link.article_id,
            token: link.token,
            url,
            created_by: link.created_by,
            created_at: link.created_at,
            expires_at: link.expires_at,
            revoked_at: link.revoked_at,
        }
    }
}

/// The preview links of an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewLinks {
    /// Newest first, without their tokens.
    pub data: Vec<PreviewLinkOut>,
}

/// Create a preview link.
///
/// Anyone holding the link's token reads the article's working copy
/// (`GET /articles/{id}?preview_token=…`, GraphQL `article(previewToken:)`)
/// without an account, until it expires or is revoked. The token is shown
/// in this answer only; Masthead keeps its SHA-256.
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug")),
    request_body = PreviewLinkCreate,
    responses(
        (status = 201, description = "Created, with its token and URL", body = PreviewLinkOut),
        BadRequest, Unauthorized, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/articles/{id}/preview-links")]
pub async fn create_preview_link(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<PreviewLinkCreate>,
) -> Result<HttpResponse, AppError> {
    let key = Key::parse(&path, None);
    let seconds = body.into_inner().seconds()?;
    let link = preview::create(&state.ctx, &caller.0, &key, seconds).await?;
    Ok(respond::private_json(
        StatusCode::CREATED,
        &PreviewLinkOut::from(link),
    ))
}

/// List an article's preview links (without their tokens).
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug")),
    responses(
        (status = 200, description = "Its preview links, newest first", body = PreviewLinks),
        Unauthorized, Forbidden, NotFound,
    )
)]
#[get("/articles/{id}/preview-links")]
pub async fn list_preview_links(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let links = preview::list(&state.ctx, &caller.0, &Key::parse(&path, None)).await?;
    let data = links.into_iter().map(PreviewLinkOut::from).collect();
    Ok(respond::private_json(
        StatusCode::OK,
        &PreviewLinks { data },
    ))
}

/// Revoke a preview link: its token stops working at once.
///
/// Needs the editor or admin role, or the author role on one's own drafts.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Article id or slug"),
           ("link_id" = Uuid, Path, description = "The preview link's id")),
    responses((status = 204, description = "Revoked"), Unauthorized, Forbidden, NotFound)
)]
#[delete("/articles/{id}/preview-links/{link_id}")]
pub async fn revoke_preview_link(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, link) = path.into_inner();
    let link = Uuid::parse_str(&link).map_err(|_| AppError::not_found("preview link"))?;
    preview::revoke(&state.ctx, &caller.0, &Key::parse(&id, None), link).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /articles/{id}?preview_token=…`: the working copy a preview link
/// opens, private to its holder (never kept by a shared cache).
pub(super) async fn read_shared(
    state: &AppState,
    req: &HttpRequest,
    key: &Key,
    token: &str,
    options: &ReadOptions,
) -> Result<HttpResponse, AppError> {
    let article = preview::read(&state.ctx, key, token, read_of(options)).await?;
    let (version, locale) = (article.version, article.locale.clone());
    let out = ArticleOut::new(article, formats_of(options));
    let mut rendered = respond::render_entity(version, &out, options.fields.as_deref())?;
    rendered.headers.push(("content-language", locale));
    Ok(rendered.respond(req, "private, no-store"))
}
