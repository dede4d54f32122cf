//! Imports from other systems: a Ghost JSON export or a WordPress WXR file
//! is turned into a Masthead archive (in a temporary folder), which the
//! archive import then checks and writes like any other — the same modes,
//! dry run, matching, events and search documents.
//!
//! Bodies arrive as HTML (Ghost's Lexical and Mobiledoc documents are
//! rendered to HTML first) and are turned into CommonMark by `htmd`. Ids
//! are derived from the source's ids (UUID v5), so importing the same
//! export again finds the records it made; each article also records its
//! source (`source_system`, `source_id`, `source_url`). Each record gets
//! revision 1, whose message says where it came from (and, for a
//! WordPress term, whether it was a category or a tag); a published or
//! scheduled article gets there by one `import` step of its history.
//! Featured images are fetched into the media library (`pictures`) unless
//! asked not to; those that cannot be, and avatars, stay at their addresses.

pub mod ghost;
pub mod pictures;
pub mod wordpress;

mod convert;

use std::io::BufWriter;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use entities::types::State;

use uuid::Uuid;

use super::Progress;
use convert::Converter;
pub use pictures::Fetch;

/// The namespace of the ids derived from other systems' ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x6d61_7374_6865_6164_2d69_6d70_6f72_7473);

/// The id of a record made from another system's record named by `parts`:
/// the same on every import of the same export.
fn derived(parts: &[&str]) -> Uuid {
    Uuid::new_v5(&NAMESPACE, parts.join(":").as_bytes())
}

/// Which system an export comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Ghost,
    Wordpress,
}

impl System {
    /// Its name, as `--from` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ghost => "ghost",
            Self::Wordpress => "wordpress",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Ghost => "Ghost",
            Self::Wordpress => "WordPress",
        }
    }
}

impl std::str::FromStr for System {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "ghost" => Ok(Self::Ghost),
            "wordpress" => Ok(Self::Wordpress),
            _ => Err(format!("`{name}` is not a system: ghost or wordpress")),
        }
    }
}

/// Another system's export, and how to read it.
#[derive(Debug, Clone)]
pub struct Source {
    pub system: System,
    /// The old site's address, for Ghost's `__GHOST_URL__`.
    pub site_url: Option<String>,
    /// Fetch the featured images into the media library (else they stay
    /// at their addresses).
    pub fetch_pictures: bool,
}

/// An author as another system has it.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Its key there (Ghost's user id, WordPress's login).
    pub key: String,
    pub slug: String,
    pub name: String,
    pub email: Option<String>,
    pub bio: Option<String>,
    pub website: Option<String>,
    pub avatar_url: Option<String>,
}

/// A tag, category or other term.
#[derive(Debug, Clone, Default)]
pub struct Term {
    /// Its key there (Ghost's tag id, WordPress's slug).
    pub key: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// What it was there (`category`, `post_tag`), when the system says.
    pub kind: Option<String>,
}

/// A post.
#[derive(Debug, Clone)]
pub struct Post {
    pub id: String,
    pub url: Option<String>,
    pub slug: Option<String>,
    pub title: String,
    /// HTML.
    pub html: String,
    pub excerpt: Option<String>,
    pub state: State,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub locale: Option<String>,
    pub feature_image: Option<String>,
    pub feature_image_alt: Option<String>,
    pub seo_title: Option<String>,
    pub seo_description: Option<String>,
    pub canonical_url: Option<String>,
    /// Keys of its authors, in order.
    pub authors: Vec<String>,
    /// Keys of its terms, in order.
    pub terms: Vec<String>,
}

/// Turns the export at `file` into a Masthead archive at `archive`;
/// returns what it left out (pages, internal tags, trashed posts) and the
/// featured images kept at their addresses. `fetch` fetches the featured
/// images (none: they stay at their addresses). Blocks: call it off the
/// runtime's threads.
pub fn convert(
    source: &Source,
    (file, archive): (&Path, &Path),
    default_locale: &str,
    fetch: Option<&Fetch>,
) -> anyhow::Result<Vec<String>> {
    let out = BufWriter::new(
        std::fs::File::create(archive)
            .with_context(|| format!("cannot write {}", archive.display()))?,
    );
    let mut quiet = |_: Progress| {};
    let name = file.display().to_string();
    let system = source.system;
    let mut converter = Converter::new(system, &name, out, default_locale, &mut quiet)?;
    let left_out = match system {
        System::Ghost => {
            let export = ghost::read(file, source.site_url.as_deref())?;
            let wanted = export
                .posts
                .iter()
                .filter_map(|post| {
                    Some((post.feature_image.clone()?, post.feature_image_alt.clone()))
                })
                .collect();
            let mut notes = converter.pictures(fetch, wanted)?;
            converter.people(&export.people)?;
            converter.terms(&export.terms)?;
            for post in export.posts {
                converter.post(post)?;
            }
            notes.extend(export.left_out);
            notes
        }
        System::Wordpress => {
            let site = wordpress::scan(file)?;
            let mut notes = converter.pictures(fetch, site.pictures())?;
            converter.people(&site.people)?;
            converter.terms(&site.terms)?;
            notes.extend(wordpress::posts(file, &site, |post| converter.post(post))?);
            notes
        }
    };
    converter.finish()?;
    Ok(left_out)
}

/// A date as exports write them: RFC 3339, or `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|at| at.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_come_in_two_forms() {
        let at = parse_date("2026-11-20T10:00:00.000Z").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-11-20T10:00:00+00:00");
        assert_eq!(parse_date("2026-11-20 10:00:00"), Some(at));
        assert_eq!(parse_date("0000-00-00 00:00:00"), None);
    }
}
