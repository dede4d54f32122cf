//! Articles remember where they were imported from: the system (`ghost`,
//! `wordpress`), the record's id there, and its address there. An import
//! run again finds the articles it made by them; a site moving its old
//! addresses finds them by the URL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Articles {
    Table,
    Copy,
    SourceSystem,
    SourceId,
    SourceUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Articles::SourceSystem,
            Articles::SourceId,
            Articles::SourceUrl,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_articles_source")
                    .table(Articles::Table)
                    .col(Articles::SourceSystem)
                    .col(Articles::SourceId)
                    .col(Articles::Copy)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_articles_source")
                    .table(Articles::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Articles::SourceUrl,
            Articles::SourceId,
            Articles::SourceSystem,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
