//! The GraphQL adapter: an async-graphql schema whose resolvers call the
//! same `content` functions as the REST handlers, so validation, errors,
//! permissions, revisions and workflow behave the same.

mod error;
pub mod handler;
mod mutation;
mod query;
mod scalars;
mod types;

use async_graphql::{EmptySubscription, Schema};

pub use mutation::Mutation;
pub use query::Query;

/// The schema type.
pub type MastheadSchema = Schema<Query, Mutation, EmptySubscription>;

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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 16,
            max_complexity: 5_000,
            introspection: true,
            max_query_bytes: 64 * 1024,
        }
    }
}

/// Builds the schema with its limits.
pub fn build_schema(limits: &Limits) -> MastheadSchema {
    let mut builder = Schema::build(Query, Mutation, EmptySubscription)
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
