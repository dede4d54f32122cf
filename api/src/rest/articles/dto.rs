//! Wire types of `/api/v1/articles`: what clients send and receive,
//! separate from the domain types so a domain change never changes the API
//! by accident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::content::article::{Article, ArticleInput, SeoInput, Transition, TransitionInput};
use crate::content::asset::ImageInput;
use crate::content::{Choice, Named, Patch, State, body, text};
use crate::http::{Object, stamp};
use crate::rest::assets::{ImageOut, ImageWrite};
use crate::rest::authors::AuthorOut;
use crate::rest::tags::TagOut;
use crate::rest::wire::writable;

/// Editorial state of an article.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArticleState {
    Draft,
    InReview,
    Approved,
    Scheduled,
    Published,
    Archived,
}

impl From<State> for ArticleState {
    fn from(state: State) -> Self {
        match state {
            State::Draft => Self::Draft,
            State::InReview => Self::InReview,
            State::Approved => Self::Approved,
            State::Scheduled => Self::Scheduled,
            State::Published => Self::Published,
            State::Archived => Self::Archived,
        }
    }
}

/// Search-engine overrides.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeoOut {
    pub title: Option<String>,
    pub description: Option<String>,
    pub canonical_url: Option<String>,
}

/// Where an imported article came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut {
    /// `ghost` or `wordpress`.
    pub system: String,
    /// Its id there.
    pub id: String,
    /// Its address there, when known.
    pub url: Option<String>,
}

/// An article.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticleOut {
    pub id: Uuid,
    pub slug: String,
    /// BCP 47 language tag.
    pub locale: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    /// CommonMark Markdown, byte for byte as written.
    pub body: String,
    pub featured_image: Option<ImageOut>,
    pub seo: SeoOut,
    pub state: ArticleState,
    /// The workflow actions the article's state allows (`submit`,
    /// `request_changes`, `approve`, `publish`, `schedule`, `unpublish`,
    /// `archive`), whether or not the caller's role may take them.
    pub allowed_actions: Vec<String>,
    /// Grows by one with every write.
    pub version: i32,
    /// The version readers see, once published.
    pub published_version: Option<i32>,
    #[serde(serialize_with = "stamp::write_opt")]
    pub published_at: Option<DateTime<Utc>>,
    /// When a scheduled article goes live.
    #[serde(serialize_with = "stamp::write_opt")]
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When the live copy is taken down (embargo end or expiry).
    #[serde(serialize_with = "stamp::write_opt")]
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Set on soft-deleted articles, which only admins see.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "stamp::write_opt"
    )]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "stamp::write")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "stamp::write")]
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// Ids of the credited authors, in credit order.
    pub author_ids: Vec<Uuid>,
    /// Ids of the tags, in order.
    pub tag_ids: Vec<Uuid>,
    /// The authors, with `include=authors`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authors: Option<Vec<AuthorOut>>,
    /// The tags, with `include=tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<TagOut>>,
    /// Words in the body's text.
    pub word_count: u32,
    /// Minutes to read the body at 230 words a minute, rounded up.
    pub reading_time_minutes: u32,
    /// The other articles of its translation group (the same story in
    /// other locales), in the copy read: for the public, the published ones.
    pub translations: Vec<TranslationOut>,
    /// Where the article was imported from (`masthead import --from`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceOut>,
    /// The body as sanitised HTML, with `formats=html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// The body as plain text, with `formats=text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
    /// The body as an mdast document tree (`root`, `paragraph`,
    /// `heading{depth}`, `text`, `emphasis`, `strong`, `link{url}`,
    /// `image{url, alt, asset}`, `list{ordered}`, `listItem`, `blockquote`,
    /// `code{lang}`, `inlineCode`, `thematicBreak`, `break`), with `formats=ast`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub body_ast: Option<serde_json::Value>,
}

/// Which derived formats to add to an article.
#[derive(Debug, Clone, Copy, Default)]
pub struct Formats {
    /// Add `body_html`.
    pub html: bool,
    /// Add `body_text`.
    pub text: bool,
    /// Add `body_ast`.
    pub ast: bool,
}

