//! SQLite's plan for a search, made of FTS5 passes that read only what they
//! need. A document's row id says what it is (`numbering`: part,
//! locale, own number), and FTS5 can start and stop at given row ids, so:
//!
//! - what a caller may see is one or two runs of row ids, and no match is
//!   checked against a document row;
//! - the matches are counted by kind and locale as counts of runs;
//! - the page is taken class by class, heaviest field group first: a pass
//!   ranks the matches of one class with `bm25`, and the lighter classes
//!   are read only when the page reaches them;
//! - tags and authors are counted over every matching article when at most
//!   [`FACET_SAMPLE`] match, and otherwise over an even sample of about
//!   that many (by a hash of their document numbers), scaled to all the
//!   matches.

use sea_orm::{ConnectionTrait, DatabaseBackend, FromQueryResult, Statement};

use super::engine::{FIELD_WEIGHTS, Scope, Sql};
use super::numbering::{self, SEQUENCE_MASK};
use super::{CountRow, FACET_SAMPLE, FacetRow, Overview, PageRow};
use crate::content::{EntityKind, Named};
use crate::error::AppError;

/// The numbered locales (`search_locales`).
type Locales = Vec<(i64, String)>;

/// Runs of row ids, each `(first, last)`, in order and apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Runs(Vec<(i64, i64)>);

/// A run that is counted: the matches of one kind in one locale.
struct Counted {
    entity: EntityKind,
    locale: String,
    first: i64,
    last: i64,
}

impl Runs {
    /// The documents `scope` searches. With no `locales`, a locale filter
    /// leaves no article (the locale has no document).
    pub fn of(scope: &Scope<'_>, locales: &Locales) -> Self {
        let mut runs: Vec<(i64, i64)> = counted(scope, locales, false)
            .into_iter()
            .map(|run| (run.first, run.last))
            .collect();
        runs.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(runs.len());
        for (first, last) in runs {
            match merged.last_mut() {
                Some(previous) if previous.1.saturating_add(1) >= first => {
                    previous.1 = previous.1.max(last);
                }
                _ => merged.push((first, last)),
            }
        }
        Self(merged)
    }

    /// ` AND …`: the row ids of `search_fts` in the runs.
    pub fn restrict(&self, sql: &mut Sql) {
        self.restrict_in(Index::Words, sql);
    }

    /// ` AND …`: the row ids of `index` in the runs. FTS5 is given the first
    /// and the last; the others are checked on each row id.
    fn restrict_in(&self, index: Index, sql: &mut Sql) {
        let table = index.table();
        let (Some(first), Some(last)) = (self.0.first(), self.0.last()) else {
            sql.push(" AND FALSE");
            return;
        };
        sql.push(&format!(
            " AND {table}.rowid BETWEEN {} AND {}",
            first.0, last.1
        ));
        if self.0.len() > 1 {
            let each: Vec<String> = self
                .0
                .iter()
                .map(|(first, last)| format!("{table}.rowid BETWEEN {first} AND {last}"))
                .collect();
            sql.push(&format!(" AND ({})", each.join(" OR ")));
        }
    }
}

/// The runs of `scope` by kind, and by locale for articles when `by_locale`
/// (or when the scope asks for one locale).
fn counted(scope: &Scope<'_>, locales: &Locales, by_locale: bool) -> Vec<Counted> {
    let mut runs = Vec::new();
    for &entity in scope.kinds {
        let part = numbering::part(entity, scope.copy, scope.hidden);
        let run = |locale: Option<&(i64, String)>| Counted {
            entity,
            locale: locale.map(|(_, name)| name.clone()).unwrap_or_default(),
            first: numbering::start(part, locale.map(|(no, _)| *no)),
            last: numbering::end(part, locale.map(|(no, _)| *no)),
        };
        match scope.locale {
            _ if entity != EntityKind::Article => runs.push(run(None)),
            Some(wanted) => runs.extend(
                locales
                    .iter()
                    .filter(|(_, locale)| locale == wanted)
                    .map(|locale| run(Some(locale))),
            ),
            None if by_locale => runs.extend(locales.iter().map(|locale| run(Some(locale)))),
            None => runs.push(run(None)),
        }
    }
    runs
}

/// An FTS5 index of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Index {
    /// `search_fts`: every field.
    Words,
    /// `search_titles`: titles alone, so its word lists are short.
    Titles,
}

impl Index {
    fn table(self) -> &'static str {
        match self {
            Self::Words => "search_fts",
            Self::Titles => "search_titles",
        }
    }

    /// Its relevance of a match, higher is better.
    fn relevance(self) -> &'static str {
        match self {
            Self::Words => "-bm25(search_fts, 10.0, 5.0, 5.0, 2.0, 1.0, 1.0)",
            Self::Titles => "-bm25(search_titles)",
        }
    }
}

