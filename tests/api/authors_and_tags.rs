//! Authors and tags: CRUD, slugs, and the rules that keep articles whole.

use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_json, expect_problem, header, id_of};

#[tokio::test]
async fn author_crud_with_social_links_in_their_given_order() {
    let app = TestApp::spawn().await;
    let social =
        json!({"mastodon": "@zoe@piaille.fr", "bluesky": "zoe.bsky.social", "github": "zoe"});

    let response = app
        .post("/api/v1/authors", &json!({"name": "Zoë Lefèvre", "email": "zoe@exemple.fr", "bio": "Journaliste « économie »",
                                         "website": "https://zoe.example", "social": social}))
        .await;
    let location = header(&response, "location").expect("Location");
    let author = expect_json(response, 201).await;
    assert_eq!(author["slug"], "zoe-lefevre");
    let raw = app.get(&location).await.text().await.expect("body");
    assert!(
        raw.contains(
            r#""social":{"mastodon":"@zoe@piaille.fr","bluesky":"zoe.bsky.social","github":"zoe"}"#
        ),
        "{raw}"
    );

    let by_slug = expect_json(app.get("/api/v1/authors/zoe-lefevre").await, 200).await;
    assert_eq!(by_slug["id"], author["id"]);

    let patched = expect_json(
        app.patch(&location, &json!({"bio": null, "name": "Zoë L."}))
            .await,
        200,
    )
    .await;
    assert_eq!(patched["bio"], Value::Null);
    assert_eq!(patched["name"], "Zoë L.");
    assert_eq!(patched["slug"], "zoe-lefevre");
    assert_eq!(patched["version"], 2);

    let replaced = expect_json(app.put(&location, &json!({"name": "Zoë"})).await, 200).await;
    assert_eq!(
        replaced["email"],
        Value::Null,
        "PUT clears what it does not send"
    );
    assert_eq!(replaced["social"], Value::Null);

    assert_eq!(app.delete(&location).await.status(), 204);
    expect_problem(app.get(&location).await, 404).await;
}

#[tokio::test]
async fn tag_crud_counts_published_articles() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    let tag = app.create_tag("Économie").await;
    assert_eq!(tag["slug"], "economie");
    assert_eq!(tag["article_count"], 0);
    let tag_id = id_of(&tag);
    app.create_article(json!({"title": "Publié", "author_ids": [author], "tag_ids": [tag_id], "state": "published"})).await;
    app.create_article(json!({"title": "Brouillon", "author_ids": [author], "tag_ids": [tag_id]}))
        .await;

    let read = expect_json(app.get("/api/v1/tags/economie").await, 200).await;
    assert_eq!(read["article_count"], 1, "only published articles count");
    let list = expect_json(app.get("/api/v1/tags").await, 200).await;
    assert_eq!(list["data"][0]["article_count"], 1);

    let renamed = expect_json(
        app.patch(
            &format!("/api/v1/tags/{tag_id}"),
            &json!({"name": "Éco", "description": "Marchés"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Éco");
    assert_eq!(renamed["slug"], "economie");
}

#[tokio::test]
async fn authors_and_tags_in_use_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Auteur").await);
    let tag = id_of(&app.create_tag("Étiquette").await);
    let article = app
        .create_article(json!({"title": "Lié", "author_ids": [author], "tag_ids": [tag]}))
        .await;

    expect_problem(app.delete(&format!("/api/v1/authors/{author}")).await, 409).await;
    expect_problem(app.delete(&format!("/api/v1/tags/{tag}")).await, 409).await;
    let still = expect_json(
        app.get(&format!("/api/v1/articles/{}", id_of(&article)))
            .await,
        200,
    )
    .await;
    assert_eq!(still["author_ids"], json!([author]));
    assert_eq!(still["tag_ids"], json!([tag]));

    // A soft-deleted article can be restored, so it still holds its credits.
    let article_path = format!("/api/v1/articles/{}", id_of(&article));
    assert_eq!(app.delete(&article_path).await.status(), 204);
    expect_problem(app.delete(&format!("/api/v1/authors/{author}")).await, 409).await;
    let purge = format!("{article_path}?permanent=true");
    assert_eq!(app.delete(&purge).await.status(), 204);
    assert_eq!(
        app.delete(&format!("/api/v1/authors/{author}"))
            .await
            .status(),
        204
    );
    assert_eq!(
        app.delete(&format!("/api/v1/tags/{tag}")).await.status(),
        204
    );
}

#[tokio::test]
async fn author_and_tag_slugs_are_unique() {
    let app = TestApp::spawn().await;
    let first = app.create_author("Jean Dupont").await;
    let second = app.create_author("Jean Dupont").await;
    assert_eq!(first["slug"], "jean-dupont");
    assert_eq!(second["slug"], "jean-dupont-2");

    let taken = app
        .post(
            "/api/v1/authors",
            &json!({"name": "Autre", "slug": "jean-dupont"}),
        )
        .await;
    assert_eq!(
        expect_problem(taken, 409).await["errors"][0]["field"],
        "slug"
    );
    let rename = app
        .patch(
            &format!("/api/v1/authors/{}", id_of(&second)),
            &json!({"slug": "jean-dupont"}),
        )
        .await;
    expect_problem(rename, 409).await;

    app.create_tag("Santé").await;
    let taken = app
        .post("/api/v1/tags", &json!({"name": "Autre", "slug": "sante"}))
        .await;
    expect_problem(taken, 409).await;
}
