//! Storage: the database behind the domain. Opening and migrating it, write
//! transactions (group commit on SQLite), the change log and the content
//! generation, list pages, slug look-ups, and the meaning of database errors.
//! Nothing here knows a business rule; the domain (`content`) and the
//! accounts (`identity`) build on it.

pub mod audit_log;
mod changes;
mod counts;
mod direct;
mod error;
mod moves;
pub mod page;
mod reader;
mod replicas;
mod slugged;
mod write;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, EntityTrait,
    FromQueryResult, Select,
};
use uuid::Uuid;

pub use changes::{Event, max_seq, now, record as record_event};
pub use counts::{Generation, Scope};
pub use error::{is_busy, is_unique_violation};
pub use moves::Moves;
pub use reader::{ReadConn, Reader, all, all_pairs, id_pairs};
pub(crate) use slugged::{Slugged, contains_ci};
pub use write::{Index, WriteTx};

use crate::config::Config;
use crate::error::AppError;
use counts::Counts;
use replicas::{Replica, Replicas};
use write::WriteGate;

/// An open database: the pool, a count of the statements it has executed,
/// the SQLite writer slot, the shared reads of the content generation, the
/// totals of lists counted at it, and the read replicas. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    /// The connection statements run on. On a SQLite file, statements run
    /// on the caller's thread ([`direct`]) and models are read without row
    /// maps ([`reader`]); elsewhere it is [`Db::pool`].
    conn: ReadConn,
    /// The sqlx pool: migrations and upkeep run here, and on PostgreSQL
    /// (or without the direct connections) transactions too.
    pub pool: DatabaseConnection,
    /// The connection write transactions begin on: on a SQLite file, the
    /// writer's own ([`direct`]); elsewhere [`Db::pool`].
    writer: DatabaseConnection,
    /// Statements executed since start (successful or not), exported by `/metrics`.
    statements: Arc<AtomicU64>,
    /// SQLite allows one writer at a time; writers queue here instead of
    /// failing with `SQLITE_BUSY`, and share commits. `None` on PostgreSQL.
    write_gate: Option<Arc<WriteGate>>,
    /// Shared reads of the latest change ([`Db::generation`]), and the
    /// totals of lists kept while it stands ([`Db::total`]).
    counts: Arc<Counts>,
    /// PostgreSQL replicas that reads may go to (see [`replicas`]).
    replicas: Option<Arc<Replicas>>,
}

impl Db {
    /// Which SQL dialect is behind the connection.
    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// The connection reads run on: the replica the current request reads
    /// from (see [`reading`]), or the primary.
    pub fn conn(&self) -> &ReadConn {
        self.replica().map_or(&self.conn, |replica| &replica.conn)
    }

    /// Whether reads may go to replicas.
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some()
    }

    /// Runs `reads` with its reads on a replica that may serve `caller`
    /// now (`None`: someone who never writes), or on the primary.
    pub async fn reading<F: Future>(&self, caller: Option<Uuid>, reads: F) -> F::Output {
        let route = self
            .replicas
            .as_ref()
            .and_then(|replicas| replicas.route(caller));
        replicas::reading(route, reads).await
    }

    /// Remembers that `caller` has just written: their reads stay on the
    /// primary until a replica has replayed the write.
    pub async fn wrote(&self, caller: Uuid) {
        if let Some(replicas) = &self.replicas {
            replicas.wrote(caller).await;
        }
    }

    /// The same database with every read on the primary, whatever request
    /// it serves: for accounts and credentials, which must never be stale.
    #[must_use]
    pub fn primary(&self) -> Self {
        Self {
            replicas: None,
            ..self.clone()
        }
    }

    fn replica(&self) -> Option<&Replica> {
        self.replicas.as_ref()?.member(replicas::current()?)
    }

    fn counts(&self) -> &Counts {
        self.replica()
            .map_or(&self.counts, |replica| &replica.counts)
    }

    /// Runs a trivial statement to prove the database answers.
    pub async fn ping(&self) -> Result<(), sea_orm::DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// Statements executed so far.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// SQLite writes committed so far and the commits that carried them
    /// (equal when no commit was shared); `None` on PostgreSQL.
    pub fn group_commits(&self) -> Option<(u64, u64)> {
        self.write_gate.as_ref().map(|gate| gate.committed())
    }

    /// Starts a write transaction; see [`write`] for how SQLite writers
    /// share commits.
    pub async fn begin_write(&self) -> Result<WriteTx, AppError> {
        write::begin(&self.writer, self.write_gate.as_ref(), Index::Deferred).await
    }

    /// Starts a write transaction that sees SQLite's full-text indexes in
    /// step with their documents (see [`Index::Settled`]).
    pub async fn begin_write_settled(&self) -> Result<WriteTx, AppError> {
        write::begin(&self.writer, self.write_gate.as_ref(), Index::Settled).await
    }

    /// Starts a transaction that only reads: its statements see one
    /// snapshot of the database (SQLite's transactions do, here on a
    /// connection of the direct reader pinned to it; on PostgreSQL it is a
    /// read-only `REPEATABLE READ` one).
    pub async fn begin_read(&self) -> Result<sea_orm::DatabaseTransaction, AppError> {
        use sea_orm::{AccessMode, IsolationLevel, TransactionTrait};
        if let (None, Some(direct)) = (self.replica(), self.conn.shared_direct()) {
            let snapshot = pinned(direct, direct::Use::Snapshot).await?;
            return Ok(snapshot.begin().await?);
        }
        let conn = self
            .replica()
            .map_or(&self.pool, |replica| replica.conn.inner());
        if conn.get_database_backend() == DatabaseBackend::Postgres {
            let (isolation, access) = (IsolationLevel::RepeatableRead, AccessMode::ReadOnly);
            return Ok(conn
                .begin_with_config(Some(isolation), Some(access))
                .await?);
        }
        Ok(conn.begin().await?)
    }

    /// The sequence number of the latest public event (0 before any): the
    /// generation of public content every process sharing the database
    /// agrees on.
    pub async fn generation(&self) -> Result<i64, AppError> {
        self.counts().generation(self.conn().inner()).await
    }

    /// The number of rows `select` matches, counted once per generation of
    /// `scope` (see [`counts`]), and the generation it stands at.
    pub async fn total<E>(
        &self,
        select: Select<E>,
        scope: Scope,
    ) -> Result<(u64, Generation), AppError>
    where
        E: EntityTrait,
        E::Model: FromQueryResult + Send + Sync,
    {
        self.counts()
            .total(self.conn().inner(), select, scope)
            .await
    }
}

