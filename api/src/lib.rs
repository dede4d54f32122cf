//! Masthead: a headless CMS for articles, authors and tags.
//!
//! Layers, outside in: `app` wires everything; `rest` and `graphql` are the
//! adapters, standing on the shared `http` layer; `content` is the domain
//! and `identity` the accounts, both on `storage` (the database) and `auth`
//! (the pure rules of access); `feed` carries content changes out (sync,
//! webhooks, subscriptions). `entities` holds the storage shape. See
//! `docs/architecture.md`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod content;
pub mod error;
pub mod feed;
pub mod graphql;
pub mod http;
pub mod identity;
pub mod media;
pub mod net;
pub mod rest;
pub mod storage;
pub mod telemetry;
