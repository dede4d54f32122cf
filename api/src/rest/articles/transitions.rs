//! `/api/v1/articles/{id}/transitions`: taking workflow actions, and the
//! history of states.

use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::dto::{TRANSITION_FIELDS, TransitionOut, TransitionRequest};
use super::written;
use crate::content::Key;
use crate::content::article::{self, TransitionSort};
use crate::content::page::Sort;
use crate::error::AppError;
use crate::http::{AppState, Caller, JsonBody};
use crate::rest::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, Unauthorized, Unprocessable,
};
use crate::rest::history::NoFilter;
use crate::rest::list::{self, Collection};
use crate::rest::respond;

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
        (status = 200, description = "The article after the action", body = super::ArticleOut),
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
    let input = body.into_inner().into_input();
    let moved = article::transition(&state.ctx, &caller.0, &key, input).await?;
    written(actix_web::http::StatusCode::OK, None, moved)
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
    let (sort, pagination) = (&request.query.sort, &request.query.page);
    let page = article::transitions(&state.ctx, &caller.0, &key, sort, pagination)
        .await?
        .map(TransitionOut::from);
    respond::list(&req, &page, request.answer())
}
