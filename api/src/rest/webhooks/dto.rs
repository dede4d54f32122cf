//! The wire types of webhooks and their deliveries, and the documented
//! shape of the bodies Masthead posts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::content::{Choice, Named, Patch};
use crate::feed::webhooks::{Created, Delivery, DeliveryStatus, Webhook, WebhookInput};
use crate::rest::wire::writable;

/// Which article events a webhook hears of.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookFilter {
    /// Articles in these locales only (author and tag events always pass); `null`: every locale.
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub locales: Patch<Vec<String>>,
}

/// A webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: Uuid,
    /// Where deliveries are posted.
    pub url: String,
    pub description: Option<String>,
    /// Event types, with `*` wildcards: `article.published`, `tag.*`, `*.deleted`, `*`.
    pub events: Vec<String>,
    pub filter: WebhookFilterOut,
    /// `full` (with the object) or `thin`.
    pub payload: String,
    pub enabled: bool,
    /// Why Masthead disabled it (a 410 answer, or every attempt of a delivery failed).
    pub disabled_reason: Option<String>,
    /// After a rotation: until when the previous secret also signs.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// `whsec_…`: only in the answer to a create or a rotation. Store it now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A webhook's filter, as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookFilterOut {
    /// `null`: every locale.
    pub locales: Option<Vec<String>>,
}

impl From<Webhook> for WebhookOut {
    fn from(w: Webhook) -> Self {
        Self {
            id: w.id,
            url: w.url,
            description: w.description,
            events: w.events,
            filter: WebhookFilterOut { locales: w.locales },
            payload: w.payload.as_str().to_owned(),
            enabled: w.enabled,
            disabled_reason: w.disabled_reason,
            previous_secret_expires_at: w.previous_secret_until,
            secret: None,
            version: w.version,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

impl From<Created> for WebhookOut {
    fn from(created: Created) -> Self {
        Self {
            secret: Some(created.secret),
            ..created.webhook.into()
        }
    }
}

/// Top-level fields of a webhook, for `fields=`.
pub const WEBHOOK_FIELDS: &[&str] = &[
    "id",
    "url",
    "description",
    "events",
    "filter",
    "payload",
    "enabled",
    "disabled_reason",
    "previous_secret_expires_at",
    "secret",
    "version",
    "created_at",
    "updated_at",
];

writable! {
    /// A webhook to create (`url` required; by default every event, `full`
    /// payloads, enabled) or changes to one. Read-only fields of a record
    /// read earlier are accepted and ignored.
    pub struct WebhookWrite {
        /// `http` or `https`; refused (422) when it resolves to a loopback,
        /// private, link-local or metadata address, unless the server allows them.
        pub url: Option<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub description: Patch<String>,
        /// Event type patterns (`article.published`, `tag.*`, `*`).
        pub events: Option<Vec<String>>,
        #[serde(default)]
        #[schema(value_type = Option<WebhookFilter>)]
        pub filter: Patch<WebhookFilter>,
        /// `full` or `thin`.
        pub payload: Option<String>,
        /// `true` again after Masthead disabled it: deliveries resume with the events from now on.
        pub enabled: Option<bool>,
    }
    read_only { id, disabled_reason, previous_secret_expires_at, secret, version, created_at, updated_at }
}

impl WebhookWrite {
    /// The domain input.
    pub fn into_input(self) -> WebhookInput {
        let locales = match self.filter {
            Patch::Missing => Patch::Missing,
            Patch::Null => Patch::Null,
            Patch::Value(filter) => filter.locales,
        };
        WebhookInput {
            url: self.url,
            description: self.description,
            events: self.events,
            locales,
            payload: self.payload.map(|name| Choice::parse(&name)),
            enabled: self.enabled,
        }
    }
}

/// One delivery of an event (or a ping) to a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// The `webhook-id` header of every attempt.
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's sequence number; `null` for a ping.
    pub seq: Option<i64>,
    /// `article.published`, … or `ping`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The HTTP status of the last attempt; `null` when there was no answer.
    pub last_status: Option<i32>,
    /// Why the last attempt got no answer (timeout, connection refused, address refused).
    pub last_error: Option<String>,
    pub latency_ms: Option<i32>,
    /// The start of the last answer's body, at most 1 KiB.
    pub response_excerpt: Option<String>,
    /// The delivery this one sends again.
    pub replay_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryOut {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            webhook_id: d.webhook_id,
            seq: d.seq,
            event_type: d.event_type,
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            last_status: d.last_status,
            last_error: d.last_error,
            latency_ms: d.last_latency_ms,
            response_excerpt: d.response_excerpt,
            replay_of: d.replay_of,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// Top-level fields of a delivery, for `fields=`.
pub const DELIVERY_FIELDS: &[&str] = &[
    "id",
    "webhook_id",
    "seq",
    "type",
    "status",
    "attempts",
    "next_attempt_at",
    "last_status",
    "last_error",
    "latency_ms",
    "response_excerpt",
    "replay_of",
    "created_at",
    "updated_at",
];

/// How many deliveries a replay queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    pub queued: u64,
}

/// The body of every delivery (Standard Webhooks): posted with
/// `content-type: application/json` and the headers `webhook-id` (the
/// delivery's id, the same on every attempt), `webhook-timestamp` (Unix
/// seconds of the attempt) and `webhook-signature` (`v1,<base64
/// HMAC-SHA256(secret, "{id}.{timestamp}.{body}")>`, two of them,
/// space-separated, for a day after a rotation).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// `article.created|updated|deleted|restored|purged|published|unpublished|scheduled|archived`,
    /// `author.*`, `tag.*` (`created`, `updated`, `deleted`), or `ping`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the change happened (RFC 3339).
    pub timestamp: DateTime<Utc>,
    pub data: WebhookEventData,
}

/// What changed. Consumers order events by `seq`: delivery order is not promised.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEventData {
    /// The event's place in the change log.
    pub seq: i64,
    /// `article`, `author` or `tag`.
    pub entity: String,
    pub id: Uuid,
    /// The entity's version after the change.
    pub version: i32,
    /// The article's locale.
    pub locale: Option<String>,
    /// The locale the article left, when the change moved it to another (absent otherwise).
    pub previous_locale: Option<String>,
    /// The user who acted; `null` for the scheduler and API keys.
    pub actor: Option<Uuid>,
    /// With `full` payloads: the object as the public API returns it (as a
    /// preview key sees it, for changes of a working copy); `null` when it is gone.
    pub object: Option<Value>,
}

/// A delivery's status, from its name.
pub fn status_named(name: &str) -> Option<DeliveryStatus> {
    DeliveryStatus::parse(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_lists_name_every_field() {
        crate::rest::wire::check::fields_match::<WebhookOut>(WEBHOOK_FIELDS);
        crate::rest::wire::check::fields_match::<DeliveryOut>(DELIVERY_FIELDS);
    }
}
