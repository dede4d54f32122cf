//! `articles`: every article's working copy, and its live copy once published.

use sea_orm::entity::prelude::*;

use crate::types::{ArticleCopy, State};

/// One copy of an article: `copy` is `working` or `live`. `(locale, slug, copy)` is unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "articles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub copy: ArticleCopy,
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    pub body: String,
    pub featured_image_url: Option<String>,
    pub featured_image_alt: Option<String>,
    /// The asset shown as the featured image (its URL is `featured_image_url`).
    pub featured_asset_id: Option<Uuid>,
    pub featured_image_width: Option<i32>,
    pub featured_image_height: Option<i32>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub seo_canonical_url: Option<String>,
    pub state: State,
    pub version: i32,
    pub published_version: Option<i32>,
    pub published_at: Option<DateTimeUtc>,
    pub scheduled_at: Option<DateTimeUtc>,
    pub unpublish_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub word_count: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// The translation group (the id of its first article); `None` for an
    /// article that has no translations.
    pub translation_group: Option<Uuid>,
    /// Where the article was imported from (`ghost`, `wordpress`), if it was.
    pub source_system: Option<String>,
    /// Its id in that system.
    pub source_id: Option<String>,
    /// Its address in that system.
    pub source_url: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::article_author::Entity")]
    ArticleAuthor,
    #[sea_orm(has_many = "super::article_tag::Entity")]
    ArticleTag,
}

impl Related<super::article_author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ArticleAuthor.def()
    }
}

impl Related<super::article_tag::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ArticleTag.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
