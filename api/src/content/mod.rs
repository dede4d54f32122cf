//! The domain: articles, authors and tags, and the rules they obey.
//!
//! This is the only layer that talks to the database. The REST and GraphQL
//! adapters call these functions and never hold SQL or business rules, so
//! both get the same validation, errors and behaviour.

pub mod accounts;
pub mod article;
pub mod author;
pub mod changes;
mod ctx;
pub mod diff;
pub mod page;
pub mod revision;
pub mod seed;
pub mod slug;
mod store;
pub mod tag;
pub mod text;
pub mod validate;
pub mod workflow;
mod write;

pub use ctx::{Ctx, Key, Patch, Settings, WriteTx, now};
