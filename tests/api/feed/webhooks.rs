//! Webhooks: signed deliveries verified by the reference library, retries,
//! disabling, the SSRF guard, the delivery log and replays.

use std::time::Duration;

use serde_json::{Value, json};

use super::receiver::{Receiver, Reply, verify_with_reference_library};
use crate::helpers::{TestApp, created, error_fields, expect_json, expect_problem, header, id_of};

/// A server whose webhooks may call the local receiver, looking for work
/// every 20 ms, with the retry schedule multiplied by `scale`.
async fn app_with_webhooks(scale: f64) -> TestApp {
    TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.webhook_allow_private = true;
        config.webhook_interval_ms = 20;
        config.webhook_retry_scale = scale;
    })
    .await
}

async fn create_webhook(app: &TestApp, body: Value) -> Value {
    created(app.post("/api/v1/webhooks", &body).await).await
}

async fn publish(app: &TestApp, author: &str, title: &str) -> String {
    id_of(
        &app.create_article(json!({"title": title, "author_ids": [author], "state": "published"}))
            .await,
    )
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let log = expect_json(
        app.get(&format!("/api/v1/webhooks/{webhook}/deliveries"))
            .await,
        200,
    )
    .await;
    log["data"].as_array().unwrap().clone()
}

/// Checks that the webhook is disabled, for a reason that mentions `why`.
async fn assert_disabled(app: &TestApp, id: &str, why: &str) {
    let hook = expect_json(app.get(&format!("/api/v1/webhooks/{id}")).await, 200).await;
    assert_eq!(hook["enabled"], false, "{hook}");
    let reason = hook["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.contains(why), "{hook}");
}

/// Waits until the webhook's newest delivery is no longer pending.
async fn settled(app: &TestApp, webhook: &str) -> Value {
    for _ in 0..500 {
        let log = deliveries(app, webhook).await;
        if let Some(newest) = log.first()
            && newest["status"] != "pending"
        {
            return newest.clone();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the delivery never settled: {:#?}",
        deliveries(app, webhook).await
    );
}

#[tokio::test]
async fn a_publication_is_delivered_signed_as_the_reference_library_verifies() {
    let app = app_with_webhooks(1.0).await;
    let receiver = Receiver::start();
    let hook = create_webhook(
        &app,
        json!({"url": receiver.url, "description": "Site rebuild", "events": ["article.published", "tag.*"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{hook}");
    let id = id_of(&hook);
    let read_back = expect_json(app.get(&format!("/api/v1/webhooks/{id}")).await, 200).await;
    assert!(
        read_back.get("secret").is_none(),
        "the secret is shown once"
    );
    assert_eq!(read_back["events"], json!(["article.published", "tag.*"]));

    let author = id_of(&app.create_author("Émile").await);
    app.create_article(json!({"title": "Brouillon", "author_ids": [author]}))
        .await;
    let title = "« L’été où Zoé a créé ça » — “vraiment”";
    let article = publish(&app, &author, title).await;
    let received = receiver.wait_for(1).await;
    let delivery = &received[0];
    assert_eq!(delivery.content_type, "application/json");
    assert!(delivery.signature.starts_with("v1,"));
    let body = delivery.json();
    assert_eq!(body["type"], "article.published");
    assert_eq!(body["data"]["entity"], "article");
    assert_eq!(body["data"]["id"], article);
    assert_eq!(body["data"]["object"]["title"], title, "byte for byte");
    assert!(body["data"]["seq"].as_i64().unwrap() > 0);
    let verdicts = verify_with_reference_library(&[delivery.to_verify(&secret)]).await;
    assert_eq!(verdicts, ["ok"]);
    let wrong = verify_with_reference_library(&[
        delivery.to_verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    ])
    .await;
    assert_ne!(wrong, ["ok"], "another secret does not verify");

    // The log shows the attempt.
    let logged = settled(&app, &id).await;
    assert_eq!(logged["id"], delivery.id);
    assert_eq!(logged["status"], "succeeded");
    assert_eq!(logged["attempts"], 1);
    assert_eq!(logged["last_status"], 200);
    assert_eq!(logged["response_excerpt"], "answer 200");
    assert!(logged["latency_ms"].as_i64().unwrap() >= 0);

    // After a rotation both secrets sign, for a day.
    let rotated = expect_json(
        app.post(&format!("/api/v1/webhooks/{id}/rotate-secret"), &json!({}))
            .await,
        200,
    )
    .await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    let tag = id_of(&app.create_tag("Rotation").await);
    let received = receiver.wait_for(2).await;
    let after = &received[1];
    assert_eq!(after.json()["type"], "tag.created");
    assert_eq!(after.json()["data"]["id"], tag);
    assert_eq!(after.signature.split(' ').count(), 2, "{}", after.signature);
    let verdicts =
        verify_with_reference_library(&[after.to_verify(&new_secret), after.to_verify(&secret)])
            .await;
    assert_eq!(verdicts, ["ok", "ok"]);

    // A ping.
    let ping = app
        .post(&format!("/api/v1/webhooks/{id}/test"), &json!({}))
        .await;
    assert_eq!(ping.status(), 202);
    let received = receiver.wait_for(3).await;
    assert_eq!(received[2].json()["type"], "ping");
    assert_eq!(received.len(), 3, "the draft was not announced");
}

#[tokio::test]
async fn retries_keep_the_webhook_id_then_410_disables_the_endpoint() {
    let app = app_with_webhooks(0.002).await;
    let receiver = Receiver::start();
    let hook = create_webhook(
        &app,
        json!({"url": receiver.url, "events": ["article.published"], "payload": "thin"}),
    )
    .await;
    let id = id_of(&hook);
    let author = id_of(&app.create_author("Réessai").await);

    receiver.script([
        Reply {
            location: Some("/elsewhere"),
            ..Reply::status(307)
        },
        Reply::status(500),
        Reply {
            retry_after: Some("1"),
            ..Reply::status(503)
        },
        Reply::status(200),
    ]);
    publish(&app, &author, "Tenace").await;
    let received = receiver.wait_for(4).await;
    assert!(
        received.iter().all(|r| r.path == "/hook"),
        "redirects are not followed"
    );
    assert!(
        received.iter().all(|r| r.id == received[0].id),
        "the same webhook-id"
    );
    assert!(
        received.iter().all(|r| r.body == received[0].body),
        "the same body"
    );
    assert!(
        received[0].json()["data"].get("object").is_none(),
        "a thin payload"
    );
    let waited = received[3].at - received[2].at;
    assert!(
        waited >= Duration::from_millis(900),
        "Retry-After: 1 was honoured ({waited:?})"
    );
    let logged = settled(&app, &id).await;
    assert_eq!(
        (logged["status"].as_str(), logged["attempts"].as_i64()),
        (Some("succeeded"), Some(4))
    );
    assert_eq!(logged["last_status"], 200);

    receiver.otherwise(Reply::status(410));
    publish(&app, &author, "Disparu").await;
    receiver.wait_for(5).await;
    let logged = settled(&app, &id).await;
    assert_eq!(logged["status"], "failed");
    assert_disabled(&app, &id, "410").await;
    publish(&app, &author, "Personne n’écoute").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        5,
        "a disabled endpoint is not called"
    );

    // Enabled again, it hears of what happens from then on; the event it
    // missed can be replayed.
    let failed = logged["id"].as_str().unwrap().to_owned();
    receiver.otherwise(Reply::status(200));
    let etag = header(&app.get(&format!("/api/v1/webhooks/{id}")).await, "etag").unwrap();
    let enabled = app
        .request(reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"))
        .header("if-match", etag.as_str())
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    let enabled = expect_json(enabled, 200).await;
    assert_eq!(
        (enabled["enabled"].as_bool(), &enabled["disabled_reason"]),
        (Some(true), &Value::Null)
    );
    let stale = app
        .request(reqwest::Method::PATCH, &format!("/api/v1/webhooks/{id}"))
        .header("if-match", etag.as_str())
        .json(&json!({"description": "late"}))
        .send()
        .await
        .unwrap();
    expect_problem(stale, 412).await;
    let replay = app
        .post(
            &format!("/api/v1/webhooks/{id}/deliveries/{failed}/replay"),
            &json!({}),
        )
        .await;
    let replay = expect_json(replay, 202).await;
    assert_eq!(replay["replay_of"], failed);
    let received = receiver.wait_for(6).await;
    assert_eq!(received[5].body, received[4].body);
    assert_ne!(
        received[5].id, received[4].id,
        "a replay is a delivery of its own"
    );
    let since = received[0].json()["data"]["seq"].as_i64().unwrap();
    let replayed = app
        .post(
            &format!("/api/v1/webhooks/{id}/replay?since_seq={since}"),
            &json!({}),
        )
        .await;
    // After the first publication: the two others (the disabled time included).
    assert_eq!(expect_json(replayed, 202).await["queued"], 2);
    let received = receiver.wait_for(8).await;
    let mut titles: Vec<i64> = received[6..]
        .iter()
        .map(|r| r.json()["data"]["seq"].as_i64().unwrap())
        .collect();
    titles.sort_unstable();
    assert!(titles[0] > since);
    let failed_only = expect_json(
        app.get(&format!("/api/v1/webhooks/{id}/deliveries?status=failed"))
            .await,
        200,
    )
    .await;
    assert_eq!(failed_only["meta"]["total"], 1);
}

#[tokio::test]
async fn an_endpoint_failing_every_attempt_is_disabled() {
    let app = app_with_webhooks(0.000_01).await;
    let receiver = Receiver::start();
    receiver.otherwise(Reply::status(500));
    let hook = create_webhook(
        &app,
        json!({"url": receiver.url, "events": ["author.created"]}),
    )
    .await;
    let id = id_of(&hook);
    app.create_author("Toujours en panne").await;
    let received = receiver.wait_for(10).await;
    assert!(received.iter().all(|r| r.id == received[0].id));
    let logged = settled(&app, &id).await;
    assert_eq!(
        (logged["status"].as_str(), logged["attempts"].as_i64()),
        (Some("failed"), Some(10))
    );
    assert_disabled(&app, &id, "attempts").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.received().len(), 10, "no eleventh attempt");
}

#[tokio::test]
async fn private_addresses_and_bad_settings_are_refused() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://10.0.0.8/hook",
    ] {
        let response = app.post("/api/v1/webhooks", &json!({"url": url})).await;
        let problem = expect_problem(response, 422).await;
        assert_eq!(error_fields(&problem), ["url"], "{url}");
    }
    let response = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "ftp://example.com", "events": ["article.eaten"], "payload": "fat", "filter": {"locales": ["not a locale"]}}),
        )
        .await;
    let mut fields = error_fields(&expect_problem(response, 422).await);
    fields.sort();
    assert_eq!(fields, ["events", "filter.locales", "payload", "url"]);
    let response = app
        .post(
            "/api/v1/webhooks",
            &json!({"url": "https://example.com", "colour": "red"}),
        )
        .await;
    expect_problem(response, 400).await;
    let (_, editor) = app.user("editor", None).await;
    let response = app
        .request_as(&editor, reqwest::Method::GET, "/api/v1/webhooks")
        .send()
        .await
        .unwrap();
    expect_problem(response, 403).await;
}
