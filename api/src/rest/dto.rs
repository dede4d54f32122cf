//! Wire types of the REST API: what clients send and receive, separate from
//! the domain types so a domain change never changes the API by accident.

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::Object;
use crate::auth::{KeyKind, Role};
use crate::config::Secret;
use crate::content::accounts::api_keys::{ApiKey, NewApiKey};
use crate::content::accounts::sessions::Tokens;
use crate::content::accounts::users::{NewUser, User, UserChanges};
use crate::content::article::{
    Article, ArticleInput, FeaturedImageInput, SeoInput, State, Transition, TransitionInput,
};
use crate::content::author::{Author, AuthorInput};
use crate::content::revision::{Diff, Revision};
use crate::content::tag::{Tag, TagInput};
use crate::content::{Patch, text};
use crate::error::AppError;

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

/// An author.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    /// Private contact address.
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    pub website: Option<String>,
    /// Profile links by network name, in the order given.
    #[schema(value_type = Option<Object>)]
    pub social: Option<Map<String, Value>>,
    /// The user who writes as this author (private; set through `/users`).
    pub user_id: Option<Uuid>,
    /// Grows by one with every write.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
}

impl From<Author> for AuthorOut {
    fn from(a: Author) -> Self {
        Self {
            id: a.id,
            slug: a.slug,
            name: a.name,
            bio: a.bio,
            email: a.email,
            avatar_url: a.avatar_url,
            website: a.website,
            social: a.social,
            user_id: a.user_id,
            version: a.version,
            created_at: a.created_at,
            updated_at: a.updated_at,
            created_by: a.created_by,
            updated_by: a.updated_by,
        }
    }
}

/// Top-level fields of an author, for `fields=`.
pub const AUTHOR_FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "bio",
    "email",
    "user_id",
    "avatar_url",
    "website",
    "social",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// Grows by one with every write.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub updated_by: Option<Uuid>,
    /// Published articles filed under the tag (absent inside an article's `tags`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article_count: Option<u64>,
}

impl From<Tag> for TagOut {
    fn from(t: Tag) -> Self {
        Self {
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
            created_by: t.created_by,
            updated_by: t.updated_by,
            article_count: t.article_count,
        }
    }
}

/// Top-level fields of a tag, for `fields=`.
pub const TAG_FIELDS: &[&str] = &[
    "id",
    "slug",
    "name",
    "description",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "article_count",
];

/// The picture shown with an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeaturedImageOut {
    pub url: String,
    pub alt: Option<String>,
}

/// Search-engine overrides.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeoOut {
    pub title: Option<String>,
    pub description: Option<String>,
    pub canonical_url: Option<String>,
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
    pub featured_image: Option<FeaturedImageOut>,
    pub seo: SeoOut,
    pub state: ArticleState,
    /// Grows by one with every write.
    pub version: i32,
    /// The version readers see, once published.
    pub published_version: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    /// When a scheduled article goes live.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// When the live copy is taken down (embargo end or expiry).
    pub unpublish_at: Option<DateTime<Utc>>,
    /// Set on soft-deleted articles, which only admins see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
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
    /// The body as sanitised HTML, with `formats=html`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_html: Option<String>,
    /// The body as plain text, with `formats=text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// Which derived formats to add to an article.
#[derive(Debug, Clone, Copy, Default)]
pub struct Formats {
    /// Add `body_html`.
    pub html: bool,
    /// Add `body_text`.
    pub text: bool,
}

