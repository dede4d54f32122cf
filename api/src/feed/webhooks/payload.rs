//! Delivery bodies: `{type, timestamp, data: {seq, entity, id, version,
//! locale[, previous_locale], actor[, object]}}`. A `full` payload carries the object as the
//! public API returns it — or, for an event of the working copy, as a
//! preview key sees it — made by whoever renders the API's JSON (the REST
//! adapter), through [`Objects`].

use entities::types::{EntityKind, PayloadKind};
use futures_util::future::BoxFuture;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::Webhook;
use crate::content::Named;
use crate::error::AppError;
use crate::feed::FeedEvent;

/// Renders objects as the API returns them.
pub trait Objects: Send + Sync {
    /// The JSON of `id` of `entity`, live (as the public reads it) or
    /// working (as a preview key does); `None` when there is none to see.
    fn object(
        &self,
        entity: EntityKind,
        id: Uuid,
        live: bool,
    ) -> BoxFuture<'_, Result<Option<Value>, AppError>>;
}

#[derive(Serialize)]
struct Body<'a, D> {
    #[serde(rename = "type")]
    kind: &'a str,
    timestamp: String,
    data: D,
}

#[derive(Serialize)]
struct EventData<'a> {
    seq: i64,
    entity: &'a str,
    id: Uuid,
    version: i32,
    locale: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_locale: Option<&'a str>,
    actor: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<Option<Value>>,
}

/// The body of `event` for `webhook`.
pub async fn event_body(
    webhook: &Webhook,
    event: &FeedEvent,
    objects: &dyn Objects,
) -> Result<String, AppError> {
    let object = match webhook.payload {
        PayloadKind::Thin => None,
        PayloadKind::Full => Some(objects.object(event.entity, event.id, event.public).await?),
    };
    let kind = event.type_name();
    let body = Body {
        kind: &kind,
        timestamp: event
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        data: EventData {
            seq: event.seq,
            entity: event.entity.as_str(),
            id: event.id,
            version: event.version,
            locale: event.locale.as_deref(),
            previous_locale: event.previous_locale.as_deref(),
            actor: event.actor,
            object,
        },
    };
    serde_json::to_string(&body).map_err(|err| AppError::Internal(err.into()))
}

/// The body of a test ping to `webhook_id`.
pub fn ping_body(webhook_id: Uuid) -> String {
    #[derive(Serialize)]
    struct Ping {
        webhook_id: Uuid,
        message: &'static str,
    }
    let body = Body {
        kind: "ping",
        timestamp: crate::storage::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        data: Ping {
            webhook_id,
            message: "Masthead can reach this endpoint",
        },
    };
    serde_json::to_string(&body).unwrap_or_default()
}
