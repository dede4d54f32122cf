//! Authors and tags kept in memory while the content generation stands.
//!
//! A page of articles that shows its authors and tags read each of them
//! again on every request: with the response cache off, about half of a
//! list's time went to reading and decoding those rows. Authors and tags
//! change only by writes that move the public generation (every author or
//! tag write is a public event, see [`crate::storage::changes`]), and so
//! also the generation of every event; each is kept as its domain value
//! beside the generation it was read at, and read again only once the
//! generation moved.
//!
//! The generation is read before the rows, so a kept value is at least as
//! new as its generation. Values are served only to a request that saw the
//! same generation; one that saw an older one (a replica behind the
//! primary) reads the rows and keeps nothing, and one that saw a newer one
//! starts the kept values over.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use uuid::Uuid;

use crate::auth::Principal;
use crate::auth::policy::Action;
use crate::content::Ctx;
use crate::content::author::{self, Author};
use crate::content::tag::{self, Tag};
use crate::error::AppError;
use crate::storage::{Db, Generation, Scope};

/// The authors and tags kept by one process.
#[derive(Debug, Default)]
pub struct Records {
    pub authors: Kept<Author>,
    pub tags: Kept<Tag>,
}

/// Authors by id as `principal` may see them now (private fields hidden):
/// for batched loading.
pub async fn visible_authors(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Author>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let found = authors(ctx, principal, None, ids).await?.into_iter();
    Ok(found
        .map(|(id, a)| (id, author::redact(Arc::unwrap_or_clone(a), ctx, principal)))
        .collect())
}

