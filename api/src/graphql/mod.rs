//! The GraphQL adapter: an async-graphql schema whose resolvers call the
//! same `content` functions as the REST handlers, so validation, errors,
//! permissions, revisions and workflow behave the same. Requests come in
//! through the shared HTTP layer (`http`); this module only executes them.

mod context;
mod error;
pub mod graphiql;
pub mod handler;
mod inputs;
mod loaders;
mod mutation;
mod paging;
mod query;
mod scalars;
mod subscription;
mod types;
pub mod ws;

use async_graphql::Schema;

pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

use crate::config::Config;
use crate::error::AppError;

/// The schema type.
pub type MastheadSchema = Schema<Query, Mutation, Subscription>;

/// Limits that protect the server from expensive documents.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest selection allowed.
    pub max_depth: usize,
    /// Largest complexity allowed (connections count `first` times their nodes).
    pub max_complexity: usize,
    /// Whether introspection queries are answered.
    pub introspection: bool,
    /// Longest query document, in bytes.
    pub max_query_bytes: usize,
    /// How often WebSocket clients are pinged.
    pub ws_ping: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_complexity: 5_000,
            introspection: true,
            max_query_bytes: 64 * 1024,
            ws_ping: std::time::Duration::from_secs(15),
        }
    }
}

impl From<&Config> for Limits {
    /// The limits configured with `MASTHEAD_GRAPHQL_*`.
    fn from(config: &Config) -> Self {
        Self {
            max_depth: config.graphql_max_depth,
            max_complexity: config.graphql_max_complexity,
            introspection: config.graphql_introspection,
            max_query_bytes: config.graphql_max_query_bytes,
            ws_ping: std::time::Duration::from_millis(config.graphql_ws_ping_ms.max(10)),
        }
    }
}

/// The schema with its limits, as the handler runs it.
pub struct Endpoint {
    /// The executable schema.
    pub schema: MastheadSchema,
    /// Its limits.
    pub limits: Limits,
    /// Documents known by their hash (automatic persisted queries).
    pub persisted: handler::PersistedQueries,
}

impl Endpoint {
    /// The endpoint for `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            schema: build_schema(&limits),
            limits,
            persisted: handler::PersistedQueries::default(),
        }
    }

    /// 400 for a document over the size limit.
    fn check_size(&self, document: &str) -> Result<(), AppError> {
        if document.chars().count() > self.limits.max_query_bytes {
            return Err(AppError::bad_field(
                "query",
                format!(
                    "the document is over {} characters",
                    self.limits.max_query_bytes
                ),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Builds the schema with its limits.
pub fn build_schema(limits: &Limits) -> MastheadSchema {
    let mut builder = Schema::build(Query, Mutation, Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity);
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema in SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    let mut text = build_schema(&Limits::default()).sdl();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}
