//! Writing and reading articles.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entities::{article, article_author, article_tag, author as author_row, tag as tag_row};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    Iterable, ModelTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use serde_json::{Value, json};

use super::flow;
use super::model::{
    Article, ArticleFilter, ArticleInput, ArticleSort, FeaturedImage, Include, Read, Seo, State,
    View, WORKING,
};
use super::query::{self, Links};
use crate::auth::Principal;
use crate::auth::policy::{Action, Grant};
use crate::content::author;
use crate::content::page::{self, ListQuery, Page};
use crate::content::store::Slugged;
use crate::content::validate::{self, Errors};
use crate::content::{Ctx, Key, Patch, WriteTx, now, slug, text};
use crate::content::{changes, revision};
use crate::error::AppError;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Largest body, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const MAX_AUTHORS: usize = 20;
const MAX_TAGS: usize = 50;

const STORE: Slugged<article::Entity> = Slugged {
    id: article::Column::Id,
    slug: article::Column::Slug,
    noun: "article in this locale",
};

/// The stored fields after applying an input to the current article.
struct Resolved {
    locale: String,
    title: String,
    subtitle: Option<String>,
    excerpt: Option<String>,
    body: String,
    featured_image: Option<FeaturedImage>,
    seo: Seo,
    author_ids: Vec<Uuid>,
    tag_ids: Vec<Uuid>,
    state: State,
    published_at: Option<DateTime<Utc>>,
}

