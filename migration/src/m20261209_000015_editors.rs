//! Editors' tools: former slugs that redirect, one autosave per article
//! and user, preview links (their tokens stored hashed), and the audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, pk_uuid, string, string_len, string_len_null, text, text_null,
    timestamp_with_time_zone, timestamp_with_time_zone_null, uuid, uuid_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SlugRedirects {
    Table,
    Entity,
    Scope,
    Slug,
    TargetId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Autosaves {
    Table,
    ArticleId,
    UserId,
    BaseVersion,
    Snapshot,
    SavedAt,
}

#[derive(DeriveIden)]
enum PreviewLinks {
    Table,
    Id,
    ArticleId,
    TokenHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Kind,
    ActorUser,
    ActorKey,
    Subject,
    TargetKind,
    TargetId,
    Ip,
    UserAgent,
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlugRedirects::Table)
                    .col(string_len(SlugRedirects::Entity, 16))
                    // The locale for articles (slugs are unique per locale), '' otherwise.
                    .col(string_len(SlugRedirects::Scope, 35))
                    .col(string(SlugRedirects::Slug))
                    .col(uuid(SlugRedirects::TargetId))
                    .col(timestamp_with_time_zone(SlugRedirects::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(SlugRedirects::Entity)
                            .col(SlugRedirects::Slug)
                            .col(SlugRedirects::Scope),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_slug_redirects_target")
                    .table(SlugRedirects::Table)
                    .col(SlugRedirects::TargetId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Autosaves::Table)
                    .col(uuid(Autosaves::ArticleId))
                    .col(uuid(Autosaves::UserId))
                    .col(integer(Autosaves::BaseVersion))
                    .col(text(Autosaves::Snapshot))
                    .col(timestamp_with_time_zone(Autosaves::SavedAt))
                    .primary_key(
                        Index::create()
                            .col(Autosaves::ArticleId)
                            .col(Autosaves::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PreviewLinks::Table)
                    .col(pk_uuid(PreviewLinks::Id))
                    .col(uuid(PreviewLinks::ArticleId))
                    .col(string_len(PreviewLinks::TokenHash, 64).unique_key())
                    .col(uuid_null(PreviewLinks::CreatedBy))
                    .col(timestamp_with_time_zone(PreviewLinks::CreatedAt))
                    .col(timestamp_with_time_zone(PreviewLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PreviewLinks::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_preview_links_article")
                    .table(PreviewLinks::Table)
                    .col(PreviewLinks::ArticleId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(pk_uuid(AuditEvents::Id))
                    .col(timestamp_with_time_zone(AuditEvents::At))
                    .col(string_len(AuditEvents::Kind, 48))
                    .col(uuid_null(AuditEvents::ActorUser))
                    .col(uuid_null(AuditEvents::ActorKey))
                    .col(string_len_null(AuditEvents::Subject, 320))
                    .col(string_len_null(AuditEvents::TargetKind, 16))
                    .col(uuid_null(AuditEvents::TargetId))
                    .col(string_len_null(AuditEvents::Ip, 64))
                    .col(string_len_null(AuditEvents::UserAgent, 512))
                    .col(text_null(AuditEvents::Detail))
                    .to_owned(),
            )
            .await?;
        // Reads go newest first, by time alone or for one actor or one kind.
        for (name, columns) in [
            ("ix_audit_events_at", vec![AuditEvents::At, AuditEvents::Id]),
            (
                "ix_audit_events_actor",
                vec![AuditEvents::ActorUser, AuditEvents::At],
            ),
            (
                "ix_audit_events_kind",
                vec![AuditEvents::Kind, AuditEvents::At],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEvents::Table);
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            PreviewLinks::Table.into_iden(),
            Autosaves::Table.into_iden(),
            SlugRedirects::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
