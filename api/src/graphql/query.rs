//! Queries: articles, authors, tags and assets, one or a connection of
//! many, and the signed-in user.

use async_graphql::{Context, Enum, ID, InputObject, Object, OutputType};
use uuid::Uuid;

use super::context::req;
use super::error::{Gql, invalid};
use super::paging::{Conn, Paging};
use super::scalars::Timestamp;
use super::types::{
    ArticleGql, ArticleStateGql, AssetGql, AuthorGql, SearchConn, SearchType, SyncPageGql,
    SyncType, TagGql, UserGql, followed, not_found_as_none, read_of, search_connection,
    search_offset,
};
use crate::content::article::{self, ArticleFilter, ArticleSort, Include, Read};
use crate::content::asset::{self, AssetFilter, TypeFilter};
use crate::content::author::Author;
use crate::content::page::{Direction, ListQuery, MAX_PAGE_SIZE, Sort, SortField};
use crate::content::search::{self, SearchRequest};
use crate::content::tag::Tag;
use crate::content::{Catalog, Key, NameFilter, validate};
use crate::feed::{SyncRequest, sync};
use crate::identity::users;

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[graphql(remote = "Direction")]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

/// Fields articles sort by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "ArticleSort")]
pub enum ArticleSortField {
    Id,
    Title,
    Slug,
    Locale,
    State,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

/// One sort key of articles.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct ArticleOrder {
    pub field: ArticleSortField,
    #[graphql(default)]
    pub direction: SortDirection,
}

/// Fields authors and tags sort by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSortField {
    Id,
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

/// One sort key of authors or tags.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct NameOrder {
    pub field: NameSortField,
    #[graphql(default)]
    pub direction: SortDirection,
}

fn sort<F: SortField>(
    keys: Vec<(F, Direction)>,
    default: Sort<F>,
) -> async_graphql::Result<Sort<F>> {
    if keys.is_empty() {
        return Ok(default);
    }
    Sort::try_from_keys(keys).map_err(|m| invalid("sort", &m))
}

impl NameSortField {
    /// The same field of an author or tag list.
    fn key<F: SortField>(self) -> async_graphql::Result<F> {
        let name = match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Slug => "slug",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        };
        F::ALL
            .iter()
            .copied()
            .find(|field| field.name() == name)
            .ok_or_else(|| invalid("sort", &format!("`{name}` is not sortable here")))
    }
}

/// The sort of an author or tag list.
fn name_sort<F: SortField>(
    order: Option<Vec<NameOrder>>,
    default: Sort<F>,
) -> async_graphql::Result<Sort<F>> {
    let keys = order
        .unwrap_or_default()
        .into_iter()
        .map(|o| Ok((o.field.key()?, o.direction.into())))
        .collect::<async_graphql::Result<_>>()?;
    sort(keys, default)
}

/// Which articles to list; lists of values match any of them.
#[derive(InputObject, Debug, Default)]
pub struct ArticleFilterInput {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    /// Credited to any of these authors (id or slug).
    pub author: Option<Vec<String>>,
    /// Filed under any of these tags (id or slug).
    pub tag: Option<Vec<String>>,
    /// In this locale (BCP 47).
    pub locale: Option<String>,
    /// In any of these states (working copies).
    pub state: Option<Vec<ArticleStateGql>>,
    pub slug: Option<String>,
    /// Published at or after.
    pub published_after: Option<Timestamp>,
    /// Published before.
    pub published_before: Option<Timestamp>,
    /// Title, excerpt or body contains this text.
    pub q: Option<String>,
    /// Soft-deleted articles instead (admins).
    pub deleted: Option<bool>,
}

