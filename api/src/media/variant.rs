//! Image variants: a width (from the allowed list), an optional height, a
//! fit, a format and a quality. Each is made once — one request makes it
//! while the others asking for it wait ([`Flights`]) — and stored beside the
//! original; at most as many are made at a time as there are cores, so the
//! memory they take stays bounded.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use fast_image_resize::{FilterType as ResizeFilter, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::avif::AvifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ImageEncoder};
use tokio::sync::{OnceCell, Semaphore};

use super::Kind;
use super::picture::{self, Bounds};
use crate::error::AppError;

/// How a variant fills the box `w`×`h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fit {
    /// Fill the box, cropping what is outside (around the focal point).
    Cover,
    /// Fit inside the box, keeping the whole picture.
    Contain,
}

/// A variant as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spec {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fit: Fit,
    /// `None`: the original's format (PNG for GIF).
    pub format: Option<Kind>,
    pub quality: u8,
}

/// The quality when none is asked for.
pub const DEFAULT_QUALITY: u8 = 80;

/// The widths when none are configured.
pub const DEFAULT_WIDTHS: [u32; 7] = [160, 320, 640, 960, 1280, 1920, 2560];

/// `MASTHEAD_IMAGE_WIDTHS`: one list per process, since every `srcset`
/// written anywhere must name widths the media route accepts.
static WIDTHS: OnceLock<Vec<u32>> = OnceLock::new();

/// The sizes a site serves.
#[derive(Debug, Clone)]
pub struct Allowed {
    /// Ascending.
    pub widths: &'static [u32],
}

impl Allowed {
    /// Sets the process's widths (ascending, without repeats). Setting a
    /// different list a second time is an error, not a silent mismatch.
    pub fn configure(mut widths: Vec<u32>) -> Result<Self, String> {
        widths.sort_unstable();
        widths.dedup();
        if widths.is_empty() || widths.iter().any(|w| !(1..=8192).contains(w)) {
            return Err("MASTHEAD_IMAGE_WIDTHS must list widths from 1 to 8192".to_owned());
        }
        let set = WIDTHS.get_or_init(|| widths.clone());
        if *set != widths {
            return Err(format!(
                "MASTHEAD_IMAGE_WIDTHS is set once per process; this one serves {set:?}"
            ));
        }
        Ok(Self { widths: set })
    }

    /// The process's widths (the default list until configured).
    pub fn current() -> &'static [u32] {
        WIDTHS.get().map_or(&DEFAULT_WIDTHS, Vec::as_slice)
    }

    /// Checks a request's parameters (`w`, `h`, `fit`, `format`, `q`, each
    /// at most once) and makes the spec; `None` when it asks for no variant.
    pub fn spec(&self, params: &[(String, String)]) -> Result<Option<Spec>, AppError> {
        let mut spec = Spec {
            width: None,
            height: None,
            fit: Fit::Contain,
            format: None,
            quality: DEFAULT_QUALITY,
        };
        let mut seen = Vec::new();
        for (name, value) in params {
            if seen.contains(&name.as_str()) {
                return Err(AppError::bad_field(name, "may be given once"));
            }
            match name.as_str() {
                "w" => spec.width = Some(self.side(name, value)?),
                "h" => spec.height = Some(self.side(name, value)?),
                "fit" => {
                    spec.fit = match value.as_str() {
                        "cover" => Fit::Cover,
                        "contain" => Fit::Contain,
                        _ => return Err(AppError::bad_field(name, "must be cover or contain")),
                    }
                }
                "format" => {
                    spec.format = Some(match value.as_str() {
                        "webp" => Kind::Webp,
                        "avif" => Kind::Avif,
                        "jpeg" | "jpg" => Kind::Jpeg,
                        "png" => Kind::Png,
                        _ => {
                            return Err(AppError::bad_field(
                                name,
                                "must be webp, avif, jpeg or png",
                            ));
                        }
                    })
                }
                "q" => {
                    spec.quality = value
                        .parse::<u8>()
                        .ok()
                        .filter(|q| (1..=100).contains(q))
                        .ok_or_else(|| {
                            AppError::bad_field(name, "must be a whole number from 1 to 100")
                        })?
                }
                _ => {
                    return Err(AppError::bad_field(
                        name,
                        "unknown parameter (known: w, h, fit, format, q)",
                    ));
                }
            }
            seen.push(name.as_str());
        }
        if seen.is_empty() {
            return Ok(None);
        }
        // Each parameter is well-formed; without a size they ask for no
        // variant the site makes: a rule, so 422.
        if spec.width.is_none() && spec.height.is_none() {
            return Err(AppError::invalid(
                "w",
                "a variant needs a width or a height",
            ));
        }
        Ok(Some(spec))
    }

    fn side(&self, name: &str, value: &str) -> Result<u32, AppError> {
        value
            .parse::<u32>()
            .ok()
            .filter(|n| self.widths.contains(n))
            .ok_or_else(|| {
                let list: Vec<String> = self.widths.iter().map(u32::to_string).collect();
                AppError::bad_field(name, format!("must be one of {}", list.join(", ")))
            })
    }
}

