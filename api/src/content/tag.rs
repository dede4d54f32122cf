//! Tags: the topics articles are filed under.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{article_tag, tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::article::LIVE;
use super::changes;
use super::page::{self, KeyKind, KeyValue, ListQuery, Page, Pagination, Sort, SortField};
use super::revision::{self, Diff, Revision, RevisionSort};
use super::store::{Slugged, contains_ci};
use super::validate::{self, Errors};
use super::{Ctx, Key, Patch, now, slug};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;

/// A tag as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// Published articles filed under the tag, when it was counted.
    pub article_count: Option<u64>,
}

/// Fields a client may write. On create, `name` is required.
#[derive(Debug, Clone, Default)]
pub struct TagInput {
    /// The id a client sent back with a whole record; must name the record written.
    pub id: Option<Uuid>,
    pub slug: Patch<String>,
    pub name: Patch<String>,
    pub description: Patch<String>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

impl TagInput {
    /// For a full replacement: fields not sent are cleared, except the slug.
    pub fn replacing(self) -> Self {
        Self {
            id: self.id,
            slug: self.slug,
            name: self.name.or_null(),
            description: self.description.or_null(),
            revision_message: self.revision_message,
        }
    }
}

/// Which tags a list returns.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    /// Only these ids (`None`: any; an empty list matches nothing).
    pub ids: Option<Vec<Uuid>>,
    /// Only this slug.
    pub slug: Option<String>,
    /// Name contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
}

/// Fields tags can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagSort {
    Id,
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

impl SortField for TagSort {
    type Entity = tag::Entity;
    const ALL: &'static [Self] = &[
        Self::Id,
        Self::Name,
        Self::Slug,
        Self::CreatedAt,
        Self::UpdatedAt,
    ];
    const ID: Self = Self::Id;

    fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Name => "name",
            Self::Slug => "slug",
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
        }
    }

    fn column(self) -> tag::Column {
        match self {
            Self::Id => tag::Column::Id,
            Self::Name => tag::Column::Name,
            Self::Slug => tag::Column::Slug,
            Self::CreatedAt => tag::Column::CreatedAt,
            Self::UpdatedAt => tag::Column::UpdatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            Self::Id => KeyKind::Id,
            Self::Name | Self::Slug => KeyKind::Text,
            Self::CreatedAt | Self::UpdatedAt => KeyKind::Time,
        }
    }

    fn value_of(self, row: &tag::Model) -> KeyValue {
        match self {
            Self::Id => KeyValue::Text(row.id.to_string()),
            Self::Name => KeyValue::Text(row.name.clone()),
            Self::Slug => KeyValue::Text(row.slug.clone()),
            Self::CreatedAt => page::time_key(Some(row.created_at)),
            Self::UpdatedAt => page::time_key(Some(row.updated_at)),
        }
    }
}

/// The default order of tag lists.
pub fn default_sort() -> page::Sort<TagSort> {
    page::Sort::from_keys(vec![(TagSort::Name, page::Direction::Asc)])
}

const STORE: Slugged<tag::Entity> = Slugged {
    id: tag::Column::Id,
    slug: tag::Column::Slug,
    noun: "tag",
};

pub(crate) fn from_row(row: tag::Model) -> Tag {
    Tag {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
        article_count: None,
    }
}

fn resolve(input: &TagInput, current: Option<&Tag>) -> Result<(String, Option<String>), AppError> {
    validate::check_sent_id(input.id, current.map(|t| t.id))?;
    let mut errors = Errors::default();
    let name = input.name.clone().apply(current.map(|t| t.name.clone()));
    match &name {
        None => errors.push("name", "is required"),
        Some(name) => errors.text("name", name, 100, true),
    }
    if let Patch::Value(slug) = &input.slug {
        errors.check("slug", slug::check(slug));
    }
    let description = input
        .description
        .clone()
        .apply(current.and_then(|t| t.description.clone()));
    if let Some(description) = &description {
        errors.text("description", description, 2_000, false);
    }
    errors.finish()?;
    Ok((name.unwrap_or_default(), description))
}

/// The content of a tag, as a revision stores it.
pub(crate) fn snapshot(row: &tag::Model) -> serde_json::Value {
    serde_json::json!({"slug": row.slug, "name": row.name, "description": row.description})
}

/// Creates a tag. The slug is generated from the name when not given.
pub async fn create(ctx: &Ctx, principal: &Principal, input: TagInput) -> Result<Tag, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let (name, description) = resolve(&input, None)?;
    let tx = ctx.begin_write().await?;
    let slug = match input.slug.value() {
        Some(slug) => {
            STORE
                .ensure_free(&*tx, slug, Condition::all(), None)
                .await?;
            slug.clone()
        }
        None => {
            let base = slug::slugify(&name, "tag");
            STORE.free_slug(&*tx, &base, Condition::all()).await?
        }
    };
    let at = now();
    let row = tag::Model {
        id: Uuid::now_v7(),
        slug,
        name,
        description,
        version: 1,
        created_at: at,
        updated_at: at,
        created_by: principal.user_id(),
        updated_by: principal.user_id(),
    };
    tag::Entity::insert(tag::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    let message = input.revision_message.as_deref();
    revision::record(
        &*tx,
        revision::Entity::Tag,
        row.id,
        1,
        &snapshot(&row),
        message,
        principal.user_id(),
    )
    .await?;
    changes::record(&*tx, revision::Entity::Tag, row.id, "create", 1).await?;
    tx.commit().await?;
    let mut tag = from_row(row);
    tag.article_count = Some(0);
    Ok(tag)
}

