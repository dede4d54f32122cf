//! Reading articles: list filters, slug look-up, and loading the ordered
//! author and tag links of many articles in one statement each.

use std::collections::HashMap;
use std::sync::Arc;

use entities::{article, article_author, article_tag, author as author_row, tag as tag_row};
use sea_orm::sea_query::{BinOper, Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::model::{Article, ArticleFilter, Include, Seo, Source, View};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::author::{self, Author};
use crate::content::tag::Tag;
use crate::content::{ArticleCopy, Ctx, EntityKind, Key, kept, search};
use crate::error::AppError;
use crate::storage::{self, Generation, Reader, contains_ci};

/// Splits keys into ids and slugs.
fn split_keys(keys: &[Key]) -> (Vec<Uuid>, Vec<String>) {
    let mut ids = Vec::new();
    let mut slugs = Vec::new();
    for key in keys {
        match key {
            Key::Id(id) => ids.push(*id),
            Key::Slug { slug, .. } => slugs.push(slug.clone()),
        }
    }
    (ids, slugs)
}

/// `articles.id IN (SELECT article_id FROM <link> WHERE <other> IN ids OR <other> IN (SELECT id FROM <table> WHERE slug IN slugs))`.
fn linked_to<L, O>(
    link_article: L,
    link_copy: L,
    link_other: L,
    other_id: O,
    other_slug: O,
    copy: ArticleCopy,
    keys: &[Key],
) -> Expr
where
    L: ColumnTrait,
    O: ColumnTrait,
{
    let (ids, slugs) = split_keys(keys);
    let mut matches = Condition::any();
    if !ids.is_empty() {
        matches = matches.add(Expr::col(link_other).is_in(ids));
    }
    if !slugs.is_empty() {
        matches = matches.add(
            Expr::col(link_other).in_subquery(
                Query::select()
                    .column(other_id)
                    .from(other_id.entity_name())
                    .and_where(Expr::col(other_slug).is_in(slugs))
                    .to_owned(),
            ),
        );
    }
    Expr::col((article::Entity, article::Column::Id)).in_subquery(
        Query::select()
            .column(link_article)
            .from(link_article.entity_name())
            .and_where(Expr::col(link_copy).eq(copy))
            .cond_where(matches)
            .to_owned(),
    )
}
/// The rows a view shows: one copy, soft-deleted articles left out (a live
/// copy never is: deleting takes it down, so the live view needs no check).
pub(super) fn visible(view: View) -> Select<article::Entity> {
    let rows = article::Entity::find().filter(article::Column::Copy.eq(view.copy()));
    match view {
        View::Live => rows,
        View::Preview => rows.filter(article::Column::DeletedAt.is_null()),
    }
}

/// The filter as conditions on `articles`; `q` goes through the search index.
pub(super) fn filtered(
    ctx: &Ctx,
    filter: &ArticleFilter,
    view: View,
) -> Result<Select<article::Entity>, AppError> {
    let copy = if filter.deleted {
        ArticleCopy::Working
    } else {
        view.copy()
    };
    let mut select = if filter.deleted {
        article::Entity::find()
            .filter(article::Column::Copy.eq(ArticleCopy::Working))
            .filter(article::Column::DeletedAt.is_not_null())
    } else {
        visible(view)
    };
    if let Some(ids) = &filter.ids {
        select = select.filter(article::Column::Id.is_in(ids.clone()));
    }
    if !filter.authors.is_empty() {
        select = select.filter(linked_to(
            article_author::Column::ArticleId,
            article_author::Column::Copy,
            article_author::Column::AuthorId,
            author_row::Column::Id,
            author_row::Column::Slug,
            copy,
            &filter.authors,
        ));
    }
    if !filter.tags.is_empty() {
        select = select.filter(linked_to(
            article_tag::Column::ArticleId,
            article_tag::Column::Copy,
            article_tag::Column::TagId,
            tag_row::Column::Id,
            tag_row::Column::Slug,
            copy,
            &filter.tags,
        ));
    }
    if let Some(locale) = &filter.locale {
        select = select.filter(article::Column::Locale.eq(locale.as_str()));
    }
    if !filter.states.is_empty() {
        select = select.filter(article::Column::State.is_in(filter.states.iter().copied()));
    }
    if let Some(slug) = &filter.slug {
        select = select.filter(article::Column::Slug.eq(slug.as_str()));
    }
    if let Some(after) = filter.published_after {
        select = select.filter(article::Column::PublishedAt.gte(after));
    }
    if let Some(before) = filter.published_before {
        select = select.filter(article::Column::PublishedAt.lt(before));
    }
    if let Some(q) = &filter.q {
        let scope = (copy, filter.deleted);
        let (matching, values) = search::ids_matching(ctx, q, EntityKind::Article, scope)?;
        select = select.filter(Expr::col((article::Entity, article::Column::Id)).binary(
            BinOper::In,
            Expr::cust_with_values(format!("({matching})"), values),
        ));
    }
    if let Some(title) = &filter.title_contains {
        select = select.filter(contains_ci(article::Column::Title, title));
    }
    Ok(select)
}

/// The article row `key` names. A slug without a locale prefers the default
/// locale, then the oldest article with that slug. `for_update` locks the
/// row until the transaction ends (PostgreSQL; SQLite writers are serialised).
pub(super) async fn find_row<C: Reader>(
    ctx: &Ctx,
    conn: &C,
    key: &Key,
    view: View,
    for_update: bool,
) -> Result<article::Model, AppError> {
    find_row_preferring(ctx, conn, (key, view, for_update), &[]).await
}

/// The article row `key` names; a slug without a locale prefers, among the
/// articles that have it, the first locale of `preferred`, then the default
/// locale, then the oldest article.
pub(super) async fn find_row_preferring<C: Reader>(
    ctx: &Ctx,
    conn: &C,
    (key, view, for_update): (&Key, View, bool),
    preferred: &[String],
) -> Result<article::Model, AppError> {
    let mut query = visible(view);
    if for_update {
        query = query.lock_exclusive();
    }
    let query = match key {
        Key::Id(id) => query.filter(article::Column::Id.eq(*id)),
        Key::Slug { slug, locale } => {
            query = query.filter(article::Column::Slug.eq(slug.as_str()));
            if let Some(locale) = locale {
                query = query.filter(article::Column::Locale.eq(locale.as_str()));
            }
            query.order_by_asc(article::Column::Id)
        }
    };
    let rows = storage::all(conn, query).await?;
    let default = ctx.settings.default_locale.as_str();
    let rank = |row: &article::Model| {
        preferred
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(default))
            .position(|locale| row.locale.eq_ignore_ascii_case(locale))
            .unwrap_or(usize::MAX)
    };
    let preferred = rows
        .iter()
        .enumerate()
        .min_by_key(|(i, row)| (rank(row), *i))
        .map_or(0, |(i, _)| i);
    rows.into_iter()
        .nth(preferred)
        .ok_or_else(|| AppError::not_found("article"))
}

