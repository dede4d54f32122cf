//! SQLite's FTS5 indexes of the search documents (`search_fts`, and
//! `search_titles` of titles alone), kept in step with `search_documents`
//! by the statements that change it. Nothing on PostgreSQL, where a
//! trigger makes each document's tsvector.
//!
//! The indexes hold no text of their own (external content): taking a
//! document's words out needs the text it was indexed with, so the words
//! go out before a document changes and come back after.
//!
//! FTS5 gathers the words a transaction adds and takes out in memory, and
//! writes them into the index as a new segment whenever a savepoint
//! begins or ends; SQLite begins one for each statement that may write
//! several rows, such as `INSERT … SELECT`, and each writer of a commit
//! group works in one. The documents of a record are therefore moved with
//! single-row `VALUES` statements, the text read from `search_documents`
//! before and after the change, and those wait for the group's commit
//! ([`crate::storage::Moves`]): the words of a whole group go out together,
//! once per index. An index whose text and row id did not change (a title
//! kept) is not touched at all. Batches (a rebuild) move many documents
//! with one statement per index, in a write that sees the indexes settled.

use entities::search_document::{self, Column};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect,
    Statement, Value,
};
use uuid::Uuid;

use super::engine::Sql;
use crate::content::ArticleCopy;
use crate::error::AppError;
use crate::storage::WriteTx;

/// Which documents a batch moves: every copy of some records, or the
/// documents of records that no longer exist.
#[derive(Debug, Clone, Copy)]
pub(super) enum Docs<'a> {
    Records(&'a [Uuid]),
    Stale,
}

/// The condition on `search_documents` of [`Docs::Stale`].
pub(super) const STALE: &str = "(entity = 'article' AND NOT EXISTS (SELECT 1 FROM articles a \
        WHERE a.id = search_documents.entity_id AND a.copy = search_documents.copy)) \
     OR (entity = 'author' AND entity_id NOT IN (SELECT id FROM authors)) \
     OR (entity = 'tag' AND entity_id NOT IN (SELECT id FROM tags))";

/// The FTS5 indexes and the columns of `search_documents` each holds.
const INDEXES: [(&str, &[&str]); 2] = [
    (
        "search_fts",
        &["title", "subtitle", "excerpt", "body", "authors", "tags"],
    ),
    ("search_titles", &["title"]),
];

/// The text columns of a document, in the order of `search_fts`'s columns.
pub(super) const TEXT: [Column; 6] = [
    Column::Title,
    Column::Subtitle,
    Column::Excerpt,
    Column::Body,
    Column::Authors,
    Column::Tags,
];

/// One document as indexed: its row id, and the text of the columns of
/// `search_fts` in their order (that of `search_titles` is the first).
struct Indexed {
    rowid: i64,
    text: [String; 6],
}

/// Changes the documents of `id` (of one copy, or of every copy without
/// one) with `write`, and on SQLite moves their words in the FTS5 indexes
/// when `tx`'s group commits.
pub(super) async fn rewrite<T>(
    tx: &WriteTx,
    (id, copy): (Uuid, Option<ArticleCopy>),
    write: impl AsyncFnOnce() -> Result<T, AppError>,
) -> Result<T, AppError> {
    if tx.get_database_backend() != DatabaseBackend::Sqlite {
        return write().await;
    }
    let copies = copy.map_or(vec![ArticleCopy::Working, ArticleCopy::Live], |copy| {
        vec![copy]
    });
    let mut before = Vec::with_capacity(copies.len());
    for copy in &copies {
        before.push(indexed(&**tx, id, *copy).await?);
    }
    let done = write().await?;
    for (copy, before) in copies.into_iter().zip(before) {
        let after = indexed(&**tx, id, copy).await?;
        let mut moves = tx.moves();
        for (table, columns) in INDEXES {
            let (old, new) = (
                held(before.as_ref(), columns),
                held(after.as_ref(), columns),
            );
            if old == new {
                continue;
            }
            if let Some((rowid, text)) = old {
                moves.take_out(table, rowid, moved((table, columns), true, rowid, text));
            }
            if let Some((rowid, text)) = new {
                moves.put_in(table, rowid, moved((table, columns), false, rowid, text));
            }
        }
    }
    Ok(done)
}

/// The row id and the text of a document that one index holds.
fn held<'a>(doc: Option<&'a Indexed>, columns: &[&str]) -> Option<(i64, &'a [String])> {
    doc.map(|doc| (doc.rowid, &doc.text[..columns.len()]))
}

/// The document of one copy of a record as the indexes hold it.
async fn indexed<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    copy: ArticleCopy,
) -> Result<Option<Indexed>, AppError> {
    let row: Option<(i64, String, String, String, String, String, String)> =
        search_document::Entity::find()
            .select_only()
            .column(Column::Id)
            .columns(TEXT)
            .filter(Column::EntityId.eq(id))
            .filter(Column::Copy.eq(copy))
            .into_tuple()
            .one(conn)
            .await?;
    Ok(row.map(|(rowid, a, b, c, d, e, f)| Indexed {
        rowid,
        text: [a, b, c, d, e, f],
    }))
}

/// The single-row statement that takes a document's words out of `table`
/// (`out`) or puts them in.
fn moved((table, columns): (&str, &[&str]), out: bool, rowid: i64, text: &[String]) -> Statement {
    let mut values: Vec<Value> = Vec::with_capacity(text.len() + 2);
    let command = if out {
        values.push("delete".into());
        format!("{table}, ")
    } else {
        String::new()
    };
    values.push(rowid.into());
    values.extend(text.iter().map(|text| Value::from(text.as_str())));
    let marks = vec!["?"; values.len()].join(", ");
    let sql = format!(
        "INSERT INTO {table} ({command}rowid, {}) VALUES ({marks})",
        columns.join(", ")
    );
    Statement::from_sql_and_values(DatabaseBackend::Sqlite, sql, values)
}

/// Takes the words of `docs` out of the FTS5 indexes before they change or
/// go, or puts them in (after), with one statement per index for any
/// number of documents: for a rebuild's batches (each written out once
/// anyway), in a write that sees the indexes settled
/// ([`crate::storage::Db::begin_write_settled`]). Nothing on PostgreSQL.
pub(super) async fn fts<C: ConnectionTrait>(
    conn: &C,
    docs: Docs<'_>,
    put_in: bool,
) -> Result<(), AppError> {
    let backend = conn.get_database_backend();
    if backend != DatabaseBackend::Sqlite || matches!(docs, Docs::Records([])) {
        return Ok(());
    }
    for (table, columns) in INDEXES {
        let columns = columns.join(", ");
        let mut sql = Sql::new(backend);
        if put_in {
            sql.push(&format!(
                "INSERT INTO {table} (rowid, {columns}) SELECT id, {columns}"
            ));
        } else {
            sql.push(&format!(
                "INSERT INTO {table} ({table}, rowid, {columns}) SELECT 'delete', id, {columns}"
            ));
        }
        sql.push(" FROM search_documents WHERE ");
        match docs {
            Docs::Stale => {
                sql.push(STALE);
            }
            Docs::Records(ids) => {
                sql.push("entity_id IN ").bind_list(ids.iter().copied());
            }
        }
        // FTS5 writes its pending words out whenever a row id is not above
        // the last one: in id order, a batch is written out once.
        sql.push(" ORDER BY id");
        conn.execute_raw(sql.statement()).await?;
    }
    Ok(())
}
