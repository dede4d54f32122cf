//! Revisions: every create and update of an article, author or tag writes an
//! immutable snapshot of its content, version by version, in the same
//! transaction as the write. A unique index on (entity, id, version) makes a
//! version number impossible to use twice.

use chrono::{DateTime, Utc};
use entities::revision;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::diff::{self, FieldChange};
use super::now;
use super::page::{self, Direction, KeyKind, KeyValue, Page, Pagination, Sort, SortField};
use crate::error::AppError;

/// What kind of entity a revision belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Article,
    Author,
    Tag,
}

impl Entity {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::Author => "author",
            Self::Tag => "tag",
        }
    }
}

/// One version of an entity's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// Who wrote it; `None` for writes without a signed-in user.
    pub created_by: Option<Uuid>,
    pub message: Option<String>,
    /// The content at this version.
    pub snapshot: Map<String, Value>,
}

/// The differences between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub from: i32,
    pub to: i32,
    pub changes: Vec<FieldChange>,
}

/// Revisions are listed by version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionSort {
    Version,
}

impl SortField for RevisionSort {
    type Entity = revision::Entity;
    const ALL: &'static [Self] = &[Self::Version];
    const ID: Self = Self::Version;

    fn name(self) -> &'static str {
        "version"
    }

    fn column(self) -> revision::Column {
        revision::Column::Version
    }

    fn kind(self) -> KeyKind {
        KeyKind::Int
    }

    fn value_of(self, row: &revision::Model) -> KeyValue {
        KeyValue::Int(i64::from(row.version))
    }
}

/// Newest version first.
pub fn default_sort() -> Sort<RevisionSort> {
    Sort::from_keys(vec![(RevisionSort::Version, Direction::Desc)])
}

/// The longest revision message.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// Writes the revision of `version` (inside the caller's transaction).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    entity: Entity,
    id: Uuid,
    version: i32,
    snapshot: &Value,
    message: Option<&str>,
    created_by: Option<Uuid>,
) -> Result<(), AppError> {
    if message.is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS) {
        return Err(AppError::invalid(
            "revision_message",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    revision::Entity::insert(revision::ActiveModel::from(revision::Model {
        id: Uuid::now_v7(),
        entity: entity.as_str().to_owned(),
        entity_id: id,
        version,
        snapshot: snapshot.to_string(),
        message: message.map(str::to_owned),
        created_at: now(),
        created_by,
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

fn from_row(row: revision::Model) -> Revision {
    let snapshot = serde_json::from_str::<Map<String, Value>>(&row.snapshot).unwrap_or_default();
    Revision {
        version: row.version,
        created_at: row.created_at,
        created_by: row.created_by,
        message: row.message,
        snapshot,
    }
}

fn of(entity: Entity, id: Uuid) -> sea_orm::Select<revision::Entity> {
    revision::Entity::find()
        .filter(revision::Column::Entity.eq(entity.as_str()))
        .filter(revision::Column::EntityId.eq(id))
}

/// A page of an entity's revisions.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    entity: Entity,
    id: Uuid,
    sort: &Sort<RevisionSort>,
    pagination: &Pagination,
) -> Result<Page<Revision>, AppError> {
    let page = page::fetch(conn, of(entity, id), sort, pagination).await?;
    Ok(page.map(from_row))
}

/// One revision of an entity.
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    entity: Entity,
    id: Uuid,
    version: i32,
) -> Result<Revision, AppError> {
    of(entity, id)
        .filter(revision::Column::Version.eq(version))
        .one(conn)
        .await?
        .map(from_row)
        .ok_or_else(|| AppError::not_found("revision"))
}

/// The differences from version `from` to version `to`.
pub async fn diff<C: ConnectionTrait>(
    conn: &C,
    entity: Entity,
    id: Uuid,
    from: i32,
    to: i32,
) -> Result<Diff, AppError> {
    let before = get(conn, entity, id, from).await?;
    let after = get(conn, entity, id, to).await?;
    Ok(Diff {
        from,
        to,
        changes: diff::snapshots(&before.snapshot, &after.snapshot),
    })
}

/// A text field of a snapshot as a write input: absent or null clears it.
pub fn text_field(snapshot: &Map<String, Value>, name: &str) -> super::Patch<String> {
    match snapshot.get(name) {
        Some(Value::String(text)) => super::Patch::Value(text.clone()),
        _ => super::Patch::Null,
    }
}