impl ArticleFilterInput {
    fn into_filter(self) -> async_graphql::Result<ArticleFilter> {
        let locale = match self.locale {
            Some(tag) => Some(validate::locale(&tag).map_err(|m| invalid("filter.locale", &m))?),
            None => None,
        };
        let keys = |values: Option<Vec<String>>| {
            values
                .unwrap_or_default()
                .iter()
                .map(|v| Key::parse(v, None))
                .collect()
        };
        Ok(ArticleFilter {
            ids: self.ids,
            authors: keys(self.author),
            tags: keys(self.tag),
            locale,
            states: self
                .state
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            slug: self.slug,
            published_after: self.published_after.map(|t| t.0),
            published_before: self.published_before.map(|t| t.0),
            q: self.q,
            title_contains: None,
            deleted: self.deleted.unwrap_or(false),
        })
    }
}

/// Which authors or tags to list.
#[derive(InputObject, Debug, Default)]
pub struct NameFilterInput {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    pub slug: Option<String>,
    /// Name contains this text.
    pub q: Option<String>,
}

impl From<NameFilterInput> for NameFilter {
    fn from(filter: NameFilterInput) -> Self {
        Self {
            ids: filter.ids,
            slug: filter.slug,
            q: filter.q,
        }
    }
}

/// Broad kinds of files.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    /// Pictures.
    Image,
    /// Everything else (PDF).
    Document,
}

/// Which assets a list returns.
#[derive(InputObject, Debug, Default)]
pub struct AssetFilterInput {
    pub kind: Option<AssetKind>,
    /// Exactly this media type (`image/png`).
    pub content_type: Option<String>,
    /// File name, alt text or caption contains this text.
    pub q: Option<String>,
    /// Only assets in use (`true`) or unused (`false`).
    pub used: Option<bool>,
}

impl From<AssetFilterInput> for AssetFilter {
    fn from(filter: AssetFilterInput) -> Self {
        let kind = match (filter.content_type, filter.kind) {
            (Some(exact), _) => Some(TypeFilter::Exact(exact)),
            (None, Some(AssetKind::Image)) => Some(TypeFilter::Image),
            (None, Some(AssetKind::Document)) => Some(TypeFilter::Document),
            (None, None) => None,
        };
        Self {
            ids: None,
            kind,
            q: filter.q,
            used: filter.used,
        }
    }
}

/// A page of authors or tags as a connection of `node`s.
async fn catalog<T: Catalog, N: OutputType>(
    ctx: &Context<'_>,
    filter: Option<NameFilterInput>,
    sort: Option<Vec<NameOrder>>,
    paging: Paging,
    node: fn(T) -> N,
) -> async_graphql::Result<Conn<N>> {
    let r = req(ctx)?;
    let query = ListQuery {
        filter: filter.unwrap_or_default().into(),
        sort: name_sort(sort, T::default_sort())?,
        page: paging.pagination.clone(),
    };
    let page = T::list(&r.ctx, &r.principal, &query).await.gql()?;
    Ok(paging.connection(page, node))
}

/// Exactly one of `id` and `slug`.
fn key_of(
    id: Option<Uuid>,
    slug: Option<String>,
    locale: Option<String>,
) -> async_graphql::Result<Key> {
    match (id, slug) {
        (Some(id), None) => Ok(Key::Id(id)),
        (None, Some(slug)) => Ok(Key::Slug { slug, locale }),
        _ => Err(invalid("id", "give either id or slug")),
    }
}

/// Parses an `ID` argument: a UUID or a slug.
pub fn key(id: &ID) -> Key {
    Key::parse(id.as_str(), None)
}

/// The root of queries.
pub struct Query;

