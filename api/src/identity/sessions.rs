//! Sign-in sessions: short-lived JWT access tokens and single-use refresh
//! tokens that rotate on every refresh. Presenting a refresh token twice
//! revokes its whole family (the session), so a stolen token dies as soon as
//! either its thief or its owner uses it. Sign-in attempts are throttled per
//! account and per client address, in the database so every process agrees.

use std::time::Duration;

use chrono::Utc;
use entities::{api_key, author, login_failure, refresh_token, user};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::Identity;
use super::audit_log::{self, Actor, Entry};
use super::users::email_key;
use crate::auth::jwt::TokenError;
use crate::auth::{Principal, token};
use crate::config::Secret;
use crate::error::AppError;
use crate::storage::audit_log as storage_log;
use crate::storage::now;

/// Failed sign-ins an account may have in [`WINDOW`] before it is throttled.
pub const ACCOUNT_LIMIT: u64 = 5;
/// Failed sign-ins a client address may have in [`WINDOW`].
pub const ADDRESS_LIMIT: u64 = 20;
/// The throttling window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// How often a busy API key's `last_used_at` is written.
const KEY_USE_RESOLUTION: Duration = Duration::from_secs(60);

/// What a sign-in or refresh returns.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: Secret,
    /// A single-use token for `/auth/refresh`.
    pub refresh_token: Secret,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

fn window_start() -> chrono::DateTime<Utc> {
    now() - chrono::Duration::from_std(WINDOW).unwrap_or_else(|_| chrono::Duration::minutes(15))
}

/// 429 when `key` has `limit` failures in the window, with the seconds until
/// the oldest of them leaves it.
async fn check_throttle<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    limit: u64,
) -> Result<(), AppError> {
    let recent = login_failure::Entity::find()
        .filter(login_failure::Column::Key.eq(key))
        .filter(login_failure::Column::At.gt(window_start()))
        .order_by_desc(login_failure::Column::At);
    if recent.clone().count(conn).await? < limit {
        return Ok(());
    }
    // The `limit`-th newest failure is the one whose expiry reopens the door.
    let failures = recent.all(conn).await?;
    let pivot = failures
        .get(usize::try_from(limit).unwrap_or(usize::MAX) - 1)
        .map_or_else(now, |f| f.at);
    let reopens = pivot + chrono::Duration::from_std(WINDOW).unwrap_or_default();
    let retry_after = u64::try_from((reopens - now()).num_seconds())
        .unwrap_or(0)
        .max(1);
    Err(AppError::TooManyRequests { retry_after })
}

async fn record_failure(
    identity: &Identity,
    keys: &[String],
    entry: Entry<'_>,
) -> Result<(), AppError> {
    let tx = identity.begin_write().await?;
    storage_log::record(&*tx, entry).await?;
    let at = now();
    login_failure::Entity::insert_many(keys.iter().map(|key| {
        login_failure::ActiveModel::from(login_failure::Model {
            id: Uuid::now_v7(),
            key: key.clone(),
            at,
        })
    }))
    .exec_without_returning(&*tx)
    .await?;
    // Old failures no longer count; drop them while here.
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.is_in(keys.to_vec()))
        .filter(login_failure::Column::At.lte(window_start()))
        .exec(&*tx)
        .await?;
    tx.commit().await
}

