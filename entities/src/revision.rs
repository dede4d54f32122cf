//! `revisions`: an immutable snapshot of every write of an article, author or tag.

use sea_orm::entity::prelude::*;

use crate::types::EntityKind;

/// One version of one entity. `(entity, entity_id, version)` is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "revisions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub entity: EntityKind,
    pub entity_id: Uuid,
    pub version: i32,
    /// The entity's content as JSON.
    pub snapshot: String,
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
