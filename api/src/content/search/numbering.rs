//! Where a document's number puts it in SQLite's index (the migration
//! `search_ranges`): the top bits of its id are its part, then the number
//! of its locale (`search_locales`), then a number of its own
//! (`search_sequence`). FTS5 reads row ids in order and can start and stop
//! at given ones, so a search reads only the parts its caller may see.

use sea_orm::{ConnectionTrait, DatabaseBackend};
use uuid::Uuid;

use super::engine::Sql;
use super::index::{Document, config_for};
use crate::content::{ArticleCopy, EntityKind, Named};
use crate::error::AppError;

/// Bits of a document's own number.
pub const SEQUENCE_BITS: u32 = 40;
/// Where the part starts.
pub const PART_SHIFT: u32 = 56;
/// The document's own number.
pub const SEQUENCE_MASK: i64 = (1 << SEQUENCE_BITS) - 1;

/// The part of the index a document is in: live copies, authors, tags
/// and working copies side by side, so that what the public sees (1–3)
/// and what an editor sees (2–4) are each one run of row ids.
pub fn part(entity: EntityKind, copy: ArticleCopy, hidden: bool) -> i64 {
    match (entity, copy, hidden) {
        (EntityKind::Author, ..) => 2,
        (EntityKind::Tag | EntityKind::Asset, ..) => 3,
        (_, ArticleCopy::Live, false) => 1,
        (_, ArticleCopy::Working, false) => 4,
        (_, ArticleCopy::Live, true) => 5,
        (_, ArticleCopy::Working, true) => 6,
    }
}

/// The first row id of a part, or of one locale in it.
pub fn start(part: i64, locale: Option<i64>) -> i64 {
    (part << PART_SHIFT) | (locale.unwrap_or(0) << SEQUENCE_BITS)
}

/// The last row id of a part, or of one locale in it.
pub fn end(part: i64, locale: Option<i64>) -> i64 {
    match locale {
        Some(locale) => start(part, Some(locale)) | SEQUENCE_MASK,
        None => start(part + 1, None) - 1,
    }
}

/// SQL: the bits of the number of `locale`, in place.
pub fn locale_bits(sql: &mut Sql, locale: &str) {
    sql.push("((SELECT no FROM search_locales WHERE locale = ")
        .bind(locale)
        .push(&format!(") << {SEQUENCE_BITS})"));
}

/// SQLite: numbers the locales of some documents (once each), and takes
/// `count` numbers of the sequence; returns the first.
pub(super) async fn numbers<C: ConnectionTrait>(
    conn: &C,
    locales: &[&str],
    count: usize,
) -> Result<i64, AppError> {
    let backend = conn.get_database_backend();
    let mut seen: Vec<&str> = locales.to_vec();
    seen.sort_unstable();
    seen.dedup();
    for locale in seen {
        let mut sql = Sql::new(backend);
        sql.push(
            "INSERT INTO search_locales (no, locale) \
             SELECT (SELECT COALESCE(MAX(no), 0) + 1 FROM search_locales), ",
        )
        .bind(locale)
        .push(" WHERE NOT EXISTS (SELECT 1 FROM search_locales WHERE locale = ")
        .bind(locale)
        .push(")");
        conn.execute_raw(sql.statement()).await?;
    }
    if count == 0 {
        return Ok(0);
    }
    let mut sql = Sql::new(backend);
    sql.push("UPDATE search_sequence SET last = last + ")
        .bind(i64::try_from(count).unwrap_or(i64::MAX))
        .push(" RETURNING last");
    let last: i64 = conn
        .query_one_raw(sql.statement())
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("search_sequence has no row")))?
        .try_get("", "last")?;
    Ok(last - i64::try_from(count).unwrap_or(0) + 1)
}

/// The first of `count` new document numbers (SQLite), having numbered
/// `locales`; 0 on PostgreSQL, whose ids are its own.
pub(super) async fn first_number<'a, C: ConnectionTrait>(
    conn: &C,
    locales: impl Iterator<Item = &'a str>,
    count: usize,
) -> Result<i64, AppError> {
    if conn.get_database_backend() != DatabaseBackend::Sqlite {
        return Ok(0);
    }
    let locales: Vec<&str> = locales.collect();
    numbers(conn, &locales, count).await
}

/// SQLite: writes a document under its number (a new one gets `own`).
pub(super) async fn upsert_sqlite<C: ConnectionTrait>(
    conn: &C,
    (entity, id, copy): (EntityKind, Uuid, ArticleCopy),
    (locale, hidden): (&str, bool),
    (doc, own): (Document, i64),
) -> Result<(), AppError> {
    let backend = conn.get_database_backend();
    let mut sql = Sql::new(backend);
    let part = part(entity, copy, hidden);
    let mask = SEQUENCE_MASK;
    sql.push(
        "INSERT INTO search_documents (id, entity, entity_id, copy, locale, config, hidden, \
         title, subtitle, excerpt, body, authors, tags) VALUES (",
    )
    .push(&format!("({part} << {}) | ", PART_SHIFT));
    locale_bits(&mut sql, locale);
    sql.push(" | ")
        .bind(own)
        .push(", ")
        .bind(entity.as_str())
        .push(", ")
        .bind(id)
        .push(", ")
        .bind(copy.as_str())
        .push(", ")
        .bind(locale)
        .push(", ")
        .bind(config_for(locale))
        .push(", ")
        .bind(hidden)
        .push(", ")
        .bind(doc.title)
        .push(", ")
        .bind(doc.subtitle)
        .push(", ")
        .bind(doc.excerpt)
        .push(", ")
        .bind(doc.body)
        .push(", ")
        .bind(doc.authors)
        .push(", ")
        .bind(doc.tags)
        .push(&format!(
            ") ON CONFLICT (entity_id, copy) DO UPDATE SET \
             id = (excluded.id & ~{mask}) | (search_documents.id & {mask}), \
             locale = excluded.locale, config = excluded.config, hidden = excluded.hidden, \
             title = excluded.title, subtitle = excluded.subtitle, excerpt = excluded.excerpt, \
             body = excluded.body, authors = excluded.authors, tags = excluded.tags"
        ));
    conn.execute_raw(sql.statement()).await?;
    Ok(())
}
