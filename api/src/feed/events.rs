//! The event log read back: events after a sequence number, filtered as a
//! consumer asks, and the log's bounds (the last event, how far it was pruned).

use chrono::{DateTime, Utc};
use entities::types::{EntityKind, EventVerb};
use entities::{change, feed_mark, webhook};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::content::Named;
use crate::error::AppError;
use crate::storage::{Db, max_seq};

/// The mark of how far the log was pruned: events up to it are gone.
pub const PRUNED: &str = "pruned";

/// One event as consumers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    /// Its place in the log: consumers order by it.
    pub seq: i64,
    pub entity: EntityKind,
    pub id: Uuid,
    pub verb: EventVerb,
    /// The entity's version after the change.
    pub version: i32,
    /// The content's locale (articles).
    pub locale: Option<String>,
    /// The locale the article left, when the change moved it to another.
    pub previous_locale: Option<String>,
    pub at: DateTime<Utc>,
    /// The user who acted (`None`: the scheduler, an API key).
    pub actor: Option<Uuid>,
    /// Whether the public can see the change.
    pub public: bool,
}

impl FeedEvent {
    /// True when the content is, or was until this change, in `locale`.
    pub fn concerns_locale(&self, locale: &str) -> bool {
        self.locale.as_deref() == Some(locale) || self.previous_locale.as_deref() == Some(locale)
    }

    /// The event type: `article.published`.
    pub fn type_name(&self) -> String {
        format!("{}.{}", self.entity.as_str(), self.verb.as_str())
    }
}

impl From<change::Model> for FeedEvent {
    fn from(row: change::Model) -> Self {
        Self {
            seq: row.seq,
            entity: row.entity,
            id: row.entity_id,
            verb: row.verb,
            version: row.version,
            locale: row.locale,
            previous_locale: row.previous_locale,
            at: row.at,
            actor: row.actor,
            public: row.public,
        }
    }
}

/// Which events a consumer reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Of these kinds (empty: all).
    pub kinds: Vec<EntityKind>,
    /// Articles in this locale, or that left it, only (authors and tags
    /// have none, and pass).
    pub locale: Option<String>,
    /// Only changes the public can see.
    pub public_only: bool,
}

impl EventFilter {
    fn condition(&self) -> Condition {
        let mut condition = Condition::all();
        if !self.kinds.is_empty() {
            condition = condition.add(change::Column::Entity.is_in(self.kinds.clone()));
        }
        if let Some(locale) = &self.locale {
            condition = condition.add(
                Condition::any()
                    .add(change::Column::Entity.ne(EntityKind::Article))
                    .add(change::Column::Locale.eq(locale.as_str()))
                    .add(change::Column::PreviousLocale.eq(locale.as_str())),
            );
        }
        if self.public_only {
            condition = condition.add(change::Column::Public.eq(true));
        }
        condition
    }

    /// True when `event` passes the filter.
    pub fn accepts(&self, event: &FeedEvent) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&event.entity))
            && (event.entity != EntityKind::Article
                || self
                    .locale
                    .as_ref()
                    .is_none_or(|l| event.concerns_locale(l)))
            && (!self.public_only || event.public)
    }
}

/// Up to `limit` events after `seq` that pass `filter`, oldest first.
pub async fn after<C: ConnectionTrait>(
    conn: &C,
    seq: i64,
    filter: &EventFilter,
    limit: u64,
) -> Result<Vec<FeedEvent>, AppError> {
    let rows = change::Entity::find()
        .filter(change::Column::Seq.gt(seq))
        .filter(filter.condition())
        .order_by_asc(change::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(FeedEvent::from).collect())
}

/// The sequence number of the last event (0 before any). Events are
/// numbered in commit order, so every event up to it can be read.
pub async fn last_seq<C: ConnectionTrait>(conn: &C) -> Result<i64, AppError> {
    max_seq(conn, Condition::all()).await
}

/// The position of mark `name` (0 when unset).
pub async fn mark<C: ConnectionTrait>(conn: &C, name: &str) -> Result<i64, AppError> {
    Ok(feed_mark::Entity::find_by_id(name.to_owned())
        .one(conn)
        .await?
        .map_or(0, |mark| mark.seq))
}

/// Moves mark `name` forward to `seq` (never back).
pub async fn advance_mark<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    seq: i64,
) -> Result<(), AppError> {
    let updated = feed_mark::Entity::update_many()
        .col_expr(feed_mark::Column::Seq, Expr::value(seq))
        .filter(feed_mark::Column::Name.eq(name))
        .filter(feed_mark::Column::Seq.lt(seq))
        .exec(conn)
        .await?;
    if updated.rows_affected == 0 && mark(conn, name).await? == 0 {
        let row = feed_mark::Model {
            name: name.to_owned(),
            seq,
        };
        feed_mark::Entity::insert(feed_mark::ActiveModel::from(row))
            .on_conflict_do_nothing()
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Removes the events recorded before `cutoff`, except the last event and
/// the last public one (the content generations stand on them) and those an
/// enabled webhook has yet to be given, and moves the pruned mark to the
/// newest one removed. Returns how many went.
pub async fn prune(db: &Db, cutoff: DateTime<Utc>) -> Result<u64, AppError> {
    let tx = db.begin_write().await?;
    let old = max_seq(&*tx, Condition::all().add(change::Column::At.lt(cutoff))).await?;
    let last = last_seq(&*tx).await?;
    let last_public = max_seq(&*tx, Condition::all().add(change::Column::Public.eq(true))).await?;
    let undelivered: Option<Option<i64>> = webhook::Entity::find()
        .filter(webhook::Column::Enabled.eq(true))
        .select_only()
        .column_as(Expr::col(webhook::Column::CursorSeq).min(), "slowest")
        .into_tuple()
        .one(&*tx)
        .await?;
    let mut bound = Ord::min(old, last - 1);
    if let Some(slowest) = undelivered.flatten() {
        bound = Ord::min(bound, slowest);
    }
    if bound <= mark(&*tx, PRUNED).await? {
        return Ok(0);
    }
    let removed = change::Entity::delete_many()
        .filter(change::Column::Seq.lte(bound))
        .filter(change::Column::Seq.ne(last_public))
        .exec(&*tx)
        .await?
        .rows_affected;
    advance_mark(&*tx, PRUNED, bound).await?;
    tx.commit().await?;
    Ok(removed)
}
