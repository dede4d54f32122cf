//! The audit log as admins read it (`GET /api/v1/audit`), and the entries
//! the account operations write. Content events get theirs from the change
//! log, in their own transactions (`storage::audit_log`).

use chrono::{DateTime, Utc};
use entities::audit_event::{self, Column, Entity};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::Identity;
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;
pub use crate::storage::audit_log::{Actor, Entry, Origin, within};
use crate::storage::page::sort_fields;
use crate::storage::page::{self, Direction, ListQuery, Page};
use crate::storage::{audit_log, contains_ci};

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// What happened, `<object>.<verb>`.
    pub kind: String,
    /// The user who did it.
    pub actor_user: Option<Uuid>,
    /// The API key that did it.
    pub actor_key: Option<Uuid>,
    /// Who it was about when no account is known (a failed sign-in's address).
    pub subject: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<serde_json::Value>,
}

fn from_row(row: audit_event::Model) -> AuditEvent {
    AuditEvent {
        id: row.id,
        at: row.at,
        kind: row.kind,
        actor_user: row.actor_user,
        actor_key: row.actor_key,
        subject: row.subject,
        target_kind: row.target_kind,
        target_id: row.target_id,
        ip: row.ip,
        user_agent: row.user_agent,
        detail: row.detail.and_then(|text| serde_json::from_str(&text).ok()),
    }
}

sort_fields! {
    /// Fields the audit log can be sorted by.
    pub enum AuditSort for audit_event (id Id) {
        Id = "id": Id(id) as Id,
        At = "at": At(at) as Time,
        Kind = "kind": Kind(kind) as Text,
    }
}

/// Newest first.
pub fn default_sort() -> page::Sort<AuditSort> {
    page::Sort::from_keys(vec![(AuditSort::At, Direction::Desc)])
}

/// Which entries a read returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    /// Done by this user or API key.
    pub actor: Option<Uuid>,
    /// Of these kinds: a whole kind (`auth.sign_in_failed`) or an object
    /// (`auth`, every `auth.…`); any of them.
    pub kinds: Vec<String>,
    /// About this target (an article, a user…).
    pub target: Option<Uuid>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
    /// The subject (a failed sign-in's address) contains this.
    pub subject: Option<String>,
}

/// Who `principal` is, for the log.
pub fn actor_of(principal: &Principal) -> Actor {
    match principal {
        Principal::User { id, .. } => Actor::User(*id),
        Principal::Key { id, .. } => Actor::Key(*id),
        Principal::Anonymous => Actor::Nobody,
    }
}

/// Writes an entry in a transaction of its own (an operation whose own
/// work was refused, or wrote nothing).
pub(crate) async fn note(identity: &Identity, entry: Entry<'_>) -> Result<(), AppError> {
    let tx = identity.begin_write().await?;
    audit_log::record(&*tx, entry).await?;
    tx.commit().await
}

fn filtered(filter: &AuditFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(ids) = &filter.ids {
        condition = condition.add(Column::Id.is_in(ids.clone()));
    }
    if let Some(actor) = filter.actor {
        condition = condition.add(
            Condition::any()
                .add(Column::ActorUser.eq(actor))
                .add(Column::ActorKey.eq(actor)),
        );
    }
    if !filter.kinds.is_empty() {
        let mut kinds = Condition::any();
        for kind in &filter.kinds {
            kinds = if kind.contains('.') {
                kinds.add(Column::Kind.eq(kind.as_str()))
            } else {
                // `auth.` up to `auth/` ('/' follows '.'): a range the index serves.
                kinds.add(
                    Condition::all()
                        .add(Column::Kind.gt(format!("{kind}.")))
                        .add(Column::Kind.lt(format!("{kind}/"))),
                )
            };
        }
        condition = condition.add(kinds);
    }
    if let Some(target) = filter.target {
        condition = condition.add(Column::TargetId.eq(target));
    }
    if let Some(since) = filter.since {
        condition = condition.add(Column::At.gte(since));
    }
    if let Some(until) = filter.until {
        condition = condition.add(Column::At.lt(until));
    }
    if let Some(subject) = &filter.subject {
        condition = condition.add(contains_ci(Column::Subject, subject));
    }
    condition
}

/// A page of the audit log (admins only).
pub async fn list(
    identity: &Identity,
    principal: &Principal,
    query: &ListQuery<AuditFilter, AuditSort>,
) -> Result<Page<AuditEvent>, AppError> {
    identity.require(principal, Action::ReadAuditLog)?;
    let select = Entity::find().filter(filtered(&query.filter));
    let page = page::fetch(identity.db.conn(), select, None, &query.sort, &query.page).await?;
    Ok(page.map(from_row))
}

/// One entry (admins only).
pub async fn get(
    identity: &Identity,
    principal: &Principal,
    id: Uuid,
) -> Result<AuditEvent, AppError> {
    identity.require(principal, Action::ReadAuditLog)?;
    Entity::find_by_id(id)
        .one(identity.db.conn())
        .await?
        .map(from_row)
        .ok_or_else(|| AppError::not_found("audit entry"))
}

/// Forgets the entries older than `days` days (`MASTHEAD_AUDIT_RETENTION_DAYS`).
pub async fn prune(identity: &Identity, days: u32) -> Result<u64, AppError> {
    let before = crate::storage::now() - chrono::Duration::days(i64::from(days));
    let tx = identity.begin_write().await?;
    let gone = audit_log::prune(&*tx, before).await?;
    tx.commit().await?;
    Ok(gone)
}