/// The ordered author and tag links of some articles.
#[derive(Debug, Default)]
pub(super) struct Links {
    author_ids: HashMap<Uuid, Vec<Uuid>>,
    tag_ids: HashMap<Uuid, Vec<Uuid>>,
    authors: HashMap<Uuid, Vec<Author>>,
    tags: HashMap<Uuid, Vec<Tag>>,
}

impl Links {
    /// The links of one article whose ids are already known.
    pub(super) fn with(article_id: Uuid, author_ids: Vec<Uuid>, tag_ids: Vec<Uuid>) -> Self {
        let mut links = Self::default();
        links.author_ids.insert(article_id, author_ids);
        links.tag_ids.insert(article_id, tag_ids);
        links
    }
}

/// Loads the ordered author and tag ids of `ids` in one copy, in one
/// statement for each; with `authors_joined`, the first reads the authors
/// too.
pub(super) async fn load_links<C: Reader>(
    conn: &C,
    ids: &[Uuid],
    copy: ArticleCopy,
    authors_joined: bool,
) -> Result<Links, AppError> {
    let mut links = Links::default();
    if ids.is_empty() {
        return Ok(links);
    }
    use article_author::Column as A;
    use article_tag::Column as T;
    let author_links = article_author::Entity::find()
        .filter(A::ArticleId.is_in(ids.to_vec()))
        .filter(A::Copy.eq(copy))
        .order_by_asc(A::ArticleId)
        .order_by_asc(A::Position);
    if authors_joined {
        let joined = author_links.find_also_related(author_row::Entity);
        for (link, row) in storage::all_pairs(conn, joined).await? {
            let ids = links.author_ids.entry(link.article_id).or_default();
            ids.push(link.author_id);
            if let Some(row) = row {
                let authors = links.authors.entry(link.article_id).or_default();
                authors.push(author::from_row(row)?);
            }
        }
    } else {
        // Both ids are in the index the links are read in (migration 16).
        let ends = author_links
            .select_only()
            .columns([A::ArticleId, A::AuthorId]);
        for (article, author) in storage::id_pairs(conn, ends).await? {
            links.author_ids.entry(article).or_default().push(author);
        }
    }
    let tag_links = article_tag::Entity::find()
        .select_only()
        .columns([T::ArticleId, T::TagId])
        .filter(T::ArticleId.is_in(ids.to_vec()))
        .filter(T::Copy.eq(copy))
        .order_by_asc(T::ArticleId)
        .order_by_asc(T::Position);
    for (article, tag) in storage::id_pairs(conn, tag_links).await? {
        links.tag_ids.entry(article).or_default().push(tag);
    }
    Ok(links)
}

