//! `masthead export`: the archive of a site, written as a stream.
//!
//! Everything is read in one read transaction (one snapshot of the
//! database), a chunk of [`CHUNK_RECORDS`] records at a time in the order
//! of their ids, so memory holds one chunk (and one asset's bytes) at a
//! time whatever the size of the site.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use entities::types::ArticleCopy;
use entities::{
    article, article_author, article_tag, asset, asset_use, author, revision, tag, transition, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::writer::Writer;
use super::{ArticleRecord, CHUNK_RECORDS, CopyLinks, Manifest, Part, Progress};
use crate::content::Ctx;
use crate::media::store::original_key;

/// What an export holds.
#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Only what changed at or after this instant (an incremental archive).
    pub since: Option<DateTime<Utc>>,
    /// Users with their password hashes (they can sign in where imported).
    pub with_accounts: bool,
    /// Assets without their bytes.
    pub no_media: bool,
}

/// Writes the archive of `ctx`'s site to `out` and returns its manifest;
/// `progress` hears of every chunk written.
pub async fn export<W: Write>(
    ctx: &Ctx,
    out: W,
    options: &ExportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<Manifest> {
    let mut writer = Writer::new(out, progress)?;
    let txn = ctx.db.begin_read().await?;
    write_parts(ctx, &txn, &mut writer, options).await?;
    drop(txn);
    let manifest = writer.finish(options.since, options.with_accounts)?;
    Ok(manifest)
}

/// Writes every part, in order, from one snapshot.
async fn write_parts<W: Write>(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    writer: &mut Writer<'_, W>,
    options: &ExportOptions,
) -> anyhow::Result<()> {
    let since = options.since;
    let users = changed_since(since, user::Column::UpdatedAt);
    export_part::<user::Entity, _>(
        txn,
        writer,
        (Part::Users, user::Column::Id),
        users,
        |mut row| {
            if !options.with_accounts {
                row.password_hash = String::new();
            }
            row
        },
    )
    .await?;
    export_assets(ctx, txn, writer, options).await?;
    let authors = changed_since(since, author::Column::UpdatedAt);
    export_part::<author::Entity, _>(
        txn,
        writer,
        (Part::Authors, author::Column::Id),
        authors,
        same,
    )
    .await?;
    let tags = changed_since(since, tag::Column::UpdatedAt);
    export_part::<tag::Entity, _>(txn, writer, (Part::Tags, tag::Column::Id), tags, same).await?;
    export_articles(txn, writer, since).await?;
    export_asset_uses(txn, writer).await?;
    let revisions = changed_since(since, revision::Column::CreatedAt);
    let part = (Part::Revisions, revision::Column::Id);
    export_part::<revision::Entity, _>(txn, writer, part, revisions, same).await?;
    let transitions = changed_since(since, transition::Column::CreatedAt);
    let part = (Part::Transitions, transition::Column::Id);
    export_part::<transition::Entity, _>(txn, writer, part, transitions, same).await
}

/// A row as it is.
fn same<T>(row: T) -> T {
    row
}

/// Rows whose `column` is at or after `since`, when there is one.
fn changed_since(
    since: Option<DateTime<Utc>>,
    column: impl sea_orm::sea_query::IntoColumnRef,
) -> Option<sea_orm::sea_query::SimpleExpr> {
    since.map(|at| Expr::col(column).gte(at))
}

/// Writes every row of `E` that `filter` keeps (all without one), a chunk
/// at a time in the order of `id`, each row passed through `map`.
async fn export_part<E, W>(
    txn: &DatabaseTransaction,
    writer: &mut Writer<'_, W>,
    (part, id): (Part, E::Column),
    filter: Option<sea_orm::sea_query::SimpleExpr>,
    map: impl Fn(E::Model) -> E::Model,
) -> anyhow::Result<()>
where
    E: EntityTrait,
    E::Model: Serialize + Send + Sync + HasId,
    W: Write,
{
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = E::find().order_by_asc(id).limit(CHUNK_RECORDS as u64);
        if let Some(filter) = &filter {
            select = select.filter(filter.clone());
        }
        if let Some(after) = after {
            select = select.filter(id.gt(after));
        }
        let rows: Vec<E::Model> = select.all(txn).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id());
        let rows: Vec<E::Model> = rows.into_iter().map(&map).collect();
        writer.chunk(part, &rows)?;
    }
}

