//! The pure rules of articles: how an input applies over the stored
//! article (every broken field listed at once), what an author may do with
//! their own drafts, and the content a revision keeps. No database here;
//! the tests below exercise the rules directly.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entities::article;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{Article, ArticleInput, FeaturedImage, FeaturedImageInput, Seo, SeoInput};
use crate::auth::Principal;
use crate::auth::policy::Grant;
use crate::content::validate::{self, Errors};
use crate::content::{ArticleCopy, Choice, Patch, State, asset, now, slug, text};
use crate::error::AppError;

/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 300;
/// Largest body, in bytes (1 MiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
const MAX_AUTHORS: usize = 20;
const MAX_TAGS: usize = 50;

/// The stored fields after applying an input to the current article.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Resolved {
    pub locale: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    pub body: String,
    pub featured_image: Option<FeaturedImage>,
    pub seo: Seo,
    pub author_ids: Vec<Uuid>,
    pub tag_ids: Vec<Uuid>,
    pub state: State,
    pub published_at: Option<DateTime<Utc>>,
}

/// Applies the field rules to `input` over `current` (nothing for a
/// create; `default_locale` then fills a missing locale).
pub(super) fn resolve(
    default_locale: &str,
    input: &ArticleInput,
    current: Option<&Article>,
) -> Result<Resolved, AppError> {
    validate::check_sent_id(input.id, current.map(|a| a.id))?;
    let mut errors = Errors::default();
    let locale = resolve_locale(default_locale, input, current, &mut errors);
    let (title, subtitle, excerpt, body) = resolve_text(input, current, &mut errors);
    let existing = current.and_then(|a| a.featured_image.as_ref());
    let featured_image = asset::resolve_image(
        "featured_image",
        &input.featured_image,
        existing,
        &mut errors,
    );
    let seo = resolve_seo(&input.seo, current, &mut errors);
    let author_ids = input
        .author_ids
        .clone()
        .apply(current.map(|a| a.author_ids.clone()))
        .unwrap_or_default();
    if author_ids.is_empty() {
        errors.push("author_ids", "at least one author is required");
    }
    check_ids("author_ids", &author_ids, MAX_AUTHORS, &mut errors);
    let tag_ids = input
        .tag_ids
        .clone()
        .apply(current.map(|a| a.tag_ids.clone()))
        .unwrap_or_default();
    check_ids("tag_ids", &tag_ids, MAX_TAGS, &mut errors);
    let (state, published_at) = resolve_state(input, current, &mut errors);
    errors.finish()?;
    Ok(Resolved {
        locale,
        title,
        subtitle,
        excerpt,
        body,
        featured_image,
        seo,
        author_ids,
        tag_ids,
        state,
        published_at,
    })
}

fn resolve_locale(
    default_locale: &str,
    input: &ArticleInput,
    current: Option<&Article>,
    errors: &mut Errors,
) -> String {
    let locale = match (&input.locale, current) {
        (Patch::Value(tag), _) => validate::locale(tag).unwrap_or_else(|message| {
            errors.push("locale", message);
            tag.clone()
        }),
        (Patch::Null, Some(_)) => {
            errors.push("locale", "must not be null");
            String::new()
        }
        (_, Some(current)) => current.locale.clone(),
        (_, None) => default_locale.to_owned(),
    };
    match &input.slug {
        Patch::Value(slug) => errors.check("slug", slug::check(slug)),
        Patch::Null if current.is_some() => errors.push("slug", "must not be null"),
        _ => {}
    }
    locale
}

type Text = (String, Option<String>, Option<String>, String);

fn resolve_text(input: &ArticleInput, current: Option<&Article>, errors: &mut Errors) -> Text {
    let keep = |field: &Patch<String>, old: fn(&Article) -> &Option<String>| {
        field.clone().apply(current.and_then(|a| old(a).clone()))
    };
    let title = input.title.clone().apply(current.map(|a| a.title.clone()));
    match &title {
        None => errors.push("title", "is required"),
        Some(title) => errors.text("title", title, MAX_TITLE_CHARS, true),
    }
    let subtitle = keep(&input.subtitle, |a| &a.subtitle);
    errors.optional_text("subtitle", subtitle.as_ref(), 300);
    let excerpt = keep(&input.excerpt, |a| &a.excerpt);
    errors.optional_text("excerpt", excerpt.as_ref(), 1_000);
    let body = input
        .body
        .clone()
        .apply(current.map(|a| a.body.clone()))
        .unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        errors.push(
            "body",
            format!("must be at most {MAX_BODY_BYTES} bytes (1 MiB)"),
        );
    }
    (title.unwrap_or_default(), subtitle, excerpt, body)
}

