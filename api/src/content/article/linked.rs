//! A tag's or an author's page of articles, chosen in the link table.
//!
//! The links carry their article copy's `published_at` and `deleted_at`
//! (kept by the database), in an index that starts with the tag or the
//! author. A list filtered by one tag or one author and sorted by
//! publication is counted, sorted and skipped in that index alone: its cost
//! does not grow with the offset or the collection (and its total is
//! counted once per content generation). Any other list
//! goes the general way ([`super::query::filtered`]).

use entities::{article, article_author, article_tag, author as author_row, tag as tag_row};
use sea_orm::sea_query::{Expr, ExprTrait, Query, QueryStatementBuilder, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use super::model::{ArticleFilter, ArticleSort, View};
use super::read::scope;
use crate::content::Key;
use crate::error::AppError;
use crate::storage::Db;
use crate::storage::page::{self, Page, Pagination, Sort, SortField, sort_fields};

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

/// The page, when the list is one tag's or one author's sorted by what the
/// links carry; `None` sends it the general way.
pub(super) async fn page(
    db: &Db,
    filter: &ArticleFilter,
    view: View,
    sort: &Sort<ArticleSort>,
    pagination: &Pagination,
) -> Result<Option<Page<article::Model>>, AppError> {
    let Some(via) = via(filter) else {
        return Ok(None);
    };
    let rows = (
        article::Entity::find().filter(article::Column::Copy.eq(view.copy())),
        article::Column::Id,
    );
    let page = match via {
        Via::Tag(key) => {
            use article_tag::Column as L;
            let Some(link_sort) = link_sort(sort, TagLinkSort::PublishedAt, TagLinkSort::Id) else {
                return Ok(None);
            };
            let links = article_tag::Entity::find().filter(names(
                L::TagId,
                tag_row::Column::Id,
                tag_row::Column::Slug,
                key,
            ));
            let links = window(links, (L::Copy, L::PublishedAt, L::DeletedAt), filter, view);
            let total = db.total(links.clone(), scope(view, view.copy())).await?;
            page::fetch_through(
                &db.conn,
                (links, L::ArticleId, &link_sort),
                rows,
                (sort, pagination),
                total,
            )
            .await?
        }
        Via::Author(key) => {
            use article_author::Column as L;
            let Some(link_sort) = link_sort(sort, AuthorLinkSort::PublishedAt, AuthorLinkSort::Id)
            else {
                return Ok(None);
            };
            let links = article_author::Entity::find().filter(names(
                L::AuthorId,
                author_row::Column::Id,
                author_row::Column::Slug,
                key,
            ));
            let links = window(links, (L::Copy, L::PublishedAt, L::DeletedAt), filter, view);
            let total = db.total(links.clone(), scope(view, view.copy())).await?;
            page::fetch_through(
                &db.conn,
                (links, L::ArticleId, &link_sort),
                rows,
                (sort, pagination),
                total,
            )
            .await?
        }
    };
    Ok(Some(page))
}
