//! Preview links (design §15): a link that shows one article's working
//! copy to whoever holds its token, without an account, until it expires
//! or is revoked. Tokens are random (256 bits), shown once, and stored as
//! their SHA-256 only.

use chrono::{DateTime, Duration, Utc};
use entities::preview_link::{self, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::model::{Article, Read, View};
use super::read::{read_expanded, read_one, redact};
use super::rules::{self, Draft};
use super::{pictures, query};
use crate::auth::policy::{Action, Grant};
use crate::auth::{Principal, token};
use crate::content::{ArticleCopy, Ctx, Key, now};
use crate::error::AppError;

/// Prefix of preview-link tokens.
pub const TOKEN_PREFIX: &str = "mhpl_";
/// How long a link lasts when not told: seven days.
pub const DEFAULT_SECONDS: u64 = 7 * 24 * 3600;
/// The longest a link may last: ninety days.
pub const MAX_SECONDS: u64 = 90 * 24 * 3600;
/// The shortest: one minute.
pub const MIN_SECONDS: u64 = 60;

/// A preview link as its article's editors see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewLink {
    pub id: Uuid,
    pub article_id: Uuid,
    /// The token: only in the answer to the link's creation.
    pub token: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl PreviewLink {
    /// Whether the link still opens its article.
    pub fn is_active(&self, at: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > at
    }
}

fn from_row(row: preview_link::Model) -> PreviewLink {
    PreviewLink {
        id: row.id,
        article_id: row.article_id,
        token: None,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    }
}

/// The working copy `key` names, after checking `principal` may share it:
/// editors and admins any article, authors their own drafts.
async fn shared_article(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Article, AppError> {
    let grant = ctx.require(principal, Action::EditArticle)?;
    let conn = ctx.db.conn();
    let row = query::find_row(ctx, conn, key, View::Preview, false).await?;
    let article = read_one(conn, row, ArticleCopy::Working).await?;
    if grant == Grant::OwnDrafts {
        let draft = Draft::Edit {
            article: &article,
            credits: &article.author_ids,
        };
        rules::guard(grant, principal, draft)?;
    }
    Ok(article)
}

/// Makes a preview link to the article `key` names, lasting `seconds`
/// (default seven days, one minute to ninety days). The answer is the only
/// place its token is ever shown.
pub async fn create(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    seconds: Option<u64>,
) -> Result<PreviewLink, AppError> {
    let seconds = seconds.unwrap_or(DEFAULT_SECONDS);
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
        return Err(AppError::invalid(
            "expires_in",
            format!("must be between {MIN_SECONDS} and {MAX_SECONDS} seconds"),
        ));
    }
    let article = shared_article(ctx, principal, key).await?;
    let secret = token::generate(TOKEN_PREFIX)?;
    let at = now();
    let row = preview_link::Model {
        id: Uuid::now_v7(),
        article_id: article.id,
        token_hash: token::digest(&secret),
        created_by: principal.user_id(),
        created_at: at,
        expires_at: at + Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX)),
        revoked_at: None,
    };
    let tx = ctx.begin_write().await?;
    Entity::insert(preview_link::ActiveModel::from(row.clone()))
        .exec_without_returning(&*tx)
        .await?;
    tx.commit().await?;
    Ok(PreviewLink {
        token: Some(secret),
        ..from_row(row)
    })
}

/// The preview links of an article, newest first, without their tokens.
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
) -> Result<Vec<PreviewLink>, AppError> {
    let article = shared_article(ctx, principal, key).await?;
    Ok(Entity::find()
        .filter(Column::ArticleId.eq(article.id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(ctx.db.conn())
        .await?
        .into_iter()
        .map(from_row)
        .collect())
}

/// Revokes one preview link of an article: it stops opening it at once.
/// Revoking a revoked link changes nothing.
pub async fn revoke(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    link: Uuid,
) -> Result<(), AppError> {
    let article = shared_article(ctx, principal, key).await?;
    let of_article = Condition::all()
        .add(Column::Id.eq(link))
        .add(Column::ArticleId.eq(article.id));
    let tx = ctx.begin_write().await?;
    let revoked = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(now()))
        .filter(of_article.clone())
        .filter(Column::RevokedAt.is_null())
        .exec(&*tx)
        .await?;
    if revoked.rows_affected == 0 && Entity::find().filter(of_article).one(&*tx).await?.is_none() {
        return Err(AppError::not_found("preview link"));
    }
    tx.commit().await
}

/// The working copy of the article `key` names, for whoever holds `secret`,
/// a live preview link of that article: 403 for a token that is unknown,
/// expired, revoked or for another article.
pub async fn read(ctx: &Ctx, key: &Key, secret: &str, read: Read) -> Result<Article, AppError> {
    let refused = || AppError::forbidden("the preview token is unknown, expired or revoked");
    if !secret.starts_with(TOKEN_PREFIX) {
        return Err(refused());
    }
    let conn = ctx.db.conn();
    let link = Entity::find()
        .filter(Column::TokenHash.eq(token::digest(secret)))
        .one(conn)
        .await?
        .map(from_row)
        .filter(|link| link.is_active(now()))
        .ok_or_else(refused)?;
    let row = query::find_row(ctx, conn, key, View::Preview, false).await?;
    if row.id != link.article_id {
        return Err(AppError::forbidden(
            "the preview token opens another article",
        ));
    }
    let mut article = read_expanded(
        ctx,
        &Principal::Anonymous,
        row,
        ArticleCopy::Working,
        read.include,
    )
    .await?;
    if read.include.pictures {
        pictures::attach(conn, std::slice::from_mut(&mut article)).await?;
    }
    Ok(redact(article, ctx, &Principal::Anonymous))
}

/// Forgets the preview links of an article that is purged.
pub(super) async fn forget<C: sea_orm::ConnectionTrait>(
    conn: &C,
    article: Uuid,
) -> Result<(), AppError> {
    Entity::delete_many()
        .filter(Column::ArticleId.eq(article))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_until_it_expires_or_is_revoked() {
        let at = now();
        let mut link = PreviewLink {
            id: Uuid::now_v7(),
            article_id: Uuid::now_v7(),
            token: None,
            created_by: None,
            created_at: at,
            expires_at: at + Duration::seconds(60),
            revoked_at: None,
        };
        assert!(link.is_active(at));
        assert!(!link.is_active(at + Duration::seconds(60)));
        link.revoked_at = Some(at);
        assert!(!link.is_active(at));
    }
}
