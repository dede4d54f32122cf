//! SQLite without hand-offs.
//!
//! sqlx runs every SQLite connection on a thread of its own and sends each
//! statement there and each row back through channels: at 100,000 articles
//! a list's statements took five to seven times as long through it as
//! SQLite takes to run them. Here the same statements — built by sea-orm
//! and sea-query as before, the entities unchanged — run on the caller's
//! thread, on `rusqlite` connections kept in a pool, with their prepared
//! statements cached. sea-orm talks to it as a proxy connection
//! ([`ProxyDatabaseTrait`]): it hands over a statement and its values and
//! gets rows back.
//!
//! - **Values** are written as sqlx writes them (UUIDs as 16-byte blobs,
//!   timestamps as RFC 3339 text, booleans as integers), so both paths read
//!   and compare the same bytes.
//! - **Rows** are typed by the column they come from: SQLite says which
//!   table and column each result column reads, and the entities say what
//!   Rust type that column holds. A computed column is typed by what
//!   SQLite holds (integer, real, text or blob).
//! - **Models**: [`typed`] reads rows straight into the entities' models,
//!   without the map of names to values a proxy row is
//!   ([`super::reader::all`]).
//! - **Busy**: a statement that finds the database locked (another process
//!   writing) waits without holding the thread, and tries again for up to
//!   five seconds, like sqlx's busy timeout.
//! - **Transactions** need one connection for all their statements, and
//!   this proxy cannot say which transaction a statement belongs to, so
//!   [`ProxyDatabaseTrait::begin`] here refuses. Each runs on a connection
//!   pinned to a proxy of its own ([`pinned`]): the writer's, or one taken
//!   from this pool for a snapshot.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::{Value as Stored, ValueRef};
use rusqlite::{Connection, ErrorCode, OpenFlags};
use sea_orm::prelude::async_trait::async_trait;
use sea_orm::sea_query::{ColumnType, Value};
use sea_orm::{
    ColumnTrait, DbErr, EntityName, EntityTrait, IdenStatic, Iterable, ProxyDatabaseTrait,
    ProxyExecResult, ProxyRow, RuntimeErr, Statement,
};

/// How long a statement waits for a lock held by another process.
const BUSY_FOR: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection.
const CACHED_STATEMENTS: usize = 256;
/// Bytes of the database file read through memory mapping, by default.
pub const MAPPED_BYTES: u64 = crate::config::SQLITE_MMAP_MIB << 20;

/// `(table, column)` → the type the entities give it.
type Types = HashMap<(String, String), ColumnType>;

/// The rusqlite connections of one database file, and what the rows mean.
#[derive(Debug)]
pub struct Direct {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    types: Types,
    /// The statement counter of [`super::Db`].
    statements: Arc<AtomicU64>,
    /// `PRAGMA mmap_size` of each connection.
    mapped: u64,
}

/// The database file a SQLite URL names; `None` for an in-memory database
/// (another connection would see another database).
pub(super) fn file_of(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    let memory = path.is_empty() || path == ":memory:" || url.contains("mode=memory");
    (!memory).then(|| PathBuf::from(path))
}

impl Direct {
    pub(super) fn new(path: PathBuf, statements: Arc<AtomicU64>) -> Self {
        Self {
            path,
            idle: Mutex::default(),
            types: entity_types(),
            statements,
            mapped: MAPPED_BYTES,
        }
    }

