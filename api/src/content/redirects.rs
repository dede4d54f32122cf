//! Former slugs (design §15): when a published article, an author or a
//! tag changes its slug, the old one keeps answering with a redirect to
//! the current one (REST 301 with `Location`, GraphQL `redirectTo`). A
//! current slug always wins: a former one is looked up only when no row
//! has the slug asked for, and it is forgotten when its entity takes it
//! back. Redirects lead to an entity by id, so they never chain.

use entities::slug_redirect::{self, Column, Entity};
use entities::types::EntityKind;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::now;
use crate::error::AppError;

/// Where a slug lives: articles' slugs are unique per locale, authors' and
/// tags' everywhere (scope `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Address<'a> {
    pub scope: &'a str,
    pub slug: &'a str,
}

/// Notes that `target` (of `kind`) moved from `former` to `current`: the
/// former slug now leads to it, and the current one is nobody's former
/// slug any more. Nothing is noted when the address did not change.
pub(crate) async fn moved<C: ConnectionTrait>(
    conn: &C,
    (kind, target): (EntityKind, Uuid),
    former: Address<'_>,
    current: Address<'_>,
) -> Result<(), AppError> {
    if former == current {
        return Ok(());
    }
    Entity::delete_many()
        .filter(Column::Entity.eq(kind))
        .filter(Column::Scope.eq(current.scope))
        .filter(Column::Slug.eq(current.slug))
        .exec(conn)
        .await?;
    lead(conn, (kind, target), former).await
}

/// `address` leads to `target` from now on.
async fn lead<C: ConnectionTrait>(
    conn: &C,
    (kind, target): (EntityKind, Uuid),
    address: Address<'_>,
) -> Result<(), AppError> {
    let row = slug_redirect::ActiveModel {
        entity: ActiveValue::Set(kind),
        slug: ActiveValue::Set(address.slug.to_owned()),
        scope: ActiveValue::Set(address.scope.to_owned()),
        target_id: ActiveValue::Set(target),
        created_at: ActiveValue::Set(now()),
    };
    let on_conflict = OnConflict::columns([Column::Entity, Column::Slug, Column::Scope])
        .update_columns([Column::TargetId, Column::CreatedAt])
        .to_owned();
    Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// The entity a former `slug` of `kind` leads to: within `scope` when
/// given, else preferring the scopes of `preferred` in order, then the
/// latest redirect.
pub(crate) async fn follow<C: ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    (slug, scope): (&str, Option<&str>),
    preferred: &[&str],
) -> Result<Option<Uuid>, AppError> {
    let mut query = Entity::find()
        .filter(Column::Entity.eq(kind))
        .filter(Column::Slug.eq(slug));
    if let Some(scope) = scope {
        query = query.filter(Column::Scope.eq(scope));
    }
    let rows = query.all(conn).await?;
    let rank = |row: &slug_redirect::Model| {
        let place = preferred
            .iter()
            .position(|p| row.scope.eq_ignore_ascii_case(p))
            .unwrap_or(usize::MAX);
        (place, std::cmp::Reverse(row.created_at))
    };
    Ok(rows.into_iter().min_by_key(rank).map(|row| row.target_id))
}

/// Former slugs that led to `from` now lead to `into` (a merge), and
/// `from`'s own slug joins them.
pub(crate) async fn merged<C: ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    from: (Uuid, &str),
    into: Uuid,
) -> Result<(), AppError> {
    Entity::update_many()
        .col_expr(Column::TargetId, sea_orm::sea_query::Expr::value(into))
        .filter(Column::Entity.eq(kind))
        .filter(Column::TargetId.eq(from.0))
        .exec(conn)
        .await?;
    let former = Address {
        scope: "",
        slug: from.1,
    };
    lead(conn, (kind, into), former).await
}

/// Forgets the former slugs of an entity that is gone.
pub(crate) async fn forget<C: ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    target: Uuid,
) -> Result<(), AppError> {
    Entity::delete_many()
        .filter(Column::Entity.eq(kind))
        .filter(Column::TargetId.eq(target))
        .exec(conn)
        .await?;
    Ok(())
}
