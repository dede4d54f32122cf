//! `assets`: uploaded files and pictures. The bytes live in the media
//! store under their SHA-256; the row holds what was read from them at
//! upload and the text editors give them (revisioned).

use sea_orm::entity::prelude::*;

/// One asset.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "assets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The sanitised name it is served under.
    pub filename: String,
    /// Told from the bytes at upload.
    pub content_type: String,
    /// Bytes stored.
    pub size: i64,
    /// Lower-case hex SHA-256 of the bytes stored.
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub blurhash: Option<String>,
    /// `#rrggbb`.
    pub dominant_color: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// The point crops keep in view, from 0 to 1 across and down.
    pub focal_x: Option<f64>,
    pub focal_y: Option<f64>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Who uploaded it (its owner, for authors' rights).
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::asset_use::Entity")]
    AssetUse,
}

impl Related<super::asset_use::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AssetUse.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
