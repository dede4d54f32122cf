//! GraphQL over HTTP: `GET` queries through the public cache, the
//! `application/graphql-response+json` media type with its status codes, and
//! automatic persisted queries.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::feed::cache::counter;
use crate::helpers::{TestApp, error_code, header, id_of, send};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET /graphql` with these query parameters, anonymously.
fn get(app: &TestApp, params: &[(&str, &str)]) -> reqwest::RequestBuilder {
    app.anonymous(Method::GET, "/graphql").query(params)
}

#[tokio::test]
async fn queries_over_get_are_public_cacheable_answers() {
    let app = TestApp::spawn_with(|config| {
        config.public_max_age = 30;
        config.public_s_maxage = 600;
        config.public_stale_while_revalidate = 60;
    })
    .await;
    let author = id_of(&app.create_author("Amélie").await);
    app.create_article(
        json!({"title": "« Été » à Paris", "author_ids": [author], "state": "published"}),
    )
    .await;
    let query = "query Titles($n: Int) { articles(first: $n) { edges { node { title } } } }";
    let params = [
        ("query", query),
        ("variables", r#"{"n": 5}"#),
        ("operationName", "Titles"),
    ];

    let first = send(get(&app, &params)).await;
    assert_eq!(first.status(), 200);
    assert_eq!(
        header(&first, "content-type").unwrap(),
        "application/json; charset=utf-8"
    );
    assert_eq!(
        header(&first, "cache-control").as_deref(),
        Some("public, max-age=30, s-maxage=600, stale-while-revalidate=60")
    );
    assert!(header(&first, "vary").unwrap().contains("Accept"));
    let etag = header(&first, "etag").expect("an ETag");
    let body: Value = first.json().await.unwrap();
    assert_eq!(
        body["data"]["articles"]["edges"][0]["node"]["title"],
        "« Été » à Paris"
    );

    let hits = counter(&app, "masthead_public_cache_hits_total").await;
    let again = send(get(&app, &params)).await;
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert_eq!(
        counter(&app, "masthead_public_cache_hits_total").await,
        hits + 1
    );
    let revalidated = send(get(&app, &params).header("if-none-match", &etag)).await;
    assert_eq!(revalidated.status(), 304);

    // A signed-in reader's answer is private.
    let private = send(app.request(Method::GET, "/graphql").query(&params)).await;
    assert_eq!(
        header(&private, "cache-control").as_deref(),
        Some("private, no-cache")
    );

    // Mutations are POST only.
    let mutation = send(get(
        &app,
        &[("query", "mutation { logout(refreshToken: \"x\") }")],
    ))
    .await;
    assert_eq!(mutation.status(), 405);
    assert_eq!(header(&mutation, "allow").as_deref(), Some("POST"));
    let body: Value = mutation.json().await.unwrap();
    assert_eq!(error_code(&body), "METHOD_NOT_ALLOWED");

    // No query: 400. A browser with no parameters gets GraphiQL.
    let missing = send(get(&app, &[("variables", "{}")])).await;
    assert_eq!(missing.status(), 400);
    let page = send(get(&app, &[]).header("accept", "text/html")).await;
    assert_eq!(page.status(), 200);
    assert!(
        header(&page, "content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn graphql_response_json_tells_requests_that_did_not_run_by_status() {
    let app = TestApp::spawn().await;
    let post = |accept: &'static str, body: Value| {
        send(
            app.anonymous(Method::POST, "/graphql")
                .header("accept", accept)
                .json(&body),
        )
    };
    let ok = post(GRAPHQL_RESPONSE, json!({"query": "{ __typename }"})).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(
        header(&ok, "content-type").unwrap(),
        "application/graphql-response+json; charset=utf-8"
    );

    for (why, body) in [
        ("does not parse", json!({"query": "{ articles { "})),
        (
            "does not validate",
            json!({"query": "{ articles { nope } }"}),
        ),
        (
            "variables that do not fit",
            json!({"query": "query($n: Int) { articles(first: $n) { totalCount } }", "variables": {"n": "many"}}),
        ),
    ] {
        let strict = post(GRAPHQL_RESPONSE, body.clone()).await;
        assert_eq!(strict.status(), 400, "{why}");
        let answer: Value = strict.json().await.unwrap();
        assert!(answer.get("data").is_none(), "{why}: {answer}");
        assert!(!answer["errors"].as_array().unwrap().is_empty(), "{why}");
        let legacy = post("application/json", body).await;
        assert_eq!(legacy.status(), 200, "{why}");
        assert_eq!(
            header(&legacy, "content-type").unwrap(),
            "application/json; charset=utf-8"
        );
    }
    for body in [
        json!({}),
        json!({"query": null}),
        json!({"query": 7}),
        json!({"query": "{ a }", "variables": "x"}),
    ] {
        let response = post("application/json", body.clone()).await;
        assert_eq!(response.status(), 400, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(error_code(&answer), "VALIDATION", "{body}");
    }
    // A field error still runs: 200 with data.
    let missing = post(
        GRAPHQL_RESPONSE,
        json!({"query": "{ article(id: \"0190a5c0-0000-7000-8000-000000000000\") { id } }"}),
    )
    .await;
    assert_eq!(missing.status(), 200);
}

#[tokio::test]
async fn persisted_queries_stand_in_for_their_documents_over_get_and_post() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Amélie").await);
    app.create_article(json!({"title": "Persistée", "author_ids": [author], "state": "published"}))
        .await;
    let query = "{ articles(first: 1) { edges { node { title } } } }";
    let hash = hex_sha256(query);
    let extensions = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string();

    // Unknown hash: Apollo's answer, so the client sends the document.
    let unknown = send(get(&app, &[("extensions", &extensions)])).await;
    assert_eq!(unknown.status(), 200);
    let answer: Value = unknown.json().await.unwrap();
    assert_eq!(error_code(&answer), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(answer["errors"][0]["message"], "PersistedQueryNotFound");

    // A hash that is not the document's is refused, and not kept.
    let wrong = json!({"persistedQuery": {"version": 1, "sha256Hash": hex_sha256("{ x }")}});
    let refused = send(
        app.anonymous(Method::POST, "/graphql")
            .json(&json!({"query": query, "extensions": wrong})),
    )
    .await;
    assert_eq!(refused.status(), 400);

    // The document with its hash: run and kept.
    let registered = send(
        app.anonymous(Method::POST, "/graphql")
            .json(&json!({"query": query, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}})),
    )
    .await;
    let answer: Value = registered.json().await.unwrap();
    assert_eq!(
        answer["data"]["articles"]["edges"][0]["node"]["title"],
        "Persistée"
    );

    // From now on the hash alone is enough, over GET and POST.
    let by_get = send(get(&app, &[("extensions", &extensions)])).await;
    assert_eq!(by_get.status(), 200);
    assert!(
        header(&by_get, "cache-control")
            .unwrap()
            .starts_with("public")
    );
    let answer: Value = by_get.json().await.unwrap();
    assert_eq!(
        answer["data"]["articles"]["edges"][0]["node"]["title"],
        "Persistée"
    );
    let by_post = send(
        app.anonymous(Method::POST, "/graphql")
            .json(&json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}})),
    )
    .await;
    let answer: Value = by_post.json().await.unwrap();
    assert_eq!(
        answer["data"]["articles"]["edges"][0]["node"]["title"],
        "Persistée"
    );
}
