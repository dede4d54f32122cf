//! Reading the library: one asset, a page of them, who uses one, and what
//! the media route needs to serve its bytes — each as the caller may see it.

use std::collections::HashMap;

use entities::{article, asset, asset_use, author};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect,
    Select,
};
use serde_json::json;
use uuid::Uuid;

use super::{ArticleUse, Asset, AssetFilter, AssetSort, AuthorUse, FocalPoint, TypeFilter, Usage};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::body::{Picture, Pictures};
use crate::content::{ArticleCopy, Ctx, EntityKind, Key};
use crate::error::AppError;
use crate::media::{Allowed, Focus, Kind};
use crate::storage::contains_ci;
use crate::storage::page::{self, ListQuery, Page};

/// The asset of a stored row.
pub(super) fn from_row(row: asset::Model, usage_count: u64) -> Asset {
    let side = |n: Option<i32>| n.and_then(|n| u32::try_from(n).ok());
    Asset {
        id: row.id,
        filename: row.filename,
        content_type: row.content_type,
        size: u64::try_from(row.size).unwrap_or_default(),
        sha256: row.sha256,
        width: side(row.width),
        height: side(row.height),
        blurhash: row.blurhash,
        dominant_color: row.dominant_color,
        alt: row.alt,
        caption: row.caption,
        credit: row.credit,
        focal_point: row
            .focal_x
            .zip(row.focal_y)
            .map(|(x, y)| FocalPoint { x, y }),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
        usage_count,
    }
}

/// Whether `principal` sees working copies: signed-in users and preview keys.
fn sees_drafts(ctx: &Ctx, principal: &Principal) -> bool {
    !Ctx::reads_as_public(principal) && ctx.allows(principal, Action::ReadPreview)
}

/// Whether `principal` reads the whole library: those who see working
/// copies, and everyone when `MASTHEAD_PUBLIC_MEDIA=all`.
pub(super) fn reads_everything(ctx: &Ctx, principal: &Principal) -> bool {
    ctx.media.public_all || sees_drafts(ctx, principal)
}

/// The assets a live article copy or an author uses: what the public reads.
fn public_ids() -> SelectStatement {
    Query::select()
        .column(asset_use::Column::AssetId)
        .from(asset_use::Entity)
        .and_where(asset_use::Column::Copy.eq(ArticleCopy::Live))
        .to_owned()
}

fn used_ids() -> SelectStatement {
    Query::select()
        .column(asset_use::Column::AssetId)
        .from(asset_use::Entity)
        .to_owned()
}

/// The rows `principal` may see.
fn visible(ctx: &Ctx, principal: &Principal) -> Result<Select<asset::Entity>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let select = asset::Entity::find();
    Ok(if reads_everything(ctx, principal) {
        select
    } else {
        select.filter(asset::Column::Id.in_subquery(public_ids()))
    })
}

fn id_of(key: &Key) -> Result<Uuid, AppError> {
    match key {
        Key::Id(id) => Ok(*id),
        Key::Slug { .. } => Err(AppError::not_found("asset")),
    }
}

/// How many articles and authors use each of `ids`, in one statement;
/// with `live_only`, only what readers see (the count the public gets).
pub(super) async fn usage_counts<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
    live_only: bool,
) -> Result<HashMap<Uuid, u64>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut uses = asset_use::Entity::find();
    if live_only {
        uses = uses.filter(asset_use::Column::Copy.eq(ArticleCopy::Live));
    }
    let rows: Vec<(Uuid, i64)> = uses
        .select_only()
        .column(asset_use::Column::AssetId)
        .column_as(
            Expr::col(asset_use::Column::EntityId).count_distinct(),
            "uses",
        )
        .filter(asset_use::Column::AssetId.is_in(ids.to_vec()))
        .group_by(asset_use::Column::AssetId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or_default()))
        .collect())
}

/// One asset, when `principal` may see it.
pub async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Asset, AppError> {
    let id = id_of(key)?;
    let row = visible(ctx, principal)?
        .filter(asset::Column::Id.eq(id))
        .one(ctx.db.conn())
        .await?
        .ok_or_else(|| AppError::not_found("asset"))?;
    let live_only = !sees_drafts(ctx, principal);
    let counts = usage_counts(ctx.db.conn(), &[id], live_only).await?;
    Ok(from_row(row, counts.get(&id).copied().unwrap_or_default()))
}

