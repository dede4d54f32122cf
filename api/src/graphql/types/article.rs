//! Articles and their workflow history.

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, Object, SimpleObject};
use uuid::Uuid;

use super::catalog::{AuthorGql, TagGql};
use super::editing::AutosaveGql;
use super::history::{self, DiffGql, RevisionGql};
use super::not_found_as_none;
use crate::content::article::{self, Article, Transition, autosave};
use crate::content::asset::{self, Image};
use crate::content::body::{self, Pictures};
use crate::content::history::revision;
use crate::content::{Key, Named, State, text};
use crate::graphql::context::req;
use crate::graphql::error::Gql;
use crate::graphql::loaders::{AuthorLoader, PictureLoader, TagLoader, loaded, loader_error};
use crate::graphql::mutation::WorkflowAction;
use crate::graphql::paging::{Conn, Paging};
use crate::graphql::scalars::{Timestamp, ts};

/// Editorial state of an article's working copy.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(name = "ArticleState", remote = "State")]
pub enum ArticleStateGql {
    Draft,
    InReview,
    Approved,
    Scheduled,
    Published,
    Archived,
}

/// A picture shown with content (a featured image, an avatar): a picture
/// of the media library, or an image hosted elsewhere.
#[derive(SimpleObject)]
#[graphql(name = "Image")]
pub struct ImageGql {
    /// The asset of the media library, when it is one.
    pub asset_id: Option<Uuid>,
    pub url: String,
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The allowed widths below the picture's own, for `<img srcset>`.
    pub srcset: Option<String>,
}

impl From<&Image> for ImageGql {
    fn from(i: &Image) -> Self {
        Self {
            asset_id: i.asset_id,
            url: i.url.clone(),
            alt: i.alt.clone(),
            width: i.width,
            height: i.height,
            srcset: asset::srcset(i),
        }
    }
}

/// Search-engine overrides.
#[derive(SimpleObject)]
pub struct Seo {
    pub title: Option<String>,
    pub description: Option<String>,
    pub canonical_url: Option<String>,
}

/// Where an imported article came from.
#[derive(SimpleObject)]
#[graphql(name = "ArticleSource")]
pub struct SourceGql {
    /// `ghost` or `wordpress`.
    pub system: String,
    /// Its id there.
    pub id: String,
    /// Its address there, when known.
    pub url: Option<String>,
}

/// Another article of the same translation group.
#[derive(SimpleObject)]
#[graphql(name = "Translation")]
pub struct TranslationGql {
    pub id: Uuid,
    /// BCP 47 language tag.
    pub locale: String,
    pub slug: String,
    pub state: ArticleStateGql,
    /// True when it has a published version.
    pub published: bool,
}

/// An article, in the copy the request reads (live or working), and its
/// current slug when it was asked for by a former one.
pub struct ArticleGql(pub Article, pub Option<String>);

impl From<Article> for ArticleGql {
    fn from(article: Article) -> Self {
        Self(article, None)
    }
}

impl ArticleGql {
    /// The library pictures the body refers to, loaded with those of the
    /// other articles of the request.
    async fn pictures(&self, ctx: &Context<'_>) -> async_graphql::Result<Pictures> {
        if let Some(pictures) = &self.0.pictures {
            return Ok(pictures.clone());
        }
        let ids = body::asset_refs(&self.0.body).found;
        if ids.is_empty() {
            return Ok(Pictures::new());
        }
        let loader = ctx.data::<DataLoader<PictureLoader>>()?;
        loader.load_many(ids).await.map_err(loader_error)
    }
}

