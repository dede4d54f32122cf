//! The search index. `search_documents` holds, for each copy of an article
//! and for each author and tag, the text that search matches (the body as
//! plain text, the names of the article's authors and tags), kept by the
//! application in the transaction of every write. Each database indexes it
//! its own way:
//!
//! - SQLite: `search_fts`, an FTS5 table over `search_documents` (external
//!   content, so the text is stored once), folding case and diacritics
//!   (`unicode61 remove_diacritics 2`), with prefix indexes. The
//!   application keeps it in step with every change of the documents (see
//!   `content::search::index`): FTS5 flushes its pending words at every
//!   statement savepoint, which triggers would open on each statement.
//! - PostgreSQL: a `document` tsvector made by a trigger from the weighted
//!   fields (title A, subtitle and excerpt B, body C, names D) with the text
//!   search configuration named in `config`, under a GIN index; the trigger
//!   notes each configuration in use in `search_configs`, so a query is read
//!   once with each (and matched against the documents of that one). A
//!   tsvector holds at most 1 MiB of words and positions up to 16,383, so
//!   the body's first 200,000 characters are indexed (a 1 MiB body of
//!   unusual words could not be otherwise); SQLite indexes all of it. The
//!   `masthead_*` configurations copy PostgreSQL's own per language and pass
//!   every word through `unaccent` first, so queries and highlights ignore
//!   accents too.
//!
//! `search_meta` records the version of the index's contents; a server that
//! finds another version rebuilds the index before serving.

use sea_orm_migration::sea_orm::DatabaseBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchDocuments {
    Table,
    Id,
    Entity,
    EntityId,
    Copy,
    Locale,
    Config,
    Hidden,
    Title,
    Subtitle,
    Excerpt,
    Body,
    Authors,
    Tags,
}

#[derive(DeriveIden)]
enum SearchMeta {
    Table,
    Id,
    Version,
    BuiltAt,
}

/// PostgreSQL's languages with a Snowball stemmer; each gets a
/// `masthead_<language>` configuration when the server has it.
const LANGUAGES: &str = "'arabic','armenian','basque','catalan','danish','dutch','english',\
'finnish','french','german','greek','hindi','hungarian','indonesian','irish','italian',\
'lithuanian','nepali','norwegian','portuguese','romanian','russian','serbian','spanish',\
'swedish','tamil','turkish','yiddish'";

const SQLITE_INDEX: &[&str] = &["CREATE VIRTUAL TABLE search_fts USING fts5(
        title, subtitle, excerpt, body, authors, tags,
        content = 'search_documents', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')"];

fn postgres_index() -> Vec<String> {
    vec![
        "CREATE EXTENSION IF NOT EXISTS unaccent".to_owned(),
        "DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'masthead_simple') THEN
                CREATE TEXT SEARCH CONFIGURATION masthead_simple (COPY = pg_catalog.simple);
                ALTER TEXT SEARCH CONFIGURATION masthead_simple
                    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
            END IF;
        END $$"
            .to_owned(),
        format!(
            "DO $$ DECLARE language text; BEGIN
                FOREACH language IN ARRAY ARRAY[{LANGUAGES}] LOOP
                    IF EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = language)
                        AND NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'masthead_' || language) THEN
                        EXECUTE format('CREATE TEXT SEARCH CONFIGURATION %I (COPY = pg_catalog.%I)',
                            'masthead_' || language, language);
                        EXECUTE format('ALTER TEXT SEARCH CONFIGURATION %I
                            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, %I',
                            'masthead_' || language, language || '_stem');
                    END IF;
                END LOOP;
            END $$"
        ),
        "ALTER TABLE search_documents ADD COLUMN document tsvector NOT NULL DEFAULT ''".to_owned(),
        // The configurations documents use: a query is read once with each.
        "CREATE TABLE search_configs (config varchar(64) PRIMARY KEY)".to_owned(),
        // The configuration a document names, or the simple one when this
        // server has no such configuration.
        "CREATE FUNCTION search_documents_vector() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE cfg regconfig;
        BEGIN
            SELECT oid::regconfig INTO cfg FROM pg_ts_config WHERE cfgname = NEW.config;
            IF cfg IS NULL THEN
                cfg := 'masthead_simple'::regconfig;
                NEW.config := 'masthead_simple';
            END IF;
            INSERT INTO search_configs (config) VALUES (NEW.config) ON CONFLICT DO NOTHING;
            NEW.document :=
                setweight(to_tsvector(cfg, NEW.title), 'A') ||
                setweight(to_tsvector(cfg, NEW.subtitle || ' ' || NEW.excerpt), 'B') ||
                setweight(to_tsvector(cfg, left(NEW.body, 200000)), 'C') ||
                setweight(to_tsvector(cfg, NEW.authors || ' ' || NEW.tags), 'D');
            RETURN NEW;
        END $$"
            .to_owned(),
        "CREATE TRIGGER search_documents_vector BEFORE INSERT OR UPDATE ON search_documents
            FOR EACH ROW EXECUTE FUNCTION search_documents_vector()"
            .to_owned(),
        "CREATE INDEX search_documents_document ON search_documents USING GIN (document)"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchDocuments::Table)
                    .col(big_pk_auto(SearchDocuments::Id))
                    .col(string_len(SearchDocuments::Entity, 16))
                    .col(uuid(SearchDocuments::EntityId))
                    .col(string_len(SearchDocuments::Copy, 16))
                    .col(string_len(SearchDocuments::Locale, 64))
                    .col(string_len(SearchDocuments::Config, 64))
                    .col(boolean(SearchDocuments::Hidden).default(false))
                    .col(text(SearchDocuments::Title))
                    .col(text(SearchDocuments::Subtitle))
                    .col(text(SearchDocuments::Excerpt))
                    .col(text(SearchDocuments::Body))
                    .col(text(SearchDocuments::Authors))
                    .col(text(SearchDocuments::Tags))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("search_documents_entity")
                    .table(SearchDocuments::Table)
                    .col(SearchDocuments::EntityId)
                    .col(SearchDocuments::Copy)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SearchMeta::Table)
                    .col(integer(SearchMeta::Id).primary_key())
                    .col(integer(SearchMeta::Version))
                    .col(timestamp_with_time_zone(SearchMeta::BuiltAt))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for statement in postgres_index() {
                    db.execute_unprepared(&statement).await?;
                }
            }
            _ => {
                for statement in SQLITE_INDEX {
                    db.execute_unprepared(statement).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP TABLE search_documents").await?;
                db.execute_unprepared("DROP TABLE search_configs").await?;
                db.execute_unprepared("DROP FUNCTION search_documents_vector()")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE search_fts").await?;
                db.execute_unprepared("DROP TABLE search_documents").await?;
            }
        }
        manager
            .drop_table(Table::drop().table(SearchMeta::Table).to_owned())
            .await
    }
}
