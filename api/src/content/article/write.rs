//! Writing articles: create, edit, delete and bring back. Each write is one
//! transaction that ends with the history step ([`history::record_write`]).

use std::collections::HashSet;

use entities::types::{ChangeKind, EntityKind, EventVerb};
use entities::{article, author as author_row, tag as tag_row};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    Iterable, ModelTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::flow::{self, Step};
use super::model::{Article, ArticleInput, View};
use super::query::{self, replace_links};
use super::read::read_one;
use super::rules::{self, ArticleSnapshot, Draft, Resolved};
use super::translations;
use super::{autosave, pictures, preview};
use crate::auth::Principal;
use crate::auth::policy::{Action, Grant};
use crate::content::history::{self, Versioned, Write};
use crate::content::validate::{self, Errors};
use crate::content::{ArticleCopy, Ctx, Key, State, WriteTx, redirects, search, slug};
use crate::error::AppError;
use crate::storage::{Event, Reader, Slugged, record_event};

pub(super) const STORE: Slugged<article::Entity> = Slugged {
    id: article::Column::Id,
    slug: article::Column::Slug,
    noun: "article in this locale",
};

fn locale_scope(locale: &str) -> Condition {
    Condition::all().add(article::Column::Locale.eq(locale))
}

/// Creates an article. The slug is generated from the title when not given,
/// and made unique within the locale. The write and revision 1 commit
/// together; an import created published goes live at once.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    input: ArticleInput,
) -> Result<Article, AppError> {
    let grant = ctx.require(principal, Action::CreateArticle)?;
    let fields = rules::resolve(&ctx.settings.default_locale, &input, None)?;
    rules::guard(
        grant,
        principal,
        Draft::New {
            credits: &fields.author_ids,
            state: fields.state,
        },
    )?;
    let mut fields = fields;
    let tx = ctx.begin_write().await?;
    ensure_references(&*tx, &fields).await?;
    let pictures = pictures::fill(&*tx, &mut fields).await?;
    let slug = slug::for_new(
        &*tx,
        &STORE,
        input.slug.value(),
        (&fields.title, "article"),
        locale_scope(&fields.locale),
    )
    .await?;
    let mut row = rules::to_row(Uuid::now_v7(), slug, &fields);
    if let Some(original) = input.translation_of {
        row.translation_group = Some(translations::join(&*tx, original, &fields.locale).await?);
    }
    row.created_by = principal.user_id();
    row.updated_by = principal.user_id();
    // Published imports go live below; their working row says so once live.
    if fields.state == State::Published {
        row.state = State::Draft;
    }
    let written = article::Entity::insert(article::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await;
    let snapshot = ArticleSnapshot::of(&row, &fields.author_ids, &fields.tag_ids);
    let write = Write {
        id: row.id,
        version: 1,
        snapshot: &snapshot,
        message: input.revision_message.as_deref(),
        who: principal.user_id(),
        change: ChangeKind::Create,
        locale: Some(&row.locale),
        previous_locale: None,
        public: false,
    };
    history::record_write::<Article>(&tx, written, || STORE.slug_taken(&row.slug), write).await?;
    replace_links(
        &*tx,
        row.id,
        ArticleCopy::Working,
        Some(&fields.author_ids),
        Some(&fields.tag_ids),
    )
    .await?;
    search::index::article(&tx, &row, ArticleCopy::Working).await?;
    if !pictures.is_empty() {
        pictures::record(&*tx, row.id, ArticleCopy::Working, &pictures).await?;
    }
    let row = start_in_state(&tx, row, &fields, principal.user_id()).await?;
    let mut article = query::assemble_with(row, fields.author_ids, fields.tag_ids);
    translations::attach(&*tx, std::slice::from_mut(&mut article), View::Preview).await?;
    tx.commit().await?;
    Ok(article)
}

/// An imported article created in a state other than draft gets there (and
/// live, when published) as one recorded step.
async fn start_in_state(
    tx: &WriteTx,
    row: article::Model,
    fields: &Resolved,
    who: Option<Uuid>,
) -> Result<article::Model, AppError> {
    let step = Step {
        action: ChangeKind::Import,
        comment: None,
        who,
    };
    match fields.state {
        State::Draft => Ok(row),
        State::Published => {
            let links = (fields.author_ids.as_slice(), fields.tag_ids.as_slice());
            flow::make_live(tx, row, links, fields.published_at, step).await
        }
        state => flow::set_state(tx, row, state, step).await,
    }
}

impl Versioned for Article {
    const KIND: EntityKind = EntityKind::Article;
    const EDIT: Action = Action::EditArticle;
    const LIVE_WRITES: bool = false;
    type Snapshot = ArticleSnapshot;
    type Input = ArticleInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(
            query::find_row(ctx, ctx.db.conn(), key, View::Preview, false)
                .await?
                .id,
        )
    }

    fn restoring(snapshot: ArticleSnapshot, message: String) -> ArticleInput {
        snapshot.into_input(message)
    }

    /// Updates an article's working copy, writing revision n+1 in the same
    /// transaction. `expected_version`, when given, must be the current version.
    /// An edit puts a working copy that was in review, approved, scheduled,
    /// published or archived back in draft; a live copy stays as it is.
    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: ArticleInput,
        expected_version: Option<i32>,
    ) -> Result<Article, AppError> {
        let grant = ctx.require(principal, Action::EditArticle)?;
        let edit = Edit {
            principal,
            grant,
            key,
            input: &input,
            expected_version,
        };
        // Optimistic first: read without holding the writer slot, then write
        // only if the row is still as read (other edits and transitions are
        // checked in the UPDATE itself), so the slot is held for the writes alone.
        let plan = edit.plan(ctx, ctx.db.conn(), false).await?;
        let tx = ctx.begin_write().await?;
        let article = match edit.apply(&tx, plan, true).await? {
            Some(article) => article,
            None => {
                // It changed meanwhile (or a change awaits its commit): read it
                // again under the row lock, inside the transaction, and write.
                let plan = edit.plan(ctx, &*tx, true).await?;
                edit.apply(&tx, plan, false).await?.ok_or_else(|| {
                    AppError::Internal(anyhow::anyhow!("a locked article changed"))
                })?
            }
        };
        let mut article = article;
        translations::attach(&*tx, std::slice::from_mut(&mut article), View::Preview).await?;
        tx.commit().await?;
        Ok(article)
    }
}

