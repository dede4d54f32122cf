//! Tags: the topics articles are filed under.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::types::{ArticleCopy, EntityKind};
use entities::{article_tag, tag};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::catalog::TagSort;
use super::catalog::{Catalog, NameFilter, Note, Table};
use super::history::Versioned;
use super::localized::{self, Localized};
use super::redirects;
use super::validate::{self, Errors};
use super::{Ctx, Key, Patch, article, now, slug};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::storage::Slugged;
use crate::storage::page::{self, ListQuery, Page};

/// A tag as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// The name per locale, beside the default `name`.
    pub names: Localized,
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
    /// The name per locale (replaces the stored ones when given).
    pub names: Patch<Localized>,
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
            names: self.names.or_null(),
            revision_message: self.revision_message,
        }
    }
}

/// Which tags a list returns.
pub type TagFilter = NameFilter;

const TABLE: Table<tag::Entity> = Table {
    kind: EntityKind::Tag,
    store: Slugged {
        id: tag::Column::Id,
        slug: tag::Column::Slug,
        noun: "tag",
    },
    kept: &[
        tag::Column::Id,
        tag::Column::CreatedAt,
        tag::Column::CreatedBy,
    ],
    fallback: "tag",
};

/// The content of a tag, as a revision keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TagSnapshot {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub names: Localized,
}

/// The tag of a stored row (a `names` column that is not an object of
/// texts by locale is corrupt, and said to be).
pub(crate) fn from_row(row: tag::Model) -> Result<Tag, AppError> {
    let names = localized::from_column(row.names.as_deref(), ("names", row.id))?;
    Ok(Tag {
        id: row.id,
        slug: row.slug,
        name: row.name,
        description: row.description,
        names,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
        article_count: None,
    })
}

/// A tag's checked fields: name, description and names per locale.
type Fields = (String, Option<String>, Localized);

fn resolve(input: &TagInput, current: Option<&Tag>) -> Result<Fields, AppError> {
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
    let names = input.names.clone().apply(current.map(|t| t.names.clone()));
    let names = localized::check("names", names.unwrap_or_default(), (100, true), &mut errors);
    errors.finish()?;
    Ok((name.unwrap_or_default(), description, names))
}

/// Checks a tag as an archive brings it by the rules of a create.
pub(crate) fn check_imported(row: &tag::Model) -> Result<(), AppError> {
    from_row(row.clone())?;
    resolve(&Tag::restoring(snapshot(row), String::new()), None).map(|_| ())
}

/// The snapshot a revision keeps of a stored tag row.
pub(crate) fn snapshot(row: &tag::Model) -> TagSnapshot {
    TagSnapshot {
        slug: row.slug.clone(),
        name: row.name.clone(),
        description: row.description.clone(),
        names: localized::from_column(row.names.as_deref(), ("names", row.id)).unwrap_or_default(),
    }
}

/// Tags by id, in one statement (for includes and batched loading).
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Tag>, AppError> {
    TABLE
        .load(conn, ids, |row| Ok((row.id, from_row(row)?)))
        .await
}

/// The tag of `row`, with its published article count.
fn counted(row: tag::Model, count: u64) -> Result<Tag, AppError> {
    Ok(Tag {
        article_count: Some(count),
        ..from_row(row)?
    })
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

/// Merges the tag `key` names into the one `into` names (design §15): every
/// article filed under it is filed under `into` instead, each with a
/// revision; its slug and its former slugs lead to `into`; and it is
/// deleted. Returns `into`, counted. Needs the right to edit tags.
pub async fn merge(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    into: &Key,
) -> Result<Tag, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let from = TABLE.store.find(&*tx, key, true).await?;
    let target = match TABLE.store.find(&*tx, into, true).await {
        Err(AppError::NotFound { .. }) => {
            return Err(AppError::invalid("into", "names no tag"));
        }
        found => found?,
    };
    if target.id == from.id {
        return Err(AppError::invalid("into", "is the tag being merged"));
    }
    let who = principal.user_id();
    let message = format!("tag `{}` merged into `{}`", from.slug, target.slug);
    article::retag(&tx, (from.id, Some(target.id)), who, &message).await?;
    redirects::merged(&*tx, EntityKind::Tag, (from.id, &from.slug), target.id).await?;
    TABLE
        .delete_unused::<Tag, _>(&tx, (&Key::Id(from.id), who), uses, in_use)
        .await?;
    let count = published_count(&*tx, target.id).await?;
    tx.commit().await?;
    counted(target, count)
}

/// Deletes the tag `key` names after taking it off every article filed
/// under it (each gets a revision; otherwise unchanged): `DELETE
/// /tags/{id}?detach=true`.
pub async fn delete_detaching(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let row = TABLE.store.find(&*tx, key, true).await?;
    let who = principal.user_id();
    let message = format!("tag `{}` removed before its deletion", row.slug);
    article::retag(&tx, (row.id, None), who, &message).await?;
    TABLE
        .delete_unused::<Tag, _>(&tx, (&Key::Id(row.id), who), uses, in_use)
        .await?;
    tx.commit().await
}

