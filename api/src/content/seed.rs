//! A realistic data set for benchmarks and demos, written fast: French and
//! English articles of about 3 KB with accents and typographic quotes, 1–3
//! authors and 3–6 tags each, most published (some with a newer working
//! copy), each with its revisions. Rows are written in bulk, batch by batch,
//! in the shapes the content functions write them — the same snapshots,
//! links, copies and workflow records — without going through them one
//! article at a time.

use entities::{article, article_author, article_tag, author, revision, tag, transition};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use uuid::Uuid;

use super::article::{LIVE, State, WORKING};
use super::{Ctx, now, slug, text};
use crate::error::AppError;

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

const FIRST_NAMES: [&str; 16] = [
    "Zoë",
    "Élodie",
    "Chloé",
    "Loïc",
    "Hélène",
    "François",
    "Anaïs",
    "Noël",
    "Amélie",
    "Jérôme",
    "Margaret",
    "James",
    "Olivia",
    "Liam",
    "Søren",
    "Inès",
];
const LAST_NAMES: [&str; 16] = [
    "Lefèvre",
    "Moreau",
    "Dubois",
    "Giraud",
    "Bérard",
    "Lemaître",
    "Caron",
    "Faure",
    "Roussel",
    "Benoît",
    "Smith",
    "O’Connor",
    "Müller",
    "García",
    "Nguyễn",
    "Dupré",
];
const TOPICS: [&str; 16] = [
    "Politique",
    "Économie",
    "Culture",
    "Société",
    "Santé",
    "Éducation",
    "Écologie",
    "Sciences",
    "Sport",
    "Numérique",
    "Europe",
    "Technology",
    "Climate",
    "Science",
    "Business",
    "World",
];
const FR_TITLES: [&str; 8] = [
    "L’été où {} a tout changé",
    "« {} » : ce que l’on sait",
    "Enquête : les coulisses de {}",
    "{}, une année décisive",
    "Pourquoi {} fait débat",
    "Ce que révèle {}",
    "À Lyon, {} divise",
    "Entretien : {} sans détour",
];
const EN_TITLES: [&str; 8] = [
    "The summer {} changed everything",
    "“{}”: what we know",
    "Inside {}",
    "{}, a decisive year",
    "Why {} divides opinion",
    "What {} reveals",
    "In London, {} splits a city",
    "Interview: {} in plain words",
];
const SUBJECTS: [&str; 12] = [
    "la réforme",
    "le festival",
    "l’économie locale",
    "la rentrée",
    "le climat",
    "la ville",
    "the budget",
    "the festival",
    "the election",
    "the market",
    "the river",
    "the museum",
];
const FR_PARAGRAPHS: [&str; 8] = [
    "« Nous n’avions jamais vu ça », confie une habitante du quartier, encore émue. Depuis le début de l’été, les débats se succèdent et l’on s’interroge : qu’est-ce qui a vraiment changé ? Les élus, eux, promettent des réponses « avant l’automne ».",
    "Selon les chiffres publiés mardi, la hausse atteint 12 % sur un an. Un résultat que les économistes jugent « préoccupant » mais pas inattendu : la conjoncture était fragile, et la crise énergétique a pesé sur les ménages les plus modestes.",
    "Dans les rues de la vieille ville, les façades ocre accueillent les premiers visiteurs. Le café du coin a rouvert ; le patron, tablier noué, sert des crèmes à la chaîne. « Ça fait plaisir de revoir du monde », sourit-il.",
    "Le rapport, long de 300 pages, détaille les conséquences pour l’éducation, la santé et l’emploi. Il recommande notamment de « renforcer la coopération entre les régions » et de créer un fonds dédié à la transition écologique.",
    "**À retenir** : le calendrier reste serré. Les premières mesures entreront en vigueur le 1er janvier, les suivantes au printemps. Les syndicats, eux, appellent à une nouvelle journée de mobilisation.",
    "Sur le terrain, les associations témoignent d’une fatigue réelle. « On fait ce qu’on peut, avec les moyens du bord », résume une bénévole. Les dons ont pourtant progressé, signe d’une solidarité qui ne faiblit pas.",
    "Pour l’historienne Élise Marchand, « cette période rappelle les années 1970 » : même inquiétude, même besoin de repères. Mais les outils ont changé, et le débat se joue désormais autant sur les réseaux qu’à l’Assemblée.",
    "Reste une question, que chacun se pose à voix basse : et après ? Personne n’ose de pronostic. « L’avenir dira si nous avons eu raison », conclut le maire, avant de s’éclipser sous les applaudissements.",
];
const EN_PARAGRAPHS: [&str; 8] = [
    "“We had never seen anything like it,” said one resident, still moved. Since the start of the summer the debates have followed one another, and people keep asking the same question: what has really changed? Officials promise answers “before the autumn.”",
    "According to figures published on Tuesday, the rise reached 12% over a year. Economists call the result “worrying” but not unexpected: the economy was fragile, and the energy crisis weighed hardest on the poorest households.",
    "In the streets of the old town, ochre façades welcome the first visitors. The corner café has reopened; its owner, apron tied, serves coffee after coffee. “It’s good to see people again,” he smiles.",
    "The 300-page report details the consequences for education, health and jobs. It recommends in particular that regions “work more closely together” and that a fund be created for the green transition.",
    "**Key points**: the timetable remains tight. The first measures take effect on 1 January, the rest in the spring. Unions have called for another day of protest.",
    "On the ground, charities describe a very real fatigue. “We do what we can with what we have,” one volunteer sums up. Donations have nonetheless risen, a sign of solidarity that is not fading.",
    "For historian Eleanor Marsh, “this period recalls the 1970s”: the same anxiety, the same need for bearings. But the tools have changed, and the debate now plays out as much online as in Parliament.",
    "One question remains, asked quietly by everyone: what next? Nobody dares to predict. “The future will tell whether we were right,” the mayor concluded, before slipping away to applause.",
];

