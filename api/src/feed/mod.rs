//! The change feed: the event log read back by everything that carries
//! content changes out of Masthead — delta sync, webhooks and GraphQL
//! subscriptions — and kept for a configured time. Writers record events
//! (`storage::record_event`) in their own transactions; this module only
//! reads them, and prunes the old ones.

pub mod events;
pub mod live;
mod seal;
pub mod sync;
pub mod webhooks;

use std::sync::Arc;

use chrono::{Duration, Utc};

pub use events::{EventFilter, FeedEvent};
pub use live::{Delivered, Live, Subscribe};
pub use seal::{Sealer, hmac_sha256};
pub use sync::{SyncItem, SyncPage, SyncRequest, Tombstone};

use crate::content::Ctx;
use crate::error::AppError;

/// How the feed is configured.
#[derive(Debug, Clone, Copy)]
pub struct FeedSettings {
    /// Days events are kept (`MASTHEAD_CHANGE_RETENTION_DAYS`).
    pub retention_days: u32,
    /// Whether webhooks may call private addresses (`MASTHEAD_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
    /// Multiplies the webhook retry schedule (`MASTHEAD_WEBHOOK_RETRY_SCALE`).
    pub retry_scale: f64,
}

/// What the feed's readers share: the content context, the sealer of
/// cursors, and the settings.
#[derive(Clone, Debug)]
pub struct Feed {
    /// The content domain (reads as the caller would).
    pub ctx: Ctx,
    cursors: Sealer,
    retention: Duration,
    /// The settings in effect.
    pub settings: FeedSettings,
    /// The broadcast of events to this process's subscribers.
    pub live: Arc<Live>,
}

impl Feed {
    /// A feed over `ctx`; cursors are sealed with a key derived from
    /// `secret` (every process sharing the database has the same one).
    pub fn new(ctx: Ctx, secret: &[u8], settings: FeedSettings) -> Self {
        Self {
            ctx,
            cursors: Sealer::new(secret, "masthead change feed cursor v1"),
            retention: Duration::days(i64::from(settings.retention_days)),
            settings,
            live: Arc::default(),
        }
    }

    /// Removes events older than the retention (but the latest ones, which
    /// the content generations stand on); returns how many went.
    pub async fn prune(&self) -> Result<u64, AppError> {
        events::prune(&self.ctx.db, Utc::now() - self.retention).await
    }
}

impl FeedSettings {
    /// Settings for a command that only reads the feed.
    pub fn defaults() -> Self {
        Self {
            retention_days: 90,
            allow_private: false,
            retry_scale: 1.0,
        }
    }
}
