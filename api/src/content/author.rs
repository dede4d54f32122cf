//! Authors: the people credited on articles.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::types::EntityKind;
use entities::{article_author, author};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::asset::{self, Image, ImageInput, uses};
pub use super::catalog::AuthorSort;
use super::catalog::{Catalog, NameFilter, Note, Table};
use super::history::Versioned;
use super::localized::{self, Localized};
use super::validate::{self, Errors, check_email};
use super::{Ctx, Key, Patch, WriteTx, now, slug};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::error::AppError;
use crate::storage::Slugged;
use crate::storage::page::{self, ListQuery, Page};

/// An author as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    /// The name per locale, beside the default `name`.
    pub names: Localized,
    /// The bio per locale, beside the default `bio`.
    pub bios: Localized,
    /// Private contact address.
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// The avatar: a picture of the library or an image elsewhere (its URL
    /// is `avatar_url`).
    pub avatar: Option<Image>,
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
    /// The name per locale (replaces the stored ones when given).
    pub names: Patch<Localized>,
    /// The bio per locale (replaces the stored ones when given).
    pub bios: Patch<Localized>,
    pub email: Patch<String>,
    pub avatar_url: Patch<String>,
    /// The avatar as a picture of the library (or a URL); given, it wins
    /// over `avatar_url`.
    pub avatar: Patch<ImageInput>,
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
            names: self.names.or_null(),
            bios: self.bios.or_null(),
            email: self.email.or_null(),
            avatar_url: self.avatar_url.or_null(),
            avatar: self.avatar.map(ImageInput::replacing).or_null(),
            website: self.website.or_null(),
            social: self.social.or_null(),
            revision_message: self.revision_message,
        }
    }
}

/// Which authors a list returns.
pub type AuthorFilter = NameFilter;

const TABLE: Table<author::Entity> = Table {
    kind: EntityKind::Author,
    store: Slugged {
        id: author::Column::Id,
        slug: author::Column::Slug,
        noun: "author",
    },
    kept: &[
        author::Column::Id,
        author::Column::CreatedAt,
        author::Column::CreatedBy,
        author::Column::UserId,
    ],
    fallback: "author",
};

/// The content of an author, as a revision keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorSnapshot {
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub names: Localized,
    #[serde(default, skip_serializing_if = "Localized::is_empty")]
    pub bios: Localized,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<Image>,
    pub website: Option<String>,
    pub social: Option<Map<String, Value>>,
}

/// The author of a stored row; a `social` column that is not a JSON object
/// is corrupt, and said to be.
pub(crate) fn from_row(row: author::Model) -> Result<Author, AppError> {
    let social = match row.social.as_deref() {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Map<String, Value>>(text).map_err(|err| {
                AppError::Internal(anyhow::anyhow!(
                    "author {} has a social column that is not a JSON object: {err}",
                    row.id
                ))
            })?,
        ),
    };
    Ok(Author {
        names: localized::from_column(row.names.as_deref(), ("names", row.id))?,
        bios: localized::from_column(row.bios.as_deref(), ("bios", row.id))?,
        id: row.id,
        slug: row.slug,
        name: row.name,
        bio: row.bio,
        email: row.email,
        avatar: row.avatar_url.as_ref().map(|url| Image {
            url: url.clone(),
            alt: row.avatar_alt.clone(),
            asset_id: row.avatar_asset_id,
            width: row.avatar_width.and_then(|n| u32::try_from(n).ok()),
            height: row.avatar_height.and_then(|n| u32::try_from(n).ok()),
        }),
        avatar_url: row.avatar_url,
        website: row.website,
        social,
        user_id: row.user_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
    })
}

/// The stored fields after applying `input` to `current` (nothing for a create).
struct Resolved {
    name: String,
    bio: Option<String>,
    names: Localized,
    bios: Localized,
    email: Option<String>,
    avatar: Option<Image>,
    website: Option<String>,
    social: Option<Map<String, Value>>,
}