/// Applies the field rules to `input` over `current` (nothing for a create).
fn resolve(
    ctx: &Ctx,
    input: &ArticleInput,
    current: Option<&Article>,
) -> Result<Resolved, AppError> {
    validate::check_sent_id(input.id, current.map(|a| a.id))?;
    let mut errors = Errors::default();

    let locale = match (&input.locale, current) {
        (Patch::Value(tag), _) => match validate::locale(tag) {
            Ok(locale) => locale,
            Err(message) => {
                errors.push("locale", message);
                tag.clone()
            }
        },
        (Patch::Null, Some(_)) => {
            errors.push("locale", "must not be null");
            String::new()
        }
        (_, Some(current)) => current.locale.clone(),
        (_, None) => ctx.settings.default_locale.clone(),
    };
    match &input.slug {
        Patch::Value(slug) => errors.check("slug", slug::check(slug)),
        Patch::Null if current.is_some() => errors.push("slug", "must not be null"),
        _ => {}
    }

    let title = input.title.clone().apply(current.map(|a| a.title.clone()));
    match &title {
        None => errors.push("title", "is required"),
        Some(title) => errors.text("title", title, MAX_TITLE_CHARS, true),
    }
    let subtitle = input
        .subtitle
        .clone()
        .apply(current.and_then(|a| a.subtitle.clone()));
    if let Some(subtitle) = &subtitle {
        errors.text("subtitle", subtitle, 300, false);
    }
    let excerpt = input
        .excerpt
        .clone()
        .apply(current.and_then(|a| a.excerpt.clone()));
    if let Some(excerpt) = &excerpt {
        errors.text("excerpt", excerpt, 1_000, false);
    }
    let body = input
        .body
        .clone()
        .apply(current.map(|a| a.body.clone()))
        .unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        errors.push(
            "body",
            format!("must be at most {MAX_BODY_BYTES} bytes (1 MiB)"),
        );
    }

    let featured_image = match &input.featured_image {
        Patch::Missing => current.and_then(|a| a.featured_image.clone()),
        Patch::Null => None,
        Patch::Value(image) => {
            let existing = current.and_then(|a| a.featured_image.as_ref());
            let url = image.url.clone().apply(existing.map(|i| i.url.clone()));
            let alt = image
                .alt
                .clone()
                .apply(existing.and_then(|i| i.alt.clone()));
            match &url {
                None => errors.push("featured_image.url", "is required"),
                Some(url) => errors.url("featured_image.url", url),
            }
            if let Some(alt) = &alt {
                errors.text("featured_image.alt", alt, 300, false);
            }
            url.map(|url| FeaturedImage { url, alt })
        }
    };

    let existing_seo = current.map(|a| a.seo.clone()).unwrap_or_default();
    let seo = match &input.seo {
        Patch::Missing => existing_seo,
        Patch::Null => Seo::default(),
        Patch::Value(seo) => Seo {
            title: seo.title.clone().apply(existing_seo.title),
            description: seo.description.clone().apply(existing_seo.description),
            canonical_url: seo.canonical_url.clone().apply(existing_seo.canonical_url),
        },
    };
    if let Some(title) = &seo.title {
        errors.text("seo.title", title, 300, false);
    }
    if let Some(description) = &seo.description {
        errors.text("seo.description", description, 500, false);
    }
    if let Some(url) = &seo.canonical_url {
        errors.url("seo.canonical_url", url);
    }

    let author_ids = input
        .author_ids
        .clone()
        .apply(current.map(|a| a.author_ids.clone()))
        .unwrap_or_default();
    if author_ids.is_empty() {
        errors.push("author_ids", "at least one author is required");
    }
    check_ids("author_ids", &author_ids, MAX_AUTHORS, &mut errors);
    let tag_ids = input
        .tag_ids
        .clone()
        .apply(current.map(|a| a.tag_ids.clone()))
        .unwrap_or_default();
    check_ids("tag_ids", &tag_ids, MAX_TAGS, &mut errors);

    let state = match (&input.state, current) {
        (Patch::Value(name), None) => match State::parse(name) {
            Some(State::Scheduled) => {
                errors.push(
                    "state",
                    "an article is scheduled through the workflow, not created scheduled",
                );
                State::Draft
            }
            Some(state) => state,
            None => {
                errors.push(
                    "state",
                    "must be one of draft, in_review, approved, published, archived",
                );
                State::Draft
            }
        },
        (Patch::Value(name), Some(current)) if name != current.state.as_str() => {
            errors.push(
                "state",
                "is changed through the workflow, not by editing the article",
            );
            current.state
        }
        (_, Some(current)) => current.state,
        (_, None) => State::Draft,
    };
    let published_at = match current {
        // Read-only once the article exists: the workflow sets it.
        Some(current) => current.published_at,
        None => match (&input.published_at, state) {
            (Patch::Value(at), State::Published | State::Archived) => Some(*at),
            (Patch::Value(_), _) => {
                errors.push(
                    "published_at",
                    "is only given for a published or archived article",
                );
                None
            }
            (_, State::Published) => Some(now()),
            _ => None,
        },
    };

    errors.finish()?;
    Ok(Resolved {
        locale,
        title: title.unwrap_or_default(),
        subtitle,
        excerpt,
        body,
        featured_image,
        seo,
        author_ids,
        tag_ids,
        state,
        published_at,
    })
}

