//! The second reading of an archive: each chunk of records written in one
//! transaction, with its events and its search documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, anyhow, bail};
use entities::types::{ArticleCopy, ChangeKind, EntityKind, EventVerb};
use entities::{
    article, article_author, article_tag, asset, asset_use, author, revision, tag, transition, user,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::matching::{self, Fate};
use super::store::{add, added, upsert, wipe};
use super::{ImportMode, Records, Tally, parse, read};
use crate::content::archive::{ArticleRecord, MANIFEST, Manifest, Part, Progress};
use crate::content::search::{self, index};
use crate::content::{Ctx, WriteTx};
use crate::error::AppError;
use crate::media::store::original_key;
use crate::storage::{self, Event};

/// Writes the archive at `file` (checked against `manifest` before).
pub(super) async fn write(
    ctx: &Ctx,
    file: &Path,
    manifest: &Manifest,
    mode: ImportMode,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<BTreeMap<Part, Tally>> {
    if mode == ImportMode::Replace {
        wipe(ctx).await?;
    }
    let listed: HashMap<&str, &str> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    let users: Vec<Uuid> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .into_tuple()
        .all(ctx.db.conn())
        .await?;
    // Into an empty site (or one emptied by `replace`), the search index is
    // made once at the end (as `masthead reindex` makes it) rather than a
    // document at a time: SQLite's full-text index merges far less.
    let empty = article::Entity::find().one(ctx.db.conn()).await?.is_none();
    let mut remap = Remap {
        users: users.into_iter().collect(),
        index: !empty,
        ..Remap::default()
    };
    let mut tallies: BTreeMap<Part, Tally> = BTreeMap::new();
    let mut done = Progress::default();
    let mut entries = read::entries(file.to_path_buf());
    while let Some(entry) = entries.recv().await {
        let entry = entry.map_err(|message| anyhow!("{message} (what was written before stays; run the import again once the file is whole)"))?;
        if entry.path == MANIFEST {
            break;
        }
        if listed.get(entry.path.as_str()) != Some(&entry.sha256.as_str()) {
            bail!("{}: the archive changed since it was checked", entry.path);
        }
        done.bytes += entry.bytes.len() as u64;
        if let Some(sha256) = entry.path.strip_prefix("media/") {
            let key = original_key(sha256);
            if !ctx.media.blobs.exists(&key).await? {
                ctx.media.blobs.put(&key, entry.bytes.into()).await?;
            }
            progress(done);
            continue;
        }
        let part = Part::of_path(&entry.path)
            .with_context(|| format!("{}: not a file of a Masthead archive", entry.path))?;
        let records = parse(part, &entry.path, &entry.bytes)
            .map_err(|problems| anyhow!(problems.join("\n")))?;
        let tally = chunk(ctx, records, mode, &mut remap)
            .await
            .with_context(|| format!("cannot import {}", entry.path))?;
        let total = tallies.entry(part).or_default();
        total.created += tally.created;
        total.updated += tally.updated;
        total.skipped += tally.skipped;
        done.records += tally.created + tally.updated + tally.skipped;
        progress(done);
    }
    if !remap.index {
        search::rebuild(ctx, &|_, _| {}).await?;
    }
    Ok(tallies)
}

/// What earlier chunks decided that later ones follow.
#[derive(Default)]
struct Remap {
    /// Archive id → the stored id it was matched to, when they differ.
    ids: HashMap<Uuid, Uuid>,
    /// Archive ids of records left out for another stored record (their
    /// history is left out too).
    skipped: HashSet<Uuid>,
    /// Users that exist: who may be named as having made something.
    users: HashSet<Uuid>,
    /// Whether chunks write their search documents (into an empty site the
    /// index is made at the end instead).
    index: bool,
}

impl Remap {
    fn id(&self, id: Uuid) -> Uuid {
        self.ids.get(&id).copied().unwrap_or(id)
    }

    /// Notes what became of the record with `id`; its id from now on, or
    /// `None` when it is left out.
    fn decide(&mut self, id: Uuid, fate: Fate) -> Option<Uuid> {
        let target = match fate {
            Fate::Create => id,
            Fate::Update(target) | Fate::Skip(target) => target,
        };
        if target != id {
            self.ids.insert(id, target);
        }
        if matches!(fate, Fate::Skip(_)) {
            // Another record of the same slug: the archive's history is not
            // its history. The same record (an import run again): what it
            // lacks of its history is still added.
            if target != id {
                self.skipped.insert(id);
            }
            return None;
        }
        Some(target)
    }

    /// A user reference as it can be stored: followed, and dropped when no
    /// such user exists.
    fn user(&self, id: Option<Uuid>) -> Option<Uuid> {
        id.map(|id| self.id(id))
            .filter(|id| self.users.contains(id))
    }
}

/// Writes one chunk in one transaction.
async fn chunk(
    ctx: &Ctx,
    records: Records,
    mode: ImportMode,
    remap: &mut Remap,
) -> anyhow::Result<Tally> {
    let tx = ctx.begin_write().await?;
    let fates = matching::fates(&*tx, &records, mode).await?;
    let mut tally = Tally::default();
    match records {
        Records::Users(rows) => users(&tx, rows, &fates, remap, &mut tally).await?,
        Records::Authors(rows) => authors(&tx, rows, &fates, remap, &mut tally).await?,
        Records::Tags(rows) => tags(&tx, rows, &fates, remap, &mut tally).await?,
        Records::Assets(rows) => assets(&tx, rows, &fates, remap, &mut tally).await?,
        Records::AssetUses(rows) => {
            let rows: Vec<asset_use::Model> = rows
                .into_iter()
                .filter(|row| !remap.skipped.contains(&row.entity_id))
                .map(|mut row| {
                    row.asset_id = remap.id(row.asset_id);
                    row.entity_id = remap.id(row.entity_id);
                    row
                })
                .collect();
            added::<asset_use::Entity, asset_use::ActiveModel>(&tx, rows, fates.len(), &mut tally)
                .await?;
        }
        Records::Articles(rows) => articles(&tx, rows, &fates, remap, &mut tally).await?,
        Records::Revisions(rows) => {
            let rows: Vec<revision::Model> = rows
                .into_iter()
                .filter(|row| !remap.skipped.contains(&row.entity_id))
                .map(|mut row| {
                    row.entity_id = remap.id(row.entity_id);
                    row.created_by = remap.user(row.created_by);
                    row
                })
                .collect();
            added::<revision::Entity, revision::ActiveModel>(&tx, rows, fates.len(), &mut tally)
                .await?;
        }
        Records::Transitions(rows) => {
            let rows: Vec<transition::Model> = rows
                .into_iter()
                .filter(|row| !remap.skipped.contains(&row.article_id))
                .map(|mut row| {
                    row.article_id = remap.id(row.article_id);
                    row.created_by = remap.user(row.created_by);
                    row
                })
                .collect();
            added::<transition::Entity, transition::ActiveModel>(
                &tx,
                rows,
                fates.len(),
                &mut tally,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(tally)
}

/// A catalog row (author, tag, asset) as the import writes it.
trait Cataloged {
    const KIND: EntityKind;
    /// Whether the public hears of it.
    const PUBLIC: bool;
    fn id(&self) -> Uuid;
    fn version(&self) -> i32;
    /// Written as `id`, its references followed.
    fn follow(&mut self, id: Uuid, remap: &Remap);
}

macro_rules! cataloged {
    ($module:ident, $kind:ident, $public:literal $(, $extra:ident)?) => {
        impl Cataloged for $module::Model {
            const KIND: EntityKind = EntityKind::$kind;
            const PUBLIC: bool = $public;
            fn id(&self) -> Uuid {
                self.id
            }
            fn version(&self) -> i32 {
                self.version
            }
            fn follow(&mut self, id: Uuid, remap: &Remap) {
                self.id = id;
                self.created_by = remap.user(self.created_by);
                self.updated_by = remap.user(self.updated_by);
                $(self.$extra = remap.user(self.$extra);)?
            }
        }
    };
}

cataloged!(author, Author, true, user_id);
cataloged!(tag, Tag, true);
cataloged!(asset, Asset, false);

/// The rows of a chunk that are written (each with its event), under the
/// ids they are written as.
fn kept<M: Cataloged>(
    tx: &WriteTx,
    rows: Vec<M>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Vec<M> {
    let mut kept = Vec::new();
    for (mut row, fate) in rows.into_iter().zip(fates) {
        tally.count(*fate);
        let Some(id) = remap.decide(row.id(), *fate) else {
            continue;
        };
        row.follow(id, remap);
        event(tx, M::KIND, id, row.version(), *fate, M::PUBLIC);
        kept.push(row);
    }
    kept
}

/// Authors, with their search documents and an event each.
async fn authors(
    tx: &WriteTx,
    rows: Vec<author::Model>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let kept = kept(tx, rows, fates, remap, tally);
    upsert::<author::Entity, author::ActiveModel>(tx, &kept, &[]).await?;
    if remap.index {
        for row in &kept {
            let key = (EntityKind::Author, row.id);
            index::catalog(tx, key, &row.name, row.bio.as_deref(), index::Fts::Now).await?;
        }
    }
    Ok(())
}

/// Tags, with their search documents and an event each.
async fn tags(
    tx: &WriteTx,
    rows: Vec<tag::Model>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let kept = kept(tx, rows, fates, remap, tally);
    upsert::<tag::Entity, tag::ActiveModel>(tx, &kept, &[]).await?;
    if remap.index {
        for row in &kept {
            let (key, about) = ((EntityKind::Tag, row.id), row.description.as_deref());
            index::catalog(tx, key, &row.name, about, index::Fts::Now).await?;
        }
    }
    Ok(())
}

/// Assets (their files are written as the archive brings them).
async fn assets(
    tx: &WriteTx,
    rows: Vec<asset::Model>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let kept = kept(tx, rows, fates, remap, tally);
    upsert::<asset::Entity, asset::ActiveModel>(tx, &kept, &[]).await
}

/// Users: one without a password hash (an archive made without
/// `--with-accounts`) keeps the stored one, or gets none (it cannot sign
/// in until an admin sets a password).
async fn users(
    tx: &WriteTx,
    rows: Vec<user::Model>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let (mut hashed, mut bare) = (Vec::new(), Vec::new());
    for (mut row, fate) in rows.into_iter().zip(fates) {
        tally.count(*fate);
        let Some(id) = remap.decide(row.id, *fate) else {
            continue;
        };
        row.id = id;
        remap.users.insert(id);
        if row.password_hash.is_empty() {
            bare.push(row);
        } else {
            hashed.push(row);
        }
    }
    for row in hashed.iter_mut().chain(&mut bare) {
        row.created_by = remap.user(row.created_by);
        row.updated_by = remap.user(row.updated_by);
    }
    upsert::<user::Entity, user::ActiveModel>(tx, &hashed, &[]).await?;
    upsert::<user::Entity, user::ActiveModel>(tx, &bare, &["password_hash"]).await
}

/// The rows a chunk of articles makes.
#[derive(Default)]
struct ArticleRows {
    working: Vec<article::Model>,
    live: Vec<article::Model>,
    authors: Vec<article_author::Model>,
    tags: Vec<article_tag::Model>,
}

impl ArticleRows {
    /// The rows of `record`, written as the article `id`.
    fn push(&mut self, record: ArticleRecord, id: Uuid, remap: &Remap) {
        let ArticleRecord {
            working,
            live,
            authors,
            tags,
        } = record;
        for (copy, row) in [
            (ArticleCopy::Working, Some(working)),
            (ArticleCopy::Live, live),
        ] {
            let Some(mut row) = row else { continue };
            row.id = id;
            (row.created_by, row.updated_by) =
                (remap.user(row.created_by), remap.user(row.updated_by));
            row.translation_group = row.translation_group.map(|group| remap.id(group));
            let (author_ids, tag_ids) = match copy {
                ArticleCopy::Working => (&authors.working, &tags.working),
                ArticleCopy::Live => (&authors.live, &tags.live),
            };
            let positions = (0..).map(position_of);
            self.authors
                .extend(
                    author_ids
                        .iter()
                        .zip(positions.clone())
                        .map(|(author, position)| article_author::Model {
                            article_id: id,
                            copy,
                            author_id: remap.id(*author),
                            position,
                            published_at: None,
                            deleted_at: None,
                        }),
                );
            self.tags
                .extend(
                    tag_ids
                        .iter()
                        .zip(positions)
                        .map(|(tag, position)| article_tag::Model {
                            article_id: id,
                            copy,
                            tag_id: remap.id(*tag),
                            position,
                            published_at: None,
                            deleted_at: None,
                        }),
                );
            match copy {
                ArticleCopy::Working => self.working.push(row),
                ArticleCopy::Live => self.live.push(row),
            }
        }
    }
}

/// Articles: both copies, their links in order, their search documents
/// and an event each.
async fn articles(
    tx: &WriteTx,
    records: Vec<ArticleRecord>,
    fates: &[Fate],
    remap: &mut Remap,
    tally: &mut Tally,
) -> Result<(), AppError> {
    let mut rows = ArticleRows::default();
    let mut replaced = Vec::new();
    for (record, fate) in records.into_iter().zip(fates) {
        tally.count(*fate);
        let Some(id) = remap.decide(record.working.id, *fate) else {
            continue;
        };
        if matches!(fate, Fate::Update(_)) {
            replaced.push(id);
        }
        let public = record.live.is_some() || matches!(fate, Fate::Update(_));
        let (version, locale) = (record.working.version, record.working.locale.clone());
        rows.push(record, id, remap);
        storage::record_event(
            tx,
            Event {
                entity: EntityKind::Article,
                id,
                action: ChangeKind::Import,
                verb: verb(*fate),
                version,
                locale: Some(&locale),
                previous_locale: None,
                actor: None,
                public,
            },
        );
    }
    clear(tx, replaced, remap.index).await?;
    upsert::<article::Entity, article::ActiveModel>(tx, &rows.working, &[]).await?;
    upsert::<article::Entity, article::ActiveModel>(tx, &rows.live, &[]).await?;
    add::<article_author::Entity, article_author::ActiveModel>(tx, rows.authors).await?;
    add::<article_tag::Entity, article_tag::ActiveModel>(tx, rows.tags).await?;
    if remap.index {
        index::articles(tx, &rows.working, ArticleCopy::Working, index::Fts::Now).await?;
        index::articles(tx, &rows.live, ArticleCopy::Live, index::Fts::Now).await?;
    }
    Ok(())
}

/// What the updated articles `ids` had is replaced whole: their links, and
/// a live copy the archive's version may not have.
async fn clear(tx: &WriteTx, ids: Vec<Uuid>, index: bool) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    article_author::Entity::delete_many()
        .filter(article_author::Column::ArticleId.is_in(ids.clone()))
        .exec(&**tx)
        .await?;
    article_tag::Entity::delete_many()
        .filter(article_tag::Column::ArticleId.is_in(ids.clone()))
        .exec(&**tx)
        .await?;
    article::Entity::delete_many()
        .filter(article::Column::Id.is_in(ids.clone()))
        .filter(article::Column::Copy.eq(ArticleCopy::Live))
        .exec(&**tx)
        .await?;
    if index {
        for id in ids {
            index::remove(tx, id, Some(ArticleCopy::Live)).await?;
        }
    }
    Ok(())
}

fn position_of(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn verb(fate: Fate) -> EventVerb {
    if fate == Fate::Create {
        EventVerb::Created
    } else {
        EventVerb::Updated
    }
}

/// Records the event of an imported author, tag or asset.
fn event(tx: &WriteTx, entity: EntityKind, id: Uuid, version: i32, fate: Fate, public: bool) {
    storage::record_event(
        tx,
        Event {
            entity,
            id,
            action: ChangeKind::Import,
            verb: verb(fate),
            version,
            locale: None,
            previous_locale: None,
            actor: None,
            public,
        },
    );
}
