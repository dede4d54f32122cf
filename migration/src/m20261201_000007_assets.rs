//! Assets (uploaded files and pictures) and where they are used. The bytes
//! live in the media store, addressed by their SHA-256; a row holds what
//! was read from them once and the text editors give them. `asset_uses`
//! links an asset to each copy of an article (featured image, pictures in
//! the body) and to authors (avatars) that use it: a use by a live copy or
//! an author makes the asset public. Articles and authors keep the size of
//! the picture they show, so reading them needs no second statement.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Assets {
    Table,
    Id,
    Filename,
    ContentType,
    Size,
    Sha256,
    Width,
    Height,
    Blurhash,
    DominantColor,
    Alt,
    Caption,
    Credit,
    FocalX,
    FocalY,
    Version,
    CreatedAt,
    UpdatedAt,
    CreatedBy,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum AssetUses {
    Table,
    AssetId,
    Entity,
    EntityId,
    Copy,
}

#[derive(DeriveIden)]
enum Articles {
    Table,
    FeaturedAssetId,
    FeaturedImageWidth,
    FeaturedImageHeight,
}

#[derive(DeriveIden)]
enum Authors {
    Table,
    AvatarAssetId,
    AvatarAlt,
    AvatarWidth,
    AvatarHeight,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Assets::Table)
                    .col(pk_uuid(Assets::Id))
                    .col(text(Assets::Filename))
                    .col(string_len(Assets::ContentType, 64))
                    .col(big_integer(Assets::Size))
                    .col(string_len(Assets::Sha256, 64))
                    .col(integer_null(Assets::Width))
                    .col(integer_null(Assets::Height))
                    .col(string_len_null(Assets::Blurhash, 64))
                    .col(string_len_null(Assets::DominantColor, 7))
                    .col(text_null(Assets::Alt))
                    .col(text_null(Assets::Caption))
                    .col(text_null(Assets::Credit))
                    .col(double_null(Assets::FocalX))
                    .col(double_null(Assets::FocalY))
                    .col(integer(Assets::Version))
                    .col(timestamp_with_time_zone(Assets::CreatedAt))
                    .col(timestamp_with_time_zone(Assets::UpdatedAt))
                    .col(uuid_null(Assets::CreatedBy))
                    .col(uuid_null(Assets::UpdatedBy))
                    .to_owned(),
            )
            .await?;
        // Identical bytes are stored once: which rows share a blob.
        manager
            .create_index(
                Index::create()
                    .name("idx_assets_sha256")
                    .table(Assets::Table)
                    .col(Assets::Sha256)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AssetUses::Table)
                    .col(uuid(AssetUses::AssetId))
                    .col(string_len(AssetUses::Entity, 16))
                    .col(uuid(AssetUses::EntityId))
                    .col(string_len(AssetUses::Copy, 16))
                    .primary_key(
                        Index::create()
                            .col(AssetUses::AssetId)
                            .col(AssetUses::Entity)
                            .col(AssetUses::EntityId)
                            .col(AssetUses::Copy),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AssetUses::Table, AssetUses::AssetId)
                            .to(Assets::Table, Assets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Replacing the uses of one article copy or author.
        manager
            .create_index(
                Index::create()
                    .name("idx_asset_uses_entity")
                    .table(AssetUses::Table)
                    .col(AssetUses::EntityId)
                    .col(AssetUses::Copy)
                    .to_owned(),
            )
            .await?;
        for column in [
            ColumnDef::new(Articles::FeaturedAssetId)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(Articles::FeaturedImageWidth)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Articles::FeaturedImageHeight)
                .integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Articles::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            ColumnDef::new(Authors::AvatarAssetId)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(Authors::AvatarAlt).text().null().to_owned(),
            ColumnDef::new(Authors::AvatarWidth)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Authors::AvatarHeight)
                .integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Authors::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Authors::AvatarHeight,
            Authors::AvatarWidth,
            Authors::AvatarAlt,
            Authors::AvatarAssetId,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Authors::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [
            Articles::FeaturedImageHeight,
            Articles::FeaturedImageWidth,
            Articles::FeaturedAssetId,
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
        manager
            .drop_table(Table::drop().table(AssetUses::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Assets::Table).to_owned())
            .await?;
        Ok(())
    }
}
