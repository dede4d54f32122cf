//! Imports and exports asked for over the API run as background jobs: the
//! request answers at once with the job, the work goes on in a task of
//! its own, and the `jobs` row says how far it is (updated every second)
//! and how it ended — the report, or every problem found, each naming the
//! file, the record and the field. Every process sharing the database can
//! tell a job's state; the files (the upload, the export) stay in the data
//! folder of the process that ran it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entities::job;
use sea_orm::{ActiveValue, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use super::foreign::Source;
use super::{ExportOptions, ImportOptions, Progress, Refused};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::Ctx;
use crate::error::AppError;
use crate::storage;

/// How often a running job's progress is written down.
const TICK: Duration = Duration::from_secs(1);

/// What a job does.
#[derive(Debug)]
pub enum Work {
    /// Import the file at `file` (removed once done).
    Import {
        file: PathBuf,
        /// Another system's export, when it is one.
        from: Option<Source>,
        options: ImportOptions,
    },
    /// Export into the file at `file`.
    Export {
        file: PathBuf,
        options: ExportOptions,
    },
}

impl Work {
    fn kind(&self) -> &'static str {
        match self {
            Self::Import { .. } => "import",
            Self::Export { .. } => "export",
        }
    }

    fn options(&self) -> Value {
        match self {
            Self::Import { from, options, .. } => json!({
                "mode": options.mode,
                "dry_run": options.dry_run,
                "from": from.as_ref().map(|source| source.system.name()),
                "site_url": from.as_ref().and_then(|source| source.site_url.clone()),
                "fetch_pictures": from.as_ref().is_some_and(|source| source.fetch_pictures),
            }),
            Self::Export { options, .. } => json!({
                "since": options.since,
                "with_accounts": options.with_accounts,
                "no_media": options.no_media,
            }),
        }
    }
}

/// A job as the API shows it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    /// `running`, `succeeded` or `failed`.
    pub state: String,
    pub options: Value,
    pub progress: Value,
    pub report: Option<Value>,
    pub errors: Vec<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<job::Model> for Job {
    fn from(row: job::Model) -> Self {
        let json = |text: &str| serde_json::from_str(text).unwrap_or(Value::Null);
        Self {
            id: row.id,
            kind: row.kind,
            state: row.state,
            options: json(&row.options),
            progress: json(&row.progress),
            report: row.report.as_deref().map(json),
            errors: row
                .errors
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default(),
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            finished_at: row.finished_at,
        }
    }
}

/// Starts `work` for an admin as job `id`; the job as it starts.
pub async fn start(
    ctx: &Ctx,
    principal: &Principal,
    id: Uuid,
    work: Work,
) -> Result<Job, AppError> {
    ctx.require(principal, Action::AdministerContent)?;
    let at = storage::now();
    let row = job::Model {
        id,
        kind: work.kind().to_owned(),
        state: "running".to_owned(),
        options: work.options().to_string(),
        progress: progress_json(Progress::default()),
        report: None,
        errors: None,
        created_by: principal.user_id(),
        created_at: at,
        updated_at: at,
        finished_at: None,
    };
    job::Entity::insert(job::ActiveModel::from(row.clone()))
        .exec_without_returning(&ctx.db.pool)
        .await?;
    tokio::spawn(run(ctx.clone(), row.id, work));
    Ok(row.into())
}

/// The job `id` of `kind`, for an admin.
pub async fn get(ctx: &Ctx, principal: &Principal, kind: &str, id: Uuid) -> Result<Job, AppError> {
    ctx.require(principal, Action::AdministerContent)?;
    job::Entity::find_by_id(id)
        .one(ctx.db.conn())
        .await?
        .filter(|row| row.kind == kind)
        .map(Job::from)
        .ok_or_else(|| AppError::NotFound {
            entity: if kind == "import" { "import" } else { "export" },
        })
}

