//! The first reading of an archive: everything checked, nothing written,
//! and what the import would do counted.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use entities::types::{ArticleCopy, EntityKind};
use entities::{article, asset, author, tag, user};

use super::matching::{self, Fate, stored};
use super::{ImportMode, Problems, Records, Tally, parse, read};
use crate::content::archive::{FORMAT, FileEntry, MANIFEST, Manifest, Part, Progress};
use crate::content::{Ctx, article as articles, author as authors, tag as tags, validate};
use crate::error::AppError;
use crate::media::store::original_key;
use crate::storage;

/// What the checks found: the manifest, and what the import would do.
pub(super) struct Checked {
    pub manifest: Manifest,
    pub plan: BTreeMap<Part, Tally>,
}

/// Reads the whole archive at `file` and checks it (see the module above);
/// refuses it ([`super::Refused`]) with every problem found.
pub(super) async fn check(
    ctx: &Ctx,
    file: &Path,
    mode: ImportMode,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<Checked> {
    let mut state = State::default();
    let mut manifest: Option<Manifest> = None;
    let mut seen: Vec<FileEntry> = Vec::new();
    let mut done = Progress::default();
    let mut entries = read::entries(file.to_path_buf());
    while let Some(entry) = entries.recv().await {
        let entry = match entry {
            Ok(entry) => entry,
            Err(message) => {
                state.problem(message);
                break;
            }
        };
        if manifest.is_some() {
            state.problem(format!("{}: a file after the manifest", entry.path));
            continue;
        }
        if entry.path == MANIFEST {
            match serde_json::from_slice::<Manifest>(&entry.bytes) {
                Ok(read) => manifest = Some(read),
                Err(err) => state.problem(format!("{MANIFEST}: {err}")),
            }
            continue;
        }
        done.bytes += entry.bytes.len() as u64;
        let records = state.file(ctx, &entry, mode).await?;
        done.records += records as u64;
        progress(done);
        seen.push(FileEntry {
            path: entry.path,
            bytes: entry.bytes.len() as u64,
            records: records as u64,
            sha256: entry.sha256,
        });
    }
    let manifest = match manifest {
        Some(manifest) => {
            state.against_manifest(&manifest, &seen);
            Some(manifest)
        }
        None => {
            let last = seen.last().map_or("nothing", |entry| entry.path.as_str());
            state.problem(format!("the archive ends before its manifest (after {last}): it is cut short, or not an archive of `masthead export`"));
            None
        }
    };
    state.dangling(ctx).await?;
    state.missing_media(ctx).await?;
    match manifest {
        Some(manifest) if state.problems.is_empty() => Ok(Checked {
            manifest,
            plan: state.plan,
        }),
        _ => Err(state.problems.refusal().into()),
    }
}

/// What the checks have gathered so far.
#[derive(Default)]
struct State {
    problems: Problems,
    plan: BTreeMap<Part, Tally>,
    /// Ids of the archive's records, by part.
    known: HashMap<Part, HashSet<uuid::Uuid>>,
    /// References to records not (yet) in the archive: where, to what.
    references: Vec<(Part, uuid::Uuid, String)>,
    /// Files the archive's assets need, and the first record needing each.
    wanted: HashMap<String, String>,
    /// Files the archive holds.
    media: HashSet<String>,
}

impl Records {
    fn len(&self) -> usize {
        match self {
            Self::Users(rows) => rows.len(),
            Self::Authors(rows) => rows.len(),
            Self::Tags(rows) => rows.len(),
            Self::Assets(rows) => rows.len(),
            Self::AssetUses(rows) => rows.len(),
            Self::Articles(rows) => rows.len(),
            Self::Revisions(rows) => rows.len(),
            Self::Transitions(rows) => rows.len(),
        }
    }
}

impl State {
    fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    /// The problems of a domain check, each prefixed with where.
    fn refused(&mut self, at: &str, result: Result<(), AppError>) {
        self.problems.refused(at, result);
    }

    fn known(&mut self, part: Part, id: uuid::Uuid) {
        self.known.entry(part).or_default().insert(id);
    }

    /// Notes a reference to be found in the archive or the database.
    fn refer(&mut self, at: &str, part: Part, id: uuid::Uuid) {
        if !self.known.get(&part).is_some_and(|ids| ids.contains(&id)) {
            self.references.push((part, id, at.to_owned()));
        }
    }

    /// Checks one file (media, or records) and counts what its records
    /// would become; returns how many records it holds.
    async fn file(
        &mut self,
        ctx: &Ctx,
        entry: &read::Entry,
        mode: ImportMode,
    ) -> Result<usize, AppError> {
        if let Some(sha256) = entry.path.strip_prefix("media/") {
            if sha256 != entry.sha256 {
                self.problem(format!(
                    "{}: its bytes are not the file its name says (SHA-256 {})",
                    entry.path, entry.sha256
                ));
            }
            self.media.insert(sha256.to_owned());
            return Ok(0);
        }
        let Some(part) = Part::of_path(&entry.path) else {
            self.problem(format!("{}: not a file of a Masthead archive", entry.path));
            return Ok(0);
        };
        let chunk = match parse(part, &entry.path, &entry.bytes) {
            Ok(chunk) => chunk,
            Err(problems) => {
                problems.into_iter().for_each(|p| self.problem(p));
                return Ok(0);
            }
        };
        self.validate(&entry.path, &chunk);
        // Once refused, the rest is only checked, not planned.
        if self.problems.is_empty() {
            let fates = if mode == ImportMode::Replace && part != Part::Users {
                vec![Fate::Create; chunk.len()]
            } else {
                matching::fates(ctx.db.conn(), &chunk, mode).await?
            };
            let tally = self.plan.entry(part).or_default();
            fates.iter().for_each(|fate| tally.count(*fate));
        }
        Ok(chunk.len())
    }

    fn validate(&mut self, path: &str, records: &Records) {
        let at =
            |i: usize, noun: &str, id: uuid::Uuid| format!("{path} line {} ({noun} {id})", i + 1);
        match records {
            Records::Users(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "user", row.id);
                    self.refused(&at, check_user(row));
                    self.known(Part::Users, row.id);
                }
            }
            Records::Authors(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "author", row.id);
                    self.refused(&at, authors::check_imported(row.clone()));
                    if let Some(user) = row.user_id {
                        self.refer(&format!("{at}: user_id"), Part::Users, user);
                    }
                    if let Some(asset) = row.avatar_asset_id {
                        self.refer(&format!("{at}: avatar_asset_id"), Part::Assets, asset);
                    }
                    self.known(Part::Authors, row.id);
                }
            }
            Records::Tags(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "tag", row.id);
                    self.refused(&at, tags::check_imported(row));
                    self.known(Part::Tags, row.id);
                }
            }
            Records::Assets(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "asset", row.id);
                    self.refused(&at, check_asset(row));
                    self.wanted.entry(row.sha256.clone()).or_insert(at);
                    self.known(Part::Assets, row.id);
                }
            }
            Records::AssetUses(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = format!("{path} line {}", i + 1);
                    self.refer(&format!("{at}: asset_id"), Part::Assets, row.asset_id);
                    if let Some(part) = part_of(row.entity) {
                        self.refer(&format!("{at}: entity_id"), part, row.entity_id);
                    }
                }
            }
            Records::Articles(rows) => {
                for (i, record) in rows.iter().enumerate() {
                    self.article(&at(i, "article", record.working.id), record);
                }
            }
            Records::Revisions(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "revision", row.id);
                    if let Some(part) = part_of(row.entity) {
                        self.refer(&format!("{at}: entity_id"), part, row.entity_id);
                    }
                }
            }
            Records::Transitions(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let at = at(i, "transition", row.id);
                    self.refer(&format!("{at}: article_id"), Part::Articles, row.article_id);
                }
            }
        }
    }

    fn article(&mut self, at: &str, record: &crate::content::archive::ArticleRecord) {
        let working = &record.working;
        if working.copy != ArticleCopy::Working {
            self.problem(format!("{at}: working.copy: must be \"working\""));
        }
        let links = &record.authors;
        self.refused(
            &format!("{at} working copy"),
            articles::check_imported(working, &links.working, &record.tags.working),
        );
        if let Some(live) = &record.live {
            if live.copy != ArticleCopy::Live || live.id != working.id {
                self.problem(format!(
                    "{at}: live: must be the live copy of the same article"
                ));
            }
            self.refused(
                &format!("{at} live copy"),
                articles::check_imported(live, &links.live, &record.tags.live),
            );
        }
        for id in links.working.iter().chain(&links.live) {
            self.refer(&format!("{at}: authors"), Part::Authors, *id);
        }
        for id in record.tags.working.iter().chain(&record.tags.live) {
            self.refer(&format!("{at}: tags"), Part::Tags, *id);
        }
        let copies = std::iter::once(working).chain(record.live.as_ref());
        let assets: Vec<uuid::Uuid> = copies.filter_map(|copy| copy.featured_asset_id).collect();
        for id in assets {
            self.refer(&format!("{at}: featured_asset_id"), Part::Assets, id);
        }
        self.known(Part::Articles, working.id);
    }

    /// The manifest against the files read: the same files, in the same
    /// order, with the same sizes, records and checksums.
    fn against_manifest(&mut self, manifest: &Manifest, seen: &[FileEntry]) {
        if manifest.format != FORMAT {
            self.problem(format!(
                "{MANIFEST}: format is {:?}, not {FORMAT:?}",
                manifest.format
            ));
        }
        let ours = storage::schema_version();
        if manifest.schema_version != ours {
            self.problem(format!(
                "{MANIFEST}: the archive has schema {}, this Masthead {ours}: import it with the Masthead version that made it ({})",
                manifest.schema_version, manifest.masthead_version
            ));
        }
        let listed: HashMap<&str, &FileEntry> = manifest
            .files
            .iter()
            .map(|f| (f.path.as_str(), f))
            .collect();
        for file in seen {
            match listed.get(file.path.as_str()) {
                None => self.problem(format!("{}: not listed in the manifest", file.path)),
                Some(entry) if entry.sha256 != file.sha256 || entry.bytes != file.bytes => {
                    self.problem(format!(
                        "{}: damaged (its SHA-256 or size differs from the manifest's)",
                        file.path
                    ));
                }
                Some(entry) if entry.records != file.records => self.problem(format!(
                    "{}: {} records, the manifest says {}",
                    file.path, file.records, entry.records
                )),
                Some(_) => {}
            }
        }
        let read: HashSet<&str> = seen.iter().map(|f| f.path.as_str()).collect();
        for entry in &manifest.files {
            if !read.contains(entry.path.as_str()) {
                self.problem(format!(
                    "{}: listed in the manifest, missing from the archive",
                    entry.path
                ));
            }
        }
    }

    /// References to nothing in the archive must be to something stored.
    async fn dangling(&mut self, ctx: &Ctx) -> Result<(), AppError> {
        let references = std::mem::take(&mut self.references);
        let mut by_part: BTreeMap<Part, Vec<uuid::Uuid>> = BTreeMap::new();
        for (part, id, _) in &references {
            by_part.entry(*part).or_default().push(*id);
        }
        let mut found: HashSet<uuid::Uuid> = HashSet::new();
        let conn = ctx.db.conn();
        for (part, ids) in by_part {
            for ids in ids.chunks(500) {
                let stored = match part {
                    Part::Users => stored::<user::Entity, _>(conn, user::Column::Id, ids).await?,
                    Part::Authors => {
                        stored::<author::Entity, _>(conn, author::Column::Id, ids).await?
                    }
                    Part::Tags => stored::<tag::Entity, _>(conn, tag::Column::Id, ids).await?,
                    Part::Assets => {
                        stored::<asset::Entity, _>(conn, asset::Column::Id, ids).await?
                    }
                    _ => stored::<article::Entity, _>(conn, article::Column::Id, ids).await?,
                };
                found.extend(stored);
            }
        }
        for (part, id, at) in references {
            if !found.contains(&id) {
                let noun = part.folder().trim_end_matches('s');
                self.problem(format!(
                    "{at}: {noun} {id} is neither in the archive nor in the database"
                ));
            }
        }
        Ok(())
    }

    /// Assets whose file the archive does not hold must find it stored.
    async fn missing_media(&mut self, ctx: &Ctx) -> Result<(), AppError> {
        let wanted = std::mem::take(&mut self.wanted);
        for (sha256, at) in wanted {
            if !self.media.contains(&sha256)
                && !ctx.media.blobs.exists(&original_key(&sha256)).await?
            {
                self.problem(format!("{at}: its file (SHA-256 {sha256}) is neither in the archive nor in the media store"));
            }
        }
        Ok(())
    }
}

/// The part that holds records of `kind` (nothing for kinds without one).
fn part_of(kind: EntityKind) -> Option<Part> {
    match kind {
        EntityKind::Article => Some(Part::Articles),
        EntityKind::Author => Some(Part::Authors),
        EntityKind::Tag => Some(Part::Tags),
        EntityKind::Asset => Some(Part::Assets),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn check_user(row: &user::Model) -> Result<(), AppError> {
    let mut errors = validate::Errors::default();
    errors.check("email", validate::check_email(&row.email));
    errors.text("name", &row.name, 200, true);
    errors.finish()
}

fn check_asset(row: &asset::Model) -> Result<(), AppError> {
    let mut errors = validate::Errors::default();
    let hex = row.sha256.len() == 64
        && row
            .sha256
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !hex {
        errors.push("sha256", "must be 64 lowercase hexadecimal digits");
    }
    errors.text("filename", &row.filename, 255, true);
    errors.text("content_type", &row.content_type, 255, true);
    if row.size < 0 {
        errors.push("size", "must not be negative");
    }
    errors.finish()
}
