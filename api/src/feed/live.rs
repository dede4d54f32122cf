//! Live events for subscribers. One poller per process reads the change log
//! (written by any process sharing the database) and broadcasts each event
//! once; every subscription first replays from its position out of the
//! database, then follows the broadcast, skipping what it has seen — so no
//! event is lost between the two, and a subscriber that falls behind the
//! broadcast catches up from the database again. Without subscribers the
//! poller asks nothing; the first one sets where it starts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures_util::Stream;
use tokio::sync::broadcast::{self, error::RecvError};

use super::events::{self, EventFilter, PRUNED};
use super::sync;
use super::{Feed, FeedEvent};
use crate::auth::Principal;
use crate::error::AppError;

/// Events a slow subscriber may be behind before it reads from the database.
const BUFFER: usize = 1024;
/// Events read at once.
const BATCH: u64 = 500;

/// The broadcast of the change log in this process.
#[derive(Debug)]
pub struct Live {
    sender: broadcast::Sender<Arc<FeedEvent>>,
    /// The last event broadcast; `None` while nobody listens.
    position: Mutex<Option<i64>>,
}

impl Default for Live {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUFFER).0,
            position: Mutex::new(None),
        }
    }
}

impl Live {
    /// One round of the poller: broadcasts the events after the last one
    /// broadcast; while nobody listens, does nothing.
    pub async fn poll(&self, feed: &Feed) -> Result<(), AppError> {
        let from = {
            let mut position = self.position();
            if self.sender.receiver_count() == 0 {
                *position = None;
            }
            *position
        };
        let Some(mut from) = from else {
            return Ok(());
        };
        loop {
            let batch =
                events::after(feed.ctx.db.conn(), from, &EventFilter::default(), BATCH).await?;
            let full = batch.len() as u64 == BATCH;
            for event in batch {
                from = event.seq;
                // Nobody listening any more is not an error.
                let _ = self.sender.send(Arc::new(event));
                let mut position = self.position();
                *position = Some(position.map_or(from, |p| p.max(from)));
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Listens from now on: an idle broadcast starts at `now`, the end of
    /// the log read just before (each subscriber reads what lies before
    /// from the log itself, so one resuming from long ago holds up no other).
    fn listen(&self, now: i64) -> broadcast::Receiver<Arc<FeedEvent>> {
        let mut position = self.position();
        let receiver = self.sender.subscribe();
        if position.is_none() {
            *position = Some(now);
        }
        receiver
    }

    fn position(&self) -> std::sync::MutexGuard<'_, Option<i64>> {
        // The guarded value is a number: a panic elsewhere leaves it whole.
        self.position
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// What a subscription asks for.
#[derive(Debug, Clone, Default)]
pub struct Subscribe {
    /// Kinds by name (`articles`, `authors`, `tags`); none means all.
    pub types: Option<Vec<String>>,
    /// A cursor (of a sync page or an earlier event) to replay from; none:
    /// from now on.
    pub since: Option<String>,
}

/// One event for a subscriber, with the cursor to resume after it.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub event: FeedEvent,
    /// Give it as `since` to resume after this event.
    pub cursor: String,
    /// Whether the subscriber reads working copies.
    pub working: bool,
}

/// The events `principal` may see, from `since` (replayed from the log)
/// and then as they happen, in log order.
pub async fn subscribe(
    feed: &Feed,
    principal: &Principal,
    request: Subscribe,
) -> Result<impl Stream<Item = Result<Delivered, AppError>> + use<>, AppError> {
    let working = sync::reads_working(feed, principal)?;
    let types = sync::kind_names_or_all(request.types.as_deref())?;
    let conn = feed.ctx.db.conn();
    let now = events::last_seq(conn).await?;
    let from = match request.since {
        Some(cursor) => {
            let seq = sync::position_in(feed, &cursor, "since", working)?;
            let pruned = events::mark(conn, PRUNED).await?;
            if seq < pruned {
                return Err(AppError::ResyncRequired {
                    detail: format!("events up to {pruned} were pruned; the cursor is at {seq}"),
                });
            }
            seq
        }
        None => now,
    };
    let filter = EventFilter {
        kinds: sync::kinds_of(&types)?,
        locale: None,
        public_only: !working,
    };
    // Listening starts before the replay, so nothing falls in between.
    let receiver = feed.live.listen(now);
    let state = Following {
        feed: feed.clone(),
        filter,
        types,
        working,
        last: from,
        queue: VecDeque::new(),
        replaying: true,
        failed: false,
        receiver,
    };
    Ok(futures_util::stream::unfold(state, Following::next))
}

struct Following {
    feed: Feed,
    filter: EventFilter,
    types: Vec<String>,
    working: bool,
    /// The last event given (or passed over).
    last: i64,
    queue: VecDeque<FeedEvent>,
    replaying: bool,
    /// The log could not be read: the error was given, the stream ends.
    failed: bool,
    receiver: broadcast::Receiver<Arc<FeedEvent>>,
}

impl Following {
    async fn next(mut self) -> Option<(Result<Delivered, AppError>, Self)> {
        if self.failed {
            return None;
        }
        loop {
            if let Some(event) = self.queue.pop_front() {
                self.last = event.seq;
                let cursor = sync::cursor_at(&self.feed, self.working, &self.types, event.seq);
                let working = self.working;
                return Some((
                    Ok(Delivered {
                        event,
                        cursor,
                        working,
                    }),
                    self,
                ));
            }
            if self.replaying {
                let conn = self.feed.ctx.db.conn();
                match events::after(conn, self.last, &self.filter, BATCH).await {
                    Ok(batch) => {
                        self.replaying = batch.len() as u64 == BATCH;
                        self.queue.extend(batch);
                    }
                    // The subscriber is told, and resumes from its last cursor.
                    Err(err) => {
                        self.failed = true;
                        return Some((Err(err), self));
                    }
                }
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) if event.seq > self.last && self.filter.accepts(&event) => {
                    self.queue.push_back(FeedEvent::clone(&event));
                }
                Ok(event) => self.last = self.last.max(event.seq),
                // Fallen behind the broadcast: read the rest from the log.
                Err(RecvError::Lagged(_)) => self.replaying = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }
}
