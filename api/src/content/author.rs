//! Authors: the people credited on articles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{article_author, author};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter,
};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::changes;
use super::page::{self, KeyKind, KeyValue, ListQuery, Page, Pagination, Sort, SortField};
use super::revision::{self, Diff, Revision, RevisionSort};
use super::store::{Slugged, contains_ci};
use super::validate::{self, Errors, check_email};
use super::{Ctx, Key, Patch, now, slug};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;

/// An author as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    /// Private contact address.
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub website: Option<String>,
    /// Profile links by network name, in the order they were given.
    pub social: Option<Map<String, Value>>,
    /// The user who writes as this author (private).
    pub user_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

/// Fields a client may write. On create, `name` is required.
#[derive(Debug, Clone, Default)]
pub struct AuthorInput {
    /// The id a client sent back with a whole record; must name the record written.
    pub id: Option<Uuid>,
    pub slug: Patch<String>,
    pub name: Patch<String>,
    pub bio: Patch<String>,
    pub email: Patch<String>,
    pub avatar_url: Patch<String>,
    pub website: Patch<String>,
    pub social: Patch<Map<String, Value>>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

impl AuthorInput {
    /// For a full replacement: fields not sent are cleared, except the slug,
    /// which keeps its value so links do not break.
    pub fn replacing(self) -> Self {
        Self {
            id: self.id,
            slug: self.slug,
            name: self.name.or_null(),
            bio: self.bio.or_null(),
            email: self.email.or_null(),
            avatar_url: self.avatar_url.or_null(),
            website: self.website.or_null(),
            social: self.social.or_null(),
            revision_message: self.revision_message,
        }
    }
}

/// Which authors a list returns.
#[derive(Debug, Clone, Default)]
pub struct AuthorFilter {
    /// Only these ids (`None`: any; an empty list matches nothing).
    pub ids: Option<Vec<Uuid>>,
    /// Only this slug.
    pub slug: Option<String>,
    /// Name contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
}

/// Fields authors can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorSort {
    Id,
    Name,
    Slug,
    CreatedAt,
    UpdatedAt,
}

impl SortField for AuthorSort {
    type Entity = author::Entity;
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

    fn column(self) -> author::Column {
        match self {
            Self::Id => author::Column::Id,
            Self::Name => author::Column::Name,
            Self::Slug => author::Column::Slug,
            Self::CreatedAt => author::Column::CreatedAt,
            Self::UpdatedAt => author::Column::UpdatedAt,
        }
    }

    fn kind(self) -> KeyKind {
        match self {
            Self::Id => KeyKind::Id,
            Self::Name | Self::Slug => KeyKind::Text,
            Self::CreatedAt | Self::UpdatedAt => KeyKind::Time,
        }
    }

    fn value_of(self, row: &author::Model) -> KeyValue {
        match self {
            Self::Id => KeyValue::Text(row.id.to_string()),
            Self::Name => KeyValue::Text(row.name.clone()),
            Self::Slug => KeyValue::Text(row.slug.clone()),
            Self::CreatedAt => page::time_key(Some(row.created_at)),
            Self::UpdatedAt => page::time_key(Some(row.updated_at)),
        }
    }
}

/// The default order of author lists.
pub fn default_sort() -> page::Sort<AuthorSort> {
    page::Sort::from_keys(vec![(AuthorSort::Name, page::Direction::Asc)])
}

const STORE: Slugged<author::Entity> = Slugged {
    id: author::Column::Id,
    slug: author::Column::Slug,
    noun: "author",
};

pub(crate) fn from_row(row: author::Model) -> Author {
    let social = row
        .social
        .as_deref()
        .and_then(|text| serde_json::from_str::<Map<String, Value>>(text).ok());
    Author {
        id: row.id,
        slug: row.slug,
        name: row.name,
        bio: row.bio,
        email: row.email,
        avatar_url: row.avatar_url,
        website: row.website,
        social,
        user_id: row.user_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
    }
}

/// The stored fields after applying `input` to `current` (nothing for a create).
struct Resolved {
    name: String,
    bio: Option<String>,
    email: Option<String>,
    avatar_url: Option<String>,
    website: Option<String>,
    social: Option<Map<String, Value>>,
}

