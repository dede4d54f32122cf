//! The change log: every content write adds one event per logical action in
//! its own transaction, so the highest sequence number of a public event says
//! whether anything the public sees changed since a moment — in every process
//! sharing the database. Response caches are checked against it on each
//! request; requests that ask at the same moment share one read (see
//! [`Latest`]). Draft work moves the log but not that number.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};
use entities::change;
use entities::types::{ChangeKind, EntityKind, EventVerb};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::WriteTx;
use crate::error::AppError;

/// One event of the change feed, as a write records it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub entity: EntityKind,
    pub id: Uuid,
    /// The step that made it (kept beside the verb for the history of states).
    pub action: ChangeKind,
    pub verb: EventVerb,
    /// The entity's version after the change.
    pub version: i32,
    pub locale: Option<&'a str>,
    /// The locale it had before, when the change moved it to another.
    pub previous_locale: Option<&'a str>,
    pub actor: Option<Uuid>,
    /// Whether the public can see the change.
    pub public: bool,
}

/// Records an event with the work of `tx`: it is written when `tx`
/// commits, and only then.
pub fn record(tx: &WriteTx, event: Event<'_>) {
    let entry = super::audit_log::of_event(&event);
    let change = change::ActiveModel {
        seq: ActiveValue::NotSet,
        entity: ActiveValue::Set(event.entity),
        entity_id: ActiveValue::Set(event.id),
        action: ActiveValue::Set(event.action),
        version: ActiveValue::Set(event.version),
        at: ActiveValue::Set(now()),
        verb: ActiveValue::Set(event.verb),
        locale: ActiveValue::Set(event.locale.map(str::to_owned)),
        previous_locale: ActiveValue::Set(event.previous_locale.map(str::to_owned)),
        actor: ActiveValue::Set(event.actor),
        public: ActiveValue::Set(event.public),
    };
    tx.push_event(change, entry);
}

/// The current time at the precision both databases store (microseconds),
/// so a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Reads of the latest sequence number, shared between requests.
///
/// A request needs a read that *began after it arrived*: such a read sees
/// every change committed before the request, in any process. Reads run one
/// at a time; a request that arrives while one is running waits for the next
/// and shares it with everyone else who arrived meanwhile. Under load the
/// database is asked once per round instead of once per request, and no
/// answer is ever older than its request.
#[derive(Debug, Default)]
pub struct Latest {
    /// Reads begun so far; a read's ticket is the count once it began.
    begun: AtomicU64,
    /// The ticket and result of the last finished read.
    last: tokio::sync::Mutex<(u64, i64)>,
    /// Every event counts, draft work included (otherwise public events only).
    everything: bool,
}

impl Latest {
    /// Reads of the latest public event.
    pub fn public() -> Self {
        Self::default()
    }

    /// Reads of the latest event of any kind, draft work included.
    pub fn everything() -> Self {
        Self {
            everything: true,
            ..Self::default()
        }
    }

    /// The latest sequence number, from a read that began after the call.
    pub async fn get(&self, conn: &DatabaseConnection) -> Result<i64, AppError> {
        let arrived = self.begun.load(Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if last.0 > arrived {
            return Ok(last.1);
        }
        let ticket = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        let condition = if self.everything {
            Condition::all()
        } else {
            Condition::all().add(change::Column::Public.eq(true))
        };
        let value = max_seq(conn, condition).await?;
        *last = (ticket, value);
        Ok(value)
    }
}

/// The largest sequence number of the events `condition` selects (0 when
/// there are none).
pub async fn max_seq<C: ConnectionTrait>(conn: &C, condition: Condition) -> Result<i64, AppError> {
    let latest: Option<Option<i64>> = change::Entity::find()
        .filter(condition)
        .select_only()
        .column_as(Expr::col(change::Column::Seq).max(), "latest")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(latest.flatten().unwrap_or(0))
}
