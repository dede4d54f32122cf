//! Webhooks (design §9): endpoints told about content changes, managed by
//! admins. The change log is fanned out into one delivery per (endpoint,
//! event) (`dispatch`), and deliveries are attempted, signed with the
//! Standard Webhooks scheme (`sign`), retried on a schedule and logged
//! (`deliver`), by whichever process claims them. URLs pass the SSRF guard
//! (`crate::net::guard`) when saved and when called.

mod admin;
pub mod deliver;
pub mod dispatch;
pub mod payload;
pub mod sign;

use chrono::{DateTime, Utc};
use entities::types::EventVerb;
pub use entities::types::{DeliveryStatus, PayloadKind};
use entities::{webhook, webhook_delivery};
use sea_orm::EntityTrait;
use uuid::Uuid;

pub use admin::{
    Created, DeliveryFilter, DeliverySort, WebhookInput, WebhookSort, create, delete, deliveries,
    get, list, replay_delivery, replay_since, rotate_secret, test, update,
};
pub use payload::Objects;

use super::FeedEvent;
use crate::content::{Named, validate};
use crate::error::AppError;

/// Entities events are about, as event types name them (`asset` events
/// arrive with the media library).
const ENTITIES: [&str; 4] = ["article", "author", "tag", "asset"];

/// A webhook, without its secrets.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// Event type patterns: `article.published`, `tag.*`, `*.deleted`, `*`.
    pub events: Vec<String>,
    /// Article locales to tell about; `None`: all.
    pub locales: Option<Vec<String>>,
    pub payload: PayloadKind,
    pub enabled: bool,
    /// Why Masthead disabled it (410 from the endpoint, every attempt failed).
    pub disabled_reason: Option<String>,
    /// Until when the secret before the last rotation still signs.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Webhook {
    fn of(row: &webhook::Model) -> Result<Self, AppError> {
        let corrupt = |err: serde_json::Error| {
            AppError::Internal(anyhow::anyhow!("webhook {}: {err}", row.id))
        };
        Ok(Self {
            id: row.id,
            url: row.url.clone(),
            description: row.description.clone(),
            events: serde_json::from_str(&row.events).map_err(corrupt)?,
            locales: row
                .locales
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(corrupt)?,
            payload: row.payload,
            enabled: row.enabled,
            disabled_reason: row.disabled_reason.clone(),
            previous_secret_until: row.previous_secret_until,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// True when the webhook wants `event`: its type matches a pattern, and
    /// an article's locale (or the one it left) is among those asked for.
    pub fn wants(&self, event: &FeedEvent) -> bool {
        let kind = event.type_name();
        self.events.iter().any(|pattern| matches(pattern, &kind))
            && self.locales.as_ref().is_none_or(|locales| {
                event.locale.is_none() || locales.iter().any(|l| event.concerns_locale(l))
            })
    }
}

/// True when event type `kind` (`article.published`) matches `pattern`.
pub fn matches(pattern: &str, kind: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some((pe, pv)), Some((ke, kv))) = (pattern.split_once('.'), kind.split_once('.')) else {
        return false;
    };
    (pe == "*" || pe == ke) && (pv == "*" || pv == kv)
}

/// Checks event type patterns; the reason, for the `events` field.
fn check_patterns(patterns: &[String]) -> Result<(), String> {
    if patterns.is_empty() {
        return Err("must name at least one event type (or `*`)".to_owned());
    }
    for pattern in patterns {
        if pattern == "*" {
            continue;
        }
        let known = pattern.split_once('.').is_some_and(|(entity, verb)| {
            (entity == "*" || ENTITIES.contains(&entity))
                && (verb == "*" || EventVerb::parse(verb).is_some())
        });
        if !known {
            return Err(format!(
                "`{pattern}` is not an event type pattern: `<entity>.<verb>` with entity one of {} and verb one of {} (either may be `*`)",
                ENTITIES.join(", "),
                EventVerb::names()
            ));
        }
    }
    Ok(())
}

/// Checks locales and gives them their canonical form.
fn check_locales(locales: &[String]) -> Result<Vec<String>, String> {
    locales.iter().map(|l| validate::locale(l)).collect()
}

/// One delivery of an event (or a ping) to a webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The `webhook-id` header of every attempt.
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's place in the change log; `None` for a ping.
    pub seq: Option<i64>,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i32>,
    pub response_excerpt: Option<String>,
    pub replay_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<webhook_delivery::Model> for Delivery {
    fn from(row: webhook_delivery::Model) -> Self {
        Self {
            id: row.id,
            webhook_id: row.webhook_id,
            seq: row.seq,
            event_type: row.event_type,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at,
            last_status: row.last_status,
            last_error: row.last_error,
            last_latency_ms: row.last_latency_ms,
            response_excerpt: row.response_excerpt,
            replay_of: row.replay_of,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// The pending deliveries of those of `events` (up to `until`) that
/// `hook` wants, their bodies made now.
async fn deliveries_of(
    hook: &Webhook,
    events: &[FeedEvent],
    until: i64,
    objects: &dyn Objects,
) -> Result<Vec<webhook_delivery::Model>, AppError> {
    let mut deliveries = Vec::new();
    for event in events.iter().filter(|e| e.seq <= until && hook.wants(e)) {
        let body = payload::event_body(hook, event, objects).await?;
        deliveries.push(pending(
            hook.id,
            Some(event.seq),
            event.type_name(),
            body,
            None,
        ));
    }
    Ok(deliveries)
}

/// Rows inserted by one statement: far below the bind-parameter limits of
/// SQLite (32,766) and PostgreSQL (65,535) at 17 columns a row.
const INSERT_CHUNK: usize = 500;

/// Inserts deliveries inside `tx`, a bounded number per statement.
async fn insert_all(
    tx: &crate::storage::WriteTx,
    deliveries: Vec<webhook_delivery::Model>,
) -> Result<(), AppError> {
    let mut rows = deliveries.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<webhook_delivery::ActiveModel> = rows
            .by_ref()
            .take(INSERT_CHUNK)
            .map(webhook_delivery::ActiveModel::from)
            .collect();
        webhook_delivery::Entity::insert_many(chunk)
            .exec_without_returning(&**tx)
            .await?;
    }
    Ok(())
}

/// A new pending delivery, due now.
fn pending(
    webhook_id: Uuid,
    seq: Option<i64>,
    event_type: String,
    body: String,
    replay_of: Option<Uuid>,
) -> webhook_delivery::Model {
    let at = crate::storage::now();
    webhook_delivery::Model {
        id: Uuid::now_v7(),
        webhook_id,
        seq,
        event_type,
        body,
        status: DeliveryStatus::Pending,
        attempts: 0,
        next_attempt_at: Some(at),
        claimed_until: None,
        claim_token: None,
        last_status: None,
        last_error: None,
        last_latency_ms: None,
        response_excerpt: None,
        replay_of,
        created_at: at,
        updated_at: at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_with_wildcards() {
        assert!(matches("*", "article.published"));
        assert!(matches("article.published", "article.published"));
        assert!(!matches("article.published", "article.unpublished"));
        assert!(matches("tag.*", "tag.deleted"));
        assert!(!matches("tag.*", "author.deleted"));
        assert!(matches("*.deleted", "author.deleted"));
        assert!(!matches("*.deleted", "author.created"));
        assert!(!matches("article", "article.created"));
    }

    #[test]
    fn patterns_are_checked() {
        assert!(
            check_patterns(&[
                "*".into(),
                "tag.*".into(),
                "*.purged".into(),
                "asset.created".into()
            ])
            .is_ok()
        );
        for bad in ["article", "article.eaten", "page.*", "*.*.*", ""] {
            let err = check_patterns(&[bad.to_owned()]).unwrap_err();
            assert!(err.contains("not an event type pattern"), "{bad}: {err}");
        }
        assert!(check_patterns(&[]).is_err());
    }
}
