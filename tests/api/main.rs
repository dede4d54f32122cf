//! Black-box tests: each test starts the real server on a random port with a
//! fresh database and talks HTTP to it. Set `MASTHEAD_TEST_DATABASE_URL` to
//! run the same suite on PostgreSQL.
#![allow(
    clippy::too_many_lines,
    reason = "a test tells one story from arrange to assert"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is how a test fails"
)]

mod helpers;
mod process;

mod admin_ui;
mod architecture;
pub mod archive;
mod browser;

mod access;
mod articles;
mod audit;
mod authors_and_tags;
mod drift;
mod editors;
mod errors;
pub mod feed;
mod foreign;
mod graphql;
mod graphql_docs;
mod graphql_http;
mod listing;
mod media;
mod operations;
mod properties;
mod readme;
mod reliability;
mod replica;
pub mod revisions;
mod search;
mod sessions;
mod translations;
mod workflow;
