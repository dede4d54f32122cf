//! Users: who may sign in, with which role, writing as which author.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entities::{author, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::Identity;
use super::audit_log::{Actor, Entry, actor_of};
use crate::auth::policy::Action;
use crate::auth::{Principal, Role, password};
use crate::config::Secret;
use crate::content::validate::{Errors, check_email};
use crate::content::{Choice, Named, Patch};
use crate::error::AppError;
use crate::storage::page::sort_fields;
use crate::storage::page::{self, Direction, ListQuery, Page};
use crate::storage::{audit_log, contains_ci, now};

/// A user as the API shows it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    /// The author profile this user writes as.
    pub author_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new user.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Choice<Role>>,
    pub password: Option<Secret>,
    pub author_id: Option<Uuid>,
}

/// Changes to a user; the password changes through its own calls.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Patch<String>,
    pub name: Patch<String>,
    pub role: Patch<Choice<Role>>,
    pub disabled: Patch<bool>,
    pub author_id: Patch<Uuid>,
}

/// Which users a list returns.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Only these ids.
    pub ids: Option<Vec<Uuid>>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only enabled (`false`) or disabled (`true`) users.
    pub disabled: Option<bool>,
    /// E-mail or name contains this text.
    pub q: Option<String>,
}

sort_fields! {
    /// Fields users can be sorted by.
    pub enum UserSort for user (id Id) {
        Id = "id": Id(id) as Id,
        Email = "email": EmailKey(email_key) as Text,
        Name = "name": Name(name) as Text,
        Role = "role": Role(role) as Text,
        CreatedAt = "created_at": CreatedAt(created_at) as Time,
    }
}

/// Users by e-mail address.
pub fn default_sort() -> page::Sort<UserSort> {
    page::Sort::from_keys(vec![(UserSort::Email, Direction::Asc)])
}

/// The key e-mail addresses are compared by: case-insensitive.
pub(crate) fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

