//! Autosave (design §15): `PATCH …?autosave=true` keeps one autosave per
//! article and user, overwritten in place: no revision, no event, the
//! working copy untouched. That user's next save folds it in: the save
//! applies over the autosaved content and makes one revision. When others
//! saved the article meanwhile, only the fields the autosave changed are
//! folded in, so their work is kept.

use chrono::{DateTime, Utc};
use entities::autosave::{self, Column, Entity};
use entities::revision;
use entities::types::EntityKind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::model::{Article, ArticleInput, View};
use super::query;
use super::read::read_one;
use super::rules::{self, ArticleSnapshot, Draft};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::{ArticleCopy, Ctx, Key, now};
use crate::error::AppError;

/// One user's autosave of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Autosave {
    pub article_id: Uuid,
    pub user_id: Uuid,
    /// The working copy's version the content is based on.
    pub base_version: i32,
    pub saved_at: DateTime<Utc>,
    /// The article's content as autosaved.
    pub content: ArticleSnapshot,
}

fn from_row(row: autosave::Model) -> Result<Autosave, AppError> {
    let content = serde_json::from_str(&row.snapshot).map_err(|err| {
        AppError::Internal(anyhow::anyhow!(
            "the autosave of article {} is corrupt: {err}",
            row.article_id
        ))
    })?;
    Ok(Autosave {
        article_id: row.article_id,
        user_id: row.user_id,
        base_version: row.base_version,
        saved_at: row.saved_at,
        content,
    })
}

/// The signed-in user an autosave belongs to.
fn owner(principal: &Principal) -> Result<Uuid, AppError> {
    principal.user_id().ok_or_else(|| {
        AppError::forbidden("autosaves belong to signed-in users; an API key cannot autosave")
    })
}

/// Autosaves `input` over the article `key` names for the signed-in
/// caller: over their previous autosave when there is one, else over the
/// working copy. The same checks as an edit (fields, the own-drafts guard);
/// the slug is checked when the save folds it in.
pub async fn save(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    input: ArticleInput,
) -> Result<Autosave, AppError> {
    let grant = ctx.require(principal, Action::EditArticle)?;
    let user = owner(principal)?;
    let conn = ctx.db.conn();
    let row = query::find_row(ctx, conn, key, View::Preview, false).await?;
    let current = read_one(conn, row, ArticleCopy::Working).await?;
    let base = match slot(conn, current.id, user).await? {
        Some(slot) => folded(conn, &current, &slot).await?,
        None => current.clone(),
    };
    let fields = rules::resolve(&ctx.settings.default_locale, &input, Some(&base))?;
    let draft = Draft::Edit {
        article: &current,
        credits: &fields.author_ids,
    };
    rules::guard(grant, principal, draft)?;
    let slug = input.slug.value().cloned().unwrap_or(base.slug);
    let content = ArticleSnapshot::of(
        &rules::to_row(current.id, slug, &fields),
        &fields.author_ids,
        &fields.tag_ids,
    );
    let saved = Autosave {
        article_id: current.id,
        user_id: user,
        // The content now stands on the current version (an older autosave
        // was folded onto it above).
        base_version: current.version,
        saved_at: now(),
        content,
    };
    let snapshot = serde_json::to_string(&saved.content)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("cannot write an autosave: {err}")))?;
    let row = autosave::Model {
        article_id: saved.article_id,
        user_id: user,
        base_version: saved.base_version,
        snapshot,
        saved_at: saved.saved_at,
    };
    let on_conflict = OnConflict::columns([Column::ArticleId, Column::UserId])
        .update_columns([Column::BaseVersion, Column::Snapshot, Column::SavedAt])
        .to_owned();
    let tx = ctx.begin_write().await?;
    Entity::insert(autosave::ActiveModel::from(row))
        .on_conflict(on_conflict)
        .exec_without_returning(&*tx)
        .await?;
    tx.commit().await?;
    Ok(saved)
}

/// The signed-in caller's autosave of the article `key` names (404 when
/// they have none).
pub async fn get(ctx: &Ctx, principal: &Principal, key: &Key) -> Result<Autosave, AppError> {
    ctx.require(principal, Action::ReadPreview)?;
    let user = owner(principal)?;
    let conn = ctx.db.conn();
    let row = query::find_row(ctx, conn, key, View::Preview, false).await?;
    let slot = slot(conn, row.id, user).await?;
    from_row(slot.ok_or_else(|| AppError::not_found("autosave"))?)
}

