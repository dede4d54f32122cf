//! Translations: an article may belong to a translation group (the id of
//! the group's first article), shared by both of its copies; authors and
//! tags get their names (and authors their bios) per locale, as JSON
//! objects kept as sent (`{"fr": "…", "en": "…"}`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Articles {
    Table,
    TranslationGroup,
}

#[derive(DeriveIden)]
enum Authors {
    Table,
    Names,
    Bios,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Names,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .add_column(uuid_null(Articles::TranslationGroup))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("articles_translation_group")
                    .table(Articles::Table)
                    .col(Articles::TranslationGroup)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        for column in [Authors::Names, Authors::Bios] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Authors::Table)
                        .add_column(text_null(column))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .add_column(text_null(Tags::Names))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("articles_translation_group").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Articles::Table)
                    .drop_column(Articles::TranslationGroup)
                    .to_owned(),
            )
            .await?;
        for column in [Authors::Names, Authors::Bios] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Authors::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Tags::Table)
                    .drop_column(Tags::Names)
                    .to_owned(),
            )
            .await
    }
}
