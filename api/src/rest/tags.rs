//! `/api/v1/tags`: the topics articles are filed under.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::catalog::catalog_handlers;
use super::docs::{
    BadRequest, Conflict, Forbidden, ListOf, NotFound, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use super::history::history_handlers;
use super::respond;
use super::wire::writable;
use crate::content::localized::Localized;
use crate::content::tag::{self, Tag, TagInput, TagSort};
use crate::content::{Catalog, Key, Patch};
use crate::error::AppError;
use crate::http::stamp;
use crate::http::{AppState, Caller, JsonBody, query};

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// The name per locale, beside the default `name`.
    #[schema(value_type = HashMap<String, String>)]
    pub names: Localized,
    /// Grows by one with every write.
    pub version: i32,
    #[serde(serialize_with = "stamp::write")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "stamp::write")]
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// Published articles filed under the tag (absent inside an article's `tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_count: Option<u64>,
}

impl From<Tag> for TagOut {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
            names: t.names,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            created_by: t.created_by,
            updated_by: t.updated_by,
            article_count: t.article_count,
        }
    }
}

/// Top-level fields of a tag, for `fields=`.
pub const TAG_FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "description",
    "names",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "article_count",
];

writable! {
    /// A tag as written. Read-only fields of a record read earlier are accepted
    /// and ignored; any other unknown field is a 400.
    pub struct TagWrite {
        /// Generated from the name when absent; must be free.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
        pub slug: Patch<String>,
        /// Required on create; at most 100 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "\\S", max_length = 100)]
        pub name: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 2000)]
        pub description: Patch<String>,
        /// The name per locale (`{"fr": "Économie"}`); replaces the stored ones.
        #[serde(default)]
        #[schema(value_type = Option<HashMap<String, String>>)]
        pub names: Patch<Localized>,
        /// A note stored with the revision this write makes ("fixed a typo").
        #[serde(default)]
        pub revision_message: Option<String>,
        /// Read-only: when sent back, must be the id of the addressed record.
        #[schema(read_only)]
        pub id: Option<Uuid>,
    }
    read_only { version, created_at, updated_at, created_by, updated_by, article_count }
}

impl From<TagWrite> for TagInput {
    fn from(w: TagWrite) -> Self {
        TagInput {
            id: w.id,
            slug: w.slug,
            name: w.name,
            description: w.description,
            names: w.names,
            revision_message: w.revision_message,
        }
    }
}

catalog_handlers! {
    collection: Tags = "tags",
    tag: "tags",
    item: Tag,
    sort: TagSort,
    input: TagInput,
    out: TagOut,
    write: TagWrite,
    fields: TAG_FIELDS,
    key: "Tag id or slug",
    page: "A page of tags in `data`, counts in `meta`",
    readers: "Readable by anyone who may read published content.",
    summaries: {
        list: "List tags.",
        get: "Get a tag by id or slug.",
        create: "Create a tag.",
        patch: "Update some fields of a tag.",
        replace: "Replace a tag.",
    },
    list: list_tags = "/tags",
    create: create_tag,
    get: get_tag = "/tags/{id}",
    patch: patch_tag,
    replace: replace_tag,
}

/// Delete a tag.
///
/// A tag that articles are filed under is a 409, unless `detach=true`:
/// then it is first taken off each of them (each gets a revision and is
/// otherwise unchanged, in the same state; a live copy loses it at once).
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Tag id or slug"),
           ("detach" = Option<bool>, Query, description = "`true`: take the tag off its articles first")),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Conflict)
)]
#[delete("/tags/{id}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let mut detach = false;
    for (name, value) in query::pairs(req.query_string())? {
        match name.as_str() {
            "detach" => detach = query::boolean(&name, &value)?,
            other => return Err(query::unknown(other)),
        }
    }
    let key = Key::parse(&path, None);
    if detach {
        tag::delete_detaching(&state.ctx, &caller.0, &key).await?;
    } else {
        Tag::delete(&state.ctx, &caller.0, &key).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// The tag another one is merged into.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagMerge {
    /// The id or slug of the tag that takes the merged one's place.
    #[schema(min_length = 1)]
    pub into: String,
}

/// Merge a tag into another.
///
/// Every article filed under the tag is filed under `into` instead, each
/// with a revision (in the same state; live copies change at once). The
/// merged tag is deleted and its slug redirects to `into` (301). The answer
/// is `into`, with its new article count.
///
/// Needs the editor or admin role.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Id or slug of the tag merged (and deleted)")),
    request_body = TagMerge,
    responses(
        (status = 200, description = "The tag merged into", body = TagOut, headers(("ETag" = String))),
        BadRequest, Unauthorized, Forbidden, NotFound, UnsupportedMediaType, Unprocessable,
    )
)]
#[post("/tags/{id}/merge")]
pub async fn merge_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<TagMerge>,
) -> Result<HttpResponse, AppError> {
    let into = Key::parse(&body.into_inner().into, None);
    let merged = tag::merge(&state.ctx, &caller.0, &Key::parse(&path, None), &into).await?;
    let version = merged.version;
    respond::written(StatusCode::OK, None, version, &TagOut::from(merged))
}

history_handlers! {
    tag: "tags",
    noun: "a tag",
    versioned: Tag,
    out: TagOut,
    list: list_tag_revisions = "/tags/{id}/revisions",
    get: get_tag_revision = "/tags/{id}/revisions/{version}",
    restore: restore_tag_revision = "/tags/{id}/revisions/{version}/restore",
    diff: diff_tag = "/tags/{id}/diff",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<TagOut>(TAG_FIELDS);
    }
}
