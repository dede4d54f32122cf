//! `/api/v1/imports` and `/api/v1/exports`: `masthead import` and
//! `masthead export` for admin UIs, run as background jobs (admins only).
//! A start answers 202 with the job and its `Location`; the job says how
//! far it is and, once done, its report or every problem found.

use std::path::PathBuf;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::io::Write;
use utoipa::ToSchema;
use uuid::Uuid;

use super::docs::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, UnsupportedMediaType,
};
use super::respond;
use crate::auth::policy::Action;
use crate::content::archive::foreign::{Source, System};
use crate::content::archive::jobs::{self, Job, Work};
use crate::content::archive::{ExportOptions, ImportMode, ImportOptions};
use crate::error::AppError;
use crate::http::{AppState, Caller, JsonBody};

/// A background import or export.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    pub id: Uuid,
    /// `import` or `export`.
    pub kind: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    /// What was asked.
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    /// `{records, bytes}` so far.
    #[schema(value_type = Object)]
    pub progress: serde_json::Value,
    /// Once succeeded: for an import, what became of each part's records
    /// (`parts: {articles: {created, updated, skipped}, …}`, and what was
    /// left out); for an export, its counts.
    #[schema(value_type = Option<Object>)]
    pub report: Option<serde_json::Value>,
    /// Once failed: every problem found, each naming the file, the record
    /// and the field (the first hundred).
    pub errors: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Job> for JobOut {
    fn from(job: Job) -> Self {
        Self {
            id: job.id,
            kind: job.kind,
            state: job.state,
            options: job.options,
            progress: job.progress,
            report: job.report,
            errors: job.errors,
            created_by: job.created_by,
            created_at: job.created_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
        }
    }
}

/// An import as a form; other fields are refused.
#[derive(ToSchema, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
struct ImportForm {
    /// The archive of `masthead export`, a Ghost JSON export or a WordPress WXR file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What to do with records the database already holds.
    #[serde(default)]
    mode: ImportModeName,
    /// `true`: check and count, write nothing.
    #[serde(default)]
    dry_run: bool,
    /// What made the file.
    #[serde(default)]
    from: SourceName,
    /// The old site's address, for Ghost's `__GHOST_URL__`.
    #[serde(default)]
    site_url: String,
    /// With `from` ghost or wordpress: fetch the featured images into the
    /// media library (`false`: leave them at their addresses).
    #[serde(default = "yes")]
    fetch_pictures: bool,
}

fn yes() -> bool {
    true
}

/// What an import does with records the database already holds.
#[derive(ToSchema, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
enum ImportModeName {
    /// Create what is missing; leave what exists as it is.
    #[default]
    Create,
    /// Create what is missing; update what exists.
    Upsert,
    /// Remove every article, author, tag and asset first.
    Replace,
}

/// What made an import's file.
#[derive(ToSchema, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code, reason = "describes the API in OpenAPI")]
enum SourceName {
    /// `masthead export`.
    #[default]
    Masthead,
    /// Ghost's JSON export.
    Ghost,
    /// A WordPress WXR file.
    Wordpress,
}

/// Start an import.
///
/// `multipart/form-data` with the file in `file` and the options of
/// `masthead import` as fields. The whole file is checked before anything
/// is written; the job's `errors` name each problem's file, record and
/// field. Over `MASTHEAD_MAX_IMPORT_BYTES` a 413.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    request_body(content((ImportForm = "multipart/form-data"))),
    responses(
        (status = 202, description = "Started", body = JobOut, headers(("Location" = String))),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType,
    )
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    // Refuse before reading a byte when the caller may not import.
    state.ctx.require(&caller.0, Action::AdministerContent)?;
    if !super::assets::upload::is_multipart(&req) {
        return Err(AppError::unsupported_file(
            "send the file as multipart/form-data (field `file`)",
        ));
    }
    let folder = state.config.data_dir.join("jobs");
    let work = read_form(
        Multipart::new(req.headers(), payload),
        folder,
        state.config.max_import_bytes,
    )
    .await?;
    let job = jobs::start(&state.ctx, &caller.0, Uuid::now_v7(), work).await?;
    started("imports", job)
}

