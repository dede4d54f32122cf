//! Files and pictures: what an upload is (from its bytes), what is read from
//! it, where the bytes are kept, and the variants made of pictures. No
//! database and no HTTP here: the asset domain (`content::asset`) stores
//! the records and decides who may see what.

pub mod exif;
pub mod intake;
pub mod kind;
pub mod picture;
pub mod store;
pub mod svg;
pub mod variant;

pub use intake::{Intake, Rules};
pub use kind::Kind;
pub use picture::Bounds;
pub use store::{Blobs, ByteStream};
pub use variant::{Allowed, Fit, Flights, Focus, Spec};

/// Everything about media a running server needs.
#[derive(Debug)]
pub struct Media {
    pub blobs: Blobs,
    pub rules: Rules,
    pub allowed: Allowed,
    /// `MASTHEAD_MAX_UPLOAD_BYTES`.
    pub max_upload_bytes: usize,
    /// `MASTHEAD_PUBLIC_MEDIA=all`: the public reads every asset, not only
    /// those used by published content.
    pub public_all: bool,
    pub flights: Flights,
    /// `MASTHEAD_IMPORT_ALLOW_PRIVATE`: imports may fetch pictures from
    /// the server's own network.
    pub fetch_allow_private: bool,
}
