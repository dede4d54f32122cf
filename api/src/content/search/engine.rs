//! The SQL of a search on each database: which documents match, how they
//! rank, the facets of the matches, and the highlighted fragments of a page.
//!
//! Ranking is the same rule on both: the whole part of a score is the
//! weight of the heaviest field group that holds every wanted word or
//! phrase (title 8, subtitle or excerpt 4, body 2, author or tag names 1; 0
//! when the words are spread over several groups), computed by each
//! engine's column filter; the fraction is the engine's own weighted
//! relevance squeezed into [0, 1) — FTS5's `bm25` (title 10, subtitle and
//! excerpt 5, body 2, names 1) or PostgreSQL's `ts_rank_cd` (weights 1, 0.5,
//! 0.2, 0.1), and in the title class that of the title alone (SQLite's
//! `search_titles`, PostgreSQL's `title_vector`); ties go to the newest
//! record. SQLite's plan is in `sqlite`.

use sea_orm::{DatabaseBackend, Statement, Value};
use uuid::Uuid;

use super::FACET_SAMPLE;
use super::query::SearchQuery;
use super::sqlite::Runs;
use crate::content::{ArticleCopy, EntityKind, Key, Named};

/// Marks the start of a matched word in a fragment (a private-use character,
/// swapped for `<mark>` once the text is escaped).
pub const START: char = '\u{E000}';
/// Marks the end of a matched word.
pub const END: char = '\u{E001}';

/// The field groups of the whole part of a score, heaviest first, with
/// their weights: a group holds a match when its fields together hold every
/// wanted word or phrase.
pub(super) const FIELD_WEIGHTS: [(&[&str], u8); 4] = [
    (&["title"], 8),
    (&["subtitle", "excerpt"], 4),
    (&["body"], 2),
    (&["authors", "tags"], 1),
];

/// PostgreSQL's `ts_rank_cd` weights of the labels D, C, B and A (names,
/// body, subtitle and excerpt, title).
const RANK_WEIGHTS: &str = "{0.1, 0.2, 0.5, 1.0}";

/// SQL text and its values, with the placeholders of one backend.
pub(super) struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(super) fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    pub(super) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        if self.backend == DatabaseBackend::Postgres {
            let n = self.values.len();
            self.text.push_str(&format!("${n}"));
        } else {
            self.text.push('?');
        }
        self
    }

    /// Appends `(?, ?, …)` for the values.
    pub(super) fn bind_list<V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = V>,
    ) -> &mut Self {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    pub(super) fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    /// The text and values, for a condition inside another statement.
    pub(super) fn into_parts(self) -> (String, Vec<Value>) {
        (self.text, self.values)
    }
}

/// What a search looks for, and among which documents.
#[derive(Debug, Clone)]
pub(super) struct Scope<'a> {
    pub query: &'a SearchQuery,
    /// Document kinds (never empty).
    pub kinds: &'a [EntityKind],
    /// The article copy searched.
    pub copy: ArticleCopy,
    /// Soft-deleted articles instead of the others.
    pub hidden: bool,
    pub locale: Option<&'a str>,
    pub tags: &'a [Key],
    pub authors: &'a [Key],
}

