//! `/api/v1/assets`: the media library. Uploads come as
//! `multipart/form-data` or a raw body; edits change the text and focal
//! point (with revisions); a delete is refused while content uses the asset.

mod dto;
pub(super) mod upload;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use dto::ASSET_FIELDS;
pub use dto::{AssetOut, AssetWrite, FocalPointWire, ImageOut, ImageWrite, UsageOut};

use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, ListParams, NotFound, PayloadTooLarge, ReadParams,
    Unauthorized, Unprocessable, UnsupportedMediaType,
};
use super::history::history_handlers;
use super::list::{self, Collection};
use super::respond;
use crate::content::asset::{self, Asset, AssetFilter, AssetInput, AssetSort, TypeFilter};
use crate::content::page::Sort;
use crate::content::{EntityKind, Key};
use crate::error::AppError;
use crate::http::answer::ContentKeys;
use crate::http::{AppState, Caller, query};

/// How `/assets` reads its query string.
pub struct Assets;

impl Collection for Assets {
    type Filter = AssetFilter;
    type Sort = AssetSort;
    const NAME: &'static str = "assets";
    const FIELDS: &'static [&'static str] = ASSET_FIELDS;
    const SEARCHABLE: bool = true;

    fn default_sort() -> Sort<AssetSort> {
        asset::default_sort()
    }

    fn filter(filter: &mut AssetFilter, name: &str, value: &str) -> Result<bool, AppError> {
        match name {
            "type" => {
                filter.kind = Some(match value {
                    "image" => TypeFilter::Image,
                    "document" => TypeFilter::Document,
                    exact if exact.contains('/') => TypeFilter::Exact(exact.to_owned()),
                    _ => {
                        return Err(AppError::bad_field(
                            "type",
                            "must be image, document or a media type such as image/png",
                        ));
                    }
                });
            }
            "q" | "filename_like" => filter.q = Some(value.to_owned()),
            "used" => filter.used = Some(query::boolean("used", value)?),
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Filters of the asset list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
struct AssetListParams {
    /// `image`, `document`, or a media type (`image/png`).
    #[param(pattern = "^(image|document|.*/.*)$")]
    r#type: Option<String>,
    /// Only assets in use (`true`) or unused (`false`).
    used: Option<bool>,
}

fn keys(assets: &[Asset]) -> ContentKeys {
    let mut keys = ContentKeys::of(Assets::NAME);
    for found in assets {
        keys.add(EntityKind::Asset, found.id);
    }
    keys
}

/// List the media library.
///
/// `q` looks in the file name, alt text and caption. Anonymous callers and delivery keys see the assets used by published content or by authors (all of them with `MASTHEAD_PUBLIC_MEDIA=all`); signed-in users and preview keys the whole library.
#[utoipa::path(
    tag = "assets",
    security((), ("bearer" = [])),
    params(ListParams, AssetListParams),
    responses(
        (status = 200, description = "A page of assets in `data`, counts in `meta`",
         body = ListOf<AssetOut>,
         headers(("X-Total-Count" = u64, description = "Rows over all pages"),
                 ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                 ("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest,
    )
)]
#[get("/assets")]
pub async fn list_assets(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = list::list_request::<Assets>(req.query_string(), Some(|f| &mut f.ids))?;
    respond::public(&state, &caller.0, &req, async || {
        let page = asset::list(&state.ctx, &caller.0, &request.query).await?;
        let keys = keys(&page.items);
        let page = page.map(AssetOut::from);
        Ok(respond::render_list(&req, &page, request.answer())?.keyed(&keys))
    })
    .await
}

/// Get an asset.
///
/// Readable by the same callers as the list.
#[utoipa::path(
    tag = "assets",
    security((), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "Asset id"), ReadParams),
    responses(
        (status = 200, description = "The asset", body = AssetOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest, NotFound,
    )
)]
#[get("/assets/{id}")]
pub async fn get_asset(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let options = list::read_options::<Assets>(req.query_string())?;
    let key = Key::parse(&path, None);
    respond::public(&state, &caller.0, &req, async || {
        let found = asset::get(&state.ctx, &caller.0, &key).await?;
        let keys = keys(std::slice::from_ref(&found));
        let version = found.version;
        let out = AssetOut::from(found);
        Ok(respond::render_entity(version, &out, options.fields.as_deref())?.keyed(&keys))
    })
    .await
}

/// Upload a file.
///
/// As `multipart/form-data` (field `file`, and optional `alt`, `caption`, `credit`) or as a raw body with `Content-Disposition: attachment; filename=…` (and `?alt=&caption=&credit=`). The type is told from the bytes, never from the name or `Content-Type`: JPEG, PNG, WebP, GIF, AVIF and PDF are accepted (SVG with `MASTHEAD_ALLOW_SVG=true`, sanitised), anything else is a 415; over `MASTHEAD_MAX_UPLOAD_BYTES` a 413; a picture that cannot be decoded, or one of more than `MASTHEAD_MAX_IMAGE_PIXELS`, a 422. The file name is sanitised and location metadata removed from pictures. Identical bytes are stored once.
///
/// Needs the author, editor or admin role.
#[utoipa::path(
    tag = "assets",
    security(("bearer" = [])),
    request_body(content(
        (AssetUploadForm = "multipart/form-data"),
        (Vec<u8> = "application/octet-stream"),
    )),
    responses(
        (status = 201, description = "Created", body = AssetOut, headers(("Location" = String), ("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/assets")]
pub async fn create_asset(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    // Refuse before reading a byte when the caller may not upload.
    asset::may_upload(&state.ctx, &caller.0)?;
    let limit = state.ctx.media.max_upload_bytes;
    let upload = upload::read(&req, payload, limit).await?;
    let created = asset::upload(&state.ctx, &caller.0, upload).await?;
    let location = format!("/api/v1/assets/{}", created.id);
    let version = created.version;
    respond::written(
        StatusCode::CREATED,
        Some(location),
        version,
        &AssetOut::from(created),
    )
}

/// An upload as a form; other fields are refused.
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
struct AssetUploadForm {
    /// The file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
}

crate::rest::edit::edit_handlers! {
    tag: "assets",
    item: Asset,
    input: AssetInput,
    write: AssetWrite,
    out: AssetOut,
    key: "Asset id",
    path: "/assets/{id}",
    patch: patch_asset [
        "Update the text or focal point of an asset.",
        "",
        "Fields not sent keep their values; `null` clears one.",
        "",
        "Needs the author role (files they uploaded), editor or admin.",
    ],
    replace: replace_asset [
        "Replace the text and focal point of an asset.",
        "",
        "Fields not sent are cleared.",
        "",
        "Needs the author role (files they uploaded), editor or admin.",
    ],
}

/// Delete an asset.
///
/// Refused with a 409 listing who uses it while articles or authors do; with `force=true` (admins) it is first taken out of them (each change recorded as an edit; pictures in bodies show their alt text). The bytes go when no other asset has them.
///
/// Needs the author role (files they uploaded), editor or admin.
#[utoipa::path(
    tag = "assets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Asset id"),
           ("force" = Option<bool>, Query, description = "Delete even while used (admins)")),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Conflict)
)]
#[delete("/assets/{id}")]
pub async fn delete_asset(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut force = false;
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "force" => force = query::boolean("force", &value)?,
            _ => return Err(query::unknown(&name)),
        }
    }
    let key = Key::parse(&path, None);
    asset::delete(&state.ctx, &caller.0, &key, force).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who uses an asset: articles (either copy) and authors.