/// ` AND …`: the documents of articles linked to the tags and authors the
/// scope asks for, if it asks.
fn linked(scope: &Scope<'_>, index: Index, sql: &mut Sql) {
    if scope.tags.is_empty() && scope.authors.is_empty() {
        return;
    }
    sql.push(&format!(
        " AND {}.rowid IN (SELECT d.id FROM search_documents d WHERE TRUE",
        index.table()
    ));
    scope.linked_articles(sql);
    sql.push(")");
}

/// `FROM search_fts WHERE …`: the documents of `scope` matching `fts5`.
fn matching(scope: &Scope<'_>, runs: &Runs, fts5: String, sql: &mut Sql) {
    Pass {
        index: Index::Words,
        fts5,
        weight: 0,
    }
    .matching(scope, runs, sql);
}

/// A pass over one class of matches.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pass {
    index: Index,
    fts5: String,
    weight: u8,
}

impl Pass {
    /// `FROM <index> WHERE …`: the class's documents. Titles are matched in
    /// their own index; a match there is one of the whole query unless an
    /// excluded part is anywhere in the document.
    fn matching(&self, scope: &Scope<'_>, runs: &Runs, sql: &mut Sql) {
        let table = self.index.table();
        sql.push(&format!("FROM {table} WHERE {table} MATCH "))
            .bind(self.fts5.clone());
        runs.restrict_in(self.index, sql);
        if self.index == Index::Titles
            && let Some(excluded) = scope.query.fts5_excluded()
        {
            sql.push(
                " AND search_titles.rowid NOT IN (SELECT search_fts.rowid FROM search_fts \
                 WHERE search_fts MATCH ",
            )
            .bind(excluded);
            runs.restrict(sql);
            sql.push(")");
        }
        linked(scope, self.index, sql);
    }
}

/// The passes of each class, heaviest first: the matches whose heaviest
/// group holding every wanted part is that one (titles from their own
/// index), and last those with no such group.
fn classes(scope: &Scope<'_>) -> Vec<Pass> {
    let all = scope.query.fts5();
    let groups: Vec<String> = FIELD_WEIGHTS
        .iter()
        .map(|(columns, _)| format!("({})", scope.query.fts5_in(columns)))
        .collect();
    let mut classes = Vec::with_capacity(groups.len() + 1);
    for (i, (_, weight)) in FIELD_WEIGHTS.iter().enumerate() {
        let (index, fts5) = if i == 0 {
            (Index::Titles, scope.query.fts5_wanted())
        } else {
            let heavier = groups[..i].join(" OR ");
            (
                Index::Words,
                format!("(({all}) AND {}) NOT ({heavier})", groups[i]),
            )
        };
        classes.push(Pass {
            index,
            fts5,
            weight: *weight,
        });
    }
    classes.push(Pass {
        index: Index::Words,
        fts5: format!("({all}) NOT ({})", groups.join(" OR ")),
        weight: 0,
    });
    classes
}

#[derive(Debug, FromQueryResult)]
struct ClassRow {
    doc: i64,
    entity: String,
    id: uuid::Uuid,
    score: f64,
    members: i64,
}

#[derive(Debug, FromQueryResult)]
struct Members {
    members: i64,
}

#[derive(Debug, FromQueryResult)]
struct LocaleRow {
    no: i64,
    locale: String,
}

#[derive(Debug, FromQueryResult)]
struct HitsRow {
    entity: String,
    locale: String,
    hits: i64,
}

#[derive(Debug, FromQueryResult)]
struct SampleRow {
    part: String,
    /// A UUID's 16 bytes: a column of a compound select has no table to
    /// type it by.
    id: Option<Vec<u8>>,
    hits: i64,
}