impl Scope<'_> {
    /// PostgreSQL: the query read with each text search configuration in
    /// use: all of it (`x.q`) and its wanted parts (`x.p`), once for all
    /// the configurations that read it alike (`x.configs`). Words that no
    /// configuration stems differently (names, most queries in one
    /// language) then cost one index scan, not one per configuration.
    fn queries(&self, sql: &mut Sql) {
        sql.push(
            "(SELECT array_agg(config) AS configs, q, p FROM \
             (SELECT config, to_tsquery(config::regconfig, ",
        )
        .bind(self.query.tsquery())
        .push(") AS q, to_tsquery(config::regconfig, ")
        .bind(self.query.tsquery_wanted())
        .push(") AS p FROM search_configs) AS readings GROUP BY q, p) AS x");
    }

    /// `FROM … WHERE …`: the matching documents as `d`. On PostgreSQL each
    /// distinct reading of the query is matched against the documents of
    /// the configurations that read it so, through the GIN index.
    fn matching(&self, sql: &mut Sql) {
        if sql.backend == DatabaseBackend::Postgres {
            sql.push("FROM ");
            self.queries(sql);
            sql.push(
                " CROSS JOIN LATERAL (SELECT * FROM search_documents s \
                 WHERE s.config = ANY(x.configs) AND s.document @@ x.q) AS d WHERE TRUE",
            );
        } else {
            // The runs of row ids say what is searched; the document gives
            // the record.
            sql.push(
                "FROM search_fts CROSS JOIN search_documents d ON d.id = search_fts.rowid \
                 WHERE search_fts MATCH ",
            )
            .bind(self.query.fts5());
            // No locale here (the `q` filter of lists): no locale numbers needed.
            Runs::of(self, &Vec::new()).restrict(sql);
            self.linked_articles(sql);
            return;
        }
        self.filters(sql);
    }

    /// Articles linked to the tags and authors asked for (`d`).
    pub(super) fn linked_articles(&self, sql: &mut Sql) {
        self.linked(sql, "article_tags", "tag_id", "tags", self.tags);
        self.linked(sql, "article_authors", "author_id", "authors", self.authors);
    }

    fn filters(&self, sql: &mut Sql) {
        sql.push(" AND d.entity IN ")
            .bind_list(self.kinds.iter().map(|kind| kind.as_str()));
        sql.push(" AND (d.entity <> 'article' OR (d.copy = ")
            .bind(self.copy.as_str())
            .push(" AND d.hidden = ")
            .bind(self.hidden)
            .push("))");
        if let Some(locale) = self.locale {
            sql.push(" AND (d.entity <> 'article' OR d.locale = ")
                .bind(locale)
                .push(")");
        }
        self.linked_articles(sql);
    }

    /// Articles linked (in the searched copy) to any of `keys`.
    fn linked(&self, sql: &mut Sql, link: &str, column: &str, table: &str, keys: &[Key]) {
        if keys.is_empty() {
            return;
        }
        let mut ids: Vec<Uuid> = Vec::new();
        let mut slugs: Vec<String> = Vec::new();
        for key in keys {
            match key {
                Key::Id(id) => ids.push(*id),
                Key::Slug { slug, .. } => slugs.push(slug.clone()),
            }
        }
        sql.push(&format!(
            " AND d.entity = 'article' AND d.entity_id IN (SELECT article_id FROM {link} \
              WHERE copy = "
        ))
        .bind(self.copy.as_str())
        .push(&format!(" AND {column} IN (SELECT id FROM {table} WHERE "));
        match (ids.is_empty(), slugs.is_empty()) {
            (false, false) => {
                sql.push("id IN ")
                    .bind_list(ids)
                    .push(" OR slug IN ")
                    .bind_list(slugs);
            }
            (false, true) => {
                sql.push("id IN ").bind_list(ids);
            }
            _ => {
                sql.push("slug IN ").bind_list(slugs);
            }
        }
        sql.push("))");
    }

    /// The ids of the matching records, as a subquery (for the `q` filter
    /// of lists).
    pub(super) fn entity_ids(&self, sql: &mut Sql) {
        sql.push("SELECT d.entity_id ");
        self.matching(sql);
    }

    /// PostgreSQL: `WITH m AS MATERIALIZED (…)`: every match, read once:
    /// `doc, entity, entity_id, locale`, the wanted parts of the query as
    /// its configuration reads them (`p`), and the relevance of its title
    /// when the title holds every wanted part (`title`, else NULL), from
    /// the title's own few words.
    fn matches(&self, sql: &mut Sql) {
        sql.push(&format!(
            "WITH m AS MATERIALIZED (SELECT d.id AS doc, d.entity AS entity, \
             d.entity_id AS entity_id, d.locale AS locale, x.p AS p, \
             CASE WHEN d.title_vector @@ x.p \
             THEN ts_rank_cd('{RANK_WEIGHTS}', d.title_vector, x.p, 1)::float8 END AS title "
        ));
        self.matching(sql);
        sql.push(")");
    }

    /// PostgreSQL: `, scored AS (…)`: the matches that may be on the page
    /// ending at `end`, with their scores: `doc, entity, entity_id, locale,
    /// score`. The title class is scored from titles alone; the others,
    /// which need each match's whole document, only when the title class
    /// does not fill the page.
    fn scored(sql: &mut Sql, end: u64) {
        sql.push(
            ", scored AS (SELECT doc, entity, entity_id, locale, \
             8 + title / (1.0 + title) AS score FROM m WHERE title IS NOT NULL \
             UNION ALL SELECT doc, entity, entity_id, locale, \
             class + relevance / (1.0 + relevance) FROM (SELECT m.doc AS doc, \
             m.entity AS entity, m.entity_id AS entity_id, m.locale AS locale, CASE",
        );
        for (weight, label) in FIELD_WEIGHTS
            .iter()
            .map(|(_, w)| *w)
            .zip(['a', 'b', 'c', 'd'])
            .skip(1)
        {
            sql.push(&format!(
                " WHEN ts_filter(s.document, '{{{label}}}') @@ m.p THEN {weight}"
            ));
        }
        sql.push(&format!(
            " ELSE 0 END AS class, \
             ts_rank_cd('{RANK_WEIGHTS}', s.document, m.p, 1)::float8 AS relevance \
             FROM m JOIN search_documents s ON s.id = m.doc WHERE m.title IS NULL \
             AND (SELECT COUNT(*) FROM m WHERE title IS NOT NULL) < "
        ))
        .bind(i64::try_from(end).unwrap_or(i64::MAX))
        .push(") AS rest)");
    }

    /// PostgreSQL: one statement over the matches, read once: the page, best first
    /// (`part` `hit`: `doc, entity, id, score`); the matches by kind and
    /// locale (`count`: `entity, locale, hits`); and the tags and authors
    /// most linked to the matching articles (`tag`, `author`: `id, hits`),
    /// counted over all of them up to [`FACET_SAMPLE`], otherwise over an
    /// even sample (by a hash of their document ids) whose size is the
    /// `hits` of part `sampled`.
    pub(super) fn overview(&self, backend: DatabaseBackend, offset: u64, limit: u64) -> Statement {
        let mut sql = Sql::new(backend);
        self.matches(&mut sql);
        Self::scored(&mut sql, offset.saturating_add(limit));
        // Every k-th by hash, k = ⌈articles / FACET_SAMPLE⌉ counted once.
        sql.push(&format!(
            ", sample AS (SELECT m.entity_id FROM m WHERE m.entity = 'article' \
             AND (hashint8(m.doc) & 2147483647) % GREATEST(1, ((SELECT COUNT(*) FROM m \
             WHERE entity = 'article') + {}) / {FACET_SAMPLE}) = 0)",
            FACET_SAMPLE - 1
        ));
        sql.push(
            " SELECT * FROM (SELECT 'hit' AS part, doc, entity, entity_id AS id, locale, \
             score, 0 AS hits FROM scored ORDER BY score DESC, entity_id DESC LIMIT ",
        )
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .push(" OFFSET ")
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .push(
            ") AS page UNION ALL SELECT 'count', 0, entity, NULL, locale, 0.0, COUNT(*) \
             FROM m GROUP BY entity, locale \
             UNION ALL SELECT 'sampled', 0, 'article', NULL, '', 0.0, COUNT(*) FROM sample",
        );
        for (part, link, column) in [
            ("tag", "article_tags", "tag_id"),
            ("author", "article_authors", "author_id"),
        ] {
            sql.push(&format!(
                " UNION ALL SELECT * FROM (SELECT '{part}', 0, '{part}', l.{column}, '', 0.0, \
                 COUNT(*) AS hits FROM sample JOIN {link} l ON l.article_id = sample.entity_id \
                 WHERE l.copy = "
            ))
            .bind(self.copy.as_str())
            .push(&format!(
                " GROUP BY l.{column} ORDER BY hits DESC, l.{column} LIMIT 20) AS {part}s"
            ));
        }
        sql.statement()
    }

    /// The highlighted fields of some documents: `doc, title, subtitle,
    /// excerpt, body, authors, tags`, words marked with [`START`] and [`END`].
    pub(super) fn highlights(&self, backend: DatabaseBackend, docs: &[i64]) -> Statement {
        let mut sql = Sql::new(backend);
        let (start, end) = (START.to_string(), END.to_string());
        if backend == DatabaseBackend::Postgres {
            let whole = format!("HighlightAll=true, StartSel={start}, StopSel={end}");
            let part = format!(
                "MaxFragments=1, MaxWords=30, MinWords=12, StartSel={start}, StopSel={end}"
            );
            sql.push("SELECT d.id AS doc");
            for (column, options) in [
                ("title", &whole),
                ("subtitle", &part),
                ("excerpt", &part),
                ("body", &part),
                ("authors", &whole),
                ("tags", &whole),
            ] {
                sql.push(&format!(
                    ", ts_headline(d.config::regconfig, d.{column}, x.p, "
                ))
                .bind(options.clone())
                .push(&format!(") AS {column}"));
            }
            sql.push(" FROM ");
            self.queries(&mut sql);
            sql.push(" JOIN search_documents d ON d.config = ANY(x.configs) WHERE d.id IN ")
                .bind_list(docs.iter().copied());
        } else {
            sql.push("SELECT rowid AS doc");
            for (i, column) in ["title", "subtitle", "excerpt", "body", "authors", "tags"]
                .iter()
                .enumerate()
            {
                if matches!(*column, "title" | "authors" | "tags") {
                    sql.push(&format!(", highlight(search_fts, {i}, "));
                    sql.bind(start.clone()).push(", ").bind(end.clone());
                } else {
                    sql.push(&format!(", snippet(search_fts, {i}, "));
                    sql.bind(start.clone()).push(", ").bind(end.clone());
                    sql.push(", '…', 30");
                }
                sql.push(&format!(") AS {column}"));
            }
            sql.push(" FROM search_fts WHERE search_fts MATCH ")
                .bind(self.query.fts5_wanted())
                .push(" AND rowid IN ")
                .bind_list(docs.iter().copied());
        }
        sql.statement()
    }
}