    /// Reads up to `bytes` of the file through memory mapping (0: none).
    /// SQLite then reads a page where the kernel keeps it, without a
    /// `pread` and a copy into its own cache per page; at 100,000 articles
    /// the kernel's side of those reads took about an eighth of an uncached
    /// list's time. Writes still go through `pwrite`.
    pub(super) fn mapping(mut self, bytes: u64) -> Self {
        self.mapped = bytes;
        self
    }

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 0; \
             PRAGMA wal_autocheckpoint = 16384;",
        )?;
        // The plan of a statement does not look at its bound values (the
        // query planner stability guarantee). Without it, a statement with
        // `LIMIT ?` (every page) is prepared again each time a value is
        // bound, and the kept statements would be prepared anew on every run.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(CACHED_STATEMENTS);
        conn.pragma_update(
            None,
            "mmap_size",
            i64::try_from(self.mapped).unwrap_or(i64::MAX),
        )?;
        Ok(conn)
    }

    /// Runs `work` on an idle connection (a new one when none is idle),
    /// on this thread; the connection goes back to the pool afterwards.
    fn with<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
    ) -> Result<T, rusqlite::Error> {
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = work(&conn);
        if conn.is_autocommit() {
            self.lock().push(conn);
        }
        result
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        // A panic while holding the lock leaves a list that is still whole.
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `work` until it is not refused for a lock held elsewhere, or
    /// [`BUSY_FOR`] has passed; waits between tries without the thread.
    /// `counted` adds it to the statements executed.
    async fn patiently<T>(
        &self,
        statement: &Statement,
        counted: bool,
        mut work: impl FnMut() -> Result<T, rusqlite::Error>,
    ) -> Result<T, DbErr> {
        let started = Instant::now();
        let mut pause = Duration::from_micros(200);
        loop {
            let began = Instant::now();
            let result = work();
            if counted {
                self.statements.fetch_add(1, Ordering::Relaxed);
            }
            tracing::trace!(target: "masthead::sql", elapsed_us = began.elapsed().as_micros() as u64,
                failed = result.is_err(), sql = %statement.sql);
            match result {
                Err(err) if is_busy(&err) && started.elapsed() < BUSY_FOR => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                other => return other.map_err(|err| to_db_err(&err)),
            }
        }
    }

    fn rows(
        &self,
        conn: &Connection,
        statement: &Statement,
    ) -> Result<Vec<ProxyRow>, rusqlite::Error> {
        let mut prepared = conn.prepare_cached(&statement.sql)?;
        bind(&mut prepared, statement)?;
        // sea-orm reads a row's columns by name, or by position (a tuple)
        // as the position in the map's order: each value is also kept under
        // a key that sorts before every name, in column order.
        let columns: Vec<(String, String, Option<&ColumnType>)> = prepared
            .columns_with_metadata()
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let origin = column
                    .table_name()
                    .zip(column.origin_name())
                    .and_then(|(table, name)| self.types.get(&(table.to_owned(), name.to_owned())));
                (column.name().to_owned(), format!("\u{0}{i:05}"), origin)
            })
            .collect();
        let mut rows = prepared.raw_query();
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = BTreeMap::new();
            for (i, (name, position, kind)) in columns.iter().enumerate() {
                let value = read(row.get_ref(i)?, *kind)?;
                values.insert(position.clone(), value.clone());
                values.insert(name.clone(), value);
            }
            out.push(ProxyRow::new(values));
        }
        Ok(out)
    }

    fn run(
        &self,
        conn: &Connection,
        statement: &Statement,
    ) -> Result<ProxyExecResult, rusqlite::Error> {
        let mut prepared = conn.prepare_cached(&statement.sql)?;
        bind(&mut prepared, statement)?;
        let mut rows = prepared.raw_query();
        while rows.next()?.is_some() {}
        drop(rows);
        let last = u64::try_from(conn.last_insert_rowid()).unwrap_or(0);
        Ok(ProxyExecResult::new(last, conn.changes()))
    }
}

/// The direct connection as sea-orm's proxy sees it.
#[derive(Debug)]
pub(super) struct Proxy(pub(super) Arc<Direct>);

#[async_trait]
impl ProxyDatabaseTrait for Proxy {
    async fn query(&self, statement: Statement) -> Result<Vec<ProxyRow>, DbErr> {
        let direct = &self.0;
        direct
            .patiently(&statement, true, || {
                direct.with(|conn| direct.rows(conn, &statement))
            })
            .await
    }

    async fn execute(&self, statement: Statement) -> Result<ProxyExecResult, DbErr> {
        let direct = &self.0;
        direct
            .patiently(&statement, true, || {
                direct.with(|conn| direct.run(conn, &statement))
            })
            .await
    }

