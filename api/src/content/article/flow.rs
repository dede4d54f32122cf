//! The editorial workflow of articles: transitions, the live copy, soft
//! deletion, and the recorded history of states.

use chrono::{DateTime, Utc};
use entities::types::{ChangeKind, EntityKind, EventVerb};
use entities::{article, transition};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::model::{Article, View};
use super::pictures;
use super::query::{self, replace_links};
use super::read::read_one;
use super::rules::{self, Draft};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::redirects::{self, Address};
use crate::content::validate::Errors;
use crate::content::workflow::{self, WorkflowAction};
use crate::content::{ArticleCopy, Choice, Ctx, Key, Named, State, WriteTx, now};
use crate::content::{history, search};
use crate::error::AppError;
use crate::storage::page::sort_fields;
use crate::storage::page::{self, Direction, Page, Pagination, Sort};
use crate::storage::{Event, record_event};

/// Who made a state change, with what action and comment, for the history.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step<'a> {
    pub action: ChangeKind,
    pub comment: Option<&'a str>,
    pub who: Option<Uuid>,
}

/// One recorded change of state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub id: Uuid,
    pub action: ChangeKind,
    pub from: State,
    pub to: State,
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
    pub action: Option<Choice<WorkflowAction>>,
    pub comment: Option<String>,
    /// For `schedule`: when to publish.
    pub publish_at: Option<DateTime<Utc>>,
    /// For `schedule`: when to take down again (optional).
    pub unpublish_at: Option<DateTime<Utc>>,
    /// For `publish`: the publication date to show (back-dating, imports).
    pub published_at: Option<DateTime<Utc>>,
}

/// How a step changed what readers see: whether the live copy changed, and
/// the locale it left when it moved to another.
#[derive(Debug, Clone, Copy, Default)]
struct Seen<'a> {
    public: bool,
    previous_locale: Option<&'a str>,
}

/// Records a step: its transition, and its event unless it is part of
/// another one's.
async fn record(
    tx: &WriteTx,
    row: &article::Model,
    from: State,
    step: Step<'_>,
    seen: Seen<'_>,
) -> Result<(), AppError> {
    transition::Entity::insert(transition::ActiveModel::from(transition::Model {
        id: Uuid::now_v7(),
        article_id: row.id,
        action: step.action,
        from_state: from,
        to_state: row.state,
        version: row.version,
        comment: step.comment.map(str::to_owned),
        created_at: now(),
        created_by: step.who,
    }))
    .exec_without_returning(&**tx)
    .await?;
    let verb = match step.action {
        // An import's state is its creation's, told as the step that made it live.
        ChangeKind::Import => match row.state {
            State::Published => Some(EventVerb::Published),
            State::Scheduled => Some(EventVerb::Scheduled),
            _ => None,
        },
        action => history::verb_of(action),
    };
    let Some(verb) = verb else {
        return Ok(());
    };
    let event = Event {
        entity: EntityKind::Article,
        id: row.id,
        action: step.action,
        verb,
        version: row.version,
        locale: Some(&row.locale),
        previous_locale: seen.previous_locale,
        actor: step.who,
        public: seen.public,
    };
    record_event(tx, event);
    Ok(())
}

/// Writes the workflow columns of the working row.
async fn save_workflow<C: ConnectionTrait>(conn: &C, row: &article::Model) -> Result<(), AppError> {
    article::Entity::update_many()
        .col_expr(article::Column::State, Expr::value(row.state))
        .col_expr(
            article::Column::PublishedVersion,
            Expr::value(row.published_version),
        )
        .col_expr(article::Column::PublishedAt, Expr::value(row.published_at))
        .col_expr(article::Column::ScheduledAt, Expr::value(row.scheduled_at))
        .col_expr(article::Column::UnpublishAt, Expr::value(row.unpublish_at))
        .col_expr(article::Column::DeletedAt, Expr::value(row.deleted_at))
        .filter(article::Column::Id.eq(row.id))
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .exec(conn)
        .await?;
    Ok(())
}