#[Object]
impl Query {
    /// One article by `id` or `slug`; `null` when there is none the caller
    /// may see. With `locale`, the answer is the article or the translation
    /// of its group in the first locale of the chain (the locale, its
    /// configured fallbacks or its language, then the default locale) that
    /// has one (`locale` on the answer says which); `fallback: false` keeps
    /// to the locale asked for. `preview: true` reads the working copy
    /// (preview keys, signed-in users). `previewToken`, a preview link's
    /// token, reads that article's working copy for anyone holding it
    /// (`FORBIDDEN` once the link expired or was revoked). A former slug
    /// answers the article with `redirectTo`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the ways of addressing and reading one article"
    )]
    async fn article(
        &self,
        ctx: &Context<'_>,
        id: Option<Uuid>,
        slug: Option<String>,
        locale: Option<String>,
        #[graphql(default = true)] fallback: bool,
        preview: Option<bool>,
        preview_token: Option<String>,
    ) -> async_graphql::Result<Option<ArticleGql>> {
        let r = req(ctx)?;
        let key = key_of(id, slug, None)?;
        let read = read_of(ctx, preview, false);
        if let Some(token) = preview_token {
            // For the link's holder only: never kept by a shared cache.
            ctx.insert_http_header("cache-control", "private, no-store");
            let shared = article::preview::read(&r.ctx, &key, &token, read).await;
            return not_found_as_none(shared.map(ArticleGql::from));
        }
        let mut chain = None;
        if let Some(tag) = locale {
            let wanted = validate::locale_filter(&tag).map_err(|m| invalid("locale", &m))?;
            chain = Some(r.ctx.settings.locales.chain(&[wanted], fallback));
        }
        let get = async |key: Key| match &chain {
            None => article::get(&r.ctx, &r.principal, &key, read).await,
            Some(chain) => article::get_localized(&r.ctx, &r.principal, &key, read, chain).await,
        };
        let found = get(key).await;
        followed(found, get, ArticleGql).await
    }

    /// Articles: the published ones for the public, working copies for
    /// signed-in users by default (`preview` chooses).
    #[allow(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus the list's own"
    )]
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        filter: Option<ArticleFilterInput>,
        sort: Option<Vec<ArticleOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
        preview: Option<bool>,
    ) -> async_graphql::Result<Conn<ArticleGql>> {
        let r = req(ctx)?;
        let paging = Paging::new(first, after, last, before)?;
        let keys = sort
            .unwrap_or_default()
            .into_iter()
            .map(|o| (o.field.into(), o.direction.into()))
            .collect();
        let query = ListQuery {
            filter: filter.unwrap_or_default().into_filter()?,
            sort: self::sort(keys, article::default_sort())?,
            page: paging.pagination.clone(),
        };
        let page = article::list(&r.ctx, &r.principal, &query, read_of(ctx, preview, true))
            .await
            .gql()?;
        Ok(paging.connection(page, ArticleGql::from))
    }

    /// One asset of the media library; `null` when there is none (or the
    /// caller may not see it: the public sees assets used by published
    /// content, signed-in users and preview keys the whole library).
    async fn asset(&self, ctx: &Context<'_>, id: Uuid) -> async_graphql::Result<Option<AssetGql>> {
        let r = req(ctx)?;
        not_found_as_none(
            asset::get(&r.ctx, &r.principal, &Key::Id(id))
                .await
                .map(AssetGql),
        )
    }

    /// The media library, newest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        filter: Option<AssetFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AssetGql>> {
        let r = req(ctx)?;
        let paging = Paging::new(first, after, last, before)?;
        let query = ListQuery {
            filter: filter.unwrap_or_default().into(),
            sort: asset::default_sort(),
            page: paging.pagination.clone(),
        };
        let page = asset::list(&r.ctx, &r.principal, &query).await.gql()?;
        Ok(paging.connection(page, AssetGql))
    }

    /// One author by `id` or `slug`; `null` when there is none.
    async fn author(
        &self,
        ctx: &Context<'_>,
        id: Option<Uuid>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<AuthorGql>> {
        let r = req(ctx)?;
        let key = key_of(id, slug, None)?;
        let get = async |key: Key| Author::get(&r.ctx, &r.principal, &key).await;
        followed(get(key).await, get, AuthorGql).await
    }

    /// Authors.
    #[allow(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus the list's own"
    )]
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        filter: Option<NameFilterInput>,
        sort: Option<Vec<NameOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<AuthorGql>> {
        let paging = Paging::new(first, after, last, before)?;
        catalog::<Author, _>(ctx, filter, sort, paging, AuthorGql::from).await
    }

    /// One tag by `id` or `slug`; `null` when there is none.
    async fn tag(
        &self,
        ctx: &Context<'_>,
        id: Option<Uuid>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<TagGql>> {
        let r = req(ctx)?;
        let key = key_of(id, slug, None)?;
        let get = async |key: Key| Tag::get(&r.ctx, &r.principal, &key).await;
        followed(get(key).await, get, TagGql).await
    }

    /// Tags, with their published article counts.
    #[allow(
        clippy::too_many_arguments,
        reason = "the Relay arguments plus the list's own"
    )]
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        filter: Option<NameFilterInput>,
        sort: Option<Vec<NameOrder>>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<TagGql>> {
        let paging = Paging::new(first, after, last, before)?;
        catalog::<Tag, _>(ctx, filter, sort, paging, TagGql::from).await
    }

    /// Delta sync, as `GET /api/v1/sync`: without `cursor`, every object the
    /// caller may read, page by page; with the last page's `nextCursor`, what
    /// changed since (objects as they are now, tombstones for those gone).
    /// A cursor altered or made up is a `VALIDATION` error; one older than
    /// the kept change log is `RESYNC_REQUIRED`: start over without one.
    /// `limit`: items per page, 1 to 500 (default 100).
    #[graphql(complexity = "limit.unwrap_or(100).max(0) as usize * child_complexity")]
    async fn sync(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        types: Option<Vec<SyncType>>,
        locale: Option<String>,
        limit: Option<i32>,
    ) -> async_graphql::Result<SyncPageGql> {
        let r = req(ctx)?;
        let limit = limit
            .map(|l| u64::try_from(l).map_err(|_| invalid("limit", "must be between 1 and 500")))
            .transpose()?;
        let request = SyncRequest {
            cursor,
            types: types.map(|t| t.into_iter().map(|t| t.name().to_owned()).collect()),
            locale,
            limit,
        };
        let page = sync::sync(&r.feed, &r.principal, request).await.gql()?;
        Ok(page.into())
    }

    /// Search articles, authors and tags (as `GET /api/v1/search`): case
    /// and accents are ignored, and `"exact phrase"`, `-word` and `prefix*`
    /// are understood. Best first: a match in the title ranks above one in
    /// the subtitle or excerpt, then the body, then author and tag names.
    /// The public searches published articles; signed-in users search
    /// working copies (`preview` chooses). `tags` and `authors` (ids or
    /// slugs) keep articles linked to any of them.
    #[allow(
        clippy::too_many_arguments,
        reason = "the search's filters plus the forward Relay arguments"
    )]
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        q: String,
        types: Option<Vec<SearchType>>,
        locale: Option<String>,
        tags: Option<Vec<String>>,
        authors: Option<Vec<String>>,
        first: Option<i32>,
        after: Option<String>,
        preview: Option<bool>,
    ) -> async_graphql::Result<SearchConn> {
        let r = req(ctx)?;
        let limit = match first {
            None => 20,
            Some(n) => u64::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| {
                    invalid("first", &format!("must be between 1 and {MAX_PAGE_SIZE}"))
                })?,
        };
        let offset = search_offset(after.as_deref())?;
        let locale = match locale {
            Some(tag) => Some(validate::locale_filter(&tag).map_err(|m| invalid("locale", &m))?),
            None => None,
        };
        let keys = |keys: Option<Vec<String>>| {
            keys.unwrap_or_default()
                .iter()
                .map(|k| Key::parse(k, None))
                .collect()
        };
        let request = SearchRequest {
            q,
            kinds: types
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            locale,
            tags: keys(tags),
            authors: keys(authors),
            offset,
            limit,
            read: Read {
                include: Include::default(),
                preview,
            },
        };
        let results = search::search(&r.ctx, &r.principal, &request).await.gql()?;
        Ok(search_connection(results, offset))
    }

    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<UserGql> {
        let r = req(ctx)?;
        users::me(&r.identity, &r.principal)
            .await
            .map(Into::into)
            .gql()
    }
}
