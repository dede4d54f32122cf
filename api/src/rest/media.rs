//! `/media/{id}/{filename}`: the bytes of an asset, or a variant of a
//! picture (`?w=&h=&fit=&format=&q=`), with a strong ETag, `304` for
//! `If-None-Match`, `206` for a `Range`, and immutable caching for what the
//! public may read (the bytes behind a URL never change).

use std::ops::Range;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentEncoding};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, web};
use bytes::Bytes;
use uuid::Uuid;

use super::docs::{BadRequest, NotFound, Unprocessable};
use crate::content::asset::{self, Delivery};
use crate::error::AppError;
use crate::http::answer::not_modified;
use crate::http::{AppState, Caller, query};
use crate::media::variant::Allowed;
use crate::media::{Kind, Spec, store, variant};

/// How long shared caches and browsers keep what the public may read.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// What only signed-in callers may read: kept by their browser alone.
const PRIVATE: &str = "private, max-age=300";

/// Query parameters of variants.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
struct VariantParams {
    /// Width, from `MASTHEAD_IMAGE_WIDTHS` (default 160, 320, 640, 960, 1280, 1920, 2560); never larger than the picture.
    w: Option<u32>,
    /// Height, from the same list.
    h: Option<u32>,
    /// With both `w` and `h`: `cover` (fill the box, cropping around the focal point) or `contain` (the default: fit inside).
    fit: Option<String>,
    /// `webp`, `avif`, `jpeg` or `png` (default: the original's; PNG for GIF).
    format: Option<String>,
    /// Quality, 1 to 100 (default 80).
    #[param(minimum = 1, maximum = 100)]
    q: Option<u8>,
}

/// The values the variant parameters take, for the OpenAPI document: the
/// widths are the process's (`MASTHEAD_IMAGE_WIDTHS`).
pub fn vocabulary() -> super::Vocabulary {
    let widths: Vec<serde_json::Value> = Allowed::current().iter().map(|w| (*w).into()).collect();
    let names = |names: &[&str]| names.iter().map(|n| (*n).into()).collect();
    super::Vocabulary {
        fields: &[],
        sorts: Vec::new(),
        includes: &[],
        formats: &[],
        takes_q: true,
        enums: vec![
            ("w", widths.clone()),
            ("h", widths),
            ("fit", names(&["cover", "contain"])),
            ("format", names(&["webp", "avif", "jpeg", "jpg", "png"])),
        ],
    }
}

/// The bytes of an asset, or a variant of a picture.
///
/// Served with a strong `ETag`, `304` for `If-None-Match`, `206` for a single `Range`, and `Cache-Control: public, max-age=31536000, immutable` when the public may read it. A variant is made once (one request makes it while the others wait) and stored beside the original. Readable by the callers who may read the asset (see `GET /api/v1/assets/{id}`); `404` otherwise.
#[utoipa::path(
    tag = "assets",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Asset id"),
           ("filename" = String, Path, description = "Its file name"),
           VariantParams,
           ("Range" = Option<String>, Header, description = "`bytes=start-end`")),
    responses(
        (status = 200, description = "The bytes, with the type read from them", content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/gif"), ("image/avif"), ("image/svg+xml"), ("application/pdf")),
         headers(("ETag" = String), ("Cache-Control" = String), ("Accept-Ranges" = String))),
        (status = 206, description = "The range asked for", content(("image/jpeg"), ("image/png"), ("image/webp"), ("image/gif"), ("image/avif"), ("image/svg+xml"), ("application/pdf")),
         headers(("Content-Range" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        (status = 416, description = "The range is outside the file", content_type = "application/problem+json"),
        BadRequest, NotFound, Unprocessable,
    )
)]
#[get("/media/{id}/{filename}")]
pub async fn get_media(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, filename) = path.into_inner();
    let id = Uuid::parse_str(&id).map_err(|_| AppError::not_found("asset"))?;
    let params = query::pairs(req.query_string())?;
    let spec = state.ctx.media.allowed.spec(&params)?;
    let delivery = asset::open(&state.ctx, &caller.0, id).await?;
    if delivery.filename != filename {
        return Err(AppError::not_found("asset"));
    }
    match spec {
        None => original(&state, &req, &delivery).await,
        Some(spec) => variant(&state, &req, &delivery, &spec).await,
    }
}

fn headers(builder: &mut HttpResponseBuilder, delivery: &Delivery, kind: Kind, etag: &str) {
    builder
        .insert_header((header::CONTENT_TYPE, kind.content_type()))
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header(ContentEncoding::Identity)
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header((
            header::CACHE_CONTROL,
            if delivery.public { IMMUTABLE } else { PRIVATE },
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", delivery.filename),
        ));
    if kind == Kind::Svg {
        // Opened on its own, an SVG runs no script and loads nothing.
        builder.insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        ));
    }
}