fn resolve(input: &AuthorInput, current: Option<&Author>) -> Result<Resolved, AppError> {
    validate::check_sent_id(input.id, current.map(|a| a.id))?;
    let mut errors = Errors::default();
    let name = input.name.clone().apply(current.map(|a| a.name.clone()));
    match &name {
        None => errors.push("name", "is required"),
        Some(name) => errors.text("name", name, 200, true),
    }
    if let Patch::Value(slug) = &input.slug {
        errors.check("slug", slug::check(slug));
    }
    let bio = input.bio.clone().apply(current.and_then(|a| a.bio.clone()));
    if let Some(bio) = &bio {
        errors.text("bio", bio, 10_000, false);
    }
    let email = input
        .email
        .clone()
        .apply(current.and_then(|a| a.email.clone()));
    if let Some(email) = &email {
        errors.check("email", check_email(email));
    }
    let avatar_url = input
        .avatar_url
        .clone()
        .apply(current.and_then(|a| a.avatar_url.clone()));
    if let Some(url) = &avatar_url {
        errors.url("avatar_url", url);
    }
    let website = input
        .website
        .clone()
        .apply(current.and_then(|a| a.website.clone()));
    if let Some(url) = &website {
        errors.url("website", url);
    }
    let social = input
        .social
        .clone()
        .apply(current.and_then(|a| a.social.clone()));
    if let Some(social) = &social {
        check_social(social, &mut errors);
    }
    errors.finish()?;
    Ok(Resolved {
        name: name.unwrap_or_default(),
        bio,
        email,
        avatar_url,
        website,
        social,
    })
}

fn check_social(social: &Map<String, Value>, errors: &mut Errors) {
    if social.len() > 20 {
        errors.push("social", "must have at most 20 entries");
    }
    for (network, link) in social {
        let field = format!("social.{network}");
        if network.is_empty() || network.chars().count() > 50 {
            errors.push(field, "network names must be 1 to 50 characters");
        } else {
            match link {
                Value::String(text) if text.chars().count() <= 500 => {}
                Value::String(_) => errors.push(field, "must be at most 500 characters"),
                _ => errors.push(field, "must be a string (a URL or a handle)"),
            }
        }
    }
}

fn social_text(social: &Option<Map<String, Value>>) -> Option<String> {
    social
        .as_ref()
        .map(|map| Value::Object(map.clone()).to_string())
}

/// The content of an author, as a revision stores it.
pub(crate) fn snapshot(row: &author::Model) -> Value {
    let social = row
        .social
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .unwrap_or(Value::Null);
    serde_json::json!({
        "slug": row.slug,
        "name": row.name,
        "bio": row.bio,
        "email": row.email,
        "avatar_url": row.avatar_url,
        "website": row.website,
        "social": social,
    })
}

/// Creates an author. The slug is generated from the name when not given.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    input: AuthorInput,
) -> Result<Author, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let fields = resolve(&input, None)?;
    let tx = ctx.begin_write().await?;
    let slug = match input.slug.value() {
        Some(slug) => {
            STORE
                .ensure_free(&*tx, slug, Condition::all(), None)
                .await?;
            slug.clone()
        }
        None => {
            let base = slug::slugify(&fields.name, "author");
            STORE.free_slug(&*tx, &base, Condition::all()).await?
        }
    };
    let at = now();
    let row = author::Model {
        id: Uuid::now_v7(),
        slug,
        name: fields.name,
        bio: fields.bio,
        email: fields.email,
        avatar_url: fields.avatar_url,
        website: fields.website,
        social: social_text(&fields.social),
        user_id: None,
        version: 1,
        created_at: at,
        updated_at: at,
        created_by: principal.user_id(),
        updated_by: principal.user_id(),
    };
    author::Entity::insert(author::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    let message = input.revision_message.as_deref();
    revision::record(
        &*tx,
        revision::Entity::Author,
        row.id,
        1,
        &snapshot(&row),
        message,
        principal.user_id(),
    )
    .await?;
    changes::record(&*tx, revision::Entity::Author, row.id, "create", 1).await?;
    tx.commit().await?;
    Ok(from_row(row))
}

/// Updates an author. `expected_version`, when given, must be the current version.
pub async fn update(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    input: AuthorInput,
    expected_version: Option<i32>,
) -> Result<Author, AppError> {
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
    let fields = resolve(&input, Some(&current))?;
    let slug = match input.slug.value() {
        Some(slug) if *slug != current.slug => {
            STORE
                .ensure_free(&*tx, slug, Condition::all(), Some(current.id))
                .await?;
            slug.clone()
        }
        _ => current.slug.clone(),
    };
    let row = author::Model {
        id: current.id,
        slug,
        name: fields.name,
        bio: fields.bio,
        email: fields.email,
        avatar_url: fields.avatar_url,
        website: fields.website,
        social: social_text(&fields.social),
        user_id: current.user_id,
        version: current.version + 1,
        created_at: current.created_at,
        updated_at: now(),
        created_by: current.created_by,
        updated_by: principal.user_id(),
    };
    let mut active = author::ActiveModel::from(row.clone()).reset_all();
    active.id = NotSet;
    active.created_at = NotSet;
    active.created_by = NotSet;
    active.user_id = NotSet;
    author::Entity::update_many()
        .set(active)
        .filter(author::Column::Id.eq(current.id))
        .exec(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => STORE.slug_taken(&row.slug),
            other => other,
        })?;
    let message = input.revision_message.as_deref();
    revision::record(
        &*tx,
        revision::Entity::Author,
        row.id,
        row.version,
        &snapshot(&row),
        message,
        principal.user_id(),
    )
    .await?;
    changes::record(
        &*tx,
        revision::Entity::Author,
        row.id,
        "update",
        row.version,
    )
    .await?;
    tx.commit().await?;
    Ok(from_row(row))
}