/// A page of the assets `principal` may see.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<AssetFilter, AssetSort>,
) -> Result<Page<Asset>, AppError> {
    let mut select = visible(ctx, principal)?;
    let filter = &query.filter;
    if let Some(ids) = &filter.ids {
        select = select.filter(asset::Column::Id.is_in(ids.clone()));
    }
    select = match &filter.kind {
        None => select,
        Some(TypeFilter::Image) => select.filter(asset::Column::ContentType.starts_with("image/")),
        Some(TypeFilter::Document) => {
            select.filter(asset::Column::ContentType.starts_with("image/").not())
        }
        Some(TypeFilter::Exact(kind)) => {
            select.filter(asset::Column::ContentType.eq(kind.as_str()))
        }
    };
    if let Some(q) = &filter.q {
        select = select.filter(
            Condition::any()
                .add(contains_ci(asset::Column::Filename, q))
                .add(contains_ci(asset::Column::Alt, q))
                .add(contains_ci(asset::Column::Caption, q)),
        );
    }
    select = match filter.used {
        None => select,
        Some(true) => select.filter(asset::Column::Id.in_subquery(used_ids())),
        Some(false) => select.filter(asset::Column::Id.not_in_subquery(used_ids())),
    };
    let page = page::fetch(ctx.db.conn(), select, None, &query.sort, &query.page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let live_only = !sees_drafts(ctx, principal);
    let counts = usage_counts(ctx.db.conn(), &ids, live_only).await?;
    Ok(page.map(|row| {
        let count = counts.get(&row.id).copied().unwrap_or_default();
        from_row(row, count)
    }))
}

/// The articles (either copy) and authors that use an asset. Article titles
/// of drafts are not public: this needs preview rights.
pub async fn usage(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Usage, AppError> {
    ctx.require(principal, Action::ReadPreview)?;
    let id = id_of(key)?;
    let conn = ctx.db.conn();
    asset::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("asset"))?;
    let uses = asset_use::Entity::find()
        .filter(asset_use::Column::AssetId.eq(id))
        .all(conn)
        .await?;
    let mut articles: Vec<ArticleUse> = Vec::new();
    let article_ids: Vec<Uuid> = uses
        .iter()
        .filter(|u| u.entity == EntityKind::Article)
        .map(|u| u.entity_id)
        .collect();
    let rows = article::Entity::find()
        .filter(article::Column::Id.is_in(article_ids))
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .all(conn)
        .await?;
    for row in rows {
        let used_by = |copy| uses.iter().any(|u| u.entity_id == row.id && u.copy == copy);
        articles.push(ArticleUse {
            id: row.id,
            live: used_by(ArticleCopy::Live),
            working: used_by(ArticleCopy::Working),
            title: row.title,
            slug: row.slug,
            locale: row.locale,
        });
    }
    let author_ids: Vec<Uuid> = uses
        .iter()
        .filter(|u| u.entity == EntityKind::Author)
        .map(|u| u.entity_id)
        .collect();
    let authors = author::Entity::find()
        .filter(author::Column::Id.is_in(author_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| AuthorUse {
            id: row.id,
            name: row.name,
            slug: row.slug,
        })
        .collect();
    Ok(Usage { articles, authors })
}

/// Whether a live article copy or an author uses asset `id`.
pub(super) async fn is_public<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<bool, AppError> {
    Ok(asset_use::Entity::find()
        .filter(asset_use::Column::AssetId.eq(id))
        .filter(asset_use::Column::Copy.eq(ArticleCopy::Live))
        .one(conn)
        .await?
        .is_some())
}

/// What the media route needs to serve an asset's bytes.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub filename: String,
    pub kind: Kind,
    pub size: u64,
    pub sha256: String,
    pub focus: Option<Focus>,
    /// Readable by anyone (used by published content, or a public library):
    /// shared caches may keep it.
    pub public: bool,
}

/// The asset `id` for serving its bytes, when `principal` may see it.
pub async fn open(ctx: &Ctx, principal: &Principal, id: Uuid) -> Result<Delivery, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let conn = ctx.db.conn();
    let row = asset::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("asset"))?;
    let public = ctx.media.public_all || is_public(conn, id).await?;
    if !public && !reads_everything(ctx, principal) {
        return Err(AppError::not_found("asset"));
    }
    let kind = Kind::from_content_type(&row.content_type).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!(
            "asset {id} has a content type outside the accepted set: {}",
            row.content_type
        ))
    })?;
    Ok(Delivery {
        id,
        kind,
        size: u64::try_from(row.size).unwrap_or_default(),
        focus: row.focal_x.zip(row.focal_y).map(|(x, y)| Focus { x, y }),
        filename: row.filename,
        sha256: row.sha256,
        public,
    })
}

/// A library picture as a body shows it, with what native renderers get.
pub(crate) fn picture(row: &asset::Model) -> Picture {
    let url = super::media_path(row.id, &row.filename);
    let width = row.width.and_then(|n| u32::try_from(n).ok());
    let height = row.height.and_then(|n| u32::try_from(n).ok());
    let data = json!({
        "id": row.id,
        "url": url,
        "content_type": row.content_type,
        "width": width,
        "height": height,
        "alt": row.alt,
        "caption": row.caption,
        "credit": row.credit,
        "blurhash": row.blurhash,
        "dominant_color": row.dominant_color,
        "srcset": super::srcset_of(&url, width, Allowed::current()),
    });
    Picture {
        url,
        width,
        height,
        data,
    }
}

/// The pictures of `ids` as bodies show them, in one statement (for
/// batched loading of the pictures bodies refer to).
pub async fn pictures(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<Pictures, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    Ok(super::uses::rows(ctx.db.conn(), ids)
        .await?
        .iter()
        .map(|(id, row)| (*id, picture(row)))
        .collect())
}
