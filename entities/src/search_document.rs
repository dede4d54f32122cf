//! `search_documents`: the text search matches for one copy of an article,
//! or for an author or a tag. Each database indexes it its own way (FTS5 on
//! SQLite, a tsvector made by a trigger on PostgreSQL); those parts are not
//! columns of this entity.

use sea_orm::entity::prelude::*;

use crate::types::{ArticleCopy, EntityKind};

/// One indexed document.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "search_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What the document is (`article`, `author` or `tag`).
    pub entity: EntityKind,
    pub entity_id: Uuid,
    /// The copy of an article; authors and tags are always `live`.
    pub copy: ArticleCopy,
    pub locale: String,
    /// PostgreSQL's text search configuration for the locale's language.
    pub config: String,
    /// A soft-deleted article: found only by the admins' list of them.
    pub hidden: bool,
    /// The title, or an author's or tag's name.
    pub title: String,
    pub subtitle: String,
    pub excerpt: String,
    /// The body as plain text, or an author's bio, or a tag's description.
    pub body: String,
    /// The names of the article's authors, in credit order.
    pub authors: String,
    /// The names of the article's tags, in order.
    pub tags: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