impl ArticleOut {
    /// The wire form of an article, with the asked-for formats.
    pub fn new(a: Article, formats: Formats) -> Self {
        let reading_time_minutes = a.reading_time_minutes();
        Self {
            body_html: formats.html.then(|| text::to_html(&a.body)),
            body_text: formats.text.then(|| text::to_text(&a.body)),
            id: a.id,
            slug: a.slug,
            locale: a.locale,
            title: a.title,
            subtitle: a.subtitle,
            excerpt: a.excerpt,
            body: a.body,
            featured_image: a.featured_image.map(|i| FeaturedImageOut {
                url: i.url,
                alt: i.alt,
            }),
            seo: SeoOut {
                title: a.seo.title,
                description: a.seo.description,
                canonical_url: a.seo.canonical_url,
            },
            state: a.state.into(),
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
        }
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
    "body_html",
    "body_text",
];

/// An author as written. The read-only fields of a record read earlier
/// (`version`, `created_at`, …) are accepted and ignored, so admin UIs can
/// send the whole record back; any other unknown field is a 400.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorWrite {
    /// Generated from the name when absent; must be free.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub slug: Patch<String>,
    /// Required on create; at most 200 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub bio: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub avatar_url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub website: Patch<String>,
    /// Network name → URL or handle.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub social: Patch<Map<String, Value>>,
    /// A note stored with the revision this write makes ("fixed a typo").
    #[serde(default)]
    pub revision_message: Option<String>,
    /// Read-only: when sent back, must be the id of the addressed record.
    pub id: Option<Uuid>,
    #[serde(default, rename = "user_id")]
    #[schema(ignore)]
    _user_id: Option<IgnoredAny>,
    #[serde(default, rename = "version")]
    #[schema(ignore)]
    _version: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<IgnoredAny>,
    #[serde(default, rename = "created_by")]
    #[schema(ignore)]
    _created_by: Option<IgnoredAny>,
    #[serde(default, rename = "updated_by")]
    #[schema(ignore)]
    _updated_by: Option<IgnoredAny>,
}

impl AuthorWrite {
    /// The domain input.
    pub fn into_input(self) -> AuthorInput {
        AuthorInput {
            id: self.id,
            slug: self.slug,
            name: self.name,
            bio: self.bio,
            email: self.email,
            avatar_url: self.avatar_url,
            website: self.website,
            social: self.social,
            revision_message: self.revision_message,
        }
    }
}

/// A tag as written. Read-only fields of a record read earlier are accepted
/// and ignored; any other unknown field is a 400.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagWrite {
    /// Generated from the name when absent; must be free.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub slug: Patch<String>,
    /// Required on create; at most 100 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    /// A note stored with the revision this write makes ("fixed a typo").
    #[serde(default)]
    pub revision_message: Option<String>,
    /// Read-only: when sent back, must be the id of the addressed record.
    pub id: Option<Uuid>,
    #[serde(default, rename = "version")]
    #[schema(ignore)]
    _version: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<IgnoredAny>,
    #[serde(default, rename = "created_by")]
    #[schema(ignore)]
    _created_by: Option<IgnoredAny>,
    #[serde(default, rename = "updated_by")]
    #[schema(ignore)]
    _updated_by: Option<IgnoredAny>,
    #[serde(default, rename = "article_count")]
    #[schema(ignore)]
    _article_count: Option<IgnoredAny>,
}

impl TagWrite {
    /// The domain input.
    pub fn into_input(self) -> TagInput {
        TagInput {
            id: self.id,
            slug: self.slug,
            name: self.name,
            description: self.description,
            revision_message: self.revision_message,
        }
    }
}

/// The featured image as written.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeaturedImageWrite {
    /// Absolute http(s) URL; required.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub url: Patch<String>,
    /// Text alternative, at most 300 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub alt: Patch<String>,
}

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

/// An article as written. The read-only fields of a record read earlier
/// (`version`, `word_count`, expanded `authors` and `tags`, …) are accepted
/// and ignored, so admin UIs can send the whole record back; any other
/// unknown field is a 400.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleWrite {
    /// Generated from the title when absent on create; unique per locale.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub slug: Patch<String>,
    /// BCP 47 tag; the configured default when absent on create.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub locale: Patch<String>,
    /// Required; at most 300 characters.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub subtitle: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub excerpt: Patch<String>,
    /// CommonMark Markdown, at most 1 MiB.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub body: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<FeaturedImageWrite>)]
    pub featured_image: Patch<Object<FeaturedImageWrite>>,
    #[serde(default)]
    #[schema(value_type = Option<SeoWrite>)]
    pub seo: Patch<Object<SeoWrite>>,
    /// Credited authors in order; at least one.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Uuid>>)]
    pub author_ids: Patch<Vec<Uuid>>,
    /// Tags in order.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Uuid>>)]
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
    /// Read-only: when sent back, must be the id of the addressed record.
    pub id: Option<Uuid>,
    #[serde(default, rename = "version")]
    #[schema(ignore)]
    _version: Option<IgnoredAny>,
    #[serde(default, rename = "published_version")]
    #[schema(ignore)]
    _published_version: Option<IgnoredAny>,
    #[serde(default, rename = "scheduled_at")]
    #[schema(ignore)]
    _scheduled_at: Option<IgnoredAny>,
    #[serde(default, rename = "unpublish_at")]
    #[schema(ignore)]
    _unpublish_at: Option<IgnoredAny>,
    #[serde(default, rename = "deleted_at")]
    #[schema(ignore)]
    _deleted_at: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<IgnoredAny>,
    #[serde(default, rename = "created_by")]
    #[schema(ignore)]
    _created_by: Option<IgnoredAny>,
    #[serde(default, rename = "updated_by")]
    #[schema(ignore)]
    _updated_by: Option<IgnoredAny>,
    #[serde(default, rename = "authors")]
    #[schema(ignore)]
    _authors: Option<IgnoredAny>,
    #[serde(default, rename = "tags")]
    #[schema(ignore)]
    _tags: Option<IgnoredAny>,
    #[serde(default, rename = "word_count")]
    #[schema(ignore)]
    _word_count: Option<IgnoredAny>,
    #[serde(default, rename = "reading_time_minutes")]
    #[schema(ignore)]
    _reading_time_minutes: Option<IgnoredAny>,
    #[serde(default, rename = "body_html")]
    #[schema(ignore)]
    _body_html: Option<IgnoredAny>,
    #[serde(default, rename = "body_text")]
    #[schema(ignore)]
    _body_text: Option<IgnoredAny>,
}

