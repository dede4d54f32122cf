//! Mutations: writes of articles, authors and tags, the workflow, revision
//! restores, and sign-in for clients that speak only GraphQL.

use async_graphql::{Context, Enum, ID, InputObject, Json, MaybeUndefined, Object};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::context::req;
use super::error::Gql;
use super::query::key;
use super::scalars::Timestamp;
use super::types::{
    ArticleGql, ArticleStateGql, AuthorGql, Revisable, RevisionType, TagGql, Tokens,
};
use crate::config::Secret;
use crate::content::article::{
    self, Article, ArticleInput, FeaturedImageInput, SeoInput, TransitionInput,
};
use crate::content::author::{self, Author, AuthorInput};
use crate::content::history::restore;
use crate::content::tag::{self, Tag, TagInput};
use crate::content::{Patch, workflow};
use crate::identity::sessions;

fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Missing,
        MaybeUndefined::Null => Patch::Null,
        MaybeUndefined::Value(value) => Patch::Value(value),
    }
}

fn given<T>(value: Option<T>) -> Patch<T> {
    value.into()
}

/// The picture shown with an article.
#[derive(InputObject, Debug, Default)]
pub struct FeaturedImageWrite {
    /// Absolute http(s) URL.
    pub url: MaybeUndefined<String>,
    /// Text alternative.
    pub alt: MaybeUndefined<String>,
}

/// Search-engine overrides; in an update, fields not given keep their values.
#[derive(InputObject, Debug, Default)]
pub struct SeoWrite {
    pub title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub canonical_url: MaybeUndefined<String>,
}

fn image(value: MaybeUndefined<FeaturedImageWrite>) -> Patch<FeaturedImageInput> {
    patch(value).map(|i| FeaturedImageInput {
        url: patch(i.url),
        alt: patch(i.alt),
    })
}

fn seo(value: MaybeUndefined<SeoWrite>) -> Patch<SeoInput> {
    patch(value).map(|s| SeoInput {
        title: patch(s.title),
        description: patch(s.description),
        canonical_url: patch(s.canonical_url),
    })
}

/// A new article.
#[derive(InputObject, Debug)]
pub struct CreateArticleInput {
    /// Generated from the title when absent.
    pub slug: Option<String>,
    /// BCP 47; the default locale when absent.
    pub locale: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    /// CommonMark Markdown.
    pub body: Option<String>,
    #[graphql(default)]
    pub featured_image: MaybeUndefined<FeaturedImageWrite>,
    #[graphql(default)]
    pub seo: MaybeUndefined<SeoWrite>,
    /// Credited authors in order; at least one.
    pub author_ids: Vec<Uuid>,
    pub tag_ids: Option<Vec<Uuid>>,
    /// The starting state (imports: editors and admins).
    pub state: Option<ArticleStateGql>,
    /// For an article created published: its publication date.
    pub published_at: Option<Timestamp>,
    /// A note stored with revision 1.
    pub revision_message: Option<String>,
}

/// Changes to an article: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateArticleInput {
    pub slug: MaybeUndefined<String>,
    pub locale: MaybeUndefined<String>,
    pub title: MaybeUndefined<String>,
    pub subtitle: MaybeUndefined<String>,
    pub excerpt: MaybeUndefined<String>,
    pub body: MaybeUndefined<String>,
    pub featured_image: MaybeUndefined<FeaturedImageWrite>,
    pub seo: MaybeUndefined<SeoWrite>,
    pub author_ids: MaybeUndefined<Vec<Uuid>>,
    pub tag_ids: MaybeUndefined<Vec<Uuid>>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

/// A new author.
#[derive(InputObject, Debug)]
pub struct CreateAuthorInput {
    pub slug: Option<String>,
    pub name: String,
    pub bio: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub website: Option<String>,
    /// Network name → URL or handle.
    pub social: Option<Json<Map<String, Value>>>,
    pub revision_message: Option<String>,
}

/// Changes to an author: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateAuthorInput {
    pub slug: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
    pub email: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    pub website: MaybeUndefined<String>,
    pub social: MaybeUndefined<Json<Map<String, Value>>>,
    pub revision_message: Option<String>,
}

