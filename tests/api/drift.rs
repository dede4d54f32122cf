//! Generated documents must match the code, and the OpenAPI document must
//! describe exactly the routes the server has.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_json, id_of, send};

const OPENAPI_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

#[test]
fn committed_openapi_document_matches_the_code() {
    let committed = std::fs::read_to_string(OPENAPI_FILE).unwrap_or_default();
    let generated = masthead::app::openapi::document_json();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "at the end".to_owned(),
                |n| format!("from line {}", n + 1),
            );
        panic!(
            "docs/openapi.json differs from the code ({line}); regenerate it with\n    cargo run -- openapi --output docs/openapi.json"
        );
    }
}

#[tokio::test]
async fn the_server_serves_the_document_and_every_operation_in_it() {
    let app = TestApp::spawn().await;
    let served = expect_json(app.get("/openapi.json").await, 200).await;
    let generated: Value = serde_json::from_str(&masthead::app::openapi::document_json()).unwrap();
    assert_eq!(served, generated);
    assert!(
        served["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1"
    );

    let author = id_of(&app.create_author("Doc").await);
    let tag = id_of(&app.create_tag("Doc").await);
    let article = id_of(
        &app.create_article(json!({"title": "Doc", "author_ids": [author], "tag_ids": [tag]}))
            .await,
    );
    let me = expect_json(app.get("/api/v1/auth/me").await, 200).await;
    let key = crate::helpers::created(
        app.post(
            "/api/v1/api-keys",
            &json!({"name": "doc", "kind": "delivery"}),
        )
        .await,
    )
    .await;
    let (user, key) = (id_of(&me), id_of(&key));
    let id_for = |path: &str| {
        if path.contains("/articles/") {
            article.clone()
        } else if path.contains("/authors/") {
            author.clone()
        } else if path.contains("/users/") {
            user.clone()
        } else if path.contains("/api-keys/") {
            key.clone()
        } else {
            tag.clone()
        }
    };

    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in served["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    // Deletes last, articles before the author and tag they use.
    operations.sort_by_key(|(method, path)| {
        (method == "DELETE", !path.contains("articles"), path.clone())
    });
    assert!(operations.len() >= 36, "{operations:?}");

    for (method, path) in operations {
        let concrete = path.replace("{id}", &id_for(&path));
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = app.request(method.clone(), &concrete);
        if matches!(method, Method::POST | Method::PUT | Method::PATCH) {
            request = request.json(&json!({}));
        }
        // Signing out or changing a password would end the admin's session mid-test.
        if concrete.ends_with("/password") || concrete.ends_with("/logout") {
            request = request.json(&json!({"unexpected": true}));
        }
        let response = send(request).await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status != 405 && !(status == 404 && body.contains("resource not found")),
            "{method} {concrete} is documented but not served: {status} {body}"
        );
        assert!(status < 500, "{method} {concrete}: {status} {body}");
    }
}

#[tokio::test]
async fn swagger_ui_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let redirect = client.get(app.url("/docs")).send().await.unwrap();
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/docs/");

    let page = app.get("/docs/").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let bundle = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200);
    assert!(
        bundle.bytes().await.unwrap().len() > 100_000,
        "the whole UI ships in the binary"
    );
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json"), "{init}");
}
