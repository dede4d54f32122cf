//! `article_authors`: the ordered link between an article and its authors.

use sea_orm::entity::prelude::*;

use crate::types::ArticleCopy;

/// One link; `position` orders the authors of an article from 0.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "article_authors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: Uuid,
    /// Which copy of the article (`working` or `live`) the link belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub copy: ArticleCopy,
    #[sea_orm(primary_key, auto_increment = false)]
    pub author_id: Uuid,
    pub position: i32,
    /// The linked copy's `published_at`, kept by the database (triggers)
    /// so that a tag's or author's page sorts in this table's index.
    pub published_at: Option<DateTimeUtc>,
    /// The linked copy's `deleted_at`, kept the same way.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::article::Entity",
        from = "(Column::ArticleId, Column::Copy)",
        to = "(super::article::Column::Id, super::article::Column::Copy)",
        on_delete = "Cascade"
    )]
    Article,
    #[sea_orm(
        belongs_to = "super::author::Entity",
        from = "Column::AuthorId",
        to = "super::author::Column::Id",
        on_delete = "Restrict"
    )]
    Author,
}

impl Related<super::article::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Article.def()
    }
}

impl Related<super::author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