impl ArticleWrite {
    /// The domain input.
    pub fn into_input(self) -> ArticleInput {
        ArticleInput {
            id: self.id,
            slug: self.slug,
            locale: self.locale,
            title: self.title,
            subtitle: self.subtitle,
            excerpt: self.excerpt,
            body: self.body,
            featured_image: self.featured_image.map(|Object(i)| FeaturedImageInput {
                url: i.url,
                alt: i.alt,
            }),
            seo: self.seo.map(|Object(s)| SeoInput {
                title: s.title,
                description: s.description,
                canonical_url: s.canonical_url,
            }),
            author_ids: self.author_ids,
            tag_ids: self.tag_ids,
            state: self.state,
            published_at: self.published_at,
            revision_message: self.revision_message,
        }
    }
}

/// Credentials for signing in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// A refresh token, to trade for new tokens or to end its session.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[schema(value_type = String)]
    pub refresh_token: Secret,
}

/// Tokens of a session.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Single use: trade it at `/auth/refresh` for new tokens before it expires.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
}

impl From<Tokens> for TokenResponse {
    fn from(tokens: Tokens) -> Self {
        Self {
            access_token: tokens.access_token.expose().to_owned(),
            refresh_token: tokens.refresh_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: tokens.expires_in,
        }
    }
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(value_type = String, format = Password)]
    pub current_password: Secret,
    /// At least 10 characters.
    #[schema(value_type = String, format = Password)]
    pub new_password: Secret,
}

/// A new password set by an admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// At least 10 characters.
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

/// A role.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Viewer,
    Author,
    Editor,
    Admin,
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Viewer => Self::Viewer,
            Role::Author => Self::Author,
            Role::Editor => Self::Editor,
            Role::Admin => Self::Admin,
        }
    }
}

/// A user account (never its password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: RoleName,
    pub disabled: bool,
    /// The author profile the user writes as.
    pub author_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: u.role.into(),
            disabled: u.disabled,
            author_id: u.author_id,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// Top-level fields of a user, for `fields=`.
pub const USER_FIELDS: &[&str] = &[
    "id",
    "email",
    "name",
    "role",
    "disabled",
    "author_id",
    "version",
    "created_at",
    "updated_at",
];

/// A new user account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// Unique, compared without regard to case.
    pub email: Option<String>,
    pub name: Option<String>,
    /// `viewer`, `author`, `editor` or `admin`.
    pub role: Option<String>,
    /// At least 10 characters.
    #[schema(value_type = Option<String>, format = Password)]
    pub password: Option<Secret>,
    /// The author profile the user writes as (needed to create articles as an author).
    pub author_id: Option<Uuid>,
}

impl UserCreate {
    /// The domain input.
    pub fn into_input(self) -> NewUser {
        NewUser {
            email: self.email,
            name: self.name,
            role: self.role,
            password: self.password,
            author_id: self.author_id,
        }
    }
}