    async fn begin(&self) -> Result<(), DbErr> {
        // Its statements would each run on whichever connection is idle.
        Err(DbErr::Custom(
            "a transaction was begun on the direct SQLite reader; transactions begin on a \
             connection pinned to them (Db::begin_read, Db::begin_write)"
                .to_owned(),
        ))
    }

    async fn ping(&self) -> Result<(), DbErr> {
        let statement = Statement::from_string(sea_orm::DbBackend::Sqlite, "SELECT 1");
        self.execute(statement).await.map(|_| ())
    }
}

fn is_busy(err: &rusqlite::Error) -> bool {
    matches!(
        err.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Marks at the start of the message of a [`DbErr`] made here, saying what
/// [`super::error`] makes of it (sea-orm reads the codes of sqlx errors
/// only).
const UNIQUE: &str = "[unique] ";
const FOREIGN_KEY: &str = "[foreign key] ";
const BUSY: &str = "[busy] ";

/// Why SQLite refused a statement run here, when that has a meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refusal {
    /// A unique constraint (or primary key).
    Unique,
    /// A foreign key.
    ForeignKey,
    /// The database stayed locked by another writer.
    Busy,
}

/// What a database error made here means, if it was made here.
pub(super) fn refusal(err: &DbErr) -> Option<Refusal> {
    let DbErr::Query(RuntimeErr::Internal(message)) = err else {
        return None;
    };
    [
        (UNIQUE, Refusal::Unique),
        (FOREIGN_KEY, Refusal::ForeignKey),
        (BUSY, Refusal::Busy),
    ]
    .into_iter()
    .find_map(|(mark, refusal)| message.starts_with(mark).then_some(refusal))
}

/// A rusqlite error as sea-orm's, marked with its meaning.
fn to_db_err(err: &rusqlite::Error) -> DbErr {
    let extended = match err {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.extended_code),
        _ => None,
    };
    // SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_FOREIGNKEY.
    let mark = match extended {
        Some(2067 | 1555) => UNIQUE,
        Some(787) => FOREIGN_KEY,
        _ if is_busy(err) => BUSY,
        _ => "",
    };
    DbErr::Query(RuntimeErr::Internal(format!("{mark}{err}")))
}

/// Binds the statement's values as sqlx would write them.
fn bind(
    prepared: &mut rusqlite::CachedStatement<'_>,
    statement: &Statement,
) -> Result<(), rusqlite::Error> {
    let Some(values) = &statement.values else {
        return Ok(());
    };
    for (i, value) in values.0.iter().enumerate() {
        prepared.raw_bind_parameter(i + 1, stored(value)?)?;
    }
    Ok(())
}

fn stored(value: &Value) -> Result<Stored, rusqlite::Error> {
    let int = |n: Option<i64>| n.map_or(Stored::Null, Stored::Integer);
    Ok(match value {
        Value::Bool(b) => int(b.map(i64::from)),
        Value::TinyInt(n) => int(n.map(i64::from)),
        Value::SmallInt(n) => int(n.map(i64::from)),
        Value::Int(n) => int(n.map(i64::from)),
        Value::BigInt(n) => int(*n),
        Value::TinyUnsigned(n) => int(n.map(i64::from)),
        Value::SmallUnsigned(n) => int(n.map(i64::from)),
        Value::Unsigned(n) => int(n.map(i64::from)),
        Value::BigUnsigned(n) => match n {
            Some(n) => {
                Stored::Integer(i64::try_from(*n).map_err(|_| unsupported("a u64 above i64"))?)
            }
            None => Stored::Null,
        },
        Value::Float(x) => x.map_or(Stored::Null, |x| Stored::Real(f64::from(x))),
        Value::Double(x) => x.map_or(Stored::Null, Stored::Real),
        Value::String(s) => s.clone().map_or(Stored::Null, Stored::Text),
        Value::Char(c) => c.map_or(Stored::Null, |c| Stored::Text(c.to_string())),
        Value::Bytes(b) => b.clone().map_or(Stored::Null, Stored::Blob),
        Value::Json(j) => j
            .as_ref()
            .map_or(Stored::Null, |j| Stored::Text(j.to_string())),
        Value::ChronoDateTimeUtc(t) => t.map_or(Stored::Null, |t| {
            Stored::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        Value::ChronoDateTimeWithTimeZone(t) => t.map_or(Stored::Null, |t| {
            Stored::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, false))
        }),
        Value::ChronoDateTime(t) => t.map_or(Stored::Null, |t| {
            Stored::Text(t.format("%F %T%.f").to_string())
        }),
        Value::ChronoDate(d) => {
            d.map_or(Stored::Null, |d| Stored::Text(d.format("%F").to_string()))
        }
        Value::ChronoTime(t) => t.map_or(Stored::Null, |t| {
            Stored::Text(t.format("%T%.f").to_string())
        }),
        Value::Uuid(u) => u.map_or(Stored::Null, |u| Stored::Blob(u.as_bytes().to_vec())),
        other => return Err(unsupported(&format!("{other:?}"))),
    })
}