/// `user`'s autosave of `article`, if any.
pub(super) async fn slot<C: ConnectionTrait>(
    conn: &C,
    article: Uuid,
    user: Uuid,
) -> Result<Option<autosave::Model>, AppError> {
    Ok(Entity::find()
        .filter(Column::ArticleId.eq(article))
        .filter(Column::UserId.eq(user))
        .one(conn)
        .await?)
}

/// `current` with the autosave folded in: all of it when it stands on the
/// current version, else only the fields it changed from its base.
pub(super) async fn folded<C: ConnectionTrait>(
    conn: &C,
    current: &Article,
    slot: &autosave::Model,
) -> Result<Article, AppError> {
    let saved = from_row(slot.clone())?.content;
    let content = if slot.base_version == current.version {
        saved
    } else {
        let base = revision::Entity::find()
            .filter(revision::Column::Entity.eq(EntityKind::Article))
            .filter(revision::Column::EntityId.eq(current.id))
            .filter(revision::Column::Version.eq(slot.base_version))
            .one(conn)
            .await?
            .and_then(|r| serde_json::from_str::<Value>(&r.snapshot).ok());
        let json = |s: &ArticleSnapshot| serde_json::to_value(s).unwrap_or(Value::Null);
        let theirs = json(&snapshot_of(current));
        let mine = json(&saved);
        // Without its base, every field the autosave holds counts as changed.
        let base = base.unwrap_or_else(|| theirs.clone());
        serde_json::from_value(merge(theirs, &base, mine)).map_err(|err| {
            AppError::Internal(anyhow::anyhow!("cannot fold an autosave in: {err}"))
        })?
    };
    let mut article = current.clone();
    apply(content, &mut article);
    Ok(article)
}

/// Drops `user`'s autosave of `article` (folded into a save).
pub(super) async fn clear<C: ConnectionTrait>(
    conn: &C,
    article: Uuid,
    user: Uuid,
) -> Result<(), AppError> {
    Entity::delete_many()
        .filter(Column::ArticleId.eq(article))
        .filter(Column::UserId.eq(user))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets every autosave of an article that is purged.
pub(super) async fn forget<C: ConnectionTrait>(conn: &C, article: Uuid) -> Result<(), AppError> {
    Entity::delete_many()
        .filter(Column::ArticleId.eq(article))
        .exec(conn)
        .await?;
    Ok(())
}

/// The content of an article as a revision would keep it.
fn snapshot_of(article: &Article) -> ArticleSnapshot {
    ArticleSnapshot {
        slug: article.slug.clone(),
        locale: article.locale.clone(),
        title: article.title.clone(),
        subtitle: article.subtitle.clone(),
        excerpt: article.excerpt.clone(),
        body: article.body.clone(),
        featured_image: article.featured_image.clone(),
        seo: article.seo.clone(),
        author_ids: article.author_ids.clone(),
        tag_ids: article.tag_ids.clone(),
    }
}

/// `article` with the content of `snapshot`.
fn apply(snapshot: ArticleSnapshot, article: &mut Article) {
    article.slug = snapshot.slug;
    article.locale = snapshot.locale;
    article.title = snapshot.title;
    article.subtitle = snapshot.subtitle;
    article.excerpt = snapshot.excerpt;
    article.body = snapshot.body;
    article.featured_image = snapshot.featured_image;
    article.seo = snapshot.seo;
    article.author_ids = snapshot.author_ids;
    article.tag_ids = snapshot.tag_ids;
}

/// A three-way merge of JSON objects field by field: `current`, with each
/// field of `mine` that differs from `base`.
fn merge(current: Value, base: &Value, mine: Value) -> Value {
    let (Value::Object(mut out), Value::Object(mine)) = (current, mine) else {
        return Value::Null;
    };
    let empty = Map::new();
    let base = base.as_object().unwrap_or(&empty);
    for (field, value) in mine {
        if base.get(&field) != Some(&value) {
            out.insert(field, value);
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_autosave_folds_in_only_what_it_changed() {
        let base = json!({"title": "Été", "body": "Un", "tag_ids": []});
        let theirs = json!({"title": "Été", "body": "Un, relu", "tag_ids": ["t"]});
        let mine = json!({"title": "L’été", "body": "Un", "tag_ids": []});
        assert_eq!(
            merge(theirs, &base, mine),
            json!({"title": "L’été", "body": "Un, relu", "tag_ids": ["t"]})
        );
    }

    #[test]
    fn a_field_both_changed_is_the_autosave_s() {
        let base = json!({"title": "A"});
        let merged = merge(json!({"title": "B"}), &base, json!({"title": "C"}));
        assert_eq!(merged, json!({"title": "C"}));
    }
}