/// A point of interest, from 0 to 1 across and down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Focus {
    pub x: f64,
    pub y: f64,
}

impl Spec {
    /// The format the variant is encoded in, for an original of `kind`.
    pub fn output(&self, kind: Kind) -> Kind {
        match (self.format, kind) {
            (Some(format), _) => format,
            (None, Kind::Gif) => Kind::Png,
            (None, kind) => kind,
        }
    }

    /// The stored name of this variant of an original of `kind`; a cover
    /// crop depends on the focal point, so it is part of the name.
    pub fn name(&self, kind: Kind, focus: Option<Focus>) -> String {
        let fit = match (self.fit, self.width.zip(self.height), focus) {
            (Fit::Cover, Some(_), Some(f)) => format!("cover-{:.3}-{:.3}", f.x, f.y),
            (Fit::Cover, Some(_), None) => "cover".to_owned(),
            _ => "contain".to_owned(),
        };
        format!(
            "w{}-h{}-{fit}-q{}.{}",
            self.width.unwrap_or(0),
            self.height.unwrap_or(0),
            self.quality,
            self.output(kind).extension()
        )
    }
}

/// Makes a variant of `original` (CPU work: run it off the async threads).
pub fn render(
    original: &[u8],
    kind: Kind,
    spec: &Spec,
    focus: Option<Focus>,
    bounds: Bounds,
) -> Result<Vec<u8>, AppError> {
    if !kind.is_raster() {
        return Err(AppError::bad_field(
            "w",
            format!(
                "variants are made of JPEG, PNG, WebP and GIF pictures, not {}",
                kind.content_type()
            ),
        ));
    }
    let image = picture::decode(original, kind, bounds)?;
    let resized = resize(&image, spec, focus)?;
    drop(image);
    encode(&resized, spec.output(kind), spec.quality)
}

/// The size of the variant and the part of the picture it shows (left,
/// top, width, height, in the picture's pixels): the whole picture scaled
/// into the box (`contain`), or the part around the focus that fills it
/// (`cover`); never larger than the picture.
fn frame(width: u32, height: u32, spec: &Spec, focus: Option<Focus>) -> ((u32, u32), [f64; 4]) {
    let (w, h) = (f64::from(width), f64::from(height));
    let box_w = f64::from(spec.width.map_or(width, |t| t.min(width)));
    let box_h = f64::from(spec.height.map_or(height, |t| t.min(height)));
    let side = |n: f64| (n.round() as u32).max(1);
    if spec.fit == Fit::Cover && spec.width.is_some() && spec.height.is_some() {
        let scale = (box_w / w).max(box_h / h);
        let (crop_w, crop_h) = ((box_w / scale).min(w), (box_h / scale).min(h));
        let focus = focus.unwrap_or(Focus { x: 0.5, y: 0.5 });
        let start = |total: f64, window: f64, at: f64| {
            (total * at.clamp(0.0, 1.0) - window / 2.0).clamp(0.0, total - window)
        };
        let crop = [
            start(w, crop_w, focus.x),
            start(h, crop_h, focus.y),
            crop_w,
            crop_h,
        ];
        return ((side(box_w), side(box_h)), crop);
    }
    let scale = (box_w / w).min(box_h / h);
    ((side(w * scale), side(h * scale)), [0.0, 0.0, w, h])
}