#[Object(name = "Article")]
impl ArticleGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The signed-in caller's autosave of the article (`autosaveArticle`),
    /// when they have one.
    async fn autosave(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<AutosaveGql>> {
        let r = req(ctx)?;
        if r.principal.user_id().is_none() {
            return Ok(None);
        }
        let saved = autosave::get(&r.ctx, &r.principal, &Key::Id(self.0.id)).await;
        not_found_as_none(saved.map(AutosaveGql::from))
    }
    /// The current slug when the article was asked for by a former one
    /// (answer with a permanent redirect to it); `null` otherwise.
    async fn redirect_to(&self) -> Option<&str> {
        self.1.as_deref()
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
    /// The body as sanitised HTML, pictures of the media library resolved.
    async fn body_html(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        let pictures = self.pictures(ctx).await?;
        Ok(body::to_html(&self.0.body, &pictures))
    }
    /// The body as an mdast document tree, for native renderers (`image`
    /// nodes of library pictures carry the asset's data in `asset`).
    async fn body_ast(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<async_graphql::Json<serde_json::Value>> {
        let pictures = self.pictures(ctx).await?;
        Ok(async_graphql::Json(body::to_ast(&self.0.body, &pictures)))
    }
    /// The body as plain text.
    async fn body_text(&self) -> String {
        text::to_text(&self.0.body)
    }
    async fn featured_image(&self) -> Option<ImageGql> {
        self.0.featured_image.as_ref().map(ImageGql::from)
    }
    /// Where the article was imported from (`masthead import --from`).
    async fn source(&self) -> Option<SourceGql> {
        self.0.source.as_ref().map(|s| SourceGql {
            system: s.system.clone(),
            id: s.id.clone(),
            url: s.url.clone(),
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
    /// The workflow actions the article's state allows, whether or not the
    /// caller's role may take them.
    async fn allowed_actions(&self) -> Vec<WorkflowAction> {
        self.0
            .allowed_actions()
            .into_iter()
            .map(WorkflowAction::from)
            .collect()
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
    /// The other articles of its translation group (the same story in other
    /// locales), in the copy read: for the public, the published ones.
    async fn translations(&self) -> Vec<TranslationGql> {
        self.0
            .translations
            .iter()
            .map(|t| TranslationGql {
                id: t.id,
                locale: t.locale.clone(),
                slug: t.slug.clone(),
                state: t.state.into(),
                published: t.published,
            })
            .collect()
    }
    /// The credited authors, in credit order.
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthorGql>> {
        if let Some(authors) = &self.0.authors {
            return Ok(authors.iter().cloned().map(AuthorGql::from).collect());
        }
        let loader = ctx.data::<DataLoader<AuthorLoader>>()?;
        let ids = &self.0.author_ids;
        let found = loader
            .load_many(ids.iter().copied())
            .await
            .map_err(loader_error)?;
        Ok(loaded(ids, found)
            .into_iter()
            .map(AuthorGql::from)
            .collect())
    }
    /// The tags, in order.
    async fn tags(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TagGql>> {
        if let Some(tags) = &self.0.tags {
            return Ok(tags.iter().cloned().map(TagGql::from).collect());
        }
        let loader = ctx.data::<DataLoader<TagLoader>>()?;
        let ids = &self.0.tag_ids;
        let found = loader
            .load_many(ids.iter().copied())
            .await
            .map_err(loader_error)?;
        Ok(loaded(ids, found).into_iter().map(TagGql::from).collect())
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
        let paging = Paging::new(first, after, last, before)?;
        history::revisions::<Article>(ctx, self.0.id, paging).await
    }
    /// One revision (signed-in users); `null` when there is no such version.
    async fn revision(
        &self,
        ctx: &Context<'_>,
        version: i32,
    ) -> async_graphql::Result<Option<RevisionGql>> {
        let r = req(ctx)?;
        let key = Key::Id(self.0.id);
        not_found_as_none(
            revision::<Article>(&r.ctx, &r.principal, &key, version)
                .await
                .map(RevisionGql),
        )
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        history::diff::<Article>(ctx, self.0.id, (from, to)).await
    }
    /// The workflow history, oldest first (signed-in users).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn transitions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<TransitionGql>> {
        let r = req(ctx)?;
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

/// One recorded change of an article's state.
pub struct TransitionGql(pub Transition);

#[Object(name = "Transition")]
impl TransitionGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    /// The action, or `edit`, `import`, `delete`, `restore` for automatic steps.
    async fn action(&self) -> &str {
        self.0.action.as_str()
    }
    async fn from(&self) -> &str {
        self.0.from.as_str()
    }
    async fn to(&self) -> &str {
        self.0.to.as_str()
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
