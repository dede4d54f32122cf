//! Look-ups shared by the entities addressed by id or slug: find one, find
//! a free slug, refuse a taken one, and case-insensitive text matching.

use std::collections::HashSet;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::Key;
use crate::error::AppError;

/// The columns that identify rows of a slugged entity.
pub(crate) struct Slugged<E: EntityTrait> {
    pub id: E::Column,
    pub slug: E::Column,
    /// Name used in "… not found" and conflict messages.
    pub noun: &'static str,
}

impl<E: EntityTrait> Slugged<E> {
    /// The row `key` names; `for_update` locks it until the transaction ends
    /// (PostgreSQL; SQLite writers are already serialised).
    pub async fn find<C: ConnectionTrait>(
        &self,
        conn: &C,
        key: &Key,
        for_update: bool,
    ) -> Result<E::Model, AppError> {
        let mut query = E::find();
        if for_update {
            query = query.lock_exclusive();
        }
        let query = match key {
            Key::Id(id) => query.filter(self.id.eq(*id)),
            Key::Slug { slug, .. } => query.filter(self.slug.eq(slug.as_str())),
        };
        query
            .one(conn)
            .await?
            .ok_or_else(|| AppError::not_found(self.noun))
    }

    /// `base`, or `base-2`, `base-3`… whichever is free first within `scope`.
    pub async fn free_slug<C: ConnectionTrait>(
        &self,
        conn: &C,
        base: &str,
        scope: Condition,
    ) -> Result<String, AppError> {
        let taken: HashSet<String> = E::find()
            .select_only()
            .column(self.slug)
            .filter(scope)
            // `base` or `base-…`: every string that starts with `base-` sorts between
            // `base-` and `base.` ('.' follows '-'), a range the slug index serves.
            .filter(
                self.slug.eq(base).or(self
                    .slug
                    .gt(format!("{base}-"))
                    .and(self.slug.lt(format!("{base}.")))),
            )
            .into_tuple::<String>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        Ok(first_free(base, &taken))
    }

    /// 409 when `slug` is used within `scope` by a row other than `except`.
    pub async fn ensure_free<C: ConnectionTrait>(
        &self,
        conn: &C,
        slug: &str,
        scope: Condition,
        except: Option<Uuid>,
    ) -> Result<(), AppError> {
        let mut query = E::find().filter(scope).filter(self.slug.eq(slug));
        if let Some(id) = except {
            query = query.filter(self.id.ne(id));
        }
        if query.one(conn).await?.is_some() {
            return Err(self.slug_taken(slug));
        }
        Ok(())
    }

    /// The 409 for a taken slug.
    pub fn slug_taken(&self, slug: &str) -> AppError {
        AppError::conflict(
            "slug",
            format!("slug `{slug}` is already used by another {}", self.noun),
        )
    }
}

/// The first of `base`, `base-2`, `base-3`… that is not in `taken`.
fn first_free(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_owned();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// `column` contains `needle`, ignoring ASCII case, on both databases.
pub(crate) fn contains_ci<C: ColumnTrait>(column: C, needle: &str) -> Expr {
    let escaped = needle
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_free_appends_the_smallest_free_suffix() {
        let taken: HashSet<String> = ["news", "news-2", "news-4"].map(String::from).into();
        assert_eq!(first_free("news", &taken), "news-3");
        assert_eq!(first_free("other", &taken), "other");
    }
}
