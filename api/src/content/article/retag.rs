//! Moving every article off one tag: a merge into another tag, or a detach
//! before the tag is deleted (design §15). Each article's working copy gets
//! a revision with its tags replaced, without leaving its workflow state;
//! a live copy's links change with it, so the public never sees a tag that
//! is gone. A live copy that was the working copy's version stays so.

use entities::types::ChangeKind;
use entities::{article, article_tag};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::model::Article;
use super::query::replace_links;
use super::read::read_one;
use super::rules::ArticleSnapshot;
use crate::content::history::{self, Write};
use crate::content::{ArticleCopy, WriteTx, now, search};
use crate::error::AppError;

/// One tag's articles, moved to `into` (or off it, when `None`) by `who`,
/// with `message` on each revision. Returns how many articles changed.
pub(crate) async fn retag(
    tx: &WriteTx,
    (from, into): (Uuid, Option<Uuid>),
    who: Option<Uuid>,
    message: &str,
) -> Result<u64, AppError> {
    let ids: Vec<Uuid> = article_tag::Entity::find()
        .select_only()
        .column(article_tag::Column::ArticleId)
        .filter(article_tag::Column::TagId.eq(from))
        .distinct()
        .into_tuple()
        .all(&**tx)
        .await?;
    for id in &ids {
        retag_one(tx, *id, (from, into), (who, message)).await?;
    }
    Ok(ids.len() as u64)
}

async fn retag_one(
    tx: &WriteTx,
    id: Uuid,
    (from, into): (Uuid, Option<Uuid>),
    (who, message): (Option<Uuid>, &str),
) -> Result<(), AppError> {
    let rows = article::Entity::find()
        .filter(article::Column::Id.eq(id))
        .lock_exclusive()
        .all(&**tx)
        .await?;
    let Some(working) = rows.iter().find(|r| r.copy == ArticleCopy::Working) else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "article {id} has links but no working copy"
        )));
    };
    let live = rows.iter().find(|r| r.copy == ArticleCopy::Live);
    let in_step = working.published_version == Some(working.version);
    let version = working.version + 1;
    let current = read_one(&**tx, working.clone(), ArticleCopy::Working).await?;
    let tag_ids = replaced(&current.tag_ids, from, into);
    let mut set = article::Entity::update_many()
        .col_expr(article::Column::Version, Expr::value(version))
        .col_expr(article::Column::UpdatedAt, Expr::value(now()))
        .col_expr(article::Column::UpdatedBy, Expr::value(who));
    if in_step {
        set = set.col_expr(article::Column::PublishedVersion, Expr::value(version));
    }
    set.filter(article::Column::Id.eq(id))
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .exec(&**tx)
        .await?;
    replace_links(&**tx, id, ArticleCopy::Working, None, Some(&tag_ids)).await?;
    let row = article::Model {
        version,
        ..working.clone()
    };
    search::index::article(tx, &row, ArticleCopy::Working).await?;
    let live_changed = match live {
        Some(live) => retag_live(tx, live, (from, into), in_step.then_some(version)).await?,
        None => false,
    };
    let snapshot = ArticleSnapshot::of(&row, &current.author_ids, &tag_ids);
    let write = Write {
        id,
        version,
        snapshot: &snapshot,
        message: Some(message),
        who,
        change: ChangeKind::Update,
        locale: Some(&row.locale),
        previous_locale: None,
        public: live_changed,
    };
    let taken = || AppError::Internal(anyhow::anyhow!("a retag does not change slugs"));
    history::record_write::<Article>(tx, Ok(1), taken, write).await?;
    Ok(())
}

/// Moves a live copy's links off `from`; `version`, when the live copy is
/// the working copy's version, is the new one both share. Whether the live
/// copy was filed under `from`.
async fn retag_live(
    tx: &WriteTx,
    live: &article::Model,
    (from, into): (Uuid, Option<Uuid>),
    version: Option<i32>,
) -> Result<bool, AppError> {
    let shown = read_one(&**tx, live.clone(), ArticleCopy::Live).await?;
    if !shown.tag_ids.contains(&from) {
        return Ok(false);
    }
    let tag_ids = replaced(&shown.tag_ids, from, into);
    replace_links(&**tx, live.id, ArticleCopy::Live, None, Some(&tag_ids)).await?;
    let mut row = live.clone();
    if let Some(version) = version {
        article::Entity::update_many()
            .col_expr(article::Column::Version, Expr::value(version))
            .col_expr(article::Column::PublishedVersion, Expr::value(version))
            .filter(article::Column::Id.eq(live.id))
            .filter(article::Column::Copy.eq(ArticleCopy::Live))
            .exec(&**tx)
            .await?;
        row.version = version;
        row.published_version = Some(version);
    }
    search::index::article(tx, &row, ArticleCopy::Live).await?;
    Ok(true)
}

/// `tags` with `from` replaced by `into` where it stood (or dropped when
/// `into` is `None`), each tag once.
fn replaced(tags: &[Uuid], from: Uuid, into: Option<Uuid>) -> Vec<Uuid> {
    let mut out: Vec<Uuid> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = if *tag == from { into } else { Some(*tag) };
        if let Some(tag) = tag.filter(|t| !out.contains(t)) {
            out.push(tag);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merged_tag_takes_the_place_of_the_old_one_once() {
        let [a, b, c] = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
        assert_eq!(replaced(&[a, b], a, Some(c)), vec![c, b]);
        // Filed under both: the target stays where the old tag stood, once.
        assert_eq!(replaced(&[b, a, c], a, Some(c)), vec![b, c]);
        assert_eq!(replaced(&[c, a], a, Some(c)), vec![c]);
        // Detached: the tag goes, the others keep their order.
        assert_eq!(replaced(&[b, a, c], a, None), vec![b, c]);
        assert_eq!(replaced(&[b], a, None), vec![b]);
    }
}
