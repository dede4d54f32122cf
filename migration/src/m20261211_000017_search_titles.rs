//! PostgreSQL: a search reads every match's row, so the rows are made
//! small, and its title matches are ranked without their whole documents:
//!
//! - each document's title words get a tsvector of their own,
//!   `title_vector`, made by the trigger beside `document` (the same words
//!   as `document`'s weight-A part, with the same positions); a search
//!   ranks its title matches on these few words, as SQLite ranks them in
//!   `search_titles`;
//! - `toast_tuple_target = 256` moves a long body (and the document) out
//!   of the row, where PostgreSQL left about 1.8 KB of compressed text in
//!   it: at 100,000 articles the table's own pages shrink from about 330
//!   to 44 MB, so the thousands of rows of a common word are read from a
//!   few thousand pages that stay in memory. Only the highlights of a page
//!   read bodies.
//!
//! Every document is written again here (without its trigger, which would
//! make every `document` again) to fill the column and move its text.
//! SQLite is unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The trigger's function: as migration 8 made it, plus `title_vector`.
fn vector_function(with_title: bool) -> String {
    let title = if with_title {
        "NEW.title_vector := setweight(to_tsvector(cfg, NEW.title), 'A');"
    } else {
        ""
    };
    format!(
        "CREATE OR REPLACE FUNCTION search_documents_vector() RETURNS trigger LANGUAGE plpgsql AS $$
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
            {title}
            RETURN NEW;
        END $$"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for statement in [
            "ALTER TABLE search_documents ADD COLUMN title_vector tsvector NOT NULL DEFAULT ''"
                .to_owned(),
            "ALTER TABLE search_documents SET (toast_tuple_target = 256)".to_owned(),
            vector_function(true),
            // `config` names an existing configuration (the trigger saw to it).
            "ALTER TABLE search_documents DISABLE TRIGGER search_documents_vector".to_owned(),
            "UPDATE search_documents \
             SET title_vector = setweight(to_tsvector(config::regconfig, title), 'A')"
                .to_owned(),
            "ALTER TABLE search_documents ENABLE TRIGGER search_documents_vector".to_owned(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for statement in [
            vector_function(false),
            "ALTER TABLE search_documents DROP COLUMN title_vector".to_owned(),
            "ALTER TABLE search_documents RESET (toast_tuple_target)".to_owned(),
        ] {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
