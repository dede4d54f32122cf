//! `masthead import`: an archive of `masthead export` brought into this
//! database.
//!
//! The archive is read twice. The first reading checks all of it before
//! anything is written: the checksum, size and record count of every file
//! against the manifest (which must be there, last), the schema version,
//! every record through the same field rules as the API (named by file,
//! line, record and field), and every reference (to an author, a tag, an
//! asset, a user, an article) against the archive or the database. It also
//! works out what would be created, updated and skipped: that is all a
//! `--dry-run` does. A refused archive writes nothing.
//!
//! The second reading writes, one chunk of records per transaction, in
//! the archive's order. A record is matched by its id, then by its slug
//! (authors, tags), its slug and locale (articles) or its e-mail (users):
//! `create` skips what matches and creates the rest, `upsert` also
//! updates what matches, `replace` first removes every article, author,
//! tag and asset (users stay). A record matched under another id is
//! written under that id, and what refers to it follows. Ids are kept
//! otherwise. Revisions and transitions are added when absent (by id, and
//! one version number per record), so an import run again after an
//! interruption finishes without duplicates.
//!
//! Each article, author, tag and asset created or updated is recorded in
//! the change log as its own event (`created` or `updated`, public when a
//! live copy is involved), so sync clients, webhooks and caches hear of
//! imported content as of any other write. The search index is written in
//! the same transactions, except into an empty site (or one `replace`
//! emptied), where it is made once at the end, as `masthead reindex` makes
//! it.

mod check;
mod matching;
mod read;
mod store;
mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use entities::{asset, asset_use, author, revision, tag, transition, user};
use serde::Serialize;

use super::{ArticleRecord, Manifest, Part, Progress};
use crate::content::Ctx;

/// What an import does with records the database already holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Create what is missing; leave what exists as it is.
    #[default]
    Create,
    /// Create what is missing; update what exists to the archive's values.
    Upsert,
    /// Remove every article, author, tag and asset first (users stay).
    Replace,
}

impl std::str::FromStr for ImportMode {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "create" => Ok(Self::Create),
            "upsert" => Ok(Self::Upsert),
            "replace" => Ok(Self::Replace),
            _ => Err(format!("`{name}` is not a mode: create, upsert or replace")),
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    pub mode: ImportMode,
    /// Check and count, write nothing.
    pub dry_run: bool,
}

/// What became (or, in a dry run, would become) of the records of a part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub created: u64,
    pub updated: u64,
    pub skipped: u64,
}

/// What an import did (or would do).
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub mode: ImportMode,
    pub dry_run: bool,
    /// The archive's manifest.
    pub manifest: Manifest,
    pub parts: BTreeMap<Part, Tally>,
    /// Records of the source left out, and why (imports from other systems).
    pub left_out: Vec<String>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run { "would be" } else { "were" };
        writeln!(f, "part          created   updated   skipped  ({verb})")?;
        for note in &self.left_out {
            writeln!(f, "left out: {note}")?;
        }
        for (part, tally) in &self.parts {
            writeln!(
                f,
                "{:<12} {:>8}  {:>8}  {:>8}",
                part.folder(),
                tally.created,
                tally.updated,
                tally.skipped
            )?;
        }
        Ok(())
    }
}

/// An archive refused by the checks: every problem found (the first
/// hundred), each naming the file, the record and the field.
#[derive(Debug)]
pub struct Refused {
    pub problems: Vec<String>,
    /// Problems beyond those listed.
    pub more: usize,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the archive is refused; nothing was written:")?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        if self.more > 0 {
            writeln!(f, "  … and {} more", self.more)?;
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

/// Problems found so far: the first hundred listed, the rest counted.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    listed: Vec<String>,
    more: usize,
}

impl Problems {
    /// Problems listed at most.
    const LISTED: usize = 100;

