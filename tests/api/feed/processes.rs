//! Webhooks across processes: deliveries outlive a killed server, and
//! several servers on one database deliver each event to each endpoint once.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::json;

use super::receiver::{Receiver, Reply};
use crate::helpers::TestDatabase;
use crate::process::{Api, Process, serve_env};

const WEBHOOKS: [(&str, &str); 2] = [
    ("MASTHEAD_WEBHOOK_ALLOW_PRIVATE", "true"),
    ("MASTHEAD_WEBHOOK_INTERVAL_MS", "10"),
];

#[tokio::test]
async fn a_server_killed_with_deliveries_pending_delivers_them_after_a_restart() {
    let database = TestDatabase::create().await;
    let receiver = Receiver::start();
    receiver.otherwise(Reply::status(500));
    // The first retry comes 2 s after a failure.
    let env = serve_env(
        &database,
        &[
            WEBHOOKS[0],
            WEBHOOKS[1],
            ("MASTHEAD_WEBHOOK_RETRY_SCALE", "0.4"),
        ],
    );
    let (server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    let hook = api
        .post(
            "/webhooks",
            json!({"url": receiver.url, "events": ["author.created"]}),
        )
        .await;
    let hook = hook["id"].as_str().unwrap().to_owned();
    api.post("/authors", json!({"name": "Survivante"})).await;
    let first = receiver.wait_for(1).await;
    // Once the failed attempt is recorded, the server dies.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = api.get(&format!("/webhooks/{hook}/deliveries")).await;
        if log["data"][0]["attempts"] == 1 {
            assert_eq!(log["data"][0]["status"], "pending");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the attempt was never recorded: {log}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(server);
    receiver.otherwise(Reply::status(200));

    let (_server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base).await;
    let received = receiver.wait_for(2).await;
    assert_eq!(
        received[1].id, first[0].id,
        "the same delivery, attempted again"
    );
    assert_eq!(received[1].body, first[0].body);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = api.get(&format!("/webhooks/{hook}/deliveries")).await;
        if log["data"][0]["status"] == "succeeded" {
            assert_eq!(log["data"][0]["attempts"], 2);
            break;
        }
        assert!(Instant::now() < deadline, "never recorded: {log}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_processes_on_one_database_deliver_each_event_to_each_endpoint_once() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &WEBHOOKS);
    let (_first, first_base) = Process::serve(&database, &env);
    let (_second, second_base) = Process::serve(&database, &env);
    let apis = [
        Api::sign_in(first_base).await,
        Api::sign_in(second_base).await,
    ];
    let receivers = [Receiver::start(), Receiver::start()];
    for receiver in &receivers {
        apis[0]
            .post(
                "/webhooks",
                json!({"url": receiver.url, "events": ["article.published"]}),
            )
            .await;
    }
    let author = apis[1].post("/authors", json!({"name": "Double"})).await;
    const ARTICLES: usize = 20;
    for n in 0..ARTICLES {
        apis[n % 2]
            .post(
                "/articles",
                json!({"title": format!("Publié {n}"), "author_ids": [author["id"]], "state": "published"}),
            )
            .await;
    }
    for receiver in &receivers {
        receiver.wait_for(ARTICLES).await;
    }
    // Time for a duplicate to show up, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for receiver in &receivers {
        let received = receiver.received();
        assert_eq!(received.len(), ARTICLES, "each event once at each endpoint");
        let ids: HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
        let seqs: HashSet<i64> = received
            .iter()
            .map(|r| r.json()["data"]["seq"].as_i64().unwrap())
            .collect();
        assert_eq!((ids.len(), seqs.len()), (ARTICLES, ARTICLES));
    }
}