fn resolve_seo(input: &Patch<SeoInput>, current: Option<&Article>, errors: &mut Errors) -> Seo {
    let existing = current.map(|a| a.seo.clone()).unwrap_or_default();
    let seo = match input {
        Patch::Missing => existing,
        Patch::Null => Seo::default(),
        Patch::Value(seo) => Seo {
            title: seo.title.clone().apply(existing.title),
            description: seo.description.clone().apply(existing.description),
            canonical_url: seo.canonical_url.clone().apply(existing.canonical_url),
        },
    };
    errors.optional_text("seo.title", seo.title.as_ref(), 300);
    errors.optional_text("seo.description", seo.description.as_ref(), 500);
    errors.optional_url("seo.canonical_url", seo.canonical_url.as_ref());
    seo
}

/// The state and publication date: given on create only (imports); the
/// workflow owns them afterwards.
fn resolve_state(
    input: &ArticleInput,
    current: Option<&Article>,
    errors: &mut Errors,
) -> (State, Option<DateTime<Utc>>) {
    if let Some(current) = current {
        let sent = input.state.value();
        if sent.is_some_and(|state| state.known() != Some(current.state)) {
            errors.push(
                "state",
                "is changed through the workflow, not by editing the article",
            );
        }
        // Read-only once the article exists: the workflow sets it.
        return (current.state, current.published_at);
    }
    let state = match &input.state {
        Patch::Value(Choice::Known(State::Scheduled)) => {
            errors.push(
                "state",
                "an article is scheduled through the workflow, not created scheduled",
            );
            State::Draft
        }
        Patch::Value(Choice::Known(state)) => *state,
        Patch::Value(Choice::Unknown(_)) => {
            errors.push(
                "state",
                "must be one of draft, in_review, approved, published, archived",
            );
            State::Draft
        }
        _ => State::Draft,
    };
    let published_at = match (&input.published_at, state) {
        (Patch::Value(at), State::Published | State::Archived) => Some(*at),
        (Patch::Value(_), _) => {
            errors.push(
                "published_at",
                "is only given for a published or archived article",
            );
            None
        }
        (_, State::Published) => Some(now()),
        _ => None,
    };
    (state, published_at)
}

