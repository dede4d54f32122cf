//! Write transactions, and group commit on SQLite.
//!
//! SQLite takes one writer at a time and makes each commit durable with an
//! fsync of its log, which costs more than the statements of a typical edit.
//! Writers therefore queue on one slot ([`WriteGate`]); the transaction that
//! holds it stays open while others are waiting, each writer's statements go
//! in a savepoint of it, and the last one in the queue commits them all with
//! one fsync. Every writer still answers only after the commit that carries
//! its work, so an acknowledged write is a durable one; a writer whose
//! statements fail rolls back its savepoint alone. The moves of SQLite's
//! full-text indexes wait for the group's commit ([`super::moves`]).
//!
//! PostgreSQL writers run their own transactions side by side (the server
//! groups commits itself), so there the gate is absent.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use entities::{audit_event, change};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::error::is_busy;
use super::moves::Moves;
use crate::error::AppError;

/// The PostgreSQL advisory lock that orders the change log's writers.
const EVENT_LOCK: i64 = 0x4d41_5354_4845_4144; // "MASTHEAD"

/// Writers that share one commit at most.
const MAX_GROUP: usize = 64;

/// How a shared commit ended, as told to each writer in it.
type Outcome = Result<(), Arc<DbErr>>;

/// The SQLite writer slot, with the transaction it keeps open for a group.
#[derive(Default)]
pub struct WriteGate {
    slot: Arc<Mutex<Option<Group>>>,
    /// Writers waiting for the slot to start their work (not those waiting
    /// for their group's commit).
    queued: AtomicUsize,
    /// Writes committed, and the commits that carried them.
    writes: AtomicU64,
    commits: AtomicU64,
}

impl WriteGate {
    /// Writes committed so far, and the (fewer) commits that carried them.
    pub fn committed(&self) -> (u64, u64) {
        (
            self.writes.load(Ordering::Relaxed),
            self.commits.load(Ordering::Relaxed),
        )
    }
}

impl fmt::Debug for WriteGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteGate")
            .field("queued", &self.queued.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// An open transaction and the writers whose work in it awaits the commit,
/// with the index moves of that work.
struct Group {
    txn: DatabaseTransaction,
    members: Vec<oneshot::Sender<Outcome>>,
    moves: Moves,
}

type Slot = OwnedMutexGuard<Option<Group>>;

/// Counts a writer as queued until it holds the slot or gives up.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What a write needs of the full-text indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// Nothing: its own moves wait for the commit like the others'.
    Deferred,
    /// To see them in step with their documents, because it moves the
    /// words of many documents at once from what the documents hold (a
    /// rebuild): the open group, whose moves wait, is committed first.
    Settled,
}

/// Starts a write transaction: on SQLite a savepoint in the group's
/// transaction (`BEGIN IMMEDIATE`, so reads before writes never need a lock
/// upgrade), on PostgreSQL a transaction of its own.
pub async fn begin(
    conn: &DatabaseConnection,
    gate: Option<&Arc<WriteGate>>,
    index: Index,
) -> Result<WriteTx, AppError> {
    let Some(gate) = gate else {
        let txn = conn.begin().await?;
        return Ok(WriteTx {
            txn,
            slot: Held(None),
            gate: None,
            events: std::sync::Mutex::default(),
            moves: std::sync::Mutex::default(),
        });
    };
    // The savepoint is opened in a task of its own: abandoned half-way
    // (the request went away), it would leave the connection's nesting out
    // of step with what the transactions above it believe. Abandoned, the
    // task still ends, and dropping its result rolls back what it opened.
    let (conn, gate) = (conn.clone(), gate.clone());
    tokio::spawn(async move { enter(&conn, gate, index).await })
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("write task failed: {err}")))?
}

/// Takes the slot and opens a savepoint in its group (opening the group's
/// transaction first if none is open).
async fn enter(
    conn: &DatabaseConnection,
    gate: Arc<WriteGate>,
    index: Index,
) -> Result<WriteTx, AppError> {
    let mut slot = {
        let _queued = Queued::new(&gate.queued);
        gate.slot.clone().lock_owned().await
    };
    if index == Index::Settled && slot.as_ref().is_some_and(|group| !group.moves.is_empty()) {
        // How it went is the group's writers' news, not this writer's.
        let _ = commit_group(&gate, &mut slot, false).await;
    }
    let group = match &mut *slot {
        Some(group) => group,
        None => {
            let options = TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            };
            let txn = conn.begin_with_options(options).await?;
            slot.insert(Group {
                txn,
                members: Vec::new(),
                moves: Moves::default(),
            })
        }
    };
    let begun = group.txn.begin().await;
    let slot = Held(Some(slot));
    Ok(WriteTx {
        // On failure `slot` rolls the group back if it holds nothing else.
        txn: begun?,
        slot,
        gate: Some(gate),
        events: std::sync::Mutex::default(),
        moves: std::sync::Mutex::default(),
    })
}

/// A write transaction; dropping it without [`WriteTx::commit`] rolls back
/// its work (and only its work).
pub struct WriteTx {
    // Dropped first: the savepoint's rollback is queued on the connection
    // before the group's own (see `Held`).
    txn: DatabaseTransaction,
    slot: Held,
    gate: Option<Arc<WriteGate>>,
    /// Events of the change log with their audit-log entries, written last
    /// (see [`WriteTx::commit`]).
    events: std::sync::Mutex<Vec<(change::ActiveModel, audit_event::ActiveModel)>>,
    /// Its moves of the full-text indexes, run just before the commit of
    /// its group (or its own).
    moves: std::sync::Mutex<Moves>,
}

/// The writer slot while a writer holds it; let go without a commit, it
/// rolls back the group's transaction when no other writer's work is in it.
struct Held(Option<Slot>);

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(slot) = self.0.as_mut() {
            abandon_if_alone(slot);
        }
    }
}

