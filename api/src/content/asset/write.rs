//! Writing the library: uploads (the bytes stored once by their SHA-256,
//! then the row with revision 1), edits of the text and focal point (the
//! history engine's update), and deletion (409 while used, unless an admin
//! forces it).

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entities::types::{ChangeKind, EventVerb};
use entities::{asset, asset_use};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect,
};
use uuid::Uuid;

use super::read::{from_row, is_public, usage_counts};
use super::{Asset, AssetInput, AssetSnapshot, FocalPoint, Upload};
use crate::auth::Principal;
use crate::auth::policy::{Action, Grant};
use crate::content::history::{self, Versioned, Write};
use crate::content::validate::{self, Errors};
use crate::content::{ArticleCopy, Ctx, EntityKind, Key, now};
use crate::error::{AppError, FieldError};
use crate::media::{intake, store};
use crate::storage::{Event, record_event};

/// Longest alt text, caption and credit, in characters.
const MAX_ALT: usize = 1_000;
const MAX_CAPTION: usize = 2_000;
const MAX_CREDIT: usize = 300;

fn check_text(
    errors: &mut Errors,
    alt: Option<&String>,
    caption: Option<&String>,
    credit: Option<&String>,
) {
    errors.optional_text("alt", alt, MAX_ALT);
    errors.optional_text("caption", caption, MAX_CAPTION);
    errors.optional_text("credit", credit, MAX_CREDIT);
}

fn check_focus(errors: &mut Errors, focus: Option<&FocalPoint>) {
    if let Some(point) = focus {
        for (field, value) in [("focal_point.x", point.x), ("focal_point.y", point.y)] {
            if !(0.0..=1.0).contains(&value) {
                errors.push(field, "must be between 0 and 1");
            }
        }
    }
}

/// Whether `principal` may upload (401/403 otherwise): asked before an
/// upload's bytes are read, and again by [`upload`].
pub fn may_upload(ctx: &Ctx, principal: &Principal) -> Result<(), AppError> {
    ctx.require(principal, Action::UploadMedia).map(|_| ())
}

/// Adds a file to the library. Its kind is told from its bytes; location
/// metadata is removed from pictures, which are decoded once for their
/// size, placeholder and colour; identical bytes are stored once.
pub async fn upload(ctx: &Ctx, principal: &Principal, upload: Upload) -> Result<Asset, AppError> {
    may_upload(ctx, principal)?;
    let mut errors = Errors::default();
    check_text(
        &mut errors,
        upload.alt.as_ref(),
        upload.caption.as_ref(),
        upload.credit.as_ref(),
    );
    errors.finish()?;
    let rules = ctx.media.rules;
    let Upload {
        bytes,
        filename,
        alt,
        caption,
        credit,
    } = upload;
    // Decoding takes a turn with the variants: a bound on pictures in memory.
    let slot = ctx.media.flights.slot().await?;
    let taken =
        tokio::task::spawn_blocking(move || intake::take(bytes, filename.as_deref(), rules))
            .await
            .map_err(|err| {
                AppError::Internal(anyhow::anyhow!("the upload's inspection failed: {err}"))
            })??;
    drop(slot);
    let key = store::original_key(&taken.sha256);
    let mut row = new_row(Uuid::now_v7(), &taken, principal.user_id(), now());
    (row.alt, row.caption, row.credit) = (alt, caption, credit);
    let data = Bytes::from(taken.bytes);
    if !ctx.media.blobs.exists(&key).await? {
        ctx.media.blobs.put(&key, data.clone()).await?;
    }
    // A new asset is used by nothing: the public sees it only in a public library.
    let written = insert(ctx, &row, principal.user_id(), ctx.media.public_all).await;
    if written.is_err() {
        forget_blob_if_unused(ctx, &row.sha256).await;
    }
    written?;
    // A delete of the last other asset with these bytes may have removed
    // them between the store and the insert: put them back.
    if !ctx.media.blobs.exists(&key).await? {
        ctx.media.blobs.put(&key, data).await?;
    }
    Ok(from_row(row, 0))
}

