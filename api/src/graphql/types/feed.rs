//! Delta sync over GraphQL: the same pages as `GET /api/v1/sync`.

use async_graphql::{Enum, SimpleObject, Union};
use uuid::Uuid;

use super::{ArticleGql, AssetGql, AuthorGql, TagGql};
use crate::content::Named;
use crate::feed::{SyncItem, SyncPage, Tombstone};
use crate::graphql::scalars::Timestamp;

/// The kinds of content a sync carries.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncType {
    Articles,
    Authors,
    Tags,
    Assets,
}

impl SyncType {
    /// Its name in the REST `types=` parameter.
    pub fn name(self) -> &'static str {
        match self {
            Self::Articles => "articles",
            Self::Authors => "authors",
            Self::Tags => "tags",
            Self::Assets => "assets",
        }
    }
}

/// An object of a sync.
#[derive(Union)]
pub enum SyncObject {
    Article(Box<ArticleGql>),
    Author(AuthorGql),
    Tag(TagGql),
    Asset(AssetGql),
}

/// One object, as the caller's reads show it.
#[derive(SimpleObject)]
#[graphql(name = "SyncItem")]
pub struct SyncItemGql {
    /// `article`, `author` or `tag`.
    #[graphql(name = "type")]
    pub kind: String,
    pub object: SyncObject,
}

/// Something the caller had and can no longer see.
#[derive(SimpleObject)]
#[graphql(name = "Tombstone")]
pub struct TombstoneGql {
    /// `article`, `author` or `tag`.
    #[graphql(name = "type")]
    pub kind: String,
    pub id: Uuid,
    /// When it went.
    pub at: Timestamp,
}

/// One page of a sync.
#[derive(SimpleObject)]
#[graphql(name = "SyncPage")]
pub struct SyncPageGql {
    /// Objects added or changed since the cursor (all, page by page, on an initial sync).
    pub items: Vec<SyncItemGql>,
    /// Objects gone since the cursor.
    pub deleted: Vec<TombstoneGql>,
    /// Send it back for the next page; once `hasMore` is false, keep it for the next sync.
    pub next_cursor: String,
    /// More is ready now.
    pub has_more: bool,
}

impl From<SyncPage> for SyncPageGql {
    fn from(page: SyncPage) -> Self {
        Self {
            items: page.items.into_iter().map(item).collect(),
            deleted: page.deleted.into_iter().map(tombstone).collect(),
            next_cursor: page.next_cursor,
            has_more: page.has_more,
        }
    }
}

fn item(item: SyncItem) -> SyncItemGql {
    let kind = item.kind().as_str().to_owned();
    let object = match item {
        SyncItem::Article(a) => SyncObject::Article(Box::new(ArticleGql::from(*a))),
        SyncItem::Author(a) => SyncObject::Author(AuthorGql::from(a)),
        SyncItem::Tag(t) => SyncObject::Tag(TagGql::from(t)),
        SyncItem::Asset(a) => SyncObject::Asset(AssetGql(a)),
    };
    SyncItemGql { kind, object }
}

fn tombstone(t: Tombstone) -> TombstoneGql {
    TombstoneGql {
        kind: t.kind.as_str().to_owned(),
        id: t.id,
        at: Timestamp(t.at),
    }
}
