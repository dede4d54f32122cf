//! Keeping `search_documents` in step with the content, in the transaction
//! of each write: one document per copy of an article (its body as plain
//! text, the names of its authors and tags in order), one per author and per
//! tag. PostgreSQL makes each document's tsvector in a trigger. SQLite's
//! FTS5 indexes are kept in step around each change ([`super::fts`]), not
//! by triggers: with triggers, FTS5 would write its pending words out at
//! every statement of a transaction (a statement savepoint each), and a
//! rebuild of 100,000 articles would spend its time merging tiny segments.

use std::collections::HashMap;

use entities::search_document::{self, Column};
use entities::{article, article_author, article_tag, author, tag};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::engine::Sql;
use super::fts::{TEXT, rewrite};
use super::numbering::{self, first_number, numbers, upsert_sqlite};
use crate::content::{ArticleCopy, EntityKind, text};
use crate::error::AppError;
use crate::storage::WriteTx;

/// PostgreSQL's stemming languages by ISO 639-1 code; each has a
/// `masthead_<language>` text search configuration (see the migration).
const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "arabic"),
    ("hy", "armenian"),
    ("eu", "basque"),
    ("ca", "catalan"),
    ("da", "danish"),
    ("nl", "dutch"),
    ("en", "english"),
    ("fi", "finnish"),
    ("fr", "french"),
    ("de", "german"),
    ("el", "greek"),
    ("hi", "hindi"),
    ("hu", "hungarian"),
    ("id", "indonesian"),
    ("ga", "irish"),
    ("it", "italian"),
    ("lt", "lithuanian"),
    ("ne", "nepali"),
    ("no", "norwegian"),
    ("nb", "norwegian"),
    ("nn", "norwegian"),
    ("pt", "portuguese"),
    ("ro", "romanian"),
    ("ru", "russian"),
    ("sr", "serbian"),
    ("es", "spanish"),
    ("sv", "swedish"),
    ("ta", "tamil"),
    ("tr", "turkish"),
    ("yi", "yiddish"),
];

/// The text search configuration for a locale's language (`fr-CA` →
/// `masthead_french`), or the simple one (no stemming) for a language
/// PostgreSQL cannot stem.
pub fn config_for(locale: &str) -> String {
    let language = locale.split(['-', '_']).next().unwrap_or("");
    LANGUAGES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(language))
        .map_or_else(
            || "masthead_simple".to_owned(),
            |(_, name)| format!("masthead_{name}"),
        )
}

/// The text of one document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Document {
    pub title: String,
    pub subtitle: String,
    pub excerpt: String,
    pub body: String,
    pub authors: String,
    pub tags: String,
}

/// Whether a write keeps SQLite's FTS5 index in step itself, or leaves it
/// to its caller, which does it for a whole batch of records (a rebuild).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fts {
    Now,
    Later,
}

/// Writes the document of `id` (of `copy`), replacing the one there. On
/// SQLite `own` is the document's number if it is new (one that exists
/// keeps its own).
async fn put(
    tx: &WriteTx,
    (entity, id, copy): (EntityKind, Uuid, ArticleCopy),
    (locale, hidden): (&str, bool),
    (doc, own): (Document, i64),
    now: Fts,
) -> Result<(), AppError> {
    let conn = &**tx;
    let write = async || {
        if conn.get_database_backend() == DatabaseBackend::Sqlite {
            upsert_sqlite(conn, (entity, id, copy), (locale, hidden), (doc, own)).await
        } else {
            upsert(conn, (entity, id, copy), (locale, hidden), doc).await
        }
    };
    match now {
        Fts::Now => rewrite(tx, (id, Some(copy)), write).await,
        Fts::Later => write().await,
    }
}

