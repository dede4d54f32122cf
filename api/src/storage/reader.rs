//! The connection reads run on, and reading models through it.
//!
//! [`ReadConn`] is a sea-orm connection like any other; on a SQLite file it
//! also holds the direct reader, and [`all`] and [`all_pairs`] then read
//! rows straight into models ([`direct`](super::direct)). On a transaction,
//! on PostgreSQL or on a replica they are sea-orm's own `all`.

use std::sync::Arc;

use sea_orm::prelude::async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    ExecResult, QueryResult, QueryTrait, Select, SelectTwo, Statement, TryIntoModel,
};

use super::direct::Direct;
use uuid::Uuid;

/// A connection that may read models directly.
pub trait Reader: ConnectionTrait {
    /// The direct SQLite reader behind it, when there is one.
    #[doc(hidden)]
    fn direct(&self) -> Option<&Direct> {
        None
    }
}

impl Reader for DatabaseConnection {}
impl Reader for DatabaseTransaction {}

/// The connection of [`super::Db::conn`]: sea-orm's, and the direct reader
/// of the same database when there is one.
#[derive(Clone, Debug)]
pub struct ReadConn {
    conn: DatabaseConnection,
    direct: Option<Arc<Direct>>,
}

impl ReadConn {
    pub(super) fn new(conn: DatabaseConnection, direct: Option<Arc<Direct>>) -> Self {
        Self { conn, direct }
    }

    /// The sea-orm connection.
    pub fn inner(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The direct reader, shared.
    pub(super) fn shared_direct(&self) -> Option<&Arc<Direct>> {
        self.direct.as_ref()
    }
}

impl Reader for ReadConn {
    fn direct(&self) -> Option<&Direct> {
        self.direct.as_deref()
    }
}

#[async_trait]
impl ConnectionTrait for ReadConn {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}

/// The models `select` reads: `select.all(conn)`, without the row maps
/// when `conn` reads directly.
pub async fn all<E, C>(conn: &C, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::ActiveModel: TryIntoModel<E::Model>,
    C: Reader,
{
    match conn.direct() {
        Some(direct) => {
            let statement = select.build(conn.get_database_backend());
            direct.models::<E>(statement).await
        }
        None => select.all(conn).await,
    }
}

/// The pairs of ids `select` reads, a select of exactly two uuid columns
/// (`select_only`): without the row maps when `conn` reads directly.
pub async fn id_pairs<E, C>(conn: &C, select: Select<E>) -> Result<Vec<(Uuid, Uuid)>, DbErr>
where
    E: EntityTrait,
    C: Reader,
{
    match conn.direct() {
        Some(direct) => {
            let statement = select.build(conn.get_database_backend());
            direct.id_pairs(statement).await
        }
        None => select.into_tuple().all(conn).await,
    }
}

/// The models `select` (a select of two, e.g. `find_also_related`) reads.
#[allow(clippy::type_complexity)]
pub async fn all_pairs<A, B, C>(
    conn: &C,
    select: SelectTwo<A, B>,
) -> Result<Vec<(A::Model, Option<B::Model>)>, DbErr>
where
    A: EntityTrait,
    B: EntityTrait,
    A::ActiveModel: TryIntoModel<A::Model>,
    B::ActiveModel: TryIntoModel<B::Model>,
    C: Reader,
{
    match conn.direct() {
        Some(direct) => {
            let statement = select.build(conn.get_database_backend());
            direct.model_pairs::<A, B>(statement).await
        }
        None => select.all(conn).await,
    }
}
