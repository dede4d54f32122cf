//! Authors, tags, articles and the ordered article–author / article–tag links.
//!
//! An article has up to two rows, told apart by `copy`: the `working` copy
//! that editors change, and the `live` copy readers see, made by publishing.
//! Their links carry the same `copy`, so the live copy keeps the authors and
//! tags it was published with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Authors {
    Table,
    Id,
    Slug,
    Name,
    Bio,
    Email,
    AvatarUrl,
    Website,
    Social,
    Version,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Tags {
    Table,
    Id,
    Slug,
    Name,
    Description,
    Version,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    Id,
    Copy,
    Slug,
    Locale,
    Title,
    Subtitle,
    Excerpt,
    Body,
    FeaturedImageUrl,
    FeaturedImageAlt,
    SeoTitle,
    SeoDescription,
    SeoCanonicalUrl,
    State,
    Version,
    PublishedVersion,
    PublishedAt,
    ScheduledAt,
    UnpublishAt,
    DeletedAt,
    WordCount,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum ArticleAuthors {
    Table,
    ArticleId,
    Copy,
    AuthorId,
    Position,
}

#[derive(DeriveIden)]
enum ArticleTags {
    Table,
    ArticleId,
    Copy,
    TagId,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Authors::Table)
                    .col(pk_uuid(Authors::Id))
                    .col(string_len_uniq(Authors::Slug, 200))
                    .col(text(Authors::Name))
                    .col(text_null(Authors::Bio))
                    .col(text_null(Authors::Email))
                    .col(text_null(Authors::AvatarUrl))
                    .col(text_null(Authors::Website))
                    .col(text_null(Authors::Social))
                    .col(integer(Authors::Version))
                    .col(timestamp_with_time_zone(Authors::CreatedAt))
                    .col(timestamp_with_time_zone(Authors::UpdatedAt))
                    .col(uuid_null(Authors::CreatedBy))
                    .col(uuid_null(Authors::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_authors_name")
                    .table(Authors::Table)
                    .col(Authors::Name)
                    .col(Authors::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tags::Table)
                    .col(pk_uuid(Tags::Id))
                    .col(string_len_uniq(Tags::Slug, 200))
                    .col(text(Tags::Name))
                    .col(text_null(Tags::Description))
                    .col(integer(Tags::Version))
                    .col(timestamp_with_time_zone(Tags::CreatedAt))
                    .col(timestamp_with_time_zone(Tags::UpdatedAt))
                    .col(uuid_null(Tags::CreatedBy))
                    .col(uuid_null(Tags::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tags_name")
                    .table(Tags::Table)
                    .col(Tags::Name)
                    .col(Tags::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Articles::Table)
                    .col(uuid(Articles::Id))
                    .col(string_len(Articles::Copy, 8))
                    .col(string_len(Articles::Slug, 200))
                    .col(string_len(Articles::Locale, 35))
                    .col(text(Articles::Title))
                    .col(text_null(Articles::Subtitle))
                    .col(text_null(Articles::Excerpt))
                    .col(text(Articles::Body))
                    .col(text_null(Articles::FeaturedImageUrl))
                    .col(text_null(Articles::FeaturedImageAlt))
                    .col(text_null(Articles::SeoTitle))
                    .col(text_null(Articles::SeoDescription))
                    .col(text_null(Articles::SeoCanonicalUrl))
                    .col(string_len(Articles::State, 16))
                    .col(integer(Articles::Version))
                    .col(integer_null(Articles::PublishedVersion))
                    .col(timestamp_with_time_zone_null(Articles::PublishedAt))
                    .col(timestamp_with_time_zone_null(Articles::ScheduledAt))
                    .col(timestamp_with_time_zone_null(Articles::UnpublishAt))
                    .col(timestamp_with_time_zone_null(Articles::DeletedAt))
                    .col(integer(Articles::WordCount))
                    .col(timestamp_with_time_zone(Articles::CreatedAt))
                    .col(timestamp_with_time_zone(Articles::UpdatedAt))
                    .col(uuid_null(Articles::CreatedBy))
                    .col(uuid_null(Articles::UpdatedBy))
                    .primary_key(Index::create().col(Articles::Id).col(Articles::Copy))
                    .to_owned(),
            )
            .await?;
        // Lists read one copy, sorted; every sort key ends with the id.
        let article_indexes: [(&str, Vec<Articles>, bool); 8] = [
            (
                "uq_articles_locale_slug",
                vec![Articles::Locale, Articles::Slug, Articles::Copy],
                true,
            ),
            // Reads by slug name no locale.
            (
                "idx_articles_slug",
                vec![Articles::Slug, Articles::Copy],
                false,
            ),
            (
                "idx_articles_published_at",
                vec![Articles::Copy, Articles::PublishedAt, Articles::Id],
                false,
            ),
            (
                "idx_articles_created_at",
                vec![Articles::Copy, Articles::CreatedAt, Articles::Id],
                false,
            ),
            (
                "idx_articles_updated_at",
                vec![Articles::Copy, Articles::UpdatedAt, Articles::Id],
                false,
            ),
            (
                "idx_articles_title",
                vec![Articles::Copy, Articles::Title, Articles::Id],
                false,
            ),
            (
                "idx_articles_state",
                vec![Articles::Copy, Articles::State, Articles::ScheduledAt],
                false,
            ),
            (
                "idx_articles_unpublish_at",
                vec![Articles::Copy, Articles::UnpublishAt],
                false,
            ),
        ];
        for (name, cols, unique) in article_indexes {
            let mut index = Index::create();
            index.name(name).table(Articles::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        for (
            table,
            other_col,
            other_table,
            other_id,
            article_col,
            copy_col,
            position,
            index_name,
        ) in [
            (
                ArticleAuthors::Table.into_iden(),
                ArticleAuthors::AuthorId.into_iden(),
                Authors::Table.into_iden(),
                Authors::Id.into_iden(),
                ArticleAuthors::ArticleId.into_iden(),
                ArticleAuthors::Copy.into_iden(),
                ArticleAuthors::Position.into_iden(),
                "idx_article_authors_author",
            ),
            (
                ArticleTags::Table.into_iden(),
                ArticleTags::TagId.into_iden(),
                Tags::Table.into_iden(),
                Tags::Id.into_iden(),
                ArticleTags::ArticleId.into_iden(),
                ArticleTags::Copy.into_iden(),
                ArticleTags::Position.into_iden(),
                "idx_article_tags_tag",
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(table.clone())
                        .col(uuid(article_col.clone()))
                        .col(string_len(copy_col.clone(), 8))
                        .col(uuid(other_col.clone()))
                        .col(integer(position))
                        .primary_key(
                            Index::create()
                                .col(article_col.clone())
                                .col(copy_col.clone())
                                .col(other_col.clone()),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .from(table.clone(), (article_col.clone(), copy_col.clone()))
                                .to(Articles::Table, (Articles::Id, Articles::Copy))
                                .on_delete(ForeignKeyAction::Cascade),
                        )
                        .foreign_key(
                            ForeignKey::create()
                                .from(table.clone(), other_col.clone())
                                .to(other_table, other_id)
                                .on_delete(ForeignKeyAction::Restrict),
                        )
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name(index_name)
                        .table(table)
                        .col(other_col)
                        .col(copy_col)
                        .col(article_col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ArticleTags::Table.into_iden(),
            ArticleAuthors::Table.into_iden(),
            Articles::Table.into_iden(),
            Tags::Table.into_iden(),
            Authors::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
