//! The editorial workflow of articles: transitions, the live copy, soft
//! deletion, and the scheduler that publishes and takes down on time.

use chrono::{DateTime, Utc};
use entities::{article, transition};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::model::{Article, Include, LIVE, State, View, WORKING};
use super::query;
use super::service::{read_one, replace_links};
use crate::auth::Principal;
use crate::auth::policy::{Action, Grant};
use crate::content::page::{self, Direction, KeyKind, KeyValue, Page, Pagination, Sort, SortField};
use crate::content::validate::Errors;
use crate::content::workflow::{self, WorkflowAction};
use crate::content::{Ctx, Key, changes, now, revision};
use crate::error::AppError;

/// Who made a state change, with what action and comment, for the history.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step<'a> {
    pub action: &'a str,
    pub comment: Option<&'a str>,
    pub who: Option<Uuid>,
}

/// One recorded change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub id: Uuid,
    pub action: String,
    pub from: String,
    pub to: String,
    /// The working version at the time.
    pub version: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `None` when the scheduler acted.
    pub created_by: Option<Uuid>,
}

/// A workflow request.
#[derive(Debug, Clone, Default)]
pub struct TransitionInput {
    pub action: Option<String>,
    pub comment: Option<String>,
    /// For `schedule`: when to publish.
    pub publish_at: Option<DateTime<Utc>>,
    /// For `schedule`: when to take down again (optional).
    pub unpublish_at: Option<DateTime<Utc>>,
    /// For `publish`: the publication date to show (back-dating, imports).
    pub published_at: Option<DateTime<Utc>>,
}

async fn record<C: ConnectionTrait>(
    conn: &C,
    row: &article::Model,
    from: &str,
    step: Step<'_>,
) -> Result<(), AppError> {
    transition::Entity::insert(transition::ActiveModel::from(transition::Model {
        id: Uuid::now_v7(),
        article_id: row.id,
        action: step.action.to_owned(),
        from_state: from.to_owned(),
        to_state: row.state.clone(),
        version: row.version,
        comment: step.comment.map(str::to_owned),
        created_at: now(),
        created_by: step.who,
    }))
    .exec_without_returning(conn)
    .await?;
    changes::record(
        conn,
        revision::Entity::Article,
        row.id,
        step.action,
        row.version,
    )
    .await
}

/// Writes the workflow columns of the working row.
async fn save_workflow<C: ConnectionTrait>(conn: &C, row: &article::Model) -> Result<(), AppError> {
    article::Entity::update_many()
        .col_expr(article::Column::State, Expr::value(row.state.clone()))
        .col_expr(
            article::Column::PublishedVersion,
            Expr::value(row.published_version),
        )
        .col_expr(article::Column::PublishedAt, Expr::value(row.published_at))
        .col_expr(article::Column::ScheduledAt, Expr::value(row.scheduled_at))
        .col_expr(article::Column::UnpublishAt, Expr::value(row.unpublish_at))
        .col_expr(article::Column::DeletedAt, Expr::value(row.deleted_at))
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Copy.eq(WORKING))
        .exec(conn)
        .await?;
    Ok(())
}

/// Moves the working copy to `state` without touching the live copy, and
/// records the step. Leaving `scheduled` cancels the schedule.
pub(super) async fn set_state<C: ConnectionTrait>(
    conn: &C,
    mut row: article::Model,
    state: State,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state.clone();
    if from == State::Scheduled.as_str() && state != State::Scheduled {
        row.scheduled_at = None;
        if row.published_version.is_none() {
            row.unpublish_at = None;
        }
    }
    row.state = state.as_str().to_owned();
    save_workflow(conn, &row).await?;
    record(conn, &row, &from, step).await?;
    Ok(row)
}

/// Publishes the working copy: it replaces the live copy, with its authors
/// and tags as they are now. The first publication sets `published_at`
/// (or takes the one given); later ones keep it unless one is given. The
/// live copy's `updated_at` is the time of this publication.
pub(super) async fn make_live<C: ConnectionTrait>(
    conn: &C,
    mut row: article::Model,
    author_ids: &[Uuid],
    tag_ids: &[Uuid],
    published_at: Option<DateTime<Utc>>,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state.clone();
    let at = now();
    row.state = State::Published.as_str().to_owned();
    row.published_version = Some(row.version);
    row.published_at = published_at.or(row.published_at).or(Some(at));
    row.scheduled_at = None;
    article::Entity::delete_many()
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Copy.eq(LIVE))
        .exec(conn)
        .await?;
    let mut live = row.clone();
    live.copy = LIVE.to_owned();
    live.updated_at = at;
    live.unpublish_at = None;
    article::Entity::insert(article::ActiveModel::from(live))
        .exec_without_returning(conn)
        .await?;
    replace_links(conn, row.id, LIVE, Some(author_ids), Some(tag_ids)).await?;
    save_workflow(conn, &row).await?;
    record(conn, &row, &from, step).await?;
    Ok(row)
}

