//! Assets: uploaded files and pictures, versioned like other content (alt
//! text, caption, credit and focal point have revisions), used by articles
//! (featured image, pictures in the body) and authors (avatar).
//!
//! Who may do what follows the content rules: authors upload, and edit or
//! delete what they uploaded; editors and admins everything; an admin may
//! delete an asset still in use (`force`), which takes it out of what uses
//! it. The public reads the assets used by published content or by authors
//! (all of them with `MASTHEAD_PUBLIC_MEDIA=all`); signed-in users and
//! preview keys read the whole library.

mod read;
pub(crate) mod uses;
mod write;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub(crate) use read::picture;
pub use read::{Delivery, get, list, open, pictures, usage};
pub use write::{delete, may_upload, upload};
pub(crate) use write::{new_row, snapshot_of};

use super::Patch;
use super::validate::Errors;
use crate::media::Kind;
use crate::storage::page::sort_fields;

/// A point of a picture, from 0 to 1 across (`x`) and down (`y`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
}

/// An asset as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<String>,
    pub dominant_color: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_point: Option<FocalPoint>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// Articles and authors that use it.
    pub usage_count: u64,
}

impl Asset {
    /// Where its bytes are served: `/media/{id}/{filename}`.
    pub fn path(&self) -> String {
        media_path(self.id, &self.filename)
    }

    /// Its kind, as told at upload.
    pub fn kind(&self) -> Option<Kind> {
        Kind::from_content_type(&self.content_type)
    }
}

/// A picture shown with content (an article's featured image, an author's
/// avatar): a picture of the library (`asset_id`; its URL and size are
/// filled in from it), or an image hosted elsewhere (a URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    pub alt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// A picture as written: an asset or a URL, and a text alternative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageInput {
    pub asset_id: Patch<Uuid>,
    pub url: Patch<String>,
    pub alt: Patch<String>,
}

impl ImageInput {
    /// For a full replacement: fields not sent are cleared.
    pub fn replacing(self) -> Self {
        Self {
            asset_id: self.asset_id.or_null(),
            url: self.url.or_null(),
            alt: self.alt.or_null(),
        }
    }

    /// The edit that brings `image` back.
    pub fn restoring(image: Image) -> Self {
        match image.asset_id {
            Some(id) => Self {
                asset_id: Patch::Value(id),
                url: Patch::Missing,
                alt: image.alt.into(),
            },
            None => Self {
                asset_id: Patch::Null,
                url: Patch::Value(image.url),
                alt: image.alt.into(),
            },
        }
    }
}

/// Applies a written picture over the `existing` one (field errors under
/// `field`): an `asset_id` names a picture of the library (its URL and size
/// come from the asset when the write is made, see [`uses::fill_image`]); a
/// URL given alone makes an image hosted elsewhere.
pub(crate) fn resolve_image(
    field: &str,
    input: &Patch<ImageInput>,
    existing: Option<&Image>,
    errors: &mut Errors,
) -> Option<Image> {
    let image = match input {
        Patch::Missing => return existing.cloned(),
        Patch::Null => return None,
        Patch::Value(image) => image,
    };
    let asset_id = match (&image.asset_id, &image.url) {
        (Patch::Value(id), _) => Some(*id),
        (Patch::Null, _) | (Patch::Missing, Patch::Value(_)) => None,
        (Patch::Missing, _) => existing.and_then(|i| i.asset_id),
    };
    let url = match asset_id {
        Some(_) => None,
        None => image.url.clone().apply(
            existing
                .filter(|i| i.asset_id.is_none())
                .map(|i| i.url.clone()),
        ),
    };
    // What stays of the picture before: its alt text, when it is the same
    // picture (the same asset, or the same URL); its URL and size, when it
    // is the same asset.
    let same = existing.filter(|i| match asset_id {
        Some(id) => i.asset_id == Some(id),
        None => i.asset_id.is_none() && url.as_ref() == Some(&i.url),
    });
    let alt = image.alt.clone().apply(same.and_then(|i| i.alt.clone()));
    errors.optional_text(&format!("{field}.alt"), alt.as_ref(), 300);
    if let Some(asset_id) = asset_id {
        return Some(Image {
            url: same.map(|i| i.url.clone()).unwrap_or_default(),
            alt,
            asset_id: Some(asset_id),
            width: same.and_then(|i| i.width),
            height: same.and_then(|i| i.height),
        });
    }
    match &url {
        None => errors.push(format!("{field}.url"), "is required (or an asset_id)"),
        Some(url) => errors.url(&format!("{field}.url"), url),
    }
    url.map(|url| Image {
        url,
        alt,
        asset_id: None,
        width: None,
        height: None,
    })
}

