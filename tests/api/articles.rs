//! Articles: create, read by id and slug, update, replace, delete, and the content rules.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_json, expect_problem, header, id_of};

const FRENCH_TITLE: &str = "L'été où Zoë a créé « Ça Va »";
const FRENCH_BODY: &str = "« Bonjour », dit‑elle — l’été fut **chaud**.\n\nDeuxième paragraphe : “guillemets” et émoji 🎉.\n\n<script>alert('x')</script>";

async fn author_id(app: &TestApp) -> String {
    id_of(&app.create_author("Zoë Duval").await)
}

#[tokio::test]
async fn french_article_round_trips_byte_for_byte_with_a_transliterated_slug() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;

    let response = app
        .post(
            "/api/v1/articles",
            &json!({"title": FRENCH_TITLE, "body": FRENCH_BODY, "locale": "fr", "author_ids": [author],
                    "excerpt": "Un été « inoubliable »"}),
        )
        .await;
    let location = header(&response, "location").expect("Location header");
    let etag = header(&response, "etag").expect("ETag header");
    let created = expect_json(response, 201).await;

    assert_eq!(created["slug"], "l-ete-ou-zoe-a-cree-ca-va");
    assert_eq!(location, format!("/api/v1/articles/{}", id_of(&created)));
    assert!(etag.starts_with("\"1-"), "{etag}");
    assert_eq!(created["version"], 1);
    assert_eq!(created["state"], "draft");
    assert_eq!(created["author_ids"], json!([author]));

    let raw = app.get(&location).await.bytes().await.expect("body");
    let text = std::str::from_utf8(&raw).expect("UTF-8");
    assert!(
        text.contains("L'été où Zoë a créé « Ça Va »"),
        "accents and guillemets are sent as is: {text}"
    );
    let fetched: Value = serde_json::from_slice(&raw).expect("JSON");
    assert_eq!(fetched["title"], FRENCH_TITLE);
    assert_eq!(fetched["body"], FRENCH_BODY);
    assert_eq!(fetched["excerpt"], "Un été « inoubliable »");

    let by_slug = expect_json(
        app.get("/api/v1/articles/l-ete-ou-zoe-a-cree-ca-va").await,
        200,
    )
    .await;
    assert_eq!(by_slug["id"], created["id"]);
}

#[tokio::test]
async fn generated_slugs_get_numbered_suffixes_per_locale_and_taken_explicit_slugs_are_409() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let article = |locale: &str| json!({"title": "Bonjour le monde", "locale": locale, "author_ids": [author]});

    let first = app.create_article(article("fr")).await;
    let second = app.create_article(article("fr")).await;
    let third = app.create_article(article("fr")).await;
    let english = app.create_article(article("en")).await;

    assert_eq!(first["slug"], "bonjour-le-monde");
    assert_eq!(second["slug"], "bonjour-le-monde-2");
    assert_eq!(third["slug"], "bonjour-le-monde-3");
    assert_eq!(
        english["slug"], "bonjour-le-monde",
        "slugs are unique per locale"
    );

    let taken = app
        .post("/api/v1/articles", &json!({"title": "X", "slug": "bonjour-le-monde", "locale": "fr", "author_ids": [author]}))
        .await;
    let problem = expect_problem(taken, 409).await;
    assert_eq!(problem["errors"][0]["field"], "slug");

    // With two locales sharing the slug, `locale=` picks one.
    let en = expect_json(
        app.get("/api/v1/articles/bonjour-le-monde?locale=en").await,
        200,
    )
    .await;
    assert_eq!(en["id"], english["id"]);
    let fr = expect_json(
        app.get("/api/v1/articles/bonjour-le-monde?locale=fr").await,
        200,
    )
    .await;
    assert_eq!(fr["id"], first["id"]);
}

#[tokio::test]
async fn derived_fields_and_formats_are_computed_from_the_markdown_body() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let long_body = format!("# Titre\n\n{}", "mot ".repeat(460));
    let article = app
        .create_article(json!({"title": "Long", "body": long_body, "author_ids": [author]}))
        .await;
    assert_eq!(article["word_count"], 461);
    assert_eq!(article["reading_time_minutes"], 3);
    assert!(
        article.get("body_html").is_none(),
        "formats are added only when asked"
    );

    let french = app
        .create_article(json!({"title": "Fr", "body": FRENCH_BODY, "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}?formats=html,text", id_of(&french));
    let read = expect_json(app.get(&path).await, 200).await;
    let html = read["body_html"].as_str().expect("body_html");
    assert!(html.contains("<strong>chaud</strong>"), "{html}");
    assert!(html.contains("« Bonjour »"), "{html}");
    assert!(!html.contains("<script"), "sanitised: {html}");
    let text = read["body_text"].as_str().expect("body_text");
    assert!(
        text.starts_with("« Bonjour », dit‑elle — l’été fut chaud."),
        "{text}"
    );
    assert!(!text.contains("**"), "{text}");
}

#[tokio::test]
async fn patch_changes_only_the_fields_sent_and_null_clears_optional_ones() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let tag = id_of(&app.create_tag("Politique").await);
    let article = app
        .create_article(json!({"title": "Avant", "subtitle": "Sous-titre", "body": "Corps", "author_ids": [author],
                               "tag_ids": [tag], "seo": {"title": "SEO", "description": "Desc"},
                               "featured_image": {"url": "https://img.example/a.jpg", "alt": "Une image"}}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));

    let patched = expect_json(
        app.patch(
            &path,
            &json!({"title": "Après", "subtitle": null, "seo": {"title": "SEO 2"}}),
        )
        .await,
        200,
    )
    .await;

    assert_eq!(patched["title"], "Après");
    assert_eq!(patched["subtitle"], Value::Null);
    assert_eq!(patched["body"], "Corps");
    assert_eq!(
        patched["slug"], "avant",
        "the slug stays when the title changes"
    );
    assert_eq!(
        patched["seo"],
        json!({"title": "SEO 2", "description": "Desc", "canonical_url": null})
    );
    assert_eq!(patched["featured_image"]["alt"], "Une image");
    assert_eq!(patched["tag_ids"], json!([tag]));
    assert_eq!(patched["version"], 2);
    assert_eq!(expect_json(app.get(&path).await, 200).await, patched);
}