fn resolve(input: &AuthorInput, current: Option<&Author>) -> Result<Resolved, AppError> {
    validate::check_sent_id(input.id, current.map(|a| a.id))?;
    let mut errors = Errors::default();
    let keep = |field: &Patch<String>, old: fn(&Author) -> &Option<String>| {
        field.clone().apply(current.and_then(|a| old(a).clone()))
    };
    let name = input.name.clone().apply(current.map(|a| a.name.clone()));
    match &name {
        None => errors.push("name", "is required"),
        Some(name) => errors.text("name", name, 200, true),
    }
    if let Patch::Value(slug) = &input.slug {
        errors.check("slug", slug::check(slug));
    }
    let bio = keep(&input.bio, |a| &a.bio);
    errors.optional_text("bio", bio.as_ref(), 10_000);
    let names = input.names.clone().apply(current.map(|a| a.names.clone()));
    let names = localized::check("names", names.unwrap_or_default(), (200, true), &mut errors);
    let bios = input.bios.clone().apply(current.map(|a| a.bios.clone()));
    let bios = localized::check(
        "bios",
        bios.unwrap_or_default(),
        (10_000, false),
        &mut errors,
    );
    let email = keep(&input.email, |a| &a.email);
    if let Some(email) = &email {
        errors.check("email", check_email(email));
    }
    let avatar = resolve_avatar(input, current, &mut errors);
    let website = keep(&input.website, |a| &a.website);
    errors.optional_url("website", website.as_ref());
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
        names,
        bios,
        email,
        avatar,
        website,
        social,
    })
}

/// `avatar` when given, else `avatar_url` (an image elsewhere), else as it was.
/// Checks an author as an archive brings it by the rules of a create: the
/// same problems, named by field.
pub(crate) fn check_imported(row: author::Model) -> Result<(), AppError> {
    let snapshot = snapshot_of(row)?;
    resolve(&Author::restoring(snapshot, String::new()), None).map(|_| ())
}

/// The snapshot a revision keeps of a stored author row.
pub(crate) fn snapshot_of(row: author::Model) -> Result<AuthorSnapshot, AppError> {
    let author = from_row(row)?;
    Ok(AuthorSnapshot {
        slug: author.slug,
        name: author.name,
        bio: author.bio,
        names: author.names,
        bios: author.bios,
        email: author.email,
        avatar_url: author.avatar_url,
        avatar: author.avatar,
        website: author.website,
        social: author.social,
    })
}

