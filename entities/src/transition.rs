//! `transitions`: every change of an article's editorial state.

use sea_orm::entity::prelude::*;

use crate::types::{ChangeKind, State};

/// One workflow step: who moved the article from which state to which, at which version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "transitions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub article_id: Uuid,
    pub action: ChangeKind,
    pub from_state: State,
    pub to_state: State,
    pub version: i32,
    pub comment: Option<String>,
    pub created_at: DateTimeUtc,
    /// `None` for the scheduler.
    pub created_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
