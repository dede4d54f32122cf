//! Search (design §12): ranked, accent- and case-blind matching over
//! articles (title, subtitle, excerpt, body, author and tag names), authors
//! and tags, with highlighted fragments and facets. `query` parses what a
//! reader types; `index` keeps the documents in step with every write;
//! `engine` writes the SQL of each database; `rebuild` makes the index again.

mod engine;
mod fts;
pub(crate) mod index;
mod numbering;
mod query;
mod rebuild;
mod sqlite;

use std::collections::HashMap;

use sea_orm::{DatabaseBackend, FromQueryResult};
use uuid::Uuid;

pub use query::{MAX_CHARS, SearchQuery};
pub use rebuild::{Rebuilt, ensure_current, rebuild};

use self::engine::{END, START, Scope, Sql};
use crate::auth::Principal;
use crate::content::article::{self, Article, Read, View};
use crate::content::author::{self, Author};
use crate::content::tag::{self, Tag};
use crate::content::{ArticleCopy, Ctx, EntityKind, Key, Named, kept};
use crate::error::AppError;

/// What to search for, and where.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// What the reader typed.
    pub q: String,
    /// Kinds of record to find (empty: articles, authors and tags).
    pub kinds: Vec<EntityKind>,
    /// Articles in this locale only.
    pub locale: Option<String>,
    /// Articles filed under any of these tags only.
    pub tags: Vec<Key>,
    /// Articles credited to any of these authors only.
    pub authors: Vec<Key>,
    /// Matches to skip.
    pub offset: u64,
    /// Matches to return.
    pub limit: u64,
    /// Which copy of articles, and what to expand in them.
    pub read: Read,
}

/// The record a match is.
#[derive(Debug, Clone)]
pub enum Found {
    Article(Box<Article>),
    Author(Box<Author>),
    Tag(Tag),
}

/// The fragments of one field with the matched words in `<mark>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// The field, as the record's API names it.
    pub field: &'static str,
    /// HTML-escaped text with `<mark>` around matched words.
    pub fragments: Vec<String>,
}

/// One match.
#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: EntityKind,
    pub id: Uuid,
    /// Higher is better: the weights of the fields that hold every wanted
    /// word (title 8, subtitle or excerpt 4, body 2, names 1), plus the
    /// engine's relevance below 1.
    pub score: f64,
    pub highlights: Vec<Highlight>,
    pub found: Found,
}

/// A tag or author and how many matching articles it is linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub count: u64,
}

/// Matching articles above which tags and authors are counted over an even
/// sample of about this many.
pub const FACET_SAMPLE: u64 = 1_000;

/// Counts of the matching articles by tag, author and locale.
#[derive(Debug, Clone)]
pub struct Facets {
    /// The 20 tags with most matches, most first.
    pub tags: Vec<Counted>,
    /// The 20 authors with most matches, most first.
    pub authors: Vec<Counted>,
    /// Every locale with matches, most first.
    pub locales: Vec<(String, u64)>,
    /// The tag and author counts are exact: they were counted over every
    /// matching article, not estimated from an even sample of about
    /// [`FACET_SAMPLE`] of them (when more match). Locale counts are always
    /// exact.
    pub exact: bool,
}

impl Default for Facets {
    fn default() -> Self {
        Self {
            tags: Vec::new(),
            authors: Vec::new(),
            locales: Vec::new(),
            exact: true,
        }
    }
}

/// A page of matches.
#[derive(Debug, Clone)]
pub struct Results {
    pub hits: Vec<Hit>,
    /// Matches over all pages.
    pub total: u64,
    pub facets: Facets,
}

/// A row of [`Scope::overview`]: a match of the page, a count of matches
/// by kind and locale, or a tag or author and its matching articles.
#[derive(Debug, FromQueryResult)]
struct OverviewRow {
    part: String,
    doc: i64,
    entity: String,
    id: Option<Uuid>,
    locale: String,
    score: f64,
    hits: i64,
}

/// A match of the page.
#[derive(Debug)]
struct PageRow {
    doc: i64,
    entity: String,
    entity_id: Uuid,
    score: f64,
}

/// Matches of one kind in one locale.
#[derive(Debug)]
struct CountRow {
    entity: String,
    locale: String,
    hits: u64,
}

/// A tag or author and how many matching articles it is linked to.
#[derive(Debug)]
struct FacetRow {
    id: Uuid,
    hits: u64,
}

/// What a search found besides the records: the page, the counts by kind
/// and locale, the tags and authors most linked to the matching articles.
#[derive(Debug, Default)]
struct Overview {
    page: Vec<PageRow>,
    counts: Vec<CountRow>,
    tags: Vec<FacetRow>,
    authors: Vec<FacetRow>,
    /// The tag and author counts were made over every matching article.
    exact: bool,
}