async fn insert(
    ctx: &Ctx,
    row: &asset::Model,
    who: Option<Uuid>,
    public: bool,
) -> Result<(), AppError> {
    let tx = ctx.begin_write().await?;
    let written = asset::Entity::insert(asset::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await;
    let snapshot = snapshot_of(row);
    let write = Write {
        id: row.id,
        version: 1,
        snapshot: &snapshot,
        message: None,
        who,
        change: ChangeKind::Create,
        locale: None,
        previous_locale: None,
        public,
    };
    let conflict = || AppError::conflict("id", "an asset with this id exists");
    history::record_write::<Asset>(&tx, written, conflict, write).await?;
    tx.commit().await
}

/// Removes the stored bytes of `sha256` (and their variants) when no asset
/// row refers to them any more. Failing to is logged, not fatal: the
/// bytes are then only kept longer than needed.
async fn forget_blob_if_unused(ctx: &Ctx, sha256: &str) {
    let still_used = asset::Entity::find()
        .filter(asset::Column::Sha256.eq(sha256))
        .count(ctx.db.conn())
        .await;
    if !matches!(still_used, Ok(0)) {
        return;
    }
    for key in [store::original_key(sha256), store::variants_key(sha256)] {
        if let Err(err) = ctx.media.blobs.delete(&key).await {
            tracing::warn!(error = %err, key, "cannot remove unused media bytes");
        }
    }
}

/// The row of a file taken in (version 1, no text yet), made by `who` at `at`.
pub(crate) fn new_row(
    id: Uuid,
    taken: &intake::Intake,
    who: Option<Uuid>,
    at: DateTime<Utc>,
) -> asset::Model {
    let side = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok());
    asset::Model {
        id,
        filename: taken.filename.clone(),
        content_type: taken.kind.content_type().to_owned(),
        size: i64::try_from(taken.bytes.len()).unwrap_or(i64::MAX),
        sha256: taken.sha256.clone(),
        width: side(taken.width),
        height: side(taken.height),
        blurhash: taken.blurhash.clone(),
        dominant_color: taken.dominant_color.clone(),
        alt: None,
        caption: None,
        credit: None,
        focal_x: None,
        focal_y: None,
        version: 1,
        created_at: at,
        updated_at: at,
        created_by: who,
        updated_by: who,
    }
}

/// What the history keeps of an asset.
pub(crate) fn snapshot_of(row: &asset::Model) -> AssetSnapshot {
    AssetSnapshot {
        filename: row.filename.clone(),
        alt: row.alt.clone(),
        caption: row.caption.clone(),
        credit: row.credit.clone(),
        focal_point: row
            .focal_x
            .zip(row.focal_y)
            .map(|(x, y)| FocalPoint { x, y }),
    }
}

async fn find_locked<C: ConnectionTrait>(conn: &C, key: &Key) -> Result<asset::Model, AppError> {
    let Key::Id(id) = key else {
        return Err(AppError::not_found("asset"));
    };
    asset::Entity::find_by_id(*id)
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("asset"))
}

/// Authors change only what they uploaded.
fn guard(grant: Grant, principal: &Principal, row: &asset::Model) -> Result<(), AppError> {
    if grant == Grant::OwnDrafts
        && (principal.user_id().is_none() || row.created_by != principal.user_id())
    {
        return Err(AppError::forbidden(
            "authors may change only the files they uploaded",
        ));
    }
    Ok(())
}