/// Takes the live copy down (unpublish, archive, delete) and moves the
/// working copy to `state`.
async fn take_down<C: ConnectionTrait>(
    conn: &C,
    mut row: article::Model,
    state: State,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state.clone();
    article::Entity::delete_many()
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Copy.eq(LIVE))
        .exec(conn)
        .await?;
    row.state = state.as_str().to_owned();
    row.published_version = None;
    row.scheduled_at = None;
    row.unpublish_at = None;
    save_workflow(conn, &row).await?;
    record(conn, &row, &from, step).await?;
    Ok(row)
}

/// Hides the article from every read and takes its live copy down; a
/// published or scheduled article is left as a draft.
pub(super) async fn soft_delete<C: ConnectionTrait>(
    conn: &C,
    mut row: article::Model,
    step: Step<'_>,
) -> Result<(), AppError> {
    let state = match State::parse(&row.state) {
        Some(State::Published | State::Scheduled) | None => State::Draft,
        Some(other) => other,
    };
    row.deleted_at = Some(now());
    take_down(conn, row, state, step).await?;
    Ok(())
}

/// Makes a soft-deleted article visible again.
pub(super) async fn undelete<C: ConnectionTrait>(
    conn: &C,
    mut row: article::Model,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state.clone();
    row.deleted_at = None;
    save_workflow(conn, &row).await?;
    record(conn, &row, &from, step).await?;
    Ok(row)
}

/// Takes a workflow action on an article (design §5): `submit` (the
/// credited author of a draft, editors, admins), and `request_changes`,
/// `approve`, `publish`, `schedule`, `unpublish`, `archive` (editors,
/// admins). An action the state does not allow is a 409 listing the allowed ones.
pub async fn transition(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    input: TransitionInput,
) -> Result<Article, AppError> {
    let Some(name) = input.action.as_deref() else {
        return Err(AppError::invalid("action", "is required"));
    };
    let action = WorkflowAction::parse(name).ok_or_else(|| {
        let names: Vec<&str> = WorkflowAction::ALL.iter().map(|a| a.as_str()).collect();
        AppError::invalid("action", format!("must be one of {}", names.join(", ")))
    })?;
    let grant = ctx.require(
        principal,
        if action == WorkflowAction::Submit {
            Action::Submit
        } else {
            Action::Review
        },
    )?;

    let tx = ctx.begin_write().await?;
    let row = query::find_row(ctx, &*tx, key, View::Preview, true).await?;
    let current = read_one(&*tx, row.clone(), WORKING, Include::default()).await?;
    if grant == Grant::OwnDrafts {
        let own = matches!(principal, Principal::User { author_id: Some(own), .. } if current.author_ids.contains(own));
        if !own {
            return Err(AppError::forbidden(
                "only the credited authors may submit this article",
            ));
        }
    }
    let live = row.published_version.is_some();
    let Some(to) = workflow::next(current.state, live, action) else {
        return Err(AppError::InvalidTransition {
            from: current.state.as_str().to_owned(),
            action: action.as_str().to_owned(),
            allowed: workflow::allowed(current.state, live)
                .into_iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
        });
    };

    let mut errors = Errors::default();
    let comment = input.comment.as_deref().filter(|c| !c.trim().is_empty());
    if let Some(comment) = comment {
        errors.text("comment", comment, 5_000, false);
    }
    if action == WorkflowAction::RequestChanges && comment.is_none() {
        errors.push("comment", "is required: say what to change");
    }
    if action != WorkflowAction::Schedule {
        for (field, given) in [
            ("publish_at", input.publish_at.is_some()),
            ("unpublish_at", input.unpublish_at.is_some()),
        ] {
            if given {
                errors.push(field, "is only given with the schedule action");
            }
        }
    }
    if action != WorkflowAction::Publish && input.published_at.is_some() {
        errors.push("published_at", "is only given with the publish action");
    }
    if action == WorkflowAction::Schedule {
        match input.publish_at {
            None => errors.push("publish_at", "is required to schedule"),
            Some(at) if at <= now() => errors.push("publish_at", "must be in the future"),
            Some(at) => {
                if input.unpublish_at.is_some_and(|until| until <= at) {
                    errors.push("unpublish_at", "must be after publish_at");
                }
            }
        }
    }
    errors.finish()?;

    let step = Step {
        action: action.as_str(),
        comment,
        who: principal.user_id(),
    };
    let row = match action {
        WorkflowAction::Publish => {
            make_live(
                &*tx,
                row,
                &current.author_ids,
                &current.tag_ids,
                input.published_at,
                step,
            )
            .await?
        }
        WorkflowAction::Schedule => {
            let mut row = row;
            row.scheduled_at = input.publish_at;
            row.unpublish_at = input.unpublish_at;
            set_state(&*tx, row, to, step).await?
        }
        WorkflowAction::Unpublish | WorkflowAction::Archive => {
            take_down(&*tx, row, to, step).await?
        }
        WorkflowAction::Submit | WorkflowAction::RequestChanges | WorkflowAction::Approve => {
            set_state(&*tx, row, to, step).await?
        }
    };
    let article = read_one(&*tx, row, WORKING, Include::default()).await?;
    tx.commit().await?;
    Ok(article)
}

