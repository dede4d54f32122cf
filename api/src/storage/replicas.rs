//! Read replicas: PostgreSQL servers that follow the primary by streaming
//! replication and take reads off it.
//!
//! A request's reads go to a replica only when the request runs inside
//! [`reading`] with a replica that [`Replicas::route`] chose; everything
//! else (writes and the reads inside them, background work, accounts)
//! stays on the primary, which is also where [`Db::conn`](super::Db::conn)
//! points outside such a request.
//!
//! A replica is chosen when it is alive (its last poll answered) and
//! fresh (it has replayed what the primary had written [`Lag`] ago). For a
//! caller who wrote recently, it must also have replayed the primary's log
//! past the position the caller's last write reached (read after the write
//! returned): until one has, that caller reads from the primary, so nobody
//! misses their own write. Positions are bytes of the write-ahead log, as
//! PostgreSQL's `pg_lsn` counts them.
//!
//! The poller and the position reads are upkeep: they run on the sqlx pools
//! directly and are not counted with the statements of requests.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection};
use uuid::Uuid;

use super::ReadConn;
use super::counts::Counts;
use super::redact_url;
use crate::config::Config;

/// How often the replicas and the primary are asked how far they are.
const POLL: Duration = Duration::from_millis(50);

/// A replica whose last answer is older than this is not read from.
const SILENT: Duration = Duration::from_secs(2);

/// A poll that takes longer than this counts as no answer.
const PATIENCE: Duration = Duration::from_millis(500);

/// The longest a read waits for a connection of a replica's pool.
const READ_PATIENCE: Duration = Duration::from_secs(2);

/// A caller's write is remembered this long at most; past it, their reads
/// go where anyone's do.
const REMEMBERED: Duration = Duration::from_secs(600);

/// Callers remembered at most; past it, the oldest half is forgotten.
const WRITERS: usize = 100_000;

/// The log position the primary has written, in bytes.
const PRIMARY_POSITION: &str = "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint";

/// The log position a replica has replayed, in bytes (a server that is not
/// in recovery, such as the primary named again, holds what it has written).
const REPLAYED_POSITION: &str = "SELECT COALESCE((CASE WHEN pg_is_in_recovery() \
     THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::bigint, 0)";

/// The identifier of a database cluster: a replica has its primary's.
const SYSTEM: &str = "SELECT system_identifier FROM pg_control_system()";

tokio::task_local! {
    /// The replica the current request reads from, if any.
    static ROUTE: Option<usize>;
}

/// Runs `reads` with its database reads sent to replica `route` (`None`:
/// the primary).
pub async fn reading<F: Future>(route: Option<usize>, reads: F) -> F::Output {
    ROUTE.scope(route, reads).await
}

/// The replica the current request reads from, if any.
pub(super) fn current() -> Option<usize> {
    ROUTE.try_with(|route| *route).ok().flatten()
}

/// One replica: its connections, the totals of lists counted on it, and how
/// far it was at its last poll.
#[derive(Debug)]
pub(super) struct Replica {
    /// The pool reads run on.
    pub(super) conn: ReadConn,
    /// One connection of its own for the polls, so that a busy pool is
    /// not taken for a silent server.
    probe: DatabaseConnection,
    pub(super) counts: Counts,
    /// The URL without its password, for log lines.
    label: String,
    /// The log position it had replayed at its last poll.
    replayed: AtomicU64,
    /// When its last poll answered, in milliseconds since the set started.
    answered_ms: AtomicU64,
    /// Whether it had replayed what the primary wrote a [`Lag`] ago.
    fresh: AtomicBool,
    /// Whether it was found to be a copy of the primary's cluster; it is
    /// never read from before.
    verified: AtomicBool,
    /// Whether its not answering was logged (once until it answers).
    warned: AtomicBool,
}

/// The replicas of a database, and the positions of recent writers.
#[derive(Debug)]
pub(super) struct Replicas {
    members: Vec<Replica>,
    primary: DatabaseConnection,
    /// How far behind the primary a replica may be and still be read from.
    lag: Duration,
    started: Instant,
    /// Where the next choice starts, so reads are spread evenly.
    next: AtomicUsize,
    /// Caller → the position their last write reached, and when.
    writers: Mutex<HashMap<Uuid, (u64, Instant)>>,
}

impl Replicas {
    /// The set over `members`; nothing is read from them until
    /// [`Replicas::poll`] has found them alive.
    fn new(primary: DatabaseConnection, members: Vec<Replica>, lag: Duration) -> Self {
        Self {
            members,
            primary,
            lag,
            started: Instant::now(),
            next: AtomicUsize::new(0),
            writers: Mutex::default(),
        }
    }

