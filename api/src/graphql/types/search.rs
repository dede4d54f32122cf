//! Search results as a connection: each edge a match with its score,
//! highlights and record; the connection's facets and total.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Enum, SimpleObject, Union};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use super::{ArticleGql, AuthorGql, TagGql};
use crate::content::EntityKind;
use crate::content::search::{Counted, Facets, Found, Hit, Results};
use crate::graphql::error::invalid;

/// The kinds of record search finds.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchType {
    Article,
    Author,
    Tag,
}

impl From<SearchType> for EntityKind {
    fn from(kind: SearchType) -> Self {
        match kind {
            SearchType::Article => Self::Article,
            SearchType::Author => Self::Author,
            SearchType::Tag => Self::Tag,
        }
    }
}

/// The record a match is.
#[derive(Union)]
pub enum SearchResult {
    Article(Box<ArticleGql>),
    Author(Box<AuthorGql>),
    Tag(Box<TagGql>),
}

/// One field with matched words.
#[derive(SimpleObject)]
pub struct SearchHighlight {
    /// The field, as the record names it (`title`, `body`, `name`, …).
    pub field: String,
    /// HTML-escaped fragments with the matched words in `<mark>`.
    pub fragments: Vec<String>,
}

/// One match.
#[derive(SimpleObject)]
pub struct SearchHit {
    #[graphql(name = "type")]
    pub kind: SearchType,
    pub id: Uuid,
    /// Higher is better: the weights of the fields that hold every word
    /// looked for (title 8, subtitle or excerpt 4, body 2, names 1), plus the
    /// engine's relevance below 1.
    pub score: f64,
    pub highlights: Vec<SearchHighlight>,
    /// The record, as its own queries return it.
    pub object: SearchResult,
}

/// A tag or author of the matching articles, with their number.
#[derive(SimpleObject)]
pub struct FacetCount {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub count: u64,
}

/// A locale of the matching articles, with their number.
#[derive(SimpleObject)]
pub struct LocaleCount {
    pub locale: String,
    pub count: u64,
}

/// Counts of the matching articles by tag, author and locale.
#[derive(SimpleObject)]
pub struct SearchFacets {
    pub tags: Vec<FacetCount>,
    pub authors: Vec<FacetCount>,
    pub locales: Vec<LocaleCount>,
    /// The tag and author counts are exact. When more than 1,000 articles
    /// match they are estimated from an even sample of about 1,000 of them
    /// (`false`); locale counts and `totalCount` are always exact.
    pub exact: bool,
}

/// The connection's own fields.
#[derive(SimpleObject)]
pub struct SearchExtra {
    /// Matches over all pages.
    pub total_count: u64,
    pub facets: SearchFacets,
}

/// A page of matches, best first.
pub type SearchConn = Connection<String, SearchHit, SearchExtra>;

/// The offset a cursor of this connection stands for.
pub fn offset_of(after: Option<&str>) -> async_graphql::Result<u64> {
    let Some(cursor) = after else { return Ok(0) };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("search:")?.parse::<u64>().ok())
        .map(|n| n + 1)
        .ok_or_else(|| invalid("after", "is not a cursor of this search"))
}

fn cursor_at(n: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("search:{n}"))
}

fn counts(counted: Vec<Counted>) -> Vec<FacetCount> {
    counted
        .into_iter()
        .map(|c| FacetCount {
            id: c.id,
            slug: c.slug,
            name: c.name,
            count: c.count,
        })
        .collect()
}

fn facets(facets: Facets) -> SearchFacets {
    SearchFacets {
        tags: counts(facets.tags),
        authors: counts(facets.authors),
        locales: facets
            .locales
            .into_iter()
            .map(|(locale, count)| LocaleCount { locale, count })
            .collect(),
        exact: facets.exact,
    }
}

fn hit(hit: Hit) -> SearchHit {
    let kind = match hit.kind {
        EntityKind::Author => SearchType::Author,
        EntityKind::Tag => SearchType::Tag,
        _ => SearchType::Article,
    };
    SearchHit {
        kind,
        id: hit.id,
        score: hit.score,
        highlights: hit
            .highlights
            .into_iter()
            .map(|h| SearchHighlight {
                field: h.field.to_owned(),
                fragments: h.fragments,
            })
            .collect(),
        object: match hit.found {
            Found::Article(a) => SearchResult::Article(Box::new(ArticleGql::from(*a))),
            Found::Author(a) => SearchResult::Author(Box::new(AuthorGql::from(*a))),
            Found::Tag(t) => SearchResult::Tag(Box::new(TagGql::from(t))),
        },
    }
}

/// The connection of a page of results that starts at `offset`.
pub fn connection(results: Results, offset: u64) -> SearchConn {
    let count = results.hits.len() as u64;
    let mut connection = Connection::with_additional_fields(
        offset > 0,
        offset + count < results.total,
        SearchExtra {
            total_count: results.total,
            facets: facets(results.facets),
        },
    );
    connection.edges.extend(
        results
            .hits
            .into_iter()
            .enumerate()
            .map(|(i, h)| Edge::new(cursor_at(offset + i as u64), hit(h))),
    );
    connection
}