fn started(path: &str, job: Job) -> Result<HttpResponse, AppError> {
    let location = format!("/api/v1/{path}/{}", job.id);
    let body = respond::to_json(&JobOut::from(job), None)?;
    Ok(HttpResponse::build(StatusCode::ACCEPTED)
        .insert_header((header::LOCATION, location))
        .content_type("application/json")
        .body(body))
}

/// Reads the form, the file streamed to a file of its own under `folder`.
async fn read_form(mut form: Multipart, folder: PathBuf, limit: usize) -> Result<Work, AppError> {
    let bad = |err: actix_multipart::MultipartError| AppError::bad_field("body", err.to_string());
    let mut file: Option<PathBuf> = None;
    let mut options = FormOptions::default();
    let result = async {
        while let Some(mut field) = form.try_next().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "file" {
                if file.is_some() {
                    return Err(AppError::bad_field("file", "send one file"));
                }
                std::fs::create_dir_all(&folder).map_err(|e| AppError::Internal(e.into()))?;
                let path = folder.join(format!("{}.upload", Uuid::now_v7()));
                file = Some(path.clone());
                let mut out =
                    std::fs::File::create(&path).map_err(|e| AppError::Internal(e.into()))?;
                let mut written = 0;
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(bad)?;
                    written += chunk.len();
                    if written > limit {
                        return Err(AppError::PayloadTooLarge { limit });
                    }
                    out.write_all(&chunk)
                        .map_err(|e| AppError::Internal(e.into()))?;
                }
                continue;
            }
            let mut bytes = Vec::new();
            while let Some(chunk) = field.next().await {
                bytes.extend_from_slice(&chunk.map_err(bad)?);
                if bytes.len() > 2048 {
                    return Err(AppError::bad_field(name.as_str(), "is too long"));
                }
            }
            let text = String::from_utf8(bytes)
                .map_err(|_| AppError::bad_field(name.as_str(), "must be UTF-8 text"))?;
            options.set(&name, text)?;
        }
        Ok(())
    }
    .await;
    let file = match (result, file) {
        (Ok(()), Some(file)) => file,
        (Ok(()), None) => return Err(AppError::bad_field("file", "is required")),
        (Err(err), file) => {
            if let Some(file) = file {
                let _ = std::fs::remove_file(file);
            }
            return Err(err);
        }
    };
    Ok(Work::Import {
        file,
        from: options.from.map(|system| Source {
            system,
            site_url: options.site_url,
            fetch_pictures: options.fetch_pictures,
        }),
        options: ImportOptions {
            mode: options.mode,
            dry_run: options.dry_run,
        },
    })
}

/// The options of an import form.
struct FormOptions {
    mode: ImportMode,
    dry_run: bool,
    from: Option<System>,
    site_url: Option<String>,
    fetch_pictures: bool,
}

impl Default for FormOptions {
    fn default() -> Self {
        Self {
            mode: ImportMode::default(),
            dry_run: false,
            from: None,
            site_url: None,
            fetch_pictures: true,
        }
    }
}

impl FormOptions {
    /// Reads the field `name` (refused when unknown or unreadable).
    fn set(&mut self, name: &str, text: String) -> Result<(), AppError> {
        match name {
            "mode" => {
                self.mode = text
                    .parse()
                    .map_err(|m: String| AppError::bad_field("mode", m))?
            }
            "dry_run" => {
                self.dry_run = text
                    .parse()
                    .map_err(|_| AppError::bad_field("dry_run", "must be true or false"))?;
            }
            "from" => {
                self.from = match text.as_str() {
                    "masthead" => None,
                    other => Some(
                        other
                            .parse::<System>()
                            .map_err(|m| AppError::bad_field("from", m))?,
                    ),
                };
            }
            "site_url" => self.site_url = Some(text).filter(|url| !url.trim().is_empty()),
            "fetch_pictures" => {
                self.fetch_pictures = text
                    .parse()
                    .map_err(|_| AppError::bad_field("fetch_pictures", "must be true or false"))?;
            }
            other => {
                return Err(AppError::bad_field(
                    other,
                    "unknown form field (known: file, mode, dry_run, from, site_url, fetch_pictures)",
                ));
            }
        }
        Ok(())
    }
}