/// The picture scaled into the spec's box with a Lanczos filter, row by
/// row on 8-bit pixels (`fast_image_resize`): no full-size floating-point
/// copy of a large picture is ever made.
fn resize(
    image: &DynamicImage,
    spec: &Spec,
    focus: Option<Focus>,
) -> Result<DynamicImage, AppError> {
    let ((out_w, out_h), [left, top, crop_w, crop_h]) =
        frame(image.width(), image.height(), spec, focus);
    let crop_is_whole = left == 0.0
        && top == 0.0
        && crop_w == f64::from(image.width())
        && crop_h == f64::from(image.height());
    if crop_is_whole && (out_w, out_h) == (image.width(), image.height()) {
        return Ok(image.clone());
    }
    // 8-bit pixels (a 16-bit or floating-point picture is converted first).
    let source = match image {
        DynamicImage::ImageLuma8(_)
        | DynamicImage::ImageLumaA8(_)
        | DynamicImage::ImageRgb8(_)
        | DynamicImage::ImageRgba8(_) => std::borrow::Cow::Borrowed(image),
        other if other.color().has_alpha() => {
            std::borrow::Cow::Owned(DynamicImage::ImageRgba8(other.to_rgba8()))
        }
        other => std::borrow::Cow::Owned(DynamicImage::ImageRgb8(other.to_rgb8())),
    };
    let mut out = DynamicImage::new(out_w, out_h, source.color());
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(ResizeFilter::Lanczos3))
        .crop(left, top, crop_w, crop_h);
    Resizer::new()
        .resize(source.as_ref(), &mut out, &options)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("cannot resize a picture: {err}")))?;
    Ok(out)
}

fn encode_error(err: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("cannot encode a variant: {err}"))
}

fn encode(image: &DynamicImage, format: Kind, quality: u8) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    let (w, h) = (image.width(), image.height());
    match format {
        Kind::Jpeg => {
            let rgb = image.to_rgb8();
            JpegEncoder::new_with_quality(&mut out, quality)
                .write_image(rgb.as_raw(), w, h, image::ExtendedColorType::Rgb8)
                .map_err(encode_error)?;
        }
        Kind::Png => {
            let rgba = image.to_rgba8();
            PngEncoder::new(Cursor::new(&mut out))
                .write_image(rgba.as_raw(), w, h, image::ExtendedColorType::Rgba8)
                .map_err(encode_error)?;
        }
        Kind::Webp => {
            let rgba = image.to_rgba8();
            let encoded = webp::Encoder::from_rgba(rgba.as_raw(), w, h).encode(f32::from(quality));
            out.extend_from_slice(&encoded);
        }
        Kind::Avif => {
            let rgba = image.to_rgba8();
            AvifEncoder::new_with_speed_quality(&mut out, 10, quality)
                .write_image(rgba.as_raw(), w, h, image::ExtendedColorType::Rgba8)
                .map_err(encode_error)?;
        }
        other => {
            return Err(AppError::bad_field(
                "format",
                format!("variants cannot be encoded as {}", other.content_type()),
            ));
        }
    }
    Ok(out)
}

/// One making of each variant at a time, and a bound on how many at once.
#[derive(Debug)]
pub struct Flights {
    pending: Mutex<HashMap<String, Arc<OnceCell<()>>>>,
    slots: Semaphore,
    /// Variants made since start.
    made: AtomicU64,
}

impl Flights {
    /// At most `parallel` variants made at a time.
    pub fn new(parallel: usize) -> Self {
        Self {
            pending: Mutex::new(HashMap::new()),
            slots: Semaphore::new(parallel.max(1)),
            made: AtomicU64::new(0),
        }
    }

