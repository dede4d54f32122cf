//! The change log: every content write adds a row in its own transaction, so
//! the highest sequence number says whether anything changed since a moment —
//! in every process sharing the database. Response caches are checked
//! against it on each request; requests that ask at the same moment share
//! one read (see [`Latest`]).

use std::sync::atomic::{AtomicU64, Ordering};

use entities::change;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use super::revision::Entity;
use super::{Ctx, now};
use crate::auth::policy::Action;
use crate::auth::{KeyKind, Principal};
use crate::error::AppError;

/// Records a change of `entity` `id` (inside the caller's transaction).
pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    entity: Entity,
    id: Uuid,
    action: &str,
    version: i32,
) -> Result<(), AppError> {
    change::Entity::insert(change::ActiveModel {
        seq: sea_orm::ActiveValue::NotSet,
        entity: sea_orm::ActiveValue::Set(entity.as_str().to_owned()),
        entity_id: sea_orm::ActiveValue::Set(id),
        action: sea_orm::ActiveValue::Set(action.to_owned()),
        version: sea_orm::ActiveValue::Set(version),
        at: sea_orm::ActiveValue::Set(now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
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
}

impl Latest {
    async fn get(&self, ctx: &Ctx) -> Result<i64, AppError> {
        let arrived = self.begun.load(Ordering::SeqCst);
        let mut last = self.last.lock().await;
        if last.0 > arrived {
            return Ok(last.1);
        }
        let ticket = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        let value = read_latest(ctx).await?;
        *last = (ticket, value);
        Ok(value)
    }
}

/// The sequence number of the latest content change (0 before any).
pub async fn generation(ctx: &Ctx) -> Result<i64, AppError> {
    ctx.latest.get(ctx).await
}

async fn read_latest(ctx: &Ctx) -> Result<i64, AppError> {
    let latest: Option<Option<i64>> = change::Entity::find()
        .select_only()
        .column_as(Expr::col(change::Column::Seq).max(), "latest")
        .into_tuple()
        .one(&ctx.db.conn)
        .await?;
    Ok(latest.flatten().unwrap_or(0))
}

/// For callers who see exactly what the public sees (no credentials, or a
/// delivery key) and may read it: the content generation their answers can
/// be cached under. `None` for everyone else, whose answers are not shared.
pub async fn public_generation(ctx: &Ctx, principal: &Principal) -> Result<Option<i64>, AppError> {
    match principal {
        Principal::Anonymous
        | Principal::Key {
            kind: KeyKind::Delivery,
            ..
        } => {
            ctx.require(principal, Action::ReadLive)?;
            generation(ctx).await.map(Some)
        }
        _ => Ok(None),
    }
}
