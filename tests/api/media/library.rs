//! The library's contract, run against the local store and against a real
//! S3-compatible server (`s3.rs`): uploads and what is read from them,
//! intake refusals, byte-for-byte delivery with ETag, 304 and Range, and
//! variants made once.

use std::path::PathBuf;

use reqwest::Method;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use serde_json::Value;

use super::{Target, bomb, decode, jpeg, jpeg_with_gps, png, sha256, webp};
use crate::helpers::TestApp;

/// Where a server keeps asset bytes, for counting them.
pub enum Store {
    /// The `media` folder of a data directory.
    Local(PathBuf),
    /// A bucket of an S3-compatible server that answers unsigned requests.
    S3 { endpoint: String, bucket: String },
}

impl Store {
    /// Objects stored now.
    pub async fn count(&self) -> usize {
        match self {
            Store::Local(dir) => files(dir),
            Store::S3 { endpoint, bucket } => {
                let listing =
                    reqwest::get(format!("{endpoint}/{bucket}?list-type=2&max-keys=1000"))
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                listing.matches("<Key>").count()
            }
        }
    }
}

fn files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| {
            let path = entry.path();
            if path.is_dir() { files(&path) } else { 1 }
        })
        .sum()
}

/// The upload limit the suite's servers are started with.
pub const LIMIT: usize = 2_000_000;

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/problem+json",
        "a problem document"
    );
    response.json().await.unwrap()
}

/// Every check of the library, on one server and its store.
pub async fn suite(t: &Target, store: &Store) {
    uploads_read_the_bytes_and_serve_them_back(t).await;
    intake_refuses_what_it_must(t, store).await;
    variants_are_made_once_and_decode_to_their_size(t).await;
    location_metadata_is_removed(t).await;
    identical_bytes_are_stored_once(t, store).await;
}

