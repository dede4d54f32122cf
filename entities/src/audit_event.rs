//! `audit_events`: who did what, from where and when (design §15): sign-ins,
//! refused refreshes, changes to users, API keys and webhooks, and every
//! content event.

use sea_orm::entity::prelude::*;

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// What happened: `auth.sign_in_failed`, `user.role_changed`, `article.published`…
    pub kind: String,
    /// The signed-in user who did it.
    pub actor_user: Option<Uuid>,
    /// The API key that did it.
    pub actor_key: Option<Uuid>,
    /// Who it was about when no account is known (the e-mail address a
    /// failed sign-in gave).
    pub subject: Option<String>,
    /// What it was done to: `article`, `user`, `api_key`, `webhook`…
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Details as a JSON object (a role's change, a failure's reason); never a secret.
    pub detail: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
