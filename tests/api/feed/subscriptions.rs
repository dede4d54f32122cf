//! GraphQL subscriptions over `/graphql/ws`, driven by the reference
//! `graphql-ws` client, with changes made by another server process.

use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::helpers::{TestApp, TestDatabase, expect_json, id_of, send};
use crate::process::{Process, serve_env};

const CHANGES: &str = "subscription ($types: [SyncType!], $since: String) {
  contentChanged(types: $types, since: $since) {
    seq type entity id version cursor
    article { title state }
  }
}";

/// A `graphql-ws` client subscribed in a Node process.
struct Subscriber {
    _child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Subscriber {
    fn start(url: &str, variables: &Value, authorization: Option<&str>, wanted: usize) -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/feed-client");
        let mut child = Command::new("node")
            .arg("subscribe.mjs")
            .arg(url)
            .arg(CHANGES)
            .arg(variables.to_string())
            .arg(authorization.unwrap_or(""))
            .arg(wanted.to_string())
            .current_dir(dir)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (see .ci/run for the set-up)");
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            _child: child,
            lines,
        }
    }

    /// The next thing the client reports (30 s at most).
    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.lines.next_line())
            .await
            .expect("the client said nothing for 30 s")
            .unwrap()
            .expect("the client ended");
        serde_json::from_str(&line).unwrap()
    }

    /// The next event's `contentChanged`.
    async fn event(&mut self) -> Value {
        loop {
            let line = self.next().await;
            match line["on"].as_str() {
                Some("next") => return line["payload"]["data"]["contentChanged"].clone(),
                Some("connected") => {}
                _ => panic!("expected an event, got {line}"),
            }
        }
    }
}

/// The cursor at the end of an initial sync of articles, as `credential` (or anonymous).
async fn synced(app: &TestApp, credential: Option<&str>) -> String {
    let mut path = "/api/v1/sync?types=articles".to_owned();
    loop {
        let request = match credential {
            Some(credential) => app.request_as(credential, Method::GET, &path),
            None => app.anonymous(Method::GET, &path),
        };
        let page = expect_json(send(request).await, 200).await;
        let cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            return cursor;
        }
        path = format!("/api/v1/sync?cursor={cursor}");
    }
}

#[tokio::test]
async fn a_graphql_ws_client_hears_of_a_publication_made_on_another_process() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[]);
    let (_other, other) = Process::serve(&database, &env);
    let app = TestApp::spawn_on(database, |config| config.scheduler_interval_ms = 0).await;
    let ws = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));
    let preview = app.api_key("preview").await;
    let author = id_of(&app.create_author("Abonnée").await);

    // Both subscribe from where their sync ended, so nothing falls between.
    let public_since = synced(&app, None).await;
    let preview_since = synced(&app, Some(&preview)).await;
    let variables = |since: &str| json!({"types": ["ARTICLES"], "since": since});
    let mut public = Subscriber::start(&ws, &variables(&public_since), None, 1);
    let bearer = format!("Bearer {preview}");
    let mut previewer = Subscriber::start(&ws, &variables(&preview_since), Some(&bearer), 2);
    assert_eq!(public.next().await["on"], "connected");
    assert_eq!(previewer.next().await["on"], "connected");

    // The other process writes, through REST.
    let client = reqwest::Client::new();
    let token = app.admin_token.clone();
    let post = |path: String, body: Value| {
        client
            .post(format!("{other}/api/v1{path}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let created: Value = post(
        "/articles".into(),
        json!({"title": "« Direct »", "author_ids": [author]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let article = id_of(&created);
    let published = post(
        format!("/articles/{article}/transitions"),
        json!({"action": "publish"}),
    )
    .await
    .unwrap();
    assert_eq!(published.status(), 200);

    // The public hears of the publication only; a preview key of both.
    let event = public.event().await;
    assert_eq!(event["type"], "article.published");
    assert_eq!(event["id"], article);
    assert_eq!(event["article"]["title"], "« Direct »");
    let first = previewer.event().await;
    let second = previewer.event().await;
    assert_eq!(
        (first["type"].as_str(), second["type"].as_str()),
        (Some("article.created"), Some("article.published"))
    );
    assert!(second["seq"].as_i64() > first["seq"].as_i64());
    assert_eq!(second["article"]["state"], "PUBLISHED");

    // An event's cursor resumes after it.
    let mut resumed = Subscriber::start(
        &ws,
        &variables(first["cursor"].as_str().unwrap()),
        Some(&bearer),
        1,
    );
    assert_eq!(resumed.event().await["seq"], second["seq"]);
}

#[tokio::test]
async fn refused_credentials_close_with_4403_and_forged_cursors_are_errors() {
    // Pings every 100 ms: credentials are checked again every 400 ms.
    let app = TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.graphql_ws_ping_ms = 100;
    })
    .await;
    let ws = format!("{}/graphql/ws", app.address.replacen("http", "ws", 1));

    // A key revoked while its subscription is open: the connection closes.
    let key = crate::helpers::created(
        app.post(
            "/api/v1/api-keys",
            &json!({"name": "écran", "kind": "preview"}),
        )
        .await,
    )
    .await;
    let bearer = format!("Bearer {}", key["key"].as_str().unwrap());
    let mut revoked = Subscriber::start(&ws, &json!({}), Some(&bearer), 1);
    assert_eq!(revoked.next().await["on"], "connected");
    let gone = app
        .delete(&format!("/api/v1/api-keys/{}", id_of(&key)))
        .await;
    assert_eq!(gone.status(), 204);
    let closed = loop {
        let line = revoked.next().await;
        if line["on"] == "closed" {
            break line;
        }
    };
    assert_eq!(closed["code"], 4403, "{closed}");

    let mut refused = Subscriber::start(&ws, &json!({}), Some("Bearer mh_preview_not-a-key"), 1);
    let closed = loop {
        let line = refused.next().await;
        if line["on"] == "closed" {
            break line;
        }
    };
    assert_eq!(closed["code"], 4403, "{closed}");

    // A forged cursor: the operation's answer is the error.
    let mut forged = Subscriber::start(&ws, &json!({"since": "bm90.c2lnbmVk"}), None, 1);
    let answer = loop {
        let line = forged.next().await;
        if line["on"] != "connected" {
            break line;
        }
    };
    assert_eq!(answer["on"], "next", "{answer}");
    let error = &answer["payload"]["errors"][0];
    assert_eq!(error["extensions"]["code"], "VALIDATION", "{answer}");
    assert_eq!(
        error["extensions"]["fields"][0]["field"], "since",
        "{answer}"
    );

    let not_websocket = app.get("/graphql/ws").await;
    assert_eq!(not_websocket.status(), 400);
}
