//! What authors and tags share: both are addressed by id or slug, listed by
//! the same filter, loaded in batches, and deleted only while no article
//! uses them.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Select};
use uuid::Uuid;

use crate::error::AppError;
use crate::storage::{Slugged, contains_ci};

/// Which authors or tags a list returns.
#[derive(Debug, Clone, Default)]
pub struct NameFilter {
    /// Only these ids (`None`: any; an empty list matches nothing).
    pub ids: Option<Vec<Uuid>>,
    /// Only this slug.
    pub slug: Option<String>,
    /// Name contains this text (case-insensitive for ASCII).
    pub q: Option<String>,
}

/// The columns of a catalogue table: its slugged identity and its name.
pub(crate) struct Columns<E: EntityTrait> {
    pub store: Slugged<E>,
    pub name: E::Column,
}

impl<E: EntityTrait> Columns<E> {
    /// The rows `filter` asks for.
    pub fn filtered(&self, filter: &NameFilter) -> Select<E> {
        let mut select = E::find();
        if let Some(ids) = &filter.ids {
            select = select.filter(self.store.id.is_in(ids.clone()));
        }
        if let Some(slug) = &filter.slug {
            select = select.filter(self.store.slug.eq(slug.as_str()));
        }
        if let Some(q) = &filter.q {
            select = select.filter(contains_ci(self.name, q));
        }
        select
    }

    /// Rows by id, in one statement, converted by `convert`.
    pub async fn load<C, T>(
        &self,
        conn: &C,
        ids: &[Uuid],
        convert: impl Fn(E::Model) -> Result<(Uuid, T), AppError>,
    ) -> Result<HashMap<Uuid, T>, AppError>
    where
        C: ConnectionTrait,
    {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        E::find()
            .filter(self.store.id.is_in(ids.to_vec()))
            .all(conn)
            .await?
            .into_iter()
            .map(convert)
            .collect()
    }
}

/// 409 when any article (either copy) still uses the entity: `uses`
/// selects the links that point at it; `what` says what they are.
pub(crate) async fn ensure_unused<L: EntityTrait, C: ConnectionTrait>(
    conn: &C,
    uses: Select<L>,
    what: impl FnOnce(u64) -> String,
) -> Result<(), AppError>
where
    L::Model: Send + Sync,
{
    let count = uses.count(conn).await?;
    if count > 0 {
        return Err(AppError::Conflict {
            detail: what(count),
            errors: Vec::new(),
        });
    }
    Ok(())
}