/// One edit of an article, as asked.
struct Edit<'a> {
    principal: &'a Principal,
    grant: Grant,
    key: &'a Key,
    input: &'a ArticleInput,
    expected_version: Option<i32>,
}

/// An edit worked out from the article as read.
struct Plan {
    current_row: article::Model,
    current: Article,
    fields: Resolved,
    slug: String,
    /// The editor's autosave folded into the edit, which the edit clears.
    autosaved: Option<Uuid>,
}

impl Edit<'_> {
    /// Reads the article (`lock`: under the row lock) and works out the edit.
    async fn plan<C: Reader>(&self, ctx: &Ctx, conn: &C, lock: bool) -> Result<Plan, AppError> {
        let current_row = query::find_row(ctx, conn, self.key, View::Preview, lock).await?;
        let current = read_one(conn, current_row.clone(), ArticleCopy::Working).await?;
        validate::check_version(self.expected_version, current.version)?;
        // The editor's autosave, if any, is what this save applies over.
        let mut autosaved = None;
        let mut base = None;
        if let Some(user) = self.principal.user_id()
            && let Some(slot) = autosave::slot(conn, current.id, user).await?
        {
            base = Some(autosave::folded(conn, &current, &slot).await?);
            autosaved = Some(user);
        }
        let base = base.as_ref().unwrap_or(&current);
        let fields = rules::resolve(&ctx.settings.default_locale, self.input, Some(base))?;
        let draft = Draft::Edit {
            article: &current,
            credits: &fields.author_ids,
        };
        rules::guard(self.grant, self.principal, draft)?;
        let slug = self
            .input
            .slug
            .value()
            .cloned()
            .unwrap_or_else(|| base.slug.clone());
        Ok(Plan {
            current_row,
            current,
            fields,
            slug,
            autosaved,
        })
    }

    /// Writes a planned edit. With `guarded`, the UPDATE matches only the
    /// row as planned from, and `None` says it changed meanwhile (nothing
    /// is written).
    async fn apply(
        &self,
        tx: &WriteTx,
        plan: Plan,
        guarded: bool,
    ) -> Result<Option<Article>, AppError> {
        let Plan {
            current_row,
            current,
            mut fields,
            slug,
            autosaved,
        } = plan;
        let pictures = pictures::fill(&**tx, &mut fields).await?;
        let authors_changed = fields.author_ids != current.author_ids;
        let tags_changed = fields.tag_ids != current.tag_ids;
        // Links kept as they are exist (foreign keys); new ones are checked.
        if authors_changed || tags_changed {
            ensure_references(&**tx, &fields).await?;
        }
        translations::check_sent(&**tx, &current_row, self.input.translation_of).await?;
        if slug != current.slug || fields.locale != current.locale {
            translations::check_move(&**tx, &current_row, &fields.locale).await?;
            let scope = locale_scope(&fields.locale);
            STORE
                .ensure_free(&**tx, &slug, scope, Some(current.id))
                .await?;
        }
        let row = edited_row(&current_row, slug, &fields, self.principal.user_id());
        let mut update = article::Entity::update_many()
            .set(changed_columns(&row, &current_row))
            .filter(article::Column::Id.eq(current.id))
            .filter(article::Column::Copy.eq(ArticleCopy::Working));
        if guarded {
            update = update.filter(unchanged_since(&current_row));
        }
        let written = update.exec(&**tx).await.map(|done| done.rows_affected);
        let snapshot = ArticleSnapshot::of(&row, &fields.author_ids, &fields.tag_ids);
        let write = Write {
            id: row.id,
            version: row.version,
            snapshot: &snapshot,
            message: self.input.revision_message.as_deref(),
            who: self.principal.user_id(),
            change: ChangeKind::Update,
            locale: Some(&row.locale),
            previous_locale: (current_row.locale != row.locale).then_some(&current_row.locale),
            public: false,
        };
        let taken = || STORE.slug_taken(&row.slug);
        if history::record_write::<Article>(tx, written, taken, write).await? == 0 {
            return Ok(None);
        }
        let links = (
            authors_changed.then_some(fields.author_ids.as_slice()),
            tags_changed.then_some(fields.tag_ids.as_slice()),
        );
        replace_links(&**tx, row.id, ArticleCopy::Working, links.0, links.1).await?;
        if authors_changed || tags_changed {
            search::index::article(tx, &row, ArticleCopy::Working).await?;
        } else if search::index::text_differs(&current_row, &row) {
            search::index::article_text(tx, &row, ArticleCopy::Working).await?;
        }
        if pictures != pictures::used_by(&current_row) {
            pictures::record(&**tx, row.id, ArticleCopy::Working, &pictures).await?;
        }
        if let Some(user) = autosaved {
            autosave::clear(&**tx, row.id, user).await?;
        }
        let row = back_to_draft(tx, row, current.state, self.principal.user_id()).await?;
        Ok(Some(query::assemble_with(
            row,
            fields.author_ids,
            fields.tag_ids,
        )))
    }
}

