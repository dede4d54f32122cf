//! A realistic data set for benchmarks and demos, written fast: French and
//! English articles of about 3 KB with accents and typographic quotes, 1–3
//! authors and 3–6 tags each, most published (some with a newer working
//! copy), each with its revisions; a share of them with a featured picture
//! of the media library (see [`pictures`]). Rows are written in bulk, batch by batch,
//! in the shapes the content functions write them — the same snapshots,
//! links, copies and workflow records — without going through them one
//! article at a time.

mod corpus;
mod pictures;

use chrono::{DateTime, Utc};
use entities::types::{ArticleCopy, ChangeKind, EntityKind, State};
use entities::{
    article, article_author, article_tag, asset, asset_use, author, revision, tag, transition,
};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait};
use serde::Serialize;
use uuid::Uuid;

use self::corpus::{
    EN_PARAGRAPHS, EN_TITLES, FIRST_NAMES, FR_PARAGRAPHS, FR_TITLES, LAST_NAMES, SUBJECTS, TOPICS,
};
use crate::content::article::ArticleSnapshot;
use crate::content::author::AuthorSnapshot;
use crate::content::localized::Localized;
use crate::content::tag::TagSnapshot;
use crate::content::{now, slug, text};
use crate::error::AppError;
use crate::media::Media;
use crate::storage::Db;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub articles: usize,
    pub authors: usize,
    pub tags: usize,
    /// Seed of the generator: the same plan and seed give the same content.
    pub seed: u64,
}

/// Rows per insert statement (well under SQLite's 32,766 bound parameters).
const BATCH: usize = 500;
/// Articles written per transaction.
const ARTICLES_PER_TRANSACTION: usize = 5_000;

/// SplitMix64: small, fast, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Fills an empty database with the plan's content, calling `progress` with
/// the number of articles written so far. Refuses a database that already
/// has articles, so a seed never mixes with real content. The connection
/// should be the only one: commits are not waited for on disk (a seed that
/// dies is simply run again on a fresh database) until [`restore`].
pub async fn run(
    db: &Db,
    media: &Media,
    plan: Plan,
    progress: impl Fn(u64),
) -> Result<(), AppError> {
    if article::Entity::find().count(db.conn()).await? > 0 {
        return Err(AppError::Conflict {
            detail: "the database already has articles; seed an empty one".to_owned(),
            errors: Vec::new(),
        });
    }
    execute_all(db, relaxed(db)).await?;
    let mut rng = Rng(plan.seed);
    let at = now();
    let mut batch = Batch::default();
    let authors = make_authors(plan.authors, &mut rng, at, &mut batch)?;
    let tags = make_tags(plan.tags, &mut rng, at, &mut batch)?;
    let pictures = if plan.articles > 0 {
        let rows = (&mut batch.assets, &mut batch.revisions);
        pictures::make(media, &mut rng, at, rows).await?
    } else {
        Vec::new()
    };
    batch.write(db).await?;
    let words = (
        FR_PARAGRAPHS
            .iter()
            .map(|p| text::word_count(p))
            .collect::<Vec<_>>(),
        EN_PARAGRAPHS
            .iter()
            .map(|p| text::word_count(p))
            .collect::<Vec<_>>(),
    );
    let cast = Cast {
        authors: &authors,
        tags: &tags,
        pictures: &pictures,
        words: (&words.0, &words.1),
        at,
    };
    let mut written = 0usize;
    while written < plan.articles {
        let count = ARTICLES_PER_TRANSACTION.min(plan.articles - written);
        let mut batch = Batch::default();
        for n in written..written + count {
            make_article(n, &mut rng, &cast, &mut batch)?;
        }
        batch.write(db).await?;
        written += count;
        progress(written as u64);
    }
    Ok(())
}

/// Puts the database back as the server runs it, after [`run`] and what
/// the caller writes after it in bulk (the search index).
pub async fn restore(db: &Db) -> Result<(), AppError> {
    execute_all(db, restored(db)).await
}

/// A moment `days` days (and a random part of a day) before `at`.
fn ago(at: DateTime<Utc>, days: i64, rng: &mut Rng) -> DateTime<Utc> {
    at - chrono::Duration::days(days)
        - chrono::Duration::seconds(i64::try_from(rng.below(86_400)).unwrap_or(0))
}

