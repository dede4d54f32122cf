//! The HTTP layer both adapters stand on: the state handlers reach, the
//! caller behind a request, JSON bodies, query strings, preconditions,
//! answers with their ETags, the shared cache of public answers, where reads
//! go when there are replicas, where a request comes from (for the audit log), and the problem+json rendering of errors. REST and GraphQL differ only above it.

pub mod answer;
pub mod body;
pub mod cache;
pub mod caller;
pub mod origin;
mod problem;
pub mod query;
pub mod reads;
pub mod stamp;

use crate::config::Config;
use crate::content::Ctx;
use crate::feed::Feed;
use crate::identity::Identity;

pub use answer::{IfMatch, Rendered};
pub use body::{JsonBody, Object, parse_json};
pub use caller::Caller;

/// What every handler can reach.
pub struct AppState {
    /// The content domain.
    pub ctx: Ctx,
    /// Accounts, sessions and keys.
    pub identity: Identity,
    /// The change feed (sync, webhooks, subscriptions).
    pub feed: Feed,
    /// The configuration in effect.
    pub config: Config,
    /// Answers to public reads, kept while content is unchanged.
    pub cache: cache::ResponseCache,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Response headers a browser client may read across origins.
pub const EXPOSED_HEADERS: &str =
    "ETag, Location, Link, X-Total-Count, Content-Range, X-Request-Id";
