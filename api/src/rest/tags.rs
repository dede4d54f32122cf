//! `/api/v1/tags`: the topics articles are filed under.

use actix_web::{delete, get, patch, post, put};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::catalog::catalog_handlers;
use super::docs::ListOf;
use super::history::history_handlers;
use super::wire::writable;
use crate::content::Patch;
use crate::content::localized::Localized;
use crate::content::tag::{Tag, TagInput, TagSort};

/// A tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    /// The name per locale, beside the default `name`.
    #[schema(value_type = HashMap<String, String>)]
    pub names: Localized,
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
            names: t.names,
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
    "names",
    "version",
    "created_at",
    "updated_at",
    "created_by",
    "updated_by",
    "article_count",
];

writable! {
    /// A tag as written. Read-only fields of a record read earlier are accepted
    /// and ignored; any other unknown field is a 400.
    pub struct TagWrite {
        /// Generated from the name when absent; must be free.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$", max_length = 200)]
        pub slug: Patch<String>,
        /// Required on create; at most 100 characters.
        #[serde(default)]
        #[schema(value_type = Option<String>, pattern = "\\S", max_length = 100)]
        pub name: Patch<String>,
        #[serde(default)]
        #[schema(value_type = Option<String>, max_length = 2000)]
        pub description: Patch<String>,
        /// The name per locale (`{"fr": "Économie"}`); replaces the stored ones.
        #[serde(default)]
        #[schema(value_type = Option<HashMap<String, String>>)]
        pub names: Patch<Localized>,
        /// A note stored with the revision this write makes ("fixed a typo").
        #[serde(default)]
        pub revision_message: Option<String>,
        /// Read-only: when sent back, must be the id of the addressed record.
        #[schema(read_only)]
        pub id: Option<Uuid>,
    }
    read_only { version, created_at, updated_at, created_by, updated_by, article_count }
}

impl From<TagWrite> for TagInput {
    fn from(w: TagWrite) -> Self {
        TagInput {
            id: w.id,
            slug: w.slug,
            name: w.name,
            description: w.description,
            names: w.names,
            revision_message: w.revision_message,
        }
    }
}

catalog_handlers! {
    collection: Tags = "tags",
    tag: "tags",
    item: Tag,
    sort: TagSort,
    input: TagInput,
    out: TagOut,
    write: TagWrite,
    fields: TAG_FIELDS,
    key: "Tag id or slug",
    page: "A page of tags in `data`, counts in `meta`",
    readers: "Readable by anyone who may read published content.",
    summaries: {
        list: "List tags.",
        get: "Get a tag by id or slug.",
        create: "Create a tag.",
        patch: "Update some fields of a tag.",
        replace: "Replace a tag.",
        delete: "Delete a tag no article is filed under.",
    },
    list: list_tags = "/tags",
    create: create_tag,
    get: get_tag = "/tags/{id}",
    patch: patch_tag,
    replace: replace_tag,
    delete: delete_tag,
}

history_handlers! {
    tag: "tags",
    noun: "a tag",
    versioned: Tag,
    out: TagOut,
    list: list_tag_revisions = "/tags/{id}/revisions",
    get: get_tag_revision = "/tags/{id}/revisions/{version}",
    restore: restore_tag_revision = "/tags/{id}/revisions/{version}/restore",
    diff: diff_tag = "/tags/{id}/diff",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_list_names_every_field() {
        crate::rest::wire::check::fields_match::<TagOut>(TAG_FIELDS);
    }
}
