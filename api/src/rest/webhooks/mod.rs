//! `/api/v1/webhooks`: endpoints told about content changes (admins only),
//! their delivery log, tests and replays.

mod dto;
mod objects;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

pub use dto::{WebhookEvent, WebhookEventData};
pub use objects::ApiObjects;

use self::dto::{DELIVERY_FIELDS, DeliveryOut, Replayed, WEBHOOK_FIELDS, WebhookOut, WebhookWrite};
use super::docs::{
    BadRequest, Forbidden, ListOf, ListParams, NotFound, PreconditionFailed, Unauthorized,
    Unprocessable,
};
use super::list::{self, Collection};
use super::respond;
use crate::content::page::Sort;
use crate::error::AppError;
use crate::feed::webhooks::{self, DeliveryFilter, DeliverySort, DeliveryStatus, WebhookSort};
use crate::http::{AppState, Caller, IfMatch, JsonBody, query};

/// How `/webhooks` reads its query string.
pub struct Webhooks;

impl Collection for Webhooks {
    type Filter = Option<Vec<Uuid>>;
    type Sort = WebhookSort;
    const NAME: &'static str = "webhooks";
    const FIELDS: &'static [&'static str] = WEBHOOK_FIELDS;

    fn default_sort() -> Sort<WebhookSort> {
        WebhookSort::default_sort()
    }

    fn filter(_: &mut Self::Filter, _: &str, _: &str) -> Result<bool, AppError> {
        Ok(false)
    }
}

/// How `/webhooks/{id}/deliveries` reads its query string.
pub struct Deliveries;

impl Collection for Deliveries {
    type Filter = DeliveryFilter;
    type Sort = DeliverySort;
    const NAME: &'static str = "deliveries";
    const FIELDS: &'static [&'static str] = DELIVERY_FIELDS;

    fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
        use crate::content::Named;
        let names = DeliveryStatus::ALL.iter().map(|s| s.as_str()).collect();
        vec![("status", names)]
    }

    fn default_sort() -> Sort<DeliverySort> {
        DeliverySort::default_sort()
    }

    fn filter(filter: &mut DeliveryFilter, name: &str, value: &str) -> Result<bool, AppError> {
        if name != "status" {
            return Ok(false);
        }
        filter.status = Some(dto::status_named(value).ok_or_else(|| {
            AppError::bad_field(name, "must be one of pending, succeeded, failed")
        })?);
        Ok(true)
    }
}

fn id_of(path: &str, what: &'static str) -> Result<Uuid, AppError> {
    Uuid::parse_str(path).map_err(|_| AppError::not_found(what))
}

fn with_secret(status: StatusCode, out: &WebhookOut, location: Option<String>) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(location) = location {
        response.insert_header((header::LOCATION, location));
    }
    response.json(out)
}

/// List webhooks.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "A page of webhooks", body = ListOf<WebhookOut>,
         headers(("X-Total-Count" = u64), ("Link" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden,
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Webhooks>(req.query_string(), Some(|f| f))?;
    let page = webhooks::list(&state.feed, &caller.0, &request.query)
        .await?
        .map(WebhookOut::from);
    respond::list(&req, &page, request.answer())
}

/// Create a webhook. Its secret (`whsec_…`) is in this answer only: store it now.
///
/// It hears of the events from now on. A URL that resolves to a loopback,
/// private, link-local or metadata address is a 422 unless
/// `MASTHEAD_WEBHOOK_ALLOW_PRIVATE=true`.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = WebhookWrite,
    responses(
        (status = 201, description = "Created, with its secret", body = WebhookOut, headers(("Location" = String))),
        BadRequest, Unauthorized, Forbidden, Unprocessable,
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<WebhookWrite>,
) -> Result<HttpResponse, AppError> {
    let input = body.into_inner().into_input();
    let created = webhooks::create(&state.feed, &caller.0, input).await?;
    let location = format!("/api/v1/webhooks/{}", created.webhook.id);
    let out = WebhookOut::from(created);
    Ok(with_secret(StatusCode::CREATED, &out, Some(location)))
}

/// Get a webhook (without its secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook", body = WebhookOut, headers(("ETag" = String))), Unauthorized, Forbidden, NotFound)
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let hook = webhooks::get(&state.feed, &caller.0, id_of(&path, "webhook")?).await?;
    respond::entity(&req, hook.version, &WebhookOut::from(hook), None)
}

