//! `autosaves`: the one autosave of an article per user, overwritten in
//! place and folded into that user's next save.

use sea_orm::entity::prelude::*;

/// One autosave.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "autosaves")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub article_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The working copy's version the first of these autosaves was made on.
    pub base_version: i32,
    /// The content as autosaved (a revision's snapshot, JSON).
    pub snapshot: String,
    pub saved_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
