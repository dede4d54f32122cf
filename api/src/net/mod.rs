//! Calls Masthead makes to other servers on someone's behalf: webhook
//! deliveries, pictures fetched by an import. Every one passes the SSRF
//! guard (`guard`). No database and no HTTP serving here.

mod fetch;
pub mod guard;

use std::time::Duration;

pub use fetch::{Fetched, Fetcher};

/// What went wrong with a call, with its causes, for a log or a report.
pub fn describe(err: &reqwest::Error, timeout: Duration) -> String {
    use std::error::Error as _;
    let mut text = if err.is_timeout() {
        format!("no answer within {} s", timeout.as_secs())
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_redirect() {
        "too many redirects, or one to a forbidden address".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