fn check_ids(field: &str, ids: &[Uuid], max: usize, errors: &mut Errors) {
    if ids.len() > max {
        errors.push(field, format!("must list at most {max} ids"));
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id) {
            errors.push(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

/// What an own-drafts grant (the author role) is checked against.
#[derive(Debug, Clone, Copy)]
pub(super) enum Draft<'a> {
    /// A new article: whom it credits and the state it starts in.
    New { credits: &'a [Uuid], state: State },
    /// An edit: the article as stored, and whom it credits after the edit.
    Edit {
        article: &'a Article,
        credits: &'a [Uuid],
    },
    /// A submission for review.
    Submit { article: &'a Article },
}

/// The one guard of own-drafts grants: an author creates drafts credited to
/// themselves, edits only drafts they are credited on (and keeps their
/// credit), and submits only articles they are credited on. Any other
/// grant passes.
pub(super) fn guard(grant: Grant, principal: &Principal, draft: Draft<'_>) -> Result<(), AppError> {
    if grant != Grant::OwnDrafts {
        return Ok(());
    }
    let own = match principal {
        Principal::User {
            author_id: Some(own),
            ..
        } => Some(own),
        _ => None,
    };
    let credited = |article: &Article| own.is_some_and(|own| article.author_ids.contains(own));
    let refusal = match draft {
        Draft::New { credits, state } => match own {
            None => Some("your user is not linked to an author profile, so you cannot be credited"),
            Some(own) if !credits.contains(own) => {
                Some("authors create articles credited to themselves")
            }
            Some(_) if state != State::Draft => {
                Some("authors create drafts; the workflow does the rest")
            }
            Some(_) => None,
        },
        Draft::Edit { article, credits } => {
            if !credited(article) {
                Some("only the credited authors may edit this article")
            } else if article.state != State::Draft {
                Some("authors edit their articles only while they are drafts")
            } else if !own.is_some_and(|own| credits.contains(own)) {
                Some("authors may not remove their own credit")
            } else {
                None
            }
        }
        Draft::Submit { article } => {
            (!credited(article)).then_some("only the credited authors may submit this article")
        }
    };
    refusal.map_or(Ok(()), |reason| Err(AppError::forbidden(reason)))
}

/// The content of an article, as a revision keeps it: the working copy's
/// fields with its ordered author and tag ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleSnapshot {
    pub slug: String,
    pub locale: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: Option<String>,
    pub body: String,
    pub featured_image: Option<FeaturedImage>,
    pub seo: Seo,
    pub author_ids: Vec<Uuid>,
    pub tag_ids: Vec<Uuid>,
}

impl ArticleSnapshot {
    /// The snapshot of a working row and its links.
    pub fn of(row: &article::Model, author_ids: &[Uuid], tag_ids: &[Uuid]) -> Self {
        Self {
            slug: row.slug.clone(),
            locale: row.locale.clone(),
            title: row.title.clone(),
            subtitle: row.subtitle.clone(),
            excerpt: row.excerpt.clone(),
            body: row.body.clone(),
            featured_image: featured_image_of(row),
            seo: Seo {
                title: row.seo_title.clone(),
                description: row.seo_description.clone(),
                canonical_url: row.seo_canonical_url.clone(),
            },
            author_ids: author_ids.to_vec(),
            tag_ids: tag_ids.to_vec(),
        }
    }

    /// The edit that brings an article back to this content: every field
    /// given or cleared (a full replacement), state and dates untouched.
    pub fn into_input(self, message: String) -> ArticleInput {
        ArticleInput {
            id: None,
            slug: Patch::Value(self.slug),
            locale: Patch::Value(self.locale),
            title: Patch::Value(self.title),
            subtitle: self.subtitle.into(),
            excerpt: self.excerpt.into(),
            body: Patch::Value(self.body),
            featured_image: Patch::from(self.featured_image).map(FeaturedImageInput::restoring),
            seo: Patch::Value(SeoInput {
                title: self.seo.title.into(),
                description: self.seo.description.into(),
                canonical_url: self.seo.canonical_url.into(),
            }),
            author_ids: Patch::Value(self.author_ids),
            tag_ids: Patch::Value(self.tag_ids),
            state: Patch::Missing,
            published_at: Patch::Missing,
            translation_of: None,
            revision_message: Some(message),
        }
        .replacing()
    }
}

/// Checks one copy of an article as an archive brings it (with the ids of
/// its authors and tags) by the rules of a create; its state and dates are
/// the workflow's, checked by the import.
pub(crate) fn check_imported(
    row: &article::Model,
    author_ids: &[Uuid],
    tag_ids: &[Uuid],
) -> Result<(), AppError> {
    let input = ArticleSnapshot::of(row, author_ids, tag_ids).into_input(String::new());
    resolve(&row.locale, &input, None).map(|_| ())
}

/// The working row the resolved fields make (version 1, no workflow yet).
pub(super) fn to_row(id: Uuid, slug: String, fields: &Resolved) -> article::Model {
    let at = now();
    article::Model {
        id,
        copy: ArticleCopy::Working,
        slug,
        locale: fields.locale.clone(),
        title: fields.title.clone(),
        subtitle: fields.subtitle.clone(),
        excerpt: fields.excerpt.clone(),
        body: fields.body.clone(),
        featured_image_url: fields.featured_image.as_ref().map(|i| i.url.clone()),
        featured_image_alt: fields.featured_image.as_ref().and_then(|i| i.alt.clone()),
        featured_asset_id: fields.featured_image.as_ref().and_then(|i| i.asset_id),
        featured_image_width: side(fields.featured_image.as_ref().and_then(|i| i.width)),
        featured_image_height: side(fields.featured_image.as_ref().and_then(|i| i.height)),
        seo_title: fields.seo.title.clone(),
        seo_description: fields.seo.description.clone(),
        seo_canonical_url: fields.seo.canonical_url.clone(),
        state: fields.state,
        version: 1,
        published_version: None,
        published_at: fields.published_at,
        scheduled_at: None,
        unpublish_at: None,
        deleted_at: None,
        word_count: i32::try_from(text::word_count(&fields.body)).unwrap_or(i32::MAX),
        created_at: at,
        updated_at: at,
        created_by: None,
        updated_by: None,
        translation_group: None,
        source_system: None,
        source_id: None,
        source_url: None,
    }
}

/// The featured image a stored row shows.
pub(crate) fn featured_image_of(row: &article::Model) -> Option<FeaturedImage> {
    row.featured_image_url.as_ref().map(|url| FeaturedImage {
        url: url.clone(),
        alt: row.featured_image_alt.clone(),
        asset_id: row.featured_asset_id,
        width: row.featured_image_width.and_then(|n| u32::try_from(n).ok()),
        height: row
            .featured_image_height
            .and_then(|n| u32::try_from(n).ok()),
    })
}

fn side(n: Option<u32>) -> Option<i32> {
    n.and_then(|n| i32::try_from(n).ok())
}

#[cfg(test)]
mod tests;