/// The page, the counts and the facets of a search.
pub(super) async fn overview<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope<'_>,
    offset: u64,
    limit: u64,
) -> Result<Overview, AppError> {
    let backend = DatabaseBackend::Sqlite;
    let locales: Locales = LocaleRow::find_by_statement(Statement::from_string(
        backend,
        "SELECT no, locale FROM search_locales ORDER BY no",
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|row| (row.no, row.locale))
    .collect();
    let counts = counts(conn, scope, &locales).await?;
    let total: u64 = counts.iter().map(|row| row.hits).sum();
    let runs = Runs::of(scope, &locales);
    let page = if total == 0 {
        Vec::new()
    } else {
        page(conn, scope, &runs, (offset, limit), total).await?
    };
    let mut overview = Overview {
        page,
        counts,
        ..Overview::default()
    };
    let articles = overview.articles();
    if articles > 0 {
        let (tags, authors, sampled) = facets(conn, scope, &locales, articles).await?;
        overview.tags = tags;
        overview.authors = authors;
        overview.scale_facets(sampled);
    } else {
        overview.exact = true;
    }
    Ok(overview)
}

/// The matches by kind and locale: one count of each run.
async fn counts<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope<'_>,
    locales: &Locales,
) -> Result<Vec<CountRow>, AppError> {
    let runs = counted(scope, locales, true);
    if runs.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(DatabaseBackend::Sqlite);
    for (i, run) in runs.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT ")
            .bind(run.entity.as_str())
            .push(" AS entity, ")
            .bind(run.locale.clone())
            .push(" AS locale, (SELECT COUNT(*) ");
        let only = Runs(vec![(run.first, run.last)]);
        matching(scope, &only, scope.query.fts5(), &mut sql);
        sql.push(") AS hits");
    }
    let rows = HitsRow::find_by_statement(sql.statement())
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| row.hits > 0)
        .map(|row| CountRow {
            entity: row.entity,
            locale: row.locale,
            hits: u64::try_from(row.hits).unwrap_or(0),
        })
        .collect())
}

/// The page: class by class, each ranked by `bm25` (and the document
/// first indexed last on a tie: the newest record), until the page is full
/// or every match was seen.
async fn page<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope<'_>,
    runs: &Runs,
    (mut offset, mut limit): (u64, u64),
    total: u64,
) -> Result<Vec<PageRow>, AppError> {
    let mut page = Vec::new();
    let mut seen = 0;
    for pass in classes(scope) {
        if limit == 0 || seen >= total {
            break;
        }
        // Ranked by the index alone; only the page's documents are read.
        let mut sql = Sql::new(DatabaseBackend::Sqlite);
        sql.push(&format!(
            "WITH m AS MATERIALIZED (SELECT {table}.rowid AS doc, {relevance} AS relevance ",
            table = pass.index.table(),
            relevance = pass.index.relevance(),
        ));
        pass.matching(scope, runs, &mut sql);
        let weight = pass.weight;
        let newest = format!("(p.doc & {SEQUENCE_MASK}) DESC");
        sql.push(&format!(
            "), p AS (SELECT doc, {weight} + relevance / (1.0 + relevance) AS score, \
             (SELECT COUNT(*) FROM m) AS members FROM m AS p \
             ORDER BY score DESC, {newest} LIMIT "
        ))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .push(" OFFSET ")
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .push(&format!(
            ") SELECT p.doc AS doc, d.entity AS entity, d.entity_id AS id, p.score AS score, \
             p.members AS members FROM p JOIN search_documents d ON d.id = p.doc \
             ORDER BY p.score DESC, {newest}"
        ));
        let rows = ClassRow::find_by_statement(sql.statement())
            .all(conn)
            .await?;
        let members = match rows.first() {
            Some(row) => u64::try_from(row.members).unwrap_or(0),
            None if offset == 0 => 0,
            // The page starts after this class: how many did it hold?
            None => {
                let mut sql = Sql::new(DatabaseBackend::Sqlite);
                sql.push("SELECT COUNT(*) AS members ");
                pass.matching(scope, runs, &mut sql);
                Members::find_by_statement(sql.statement())
                    .one(conn)
                    .await?
                    .map_or(0, |row| u64::try_from(row.members).unwrap_or(0))
            }
        };
        seen += members;
        if rows.is_empty() {
            offset = offset.saturating_sub(members);
            continue;
        }
        limit = limit.saturating_sub(rows.len() as u64);
        offset = 0;
        page.extend(rows.into_iter().map(|row| PageRow {
            doc: row.doc,
            entity: row.entity,
            entity_id: row.id,
            score: row.score,
        }));
    }
    Ok(page)
}

