//! Reading an upload: `multipart/form-data` (a `file` field, and optional
//! `alt`, `caption`, `credit`) or a raw body whose name comes from
//! `Content-Disposition: attachment; filename=…` (the text from the query
//! string). Past `MASTHEAD_MAX_UPLOAD_BYTES` the request is a 413 and
//! nothing is kept: the bytes are held in memory until the whole file has
//! been checked, and only then stored.

use actix_multipart::Multipart;
use actix_web::HttpRequest;
use actix_web::http::header::{self, ContentDisposition};
use actix_web::web::Payload;
use futures_util::{Stream, StreamExt, TryStreamExt};

use crate::content::asset::Upload;
use crate::error::AppError;
use crate::http::query;

/// The bytes read past the limit before answering 413, so that a client
/// still sending gets the answer instead of a reset connection.
const DRAIN: usize = 64 * 1024 * 1024;

/// Longest `alt`, `caption` or `credit` form field, in bytes.
const MAX_TEXT_FIELD: usize = 16 * 1024;

/// Whether the request's body is `multipart/form-data`.
pub fn is_multipart(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The upload a request carries.
pub async fn read(req: &HttpRequest, payload: Payload, limit: usize) -> Result<Upload, AppError> {
    if is_multipart(req) {
        if let Some((name, _)) = query::pairs(req.query_string())?.first() {
            return Err(AppError::bad_field(
                name.as_str(),
                "with multipart/form-data, send alt, caption and credit as form fields",
            ));
        }
        return multipart(Multipart::new(req.headers(), payload), limit).await;
    }
    let mut upload = Upload {
        filename: raw_filename(req)?,
        ..Upload::default()
    };
    for (name, value) in query::pairs(req.query_string())? {
        let slot = match name.as_str() {
            "alt" => &mut upload.alt,
            "caption" => &mut upload.caption,
            "credit" => &mut upload.credit,
            _ => return Err(query::unknown(&name)),
        };
        *slot = Some(value);
    }
    upload.bytes = collect(payload.map_err(|err| err.to_string()), limit).await?;
    Ok(upload)
}

/// The file name of a raw upload, from `Content-Disposition` (`filename*`
/// preferred); a header that is there but unreadable is a 400.
fn raw_filename(req: &HttpRequest) -> Result<Option<String>, AppError> {
    let Some(value) = req.headers().get(header::CONTENT_DISPOSITION) else {
        return Ok(None);
    };
    let disposition = ContentDisposition::from_raw(value).map_err(|_| {
        AppError::bad_field(
            "Content-Disposition",
            "must read like `attachment; filename=\"photo.jpg\"`",
        )
    })?;
    if let Some(ext) = disposition.get_filename_ext() {
        return Ok(Some(String::from_utf8_lossy(&ext.value).into_owned()));
    }
    Ok(disposition.get_filename().map(str::to_owned))
}

/// Reads a stream of chunks up to `limit` bytes; past it, drains what the
/// client is still sending (up to [`DRAIN`]) and answers 413.
async fn collect<S, E>(mut stream: S, limit: usize) -> Result<Vec<u8>, AppError>
where
    S: Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| AppError::bad_field("body", err.to_string()))?;
        if body.len() + chunk.len() > limit {
            drop(body);
            let mut drained = chunk.len();
            while drained < DRAIN {
                match stream.next().await {
                    Some(Ok(more)) => drained += more.len(),
                    _ => break,
                }
            }
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn multipart(mut form: Multipart, limit: usize) -> Result<Upload, AppError> {
    let bad = |err: actix_multipart::MultipartError| AppError::bad_field("body", err.to_string());
    let mut upload = Upload::default();
    let mut has_file = false;
    while let Some(field) = form.try_next().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" if has_file => {
                return Err(AppError::bad_field("file", "send one file per upload"));
            }
            "file" => {
                has_file = true;
                upload.filename = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .map(str::to_owned);
                upload.bytes = collect(field.map_err(|err| err.to_string()), limit).await?;
            }
            "alt" | "caption" | "credit" => {
                let bytes = collect(field.map_err(|err| err.to_string()), MAX_TEXT_FIELD)
                    .await
                    .map_err(|_| AppError::bad_field(name.as_str(), "is too long"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| AppError::bad_field(name.as_str(), "must be UTF-8 text"))?;
                let slot = match name.as_str() {
                    "alt" => &mut upload.alt,
                    "caption" => &mut upload.caption,
                    _ => &mut upload.credit,
                };
                *slot = Some(text);
            }
            other => {
                return Err(AppError::bad_field(
                    other,
                    "unknown form field (known: file, alt, caption, credit)",
                ));
            }
        }
    }
    if !has_file {
        return Err(AppError::bad_field("file", "the form has no `file` field"));
    }
    Ok(upload)
}
