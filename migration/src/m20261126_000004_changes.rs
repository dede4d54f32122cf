//! `changes`: one row per content change, in the transaction of the change.
//! Its growing sequence tells every process whether content changed since a
//! moment (response caches), and is the start of the change feed.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    Entity,
    EntityId,
    Action,
    Version,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Changes::Table)
                    .col(big_pk_auto(Changes::Seq))
                    .col(string_len(Changes::Entity, 16))
                    .col(uuid(Changes::EntityId))
                    .col(string_len(Changes::Action, 32))
                    .col(integer(Changes::Version))
                    .col(timestamp_with_time_zone(Changes::At))
                    .to_owned(),
            )
            .await?;
        // PostgreSQL reads a b-tree backwards as DESC NULLS FIRST; the public
        // list is sorted DESC NULLS LAST, so it gets an index in that order.
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE INDEX idx_articles_published_at_desc ON articles (copy, published_at DESC NULLS LAST, id DESC)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP INDEX IF EXISTS idx_articles_published_at_desc")
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Changes::Table).to_owned())
            .await?;
        Ok(())
    }
}
