//! The pictures of an article from the media library: the featured image
//! filled in from its asset, the body's `asset:` references checked, the
//! uses of each copy kept in `asset_uses`, and an asset an admin deletes
//! taken out of the articles that show it.

use entities::article;
use entities::types::{ChangeKind, EventVerb};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::model::Article;
use super::read::read_one;
use super::rules::{ArticleSnapshot, Resolved};
use crate::content::asset::{self, uses};
use crate::content::body;
use crate::content::history::{self, Write};
use crate::content::{ArticleCopy, EntityKind, WriteTx, now};
use crate::error::AppError;
use crate::storage::{Event, record_event};

/// Fills in the featured picture from its asset and checks the body's pictures: a
/// missing asset is a 422. Returns the assets the copy uses.
pub(super) async fn fill<C: ConnectionTrait>(
    conn: &C,
    fields: &mut Resolved,
) -> Result<Vec<Uuid>, AppError> {
    // Both are checked, so a client hears of every broken reference at once.
    let featured = match fields.featured_image.as_mut() {
        Some(image) => uses::fill_image(conn, "featured_image", image).await,
        None => Ok(()),
    };
    let body = uses::body_pictures(conn, "body", &fields.body)
        .await
        .map(|_| ());
    match (featured, body) {
        (Err(AppError::Validation(mut a)), Err(AppError::Validation(b))) => {
            a.extend(b);
            return Err(AppError::Validation(a));
        }
        (Err(err), _) | (_, Err(err)) => return Err(err),
        (Ok(()), Ok(())) => {}
    }
    let featured = fields.featured_image.as_ref().and_then(|i| i.asset_id);
    Ok(uses::of_article(featured, &fields.body))
}

/// Loads the library pictures the bodies of `articles` refer to, in one
/// statement for all of them, so `asset:` references can be rendered.
pub(super) async fn attach<C: ConnectionTrait>(
    conn: &C,
    articles: &mut [Article],
) -> Result<(), AppError> {
    let mut ids: Vec<Uuid> = Vec::new();
    let refs: Vec<Vec<Uuid>> = articles
        .iter()
        .map(|a| body::asset_refs(&a.body).found)
        .collect();
    for id in refs.iter().flatten() {
        if !ids.contains(id) {
            ids.push(*id);
        }
    }
    let rows = uses::rows(conn, &ids).await?;
    for (article, wanted) in articles.iter_mut().zip(refs) {
        let pictures = wanted
            .into_iter()
            .filter_map(|id| rows.get(&id).map(|row| (id, asset::picture(row))))
            .collect();
        article.pictures = Some(pictures);
    }
    Ok(())
}

/// The assets a stored copy uses.
pub(super) fn used_by(row: &article::Model) -> Vec<Uuid> {
    uses::of_article(row.featured_asset_id, &row.body)
}

/// Records the uses of one copy of an article.
pub(super) async fn record<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    copy: ArticleCopy,
    assets: &[Uuid],
) -> Result<(), AppError> {
    uses::replace(conn, (EntityKind::Article, id, copy), assets).await
}

/// Records the uses of the live copy of article `id`, telling the change
/// feed of the pictures this shows to the public or hides from it.
pub(super) async fn record_live(
    tx: &WriteTx,
    id: Uuid,
    assets: &[Uuid],
    who: Option<Uuid>,
) -> Result<(), AppError> {
    uses::set_live(tx, (EntityKind::Article, id), assets, who).await
}

/// Forgets the uses of an article's copy (`None`: both).
pub(super) async fn forget<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    copy: Option<ArticleCopy>,
) -> Result<(), AppError> {
    uses::clear(conn, id, copy).await
}

/// Takes asset `asset_id` out of the featured image of every article that
/// shows it: each working copy gets a new version with its revision; a live
/// copy loses the picture at once, with a public event (readers' caches).
/// Pictures of the body stay as written and show their alt text.
pub(crate) async fn drop_picture(
    tx: &WriteTx,
    asset_id: Uuid,
    who: Option<Uuid>,
) -> Result<(), AppError> {
    let rows = article::Entity::find()
        .filter(article::Column::FeaturedAssetId.eq(asset_id))
        .lock_exclusive()
        .all(&**tx)
        .await?;
    for mut row in rows {
        let copy = row.copy;
        row.featured_asset_id = None;
        row.featured_image_url = None;
        row.featured_image_alt = None;
        row.featured_image_width = None;
        row.featured_image_height = None;
        if copy == ArticleCopy::Working {
            row.version += 1;
            row.updated_at = now();
            row.updated_by = who;
        }
        article::Entity::update(article::ActiveModel::from(row.clone()).reset_all())
            .exec(&**tx)
            .await?;
        record(&**tx, row.id, copy, &used_by(&row)).await?;
        if copy == ArticleCopy::Working {
            let links: Article = read_one(&**tx, row.clone(), copy).await?;
            let snapshot = ArticleSnapshot::of(&row, &links.author_ids, &links.tag_ids);
            let write = Write {
                id: row.id,
                version: row.version,
                snapshot: &snapshot,
                message: Some("featured image removed: its asset was deleted"),
                who,
                change: ChangeKind::Update,
                locale: Some(&row.locale),
                previous_locale: None,
                public: false,
            };
            let never = || AppError::Internal(anyhow::anyhow!("no slug changes here"));
            history::record_write::<Article>(tx, Ok(1), never, write).await?;
        } else {
            let event = Event {
                entity: EntityKind::Article,
                id: row.id,
                action: ChangeKind::Update,
                verb: EventVerb::Updated,
                version: row.version,
                locale: Some(&row.locale),
                previous_locale: None,
                actor: who,
                public: true,
            };
            record_event(tx, event);
        }
    }
    Ok(())
}
