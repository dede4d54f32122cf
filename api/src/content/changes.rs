//! The change log: every content write adds a row in its own transaction, so
//! the highest sequence number says whether anything changed since a moment —
//! in every process sharing the database. Response caches are checked
//! against it on each request.

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

/// The sequence number of the latest content change (0 before any).
pub async fn generation(ctx: &Ctx) -> Result<i64, AppError> {
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