    /// Runs `make` for `key` unless another request is already making it,
    /// in which case this one waits for that one to finish. Either way,
    /// once this returns `Ok`, the variant has been made and stored. `make`
    /// says whether it made one (`false`: it found it stored).
    pub async fn once<F, Fut>(&self, key: &str, make: F) -> Result<(), AppError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<bool, AppError>>,
    {
        let cell = {
            let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            pending
                .entry(key.to_owned())
                .or_insert_with(|| Arc::new(OnceCell::new()))
                .clone()
        };
        let outcome = cell
            .get_or_try_init(|| async {
                let _slot = self.slot().await?;
                if make().await? {
                    self.made.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), AppError>(())
            })
            .await
            .map(|_| ());
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        // Later requests find the variant stored; `make` checks the store
        // again, so one that arrives just as this one finishes makes nothing.
        if pending.get(key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            pending.remove(key);
        }
        outcome
    }

    /// A turn to decode a picture: variants and uploads share the slots, so
    /// at most as many pictures as there are cores are in memory at once.
    pub async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        self.slots
            .acquire()
            .await
            .map_err(|err| AppError::Internal(err.into()))
    }

    /// Variants made since start, by this process (for `/metrics`).
    pub fn made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Allowed {
        Allowed {
            widths: &[160, 320, 640],
        }
    }

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn widths_outside_the_list_are_refused() {
        assert!(allowed().spec(&params(&[("w", "321")])).is_err());
        assert!(
            allowed()
                .spec(&params(&[("w", "320"), ("w", "160")]))
                .is_err()
        );
        assert!(allowed().spec(&params(&[("fit", "cover")])).is_err());
        assert!(
            allowed()
                .spec(&params(&[("w", "320"), ("q", "0")]))
                .is_err()
        );
        assert!(
            allowed()
                .spec(&params(&[("w", "320"), ("x", "1")]))
                .is_err()
        );
        assert_eq!(allowed().spec(&[]).ok(), Some(None));
        let spec = allowed()
            .spec(&params(&[("w", "320"), ("format", "webp"), ("q", "70")]))
            .ok()
            .flatten();
        assert_eq!(
            spec.map(|s| s.name(Kind::Jpeg, None)).as_deref(),
            Some("w320-h0-contain-q70.webp")
        );
    }

    #[test]
    fn crops_stay_inside_and_follow_the_focus() {
        let cover = Spec {
            width: Some(200),
            height: Some(200),
            fit: Fit::Cover,
            format: None,
            quality: 80,
        };
        // 1000 × 500 into a square: a 500 × 500 window, moved by the focus.
        let at = |x| frame(1000, 500, &cover, Some(Focus { x, y: 0.5 })).1;
        assert_eq!(at(0.5), [250.0, 0.0, 500.0, 500.0]);
        assert_eq!(at(0.0), [0.0, 0.0, 500.0, 500.0]);
        assert_eq!(at(1.0), [500.0, 0.0, 500.0, 500.0]);
        assert_eq!(frame(1000, 500, &cover, None).0, (200, 200));
    }

    #[test]
    fn a_cover_fills_the_box_and_contain_keeps_the_shape() {
        let image = DynamicImage::new_rgb8(600, 400);
        let cover = Spec {
            width: Some(160),
            height: Some(160),
            fit: Fit::Cover,
            format: None,
            quality: 80,
        };
        let out = resize(&image, &cover, Some(Focus { x: 0.9, y: 0.5 })).unwrap_or_default();
        assert_eq!((out.width(), out.height()), (160, 160));
        let contain = Spec {
            fit: Fit::Contain,
            ..cover
        };
        let out = resize(&image, &contain, None).unwrap_or_default();
        assert_eq!((out.width(), out.height()), (160, 107));
        let wider = Spec {
            width: Some(2560),
            height: None,
            ..contain
        };
        assert_eq!(
            resize(&image, &wider, None).map(|i| i.width()).ok(),
            Some(600)
        );
    }
}
