//! Revision routes of articles, authors and tags: list, read, compare,
//! restore. The three resources share the shape, so one macro writes their
//! handlers over the one history engine (`content::history`).

use actix_web::HttpRequest;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::list::{self, Collection, ListRequest};
use crate::content::history::{self, Diff, Revision, RevisionSort};
use crate::content::page::Sort;
use crate::error::AppError;
use crate::http::query;

/// One version of an entity's content.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// Who wrote it.
    pub created_by: Option<Uuid>,
    /// The note given with the write.
    pub message: Option<String>,
    /// The content at this version (only when one revision is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub snapshot: Option<Map<String, Value>>,
}

impl RevisionOut {
    /// The wire form, with or without the content.
    pub fn new(revision: Revision, with_snapshot: bool) -> Self {
        Self {
            version: revision.version,
            created_at: revision.created_at,
            created_by: revision.created_by,
            message: revision.message,
            snapshot: with_snapshot.then_some(revision.snapshot),
        }
    }
}

/// Top-level fields of a revision, for `fields=`.
pub const REVISION_FIELDS: &[&str] =
    &["version", "created_at", "created_by", "message", "snapshot"];

/// A run of words in a word diff.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentOut {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    pub text: String,
}

/// How one field differs between two versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeOut {
    pub field: String,
    /// `changed`, `added` or `removed`.
    pub kind: &'static str,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
    /// For long text (body, excerpt, bio, description): the word diff; the
    /// `equal` and `delete` runs spell the old text, `equal` and `insert` the new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<SegmentOut>>,
}

/// The differences between two versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffOut {
    pub from: i32,
    pub to: i32,
    pub changes: Vec<FieldChangeOut>,
}

impl From<Diff> for DiffOut {
    fn from(diff: Diff) -> Self {
        Self {
            from: diff.from,
            to: diff.to,
            changes: diff
                .changes
                .into_iter()
                .map(|c| FieldChangeOut {
                    field: c.field,
                    kind: c.kind,
                    before: c.before,
                    after: c.after,
                    words: c.words.map(|words| {
                        words
                            .into_iter()
                            .map(|w| SegmentOut {
                                op: w.op,
                                text: w.text,
                            })
                            .collect()
                    }),
                })
                .collect(),
        }
    }
}

/// How `…/revisions` reads its query string.
pub struct Revisions;

/// Revisions take no filters.
#[derive(Debug, Default)]
pub struct NoFilter;

impl Collection for Revisions {
    type Filter = NoFilter;
    type Sort = RevisionSort;
    const NAME: &'static str = "revisions";
    const FIELDS: &'static [&'static str] = REVISION_FIELDS;

    fn default_sort() -> Sort<RevisionSort> {
        history::default_sort()
    }

    fn filter(_: &mut NoFilter, _: &str, _: &str) -> Result<bool, AppError> {
        Ok(false)
    }
}

/// The list request of a revisions route.
pub fn revisions_request(req: &HttpRequest) -> Result<ListRequest<Revisions>, AppError> {
    list::list_request::<Revisions>(req.query_string(), None)
}

/// `from` and `to` of a diff request, both required.
pub fn diff_versions(req: &HttpRequest) -> Result<(i32, i32), AppError> {
    let (mut from, mut to) = (None, None);
    for (name, value) in query::pairs(req.query_string())? {
        let version = || {
            value
                .parse::<i32>()
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| {
                    AppError::bad_field(name.as_str(), "must be a version number (1 or more)")
                })
        };
        match name.as_str() {
            "from" => from = Some(version()?),
            "to" => to = Some(version()?),
            other => return Err(query::unknown(other)),
        }
    }
    Ok((
        from.ok_or_else(|| AppError::bad_field("from", "is required"))?,
        to.ok_or_else(|| AppError::bad_field("to", "is required"))?,
    ))
}