impl WriteTx {
    /// The transaction's moves of the full-text indexes, to add to.
    pub fn moves(&self) -> std::sync::MutexGuard<'_, Moves> {
        // A panic while holding the lock leaves moves that are still whole.
        self.moves
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds an event to the change log, and its entry to the audit log,
    /// with the transaction's work.
    pub(super) fn push_event(&self, event: change::ActiveModel, entry: audit_event::ActiveModel) {
        if let Ok(mut events) = self.events.lock() {
            events.push((event, entry));
        }
    }

    /// Commits the transaction's work and returns once it is durable.
    ///
    /// Its events are written last, and on PostgreSQL under a lock held
    /// until the commit: sequence numbers are then handed out in commit
    /// order, so a reader that has seen event `n` has seen every event
    /// before it, and nothing waits for a row lock while holding that lock.
    ///
    /// The commit runs as a task of its own, so that a request abandoned
    /// meanwhile cannot cut it short: neither the release of its savepoint
    /// nor the commit of (or the wait for) its group.
    pub async fn commit(self) -> Result<(), AppError> {
        tokio::spawn(self.commit_here())
            .await
            .map_err(|err| AppError::Internal(anyhow::anyhow!("commit task failed: {err}")))?
    }

    async fn commit_here(self) -> Result<(), AppError> {
        let WriteTx {
            txn,
            mut slot,
            gate,
            events,
            moves,
        } = self;
        let mut moves = moves
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (events, entries): (Vec<_>, Vec<_>) =
            events.into_inner().unwrap_or_default().into_iter().unzip();
        if !events.is_empty() {
            audit_event::Entity::insert_many(entries)
                .exec_without_returning(&txn)
                .await?;
            if txn.get_database_backend() == DatabaseBackend::Postgres {
                txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({EVENT_LOCK})"))
                    .await?;
            }
            change::Entity::insert_many(events)
                .exec_without_returning(&txn)
                .await?;
        }
        if slot.0.is_none() {
            // A transaction of its own: its moves go before its commit.
            std::mem::take(&mut moves).run(&txn).await?;
        }
        txn.commit().await?;
        let (Some(mut slot), Some(gate)) = (slot.0.take(), gate) else {
            return Ok(());
        };
        let Some(group) = slot.as_mut() else {
            return Err(AppError::Internal(anyhow::anyhow!(
                "a write outlived its group"
            )));
        };
        group.moves.extend(moves);
        if gate.queued.load(Ordering::SeqCst) == 0 || group.members.len() >= MAX_GROUP {
            return finish(gate, slot, true).await;
        }
        // Others are queued: leave the group open for them and wait for
        // whichever of them commits it.
        let (sender, receiver) = oneshot::channel();
        group.members.push(sender);
        drop(slot);
        await_commit(gate, receiver).await
    }
}

/// Waits for the commit of a group this writer left open; should the slot
/// come round with the group still open (nobody else committed it), commits
/// it.
async fn await_commit(
    gate: Arc<WriteGate>,
    mut receiver: oneshot::Receiver<Outcome>,
) -> Result<(), AppError> {
    tokio::select! {
        biased;
        outcome = &mut receiver => told(outcome),
        slot = gate.slot.clone().lock_owned() => {
            // A group is committed (and its writers told) before its slot
            // is let go, so if nothing was said the group is still open.
            if let Ok(outcome) = receiver.try_recv() {
                return told(Ok(outcome));
            }
            finish(gate, slot, false).await?;
            told(receiver.await)
        }
    }
}

/// Commits the open group and tells its writers how it went; `own` says
/// the committing writer's work is in the group without being a member.
async fn finish(gate: Arc<WriteGate>, mut slot: Slot, own: bool) -> Result<(), AppError> {
    let outcome = commit_group(&gate, &mut slot, own).await;
    drop(slot);
    outcome.map_err(shared_error)
}

/// Runs the open group's index moves and commits it (or, should a move
/// fail, rolls it all back), then tells its writers how it went.
async fn commit_group(gate: &WriteGate, slot: &mut Slot, own: bool) -> Outcome {
    let Some(Group {
        txn,
        members,
        moves,
    }) = slot.take()
    else {
        return Ok(());
    };
    let outcome: Outcome = match moves.run(&txn).await {
        Ok(()) => txn.commit().await.map_err(Arc::new),
        // Dropping the transaction rolls it back.
        Err(err) => Err(Arc::new(err)),
    };
    if outcome.is_ok() {
        let writes = members.len() as u64 + u64::from(own);
        gate.writes.fetch_add(writes, Ordering::Relaxed);
        gate.commits.fetch_add(1, Ordering::Relaxed);
    }
    for member in members {
        // A writer that went away meanwhile needs no answer.
        let _ = member.send(outcome.clone());
    }
    outcome
}

fn told(outcome: Result<Outcome, oneshot::error::RecvError>) -> Result<(), AppError> {
    match outcome {
        Ok(outcome) => outcome.map_err(shared_error),
        Err(_) => Err(AppError::Internal(anyhow::anyhow!(
            "a write group was dropped before its commit"
        ))),
    }
}

fn shared_error(err: Arc<DbErr>) -> AppError {
    if is_busy(&err) {
        AppError::Unavailable
    } else {
        AppError::Internal(anyhow::anyhow!("commit failed: {err}"))
    }
}

/// Rolls back the group's transaction when no other writer's work is in it.
fn abandon_if_alone(slot: &mut Slot) {
    if slot.as_ref().is_some_and(|group| group.members.is_empty()) {
        // Dropping the transaction rolls it back; the next writer's
        // `BEGIN IMMEDIATE` waits for that to happen.
        slot.take();
    }
}

impl Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}