/// The links of `ids` (of `copy`) with the authors and tags `include`
/// expands, unredacted, as `principal` reads them now. `seen` is a
/// generation the request has read already, if any. The tags, and the
/// authors of callers who may not read private fields, are kept while the
/// generation stands (`content::kept`); the authors of those who may are
/// read with their links.
pub(super) async fn links_shown(
    ctx: &Ctx,
    (principal, seen): (&Principal, Option<Generation>),
    ids: &[Uuid],
    copy: ArticleCopy,
    include: Include,
) -> Result<Links, AppError> {
    let joined = include.authors && ctx.allows(principal, Action::ReadPrivate);
    let mut links = load_links(ctx.db.conn(), ids, copy, joined).await?;
    if include.authors && !joined {
        let ids: Vec<Uuid> = links.author_ids.values().flatten().copied().collect();
        let found = kept::authors(ctx, principal, seen, &ids).await?;
        links.authors = in_link_order(&links.author_ids, &found);
    }
    if include.tags {
        let ids: Vec<Uuid> = links.tag_ids.values().flatten().copied().collect();
        let found = kept::tags(ctx, seen, &ids).await?;
        links.tags = in_link_order(&links.tag_ids, &found);
    }
    Ok(links)
}

/// The records of each article's links, in link order.
fn in_link_order<T: Clone>(
    links: &HashMap<Uuid, Vec<Uuid>>,
    found: &HashMap<Uuid, Arc<T>>,
) -> HashMap<Uuid, Vec<T>> {
    links
        .iter()
        .map(|(article, ids)| {
            let records = ids
                .iter()
                .filter_map(|id| found.get(id).map(|r| T::clone(r)));
            (*article, records.collect())
        })
        .collect()
}

