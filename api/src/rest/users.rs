//! `/api/v1/users`: user accounts (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use uuid::Uuid;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, Unauthorized, Unprocessable,
};
use super::list::{self, Collection};
use super::respond;
use super::wire::writable;
use crate::auth::Role;
use crate::config::Secret;
use crate::content::page::Sort;
use crate::content::{Choice, Named, Patch, validate};
use crate::error::AppError;
use crate::http::{AppState, Caller, JsonBody, query};
use crate::identity::users::{self, NewUser, User, UserChanges, UserFilter, UserSort};

/// A new password set by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// At least 10 characters.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 1024)]
    pub password: Secret,
}

/// A role.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Viewer,
    Author,
    Editor,
    Admin,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => Self::Viewer,
            Role::Author => Self::Author,
            Role::Editor => Self::Editor,
            Role::Admin => Self::Admin,
        }
    }
}

/// A user account (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: RoleName,
    pub disabled: bool,
    /// The author profile the user writes as.
    pub author_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
            disabled: u.disabled,
            author_id: u.author_id,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Top-level fields of a user, for `fields=`.
pub const USER_FIELDS: &[&str] = &[
    "id",
    "email",
    "name",
    "role",
    "disabled",
    "author_id",
    "version",
    "created_at",
    "updated_at",
];

/// A new user account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// Unique, compared without regard to case.
    #[schema(required = true, max_length = 254)]
    pub email: Option<String>,
    #[schema(required = true, pattern = "\\S", max_length = 200)]
    pub name: Option<String>,
    /// `viewer`, `author`, `editor` or `admin`.
    #[schema(required = true, value_type = RoleName)]
    pub role: Option<String>,
    /// At least 10 characters.
    #[schema(value_type = String, format = Password, required = true, min_length = 10, max_length = 1024)]
    pub password: Option<Secret>,
    /// The author profile the user writes as (needed to create articles as an author).
    pub author_id: Option<Uuid>,
}

impl UserCreate {
    /// The domain input; the domain checks the role's name.
    pub fn into_input(self) -> NewUser {
        NewUser {
            email: self.email,
            name: self.name,
            role: self.role.map(|name| Choice::parse(&name)),
            password: self.password,
            author_id: self.author_id,
        }
    }
}

writable! {
    /// Changes to a user account. Read-only fields of a record read earlier are
    /// accepted and ignored.
    pub struct UserPatch {
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub email: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub name: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub role: Patch<String>,
        /// A disabled user cannot sign in; their sessions end.
        #[serde(default)]
        #[schema(value_type = Option<bool>)]
        pub disabled: Patch<bool>,
        /// `null` unlinks the author profile.
        #[serde(default)]
        #[schema(value_type = Option<Uuid>)]
        pub author_id: Patch<Uuid>,
        /// Read-only: when sent back, must be the id of the addressed user.
        pub id: Option<Uuid>,
    }
    read_only { version, created_at, updated_at }
}

impl UserPatch {
    /// The domain input, after checking a sent-back id.
    pub fn into_changes(self, path_id: Uuid) -> Result<UserChanges, AppError> {
        validate::check_sent_id(self.id, Some(path_id))?;
        Ok(UserChanges {
            email: self.email,
            name: self.name,
            role: self.role.map(|name| Choice::parse(&name)),
            disabled: self.disabled,
            author_id: self.author_id,
        })
    }
}

/// How `/users` reads its query string.
pub struct Users;

impl Collection for Users {
    type Filter = UserFilter;
    type Sort = UserSort;
    const NAME: &'static str = "users";
    const FIELDS: &'static [&'static str] = USER_FIELDS;
    const SEARCHABLE: bool = true;

    fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
        vec![("role", Role::ALL.iter().map(|r| r.as_str()).collect())]
    }

    fn default_sort() -> Sort<UserSort> {
        users::default_sort()
    }

    fn filter(filter: &mut UserFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "role" => {
                filter.role = Some(Role::parse(value).ok_or_else(|| {
                    AppError::bad_field(name, format!("must be one of {}", Role::names()))
                })?);
            }
            "disabled" => filter.disabled = Some(query::boolean(name, value)?),
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
    let page = users::list(&state.identity, &caller.0, &request.query)
        .await?
        .map(UserOut::from);
    respond::list(&req, &page, request.answer())
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
    let user = users::get(&state.identity, &caller.0, user_id(&path)?).await?;
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
    let user = users::create(&state.identity, &caller.0, body.into_inner().into_input()).await?;
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
    let user = users::update(&state.identity, &caller.0, id, changes).await?;
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
    users::reset_password(&state.identity, &caller.0, id, &body.into_inner().password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<UserOut>(USER_FIELDS);
    }
}