/// The byte range a `Range` header asks for, within `size` bytes: `None`
/// for the whole file (no header, several ranges, another unit, or an
/// `If-Range` that no longer matches), 416 for a range outside it.
fn wanted_range(req: &HttpRequest, size: u64, etag: &str) -> Result<Option<Range<u64>>, AppError> {
    let Some(value) = req
        .headers()
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    if let Some(if_range) = req
        .headers()
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        && if_range.trim() != etag
    {
        return Ok(None);
    }
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let unsatisfiable = || AppError::RangeNotSatisfiable { size };
    let (start, end) = spec.split_once('-').ok_or_else(unsatisfiable)?;
    let (start, end) = (start.trim(), end.trim());
    let range = if start.is_empty() {
        let suffix: u64 = end.parse().map_err(|_| unsatisfiable())?;
        if suffix == 0 {
            return Err(unsatisfiable());
        }
        size.saturating_sub(suffix)..size
    } else {
        let start: u64 = start.parse().map_err(|_| unsatisfiable())?;
        let end = if end.is_empty() {
            size
        } else {
            end.parse::<u64>()
                .map_err(|_| unsatisfiable())?
                .saturating_add(1)
                .min(size)
        };
        start..end
    };
    if range.start >= size || range.start >= range.end {
        return Err(unsatisfiable());
    }
    Ok(Some(range))
}

async fn original(
    state: &AppState,
    req: &HttpRequest,
    delivery: &Delivery,
) -> Result<HttpResponse, AppError> {
    let etag = format!("\"{}\"", delivery.sha256);
    if not_modified(req, &etag) {
        let mut builder = HttpResponse::NotModified();
        headers(&mut builder, delivery, delivery.kind, &etag);
        return Ok(builder.finish());
    }
    let range = wanted_range(req, delivery.size, &etag)?;
    let key = store::original_key(&delivery.sha256);
    let stream = state
        .ctx
        .media
        .blobs
        .stream(&key, range.clone().filter(|r| r.end > r.start))
        .await?
        .ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "the bytes of asset {} are missing from the store",
                delivery.id
            ))
        })?;
    let (status, length) = match &range {
        Some(r) => (StatusCode::PARTIAL_CONTENT, r.end - r.start),
        None => (StatusCode::OK, delivery.size),
    };
    let mut builder = HttpResponse::build(status);
    headers(&mut builder, delivery, delivery.kind, &etag);
    if let Some(r) = &range {
        builder.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", r.start, r.end - 1, delivery.size),
        ));
    }
    Ok(builder.no_chunking(length).streaming(stream))
}

async fn variant(
    state: &AppState,
    req: &HttpRequest,
    delivery: &Delivery,
    spec: &Spec,
) -> Result<HttpResponse, AppError> {
    let output = spec.output(delivery.kind);
    let name = spec.name(delivery.kind, delivery.focus);
    let etag = format!(
        "\"{}-{}\"",
        &delivery.sha256[..delivery.sha256.len().min(32)],
        name
    );
    if not_modified(req, &etag) {
        let mut builder = HttpResponse::NotModified();
        headers(&mut builder, delivery, output, &etag);
        return Ok(builder.finish());
    }
    let key = format!("{}/{name}", store::variants_key(&delivery.sha256));
    let bytes = match state.ctx.media.blobs.read(&key).await? {
        Some(bytes) => bytes,
        None => make(state, delivery, spec, &key).await?,
    };
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let range = wanted_range(req, size, &etag)?;
    let mut builder = HttpResponse::build(if range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    });
    headers(&mut builder, delivery, output, &etag);
    let body = match range {
        Some(r) => {
            builder.insert_header((
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end - 1),
            ));
            let (start, end) = (
                usize::try_from(r.start).unwrap_or(0),
                usize::try_from(r.end).unwrap_or(0),
            );
            bytes.slice(start..end)
        }
        None => bytes,
    };
    Ok(builder.body(body))
}

/// Makes a variant once: the first request renders and stores it, those
/// arriving meanwhile wait for it, then all read it from the store.
async fn make(
    state: &AppState,
    delivery: &Delivery,
    spec: &Spec,
    key: &str,
) -> Result<Bytes, AppError> {
    let media = &state.ctx.media;
    media
        .flights
        .once(key, || async {
            if media.blobs.exists(key).await? {
                return Ok(false);
            }
            let original = media
                .blobs
                .read(&store::original_key(&delivery.sha256))
                .await?
                .ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!(
                        "the bytes of asset {} are missing",
                        delivery.id
                    ))
                })?;
            let (kind, spec, focus, bounds) =
                (delivery.kind, *spec, delivery.focus, media.rules.bounds);
            let rendered = tokio::task::spawn_blocking(move || {
                variant::render(&original, kind, &spec, focus, bounds)
            })
            .await
            .map_err(|err| {
                AppError::Internal(anyhow::anyhow!("making a variant failed: {err}"))
            })??;
            media.blobs.put(key, Bytes::from(rendered)).await?;
            Ok(true)
        })
        .await?;
    media
        .blobs
        .read(key)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the variant {key} went missing")))
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn range(header: &str, size: u64) -> Result<Option<Range<u64>>, u16> {
        let req = TestRequest::default()
            .insert_header((header::RANGE, header))
            .to_http_request();
        wanted_range(&req, size, "\"e\"").map_err(|e| e.status())
    }

    #[test]
    fn ranges_are_read_like_rfc_9110_says() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(range("bytes=-10", 100), Ok(Some(90..100)));
        assert_eq!(range("bytes=50-500", 100), Ok(Some(50..100)));
        assert_eq!(range("bytes=100-", 100), Err(416));
        assert_eq!(range("bytes=-0", 100), Err(416));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(range("items=0-1", 100), Ok(None));
    }
}
