//! Property tests: whatever bytes a client puts in a cursor, a sort, a
//! filter, an ETag, a GraphQL query or a Markdown body, the server answers
//! with a result or a problem — never a 5xx, never a dropped connection.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use reqwest::Method;
use reqwest::header::HeaderValue;
use serde_json::json;

use crate::helpers::{TestApp, header, id_of};

/// List parameters a client may send, each tried with arbitrary values.
const LIST_PARAMETERS: [&str; 18] = [
    "cursor",
    "sort",
    "author",
    "tag",
    "locale",
    "state",
    "published_after",
    "q",
    "fields",
    "include",
    "formats",
    "page",
    "per_page",
    "limit",
    "_start",
    "_sort",
    "filter",
    "range",
];

/// One request built from arbitrary bytes.
#[derive(Debug, Clone)]
enum Probe {
    ListParameter(usize, Vec<u8>),
    IfMatch(Vec<u8>),
    IfNoneMatch(Vec<u8>),
    SyncCursor(Vec<u8>),
    GraphqlGet(Vec<u8>),
    JsonBody(Vec<u8>),
    Markdown(String),
}

fn probes() -> impl Strategy<Value = Probe> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..64);
    prop_oneof![
        (0..LIST_PARAMETERS.len(), bytes()).prop_map(|(i, b)| Probe::ListParameter(i, b)),
        bytes().prop_map(Probe::IfMatch),
        bytes().prop_map(Probe::IfNoneMatch),
        bytes().prop_map(Probe::SyncCursor),
        bytes().prop_map(Probe::GraphqlGet),
        bytes().prop_map(Probe::JsonBody),
        any::<String>().prop_map(Probe::Markdown),
        "[#*_`>\\[\\]()!|~\\-+0-9a-zé« »\n ]{0,200}".prop_map(Probe::Markdown),
    ]
}

/// The query-string form of arbitrary bytes.
fn encoded(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("%{b:02X}")).collect()
}

async fn answer(app: &TestApp, article: &str, probe: &Probe) -> Result<(), TestCaseError> {
    let request = match probe {
        Probe::ListParameter(i, bytes) => app.request(
            Method::GET,
            &format!(
                "/api/v1/articles?{}={}",
                LIST_PARAMETERS[*i],
                encoded(bytes)
            ),
        ),
        Probe::IfMatch(bytes) | Probe::IfNoneMatch(bytes) => {
            let Ok(value) = HeaderValue::from_bytes(bytes) else {
                return Ok(());
            };
            let (method, name) = match probe {
                Probe::IfMatch(_) => (Method::PATCH, "if-match"),
                _ => (Method::GET, "if-none-match"),
            };
            app.request(method, &format!("/api/v1/articles/{article}"))
                .header(name, value)
                .json(&json!({"subtitle": "x"}))
        }
        Probe::SyncCursor(bytes) => app.request(
            Method::GET,
            &format!("/api/v1/sync?cursor={}", encoded(bytes)),
        ),
        Probe::GraphqlGet(bytes) => {
            app.anonymous(Method::GET, &format!("/graphql?query={}", encoded(bytes)))
        }
        Probe::JsonBody(bytes) => app
            .request(Method::POST, "/api/v1/articles")
            .header("content-type", "application/json")
            .body(bytes.clone()),
        Probe::Markdown(text) => app
            .request(Method::PATCH, &format!("/api/v1/articles/{article}"))
            .json(&json!({"body": text})),
    };
    let response = request
        .send()
        .await
        .map_err(|err| TestCaseError::fail(format!("no answer: {err}")))?;
    let status = response.status().as_u16();
    let content_type = header(&response, "content-type").unwrap_or_default();
    prop_assert!(status < 500, "{probe:?}: {status}");
    if status >= 400 && !matches!(probe, Probe::GraphqlGet(_)) {
        prop_assert_eq!(&content_type, "application/problem+json", "{:?}", probe);
    }
    if let Probe::Markdown(_) = probe {
        prop_assert_eq!(status, 200);
        // Every derived format of the stored body renders.
        let read = app
            .request(
                Method::GET,
                &format!("/api/v1/articles/{article}?formats=html,text,ast"),
            )
            .send()
            .await
            .map_err(|err| TestCaseError::fail(format!("no answer: {err}")))?;
        prop_assert_eq!(read.status().as_u16(), 200);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_bytes_get_a_result_or_a_problem_never_a_server_error() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Autrice").await);
    let article = id_of(
        &app.create_article(json!({"title": "Cible", "author_ids": [author]}))
            .await,
    );
    let handle = tokio::runtime::Handle::current();
    let probing = app.clone();
    tokio::task::spawn_blocking(move || {
        // The same cases on every run, so CI is repeatable.
        let config = Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
        let mut runner = TestRunner::new_with_rng(config, rng);
        runner
            .run(&probes(), |probe| {
                handle.block_on(answer(&probing, &article, &probe))
            })
            .unwrap();
    })
    .await
    .unwrap();
}
