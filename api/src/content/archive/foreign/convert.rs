//! The converter: people, terms and posts of another system written as a
//! Masthead archive, each record checked as the archive import would and
//! named by the source's records.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use entities::types::{ArticleCopy, ChangeKind, EntityKind, State};
use entities::{article, asset, asset_use, author, revision, tag, transition};
use uuid::Uuid;

use super::pictures::{self, Fetch};
use super::{Person, Post, System, Term, derived};
use crate::content::archive::import::Problems;
use crate::content::archive::writer::Writer;
use crate::content::archive::{ArticleRecord, CHUNK_RECORDS, CopyLinks, Part, Progress};
use crate::content::asset::{media_path, snapshot_of as asset_snapshot};
use crate::content::{article as articles, author as authors, slug, tag as tags, text, validate};
use crate::error::AppError;
use crate::storage;

/// Turns people, terms and posts into an archive, checking each record as
/// the archive import would and naming problems by the source's records.
pub struct Converter<'a, W: Write> {
    system: System,
    source: String,
    writer: Writer<'a, W>,
    default_locale: String,
    authors: HashMap<String, Uuid>,
    tags: HashMap<String, Uuid>,
    slugs: HashSet<(String, String)>,
    /// The featured images fetched, by address.
    pictures: HashMap<String, asset::Model>,
    /// Which article copies show them.
    uses: Vec<asset_use::Model>,
    pending: Vec<ArticleRecord>,
    /// Revisions and transitions, kept on disk until the articles are written.
    revisions: BufWriter<std::fs::File>,
    transitions: BufWriter<std::fs::File>,
    folder: tempfile::TempDir,
    problems: Problems,
    now: DateTime<Utc>,
}

impl<'a, W: Write> Converter<'a, W> {
    /// A converter writing to `out`; `source` names the file in messages.
    pub fn new(
        system: System,
        source: &str,
        out: W,
        default_locale: &str,
        progress: &'a mut (dyn FnMut(Progress) + Send),
    ) -> anyhow::Result<Self> {
        let folder = tempfile::tempdir().context("cannot make a temporary folder")?;
        let open = |name: &str| -> anyhow::Result<BufWriter<std::fs::File>> {
            Ok(BufWriter::new(std::fs::File::create(
                folder.path().join(name),
            )?))
        };
        Ok(Self {
            system,
            source: source.to_owned(),
            writer: Writer::new(out, progress)?,
            default_locale: default_locale.to_owned(),
            authors: HashMap::new(),
            tags: HashMap::new(),
            slugs: HashSet::new(),
            pictures: HashMap::new(),
            uses: Vec::new(),
            pending: Vec::new(),
            revisions: open("revisions.jsonl")?,
            transitions: open("transitions.jsonl")?,
            folder,
            problems: Problems::default(),
            now: storage::now(),
        })
    }

    /// Notes a problem with a record of the source.
    pub fn problem(&mut self, problem: String) {
        self.problems.push(format!("{}: {problem}", self.source));
    }

    fn refused(&mut self, at: &str, result: Result<(), AppError>) {
        self.problems
            .refused(&format!("{}: {at}", self.source), result);
    }

    /// Fetches the featured images at `wanted` (address, alt text) and
    /// writes them as assets, each chunk followed by its files (first of
    /// all); returns a note for each one kept at its address.
    pub fn pictures(
        &mut self,
        fetch: Option<&Fetch>,
        wanted: Vec<(String, Option<String>)>,
    ) -> anyhow::Result<Vec<String>> {
        let Some(fetch) = fetch else {
            return Ok(Vec::new());
        };
        let system = self.system;
        let place = (self.folder.path(), self.now);
        let (fetched, notes) = pictures::fetch_all(fetch, system, wanted, place);
        let mut fetched: Vec<_> = fetched.into_iter().collect();
        fetched.sort_by_key(|(_, picture)| picture.asset.id);
        let mut history = Vec::new();
        let mut files = HashSet::new();
        for chunk in fetched.chunks(CHUNK_RECORDS) {
            let rows: Vec<&asset::Model> = chunk.iter().map(|(_, p)| &p.asset).collect();
            self.writer.chunk(Part::Assets, &rows)?;
            for (url, picture) in chunk {
                let row = &picture.asset;
                if files.insert(row.sha256.clone()) {
                    let bytes = std::fs::read(&picture.file)?;
                    self.writer
                        .file(format!("media/{}", row.sha256), &bytes, 0)?;
                }
                let message = format!("Imported from {} ({url})", system.title());
                let entity = (EntityKind::Asset, row.id);
                history.push(self.revision(entity, &asset_snapshot(row), message)?);
            }
        }
        self.history(&history)?;
        self.pictures = fetched
            .into_iter()
            .map(|(url, picture)| (url, picture.asset))
            .collect();
        Ok(notes)
    }

