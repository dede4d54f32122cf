//! Authors and tags, with their published articles.

use async_graphql::{Context, Json, Object};
use uuid::Uuid;

use super::article::{ArticleGql, ImageGql};
use super::history::{self, DiffGql, RevisionGql};
use super::read_of;
use crate::content::Key;
use crate::content::article::{self, ArticleFilter};
use crate::content::author::Author;
use crate::content::localized::Localized;
use crate::content::page::ListQuery;
use crate::content::tag::Tag;
use crate::graphql::context::req;
use crate::graphql::error::Gql;
use crate::graphql::paging::{Conn, Paging};
use crate::graphql::scalars::Timestamp;

/// The published articles `filter` selects, newest first.
async fn published_articles(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    paging: Paging,
) -> async_graphql::Result<Conn<ArticleGql>> {
    let r = req(ctx)?;
    let query = ListQuery {
        filter,
        sort: article::default_sort(),
        page: paging.pagination.clone(),
    };
    let read = read_of(ctx, Some(false), true);
    let page = article::list(&r.ctx, &r.principal, &query, read)
        .await
        .gql()?;
    Ok(paging.connection(page, ArticleGql::from))
}

/// A person credited on articles, and its current slug when it was asked for by a
/// former one.
pub struct AuthorGql(pub Author, pub Option<String>);

impl From<Author> for AuthorGql {
    fn from(found: Author) -> Self {
        Self(found, None)
    }
}

#[Object(name = "Author")]
impl AuthorGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The current slug when it was asked for by a former one (answer
    /// with a permanent redirect to it); `null` otherwise.
    async fn redirect_to(&self) -> Option<&str> {
        self.1.as_deref()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// The name per locale (`{"fr": "…"}`), beside the default `name`.
    async fn names(&self) -> Json<Localized> {
        Json(self.0.names.clone())
    }
    /// The bio per locale, beside the default `bio`.
    async fn bios(&self) -> Json<Localized> {
        Json(self.0.bios.clone())
    }
    /// Private: `null` unless the caller is signed in.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The avatar's URL (the same as `avatar.url`).
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }
    /// The avatar: a picture of the media library, or an image elsewhere.
    async fn avatar(&self) -> Option<ImageGql> {
        self.0.avatar.as_ref().map(ImageGql::from)
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// Profile links by network name.
    async fn social(&self) -> Option<Json<serde_json::Map<String, serde_json::Value>>> {
        self.0.social.clone().map(Json)
    }
    /// The user who writes as this author (private).
    async fn user_id(&self) -> Option<Uuid> {
        self.0.user_id
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The author's published articles, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ArticleGql>> {
        let filter = ArticleFilter {
            authors: vec![Key::Id(self.0.id)],
            ..Default::default()
        };
        published_articles(ctx, filter, Paging::new(first, after, last, before)?).await
    }
    /// Revisions, newest first (signed-in users).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<RevisionGql>> {
        let paging = Paging::new(first, after, None, None)?;
        history::revisions::<Author>(ctx, self.0.id, paging).await
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        history::diff::<Author>(ctx, self.0.id, (from, to)).await
    }
}

/// A topic articles are filed under, and its current slug when it was asked for by a
/// former one.
pub struct TagGql(pub Tag, pub Option<String>);

impl From<Tag> for TagGql {
    fn from(found: Tag) -> Self {
        Self(found, None)
    }
}

#[Object(name = "Tag")]
impl TagGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The current slug when it was asked for by a former one (answer
    /// with a permanent redirect to it); `null` otherwise.
    async fn redirect_to(&self) -> Option<&str> {
        self.1.as_deref()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The name per locale (`{"fr": "Économie"}`), beside the default `name`.
    async fn names(&self) -> Json<Localized> {
        Json(self.0.names.clone())
    }
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// Published articles filed under the tag (when it was counted).
    async fn article_count(&self) -> Option<u64> {
        self.0.article_count
    }
    /// The tag's published articles, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<ArticleGql>> {
        let filter = ArticleFilter {
            tags: vec![Key::Id(self.0.id)],
            ..Default::default()
        };
        published_articles(ctx, filter, Paging::new(first, after, last, before)?).await
    }
    /// Revisions, newest first (signed-in users).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<RevisionGql>> {
        let paging = Paging::new(first, after, None, None)?;
        history::revisions::<Tag>(ctx, self.0.id, paging).await
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        history::diff::<Tag>(ctx, self.0.id, (from, to)).await
    }
}
