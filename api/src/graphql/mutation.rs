//! Mutations: writes of articles, authors, tags and assets, the workflow,
//! revision restores, and sign-in for clients that speak only GraphQL.

use async_graphql::{Context, Enum, ID, Object};

use super::context::req;
use super::error::Gql;
use super::inputs::{
    CreateArticleInput, CreateAuthorInput, CreateTagInput, UpdateArticleInput, UpdateAssetInput,
    UpdateAuthorInput, UpdateTagInput,
};
use super::query::key;
use super::scalars::Timestamp;
use super::types::{
    ArticleGql, AssetGql, AuthorGql, AutosaveGql, Revisable, RevisionType, TagGql, Tokens,
};
use crate::config::Secret;
use crate::content::Catalog;
use crate::content::article::{self, Article, TransitionInput, autosave};
use crate::content::asset::{self, Asset};
use crate::content::author::Author;
use crate::content::history::{Versioned, restore};
use crate::content::tag::{self, Tag};
use crate::content::workflow;
use crate::identity::sessions;

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

/// The update of entity `id` of type `T`, as a `node`.
async fn updated<T: Versioned, N>(
    ctx: &Context<'_>,
    id: &ID,
    input: T::Input,
    expected_version: Option<i32>,
    node: fn(T) -> N,
) -> async_graphql::Result<N> {
    let r = req(ctx)?;
    T::update(&r.ctx, &r.principal, &key(id), input, expected_version)
        .await
        .map(node)
        .gql()
}

/// Deletes the author or tag `id`.
async fn deleted<T: Catalog>(ctx: &Context<'_>, id: &ID) -> async_graphql::Result<bool> {
    let r = req(ctx)?;
    T::delete(&r.ctx, &r.principal, &key(id)).await.gql()?;
    Ok(true)
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
        article::create(&r.ctx, &r.principal, input.into())
            .await
            .map(ArticleGql::from)
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
        updated::<Article, _>(ctx, &id, input.into(), expected_version, ArticleGql::from).await
    }

    /// Autosaves fields of an article for the signed-in caller: their one
    /// autosave of it is overwritten, the article is not written (no
    /// revision, no event). Their next `updateArticle` folds it in.
    async fn autosave_article(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateArticleInput,
    ) -> async_graphql::Result<AutosaveGql> {
        let r = req(ctx)?;
        autosave::save(&r.ctx, &r.principal, &key(&id), input.into())
            .await
            .map(AutosaveGql::from)
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
            .map(ArticleGql::from)
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
            action: Some(workflow::WorkflowAction::from(action).into()),
            comment,
            publish_at: publish_at.map(|t| t.0),
            unpublish_at: unpublish_at.map(|t| t.0),
            published_at: published_at.map(|t| t.0),
        };
        article::transition(&r.ctx, &r.principal, &key(&id), input)
            .await
            .map(ArticleGql::from)
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
                .map(|a| Revisable::Article(Box::new(ArticleGql::from(a)))),
            RevisionType::Author => restore::<Author>(ctx, who, &key, version, expected_version)
                .await
                .map(|a| Revisable::Author(AuthorGql::from(a))),
            RevisionType::Tag => restore::<Tag>(ctx, who, &key, version, expected_version)
                .await
                .map(|t| Revisable::Tag(TagGql::from(t))),
            RevisionType::Asset => restore::<Asset>(ctx, who, &key, version, expected_version)
                .await
                .map(|a| Revisable::Asset(AssetGql(a))),
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
        Author::create(&r.ctx, &r.principal, input.into())
            .await
            .map(AuthorGql::from)
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
        updated::<Author, _>(ctx, &id, input.into(), expected_version, AuthorGql::from).await
    }

    /// Deletes an author credited on no article.
    async fn delete_author(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        deleted::<Author>(ctx, &id).await
    }

    /// Changes the text or focal point of an asset (authors: their own
    /// uploads; editors, admins); see `updateArticle` for
    /// `expectedVersion`. Files are uploaded with `POST /api/v1/assets`.
    async fn update_asset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateAssetInput,
        expected_version: Option<i32>,
    ) -> async_graphql::Result<AssetGql> {
        updated(ctx, &id, input.into(), expected_version, AssetGql).await
    }

    /// Deletes an asset that nothing uses; `force` (admins) takes it out of
    /// the articles and authors that do first.
    async fn delete_asset(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] force: bool,
    ) -> async_graphql::Result<bool> {
        let r = req(ctx)?;
        asset::delete(&r.ctx, &r.principal, &key(&id), force)
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
        Tag::create(&r.ctx, &r.principal, input.into())
            .await
            .map(TagGql::from)
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
        updated::<Tag, _>(ctx, &id, input.into(), expected_version, TagGql::from).await
    }

    /// Deletes a tag no article is filed under; with `detach`, a tag that
    /// articles are filed under is first taken off them (each gets a
    /// revision).
    async fn delete_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(default)] detach: bool,
    ) -> async_graphql::Result<bool> {
        if !detach {
            return deleted::<Tag>(ctx, &id).await;
        }
        let r = req(ctx)?;
        tag::delete_detaching(&r.ctx, &r.principal, &key(&id))
            .await
            .gql()?;
        Ok(true)
    }

    /// Merges tag `id` into tag `into` (ids or slugs): its articles are
    /// filed under `into` (each with a revision), it is deleted, and its
    /// slug redirects to `into`. Returns `into`.
    async fn merge_tag(
        &self,
        ctx: &Context<'_>,
        id: ID,
        into: ID,
    ) -> async_graphql::Result<TagGql> {
        let r = req(ctx)?;
        tag::merge(&r.ctx, &r.principal, &key(&id), &key(&into))
            .await
            .map(TagGql::from)
            .gql()
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