pub(crate) fn from_row(row: user::Model, author_id: Option<Uuid>) -> User {
    User {
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        disabled: row.disabled,
        author_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// The author profiles linked to these users, in one statement.
pub(crate) async fn author_links<C: ConnectionTrait>(
    conn: &C,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Uuid>, AppError> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(author::Entity::find()
        .filter(author::Column::UserId.is_in(user_ids.to_vec()))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|a| a.user_id.map(|user| (user, a.id)))
        .collect())
}

async fn find_row<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<user::Model, AppError> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

async fn load(identity: &Identity, id: Uuid) -> Result<User, AppError> {
    let row = find_row(identity.db.conn(), id).await?;
    let links = author_links(identity.db.conn(), &[id]).await?;
    Ok(from_row(row, links.get(&id).copied()))
}

/// The role a client named, recording a problem for a name that is none.
fn known_role(role: Choice<Role>, errors: &mut Errors) -> Option<Role> {
    if role.known().is_none() {
        errors.push("role", format!("must be one of {}", Role::names()));
    }
    role.known()
}

/// Makes `author_id` the author profile of `user_id` (or none), inside `conn`'s transaction.
async fn link_author<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    author_id: Option<Uuid>,
) -> Result<(), AppError> {
    if let Some(author_id) = author_id {
        let Some(profile) = author::Entity::find_by_id(author_id).one(conn).await? else {
            return Err(AppError::invalid("author_id", "no author has this id"));
        };
        if profile.user_id.is_some_and(|other| other != user_id) {
            return Err(AppError::conflict(
                "author_id",
                "this author profile is linked to another user",
            ));
        }
    }
    author::Entity::update_many()
        .col_expr(author::Column::UserId, Expr::value(Option::<Uuid>::None))
        .filter(author::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    if let Some(author_id) = author_id {
        author::Entity::update_many()
            .col_expr(author::Column::UserId, Expr::value(Some(user_id)))
            .filter(author::Column::Id.eq(author_id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Creates a user without a permission check: for the first admin and the
/// command line. The e-mail address must be free (409).
pub async fn create_unchecked(
    identity: &Identity,
    input: NewUser,
    created_by: Option<Uuid>,
) -> Result<User, AppError> {
    let mut errors = Errors::default();
    let email = input.email.unwrap_or_default();
    if email.is_empty() {
        errors.push("email", "is required");
    } else {
        errors.check("email", check_email(&email));
    }
    let name = input.name.unwrap_or_default();
    errors.text("name", &name, 200, true);
    let role = match input.role {
        None => {
            errors.push("role", "is required");
            None
        }
        Some(role) => known_role(role, &mut errors),
    };
    let password = input.password.unwrap_or_else(|| Secret::new(""));
    errors.check("password", password::check_strength(password.expose()));
    errors.finish()?;
    let role = role.ok_or_else(|| AppError::invalid("role", "is required"))?;

    let hash = password::hash(password.expose())?;
    let at = now();
    let row = user::Model {
        id: Uuid::now_v7(),
        email_key: email_key(&email),
        email,
        name,
        role,
        disabled: false,
        password_hash: hash,
        version: 1,
        created_at: at,
        updated_at: at,
        created_by,
        updated_by: created_by,
    };
    let tx = identity.begin_write().await?;
    user::Entity::insert(user::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => {
                AppError::conflict("email", "a user with this e-mail address exists")
            }
            other => other,
        })?;
    link_author(&*tx, row.id, input.author_id).await?;
    let entry = Entry {
        kind: "user.created",
        actor: created_by.map_or(Actor::Nobody, Actor::User),
        target: Some(("user", row.id)),
        detail: Some(json!({"email": row.email, "role": row.role.as_str()})),
        ..Entry::default()
    };
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    Ok(from_row(row, input.author_id))
}

/// Creates a user (admins only).
pub async fn create(
    identity: &Identity,
    principal: &Principal,
    input: NewUser,
) -> Result<User, AppError> {
    identity.require(principal, Action::ManageUsers)?;
    create_unchecked(identity, input, principal.user_id()).await
}

/// One user (admins only).
pub async fn get(identity: &Identity, principal: &Principal, id: Uuid) -> Result<User, AppError> {
    identity.require(principal, Action::ManageUsers)?;
    load(identity, id).await
}

/// The signed-in user.
pub async fn me(identity: &Identity, principal: &Principal) -> Result<User, AppError> {
    identity.require(principal, Action::UseOwnAccount)?;
    let id = principal
        .user_id()
        .ok_or_else(|| AppError::forbidden("this needs a signed-in user"))?;
    load(identity, id).await
}

/// A page of users (admins only).
pub async fn list(
    identity: &Identity,
    principal: &Principal,
    query: &ListQuery<UserFilter, UserSort>,
) -> Result<Page<User>, AppError> {
    identity.require(principal, Action::ManageUsers)?;
    let mut select = user::Entity::find();
    let filter = &query.filter;
    if let Some(ids) = &filter.ids {
        select = select.filter(user::Column::Id.is_in(ids.clone()));
    }
    if let Some(role) = filter.role {
        select = select.filter(user::Column::Role.eq(role));
    }
    if let Some(disabled) = filter.disabled {
        select = select.filter(user::Column::Disabled.eq(disabled));
    }
    if let Some(q) = &filter.q {
        select = select.filter(
            sea_orm::Condition::any()
                .add(contains_ci(user::Column::EmailKey, q))
                .add(contains_ci(user::Column::Name, q)),
        );
    }
    let page = page::fetch(identity.db.conn(), select, None, &query.sort, &query.page).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|u| u.id).collect();
    let links = author_links(identity.db.conn(), &ids).await?;
    Ok(page.map(|row| {
        let author = links.get(&row.id).copied();
        from_row(row, author)
    }))
}

/// Enabled admins other than `except`.
async fn other_admins<C: ConnectionTrait>(conn: &C, except: Uuid) -> Result<u64, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin))
        .filter(user::Column::Disabled.eq(false))
        .filter(user::Column::Id.ne(except))
        .count(conn)
        .await?)
}