/// Moves the working copy to `state` without touching the live copy, and
/// records the step. Leaving `scheduled` cancels the schedule.
pub(super) async fn set_state(
    tx: &WriteTx,
    mut row: article::Model,
    state: State,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state;
    if from == State::Scheduled && state != State::Scheduled {
        row.scheduled_at = None;
        if row.published_version.is_none() {
            row.unpublish_at = None;
        }
    }
    row.state = state;
    settle(tx, row, from, step, Seen::default()).await
}

/// Saves the workflow columns of a working row that left state `from`, and
/// records the step.
async fn settle(
    tx: &WriteTx,
    row: article::Model,
    from: State,
    step: Step<'_>,
    seen: Seen<'_>,
) -> Result<article::Model, AppError> {
    save_workflow(&**tx, &row).await?;
    record(tx, &row, from, step, seen).await?;
    Ok(row)
}

/// Publishes the working copy: it replaces the live copy, with its authors
/// and tags (`links`) as they are now. The first publication sets
/// `published_at` (or takes the one given); later ones keep it unless one
/// is given. The live copy's `updated_at` is the time of this publication.
pub(super) async fn make_live(
    tx: &WriteTx,
    mut row: article::Model,
    (author_ids, tag_ids): (&[Uuid], &[Uuid]),
    published_at: Option<DateTime<Utc>>,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state;
    let at = now();
    row.state = State::Published;
    row.published_version = Some(row.version);
    row.published_at = published_at.or(row.published_at).or(Some(at));
    row.scheduled_at = None;
    let was_at = live_address(tx, row.id).await?;
    let was_in = was_at.as_ref().map(|(locale, _)| locale.clone());
    delete_live(tx, row.id).await?;
    if let Some((locale, slug)) = &was_at {
        let former = Address {
            scope: locale,
            slug,
        };
        let current = Address {
            scope: &row.locale,
            slug: &row.slug,
        };
        redirects::moved(&**tx, (EntityKind::Article, row.id), former, current).await?;
    }
    let live = article::Model {
        copy: ArticleCopy::Live,
        updated_at: at,
        unpublish_at: None,
        ..row.clone()
    };
    article::Entity::insert(article::ActiveModel::from(live.clone()))
        .exec_without_returning(&**tx)
        .await?;
    replace_links(
        &**tx,
        row.id,
        ArticleCopy::Live,
        Some(author_ids),
        Some(tag_ids),
    )
    .await?;
    search::index::article(tx, &live, ArticleCopy::Live).await?;
    pictures::record_live(tx, row.id, &pictures::used_by(&row), step.who).await?;
    save_workflow(&**tx, &row).await?;
    let seen = Seen {
        public: true,
        previous_locale: was_in.as_deref().filter(|l| *l != row.locale),
    };
    record(tx, &row, from, step, seen).await?;
    Ok(row)
}

/// The locale and slug readers find the article at (its live copy's), if it is live.
async fn live_address(tx: &WriteTx, id: Uuid) -> Result<Option<(String, String)>, AppError> {
    Ok(article::Entity::find()
        .select_only()
        .column(article::Column::Locale)
        .column(article::Column::Slug)
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Copy.eq(ArticleCopy::Live))
        .into_tuple()
        .one(&**tx)
        .await?)
}

/// The locale readers have the article in (its live copy's), if it is live:
/// told with the event when a change moves or removes the live copy, so a
/// consumer of that locale hears of it.
pub(super) async fn live_locale(tx: &WriteTx, id: Uuid) -> Result<Option<String>, AppError> {
    Ok(article::Entity::find()
        .select_only()
        .column(article::Column::Locale)
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Copy.eq(ArticleCopy::Live))
        .into_tuple()
        .one(&**tx)
        .await?)
}