fn resolve_avatar(
    input: &AuthorInput,
    current: Option<&Author>,
    errors: &mut Errors,
) -> Option<Image> {
    let existing = current.and_then(|a| a.avatar.as_ref());
    match (&input.avatar, &input.avatar_url) {
        (Patch::Value(_), _) => asset::resolve_image("avatar", &input.avatar, existing, errors),
        (_, Patch::Value(url)) => {
            errors.url("avatar_url", url);
            Some(Image {
                url: url.clone(),
                alt: existing
                    .filter(|i| i.asset_id.is_none())
                    .and_then(|i| i.alt.clone()),
                asset_id: None,
                width: None,
                height: None,
            })
        }
        (Patch::Null, _) | (_, Patch::Null) => None,
        (Patch::Missing, Patch::Missing) => existing.cloned(),
    }
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

impl Resolved {
    /// The row these fields make, around the identity and history of `base`.
    fn into_row(self, base: author::Model) -> (author::Model, AuthorSnapshot) {
        let snapshot = AuthorSnapshot {
            slug: base.slug.clone(),
            name: self.name,
            bio: self.bio,
            names: self.names,
            bios: self.bios,
            email: self.email,
            avatar_url: self.avatar.as_ref().map(|i| i.url.clone()),
            avatar: self.avatar,
            website: self.website,
            social: self.social,
        };
        let row = author::Model {
            name: snapshot.name.clone(),
            bio: snapshot.bio.clone(),
            names: localized::to_column(&snapshot.names),
            bios: localized::to_column(&snapshot.bios),
            email: snapshot.email.clone(),
            avatar_url: snapshot.avatar_url.clone(),
            avatar_asset_id: snapshot.avatar.as_ref().and_then(|i| i.asset_id),
            avatar_alt: snapshot.avatar.as_ref().and_then(|i| i.alt.clone()),
            avatar_width: side(snapshot.avatar.as_ref().and_then(|i| i.width)),
            avatar_height: side(snapshot.avatar.as_ref().and_then(|i| i.height)),
            website: snapshot.website.clone(),
            social: snapshot
                .social
                .as_ref()
                .map(|map| Value::Object(map.clone()).to_string()),
            ..base
        };
        (row, snapshot)
    }
}

/// Fills in an avatar from the library.
async fn fill_avatar<C: ConnectionTrait>(conn: &C, fields: &mut Resolved) -> Result<(), AppError> {
    match fields.avatar.as_mut() {
        Some(avatar) => uses::fill_image(conn, "avatar", avatar).await,
        None => Ok(()),
    }
}

/// Records which asset an author's avatar is (authors are public: a
/// `live` use, which the change feed hears of).
async fn record_avatar(
    tx: &WriteTx,
    row: &author::Model,
    who: Option<Uuid>,
) -> Result<(), AppError> {
    let assets: Vec<Uuid> = row.avatar_asset_id.into_iter().collect();
    uses::set_live(tx, (EntityKind::Author, row.id), &assets, who).await
}

/// Takes asset `asset_id` out of the avatars that show it, each change a
/// new version with its revision.
pub(crate) async fn drop_avatar(
    tx: &WriteTx,
    asset_id: Uuid,
    who: Option<Uuid>,
) -> Result<(), AppError> {
    let rows = author::Entity::find()
        .filter(author::Column::AvatarAssetId.eq(asset_id))
        .lock_exclusive()
        .all(&**tx)
        .await?;
    for current in rows {
        let mut fields = resolve(&AuthorInput::default(), Some(&from_row(current.clone())?))?;
        fields.avatar = None;
        let (row, snapshot) = fields.into_row(author::Model {
            version: current.version + 1,
            updated_at: now(),
            updated_by: who,
            ..current
        });
        let note = Note {
            message: Some("avatar removed: its asset was deleted"),
            who,
        };
        TABLE.overwrite::<Author>(tx, &row, &snapshot, note).await?;
        record_avatar(tx, &row, who).await?;
    }
    Ok(())
}

fn side(n: Option<u32>) -> Option<i32> {
    n.and_then(|n| i32::try_from(n).ok())
}

/// Hides the private fields from callers who may not read them.
pub(crate) fn redact(mut author: Author, ctx: &Ctx, principal: &Principal) -> Author {
    if !ctx.allows(principal, Action::ReadPrivate) {
        author.email = None;
        author.user_id = None;
    }
    author
}

/// Authors by id, in one statement (for includes).
pub async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Author>, AppError> {
    TABLE
        .load(conn, ids, |row| Ok((row.id, from_row(row)?)))
        .await
}

impl Versioned for Author {
    const KIND: EntityKind = EntityKind::Author;
    const EDIT: Action = Action::EditAuthorsAndTags;
    const LIVE_WRITES: bool = true;
    type Snapshot = AuthorSnapshot;
    type Input = AuthorInput;

    async fn locate(ctx: &Ctx, key: &Key) -> Result<Uuid, AppError> {
        Ok(TABLE.store.find(ctx.db.conn(), key, false).await?.id)
    }

    fn restoring(old: AuthorSnapshot, message: String) -> AuthorInput {
        AuthorInput {
            id: None,
            slug: Patch::Value(old.slug),
            name: Patch::Value(old.name),
            bio: old.bio.into(),
            names: Patch::Value(old.names),
            bios: Patch::Value(old.bios),
            email: old.email.into(),
            avatar_url: old.avatar_url.into(),
            avatar: Patch::from(old.avatar).map(ImageInput::restoring),
            website: old.website.into(),
            social: old.social.into(),
            revision_message: Some(message),
        }
        .replacing()
    }

    /// Updates an author. `expected_version`, when given, must be the current version.
    async fn update(
        ctx: &Ctx,
        principal: &Principal,
        key: &Key,
        input: AuthorInput,
        expected_version: Option<i32>,
    ) -> Result<Author, AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let tx = ctx.begin_write().await?;
        let current_row = TABLE.store.find(&*tx, key, true).await?;
        let current = from_row(current_row.clone())?;
        validate::check_version(expected_version, current.version)?;
        let mut fields = resolve(&input, Some(&current))?;
        fill_avatar(&*tx, &mut fields).await?;
        let slug = TABLE
            .edit_slug(&*tx, input.slug.value(), &current_row)
            .await?;
        let (row, snapshot) = fields.into_row(author::Model {
            slug,
            version: current.version + 1,
            updated_at: now(),
            updated_by: principal.user_id(),
            ..current_row
        });
        let note = Note {
            message: input.revision_message.as_deref(),
            who: principal.user_id(),
        };
        TABLE
            .overwrite::<Author>(&tx, &row, &snapshot, note)
            .await?;
        if row.avatar_asset_id != current_row.avatar_asset_id {
            record_avatar(&tx, &row, principal.user_id()).await?;
        }
        tx.commit().await?;
        from_row(row)
    }
}

