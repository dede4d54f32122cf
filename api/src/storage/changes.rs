//! The change log: every content write adds one event per logical action in
//! its own transaction, so the highest sequence number of a public event says
//! whether anything the public sees changed since a moment — in every process
//! sharing the database. Response caches are checked against it on each
//! request; requests that ask at the same moment share one read (see
//! [`Latest`]). Draft work moves the log but not that number.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::{DateTime, SubsecRound, Utc};
use entities::change;
use entities::types::{ChangeKind, EntityKind, EventVerb};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect,
};
use tokio::sync::watch;
use uuid::Uuid;

use super::WriteTx;
use crate::error::AppError;

/// One event of the change feed, as a write records it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub entity: EntityKind,
    pub id: Uuid,
    /// The step that made it (kept beside the verb for the history of states).
    pub action: ChangeKind,
    pub verb: EventVerb,
    /// The entity's version after the change.
    pub version: i32,
    pub locale: Option<&'a str>,
    /// The locale it had before, when the change moved it to another.
    pub previous_locale: Option<&'a str>,
    pub actor: Option<Uuid>,
    /// Whether the public can see the change.
    pub public: bool,
}

/// Records an event with the work of `tx`: it is written when `tx`
/// commits, and only then.
pub fn record(tx: &WriteTx, event: Event<'_>) {
    let entry = super::audit_log::of_event(&event);
    let change = change::ActiveModel {
        seq: ActiveValue::NotSet,
        entity: ActiveValue::Set(event.entity),
        entity_id: ActiveValue::Set(event.id),
        action: ActiveValue::Set(event.action),
        version: ActiveValue::Set(event.version),
        at: ActiveValue::Set(now()),
        verb: ActiveValue::Set(event.verb),
        locale: ActiveValue::Set(event.locale.map(str::to_owned)),
        previous_locale: ActiveValue::Set(event.previous_locale.map(str::to_owned)),
        actor: ActiveValue::Set(event.actor),
        public: ActiveValue::Set(event.public),
    };
    tx.push_event(change, entry);
}

/// The current time at the precision both databases store (microseconds),
/// so a value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Reads of the latest sequence number, shared between requests.
///
/// A request needs a read that *began after it arrived*: such a read sees
/// every change committed before the request, in any process. Reads run one
/// at a time; a request that arrives while one is running waits for the next
/// and shares it with everyone else who arrived meanwhile. Under load the
/// database is asked once per round instead of once per request, and no
/// answer is ever older than its request.
///
/// Waiting holds no lock. Through a first-come lock, each waiter in turn
/// held it until its thread ran it: while one server thread was busy with
/// another request, the waiters queued behind its woken one, on every
/// thread, and at 32 connections a list used one core of two. Here a
/// finished read wakes every waiter at once, and one of those it does not
/// serve begins the next.
#[derive(Debug)]
pub struct Latest {
    /// Reads begun so far; a read's ticket is the count once it began.
    begun: AtomicU64,
    /// Whether a read is running.
    reading: AtomicBool,
    /// The ticket and result of the last finished read; every finished
    /// (or abandoned) read is announced here.
    last: watch::Sender<(u64, i64)>,
    /// Every event counts, draft work included (otherwise public events only).
    everything: bool,
}

/// The running read. However its request ends (a client that hangs up
/// drops it midway), it ends the read and wakes the waiters, with its
/// result when it has one: when not, one of them reads.
struct Reading<'a> {
    latest: &'a Latest,
    result: Option<(u64, i64)>,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.latest.reading.store(false, Ordering::SeqCst);
        let result = self.result;
        self.latest.last.send_modify(|last| {
            if let Some(result) = result {
                *last = result;
            }
        });
    }
}

impl Latest {
    fn new(everything: bool) -> Self {
        Self {
            begun: AtomicU64::new(0),
            reading: AtomicBool::new(false),
            last: watch::Sender::new((0, 0)),
            everything,
        }
    }

    /// Reads of the latest public event.
    pub fn public() -> Self {
        Self::new(false)
    }

    /// Reads of the latest event of any kind, draft work included.
    pub fn everything() -> Self {
        Self::new(true)
    }

    /// The latest sequence number, from a read that began after the call.
    pub async fn get(&self, conn: &DatabaseConnection) -> Result<i64, AppError> {
        let condition = if self.everything {
            Condition::all()
        } else {
            Condition::all().add(change::Column::Public.eq(true))
        };
        self.shared(|| max_seq(conn, condition.clone())).await
    }

