//! `changes`: the event log — one row per logical content change, with a
//! growing sequence. Caches, delta sync, webhooks and subscriptions all read it.

use sea_orm::entity::prelude::*;

use crate::types::{ChangeKind, EntityKind, EventVerb};

/// One event: a change of an article, author or tag.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub entity: EntityKind,
    pub entity_id: Uuid,
    /// What happened.
    pub action: ChangeKind,
    /// The entity's version after the change.
    pub version: i32,
    pub at: DateTimeUtc,
    /// The event type's verb (`published` in `article.published`).
    pub verb: EventVerb,
    /// The locale of the content, for articles.
    pub locale: Option<String>,
    /// The locale the article had before, when the change moved it to another.
    pub previous_locale: Option<String>,
    /// The user who acted; `None` for the scheduler and API keys.
    pub actor: Option<Uuid>,
    /// Whether the public can see the change (the public answer cache and
    /// public sync move only on those).
    pub public: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
