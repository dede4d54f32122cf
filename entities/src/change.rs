//! `changes`: one row per content change, with a growing sequence.

use sea_orm::entity::prelude::*;

/// One change of an article, author or tag.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// `article`, `author` or `tag`.
    pub entity: String,
    pub entity_id: Uuid,
    /// What happened: `create`, `update`, `publish`, `delete`…
    pub action: String,
    /// The entity's version after the change.
    pub version: i32,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