/// Updates a tag. `expected_version`, when given, must be the current version.
pub async fn update(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    input: TagInput,
    expected_version: Option<i32>,
) -> Result<Tag, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let current = from_row(STORE.find(&*tx, key, true).await?);
    if let Some(expected) = expected_version
        && expected != current.version
    {
        return Err(AppError::VersionConflict {
            current: current.version,
        });
    }
    let (name, description) = resolve(&input, Some(&current))?;
    let slug = match input.slug.value() {
        Some(slug) if *slug != current.slug => {
            STORE
                .ensure_free(&*tx, slug, Condition::all(), Some(current.id))
                .await?;
            slug.clone()
        }
        _ => current.slug.clone(),
    };
    let row = tag::Model {
        id: current.id,
        slug,
        name,
        description,
        version: current.version + 1,
        created_at: current.created_at,
        updated_at: now(),
        created_by: current.created_by,
        updated_by: principal.user_id(),
    };
    let mut active = tag::ActiveModel::from(row.clone()).reset_all();
    active.id = NotSet;
    active.created_at = NotSet;
    active.created_by = NotSet;
    tag::Entity::update_many()
        .set(active)
        .filter(tag::Column::Id.eq(current.id))
        .exec(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    let message = input.revision_message.as_deref();
    revision::record(
        &*tx,
        revision::Entity::Tag,
        row.id,
        row.version,
        &snapshot(&row),
        message,
        principal.user_id(),
    )
    .await?;
    changes::record(&*tx, revision::Entity::Tag, row.id, "update", row.version).await?;
    let counts = published_counts(&*tx, &[row.id]).await?;
    tx.commit().await?;
    let mut tag = from_row(row);
    tag.article_count = Some(counts.get(&tag.id).copied().unwrap_or(0));
    Ok(tag)
}

/// Deletes a tag no article is filed under (else 409, so no article changes
/// behind its editors' backs).
pub async fn delete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let row = STORE.find(&*tx, key, true).await?;
    let uses = article_tag::Entity::find()
        .filter(article_tag::Column::TagId.eq(row.id))
        .count(&*tx)
        .await?;
    if uses > 0 {
        return Err(AppError::Conflict {
            detail: format!("the tag is used by {uses} article(s); remove it from them first"),
            errors: Vec::new(),
        });
    }
    tag::Entity::delete_by_id(row.id).exec(&*tx).await?;
    changes::record(&*tx, revision::Entity::Tag, row.id, "delete", row.version).await?;
    tx.commit().await?;
    Ok(())
}

/// One tag by id or slug, with its published article count.
pub async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Tag, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let mut tag = from_row(STORE.find(&ctx.db.conn, key, false).await?);
    let counts = published_counts(&ctx.db.conn, &[tag.id]).await?;
    tag.article_count = Some(counts.get(&tag.id).copied().unwrap_or(0));
    Ok(tag)
}

/// A page of tags with their published article counts.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<TagFilter, TagSort>,
) -> Result<Page<Tag>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let mut select = tag::Entity::find();
    let filter = &query.filter;
    if let Some(ids) = &filter.ids {
        select = select.filter(tag::Column::Id.is_in(ids.clone()));
    }
    if let Some(slug) = &filter.slug {
        select = select.filter(tag::Column::Slug.eq(slug.as_str()));
    }
    if let Some(q) = &filter.q {
        select = select.filter(contains_ci(tag::Column::Name, q));
    }
    let page = page::fetch(&ctx.db.conn, select, &query.sort, &query.page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let counts = published_counts(&ctx.db.conn, &ids).await?;
    Ok(page.map(|row| {
        let mut tag = from_row(row);
        tag.article_count = Some(counts.get(&tag.id).copied().unwrap_or(0));
        tag
    }))
}

/// Tags by id for a caller who may read them, in one statement: for batched loading.
pub async fn load_visible(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Tag>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    load_many(&ctx.db.conn, ids).await
}

/// Tags by id, in one statement (for includes and batched loading).
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Tag>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(tag::Entity::find()
        .filter(tag::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, from_row(row)))
        .collect())
}

/// Published articles per tag, in one grouped statement: links of live copies.
async fn published_counts<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, u64>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, i64)> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::TagId)
        .column_as(Expr::col(article_tag::Column::ArticleId).count(), "n")
        .filter(article_tag::Column::TagId.is_in(ids.to_vec()))
        .filter(article_tag::Column::Copy.eq(LIVE))
        .group_by(article_tag::Column::TagId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

/// The revisions of a tag (signed-in users).
pub async fn revisions(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    sort: &Sort<RevisionSort>,
    pagination: &Pagination,
) -> Result<Page<Revision>, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    revision::list(
        &ctx.db.conn,
        revision::Entity::Tag,
        row.id,
        sort,
        pagination,
    )
    .await
}

/// One revision of a tag (signed-in users).
pub async fn revision(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
) -> Result<Revision, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    revision::get(&ctx.db.conn, revision::Entity::Tag, row.id, version).await
}

/// What changed between two revisions of a tag (signed-in users).
pub async fn diff(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    from: i32,
    to: i32,
) -> Result<Diff, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    revision::diff(&ctx.db.conn, revision::Entity::Tag, row.id, from, to).await
}

/// Restores a tag's content to an earlier revision, as a new revision.
pub async fn restore(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
    expected_version: Option<i32>,
) -> Result<Tag, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    let old = revision::get(&ctx.db.conn, revision::Entity::Tag, row.id, version).await?;
    let field = |name: &str| revision::text_field(&old.snapshot, name);
    let input = TagInput {
        id: None,
        slug: field("slug"),
        name: field("name"),
        description: field("description"),
        revision_message: Some(format!("restored from version {version}")),
    };
    update(ctx, principal, &Key::Id(row.id), input, expected_version).await
}
