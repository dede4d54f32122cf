//! A tag's or an author's page of articles, chosen in the link table.
//!
//! The links carry their article copy's `published_at` and `deleted_at`
//! (kept by the database), in an index that starts with the tag or the
//! author. A list filtered by one tag or one author and sorted by
//! publication is counted, sorted and skipped in that index alone: its cost
//! does not grow with the offset or the collection (and its total is
//! counted once per content generation). Any other list
//! goes the general way ([`super::query::filtered`]).

use entities::article;
use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use super::model::{ArticleFilter, ArticleSort, View};
use super::read::scope;
use crate::content::Key;
use crate::error::AppError;
use crate::storage::page::{self, Page, Pagination, Sort, SortField, sort_fields};
use crate::storage::{Db, Generation};

sort_fields! {
    /// The article sort keys a tag's links carry.
    enum TagLinkSort for article_tag (id Id) {
        Id = "id": ArticleId(article_id) as Id,
        PublishedAt = "published_at": PublishedAt(published_at) as OptionalTime,
    }
}

sort_fields! {
    /// The article sort keys an author's links carry.
    enum AuthorLinkSort for article_author (id Id) {
        Id = "id": ArticleId(article_id) as Id,
        PublishedAt = "published_at": PublishedAt(published_at) as OptionalTime,
    }
}

/// The one tag or author a list is filtered by, when that is all it is
/// filtered by (publication dates aside).
enum Via<'a> {
    Tag(&'a Key),
    Author(&'a Key),
}

fn via(filter: &ArticleFilter) -> Option<Via<'_>> {
    let only_links = filter.ids.is_none()
        && filter.locale.is_none()
        && filter.states.is_empty()
        && filter.slug.is_none()
        && filter.q.is_none()
        && filter.title_contains.is_none()
        && !filter.deleted;
    match (filter.tags.as_slice(), filter.authors.as_slice()) {
        ([tag], []) if only_links => Some(Via::Tag(tag)),
        ([], [author]) if only_links => Some(Via::Author(author)),
        _ => None,
    }
}

/// The same sort over a link table's columns, when every key is one the
/// links carry.
fn link_sort<K: SortField>(sort: &Sort<ArticleSort>, published_at: K, id: K) -> Option<Sort<K>> {
    let keys = sort
        .keys()
        .iter()
        .map(|(field, direction)| match field {
            ArticleSort::PublishedAt => Some((published_at, *direction)),
            ArticleSort::Id => Some((id, *direction)),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Sort::from_keys(keys))
}

/// `other = id`, or `other = (SELECT id FROM <table> WHERE slug = …)`: one
/// value, so the index is read in order.
fn names<L: ColumnTrait, O: ColumnTrait>(other: L, id: O, slug: O, key: &Key) -> SimpleExpr {
    match key {
        Key::Id(value) => Expr::col(other).eq(*value),
        Key::Slug { slug: text, .. } => Expr::col(other).eq(SimpleExpr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column(id)
                    .from(id.entity_name())
                    .and_where(Expr::col(slug).eq(text.as_str()))
                    .to_owned()
                    .into_sub_query_statement(),
            ),
        )),
    }
}

/// The links of one copy a view shows, published in the filter's window.
fn window<E: EntityTrait>(
    select: Select<E>,
    (copy, published_at, deleted_at): (E::Column, E::Column, E::Column),
    filter: &ArticleFilter,
    view: View,
) -> Select<E> {
    let mut select = select.filter(copy.eq(view.copy()));
    if view == View::Preview {
        select = select.filter(deleted_at.is_null());
    }
    if let Some(after) = filter.published_after {
        select = select.filter(published_at.gte(after));
    }
    if let Some(before) = filter.published_before {
        select = select.filter(published_at.lt(before));
    }
    select
}

/// A link table's columns and the sort fields over them.
struct Link<K: SortField> {
    copy: <K::Entity as EntityTrait>::Column,
    published_at: <K::Entity as EntityTrait>::Column,
    deleted_at: <K::Entity as EntityTrait>::Column,
    article_id: <K::Entity as EntityTrait>::Column,
    by_date: K,
    by_id: K,
}

/// The page of the articles `links` (one tag's or author's) name, when the
/// sort is one the links carry.
async fn through<K>(
    db: &Db,
    links: Select<K::Entity>,
    link: Link<K>,
    (filter, view, sort, pagination): (&ArticleFilter, View, &Sort<ArticleSort>, &Pagination),
) -> Result<Option<(Page<article::Model>, Generation)>, AppError>
where
    K: SortField,
    <K::Entity as EntityTrait>::Model: Send + Sync,
{
    let Some(link_sort) = link_sort(sort, link.by_date, link.by_id) else {
        return Ok(None);
    };
    let links = window(
        links,
        (link.copy, link.published_at, link.deleted_at),
        filter,
        view,
    );
    let (total, seen) = db.total(links.clone(), scope(view, view.copy())).await?;
    let rows = (
        article::Entity::find().filter(article::Column::Copy.eq(view.copy())),
        article::Column::Id,
    );
    let links = (links, link.article_id, &link_sort);
    let page = page::fetch_through(db.conn(), links, rows, (sort, pagination), total).await?;
    Ok(Some((page, seen)))
}

/// The links naming one tag or author (`$key`), as a `Select` of the link
/// entity and its [`Link`].
macro_rules! links_of {
    ($link:ident . $other:ident, $row:ident, $sort:ident, $key:expr) => {{
        use entities::$link::Column as L;
        let links = entities::$link::Entity::find().filter(names(
            L::$other,
            entities::$row::Column::Id,
            entities::$row::Column::Slug,
            $key,
        ));
        let link = Link {
            copy: L::Copy,
            published_at: L::PublishedAt,
            deleted_at: L::DeletedAt,
            article_id: L::ArticleId,
            by_date: $sort::PublishedAt,
            by_id: $sort::Id,
        };
        (links, link)
    }};
}

/// The page, when the list is one tag's or one author's sorted by what the
/// links carry, and the generation its total stands at; `None` sends it
/// the general way.
pub(super) async fn page(
    db: &Db,
    filter: &ArticleFilter,
    view: View,
    sort: &Sort<ArticleSort>,
    pagination: &Pagination,
) -> Result<Option<(Page<article::Model>, Generation)>, AppError> {
    let request = (filter, view, sort, pagination);
    match via(filter) {
        None => Ok(None),
        Some(Via::Tag(key)) => {
            let (links, link) = links_of!(article_tag.TagId, tag, TagLinkSort, key);
            through(db, links, link, request).await
        }
        Some(Via::Author(key)) => {
            let (links, link) = links_of!(article_author.AuthorId, author, AuthorLinkSort, key);
            through(db, links, link, request).await
        }
    }
}
