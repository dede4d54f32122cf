//! SQLite's search documents numbered by what they are, so that a search
//! reads only the part of the FTS5 index it may see:
//!
//! - A document's id (its FTS5 row id) is `part << 56 | locale << 40 | n`:
//!   its part (1 live article copies, 2 authors, 3 tags, 4 working copies,
//!   5 and 6 the live and working copies of soft-deleted articles), the
//!   number of its locale in `search_locales`, and a number from
//!   `search_sequence`. FTS5 walks its lists in row-id order and can start
//!   and stop at given row ids, so the public's search reads live copies,
//!   authors and tags only, a locale's search that locale only, and counts
//!   by locale are counts of row-id ranges, without reading a document row.
//! - `search_titles` indexes titles alone (an author's or tag's name): the
//!   heaviest class of a search is ranked there, on lists of title words
//!   rather than on those of every word of every body.
//! - `search_documents_filter` gives way to `search_documents_record`
//!   (document id → record): no search filters by document rows any more,
//!   but a sample of matches is turned into records without reading the
//!   rows that hold their text.
//!
//! The documents and the index are cleared, with the version in
//! `search_meta`: the server rebuilds them before it serves. PostgreSQL is
//! unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FTS_TABLE: &str = "CREATE VIRTUAL TABLE search_fts USING fts5(
        title, subtitle, excerpt, body, authors, tags,
        content = 'search_documents', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')";

const TITLES_TABLE: &str = "CREATE VIRTUAL TABLE search_titles USING fts5(
        title, content = 'search_documents', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')";

const UP: &[&str] = &[
    "DROP TABLE search_fts",
    "DELETE FROM search_documents",
    "DELETE FROM search_meta",
    "DROP INDEX search_documents_filter",
    "CREATE INDEX search_documents_record ON search_documents (id, entity_id)",
    FTS_TABLE,
    TITLES_TABLE,
    // Number 0 is no locale (authors and tags).
    "CREATE TABLE search_locales (no INTEGER PRIMARY KEY CHECK (no BETWEEN 0 AND 65535), \
     locale TEXT NOT NULL UNIQUE)",
    "INSERT INTO search_locales (no, locale) VALUES (0, '')",
    "CREATE TABLE search_sequence (last INTEGER NOT NULL)",
    "INSERT INTO search_sequence (last) VALUES (0)",
];

const DOWN: &[&str] = &[
    "DROP TABLE search_sequence",
    "DROP TABLE search_locales",
    "DROP TABLE search_titles",
    "DROP INDEX search_documents_record",
    "DROP TABLE search_fts",
    "DELETE FROM search_documents",
    "DELETE FROM search_meta",
    FTS_TABLE,
    "CREATE INDEX search_documents_filter ON search_documents \
     (id, entity, copy, hidden, locale, entity_id)",
];

async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    if manager.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(());
    }
    for statement in statements {
        manager
            .get_connection()
            .execute_unprepared(statement)
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, DOWN).await
    }
}