fn make_authors(
    count: usize,
    rng: &mut Rng,
    at: DateTime<Utc>,
    batch: &mut Batch,
) -> Result<Vec<Uuid>, AppError> {
    let mut ids = Vec::with_capacity(count.max(1));
    for i in 0..count.max(1) {
        let name = format!(
            "{} {}",
            rng.pick(&FIRST_NAMES[..]),
            rng.pick(&LAST_NAMES[..])
        );
        let row = author::Model {
            id: Uuid::now_v7(),
            slug: format!("{}-{i}", slug::slugify(&name, "author")),
            email: Some(format!("auteur{i}@exemple.fr")),
            name,
            bio: Some("Journaliste, « plume » du service Société.".to_owned()),
            names: None,
            bios: None,
            avatar_url: None,
            avatar_asset_id: None,
            avatar_alt: None,
            avatar_width: None,
            avatar_height: None,
            website: None,
            social: None,
            user_id: None,
            version: 1,
            created_at: ago(at, 2_000, rng),
            updated_at: at,
            created_by: None,
            updated_by: None,
        };
        let snapshot = AuthorSnapshot {
            slug: row.slug.clone(),
            name: row.name.clone(),
            bio: row.bio.clone(),
            names: Localized::new(),
            bios: Localized::new(),
            email: row.email.clone(),
            avatar_url: None,
            avatar: None,
            website: None,
            social: None,
        };
        batch.revisions.push(revision_row(
            EntityKind::Author,
            row.id,
            1,
            &snapshot,
            row.created_at,
        )?);
        ids.push(row.id);
        batch.authors.push(row);
    }
    Ok(ids)
}

fn make_tags(
    count: usize,
    rng: &mut Rng,
    at: DateTime<Utc>,
    batch: &mut Batch,
) -> Result<Vec<Uuid>, AppError> {
    let mut ids = Vec::with_capacity(count.max(1));
    for i in 0..count.max(1) {
        let name = match TOPICS.get(i) {
            Some(topic) => (*topic).to_owned(),
            None => format!("{} {i}", rng.pick(&TOPICS[..])),
        };
        let row = tag::Model {
            id: Uuid::now_v7(),
            slug: slug::slugify(&name, "tag"),
            name,
            description: None,
            names: None,
            version: 1,
            created_at: ago(at, 2_000, rng),
            updated_at: at,
            created_by: None,
            updated_by: None,
        };
        let snapshot = TagSnapshot {
            slug: row.slug.clone(),
            name: row.name.clone(),
            description: None,
            names: Localized::new(),
        };
        batch.revisions.push(revision_row(
            EntityKind::Tag,
            row.id,
            1,
            &snapshot,
            row.created_at,
        )?);
        ids.push(row.id);
        batch.tags.push(row);
    }
    Ok(ids)
}

/// Bulk writing neither waits for commits to reach the disk nor journals
/// them (SQLite writes each page once instead of to the WAL and again at the
/// checkpoint); [`restored`] puts the database back as it was. SQLite may
/// keep up to 1 GiB of pages in memory: FTS5 merges the segments of the
/// search index as they come, and with 256 MiB the index of 100,000
/// articles took 530 s instead of about 145.
fn relaxed(db: &Db) -> &'static [&'static str] {
    match db.backend() {
        sea_orm::DatabaseBackend::Sqlite => &[
            "PRAGMA journal_mode = OFF",
            "PRAGMA synchronous = OFF",
            "PRAGMA cache_size = -1048576",
        ],
        sea_orm::DatabaseBackend::Postgres => &["SET synchronous_commit = off"],
        _ => &[],
    }
}

/// Back to the journal and durability the server runs with, with fresh
/// statistics for the query planner (and, on PostgreSQL, a vacuum: the
/// visibility map lets index-only scans skip the table, and the server's
/// first minutes are not spent in an autovacuum of everything just loaded).
fn restored(db: &Db) -> &'static [&'static str] {
    match db.backend() {
        sea_orm::DatabaseBackend::Sqlite => &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "ANALYZE",
        ],
        _ => &["VACUUM ANALYZE"],
    }
}

/// Runs settings and upkeep statements in order (the seed's one connection).
async fn execute_all(db: &Db, statements: &[&str]) -> Result<(), AppError> {
    for statement in statements {
        db.pool.execute_unprepared(statement).await?;
    }
    Ok(())
}

fn revision_row(
    entity: EntityKind,
    id: Uuid,
    version: i32,
    snapshot: &impl Serialize,
    at: DateTime<Utc>,
) -> Result<revision::Model, AppError> {
    let snapshot = serde_json::to_string(snapshot)
        .map_err(|err| AppError::Internal(anyhow::anyhow!("cannot write a snapshot: {err}")))?;
    Ok(revision::Model {
        id: Uuid::now_v7(),
        entity,
        entity_id: id,
        version,
        snapshot,
        message: None,
        created_at: at,
        created_by: None,
    })
}

/// Rows written together.
#[derive(Default)]
struct Batch {
    assets: Vec<asset::Model>,
    uses: Vec<asset_use::Model>,
    authors: Vec<author::Model>,
    tags: Vec<tag::Model>,
    articles: Vec<article::Model>,
    author_links: Vec<article_author::Model>,
    tag_links: Vec<article_tag::Model>,
    revisions: Vec<revision::Model>,
    transitions: Vec<transition::Model>,
}

