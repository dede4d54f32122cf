//! GraphQL output types over the domain models, and the per-request data
//! every resolver reads. Resolvers call `content` functions only.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Enum, Json, Object, OutputType, SimpleObject, Union};
use uuid::Uuid;

use super::error::{Gql, invalid};
use super::scalars::{Timestamp, ts};
use crate::auth::{Principal, Role};
use crate::content::accounts::sessions::Tokens as DomainTokens;
use crate::content::accounts::users::User as DomainUser;
use crate::content::article::{self, Article as DomainArticle, ArticleFilter, Read, State};
use crate::content::author::{self, Author as DomainAuthor};
use crate::content::page::{self, ListQuery, MAX_PAGE_SIZE, Page, Pagination};
use crate::content::revision::{Diff as DomainDiff, Revision as DomainRevision};
use crate::content::tag::{self, Tag as DomainTag};
use crate::content::{Ctx, Key, text};
use crate::error::AppError;

/// What a request carries into its resolvers.
pub struct Req {
    /// The content layer.
    pub ctx: Ctx,
    /// Who is asking.
    pub principal: Principal,
    /// The client's address, for sign-in throttling.
    pub address: Option<String>,
}

/// The request data of a resolver.
pub fn req<'a>(ctx: &'a Context<'_>) -> &'a Req {
    ctx.data_unchecked::<Req>()
}

/// Batches author look-ups of one request into one statement.
pub struct AuthorLoader {
    pub ctx: Ctx,
    pub principal: Principal,
}