/// How an entity is addressed: by id, or by its slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// The UUID.
    Id(Uuid),
    /// The slug; for articles, optionally within one locale.
    Slug {
        /// The slug text.
        slug: String,
        /// Locale to look in (articles only).
        locale: Option<String>,
    },
}

impl Key {
    /// A UUID is an id; anything else is a slug.
    pub fn parse(raw: &str, locale: Option<String>) -> Self {
        match Uuid::parse_str(raw) {
            Ok(id) => Self::Id(id),
            Err(_) => Self::Slug {
                slug: raw.to_owned(),
                locale,
            },
        }
    }
}

/// Opens the configured database, creating the data folder for the embedded
/// SQLite file. SQLite runs in WAL mode with foreign keys on and a busy timeout.
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let url = config.effective_database_url();
    let is_sqlite = url.starts_with("sqlite:");
    if is_sqlite && config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data folder {}", config.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(config.db_max_connections.max(1))
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        options.map_sqlx_sqlite_opts(|opts| {
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
                // Keeps the planner's statistics fresh as the tables grow:
                // pool connections are closed (and replaced) every so often.
                .optimize_on_close(true, 1000)
                // The server copies the log into the database in the
                // background (`checkpoint`), off the writers' path; a
                // committing writer does it only if the log grows past this
                // many pages (64 MiB) regardless.
                .pragma("wal_autocheckpoint", "16384")
        });
    }
    let mut pool = Database::connect(options)
        .await
        .with_context(|| format!("cannot open database {}", redact_url(&url)))?;
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    pool.set_metric_callback(move |info| {
        counter.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(target: "masthead::sql", elapsed_us = info.elapsed.as_micros() as u64, failed = info.failed, sql = %info.statement);
    });
    // One connection asked for (the seed, which changes the journal mode)
    // means the pool's one connection and no other.
    let direct_file = direct::file_of(&url).filter(|_| is_sqlite && config.db_max_connections > 1);
    let (conn, writer) = match direct_file {
        Some(file) => {
            let direct = Arc::new(
                direct::Direct::new(file, statements.clone())
                    .mapping(config.sqlite_mmap_mib.saturating_mul(1 << 20)),
            );
            let proxy: Box<dyn sea_orm::ProxyDatabaseTrait> =
                Box::new(direct::Proxy(direct.clone()));
            let conn = Database::connect_proxy(DatabaseBackend::Sqlite, Arc::new(proxy))
                .await
                .context("cannot open the direct SQLite connection")?;
            let writer = pinned(&direct, direct::Use::Writer)
                .await
                .context("cannot open the SQLite writer")?;
            (ReadConn::new(conn, Some(direct)), writer)
        }
        None => (ReadConn::new(pool.clone(), None), pool.clone()),
    };
    let write_gate = (pool.get_database_backend() == DatabaseBackend::Sqlite)
        .then(|| Arc::new(WriteGate::default()));
    let replicas = replicas::open(config, &pool, &statements).await?;
    Ok(Db {
        conn,
        pool,
        writer,
        statements,
        write_gate,
        counts: Arc::default(),
        replicas,
    })
}

/// A sea-orm connection over a connection of `direct` pinned to it.
async fn pinned(
    direct: &Arc<direct::Direct>,
    role: direct::Use,
) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let proxy: Box<dyn sea_orm::ProxyDatabaseTrait> = Box::new(direct::PinnedProxy(
        direct::Pinned::new(direct.clone(), role),
    ));
    Database::connect_proxy(DatabaseBackend::Sqlite, Arc::new(proxy)).await
}

/// The name of the latest migration this version knows: the version of
/// the tables' layout.
pub fn schema_version() -> String {
    Migrator::migrations()
        .last()
        .map(|migration| migration.name().to_owned())
        .unwrap_or_default()
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    Migrator::up(&db.pool, None)
        .await
        .context("database migration failed")
}

/// Gathers the statistics the query planner chooses indexes by, for SQLite
/// tables that have none or whose size changed much since (PostgreSQL's
/// autovacuum does this by itself).
pub async fn optimize(db: &Db) -> anyhow::Result<()> {
    if db.backend() == DatabaseBackend::Sqlite {
        db.pool
            .execute_unprepared("PRAGMA optimize = 0x10002")
            .await
            .context("cannot gather planner statistics")?;
    }
    Ok(())
}

/// Copies what the SQLite write-ahead log holds into the database file as
/// far as readers allow, without waiting for anyone (a passive checkpoint),
/// so that committing writers need not. Nothing to do on PostgreSQL. It is
/// upkeep, run on the pool directly: not counted with the statements of
/// requests.
pub async fn checkpoint(db: &Db) -> Result<(), sea_orm::sqlx::Error> {
    if db.backend() == DatabaseBackend::Sqlite {
        sea_orm::sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(db.pool.get_sqlite_connection_pool())
            .await?;
    }
    Ok(())
}

/// The URL with any password replaced, for log lines and error messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}