/// Issues an access token and a new refresh token in `family`.
async fn issue<C: ConnectionTrait>(
    identity: &Identity,
    conn: &C,
    user_id: Uuid,
    role: crate::auth::Role,
    family_id: Uuid,
) -> Result<Tokens, AppError> {
    let refresh = token::generate(token::REFRESH_PREFIX)?;
    let at = now();
    let expires_at = at + chrono::Duration::from_std(identity.refresh_ttl()).unwrap_or_default();
    refresh_token::Entity::insert(refresh_token::ActiveModel::from(refresh_token::Model {
        id: Uuid::now_v7(),
        user_id,
        family_id,
        token_hash: token::digest(&refresh),
        created_at: at,
        expires_at,
        used_at: None,
        revoked_at: None,
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(Tokens {
        access_token: Secret::new(identity.jwt().issue(user_id, role)?),
        refresh_token: Secret::new(refresh),
        expires_in: identity.jwt().ttl_secs(),
    })
}

/// Signs a user in. An unknown address, a wrong password and a disabled
/// account get the same 401, after the same amount of work (a password
/// hash is verified either way).
pub async fn login(
    identity: &Identity,
    email: &str,
    password: &Secret,
    client_address: Option<&str>,
) -> Result<Tokens, AppError> {
    let account_key = format!("account:{}", email_key(email));
    let mut keys = vec![account_key.clone()];
    let throttled = |err| async move {
        let entry = Entry {
            kind: "auth.sign_in_throttled",
            subject: Some(email),
            ..Entry::default()
        };
        audit_log::note(identity, entry).await?;
        Err::<Tokens, AppError>(err)
    };
    if let Err(err) = check_throttle(identity.db.conn(), &account_key, ACCOUNT_LIMIT).await {
        return throttled(err).await;
    }
    if let Some(address) = client_address {
        let address_key = format!("address:{address}");
        if let Err(err) = check_throttle(identity.db.conn(), &address_key, ADDRESS_LIMIT).await {
            return throttled(err).await;
        }
        keys.push(address_key);
    }

    let row = user::Entity::find()
        .filter(user::Column::EmailKey.eq(email_key(email)))
        .one(identity.db.conn())
        .await?;
    let hash = row.as_ref().map(|u| u.password_hash.as_str());
    let matches = identity.verify_password(password.expose(), hash)?;
    let user = match row {
        Some(user) if matches && !user.disabled => user,
        row => {
            let reason = match row {
                None => "no account has this e-mail address",
                Some(user) if user.disabled => "the account is disabled",
                Some(_) => "wrong password",
            };
            let entry = Entry {
                kind: "auth.sign_in_failed",
                subject: Some(email),
                detail: Some(serde_json::json!({"reason": reason})),
                ..Entry::default()
            };
            record_failure(identity, &keys, entry).await?;
            return Err(AppError::InvalidCredentials);
        }
    };

    let tx = identity.begin_write().await?;
    login_failure::Entity::delete_many()
        .filter(login_failure::Column::Key.eq(account_key))
        .exec(&*tx)
        .await?;
    let tokens = issue(identity, &*tx, user.id, user.role, Uuid::now_v7()).await?;
    let entry = Entry {
        kind: "auth.signed_in",
        actor: Actor::User(user.id),
        target: Some(("user", user.id)),
        ..Entry::default()
    };
    storage_log::record(&*tx, entry).await?;
    tx.commit().await?;
    Ok(tokens)
}

async fn revoke_family<C: ConnectionTrait>(conn: &C, family_id: Uuid) -> Result<(), AppError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Some(now())))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The audit entry of a refused refresh (of `user`'s token, when known).
fn refusal(user: Option<Uuid>, reason: &str) -> Entry<'static> {
    Entry {
        kind: "auth.refresh_refused",
        target: user.map(|id| ("user", id)),
        detail: Some(serde_json::json!({"reason": reason})),
        ..Entry::default()
    }
}

fn refused_refresh() -> AppError {
    AppError::invalid_token("the refresh token is unknown, expired, revoked or already used")
}

/// Trades a refresh token for new tokens. The old one is spent; presenting a
/// spent or revoked one again revokes the whole session.
pub async fn refresh(identity: &Identity, refresh: &Secret) -> Result<Tokens, AppError> {
    let tx = identity.begin_write().await?;
    let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token::digest(refresh.expose())))
        .one(&*tx)
        .await?
    else {
        drop(tx);
        let reason = "the token is unknown";
        audit_log::note(identity, refusal(None, reason)).await?;
        return Err(refused_refresh());
    };
    let reused = stored.used_at.is_some() || stored.revoked_at.is_some();
    let user = user::Entity::find_by_id(stored.user_id).one(&*tx).await?;
    let usable_user = user.filter(|u| !u.disabled);
    if reused || stored.expires_at <= now() || usable_user.is_none() {
        let reason = if reused {
            tracing::warn!(family = %stored.family_id, "a spent refresh token was presented again; the session is revoked");
            "the token was used or revoked before: the session is revoked"
        } else if usable_user.is_none() {
            "the account is disabled or gone"
        } else {
            "the token expired"
        };
        revoke_family(&*tx, stored.family_id).await?;
        storage_log::record(&*tx, refusal(Some(stored.user_id), reason)).await?;
        tx.commit().await?;
        return Err(refused_refresh());
    }
    let spent = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(Some(now())))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&*tx)
        .await?;
    if spent.rows_affected != 1 {
        // Spent concurrently by another request: the same token twice.
        revoke_family(&*tx, stored.family_id).await?;
        let reason = "the token was used twice at once: the session is revoked";
        storage_log::record(&*tx, refusal(Some(stored.user_id), reason)).await?;
        tx.commit().await?;
        return Err(refused_refresh());
    }
    let user = usable_user.ok_or_else(refused_refresh)?;
    let tokens = issue(identity, &*tx, user.id, user.role, stored.family_id).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Ends the session a refresh token belongs to. Unknown tokens are ignored,