/// Changes to a user account. Read-only fields of a record read earlier are
/// accepted and ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub role: Patch<String>,
    /// A disabled user cannot sign in; their sessions end.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub disabled: Patch<bool>,
    /// `null` unlinks the author profile.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub author_id: Patch<Uuid>,
    /// Read-only: when sent back, must be the id of the addressed user.
    pub id: Option<Uuid>,
    #[serde(default, rename = "version")]
    #[schema(ignore)]
    _version: Option<IgnoredAny>,
    #[serde(default, rename = "created_at")]
    #[schema(ignore)]
    _created_at: Option<IgnoredAny>,
    #[serde(default, rename = "updated_at")]
    #[schema(ignore)]
    _updated_at: Option<IgnoredAny>,
}

impl UserPatch {
    /// The domain input, after checking a sent-back id.
    pub fn into_changes(self, path_id: Uuid) -> Result<UserChanges, AppError> {
        crate::content::validate::check_sent_id(self.id, Some(path_id))?;
        Ok(UserChanges {
            email: self.email,
            name: self.name,
            role: self.role,
            disabled: self.disabled,
            author_id: self.author_id,
        })
    }
}

/// What an API key may read.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyKindName {
    /// Published content only.
    Delivery,
    /// Working copies too.
    Preview,
}

/// An API key, without the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub name: String,
    pub kind: ApiKeyKindName,
    /// The start of the key, to recognise it by.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            kind: match k.kind {
                KeyKind::Delivery => ApiKeyKindName::Delivery,
                KeyKind::Preview => ApiKeyKindName::Preview,
            },
            prefix: k.prefix,
            created_at: k.created_at,
            created_by: k.created_by,
            last_used_at: k.last_used_at,
            expires_at: k.expires_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// Top-level fields of an API key, for `fields=`.
pub const API_KEY_FIELDS: &[&str] = &[
    "id",
    "name",
    "kind",
    "prefix",
    "created_at",
    "created_by",
    "last_used_at",
    "expires_at",
    "revoked_at",
];

/// A new API key, with the key itself: shown in this answer only.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub api_key: ApiKeyOut,
    /// Send as `Authorization: Bearer <key>`. Store it now: it is not shown again.
    pub key: String,
}

/// A new API key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    pub name: Option<String>,
    /// `delivery` (published content) or `preview` (working copies too).
    pub kind: Option<String>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl ApiKeyCreate {
    /// The domain input.
    pub fn into_input(self) -> NewApiKey {
        NewApiKey {
            name: self.name,
            kind: self.kind,
            expires_at: self.expires_at,
        }
    }
}

/// One version of an entity's content.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// Who wrote it.
    pub created_by: Option<Uuid>,
    /// The note given with the write.
    pub message: Option<String>,
    /// The content at this version (only when one revision is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub snapshot: Option<Map<String, Value>>,
}

impl RevisionOut {
    /// The wire form, with or without the content.
    pub fn new(revision: Revision, with_snapshot: bool) -> Self {
        Self {
            version: revision.version,
            created_at: revision.created_at,
            created_by: revision.created_by,
            message: revision.message,
            snapshot: with_snapshot.then_some(revision.snapshot),
        }
    }
}

/// Top-level fields of a revision, for `fields=`.
pub const REVISION_FIELDS: &[&str] =
    &["version", "created_at", "created_by", "message", "snapshot"];

/// A run of words in a word diff.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentOut {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    pub text: String,
}

/// How one field differs between two versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeOut {
    pub field: String,
    /// `changed`, `added` or `removed`.
    pub kind: &'static str,
    #[schema(value_type = Object)]
    pub before: Value,
    #[schema(value_type = Object)]
    pub after: Value,
    /// For long text (body, excerpt, bio, description): the word diff; the
    /// `equal` and `delete` runs spell the old text, `equal` and `insert` the new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub words: Option<Vec<SegmentOut>>,
}

/// The differences between two versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiffOut {
    pub from: i32,
    pub to: i32,
    pub changes: Vec<FieldChangeOut>,
}

impl From<Diff> for DiffOut {
    fn from(diff: Diff) -> Self {
        Self {
            from: diff.from,
            to: diff.to,
            changes: diff
                .changes
                .into_iter()
                .map(|c| FieldChangeOut {
                    field: c.field,
                    kind: c.kind,
                    before: c.before,
                    after: c.after,
                    words: c.words.map(|words| {
                        words
                            .into_iter()
                            .map(|w| SegmentOut {
                                op: w.op,
                                text: w.text,
                            })
                            .collect()
                    }),
                })
                .collect(),
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
    /// The domain input.
    pub fn into_input(self) -> TransitionInput {
        TransitionInput {
            action: self.action,
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
            action: t.action,
            from: t.from,
            to: t.to,
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
