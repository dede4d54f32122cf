//! Assets of the media library.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use uuid::Uuid;

use super::history::{self, DiffGql, RevisionGql};
use crate::content::asset::{Asset, FocalPoint};
use crate::graphql::paging::{Conn, Paging};
use crate::graphql::scalars::Timestamp;

/// A point of a picture that crops keep in view, from 0 to 1.
#[derive(SimpleObject, InputObject, Debug, Clone, Copy)]
#[graphql(input_name = "FocalPointInput", name = "FocalPoint")]
pub struct FocalPointGql {
    /// Across, from the left edge (0) to the right (1).
    pub x: f64,
    /// Down, from the top edge (0) to the bottom (1).
    pub y: f64,
}

impl From<FocalPointGql> for FocalPoint {
    fn from(p: FocalPointGql) -> Self {
        Self { x: p.x, y: p.y }
    }
}

/// A file or picture of the media library.
pub struct AssetGql(pub Asset);

#[Object(name = "Asset")]
impl AssetGql {
    async fn id(&self) -> Uuid {
        self.0.id
    }
    /// The sanitised name it is served under.
    async fn filename(&self) -> &str {
        &self.0.filename
    }
    /// Told from the bytes at upload.
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// Bytes stored.
    async fn size(&self) -> u64 {
        self.0.size
    }
    /// Lower-case hex SHA-256 of the bytes stored.
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    async fn width(&self) -> Option<u32> {
        self.0.width
    }
    async fn height(&self) -> Option<u32> {
        self.0.height
    }
    /// A BlurHash placeholder to show while the picture loads.
    async fn blurhash(&self) -> Option<&str> {
        self.0.blurhash.as_deref()
    }
    /// `#rrggbb`.
    async fn dominant_color(&self) -> Option<&str> {
        self.0.dominant_color.as_deref()
    }
    async fn alt(&self) -> Option<&str> {
        self.0.alt.as_deref()
    }
    async fn caption(&self) -> Option<&str> {
        self.0.caption.as_deref()
    }
    async fn credit(&self) -> Option<&str> {
        self.0.credit.as_deref()
    }
    async fn focal_point(&self) -> Option<FocalPointGql> {
        self.0.focal_point.map(|p| FocalPointGql { x: p.x, y: p.y })
    }
    /// Where the bytes are served; variants with `?w=&h=&fit=&format=&q=`.
    async fn url(&self) -> String {
        self.0.path()
    }
    /// Articles and authors that use it.
    async fn usage_count(&self) -> u64 {
        self.0.usage_count
    }
    /// Grows by one with every write.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// Revisions of its text and focal point, newest first (signed-in users).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn revisions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Conn<RevisionGql>> {
        let paging = Paging::new(first, after, None, None)?;
        history::revisions::<Asset>(ctx, self.0.id, paging).await
    }
    /// What changed between two versions (signed-in users).
    async fn diff(&self, ctx: &Context<'_>, from: i32, to: i32) -> async_graphql::Result<DiffGql> {
        history::diff::<Asset>(ctx, self.0.id, (from, to)).await
    }
}