impl Loader<Uuid> for AuthorLoader {
    type Value = DomainAuthor;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, DomainAuthor>, Self::Error> {
        author::load_visible(&self.ctx, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Batches tag look-ups of one request into one statement.
pub struct TagLoader {
    pub ctx: Ctx,
    pub principal: Principal,
}

impl Loader<Uuid> for TagLoader {
    type Value = DomainTag;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, DomainTag>, Self::Error> {
        tag::load_visible(&self.ctx, &self.principal, keys)
            .await
            .map_err(Arc::new)
    }
}

fn loaded<T: Clone>(ids: &[Uuid], found: HashMap<Uuid, T>) -> Vec<T> {
    ids.iter().filter_map(|id| found.get(id).cloned()).collect()
}

fn loader_error(err: Arc<AppError>) -> async_graphql::Error {
    use async_graphql::ErrorExtensions;
    err.extend()
}

/// `totalCount` on every connection.
#[derive(SimpleObject)]
pub struct TotalCount {
    /// Items matching the query, over all pages.
    pub total_count: u64,
}

/// A Relay connection with `totalCount`.
pub type Conn<N> = Connection<String, N, TotalCount>;

/// Relay pagination arguments turned into the domain's: `first`/`after`
/// forward, `last`/`before` backward, at most 100 items.
pub struct Paging {
    pub pagination: Pagination,
    forward: bool,
    from_cursor: bool,
}

impl Paging {
    /// Checks and converts the four Relay arguments.
    pub fn new(
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Self> {
        let size = |name: &str, n: i32| -> async_graphql::Result<u64> {
            u64::try_from(n)
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .ok_or_else(|| invalid(name, &format!("must be between 1 and {MAX_PAGE_SIZE}")))
        };
        match (first, last) {
            (Some(_), Some(_)) => Err(invalid("last", "use first/after or last/before, not both")),
            (_, Some(last)) => {
                if after.is_some() {
                    return Err(invalid("after", "goes with first, not last"));
                }
                Ok(Self {
                    from_cursor: before.is_some(),
                    pagination: Pagination::Before {
                        before,
                        limit: size("last", last)?,
                    },
                    forward: false,
                })
            }
            (first, None) => {
                if before.is_some() {
                    return Err(invalid("before", "goes with last, not first"));
                }
                let limit = match first {
                    Some(first) => size("first", first)?,
                    None => page::DEFAULT_PAGE_SIZE,
                };
                Ok(Self {
                    from_cursor: after.is_some(),
                    pagination: Pagination::Cursor { after, limit },
                    forward: true,
                })
            }
        }
    }

    /// The connection of a page of domain items.
    pub fn connection<T, N: OutputType>(&self, page: Page<T>, node: impl Fn(T) -> N) -> Conn<N> {
        let (previous, next) = if self.forward {
            (self.from_cursor, page.has_more)
        } else {
            (page.has_more, self.from_cursor)
        };
        let mut connection = Connection::with_additional_fields(
            previous,
            next,
            TotalCount {
                total_count: page.total,
            },
        );
        connection.edges.extend(
            page.items
                .into_iter()
                .zip(page.cursors)
                .map(|(item, cursor)| Edge::new(cursor, node(item))),
        );
        connection
    }
}

/// Editorial state of an article's working copy.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleState")]
pub enum ArticleStateGql {
    Draft,
    InReview,
    Approved,
    Scheduled,
    Published,
    Archived,
}

impl From<State> for ArticleStateGql {
    fn from(state: State) -> Self {
        match state {
            State::Draft => Self::Draft,
            State::InReview => Self::InReview,
            State::Approved => Self::Approved,
            State::Scheduled => Self::Scheduled,
            State::Published => Self::Published,
            State::Archived => Self::Archived,
        }
    }
}

impl From<ArticleStateGql> for State {
    fn from(state: ArticleStateGql) -> Self {
        match state {
            ArticleStateGql::Draft => Self::Draft,
            ArticleStateGql::InReview => Self::InReview,
            ArticleStateGql::Approved => Self::Approved,
            ArticleStateGql::Scheduled => Self::Scheduled,
            ArticleStateGql::Published => Self::Published,
            ArticleStateGql::Archived => Self::Archived,
        }
    }
}

/// The picture shown with an article.
#[derive(SimpleObject)]
pub struct FeaturedImage {
    pub url: String,
    pub alt: Option<String>,
}

/// Search-engine overrides.
#[derive(SimpleObject)]
pub struct Seo {
    pub title: Option<String>,
    pub description: Option<String>,
    pub canonical_url: Option<String>,
}

/// An article, in the copy the request reads (live or working).
pub struct ArticleGql(pub DomainArticle);

#[Object(name = "Article")]
impl ArticleGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// BCP 47 language tag.
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn subtitle(&self) -> Option<&str> {
        self.0.subtitle.as_deref()
    }
    async fn excerpt(&self) -> Option<&str> {
        self.0.excerpt.as_deref()
    }
    /// CommonMark Markdown, byte for byte as written.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body as sanitised HTML.
    async fn body_html(&self) -> String {
        text::to_html(&self.0.body)
    }
    /// The body as plain text.
    async fn body_text(&self) -> String {
        text::to_text(&self.0.body)
    }
    async fn featured_image(&self) -> Option<FeaturedImage> {
        self.0.featured_image.as_ref().map(|i| FeaturedImage {
            url: i.url.clone(),
            alt: i.alt.clone(),
        })
    }
    async fn seo(&self) -> Seo {
        let seo = &self.0.seo;
        Seo {
            title: seo.title.clone(),
            description: seo.description.clone(),
            canonical_url: seo.canonical_url.clone(),
        }
    }
    async fn state(&self) -> ArticleStateGql {
        self.0.state.into()
    }
    /// Grows by one with every write.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The version readers see, once published.
    async fn published_version(&self) -> Option<i32> {
        self.0.published_version
    }
    async fn published_at(&self) -> Option<Timestamp> {
        ts(self.0.published_at)
    }
    async fn scheduled_at(&self) -> Option<Timestamp> {
        ts(self.0.scheduled_at)
    }
    async fn unpublish_at(&self) -> Option<Timestamp> {
        ts(self.0.unpublish_at)
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    async fn created_by(&self) -> Option<Uuid> {
        self.0.created_by
    }
    async fn updated_by(&self) -> Option<Uuid> {
        self.0.updated_by
    }
    /// Ids of the credited authors, in credit order.
    async fn author_ids(&self) -> &[Uuid] {
        &self.0.author_ids
    }
    /// Ids of the tags, in order.
    async fn tag_ids(&self) -> &[Uuid] {
        &self.0.tag_ids
    }
    /// Words in the body's text.
    async fn word_count(&self) -> u32 {
        self.0.word_count
    }
    /// Minutes to read the body at 230 words a minute, rounded up.
    async fn reading_time_minutes(&self) -> u32 {
        self.0.reading_time_minutes()
    }
    /// The credited authors, in credit order.
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthorGql>> {
        if let Some(authors) = &self.0.authors {
            return Ok(authors.iter().cloned().map(AuthorGql).collect());
        }
        let loader = ctx.data_unchecked::<DataLoader<AuthorLoader>>();
        let found = loader
            .load_many(self.0.author_ids.iter().copied())
            .await
            .map_err(loader_error)?;
        Ok(loaded(&self.0.author_ids, found)
            .into_iter()
            .map(AuthorGql)
            .collect())
    }
    /// The tags, in order.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagGql>> {
        if let Some(tags) = &self.0.tags {
            return Ok(tags.iter().cloned().map(TagGql).collect());
        }
        let loader = ctx.data_unchecked::<DataLoader<TagLoader>>();
        let found = loader
            .load_many(self.0.tag_ids.iter().copied())
            .await
            .map_err(loader_error)?;
        Ok(loaded(&self.0.tag_ids, found)
            .into_iter()
            .map(TagGql)
            .collect())
    }
    /// Revisions, newest first (signed-in users).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Conn<RevisionGql>> {
        let r = req(ctx);
        let paging = Paging::new(first, after, last, before)?;
        let key = Key::Id(self.0.id);
        let page = article::revisions(
            &r.ctx,
            &r.principal,
            &key,
            &crate::content::revision::default_sort(),
            &paging.pagination,
        )
        .await
        .gql()?;
        Ok(paging.connection(page, RevisionGql))
    }
    /// One revision (signed-in users); `null` when there is no such version.
    async fn revision(
        &self,
        ctx: &Context<'_>,
        version: i32,
    ) -> async_graphql::Result<Option<RevisionGql>> {
        let r = req(ctx);
        not_found_as_none(
            article::revision(&r.ctx, &r.principal, &Key::Id(self.0.id), version)
                .await
                .map(RevisionGql),
        )
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        let r = req(ctx);
        article::diff(&r.ctx, &r.principal, &Key::Id(self.0.id), from, to)
            .await
            .map(DiffGql)
            .gql()
    }
    /// The workflow history, oldest first (signed-in users).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn transitions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<TransitionGql>> {
        let r = req(ctx);
        let paging = Paging::new(first, after, None, None)?;
        let page = article::transitions(
            &r.ctx,
            &r.principal,
            &Key::Id(self.0.id),
            &article::transition_sort(),
            &paging.pagination,
        )
        .await
        .gql()?;
        Ok(paging.connection(page, TransitionGql))
    }
}

/// `Ok(None)` for a 404, the error otherwise.
pub fn not_found_as_none<T>(result: Result<T, AppError>) -> async_graphql::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(AppError::NotFound { .. }) => Ok(None),
        Err(err) => Err(err).gql(),
    }
}

