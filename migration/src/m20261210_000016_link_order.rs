//! Each article's links in their order, in an index that holds what a page
//! reads of them: the author (or tag) ids of some articles, of one copy,
//! by position. Without it, each link was a look-up in the primary key's
//! index, then one in the table, then a sort.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The link tables: name, the id column of the other side, the new index.
const LINKS: [(&str, &str, &str); 2] = [
    ("article_authors", "author_id", "idx_article_authors_order"),
    ("article_tags", "tag_id", "idx_article_tags_order"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, other, index) in LINKS {
            manager
                .create_index(
                    Index::create()
                        .name(index)
                        .table(Alias::new(table))
                        .col(Alias::new("article_id"))
                        .col(Alias::new("copy"))
                        .col(Alias::new("position"))
                        .col(Alias::new(other))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, _, index) in LINKS {
            manager
                .drop_index(
                    Index::drop()
                        .name(index)
                        .table(Alias::new(table))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