    pub(super) fn member(&self, index: usize) -> Option<&Replica> {
        self.members.get(index)
    }

    /// The replica the reads of `caller` (`None`: someone who never
    /// writes) may go to now, or `None` for the primary.
    pub fn route(&self, caller: Option<Uuid>) -> Option<usize> {
        let needed = caller.map_or(0, |caller| self.pending(caller));
        let now = self.elapsed_ms();
        let silent = duration_ms(SILENT);
        let count = self.members.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        (0..count).map(|i| (start + i) % count).find(|&i| {
            let replica = &self.members[i];
            let answered = replica.answered_ms.load(Ordering::Acquire);
            answered > 0
                && now.saturating_sub(answered) < silent
                && replica.fresh.load(Ordering::Acquire)
                && replica.replayed.load(Ordering::Acquire) >= needed
        })
    }

    /// Remembers that `caller` just wrote: their reads stay on the primary
    /// until a replica has replayed the log as far as the primary has
    /// written it now.
    pub async fn wrote(&self, caller: Uuid) {
        let position = match position(&self.primary, PRIMARY_POSITION).await {
            Ok(position) => position,
            // Without the position, no replica can be shown to hold the
            // write: the caller reads from the primary until forgotten.
            Err(err) => {
                tracing::warn!(error = %err, "cannot read the primary's log position");
                u64::MAX
            }
        };
        let mut writers = self.lock();
        if writers.len() >= WRITERS {
            let mut ages: Vec<Instant> = writers.values().map(|(_, at)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            writers.retain(|_, (_, at)| *at > cut);
        }
        let entry = writers.entry(caller).or_insert((0, Instant::now()));
        *entry = (entry.0.max(position), Instant::now());
    }

    /// The log position `caller`'s reads need (0: none), forgetting the
    /// caller once every replica has it or it is old.
    fn pending(&self, caller: Uuid) -> u64 {
        let mut writers = self.lock();
        let Some(&(position, at)) = writers.get(&caller) else {
            return 0;
        };
        let everywhere = self
            .members
            .iter()
            .all(|replica| replica.replayed.load(Ordering::Acquire) >= position);
        if everywhere || at.elapsed() > REMEMBERED {
            writers.remove(&caller);
            return 0;
        }
        position
    }

    /// Asks the primary and every replica how far they are, for ever, every
    /// [`POLL`]. A replica that does not answer is not read from until it
    /// does again.
    pub(super) async fn poll(self: Arc<Self>) {
        // What the primary had written, and when, as far back as the lag allows.
        let mut written: VecDeque<(Instant, u64)> = VecDeque::new();
        let mut ticker = tokio::time::interval(POLL);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let now = Instant::now();
            match tokio::time::timeout(PATIENCE, position(&self.primary, PRIMARY_POSITION)).await {
                Ok(Ok(at)) => written.push_back((now, at)),
                Ok(Err(err)) => {
                    tracing::debug!(error = %err, "cannot read the primary's log position")
                }
                Err(_) => tracing::debug!("the primary's log position took too long to read"),
            }
            let due = due(&mut written, now, self.lag);
            for replica in &self.members {
                self.poll_one(replica, due).await;
            }
        }
    }

    async fn poll_one(&self, replica: &Replica, due: u64) {
        let answer = async {
            if !replica.verified.load(Ordering::Acquire) {
                let same = same_cluster(&self.primary, &replica.probe).await?;
                if !same {
                    return Err(sea_orm::sqlx::Error::Protocol(
                        "not a replica of the primary (another cluster)".to_owned(),
                    ));
                }
                replica.verified.store(true, Ordering::Release);
            }
            position(&replica.probe, REPLAYED_POSITION).await
        };
        let answer = tokio::time::timeout(PATIENCE, answer)
            .await
            .unwrap_or_else(|_| Err(sea_orm::sqlx::Error::PoolTimedOut));
        match answer {
            Ok(replayed) => {
                replica.replayed.store(replayed, Ordering::Release);
                replica.fresh.store(replayed >= due, Ordering::Release);
                let was = replica
                    .answered_ms
                    .swap(self.elapsed_ms().max(1), Ordering::AcqRel);
                if was == 0 {
                    replica.warned.store(false, Ordering::Relaxed);
                    tracing::info!(replica = %replica.label, "reading from replica");
                }
            }
            Err(err) => {
                let was = replica.answered_ms.swap(0, Ordering::AcqRel);
                let warned = replica.warned.swap(true, Ordering::Relaxed);
                if was > 0 || !warned {
                    tracing::warn!(replica = %replica.label, error = %err, "replica not read from; reading from the primary");
                }
            }
        }
    }

