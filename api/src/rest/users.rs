//! `/api/v1/users`: user accounts (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use uuid::Uuid;

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, Unauthorized, Unprocessable,
};
use super::dto::{PasswordReset, USER_FIELDS, UserCreate, UserOut, UserPatch};
use super::extract::{Caller, JsonBody};
use super::list::{self, Collection};
use super::respond::{self, ListAnswer};
use crate::app::AppState;
use crate::auth::Role;
use crate::content::accounts::users::{self, UserFilter, UserSort};
use crate::content::page::Sort;
use crate::error::AppError;

/// How `/users` reads its query string.
pub struct Users;

impl Collection for Users {
    type Filter = UserFilter;
    type Sort = UserSort;
    const NAME: &'static str = "users";
    const FIELDS: &'static [&'static str] = USER_FIELDS;

    fn default_sort() -> Sort<UserSort> {
        users::default_sort()
    }

    fn filter(filter: &mut UserFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "role" => {
                filter.role = Some(Role::parse(value).ok_or_else(|| {
                    AppError::bad_field(name, "must be one of viewer, author, editor, admin")
                })?);
            }
            "disabled" => {
                filter.disabled = Some(match value {
                    "true" => true,
                    "false" => false,
                    _ => return Err(AppError::bad_field(name, "must be true or false")),
                });
            }
            "q" => filter.q = Some(value.to_owned()),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn user_id(path: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(path).map_err(|_| AppError::not_found("user"))
}

/// List users.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(ListParams,
           ("role" = Option<String>, Query, description = "Only this role"),
           ("disabled" = Option<bool>, Query, description = "Only disabled (true) or enabled (false) users")),
    responses(
        (status = 200, description = "A page of users", body = ListOf<UserOut>,
         headers(("X-Total-Count" = u64), ("Link" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden,
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Users>(req.query_string(), Some(|f| &mut f.ids))?;
    let page = users::list(&state.ctx, &caller.0, &request.query)
        .await?
        .map(UserOut::from);
    respond::list(
        &req,
        &page,
        ListAnswer {
            resource: Users::NAME,
            style: request.style,
            limit: request.query.page.limit(),
            fields: request.options.fields.as_deref(),
        },
    )
}

/// Get a user.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    responses((status = 200, description = "The user", body = UserOut), Unauthorized, Forbidden, NotFound)
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let user = users::get(&state.ctx, &caller.0, user_id(&path)?).await?;
    let version = user.version;
    respond::entity(&req, version, &UserOut::from(user), None)
}

/// Create a user.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    request_body = UserCreate,
    responses(
        (status = 201, description = "Created", body = UserOut, headers(("Location" = String))),
        BadRequest, Unauthorized, Forbidden, Conflict, Unprocessable,
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<UserCreate>,
) -> Result<HttpResponse, AppError> {
    let user = users::create(&state.ctx, &caller.0, body.into_inner().into_input()).await?;
    let location = format!("/api/v1/users/{}", user.id);
    let version = user.version;
    respond::written(
        StatusCode::CREATED,
        Some(location),
        version,
        &UserOut::from(user),
    )
}

/// Change a user's e-mail, name, role, disabled flag or author profile.
///
/// Disabling a user ends their sessions. The last enabled admin can be
/// neither demoted nor disabled (409).
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = UserPatch,
    responses(
        (status = 200, description = "The user", body = UserOut),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Unprocessable,
    )
)]
#[patch("/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<UserPatch>,
) -> Result<HttpResponse, AppError> {
    let id = user_id(&path)?;
    let changes = body.into_inner().into_changes(id)?;
    let user = users::update(&state.ctx, &caller.0, id, changes).await?;
    let version = user.version;
    respond::written(StatusCode::OK, None, version, &UserOut::from(user))
}

/// Set a user's password; their sessions end.
#[utoipa::path(
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "User id")),
    request_body = PasswordReset,
    responses((status = 204, description = "Set"), BadRequest, Unauthorized, Forbidden, NotFound, Unprocessable)
)]
#[post("/users/{id}/password")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<PasswordReset>,
) -> Result<HttpResponse, AppError> {
    let id = user_id(&path)?;
    users::reset_password(&state.ctx, &caller.0, id, &body.into_inner().password).await?;
    Ok(HttpResponse::NoContent().finish())
}