    /// Writes the authors (all of them, before any post).
    pub fn people(&mut self, people: &[Person]) -> anyhow::Result<()> {
        let system = self.system;
        let mut rows = Vec::new();
        let mut history = Vec::new();
        for person in people {
            let id = derived(&[system.name(), "author", &person.key]);
            let row = author::Model {
                id,
                slug: usable_slug(&person.slug, &person.name, "author"),
                name: person.name.clone(),
                bio: person.bio.clone().filter(|bio| !bio.trim().is_empty()),
                names: None,
                bios: None,
                email: person.email.clone().filter(|email| !email.is_empty()),
                avatar_url: person.avatar_url.clone(),
                avatar_asset_id: None,
                avatar_alt: None,
                avatar_width: None,
                avatar_height: None,
                website: person.website.clone().filter(|site| !site.is_empty()),
                social: None,
                user_id: None,
                version: 1,
                created_at: self.now,
                updated_at: self.now,
                created_by: None,
                updated_by: None,
            };
            let at = format!("author {} «{}»", person.key, person.name);
            self.refused(&at, authors::check_imported(row.clone()));
            if let Ok(snapshot) = authors::snapshot_of(row.clone()) {
                let message = format!("Imported from {} (user {})", system.title(), person.key);
                history.push(self.revision((EntityKind::Author, id), &snapshot, message)?);
            }
            self.authors.insert(person.key.clone(), id);
            rows.push(row);
        }
        self.chunks(Part::Authors, &rows)?;
        self.history(&history)
    }

    /// Writes the tags (all of them, before any post).
    pub fn terms(&mut self, terms: &[Term]) -> anyhow::Result<()> {
        let system = self.system;
        let mut rows: Vec<tag::Model> = Vec::new();
        let mut history = Vec::new();
        for term in terms {
            let slug = usable_slug(&term.slug, &term.name, "tag");
            // A category and a tag of one slug are one tag.
            if let Some(same) = rows.iter().find(|row| row.slug == slug) {
                self.tags.insert(term.key.clone(), same.id);
                continue;
            }
            let id = derived(&[system.name(), "tag", &slug]);
            let row = tag::Model {
                id,
                slug,
                name: term.name.clone(),
                description: term.description.clone().filter(|d| !d.trim().is_empty()),
                names: None,
                version: 1,
                created_at: self.now,
                updated_at: self.now,
                created_by: None,
                updated_by: None,
            };
            let at = format!("tag {} «{}»", term.key, term.name);
            self.refused(&at, tags::check_imported(&row));
            let kind = term
                .kind
                .as_deref()
                .map_or(String::new(), |kind| format!("{kind} "));
            let message = format!("Imported from {} ({kind}{})", system.title(), term.key);
            history.push(self.revision((EntityKind::Tag, id), &tags::snapshot(&row), message)?);
            self.tags.insert(term.key.clone(), id);
            rows.push(row);
        }
        self.chunks(Part::Tags, &rows)?;
        self.history(&history)
    }

    fn chunks<T: serde::Serialize>(&mut self, part: Part, rows: &[T]) -> anyhow::Result<()> {
        for chunk in rows.chunks(CHUNK_RECORDS) {
            self.writer.chunk(part, chunk)?;
        }
        Ok(())
    }

    fn revision(
        &self,
        (entity, id): (EntityKind, Uuid),
        snapshot: &impl serde::Serialize,
        message: String,
    ) -> anyhow::Result<revision::Model> {
        Ok(revision::Model {
            id: derived(&[&id.to_string(), "revision", "1"]),
            entity,
            entity_id: id,
            version: 1,
            snapshot: serde_json::to_string(snapshot)?,
            message: Some(message),
            created_at: self.now,
            created_by: None,
        })
    }

