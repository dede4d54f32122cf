//! `asset_uses`: which copy of which article, or which author, uses an
//! asset. A use by a live copy or by an author makes the asset public.

use sea_orm::entity::prelude::*;

use crate::types::{ArticleCopy, EntityKind};

/// One use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "asset_uses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub asset_id: Uuid,
    /// `article` or `author`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity: EntityKind,
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity_id: Uuid,
    /// The article copy; `live` for authors, who are public as written.
    #[sea_orm(primary_key, auto_increment = false)]
    pub copy: ArticleCopy,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::asset::Entity",
        from = "Column::AssetId",
        to = "super::asset::Column::Id",
        on_delete = "Cascade"
    )]
    Asset,
}

impl Related<super::asset::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Asset.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
