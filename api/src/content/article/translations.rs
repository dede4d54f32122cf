//! Translations (design §13): articles of one translation group are the
//! same story in several locales, one per locale. Each keeps its own slug,
//! workflow and revisions; the group is an id both copies of each member
//! hold (the id of its first article), so deleting one member leaves the
//! others linked.

use entities::article;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::model::{Article, View};
use super::query::visible;
use crate::content::State;
use crate::error::AppError;

/// Another article of the same group, as reads list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    pub id: Uuid,
    pub locale: String,
    pub slug: String,
    /// Its workflow state (in the public view: published).
    pub state: State,
    /// True when it has a live copy.
    pub published: bool,
}

type MemberRow = (Uuid, String, String, State, Option<i32>, Option<Uuid>);

/// Lists, on each article that has a group, the other members of its group
/// in `view` (soft-deleted ones left out): one statement for any number of
/// articles, none when no article has a translation.
pub(super) async fn attach<C: ConnectionTrait>(
    conn: &C,
    articles: &mut [Article],
    view: View,
) -> Result<(), AppError> {
    let mut groups: Vec<Uuid> = articles
        .iter()
        .filter_map(|a| a.translation_group)
        .collect();
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Ok(());
    }
    let members: Vec<MemberRow> = visible(view)
        .select_only()
        .columns([
            article::Column::Id,
            article::Column::Locale,
            article::Column::Slug,
            article::Column::State,
            article::Column::PublishedVersion,
            article::Column::TranslationGroup,
        ])
        .filter(article::Column::TranslationGroup.is_in(groups))
        .order_by_asc(article::Column::Locale)
        .order_by_asc(article::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    for article in articles {
        let Some(group) = article.translation_group else {
            continue;
        };
        article.translations = members
            .iter()
            .filter(|m| m.5 == Some(group) && m.0 != article.id)
            .map(|(id, locale, slug, state, published, _)| Translation {
                id: *id,
                locale: locale.clone(),
                slug: slug.clone(),
                state: *state,
                published: published.is_some(),
            })
            .collect();
    }
    Ok(())
}

/// 409 when another working article of `group` is in `locale`.
async fn ensure_locale_free<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    locale: &str,
    own: Option<Uuid>,
) -> Result<(), AppError> {
    let mut others = visible(View::Preview)
        .select_only()
        .column(article::Column::Id)
        .filter(article::Column::TranslationGroup.eq(group))
        .filter(article::Column::Locale.eq(locale));
    if let Some(own) = own {
        others = others.filter(article::Column::Id.ne(own));
    }
    let taken: Option<Uuid> = others.into_tuple().one(conn).await?;
    match taken {
        Some(id) => Err(AppError::conflict(
            "locale",
            format!("article {id} is already this story's translation in {locale}"),
        )),
        None => Ok(()),
    }
}

/// The group a new article in `locale` joins as a translation of
/// `original`: 422 when there is no such article, 409 when the group has
/// one in that locale already. The original joins its own group first if
/// it had none.
pub(super) async fn join<C: ConnectionTrait>(
    conn: &C,
    original: Uuid,
    locale: &str,
) -> Result<Uuid, AppError> {
    let row = visible(View::Preview)
        .filter(article::Column::Id.eq(original))
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| {
            AppError::invalid(
                "translation_of",
                format!("no article has the id {original}"),
            )
        })?;
    let group = row.translation_group.unwrap_or(row.id);
    if row.locale.eq_ignore_ascii_case(locale) {
        return Err(AppError::conflict(
            "locale",
            format!("a translation needs another locale than its original's ({locale})"),
        ));
    }
    ensure_locale_free(conn, group, locale, None).await?;
    if row.translation_group.is_none() {
        article::Entity::update_many()
            .col_expr(article::Column::TranslationGroup, Expr::value(group))
            .filter(article::Column::Id.eq(row.id))
            .exec(conn)
            .await?;
    }
    Ok(group)
}

/// Checks that a member of a group moved to `locale` stays the group's only
/// article in it.
pub(super) async fn check_move<C: ConnectionTrait>(
    conn: &C,
    row: &article::Model,
    locale: &str,
) -> Result<(), AppError> {
    match row.translation_group {
        Some(group) if !row.locale.eq_ignore_ascii_case(locale) => {
            ensure_locale_free(conn, group, locale, Some(row.id)).await
        }
        _ => Ok(()),
    }
}

/// An edit may send `translation_of` back unchanged: naming the article
/// itself or another member of its group. Anything else is a 422 (the
/// group is chosen on create).
pub(super) async fn check_sent<C: ConnectionTrait>(
    conn: &C,
    row: &article::Model,
    sent: Option<Uuid>,
) -> Result<(), AppError> {
    let Some(sent) = sent else { return Ok(()) };
    if sent == row.id || Some(sent) == row.translation_group {
        return Ok(());
    }
    let group: Option<Option<Uuid>> = visible(View::Preview)
        .select_only()
        .column(article::Column::TranslationGroup)
        .filter(article::Column::Id.eq(sent))
        .into_tuple()
        .one(conn)
        .await?;
    match (group.flatten(), row.translation_group) {
        (Some(theirs), Some(ours)) if theirs == ours => Ok(()),
        _ => Err(AppError::invalid(
            "translation_of",
            "is set when the article is created; it names another article of its group",
        )),
    }
}

/// The best article of `row`'s group in `view` for `chain` (locales best
/// first): the first locale of the chain the group has. 404 when it has
/// none of them.
pub(super) async fn choose<C: ConnectionTrait>(
    conn: &C,
    row: article::Model,
    view: View,
    chain: &[String],
) -> Result<article::Model, AppError> {
    let members = match row.translation_group {
        None => vec![row],
        Some(group) => {
            visible(view)
                .filter(article::Column::TranslationGroup.eq(group))
                .all(conn)
                .await?
        }
    };
    chain
        .iter()
        .find_map(|locale| {
            members
                .iter()
                .find(|m| m.locale.eq_ignore_ascii_case(locale))
        })
        .cloned()
        .ok_or_else(|| AppError::not_found("article in the locales asked for"))
}