/// Forgets the ended job `id` of `kind`, for an admin; the job as it was
/// (its file is the caller's to remove). A running job is a 409.
pub async fn forget(
    ctx: &Ctx,
    principal: &Principal,
    kind: &str,
    id: Uuid,
) -> Result<Job, AppError> {
    let job = get(ctx, principal, kind, id).await?;
    // Only an ended job goes: the delete itself checks, so a job that is
    // running (or started meanwhile) stays.
    let deleted = job::Entity::delete_many()
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::State.ne("running"))
        .exec(&ctx.db.pool)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::Conflict {
            detail: format!("the {kind} is still running; delete it once it has ended"),
            errors: Vec::new(),
        });
    }
    Ok(job)
}

/// Does the work, writing its progress down as it goes and its outcome
/// when done.
async fn run(ctx: Ctx, id: Uuid, work: Work) {
    let progress = Arc::new(Mutex::new(Progress::default()));
    let (done, stopped) = tokio::sync::watch::channel(false);
    let keeper = tokio::spawn(keep(ctx.clone(), id, progress.clone(), stopped));
    let mut report = |now: Progress| {
        *progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = now;
    };
    let outcome = match &work {
        Work::Import {
            file,
            from,
            options,
        } => {
            let result = match from {
                Some(source) => {
                    let source = (source, file.as_path());
                    super::import_from(&ctx, source, *options, &mut report).await
                }
                None => super::import(&ctx, file, *options, &mut report).await,
            };
            let _ = std::fs::remove_file(file);
            result.map(|report| {
                json!({
                    "mode": report.mode,
                    "dry_run": report.dry_run,
                    "parts": report.parts,
                    "left_out": report.left_out,
                })
            })
        }
        Work::Export { file, options } => export_to(&ctx, file, options, &mut report).await,
    };
    let _ = done.send(true);
    let _ = keeper.await;
    let last = *progress
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (state, report, errors) = ending(outcome);
    let at = storage::now();
    let update = job::ActiveModel {
        id: ActiveValue::Unchanged(id),
        state: ActiveValue::Set(state.to_owned()),
        progress: ActiveValue::Set(progress_json(last)),
        report: ActiveValue::Set(report),
        errors: ActiveValue::Set(errors),
        updated_at: ActiveValue::Set(at),
        finished_at: ActiveValue::Set(Some(at)),
        ..Default::default()
    };
    if let Err(err) = job::Entity::update(update).exec(&ctx.db.pool).await {
        tracing::error!(job = %id, error = %err, "cannot record how a job ended");
    }
}

fn progress_json(progress: Progress) -> String {
    json!({"records": progress.records, "bytes": progress.bytes}).to_string()
}

/// Writes the job's progress down every [`TICK`] until `stopped` says it is done.
async fn keep(
    ctx: Ctx,
    id: Uuid,
    progress: Arc<Mutex<Progress>>,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(TICK) => {}
            _ = stopped.changed() => return,
        }
        let now = *progress
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let update = job::ActiveModel {
            id: ActiveValue::Unchanged(id),
            progress: ActiveValue::Set(progress_json(now)),
            updated_at: ActiveValue::Set(storage::now()),
            ..Default::default()
        };
        let _ = job::Entity::update(update).exec(&ctx.db.pool).await;
    }
}

/// The state, report and errors a job ends with.
fn ending(outcome: anyhow::Result<Value>) -> (&'static str, Option<String>, Option<String>) {
    match outcome {
        Ok(report) => ("succeeded", Some(report.to_string()), None),
        Err(err) => {
            let problems = match err.downcast_ref::<Refused>() {
                Some(refused) => {
                    let mut problems = refused.problems.clone();
                    if refused.more > 0 {
                        problems.push(format!("… and {} more", refused.more));
                    }
                    problems
                }
                None => vec![format!("{err:#}")],
            };
            ("failed", None, Some(json!(problems).to_string()))
        }
    }
}

/// Writes the export into `file` (nothing left of it if it fails).
async fn export_to(
    ctx: &Ctx,
    file: &std::path::Path,
    options: &ExportOptions,
    report: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<Value> {
    if let Some(folder) = file.parent() {
        std::fs::create_dir_all(folder)?;
    }
    let out = std::io::BufWriter::new(std::fs::File::create(file)?);
    match super::export(ctx, out, options, report).await {
        Ok(manifest) => Ok(json!({"counts": manifest.counts, "files": manifest.files.len()})),
        Err(err) => {
            let _ = std::fs::remove_file(file);
            Err(err)
        }
    }
}