/// Builds the domain article from its row and links.
pub(super) fn assemble(row: article::Model, links: &mut Links, include: Include) -> Article {
    let featured_image = super::rules::featured_image_of(&row);
    Article {
        author_ids: links.author_ids.remove(&row.id).unwrap_or_default(),
        tag_ids: links.tag_ids.remove(&row.id).unwrap_or_default(),
        authors: include
            .authors
            .then(|| links.authors.remove(&row.id).unwrap_or_default()),
        tags: include
            .tags
            .then(|| links.tags.remove(&row.id).unwrap_or_default()),
        id: row.id,
        slug: row.slug,
        locale: row.locale,
        title: row.title,
        subtitle: row.subtitle,
        excerpt: row.excerpt,
        body: row.body,
        featured_image,
        seo: Seo {
            title: row.seo_title,
            description: row.seo_description,
            canonical_url: row.seo_canonical_url,
        },
        state: row.state,
        version: row.version,
        published_version: row.published_version,
        published_at: row.published_at,
        scheduled_at: row.scheduled_at,
        unpublish_at: row.unpublish_at,
        deleted_at: row.deleted_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        created_by: row.created_by,
        updated_by: row.updated_by,
        word_count: u32::try_from(row.word_count).unwrap_or(0),
        pictures: None,
        translation_group: row.translation_group,
        translations: Vec::new(),
        source: row
            .source_system
            .zip(row.source_id)
            .map(|(system, id)| Source {
                system,
                id,
                url: row.source_url,
            }),
    }
}

/// The article of a row whose author and tag ids are known (nothing expanded).
pub(super) fn assemble_with(
    row: article::Model,
    author_ids: Vec<Uuid>,
    tag_ids: Vec<Uuid>,
) -> Article {
    let mut links = Links::with(row.id, author_ids, tag_ids);
    assemble(row, &mut links, Include::default())
}

/// The working row `key` names, soft-deleted or not (for admins' restore and purge).
pub(super) async fn find_any<C: ConnectionTrait>(
    conn: &C,
    key: &Key,
) -> Result<article::Model, AppError> {
    let query = article::Entity::find()
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .lock_exclusive();
    let query = match key {
        Key::Id(id) => query.filter(article::Column::Id.eq(*id)),
        Key::Slug { slug, locale } => {
            let query = query.filter(article::Column::Slug.eq(slug.as_str()));
            match locale {
                Some(locale) => query.filter(article::Column::Locale.eq(locale.as_str())),
                None => query,
            }
        }
    };
    query
        .order_by_asc(article::Column::Id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::not_found("article"))
}

/// Replaces the author and/or tag links of one copy of an article.
pub(super) async fn replace_links<C: ConnectionTrait>(
    conn: &C,
    article_id: Uuid,
    copy: ArticleCopy,
    author_ids: Option<&[Uuid]>,
    tag_ids: Option<&[Uuid]>,
) -> Result<(), AppError> {
    let position = |i: usize| i32::try_from(i).unwrap_or(i32::MAX);
    if let Some(ids) = author_ids {
        article_author::Entity::delete_many()
            .filter(article_author::Column::ArticleId.eq(article_id))
            .filter(article_author::Column::Copy.eq(copy))
            .exec(conn)
            .await?;
        article_author::Entity::insert_many(ids.iter().enumerate().map(|(i, id)| {
            article_author::ActiveModel::from(article_author::Model {
                article_id,
                copy,
                author_id: *id,
                position: position(i),
                // Filled in from the article copy by the database.
                published_at: None,
                deleted_at: None,
            })
        }))
        .exec_without_returning(conn)
        .await?;
    }
    if let Some(ids) = tag_ids {
        article_tag::Entity::delete_many()
            .filter(article_tag::Column::ArticleId.eq(article_id))
            .filter(article_tag::Column::Copy.eq(copy))
            .exec(conn)
            .await?;
        article_tag::Entity::insert_many(ids.iter().enumerate().map(|(i, id)| {
            article_tag::ActiveModel::from(article_tag::Model {
                article_id,
                copy,
                tag_id: *id,
                position: position(i),
                // Filled in from the article copy by the database.
                published_at: None,
                deleted_at: None,
            })
        }))
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}