/// The working row after an edit: the new content, version n+1, the
/// workflow columns as they were.
fn edited_row(
    current: &article::Model,
    slug: String,
    fields: &Resolved,
    who: Option<Uuid>,
) -> article::Model {
    let mut row = rules::to_row(current.id, slug, fields);
    row.version = current.version + 1;
    row.state = current.state;
    row.published_version = current.published_version;
    row.published_at = current.published_at;
    row.scheduled_at = current.scheduled_at;
    row.unpublish_at = current.unpublish_at;
    row.created_at = current.created_at;
    row.created_by = current.created_by;
    row.updated_by = who;
    row.translation_group = current.translation_group;
    row.source_system.clone_from(&current.source_system);
    row.source_id.clone_from(&current.source_id);
    row.source_url.clone_from(&current.source_url);
    row
}

/// The columns of `row` that differ from `current`: only those are written,
/// so the indexes over the others are left alone (fewer pages to log and to
/// sync). Identity and creation columns are never written.
fn changed_columns(row: &article::Model, current: &article::Model) -> article::ActiveModel {
    let mut active = article::ActiveModel::from(row.clone()).reset_all();
    for column in article::Column::iter() {
        if row.get(column) == current.get(column) {
            active.not_set(column);
        }
    }
    active.id = NotSet;
    active.copy = NotSet;
    active.created_at = NotSet;
    active.created_by = NotSet;
    active
}

/// An edit puts a working copy that was not a draft back in draft, as a
/// recorded step.
async fn back_to_draft(
    tx: &WriteTx,
    row: article::Model,
    was: State,
    who: Option<Uuid>,
) -> Result<article::Model, AppError> {
    if was == State::Draft {
        return Ok(row);
    }
    let step = Step {
        action: ChangeKind::Edit,
        comment: None,
        who,
    };
    flow::set_state(tx, row, State::Draft, step).await
}

/// The working row is still as `row` says: same version (edits), same
/// workflow columns (transitions, which keep the version), not deleted.
fn unchanged_since(row: &article::Model) -> Condition {
    fn same<T: Into<sea_orm::Value>>(column: article::Column, value: Option<T>) -> Condition {
        Condition::all().add(match value {
            Some(value) => column.eq(value),
            None => column.is_null(),
        })
    }
    Condition::all()
        .add(article::Column::Version.eq(row.version))
        .add(article::Column::State.eq(row.state))
        .add(article::Column::DeletedAt.is_null())
        .add(same(
            article::Column::PublishedVersion,
            row.published_version,
        ))
        .add(same(article::Column::PublishedAt, row.published_at))
        .add(same(article::Column::ScheduledAt, row.scheduled_at))
        .add(same(article::Column::UnpublishAt, row.unpublish_at))
}