/// The published articles of an author or tag, newest first.
async fn published_articles(
    ctx: &Context<'_>,
    filter: ArticleFilter,
    paging: Paging,
) -> async_graphql::Result<Conn<ArticleGql>> {
    let r = req(ctx);
    let query = ListQuery {
        filter,
        sort: article::default_sort(),
        page: paging.pagination.clone(),
    };
    let read = read_of(ctx, Some(false), true);
    let page = article::list(&r.ctx, &r.principal, &query, read)
        .await
        .gql()?;
    Ok(paging.connection(page, ArticleGql))
}

/// A person credited on articles.
pub struct AuthorGql(pub DomainAuthor);

#[Object(name = "Author")]
impl AuthorGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn bio(&self) -> Option<&str> {
        self.0.bio.as_deref()
    }
    /// Private: `null` unless the caller is signed in.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
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
        let r = req(ctx);
        let paging = Paging::new(first, after, None, None)?;
        let page = author::revisions(
            &r.ctx,
            &r.principal,
            &Key::Id(self.0.id),
            &crate::content::revision::default_sort(),
            &paging.pagination,
        )
        .await
        .gql()?;
        Ok(paging.connection(page, RevisionGql))
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        let r = req(ctx);
        author::diff(&r.ctx, &r.principal, &Key::Id(self.0.id), from, to)
            .await
            .map(DiffGql)
            .gql()
    }
}

/// A topic articles are filed under.
pub struct TagGql(pub DomainTag);

#[Object(name = "Tag")]
impl TagGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
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
        let r = req(ctx);
        let paging = Paging::new(first, after, None, None)?;
        let page = tag::revisions(
            &r.ctx,
            &r.principal,
            &Key::Id(self.0.id),
            &crate::content::revision::default_sort(),
            &paging.pagination,
        )
        .await
        .gql()?;
        Ok(paging.connection(page, RevisionGql))
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        let r = req(ctx);
        tag::diff(&r.ctx, &r.principal, &Key::Id(self.0.id), from, to)
            .await
            .map(DiffGql)
            .gql()
    }
}

