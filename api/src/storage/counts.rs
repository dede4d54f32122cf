//! Totals of lists, counted once per content generation.
//!
//! A page's total is a `COUNT(*)` over every row its filter matches: with a
//! large collection, the costliest statement of a list, and one whose cost
//! grows with the collection. The total of one filter cannot change until
//! the content does, so it is counted once and kept with the generation it
//! was counted at (the change log's latest sequence number, read as
//! [`Latest`] reads it: one cheap statement, shared under load, that sees
//! every commit of every process). A request counts again only when the
//! generation moved. Public views follow public events; views of working
//! copies follow every event, draft work included.

use std::collections::HashMap;
use std::sync::Mutex;

use sea_orm::{
    DatabaseConnection, EntityTrait, FromQueryResult, PaginatorTrait, QueryTrait, Select,
};

use super::changes::Latest;
use crate::error::AppError;

/// Which changes can move a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only what the public sees (live copies, authors, tags).
    Public,
    /// Anything, draft work included (working copies, the trash).
    Everything,
}

/// A content generation as a request read it: the latest event of its
/// scope, read after the request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub scope: Scope,
    pub number: i64,
}

/// Totals kept beyond this many filters are forgotten all at once.
const KEPT: usize = 4096;

/// The kept totals and the two generations they are checked against.
#[derive(Debug)]
pub(super) struct Counts {
    public: Latest,
    everything: Latest,
    /// Statement text (with its values) → (generation, total).
    kept: Mutex<HashMap<String, (i64, u64)>>,
}

impl Default for Counts {
    fn default() -> Self {
        Self {
            public: Latest::public(),
            everything: Latest::everything(),
            kept: Mutex::default(),
        }
    }
}

impl Counts {
    /// The latest public event's sequence number (the public generation).
    pub(super) async fn generation(&self, conn: &DatabaseConnection) -> Result<i64, AppError> {
        self.public.get(conn).await
    }

    /// The number of rows `select` matches, counted again only when the
    /// generation of `scope` moved since it was last counted; and that
    /// generation.
    pub(super) async fn total<E>(
        &self,
        conn: &DatabaseConnection,
        select: Select<E>,
        scope: Scope,
    ) -> Result<(u64, Generation), AppError>
    where
        E: EntityTrait,
        E::Model: FromQueryResult + Send + Sync,
    {
        let latest = match scope {
            Scope::Public => &self.public,
            Scope::Everything => &self.everything,
        };
        // The generation is read first: a total counted after it is at
        // least as new as the generation it is kept under.
        let generation = latest.get(conn).await?;
        let seen = Generation {
            scope,
            number: generation,
        };
        let statement = select.build(conn.get_database_backend());
        let key = format!("{}\u{1f}{:?}", statement.sql, statement.values);
        if let Some(&(kept_at, total)) = self.lock().get(&key)
            && kept_at == generation
        {
            return Ok((total, seen));
        }
        let total = select.count(conn).await?;
        let mut kept = self.lock();
        if kept.len() >= KEPT {
            kept.clear();
        }
        kept.insert(key, (generation, total));
        Ok((total, seen))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (i64, u64)>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