/// Transitions are listed oldest first (their ids are time-ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionSort {
    Id,
}

impl SortField for TransitionSort {
    type Entity = transition::Entity;
    const ALL: &'static [Self] = &[Self::Id];
    const ID: Self = Self::Id;

    fn name(self) -> &'static str {
        "id"
    }

    fn column(self) -> transition::Column {
        transition::Column::Id
    }

    fn kind(self) -> KeyKind {
        KeyKind::Id
    }

    fn value_of(self, row: &transition::Model) -> KeyValue {
        KeyValue::Text(row.id.to_string())
    }
}

/// Oldest first.
pub fn transition_sort() -> Sort<TransitionSort> {
    Sort::from_keys(vec![(TransitionSort::Id, Direction::Asc)])
}

/// The workflow history of an article (signed-in users).
pub async fn transitions(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    sort: &Sort<TransitionSort>,
    pagination: &Pagination,
) -> Result<Page<Transition>, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = query::find_row(ctx, &ctx.db.conn, key, View::Preview, false).await?;
    let select = transition::Entity::find().filter(transition::Column::ArticleId.eq(row.id));
    let page = page::fetch(&ctx.db.conn, select, sort, pagination).await?;
    Ok(page.map(|t| Transition {
        id: t.id,
        action: t.action,
        from: t.from_state,
        to: t.to_state,
        version: t.version,
        comment: t.comment,
        created_at: t.created_at,
        created_by: t.created_by,
    }))
}

/// Due work claimed per round: enough to catch up, small enough to keep
/// transactions short.
const BATCH: u64 = 20;

/// Publishes the scheduled articles whose time has come and takes down the
/// live ones whose `unpublish_at` has passed. Safe with several processes on
/// one PostgreSQL: each due row is claimed with `FOR UPDATE SKIP LOCKED` and
/// checked again under the lock, so exactly one process acts on it. On
/// SQLite the writer slot makes the claim. Returns how many articles changed.
pub async fn run_schedule(ctx: &Ctx) -> Result<usize, AppError> {
    let mut changed = 0;
    for publishing in [true, false] {
        let tx = ctx.begin_write().await?;
        let due = now();
        let mut query = article::Entity::find()
            .filter(article::Column::Copy.eq(WORKING))
            .filter(article::Column::DeletedAt.is_null());
        query = if publishing {
            query
                .filter(article::Column::State.eq(State::Scheduled.as_str()))
                .filter(article::Column::ScheduledAt.lte(due))
                .order_by_asc(article::Column::ScheduledAt)
        } else {
            query
                .filter(article::Column::PublishedVersion.is_not_null())
                .filter(article::Column::UnpublishAt.lte(due))
                .order_by_asc(article::Column::UnpublishAt)
        };
        if ctx.db.backend() == DatabaseBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.limit(BATCH).all(&*tx).await?;
        for row in rows {
            if publishing {
                let current = read_one(&*tx, row.clone(), WORKING, Include::default()).await?;
                let step = Step {
                    action: "publish",
                    comment: Some("scheduled publication"),
                    who: None,
                };
                make_live(&*tx, row, &current.author_ids, &current.tag_ids, None, step).await?;
            } else {
                let step = Step {
                    action: "unpublish",
                    comment: Some("scheduled end of publication"),
                    who: None,
                };
                take_down(&*tx, row, State::Draft, step).await?;
            }
            changed += 1;
        }
        tx.commit().await?;
    }
    Ok(changed)
}
