//! Bad input: every case gets problem+json with the right status and the
//! field at fault, never a 500, and nothing stored changes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{self, TestApp, error_fields, expect_json, expect_problem, id_of, send};

struct Case {
    why: &'static str,
    body: String,
    status: u16,
    field: Option<&'static str>,
}

fn case(why: &'static str, body: Value, status: u16, field: Option<&'static str>) -> Case {
    Case {
        why,
        body: body.to_string(),
        status,
        field,
    }
}

fn raw(why: &'static str, body: &str, status: u16, field: Option<&'static str>) -> Case {
    Case {
        why,
        body: body.to_owned(),
        status,
        field,
    }
}

async fn send_raw(app: &TestApp, method: Method, path: &str, body: String) -> reqwest::Response {
    send(
        app.request(method, path)
            .header("content-type", "application/json")
            .body(body),
    )
    .await
}

#[tokio::test]
async fn bad_article_input_is_rejected_with_the_field_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    let unknown = uuid::Uuid::now_v7().to_string();
    let cases = [
        raw("malformed JSON", "{\"title\": ", 400, Some("body")),
        raw("not an object", "[1, 2]", 400, Some("body")),
        raw(
            "trailing garbage",
            "{\"title\": \"x\"} x",
            400,
            Some("body"),
        ),
        case(
            "title of the wrong type",
            json!({"title": 5, "author_ids": [author]}),
            400,
            Some("title"),
        ),
        case(
            "author id that is not a UUID",
            json!({"title": "x", "author_ids": ["nope"]}),
            400,
            Some("author_ids[0]"),
        ),
        case(
            "unknown field",
            json!({"title": "x", "author_ids": [author], "colour": "red"}),
            400,
            Some("colour"),
        ),
        case(
            "nested object given as an array",
            json!({"title": "x", "author_ids": [author], "seo": ["t", "d", "https://x.org"]}),
            400,
            Some("seo"),
        ),
        case(
            "unknown nested field",
            json!({"title": "x", "author_ids": [author], "seo": {"keywords": "a"}}),
            400,
            Some("seo.keywords"),
        ),
        case(
            "missing title",
            json!({"author_ids": [author]}),
            422,
            Some("title"),
        ),
        case(
            "blank title",
            json!({"title": "   ", "author_ids": [author]}),
            422,
            Some("title"),
        ),
        case(
            "title over 300 characters",
            json!({"title": "é".repeat(301), "author_ids": [author]}),
            422,
            Some("title"),
        ),
        case(
            "body over 1 MiB",
            json!({"title": "x", "body": "a".repeat(1024 * 1024 + 1), "author_ids": [author]}),
            422,
            Some("body"),
        ),
        case("no author", json!({"title": "x"}), 422, Some("author_ids")),
        case(
            "empty author list",
            json!({"title": "x", "author_ids": []}),
            422,
            Some("author_ids"),
        ),
        case(
            "unknown author id",
            json!({"title": "x", "author_ids": [author, unknown]}),
            422,
            Some("author_ids[1]"),
        ),
        case(
            "unknown tag id",
            json!({"title": "x", "author_ids": [author], "tag_ids": [unknown]}),
            422,
            Some("tag_ids[0]"),
        ),
        case(
            "author listed twice",
            json!({"title": "x", "author_ids": [author, author]}),
            422,
            Some("author_ids[1]"),
        ),
        case(
            "bad locale tag",
            json!({"title": "x", "locale": "français", "author_ids": [author]}),
            422,
            Some("locale"),
        ),
        case(
            "unregistered locale",
            json!({"title": "x", "locale": "xx-YY", "author_ids": [author]}),
            422,
            Some("locale"),
        ),
        case(
            "bad slug",
            json!({"title": "x", "slug": "Pas Bon", "author_ids": [author]}),
            422,
            Some("slug"),
        ),
        case(
            "image without URL",
            json!({"title": "x", "author_ids": [author], "featured_image": {"alt": "a"}}),
            422,
            Some("featured_image.url"),
        ),
        case(
            "image URL not http",
            json!({"title": "x", "author_ids": [author], "featured_image": {"url": "javascript:alert(1)"}}),
            422,
            Some("featured_image.url"),
        ),
        case(
            "canonical URL relative",
            json!({"title": "x", "author_ids": [author], "seo": {"canonical_url": "/a"}}),
            422,
            Some("seo.canonical_url"),
        ),
        case(
            "unknown state",
            json!({"title": "x", "author_ids": [author], "state": "live"}),
            422,
            Some("state"),
        ),
        case(
            "created scheduled",
            json!({"title": "x", "author_ids": [author], "state": "scheduled"}),
            422,
            Some("state"),
        ),
        case(
            "published_at on a draft",
            json!({"title": "x", "author_ids": [author], "published_at": "2020-01-01T00:00:00Z"}),
            422,
            Some("published_at"),
        ),
        case(
            "published_at not a time",
            json!({"title": "x", "author_ids": [author], "state": "published", "published_at": "hier"}),
            400,
            Some("published_at"),
        ),
        case(
            "client-chosen id",
            json!({"id": unknown, "title": "x", "author_ids": [author]}),
            422,
            Some("id"),
        ),
    ];
    for case in cases {
        let response = send_raw(&app, Method::POST, "/api/v1/articles", case.body).await;
        let problem = expect_problem(response, case.status).await;
        if let Some(field) = case.field {
            assert!(
                error_fields(&problem).contains(&field.to_owned()),
                "{}: {problem}",
                case.why
            );
        }
    }

    let list = expect_json(app.get("/api/v1/articles").await, 200).await;
    assert_eq!(
        list["meta"]["total"], 0,
        "no rejected create stored anything"
    );
}