/// Deletes an article softly: it disappears from every read and its live
/// copy goes down, but its revisions and workflow history stay and an admin
/// can bring it back. `permanent` (admins only) purges it with its history.
pub async fn delete(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    permanent: bool,
) -> Result<(), AppError> {
    ctx.require(principal, Action::DeleteArticle)?;
    if permanent {
        ctx.require(principal, Action::AdministerContent)?;
    }
    let tx = ctx.begin_write().await?;
    if permanent {
        let row = query::find_any(&*tx, key).await?;
        purge(&tx, &row, principal.user_id()).await?;
    } else {
        let row = query::find_row(ctx, &*tx, key, View::Preview, true).await?;
        let step = Step {
            action: ChangeKind::Delete,
            comment: None,
            who: principal.user_id(),
        };
        flow::soft_delete(&tx, row, step).await?;
    }
    tx.commit().await
}

/// Removes an article with its revisions and transitions for good.
async fn purge(tx: &WriteTx, row: &article::Model, who: Option<Uuid>) -> Result<(), AppError> {
    let was_in = flow::live_locale(tx, row.id).await?;
    article::Entity::delete_many()
        .filter(article::Column::Id.eq(row.id))
        .exec(&**tx)
        .await?;
    history::forget::<Article, _>(&**tx, row.id).await?;
    redirects::forget(&**tx, EntityKind::Article, row.id).await?;
    autosave::forget(&**tx, row.id).await?;
    preview::forget(&**tx, row.id).await?;
    search::index::remove(tx, row.id, None).await?;
    pictures::record_live(tx, row.id, &[], who).await?;
    pictures::forget(&**tx, row.id, None).await?;
    entities::transition::Entity::delete_many()
        .filter(entities::transition::Column::ArticleId.eq(row.id))
        .exec(&**tx)
        .await?;
    let event = Event {
        entity: EntityKind::Article,
        id: row.id,
        action: ChangeKind::Purge,
        verb: EventVerb::Purged,
        version: row.version,
        locale: Some(&row.locale),
        previous_locale: was_in.as_deref().filter(|l| *l != row.locale),
        actor: who,
        public: was_in.is_some(),
    };
    record_event(tx, event);
    Ok(())
}

/// Brings a soft-deleted article back (admins only), as a working copy in
/// the state it had (a published one comes back as a draft, as it was taken down).
pub async fn undelete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Article, AppError> {
    ctx.require(principal, Action::AdministerContent)?;
    let tx = ctx.begin_write().await?;
    let row = query::find_any(&*tx, key).await?;
    if row.deleted_at.is_none() {
        return Err(AppError::Conflict {
            detail: "the article is not deleted".to_owned(),
            errors: Vec::new(),
        });
    }
    let step = Step {
        action: ChangeKind::Restore,
        comment: None,
        who: principal.user_id(),
    };
    let row = flow::undelete(&tx, row, step).await?;
    let article = read_one(&*tx, row, ArticleCopy::Working).await?;
    tx.commit().await?;
    Ok(article)
}

/// 422 naming each id in `ids` that has no row in the table.
async fn ensure_exist<C, E>(
    conn: &C,
    (field, noun): (&str, &str),
    ids: &[Uuid],
    id_column: E::Column,
) -> Result<(), AppError>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(());
    }
    let found: HashSet<Uuid> = E::find()
        .select_only()
        .column(id_column)
        .filter(id_column.is_in(ids.to_vec()))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut errors = Errors::default();
    for (i, id) in ids.iter().enumerate() {
        if !found.contains(id) {
            errors.push(
                format!("{field}[{i}]"),
                format!("no {noun} has the id {id}"),
            );
        }
    }
    errors.finish()
}

async fn ensure_references<C: ConnectionTrait>(
    conn: &C,
    fields: &Resolved,
) -> Result<(), AppError> {
    let (authors, tags) = (&fields.author_ids, &fields.tag_ids);
    let author_id = author_row::Column::Id;
    ensure_exist::<_, author_row::Entity>(conn, ("author_ids", "author"), authors, author_id)
        .await?;
    ensure_exist::<_, tag_row::Entity>(conn, ("tag_ids", "tag"), tags, tag_row::Column::Id).await
}