/// One version of an entity's content.
pub struct RevisionGql(pub DomainRevision);

#[Object(name = "Revision")]
impl RevisionGql {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// Who wrote it.
    async fn created_by(&self) -> Option<Uuid> {
        self.0.created_by
    }
    /// The note given with the write.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// The content at this version (snake_case field names, as stored).
    async fn snapshot(&self) -> Json<serde_json::Map<String, serde_json::Value>> {
        Json(self.0.snapshot.clone())
    }
}

/// A run of words in a word diff.
#[derive(SimpleObject)]
pub struct WordSegment {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    pub text: String,
}

/// How one field differs between two versions.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The snapshot field name.
    pub field: String,
    /// `changed`, `added` or `removed`.
    pub kind: &'static str,
    pub before: Json<serde_json::Value>,
    pub after: Json<serde_json::Value>,
    /// For long text: the word diff.
    pub words: Option<Vec<WordSegment>>,
}

/// The differences between two versions.
pub struct DiffGql(pub DomainDiff);

#[Object(name = "Diff")]
impl DiffGql {
    async fn from(&self) -> i32 {
        self.0.from
    }
    async fn to(&self) -> i32 {
        self.0.to
    }
    async fn changes(&self) -> Vec<FieldChange> {
        self.0
            .changes
            .iter()
            .map(|c| FieldChange {
                field: c.field.clone(),
                kind: c.kind,
                before: Json(c.before.clone()),
                after: Json(c.after.clone()),
                words: c.words.as_ref().map(|words| {
                    words
                        .iter()
                        .map(|w| WordSegment {
                            op: w.op,
                            text: w.text.clone(),
                        })
                        .collect()
                }),
            })
            .collect()
    }
}

/// One recorded change of an article's state.
pub struct TransitionGql(pub article::Transition);

#[Object(name = "Transition")]
impl TransitionGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    /// The action, or `edit`, `import`, `delete`, `restore` for automatic steps.
    async fn action(&self) -> &str {
        &self.0.action
    }
    async fn from(&self) -> &str {
        &self.0.from
    }
    async fn to(&self) -> &str {
        &self.0.to
    }
    /// The working version at the time.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn comment(&self) -> Option<&str> {
        self.0.comment.as_deref()
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// `null` when the scheduler acted.
    async fn created_by(&self) -> Option<Uuid> {
        self.0.created_by
    }
}

/// A user role.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "Role")]
pub enum RoleGql {
    Viewer,
    Author,
    Editor,
    Admin,
}

impl From<Role> for RoleGql {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => Self::Viewer,
            Role::Author => Self::Author,
            Role::Editor => Self::Editor,
            Role::Admin => Self::Admin,
        }
    }
}

/// A signed-in user.
#[derive(SimpleObject)]
#[graphql(name = "User")]
pub struct UserGql {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: RoleGql,
    pub disabled: bool,
    /// The author profile the user writes as.
    pub author_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<DomainUser> for UserGql {
    fn from(u: DomainUser) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
            disabled: u.disabled,
            author_id: u.author_id,
            created_at: u.created_at.into(),
            updated_at: u.updated_at.into(),
        }
    }
}

/// Tokens of a session.
#[derive(SimpleObject)]
pub struct Tokens {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single use: trade it with `refreshToken` before it expires.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl From<DomainTokens> for Tokens {
    fn from(t: DomainTokens) -> Self {
        Self {
            access_token: t.access_token.expose().to_owned(),
            refresh_token: t.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: t.expires_in,
        }
    }
}

/// What a revision restore returns.
#[derive(Union)]
pub enum Revisable {
    Article(ArticleGql),
    Author(AuthorGql),
    Tag(TagGql),
}

/// How a read of articles should load them: the view asked for, and the
/// relations the query selects (loaded with the page, in one statement each).
pub fn read_of(ctx: &Context<'_>, preview: Option<bool>, connection: bool) -> Read {
    let look = ctx.look_ahead();
    let nodes = if connection {
        vec![look.field("edges").field("node"), look.field("nodes")]
    } else {
        vec![look]
    };
    Read {
        include: article::Include {
            authors: nodes.iter().any(|n| n.field("authors").exists()),
            tags: nodes.iter().any(|n| n.field("tags").exists()),
        },
        preview,
    }
}
