//! Revisions (immutable snapshots of every write) and workflow transitions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Id,
    Entity,
    EntityId,
    Version,
    Snapshot,
    Message,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum Transitions {
    Table,
    Id,
    ArticleId,
    Action,
    FromState,
    ToState,
    Version,
    Comment,
    CreatedAt,
    CreatedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .col(pk_uuid(Revisions::Id))
                    .col(string_len(Revisions::Entity, 16))
                    .col(uuid(Revisions::EntityId))
                    .col(integer(Revisions::Version))
                    .col(text(Revisions::Snapshot))
                    .col(text_null(Revisions::Message))
                    .col(timestamp_with_time_zone(Revisions::CreatedAt))
                    .col(uuid_null(Revisions::CreatedBy))
                    .to_owned(),
            )
            .await?;
        // One version number per entity, ever: the database refuses a second one.
        manager
            .create_index(
                Index::create()
                    .name("uq_revisions_entity_version")
                    .table(Revisions::Table)
                    .col(Revisions::Entity)
                    .col(Revisions::EntityId)
                    .col(Revisions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Transitions::Table)
                    .col(pk_uuid(Transitions::Id))
                    .col(uuid(Transitions::ArticleId))
                    .col(string_len(Transitions::Action, 32))
                    .col(string_len(Transitions::FromState, 16))
                    .col(string_len(Transitions::ToState, 16))
                    .col(integer(Transitions::Version))
                    .col(text_null(Transitions::Comment))
                    .col(timestamp_with_time_zone(Transitions::CreatedAt))
                    .col(uuid_null(Transitions::CreatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_transitions_article")
                    .table(Transitions::Table)
                    .col(Transitions::ArticleId)
                    .col(Transitions::Id)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Transitions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Revisions::Table).to_owned())
            .await?;
        Ok(())
    }
}
