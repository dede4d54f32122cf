//! `changes`: one row per content change, with a growing sequence.

use sea_orm::entity::prelude::*;

use crate::types::{ChangeKind, EntityKind};

/// One change of an article, author or tag.
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
