//! The media library: uploads, safe intake, delivery and variants (on the
//! local store and on a real S3-compatible server), and pictures in content.

mod content;
mod library;
mod s3;

use std::io::Cursor;

use image::{ImageFormat, RgbImage};
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A server to upload to, as HTTP sees it.
pub struct Target {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The first admin's access token.
    pub token: String,
    pub client: reqwest::Client,
}

impl Target {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request as the admin.
    pub fn admin(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// A request without credentials.
    pub fn anonymous(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Uploads `bytes` named `name` as a form, as the admin.
    pub async fn upload_form(
        &self,
        bytes: Vec<u8>,
        name: &str,
        alt: Option<&str>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        );
        if let Some(alt) = alt {
            form = form.text("alt", alt.to_owned());
        }
        self.admin(Method::POST, "/api/v1/assets")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Uploads and expects a 201; the asset.
    pub async fn upload(&self, bytes: Vec<u8>, name: &str) -> Value {
        let response = self.upload_form(bytes, name, None).await;
        assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        response.json().await.unwrap()
    }

    /// The counter `name` of `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self
            .anonymous(Method::GET, "/metrics")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    }
}

/// Lower-case hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A picture with something to see: a gradient with a red square.
pub fn picture(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        if x < width / 3 && y < height / 3 {
            image::Rgb([220, 30, 30])
        } else {
            let r = u8::try_from(x * 255 / width.max(1)).unwrap_or(0);
            let b = u8::try_from(y * 255 / height.max(1)).unwrap_or(0);
            image::Rgb([r, 120, b])
        }
    })
}

/// The picture encoded as `format` (JPEG at quality 75, lossless WebP).
fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(picture(width, height))
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::Jpeg)
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::Png)
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::WebP)
}

/// A TIFF block (little-endian) with an orientation and a GPS position
/// (48°51'29.47"N 2°17'40.2"E).
fn exif_with_gps() -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    t.extend(2u16.to_le_bytes());
    for (tag, kind, count, value) in [(0x0112u16, 3u16, 1u32, 1u32), (0x8825, 4, 1, 38)] {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    // GPS directory at 38: latitude ref, latitude, longitude ref, longitude.
    t.extend(4u16.to_le_bytes());
    let entries = [
        (1u16, 2u16, 2u32, u32::from_le_bytes(*b"N\0\0\0")),
        (2, 5, 3, 92),
        (3, 2, 2, u32::from_le_bytes(*b"E\0\0\0")),
        (4, 5, 3, 116),
    ];
    for (tag, kind, count, value) in entries {
        t.extend(tag.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    assert_eq!(t.len(), 92);
    for value in [48u32, 1, 51, 1, 2947, 100, 2, 1, 17, 1, 402, 10] {
        t.extend(value.to_le_bytes());
    }
    t
}

/// A JPEG from a phone: with an EXIF block that says where it was taken.
pub fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let tiff = exif_with_gps();
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(u16::try_from(tiff.len() + 8).unwrap().to_be_bytes());
    out.extend(b"Exif\0\0");
    out.extend(&tiff);
    out.extend(&plain[2..]);
    out
}

/// A PNG whose header announces 100,000 × 100,000 pixels (40 GB decoded)
/// in a few dozen bytes: a decompression bomb.
pub fn bomb() -> Vec<u8> {
    let chunk = |kind: &[u8; 4], data: &[u8]| {
        let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        c.extend(kind);
        c.extend(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        c.extend(crc.finalize().to_be_bytes());
        c
    };
    let mut header = Vec::new();
    header.extend(100_000u32.to_be_bytes());
    header.extend(100_000u32.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &header));
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// Decodes a served picture.
pub fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).unwrap()
}