#[tokio::test]
async fn put_replaces_the_writable_fields_and_keeps_slug_and_locale() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let tag = id_of(&app.create_tag("Sport").await);
    let article = app
        .create_article(json!({"title": "Titre", "subtitle": "Sous", "locale": "fr", "author_ids": [author], "tag_ids": [tag]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));

    let replaced = expect_json(
        app.put(&path, &json!({"title": "Nouveau", "author_ids": [author]}))
            .await,
        200,
    )
    .await;

    assert_eq!(replaced["title"], "Nouveau");
    assert_eq!(replaced["subtitle"], Value::Null);
    assert_eq!(replaced["tag_ids"], json!([]));
    assert_eq!(replaced["slug"], "titre");
    assert_eq!(replaced["locale"], "fr");
}

#[tokio::test]
async fn authors_and_tags_keep_their_order_and_expand_with_include() {
    let app = TestApp::spawn().await;
    let a = app.create_author("Anne").await;
    let b = app.create_author("Bruno").await;
    let t1 = app.create_tag("Zèbre").await;
    let t2 = app.create_tag("Âne").await;
    let article = app
        .create_article(json!({"title": "Ordre", "author_ids": [id_of(&b), id_of(&a)], "tag_ids": [id_of(&t1), id_of(&t2)]}))
        .await;

    let path = format!("/api/v1/articles/{}?include=authors,tags", id_of(&article));
    let read = expect_json(app.get(&path).await, 200).await;

    assert_eq!(read["author_ids"], json!([id_of(&b), id_of(&a)]));
    let names: Vec<&str> = read["authors"]
        .as_array()
        .expect("authors")
        .iter()
        .map(|x| x["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Bruno", "Anne"]);
    let tags: Vec<&str> = read["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|x| x["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(tags, ["Zèbre", "Âne"]);
}

#[tokio::test]
async fn delete_removes_the_article_and_then_it_is_404() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let article = app
        .create_article(json!({"title": "Éphémère", "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));

    let response = app.delete(&path).await;
    assert_eq!(response.status(), 204);
    expect_problem(app.get(&path).await, 404).await;
    expect_problem(app.delete(&path).await, 404).await;
}

#[tokio::test]
async fn imports_may_create_published_articles_with_a_given_publication_date() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let article = app
        .create_article(
            json!({"title": "Archive", "author_ids": [author], "state": "published",
                               "published_at": "2019-05-04T10:00:00Z"}),
        )
        .await;
    assert_eq!(article["state"], "published");
    assert_eq!(article["published_at"], "2019-05-04T10:00:00Z");
    assert_eq!(article["published_version"], 1);

    // Afterwards the state is the workflow's business.
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let problem = expect_problem(app.patch(&path, &json!({"state": "draft"})).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "state");
}

#[tokio::test]
async fn get_with_a_matching_if_none_match_is_304_and_if_match_guards_writes() {
    let app = TestApp::spawn().await;
    let author = author_id(&app).await;
    let article = app
        .create_article(json!({"title": "Cache", "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let first = app.get(&path).await;
    let etag = header(&first, "etag").expect("etag");

    let again = crate::helpers::send(
        app.request(reqwest::Method::GET, &path)
            .header("If-None-Match", &etag),
    )
    .await;
    assert_eq!(again.status(), 304);

    let ok = crate::helpers::send(
        app.request(reqwest::Method::PATCH, &path)
            .header("If-Match", &etag)
            .json(&json!({"title": "Cache 2"})),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let stale = crate::helpers::send(
        app.request(reqwest::Method::PATCH, &path)
            .header("If-Match", &etag)
            .json(&json!({"title": "Cache 3"})),
    )
    .await;
    let problem = expect_problem(stale, 412).await;
    assert_eq!(problem["current_version"], 2);
    assert_eq!(
        expect_json(app.get(&path).await, 200).await["title"],
        "Cache 2",
        "a stale write changes nothing"
    );
}
