//! One history engine for every versioned type (articles, authors, tags):
//! each create, update and restore writes an immutable revision — a typed
//! snapshot of the content — and a change-log entry, in the write's own
//! transaction ([`record_write`]). Revisions can be listed, read, compared
//! and restored the same way for every type; a type takes part by
//! implementing [`Versioned`].

pub mod diff;

use std::future::Future;

use chrono::{DateTime, Utc};
use entities::revision;
use entities::types::{ChangeKind, EntityKind, EventVerb};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use self::diff::FieldChange;
use super::{Ctx, Key, WriteTx, now};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::storage::page::sort_fields;
use crate::storage::page::{self, Direction, Page, Pagination, Sort};
use crate::storage::{Event, is_unique_violation, record_event};

/// A content type with revisions.
pub trait Versioned: Sized + Send {
    /// The kind stored with its revisions and changes.
    const KIND: EntityKind;
    /// The permission a restore needs (besides the update's own checks).
    const EDIT: Action;
    /// Whether the public sees its writes at once (authors and tags), or
    /// only once published (articles) or used by what is (assets).
    const LIVE_WRITES: bool;
    /// The content a revision keeps, as stored (JSON).
    type Snapshot: Serialize + DeserializeOwned + Send;
    /// What an update of the type takes.
    type Input: Send;

    /// The id of the entity `key` names, as history reads see it.
    fn locate(ctx: &Ctx, key: &Key) -> impl Future<Output = Result<Uuid, AppError>> + Send;

    /// The update that brings the content back to `snapshot`, carrying `message`.
    fn restoring(snapshot: Self::Snapshot, message: String) -> Self::Input;

    /// Updates the entity, by the same rules as any edit.
    fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: Self::Input,
        expected_version: Option<i32>,
    ) -> impl Future<Output = Result<Self, AppError>> + Send;
}

/// One version of an entity's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// Who wrote it; `None` for writes without a signed-in user.
    pub created_by: Option<Uuid>,
    pub message: Option<String>,
    /// The content at this version, field by field as stored.
    pub snapshot: Map<String, Value>,
}

/// The differences between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    pub from: i32,
    pub to: i32,
    pub changes: Vec<FieldChange>,
}

sort_fields! {
    /// Revisions are listed by version.
    pub enum RevisionSort for revision (id Version) {
        Version = "version": Version(version) as Int,
    }
}

/// Newest version first.
pub fn default_sort() -> Sort<RevisionSort> {
    Sort::from_keys(vec![(RevisionSort::Version, Direction::Desc)])
}

/// The longest revision message.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// What history records of one write of a versioned entity.
#[derive(Debug)]
pub(crate) struct Write<'a, S> {
    pub id: Uuid,
    /// The entity's version after the write.
    pub version: i32,
    pub snapshot: &'a S,
    pub message: Option<&'a str>,
    pub who: Option<Uuid>,
    pub change: ChangeKind,
    /// The content's locale, for types that have one.
    pub locale: Option<&'a str>,
    /// The locale it had before, when the write changed it.
    pub previous_locale: Option<&'a str>,
    /// Whether the public sees the change ([`Versioned::LIVE_WRITES`] for
    /// most types; for an asset, whether it is public).
    pub public: bool,
}

/// The step every create, update and restore of a versioned entity ends
/// with, inside its transaction: `written` is the outcome of the row's own
/// statement (rows affected); a unique violation there is the slug taken
/// (`slug_taken`); when a row was written, the revision and the change-log
/// entry follow. Returns the rows the statement affected.
pub(crate) async fn record_write<T: Versioned>(
    tx: &WriteTx,
    written: Result<u64, DbErr>,
    slug_taken: impl FnOnce() -> AppError,
    write: Write<'_, T::Snapshot>,
) -> Result<u64, AppError> {
    let rows = match written {
        Ok(rows) => rows,
        Err(err) if is_unique_violation(&err) => return Err(slug_taken()),
        Err(err) => return Err(err.into()),
    };
    if rows == 0 {
        return Ok(0);
    }
    if write
        .message
        .is_some_and(|m| m.chars().count() > MAX_MESSAGE_CHARS)
    {
        return Err(AppError::invalid(
            "revision_message",
            format!("must be at most {MAX_MESSAGE_CHARS} characters"),
        ));
    }
    let snapshot = serde_json::to_string(write.snapshot)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("cannot write a snapshot: {err}")))?;
    revision::Entity::insert(revision::ActiveModel::from(revision::Model {
        id: Uuid::now_v7(),
        entity: T::KIND,
        entity_id: write.id,
        version: write.version,
        snapshot,
        message: write.message.map(str::to_owned),
        created_at: now(),
        created_by: write.who,
    }))
    .exec_without_returning(&**tx)
    .await?;
    let event = Event {
        entity: T::KIND,
        id: write.id,
        action: write.change,
        verb: verb_of(write.change).unwrap_or(EventVerb::Updated),
        version: write.version,
        locale: write.locale,
        previous_locale: write.previous_locale,
        actor: write.who,
        public: write.public,
    };
    record_event(tx, event);
    Ok(rows)
}