impl Catalog for Author {
    type Sort = AuthorSort;
    const BY_NAME: AuthorSort = AuthorSort::Name;

    /// Creates an author. The slug is generated from the name when not given.
    async fn create(
        ctx: &Ctx,
        principal: &Principal,
        input: AuthorInput,
    ) -> Result<Author, AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let mut fields = resolve(&input, None)?;
        let tx = ctx.begin_write().await?;
        fill_avatar(&*tx, &mut fields).await?;
        let slug = TABLE
            .new_slug(&*tx, input.slug.value(), &fields.name)
            .await?;
        let at = now();
        let (row, snapshot) = fields.into_row(author::Model {
            id: Uuid::now_v7(),
            slug,
            name: String::new(),
            bio: None,
            names: None,
            bios: None,
            email: None,
            avatar_url: None,
            avatar_asset_id: None,
            avatar_alt: None,
            avatar_width: None,
            avatar_height: None,
            website: None,
            social: None,
            user_id: None,
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: principal.user_id(),
            updated_by: principal.user_id(),
        });
        let note = Note {
            message: input.revision_message.as_deref(),
            who: principal.user_id(),
        };
        TABLE.insert::<Author>(&tx, &row, &snapshot, note).await?;
        if row.avatar_asset_id.is_some() {
            record_avatar(&tx, &row, principal.user_id()).await?;
        }
        tx.commit().await?;
        from_row(row)
    }

    /// One author by id or slug.
    async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Author, AppError> {
        ctx.require(principal, Action::ReadLive)?;
        let row = TABLE.find_or_moved(ctx.db.conn(), key).await?;
        Ok(redact(from_row(row)?, ctx, principal))
    }

    /// A page of authors.
    async fn list(
        ctx: &Ctx,
        principal: &Principal,
        query: &ListQuery<AuthorFilter, AuthorSort>,
    ) -> Result<Page<Author>, AppError> {
        ctx.require(principal, Action::ReadLive)?;
        let select = TABLE.filtered(ctx, &query.filter, EntityKind::Author)?;
        let page = page::fetch(ctx.db.conn(), select, None, &query.sort, &query.page).await?;
        page.try_map(|row| Ok(redact(from_row(row)?, ctx, principal)))
    }

    /// Deletes an author who is credited on no article (else 409).
    async fn delete(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<(), AppError> {
        ctx.require(principal, Action::EditAuthorsAndTags)?;
        let tx = ctx.begin_write().await?;
        let credits =
            |id| article_author::Entity::find().filter(article_author::Column::AuthorId.eq(id));
        let what =
            |n| format!("the author is credited on {n} article(s); remove those credits first");
        TABLE
            .delete_unused::<Author, _>(&tx, (key, principal.user_id()), credits, what)
            .await?;
        tx.commit().await
    }
}
