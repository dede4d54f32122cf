//! The change feed and its consumers: the public cache that only public
//! changes empty, delta sync, webhooks and subscriptions.

pub mod cache;
mod processes;
mod receiver;
mod subscriptions;
mod sync;
mod webhooks;