    fn elapsed_ms(&self) -> u64 {
        duration_ms(self.started.elapsed())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (u64, Instant)>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.writers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// What a replica must have replayed at `now` to be fresh: the newest of
/// the primary's positions `written` that is at least `lag` old (0 when
/// none is yet). Older positions are dropped.
fn due(written: &mut VecDeque<(Instant, u64)>, now: Instant, lag: Duration) -> u64 {
    let old_enough = |when: &Instant| now.duration_since(*when) >= lag;
    while written.get(1).is_some_and(|(when, _)| old_enough(when)) {
        written.pop_front();
    }
    written
        .front()
        .filter(|(when, _)| old_enough(when))
        .map_or(0, |(_, at)| *at)
}

fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A log position read with `sql` (one of the two statements above).
pub(super) async fn position(
    conn: &DatabaseConnection,
    sql: &'static str,
) -> Result<u64, sea_orm::sqlx::Error> {
    let value: i64 = sea_orm::sqlx::query_scalar(sql)
        .fetch_one(conn.get_postgres_connection_pool())
        .await?;
    Ok(u64::try_from(value).unwrap_or(0))
}

/// Whether `replica` is a copy of the primary's cluster (a replica, or the
/// primary itself): another server's answers would be another database's.
pub(super) async fn same_cluster(
    primary: &DatabaseConnection,
    replica: &DatabaseConnection,
) -> Result<bool, sea_orm::sqlx::Error> {
    let system = async |conn: &DatabaseConnection| -> Result<i64, sea_orm::sqlx::Error> {
        sea_orm::sqlx::query_scalar(SYSTEM)
            .fetch_one(conn.get_postgres_connection_pool())
            .await
    };
    Ok(system(primary).await? == system(replica).await?)
}

/// Opens the configured read replicas and starts following how far they
/// are; `None` without any. A replica is opened lazily: one that is down
/// when the server starts is read from once it answers (and proves to copy
/// the primary); one that answers now and is not a copy is refused.
pub(super) async fn open(
    config: &Config,
    primary: &DatabaseConnection,
    statements: &Arc<AtomicU64>,
) -> anyhow::Result<Option<Arc<Replicas>>> {
    let urls: Vec<&str> = config
        .database_read_urls
        .iter()
        .map(|url| url.trim())
        .filter(|url| !url.is_empty())
        .collect();
    if urls.is_empty() {
        return Ok(None);
    }
    anyhow::ensure!(
        primary.get_database_backend() == DatabaseBackend::Postgres,
        "MASTHEAD_DATABASE_READ_URL needs a PostgreSQL MASTHEAD_DATABASE_URL"
    );
    let mut members = Vec::with_capacity(urls.len());
    for url in urls {
        let label = redact_url(url);
        anyhow::ensure!(
            url.starts_with("postgres://") || url.starts_with("postgresql://"),
            "MASTHEAD_DATABASE_READ_URL: {label} is not a postgres:// URL"
        );
        let mut conn = pool(url, config.db_max_connections.max(1), READ_PATIENCE)
            .await
            .with_context(|| format!("cannot open read replica {label}"))?;
        let probe = pool(url, 1, PATIENCE)
            .await
            .with_context(|| format!("cannot open read replica {label}"))?;
        let verified = match same_cluster(primary, &probe).await {
            Ok(true) => true,
            Ok(false) => anyhow::bail!(
                "MASTHEAD_DATABASE_READ_URL: {label} is not a replica of the primary (another cluster)"
            ),
            Err(err) => {
                tracing::warn!(replica = %label, error = %err, "read replica not answering yet; reading from the primary until it does");
                false
            }
        };
        let counter = statements.clone();
        conn.set_metric_callback(move |info| {
            counter.fetch_add(1, Ordering::Relaxed);
            tracing::trace!(target: "masthead::sql", replica = true, elapsed_us = info.elapsed.as_micros() as u64, failed = info.failed, sql = %info.statement);
        });
        members.push(Replica {
            conn: ReadConn::new(conn, None),
            probe,
            counts: Counts::default(),
            label,
            replayed: AtomicU64::new(0),
            answered_ms: AtomicU64::new(0),
            fresh: AtomicBool::new(false),
            verified: AtomicBool::new(verified),
            warned: AtomicBool::new(false),
        });
    }
    let lag = Duration::from_millis(config.replica_max_lag_ms);
    let replicas = Arc::new(Replicas::new(primary.clone(), members, lag));
    tokio::spawn(replicas.clone().poll());
    Ok(Some(replicas))
}

/// A lazily opened pool of at most `size` connections to `url`.
async fn pool(
    url: &str,
    size: u32,
    patience: Duration,
) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(size)
        .min_connections(1)
        .acquire_timeout(patience)
        .connect_lazy(true)
        .sqlx_logging(false);
    Database::connect(options).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(replayed: u64, answered_ms: u64, fresh: bool) -> Replica {
        Replica {
            conn: ReadConn::new(DatabaseConnection::default(), None),
            probe: DatabaseConnection::default(),
            counts: Counts::default(),
            label: "replica".to_owned(),
            replayed: AtomicU64::new(replayed),
            answered_ms: AtomicU64::new(answered_ms),
            fresh: AtomicBool::new(fresh),
            verified: AtomicBool::new(true),
            warned: AtomicBool::new(false),
        }
    }

    fn set(members: Vec<Replica>) -> Replicas {
        Replicas::new(
            DatabaseConnection::default(),
            members,
            Duration::from_secs(5),
        )
    }

    #[test]
    fn reads_go_to_replicas_that_answer_and_are_fresh_in_turn() {
        let replicas = set(vec![replica(100, 1, true), replica(100, 1, true)]);
        let chosen: Vec<_> = (0..4).map(|_| replicas.route(None)).collect();
        assert_eq!(chosen, [Some(0), Some(1), Some(0), Some(1)]);

        let never_answered = set(vec![replica(100, 0, true)]);
        assert_eq!(never_answered.route(None), None);
        let stale = set(vec![replica(100, 1, false), replica(100, 1, true)]);
        assert_eq!(stale.route(None), Some(1));
        assert_eq!(stale.route(None), Some(1));
    }

    #[test]
    fn a_silent_replica_is_left() {
        let replicas = set(vec![replica(100, 1, true)]);
        let now = replicas.elapsed_ms() + duration_ms(SILENT) + 10;
        replicas.members[0].answered_ms.store(1, Ordering::Release);
        // Seen from 2 s later, its last answer is too old.
        let later = Replicas {
            started: replicas.started - Duration::from_millis(now),
            ..replicas
        };
        assert_eq!(later.route(None), None);
    }

    #[test]
    fn a_writer_reads_from_the_primary_until_a_replica_has_their_write() {
        let replicas = set(vec![replica(100, 1, true), replica(250, 1, true)]);
        let writer = Uuid::new_v4();
        replicas.lock().insert(writer, (200, Instant::now()));
        // Only the replica past 200 serves them, however often they ask.
        assert_eq!(replicas.route(Some(writer)), Some(1));
        assert_eq!(replicas.route(Some(writer)), Some(1));
        // Everyone else reads from both.
        let others: std::collections::BTreeSet<_> = (0..2)
            .map(|_| replicas.route(Some(Uuid::new_v4())))
            .collect();
        assert_eq!(others, [Some(0), Some(1)].into());
        // None has it: the primary.
        replicas.members[1].replayed.store(150, Ordering::Release);
        assert_eq!(replicas.route(Some(writer)), None);
        // Once every replica has it, the writer is forgotten.
        for member in &replicas.members {
            member.replayed.store(300, Ordering::Release);
        }
        assert!(replicas.route(Some(writer)).is_some());
        assert!(replicas.lock().is_empty());
    }

    #[test]
    fn a_write_is_forgotten_after_a_while() {
        let replicas = set(vec![replica(100, 1, true)]);
        let writer = Uuid::new_v4();
        let long_ago = Instant::now() - REMEMBERED - Duration::from_secs(1);
        replicas.lock().insert(writer, (u64::MAX, long_ago));
        assert_eq!(replicas.route(Some(writer)), Some(0));
        assert!(replicas.lock().is_empty());
    }

    #[test]
    fn fresh_means_what_the_primary_had_written_a_lag_ago() {
        let lag = Duration::from_secs(5);
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut written = VecDeque::new();
        written.push_back((at(0), 10));
        assert_eq!(due(&mut written, at(1), lag), 0, "nothing is a lag old yet");
        written.push_back((at(3), 30));
        written.push_back((at(6), 60));
        assert_eq!(due(&mut written, at(6), lag), 10);
        assert_eq!(due(&mut written, at(9), lag), 30);
        assert_eq!(written.len(), 2, "positions older than needed are dropped");
        assert_eq!(due(&mut written, at(20), lag), 60);
        assert_eq!(written.len(), 1);
    }
}