/// Change a webhook.
///
/// `enabled: true` after Masthead disabled it resumes deliveries with the
/// events from now on (replay earlier ones by sequence number).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"),
           ("If-Match" = Option<String>, Header, description = "Refuse the change unless this ETag is current (412 when it is not the current one)")),
    request_body = WebhookWrite,
    responses(
        (status = 200, description = "Changed", body = WebhookOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, PreconditionFailed, Unprocessable,
    )
)]
#[patch("/webhooks/{id}")]
pub async fn patch_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    if_match: IfMatch,
    path: web::Path<String>,
    body: JsonBody<WebhookWrite>,
) -> Result<HttpResponse, AppError> {
    let id = id_of(&path, "webhook")?;
    let input = body.into_inner().into_input();
    let hook = webhooks::update(&state.feed, &caller.0, id, input, if_match.0).await?;
    respond::written(StatusCode::OK, None, hook.version, &WebhookOut::from(hook))
}

/// Delete a webhook with its delivery log.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound)
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    webhooks::delete(&state.feed, &caller.0, id_of(&path, "webhook")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Give a webhook a new secret, in this answer only.
///
/// For 24 hours the previous secret signs beside the new one (two
/// signatures in `webhook-signature`), so the receiver can switch over
/// without losing a delivery.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 200, description = "The webhook with its new secret", body = WebhookOut), Unauthorized, Forbidden, NotFound)
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let created = webhooks::rotate_secret(&state.feed, &caller.0, id_of(&path, "webhook")?).await?;
    Ok(with_secret(
        StatusCode::OK,
        &WebhookOut::from(created),
        None,
    ))
}

/// Send a `ping` to the webhook now.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses((status = 202, description = "Queued; its outcome shows in the delivery log", body = DeliveryOut), Unauthorized, Forbidden, NotFound)
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let delivery = webhooks::test(&state.feed, &caller.0, id_of(&path, "webhook")?).await?;
    Ok(HttpResponse::Accepted().json(DeliveryOut::from(delivery)))
}

/// The delivery log of a webhook, newest first.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"), ListParams,
           ("status" = Option<String>, Query, description = "Only `pending`, `succeeded` or `failed` deliveries")),
    responses(
        (status = 200, description = "A page of deliveries", body = ListOf<DeliveryOut>,
         headers(("X-Total-Count" = u64), ("Link" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound,
    )
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id_of(&path, "webhook")?;
    let request = list::list_request::<Deliveries>(req.query_string(), Some(|f| &mut f.ids))?;
    let page = webhooks::deliveries(&state.feed, &caller.0, id, &request.query)
        .await?
        .map(DeliveryOut::from);
    respond::list(&req, &page, request.answer())
}

/// Send one delivery again, as a new delivery (its own `webhook-id`) with the same body.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"),
           ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = DeliveryOut), Unauthorized, Forbidden, NotFound)
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/replay")]
pub async fn replay_webhook_delivery(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, delivery) = path.into_inner();
    let (id, delivery) = (id_of(&id, "webhook")?, id_of(&delivery, "delivery")?);
    let replayed = webhooks::replay_delivery(&state.feed, &caller.0, id, delivery).await?;
    Ok(HttpResponse::Accepted().json(DeliveryOut::from(replayed)))
}

/// Send again every event after a sequence number that the webhook wants,
/// as new deliveries (objects as they are now); at most 10,000 at a time.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id"),
           ("since_seq" = i64, Query, description = "Replay the events after this sequence number (`data.seq` of a delivery)")),
    responses((status = 202, description = "Queued", body = Replayed), BadRequest, Unauthorized, Forbidden, NotFound, Unprocessable)
)]
#[post("/webhooks/{id}/replay")]
pub async fn replay_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = id_of(&path, "webhook")?;
    let mut since = None;
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "since_seq" => {
                since = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| AppError::bad_field("since_seq", "must be a whole number"))?,
                );
            }
            other => return Err(query::unknown(other)),
        }
    }
    let since = since.ok_or_else(|| AppError::bad_field("since_seq", "is required"))?;
    let objects = ApiObjects::new(state.ctx.clone());
    let queued = webhooks::replay_since(&state.feed, &caller.0, id, since, &objects).await?;
    Ok(HttpResponse::Accepted().json(Replayed { queued }))
}
