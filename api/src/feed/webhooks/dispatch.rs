//! Fan-out: each enabled webhook keeps its position in the change log, and
//! the events after it that it wants become deliveries. Any process may do
//! it: the position moves with a compare-and-set in the transaction that
//! inserts the deliveries, so each (endpoint, event) is queued once, however
//! many processes try.

use entities::webhook;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::payload::Objects;
use super::{Webhook, deliveries_of, insert_all};
use crate::error::AppError;
use crate::feed::Feed;
use crate::feed::events::{self, EventFilter};

/// Events read per webhook per round.
const BATCH: u64 = 200;

/// Queues the deliveries of events no webhook has been given yet; returns
/// how many were queued.
pub async fn dispatch(feed: &Feed, objects: &dyn Objects) -> Result<usize, AppError> {
    let conn = feed.ctx.db.conn();
    // Events are numbered in commit order: every event up to `last` can be read.
    let last = events::last_seq(conn).await?;
    let behind = webhook::Entity::find()
        .filter(webhook::Column::Enabled.eq(true))
        .filter(webhook::Column::CursorSeq.lt(last))
        .all(conn)
        .await?;
    let mut queued = 0;
    for row in behind {
        // One webhook that cannot be served holds up no other.
        match fan_out(feed, objects, &row, last).await {
            Ok(count) => queued += count,
            Err(err) => {
                tracing::warn!(webhook = %row.id, error = %err, "could not queue a webhook's deliveries");
            }
        }
    }
    Ok(queued)
}

/// Queues one webhook's next events; 0 when another process got there first.
async fn fan_out(
    feed: &Feed,
    objects: &dyn Objects,
    row: &webhook::Model,
    last: i64,
) -> Result<usize, AppError> {
    let hook = Webhook::of(row)?;
    let batch = events::after(
        feed.ctx.db.conn(),
        row.cursor_seq,
        &EventFilter::default(),
        BATCH,
    )
    .await?;
    let next = match batch.last() {
        Some(event) if batch.len() as u64 == BATCH => event.seq,
        _ => last,
    };
    let deliveries = deliveries_of(&hook, &batch, next, objects).await?;
    let tx = feed.ctx.begin_write().await?;
    let moved = webhook::Entity::update_many()
        .col_expr(webhook::Column::CursorSeq, Expr::value(next))
        .filter(webhook::Column::Id.eq(row.id))
        .filter(webhook::Column::CursorSeq.eq(row.cursor_seq))
        .filter(webhook::Column::Enabled.eq(true))
        .exec(&*tx)
        .await?;
    if moved.rows_affected == 0 {
        return Ok(0);
    }
    let queued = deliveries.len();
    insert_all(&tx, deliveries).await?;
    tx.commit().await?;
    Ok(queued)
}
