//! `/api/v1/authors`: the people credited on articles.

use actix_web::{delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::assets::{ImageOut, ImageWrite};
use super::catalog::catalog_handlers;
use super::docs::ListOf;
use super::history::history_handlers;
use super::wire::writable;
use crate::content::Patch;
use crate::content::asset::ImageInput;
use crate::content::author::{Author, AuthorInput, AuthorSort};
use crate::content::localized::Localized;
use crate::http::Object;
use crate::http::stamp;

/// An author.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub bio: Option<String>,
    /// The name per locale, beside the default `name`.
    #[schema(value_type = HashMap<String, String>)]
    pub names: Localized,
    /// The bio per locale, beside the default `bio`.
    #[schema(value_type = HashMap<String, String>)]
    pub bios: Localized,
    /// Private contact address.
    pub email: Option<String>,
    /// The avatar's URL (the same as `avatar.url`).
    pub avatar_url: Option<String>,
    /// The avatar: a picture of the media library, or an image elsewhere.
    pub avatar: Option<ImageOut>,
    pub website: Option<String>,
    /// Profile links by network name, in the order given.
    #[schema(value_type = Option<Object>)]
    pub social: Option<Map<String, Value>>,
    /// The user who writes as this author (private; set through `/users`).
    pub user_id: Option<Uuid>,
    /// Grows by one with every write.
    pub version: i32,
    #[serde(serialize_with = "stamp::write")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "stamp::write")]
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
            names: a.names,
            bios: a.bios,
            email: a.email,
            avatar_url: a.avatar_url,
            avatar: a.avatar.map(ImageOut::from),
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
    "names",
    "bios",
    "email",
    "user_id",
    "avatar_url",
    "avatar",
    "website",
    "social",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
];

writable! {
    /// An author as written. The read-only fields of a record read earlier
    /// (`version`, `created_at`, …) are accepted and ignored, so admin UIs can
    /// send the whole record back; any other unknown field is a 400.
    pub struct AuthorWrite {
        /// Generated from the name when absent; must be free.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
        pub slug: Patch<String>,
        /// Required on create; at most 200 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "\\S", max_length = 200)]
        pub name: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 10000)]
        pub bio: Patch<String>,
        /// The name per locale (`{"fr": "…"}`); replaces the stored ones.
        #[serde(default)]
        #[schema(value_type = Option<HashMap<String, String>>)]
        pub names: Patch<Localized>,
        /// The bio per locale; replaces the stored ones.
        #[serde(default)]
        #[schema(value_type = Option<HashMap<String, String>>)]
        pub bios: Patch<Localized>,
        #[serde(default)]
        #[schema(value_type = Option<String>)]
        pub email: Patch<String>,
        /// An image elsewhere (absolute http(s) URL); `avatar` wins when both are given.
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 2048)]
        pub avatar_url: Patch<String>,
        /// A picture of the media library (`asset_id`) or a URL.
        #[serde(default)]
        #[schema(value_type = Option<ImageWrite>)]
        pub avatar: Patch<Object<ImageWrite>>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 2048)]
        pub website: Patch<String>,
        /// Network name → URL or handle.
        #[serde(default)]
        #[schema(value_type = Option<Object>)]
        pub social: Patch<Map<String, Value>>,
        /// A note stored with the revision this write makes ("fixed a typo").
        #[serde(default)]
        pub revision_message: Option<String>,
        /// Read-only: when sent back, must be the id of the addressed record.
        #[schema(read_only)]
        pub id: Option<Uuid>,
    }
    read_only { user_id, version, created_at, updated_at, created_by, updated_by }
}

impl From<AuthorWrite> for AuthorInput {
    fn from(w: AuthorWrite) -> Self {
        AuthorInput {
            id: w.id,
            slug: w.slug,
            name: w.name,
            bio: w.bio,
            names: w.names,
            bios: w.bios,
            email: w.email,
            avatar_url: w.avatar_url,
            avatar: w.avatar.map(|Object(i)| ImageInput::from(i)),
            website: w.website,
            social: w.social,
            revision_message: w.revision_message,
        }
    }
}

catalog_handlers! {
    collection: Authors = "authors",
    tag: "authors",
    item: Author,
    sort: AuthorSort,
    input: AuthorInput,
    out: AuthorOut,
    write: AuthorWrite,
    fields: AUTHOR_FIELDS,
    key: "Author id or slug",
    page: "A page of authors in `data`, counts in `meta`",
    readers: "Readable by anyone who may read published content; e-mail addresses only by signed-in users.",
    summaries: {
        list: "List authors.",
        get: "Get an author by id or slug.",
        create: "Create an author.",
        patch: "Update some fields of an author.",
        replace: "Replace an author.",
    },
    list: list_authors = "/authors",
    create: create_author,
    get: get_author = "/authors/{id}",
    patch: patch_author,
    replace: replace_author,
    delete: delete_author = "Delete an author credited on no article.",
}

history_handlers! {
    tag: "authors",
    noun: "an author",
    versioned: Author,
    out: AuthorOut,
    list: list_author_revisions = "/authors/{id}/revisions",
    get: get_author_revision = "/authors/{id}/revisions/{version}",
    restore: restore_author_revision = "/authors/{id}/revisions/{version}/restore",
    diff: diff_author = "/authors/{id}/diff",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<AuthorOut>(AUTHOR_FIELDS);
    }
}
