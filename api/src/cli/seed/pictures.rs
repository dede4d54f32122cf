//! Pictures for the seeded articles: small generated photographs (sky,
//! ground, a sun) taken in through the same intake as uploads (size,
//! BlurHash, colour, SHA-256), stored in the media store, and shown as the
//! featured image of a share of the articles.

use std::io::Cursor;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entities::asset;
use entities::types::EntityKind;
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use uuid::Uuid;

use super::{Rng, revision_row};
use crate::content::asset::{AssetSnapshot, media_path};
use crate::error::AppError;
use crate::media::{Media, intake, store};

/// Pictures made for a seed.
pub const COUNT: usize = 24;
/// Articles (in percent) that show one as their featured image.
pub const SHARE: usize = 30;

/// A seeded picture, as articles show it.
#[derive(Debug, Clone)]
pub struct Picture {
    pub id: Uuid,
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

const ALTS: [&str; 6] = [
    "Le port au lever du jour",
    "Une rue pavée sous la pluie",
    "Le marché du dimanche",
    "Vue sur la vallée, « comme un tableau »",
    "The harbour at dawn",
    "A quiet square in the old town",
];

/// A landscape of 960 × 640: a sky and a ground of two colours, and a sun.
fn landscape(rng: &mut Rng) -> Result<Vec<u8>, AppError> {
    let mut channel = || u8::try_from(rng.below(200) + 40).unwrap_or(128);
    let sky = [channel(), channel(), channel()];
    let ground = [channel(), channel(), channel()];
    let horizon = 300 + u32::try_from(rng.below(200)).unwrap_or(0);
    let sun = (
        i64::try_from(rng.below(900)).unwrap_or(0),
        i64::try_from(rng.below(250)).unwrap_or(0),
    );
    let (width, height) = (960, 640);
    let image = RgbImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (i64::from(x) - sun.0, i64::from(y) - sun.1);
        if dx * dx + dy * dy < 2_500 {
            return image::Rgb([250, 220, 120]);
        }
        let base = if y < horizon { sky } else { ground };
        let shade = u8::try_from((y % 64) / 4).unwrap_or(0);
        image::Rgb(base.map(|c| c.saturating_add(shade)))
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut out), 80)
        .write_image(image.as_raw(), width, height, ExtendedColorType::Rgb8)
        .map_err(|err| {
            AppError::Internal(anyhow::anyhow!("cannot encode a seed picture: {err}"))
        })?;
    Ok(out)
}

/// Makes, stores and records the seed's pictures: their rows and revisions
/// go to `assets` and `revisions`.
pub async fn make(
    media: &Media,
    rng: &mut Rng,
    at: DateTime<Utc>,
    (assets, revisions): (&mut Vec<asset::Model>, &mut Vec<entities::revision::Model>),
) -> Result<Vec<Picture>, AppError> {
    let mut pictures = Vec::with_capacity(COUNT);
    for n in 0..COUNT {
        let bytes = landscape(rng)?;
        let taken = intake::take(bytes, Some(&format!("photo-{n}.jpg")), media.rules)?;
        media
            .blobs
            .put(
                &store::original_key(&taken.sha256),
                Bytes::from(taken.bytes.clone()),
            )
            .await?;
        let side = |n: Option<u32>| n.and_then(|n| i32::try_from(n).ok()).unwrap_or(0);
        let alt = ALTS[n % ALTS.len()].to_owned();
        let row = asset::Model {
            id: Uuid::now_v7(),
            filename: taken.filename,
            content_type: taken.kind.content_type().to_owned(),
            size: i64::try_from(taken.bytes.len()).unwrap_or(i64::MAX),
            sha256: taken.sha256,
            width: Some(side(taken.width)),
            height: Some(side(taken.height)),
            blurhash: taken.blurhash,
            dominant_color: taken.dominant_color,
            alt: Some(alt.clone()),
            caption: None,
            credit: Some("Masthead".to_owned()),
            focal_x: None,
            focal_y: None,
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: None,
            updated_by: None,
        };
        let snapshot = AssetSnapshot {
            filename: row.filename.clone(),
            alt: row.alt.clone(),
            caption: None,
            credit: row.credit.clone(),
            focal_point: None,
        };
        revisions.push(revision_row(EntityKind::Asset, row.id, 1, &snapshot, at)?);
        pictures.push(Picture {
            id: row.id,
            url: media_path(row.id, &row.filename),
            width: side(taken.width),
            height: side(taken.height),
            alt,
        });
        assets.push(row);
    }
    Ok(pictures)
}

/// Gives a share of the articles a picture of the library as their featured
/// image; the others keep theirs, hosted elsewhere.
pub fn feature(row: &mut entities::article::Model, rng: &mut Rng, pictures: &[Picture]) {
    if pictures.is_empty() || rng.below(100) >= SHARE {
        return;
    }
    let picture = rng.pick(pictures);
    row.featured_asset_id = Some(picture.id);
    row.featured_image_url = Some(picture.url.clone());
    row.featured_image_alt = Some(picture.alt.clone());
    row.featured_image_width = Some(picture.width);
    row.featured_image_height = Some(picture.height);
}