fn check_ids(field: &str, ids: &[Uuid], max: usize, errors: &mut Errors) {
    if ids.len() > max {
        errors.push(field, format!("must list at most {max} ids"));
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            errors.push(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

/// 422 naming each id in `ids` that has no row in the table.
async fn ensure_exist<C, E>(
    conn: &C,
    field: &str,
    noun: &str,
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
    ensure_exist::<_, author_row::Entity>(
        conn,
        "author_ids",
        "author",
        &fields.author_ids,
        author_row::Column::Id,
    )
    .await?;
    ensure_exist::<_, tag_row::Entity>(conn, "tag_ids", "tag", &fields.tag_ids, tag_row::Column::Id)
        .await
}

fn locale_scope(locale: &str) -> Condition {
    Condition::all().add(article::Column::Locale.eq(locale))
}

/// Replaces the author and/or tag links of one copy of an article.
pub(super) async fn replace_links<C: ConnectionTrait>(
    conn: &C,
    article_id: Uuid,
    copy: &str,
    author_ids: Option<&[Uuid]>,
    tag_ids: Option<&[Uuid]>,
) -> Result<(), AppError> {
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    if let Some(ids) = author_ids {
        article_author::Entity::delete_many()
            .filter(article_author::Column::ArticleId.eq(article_id))
            .filter(article_author::Column::Copy.eq(copy))
            .exec(conn)
            .await?;
        article_author::Entity::insert_many(ids.iter().enumerate().map(|(i, id)| {
            article_author::ActiveModel::from(article_author::Model {
                article_id,
                copy: copy.to_owned(),
                author_id: *id,
                position: position(i),
            })
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if let Some(ids) = tag_ids {
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::ArticleId.eq(article_id))
            .filter(article_tag::Column::Copy.eq(copy))
            .exec(conn)
            .await?;
        article_tag::Entity::insert_many(ids.iter().enumerate().map(|(i, id)| {
            article_tag::ActiveModel::from(article_tag::Model {
                article_id,
                copy: copy.to_owned(),
                tag_id: *id,
                position: position(i),
            })
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

fn to_row(id: Uuid, slug: String, fields: &Resolved) -> article::Model {
    let at = now();
    article::Model {
        id,
        copy: WORKING.to_owned(),
        slug,
        locale: fields.locale.clone(),
        title: fields.title.clone(),
        subtitle: fields.subtitle.clone(),
        excerpt: fields.excerpt.clone(),
        body: fields.body.clone(),
        featured_image_url: fields.featured_image.as_ref().map(|i| i.url.clone()),
        featured_image_alt: fields.featured_image.as_ref().and_then(|i| i.alt.clone()),
        seo_title: fields.seo.title.clone(),
        seo_description: fields.seo.description.clone(),
        seo_canonical_url: fields.seo.canonical_url.clone(),
        state: fields.state.as_str().to_owned(),
        version: 1,
        published_version: None,
        published_at: fields.published_at,
        scheduled_at: None,
        unpublish_at: None,
        deleted_at: None,
        word_count: i32::try_from(text::word_count(&fields.body)).unwrap_or(i32::MAX),
        created_at: at,
        updated_at: at,
        created_by: None,
        updated_by: None,
    }
}

/// The content of a working row and its links, as a revision stores it.
pub(crate) fn snapshot(row: &article::Model, author_ids: &[Uuid], tag_ids: &[Uuid]) -> Value {
    json!({
        "slug": row.slug,
        "locale": row.locale,
        "title": row.title,
        "subtitle": row.subtitle,
        "excerpt": row.excerpt,
        "body": row.body,
        "featured_image": row.featured_image_url.as_ref().map(|url| json!({"url": url, "alt": row.featured_image_alt})),
        "seo": {"title": row.seo_title, "description": row.seo_description, "canonical_url": row.seo_canonical_url},
        "author_ids": author_ids,
        "tag_ids": tag_ids,
    })
}

/// Creates an article. The slug is generated from the title when not given,
/// and made unique within the locale. The write and revision 1 commit
/// together; an import created published goes live at once.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    input: ArticleInput,
) -> Result<Article, AppError> {
    ctx.require(principal, Action::CreateArticle)?;
    let fields = resolve(ctx, &input, None)?;
    if let Principal::User {
        role: crate::auth::Role::Author,
        author_id,
        ..
    } = principal
    {
        let Some(own) = author_id else {
            return Err(AppError::forbidden(
                "your user is not linked to an author profile, so you cannot be credited",
            ));
        };
        if !fields.author_ids.contains(own) {
            return Err(AppError::forbidden(
                "authors create articles credited to themselves",
            ));
        }
        if fields.state != State::Draft {
            return Err(AppError::forbidden(
                "authors create drafts; the workflow does the rest",
            ));
        }
    }
    let tx = ctx.begin_write().await?;
    ensure_references(&*tx, &fields).await?;
    let scope = locale_scope(&fields.locale);
    let slug = match input.slug.value() {
        Some(slug) => {
            STORE.ensure_free(&*tx, slug, scope, None).await?;
            slug.clone()
        }
        None => {
            let base = slug::slugify(&fields.title, "article");
            STORE.free_slug(&*tx, &base, scope).await?
        }
    };
    let mut row = to_row(Uuid::now_v7(), slug, &fields);
    row.created_by = principal.user_id();
    row.updated_by = principal.user_id();
    // Published imports go live below; their working row says so once live.
    row.state = if fields.state == State::Published {
        State::Draft.as_str().to_owned()
    } else {
        row.state
    };
    article::Entity::insert(article::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    replace_links(
        &*tx,
        row.id,
        WORKING,
        Some(&fields.author_ids),
        Some(&fields.tag_ids),
    )
    .await?;
    let who = principal.user_id();
    revision::record(
        &*tx,
        revision::Entity::Article,
        row.id,
        1,
        &snapshot(&row, &fields.author_ids, &fields.tag_ids),
        input.revision_message.as_deref(),
        who,
    )
    .await?;
    changes::record(&*tx, revision::Entity::Article, row.id, "create", 1).await?;
    if fields.state != State::Draft {
        let step = flow::Step {
            action: "import",
            comment: None,
            who,
        };
        row = if fields.state == State::Published {
            flow::make_live(
                &*tx,
                row,
                &fields.author_ids,
                &fields.tag_ids,
                fields.published_at,
                step,
            )
            .await?
        } else {
            flow::set_state(&*tx, row, fields.state, step).await?
        };
    }
    tx.commit().await?;
    let mut links = Links::with(row.id, fields.author_ids, fields.tag_ids);
    Ok(query::assemble(row, &mut links, Include::default()))
}

/// Updates an article's working copy, writing revision n+1 in the same
/// transaction. `expected_version`, when given, must be the current version.
/// An edit puts a working copy that was in review, approved, scheduled,
/// published or archived back in draft; a live copy stays as it is.
pub async fn update(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    input: ArticleInput,
    expected_version: Option<i32>,
) -> Result<Article, AppError> {
    let grant = ctx.require(principal, Action::EditArticle)?;
    // Optimistic first: read without holding the writer slot, then write
    // only if the row is still as read (other edits and transitions are
    // checked in the UPDATE itself), so the slot is held for the writes alone.
    let plan = plan_update(
        ctx,
        &ctx.db.conn,
        principal,
        grant,
        key,
        &input,
        expected_version,
        false,
    )
    .await?;
    let tx = ctx.begin_write().await?;
    let article = match apply_update(&tx, principal, &input, plan, true).await? {
        Some(article) => article,
        None => {
            // It changed meanwhile (or a change awaits its commit): read it
            // again under the row lock, inside the transaction, and write.
            let plan = plan_update(
                ctx,
                &*tx,
                principal,
                grant,
                key,
                &input,
                expected_version,
                true,
            )
            .await?;
            apply_update(&tx, principal, &input, plan, false)
                .await?
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a locked article changed")))?
        }
    };
    tx.commit().await?;
    Ok(article)
}

/// An edit worked out from the article as read.
struct UpdatePlan {
    current_row: article::Model,
    current: Article,
    fields: Resolved,
    slug: String,
}

#[allow(clippy::too_many_arguments)]
async fn plan_update<C: ConnectionTrait>(
    ctx: &Ctx,
    conn: &C,
    principal: &Principal,
    grant: Grant,
    key: &Key,
    input: &ArticleInput,
    expected_version: Option<i32>,
    lock: bool,
) -> Result<UpdatePlan, AppError> {
    let current_row = query::find_row(ctx, conn, key, View::Preview, lock).await?;
    let current = read_one(conn, current_row.clone(), WORKING, Include::default()).await?;
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(AppError::VersionConflict {
            current: current.version,
        });
    }
    let fields = resolve(ctx, input, Some(&current))?;
    if grant == Grant::OwnDrafts {
        check_own_draft(principal, &current, &fields)?;
    }
    let slug = match input.slug.value() {
        Some(slug) => slug.clone(),
        None => current.slug.clone(),
    };
    Ok(UpdatePlan {
        current_row,
        current,
        fields,
        slug,
    })
}

/// Writes a planned edit. With `guarded`, the UPDATE matches only the row as
/// planned from, and `None` says it changed meanwhile (nothing is written).
async fn apply_update(
    tx: &WriteTx,
    principal: &Principal,
    input: &ArticleInput,
    plan: UpdatePlan,
    guarded: bool,
) -> Result<Option<Article>, AppError> {
    let UpdatePlan {
        current_row,
        current,
        fields,
        slug,
    } = plan;
    let authors_changed = fields.author_ids != current.author_ids;
    let tags_changed = fields.tag_ids != current.tag_ids;
    // Links kept as they are exist (foreign keys); new ones are checked.
    if authors_changed || tags_changed {
        ensure_references(&**tx, &fields).await?;
    }
    if slug != current.slug || fields.locale != current.locale {
        STORE
            .ensure_free(&**tx, &slug, locale_scope(&fields.locale), Some(current.id))
            .await?;
    }
    let mut row = to_row(current.id, slug, &fields);
    row.version = current.version + 1;
    row.state = current_row.state.clone();
    row.published_version = current.published_version;
    row.published_at = current.published_at;
    row.scheduled_at = current.scheduled_at;
    row.unpublish_at = current.unpublish_at;
    row.created_at = current.created_at;
    row.created_by = current.created_by;
    row.updated_by = principal.user_id();
    let mut active = article::ActiveModel::from(row.clone()).reset_all();
    // Only the columns that change are written, so the indexes over the
    // others are left alone (fewer pages to log and to sync).
    for column in article::Column::iter() {
        if row.get(column) == current_row.get(column) {
            active.not_set(column);
        }
    }
    active.id = NotSet;
    active.copy = NotSet;
    active.created_at = NotSet;
    active.created_by = NotSet;
    let mut update = article::Entity::update_many()
        .set(active)
        .filter(article::Column::Id.eq(current.id))
        .filter(article::Column::Copy.eq(WORKING));
    if guarded {
        update = update.filter(unchanged_since(&current_row));
    }
    let updated = update
        .exec(&**tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    replace_links(
        &**tx,
        row.id,
        WORKING,
        authors_changed.then_some(fields.author_ids.as_slice()),
        tags_changed.then_some(fields.tag_ids.as_slice()),
    )
    .await?;
    let who = principal.user_id();
    revision::record(
        &**tx,
        revision::Entity::Article,
        row.id,
        row.version,
        &snapshot(&row, &fields.author_ids, &fields.tag_ids),
        input.revision_message.as_deref(),
        who,
    )
    .await?;
    changes::record(
        &**tx,
        revision::Entity::Article,
        row.id,
        "update",
        row.version,
    )
    .await?;
    if current.state != State::Draft {
        let step = flow::Step {
            action: "edit",
            comment: None,
            who,
        };
        row = flow::set_state(&**tx, row, State::Draft, step).await?;
    }
    let mut links = Links::with(row.id, fields.author_ids, fields.tag_ids);
    Ok(Some(query::assemble(row, &mut links, Include::default())))
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
        .add(article::Column::State.eq(row.state.as_str()))
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
    let row = if permanent {
        query::find_any(&*tx, key).await?
    } else {
        query::find_row(ctx, &*tx, key, View::Preview, true).await?
    };
    if permanent {
        article::Entity::delete_many()
            .filter(article::Column::Id.eq(row.id))
            .exec(&*tx)
            .await?;
        entities::revision::Entity::delete_many()
            .filter(entities::revision::Column::Entity.eq(revision::Entity::Article.as_str()))
            .filter(entities::revision::Column::EntityId.eq(row.id))
            .exec(&*tx)
            .await?;
        entities::transition::Entity::delete_many()
            .filter(entities::transition::Column::ArticleId.eq(row.id))
            .exec(&*tx)
            .await?;
        changes::record(
            &*tx,
            revision::Entity::Article,
            row.id,
            "purge",
            row.version,
        )
        .await?;
    } else {
        let step = flow::Step {
            action: "delete",
            comment: None,
            who: principal.user_id(),
        };
        flow::soft_delete(&*tx, row, step).await?;
    }
    tx.commit().await
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
    let step = flow::Step {
        action: "restore",
        comment: None,
        who: principal.user_id(),
    };
    let row = flow::undelete(&*tx, row, step).await?;
    let article = read_one(&*tx, row, WORKING, Include::default()).await?;
    tx.commit().await?;
    Ok(article)
}

/// An author may edit an article only while it is a draft they are credited
/// on, and may not remove their own credit.
fn check_own_draft(
    principal: &Principal,
    current: &Article,
    fields: &Resolved,
) -> Result<(), AppError> {
    let own = match principal {
        Principal::User {
            author_id: Some(own),
            ..
        } => own,
        _ => {
            return Err(AppError::forbidden(
                "only the credited authors may edit this article",
            ));
        }
    };
    if !current.author_ids.contains(own) {
        return Err(AppError::forbidden(
            "only the credited authors may edit this article",
        ));
    }
    if current.state != State::Draft {
        return Err(AppError::forbidden(
            "authors edit their articles only while they are drafts",
        ));
    }
    if !fields.author_ids.contains(own) {
        return Err(AppError::forbidden(
            "authors may not remove their own credit",
        ));
    }
    Ok(())
}

/// Which copy `principal` sees, after checking they may see it.
pub(super) fn view_for(
    ctx: &Ctx,
    principal: &Principal,
    preview: Option<bool>,
) -> Result<View, AppError> {
    let wants_preview = preview.unwrap_or_else(|| {
        matches!(principal, Principal::User { .. }) && ctx.allows(principal, Action::ReadPreview)
    });
    if wants_preview {
        ctx.require(principal, Action::ReadPreview)?;
        Ok(View::Preview)
    } else {
        ctx.require(principal, Action::ReadLive)?;
        Ok(View::Live)
    }
}

pub(super) async fn read_one<C: ConnectionTrait>(
    conn: &C,
    row: article::Model,
    copy: &str,
    include: Include,
) -> Result<Article, AppError> {
    let mut links = query::load_links(conn, &[row.id], copy, include).await?;
    Ok(query::assemble(row, &mut links, include))
}

/// Hides private fields of expanded authors from callers who may not read them.
fn redact(mut article: Article, ctx: &Ctx, principal: &Principal) -> Article {
    if let Some(authors) = article.authors.take() {
        article.authors = Some(
            authors
                .into_iter()
                .map(|a| author::redact(a, ctx, principal))
                .collect(),
        );
    }
    article
}

/// One article by id or slug, in the copy the caller may and wants to see.
pub async fn get(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    read: Read,
) -> Result<Article, AppError> {
    let view = view_for(ctx, principal, read.preview)?;
    let row = query::find_row(ctx, &ctx.db.conn, key, view, false).await?;
    let article = read_one(&ctx.db.conn, row, view.copy(), read.include).await?;
    Ok(redact(article, ctx, principal))
}

/// A page of articles: a count, the page, and one statement each for the
/// author and tag links — four statements whatever the page size.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<ArticleFilter, ArticleSort>,
    read: Read,
) -> Result<Page<Article>, AppError> {
    let view = if query.filter.deleted {
        ctx.require(principal, Action::AdministerContent)?;
        View::Preview
    } else {
        view_for(ctx, principal, read.preview)?
    };
    let select = query::filtered(&query.filter, view);
    let copy = if query.filter.deleted {
        WORKING
    } else {
        view.copy()
    };
    let rows = article::Entity::find().filter(article::Column::Copy.eq(copy));
    let page = page::fetch_deferred(
        &ctx.db.conn,
        select,
        rows,
        article::Column::Id,
        &query.sort,
        &query.page,
    )
    .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let mut links = query::load_links(&ctx.db.conn, &ids, view.copy(), read.include).await?;
    Ok(page.map(|row| {
        redact(
            query::assemble(row, &mut links, read.include),
            ctx,
            principal,
        )
    }))
}
