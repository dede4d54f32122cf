//! Input objects of mutations, and what each becomes in the domain: a
//! field not given is left alone, `null` clears it.

use async_graphql::{InputObject, Json, MaybeUndefined};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::scalars::Timestamp;
use super::types::{ArticleStateGql, FocalPointGql};
use crate::content::article::{ArticleInput, FeaturedImageInput, SeoInput};
use crate::content::asset::{AssetInput, FocalPoint};
use crate::content::author::AuthorInput;
use crate::content::localized::Localized;
use crate::content::tag::TagInput;
use crate::content::{Choice, Patch};

pub(super) fn patch<T>(value: MaybeUndefined<T>) -> Patch<T> {
    match value {
        MaybeUndefined::Undefined => Patch::Missing,
        MaybeUndefined::Null => Patch::Null,
        MaybeUndefined::Value(value) => Patch::Value(value),
    }
}

pub(super) fn given<T>(value: Option<T>) -> Patch<T> {
    value.into()
}

/// A picture shown with content (a featured image, an avatar): an asset of
/// the media library, or a URL of an image elsewhere.
#[derive(InputObject, Debug, Default)]
pub struct FeaturedImageWrite {
    /// A picture of the media library; wins over `url`.
    pub asset_id: MaybeUndefined<Uuid>,
    /// Absolute http(s) URL of an image elsewhere.
    pub url: MaybeUndefined<String>,
    /// Text alternative.
    pub alt: MaybeUndefined<String>,
}

/// Search-engine overrides; in an update, fields not given keep their values.
#[derive(InputObject, Debug, Default)]
pub struct SeoWrite {
    pub title: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    pub canonical_url: MaybeUndefined<String>,
}

fn image(value: MaybeUndefined<FeaturedImageWrite>) -> Patch<FeaturedImageInput> {
    patch(value).map(|i| FeaturedImageInput {
        asset_id: patch(i.asset_id),
        url: patch(i.url),
        alt: patch(i.alt),
    })
}

fn seo(value: MaybeUndefined<SeoWrite>) -> Patch<SeoInput> {
    patch(value).map(|s| SeoInput {
        title: patch(s.title),
        description: patch(s.description),
        canonical_url: patch(s.canonical_url),
    })
}

/// A new article.
#[derive(InputObject, Debug)]
pub struct CreateArticleInput {
    /// Generated from the title when absent.
    pub slug: Option<String>,
    /// BCP 47; the default locale when absent.
    pub locale: Option<String>,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    /// CommonMark Markdown.
    pub body: Option<String>,
    #[graphql(default)]
    pub featured_image: MaybeUndefined<FeaturedImageWrite>,
    #[graphql(default)]
    pub seo: MaybeUndefined<SeoWrite>,
    /// Credited authors in order; at least one.
    pub author_ids: Vec<Uuid>,
    pub tag_ids: Option<Vec<Uuid>>,
    /// The starting state (imports: editors and admins).
    pub state: Option<ArticleStateGql>,
    /// For an article created published: its publication date.
    pub published_at: Option<Timestamp>,
    /// A note stored with revision 1.
    pub revision_message: Option<String>,
    /// The id of the article this one translates: the new article joins its
    /// translation group (one article per locale).
    pub translation_of: Option<Uuid>,
}

/// Changes to an article: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateArticleInput {
    pub slug: MaybeUndefined<String>,
    pub locale: MaybeUndefined<String>,
    pub title: MaybeUndefined<String>,
    pub subtitle: MaybeUndefined<String>,
    pub excerpt: MaybeUndefined<String>,
    pub body: MaybeUndefined<String>,
    pub featured_image: MaybeUndefined<FeaturedImageWrite>,
    pub seo: MaybeUndefined<SeoWrite>,
    pub author_ids: MaybeUndefined<Vec<Uuid>>,
    pub tag_ids: MaybeUndefined<Vec<Uuid>>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

/// A new author.
#[derive(InputObject, Debug)]
pub struct CreateAuthorInput {
    pub slug: Option<String>,
    pub name: String,
    pub bio: Option<String>,
    /// The name per locale: `{"fr": "…"}`.
    pub names: Option<Json<Localized>>,
    /// The bio per locale.
    pub bios: Option<Json<Localized>>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
    /// The avatar as a picture of the media library (or a URL); wins over `avatarUrl`.
    #[graphql(default)]
    pub avatar: MaybeUndefined<FeaturedImageWrite>,
    pub website: Option<String>,
    /// Network name → URL or handle.
    pub social: Option<Json<Map<String, Value>>>,
    pub revision_message: Option<String>,
}

/// Changes to an author: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateAuthorInput {
    pub slug: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
    /// The name per locale (replaces the stored ones).
    pub names: MaybeUndefined<Json<Localized>>,
    /// The bio per locale (replaces the stored ones).
    pub bios: MaybeUndefined<Json<Localized>>,
    pub email: MaybeUndefined<String>,
    pub avatar_url: MaybeUndefined<String>,
    pub avatar: MaybeUndefined<FeaturedImageWrite>,
    pub website: MaybeUndefined<String>,
    pub social: MaybeUndefined<Json<Map<String, Value>>>,
    pub revision_message: Option<String>,
}

