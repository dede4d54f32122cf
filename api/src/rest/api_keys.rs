//! `/api/v1/api-keys`: keys for front ends (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

use super::docs::{
    BadRequest, Forbidden, ListOf, ListParams, NotFound, Unauthorized, Unprocessable,
};
use super::dto::{API_KEY_FIELDS, ApiKeyCreate, ApiKeyCreated, ApiKeyOut};
use super::extract::{Caller, JsonBody};
use super::list::{self, Collection};
use super::respond::{self, ListAnswer};
use crate::app::AppState;
use crate::auth::KeyKind;
use crate::content::accounts::api_keys::{self, ApiKeyFilter, ApiKeySort};
use crate::content::page::Sort;
use crate::error::AppError;

/// How `/api-keys` reads its query string.
pub struct ApiKeys;

impl Collection for ApiKeys {
    type Filter = ApiKeyFilter;
    type Sort = ApiKeySort;
    const NAME: &'static str = "api-keys";
    const FIELDS: &'static [&'static str] = API_KEY_FIELDS;

    fn default_sort() -> Sort<ApiKeySort> {
        api_keys::default_sort()
    }

    fn filter(filter: &mut ApiKeyFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "kind" => {
                filter.kind = Some(
                    KeyKind::parse(value)
                        .ok_or_else(|| AppError::bad_field(name, "must be delivery or preview"))?,
                );
            }
            "revoked" => {
                filter.include_revoked = match value {
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

fn key_id(path: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(path).map_err(|_| AppError::not_found("API key"))
}

/// List API keys (revoked ones with `revoked=true`).
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(ListParams,
           ("kind" = Option<String>, Query, description = "Only `delivery` or `preview` keys"),
           ("revoked" = Option<bool>, Query, description = "Include revoked keys")),
    responses(
        (status = 200, description = "A page of API keys", body = ListOf<ApiKeyOut>,
         headers(("X-Total-Count" = u64), ("Link" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden,
    )
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<ApiKeys>(req.query_string(), Some(|f| &mut f.ids))?;
    let page = api_keys::list(&state.ctx, &caller.0, &request.query)
        .await?
        .map(ApiKeyOut::from);
    respond::list(
        &req,
        &page,
        ListAnswer {
            resource: ApiKeys::NAME,
            style: request.style,
            limit: request.query.page.limit(),
            fields: request.options.fields.as_deref(),
        },
    )
}

/// Get an API key (without the key itself).
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 200, description = "The API key", body = ApiKeyOut), Unauthorized, Forbidden, NotFound)
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = api_keys::get(&state.ctx, &caller.0, key_id(&path)?).await?;
    Ok(HttpResponse::Ok().json(ApiKeyOut::from(key)))
}

/// Create an API key. The key is in this answer only: store it now.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    request_body = ApiKeyCreate,
    responses(
        (status = 201, description = "Created, with the key", body = ApiKeyCreated, headers(("Location" = String))),
        BadRequest, Unauthorized, Forbidden, Unprocessable,
    )
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ApiKeyCreate>,
) -> Result<HttpResponse, AppError> {
    let (key, secret) =
        api_keys::create(&state.ctx, &caller.0, body.into_inner().into_input()).await?;
    let location = format!("/api/v1/api-keys/{}", key.id);
    let created = ApiKeyCreated {
        api_key: ApiKeyOut::from(key),
        key: secret.expose().to_owned(),
    };
    Ok(HttpResponse::build(StatusCode::CREATED)
        .insert_header((actix_web::http::header::LOCATION, location))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(created))
}

/// Revoke an API key: it stops working at once.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "API key id")),
    responses((status = 204, description = "Revoked"), Unauthorized, Forbidden, NotFound)
)]
#[delete("/api-keys/{id}")]
pub async fn revoke_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    api_keys::revoke(&state.ctx, &caller.0, key_id(&path)?).await?;
    Ok(HttpResponse::NoContent().finish())
}
