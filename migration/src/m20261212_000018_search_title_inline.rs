//! PostgreSQL: `title_vector` stays in its row. With the row's target of
//! 256 bytes (migration 17), PostgreSQL also moved the title's words out of
//! the row, into the TOAST table, whenever the short fields left the row
//! too long, and a search read them there for every match (at 100,000
//! articles, about 3 pages per match of a common word). `STORAGE MAIN`
//! keeps them in the row, compressed if need be, and every document's
//! title words are written again so that they move back. SQLite is
//! unchanged.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        for statement in [
            "ALTER TABLE search_documents ALTER COLUMN title_vector SET STORAGE MAIN",
            // Only the title's words are written (the trigger would make
            // every document again), as migration 17 made them.
            "ALTER TABLE search_documents DISABLE TRIGGER search_documents_vector",
            "UPDATE search_documents \
             SET title_vector = setweight(to_tsvector(config::regconfig, title), 'A')",
            "ALTER TABLE search_documents ENABLE TRIGGER search_documents_vector",
        ] {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "ALTER TABLE search_documents ALTER COLUMN title_vector SET STORAGE EXTENDED",
            )
            .await?;
        Ok(())
    }
}
