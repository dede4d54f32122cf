//! `/api/v1/api-keys`: keys for front ends (admins only).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::docs::{
    BadRequest, Forbidden, ListOf, ListParams, NotFound, Unauthorized, Unprocessable,
};
use super::list::{self, Collection};
use super::respond;
use crate::auth::KeyKind;
use crate::content::page::Sort;
use crate::content::{Choice, Named};
use crate::error::AppError;
use crate::http::{AppState, Caller, JsonBody, query};
use crate::identity::api_keys::{self, ApiKey, ApiKeyFilter, ApiKeySort, NewApiKey};

/// What an API key may read.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyKindName {
    /// Published content only.
    Delivery,
    /// Working copies too.
    Preview,
}

/// An API key, without the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub name: String,
    pub kind: ApiKeyKindName,
    /// The start of the key, to recognise it by.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            kind: match k.kind {
                KeyKind::Delivery => ApiKeyKindName::Delivery,
                KeyKind::Preview => ApiKeyKindName::Preview,
            },
            prefix: k.prefix,
            created_at: k.created_at,
            created_by: k.created_by,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// Top-level fields of an API key, for `fields=`.
pub const API_KEY_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "prefix",
    "created_at",
    "created_by",
    "last_used_at",
    "expires_at",
    "revoked_at",
];

/// A new API key, with the key itself: shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub api_key: ApiKeyOut,
    /// Send as `Authorization: Bearer <key>`. Store it now: it is not shown again.
    pub key: String,
}

/// A new API key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    #[schema(required = true, pattern = "\\S", max_length = 100)]
    pub name: Option<String>,
    /// `delivery` (published content) or `preview` (working copies too).
    #[schema(required = true, value_type = ApiKeyKindName)]
    pub kind: Option<String>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiKeyCreate {
    /// The domain input; the domain checks the kind's name.
    pub fn into_input(self) -> NewApiKey {
        NewApiKey {
            name: self.name,
            kind: self.kind.map(|name| Choice::parse(&name)),
            expires_at: self.expires_at,
        }
    }
}

/// How `/api-keys` reads its query string.
pub struct ApiKeys;

impl Collection for ApiKeys {
    type Filter = ApiKeyFilter;
    type Sort = ApiKeySort;
    const NAME: &'static str = "api-keys";
    const FIELDS: &'static [&'static str] = API_KEY_FIELDS;

    fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
        use crate::content::Named;
        vec![("kind", KeyKind::ALL.iter().map(|k| k.as_str()).collect())]
    }

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
            "revoked" => filter.include_revoked = query::boolean(name, value)?,
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
    let page = api_keys::list(&state.identity, &caller.0, &request.query)
        .await?
        .map(ApiKeyOut::from);
    respond::list(&req, &page, request.answer())
}

/// Get an API key (without the key itself).
///
/// A revoked key is a 404 unless asked for with `revoked=true`, as in lists.
#[utoipa::path(
    tag = "api-keys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "API key id"),
           ("revoked" = Option<bool>, Query, description = "Answer for a revoked key too")),
    responses((status = 200, description = "The API key", body = ApiKeyOut), BadRequest, Unauthorized, Forbidden, NotFound)
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut revoked = false;
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "revoked" => revoked = query::boolean(&name, &value)?,
            other => return Err(query::unknown(other)),
        }
    }
    let key = api_keys::get(&state.identity, &caller.0, key_id(&path)?, revoked).await?;
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
        api_keys::create(&state.identity, &caller.0, body.into_inner().into_input()).await?;
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
    api_keys::revoke(&state.identity, &caller.0, key_id(&path)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<ApiKeyOut>(API_KEY_FIELDS);
    }
}