fn unsupported(what: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(format!("cannot bind {what} on SQLite").into())
}

fn bad(what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Null, what.into())
}

/// A column's value as the type its entity column holds (`kind`), or as
/// SQLite holds it when the column is computed.
fn read(value: ValueRef<'_>, kind: Option<&ColumnType>) -> Result<Value, rusqlite::Error> {
    use ColumnType as C;
    let Some(kind) = kind else {
        return Ok(match value {
            ValueRef::Null => Value::BigInt(None),
            ValueRef::Integer(n) => Value::BigInt(Some(n)),
            ValueRef::Real(x) => Value::Double(Some(x)),
            ValueRef::Text(t) => Value::String(Some(text(t)?)),
            ValueRef::Blob(b) => Value::Bytes(Some(b.to_vec())),
        });
    };
    if let ValueRef::Null = value {
        return Ok(null_of(kind));
    }
    let integer = || value.as_i64().map_err(|e| bad(e.to_string()));
    Ok(match kind {
        C::Boolean => Value::Bool(Some(integer()? != 0)),
        C::TinyInteger => Value::TinyInt(Some(narrow(integer()?)?)),
        C::SmallInteger => Value::SmallInt(Some(narrow(integer()?)?)),
        C::Integer => Value::Int(Some(narrow(integer()?)?)),
        C::BigInteger => Value::BigInt(Some(integer()?)),
        C::TinyUnsigned => Value::TinyUnsigned(Some(narrow(integer()?)?)),
        C::SmallUnsigned => Value::SmallUnsigned(Some(narrow(integer()?)?)),
        C::Unsigned => Value::Unsigned(Some(narrow(integer()?)?)),
        C::BigUnsigned => Value::BigUnsigned(Some(narrow(integer()?)?)),
        C::Float => Value::Float(Some(real(value)? as f32)),
        C::Double | C::Decimal(_) | C::Money(_) => Value::Double(Some(real(value)?)),
        C::Uuid => Value::Uuid(Some(match value {
            ValueRef::Blob(b) => uuid::Uuid::from_slice(b).map_err(|e| bad(e.to_string()))?,
            other => {
                uuid::Uuid::parse_str(&text(other.as_bytes().map_err(|e| bad(e.to_string()))?)?)
                    .map_err(|e| bad(e.to_string()))?
            }
        })),
        C::TimestampWithTimeZone => {
            Value::ChronoDateTimeUtc(Some(time(value)?.with_timezone(&Utc)))
        }
        C::Timestamp | C::DateTime => Value::ChronoDateTime(Some(time(value)?.naive_utc())),
        C::Json | C::JsonBinary => Value::Json(Some(Box::new(
            serde_json::from_slice(value.as_bytes().map_err(|e| bad(e.to_string()))?)
                .map_err(|e| bad(e.to_string()))?,
        ))),
        C::Binary(_) | C::VarBinary(_) | C::Blob => Value::Bytes(Some(
            value.as_bytes().map_err(|e| bad(e.to_string()))?.to_vec(),
        )),
        _ => match value {
            ValueRef::Integer(n) => Value::String(Some(n.to_string())),
            ValueRef::Real(x) => Value::String(Some(x.to_string())),
            ValueRef::Text(t) | ValueRef::Blob(t) => Value::String(Some(text(t)?)),
            ValueRef::Null => Value::String(None),
        },
    })
}

