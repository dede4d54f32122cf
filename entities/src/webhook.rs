//! `webhooks`: endpoints told about content changes.

use sea_orm::entity::prelude::*;

use crate::types::PayloadKind;

/// One endpoint with its filters, secrets and position in the change log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// Event type patterns, as a JSON array (`["article.published", "tag.*"]`).
    pub events: String,
    /// Article locales to tell about, as a JSON array; `None`: all.
    pub locales: Option<String>,
    pub payload: PayloadKind,
    pub enabled: bool,
    /// Why it was disabled, when Masthead disabled it.
    pub disabled_reason: Option<String>,
    /// `whsec_…`: signs every delivery.
    pub secret: String,
    /// The secret before the last rotation, still signing until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Events up to this sequence number were fanned out into deliveries.
    pub cursor_seq: i64,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