async fn delete_live(tx: &WriteTx, id: Uuid) -> Result<(), AppError> {
    article::Entity::delete_many()
        .filter(article::Column::Id.eq(id))
        .filter(article::Column::Copy.eq(ArticleCopy::Live))
        .exec(&**tx)
        .await?;
    search::index::remove(tx, id, Some(ArticleCopy::Live)).await
}

/// Takes the live copy down (unpublish, archive, delete) and moves the
/// working copy to `state`.
pub(super) async fn take_down(
    tx: &WriteTx,
    mut row: article::Model,
    state: State,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state;
    let was_in = live_locale(tx, row.id).await?;
    delete_live(tx, row.id).await?;
    pictures::record_live(tx, row.id, &[], step.who).await?;
    row.state = state;
    row.published_version = None;
    row.scheduled_at = None;
    row.unpublish_at = None;
    let seen = Seen {
        public: was_in.is_some(),
        previous_locale: was_in.as_deref().filter(|l| *l != row.locale),
    };
    settle(tx, row, from, step, seen).await
}

/// Hides the article from every read and takes its live copy down; a
/// published or scheduled article is left as a draft.
pub(super) async fn soft_delete(
    tx: &WriteTx,
    mut row: article::Model,
    step: Step<'_>,
) -> Result<(), AppError> {
    let state = match row.state {
        State::Published | State::Scheduled => State::Draft,
        other => other,
    };
    row.deleted_at = Some(now());
    search::index::hide_article(tx, row.id, true).await?;
    take_down(tx, row, state, step).await?;
    Ok(())
}

/// Makes a soft-deleted article visible again.
pub(super) async fn undelete(
    tx: &WriteTx,
    mut row: article::Model,
    step: Step<'_>,
) -> Result<article::Model, AppError> {
    let from = row.state;
    row.deleted_at = None;
    search::index::hide_article(tx, row.id, false).await?;
    settle(tx, row, from, step, Seen::default()).await
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
    let action = match &input.action {
        None => return Err(AppError::invalid("action", "is required")),
        Some(Choice::Unknown(_)) => {
            let names = WorkflowAction::names();
            return Err(AppError::invalid(
                "action",
                format!("must be one of {names}"),
            ));
        }
        Some(Choice::Known(action)) => *action,
    };
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
    let current = read_one(&*tx, row.clone(), ArticleCopy::Working).await?;
    rules::guard(grant, principal, Draft::Submit { article: &current })?;
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
    let comment = check_transition(action, &input)?;
    let step = Step {
        action: action.into(),
        comment,
        who: principal.user_id(),
    };
    let links = (current.author_ids.as_slice(), current.tag_ids.as_slice());
    let row = match action {
        WorkflowAction::Publish => make_live(&tx, row, links, input.published_at, step).await?,
        WorkflowAction::Schedule => {
            let row = article::Model {
                scheduled_at: input.publish_at,
                unpublish_at: input.unpublish_at,
                ..row
            };
            set_state(&tx, row, to, step).await?
        }
        WorkflowAction::Unpublish | WorkflowAction::Archive => {
            take_down(&tx, row, to, step).await?
        }
        WorkflowAction::Submit | WorkflowAction::RequestChanges | WorkflowAction::Approve => {
            set_state(&tx, row, to, step).await?
        }
    };
    let article = read_one(&*tx, row, ArticleCopy::Working).await?;
    tx.commit().await?;
    Ok(article)
}

/// The rules of a transition's own fields (every broken one listed); the
/// comment, when one was given.
fn check_transition(
    action: WorkflowAction,
    input: &TransitionInput,
) -> Result<Option<&str>, AppError> {
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
    Ok(comment)
}

sort_fields! {
    /// Transitions are listed oldest first (their ids are time-ordered).
    pub enum TransitionSort for transition (id Id) {
        Id = "id": Id(id) as Id,
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
    let row = query::find_row(ctx, ctx.db.conn(), key, View::Preview, false).await?;
    let select = transition::Entity::find().filter(transition::Column::ArticleId.eq(row.id));
    let page = page::fetch(ctx.db.conn(), select, None, sort, pagination).await?;
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
