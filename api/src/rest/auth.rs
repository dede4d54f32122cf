//! `/api/v1/auth`: sign in, refresh, sign out, who am I, change my password.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::docs::{BadRequest, Forbidden, TooManyRequests, Unauthorized, Unprocessable};
use super::users::UserOut;
use crate::config::Secret;
use crate::error::AppError;
use crate::http::{AppState, Caller, JsonBody};
use crate::identity::sessions::Tokens;
use crate::identity::{sessions, users};

/// Credentials for signing in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// A refresh token, to trade for new tokens or to end its session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String)]
    pub refresh_token: Secret,
}

/// Tokens of a session.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single use: trade it at `/auth/refresh` for new tokens before it expires.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl From<Tokens> for TokenResponse {
    fn from(tokens: Tokens) -> Self {
        Self {
            access_token: tokens.access_token.expose().to_owned(),
            refresh_token: tokens.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
        }
    }
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    pub current_password: Secret,
    /// At least 10 characters.
    #[schema(value_type = String, format = Password, min_length = 10, max_length = 1024)]
    pub new_password: Secret,
}

/// Tokens must not be cached anywhere on the way (RFC 6749 §5.1).
fn tokens(tokens: Tokens) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse::from(tokens))
}

/// Sign in with e-mail and password.
///
/// A wrong password and an unknown address get the same 401. After 5 failures
/// in 15 minutes for one account, or 20 from one client address, sign-in
/// answers 429 with `Retry-After`.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        BadRequest, Unauthorized, TooManyRequests,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let address = req.peer_addr().map(|addr| addr.ip().to_string());
    let issued = sessions::login(
        &state.identity,
        &body.email,
        &body.password,
        address.as_deref(),
    )
    .await?;
    Ok(tokens(issued))
}

/// Trade a refresh token for new tokens.
///
/// The refresh token is single use: the answer carries its successor.
/// Presenting a spent token again revokes the whole session.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses((status = 200, description = "New tokens", body = TokenResponse), BadRequest, Unauthorized)
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    let issued = sessions::refresh(&state.identity, &body.into_inner().refresh_token).await?;
    Ok(tokens(issued))
}

/// Sign out: end the session of a refresh token.
#[utoipa::path(
    tag = "auth",
    security(()),
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out (also when the token was unknown)"), BadRequest)
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    body: JsonBody<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    sessions::logout(&state.identity, &body.into_inner().refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, description = "The signed-in user", body = UserOut), Unauthorized, Forbidden)
)]
#[get("/auth/me")]
pub async fn me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, AppError> {
    let user = users::me(&state.identity, &caller.0).await?;
    Ok(HttpResponse::Ok().json(UserOut::from(user)))
}

/// Change one's own password, given the current one. Every session of the
/// user ends, this one included: sign in again.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses((status = 204, description = "Changed"), BadRequest, Unauthorized, Forbidden, Unprocessable)
)]
#[post("/auth/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    users::change_own_password(
        &state.identity,
        &caller.0,
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
