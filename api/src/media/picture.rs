//! Decoding pictures within limits, and what is read from them once at
//! upload: the size as shown (EXIF orientation applied), a BlurHash
//! placeholder and the dominant colour.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

use super::Kind;
use crate::error::AppError;

/// How large a picture the server agrees to decode.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Width × height, at most (`MASTHEAD_MAX_IMAGE_PIXELS`).
    pub max_pixels: u64,
}

impl Bounds {
    /// The longest side any decoder may allocate for.
    const MAX_SIDE: u32 = 65_535;

    fn limits(self) -> Limits {
        let mut limits = Limits::default();
        limits.max_image_width = Some(Self::MAX_SIDE);
        limits.max_image_height = Some(Self::MAX_SIDE);
        // Four bytes a pixel, twice (the decoded picture and one working copy).
        limits.max_alloc = Some(self.max_pixels.saturating_mul(8).max(64 << 20));
        limits
    }
}

fn format_of(kind: Kind) -> Option<ImageFormat> {
    match kind {
        Kind::Jpeg => Some(ImageFormat::Jpeg),
        Kind::Png => Some(ImageFormat::Png),
        Kind::Webp => Some(ImageFormat::WebP),
        Kind::Gif => Some(ImageFormat::Gif),
        _ => None,
    }
}

/// A picture that cannot be read is the client's problem, not the server's.
fn unreadable(err: impl std::fmt::Display) -> AppError {
    AppError::invalid("file", format!("the picture cannot be read: {err}"))
}

/// The stored width and height of a picture, from its header alone.
pub fn header_size(bytes: &[u8], kind: Kind) -> Result<(u32, u32), AppError> {
    if let Some(format) = format_of(kind) {
        return ImageReader::with_format(Cursor::new(bytes), format)
            .into_dimensions()
            .map_err(unreadable);
    }
    let size = imagesize::blob_size(bytes).map_err(unreadable)?;
    let side = |n: usize| u32::try_from(n).map_err(|_| unreadable("a side is too long"));
    Ok((side(size.width)?, side(size.height)?))
}

/// Refuses a picture whose header announces more pixels than allowed: the
/// defence against decompression bombs (a small file that would decode to
/// gigabytes).
pub fn check_bounds(width: u32, height: u32, bounds: Bounds) -> Result<(), AppError> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > bounds.max_pixels || width == 0 || height == 0 {
        return Err(AppError::invalid(
            "file",
            format!(
                "the picture is {width}×{height} pixels ({} megapixels); at most {} megapixels are accepted",
                pixels / 1_000_000,
                bounds.max_pixels / 1_000_000
            ),
        ));
    }
    Ok(())
}

/// Decodes a picture within `bounds`, turned as its EXIF orientation says.
pub fn decode(bytes: &[u8], kind: Kind, bounds: Bounds) -> Result<DynamicImage, AppError> {
    let format = format_of(kind).ok_or_else(|| {
        AppError::invalid(
            "file",
            format!("{} pictures cannot be decoded here", kind.content_type()),
        )
    })?;
    let (width, height) = header_size(bytes, kind)?;
    check_bounds(width, height, bounds)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(bounds.limits());
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// What is read from a picture once, at upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// As shown (after the EXIF orientation).
    pub width: u32,
    pub height: u32,
    pub blurhash: Option<String>,
    /// `#rrggbb`.
    pub dominant_color: Option<String>,
}

/// The size, placeholder and colour of a decodable picture.
pub fn facts(image: &DynamicImage) -> Facts {
    let small = image.thumbnail(64, 64).to_rgba8();
    let (w, h) = small.dimensions();
    let (x, y) = if w >= h { (4, 3) } else { (3, 4) };
    Facts {
        width: image.width(),
        height: image.height(),
        blurhash: blurhash::encode(x, y, w, h, small.as_raw()).ok(),
        dominant_color: dominant_color(small.as_raw()),
    }
}

/// The most frequent colour, in buckets of 16 levels a channel (transparent
/// pixels ignored), as the mean of the pixels in that bucket.
fn dominant_color(rgba: &[u8]) -> Option<String> {
    let mut buckets = vec![(0u32, [0u64; 3]); 4096];
    for pixel in rgba.chunks_exact(4) {
        if pixel[3] < 128 {
            continue;
        }
        let index = usize::from(pixel[0] >> 4) << 8
            | usize::from(pixel[1] >> 4) << 4
            | usize::from(pixel[2] >> 4);
        let (count, sum) = &mut buckets[index];
        *count += 1;
        for (total, channel) in sum.iter_mut().zip(pixel) {
            *total += u64::from(*channel);
        }
    }
    let (count, sum) = buckets.iter().max_by_key(|(count, _)| *count)?;
    if *count == 0 {
        return None;
    }
    let mean = |total: u64| total / u64::from(*count);
    Some(format!(
        "#{:02x}{:02x}{:02x}",
        mean(sum[0]),
        mean(sum[1]),
        mean(sum[2])
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dominant_colour_is_the_largest_bucket() {
        let mut rgba = Vec::new();
        for _ in 0..10 {
            rgba.extend([200, 30, 30, 255]);
        }
        for _ in 0..3 {
            rgba.extend([10, 10, 250, 255]);
        }
        for _ in 0..50 {
            rgba.extend([0, 255, 0, 0]); // transparent: ignored
        }
        assert_eq!(dominant_color(&rgba).as_deref(), Some("#c81e1e"));
        assert_eq!(dominant_color(&[0, 0, 0, 0]), None);
    }

    #[test]
    fn bombs_are_refused_from_their_header() {
        let bounds = Bounds {
            max_pixels: 50_000_000,
        };
        assert!(check_bounds(6000, 4000, bounds).is_ok());
        let err = check_bounds(60_000, 60_000, bounds).err();
        assert_eq!(err.map(|e| e.status()), Some(422));
    }
}
