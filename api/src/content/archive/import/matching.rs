//! Which stored record an archive's record is: the one with its id, else
//! the one with its slug (authors, tags), slug and locale (articles) or
//! e-mail (users). Each look-up is one statement per chunk.

use std::collections::{HashMap, HashSet};

use entities::types::ArticleCopy;
use entities::{article, asset, asset_use, author, revision, tag, transition, user};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{ImportMode, Records};
use crate::error::AppError;

/// What becomes of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fate {
    /// Written as new, under its own id.
    Create,
    /// Written over the stored record with this id.
    Update(Uuid),
    /// Left out; what refers to it goes to the stored record with this id.
    Skip(Uuid),
}

impl Fate {
    /// What `mode` does with a record matched to `stored` (or to nothing).
    fn of(mode: ImportMode, stored: Option<Uuid>) -> Self {
        match (stored, mode) {
            (None, _) => Self::Create,
            (Some(id), ImportMode::Create) => Self::Skip(id),
            (Some(id), ImportMode::Upsert | ImportMode::Replace) => Self::Update(id),
        }
    }

    /// Records that only ever get added (revisions, transitions, uses):
    /// present already, they are skipped whatever the mode.
    fn added(present: bool, id: Uuid) -> Self {
        if present {
            Self::Skip(id)
        } else {
            Self::Create
        }
    }
}

impl super::Tally {
    /// Counts one record's fate.
    pub(super) fn count(&mut self, fate: Fate) {
        match fate {
            Fate::Create => self.created += 1,
            Fate::Update(_) => self.updated += 1,
            Fate::Skip(_) => self.skipped += 1,
        }
    }
}

/// The fate of every record of a chunk, in order.
pub(super) async fn fates<C: ConnectionTrait>(
    conn: &C,
    records: &Records,
    mode: ImportMode,
) -> Result<Vec<Fate>, AppError> {
    Ok(match records {
        Records::Users(rows) => {
            let rows: Vec<(Uuid, String)> =
                rows.iter().map(|r| (r.id, r.email_key.clone())).collect();
            let columns = (user::Column::Id, user::Column::EmailKey);
            by_id_then_key::<user::Entity, _>(conn, columns, rows, mode).await?
        }
        Records::Authors(rows) => {
            let rows: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.slug.clone())).collect();
            let columns = (author::Column::Id, author::Column::Slug);
            by_id_then_key::<author::Entity, _>(conn, columns, rows, mode).await?
        }
        Records::Tags(rows) => {
            let rows: Vec<(Uuid, String)> = rows.iter().map(|r| (r.id, r.slug.clone())).collect();
            let columns = (tag::Column::Id, tag::Column::Slug);
            by_id_then_key::<tag::Entity, _>(conn, columns, rows, mode).await?
        }
        Records::Assets(rows) => {
            let ids = ids(rows.iter().map(|r| r.id));
            let by_id = stored::<asset::Entity, _>(conn, asset::Column::Id, &ids).await?;
            rows.iter()
                .map(|r| Fate::of(mode, matched(&by_id, r.id)))
                .collect()
        }
        Records::Articles(rows) => article_fates(conn, rows, mode).await?,
        Records::Revisions(rows) => {
            let ids = ids(rows.iter().map(|r| r.id));
            let by_id = stored::<revision::Entity, _>(conn, revision::Column::Id, &ids).await?;
            rows.iter()
                .map(|r| Fate::added(by_id.contains(&r.id), r.id))
                .collect()
        }
        Records::Transitions(rows) => {
            let ids = ids(rows.iter().map(|r| r.id));
            let by_id = stored::<transition::Entity, _>(conn, transition::Column::Id, &ids).await?;
            rows.iter()
                .map(|r| Fate::added(by_id.contains(&r.id), r.id))
                .collect()
        }
        Records::AssetUses(rows) => use_fates(conn, rows).await?,
    })
}

