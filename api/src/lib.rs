//! Masthead: a headless CMS for articles, authors and tags.
//!
//! Layers, outside in: `rest` (HTTP adapter) → `content` (the domain, the
//! only layer with SQL) → `entities` (storage shape); `auth` holds the pure
//! parts of access control (roles, tokens, the permission table). See `docs/architecture.md`.

pub mod app;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod graphql;
pub mod rest;
pub mod telemetry;
