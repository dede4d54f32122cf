//! An article's revisions: listing, reading, comparing and restoring them.

use serde_json::Value;

use super::model::{Article, ArticleInput, FeaturedImageInput, SeoInput, View};
use super::query;
use super::service::update;
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::page::{Page, Pagination, Sort};
use crate::content::revision::{self, Diff, Revision, RevisionSort, text_field};
use crate::content::{Ctx, Key, Patch};
use crate::error::AppError;

async fn article_id(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<uuid::Uuid, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    Ok(
        query::find_row(ctx, &ctx.db.conn, key, View::Preview, false)
            .await?
            .id,
    )
}

/// The revisions of an article (signed-in users).
pub async fn revisions(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    sort: &Sort<RevisionSort>,
    pagination: &Pagination,
) -> Result<Page<Revision>, AppError> {
    let id = article_id(ctx, principal, key).await?;
    revision::list(
        &ctx.db.conn,
        revision::Entity::Article,
        id,
        sort,
        pagination,
    )
    .await
}

/// One revision of an article (signed-in users).
pub async fn revision(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
) -> Result<Revision, AppError> {
    let id = article_id(ctx, principal, key).await?;
    revision::get(&ctx.db.conn, revision::Entity::Article, id, version).await
}

/// What changed between two revisions of an article (signed-in users).
pub async fn diff(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    from: i32,
    to: i32,
) -> Result<Diff, AppError> {
    let id = article_id(ctx, principal, key).await?;
    revision::diff(&ctx.db.conn, revision::Entity::Article, id, from, to).await
}

fn ids(snapshot: &serde_json::Map<String, Value>, name: &str) -> Patch<Vec<uuid::Uuid>> {
    let ids = snapshot
        .get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().and_then(|s| uuid::Uuid::parse_str(s).ok()))
                .collect()
        })
        .unwrap_or_default();
    Patch::Value(ids)
}

/// Restores an article's content to an earlier revision. The restore is a new
/// revision (n+1) equal in content to the old one, made by the same rules as
/// an edit: the same permissions, and the working copy goes back to draft.
pub async fn restore(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
    expected_version: Option<i32>,
) -> Result<Article, AppError> {
    ctx.require(principal, Action::EditArticle)?;
    let id = query::find_row(ctx, &ctx.db.conn, key, View::Preview, false)
        .await?
        .id;
    let old = revision::get(&ctx.db.conn, revision::Entity::Article, id, version).await?;
    let snapshot = &old.snapshot;
    let object = |name: &str| snapshot.get(name).and_then(Value::as_object);
    let input = ArticleInput {
        id: None,
        slug: text_field(snapshot, "slug"),
        locale: text_field(snapshot, "locale"),
        title: text_field(snapshot, "title"),
        subtitle: text_field(snapshot, "subtitle"),
        excerpt: text_field(snapshot, "excerpt"),
        body: text_field(snapshot, "body"),
        featured_image: match object("featured_image") {
            Some(image) => Patch::Value(FeaturedImageInput {
                url: text_field(image, "url"),
                alt: text_field(image, "alt"),
            }),
            None => Patch::Null,
        },
        seo: match object("seo") {
            Some(seo) => Patch::Value(SeoInput {
                title: text_field(seo, "title"),
                description: text_field(seo, "description"),
                canonical_url: text_field(seo, "canonical_url"),
            }),
            None => Patch::Null,
        },
        author_ids: ids(snapshot, "author_ids"),
        tag_ids: ids(snapshot, "tag_ids"),
        state: Patch::Missing,
        published_at: Patch::Missing,
        revision_message: Some(format!("restored from version {version}")),
    };
    update(ctx, principal, &Key::Id(id), input, expected_version).await
}
