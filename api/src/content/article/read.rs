//! Reading articles: one by id or slug, or a page of them, in the copy the
//! caller may and wants to see.

use entities::article;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::model::{Article, ArticleFilter, ArticleSort, Include, Read, View};
use super::{linked, pictures, query, translations};
use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::redirects;
use crate::content::{ArticleCopy, Ctx, EntityKind, Key, author};
use crate::error::AppError;
use crate::storage::page::{self, ListQuery, Page};
use crate::storage::{self, Reader, Scope};

/// Which copy `principal` sees, after checking they may see it.
pub(crate) fn view_for(
    ctx: &Ctx,
    principal: &Principal,
    preview: Option<bool>,
) -> Result<View, AppError> {
    let wants_preview = preview.unwrap_or_else(|| {
        matches!(principal, Principal::User { .. }) && ctx.allows(principal, Action::ReadPreview)
    });
    if wants_preview {
        ctx.require(principal, Action::ReadPreview)?;
        Ok(View::Preview)
    } else {
        ctx.require(principal, Action::ReadLive)?;
        Ok(View::Live)
    }
}

/// The article of `row` (of `copy`) with its links, nothing expanded.
pub(super) async fn read_one<C: Reader>(
    conn: &C,
    row: article::Model,
    copy: ArticleCopy,
) -> Result<Article, AppError> {
    let mut links = query::load_links(conn, &[row.id], copy, false).await?;
    let article = query::assemble(row, &mut links, Include::default());
    with_translations(conn, article, copy).await
}

/// The article of `row` (of `copy`) with its links, `include` expanded as
/// `principal` reads them now; unredacted.
pub(super) async fn read_expanded(
    ctx: &Ctx,
    principal: &Principal,
    row: article::Model,
    copy: ArticleCopy,
    include: Include,
) -> Result<Article, AppError> {
    let mut links = query::links_shown(ctx, (principal, None), &[row.id], copy, include).await?;
    let article = query::assemble(row, &mut links, include);
    with_translations(ctx.db.conn(), article, copy).await
}

/// `article` (of `copy`) with its translations listed.
async fn with_translations<C: Reader>(
    conn: &C,
    mut article: Article,
    copy: ArticleCopy,
) -> Result<Article, AppError> {
    let view = match copy {
        ArticleCopy::Live => View::Live,
        ArticleCopy::Working => View::Preview,
    };
    translations::attach(conn, std::slice::from_mut(&mut article), view).await?;
    Ok(article)
}

/// Hides private fields of expanded authors from callers who may not read them.
pub(super) fn redact(mut article: Article, ctx: &Ctx, principal: &Principal) -> Article {
    if let Some(authors) = article.authors.take() {
        article.authors = Some(
            authors
                .into_iter()
                .map(|a| author::redact(a, ctx, principal))
                .collect(),
        );
    }
    article
}

/// One article by id or slug, in the copy the caller may and wants to see.
pub async fn get(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    read: Read,
) -> Result<Article, AppError> {
    let view = view_for(ctx, principal, read.preview)?;
    let found = query::find_row(ctx, ctx.db.conn(), key, view, false).await;
    let row = or_moved(ctx, found, (key, view), &[]).await?;
    let mut article = read_expanded(ctx, principal, row, view.copy(), read.include).await?;
    if read.include.pictures {
        pictures::attach(ctx.db.conn(), std::slice::from_mut(&mut article)).await?;
    }
    Ok(redact(article, ctx, principal))
}

/// One article by id or slug, answered in the best locale of `chain`
/// (locales best first) among its translations (design §13): the article
/// itself or another of its group, in the copy the caller may and wants to
/// see. A slug prefers the chain's locales among the articles that have it.
/// 404 when the group has none of the chain's locales.
pub async fn get_localized(
    ctx: &Ctx,
    principal: &Principal,
    key: &Key,
    read: Read,
    chain: &[String],
) -> Result<Article, AppError> {
    let view = view_for(ctx, principal, read.preview)?;
    let conn = ctx.db.conn();
    let found = query::find_row_preferring(ctx, conn, (key, view, false), chain).await;
    let row = or_moved(ctx, found, (key, view), chain).await?;
    let row = translations::choose(conn, row, view, chain).await?;
    let mut article = read_expanded(ctx, principal, row, view.copy(), read.include).await?;
    if read.include.pictures {
        pictures::attach(conn, std::slice::from_mut(&mut article)).await?;
    }
    Ok(redact(article, ctx, principal))
}