/// Inserts `rows` in statements of `size` rows (well under SQLite's 32,766
/// bound parameters).
async fn insert_all<A, C>(
    conn: &C,
    rows: Vec<<A::Entity as EntityTrait>::Model>,
    size: usize,
) -> Result<(), AppError>
where
    A: ActiveModelTrait + From<<A::Entity as EntityTrait>::Model> + Send,
    <A::Entity as EntityTrait>::Model: Clone,
    C: ConnectionTrait,
{
    for chunk in rows.chunks(size) {
        <A::Entity as EntityTrait>::insert_many(chunk.iter().cloned().map(A::from))
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

impl Batch {
    async fn write(self, db: &Db) -> Result<(), AppError> {
        let tx = db.begin_write().await?;
        insert_all::<asset::ActiveModel, _>(&*tx, self.assets, BATCH).await?;
        insert_all::<author::ActiveModel, _>(&*tx, self.authors, BATCH).await?;
        insert_all::<tag::ActiveModel, _>(&*tx, self.tags, BATCH).await?;
        insert_all::<article::ActiveModel, _>(&*tx, self.articles, BATCH).await?;
        insert_all::<article_author::ActiveModel, _>(&*tx, self.author_links, 4 * BATCH).await?;
        insert_all::<article_tag::ActiveModel, _>(&*tx, self.tag_links, 4 * BATCH).await?;
        insert_all::<revision::ActiveModel, _>(&*tx, self.revisions, BATCH).await?;
        insert_all::<transition::ActiveModel, _>(&*tx, self.transitions, BATCH).await?;
        insert_all::<asset_use::ActiveModel, _>(&*tx, self.uses, 4 * BATCH).await?;
        tx.commit().await
    }
}

/// What every article draws on: the authors and tags to credit and file
/// it under, the word counts of the paragraphs, and the present moment.
struct Cast<'a> {
    authors: &'a [Uuid],
    tags: &'a [Uuid],
    pictures: &'a [pictures::Picture],
    /// Words per paragraph, French then English.
    words: (&'a [u32], &'a [u32]),
    at: DateTime<Utc>,
}

/// The text of an article in one language: a title, a body of about 3 KB
/// and its word count, and an excerpt.
struct Text {
    locale: &'static str,
    title: String,
    body: String,
    words: u32,
    excerpt: String,
}

fn make_text(rng: &mut Rng, cast: &Cast<'_>) -> Text {
    let french = rng.below(10) < 6;
    let (locale, titles, paragraphs, counts) = if french {
        ("fr", &FR_TITLES, &FR_PARAGRAPHS, cast.words.0)
    } else {
        ("en", &EN_TITLES, &EN_PARAGRAPHS, cast.words.1)
    };
    let subject = rng.pick(&SUBJECTS[..]);
    let title = rng.pick(&titles[..]).replace("{}", subject);
    let mut body = String::with_capacity(3_400);
    let mut word_count = 0;
    while body.len() < 3_000 {
        let i = rng.below(paragraphs.len());
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(paragraphs[i]);
        word_count += counts[i];
    }
    Text {
        locale,
        title,
        body,
        words: word_count,
        excerpt: paragraphs[0].chars().take(160).collect(),
    }
}

/// One article: its versions, revisions, working copy, live copy (when
/// published) and links, into `batch`.
/// A state as a newsroom's articles are spread: mostly published.
fn random_state(rng: &mut Rng) -> State {
    match rng.below(100) {
        0..=79 => State::Published,
        80..=89 => State::Draft,
        90..=94 => State::InReview,
        95..=97 => State::Approved,
        _ => State::Archived,
    }
}

fn make_article(
    n: usize,
    rng: &mut Rng,
    cast: &Cast<'_>,
    batch: &mut Batch,
) -> Result<(), AppError> {
    let text = make_text(rng, cast);
    let author_count = 1 + rng.below(3);
    let author_ids = pick(rng, cast.authors, author_count);
    let tag_count = 3 + rng.below(4);
    let tag_ids = pick(rng, cast.tags, tag_count);
    let state = random_state(rng);
    // 15% of published articles have a newer working copy, a draft again.
    let edited_after = state == State::Published && rng.below(100) < 15;
    let minutes = |n: usize| chrono::Duration::minutes(i64::try_from(n).unwrap_or(60));
    let created_at = cast.at - minutes(rng.below(5 * 365 * 24 * 60) + 60);
    let published_at = created_at + minutes(rng.below(600) + 10);
    let mut row = article::Model {
        id: Uuid::now_v7(),
        copy: ArticleCopy::Working,
        slug: format!("{}-{n}", slug::slugify(&text.title, "article")),
        locale: text.locale.to_owned(),
        title: text.title,
        subtitle: None,
        excerpt: Some(text.excerpt),
        body: text.body,
        featured_image_url: Some(format!("https://images.exemple.fr/{n}.jpg")),
        featured_image_alt: Some("Illustration".to_owned()),
        featured_asset_id: None,
        featured_image_width: None,
        featured_image_height: None,
        seo_title: None,
        seo_description: None,
        seo_canonical_url: None,
        state,
        version: 1,
        published_version: None,
        published_at: None,
        scheduled_at: None,
        unpublish_at: None,
        deleted_at: None,
        word_count: i32::try_from(text.words).unwrap_or(i32::MAX),
        created_at,
        updated_at: created_at,
        created_by: None,
        updated_by: None,
        translation_group: None,
        source_system: None,
        source_id: None,
        source_url: None,
    };
    pictures::feature(&mut row, rng, cast.pictures);
    let links = (author_ids.as_slice(), tag_ids.as_slice());
    // Version 1, a first draft; version 2, the text as it stands.
    let first = article::Model {
        body: row.body.chars().take(1_200).collect(),
        ..row.clone()
    };
    push_revision(batch, &first, links, 1, created_at)?;
    row.version = 2;
    push_revision(batch, &row, links, 2, created_at)?;
    if state == State::Published {
        row.published_version = Some(2);
        row.published_at = Some(published_at);
        batch.articles.push(article::Model {
            copy: ArticleCopy::Live,
            updated_at: published_at,
            ..row.clone()
        });
        push_links(batch, &row, ArticleCopy::Live, links);
        push_use(batch, &row, ArticleCopy::Live);
        if edited_after {
            row.version = 3;
            row.title = format!("{} (mise à jour)", row.title);
            row.state = State::Draft;
            row.updated_at = published_at + chrono::Duration::hours(2);
            push_revision(batch, &row, links, 3, row.updated_at)?;
        }
    }
    if state != State::Draft {
        batch.transitions.push(imported(&row, state, published_at));
    }
    push_links(batch, &row, ArticleCopy::Working, links);
    push_use(batch, &row, ArticleCopy::Working);
    batch.articles.push(row);
    Ok(())
}

fn push_revision(
    batch: &mut Batch,
    row: &article::Model,
    (author_ids, tag_ids): (&[Uuid], &[Uuid]),
    version: i32,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let snapshot = ArticleSnapshot::of(row, author_ids, tag_ids);
    batch.revisions.push(revision_row(
        EntityKind::Article,
        row.id,
        version,
        &snapshot,
        at,
    )?);
    Ok(())
}

fn push_links(
    batch: &mut Batch,
    row: &article::Model,
    copy: ArticleCopy,
    (authors, tags): (&[Uuid], &[Uuid]),
) {
    let position = |i: usize| i32::try_from(i).unwrap_or(0);
    let article_id = row.id;
    for (i, author_id) in authors.iter().enumerate() {
        batch.author_links.push(article_author::Model {
            article_id,
            copy,
            author_id: *author_id,
            position: position(i),
            published_at: row.published_at,
            deleted_at: row.deleted_at,
        });
    }
    for (i, tag_id) in tags.iter().enumerate() {
        batch.tag_links.push(article_tag::Model {
            article_id,
            copy,
            tag_id: *tag_id,
            position: position(i),
            published_at: row.published_at,
            deleted_at: row.deleted_at,
        });
    }
}

/// The use of the article's featured picture by one copy, if it has one.
fn push_use(batch: &mut Batch, row: &article::Model, copy: ArticleCopy) {
    if let Some(asset_id) = row.featured_asset_id {
        batch.uses.push(asset_use::Model {
            asset_id,
            entity: EntityKind::Article,
            entity_id: row.id,
            copy,
        });
    }
}

/// The workflow record of an article seeded in `state`.
fn imported(row: &article::Model, state: State, at: DateTime<Utc>) -> transition::Model {
    transition::Model {
        id: Uuid::now_v7(),
        article_id: row.id,
        action: ChangeKind::Import,
        from_state: State::Draft,
        to_state: state,
        version: 2,
        comment: Some("seeded".to_owned()),
        created_at: at,
        created_by: None,
    }
}

/// `count` distinct items of `items`.
fn pick(rng: &mut Rng, items: &[Uuid], count: usize) -> Vec<Uuid> {
    let mut picked: Vec<usize> = Vec::with_capacity(count);
    while picked.len() < count.min(items.len()) {
        let i = rng.below(items.len());
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked.into_iter().map(|i| items[i]).collect()
}
