//! `webhook_deliveries`: one event (or ping) for one endpoint, and its attempts.

use sea_orm::entity::prelude::*;

use crate::types::DeliveryStatus;

/// One delivery; its id is the `webhook-id` of every attempt.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    /// The event's sequence number; `None` for a ping.
    pub seq: Option<i64>,
    pub event_type: String,
    /// The JSON body, the same bytes on every attempt.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<DateTimeUtc>,
    /// The current attempt's claim: until when, and by which attempt.
    pub claimed_until: Option<DateTimeUtc>,
    pub claim_token: Option<Uuid>,
    /// The HTTP status of the last attempt (`None`: no answer).
    pub last_status: Option<i32>,
    /// Why the last attempt failed without an answer (timeout, refused…).
    pub last_error: Option<String>,
    pub last_latency_ms: Option<i32>,
    /// The start of the last answer's body (at most 1 KiB).
    pub response_excerpt: Option<String>,
    /// The delivery this one sends again.
    pub replay_of: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
