//! Work the server does besides answering: the workflow scheduler, the
//! SQLite checkpointer and planner statistics, the pruning of the change
//! log, and webhook deliveries. All stop when told to, except the one-off
//! refresh of the statistics.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};

use crate::content::{Ctx, article};
use crate::feed::Feed;
use crate::feed::webhooks::deliver::{self, CLAIM_BATCH, Sender};
use crate::feed::webhooks::{Objects, dispatch};
use crate::identity::{Identity, audit_log};
use crate::storage;

/// Webhook attempts one process makes at once.
const ATTEMPTS_IN_FLIGHT: usize = 32;

/// How often the change log is read for this process's subscribers.
const LIVE_INTERVAL: Duration = Duration::from_millis(200);

/// How often old events are pruned from the change log.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// How often the SQLite log is copied into the database while writes come in.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(200);

/// Runs the workflow scheduler every `interval` until told to stop. Its state
/// is in the database, so a restart loses nothing and several processes can
/// run it at once (see `content::article::run_schedule`).
pub fn spawn_scheduler(ctx: Ctx, interval: Duration, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
            match article::run_schedule(&ctx).await {
                Ok(0) => {}
                Ok(changed) => {
                    tracing::info!(changed, "the scheduler published or took down articles")
                }
                Err(err) => tracing::warn!(error = %err, "the scheduler could not run"),
            }
        }
    });
}

/// Refreshes SQLite's planner statistics once, in the background: on a
/// large database `PRAGMA optimize` counts the rows of the tables it
/// checks, which would otherwise hold up the first answer (see
/// `storage::optimize`). Until it is done, the statistics of the last
/// `ANALYZE` stand.
pub fn spawn_statistics(db: storage::Db) {
    tokio::spawn(async move {
        if let Err(err) = storage::optimize(&db).await {
            tracing::warn!(error = %err, "could not refresh the planner statistics");
        }
    });
}

/// Checkpoints the SQLite log in the background whenever writes were
/// committed since the last time (see `storage::checkpoint`).
pub fn spawn_checkpointer(db: storage::Db, mut stop: watch::Receiver<bool>) {
    if db.group_commits().is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut seen = 0;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(CHECKPOINT_INTERVAL) => {}
                _ = stop.changed() => break,
            }
            let (_, commits) = db.group_commits().unwrap_or_default();
            if commits == seen {
                continue;
            }
            seen = commits;
            if let Err(err) = storage::checkpoint(&db).await {
                tracing::warn!(error = %err, "could not checkpoint the database log");
            }
        }
    });
}

/// Prunes the change log and the audit log of what is older than their
/// retentions, at start and then every hour (any process may; the work is
/// idempotent).
pub fn spawn_pruner(
    feed: Feed,
    (identity, audit_days): (Identity, u32),
    mut stop: watch::Receiver<bool>,
) {
    tokio::spawn(async move {
        loop {
            match feed.prune().await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "pruned old events from the change log"),
                Err(err) => tracing::warn!(error = %err, "could not prune the change log"),
            }
            match audit_log::prune(&identity, audit_days).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "pruned old entries from the audit log"),
                Err(err) => tracing::warn!(error = %err, "could not prune the audit log"),
            }
            tokio::select! {
                _ = tokio::time::sleep(PRUNE_INTERVAL) => {}
                _ = stop.changed() => break,
            }
        }
    });
}

/// Every `interval`: fans new events out into webhook deliveries, then
/// claims due deliveries and attempts them, each in a task of its own (at
/// most 32 at once), so a slow endpoint holds up no other.
pub fn spawn_webhooks(
    feed: Feed,
    sender: Sender,
    objects: Arc<dyn Objects>,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(ATTEMPTS_IN_FLIGHT));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => break,
            }
            if let Err(err) = dispatch::dispatch(&feed, &*objects).await {
                tracing::warn!(error = %err, "could not queue webhook deliveries");
            }
            let room = permits.available_permits().min(CLAIM_BATCH as usize);
            if room == 0 {
                continue;
            }
            let claimed = match deliver::claim(&feed, room as u64).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::warn!(error = %err, "could not claim webhook deliveries");
                    continue;
                }
            };
            for one in claimed {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    break;
                };
                let (feed, sender) = (feed.clone(), sender.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    if let Err(err) = deliver::attempt(&feed, &sender, one).await {
                        tracing::warn!(error = %err, "could not record a webhook attempt");
                    }
                });
            }
        }
    });
}

/// Reads the change log for this process's subscribers every 200 ms (see
/// `feed::live`): events of every process arrive within a poll.
pub fn spawn_live(feed: Feed, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(LIVE_INTERVAL) => {}
                _ = stop.changed() => break,
            }
            if let Err(err) = feed.live.poll(&feed).await {
                tracing::warn!(error = %err, "could not read the change log for subscribers");
            }
        }
    });
}