/// A new tag.
#[derive(InputObject, Debug)]
pub struct CreateTagInput {
    pub slug: Option<String>,
    pub name: String,
    pub description: Option<String>,
    /// The name per locale: `{"fr": "Économie"}`.
    pub names: Option<Json<Localized>>,
    pub revision_message: Option<String>,
}

/// Changes to a tag: fields not given keep their values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateTagInput {
    pub slug: MaybeUndefined<String>,
    pub name: MaybeUndefined<String>,
    pub description: MaybeUndefined<String>,
    /// The name per locale (replaces the stored ones).
    pub names: MaybeUndefined<Json<Localized>>,
    pub revision_message: Option<String>,
}

impl From<CreateArticleInput> for ArticleInput {
    fn from(input: CreateArticleInput) -> Self {
        Self {
            id: None,
            slug: given(input.slug),
            locale: given(input.locale),
            title: Patch::Value(input.title),
            subtitle: given(input.subtitle),
            excerpt: given(input.excerpt),
            body: given(input.body),
            featured_image: image(input.featured_image),
            seo: seo(input.seo),
            author_ids: Patch::Value(input.author_ids),
            tag_ids: given(input.tag_ids),
            state: given(input.state.map(|state| Choice::Known(state.into()))),
            published_at: given(input.published_at.map(|t| t.0)),
            revision_message: input.revision_message,
            translation_of: input.translation_of,
        }
    }
}

impl From<UpdateArticleInput> for ArticleInput {
    fn from(input: UpdateArticleInput) -> Self {
        Self {
            id: None,
            slug: patch(input.slug),
            locale: patch(input.locale),
            title: patch(input.title),
            subtitle: patch(input.subtitle),
            excerpt: patch(input.excerpt),
            body: patch(input.body),
            featured_image: image(input.featured_image),
            seo: seo(input.seo),
            author_ids: patch(input.author_ids),
            tag_ids: patch(input.tag_ids),
            state: Patch::Missing,
            published_at: Patch::Missing,
            revision_message: input.revision_message,
            translation_of: None,
        }
    }
}

impl From<CreateAuthorInput> for AuthorInput {
    fn from(input: CreateAuthorInput) -> Self {
        Self {
            id: None,
            slug: given(input.slug),
            name: Patch::Value(input.name),
            bio: given(input.bio),
            names: given(input.names.map(|j| j.0)),
            bios: given(input.bios.map(|j| j.0)),
            email: given(input.email),
            avatar_url: given(input.avatar_url),
            avatar: image(input.avatar),
            website: given(input.website),
            social: given(input.social.map(|j| j.0)),
            revision_message: input.revision_message,
        }
    }
}

impl From<UpdateAuthorInput> for AuthorInput {
    fn from(input: UpdateAuthorInput) -> Self {
        Self {
            id: None,
            slug: patch(input.slug),
            name: patch(input.name),
            bio: patch(input.bio),
            names: patch(input.names).map(|j| j.0),
            bios: patch(input.bios).map(|j| j.0),
            email: patch(input.email),
            avatar_url: patch(input.avatar_url),
            avatar: image(input.avatar),
            website: patch(input.website),
            social: patch(input.social).map(|j| j.0),
            revision_message: input.revision_message,
        }
    }
}

impl From<CreateTagInput> for TagInput {
    fn from(input: CreateTagInput) -> Self {
        Self {
            id: None,
            slug: given(input.slug),
            name: Patch::Value(input.name),
            description: given(input.description),
            names: given(input.names.map(|j| j.0)),
            revision_message: input.revision_message,
        }
    }
}

impl From<UpdateTagInput> for TagInput {
    fn from(input: UpdateTagInput) -> Self {
        Self {
            id: None,
            slug: patch(input.slug),
            name: patch(input.name),
            description: patch(input.description),
            names: patch(input.names).map(|j| j.0),
            revision_message: input.revision_message,
        }
    }
}

/// Changes to an asset's text and focal point: fields not given keep their
/// values, `null` clears.
#[derive(InputObject, Debug, Default)]
pub struct UpdateAssetInput {
    pub alt: MaybeUndefined<String>,
    pub caption: MaybeUndefined<String>,
    pub credit: MaybeUndefined<String>,
    pub focal_point: MaybeUndefined<FocalPointGql>,
    /// A note stored with the revision this write makes.
    pub revision_message: Option<String>,
}

impl From<UpdateAssetInput> for AssetInput {
    fn from(input: UpdateAssetInput) -> Self {
        Self {
            id: None,
            alt: patch(input.alt),
            caption: patch(input.caption),
            credit: patch(input.credit),
            focal_point: patch(input.focal_point).map(FocalPoint::from),
            revision_message: input.revision_message,
        }
    }
}
