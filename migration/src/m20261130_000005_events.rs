//! The change log becomes the event log of the change feed: each row is one
//! event per logical action, with its type (`verb`), the locale of the
//! content (and the one it left, when it changed), who acted, and whether the public can see the change (the
//! public answer cache moves only on those). `feed_marks` keeps how far the
//! log has been pruned, so a consumer behind that point is told to resync.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Changes {
    Table,
    Seq,
    Verb,
    Locale,
    PreviousLocale,
    Actor,
    Public,
}

#[derive(DeriveIden)]
enum FeedMarks {
    Table,
    Name,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            string_len(Changes::Verb, 16).default("updated").to_owned(),
            string_len_null(Changes::Locale, 35),
            string_len_null(Changes::PreviousLocale, 35),
            uuid_null(Changes::Actor),
            boolean(Changes::Public).default(true).to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Rows written before the feed get the type their action stands for.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE changes SET verb = CASE action \
                 WHEN 'create' THEN 'created' WHEN 'import' THEN 'created' \
                 WHEN 'delete' THEN 'deleted' WHEN 'purge' THEN 'purged' \
                 WHEN 'restore' THEN 'restored' WHEN 'publish' THEN 'published' \
                 WHEN 'schedule' THEN 'scheduled' WHEN 'unpublish' THEN 'unpublished' \
                 WHEN 'archive' THEN 'archived' ELSE 'updated' END",
            )
            .await?;
        // The public generation is the last public event.
        manager
            .create_index(
                Index::create()
                    .name("idx_changes_public_seq")
                    .table(Changes::Table)
                    .col(Changes::Public)
                    .col(Changes::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FeedMarks::Table)
                    .col(string_len(FeedMarks::Name, 32).primary_key())
                    .col(big_integer(FeedMarks::Seq))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("INSERT INTO feed_marks (name, seq) VALUES ('pruned', 0)")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedMarks::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_changes_public_seq")
                    .table(Changes::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Changes::Public,
            Changes::Actor,
            Changes::Locale,
            Changes::Verb,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Changes::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