impl ArticleOut {
    /// The wire form of an article, with the asked-for formats.
    pub fn new(a: Article, formats: Formats) -> Self {
        let reading_time_minutes = a.reading_time_minutes();
        let allowed_actions = a
            .allowed_actions()
            .into_iter()
            .map(|action| action.as_str().to_owned())
            .collect();
        let none = body::Pictures::new();
        let pictures = a.pictures.as_ref().unwrap_or(&none);
        Self {
            body_html: formats.html.then(|| body::to_html(&a.body, pictures)),
            body_text: formats.text.then(|| text::to_text(&a.body)),
            body_ast: formats.ast.then(|| body::to_ast(&a.body, pictures)),
            id: a.id,
            slug: a.slug,
            locale: a.locale,
            title: a.title,
            subtitle: a.subtitle,
            excerpt: a.excerpt,
            body: a.body,
            featured_image: a.featured_image.map(ImageOut::from),
            seo: SeoOut {
                title: a.seo.title,
                description: a.seo.description,
                canonical_url: a.seo.canonical_url,
            },
            state: a.state.into(),
            allowed_actions,
            version: a.version,
            published_version: a.published_version,
            published_at: a.published_at,
            scheduled_at: a.scheduled_at,
            unpublish_at: a.unpublish_at,
            deleted_at: a.deleted_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
            created_by: a.created_by,
            updated_by: a.updated_by,
            author_ids: a.author_ids,
            tag_ids: a.tag_ids,
            authors: a
                .authors
                .map(|list| list.into_iter().map(AuthorOut::from).collect()),
            tags: a
                .tags
                .map(|list| list.into_iter().map(TagOut::from).collect()),
            word_count: a.word_count,
            reading_time_minutes,
            source: a.source.map(|s| SourceOut {
                system: s.system,
                id: s.id,
                url: s.url,
            }),
            translations: a
                .translations
                .into_iter()
                .map(|t| TranslationOut {
                    id: t.id,
                    locale: t.locale,
                    slug: t.slug,
                    state: t.state.into(),
                    published: t.published,
                })
                .collect(),
        }
    }
}

/// Another article of the same translation group.
#[derive(Debug, Serialize, ToSchema)]
pub struct TranslationOut {
    pub id: Uuid,
    /// BCP 47 language tag.
    pub locale: String,
    pub slug: String,
    pub state: ArticleState,
    /// True when it has a published version.
    pub published: bool,
}

impl From<Article> for ArticleOut {
    /// The wire form with no derived formats.
    fn from(article: Article) -> Self {
        Self::new(article, Formats::default())
    }
}

/// Top-level fields of an article, for `fields=`.
pub const ARTICLE_FIELDS: &[&str] = &[
    "id",
    "slug",
    "locale",
    "title",
    "subtitle",
    "excerpt",
    "body",
    "featured_image",
    "seo",
    "state",
    "allowed_actions",
    "version",
    "published_version",
    "published_at",
    "scheduled_at",
    "unpublish_at",
    "deleted_at",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "author_ids",
    "tag_ids",
    "authors",
    "tags",
    "word_count",
    "reading_time_minutes",
    "translations",
    "source",
    "body_html",
    "body_text",
    "body_ast",
];

/// SEO fields as written; in a PATCH, fields not sent keep their values.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeoWrite {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub canonical_url: Patch<String>,
}

