//! The scheduler's work: publishing scheduled articles and taking live ones
//! down at their time, safely with several server processes.

use entities::article;
use entities::types::ChangeKind;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{ColumnTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::flow::{Step, make_live, take_down};
use super::read::read_one;
use crate::content::{ArticleCopy, Ctx, State, now};
use crate::error::AppError;

/// Due work claimed per round: enough to catch up, small enough to keep
/// transactions short.
const BATCH: u64 = 20;

/// Publishes the scheduled articles whose time has come and takes down the
/// live ones whose `unpublish_at` has passed. Safe with several processes on
/// one PostgreSQL: each due row is claimed with `FOR UPDATE SKIP LOCKED`,
/// and PostgreSQL checks the due conditions again on the row it locks, so
/// exactly one process acts on it. On SQLite the writer slot makes the claim. Returns how many articles changed.
pub async fn run_schedule(ctx: &Ctx) -> Result<usize, AppError> {
    Ok(publish_due(ctx).await? + take_down_due(ctx).await?)
}

/// The working rows `due` selects, claimed for this transaction.
fn claimed(ctx: &Ctx, due: sea_orm::Select<article::Entity>) -> sea_orm::Select<article::Entity> {
    let query = due
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .filter(article::Column::DeletedAt.is_null());
    let query = if ctx.db.backend() == DatabaseBackend::Postgres {
        query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
    } else {
        query
    };
    query.limit(BATCH)
}

async fn publish_due(ctx: &Ctx) -> Result<usize, AppError> {
    let tx = ctx.begin_write().await?;
    let due = article::Entity::find()
        .filter(article::Column::State.eq(State::Scheduled))
        .filter(article::Column::ScheduledAt.lte(now()))
        .order_by_asc(article::Column::ScheduledAt);
    let rows = claimed(ctx, due).all(&*tx).await?;
    let count = rows.len();
    for row in rows {
        let current = read_one(&*tx, row.clone(), ArticleCopy::Working).await?;
        let step = Step {
            action: ChangeKind::Publish,
            comment: Some("scheduled publication"),
            who: None,
        };
        let links = (current.author_ids.as_slice(), current.tag_ids.as_slice());
        make_live(&tx, row, links, None, step).await?;
    }
    tx.commit().await?;
    Ok(count)
}

async fn take_down_due(ctx: &Ctx) -> Result<usize, AppError> {
    let tx = ctx.begin_write().await?;
    let due = article::Entity::find()
        .filter(article::Column::PublishedVersion.is_not_null())
        .filter(article::Column::UnpublishAt.lte(now()))
        .order_by_asc(article::Column::UnpublishAt);
    let rows = claimed(ctx, due).all(&*tx).await?;
    let count = rows.len();
    for row in rows {
        let step = Step {
            action: ChangeKind::Unpublish,
            comment: Some("scheduled end of publication"),
            who: None,
        };
        take_down(&tx, row, State::Draft, step).await?;
    }
    tx.commit().await?;
    Ok(count)
}
