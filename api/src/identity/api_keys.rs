//! API keys for front ends: `delivery` keys read published content, `preview`
//! keys read working copies too. The key is shown once, when it is created;
//! only its SHA-256 is stored, with a short prefix to recognise it by.

use chrono::{DateTime, Utc};
use entities::api_key;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::Identity;
use super::audit_log::{Entry, actor_of};
use crate::auth::policy::Action;
use crate::auth::{KeyKind, Principal, token};
use crate::config::Secret;
use crate::content::validate::Errors;
use crate::content::{Choice, Named};
use crate::error::AppError;
use crate::storage::page::sort_fields;
use crate::storage::page::{self, Direction, ListQuery, Page};
use crate::storage::{audit_log, now};

/// Characters of the random part kept in `prefix`, to tell keys apart.
const SHOWN_CHARS: usize = 6;

/// An API key as the API shows it (never the key itself, after creation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    pub name: String,
    pub kind: KeyKind,
    /// The start of the key, such as `mh_delivery_Xy3kQ9`.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key.
#[derive(Debug, Clone, Default)]
pub struct NewApiKey {
    pub name: Option<String>,
    pub kind: Option<Choice<KeyKind>>,
    pub expires_at: Option<DateTime<Utc>>,
}

sort_fields! {
    /// Fields keys can be sorted by.
    pub enum ApiKeySort for api_key (id Id) {
        Id = "id": Id(id) as Id,
        Name = "name": Name(name) as Text,
        CreatedAt = "created_at": CreatedAt(created_at) as Time,
    }
}

/// Newest keys first.
pub fn default_sort() -> page::Sort<ApiKeySort> {
    page::Sort::from_keys(vec![(ApiKeySort::CreatedAt, Direction::Desc)])
}

/// Which keys a list returns.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyFilter {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    /// Only keys of this kind.
    pub kind: Option<KeyKind>,
    /// Include revoked keys.
    pub include_revoked: bool,
}

fn from_row(row: api_key::Model) -> ApiKey {
    ApiKey {
        id: row.id,
        name: row.name,
        kind: row.kind,
        prefix: row.prefix,
        created_at: row.created_at,
        created_by: row.created_by,
        last_used_at: row.last_used_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

/// Creates a key (admins only) and returns it with the key itself, which is
/// not stored and cannot be shown again.
pub async fn create(
    identity: &Identity,
    principal: &Principal,
    input: NewApiKey,
) -> Result<(ApiKey, Secret), AppError> {
    identity.require(principal, Action::ManageApiKeys)?;
    let mut errors = Errors::default();
    let name = input.name.unwrap_or_default();
    errors.text("name", &name, 100, true);
    let kind = match input.kind {
        None => {
            errors.push("kind", "is required");
            None
        }
        Some(Choice::Unknown(_)) => {
            errors.push("kind", "must be delivery or preview");
            None
        }
        Some(Choice::Known(kind)) => Some(kind),
    };
    if input.expires_at.is_some_and(|at| at <= now()) {
        errors.push("expires_at", "must be in the future");
    }
    errors.finish()?;
    let kind = kind.ok_or_else(|| AppError::invalid("kind", "is required"))?;

    let prefix = match kind {
        KeyKind::Delivery => token::DELIVERY_PREFIX,
        KeyKind::Preview => token::PREVIEW_PREFIX,
    };
    let key = token::generate(prefix)?;
    let row = api_key::Model {
        id: Uuid::now_v7(),
        name,
        kind,
        prefix: key.chars().take(prefix.len() + SHOWN_CHARS).collect(),
        key_hash: token::digest(&key),
        created_at: now(),
        created_by: principal.user_id(),
        last_used_at: None,
        expires_at: input.expires_at,
        revoked_at: None,
    };
    let tx = identity.begin_write().await?;
    api_key::Entity::insert(api_key::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await?;
    let entry = Entry {
        kind: "api_key.created",
        actor: actor_of(principal),
        target: Some(("api_key", row.id)),
        detail: Some(json!({"name": row.name, "kind": row.kind.as_str(), "prefix": row.prefix})),
        ..Entry::default()
    };
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    Ok((from_row(row), Secret::new(key)))
}

/// One key (admins only); a revoked one only when `include_revoked`, as
/// in lists: revoked is deleted, for everything but the record.
pub async fn get(
    identity: &Identity,
    principal: &Principal,
    id: Uuid,
    include_revoked: bool,
) -> Result<ApiKey, AppError> {
    identity.require(principal, Action::ManageApiKeys)?;
    api_key::Entity::find_by_id(id)
        .one(identity.db.conn())
        .await?
        .filter(|key| include_revoked || key.revoked_at.is_none())
        .map(from_row)
        .ok_or_else(|| AppError::not_found("API key"))
}

/// A page of keys (admins only); revoked keys only when asked for.
pub async fn list(
    identity: &Identity,
    principal: &Principal,
    query: &ListQuery<ApiKeyFilter, ApiKeySort>,
) -> Result<Page<ApiKey>, AppError> {
    identity.require(principal, Action::ManageApiKeys)?;
    let mut select = api_key::Entity::find();
    if let Some(ids) = &query.filter.ids {
        select = select.filter(api_key::Column::Id.is_in(ids.clone()));
    }
    if let Some(kind) = query.filter.kind {
        select = select.filter(api_key::Column::Kind.eq(kind));
    }
    if !query.filter.include_revoked {
        select = select.filter(api_key::Column::RevokedAt.is_null());
    }
    let page = page::fetch(identity.db.conn(), select, None, &query.sort, &query.page).await?;
    Ok(page.map(from_row))
}

/// Revokes a key (admins only): it stops working at once. The record stays,
/// for the audit trail.
pub async fn revoke(identity: &Identity, principal: &Principal, id: Uuid) -> Result<(), AppError> {
    identity.require(principal, Action::ManageApiKeys)?;
    let tx = identity.begin_write().await?;
    let found = api_key::Entity::find_by_id(id).one(&*tx).await?;
    match found {
        None => return Err(AppError::not_found("API key")),
        Some(key) if key.revoked_at.is_some() => {}
        Some(key) => {
            api_key::Entity::update_many()
                .col_expr(api_key::Column::RevokedAt, Expr::value(Some(now())))
                .filter(api_key::Column::Id.eq(id))
                .exec(&*tx)
                .await?;
            let entry = Entry {
                kind: "api_key.revoked",
                actor: actor_of(principal),
                target: Some(("api_key", id)),
                detail: Some(json!({"name": key.name, "prefix": key.prefix})),
                ..Entry::default()
            };
            audit_log::record(&*tx, entry).await?;
        }
    }
    tx.commit().await
}
