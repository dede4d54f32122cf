//! The article as the domain sees it, the input that writes it, and how lists
//! of articles are filtered and sorted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::translations::Translation;
use crate::content::author::Author;
use crate::content::body::Pictures;
use crate::content::page::{self, Direction};
use crate::content::tag::Tag;
use crate::content::workflow::{self, WorkflowAction};
use crate::content::{ArticleCopy, Choice, Key, Patch, State, text};
use crate::storage::page::sort_fields;

/// The picture shown with an article.
pub type FeaturedImage = crate::content::asset::Image;

/// Search-engine overrides; each falls back to the article's own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seo {
    pub title: Option<String>,
    pub description: Option<String>,
    pub canonical_url: Option<String>,
}

/// An article with its ordered author and tag ids, and the expanded authors
/// and tags when they were asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub id: Uuid,
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    /// CommonMark Markdown, stored byte for byte.
    pub body: String,
    pub featured_image: Option<FeaturedImage>,
    pub seo: Seo,
    pub state: State,
    pub version: i32,
    pub published_version: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    /// When a scheduled article goes live.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When the live copy is taken down (embargo end, expiry).
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Set on soft-deleted articles (seen by admins only).
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    pub author_ids: Vec<Uuid>,
    pub tag_ids: Vec<Uuid>,
    /// Expanded authors, in credit order, when included.
    pub authors: Option<Vec<Author>>,
    /// Expanded tags, in order, when included.
    pub tags: Option<Vec<Tag>>,
    /// Words in the body's text.
    pub word_count: u32,
    /// The library pictures the body refers to, when they were asked for
    /// (to render `asset:` references).
    pub pictures: Option<Pictures>,
    /// The translation group, when the article has translations.
    pub translation_group: Option<Uuid>,
    /// The other articles of its translation group, in the copy read.
    pub translations: Vec<Translation>,
    /// Where it was imported from, if it was.
    pub source: Option<Source>,
}

/// Where an imported article came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `ghost` or `wordpress`.
    pub system: String,
    /// Its id there.
    pub id: String,
    /// Its address there, when known.
    pub url: Option<String>,
}

impl Article {
    /// The workflow actions the article's state allows (whether the
    /// caller's role may take them is the policy's matter). A published
    /// version means a live copy, which can be taken down from any state.
    pub fn allowed_actions(&self) -> Vec<WorkflowAction> {
        workflow::allowed(self.state, self.published_version.is_some())
    }

    /// Minutes to read the body.
    pub fn reading_time_minutes(&self) -> u32 {
        text::reading_time_minutes(self.word_count)
    }
}

/// The featured image as written.
pub type FeaturedImageInput = crate::content::asset::ImageInput;

/// SEO fields as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeoInput {
    pub title: Patch<String>,
    pub description: Patch<String>,
    pub canonical_url: Patch<String>,
}

/// Fields a client may write. On create, `title` and at least one author are
/// required; `state` and `published_at` may be given on create only (imports).
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    /// The id a client sent back with a whole record; must name the record written.
    pub id: Option<Uuid>,
    pub slug: Patch<String>,
    pub locale: Patch<String>,
    pub title: Patch<String>,
    pub subtitle: Patch<String>,
    pub excerpt: Patch<String>,
    pub body: Patch<String>,
    pub featured_image: Patch<FeaturedImageInput>,
    pub seo: Patch<SeoInput>,
    pub author_ids: Patch<Vec<Uuid>>,
    pub tag_ids: Patch<Vec<Uuid>>,
    pub state: Patch<Choice<State>>,
    pub published_at: Patch<DateTime<Utc>>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
    /// On create: the article this one translates (it joins its group).
    pub translation_of: Option<Uuid>,
}

impl ArticleInput {
    /// For a full replacement: fields not sent are cleared, except the slug
    /// and locale, which address the article and keep their values.
    pub fn replacing(self) -> Self {
        Self {
            id: self.id,
            slug: self.slug,
            locale: self.locale,
            title: self.title.or_null(),
            subtitle: self.subtitle.or_null(),
            excerpt: self.excerpt.or_null(),
            body: self.body.or_null(),
            featured_image: self
                .featured_image
                .map(FeaturedImageInput::replacing)
                .or_null(),
            seo: self
                .seo
                .map(|seo| SeoInput {
                    title: seo.title.or_null(),
                    description: seo.description.or_null(),
                    canonical_url: seo.canonical_url.or_null(),
                })
                .or_null(),
            author_ids: self.author_ids.or_null(),
            tag_ids: self.tag_ids.or_null(),
            state: self.state,
            published_at: self.published_at,
            revision_message: self.revision_message,
            translation_of: self.translation_of,
        }
    }
}

/// Related records to expand in a read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Include {
    /// Expand `authors`.
    pub authors: bool,
    /// Expand `tags`.
    pub tags: bool,
    /// Load the library pictures the body refers to.
    pub pictures: bool,
}

/// Which copy of articles a read sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// What the public sees: the live copies of published articles, as they
    /// were when last published.
    Live,
    /// The working copies, whatever their state.
    Preview,
}

impl View {
    /// The copy of the rows this view reads.
    pub fn copy(self) -> ArticleCopy {
        match self {
            Self::Live => ArticleCopy::Live,
            Self::Preview => ArticleCopy::Working,
        }
    }
}

/// How a read wants its articles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Read {
    /// Related records to expand.
    pub include: Include,
    /// `Some(true)` asks for working copies, `Some(false)` for the live
    /// version; by default signed-in users (who edit) see working copies and
    /// everyone else the live version.
    pub preview: Option<bool>,
}

/// Which articles a list returns. Repeated authors or tags match any of them.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only these ids (`None`: any; an empty list matches nothing).
    pub ids: Option<Vec<Uuid>>,
    /// Credited to any of these authors (id or slug).
    pub authors: Vec<Key>,
    /// Filed under any of these tags (id or slug).
    pub tags: Vec<Key>,
    /// In this locale.
    pub locale: Option<String>,
    /// In any of these states (empty: any).
    pub states: Vec<State>,
    /// With this slug.
    pub slug: Option<String>,
    /// Published at or after this time.
    pub published_after: Option<DateTime<Utc>>,
    /// Published before this time.
    pub published_before: Option<DateTime<Utc>>,
    /// Title, excerpt or body contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
    /// Title contains this text (case-insensitive for ASCII).
    pub title_contains: Option<String>,
    /// Soft-deleted articles instead of the others (admins only).
    pub deleted: bool,
}

sort_fields! {
    /// Fields articles can be sorted by.
    pub enum ArticleSort for article (id Id) {
        Id = "id": Id(id) as Id,
        Title = "title": Title(title) as Text,
        Slug = "slug": Slug(slug) as Text,
        Locale = "locale": Locale(locale) as Text,
        State = "state": State(state) as Text,
        PublishedAt = "published_at": PublishedAt(published_at) as OptionalTime,
        CreatedAt = "created_at": CreatedAt(created_at) as Time,
        UpdatedAt = "updated_at": UpdatedAt(updated_at) as Time,
    }
}

/// Newest publication first; unpublished articles last, newest first.
pub fn default_sort() -> page::Sort<ArticleSort> {
    page::Sort::from_keys(vec![(ArticleSort::PublishedAt, Direction::Desc)])
}