impl Overview {
    /// PostgreSQL's overview, from the rows of one statement.
    fn of_rows(rows: Vec<OverviewRow>) -> Self {
        let mut overview = Self::default();
        let mut sampled = 0;
        for row in rows {
            let hits = u64::try_from(row.hits).unwrap_or(0);
            match (row.part.as_str(), row.id) {
                ("hit", Some(entity_id)) => overview.page.push(PageRow {
                    doc: row.doc,
                    entity: row.entity,
                    entity_id,
                    score: row.score,
                }),
                ("count", _) => overview.counts.push(CountRow {
                    entity: row.entity,
                    locale: row.locale,
                    hits,
                }),
                ("tag", Some(id)) => overview.tags.push(FacetRow { id, hits }),
                ("author", Some(id)) => overview.authors.push(FacetRow { id, hits }),
                ("sampled", _) => sampled = hits,
                _ => {}
            }
        }
        overview.scale_facets(sampled);
        overview
    }

    /// The matching articles, from the counts.
    fn articles(&self) -> u64 {
        self.counts
            .iter()
            .filter(|row| row.entity == EntityKind::Article.as_str())
            .map(|row| row.hits)
            .sum()
    }

    /// Marks the tag and author counts exact when at most [`FACET_SAMPLE`]
    /// articles match (they were counted over all of them); otherwise
    /// they were counted over an even sample of `sampled` of them, and are
    /// scaled to all of them, rounded to the nearest whole count.
    fn scale_facets(&mut self, sampled: u64) {
        let articles = self.articles();
        self.exact = articles <= FACET_SAMPLE;
        if self.exact || sampled == 0 {
            return;
        }
        for row in self.tags.iter_mut().chain(&mut self.authors) {
            row.hits = (row.hits.saturating_mul(articles) + sampled / 2) / sampled;
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct HighlightRow {
    doc: i64,
    title: Option<String>,
    subtitle: Option<String>,
    excerpt: Option<String>,
    body: Option<String>,
    authors: Option<String>,
    tags: Option<String>,
}

/// The kinds a request searches: those asked for, or all three; only
/// articles when it filters by tag or author.
fn kinds_of(request: &SearchRequest) -> Vec<EntityKind> {
    let all = [EntityKind::Article, EntityKind::Author, EntityKind::Tag];
    if !request.tags.is_empty() || !request.authors.is_empty() {
        return vec![EntityKind::Article];
    }
    if request.kinds.is_empty() {
        all.to_vec()
    } else {
        all.into_iter()
            .filter(|kind| request.kinds.contains(kind))
            .collect()
    }
}

/// Searches (design §12). The public searches live copies; callers who may
/// preview search working copies with `preview` (by default when signed in,
/// as lists do).
pub async fn search(
    ctx: &Ctx,
    principal: &Principal,
    request: &SearchRequest,
) -> Result<Results, AppError> {
    let view = article::view_for(ctx, principal, request.read.preview)?;
    let query = SearchQuery::parse(&request.q).map_err(|m| AppError::bad_field("q", m))?;
    let kinds = kinds_of(request);
    let scope = Scope {
        query: &query,
        kinds: &kinds,
        copy: view.copy(),
        hidden: false,
        locale: request.locale.as_deref(),
        tags: &request.tags,
        authors: &request.authors,
    };
    let (offset, limit) = (request.offset, request.limit.max(1));
    let mut overview = if ctx.db.backend() == DatabaseBackend::Sqlite {
        // Its statements read one snapshot: the counts, the page and the
        // facets agree while writers go on.
        let snapshot = ctx.db.begin_read().await?;
        let overview = sqlite::overview(&snapshot, &scope, offset, limit).await?;
        snapshot.commit().await?;
        overview
    } else {
        let statement = scope.overview(ctx.db.backend(), offset, limit);
        Overview::of_rows(
            OverviewRow::find_by_statement(statement)
                .all(ctx.db.conn())
                .await?,
        )
    };
    let total = overview.counts.iter().map(|row| row.hits).sum();
    let page = std::mem::take(&mut overview.page);
    let facets = facets(ctx, overview).await?;
    let hits = hits(ctx, principal, (&scope, view, request.read), page).await?;
    Ok(Results {
        hits,
        total,
        facets,
    })
}

/// The matches of a page, with their records and highlights.
async fn hits(
    ctx: &Ctx,
    principal: &Principal,
    (scope, view, read): (&Scope<'_>, View, Read),
    rows: Vec<PageRow>,
) -> Result<Vec<Hit>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids_of = |kind: &str| -> Vec<Uuid> {
        rows.iter()
            .filter(|row| row.entity == kind)
            .map(|row| row.entity_id)
            .collect()
    };
    let mut articles =
        article::by_ids(ctx, principal, &ids_of("article"), view, read.include).await?;
    let mut authors = kept::visible_authors(ctx, principal, &ids_of("author")).await?;
    let mut tags = kept::visible_tags(ctx, principal, &ids_of("tag")).await?;
    let docs: Vec<i64> = rows.iter().map(|row| row.doc).collect();
    let marked = HighlightRow::find_by_statement(scope.highlights(ctx.db.backend(), &docs))
        .all(ctx.db.conn())
        .await?;
    let mut marked: HashMap<i64, HighlightRow> =
        marked.into_iter().map(|row| (row.doc, row)).collect();
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(kind) = EntityKind::parse(&row.entity) else {
            continue;
        };
        // A record written away between the statements is left out.
        let found = match kind {
            EntityKind::Article => articles
                .remove(&row.entity_id)
                .map(|a| Found::Article(Box::new(a))),
            EntityKind::Author => authors
                .remove(&row.entity_id)
                .map(|a| Found::Author(Box::new(a))),
            EntityKind::Tag => tags.remove(&row.entity_id).map(Found::Tag),
            EntityKind::Asset => None,
        };
        let Some(found) = found else { continue };
        let highlights = marked
            .remove(&row.doc)
            .map(|h| highlights_of(kind, h))
            .unwrap_or_default();
        hits.push(Hit {
            kind,
            id: row.entity_id,
            score: row.score,
            highlights,
            found,
        });
    }
    Ok(hits)
}

/// The fields of a document that hold a marked word, under their API names.
fn highlights_of(kind: EntityKind, row: HighlightRow) -> Vec<Highlight> {
    let fields: [(&'static str, Option<String>); 6] = match kind {
        EntityKind::Article => [
            ("title", row.title),
            ("subtitle", row.subtitle),
            ("excerpt", row.excerpt),
            ("body", row.body),
            ("authors", row.authors),
            ("tags", row.tags),
        ],
        EntityKind::Author => [
            ("name", row.title),
            ("bio", row.body),
            ("", None),
            ("", None),
            ("", None),
            ("", None),
        ],
        _ => [
            ("name", row.title),
            ("description", row.body),
            ("", None),
            ("", None),
            ("", None),
            ("", None),
        ],
    };
    fields
        .into_iter()
        .filter_map(|(field, text)| {
            let text = text?;
            text.contains(START).then(|| Highlight {
                field,
                fragments: vec![marked_html(&text)],
            })
        })
        .collect()
}

/// `text` escaped for HTML, its marked words in `<mark>`.
pub fn marked_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 32);
    for c in text.chars() {
        match c {
            START => html.push_str("<mark>"),
            END => html.push_str("</mark>"),
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    html
}

/// The facets of the matches: the names of the most linked tags and
/// authors, and the locales from the counts.
async fn facets(ctx: &Ctx, overview: Overview) -> Result<Facets, AppError> {
    let Overview {
        counts,
        tags: tag_rows,
        authors: author_rows,
        exact,
        ..
    } = overview;
    let mut locales: Vec<(String, u64)> = counts
        .iter()
        .filter(|row| row.entity == EntityKind::Article.as_str())
        .map(|row| (row.locale.clone(), row.hits))
        .collect();
    locales.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if locales.is_empty() {
        return Ok(Facets::default());
    }
    let conn = ctx.db.conn();
    let ids = |rows: &[FacetRow]| rows.iter().map(|row| row.id).collect::<Vec<_>>();
    let tag_names = tag::load_many(conn, &ids(&tag_rows)).await?;
    let author_names = author::load_many(conn, &ids(&author_rows)).await?;
    let counted = |rows: Vec<FacetRow>, names: &dyn Fn(Uuid) -> Option<(String, String)>| {
        rows.into_iter()
            .filter_map(|row| {
                let (slug, name) = names(row.id)?;
                Some(Counted {
                    id: row.id,
                    slug,
                    name,
                    count: row.hits,
                })
            })
            .collect()
    };
    Ok(Facets {
        tags: counted(tag_rows, &|id| {
            tag_names.get(&id).map(|t| (t.slug.clone(), t.name.clone()))
        }),
        authors: counted(author_rows, &|id| {
            author_names
                .get(&id)
                .map(|a| (a.slug.clone(), a.name.clone()))
        }),
        locales,
        exact,
    })
}

/// The `q` filter of lists: SQL (`?` or `$n` placeholders) selecting the
/// ids of the records of `kind` (articles of `copy`, soft-deleted ones when
/// `hidden`) that match `q`, through the same index as search. The last
/// word of each wanted part also matches longer words: a list's filter box
/// narrows as one types.
pub(crate) fn ids_matching(
    ctx: &Ctx,
    q: &str,
    kind: EntityKind,
    (copy, hidden): (ArticleCopy, bool),
) -> Result<(String, Vec<sea_orm::Value>), AppError> {
    let query = SearchQuery::parse(q)
        .map_err(|m| AppError::bad_field("q", m))?
        .typed_ahead();
    let kinds = [kind];
    let scope = Scope {
        query: &query,
        kinds: &kinds,
        copy,
        hidden,
        locale: None,
        tags: &[],
        authors: &[],
    };
    let mut sql = Sql::new(ctx.db.backend());
    scope.entity_ids(&mut sql);
    Ok(sql.into_parts())
}
