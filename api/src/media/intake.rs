//! Taking a file in: its kind from its bytes, a safe name, location
//! metadata removed, pictures decoded once (size, placeholder, colour), and
//! the SHA-256 of the bytes that will be stored.

use sha2::{Digest, Sha256};

use super::picture::{self, Bounds};
use super::{Kind, exif, kind, svg};
use crate::error::AppError;

/// What the site accepts.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// `MASTHEAD_ALLOW_SVG`.
    pub allow_svg: bool,
    /// Pictures larger than this are refused (decompression bombs).
    pub bounds: Bounds,
}

/// A file ready to store.
#[derive(Debug, Clone)]
pub struct Intake {
    pub kind: Kind,
    /// Sanitised, ending with the extension of `kind`.
    pub filename: String,
    /// The bytes to store (location metadata removed; SVG sanitised).
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`.
    pub sha256: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub blurhash: Option<String>,
    pub dominant_color: Option<String>,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        use std::fmt::Write;
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Inspects an uploaded file (CPU work: run it off the async threads).
pub fn take(mut bytes: Vec<u8>, name: Option<&str>, rules: Rules) -> Result<Intake, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "is empty"));
    }
    let kind = kind::sniff(&bytes, rules.allow_svg)?;
    let filename = kind::sanitize_filename(name, kind);
    match kind {
        Kind::Jpeg | Kind::Png | Kind::Webp => {
            exif::remove_location(&mut bytes, kind);
        }
        Kind::Svg => bytes = svg::sanitize(&bytes)?,
        _ => {}
    }
    let (mut width, mut height, mut blurhash, mut dominant_color) = (None, None, None, None);
    if kind.is_raster() {
        let image = picture::decode(&bytes, kind, rules.bounds)?;
        let facts = picture::facts(&image);
        width = Some(facts.width);
        height = Some(facts.height);
        blurhash = facts.blurhash;
        dominant_color = facts.dominant_color;
    } else if kind == Kind::Avif {
        let (w, h) = picture::header_size(&bytes, kind)?;
        picture::check_bounds(w, h, rules.bounds)?;
        width = Some(w);
        height = Some(h);
    }
    Ok(Intake {
        kind,
        filename,
        sha256: sha256_hex(&bytes),
        bytes,
        width,
        height,
        blurhash,
        dominant_color,
    })
}
