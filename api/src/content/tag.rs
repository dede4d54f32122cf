//! Tags: the topics articles are filed under.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::types::{ArticleCopy, ChangeKind, EntityKind};
use entities::{article_tag, tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::{Columns, NameFilter, ensure_unused};
use super::history::{self, Versioned, Write};
use super::validate::{self, Errors};
use super::{Ctx, Key, Patch, now, slug};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::storage::page::{self, KeyKind, KeyValue, ListQuery, Page, SortField};
use crate::storage::{Slugged, record_change};

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
pub type TagFilter = NameFilter;

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

const COLUMNS: Columns<tag::Entity> = Columns {
    store: Slugged {
        id: tag::Column::Id,
        slug: tag::Column::Slug,
        noun: "tag",
    },
    name: tag::Column::Name,
};

/// The content of a tag, as a revision keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagSnapshot {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
}

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
    errors.optional_text("description", description.as_ref(), 2_000);
    errors.finish()?;
    Ok((name.unwrap_or_default(), description))
}

fn snapshot(row: &tag::Model) -> TagSnapshot {
    TagSnapshot {
        slug: row.slug.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
    }
}

/// Creates a tag. The slug is generated from the name when not given.
pub async fn create(ctx: &Ctx, principal: &Principal, input: TagInput) -> Result<Tag, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let (name, description) = resolve(&input, None)?;
    let tx = ctx.begin_write().await?;
    let store = &COLUMNS.store;
    let slug = slug::for_new(
        &*tx,
        store,
        input.slug.value(),
        (&name, "tag"),
        Condition::all(),
    )
    .await?;
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
    let written = tag::Entity::insert(tag::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await;
    let write = Write {
        id: row.id,
        version: 1,
        snapshot: &snapshot(&row),
        message: input.revision_message.as_deref(),
        who: principal.user_id(),
        change: ChangeKind::Create,
    };
    history::record_write::<Tag, _>(&*tx, written, || store.slug_taken(&row.slug), write).await?;
    tx.commit().await?;
    Ok(Tag {
        article_count: Some(0),
        ..from_row(row)
    })
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
    let store = &COLUMNS.store;
    let current_row = store.find(&*tx, key, true).await?;
    let current = from_row(current_row.clone());
    validate::check_version(expected_version, current.version)?;
    let (name, description) = resolve(&input, Some(&current))?;
    let slug = slug::for_edit(
        &*tx,
        store,
        input.slug.value(),
        &current.slug,
        current.id,
        Condition::all(),
    )
    .await?;
    let row = tag::Model {
        slug,
        name,
        description,
        version: current.version + 1,
        updated_at: now(),
        updated_by: principal.user_id(),
        ..current_row
    };
    let mut active = tag::ActiveModel::from(row.clone()).reset_all();
    active.id = NotSet;
    active.created_at = NotSet;
    active.created_by = NotSet;
    let written = tag::Entity::update_many()
        .set(active)
        .filter(tag::Column::Id.eq(current.id))
        .exec(&*tx)
        .await
        .map(|done| done.rows_affected);
    let write = Write {
        id: row.id,
        version: row.version,
        snapshot: &snapshot(&row),
        message: input.revision_message.as_deref(),
        who: principal.user_id(),
        change: ChangeKind::Update,
    };
    history::record_write::<Tag, _>(&*tx, written, || store.slug_taken(&row.slug), write).await?;
    let count = published_count(&*tx, row.id).await?;
    tx.commit().await?;
    Ok(Tag {
        article_count: Some(count),
        ..from_row(row)
    })
}

/// Deletes a tag no article is filed under (else 409, so no article changes
/// behind its editors' backs).
pub async fn delete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let row = COLUMNS.store.find(&*tx, key, true).await?;
    let uses = article_tag::Entity::find().filter(article_tag::Column::TagId.eq(row.id));
    ensure_unused(&*tx, uses, |n| {
        format!("the tag is used by {n} article(s); remove it from them first")
    })
    .await?;
    tag::Entity::delete_by_id(row.id).exec(&*tx).await?;
    record_change(
        &*tx,
        EntityKind::Tag,
        row.id,
        ChangeKind::Delete,
        row.version,
    )
    .await?;
    tx.commit().await
}

/// One tag by id or slug, with its published article count.
pub async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Tag, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let row = COLUMNS.store.find(&ctx.db.conn, key, false).await?;
    let count = published_count(&ctx.db.conn, row.id).await?;
    Ok(Tag {
        article_count: Some(count),
        ..from_row(row)
    })
}

/// A page of tags with their published article counts.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<TagFilter, TagSort>,
) -> Result<Page<Tag>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let select = COLUMNS.filtered(&query.filter);
    let page = page::fetch(&ctx.db.conn, select, &query.sort, &query.page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let counts = published_counts(&ctx.db.conn, &ids).await?;
    Ok(page.map(|row| Tag {
        article_count: Some(counts.get(&row.id).copied().unwrap_or(0)),
        ..from_row(row)
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
    COLUMNS
        .load(conn, ids, |row| Ok((row.id, from_row(row))))
        .await
}

async fn published_count<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<u64, AppError> {
    let counts = published_counts(conn, &[id]).await?;
    Ok(counts.get(&id).copied().unwrap_or(0))
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
        .filter(article_tag::Column::Copy.eq(ArticleCopy::Live))
        .group_by(article_tag::Column::TagId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

impl Versioned for Tag {
    const KIND: EntityKind = EntityKind::Tag;
    const EDIT: Action = Action::EditAuthorsAndTags;
    type Snapshot = TagSnapshot;
    type Input = TagInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(COLUMNS.store.find(&ctx.db.conn, key, false).await?.id)
    }

    fn restoring(old: TagSnapshot, message: String) -> TagInput {
        TagInput {
            id: None,
            slug: Patch::Value(old.slug),
            name: Patch::Value(old.name),
            description: old.description.into(),
            revision_message: Some(message),
        }
        .replacing()
    }

    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: TagInput,
        expected_version: Option<i32>,
    ) -> Result<Tag, AppError> {
        update(ctx, principal, key, input, expected_version).await
    }
}