/// so signing out twice is harmless.
pub async fn logout(identity: &Identity, refresh: &Secret) -> Result<(), AppError> {
    let tx = identity.begin_write().await?;
    if let Some(stored) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(token::digest(refresh.expose())))
        .one(&*tx)
        .await?
    {
        revoke_family(&*tx, stored.family_id).await?;
    }
    tx.commit().await
}

/// The principal behind an `Authorization: Bearer` credential: an API key
/// (recognised by its prefix) or an access token. No credential is the
/// anonymous principal; a refused one is a 401 saying why.
pub async fn authenticate(
    identity: &Identity,
    bearer: Option<&str>,
) -> Result<Principal, AppError> {
    let Some(credential) = bearer else {
        return Ok(Principal::Anonymous);
    };
    if credential.starts_with(token::DELIVERY_PREFIX)
        || credential.starts_with(token::PREVIEW_PREFIX)
    {
        return authenticate_key(identity, credential).await;
    }
    let claims = identity.jwt().verify(credential).map_err(|err| match err {
        TokenError::Expired => AppError::invalid_token("the access token has expired"),
        TokenError::Invalid(why) => AppError::invalid_token(why),
    })?;
    let id = Uuid::parse_str(&claims.sub)
        .map_err(|_| AppError::invalid_token("the subject is not a user id"))?;
    // One statement: the user with the author profile they write as.
    let Some((user, profile)) = user::Entity::find_by_id(id)
        .find_also_related(author::Entity)
        .one(identity.db.conn())
        .await?
    else {
        return Err(AppError::invalid_token("the user no longer exists"));
    };
    if user.disabled {
        return Err(AppError::invalid_token("the user is disabled"));
    }
    Ok(Principal::User {
        id,
        role: user.role,
        author_id: profile.map(|a| a.id),
    })
}

async fn authenticate_key(identity: &Identity, key: &str) -> Result<Principal, AppError> {
    let refused = || AppError::invalid_token("the API key is unknown, revoked or expired");
    let Some(stored) = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(token::digest(key)))
        .one(identity.db.conn())
        .await?
    else {
        return Err(refused());
    };
    if stored.revoked_at.is_some() || stored.expires_at.is_some_and(|at| at <= now()) {
        return Err(refused());
    }
    note_key_use(identity, stored.id);
    Ok(Principal::Key {
        id: stored.id,
        kind: stored.kind,
    })
}

/// Records that a key was used, at most once a minute per key and off the
/// request's path: `last_used_at` is informative, not worth a write per read.
fn note_key_use(identity: &Identity, id: Uuid) {
    if !identity.key_use_due(id, KEY_USE_RESOLUTION) {
        return;
    }
    let identity = identity.clone();
    tokio::spawn(async move {
        let result = async {
            let tx = identity.begin_write().await?;
            api_key::Entity::update_many()
                .col_expr(api_key::Column::LastUsedAt, Expr::value(Some(now())))
                .filter(api_key::Column::Id.eq(id))
                .exec(&*tx)
                .await?;
            tx.commit().await
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(error = %err, "could not record an API key's last use");
        }
    });
}
