//! The article links carry what a tag's or an author's page sorts and
//! filters on, so that such a page is read from the link table's index
//! alone, at any offset, instead of sorting every article of the tag:
//!
//! - `article_tags` and `article_authors` gain `published_at` and
//!   `deleted_at`, copies of the linked article copy's columns;
//! - an index `(tag_id | author_id, copy, published_at, article_id)`
//!   replaces `(tag_id | author_id, copy, article_id)`, which it covers;
//! - triggers keep the copies true whatever writes the rows: a new link
//!   takes the article copy's values, and an article copy whose
//!   `published_at` or `deleted_at` changes passes them to its links.
//!
//! Existing links are filled in from their articles.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A link table: its name, the column naming the other side, and the names
/// of its old and new indexes.
struct Link {
    table: &'static str,
    other: &'static str,
    old_index: &'static str,
    new_index: &'static str,
}

const LINKS: [Link; 2] = [
    Link {
        table: "article_tags",
        other: "tag_id",
        old_index: "idx_article_tags_tag",
        new_index: "idx_article_tags_tag_published",
    },
    Link {
        table: "article_authors",
        other: "author_id",
        old_index: "idx_article_authors_author",
        new_index: "idx_article_authors_author_published",
    },
];

const COPIED: [&str; 2] = ["published_at", "deleted_at"];

/// SQLite: a new link reads its article copy's values; an article copy
/// whose values change writes them to its links.
fn sqlite_triggers(link: &Link) -> [String; 2] {
    let table = link.table;
    [
        format!(
            "CREATE TRIGGER {table}_sort_keys AFTER INSERT ON {table} BEGIN \
             UPDATE {table} SET \
             published_at = (SELECT published_at FROM articles WHERE id = NEW.article_id AND copy = NEW.copy), \
             deleted_at = (SELECT deleted_at FROM articles WHERE id = NEW.article_id AND copy = NEW.copy) \
             WHERE rowid = NEW.rowid; END"
        ),
        format!(
            "CREATE TRIGGER articles_{table}_sort_keys AFTER UPDATE OF published_at, deleted_at ON articles \
             WHEN OLD.published_at IS NOT NEW.published_at OR OLD.deleted_at IS NOT NEW.deleted_at BEGIN \
             UPDATE {table} SET published_at = NEW.published_at, deleted_at = NEW.deleted_at \
             WHERE article_id = NEW.id AND copy = NEW.copy; END"
        ),
    ]
}

/// PostgreSQL: the same with trigger functions (a new link is filled in
/// before it is written).
fn postgres_triggers(link: &Link) -> [String; 4] {
    let table = link.table;
    [
        format!(
            "CREATE FUNCTION {table}_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             SELECT published_at, deleted_at INTO NEW.published_at, NEW.deleted_at \
             FROM articles WHERE id = NEW.article_id AND copy = NEW.copy; \
             RETURN NEW; END $$"
        ),
        format!(
            "CREATE TRIGGER {table}_sort_keys BEFORE INSERT ON {table} \
             FOR EACH ROW EXECUTE FUNCTION {table}_sort_keys()"
        ),
        format!(
            "CREATE FUNCTION articles_{table}_sort_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             UPDATE {table} SET published_at = NEW.published_at, deleted_at = NEW.deleted_at \
             WHERE article_id = NEW.id AND copy = NEW.copy; \
             RETURN NULL; END $$"
        ),
        format!(
            "CREATE TRIGGER articles_{table}_sort_keys AFTER UPDATE OF published_at, deleted_at ON articles \
             FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at \
             OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) \
             EXECUTE FUNCTION articles_{table}_sort_keys()"
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        for link in &LINKS {
            for column in COPIED {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(link.table))
                            .add_column(timestamp_with_time_zone_null(Alias::new(column)))
                            .to_owned(),
                    )
                    .await?;
            }
            conn.execute_unprepared(&format!(
                "UPDATE {table} SET \
                 published_at = (SELECT a.published_at FROM articles a \
                 WHERE a.id = {table}.article_id AND a.copy = {table}.copy), \
                 deleted_at = (SELECT a.deleted_at FROM articles a \
                 WHERE a.id = {table}.article_id AND a.copy = {table}.copy)",
                table = link.table
            ))
            .await?;
            manager
                .drop_index(
                    Index::drop()
                        .name(link.old_index)
                        .table(Alias::new(link.table))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(link.new_index)
                        .table(Alias::new(link.table))
                        .col(Alias::new(link.other))
                        .col(Alias::new("copy"))
                        .col(Alias::new("published_at"))
                        .col(Alias::new("article_id"))
                        .to_owned(),
                )
                .await?;
            let triggers: Vec<String> = match backend {
                DatabaseBackend::Postgres => postgres_triggers(link).into(),
                _ => sqlite_triggers(link).into(),
            };
            for statement in triggers {
                conn.execute_unprepared(&statement).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for link in &LINKS {
            let table = link.table;
            for trigger in [
                format!("{table}_sort_keys"),
                format!("articles_{table}_sort_keys"),
            ] {
                let on = if trigger.starts_with("articles_") {
                    "articles"
                } else {
                    table
                };
                if postgres {
                    conn.execute_unprepared(&format!("DROP TRIGGER {trigger} ON {on}"))
                        .await?;
                    conn.execute_unprepared(&format!("DROP FUNCTION {trigger}()"))
                        .await?;
                } else {
                    conn.execute_unprepared(&format!("DROP TRIGGER {trigger}"))
                        .await?;
                }
            }
            manager
                .drop_index(
                    Index::drop()
                        .name(link.new_index)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(link.old_index)
                        .table(Alias::new(table))
                        .col(Alias::new(link.other))
                        .col(Alias::new("copy"))
                        .col(Alias::new("article_id"))
                        .to_owned(),
                )
                .await?;
            for column in COPIED {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new(column))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
