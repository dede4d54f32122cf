//! Rows written as the archive has them: whole (inserted or overwritten),
//! only when absent, or every content row removed first (`replace`).

use entities::types::{ArticleCopy, ChangeKind, EntityKind, EventVerb};
use entities::{
    article, article_author, article_tag, asset, asset_use, author, revision, tag, transition,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IdenStatic, IntoActiveModel, Iterable, QueryFilter,
    QuerySelect, TryInsertResult,
};
use uuid::Uuid;

use super::Tally;
use crate::content::{Ctx, WriteTx};
use crate::error::AppError;
use crate::storage::{self, Event};

/// Rows written by one statement at most.
const ROWS_PER_STATEMENT: usize = 50;

/// Records only ever added: those not stored yet are, the others (and
/// those left out) are counted as skipped.
pub(super) async fn added<E, A>(
    tx: &WriteTx,
    rows: Vec<E::Model>,
    offered: usize,
    tally: &mut Tally,
) -> Result<(), AppError>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait<Entity = E> + Send,
{
    tally.created = add::<E, A>(tx, rows).await?;
    tally.skipped = (offered as u64).saturating_sub(tally.created);
    Ok(())
}

/// Writes `rows` whole: new ones inserted, stored ones (same primary key)
/// overwritten, except the columns named in `keep`.
pub(super) async fn upsert<E, A>(
    tx: &WriteTx,
    rows: &[E::Model],
    keep: &[&str],
) -> Result<(), AppError>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait<Entity = E> + Send,
{
    if rows.is_empty() {
        return Ok(());
    }
    let keys: Vec<E::Column> = E::PrimaryKey::iter()
        .map(sea_orm::PrimaryKeyToColumn::into_column)
        .collect();
    let key_names: Vec<&str> = keys.iter().map(IdenStatic::as_str).collect();
    let updated: Vec<E::Column> = E::Column::iter()
        .filter(|column| !key_names.contains(&column.as_str()) && !keep.contains(&column.as_str()))
        .collect();
    let conflict = OnConflict::columns(keys).update_columns(updated).to_owned();
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        let models = rows
            .iter()
            .cloned()
            .map(|row| row.into_active_model().reset_all());
        E::insert_many(models)
            .on_conflict(conflict.clone())
            .exec_without_returning(&**tx)
            .await?;
    }
    Ok(())
}

/// Inserts `rows` that are not stored yet (whichever key or unique index
/// finds them stored); returns how many were.
pub(super) async fn add<E, A>(tx: &WriteTx, rows: Vec<E::Model>) -> Result<u64, AppError>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait<Entity = E> + Send,
{
    let mut added = 0;
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        let models = rows
            .iter()
            .cloned()
            .map(|row| row.into_active_model().reset_all());
        let result = E::insert_many(models)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec_without_returning(&**tx)
            .await?;
        if let TryInsertResult::Inserted(rows) = result {
            added += rows;
        }
    }
    Ok(added)
}

/// `replace`: every article, author, tag and asset removed (with their
/// links, uses, revisions and transitions), each removal an event.
pub(super) async fn wipe(ctx: &Ctx) -> Result<(), AppError> {
    let tx = ctx.begin_write().await?;
    let conn = &*tx;
    let articles: Vec<(Uuid, i32, String)> = article::Entity::find()
        .select_only()
        .columns([
            article::Column::Id,
            article::Column::Version,
            article::Column::Locale,
        ])
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .into_tuple()
        .all(conn)
        .await?;
    for (id, version, locale) in &articles {
        storage::record_event(
            &tx,
            Event {
                entity: EntityKind::Article,
                id: *id,
                action: ChangeKind::Purge,
                verb: EventVerb::Purged,
                version: *version,
                locale: Some(locale),
                previous_locale: None,
                actor: None,
                public: true,
            },
        );
    }
    let authors = versions::<author::Entity>(conn, author::Column::Id, author::Column::Version);
    deleted(&tx, EntityKind::Author, &authors.await?, true);
    let tags = versions::<tag::Entity>(conn, tag::Column::Id, tag::Column::Version);
    deleted(&tx, EntityKind::Tag, &tags.await?, true);
    let assets = versions::<asset::Entity>(conn, asset::Column::Id, asset::Column::Version);
    deleted(&tx, EntityKind::Asset, &assets.await?, false);
    article_author::Entity::delete_many().exec(conn).await?;
    article_tag::Entity::delete_many().exec(conn).await?;
    asset_use::Entity::delete_many().exec(conn).await?;
    transition::Entity::delete_many().exec(conn).await?;
    revision::Entity::delete_many().exec(conn).await?;
    article::Entity::delete_many().exec(conn).await?;
    author::Entity::delete_many().exec(conn).await?;
    tag::Entity::delete_many().exec(conn).await?;
    asset::Entity::delete_many().exec(conn).await?;
    tx.commit().await
}

/// Every id of `E` with its version.
async fn versions<E: EntityTrait>(
    conn: &sea_orm::DatabaseTransaction,
    id: E::Column,
    version: E::Column,
) -> Result<Vec<(Uuid, i32)>, AppError> {
    Ok(E::find()
        .select_only()
        .columns([id, version])
        .into_tuple()
        .all(conn)
        .await?)
}

/// Records the deletion of each of `rows` (ids with their versions).
fn deleted(tx: &WriteTx, entity: EntityKind, rows: &[(Uuid, i32)], public: bool) {
    for (id, version) in rows {
        storage::record_event(
            tx,
            Event {
                entity,
                id: *id,
                action: ChangeKind::Delete,
                verb: EventVerb::Deleted,
                version: *version,
                locale: None,
                previous_locale: None,
                actor: None,
                public,
            },
        );
    }
}