    /// What `read` answers, from a run of it that began after the call:
    /// this caller's own, or one it shares.
    async fn shared<R>(&self, read: impl Fn() -> R) -> Result<i64, AppError>
    where
        R: Future<Output = Result<i64, AppError>>,
    {
        let arrived = self.begun.load(Ordering::SeqCst);
        let mut finished = self.last.subscribe();
        loop {
            let (ticket, value) = *finished.borrow_and_update();
            if ticket > arrived {
                return Ok(value);
            }
            let idle =
                self.reading
                    .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst);
            if idle.is_ok() {
                let mut reading = Reading {
                    latest: self,
                    result: None,
                };
                let ticket = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
                let value = read().await?;
                reading.result = Some((ticket, value));
                return Ok(value);
            }
            // The running read may have begun before this caller arrived:
            // when it ends, look again (and read, if it did not serve).
            // The sender lives as long as `self`, so the wait ends.
            finished
                .changed()
                .await
                .map_err(|_| AppError::Internal(anyhow::anyhow!("no read announces its end")))?;
        }
    }
}

/// The largest sequence number of the events `condition` selects (0 when
/// there are none).
pub async fn max_seq<C: ConnectionTrait>(conn: &C, condition: Condition) -> Result<i64, AppError> {
    let latest: Option<Option<i64>> = change::Entity::find()
        .filter(condition)
        .select_only()
        .column_as(Expr::col(change::Column::Seq).max(), "latest")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(latest.flatten().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, AtomicUsize};
    use std::time::Duration;

    use super::*;

    /// A database of one number, whose reads are counted.
    #[derive(Default)]
    struct Number {
        value: AtomicI64,
        reads: AtomicUsize,
    }

    impl Number {
        async fn read(&self) -> Result<i64, AppError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            let value = self.value.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(value)
        }
    }

    #[tokio::test]
    async fn an_answer_comes_from_a_read_begun_after_the_call() {
        let latest = Latest::public();
        let number = Number::default();
        for value in 1..=3 {
            number.value.store(value, Ordering::SeqCst);
            assert_eq!(latest.shared(|| number.read()).await.unwrap(), value);
        }
        assert_eq!(number.reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn callers_who_wait_together_share_reads_and_none_is_answered_from_before_it_came() {
        let latest = Arc::new(Latest::public());
        let number = Arc::new(Number::default());
        let mut callers = Vec::new();
        for i in 1..=64 {
            // Each caller's number is written before it asks: its answer
            // must be at least that.
            number.value.fetch_max(i, Ordering::SeqCst);
            let (latest, number) = (latest.clone(), number.clone());
            callers.push(tokio::spawn(async move {
                (i, latest.shared(|| number.read()).await.unwrap())
            }));
        }
        for caller in callers {
            let (written, answer) = caller.await.unwrap();
            assert!(
                answer >= written,
                "asked after {written} was written, answered {answer}"
            );
        }
        let reads = number.reads.load(Ordering::SeqCst);
        assert!(reads < 64, "{reads} reads for 64 callers");
    }

    #[tokio::test]
    async fn a_read_abandoned_midway_leaves_the_next_caller_to_read() {
        let latest = Latest::public();
        let number = Number::default();
        number.value.store(7, Ordering::SeqCst);
        let forever = || std::future::pending::<Result<i64, AppError>>();
        let abandoned = tokio::time::timeout(Duration::from_millis(20), latest.shared(forever));
        let waiting = async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let read = latest.shared(|| number.read());
            tokio::time::timeout(Duration::from_secs(5), read).await
        };
        let (abandoned, waited) = tokio::join!(abandoned, waiting);
        assert!(abandoned.is_err(), "the first read never ends");
        assert_eq!(waited.expect("the waiter was left waiting").unwrap(), 7);
        assert_eq!(number.reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_read_fails_its_caller_only() {
        let latest = Latest::public();
        let failing = || async { Err(AppError::Internal(anyhow::anyhow!("disk on fire"))) };
        assert!(latest.shared(failing).await.is_err());
        let number = Number::default();
        number.value.store(3, Ordering::SeqCst);
        let read = latest.shared(|| number.read());
        let answer = tokio::time::timeout(Duration::from_secs(5), read).await;
        assert_eq!(
            answer.expect("the next caller was left waiting").unwrap(),
            3
        );
    }
}
