//! `users`: people who sign in.

use sea_orm::entity::prelude::*;

use crate::types::Role;

/// One row of `users`. `email_key` is the lower-cased e-mail, unique.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    #[sea_orm(unique)]
    pub email_key: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The author profile the user writes as (`authors.user_id`).
    #[sea_orm(has_one = "super::author::Entity")]
    Author,
}

impl Related<super::author::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Author.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