    pub(crate) fn push(&mut self, problem: String) {
        if self.listed.len() < Self::LISTED {
            self.listed.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// The problems of a domain check, each prefixed with where.
    pub(crate) fn refused(&mut self, at: &str, result: Result<(), crate::error::AppError>) {
        if let Err(err) = result {
            for reason in err.reasons() {
                self.push(format!("{at}: {reason}"));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }

    /// The refusal they make.
    pub(crate) fn refusal(self) -> Refused {
        Refused {
            problems: self.listed,
            more: self.more,
        }
    }
}

/// Checks the archive at `file` and, unless it is a dry run, imports it;
/// `progress` hears of every file read (the checks) and written.
pub async fn import(
    ctx: &Ctx,
    file: &Path,
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<ImportReport> {
    let checked = check::check(ctx, file, options.mode, progress).await?;
    if options.dry_run {
        return Ok(ImportReport {
            mode: options.mode,
            dry_run: true,
            manifest: checked.manifest,
            parts: checked.plan,
            left_out: Vec::new(),
        });
    }
    let parts = write::write(ctx, file, &checked.manifest, options.mode, progress).await?;
    Ok(ImportReport {
        mode: options.mode,
        dry_run: false,
        manifest: checked.manifest,
        parts,
        left_out: Vec::new(),
    })
}

/// Imports the export of another system (see `foreign`): converted into
/// an archive in a temporary folder (its featured images fetched first,
/// when `source` asks), then imported like one.
pub async fn import_from(
    ctx: &Ctx,
    (source, file): (&super::foreign::Source, &Path),
    options: ImportOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> anyhow::Result<ImportReport> {
    let folder = tempfile::tempdir()?;
    let archive = folder.path().join("converted.tar.zst");
    let (from, to) = (file.to_path_buf(), archive.clone());
    let locale = ctx.settings.default_locale.clone();
    let fetch = match source.fetch_pictures {
        true => Some(super::foreign::Fetch::new(&ctx.media)?),
        false => None,
    };
    let source = source.clone();
    let left_out = tokio::task::spawn_blocking(move || {
        super::foreign::convert(&source, (&from, &to), &locale, fetch.as_ref())
    })
    .await??;
    let mut report = import(ctx, &archive, options, progress).await?;
    report.left_out = left_out;
    Ok(report)
}

/// The records of one JSON-lines file.
pub(super) enum Records {
    Users(Vec<user::Model>),
    Authors(Vec<author::Model>),
    Tags(Vec<tag::Model>),
    Assets(Vec<asset::Model>),
    AssetUses(Vec<asset_use::Model>),
    Articles(Vec<ArticleRecord>),
    Revisions(Vec<revision::Model>),
    Transitions(Vec<transition::Model>),
}

/// The records of the file at `path` of `part`, or the problems of its
/// lines (`path line n: field: what`).
pub(super) fn parse(part: Part, path: &str, bytes: &[u8]) -> Result<Records, Vec<String>> {
    Ok(match part {
        Part::Users => Records::Users(lines(path, bytes)?),
        Part::Authors => Records::Authors(lines(path, bytes)?),
        Part::Tags => Records::Tags(lines(path, bytes)?),
        Part::Assets => Records::Assets(lines(path, bytes)?),
        Part::AssetUses => Records::AssetUses(lines(path, bytes)?),
        Part::Articles => Records::Articles(lines(path, bytes)?),
        Part::Revisions => Records::Revisions(lines(path, bytes)?),
        Part::Transitions => Records::Transitions(lines(path, bytes)?),
    })
}

fn lines<T: serde::de::DeserializeOwned>(path: &str, bytes: &[u8]) -> Result<Vec<T>, Vec<String>> {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (number, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Ok(record) => records.push(record),
            Err(err) => {
                let field = err.path().to_string();
                let inner = err.into_inner();
                let field = if field == "." {
                    String::new()
                } else {
                    format!("{field}: ")
                };
                problems.push(format!("{path} line {}: {field}{inner}", number + 1));
            }
        }
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}