/// The 20 tags and authors most linked to the matching articles, counted
/// over all of them up to [`FACET_SAMPLE`], otherwise over an even sample,
/// and how many articles were counted (see [`Overview::scale_facets`]).
async fn facets<C: ConnectionTrait>(
    conn: &C,
    scope: &Scope<'_>,
    locales: &Locales,
    articles: u64,
) -> Result<(Vec<FacetRow>, Vec<FacetRow>, u64), AppError> {
    let only_articles = Scope {
        kinds: &[EntityKind::Article],
        ..scope.clone()
    };
    let runs = Runs::of(&only_articles, locales);
    let every = articles.div_ceil(FACET_SAMPLE);
    let mut sql = Sql::new(DatabaseBackend::Sqlite);
    sql.push(
        "WITH s AS MATERIALIZED (SELECT d.entity_id AS entity_id FROM search_fts \
         CROSS JOIN search_documents d INDEXED BY search_documents_record \
         ON d.id = search_fts.rowid WHERE search_fts MATCH ",
    )
    .bind(scope.query.fts5());
    runs.restrict(&mut sql);
    linked(scope, Index::Words, &mut sql);
    if every > 1 {
        // A multiplicative hash of the document's own number (its high
        // bits): documents are numbered in turns (working copy, live
        // copy…), which every k-th number would follow.
        sql.push(&format!(
            " AND ((((search_fts.rowid & {SEQUENCE_MASK}) * 2654435761) & 4294967295) >> 8) \
             % {every} = 0"
        ));
    }
    sql.push(") SELECT 'sampled' AS part, NULL AS id, COUNT(*) AS hits FROM s");
    for (part, link, column) in [
        ("tag", "article_tags", "tag_id"),
        ("author", "article_authors", "author_id"),
    ] {
        // The links of the sample, not the sample of every link: a CROSS
        // JOIN keeps the tables in the order written.
        sql.push(&format!(
            " UNION ALL SELECT * FROM (SELECT '{part}', l.{column}, COUNT(*) AS hits FROM s \
             CROSS JOIN {link} l ON l.article_id = s.entity_id AND l.copy = "
        ))
        .bind(scope.copy.as_str())
        .push(&format!(
            " GROUP BY l.{column} ORDER BY hits DESC, l.{column} LIMIT 20)"
        ));
    }
    let rows = SampleRow::find_by_statement(sql.statement())
        .all(conn)
        .await?;
    let sampled = rows
        .iter()
        .find(|row| row.part == "sampled")
        .map_or(0, |row| u64::try_from(row.hits).unwrap_or(0));
    let (mut tags, mut authors) = (Vec::new(), Vec::new());
    for row in rows {
        let Some(id) = row.id.and_then(|bytes| uuid::Uuid::from_slice(&bytes).ok()) else {
            continue;
        };
        let counted = FacetRow {
            id,
            hits: u64::try_from(row.hits).unwrap_or(0),
        };
        match row.part.as_str() {
            "tag" => tags.push(counted),
            "author" => authors.push(counted),
            _ => {}
        }
    }
    Ok((tags, authors, sampled))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::ArticleCopy;
    use crate::content::search::SearchQuery;

    fn scope<'a>(query: &'a SearchQuery, kinds: &'a [EntityKind], copy: ArticleCopy) -> Scope<'a> {
        Scope {
            query,
            kinds,
            copy,
            hidden: false,
            locale: None,
            tags: &[],
            authors: &[],
        }
    }

    #[test]
    fn the_public_and_editors_each_read_one_run() {
        let query = SearchQuery::parse("été").unwrap();
        let all = [EntityKind::Article, EntityKind::Author, EntityKind::Tag];
        let locales: Locales = vec![(0, String::new()), (1, "fr".into()), (2, "en".into())];
        let public = Runs::of(&scope(&query, &all, ArticleCopy::Live), &locales);
        assert_eq!(public.0, [(1 << 56, (4 << 56) - 1)]);
        let editors = Runs::of(&scope(&query, &all, ArticleCopy::Working), &locales);
        assert_eq!(editors.0, [(2 << 56, (5 << 56) - 1)]);
        let french = Scope {
            locale: Some("fr"),
            ..scope(&query, &[EntityKind::Article], ArticleCopy::Live)
        };
        assert_eq!(
            Runs::of(&french, &locales).0,
            [((1 << 56) | (1 << 40), (1 << 56) | ((2 << 40) - 1))]
        );
        let unknown = Scope {
            locale: Some("de"),
            ..french
        };
        assert_eq!(Runs::of(&unknown, &locales).0, []);
    }

    #[test]
    fn each_class_leaves_out_the_heavier_ones() {
        let query = SearchQuery::parse("ville -lyon").unwrap();
        let classes = classes(&scope(&query, &[EntityKind::Article], ArticleCopy::Live));
        let weights: Vec<u8> = classes.iter().map(|pass| pass.weight).collect();
        assert_eq!(weights, [8, 4, 2, 1, 0]);
        assert_eq!(classes[0].index, Index::Titles);
        assert_eq!(classes[0].fts5, "\"ville\"");
        assert_eq!(
            classes[1].fts5,
            "(((\"ville\") NOT (\"lyon\")) AND ({subtitle excerpt} : (\"ville\"))) \
             NOT (({title} : (\"ville\")))"
        );
        assert!(classes[4].fts5.ends_with(
            "NOT (({title} : (\"ville\")) OR ({subtitle excerpt} : (\"ville\")) OR \
             ({body} : (\"ville\")) OR ({authors tags} : (\"ville\")))"
        ));
    }
}
