//! `slug_redirects`: slugs that were an article's, an author's or a tag's,
//! and answer with a redirect to its current one.

use sea_orm::entity::prelude::*;

use crate::types::EntityKind;

/// One former slug. `(entity, slug, scope)` is the key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "slug_redirects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub entity: EntityKind,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slug: String,
    /// The locale of an article's slug (unique per locale); `""` for authors and tags.
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    /// What the slug now leads to.
    pub target_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
