//! The wire types of `/api/v1/assets`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::content::Patch;
use crate::content::asset::{Asset, AssetInput, FocalPoint, Image, ImageInput, Usage};
use crate::rest::wire::writable;

/// A point of a picture that crops keep in view, from 0 to 1.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocalPointWire {
    /// Across, from the left edge (0) to the right (1).
    pub x: f64,
    /// Down, from the top edge (0) to the bottom (1).
    pub y: f64,
}

impl From<FocalPoint> for FocalPointWire {
    fn from(p: FocalPoint) -> Self {
        Self { x: p.x, y: p.y }
    }
}

impl From<FocalPointWire> for FocalPoint {
    fn from(p: FocalPointWire) -> Self {
        Self { x: p.x, y: p.y }
    }
}

/// A file or picture of the media library.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssetOut {
    pub id: Uuid,
    /// The sanitised name it is served under.
    pub filename: String,
    /// Told from the bytes at upload.
    pub content_type: String,
    /// Bytes stored.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes stored.
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// A BlurHash placeholder to show while the picture loads.
    pub blurhash: Option<String>,
    /// `#rrggbb`.
    pub dominant_color: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_point: Option<FocalPointWire>,
    /// Where the bytes are served (`/media/{id}/{filename}`); variants with
    /// `?w=&h=&fit=&format=&q=`.
    pub url: String,
    /// Articles and authors that use it.
    pub usage_count: u64,
    /// Grows by one with every write.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Who uploaded it.
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

impl From<Asset> for AssetOut {
    fn from(a: Asset) -> Self {
        Self {
            url: a.path(),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            width: a.width,
            height: a.height,
            blurhash: a.blurhash,
            dominant_color: a.dominant_color,
            alt: a.alt,
            caption: a.caption,
            credit: a.credit,
            focal_point: a.focal_point.map(FocalPointWire::from),
            usage_count: a.usage_count,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
            created_by: a.created_by,
            updated_by: a.updated_by,
        }
    }
}

/// Top-level fields of an asset, for `fields=`.
pub const ASSET_FIELDS: &[&str] = &[
    "id",
    "filename",
    "content_type",
    "size",
    "sha256",
    "width",
    "height",
    "blurhash",
    "dominant_color",
    "alt",
    "caption",
    "credit",
    "focal_point",
    "url",
    "usage_count",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

writable! {
    /// What an edit of an asset may change (the bytes never change: upload
    /// a new file instead). The read-only fields of a record read earlier
    /// are accepted and ignored; any other unknown field is a 400.
    pub struct AssetWrite {
        /// At most 1,000 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub alt: Patch<String>,
        /// At most 2,000 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub caption: Patch<String>,
        /// At most 300 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub credit: Patch<String>,
        /// Each coordinate from 0 to 1.
        #[serde(default)]
        #[schema(value_type = Option<FocalPointWire>)]
        pub focal_point: Patch<FocalPointWire>,
        /// A note stored with the revision this write makes.
        #[serde(default)]
        pub revision_message: Option<String>,
        /// Read-only: when sent back, must be the id of the addressed record.
        pub id: Option<Uuid>,
    }
    read_only {
        filename, content_type, size, sha256, width, height, blurhash, dominant_color, url,
        usage_count, version, created_at, updated_at, created_by, updated_by
    }
}

impl From<AssetWrite> for AssetInput {
    fn from(w: AssetWrite) -> Self {
        AssetInput {
            id: w.id,
            alt: w.alt,
            caption: w.caption,
            credit: w.credit,
            focal_point: w.focal_point.map(FocalPoint::from),
            revision_message: w.revision_message,
        }
    }
}

/// An article that uses an asset.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleUseOut {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub locale: String,
    /// Its published copy shows the asset.
    pub live: bool,
    /// Its working copy does.
    pub working: bool,
}

/// An author whose avatar the asset is.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorUseOut {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

/// Who uses an asset.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageOut {
    pub articles: Vec<ArticleUseOut>,
    pub authors: Vec<AuthorUseOut>,
}

impl From<Usage> for UsageOut {
    fn from(u: Usage) -> Self {
        Self {
            articles: u
                .articles
                .into_iter()
                .map(|a| ArticleUseOut {
                    id: a.id,
                    title: a.title,
                    slug: a.slug,
                    locale: a.locale,
                    live: a.live,
                    working: a.working,
                })
                .collect(),
            authors: u
                .authors
                .into_iter()
                .map(|a| AuthorUseOut {
                    id: a.id,
                    name: a.name,
                    slug: a.slug,
                })
                .collect(),
        }
    }
}

/// A picture shown with content (a featured image, an avatar).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageOut {
    /// The asset of the media library, when it is one.
    pub asset_id: Option<Uuid>,
    pub url: String,
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The allowed widths below the picture's own, for `<img srcset>`
    /// (pictures of the library only).
    pub srcset: Option<String>,
}

impl From<Image> for ImageOut {
    fn from(i: Image) -> Self {
        Self {
            srcset: crate::content::asset::srcset(&i),
            asset_id: i.asset_id,
            url: i.url,
            alt: i.alt,
            width: i.width,
            height: i.height,
        }
    }
}

/// A picture as written: an asset of the library, or a URL of an image
/// hosted elsewhere. What a read returns may be sent back whole: `width`,
/// `height` and `srcset` are accepted and ignored.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageWrite {
    /// An asset of the media library (a picture); wins over `url`.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub asset_id: Patch<Uuid>,
    /// An absolute http(s) URL of an image elsewhere.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub url: Patch<String>,
    /// The text alternative, at most 300 characters; from a library
    /// picture, its asset's alt text when none is given.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub alt: Patch<String>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code, reason = "read-only: accepted and ignored")]
    width: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code, reason = "read-only: accepted and ignored")]
    height: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    #[schema(ignore)]
    #[allow(dead_code, reason = "read-only: accepted and ignored")]
    srcset: Option<serde::de::IgnoredAny>,
}

impl From<ImageWrite> for ImageInput {
    fn from(w: ImageWrite) -> Self {
        ImageInput {
            asset_id: w.asset_id,
            url: w.url,
            alt: w.alt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<AssetOut>(ASSET_FIELDS);
    }
}