/// Writes the four revision handlers of one resource.
macro_rules! history_handlers {
    (
        tag: $tag:literal,
        noun: $noun:literal,
        versioned: $versioned:ty,
        out: $out:ty,
        list: $list:ident = $list_path:literal,
        get: $get:ident = $get_path:literal,
        restore: $restore:ident = $restore_path:literal,
        diff: $diff:ident = $diff_path:literal $(,)?
    ) => {
        #[doc = concat!("List the revisions of ", $noun, ", newest first (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("List the revisions of ", $noun),
            description = "Newest first, without their content (signed-in users).",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), $crate::rest::docs::ListParams),
            responses(
                (status = 200, description = "A page of revisions (without their content)",
                 body = $crate::rest::docs::ListOf<$crate::rest::history::RevisionOut>),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized,
                $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($list_path)]
        pub async fn $list(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let request = $crate::rest::history::revisions_request(&req)?;
            let key = $crate::content::Key::parse(&path, None);
            let (sort, pagination) = (&request.query.sort, &request.query.page);
            let page = $crate::content::history::revisions::<$versioned>(&state.ctx, &caller.0, &key, sort, pagination)
                .await?
                .map(|r| $crate::rest::history::RevisionOut::new(r, false));
            $crate::rest::respond::list(&req, &page, request.answer())
        }

        #[doc = concat!("Get one revision of ", $noun, ", with its content (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Get one revision of ", $noun),
            description = "With its content (signed-in users).",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), ("version" = i32, Path, description = "Version number", minimum = 1, maximum = 2147483647)),
            responses(
                (status = 200, description = "The revision", body = $crate::rest::history::RevisionOut),
                $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($get_path)]
        pub async fn $get(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            path: actix_web::web::Path<(String, i32)>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let (id, version) = path.into_inner();
            let key = $crate::content::Key::parse(&id, None);
            let revision = $crate::content::history::revision::<$versioned>(&state.ctx, &caller.0, &key, version).await?;
            Ok(actix_web::HttpResponse::Ok().json($crate::rest::history::RevisionOut::new(revision, true)))
        }

        #[doc = concat!("Restore ", $noun, " to an earlier revision: a new revision with that content. ")]
        #[doc = ""]
        #[doc = "Needs the right to edit it; `If-Match` guards against restoring over a newer edit."]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Restore ", $noun, " to an earlier revision"),
            description = "A new revision with that content. Needs the right to edit it; `If-Match` guards against restoring over a newer edit.",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), ("version" = i32, Path, description = "Version to restore", minimum = 1, maximum = 2147483647),
                   ("If-Match" = Option<String>, Header, description = "ETag of the version this restore is based on (412 when it is not the current one)")),
            responses(
                (status = 200, description = "The restored content, as a new version", body = $out),
                $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
                $crate::rest::docs::Conflict, $crate::rest::docs::PreconditionFailed, $crate::rest::docs::Unprocessable,
            )
        )]
        #[post($restore_path)]
        pub async fn $restore(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            path: actix_web::web::Path<(String, i32)>,
            if_match: $crate::http::IfMatch,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let (id, version) = path.into_inner();
            let key = $crate::content::Key::parse(&id, None);
            let restored = $crate::content::history::restore::<$versioned>(&state.ctx, &caller.0, &key, version, if_match.0).await?;
            let current = restored.version;
            $crate::rest::respond::written(actix_web::http::StatusCode::OK, None, current, &<$out>::from(restored))
        }

        #[doc = concat!("Compare two revisions of ", $noun, ": changed fields, and a word diff for long text (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            summary = concat!("Compare two revisions of ", $noun),
            description = "Changed fields, and a word diff for long text (signed-in users).",
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"),
                   ("from" = i32, Query, description = "The older version", minimum = 1, maximum = 2147483647),
                   ("to" = i32, Query, description = "The newer version", minimum = 1, maximum = 2147483647)),
            responses(
                (status = 200, description = "The differences", body = $crate::rest::history::DiffOut),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized,
                $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($diff_path)]
        pub async fn $diff(
            state: actix_web::web::Data<$crate::http::AppState>,
            caller: $crate::http::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            let (from, to) = $crate::rest::history::diff_versions(&req)?;
            let key = $crate::content::Key::parse(&path, None);
            let diff = $crate::content::history::diff::<$versioned>(&state.ctx, &caller.0, &key, from, to).await?;
            Ok(actix_web::HttpResponse::Ok().json($crate::rest::history::DiffOut::from(diff)))
        }
    };
}

pub(crate) use history_handlers;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<RevisionOut>(REVISION_FIELDS);
    }
}
