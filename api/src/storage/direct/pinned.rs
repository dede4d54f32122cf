//! Transactions without hand-offs: a `rusqlite` connection pinned to one
//! sea-orm proxy connection, so that a transaction's statements all run on
//! it, one by one on the caller's thread, as reads do ([`super::Direct`]).
//!
//! - **The writer** keeps one for good. Writers already take turns on one
//!   slot (`storage::write`), so every statement it is given belongs to
//!   the one transaction open on it. Its outermost `begin` is
//!   `BEGIN IMMEDIATE`, waiting (like any statement here) while another
//!   process holds the write lock.
//! - **A snapshot** (a transaction that only reads) takes an idle
//!   connection of the reader's pool for its one `BEGIN`…`COMMIT`, and
//!   gives it back when it is dropped.
//!
//! sea-orm's transactions map onto the connection's own: a nested `begin`
//! is a `SAVEPOINT`; `commit` is `COMMIT` or `RELEASE`, `rollback` is
//! `ROLLBACK` or `ROLLBACK TO` and `RELEASE`, and each reports its failure,
//! so a `COMMIT` that failed is never taken for a durable one. A
//! transaction dropped unfinished is rolled back there and then.
//!
//! `BEGIN`, `COMMIT` and savepoints are not counted with the statements
//! (sqlx does not count them either).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;
use sea_orm::prelude::async_trait::async_trait;
use sea_orm::{DbBackend, DbErr, ProxyDatabaseTrait, ProxyExecResult, ProxyRow, Statement};

use super::Direct;

/// The pinned connection, opened (or taken from the pool) on first use,
/// and how many transactions are open on it (the outermost and its
/// savepoints).
#[derive(Debug, Default)]
struct State {
    conn: Option<Connection>,
    depth: usize,
}

/// What a pinned connection is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::storage) enum Use {
    /// Write transactions, one after another, for as long as the server runs.
    Writer,
    /// One transaction that only reads; the connection then goes back to
    /// the reader's pool.
    Snapshot,
}

/// A connection pinned to one sea-orm connection.
#[derive(Debug)]
pub(in crate::storage) struct Pinned {
    direct: Arc<Direct>,
    state: Mutex<State>,
    role: Use,
}

/// What a transaction boundary does at a depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    Begin,
    Commit,
    Rollback,
}

impl Pinned {
    pub(in crate::storage) fn new(direct: Arc<Direct>, role: Use) -> Self {
        Self {
            direct,
            state: Mutex::default(),
            role,
        }
    }

    /// The connection: the one pinned, or one taken from the pool (the
    /// snapshot's) or opened.
    fn take(&self, state: &mut State) -> Result<Connection, rusqlite::Error> {
        if let Some(conn) = state.conn.take() {
            return Ok(conn);
        }
        let idle = match self.role {
            Use::Snapshot => self.direct.lock().pop(),
            Use::Writer => None,
        };
        idle.map_or_else(|| self.direct.open(), Ok)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is whole whatever panicked while it was held.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `work` on the connection (opening it first if need be).
    fn with<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let mut state = self.lock();
        let conn = self.take(&mut state)?;
        let result = work(&conn);
        state.conn = Some(conn);
        result
    }

    /// The SQL of `boundary` at the current depth, or `None` when there is
    /// nothing to end.
    fn sql_of(&self, boundary: Boundary, depth: usize) -> Option<String> {
        match (boundary, depth) {
            (Boundary::Begin, 0) if self.role == Use::Writer => Some("BEGIN IMMEDIATE".to_owned()),
            (Boundary::Begin, 0) => Some("BEGIN".to_owned()),
            (Boundary::Begin, open) => Some(format!("SAVEPOINT masthead_{open}")),
            (_, 0) => None,
            (Boundary::Commit, 1) => Some("COMMIT".to_owned()),
            (Boundary::Rollback, 1) => Some("ROLLBACK".to_owned()),
            (Boundary::Commit, open) => Some(format!("RELEASE masthead_{}", open - 1)),
            (Boundary::Rollback, open) => Some(format!(
                "ROLLBACK TO masthead_{0}; RELEASE masthead_{0}",
                open - 1
            )),
        }
    }