    fn history(&mut self, revisions: &[revision::Model]) -> anyhow::Result<()> {
        for revision in revisions {
            serde_json::to_writer(&mut self.revisions, revision)?;
            self.revisions.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Adds a post (after every author and tag).
    pub fn post(&mut self, post: Post) -> anyhow::Result<()> {
        let system = self.system;
        let id = derived(&[system.name(), "post", &post.id]);
        let at = format!("post {} «{}»", post.id, post.title);
        let author_ids = self.linked(&at, &post.authors, true);
        let tag_ids = self.linked(&at, &post.terms, false);
        let working = self.row(id, &post, &at)?;
        self.refused(
            &at,
            articles::check_imported(&working, &author_ids, &tag_ids),
        );
        self.steps(&post, &working, (&author_ids, &tag_ids))?;
        let published = post.state == State::Published;
        if let Some(asset_id) = working.featured_asset_id {
            let used = |copy| asset_use::Model {
                asset_id,
                entity: EntityKind::Article,
                entity_id: id,
                copy,
            };
            self.uses.push(used(ArticleCopy::Working));
            if published {
                self.uses.push(used(ArticleCopy::Live));
            }
        }
        let live = published.then(|| article::Model {
            copy: ArticleCopy::Live,
            ..working.clone()
        });
        let links = |ids: &Vec<Uuid>| CopyLinks {
            working: ids.clone(),
            live: if published { ids.clone() } else { Vec::new() },
        };
        self.pending.push(ArticleRecord {
            working,
            live,
            authors: links(&author_ids),
            tags: links(&tag_ids),
        });
        if self.pending.len() >= CHUNK_RECORDS {
            let chunk = std::mem::take(&mut self.pending);
            self.writer.chunk(Part::Articles, &chunk)?;
        }
        Ok(())
    }

    /// The ids of the authors (or tags) `keys` name, in order, once each.
    fn linked(&mut self, at: &str, keys: &[String], authors: bool) -> Vec<Uuid> {
        let mut ids = Vec::new();
        for key in keys {
            let known = if authors { &self.authors } else { &self.tags };
            match known.get(key) {
                Some(id) if !ids.contains(id) => ids.push(*id),
                Some(_) => {}
                None => {
                    let noun = if authors { "author" } else { "tag" };
                    self.problem(format!(
                        "{at}: {noun} {key} is not among the export's {noun}s"
                    ));
                }
            }
        }
        ids
    }

    /// The working row of a post.
    fn row(&mut self, id: Uuid, post: &Post, at: &str) -> anyhow::Result<article::Model> {
        let locale = post
            .locale
            .as_deref()
            .and_then(|tag| validate::locale(tag).ok())
            .unwrap_or_else(|| self.default_locale.clone());
        let slug = self.unique_slug(post.slug.as_deref().unwrap_or(""), &post.title, &locale);
        let body =
            markdown(&post.html).with_context(|| format!("{at}: the body is not readable HTML"))?;
        let published = post.state == State::Published;
        let picture = post
            .feature_image
            .as_ref()
            .and_then(|url| self.pictures.get(url))
            .cloned();
        let scheduled_at = (post.state == State::Scheduled)
            .then_some(post.published_at)
            .flatten();
        if post.state == State::Scheduled && scheduled_at.is_none() {
            self.problem(format!("{at}: a scheduled post without its date"));
        }
        Ok(article::Model {
            id,
            copy: ArticleCopy::Working,
            slug,
            locale,
            title: post.title.clone(),
            subtitle: None,
            excerpt: post.excerpt.clone().filter(|e| !e.trim().is_empty()),
            word_count: i32::try_from(text::word_count(&body)).unwrap_or(i32::MAX),
            body,
            featured_image_url: match &picture {
                Some(row) => Some(media_path(row.id, &row.filename)),
                None => post.feature_image.clone(),
            },
            featured_image_alt: post.feature_image.as_ref().and(
                post.feature_image_alt
                    .clone()
                    .or_else(|| picture.as_ref().and_then(|row| row.alt.clone())),
            ),
            featured_asset_id: picture.as_ref().map(|row| row.id),
            featured_image_width: picture.as_ref().and_then(|row| row.width),
            featured_image_height: picture.as_ref().and_then(|row| row.height),
            seo_title: post.seo_title.clone().filter(|t| !t.is_empty()),
            seo_description: post.seo_description.clone().filter(|d| !d.is_empty()),
            seo_canonical_url: post.canonical_url.clone().filter(|u| !u.is_empty()),
            state: post.state,
            version: 1,
            published_version: published.then_some(1),
            published_at: published.then(|| post.published_at.unwrap_or(post.created_at)),
            scheduled_at,
            unpublish_at: None,
            deleted_at: None,
            created_at: post.created_at,
            updated_at: post.updated_at,
            created_by: None,
            updated_by: None,
            translation_group: None,
            source_system: Some(self.system.name().to_owned()),
            source_id: Some(post.id.clone()),
            source_url: post.url.clone(),
        })
    }

    /// Revision 1 of a post, and the step that took it out of draft.
    fn steps(
        &mut self,
        post: &Post,
        working: &article::Model,
        (authors, tags): (&[Uuid], &[Uuid]),
    ) -> anyhow::Result<()> {
        let system = self.system;
        let id = working.id;
        let snapshot = articles::ArticleSnapshot::of(working, authors, tags);
        let message = format!("Imported from {} (post {})", system.title(), post.id);
        let revision = self.revision((EntityKind::Article, id), &snapshot, message)?;
        self.history(std::slice::from_ref(&revision))?;
        if post.state != State::Draft {
            let step = transition::Model {
                id: derived(&[&id.to_string(), "transition", "1"]),
                article_id: id,
                action: ChangeKind::Import,
                from_state: State::Draft,
                to_state: post.state,
                version: 1,
                comment: Some(format!("Imported from {}", system.title())),
                created_at: working.published_at.unwrap_or(post.created_at),
                created_by: None,
            };
            serde_json::to_writer(&mut self.transitions, &step)?;
            self.transitions.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A slug for a post: its own when usable and free in its locale,
    /// else made from the title, numbered when taken.
    fn unique_slug(&mut self, given: &str, title: &str, locale: &str) -> String {
        let base = usable_slug(given, title, "article");
        let mut candidate = base.clone();
        let mut n = 2;
        while !self.slugs.insert((locale.to_owned(), candidate.clone())) {
            candidate = format!("{base}-{n}");
            n += 1;
        }
        candidate
    }

    /// Writes what is left and the manifest; refuses the export when any
    /// record broke a rule.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if !self.problems.is_empty() {
            return Err(self.problems.refusal().into());
        }
        let chunk = std::mem::take(&mut self.pending);
        self.writer.chunk(Part::Articles, &chunk)?;
        let uses = std::mem::take(&mut self.uses);
        self.chunks(Part::AssetUses, &uses)?;
        self.revisions.flush()?;
        self.transitions.flush()?;
        copy_lines::<revision::Model, W>(
            &mut self.writer,
            Part::Revisions,
            &self.folder.path().join("revisions.jsonl"),
        )?;
        copy_lines::<transition::Model, W>(
            &mut self.writer,
            Part::Transitions,
            &self.folder.path().join("transitions.jsonl"),
        )?;
        self.writer.finish(None, false)?;
        Ok(())
    }
}

/// Copies the records of a JSON-lines file into the archive, a chunk at a time.
fn copy_lines<T, W>(writer: &mut Writer<'_, W>, part: Part, path: &Path) -> anyhow::Result<()>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
    W: Write,
{
    let mut chunk: Vec<T> = Vec::new();
    for line in BufReader::new(std::fs::File::open(path)?).lines() {
        chunk.push(serde_json::from_str(&line?)?);
        if chunk.len() >= CHUNK_RECORDS {
            writer.chunk(part, &std::mem::take(&mut chunk))?;
        }
    }
    writer.chunk(part, &chunk)
}

/// `given` when it is a valid slug (percent-decoded first, as WordPress
/// writes them), else one made from `name`.
fn usable_slug(given: &str, name: &str, fallback: &str) -> String {
    let decoded = percent_decoded(given);
    if slug::check(&decoded).is_ok() {
        decoded
    } else if !given.is_empty() && slug::check(&slug::slugify(&decoded, "")).is_ok() {
        slug::slugify(&decoded, fallback)
    } else {
        slug::slugify(name, fallback)
    }
}

fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// CommonMark of an HTML body.
fn markdown(html: &str) -> anyhow::Result<String> {
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style"])
        .build();
    Ok(converter.convert(html)?.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_taken_when_valid_and_made_otherwise() {
        assert_eq!(usable_slug("ete-2026", "Été", "tag"), "ete-2026");
        assert_eq!(usable_slug("%c3%a9conomie", "Économie", "tag"), "economie");
        assert_eq!(
            usable_slug("", "L’été « caniculaire »", "article"),
            "l-ete-caniculaire"
        );
    }

    #[test]
    fn html_becomes_commonmark_with_the_text_untouched() {
        let html = "<p>Les «\u{a0}anciens\u{a0}» s’en souviennent.</p><blockquote><p>Il fait chaud.</p></blockquote>";
        assert_eq!(
            markdown(html).unwrap(),
            "Les «\u{a0}anciens\u{a0}» s’en souviennent.\n\n> Il fait chaud."
        );
    }
}
