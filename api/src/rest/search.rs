//! `/api/v1/search`: ranked matches over articles, authors and tags with
//! highlighted fragments and facets (design §12).

use std::collections::BTreeMap;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::articles::{self, ArticleOut, Articles};
use super::authors::AuthorOut;
use super::docs::BadRequest;
use super::list::{self, ReadOptions};
use super::respond;
use super::tags::TagOut;
use crate::content::page::Page;
use crate::content::search::{self, Counted, Found, Hit, SearchRequest};
use crate::content::{EntityKind, Key, validate};
use crate::error::AppError;
use crate::http::answer::{ContentKeys, list_etag};
use crate::http::{AppState, Caller, EXPOSED_HEADERS, Rendered, query};

/// Matches per page when `per_page` is not given.
const PER_PAGE: u64 = 20;

/// One match: its collection in `type`, the record in `object`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(tag = "type")]
pub enum SearchHitOut {
    /// An article.
    #[serde(rename = "articles")]
    Article {
        id: Uuid,
        /// Higher is better. The whole part adds the weights of the fields
        /// that hold every word looked for (title 8, subtitle or excerpt 4,
        /// body 2, author or tag names 1); the fraction is the search
        /// engine's relevance.
        score: f64,
        /// Fields with matched words, each with HTML-escaped fragments in
        /// which the words are wrapped in `<mark>`.
        highlights: BTreeMap<&'static str, Vec<String>>,
        /// The record, as its own collection renders it.
        object: Box<ArticleOut>,
    },
    /// An author.
    #[serde(rename = "authors")]
    Author {
        id: Uuid,
        /// Higher is better. The whole part adds the weights of the fields
        /// that hold every word looked for (title 8, subtitle or excerpt 4,
        /// body 2, author or tag names 1); the fraction is the search
        /// engine's relevance.
        score: f64,
        /// Fields with matched words, each with HTML-escaped fragments in
        /// which the words are wrapped in `<mark>`.
        highlights: BTreeMap<&'static str, Vec<String>>,
        /// The record, as its own collection renders it.
        object: Box<AuthorOut>,
    },
    /// A tag.
    #[serde(rename = "tags")]
    Tag {
        id: Uuid,
        /// Higher is better. The whole part adds the weights of the fields
        /// that hold every word looked for (title 8, subtitle or excerpt 4,
        /// body 2, author or tag names 1); the fraction is the search
        /// engine's relevance.
        score: f64,
        /// Fields with matched words, each with HTML-escaped fragments in
        /// which the words are wrapped in `<mark>`.
        highlights: BTreeMap<&'static str, Vec<String>>,
        /// The record, as its own collection renders it.
        object: Box<TagOut>,
    },
}

/// A tag or author of the matching articles, with their number.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub count: u64,
}

/// A locale of the matching articles, with their number.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocaleFacetOut {
    pub locale: String,
    pub count: u64,
}

/// Counts of the matching articles.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetsOut {
    /// The 20 tags with most matches.
    pub tags: Vec<FacetOut>,
    /// The 20 authors with most matches.
    pub authors: Vec<FacetOut>,
    /// Every locale with matches.
    pub locales: Vec<LocaleFacetOut>,
    /// The tag and author counts are exact. When more than 1,000 articles
    /// match they are estimated from an even sample of about 1,000 of them
    /// (`false`); locale counts and `total` are always exact.
    pub exact: bool,
}

/// Paging and facets of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchMeta {
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    pub facets: FacetsOut,
}

/// A page of matches, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    pub data: Vec<SearchHitOut>,
    pub meta: SearchMeta,
}

/// The parameters of a search.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code, reason = "only describes the API in OpenAPI")]
struct SearchParams {
    /// What to look for. Case and accents are ignored; `"exact phrase"`,
    /// `-word` (leave out) and `prefix*` are understood.
    #[param(min_length = 1, max_length = 256)]
    q: String,
    /// Look in these collections only (comma-separated; by default all three).
    #[param(pattern = "^(articles|authors|tags)(,(articles|authors|tags))*$")]
    r#type: Option<String>,
    /// Articles in this locale only.
    locale: Option<String>,
    /// Articles filed under this tag (id or slug); repeat for any of several.
    tag: Option<Vec<String>>,
    /// Articles credited to this author (id or slug); repeat for any of several.
    author: Option<Vec<String>>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    page: Option<u64>,
    /// Matches per page (1 to 100).
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u64>,
    /// Expand relations of matched articles: `authors`, `tags`, comma-separated.
    include: Option<String>,
    /// Add derived bodies to matched articles: `html`, `text`, `ast`, comma-separated.
    formats: Option<String>,
    /// `true`: search working copies (needs a preview key or a signed-in
    /// user); `false`: the live versions. By default signed-in users search
    /// working copies and everyone else the live versions.
    preview: Option<bool>,
}

/// The collections `type` names.
fn kinds(value: &str) -> Result<Vec<EntityKind>, AppError> {
    value
        .split(',')
        .map(|name| match name {
            "articles" => Ok(EntityKind::Article),
            "authors" => Ok(EntityKind::Author),
            "tags" => Ok(EntityKind::Tag),
            _ => Err(AppError::bad_field(
                "type",
                "must be articles, authors or tags, comma-separated",
            )),
        })
        .collect()
}