/// Fills an empty database with the plan's content, calling `progress` with
/// the number of articles written so far. Refuses a database that already
/// has articles, so a seed never mixes with real content. The connection
/// should be the only one: commits are not waited for on disk (a seed that
/// dies is simply run again on a fresh database).
pub async fn run(ctx: &Ctx, plan: Plan, progress: impl Fn(u64)) -> Result<(), AppError> {
    if article::Entity::find().count(&ctx.db.conn).await? > 0 {
        return Err(AppError::Conflict {
            detail: "the database already has articles; seed an empty one".to_owned(),
            errors: Vec::new(),
        });
    }
    relax_durability(ctx).await?;
    let mut rng = Rng(plan.seed);
    let at = now();
    let ago = |days: i64, rng: &mut Rng| {
        at - chrono::Duration::days(days)
            - chrono::Duration::seconds(i64::try_from(rng.below(86_400)).unwrap_or(0))
    };

    let tx = ctx.begin_write().await?;
    let mut authors = Vec::with_capacity(plan.authors);
    let mut author_revisions = Vec::with_capacity(plan.authors);
    for i in 0..plan.authors.max(1) {
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
            avatar_url: None,
            website: None,
            social: None,
            user_id: None,
            version: 1,
            created_at: ago(2_000, &mut rng),
            updated_at: at,
            created_by: None,
            updated_by: None,
        };
        author_revisions.push(revision_row(
            "author",
            row.id,
            1,
            super::author::snapshot(&row),
            row.created_at,
        ));
        authors.push(row);
    }
    for chunk in authors.chunks(BATCH) {
        author::Entity::insert_many(chunk.iter().cloned().map(author::ActiveModel::from))
            .exec_without_returning(&*tx)
            .await?;
    }
    let mut tags = Vec::with_capacity(plan.tags);
    let mut tag_revisions = Vec::with_capacity(plan.tags);
    for i in 0..plan.tags.max(1) {
        let name = match TOPICS.get(i) {
            Some(topic) => (*topic).to_owned(),
            None => format!("{} {i}", rng.pick(&TOPICS[..])),
        };
        let row = tag::Model {
            id: Uuid::now_v7(),
            slug: slug::slugify(&name, "tag"),
            name,
            description: None,
            version: 1,
            created_at: ago(2_000, &mut rng),
            updated_at: at,
            created_by: None,
            updated_by: None,
        };
        tag_revisions.push(revision_row(
            "tag",
            row.id,
            1,
            super::tag::snapshot(&row),
            row.created_at,
        ));
        tags.push(row);
    }
    for chunk in tags.chunks(BATCH) {
        tag::Entity::insert_many(chunk.iter().cloned().map(tag::ActiveModel::from))
            .exec_without_returning(&*tx)
            .await?;
    }
    for chunk in author_revisions
        .chunks(BATCH)
        .chain(tag_revisions.chunks(BATCH))
    {
        revision::Entity::insert_many(chunk.iter().cloned().map(revision::ActiveModel::from))
            .exec_without_returning(&*tx)
            .await?;
    }
    tx.commit().await?;

    let fr_words: Vec<u32> = FR_PARAGRAPHS.iter().map(|p| text::word_count(p)).collect();
    let en_words: Vec<u32> = EN_PARAGRAPHS.iter().map(|p| text::word_count(p)).collect();
    let mut written = 0usize;
    while written < plan.articles {
        let count = ARTICLES_PER_TRANSACTION.min(plan.articles - written);
        let mut batch = Batch::default();
        for n in written..written + count {
            make_article(
                n,
                &mut rng,
                &authors,
                &tags,
                (&fr_words, &en_words),
                &mut batch,
                at,
            );
        }
        batch.write(ctx).await?;
        written += count;
        progress(written as u64);
    }
    restore_durability(ctx).await
}

