//! The Masthead archive: a site's content in one `.tar.zst` stream, to move
//! it between installations (SQLite or PostgreSQL) and to keep it outside
//! them.
//!
//! The archive holds JSON-lines files per type, each of at most
//! [`CHUNK_RECORDS`] records (`users/000001.jsonl`, `assets/…` each chunk
//! followed by the bytes of its files, `media/<sha256>`, then `authors/…`,
//! `tags/…`, `articles/…`, `asset_uses/…`, `revisions/…`,
//! `transitions/…`: what a record refers to comes before it), and last
//! `manifest.json`: the format, the schema version (the latest migration),
//! Masthead's version, the counts, and the size, record count and SHA-256
//! of every file. A record is a row as the tables hold it; an article
//! record holds both copies and the ids of their authors and tags in order.
//! Users come without their password hashes unless asked for.
//!
//! Files are cut in chunks so that writing and reading hold one chunk in
//! memory at a time, whatever the size of the site.

mod export;
pub mod foreign;
mod import;
pub mod jobs;
mod writer;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entities::{article, article_author, article_tag};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use export::{ExportOptions, export};
pub use import::{ImportMode, ImportOptions, ImportReport, Refused, import, import_from};

/// What the manifest calls this format.
pub const FORMAT: &str = "masthead-export";
/// The manifest's name inside the archive.
pub const MANIFEST: &str = "manifest.json";
/// Records per JSON-lines file at most.
pub const CHUNK_RECORDS: usize = 500;

/// The kinds of records, in the order they are written and read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Users,
    Assets,
    Authors,
    Tags,
    Articles,
    AssetUses,
    Revisions,
    Transitions,
}

impl Part {
    /// Every part, in order.
    pub const ALL: [Self; 8] = [
        Self::Users,
        Self::Assets,
        Self::Authors,
        Self::Tags,
        Self::Articles,
        Self::AssetUses,
        Self::Revisions,
        Self::Transitions,
    ];

    /// The folder of its files in the archive.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Users => "users",
            Self::Authors => "authors",
            Self::Tags => "tags",
            Self::Assets => "assets",
            Self::AssetUses => "asset_uses",
            Self::Articles => "articles",
            Self::Revisions => "revisions",
            Self::Transitions => "transitions",
        }
    }

    /// The part a file of the archive belongs to, from its path.
    fn of_path(path: &str) -> Option<Self> {
        let (folder, name) = path.split_once('/')?;
        let part = Self::ALL.into_iter().find(|part| part.folder() == folder)?;
        let number = name.strip_suffix(".jsonl")?;
        (number.len() == 6 && number.bytes().all(|b| b.is_ascii_digit())).then_some(part)
    }
}

/// The last file of an archive: what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    /// The latest migration of the Masthead that wrote it.
    pub schema_version: String,
    pub masthead_version: String,
    pub created_at: DateTime<Utc>,
    /// Set for an incremental archive: what changed since then.
    pub since: Option<DateTime<Utc>>,
    /// Whether users carry their password hashes.
    pub with_accounts: bool,
    /// Records of each part.
    pub counts: BTreeMap<Part, u64>,
    /// Every other file, in archive order.
    pub files: Vec<FileEntry>,
}

/// One file of an archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    /// Records in a JSON-lines file (0 for media).
    pub records: u64,
    pub sha256: String,
}

/// One article: both copies, and their authors and tags in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub working: article::Model,
    pub live: Option<article::Model>,
    pub authors: CopyLinks,
    pub tags: CopyLinks,
}

/// The ids linked to each copy of an article, in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CopyLinks {
    pub working: Vec<Uuid>,
    pub live: Vec<Uuid>,
}

impl CopyLinks {
    /// The links of each article, in order, from its (article, copy,
    /// position, author or tag) rows in any order.
    fn grouped(
        rows: impl Iterator<Item = (Uuid, entities::types::ArticleCopy, i32, Uuid)>,
    ) -> std::collections::HashMap<Uuid, Self> {
        let mut rows: Vec<_> = rows.collect();
        rows.sort_by_key(|&(article, _, position, _)| (article, position));
        let mut links: std::collections::HashMap<Uuid, Self> = std::collections::HashMap::new();
        for (article, copy, _, id) in rows {
            links.entry(article).or_default().push(copy, id);
        }
        links
    }

    fn of_authors(rows: &[article_author::Model]) -> std::collections::HashMap<Uuid, Self> {
        Self::grouped(
            rows.iter()
                .map(|r| (r.article_id, r.copy, r.position, r.author_id)),
        )
    }

    fn of_tags(rows: &[article_tag::Model]) -> std::collections::HashMap<Uuid, Self> {
        Self::grouped(
            rows.iter()
                .map(|r| (r.article_id, r.copy, r.position, r.tag_id)),
        )
    }

    fn push(&mut self, copy: entities::types::ArticleCopy, id: Uuid) {
        match copy {
            entities::types::ArticleCopy::Working => self.working.push(id),
            entities::types::ArticleCopy::Live => self.live.push(id),
        }
    }
}

/// How far an export or an import is, for a progress bar.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub records: u64,
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_belong_to_the_part_of_their_folder() {
        assert_eq!(Part::of_path("articles/000001.jsonl"), Some(Part::Articles));
        assert_eq!(
            Part::of_path("asset_uses/000012.jsonl"),
            Some(Part::AssetUses)
        );
        assert_eq!(Part::of_path("articles/1.jsonl"), None);
        assert_eq!(Part::of_path("articles/000001.json"), None);
        assert_eq!(Part::of_path("other/000001.jsonl"), None);
        assert_eq!(Part::of_path("manifest.json"), None);
    }

    #[test]
    fn parts_come_after_what_they_refer_to() {
        let position = |part| Part::ALL.iter().position(|p| *p == part).unwrap();
        assert!(position(Part::Users) < position(Part::Authors));
        assert!(position(Part::Assets) < position(Part::Authors));
        assert!(position(Part::Assets) < position(Part::Articles));
        assert!(position(Part::Articles) < position(Part::AssetUses));
        assert!(position(Part::Articles) < position(Part::Revisions));
        assert!(position(Part::Articles) < position(Part::Transitions));
        let mut sorted = Part::ALL;
        sorted.sort();
        assert_eq!(sorted, Part::ALL);
    }

    #[test]
    fn links_are_grouped_by_article_in_order_of_position_per_copy() {
        use entities::types::ArticleCopy::{Live, Working};
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let (x, y, z) = (
            Uuid::from_u128(10),
            Uuid::from_u128(11),
            Uuid::from_u128(12),
        );
        let rows = [
            (b, Working, 0, z),
            (a, Working, 1, x),
            (a, Live, 1, z),
            (a, Working, 0, y),
            (a, Live, 0, x),
        ];
        let links = CopyLinks::grouped(rows.into_iter());
        assert_eq!(links[&a].working, [y, x]);
        assert_eq!(links[&a].live, [x, z]);
        assert_eq!(links[&b].working, [z]);
        assert!(links[&b].live.is_empty());
    }
}
