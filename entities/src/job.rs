//! `jobs`: work the server does in the background for an admin (imports
//! and exports), with how far it is and how it ended.

use sea_orm::entity::prelude::*;

/// One job.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `import` or `export`.
    pub kind: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// What was asked (JSON).
    pub options: String,
    /// Records and bytes so far (JSON).
    pub progress: String,
    /// What it did, once done (JSON).
    pub report: Option<String>,
    /// Why it failed: each problem, naming the file, record and field (JSON array).
    pub errors: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