/// The links that file articles (either copy) under tag `id`.
fn uses(id: Uuid) -> sea_orm::Select<article_tag::Entity> {
    article_tag::Entity::find().filter(article_tag::Column::TagId.eq(id))
}

/// Why a tag in use cannot go.
fn in_use(n: u64) -> String {
    format!(
        "the tag is used by {n} article(s); remove it from them first, merge it into another \
         tag (POST /api/v1/tags/{{id}}/merge) or delete it with detach=true"
    )
}

impl Versioned for Tag {
    const KIND: EntityKind = EntityKind::Tag;
    const EDIT: Action = Action::EditAuthorsAndTags;
    const LIVE_WRITES: bool = true;
    type Snapshot = TagSnapshot;
    type Input = TagInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(TABLE.store.find(ctx.db.conn(), key, false).await?.id)
    }

    fn restoring(old: TagSnapshot, message: String) -> TagInput {
        TagInput {
            id: None,
            slug: Patch::Value(old.slug),
            name: Patch::Value(old.name),
            description: old.description.into(),
            names: Patch::Value(old.names),
            revision_message: Some(message),
        }
        .replacing()
    }

    /// Updates a tag. `expected_version`, when given, must be the current version.
    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: TagInput,
        expected_version: Option<i32>,
    ) -> Result<Tag, AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let tx = ctx.begin_write().await?;
        let current_row = TABLE.store.find(&*tx, key, true).await?;
        let current = from_row(current_row.clone())?;
        validate::check_version(expected_version, current.version)?;
        let (name, description, names) = resolve(&input, Some(&current))?;
        let slug = TABLE
            .edit_slug(&*tx, input.slug.value(), &current_row)
            .await?;
        let row = tag::Model {
            slug,
            name,
            description,
            names: localized::to_column(&names),
            version: current.version + 1,
            updated_at: now(),
            updated_by: principal.user_id(),
            ..current_row
        };
        let note = Note {
            message: input.revision_message.as_deref(),
            who: principal.user_id(),
        };
        TABLE
            .overwrite::<Tag>(&tx, &row, &snapshot(&row), note)
            .await?;
        let count = published_count(&*tx, row.id).await?;
        tx.commit().await?;
        counted(row, count)
    }
}

impl Catalog for Tag {
    type Sort = TagSort;
    const BY_NAME: TagSort = TagSort::Name;

    /// Creates a tag. The slug is generated from the name when not given.
    async fn create(ctx: &Ctx, principal: &Principal, input: TagInput) -> Result<Tag, AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let (name, description, names) = resolve(&input, None)?;
        let tx = ctx.begin_write().await?;
        let slug = TABLE.new_slug(&*tx, input.slug.value(), &name).await?;
        let at = now();
        let row = tag::Model {
            id: Uuid::now_v7(),
            slug,
            name,
            description,
            names: localized::to_column(&names),
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: principal.user_id(),
            updated_by: principal.user_id(),
        };
        let note = Note {
            message: input.revision_message.as_deref(),
            who: principal.user_id(),
        };
        TABLE
            .insert::<Tag>(&tx, &row, &snapshot(&row), note)
            .await?;
        tx.commit().await?;
        counted(row, 0)
    }

    /// One tag by id or slug, with its published article count.
    async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Tag, AppError> {
        ctx.require(principal, Action::ReadLive)?;
        let row = TABLE.find_or_moved(ctx.db.conn(), key).await?;
        let count = published_count(ctx.db.conn(), row.id).await?;
        counted(row, count)
    }

    /// A page of tags with their published article counts.
    async fn list(
        ctx: &Ctx,
        principal: &Principal,
        query: &ListQuery<TagFilter, TagSort>,
    ) -> Result<Page<Tag>, AppError> {
        ctx.require(principal, Action::ReadLive)?;
        let select = TABLE.filtered(ctx, &query.filter, EntityKind::Tag)?;
        let page = page::fetch(ctx.db.conn(), select, None, &query.sort, &query.page).await?;
        let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
        let counts = published_counts(ctx.db.conn(), &ids).await?;
        page.try_map(|row| {
            let count = counts.get(&row.id).copied().unwrap_or(0);
            counted(row, count)
        })
    }

    /// Deletes a tag no article is filed under (else 409, so no article changes
    /// behind its editors' backs).
    async fn delete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let tx = ctx.begin_write().await?;
        TABLE
            .delete_unused::<Tag, _>(&tx, (key, principal.user_id()), uses, in_use)
            .await?;
        tx.commit().await
    }
}
