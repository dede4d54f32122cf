//! Revision routes of articles, authors and tags: list, read, compare,
//! restore. The three resources share the shape, so one macro writes their
//! handlers; each calls its own content module.

use actix_web::HttpRequest;

use super::dto::REVISION_FIELDS;
use super::list::{self, Collection, ListRequest};
use crate::content::page::Sort;
use crate::content::revision::{self, RevisionSort};
use crate::error::AppError;

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
        revision::default_sort()
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
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|err| AppError::bad_field("query", format!("cannot be decoded: {err}")))?;
    let (mut from, mut to) = (None, None);
    for (name, value) in pairs {
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
            other => return Err(AppError::bad_field(other, "unknown query parameter")),
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
        content: $content:path,
        to_out: $to_out:path,
        out: $out:ty,
        list: $list:ident = $list_path:literal,
        get: $get:ident = $get_path:literal,
        restore: $restore:ident = $restore_path:literal,
        diff: $diff:ident = $diff_path:literal $(,)?
    ) => {
        #[doc = concat!("List the revisions of ", $noun, ", newest first (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), $crate::rest::docs::ListParams),
            responses(
                (status = 200, description = "A page of revisions (without their content)",
                 body = $crate::rest::docs::ListOf<$crate::rest::dto::RevisionOut>),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized,
                $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($list_path)]
        pub async fn $list(
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::rest::extract::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            use $content as content;
            let request = $crate::rest::history::revisions_request(&req)?;
            let key = $crate::content::Key::parse(&path, None);
            let page = content::revisions(&state.ctx, &caller.0, &key, &request.query.sort, &request.query.page)
                .await?
                .map(|r| $crate::rest::dto::RevisionOut::new(r, false));
            $crate::rest::respond::list(
                &req,
                &page,
                $crate::rest::respond::ListAnswer {
                    resource: "revisions",
                    style: request.style,
                    limit: request.query.page.limit(),
                    fields: request.options.fields.as_deref(),
                },
            )
        }

        #[doc = concat!("Get one revision of ", $noun, ", with its content (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), ("version" = i32, Path, description = "Version number")),
            responses(
                (status = 200, description = "The revision", body = $crate::rest::dto::RevisionOut),
                $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($get_path)]
        pub async fn $get(
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::rest::extract::Caller,
            path: actix_web::web::Path<(String, i32)>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            use $content as content;
            let (id, version) = path.into_inner();
            let key = $crate::content::Key::parse(&id, None);
            let revision = content::revision(&state.ctx, &caller.0, &key, version).await?;
            Ok(actix_web::HttpResponse::Ok().json($crate::rest::dto::RevisionOut::new(revision, true)))
        }

        #[doc = concat!("Restore ", $noun, " to an earlier revision: a new revision with that content. ")]
        #[doc = ""]
        #[doc = "Needs the right to edit it; `If-Match` guards against restoring over a newer edit."]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"), ("version" = i32, Path, description = "Version to restore"),
                   ("If-Match" = Option<String>, Header, description = "ETag of the version this restore is based on")),
            responses(
                (status = 200, description = "The restored content, as a new version", body = $out),
                $crate::rest::docs::Unauthorized, $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
                $crate::rest::docs::Conflict, $crate::rest::docs::PreconditionFailed, $crate::rest::docs::Unprocessable,
            )
        )]
        #[post($restore_path)]
        pub async fn $restore(
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::rest::extract::Caller,
            path: actix_web::web::Path<(String, i32)>,
            if_match: $crate::rest::extract::IfMatch,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            use $content as content;
            let (id, version) = path.into_inner();
            let key = $crate::content::Key::parse(&id, None);
            let restored = content::restore(&state.ctx, &caller.0, &key, version, if_match.0).await?;
            let (current, out) = $to_out(restored);
            $crate::rest::respond::written(actix_web::http::StatusCode::OK, None, current, &out)
        }

        #[doc = concat!("Compare two revisions of ", $noun, ": changed fields, and a word diff for long text (signed-in users).")]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            params(("id" = String, Path, description = "Id or slug"),
                   ("from" = i32, Query, description = "The older version"),
                   ("to" = i32, Query, description = "The newer version")),
            responses(
                (status = 200, description = "The differences", body = $crate::rest::dto::DiffOut),
                $crate::rest::docs::BadRequest, $crate::rest::docs::Unauthorized,
                $crate::rest::docs::Forbidden, $crate::rest::docs::NotFound,
            )
        )]
        #[get($diff_path)]
        pub async fn $diff(
            state: actix_web::web::Data<$crate::app::AppState>,
            caller: $crate::rest::extract::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<String>,
        ) -> Result<actix_web::HttpResponse, $crate::error::AppError> {
            use $content as content;
            let (from, to) = $crate::rest::history::diff_versions(&req)?;
            let key = $crate::content::Key::parse(&path, None);
            let diff = content::diff(&state.ctx, &caller.0, &key, from, to).await?;
            Ok(actix_web::HttpResponse::Ok().json($crate::rest::dto::DiffOut::from(diff)))
        }
    };
}

pub(crate) use history_handlers;