/// When no article has the slug `key` names but one had it (design §15):
/// a 301 to that one's current slug, in the copy the caller sees. Former
/// slugs in the locales of `preferred`, then the default locale, come first.
async fn or_moved(
    ctx: &Ctx,
    found: Result<article::Model, AppError>,
    (key, view): (&Key, View),
    preferred: &[String],
) -> Result<article::Model, AppError> {
    let (Err(AppError::NotFound { .. }), Key::Slug { slug, locale }) = (&found, key) else {
        return found;
    };
    let mut scopes: Vec<&str> = preferred.iter().map(String::as_str).collect();
    scopes.push(&ctx.settings.default_locale);
    let conn = ctx.db.conn();
    let former = (slug.as_str(), locale.as_deref());
    let Some(id) = redirects::follow(conn, EntityKind::Article, former, &scopes).await? else {
        return found;
    };
    let row = query::find_row(ctx, conn, &Key::Id(id), view, false).await?;
    Err(AppError::Moved { id, slug: row.slug })
}

/// Articles by id in one view, as `principal` may see them, `include`
/// expanded (for search results).
pub(crate) async fn by_ids(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
    view: View,
    include: Include,
) -> Result<std::collections::HashMap<Uuid, Article>, AppError> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows = query::visible(view).filter(article::Column::Id.is_in(ids.to_vec()));
    let rows = storage::all(ctx.db.conn(), rows).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut links = query::links_shown(ctx, (principal, None), &ids, view.copy(), include).await?;
    let mut articles: Vec<Article> = rows
        .into_iter()
        .map(|row| redact(query::assemble(row, &mut links, include), ctx, principal))
        .collect();
    if include.pictures {
        pictures::attach(ctx.db.conn(), &mut articles).await?;
    }
    translations::attach(ctx.db.conn(), &mut articles, view).await?;
    Ok(articles.into_iter().map(|a| (a.id, a)).collect())
}

/// Which changes can move the total of a list of `copy` in `view`.
pub(super) fn scope(view: View, copy: ArticleCopy) -> Scope {
    match (view, copy) {
        (View::Live, ArticleCopy::Live) => Scope::Public,
        _ => Scope::Everything,
    }
}

/// A page of articles: the total (counted once per content generation, see
/// [`crate::storage::Db::total`]), the page, and one statement each for
/// the author and tag links — four statements whatever the page size, the
/// generation aside; the authors and tags shown are kept at the generation
/// the total was read at (`content::kept`). One tag's or author's page is
/// chosen in its links ([`linked`]).
pub async fn list(
    ctx: &Ctx,
    principal: &Principal,
    query: &ListQuery<ArticleFilter, ArticleSort>,
    read: Read,
) -> Result<Page<Article>, AppError> {
    let view = if query.filter.deleted {
        ctx.require(principal, Action::AdministerContent)?;
        View::Preview
    } else {
        view_for(ctx, principal, read.preview)?
    };
    let conn = ctx.db.conn();
    let linked = linked::page(&ctx.db, &query.filter, view, &query.sort, &query.page).await?;
    let (page, seen) = match linked {
        Some(page) => page,
        None => {
            let select = query::filtered(ctx, &query.filter, view)?;
            let copy = if query.filter.deleted {
                ArticleCopy::Working
            } else {
                view.copy()
            };
            let rows = article::Entity::find().filter(article::Column::Copy.eq(copy));
            let deferred = Some((rows, article::Column::Id));
            let (total, seen) = ctx.db.total(select.clone(), scope(view, copy)).await?;
            let page = page::fetch_counted(conn, select, deferred, &query.sort, &query.page, total);
            (page.await?, seen)
        }
    };
    let ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let shown = (principal, Some(seen));
    let mut links = query::links_shown(ctx, shown, &ids, view.copy(), read.include).await?;
    let mut page = page.map(|row| {
        redact(
            query::assemble(row, &mut links, read.include),
            ctx,
            principal,
        )
    });
    if read.include.pictures {
        pictures::attach(ctx.db.conn(), &mut page.items).await?;
    }
    translations::attach(ctx.db.conn(), &mut page.items, view).await?;
    Ok(page)
}