/// Fates of records matched by id, then by one text column (`rows` are
/// their ids and keys).
async fn by_id_then_key<E, C>(
    conn: &C,
    (id, key): (E::Column, E::Column),
    rows: Vec<(Uuid, String)>,
    mode: ImportMode,
) -> Result<Vec<Fate>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let ids = ids(rows.iter().map(|(id, _)| *id));
    let by_id = stored::<E, _>(conn, id, &ids).await?;
    let keys: Vec<String> = rows.iter().map(|(_, key)| key.clone()).collect();
    let by_key = stored_keys::<E, _>(conn, (id, key), keys).await?;
    Ok(rows
        .iter()
        .map(|(id, key)| {
            let stored = matched(&by_id, *id).or_else(|| by_key.get(key).copied());
            Fate::of(mode, stored)
        })
        .collect())
}

/// Articles: by id, then by the slug and locale of the working copy.
async fn article_fates<C: ConnectionTrait>(
    conn: &C,
    rows: &[super::ArticleRecord],
    mode: ImportMode,
) -> Result<Vec<Fate>, AppError> {
    let ids = ids(rows.iter().map(|r| r.working.id));
    let by_id = stored::<article::Entity, _>(conn, article::Column::Id, &ids).await?;
    let slugs: Vec<String> = rows.iter().map(|r| r.working.slug.clone()).collect();
    let by_key = stored_articles(conn, slugs).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let key = (r.working.slug.clone(), r.working.locale.clone());
            let stored = matched(&by_id, r.working.id).or_else(|| by_key.get(&key).copied());
            Fate::of(mode, stored)
        })
        .collect())
}

/// Uses of assets: added unless present.
async fn use_fates<C: ConnectionTrait>(
    conn: &C,
    rows: &[asset_use::Model],
) -> Result<Vec<Fate>, AppError> {
    let assets = ids(rows.iter().map(|r| r.asset_id));
    let key = |u: &asset_use::Model| (u.asset_id, u.entity, u.entity_id, u.copy);
    let present: HashSet<_> = asset_use::Entity::find()
        .filter(asset_use::Column::AssetId.is_in(assets))
        .all(conn)
        .await?
        .iter()
        .map(key)
        .collect();
    Ok(rows
        .iter()
        .map(|u| Fate::added(present.contains(&key(u)), u.asset_id))
        .collect())
}

fn ids(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn matched(stored: &HashSet<Uuid>, id: Uuid) -> Option<Uuid> {
    stored.contains(&id).then_some(id)
}

/// Which of `ids` the table of `E` holds.
pub(super) async fn stored<E, C>(
    conn: &C,
    id: E::Column,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<Uuid> = E::find()
        .select_only()
        .column(id)
        .filter(id.is_in(ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().collect())
}

/// The stored ids of the rows of `E` whose `key` is among `keys`, by key.
async fn stored_keys<E, C>(
    conn: &C,
    (id, key): (E::Column, E::Column),
    keys: Vec<String>,
) -> Result<HashMap<String, Uuid>, AppError>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let found: Vec<(Uuid, String)> = E::find()
        .select_only()
        .column(id)
        .column(key)
        .filter(key.is_in(keys))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found.into_iter().map(|(id, key)| (key, id)).collect())
}

/// Stored articles whose working copy has one of `slugs`, by (slug, locale).
async fn stored_articles<C: ConnectionTrait>(
    conn: &C,
    slugs: Vec<String>,
) -> Result<HashMap<(String, String), Uuid>, AppError> {
    let found: Vec<(Uuid, String, String)> = article::Entity::find()
        .select_only()
        .column(article::Column::Id)
        .column(article::Column::Slug)
        .column(article::Column::Locale)
        .filter(article::Column::Copy.eq(ArticleCopy::Working))
        .filter(article::Column::Slug.is_in(slugs))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(found
        .into_iter()
        .map(|(id, slug, locale)| ((slug, locale), id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mode_does_its_own_thing_with_a_match() {
        let id = Uuid::new_v4();
        assert_eq!(Fate::of(ImportMode::Create, None), Fate::Create);
        assert_eq!(Fate::of(ImportMode::Upsert, None), Fate::Create);
        assert_eq!(Fate::of(ImportMode::Create, Some(id)), Fate::Skip(id));
        assert_eq!(Fate::of(ImportMode::Upsert, Some(id)), Fate::Update(id));
        assert_eq!(Fate::of(ImportMode::Replace, Some(id)), Fate::Update(id));
        assert_eq!(Fate::added(true, id), Fate::Skip(id));
        assert_eq!(Fate::added(false, id), Fate::Create);
    }
}