/// PostgreSQL: writes a document (its id is the database's own).
async fn upsert<C: ConnectionTrait>(
    conn: &C,
    (entity, id, copy): (EntityKind, Uuid, ArticleCopy),
    (locale, hidden): (&str, bool),
    doc: Document,
) -> Result<(), AppError> {
    let row = search_document::ActiveModel {
        id: ActiveValue::NotSet,
        entity: ActiveValue::Set(entity),
        entity_id: ActiveValue::Set(id),
        copy: ActiveValue::Set(copy),
        locale: ActiveValue::Set(locale.to_owned()),
        config: ActiveValue::Set(config_for(locale)),
        hidden: ActiveValue::Set(hidden),
        title: ActiveValue::Set(doc.title),
        subtitle: ActiveValue::Set(doc.subtitle),
        excerpt: ActiveValue::Set(doc.excerpt),
        body: ActiveValue::Set(doc.body),
        authors: ActiveValue::Set(doc.authors),
        tags: ActiveValue::Set(doc.tags),
    };
    let on_conflict = OnConflict::columns([Column::EntityId, Column::Copy])
        .update_columns([Column::Locale, Column::Config, Column::Hidden])
        .update_columns(TEXT)
        .to_owned();
    search_document::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The names of the authors and tags linked to some copies of articles, in
/// order, joined by spaces: two statements for any number of articles.
async fn names_of<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
    copy: ArticleCopy,
) -> Result<HashMap<Uuid, (String, String)>, AppError> {
    let mut names: HashMap<Uuid, (String, String)> = HashMap::new();
    let mut add = |id: Uuid, name: &str, slot: fn(&mut (String, String)) -> &mut String| {
        let text = slot(names.entry(id).or_default());
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(name);
    };
    let authors: Vec<(Uuid, String)> = article_author::Entity::find()
        .select_only()
        .column(article_author::Column::ArticleId)
        .column_as(author::Column::Name, "name")
        .inner_join(author::Entity)
        .filter(article_author::Column::ArticleId.is_in(ids.to_vec()))
        .filter(article_author::Column::Copy.eq(copy))
        .order_by_asc(article_author::Column::ArticleId)
        .order_by_asc(article_author::Column::Position)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, name) in &authors {
        add(*id, name, |pair| &mut pair.0);
    }
    let tags: Vec<(Uuid, String)> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::ArticleId)
        .column_as(tag::Column::Name, "name")
        .inner_join(tag::Entity)
        .filter(article_tag::Column::ArticleId.is_in(ids.to_vec()))
        .filter(article_tag::Column::Copy.eq(copy))
        .order_by_asc(article_tag::Column::ArticleId)
        .order_by_asc(article_tag::Column::Position)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, name) in &tags {
        add(*id, name, |pair| &mut pair.1);
    }
    Ok(names)
}

/// The document of an article row, with the names of its links.
fn article_document(row: &article::Model, names: Option<&(String, String)>) -> Document {
    let (authors, tags) = names.cloned().unwrap_or_default();
    Document {
        title: row.title.clone(),
        subtitle: row.subtitle.clone().unwrap_or_default(),
        excerpt: row.excerpt.clone().unwrap_or_default(),
        body: text::to_text(&row.body),
        authors,
        tags,
    }
}

/// Indexes rows of one copy of articles (their links already written).
pub(crate) async fn articles(
    tx: &WriteTx,
    rows: &[article::Model],
    copy: ArticleCopy,
    now: Fts,
) -> Result<(), AppError> {
    let conn = &**tx;
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let names = names_of(conn, &ids, copy).await?;
    let mut own =
        first_number(conn, rows.iter().map(|row| row.locale.as_str()), rows.len()).await?;
    for row in rows {
        let doc = article_document(row, names.get(&row.id));
        let key = (EntityKind::Article, row.id, copy);
        put(
            tx,
            key,
            (&row.locale, row.deleted_at.is_some()),
            (doc, own),
            now,
        )
        .await?;
        own += 1;
    }
    Ok(())
}

/// Indexes one copy of an article (its links already written).
pub(crate) async fn article(
    tx: &WriteTx,
    row: &article::Model,
    copy: ArticleCopy,
) -> Result<(), AppError> {
    articles(tx, std::slice::from_ref(row), copy, Fts::Now).await
}

/// Whether two rows of an article copy differ in what its document holds
/// besides the names of its links (an edit of anything else leaves the
/// document and the index as they are).
pub(crate) fn text_differs(before: &article::Model, after: &article::Model) -> bool {
    before.title != after.title
        || before.subtitle != after.subtitle
        || before.excerpt != after.excerpt
        || before.body != after.body
        || before.locale != after.locale
}

/// Writes the text of an article copy whose links did not change (its
/// names stay as they are): one statement, or the whole document when it
/// has none yet.
pub(crate) async fn article_text(
    tx: &WriteTx,
    row: &article::Model,
    copy: ArticleCopy,
) -> Result<(), AppError> {
    let conn = &**tx;
    let doc = article_document(row, None);
    let mut update = search_document::Entity::update_many()
        .col_expr(Column::Locale, row.locale.clone().into())
        .col_expr(Column::Config, config_for(&row.locale).into())
        .col_expr(Column::Title, doc.title.into())
        .col_expr(Column::Subtitle, doc.subtitle.into())
        .col_expr(Column::Excerpt, doc.excerpt.into())
        .col_expr(Column::Body, doc.body.into())
        .filter(Column::EntityId.eq(row.id))
        .filter(Column::Copy.eq(copy));
    if conn.get_database_backend() == DatabaseBackend::Sqlite {
        // The locale is in the document's number.
        numbers(conn, &[row.locale.as_str()], 0).await?;
        let mut bits = Sql::new(DatabaseBackend::Sqlite);
        bits.push(&format!(
            "(id & ~({} << {})) | ",
            0xFFFF,
            numbering::SEQUENCE_BITS
        ));
        numbering::locale_bits(&mut bits, &row.locale);
        let (text, values) = bits.into_parts();
        update = update.col_expr(Column::Id, Expr::cust_with_values(text, values));
    }
    let written = rewrite(tx, (row.id, Some(copy)), async || {
        Ok(update.exec(conn).await?.rows_affected)
    })
    .await?;
    if written == 0 {
        return article(tx, row, copy).await;
    }
    Ok(())
}