/// Tags by id for a caller who may read them: for batched loading.
pub async fn visible_tags(
    ctx: &Ctx,
    principal: &Principal,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Tag>, AppError> {
    ctx.require(principal, Action::ReadLive)?;
    let found = tags(ctx, None, ids).await?.into_iter();
    Ok(found.map(|(id, t)| (id, Arc::unwrap_or_clone(t))).collect())
}

/// Authors by id as `principal` reads them now, unredacted, outside a
/// transaction: kept while the generation stands (`seen` is one the request
/// has read, if any) for callers who may not read private fields. Those who
/// may read them from the database: a user's profile link (`user_id`) is no
/// content event.
pub async fn authors(
    ctx: &Ctx,
    principal: &Principal,
    seen: Option<Generation>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Arc<Author>>, AppError> {
    let read = async |ids: &[Uuid]| author::load_many(ctx.db.conn(), ids).await;
    if ctx.allows(principal, Action::ReadPrivate) {
        return Ok(shared(read(ids).await?));
    }
    ctx.kept.authors.get(&ctx.db, seen, ids, read).await
}

/// Tags by id as they are now, outside a transaction: kept while the
/// generation stands (`seen` is one the request has read, if any).
pub async fn tags(
    ctx: &Ctx,
    seen: Option<Generation>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Arc<Tag>>, AppError> {
    let read = async |ids: &[Uuid]| tag::load_many(ctx.db.conn(), ids).await;
    ctx.kept.tags.get(&ctx.db, seen, ids, read).await
}

/// Values as the kept ones hold them.
fn shared<V>(values: HashMap<Uuid, V>) -> HashMap<Uuid, Arc<V>> {
    values
        .into_iter()
        .map(|(id, v)| (id, Arc::new(v)))
        .collect()
}

/// Values kept beyond this many are forgotten all at once.
const KEPT: usize = 16_384;

/// Values by id, kept twice: checked against the public generation, and
/// against the generation of every event (a request that read the one need
/// not read the other).
#[derive(Debug)]
pub struct Kept<V> {
    public: Mutex<Values<V>>,
    everything: Mutex<Values<V>>,
}

impl<V> Default for Kept<V> {
    fn default() -> Self {
        Self {
            public: Mutex::new(Values::default()),
            everything: Mutex::new(Values::default()),
        }
    }
}

impl<V> Kept<V> {
    /// The values of `ids` as they are now: kept ones, and the others read
    /// by `read` (which may leave out ids that name nothing) and kept for
    /// the requests that follow; shared with the kept ones, not copied.
    /// `seen` is a generation the request has read already; without one,
    /// the public generation of `db` is read.
    pub async fn get(
        &self,
        db: &Db,
        seen: Option<Generation>,
        ids: &[Uuid],
        read: impl AsyncFnOnce(&[Uuid]) -> Result<HashMap<Uuid, V>, AppError>,
    ) -> Result<HashMap<Uuid, Arc<V>>, AppError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let seen = match seen {
            Some(seen) => seen,
            None => Generation {
                scope: Scope::Public,
                number: db.generation().await?,
            },
        };
        let values = match seen.scope {
            Scope::Public => &self.public,
            Scope::Everything => &self.everything,
        };
        let (mut found, missing) = lock(values).found(seen.number, ids);
        if missing.is_empty() {
            return Ok(found);
        }
        let read = shared(read(&missing).await?);
        lock(values).keep(seen.number, &read);
        found.extend(read);
        Ok(found)
    }
}

fn lock<V>(values: &Mutex<Values<V>>) -> MutexGuard<'_, Values<V>> {
    // A panic while holding the lock leaves values that are still whole.
    values.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Values by id, all read at one generation.
#[derive(Debug)]
struct Values<V> {
    /// The generation the values were read at.
    number: i64,
    values: HashMap<Uuid, Arc<V>>,
}

impl<V> Default for Values<V> {
    fn default() -> Self {
        Self {
            number: i64::MIN,
            values: HashMap::new(),
        }
    }
}

impl<V> Values<V> {
    /// The kept values of `ids` at `generation`, and the ids without one.
    fn found(&self, generation: i64, ids: &[Uuid]) -> (HashMap<Uuid, Arc<V>>, Vec<Uuid>) {
        let mut found = HashMap::with_capacity(ids.len());
        // The missing ids in the order first asked, each once.
        let mut missing = Vec::new();
        let mut asked = HashSet::new();
        for id in ids {
            if found.contains_key(id) {
                continue;
            }
            match self.values.get(id).filter(|_| self.number == generation) {
                Some(value) => {
                    found.insert(*id, value.clone());
                }
                None if asked.insert(*id) => missing.push(*id),
                None => {}
            }
        }
        (found, missing)
    }

    /// Keeps `read`, values read at `generation`, unless the kept values
    /// are of a newer one.
    fn keep(&mut self, generation: i64, read: &HashMap<Uuid, Arc<V>>) {
        if generation > self.number {
            self.number = generation;
            self.values.clear();
        }
        if generation != self.number {
            return;
        }
        if self.values.len() + read.len() > KEPT {
            self.values.clear();
        }
        self.values
            .extend(read.iter().map(|(id, value)| (*id, value.clone())));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: u128) -> Vec<Uuid> {
        (1..=n).map(Uuid::from_u128).collect()
    }

    fn values(ids: &[Uuid], tag: &str) -> HashMap<Uuid, Arc<String>> {
        shared(ids.iter().map(|id| (*id, format!("{tag}{id}"))).collect())
    }

    #[test]
    fn serves_only_the_generation_it_was_read_at() {
        let mut kept = Values::default();
        let all = ids(3);
        kept.keep(5, &values(&all, "a"));
        let (found, missing) = kept.found(5, &all);
        assert_eq!(found.len(), 3);
        assert!(missing.is_empty());
        let (found, missing) = kept.found(6, &all);
        assert!(found.is_empty());
        assert_eq!(missing, all);
        let (found, missing) = kept.found(4, &all);
        assert!(found.is_empty());
        assert_eq!(missing, all);
    }

    #[test]
    fn a_newer_generation_starts_over_and_an_older_one_keeps_nothing() {
        let mut kept = Values::default();
        let all = ids(2);
        kept.keep(5, &values(&all[..1], "a"));
        kept.keep(7, &values(&all[1..], "b"));
        let (found, missing) = kept.found(7, &all);
        assert_eq!(missing, vec![all[0]]);
        assert_eq!(*found[&all[1]], format!("b{}", all[1]));
        kept.keep(6, &values(&all, "old"));
        let (found, _) = kept.found(7, &all);
        assert_eq!(found.len(), 1, "values of an older generation were kept");
        assert_eq!(*found[&all[1]], format!("b{}", all[1]));
    }

    #[test]
    fn repeated_ids_are_asked_for_once() {
        let kept: Values<String> = Values::default();
        let one = Uuid::from_u128(9);
        let (found, missing) = kept.found(1, &[one, one, one]);
        assert!(found.is_empty());
        assert_eq!(missing, vec![one]);
    }

    #[test]
    fn forgets_everything_past_the_bound() {
        let mut kept = Values::default();
        let many = ids(KEPT as u128);
        kept.keep(1, &values(&many, "a"));
        assert_eq!(kept.values.len(), KEPT);
        let more = vec![Uuid::from_u128(KEPT as u128 + 1)];
        kept.keep(1, &values(&more, "b"));
        assert_eq!(kept.values.len(), 1);
    }
}