async fn uploads_read_the_bytes_and_serve_them_back(t: &Target) {
    // A form upload, with an accented name and alt text.
    let bytes = jpeg(800, 600);
    let response = t
        .upload_form(
            bytes.clone(),
            "Été « à Paris ».JPG",
            Some("Le port « vu » d’en haut"),
        )
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let asset: Value = response.json().await.unwrap();
    let id = asset["id"].as_str().unwrap();
    assert_eq!(location, format!("/api/v1/assets/{id}"));
    assert_eq!(asset["filename"], "Ete-a-Paris.jpg");
    assert_eq!(asset["content_type"], "image/jpeg");
    assert_eq!(
        (asset["width"].as_u64(), asset["height"].as_u64()),
        (Some(800), Some(600))
    );
    assert_eq!(asset["size"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(asset["sha256"], sha256(&bytes));
    assert_eq!(asset["alt"], "Le port « vu » d’en haut");
    assert_eq!(asset["version"], 1);
    assert_eq!(asset["usage_count"], 0);
    assert!(
        asset["blurhash"].as_str().is_some_and(|h| h.len() >= 6),
        "{asset}"
    );
    let color = asset["dominant_color"].as_str().unwrap();
    assert!(color.len() == 7 && color.starts_with('#'), "{color}");
    let url = asset["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/media/{id}/Ete-a-Paris.jpg"));

    // The original, byte for byte, with a strong ETag.
    let served = t.admin(Method::GET, &url).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()[CONTENT_TYPE], "image/jpeg");
    assert_eq!(served.headers()["accept-ranges"], "bytes");
    let etag = served.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", sha256(&bytes)));
    assert!(!etag.starts_with("W/"));
    assert_eq!(served.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // 304 for the ETag the client has.
    let again = t
        .admin(Method::GET, &url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    // A range: 206 with exactly those bytes.
    let slice = t
        .admin(Method::GET, &url)
        .header("range", "bytes=100-1123")
        .send()
        .await
        .unwrap();
    assert_eq!(slice.status(), 206);
    assert_eq!(
        slice.headers()["content-range"],
        format!("bytes 100-1123/{}", bytes.len()).as_str()
    );
    assert_eq!(slice.bytes().await.unwrap().as_ref(), &bytes[100..1124]);
    let outside = t
        .admin(Method::GET, &url)
        .header("range", format!("bytes={}-", bytes.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 416);
    assert_eq!(
        outside.headers()["content-range"],
        format!("bytes */{}", bytes.len()).as_str()
    );

    // Not used by anything published: the public does not see it.
    assert_eq!(
        t.anonymous(Method::GET, &url)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let path = format!("/api/v1/assets/{id}");
    assert_eq!(
        t.anonymous(Method::GET, &path)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        t.admin(Method::GET, &path).send().await.unwrap().status(),
        200
    );
    // Another name in the path is not this file.
    let other = format!("/media/{id}/other.jpg");
    assert_eq!(
        t.admin(Method::GET, &other).send().await.unwrap().status(),
        404
    );

    // A raw body: the name from Content-Disposition, folders dropped; the
    // type from the bytes, whatever Content-Type says.
    let raw = t
        .admin(Method::POST, "/api/v1/assets?alt=Carte")
        .header(CONTENT_TYPE, "text/plain")
        .header(
            CONTENT_DISPOSITION,
            "attachment; filename=\"../../etc/passwd.png\"",
        )
        .body(png(300, 200))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 201);
    let raw: Value = raw.json().await.unwrap();
    assert_eq!(raw["filename"], "passwd.png");
    assert_eq!(raw["content_type"], "image/png");
    assert_eq!(raw["alt"], "Carte");
    assert_eq!(
        (raw["width"].as_u64(), raw["height"].as_u64()),
        (Some(300), Some(200))
    );
}

async fn intake_refuses_what_it_must(t: &Target, store: &Store) {
    let before = store.count().await;
    // HTML named like a picture, sent as one.
    let html = b"<!doctype html><html><body><script>alert(1)</script></body></html>".to_vec();
    let response = t
        .admin(Method::POST, "/api/v1/assets")
        .header(CONTENT_TYPE, "image/jpeg")
        .header(CONTENT_DISPOSITION, "attachment; filename=photo.jpg")
        .body(html)
        .send()
        .await
        .unwrap();
    let body = problem(response, 415).await;
    assert!(
        body["detail"].as_str().unwrap().contains("accepted"),
        "{body}"
    );

    // Over the limit: 413, and nothing stored.
    let big = vec![0xAB; LIMIT + 500_000];
    let response = t.upload_form(big, "big.jpg", None).await;
    problem(response, 413).await;
    let raw = t
        .admin(Method::POST, "/api/v1/assets")
        .body(vec![0u8; LIMIT + 1])
        .send()
        .await
        .unwrap();
    problem(raw, 413).await;

    // A decompression bomb: refused from its header, not decoded.
    let response = t.upload_form(bomb(), "bomb.png", None).await;
    let body = problem(response, 422).await;
    assert_eq!(body["errors"][0]["field"], "file");
    assert!(
        body["detail"].as_str().unwrap().contains("megapixels"),
        "{body}"
    );

    // A form without a file, and an unknown field.
    let form = reqwest::multipart::Form::new().text("alt", "rien");
    let response = t
        .admin(Method::POST, "/api/v1/assets")
        .multipart(form)
        .send()
        .await
        .unwrap();
    problem(response, 400).await;

    // Readers and anonymous callers may not upload.
    let response = t
        .anonymous(Method::POST, "/api/v1/assets")
        .body(png(10, 10))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
    assert_eq!(
        store.count().await,
        before,
        "a refused upload leaves nothing behind"
    );
}

async fn variants_are_made_once_and_decode_to_their_size(t: &Target) {
    let asset = t.upload(webp(640, 480), "vue.webp").await;
    assert_eq!(asset["content_type"], "image/webp");
    let url = asset["url"].as_str().unwrap();

    let variant = t
        .admin(Method::GET, &format!("{url}?w=320&format=webp"))
        .send()
        .await
        .unwrap();
    assert_eq!(variant.status(), 200);
    assert_eq!(variant.headers()[CONTENT_TYPE], "image/webp");
    let decoded = decode(&variant.bytes().await.unwrap());
    assert_eq!((decoded.width(), decoded.height()), (320, 240));

    let cover = t
        .admin(
            Method::GET,
            &format!("{url}?w=160&h=160&fit=cover&format=jpeg&q=70"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(cover.headers()[CONTENT_TYPE], "image/jpeg");
    let decoded = decode(&cover.bytes().await.unwrap());
    assert_eq!((decoded.width(), decoded.height()), (160, 160));

    // AVIF, encoded here (rav1e): an AVIF file of the asked width.
    let avif = t
        .admin(Method::GET, &format!("{url}?w=160&format=avif"))
        .send()
        .await
        .unwrap();
    assert_eq!(avif.headers()[CONTENT_TYPE], "image/avif");
    let avif = avif.bytes().await.unwrap();
    assert_eq!(&avif[4..12], b"ftypavif");
    let size = imagesize::blob_size(&avif).unwrap();
    assert_eq!((size.width, size.height), (160, 120));

    // Widths outside the list, and unknown parameters, are refused.
    for bad in [
        "?w=321",
        "?w=320&fit=fill",
        "?w=320&format=bmp",
        "?w=320&q=0",
        "?size=1",
    ] {
        let response = t
            .admin(Method::GET, &format!("{url}{bad}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
    }

    // A burst of first requests for one variant: it is made once.
    let made = t.metric("masthead_media_variants_made_total").await;
    let path = format!("{url}?w=160&format=png");
    let burst = (0..8).map(|_| async {
        let response = t.admin(Method::GET, &path).send().await.unwrap();
        assert_eq!(response.status(), 200);
        response.bytes().await.unwrap()
    });
    let bodies = futures_util::future::join_all(burst).await;
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every request got the same bytes"
    );
    assert_eq!(decode(&bodies[0]).width(), 160);
    assert_eq!(
        t.metric("masthead_media_variants_made_total").await,
        made + 1
    );

    // A stored variant has its own strong ETag and is served again from the store.
    let first = t.admin(Method::GET, &path).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = t
        .admin(Method::GET, &path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let part = t
        .admin(Method::GET, &path)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), &bodies[0][..10]);
    assert_eq!(
        t.metric("masthead_media_variants_made_total").await,
        made + 1
    );
}

async fn location_metadata_is_removed(t: &Target) {
    let sent = jpeg_with_gps(400, 300);
    let before = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&sent))
        .unwrap();
    assert!(
        before
            .get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );

    let asset = t.upload(sent.clone(), "iphone.jpg").await;
    let stored = t
        .admin(Method::GET, asset["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.len(), sent.len(), "only metadata changed");
    assert_eq!(asset["sha256"], sha256(&stored));
    assert_ne!(asset["sha256"], sha256(&sent));
    let after = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(stored.as_ref()))
        .unwrap();
    assert!(
        after.fields().all(|f| !matches!(
            f.tag,
            exif::Tag::GPSLatitude
                | exif::Tag::GPSLongitude
                | exif::Tag::GPSLatitudeRef
                | exif::Tag::GPSLongitudeRef
        )),
        "no position left"
    );
    let orientation = after.get_field(exif::Tag::Orientation, exif::In::PRIMARY);
    assert!(orientation.is_some(), "the rest of the metadata stays");
    // The numbers of the position are gone from the bytes, not only unlinked.
    let seconds = 2947u32.to_le_bytes();
    assert!(!stored.windows(4).any(|w| w == seconds));
    assert_eq!(decode(&stored).width(), 400);
}

async fn identical_bytes_are_stored_once(t: &Target, store: &Store) {
    let bytes = png(120, 80);
    let first = t.upload(bytes.clone(), "a.png").await;
    let count = store.count().await;
    let second = t.upload(bytes, "b.png").await;
    assert_ne!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
    assert_eq!(
        store.count().await,
        count,
        "the same bytes are not stored twice"
    );

    // Deleting one keeps the bytes of the other; deleting both removes them.
    let delete = |asset: &Value| {
        let path = format!("/api/v1/assets/{}", asset["id"].as_str().unwrap());
        t.admin(Method::DELETE, &path).send()
    };
    assert_eq!(delete(&first).await.unwrap().status(), 204);
    let served = t
        .admin(Method::GET, second["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(delete(&second).await.unwrap().status(), 204);
    assert_eq!(store.count().await, count - 1);
}

#[tokio::test]
async fn the_library_on_the_local_store() {
    let app = TestApp::spawn_with(|c| c.max_upload_bytes = LIMIT).await;
    let target = Target {
        base: app.address.clone(),
        token: app.admin_token.clone(),
        client: app.client.clone(),
    };
    let store = Store::Local(app.data_dir().join("media"));
    suite(&target, &store).await;
}