/// Hides a soft-deleted article's working copy from search, or shows it
/// again (on SQLite, moving its document to the part it now belongs to).
pub(crate) async fn hide_article(tx: &WriteTx, id: Uuid, hidden: bool) -> Result<(), AppError> {
    let conn = &**tx;
    let mut update = search_document::Entity::update_many()
        .col_expr(Column::Hidden, hidden.into())
        .filter(Column::EntityId.eq(id))
        .filter(Column::Copy.eq(ArticleCopy::Working));
    if conn.get_database_backend() == DatabaseBackend::Sqlite {
        let part = numbering::part(EntityKind::Article, ArticleCopy::Working, hidden);
        update = update.col_expr(
            Column::Id,
            Expr::cust(format!(
                "(id & {}) | ({part} << {})",
                (1_i64 << numbering::PART_SHIFT) - 1,
                numbering::PART_SHIFT
            )),
        );
    }
    let docs = (id, Some(ArticleCopy::Working));
    rewrite(tx, docs, async || Ok(update.exec(conn).await?)).await?;
    Ok(())
}

/// Removes the document of one copy of a record, or of every copy.
pub(crate) async fn remove(
    tx: &WriteTx,
    id: Uuid,
    copy: Option<ArticleCopy>,
) -> Result<(), AppError> {
    let conn = &**tx;
    let mut delete = search_document::Entity::delete_many().filter(Column::EntityId.eq(id));
    if let Some(copy) = copy {
        delete = delete.filter(Column::Copy.eq(copy));
    }
    rewrite(tx, (id, copy), async || Ok(delete.exec(conn).await?)).await?;
    Ok(())
}

/// Indexes an author or a tag: its name, and its bio or description. A new
/// name is written into the documents of the articles that show it.
pub(crate) async fn catalog(
    tx: &WriteTx,
    (entity, id): (EntityKind, Uuid),
    name: &str,
    about: Option<&str>,
    now: Fts,
) -> Result<(), AppError> {
    let conn = &**tx;
    let before: Option<String> = search_document::Entity::find()
        .select_only()
        .column(Column::Title)
        .filter(Column::EntityId.eq(id))
        .filter(Column::Copy.eq(ArticleCopy::Live))
        .into_tuple()
        .one(conn)
        .await?;
    let doc = Document {
        title: name.to_owned(),
        body: about.unwrap_or_default().to_owned(),
        ..Document::default()
    };
    // Authors and tags have no locale.
    let own = first_number(conn, [""].into_iter(), 1).await?;
    put(
        tx,
        (entity, id, ArticleCopy::Live),
        ("", false),
        (doc, own),
        now,
    )
    .await?;
    if now == Fts::Now && before.is_some_and(|before| before != name) {
        renamed(tx, entity, id).await?;
    }
    Ok(())
}

/// Writes the author or tag names of every article copy linked to `id`
/// again, after it was renamed.
pub(crate) async fn renamed(tx: &WriteTx, entity: EntityKind, id: Uuid) -> Result<(), AppError> {
    let conn = &**tx;
    let linked: Vec<(Uuid, ArticleCopy)> = if entity == EntityKind::Author {
        article_author::Entity::find()
            .select_only()
            .columns([
                article_author::Column::ArticleId,
                article_author::Column::Copy,
            ])
            .filter(article_author::Column::AuthorId.eq(id))
            .into_tuple()
            .all(conn)
            .await?
    } else {
        article_tag::Entity::find()
            .select_only()
            .columns([article_tag::Column::ArticleId, article_tag::Column::Copy])
            .filter(article_tag::Column::TagId.eq(id))
            .into_tuple()
            .all(conn)
            .await?
    };
    for copy in [ArticleCopy::Working, ArticleCopy::Live] {
        let ids: Vec<Uuid> = linked
            .iter()
            .filter(|(_, c)| *c == copy)
            .map(|(article, _)| *article)
            .collect();
        for chunk in ids.chunks(500) {
            let names = names_of(conn, chunk, copy).await?;
            for article in chunk {
                let (authors, tags) = names.get(article).cloned().unwrap_or_default();
                let (column, value) = if entity == EntityKind::Author {
                    (Column::Authors, authors)
                } else {
                    (Column::Tags, tags)
                };
                let update = search_document::Entity::update_many()
                    .col_expr(column, value.into())
                    .filter(Column::EntityId.eq(*article))
                    .filter(Column::Copy.eq(copy));
                rewrite(tx, (*article, Some(copy)), async || {
                    Ok(update.exec(conn).await?)
                })
                .await?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::config_for;

    #[test]
    fn a_locale_picks_its_language_configuration() {
        assert_eq!(config_for("fr"), "masthead_french");
        assert_eq!(config_for("fr-CA"), "masthead_french");
        assert_eq!(config_for("EN-gb"), "masthead_english");
        assert_eq!(config_for("nb-NO"), "masthead_norwegian");
        assert_eq!(config_for("ja"), "masthead_simple");
        assert_eq!(config_for(""), "masthead_simple");
    }
}