/// Where the bytes of asset `id` named `filename` are served.
pub fn media_path(id: Uuid, filename: &str) -> String {
    format!("/media/{id}/{filename}")
}

/// The `srcset` of a picture of the library: see [`srcset_of`]. Images
/// hosted elsewhere have none.
pub fn srcset(image: &Image) -> Option<String> {
    image.asset_id?;
    srcset_of(&image.url, image.width, crate::media::Allowed::current())
}

/// A `srcset` for a picture `width` pixels wide at `url`: every allowed
/// width below it, and the picture itself.
pub fn srcset_of(url: &str, width: Option<u32>, widths: &[u32]) -> Option<String> {
    let width = width?;
    let mut parts: Vec<String> = widths
        .iter()
        .filter(|w| **w < width)
        .map(|w| format!("{url}?w={w} {w}w"))
        .collect();
    parts.push(format!("{url} {width}w"));
    Some(parts.join(", "))
}

/// A file to add to the library, with the text that goes with it.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub bytes: Vec<u8>,
    /// The name the client gave (sanitised before use).
    pub filename: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// What an edit of an asset may change.
#[derive(Debug, Clone, Default)]
pub struct AssetInput {
    /// The id a client sent back with a whole record; must name the record written.
    pub id: Option<Uuid>,
    pub alt: Patch<String>,
    pub caption: Patch<String>,
    pub credit: Patch<String>,
    pub focal_point: Patch<FocalPoint>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

impl AssetInput {
    /// For a full replacement: fields not sent are cleared.
    pub fn replacing(self) -> Self {
        Self {
            id: self.id,
            alt: self.alt.or_null(),
            caption: self.caption.or_null(),
            credit: self.credit.or_null(),
            focal_point: self.focal_point.or_null(),
            revision_message: self.revision_message,
        }
    }
}

/// The content of an asset, as a revision keeps it (the bytes never change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssetSnapshot {
    pub filename: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub focal_point: Option<FocalPoint>,
}

/// Broad kinds of files, for filtering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeFilter {
    /// Pictures.
    Image,
    /// Everything else (PDF).
    Document,
    /// Exactly this media type.
    Exact(String),
}

/// Which assets a list returns.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    /// Only these ids (`None`: any).
    pub ids: Option<Vec<Uuid>>,
    pub kind: Option<TypeFilter>,
    /// File name, alt text or caption contains this text.
    pub q: Option<String>,
    /// Only assets in use (`true`) or unused (`false`).
    pub used: Option<bool>,
}

sort_fields! {
    /// Fields assets can be sorted by.
    pub enum AssetSort for asset (id Id) {
        Id = "id": Id(id) as Id,
        Filename = "filename": Filename(filename) as Text,
        Size = "size": Size(size) as Int,
        CreatedAt = "created_at": CreatedAt(created_at) as Time,
        UpdatedAt = "updated_at": UpdatedAt(updated_at) as Time,
    }
}

/// Newest first.
pub fn default_sort() -> crate::storage::page::Sort<AssetSort> {
    use crate::storage::page::{Direction, Sort};
    Sort::from_keys(vec![
        (AssetSort::CreatedAt, Direction::Desc),
        (AssetSort::Id, Direction::Desc),
    ])
}

/// Who uses an asset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub articles: Vec<ArticleUse>,
    pub authors: Vec<AuthorUse>,
}

/// An article that uses an asset.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleUse {
    pub id: Uuid,
    pub title: String,
    pub slug: String,
    pub locale: String,
    /// Whether its live copy uses the asset (readers see it).
    pub live: bool,
    /// Whether its working copy does.
    pub working: bool,
}

/// An author whose avatar an asset is.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorUse {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_lists_the_smaller_widths_and_the_original() {
        let set = srcset_of("/media/x/a.jpg", Some(700), &[160, 320, 640, 960]);
        assert_eq!(
            set.as_deref(),
            Some(
                "/media/x/a.jpg?w=160 160w, /media/x/a.jpg?w=320 320w, /media/x/a.jpg?w=640 640w, /media/x/a.jpg 700w"
            )
        );
        assert_eq!(srcset_of("/m", None, &[160]), None);
    }
}
