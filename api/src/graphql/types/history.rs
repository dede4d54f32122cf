//! Revisions and diffs, the same for every versioned type.

use async_graphql::{Context, Json, Object, SimpleObject};
use uuid::Uuid;

use crate::content::Key;
use crate::content::history::{self, Diff, Revision, Versioned};
use crate::graphql::context::req;
use crate::graphql::error::Gql;
use crate::graphql::paging::{Conn, Paging};
use crate::graphql::scalars::Timestamp;

/// One version of an entity's content.
pub struct RevisionGql(pub Revision);

#[Object(name = "Revision")]
impl RevisionGql {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// Who wrote it.
    async fn created_by(&self) -> Option<Uuid> {
        self.0.created_by
    }
    /// The note given with the write.
    async fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// The content at this version (snake_case field names, as stored).
    async fn snapshot(&self) -> Json<serde_json::Map<String, serde_json::Value>> {
        Json(self.0.snapshot.clone())
    }
}

/// A run of words in a word diff.
#[derive(SimpleObject)]
pub struct WordSegment {
    /// `equal`, `delete` or `insert`.
    pub op: &'static str,
    pub text: String,
}

/// How one field differs between two versions.
#[derive(SimpleObject)]
pub struct FieldChange {
    /// The snapshot field name.
    pub field: String,
    /// `changed`, `added` or `removed`.
    pub kind: &'static str,
    pub before: Json<serde_json::Value>,
    pub after: Json<serde_json::Value>,
    /// For long text: the word diff.
    pub words: Option<Vec<WordSegment>>,
}

/// The differences between two versions.
pub struct DiffGql(pub Diff);

#[Object(name = "Diff")]
impl DiffGql {
    async fn from(&self) -> i32 {
        self.0.from
    }
    async fn to(&self) -> i32 {
        self.0.to
    }
    async fn changes(&self) -> Vec<FieldChange> {
        self.0
            .changes
            .iter()
            .map(|c| FieldChange {
                field: c.field.clone(),
                kind: c.kind,
                before: Json(c.before.clone()),
                after: Json(c.after.clone()),
                words: c.words.as_ref().map(|words| {
                    words
                        .iter()
                        .map(|w| WordSegment {
                            op: w.op,
                            text: w.text.clone(),
                        })
                        .collect()
                }),
            })
            .collect()
    }
}

/// The revisions of entity `id` of type `T`, newest first (signed-in users).
pub(super) async fn revisions<T: Versioned>(
    ctx: &Context<'_>,
    id: Uuid,
    paging: Paging,
) -> async_graphql::Result<Conn<RevisionGql>> {
    let r = req(ctx)?;
    let sort = history::default_sort();
    let page = history::revisions::<T>(
        &r.ctx,
        &r.principal,
        &Key::Id(id),
        &sort,
        &paging.pagination,
    )
    .await
    .gql()?;
    Ok(paging.connection(page, RevisionGql))
}

/// What changed in entity `id` of type `T` between two versions (signed-in users).
pub(super) async fn diff<T: Versioned>(
    ctx: &Context<'_>,
    id: Uuid,
    (from, to): (i32, i32),
) -> async_graphql::Result<DiffGql> {
    let r = req(ctx)?;
    history::diff::<T>(&r.ctx, &r.principal, &Key::Id(id), from, to)
        .await
        .map(DiffGql)
        .gql()
}
