//! The change feed: the event log read back by everything that carries
//! content changes out of Masthead — delta sync, webhooks and GraphQL
//! subscriptions — and kept for a configured time. Writers record events
//! (`storage::record_event`) in their own transactions; this module only
//! reads them, and prunes the old ones.

pub mod events;
mod seal;
pub mod sync;

use chrono::{Duration, Utc};

pub use events::{EventFilter, FeedEvent};
pub use seal::{Sealer, hmac_sha256};
pub use sync::{SyncItem, SyncPage, SyncRequest, Tombstone};

use crate::content::Ctx;
use crate::error::AppError;

/// What the feed's readers share: the content context, the sealer of
/// cursors, and how long the log is kept.
#[derive(Clone, Debug)]
pub struct Feed {
    /// The content domain (reads as the caller would).
    pub ctx: Ctx,
    cursors: Sealer,
    retention: Duration,
}

impl Feed {
    /// A feed over `ctx`; cursors are sealed with a key derived from
    /// `secret` (every process sharing the database has the same one), and
    /// events are kept `retention_days`.
    pub fn new(ctx: Ctx, secret: &[u8], retention_days: u32) -> Self {
        Self {
            ctx,
            cursors: Sealer::new(secret, "masthead change feed cursor v1"),
            retention: Duration::days(i64::from(retention_days)),
        }
    }

    /// Removes events older than the retention (but the latest ones, which
    /// the content generations stand on); returns how many went.
    pub async fn prune(&self) -> Result<u64, AppError> {
        events::prune(&self.ctx.db, Utc::now() - self.retention).await
    }
}