/// The event type a step stands for; `None` for a step that is part of
/// another one (an edit moving a working copy back to draft is part of the
/// update, an import's state part of the creation).
pub(crate) fn verb_of(kind: ChangeKind) -> Option<EventVerb> {
    Some(match kind {
        ChangeKind::Create => EventVerb::Created,
        ChangeKind::Update
        | ChangeKind::Submit
        | ChangeKind::RequestChanges
        | ChangeKind::Approve => EventVerb::Updated,
        ChangeKind::Delete => EventVerb::Deleted,
        ChangeKind::Purge => EventVerb::Purged,
        ChangeKind::Restore => EventVerb::Restored,
        ChangeKind::Publish => EventVerb::Published,
        ChangeKind::Schedule => EventVerb::Scheduled,
        ChangeKind::Unpublish => EventVerb::Unpublished,
        ChangeKind::Archive => EventVerb::Archived,
        ChangeKind::Edit | ChangeKind::Import => return None,
    })
}

/// Removes every revision of an entity (a purge).
pub(crate) async fn forget<T: Versioned, C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<(), AppError> {
    revision::Entity::delete_many()
        .filter(revision::Column::Entity.eq(T::KIND))
        .filter(revision::Column::EntityId.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

fn of<T: Versioned>(id: Uuid) -> sea_orm::Select<revision::Entity> {
    revision::Entity::find()
        .filter(revision::Column::Entity.eq(T::KIND))
        .filter(revision::Column::EntityId.eq(id))
}

/// The typed content of a stored revision; a snapshot that does not read
/// as the type's content is corrupt, and said to be.
fn snapshot_of<T: Versioned>(row: &revision::Model) -> Result<T::Snapshot, AppError> {
    serde_json::from_str(&row.snapshot).map_err(|err| {
        AppError::Internal(anyhow::anyhow!(
            "revision {} of {} {} holds a snapshot that cannot be read: {err}",
            row.version,
            T::KIND,
            row.entity_id
        ))
    })
}

fn revision_of<T: Versioned>(row: revision::Model) -> Result<Revision, AppError> {
    let snapshot = match serde_json::to_value(snapshot_of::<T>(&row)?) {
        Ok(Value::Object(fields)) => fields,
        _ => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "the snapshot of {} {} is not an object",
                T::KIND,
                row.entity_id
            )));
        }
    };
    Ok(Revision {
        version: row.version,
        created_at: row.created_at,
        created_by: row.created_by,
        message: row.message,
        snapshot,
    })
}

async fn find<T: Versioned>(
    ctx: &Ctx,
    id: Uuid,
    version: i32,
) -> Result<revision::Model, AppError> {
    of::<T>(id)
        .filter(revision::Column::Version.eq(version))
        .one(ctx.db.conn())
        .await?
        .ok_or_else(|| AppError::not_found("revision"))
}

async fn readable<T: Versioned>(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
) -> Result<Uuid, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    T::locate(ctx, key).await
}

/// A page of an entity's revisions with their content (signed-in users).
pub async fn revisions<T: Versioned>(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    sort: &Sort<RevisionSort>,
    pagination: &Pagination,
) -> Result<Page<Revision>, AppError> {
    let id = readable::<T>(ctx, principal, key).await?;
    let page = page::fetch(ctx.db.conn(), of::<T>(id), None, sort, pagination).await?;
    page.try_map(revision_of::<T>)
}

/// One revision of an entity, with its content (signed-in users).
pub async fn revision<T: Versioned>(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
) -> Result<Revision, AppError> {
    let id = readable::<T>(ctx, principal, key).await?;
    revision_of::<T>(find::<T>(ctx, id, version).await?)
}

/// What changed from version `from` to version `to` (signed-in users).
pub async fn diff<T: Versioned>(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    from: i32,
    to: i32,
) -> Result<Diff, AppError> {
    let id = readable::<T>(ctx, principal, key).await?;
    let before = revision_of::<T>(find::<T>(ctx, id, from).await?)?;
    let after = revision_of::<T>(find::<T>(ctx, id, to).await?)?;
    Ok(Diff {
        from,
        to,
        changes: diff::snapshots(&before.snapshot, &after.snapshot),
    })
}

/// Restores an entity's content to an earlier revision. The restore is a
/// new revision (n+1) equal in content to the old one, made by the same
/// rules as an edit.
pub async fn restore<T: Versioned>(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
    expected_version: Option<i32>,
) -> Result<T, AppError> {
    ctx.require(principal, T::EDIT)?;
    let id = T::locate(ctx, key).await?;
    let old = find::<T>(ctx, id, version).await?;
    let input = T::restoring(
        snapshot_of::<T>(&old)?,
        format!("restored from version {version}"),
    );
    T::update(ctx, principal, &Key::Id(id), input, expected_version).await
}