/// Ends every session of a user.
pub(crate) async fn revoke_sessions<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
) -> Result<(), AppError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Changes a user's e-mail, name, role, disabled flag or author link
/// (admins only). Disabling a user ends their sessions; the last enabled
/// admin can be neither demoted nor disabled.
pub async fn update(
    identity: &Identity,
    principal: &Principal,
    id: Uuid,
    changes: UserChanges,
) -> Result<User, AppError> {
    identity.require(principal, Action::ManageUsers)?;
    let tx = identity.begin_write().await?;
    let current = find_row(&*tx, id).await?;
    let mut errors = Errors::default();
    if let Patch::Value(email) = &changes.email {
        errors.check("email", check_email(email));
    }
    let email = errors.required("email", changes.email, &current.email);
    if let Patch::Value(name) = &changes.name {
        errors.text("name", name, 200, true);
    }
    let name = errors.required("name", changes.name, &current.name);
    let role = changes.role.map(|role| known_role(role, &mut errors));
    let role = errors
        .required("role", role, &Some(current.role))
        .unwrap_or(current.role);
    let disabled = errors.required("disabled", changes.disabled, &current.disabled);
    errors.finish()?;

    let was_admin = current.role == Role::Admin && !current.disabled;
    if was_admin && (role != Role::Admin || disabled) && other_admins(&*tx, id).await? == 0 {
        return Err(AppError::conflict(
            if disabled { "disabled" } else { "role" },
            "this is the last enabled admin; make another admin first",
        ));
    }
    user::Entity::update_many()
        .col_expr(user::Column::EmailKey, Expr::value(email_key(&email)))
        .col_expr(user::Column::Email, Expr::value(email))
        .col_expr(user::Column::Name, Expr::value(name))
        .col_expr(user::Column::Role, Expr::value(role))
        .col_expr(user::Column::Disabled, Expr::value(disabled))
        .col_expr(user::Column::Version, Expr::value(current.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .col_expr(user::Column::UpdatedBy, Expr::value(principal.user_id()))
        .filter(user::Column::Id.eq(id))
        .exec(&*tx)
        .await
        .map_err(|err| match AppError::from(err) {
            AppError::Conflict { .. } => {
                AppError::conflict("email", "a user with this e-mail address exists")
            }
            other => other,
        })?;
    match changes.author_id {
        Patch::Value(author_id) => link_author(&*tx, id, Some(author_id)).await?,
        Patch::Null => link_author(&*tx, id, None).await?,
        Patch::Missing => {}
    }
    if disabled && !current.disabled {
        revoke_sessions(&*tx, id).await?;
    }
    let kind = if role == current.role {
        "user.updated"
    } else {
        "user.role_changed"
    };
    let detail = json!({
        "role": {"from": current.role.as_str(), "to": role.as_str()},
        "disabled": {"from": current.disabled, "to": disabled},
    });
    let entry = Entry {
        kind,
        actor: actor_of(principal),
        target: Some(("user", id)),
        detail: Some(detail),
        ..Entry::default()
    };
    audit_log::record(&*tx, entry).await?;
    tx.commit().await?;
    load(identity, id).await
}

async fn set_password(
    identity: &Identity,
    principal: &Principal,
    id: Uuid,
    new_password: &Secret,
) -> Result<(), AppError> {
    password::check_strength(new_password.expose())
        .map_err(|m| AppError::invalid("password", m))?;
    let hash = password::hash(new_password.expose())?;
    let tx = identity.begin_write().await?;
    let current = find_row(&*tx, id).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::Version, Expr::value(current.version + 1))
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .col_expr(user::Column::UpdatedBy, Expr::value(principal.user_id()))
        .filter(user::Column::Id.eq(id))
        .exec(&*tx)
        .await?;
    // A new password ends every session signed in with the old one.
    revoke_sessions(&*tx, id).await?;
    let own = principal.user_id() == Some(id);
    let entry = Entry {
        kind: if own {
            "auth.password_changed"
        } else {
            "user.password_reset"
        },
        actor: actor_of(principal),
        target: Some(("user", id)),
        ..Entry::default()
    };
    audit_log::record(&*tx, entry).await?;
    tx.commit().await
}

/// Sets a user's password (admins only) and ends their sessions.
pub async fn reset_password(
    identity: &Identity,
    principal: &Principal,
    id: Uuid,
    new_password: &Secret,
) -> Result<(), AppError> {
    identity.require(principal, Action::ManageUsers)?;
    set_password(identity, principal, id, new_password).await
}

/// Changes the signed-in user's own password, given the current one.
pub async fn change_own_password(
    identity: &Identity,
    principal: &Principal,
    current_password: &Secret,
    new_password: &Secret,
) -> Result<(), AppError> {
    identity.require(principal, Action::UseOwnAccount)?;
    let id = principal
        .user_id()
        .ok_or_else(|| AppError::forbidden("this needs a signed-in user"))?;
    let row = find_row(identity.db.conn(), id).await?;
    if !password::verify(current_password.expose(), &row.password_hash) {
        return Err(AppError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    set_password(identity, principal, id, new_password).await
}

/// On a database without users, creates the first admin: from the configured
/// e-mail and password, or with a random password that is returned (to be
/// printed once). `None` when users exist already.
pub async fn bootstrap_admin(
    identity: &Identity,
    email: Option<&str>,
    password: Option<&Secret>,
) -> Result<Option<(User, Option<Secret>)>, AppError> {
    if user::Entity::find().count(identity.db.conn()).await? > 0 {
        return Ok(None);
    }
    let generated = match password {
        Some(_) => None,
        None => Some(Secret::new(
            crate::auth::token::generate("")?
                .chars()
                .take(24)
                .collect::<String>(),
        )),
    };
    let password = password.cloned().or_else(|| generated.clone());
    let input = NewUser {
        email: Some(email.unwrap_or("admin@masthead.local").to_owned()),
        name: Some("Administrator".to_owned()),
        role: Some(Role::Admin.into()),
        password,
        author_id: None,
    };
    match create_unchecked(identity, input, None).await {
        Ok(user) => Ok(Some((user, generated))),
        // Another process sharing the database made the first admin first.
        Err(AppError::Conflict { .. }) => Ok(None),
        Err(err) => Err(err),
    }
}
