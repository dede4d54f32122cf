//! `/api/v1/sync`: delta sync for mobile apps and static-site builds.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::articles::ArticleOut;
use super::assets::AssetOut;
use super::authors::AuthorOut;
use super::docs::{BadRequest, Gone, Unauthorized, Unprocessable};
use super::tags::TagOut;
use crate::content::Named;
use crate::error::AppError;
use crate::feed::{SyncItem, SyncPage, SyncRequest, Tombstone, sync as feed_sync};

use crate::http::{AppState, Caller, query};

/// Parameters of a sync.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "describes the query string in OpenAPI")]
pub struct SyncParams {
    /// The `next_cursor` of the previous answer, sent back unchanged; none starts an initial sync.
    cursor: Option<String>,
    /// Kinds to sync, comma-separated: `articles`, `authors`, `tags`, `assets` (default: all). Only with the first request.
    #[param(pattern = "^(articles|authors|tags|assets)(,(articles|authors|tags|assets))*$")]
    types: Option<String>,
    /// Articles in this locale only. Only with the first request.
    locale: Option<String>,
    /// Items per answer, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u64>,
}

/// One object, as the caller's reads show it (public callers: live copies;
/// preview keys and signed-in users: working copies).
#[derive(Serialize, ToSchema)]
pub struct SyncItemOut {
    /// `article`, `author`, `tag` or `asset`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub object: SyncObject,
}

/// The object of a sync item; the item's `type` says which.
#[derive(Serialize)]
#[serde(untagged)]
pub enum SyncObject {
    Article(Box<ArticleOut>),
    Author(Box<AuthorOut>),
    Tag(TagOut),
    Asset(Box<AssetOut>),
}

// `anyOf`, not `oneOf`: an author and a tag share their common fields, so a
// validator cannot tell them apart by shape; the item's `type` does.
impl utoipa::PartialSchema for SyncObject {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::Ref;
        use utoipa::openapi::schema::AnyOfBuilder;
        AnyOfBuilder::new()
            .item(Ref::from_schema_name("ArticleOut"))
            .item(Ref::from_schema_name("AuthorOut"))
            .item(Ref::from_schema_name("TagOut"))
            .item(Ref::from_schema_name("AssetOut"))
            .description(Some(
                "The object of a sync item; the item's `type` says which.",
            ))
            .into()
    }
}

impl ToSchema for SyncObject {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        schemas.push((
            ArticleOut::name().into(),
            <ArticleOut as utoipa::PartialSchema>::schema(),
        ));
        ArticleOut::schemas(schemas);
        schemas.push((
            AuthorOut::name().into(),
            <AuthorOut as utoipa::PartialSchema>::schema(),
        ));
        AuthorOut::schemas(schemas);
        schemas.push((
            TagOut::name().into(),
            <TagOut as utoipa::PartialSchema>::schema(),
        ));
        TagOut::schemas(schemas);
        schemas.push((
            AssetOut::name().into(),
            <AssetOut as utoipa::PartialSchema>::schema(),
        ));
        AssetOut::schemas(schemas);
    }
}

/// Something the caller had and can no longer see: deleted, purged, or (for
/// public callers) unpublished or archived.
#[derive(Serialize, ToSchema)]
pub struct TombstoneOut {
    /// `article`, `author`, `tag` or `asset`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Uuid,
    /// When it went.
    pub at: DateTime<Utc>,
}

/// One answer of a sync.
#[derive(Serialize, ToSchema)]
pub struct SyncOut {
    /// Objects added or changed since the cursor (all of them, page by page, on an initial sync).
    pub items: Vec<SyncItemOut>,
    /// Objects gone since the cursor.
    pub deleted: Vec<TombstoneOut>,
    /// Send it back for the next answer; once `has_more` is false, keep it for the next sync.
    pub next_cursor: String,
    /// More is ready now: ask again at once with `next_cursor`.
    pub has_more: bool,
}

impl From<SyncPage> for SyncOut {
    fn from(page: SyncPage) -> Self {
        Self {
            items: page.items.into_iter().map(SyncItemOut::from).collect(),
            deleted: page.deleted.into_iter().map(TombstoneOut::from).collect(),
            next_cursor: page.next_cursor,
            has_more: page.has_more,
        }
    }
}

impl From<SyncItem> for SyncItemOut {
    fn from(item: SyncItem) -> Self {
        let kind = item.kind().as_str();
        let object = match item {
            SyncItem::Article(a) => SyncObject::Article(Box::new((*a).into())),
            SyncItem::Author(a) => SyncObject::Author(Box::new(a.into())),
            SyncItem::Tag(t) => SyncObject::Tag(t.into()),
            SyncItem::Asset(a) => SyncObject::Asset(Box::new(a.into())),
        };
        Self { kind, object }
    }
}

impl From<Tombstone> for TombstoneOut {
    fn from(t: Tombstone) -> Self {
        Self {
            kind: t.kind.as_str(),
            id: t.id,
            at: t.at,
        }
    }
}

/// The request a query string makes.
fn request_of(query_string: &str) -> Result<SyncRequest, AppError> {
    let mut request = SyncRequest::default();
    for (name, value) in query::pairs(query_string)? {
        match name.as_str() {
            "cursor" => request.cursor = Some(value),
            "types" => {
                request.types = Some(value.split(',').map(str::to_owned).collect());
            }
            "locale" => request.locale = Some(value),
            "limit" => {
                let limit = value
                    .parse()
                    .map_err(|_| AppError::bad_field("limit", "must be a whole number"))?;
                request.limit = Some(limit);
            }
            other => return Err(query::unknown(other)),
        }
    }
    Ok(request)
}

/// Sync: everything the caller may read, then only what changed.
///
/// Without a cursor, an initial sync pages through every object the caller
/// may read (`has_more` until the last page). Its last `next_cursor` is kept:
/// sent later, it returns the objects changed since, as they are now, and in
/// `deleted` those the caller can no longer see. Cursors are opaque and
/// sealed: one altered or made up is a 422; one older than the kept change
/// log (`MASTHEAD_CHANGE_RETENTION_DAYS`) is a 410 and the client starts over.
#[utoipa::path(
    tag = "sync",
    security((), ("bearer" = [])),
    params(SyncParams),
    responses(
        (status = 200, description = "A page of the sync", body = SyncOut),
        BadRequest, Unauthorized, Gone, Unprocessable,
    )
)]
#[get("/sync")]
pub async fn sync(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let request = request_of(req.query_string())?;
    let page = feed_sync::sync(&state.feed, &caller.0, request).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "private, no-store"))
        .json(SyncOut::from(page)))
}
