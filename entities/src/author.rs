//! `authors`: people credited on articles.

use sea_orm::entity::prelude::*;

/// One row of `authors`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "authors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    /// The name per locale: JSON object text (`{"fr": "…"}`), kept as sent.
    pub names: Option<String>,
    /// The bio per locale: JSON object text, kept as sent.
    pub bios: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// The asset shown as the avatar (its URL is `avatar_url`).
    pub avatar_asset_id: Option<Uuid>,
    pub avatar_alt: Option<String>,
    pub avatar_width: Option<i32>,
    pub avatar_height: Option<i32>,
    pub website: Option<String>,
    /// JSON object text, kept as sent so key order survives.
    pub social: Option<String>,
    /// The user who writes as this author, if any.
    pub user_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::article_author::Entity")]
    ArticleAuthor,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::article_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ArticleAuthor.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}
