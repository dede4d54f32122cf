//! Subscriptions (over `/graphql/ws`): content changes as they happen.

use async_graphql::{Context, Object, Subscription as SubscriptionRoot};
use futures_util::{Stream, StreamExt};
use uuid::Uuid;

use super::context::req;
use super::error::Gql;
use super::scalars::Timestamp;
use super::types::{ArticleGql, AuthorGql, SyncType, TagGql, not_found_as_none, read_of};
use crate::content::article;
use crate::content::author::Author;
use crate::content::tag::Tag;
use crate::content::{Catalog, EntityKind, Key, Named};
use crate::feed::{Delivered, Subscribe, live};

/// The root of subscriptions.
pub struct Subscription;

#[SubscriptionRoot]
impl Subscription {
    /// Content changes the caller may see, in the order of the change log:
    /// from `since` (the `cursor` of an earlier event, or a sync's
    /// `nextCursor`) replayed first, then live; without `since`, from now.
    /// The public sees publications, unpublications, deletions and author
    /// and tag changes; preview keys and signed-in users every change.
    /// A cursor older than the kept log is `RESYNC_REQUIRED`.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<SyncType>>,
        since: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ContentEvent>> + use<>>
    {
        let r = req(ctx)?;
        let request = Subscribe {
            types: types.map(|t| t.into_iter().map(|t| t.name().to_owned()).collect()),
            since,
        };
        let events = live::subscribe(&r.feed, &r.principal, request)
            .await
            .gql()?;
        Ok(events.map(|event| event.map(ContentEvent).gql()))
    }
}

/// One content change.
pub struct ContentEvent(Delivered);

#[Object]
impl ContentEvent {
    /// Its place in the change log: events come in this order.
    async fn seq(&self) -> i64 {
        self.0.event.seq
    }
    /// `article.published`, `tag.updated`, …
    #[graphql(name = "type")]
    async fn kind(&self) -> String {
        self.0.event.type_name()
    }
    /// `article`, `author` or `tag`.
    async fn entity(&self) -> &'static str {
        self.0.event.entity.as_str()
    }
    async fn id(&self) -> Uuid {
        self.0.event.id
    }
    /// The entity's version after the change.
    async fn version(&self) -> i32 {
        self.0.event.version
    }
    /// The article's locale.
    async fn locale(&self) -> Option<&str> {
        self.0.event.locale.as_deref()
    }
    async fn at(&self) -> Timestamp {
        Timestamp(self.0.event.at)
    }
    /// Give it as `since` to resume after this event.
    async fn cursor(&self) -> &str {
        &self.0.cursor
    }
    /// The article as the subscriber reads it now; `null` for other kinds,
    /// or when it cannot be seen any more.
    async fn article(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<ArticleGql>> {
        if self.0.event.entity != EntityKind::Article {
            return Ok(None);
        }
        let r = req(ctx)?;
        let read = read_of(ctx, Some(self.0.working), false);
        let key = Key::Id(self.0.event.id);
        not_found_as_none(
            article::get(&r.ctx, &r.principal, &key, read)
                .await
                .map(ArticleGql::from),
        )
    }
    /// The author, for author events.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AuthorGql>> {
        if self.0.event.entity != EntityKind::Author {
            return Ok(None);
        }
        let r = req(ctx)?;
        let key = Key::Id(self.0.event.id);
        not_found_as_none(
            Author::get(&r.ctx, &r.principal, &key)
                .await
                .map(AuthorGql::from),
        )
    }
    /// The tag, for tag events.
    async fn tag(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TagGql>> {
        if self.0.event.entity != EntityKind::Tag {
            return Ok(None);
        }
        let r = req(ctx)?;
        let key = Key::Id(self.0.event.id);
        not_found_as_none(Tag::get(&r.ctx, &r.principal, &key).await.map(TagGql::from))
    }
}