///
/// Needs a signed-in user or a preview key.
#[utoipa::path(
    tag = "assets",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Asset id")),
    responses((status = 200, description = "Its users", body = UsageOut), Unauthorized, Forbidden, NotFound)
)]
#[get("/assets/{id}/usage")]
pub async fn get_asset_usage(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = Key::parse(&path, None);
    let usage = asset::usage(&state.ctx, &caller.0, &key).await?;
    Ok(HttpResponse::Ok().json(UsageOut::from(usage)))
}

history_handlers! {
    tag: "assets",
    noun: "an asset",
    versioned: Asset,
    out: AssetOut,
    list: list_asset_revisions = "/assets/{id}/revisions",
    get: get_asset_revision = "/assets/{id}/revisions/{version}",
    restore: restore_asset_revision = "/assets/{id}/revisions/{version}/restore",
    diff: diff_asset = "/assets/{id}/diff",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_filters_are_checked() {
        let mut filter = AssetFilter::default();
        assert!(Assets::filter(&mut filter, "type", "image").unwrap_or(false));
        assert_eq!(filter.kind, Some(TypeFilter::Image));
        assert!(Assets::filter(&mut filter, "type", "bogus").is_err());
        assert!(!Assets::filter(&mut filter, "other", "x").unwrap_or(true));
    }
}
