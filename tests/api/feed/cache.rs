//! Public answers move only when something the public sees changed.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, expect_json, header, id_of, send};

/// Reads a counter from `/metrics`.
pub async fn counter(app: &TestApp, name: &str) -> u64 {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("{name} is not in /metrics:\n{metrics}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_draft_edit_of_a_published_article_leaves_public_answers_alone() {
    let app = TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.public_max_age = 30;
        config.public_s_maxage = 600;
        config.public_stale_while_revalidate = 60;
    })
    .await;
    let author = id_of(&app.create_author("Signée").await);
    let tag = id_of(&app.create_tag("Brèves").await);
    let article = app
        .create_article(json!({
            "title": "« Première »", "author_ids": [author], "tag_ids": [tag], "state": "published"
        }))
        .await;
    let id = id_of(&article);
    let item = format!("/api/v1/articles/{id}");
    let list = "/api/v1/articles?per_page=10";

    let first = send(app.anonymous(Method::GET, list)).await;
    assert_eq!(
        header(&first, "cache-control").as_deref(),
        Some("public, max-age=30, s-maxage=600, stale-while-revalidate=60")
    );
    let keys = header(&first, "surrogate-key").unwrap();
    assert_eq!(
        keys,
        format!("articles article:{id} author:{author} tag:{tag}")
    );
    assert_eq!(header(&first, "cache-tag").unwrap(), keys.replace(' ', ","));
    let etag = header(&first, "etag").unwrap();
    let single = send(app.anonymous(Method::GET, &item)).await;
    assert_eq!(
        header(&single, "surrogate-key").unwrap(),
        format!("articles article:{id} author:{author} tag:{tag}")
    );
    let author_answer =
        send(app.anonymous(Method::GET, &format!("/api/v1/authors/{author}"))).await;
    assert_eq!(
        header(&author_answer, "surrogate-key").unwrap(),
        format!("authors author:{author}")
    );

    // Draft work on the published article: edits, a submission, an approval.
    let edited = expect_json(app.patch(&item, &json!({"title": "Brouillon"})).await, 200).await;
    assert_eq!(edited["state"], "draft");
    for action in ["submit", "approve"] {
        expect_json(
            app.post(&format!("{item}/transitions"), &json!({"action": action}))
                .await,
            200,
        )
        .await;
    }
    let (hits, misses) = (
        counter(&app, "masthead_public_cache_hits_total").await,
        counter(&app, "masthead_public_cache_misses_total").await,
    );
    let again = send(app.anonymous(Method::GET, list)).await;
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    let body = expect_json(again, 200).await;
    assert_eq!(body["data"][0]["title"], "« Première »");
    assert_eq!(
        counter(&app, "masthead_public_cache_hits_total").await,
        hits + 1,
        "the answer came from the cache"
    );
    assert_eq!(
        counter(&app, "masthead_public_cache_misses_total").await,
        misses
    );
    let revalidated = send(
        app.anonymous(Method::GET, list)
            .header("if-none-match", etag.as_str()),
    )
    .await;
    assert_eq!(revalidated.status(), 304);

    // The publication is public: new answer, new ETag.
    expect_json(
        app.post(
            &format!("{item}/transitions"),
            &json!({"action": "publish"}),
        )
        .await,
        200,
    )
    .await;
    let published = send(app.anonymous(Method::GET, list)).await;
    assert_ne!(header(&published, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(
        counter(&app, "masthead_public_cache_misses_total").await,
        misses + 1
    );
    assert_eq!(
        expect_json(published, 200).await["data"][0]["title"],
        "Brouillon"
    );
}

#[tokio::test]
async fn public_answers_say_so_with_the_memory_cache_off() {
    let app = TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.cache_entries = 0;
        config.public_s_maxage = 120;
    })
    .await;
    let public = send(app.anonymous(Method::GET, "/api/v1/articles")).await;
    assert_eq!(
        header(&public, "cache-control").as_deref(),
        Some("public, max-age=0, s-maxage=120, stale-while-revalidate=0")
    );
    let signed_in = app.get("/api/v1/articles").await;
    assert_eq!(
        header(&signed_in, "cache-control").as_deref(),
        Some("private, no-cache")
    );
}