#[tokio::test]
async fn several_broken_fields_are_reported_together() {
    let app = TestApp::spawn().await;
    let problem = expect_problem(
        app.post(
            "/api/v1/articles",
            &json!({"title": "", "locale": "??", "author_ids": []}),
        )
        .await,
        422,
    )
    .await;
    let fields = error_fields(&problem);
    for field in ["title", "locale", "author_ids"] {
        assert!(fields.contains(&field.to_owned()), "{field} in {problem}");
    }
}

#[tokio::test]
async fn bad_updates_change_nothing() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    let article = app
        .create_article(json!({"title": "Intact", "body": "Texte", "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let other = uuid::Uuid::now_v7().to_string();
    let cases = [
        raw("malformed JSON", "{", 400, Some("body")),
        case("wrong type", json!({"body": ["a"]}), 400, Some("body")),
        case("null title", json!({"title": null}), 422, Some("title")),
        case(
            "null authors",
            json!({"author_ids": null}),
            422,
            Some("author_ids"),
        ),
        case("null locale", json!({"locale": null}), 422, Some("locale")),
        case(
            "id differs from the path",
            json!({"id": other, "title": "y"}),
            422,
            Some("id"),
        ),
        case(
            "state change by edit",
            json!({"state": "published"}),
            422,
            Some("state"),
        ),
        case(
            "too long",
            json!({"title": "x".repeat(301)}),
            422,
            Some("title"),
        ),
    ];
    for case in cases {
        let response = send_raw(&app, Method::PATCH, &path, case.body).await;
        let problem = expect_problem(response, case.status).await;
        if let Some(field) = case.field {
            assert!(
                error_fields(&problem).contains(&field.to_owned()),
                "{}: {problem}",
                case.why
            );
        }
    }
    let put = expect_problem(app.put(&path, &json!({"body": "sans titre"})).await, 422).await;
    assert!(
        error_fields(&put).contains(&"title".to_owned()),
        "PUT needs the required fields: {put}"
    );

    let unchanged = expect_json(app.get(&path).await, 200).await;
    assert_eq!(unchanged, article, "no rejected update changed the article");
}

#[tokio::test]
async fn bad_author_and_tag_input_is_rejected() {
    let app = TestApp::spawn().await;
    for (path, body, status, field) in [
        ("/api/v1/authors", json!({}), 422, "name"),
        (
            "/api/v1/authors",
            json!({"name": "x".repeat(201)}),
            422,
            "name",
        ),
        (
            "/api/v1/authors",
            json!({"name": "A", "email": "pas-un-email"}),
            422,
            "email",
        ),
        (
            "/api/v1/authors",
            json!({"name": "A", "website": "ftp://x.org"}),
            422,
            "website",
        ),
        (
            "/api/v1/authors",
            json!({"name": "A", "social": {"x": 3}}),
            422,
            "social.x",
        ),
        (
            "/api/v1/authors",
            json!({"name": "A", "social": ["x"]}),
            400,
            "social",
        ),
        (
            "/api/v1/authors",
            json!({"name": "A", "nickname": "B"}),
            400,
            "nickname",
        ),
        ("/api/v1/tags", json!({"name": ""}), 422, "name"),
        (
            "/api/v1/tags",
            json!({"name": "T", "slug": "-x"}),
            422,
            "slug",
        ),
        ("/api/v1/tags", json!({"name": 3}), 400, "name"),
    ] {
        let problem = expect_problem(app.post(path, &body).await, status).await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{body}: {problem}"
        );
    }
    assert_eq!(
        expect_json(app.get("/api/v1/authors").await, 200).await["meta"]["total"],
        0
    );
    assert_eq!(
        expect_json(app.get("/api/v1/tags").await, 200).await["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn wrong_media_type_is_415_and_oversized_body_is_413() {
    let app = TestApp::spawn_with(|config| config.max_body_bytes = 64 * 1024).await;
    let form = send(
        app.request(Method::POST, "/api/v1/tags")
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=x"),
    )
    .await;
    expect_problem(form, 415).await;

    let big = json!({"name": "x".repeat(70 * 1024)}).to_string();
    let response = send_raw(&app, Method::POST, "/api/v1/tags", big).await;
    expect_problem(response, 413).await;

    let empty = send(
        app.request(Method::POST, "/api/v1/tags")
            .header("content-type", "application/json"),
    )
    .await;
    expect_problem(empty, 400).await;
    assert_eq!(
        expect_json(app.get("/api/v1/tags").await, 200).await["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn unknown_routes_and_ids_are_404_problems() {
    let app = TestApp::spawn().await;
    expect_problem(app.get("/api/v1/nothing").await, 404).await;
    expect_problem(
        app.get(&format!("/api/v1/articles/{}", uuid::Uuid::now_v7()))
            .await,
        404,
    )
    .await;
    expect_problem(app.get("/api/v1/authors/no-such-slug").await, 404).await;
    expect_problem(
        app.patch("/api/v1/tags/no-such-slug", &json!({"name": "x"}))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn credentials_are_checked_before_anything_else_is_wrong() {
    let app = TestApp::spawn().await;
    // No credentials, and a body that is not JSON, a missing one, a path
    // that does not parse: 401 first, with the bearer challenge.
    for (method, path, body) in [
        (Method::POST, "/api/v1/articles", Some("not json")),
        (Method::POST, "/api/v1/tags", None),
        (Method::PATCH, "/api/v1/authors/x", Some("{\"name\": 5}")),
        (
            Method::GET,
            "/api/v1/articles/x/revisions/not-a-number",
            None,
        ),
        (Method::GET, "/api/v1/users?page=0", None),
    ] {
        let mut request = app.anonymous(method.clone(), path);
        if let Some(body) = body {
            request = request.header("content-type", "text/plain").body(body);
        }
        let response = send(request).await;
        assert_eq!(
            helpers::header(&response, "www-authenticate").as_deref(),
            Some("Bearer realm=\"masthead\""),
            "{method} {path}"
        );
        expect_problem(response, 401).await;
    }
    // A refused credential is a 401 even where anyone may read.
    let refused = send(
        app.anonymous(Method::GET, "/api/v1/articles?page=0")
            .bearer_auth("not-a-token"),
    )
    .await;
    expect_problem(refused, 401).await;
    // An If-Match that is no ETag of this API names no version: 412, like a stale one.
    let tag = app.create_tag("Préconditions").await;
    let garbage = send(
        app.request(Method::PATCH, &format!("/api/v1/tags/{}", id_of(&tag)))
            .header("if-match", "not-an-etag")
            .json(&json!({"name": "Autre"})),
    )
    .await;
    let problem = expect_problem(garbage, 412).await;
    assert_eq!(problem["current_version"], 1);
    // With credentials, the same mistakes are what they are.
    let bad = send(app.request(Method::GET, "/api/v1/articles/x/revisions/not-a-number")).await;
    let problem = expect_problem(bad, 400).await;
    assert_eq!(error_fields(&problem), ["path"], "{problem}");
}

#[tokio::test]
async fn undeclared_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    for (method, path, allow) in [
        (Method::DELETE, "/api/v1/articles", "GET, POST"),
        (Method::PUT, "/api/v1/auth/login", "POST"),
        (Method::POST, "/api/v1/articles/x/revisions", "GET"),
        (Method::PATCH, "/healthz", "GET"),
        (Method::PUT, "/graphql", "GET, POST"),
        (Method::OPTIONS, "/api/v1/tags/x", "DELETE, GET, PATCH, PUT"),
    ] {
        let response = send(app.request(method.clone(), path)).await;
        assert_eq!(
            helpers::header(&response, "allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
        let problem = expect_problem(response, 405).await;
        assert_eq!(problem["type"], "urn:masthead:problem:method-not-allowed");
    }
    // Unknown paths stay 404.
    expect_problem(
        send(app.request(Method::DELETE, "/api/v1/nothing")).await,
        404,
    )
    .await;
}