impl Versioned for Asset {
    const KIND: EntityKind = EntityKind::Asset;
    const EDIT: Action = Action::EditMedia;
    /// Only once published content (or an author) uses them.
    const LIVE_WRITES: bool = false;
    type Snapshot = AssetSnapshot;
    type Input = AssetInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(find_locked(ctx.db.conn(), key).await?.id)
    }

    fn restoring(old: AssetSnapshot, message: String) -> AssetInput {
        AssetInput {
            id: None,
            alt: old.alt.into(),
            caption: old.caption.into(),
            credit: old.credit.into(),
            focal_point: old.focal_point.into(),
            revision_message: Some(message),
        }
        .replacing()
    }

    /// Changes the alt text, caption, credit or focal point.
    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: AssetInput,
        expected_version: Option<i32>,
    ) -> Result<Asset, AppError> {
        let grant = ctx.require(principal, Action::EditMedia)?;
        let tx = ctx.begin_write().await?;
        let current = find_locked(&*tx, key).await?;
        guard(grant, principal, &current)?;
        validate::check_sent_id(input.id, Some(current.id))?;
        validate::check_version(expected_version, current.version)?;
        let alt = input.alt.apply(current.alt.clone());
        let caption = input.caption.apply(current.caption.clone());
        let credit = input.credit.apply(current.credit.clone());
        let focus = input.focal_point.apply(
            current
                .focal_x
                .zip(current.focal_y)
                .map(|(x, y)| FocalPoint { x, y }),
        );
        let mut errors = Errors::default();
        check_text(&mut errors, alt.as_ref(), caption.as_ref(), credit.as_ref());
        check_focus(&mut errors, focus.as_ref());
        errors.finish()?;
        let row = asset::Model {
            alt,
            caption,
            credit,
            focal_x: focus.map(|f| f.x),
            focal_y: focus.map(|f| f.y),
            version: current.version + 1,
            updated_at: now(),
            updated_by: principal.user_id(),
            ..current
        };
        let written = asset::Entity::update(asset::ActiveModel::from(row.clone()).reset_all())
            .exec(&*tx)
            .await
            .map(|_| 1);
        let snapshot = snapshot_of(&row);
        let write = Write {
            id: row.id,
            version: row.version,
            snapshot: &snapshot,
            message: input.revision_message.as_deref(),
            who: principal.user_id(),
            change: ChangeKind::Update,
            locale: None,
            previous_locale: None,
            public: ctx.media.public_all || is_public(&*tx, row.id).await?,
        };
        let conflict = || AppError::conflict("id", "the asset changed meanwhile");
        history::record_write::<Asset>(&tx, written, conflict, write).await?;
        let counts = usage_counts(&*tx, &[row.id], false).await?;
        tx.commit().await?;
        let count = counts.get(&row.id).copied().unwrap_or_default();
        Ok(from_row(row, count))
    }
}

/// Deletes an asset no content uses; while used, a 409 lists who uses it.
/// An admin may `force` it: it is taken out of the articles and authors
/// that use it first (each such change recorded like any other edit).
pub async fn delete(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    force: bool,
) -> Result<(), AppError> {
    let grant = ctx.require(principal, Action::EditMedia)?;
    if force {
        ctx.require(principal, Action::AdministerContent)?;
    }
    let tx = ctx.begin_write().await?;
    let row = find_locked(&*tx, key).await?;
    guard(grant, principal, &row)?;
    let uses = asset_use::Entity::find()
        .filter(asset_use::Column::AssetId.eq(row.id))
        .all(&*tx)
        .await?;
    let public = ctx.media.public_all || uses.iter().any(|u| u.copy == ArticleCopy::Live);
    if !uses.is_empty() {
        if !force {
            return Err(in_use(&uses));
        }
        let who = principal.user_id();
        crate::content::article::drop_picture(&tx, row.id, who).await?;
        crate::content::author::drop_avatar(&tx, row.id, who).await?;
        asset_use::Entity::delete_many()
            .filter(asset_use::Column::AssetId.eq(row.id))
            .exec(&*tx)
            .await?;
    }
    asset::Entity::delete_by_id(row.id).exec(&*tx).await?;
    record_event(
        &tx,
        Event {
            entity: EntityKind::Asset,
            id: row.id,
            action: ChangeKind::Delete,
            verb: EventVerb::Deleted,
            version: row.version,
            locale: None,
            previous_locale: None,
            actor: principal.user_id(),
            public,
        },
    );
    tx.commit().await?;
    forget_blob_if_unused(ctx, &row.sha256).await;
    Ok(())
}

/// The 409 of an asset still used, naming each user.
fn in_use(uses: &[asset_use::Model]) -> AppError {
    let mut seen: Vec<(EntityKind, Uuid)> = Vec::new();
    for u in uses {
        if !seen.contains(&(u.entity, u.entity_id)) {
            seen.push((u.entity, u.entity_id));
        }
    }
    let errors: Vec<FieldError> = seen
        .iter()
        .map(|(kind, id)| FieldError::new(format!("{kind}s"), id.to_string()))
        .collect();
    AppError::Conflict {
        detail: format!(
            "the asset is used by {} article(s) or author(s); remove it from them first, or delete with force=true (admins)",
            seen.len()
        ),
        errors,
    }
}
