//! Schema migrations. Every migration runs unchanged on SQLite and PostgreSQL.
//! A shipped migration never changes, so each stays one readable sequence of
//! statements, however long.
#![allow(
    clippy::too_many_lines,
    reason = "a shipped migration is never reshaped: its statements stay as they ran"
)]

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_content;
mod m20261126_000002_access;
mod m20261126_000003_history;
mod m20261126_000004_changes;
mod m20261130_000005_events;
mod m20261130_000006_webhooks;
mod m20261201_000007_assets;
mod m20261202_000008_search;
mod m20261203_000009_translations;
mod m20261204_000010_search_lean;
mod m20261205_000011_search_ranges;
mod m20261206_000012_link_sort_keys;
mod m20261207_000013_article_source;
mod m20261208_000014_jobs;
mod m20261209_000015_editors;
mod m20261210_000016_link_order;
mod m20261211_000017_search_titles;
mod m20261212_000018_search_title_inline;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_content::Migration),
            Box::new(m20261126_000002_access::Migration),
            Box::new(m20261126_000003_history::Migration),
            Box::new(m20261126_000004_changes::Migration),
            Box::new(m20261130_000005_events::Migration),
            Box::new(m20261130_000006_webhooks::Migration),
            Box::new(m20261201_000007_assets::Migration),
            Box::new(m20261202_000008_search::Migration),
            Box::new(m20261203_000009_translations::Migration),
            Box::new(m20261204_000010_search_lean::Migration),
            Box::new(m20261205_000011_search_ranges::Migration),
            Box::new(m20261206_000012_link_sort_keys::Migration),
            Box::new(m20261207_000013_article_source::Migration),
            Box::new(m20261208_000014_jobs::Migration),
            Box::new(m20261209_000015_editors::Migration),
            Box::new(m20261210_000016_link_order::Migration),
            Box::new(m20261211_000017_search_titles::Migration),
            Box::new(m20261212_000018_search_title_inline::Migration),
        ]
    }
}