/// An import job.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses((status = 200, description = "The job", body = JobOut), BadRequest, Unauthorized, Forbidden, NotFound)
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::get(&state.ctx, &caller.0, "import", id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobOut::from(job)))
}

/// What an export holds.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    /// Only what changed at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// Users with their password hashes.
    #[serde(default)]
    pub with_accounts: bool,
    /// Assets without their files.
    #[serde(default)]
    pub no_media: bool,
}

/// Start an export.
///
/// The archive of `masthead export`, made in the background; once the job
/// has succeeded, `GET /api/v1/exports/{id}/archive` downloads it.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    request_body = ExportRequest,
    responses(
        (status = 202, description = "Started", body = JobOut, headers(("Location" = String))),
        BadRequest, Unauthorized, Forbidden, PayloadTooLarge, UnsupportedMediaType,
    )
)]
#[post("/exports")]
pub async fn create_export(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ExportRequest>,
) -> Result<HttpResponse, AppError> {
    state.ctx.require(&caller.0, Action::AdministerContent)?;
    let request = body.into_inner();
    let id = Uuid::now_v7();
    let work = Work::Export {
        file: archive_path(&state, id),
        options: ExportOptions {
            since: request.since,
            with_accounts: request.with_accounts,
            no_media: request.no_media,
        },
    };
    let job = jobs::start(&state.ctx, &caller.0, id, work).await?;
    started("exports", job)
}

fn archive_path(state: &AppState, id: Uuid) -> PathBuf {
    state
        .config
        .data_dir
        .join("exports")
        .join(format!("{id}.tar.zst"))
}

/// An export job.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses((status = 200, description = "The job", body = JobOut), BadRequest, Unauthorized, Forbidden, NotFound)
)]
#[get("/exports/{id}")]
pub async fn get_export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::get(&state.ctx, &caller.0, "export", id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(JobOut::from(job)))
}

/// Delete an export: its job and its archive.
///
/// 409 while it runs. Archives are kept until deleted.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses((status = 204, description = "Deleted"), BadRequest, Unauthorized, Forbidden, NotFound, Conflict)
)]
#[delete("/exports/{id}")]
pub async fn delete_export(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::forget(&state.ctx, &caller.0, "export", id.into_inner()).await?;
    match tokio::fs::remove_file(archive_path(&state, job.id)).await {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(error = %err, job = %job.id, "cannot remove an export's archive");
        }
        _ => {}
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Download an export's archive.
///
/// A `.tar.zst` archive, once the job has succeeded (409 before, or after
/// a failure); 404 from a process that did not make it.
///
/// Needs the admin role.
#[utoipa::path(
    tag = "transfers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The job's id")),
    responses(
        (status = 200, description = "The archive", content_type = "application/zstd", body = Vec<u8>),
        BadRequest, Unauthorized, Forbidden, NotFound, Conflict,
    )
)]
#[get("/exports/{id}/archive")]
pub async fn get_export_archive(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let job = jobs::get(&state.ctx, &caller.0, "export", id.into_inner()).await?;
    if job.state != "succeeded" {
        return Err(AppError::Conflict {
            detail: format!("the export has not succeeded (it is {})", job.state),
            errors: Vec::new(),
        });
    }
    let path = archive_path(&state, job.id);
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| AppError::NotFound {
            entity: "export archive",
        })?;
    let size = file
        .metadata()
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .len();
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(web::Bytes::from(buf)), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    });
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![DispositionParam::Filename(format!(
            "masthead-{}.tar.zst",
            job.id
        ))],
    };
    Ok(HttpResponse::Ok()
        .content_type("application/zstd")
        .insert_header(disposition)
        .insert_header((header::CONTENT_LENGTH, size))
        .streaming(stream))
}
