//! Making the search index again from the content (`masthead reindex`, and
//! at start when the index was made by another version): every document is
//! written over in batches while the server keeps answering, documents of
//! records that no longer exist are removed; SQLite's FTS5 index is kept in
//! step batch by batch.

use entities::{article, author, tag};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

use super::fts::{Docs, STALE, fts};
use super::index::{self, Fts};
use crate::content::catalog::Row;
use crate::content::{ArticleCopy, Ctx, EntityKind, now};
use crate::error::AppError;

/// The version of what documents hold and how they are indexed; a server
/// that finds another rebuilds the index before serving.
const INDEX_VERSION: i32 = 1;

/// Records written per transaction.
const BATCH: u64 = 500;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    /// Documents written (article copies, authors and tags).
    pub documents: u64,
    /// Documents of records that no longer exist, removed.
    pub removed: u64,
}

/// Rebuilds the index; `progress(done, total)` hears of each batch.
pub async fn rebuild(ctx: &Ctx, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Rebuilt, AppError> {
    let conn = ctx.db.conn();
    let total = article::Entity::find().count(conn).await?
        + author::Entity::find().count(conn).await?
        + tag::Entity::find().count(conn).await?;
    let mut done = 0;
    progress(done, total);
    let mut after: Option<Uuid> = None;
    loop {
        let mut ids = article::Entity::find()
            .select_only()
            .column(article::Column::Id)
            .filter(article::Column::Copy.eq(ArticleCopy::Working))
            .order_by_asc(article::Column::Id)
            .limit(BATCH);
        if let Some(last) = after {
            ids = ids.filter(article::Column::Id.gt(last));
        }
        let ids: Vec<Uuid> = ids.into_tuple().all(conn).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        let rows = article::Entity::find()
            .filter(article::Column::Id.is_in(ids))
            .all(conn)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
        let tx = ctx.db.begin_write_settled().await?;
        fts(&*tx, Docs::Records(&ids), false).await?;
        for copy in [ArticleCopy::Working, ArticleCopy::Live] {
            let of_copy: Vec<article::Model> = rows
                .iter()
                .filter(|row| row.copy == copy)
                .cloned()
                .collect();
            index::articles(&tx, &of_copy, copy, Fts::Later).await?;
        }
        fts(&*tx, Docs::Records(&ids), true).await?;
        tx.commit().await?;
        done += rows.len() as u64;
        progress(done, total);
    }
    for kind in [EntityKind::Author, EntityKind::Tag] {
        let before = done;
        done += catalog(ctx, kind, |now_done| progress(before + now_done, total)).await?;
    }
    let removed = finish(ctx).await?;
    progress(total.max(done), total.max(done));
    Ok(Rebuilt {
        documents: done,
        removed,
    })
}

/// Indexes every author or tag; returns how many.
async fn catalog(ctx: &Ctx, kind: EntityKind, progress: impl Fn(u64)) -> Result<u64, AppError> {
    let conn = ctx.db.conn();
    let mut done = 0;
    let mut page_at = 0;
    loop {
        let rows: Vec<(Uuid, (String, Option<String>))> = if kind == EntityKind::Author {
            let page = author::Entity::find().order_by_asc(author::Column::Id);
            let page = page.offset(page_at * BATCH).limit(BATCH).all(conn).await?;
            page.iter().map(|row| (row.id, row.indexed())).collect()
        } else {
            let page = tag::Entity::find().order_by_asc(tag::Column::Id);
            let page = page.offset(page_at * BATCH).limit(BATCH).all(conn).await?;
            page.iter().map(|row| (row.id, row.indexed())).collect()
        };
        if rows.is_empty() {
            return Ok(done);
        }
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        let tx = ctx.db.begin_write_settled().await?;
        fts(&*tx, Docs::Records(&ids), false).await?;
        for (id, (name, about)) in &rows {
            index::catalog(&tx, (kind, *id), name, about.as_deref(), Fts::Later).await?;
        }
        fts(&*tx, Docs::Records(&ids), true).await?;
        tx.commit().await?;
        done += rows.len() as u64;
        page_at += 1;
        progress(done);
    }
}

/// Removes documents of records that are gone, merges SQLite's FTS5
/// segments into one, and records the version the index now has.
///
/// The batches leave FTS5 with a score of segments (its `automerge` merges
/// four of a level at a time), and every lookup of a word seeks in each:
/// at 100,000 articles the highlights of a page took 11 ms over 21
/// segments and 1 ms over one. Merging them (`optimize`) takes about 7 s
/// there; the segments later writes add are small and cheap to seek.
async fn finish(ctx: &Ctx) -> Result<u64, AppError> {
    let backend = ctx.db.backend();
    let tx = ctx.db.begin_write_settled().await?;
    fts(&*tx, Docs::Stale, false).await?;
    let removed = tx
        .execute_unprepared(&format!("DELETE FROM search_documents WHERE {STALE}"))
        .await?
        .rows_affected();
    if backend == DatabaseBackend::Sqlite {
        for table in ["search_fts", "search_titles"] {
            tx.execute_unprepared(&format!(
                "INSERT INTO {table} ({table}) VALUES ('optimize')"
            ))
            .await?;
        }
    }
    let placeholders = if backend == DatabaseBackend::Postgres {
        ("$1", "$2")
    } else {
        ("?", "?")
    };
    tx.execute_raw(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO search_meta (id, version, built_at) VALUES (1, {}, {}) \
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, built_at = excluded.built_at",
            placeholders.0, placeholders.1
        ),
        [INDEX_VERSION.into(), now().into()],
    ))
    .await?;
    tx.commit().await?;
    Ok(removed)
}

/// Rebuilds the index when it was made by another version of Masthead (or
/// never): returns what was done, if anything.
pub async fn ensure_current(ctx: &Ctx) -> Result<Option<Rebuilt>, AppError> {
    let backend = ctx.db.backend();
    let row = ctx
        .db
        .conn()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT CAST(version AS BIGINT) AS version FROM search_meta WHERE id = 1",
        ))
        .await?;
    let version: Option<i64> = match row {
        Some(row) => Some(row.try_get("", "version")?),
        None => None,
    };
    if version == Some(i64::from(INDEX_VERSION)) {
        return Ok(None);
    }
    rebuild(ctx, &|_, _| {}).await.map(Some)
}