/// Deletes an author who is credited on no article (else 409).
pub async fn delete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let tx = ctx.begin_write().await?;
    let row = STORE.find(&*tx, key, true).await?;
    let credits = article_author::Entity::find()
        .filter(article_author::Column::AuthorId.eq(row.id))
        .count(&*tx)
        .await?;
    if credits > 0 {
        return Err(AppError::Conflict {
            detail: format!(
                "the author is credited on {credits} article(s); remove those credits first"
            ),
            errors: Vec::new(),
        });
    }
    author::Entity::delete_by_id(row.id).exec(&*tx).await?;
    changes::record(
        &*tx,
        revision::Entity::Author,
        row.id,
        "delete",
        row.version,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Hides the private fields from callers who may not read them.
pub(crate) fn redact(mut author: Author, ctx: &Ctx, principal: &Principal) -> Author {
    if !ctx.allows(principal, Action::ReadPrivate) {
        author.email = None;
        author.user_id = None;
    }
    author
}

/// One author by id or slug.
pub async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Author, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    Ok(redact(from_row(row), ctx, principal))
}

/// A page of authors.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<AuthorFilter, AuthorSort>,
) -> Result<Page<Author>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let mut select = author::Entity::find();
    let filter = &query.filter;
    if let Some(ids) = &filter.ids {
        select = select.filter(author::Column::Id.is_in(ids.clone()));
    }
    if let Some(slug) = &filter.slug {
        select = select.filter(author::Column::Slug.eq(slug.as_str()));
    }
    if let Some(q) = &filter.q {
        select = select.filter(contains_ci(author::Column::Name, q));
    }
    let page = page::fetch(&ctx.db.conn, select, &query.sort, &query.page).await?;
    Ok(page.map(|row| redact(from_row(row), ctx, principal)))
}

/// Authors by id as `principal` may see them (private fields hidden), in one
/// statement: for batched loading.
pub async fn load_visible(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Author>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let found = load_many(&ctx.db.conn, ids).await?;
    Ok(found
        .into_iter()
        .map(|(id, author)| (id, redact(author, ctx, principal)))
        .collect())
}

/// Authors by id, in one statement (for includes and batched loading).
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Author>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(author::Entity::find()
        .filter(author::Column::Id.is_in(ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, from_row(row)))
        .collect())
}

/// The revisions of an author (signed-in users).
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
        revision::Entity::Author,
        row.id,
        sort,
        pagination,
    )
    .await
}

/// One revision of an author (signed-in users).
pub async fn revision(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
) -> Result<Revision, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    revision::get(&ctx.db.conn, revision::Entity::Author, row.id, version).await
}

/// What changed between two revisions of an author (signed-in users).
pub async fn diff(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    from: i32,
    to: i32,
) -> Result<Diff, AppError> {
    ctx.require(principal, Action::ReadHistory)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    revision::diff(&ctx.db.conn, revision::Entity::Author, row.id, from, to).await
}

/// Restores an author's content to an earlier revision, as a new revision.
pub async fn restore(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    version: i32,
    expected_version: Option<i32>,
) -> Result<Author, AppError> {
    ctx.require(principal, Action::EditAuthorsAndTags)?;
    let row = STORE.find(&ctx.db.conn, key, false).await?;
    let old = revision::get(&ctx.db.conn, revision::Entity::Author, row.id, version).await?;
    let field = |name: &str| revision::text_field(&old.snapshot, name);
    let input = AuthorInput {
        id: None,
        slug: field("slug"),
        name: field("name"),
        bio: field("bio"),
        email: field("email"),
        avatar_url: field("avatar_url"),
        website: field("website"),
        social: match old.snapshot.get("social") {
            Some(Value::Object(map)) => Patch::Value(map.clone()),
            _ => Patch::Null,
        },
        revision_message: Some(format!("restored from version {version}")),
    };
    update(ctx, principal, &Key::Id(row.id), input, expected_version).await
}