/// A new tag.
#[derive(InputObject, Debug)]
pub struct CreateTagInput {
    pub slug: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub revision_message: Option<String>,
}

/// Changes to a tag: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateTagInput {
    pub slug: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub revision_message: Option<String>,
}

/// A workflow action.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "workflow::WorkflowAction")]
pub enum WorkflowAction {
    Submit,
    RequestChanges,
    Approve,
    Publish,
    Schedule,
    Unpublish,
    Archive,
}

/// The root of mutations.
pub struct Mutation;

#[Object]
impl Mutation {
    /// Creates an article (authors credit themselves; editors, admins).
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: CreateArticleInput,
    ) -> async_graphql::Result<ArticleGql> {
        let r = req(ctx)?;
        let write = ArticleInput {
            id: None,
            slug: given(input.slug),
            locale: given(input.locale),
            title: Patch::Value(input.title),
            subtitle: given(input.subtitle),
            excerpt: given(input.excerpt),
            body: given(input.body),
            featured_image: image(input.featured_image),
            seo: seo(input.seo),
            author_ids: Patch::Value(input.author_ids),
            tag_ids: given(input.tag_ids),
            state: given(input.state.map(Into::into)),
            published_at: given(input.published_at.map(|t| t.0)),
            revision_message: input.revision_message,
        };
        article::create(&r.ctx, &r.principal, write)
            .await
            .map(ArticleGql)
            .gql()
    }

    /// Updates an article's working copy. With `expectedVersion`, fails with
    /// `VERSION_CONFLICT` unless that version is still current.
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateArticleInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<ArticleGql> {
        let r = req(ctx)?;
        let write = ArticleInput {
            id: None,
            slug: patch(input.slug),
            locale: patch(input.locale),
            title: patch(input.title),
            subtitle: patch(input.subtitle),
            excerpt: patch(input.excerpt),
            body: patch(input.body),
            featured_image: image(input.featured_image),
            seo: seo(input.seo),
            author_ids: patch(input.author_ids),
            tag_ids: patch(input.tag_ids),
            state: Patch::Missing,
            published_at: Patch::Missing,
            revision_message: input.revision_message,
        };
        article::update(&r.ctx, &r.principal, &key(&id), write, expected_version)
            .await
            .map(ArticleGql)
            .gql()
    }

    /// Deletes an article (kept, restorable by an admin); `permanent` (admins) purges it.
    async fn delete_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] permanent: bool,
    ) -> async_graphql::Result<bool> {
        let r = req(ctx)?;
        article::delete(&r.ctx, &r.principal, &key(&id), permanent)
            .await
            .gql()?;
        Ok(true)
    }

    /// Brings a deleted article back (admins).
    async fn restore_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ArticleGql> {
        let r = req(ctx)?;
        article::undelete(&r.ctx, &r.principal, &key(&id))
            .await
            .map(ArticleGql)
            .gql()
    }

    /// Takes a workflow action; an action the state does not allow fails with
    /// `INVALID_TRANSITION` and the allowed actions in `extensions.allowedActions`.
    #[allow(
        clippy::too_many_arguments,
        reason = "each action has its own optional arguments"
    )]
    async fn transition_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        action: WorkflowAction,
        comment: Option<String>,
        publish_at: Option<Timestamp>,
        unpublish_at: Option<Timestamp>,
        published_at: Option<Timestamp>,
    ) -> async_graphql::Result<ArticleGql> {
        let r = req(ctx)?;
        let input = TransitionInput {
            action: Some(action.into()),
            comment,
            publish_at: publish_at.map(|t| t.0),
            unpublish_at: unpublish_at.map(|t| t.0),
            published_at: published_at.map(|t| t.0),
        };
        article::transition(&r.ctx, &r.principal, &key(&id), input)
            .await
            .map(ArticleGql)
            .gql()
    }

    /// Restores an article, author or tag to an earlier version, as a new version.
    async fn restore_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "type")] kind: RevisionType,
        id: ID,
        version: i32,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<Revisable> {
        let r = req(ctx)?;
        let key = key(&id);
        let (ctx, who) = (&r.ctx, &r.principal);
        match kind {
            RevisionType::Article => restore::<Article>(ctx, who, &key, version, expected_version)
                .await
                .map(|a| Revisable::Article(ArticleGql(a))),
            RevisionType::Author => restore::<Author>(ctx, who, &key, version, expected_version)
                .await
                .map(|a| Revisable::Author(AuthorGql(a))),
            RevisionType::Tag => restore::<Tag>(ctx, who, &key, version, expected_version)
                .await
                .map(|t| Revisable::Tag(TagGql(t))),
        }
        .gql()
    }

    /// Creates an author (editors, admins).
    async fn create_author(
        &self,
        ctx: &Context<'_>,
        input: CreateAuthorInput,
    ) -> async_graphql::Result<AuthorGql> {
        let r = req(ctx)?;
        let write = AuthorInput {
            id: None,
            slug: given(input.slug),
            name: Patch::Value(input.name),
            bio: given(input.bio),
            email: given(input.email),
            avatar_url: given(input.avatar_url),
            website: given(input.website),
            social: given(input.social.map(|j| j.0)),
            revision_message: input.revision_message,
        };
        author::create(&r.ctx, &r.principal, write)
            .await
            .map(AuthorGql)
            .gql()
    }

    /// Updates an author; see `updateArticle` for `expectedVersion`.
    async fn update_author(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAuthorInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<AuthorGql> {
        let r = req(ctx)?;
        let write = AuthorInput {
            id: None,
            slug: patch(input.slug),
            name: patch(input.name),
            bio: patch(input.bio),
            email: patch(input.email),
            avatar_url: patch(input.avatar_url),
            website: patch(input.website),
            social: patch(input.social).map(|j| j.0),
            revision_message: input.revision_message,
        };
        author::update(&r.ctx, &r.principal, &key(&id), write, expected_version)
            .await
            .map(AuthorGql)
            .gql()
    }

    /// Deletes an author credited on no article.
    async fn delete_author(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let r = req(ctx)?;
        author::delete(&r.ctx, &r.principal, &key(&id))
            .await
            .gql()?;
        Ok(true)
    }

    /// Creates a tag (editors, admins).
    async fn create_tag(
        &self,
        ctx: &Context<'_>,
        input: CreateTagInput,
    ) -> async_graphql::Result<TagGql> {
        let r = req(ctx)?;
        let write = TagInput {
            id: None,
            slug: given(input.slug),
            name: Patch::Value(input.name),
            description: given(input.description),
            revision_message: input.revision_message,
        };
        tag::create(&r.ctx, &r.principal, write)
            .await
            .map(TagGql)
            .gql()
    }

    /// Updates a tag; see `updateArticle` for `expectedVersion`.
    async fn update_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateTagInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<TagGql> {
        let r = req(ctx)?;
        let write = TagInput {
            id: None,
            slug: patch(input.slug),
            name: patch(input.name),
            description: patch(input.description),
            revision_message: input.revision_message,
        };
        tag::update(&r.ctx, &r.principal, &key(&id), write, expected_version)
            .await
            .map(TagGql)
            .gql()
    }

    /// Deletes a tag no article is filed under.
    async fn delete_tag(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let r = req(ctx)?;
        tag::delete(&r.ctx, &r.principal, &key(&id)).await.gql()?;
        Ok(true)
    }

    /// Signs in; the same throttling and answers as `POST /api/v1/auth/login`.
    async fn login(
        &self,
        ctx: &Context<'_>,
        email: String,
        password: String,
    ) -> async_graphql::Result<Tokens> {
        let r = req(ctx)?;
        sessions::login(
            &r.identity,
            &email,
            &Secret::new(password),
            r.address.as_deref(),
        )
        .await
        .map(Into::into)
        .gql()
    }

    /// Trades a refresh token for new tokens; a spent one revokes its session.
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<Tokens> {
        let r = req(ctx)?;
        sessions::refresh(&r.identity, &Secret::new(refresh_token))
            .await
            .map(Into::into)
            .gql()
    }

    /// Ends the session of a refresh token.
    async fn logout(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> async_graphql::Result<bool> {
        let r = req(ctx)?;
        sessions::logout(&r.identity, &Secret::new(refresh_token))
            .await
            .gql()?;
        Ok(true)
    }
}
