//! Which content uses which asset (`asset_uses`), kept in the transaction
//! of every write that changes it: an article copy's featured image and the
//! pictures of its body, an author's avatar. The uses of live copies and
//! authors are what makes an asset public.

use std::collections::{HashMap, HashSet};

use entities::asset;
use entities::asset_use;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::content::{ArticleCopy, EntityKind, WriteTx, body};
use crate::error::{AppError, FieldError};
use crate::storage::{Event, record_event};
use entities::types::{ChangeKind, EventVerb};

/// The assets an article copy uses: its featured image, then the pictures
/// of its body, each once.
pub(crate) fn of_article(featured: Option<Uuid>, markdown: &str) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = featured.into_iter().collect();
    for id in body::asset_refs(markdown).found {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Sets the uses of one article copy or author to `assets`.
pub(crate) async fn replace<C: ConnectionTrait>(
    conn: &C,
    (entity, id, copy): (EntityKind, Uuid, ArticleCopy),
    assets: &[Uuid],
) -> Result<(), AppError> {
    asset_use::Entity::delete_many()
        .filter(asset_use::Column::EntityId.eq(id))
        .filter(asset_use::Column::Copy.eq(copy))
        .filter(asset_use::Column::Entity.eq(entity))
        .exec(conn)
        .await?;
    if assets.is_empty() {
        return Ok(());
    }
    asset_use::Entity::insert_many(assets.iter().map(|asset_id| {
        asset_use::ActiveModel::from(asset_use::Model {
            asset_id: *asset_id,
            entity,
            entity_id: id,
            copy,
        })
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The assets that the live copy of article `id` (or author `id`) uses.
pub(crate) async fn live_uses<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> Result<Vec<Uuid>, AppError> {
    Ok(asset_use::Entity::find()
        .select_only()
        .column(asset_use::Column::AssetId)
        .filter(asset_use::Column::EntityId.eq(id))
        .filter(asset_use::Column::Copy.eq(ArticleCopy::Live))
        .into_tuple()
        .all(conn)
        .await?)
}

/// Which of `ids` the public sees (a live copy or an author uses them).
async fn public_among<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, AppError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Uuid> = asset_use::Entity::find()
        .select_only()
        .column(asset_use::Column::AssetId)
        .filter(asset_use::Column::AssetId.is_in(ids.to_vec()))
        .filter(asset_use::Column::Copy.eq(ArticleCopy::Live))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// Sets the uses of what readers see of article or author `id` to
/// `assets`, and tells the change feed of every asset this makes public or
/// private (an `asset.updated` event the public hears): a public sync or
/// webhook learns of a picture when a publication shows it, and of its
/// going when the last one stops.
pub(crate) async fn set_live(
    tx: &WriteTx,
    (entity, id): (EntityKind, Uuid),
    assets: &[Uuid],
    who: Option<Uuid>,
) -> Result<(), AppError> {
    let mut affected = live_uses(&**tx, id).await?;
    if affected.is_empty() && assets.is_empty() {
        return Ok(());
    }
    for asset in assets {
        if !affected.contains(asset) {
            affected.push(*asset);
        }
    }
    let before = public_among(&**tx, &affected).await?;
    replace(&**tx, (entity, id, ArticleCopy::Live), assets).await?;
    let after = public_among(&**tx, &affected).await?;
    let changed: Vec<Uuid> = affected
        .into_iter()
        .filter(|a| before.contains(a) != after.contains(a))
        .collect();
    for row in rows(&**tx, &changed).await?.into_values() {
        record_event(
            tx,
            Event {
                entity: EntityKind::Asset,
                id: row.id,
                action: ChangeKind::Update,
                verb: EventVerb::Updated,
                version: row.version,
                locale: None,
                previous_locale: None,
                actor: who,
                public: true,
            },
        );
    }
    Ok(())
}

/// Removes the uses of an entity (of one copy, or of both).
pub(crate) async fn clear<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    copy: Option<ArticleCopy>,
) -> Result<(), AppError> {
    let mut delete = asset_use::Entity::delete_many().filter(asset_use::Column::EntityId.eq(id));
    if let Some(copy) = copy {
        delete = delete.filter(asset_use::Column::Copy.eq(copy));
    }
    delete.exec(conn).await?;
    Ok(())
}

/// The stored rows of `ids`, in one statement.
pub(crate) async fn rows<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, asset::Model>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(asset::Entity::find()
        .filter(asset::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect())
}

/// The pictures `body` refers to (`![alt](asset:{id})`), checked: a
/// reference that is not an id, or names no stored picture, is a 422 on `field`.
pub(crate) async fn body_pictures<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    markdown: &str,
) -> Result<Vec<Uuid>, AppError> {
    let refs = body::asset_refs(markdown);
    let mut errors: Vec<FieldError> = refs
        .malformed
        .iter()
        .map(|bad| {
            FieldError::new(
                field,
                format!("`{bad}` is not an asset reference (asset:<id>)"),
            )
        })
        .collect();
    let found = rows(conn, &refs.found).await?;
    for id in &refs.found {
        match found.get(id) {
            None => errors.push(FieldError::new(field, format!("asset {id} does not exist"))),
            Some(row) if !row.content_type.starts_with("image/") => errors.push(FieldError::new(
                field,
                format!("asset {id} is not a picture ({})", row.content_type),
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(refs.found)
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The picture asset `id` names, for a featured image or an avatar at
/// `field`: a 422 when there is none.
pub(crate) async fn picture<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    id: Uuid,
) -> Result<asset::Model, AppError> {
    let row = asset::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::invalid(field, format!("asset {id} does not exist")))?;
    if !row.content_type.starts_with("image/") {
        return Err(AppError::invalid(
            field,
            format!("asset {id} is not a picture ({})", row.content_type),
        ));
    }
    Ok(row)
}

/// Fills in a picture of the library from its asset: URL, size, and the
/// asset's alt text when the content gives none. A picture that keeps its
/// asset (URL already known) is left as it is.
pub(crate) async fn fill_image<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    image: &mut super::Image,
) -> Result<(), AppError> {
    let Some(id) = image.asset_id else {
        return Ok(());
    };
    if !image.url.is_empty() {
        return Ok(());
    }
    let row = picture(conn, &format!("{field}.asset_id"), id).await?;
    image.url = super::media_path(id, &row.filename);
    image.width = row.width.and_then(|n| u32::try_from(n).ok());
    image.height = row.height.and_then(|n| u32::try_from(n).ok());
    if image.alt.is_none() {
        image.alt = row.alt;
    }
    Ok(())
}