/// Parses the query string of a search.
fn search_request(query_string: &str) -> Result<(SearchRequest, ReadOptions, u64), AppError> {
    let mut request = SearchRequest::default();
    let mut options = ReadOptions::default();
    let (mut page, mut per_page) = (1, PER_PAGE);
    let mut q = None;
    for (name, value) in query::pairs(query_string)? {
        match name.as_str() {
            "q" => q = Some(value),
            "type" => request.kinds = kinds(&value)?,
            "locale" => {
                let locale = validate::locale_filter(&value)
                    .map_err(|m| AppError::bad_field("locale", m))?;
                request.locale = Some(locale);
            }
            "tag" => request.tags.push(Key::parse(&value, None)),
            "author" => request.authors.push(Key::parse(&value, None)),
            "page" => {
                page = list::number("page", &value)?;
                if page == 0 {
                    return Err(AppError::bad_field("page", "pages are numbered from 1"));
                }
            }
            "per_page" => per_page = list::page_size("per_page", &value)?,
            "fields" => return Err(query::unknown(&name)),
            _ => {
                if !options.accept::<Articles>(&name, &value)? {
                    return Err(query::unknown(&name));
                }
            }
        }
    }
    request.q = q.ok_or_else(|| AppError::bad_field("q", "is required"))?;
    request.offset = (page - 1).saturating_mul(per_page);
    if i64::try_from(request.offset).is_err() {
        return Err(AppError::bad_field(
            "page",
            "is past the last possible page",
        ));
    }
    request.limit = per_page;
    request.read = articles::read_of(&options);
    Ok((request, options, page))
}

fn hit_out(hit: Hit, formats: articles::Formats) -> SearchHitOut {
    let (id, score) = (hit.id, hit.score);
    let highlights = hit
        .highlights
        .into_iter()
        .map(|h| (h.field, h.fragments))
        .collect();
    match hit.found {
        Found::Article(a) => SearchHitOut::Article {
            id,
            score,
            highlights,
            object: Box::new(ArticleOut::new(*a, formats)),
        },
        Found::Author(a) => SearchHitOut::Author {
            id,
            score,
            highlights,
            object: Box::new((*a).into()),
        },
        Found::Tag(t) => SearchHitOut::Tag {
            id,
            score,
            highlights,
            object: Box::new(t.into()),
        },
    }
}

fn facet_out(counted: Vec<Counted>) -> Vec<FacetOut> {
    counted
        .into_iter()
        .map(|c| FacetOut {
            id: c.id,
            slug: c.slug,
            name: c.name,
            count: c.count,
        })
        .collect()
}

/// Search articles, authors and tags.
///
/// Matches ignore case and accents (`ete` finds "été"), and understand
/// `"exact phrase"`, `-word` and `prefix*`. Best first: a match in the
/// title ranks above one in the subtitle or excerpt, then the body, then
/// author and tag names. The public searches published articles; signed-in
/// users search working copies (`preview=` chooses). `meta.facets` counts
/// the matching articles by tag, author and locale.
#[utoipa::path(
    tag = "search",
    security((), ("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "A page of matches, best first", body = SearchResults,
         headers(("X-Total-Count" = u64, description = "Matches over all pages"),
                 ("Link" = String, description = "RFC 8288 links to neighbouring pages"),
                 ("ETag" = String))),
        (status = 304, description = "Not modified since the ETag in If-None-Match"),
        BadRequest,
    )
)]
#[get("/search")]
pub async fn search_content(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let (request, options, page) = search_request(req.query_string())?;
    respond::public(&state, &caller.0, &req, async || {
        let results = search::search(&state.ctx, &caller.0, &request).await?;
        let mut keys = ContentKeys::of("search");
        for hit in &results.hits {
            keys.add(hit.kind, hit.id);
        }
        let formats = articles::formats_of(&options);
        let total = results.total;
        // The page as lists know it, for the same `Link` header.
        let paged: Page<()> = Page {
            items: Vec::new(),
            total,
            next_cursor: None,
            cursors: Vec::new(),
            has_more: false,
        };
        let out = SearchResults {
            data: results
                .hits
                .into_iter()
                .map(|hit| hit_out(hit, formats))
                .collect(),
            meta: SearchMeta {
                total,
                page,
                per_page: request.limit,
                facets: FacetsOut {
                    tags: facet_out(results.facets.tags),
                    authors: facet_out(results.facets.authors),
                    locales: results
                        .facets
                        .locales
                        .into_iter()
                        .map(|(locale, count)| LocaleFacetOut { locale, count })
                        .collect(),
                    exact: results.facets.exact,
                },
            },
        };
        let body = serde_json::to_vec(&out).map_err(|err| AppError::Internal(err.into()))?;
        let headers = vec![
            ("etag", list_etag(&body)),
            ("x-total-count", total.to_string()),
            (
                "link",
                respond::link_header(&req, Some(page), request.limit, &paged),
            ),
            ("access-control-expose-headers", EXPOSED_HEADERS.to_owned()),
        ];
        Ok(Rendered {
            body: Bytes::from(body),
            headers,
        }
        .keyed(&keys))
    })
    .await
}