/// A row's id, for keyset pages.
trait HasId {
    fn id(&self) -> Uuid;
}

macro_rules! has_id {
    ($($module:ident),+) => {
        $(impl HasId for $module::Model {
            fn id(&self) -> Uuid {
                self.id
            }
        })+
    };
}

has_id!(user, author, tag, asset, revision, transition);

/// Assets, each chunk followed by the bytes of its files (once per file).
async fn export_assets<W: Write>(
    ctx: &Ctx,
    txn: &DatabaseTransaction,
    writer: &mut Writer<'_, W>,
    options: &ExportOptions,
) -> anyhow::Result<()> {
    let mut written: HashSet<String> = HashSet::new();
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = asset::Entity::find()
            .order_by_asc(asset::Column::Id)
            .limit(CHUNK_RECORDS as u64);
        if let Some(since) = options.since {
            select = select.filter(asset::Column::UpdatedAt.gte(since));
        }
        if let Some(after) = after {
            select = select.filter(asset::Column::Id.gt(after));
        }
        let rows = select.all(txn).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.id);
        writer.chunk(Part::Assets, &rows)?;
        if options.no_media {
            continue;
        }
        for row in &rows {
            if !written.insert(row.sha256.clone()) {
                continue;
            }
            let bytes = ctx
                .media
                .blobs
                .read(&original_key(&row.sha256))
                .await?
                .with_context(|| {
                    format!(
                        "the file of asset {} is missing from the media store",
                        row.id
                    )
                })?;
            writer.file(format!("media/{}", row.sha256), &bytes, 0)?;
        }
    }
}

/// Every use of an asset (few, and what they point to may not have changed).
async fn export_asset_uses<W: Write>(
    txn: &DatabaseTransaction,
    writer: &mut Writer<'_, W>,
) -> anyhow::Result<()> {
    let mut page = 0;
    loop {
        let rows = asset_use::Entity::find()
            .order_by_asc(asset_use::Column::AssetId)
            .order_by_asc(asset_use::Column::Entity)
            .order_by_asc(asset_use::Column::EntityId)
            .order_by_asc(asset_use::Column::Copy)
            .offset(page * CHUNK_RECORDS as u64)
            .limit(CHUNK_RECORDS as u64)
            .all(txn)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        writer.chunk(Part::AssetUses, &rows)?;
        page += 1;
    }
}

/// Articles with both copies and their links, a chunk of ids at a time.
async fn export_articles<W: Write>(
    txn: &DatabaseTransaction,
    writer: &mut Writer<'_, W>,
    since: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = article::Entity::find()
            .filter(article::Column::Copy.eq(ArticleCopy::Working))
            .order_by_asc(article::Column::Id)
            .limit(CHUNK_RECORDS as u64);
        if let Some(since) = since {
            let changed = Query::select()
                .column(article::Column::Id)
                .from(article::Entity)
                .and_where(Expr::col(article::Column::UpdatedAt).gte(since))
                .to_owned();
            select = select.filter(Expr::col(article::Column::Id).in_subquery(changed));
        }
        if let Some(after) = after {
            select = select.filter(article::Column::Id.gt(after));
        }
        let working = select.all(txn).await?;
        let Some(last) = working.last() else {
            return Ok(());
        };
        after = Some(last.id);
        let ids: Vec<Uuid> = working.iter().map(|row| row.id).collect();
        let live: BTreeMap<Uuid, article::Model> = article::Entity::find()
            .filter(
                Condition::all()
                    .add(article::Column::Copy.eq(ArticleCopy::Live))
                    .add(article::Column::Id.is_in(ids.clone())),
            )
            .all(txn)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let authors = article_author::Entity::find()
            .filter(article_author::Column::ArticleId.is_in(ids.clone()))
            .all(txn)
            .await?;
        let tags = article_tag::Entity::find()
            .filter(article_tag::Column::ArticleId.is_in(ids))
            .all(txn)
            .await?;
        let mut live = live;
        let (mut authors, mut tags) = (CopyLinks::of_authors(&authors), CopyLinks::of_tags(&tags));
        let records: Vec<ArticleRecord> = working
            .into_iter()
            .map(|row| ArticleRecord {
                live: live.remove(&row.id),
                authors: authors.remove(&row.id).unwrap_or_default(),
                tags: tags.remove(&row.id).unwrap_or_default(),
                working: row,
            })
            .collect();
        writer.chunk(Part::Articles, &records)?;
    }
}