writable! {
    /// An article as written. The read-only fields of a record read earlier
    /// (`version`, `word_count`, expanded `authors` and `tags`, …) are accepted
    /// and ignored, so admin UIs can send the whole record back; any other
    /// unknown field is a 400.
    pub struct ArticleWrite {
        /// Generated from the title when absent on create; unique per locale.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
        pub slug: Patch<String>,
        /// BCP 47 tag; the configured default when absent on create.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub locale: Patch<String>,
        /// Required; at most 300 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "\\S", max_length = 300)]
        pub title: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 300)]
        pub subtitle: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 1000)]
        pub excerpt: Patch<String>,
        /// CommonMark Markdown, at most 1 MiB.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub body: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<ImageWrite>)]
        pub featured_image: Patch<Object<ImageWrite>>,
        #[serde(default)]
        #[schema(value_type = Option<SeoWrite>)]
        pub seo: Patch<Object<SeoWrite>>,
        /// Credited authors in order; at least one.
        #[serde(default)]
        #[schema(value_type = Option<Vec<Uuid>>, max_items = 20)]
        pub author_ids: Patch<Vec<Uuid>>,
        /// Tags in order.
        #[serde(default)]
        #[schema(value_type = Option<Vec<Uuid>>, max_items = 50)]
        pub tag_ids: Patch<Vec<Uuid>>,
        /// On create only (imports): the starting state. Afterwards it must equal
        /// the current state; the workflow changes it.
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub state: Patch<String>,
        /// On create of a published or archived article only (imports, back-dating).
        #[serde(default)]
        #[schema(value_type = Option<DateTime<Utc>>)]
        pub published_at: Patch<DateTime<Utc>>,
        /// A note stored with the revision this write makes ("fixed a typo").
        #[serde(default)]
        pub revision_message: Option<String>,
        /// On create: the id of the article this one translates; the new
        /// article joins its translation group (one article per locale).
        /// Later writes may send it back unchanged.
        #[serde(default)]
        pub translation_of: Option<Uuid>,
        /// Read-only: when sent back, must be the id of the addressed record.
        #[schema(read_only)]
        pub id: Option<Uuid>,
    }
    read_only {
        allowed_actions, version, published_version, scheduled_at, unpublish_at, deleted_at, created_at,
        updated_at, created_by, updated_by, authors, tags, word_count, reading_time_minutes,
        body_html, body_text, body_ast, translations, source,
    }
}

impl From<ArticleWrite> for ArticleInput {
    /// The domain input; the domain checks the state's name.
    fn from(w: ArticleWrite) -> Self {
        ArticleInput {
            id: w.id,
            slug: w.slug,
            locale: w.locale,
            title: w.title,
            subtitle: w.subtitle,
            excerpt: w.excerpt,
            body: w.body,
            featured_image: w.featured_image.map(|Object(i)| ImageInput::from(i)),
            seo: w.seo.map(|Object(s)| SeoInput {
                title: s.title,
                description: s.description,
                canonical_url: s.canonical_url,
            }),
            author_ids: w.author_ids,
            tag_ids: w.tag_ids,
            state: w.state.map(|name| Choice::parse(&name)),
            published_at: w.published_at,
            revision_message: w.revision_message,
            translation_of: w.translation_of,
        }
    }
}

/// A workflow action to take.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// `submit`, `request_changes`, `approve`, `publish`, `schedule`, `unpublish` or `archive`.
    pub action: Option<String>,
    /// Required for `request_changes`.
    pub comment: Option<String>,
    /// For `schedule`: when to publish (in the future).
    pub publish_at: Option<DateTime<Utc>>,
    /// For `schedule`: when to take the article down again.
    pub unpublish_at: Option<DateTime<Utc>>,
    /// For `publish`: the publication date to show (back-dating, imports).
    pub published_at: Option<DateTime<Utc>>,
}

impl TransitionRequest {
    /// The domain input; the domain checks the action's name.
    pub fn into_input(self) -> TransitionInput {
        TransitionInput {
            action: self.action.map(|name| Choice::parse(&name)),
            comment: self.comment,
            publish_at: self.publish_at,
            unpublish_at: self.unpublish_at,
            published_at: self.published_at,
        }
    }
}

/// One recorded change of an article's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOut {
    pub id: Uuid,
    pub action: String,
    pub from: String,
    pub to: String,
    /// The working version at the time.
    pub version: i32,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `null` when the scheduler acted.
    pub created_by: Option<Uuid>,
}

impl From<Transition> for TransitionOut {
    fn from(t: Transition) -> Self {
        Self {
            id: t.id,
            action: t.action.as_str().to_owned(),
            from: t.from.as_str().to_owned(),
            to: t.to.as_str().to_owned(),
            version: t.version,
            comment: t.comment,
            created_at: t.created_at,
            created_by: t.created_by,
        }
    }
}

/// Top-level fields of a transition, for `fields=`.
pub const TRANSITION_FIELDS: &[&str] = &[
    "id",
    "action",
    "from",
    "to",
    "version",
    "comment",
    "created_at",
    "created_by",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rest::wire::check::fields_match;

    #[test]
    fn the_field_lists_name_every_field() {
        fields_match::<ArticleOut>(ARTICLE_FIELDS);
        fields_match::<TransitionOut>(TRANSITION_FIELDS);
    }
}