fn null_of(kind: &ColumnType) -> Value {
    use ColumnType as C;
    match kind {
        C::Boolean => Value::Bool(None),
        C::TinyInteger => Value::TinyInt(None),
        C::SmallInteger => Value::SmallInt(None),
        C::Integer => Value::Int(None),
        C::BigInteger => Value::BigInt(None),
        C::TinyUnsigned => Value::TinyUnsigned(None),
        C::SmallUnsigned => Value::SmallUnsigned(None),
        C::Unsigned => Value::Unsigned(None),
        C::BigUnsigned => Value::BigUnsigned(None),
        C::Float => Value::Float(None),
        C::Double | C::Decimal(_) | C::Money(_) => Value::Double(None),
        C::Uuid => Value::Uuid(None),
        C::TimestampWithTimeZone => Value::ChronoDateTimeUtc(None),
        C::Timestamp | C::DateTime => Value::ChronoDateTime(None),
        C::Json | C::JsonBinary => Value::Json(None),
        C::Binary(_) | C::VarBinary(_) | C::Blob => Value::Bytes(None),
        _ => Value::String(None),
    }
}

fn narrow<T: TryFrom<i64>>(n: i64) -> Result<T, rusqlite::Error> {
    T::try_from(n).map_err(|_| bad(format!("{n} is out of range for its column")))
}

fn real(value: ValueRef<'_>) -> Result<f64, rusqlite::Error> {
    match value {
        ValueRef::Real(x) => Ok(x),
        ValueRef::Integer(n) => Ok(n as f64),
        other => Err(bad(format!("{other:?} is not a number"))),
    }
}

/// Stored text as a `String`, checked to be UTF-8 (with SIMD: bodies of
/// French text leave the standard library's ASCII fast path at every
/// accent, and the check took a twentieth of an uncached list's time).
fn text(bytes: &[u8]) -> Result<String, rusqlite::Error> {
    utf8(bytes).map(str::to_owned)
}

fn utf8(bytes: &[u8]) -> Result<&str, rusqlite::Error> {
    simdutf8::compat::from_utf8(bytes).map_err(|e| bad(e.to_string()))
}

/// A stored timestamp, in any of the forms sqlx reads.
fn time(value: ValueRef<'_>) -> Result<DateTime<FixedOffset>, rusqlite::Error> {
    let text = match value {
        ValueRef::Text(t) => utf8(t)?,
        ValueRef::Integer(n) => {
            return Utc
                .fix()
                .timestamp_opt(n, 0)
                .single()
                .ok_or_else(|| bad(format!("{n} is not a time")));
        }
        other => return Err(bad(format!("{other:?} is not a time"))),
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t);
    }
    for format in [
        "%F %T%.f%:z",
        "%F %T%.f %:z",
        "%F %T%.fZ",
        "%FT%T%.f%:z",
        "%FT%T%.fZ",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Ok(t);
        }
    }
    for format in ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(Utc.fix().from_utc_datetime(&t));
        }
    }
    Err(bad(format!("invalid datetime: {text}")))
}

/// The type of every entity column, by table and column name.
fn entity_types() -> Types {
    let mut types = Types::new();
    macro_rules! columns_of {
        ($($entity:ident),+ $(,)?) => {$(
            for column in <entities::$entity::Entity as EntityTrait>::Column::iter() {
                types.insert(
                    (
                        entities::$entity::Entity.table_name().to_owned(),
                        column.as_str().to_owned(),
                    ),
                    column.def().get_column_type().clone(),
                );
            }
        )+};
    }
    columns_of!(
        api_key,
        article,
        article_author,
        article_tag,
        asset,
        asset_use,
        audit_event,
        author,
        autosave,
        change,
        feed_mark,
        job,
        login_failure,
        preview_link,
        refresh_token,
        revision,
        search_document,
        slug_redirect,
        tag,
        transition,
        user,
        webhook,
        webhook_delivery,
    );
    types
}

mod pinned;
mod typed;

pub(super) use pinned::{Pinned, PinnedProxy, Use};

#[cfg(test)]
mod tests;