/// Bulk writing neither waits for commits to reach the disk nor journals
/// them (SQLite writes each page once instead of to the WAL and again at the
/// checkpoint); [`restore_durability`] puts the database back as it was.
async fn relax_durability(ctx: &Ctx) -> Result<(), AppError> {
    let statements: &[&str] = match ctx.db.backend() {
        sea_orm::DatabaseBackend::Sqlite => &[
            "PRAGMA journal_mode = OFF",
            "PRAGMA synchronous = OFF",
            "PRAGMA cache_size = -262144",
        ],
        sea_orm::DatabaseBackend::Postgres => &["SET synchronous_commit = off"],
        _ => &[],
    };
    execute_all(ctx, statements).await
}

/// Back to the journal and durability the server runs with, with fresh
/// statistics for the query planner (and, on PostgreSQL, a vacuum: the
/// visibility map lets index-only scans skip the table, and the server's
/// first minutes are not spent in an autovacuum of everything just loaded).
async fn restore_durability(ctx: &Ctx) -> Result<(), AppError> {
    let statements: &[&str] = match ctx.db.backend() {
        sea_orm::DatabaseBackend::Sqlite => &[
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "ANALYZE",
        ],
        _ => &["VACUUM ANALYZE"],
    };
    execute_all(ctx, statements).await
}

/// Runs settings and upkeep statements in order (the seed's one connection).
async fn execute_all(ctx: &Ctx, statements: &[&str]) -> Result<(), AppError> {
    for statement in statements {
        ctx.db.conn.execute_unprepared(statement).await?;
    }
    Ok(())
}

fn revision_row(
    entity: &str,
    id: Uuid,
    version: i32,
    snapshot: serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
) -> revision::Model {
    revision::Model {
        id: Uuid::now_v7(),
        entity: entity.to_owned(),
        entity_id: id,
        version,
        snapshot: snapshot.to_string(),
        message: None,
        created_at: at,
        created_by: None,
    }
}

/// Rows of one batch of articles.
#[derive(Default)]
struct Batch {
    articles: Vec<article::Model>,
    authors: Vec<article_author::Model>,
    tags: Vec<article_tag::Model>,
    revisions: Vec<revision::Model>,
    transitions: Vec<transition::Model>,
}

impl Batch {
    async fn write(self, ctx: &Ctx) -> Result<(), AppError> {
        let tx = ctx.begin_write().await?;
        // Keep each statement well under SQLite's 32,766 bound parameters.
        for chunk in self.articles.chunks(BATCH) {
            article::Entity::insert_many(chunk.iter().cloned().map(article::ActiveModel::from))
                .exec_without_returning(&*tx)
                .await?;
        }
        for chunk in self.authors.chunks(4 * BATCH) {
            article_author::Entity::insert_many(
                chunk.iter().cloned().map(article_author::ActiveModel::from),
            )
            .exec_without_returning(&*tx)
            .await?;
        }
        for chunk in self.tags.chunks(4 * BATCH) {
            article_tag::Entity::insert_many(
                chunk.iter().cloned().map(article_tag::ActiveModel::from),
            )
            .exec_without_returning(&*tx)
            .await?;
        }
        for chunk in self.revisions.chunks(BATCH) {
            revision::Entity::insert_many(chunk.iter().cloned().map(revision::ActiveModel::from))
                .exec_without_returning(&*tx)
                .await?;
        }
        for chunk in self.transitions.chunks(BATCH) {
            transition::Entity::insert_many(
                chunk.iter().cloned().map(transition::ActiveModel::from),
            )
            .exec_without_returning(&*tx)
            .await?;
        }
        tx.commit().await
    }
}