    /// Runs one transaction boundary now; the depth follows what the
    /// connection did, whether the statement succeeded or not.
    fn boundary(&self, boundary: Boundary) -> Result<(), rusqlite::Error> {
        let mut state = self.lock();
        let Some(sql) = self.sql_of(boundary, state.depth) else {
            return Ok(());
        };
        let conn = self.take(&mut state)?;
        let result = conn.execute_batch(&sql);
        state.depth = if conn.is_autocommit() {
            // Ended, or never begun; a failed COMMIT may have ended it too.
            0
        } else {
            match (boundary, result.is_ok()) {
                (Boundary::Begin, true) => state.depth + 1,
                (_, true) => state.depth - 1,
                (_, false) => state.depth,
            }
        };
        state.conn = Some(conn);
        result
    }

    async fn run_boundary(&self, boundary: Boundary) -> Result<(), DbErr> {
        let sql = format!("{boundary:?}").to_uppercase();
        let statement = Statement::from_string(DbBackend::Sqlite, sql);
        self.direct
            .patiently(&statement, false, || self.boundary(boundary))
            .await
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        if self.role != Use::Snapshot {
            return;
        }
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        // A connection left inside a transaction is closed, not pooled.
        if let Some(conn) = state.conn.take().filter(Connection::is_autocommit) {
            self.direct.lock().push(conn);
        }
    }
}

/// A pinned connection as sea-orm's proxy sees it.
#[derive(Debug)]
pub(in crate::storage) struct PinnedProxy(pub(in crate::storage) Pinned);

#[async_trait]
impl ProxyDatabaseTrait for PinnedProxy {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        let pinned = &self.0;
        pinned
            .direct
            .patiently(&statement, true, || {
                pinned.with(|conn| pinned.direct.rows(conn, &statement))
            })
            .await
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        let pinned = &self.0;
        pinned
            .direct
            .patiently(&statement, true, || {
                pinned.with(|conn| pinned.direct.run(conn, &statement))
            })
            .await
    }

    async fn begin(&self) -> Result<(), DbErr> {
        self.0.run_boundary(Boundary::Begin).await
    }

    async fn commit(&self) -> Result<(), DbErr> {
        self.0.run_boundary(Boundary::Commit).await
    }

    async fn rollback(&self) -> Result<(), DbErr> {
        self.0.run_boundary(Boundary::Rollback).await
    }

    fn start_rollback(&self) {
        // A transaction dropped unfinished: rolled back at once, on this
        // thread (nothing else may run on the connection before it).
        if let Err(err) = self.0.boundary(Boundary::Rollback) {
            tracing::error!(error = %err, "rolling back a dropped transaction failed");
        }
    }

    async fn ping(&self) -> Result<(), DbErr> {
        let statement = Statement::from_string(DbBackend::Sqlite, "SELECT 1");
        self.execute(statement).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;

    use super::{Boundary, Direct, Pinned, Use};

    #[test]
    fn transactions_nest_as_savepoints() {
        let direct = Arc::new(Direct::new(PathBuf::new(), Arc::new(AtomicU64::new(0))));
        let writer = Pinned::new(direct.clone(), Use::Writer);
        let sql = |boundary, depth| writer.sql_of(boundary, depth);
        assert_eq!(sql(Boundary::Begin, 0).as_deref(), Some("BEGIN IMMEDIATE"));
        assert_eq!(
            sql(Boundary::Begin, 1).as_deref(),
            Some("SAVEPOINT masthead_1")
        );
        assert_eq!(
            sql(Boundary::Commit, 2).as_deref(),
            Some("RELEASE masthead_1")
        );
        assert_eq!(
            sql(Boundary::Rollback, 2).as_deref(),
            Some("ROLLBACK TO masthead_1; RELEASE masthead_1")
        );
        assert_eq!(sql(Boundary::Commit, 1).as_deref(), Some("COMMIT"));
        assert_eq!(sql(Boundary::Rollback, 1).as_deref(), Some("ROLLBACK"));
        assert_eq!(sql(Boundary::Commit, 0), None);
        assert_eq!(sql(Boundary::Rollback, 0), None);
        let snapshot = Pinned::new(direct, Use::Snapshot);
        assert_eq!(
            snapshot.sql_of(Boundary::Begin, 0).as_deref(),
            Some("BEGIN")
        );
    }
}