/// One article: its versions, revisions, working copy, live copy (when
/// published) and links, into `batch`.
fn make_article(
    n: usize,
    rng: &mut Rng,
    authors: &[author::Model],
    tags: &[tag::Model],
    words: (&[u32], &[u32]),
    batch: &mut Batch,
    at: chrono::DateTime<chrono::Utc>,
) {
    let french = rng.below(10) < 6;
    let (locale, titles, paragraphs, counts) = if french {
        ("fr", &FR_TITLES, &FR_PARAGRAPHS, words.0)
    } else {
        ("en", &EN_TITLES, &EN_PARAGRAPHS, words.1)
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
    let author_count = 1 + rng.below(3);
    let author_ids: Vec<Uuid> = distinct(rng, authors.len(), author_count)
        .into_iter()
        .map(|i| authors[i].id)
        .collect();
    let tag_count = 3 + rng.below(4);
    let tag_ids: Vec<Uuid> = distinct(rng, tags.len(), tag_count)
        .into_iter()
        .map(|i| tags[i].id)
        .collect();
    let roll = rng.below(100);
    let state = match roll {
        0..=79 => State::Published,
        80..=89 => State::Draft,
        90..=94 => State::InReview,
        95..=97 => State::Approved,
        _ => State::Archived,
    };
    // 15% of published articles have a newer working copy, a draft again.
    let edited_after = state == State::Published && rng.below(100) < 15;
    let created_at = at
        - chrono::Duration::minutes(i64::try_from(rng.below(5 * 365 * 24 * 60) + 60).unwrap_or(60));
    let published_at =
        created_at + chrono::Duration::minutes(i64::try_from(rng.below(600) + 10).unwrap_or(10));
    let id = Uuid::now_v7();
    let mut row = article::Model {
        id,
        copy: WORKING.to_owned(),
        slug: format!("{}-{n}", slug::slugify(&title, "article")),
        locale: locale.to_owned(),
        title,
        subtitle: None,
        excerpt: Some(paragraphs[0].chars().take(160).collect()),
        body,
        featured_image_url: Some(format!("https://images.exemple.fr/{n}.jpg")),
        featured_image_alt: Some("Illustration".to_owned()),
        seo_title: None,
        seo_description: None,
        seo_canonical_url: None,
        state: state.as_str().to_owned(),
        version: 1,
        published_version: None,
        published_at: None,
        scheduled_at: None,
        unpublish_at: None,
        deleted_at: None,
        word_count: i32::try_from(word_count).unwrap_or(i32::MAX),
        created_at,
        updated_at: created_at,
        created_by: None,
        updated_by: None,
    };
    // Version 1, a first draft; version 2, the text as it stands.
    let mut first = row.clone();
    first.body = first.body.chars().take(1_200).collect();
    batch.revisions.push(revision_row(
        "article",
        id,
        1,
        super::article::snapshot(&first, &author_ids, &tag_ids),
        created_at,
    ));
    row.version = 2;
    batch.revisions.push(revision_row(
        "article",
        id,
        2,
        super::article::snapshot(&row, &author_ids, &tag_ids),
        created_at,
    ));
    let links = |copy: &str, batch: &mut Batch| {
        for (position, author_id) in author_ids.iter().enumerate() {
            batch.authors.push(article_author::Model {
                article_id: id,
                copy: copy.to_owned(),
                author_id: *author_id,
                position: i32::try_from(position).unwrap_or(0),
            });
        }
        for (position, tag_id) in tag_ids.iter().enumerate() {
            batch.tags.push(article_tag::Model {
                article_id: id,
                copy: copy.to_owned(),
                tag_id: *tag_id,
                position: i32::try_from(position).unwrap_or(0),
            });
        }
    };
    if state == State::Published {
        row.published_version = Some(2);
        row.published_at = Some(published_at);
        let mut live = row.clone();
        live.copy = LIVE.to_owned();
        live.updated_at = published_at;
        batch.articles.push(live);
        links(LIVE, batch);
        if edited_after {
            row.version = 3;
            row.title = format!("{} (mise à jour)", row.title);
            row.state = State::Draft.as_str().to_owned();
            row.updated_at = published_at + chrono::Duration::hours(2);
            batch.revisions.push(revision_row(
                "article",
                id,
                3,
                super::article::snapshot(&row, &author_ids, &tag_ids),
                row.updated_at,
            ));
        }
    }
    if state != State::Draft {
        batch.transitions.push(transition::Model {
            id: Uuid::now_v7(),
            article_id: id,
            action: "import".to_owned(),
            from_state: State::Draft.as_str().to_owned(),
            to_state: state.as_str().to_owned(),
            version: 2,
            comment: Some("seeded".to_owned()),
            created_at: published_at,
            created_by: None,
        });
    }
    links(WORKING, batch);
    batch.articles.push(row);
}

/// `count` distinct indexes below `len`.
fn distinct(rng: &mut Rng, len: usize, count: usize) -> Vec<usize> {
    let mut picked: Vec<usize> = Vec::with_capacity(count);
    while picked.len() < count.min(len) {
        let i = rng.below(len);
        if !picked.contains(&i) {
            picked.push(i);
        }
    }
    picked
}
