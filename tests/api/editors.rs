//! Editors' tools (design §15): autosave, preview links, former slugs that
//! redirect, tag merge and detach, over REST and GraphQL.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, created, data, error_code, expect_json, expect_problem, header, id_of, send,
};

/// A client that shows redirects instead of following them.
fn unfollowing() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn publish(app: &TestApp, id: &str) {
    let path = format!("/api/v1/articles/{id}/transitions");
    expect_json(app.post(&path, &json!({"action": "publish"})).await, 200).await;
}

async fn revisions(app: &TestApp, id: &str) -> Vec<Value> {
    let path = format!("/api/v1/articles/{id}/revisions");
    expect_json(app.get(&path).await, 200).await["data"]
        .as_array()
        .unwrap()
        .clone()
}

async fn autosave(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    let path = format!("/api/v1/articles/{id}?autosave=true");
    send(app.request_as(token, Method::PATCH, &path).json(body)).await
}

#[tokio::test]
async fn an_autosave_overwrites_one_slot_per_user_and_the_next_save_folds_it_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let (_, editor) = app.user("editor", None).await;
    let author = id_of(&app.create_author("Louise Michel").await);
    let article = app
        .create_article(json!({"title": "Premier jet", "author_ids": [author], "body": "Un."}))
        .await;
    let id = id_of(&article);
    let path = format!("/api/v1/articles/{id}");

    let first = expect_json(
        autosave(&app, &admin, &id, &json!({"title": "L’été « chaud »"})).await,
        200,
    )
    .await;
    assert_eq!(first["content"]["title"], "L’été « chaud »", "{first}");
    assert_eq!(first["base_version"], 1);
    // The second autosave overwrites the slot, keeping what the first held.
    let second = expect_json(
        autosave(&app, &admin, &id, &json!({"body": "Deux paragraphes…"})).await,
        200,
    )
    .await;
    assert_eq!(second["content"]["title"], "L’été « chaud »", "{second}");
    assert_eq!(second["content"]["body"], "Deux paragraphes…");
    let slot = expect_json(app.get(&format!("{path}/autosave")).await, 200).await;
    assert_eq!(slot["content"], second["content"]);
    assert_eq!(slot["user_id"], second["user_id"]);

    // No revision, and the article itself is unchanged.
    assert_eq!(revisions(&app, &id).await.len(), 1);
    let stored = expect_json(app.get(&path).await, 200).await;
    assert_eq!(
        (stored["version"].clone(), stored["title"].clone()),
        (json!(1), json!("Premier jet"))
    );
    // One slot per user: the editor has none.
    let none = send(app.request_as(&editor, Method::GET, &format!("{path}/autosave"))).await;
    expect_problem(none, 404).await;
    // A broken autosave is refused like an edit, and keeps the slot as it was.
    let broken = autosave(&app, &admin, &id, &json!({"title": ""})).await;
    expect_problem(broken, 422).await;
    let key = app.api_key("preview").await;
    expect_problem(
        autosave(&app, &key, &id, &json!({"title": "Clé"})).await,
        403,
    )
    .await;

    // The next save folds it in: one revision with both.
    let saved = expect_json(
        app.patch(&path, &json!({"subtitle": "Sous-titre"})).await,
        200,
    )
    .await;
    assert_eq!(saved["version"], 2);
    assert_eq!(saved["title"], "L’été « chaud »");
    assert_eq!(saved["body"], "Deux paragraphes…");
    assert_eq!(saved["subtitle"], "Sous-titre");
    assert_eq!(revisions(&app, &id).await.len(), 2);
    expect_problem(app.get(&format!("{path}/autosave")).await, 404).await;

    // Someone else saves meanwhile: only what the autosave changed is folded in.
    let mine = autosave(&app, &editor, &id, &json!({"title": "Titre de l’éditrice"})).await;
    assert_eq!(expect_json(mine, 200).await["base_version"], 2);
    let theirs = app
        .patch(&path, &json!({"body": "Corps de l’admin."}))
        .await;
    assert_eq!(expect_json(theirs, 200).await["version"], 3);
    let folded = send(
        app.request_as(&editor, Method::PATCH, &path)
            .json(&json!({})),
    )
    .await;
    let folded = expect_json(folded, 200).await;
    assert_eq!(folded["version"], 4);
    assert_eq!(folded["title"], "Titre de l’éditrice");
    assert_eq!(
        folded["body"], "Corps de l’admin.",
        "the admin's save is kept"
    );

    // GraphQL: the same slot, through `autosaveArticle` and `Article.autosave`.
    let saved = app
        .gql(
            "mutation($id: ID!) { autosaveArticle(id: $id, input: {excerpt: \"Chapô\"}) { baseVersion content } }",
            json!({"id": id}),
        )
        .await;
    let saved = data(saved);
    assert_eq!(saved["autosaveArticle"]["baseVersion"], 4);
    assert_eq!(saved["autosaveArticle"]["content"]["excerpt"], "Chapô");
    let read = data(
        app.gql(
            "query($id: UUID!) { article(id: $id) { version excerpt autosave { content } } }",
            json!({"id": id}),
        )
        .await,
    );
    assert_eq!(read["article"]["version"], 4);
    assert_eq!(read["article"]["excerpt"], Value::Null);
    assert_eq!(read["article"]["autosave"]["content"]["excerpt"], "Chapô");
}

#[tokio::test]
async fn a_preview_link_opens_one_working_copy_until_it_expires_or_is_revoked() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Olympe de Gouges").await);
    let draft = app
        .create_article(json!({"title": "Brouillon « secret »", "slug": "brouillon-secret", "author_ids": [author]}))
        .await;
    let other = app
        .create_article(json!({"title": "Autre brouillon", "author_ids": [author]}))
        .await;
    let (id, other) = (id_of(&draft), id_of(&other));
    let links = format!("/api/v1/articles/{id}/preview-links");
    let anonymous = |path: String| send(app.anonymous(Method::GET, &path));

    expect_problem(
        anonymous(format!("/api/v1/articles/{id}?preview_token=mhpl_faux")).await,
        403,
    )
    .await;
    let link = created(app.post(&links, &json!({"expires_in": 3600})).await).await;
    let token = link["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("mhpl_"), "{link}");
    assert_eq!(link["active"], true);
    let url = link["url"].as_str().unwrap().to_owned();
    assert_eq!(url, format!("/api/v1/articles/{id}?preview_token={token}"));

    // Anyone with the link reads the working copy, and no shared cache keeps it.
    let shared = anonymous(url.clone()).await;
    assert_eq!(
        header(&shared, "cache-control").as_deref(),
        Some("private, no-store")
    );
    let shared = expect_json(shared, 200).await;
    assert_eq!(shared["title"], "Brouillon « secret »");
    assert_eq!(shared["state"], "draft");
    let by_slug = anonymous(format!(
        "/api/v1/articles/brouillon-secret?preview_token={token}"
    ))
    .await;
    assert_eq!(expect_json(by_slug, 200).await["id"], id.as_str());
    // Only that article, and only with the token.
    let elsewhere = anonymous(format!("/api/v1/articles/{other}?preview_token={token}")).await;
    expect_problem(elsewhere, 403).await;
    expect_problem(anonymous(format!("/api/v1/articles/{id}")).await, 404).await;
    let query = "query($id: UUID!, $token: String) { article(id: $id, previewToken: $token) { title state } }";
    let read = app
        .gql_anonymous(query, json!({"id": id, "token": token}))
        .await;
    assert_eq!(data(read)["article"]["title"], "Brouillon « secret »");

    // Listed without their tokens; a bad lifetime is refused.
    let listed = expect_json(app.get(&links).await, 200).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(listed["data"][0].get("token").is_none(), "{listed}");
    assert!(!listed.to_string().contains(&token));
    let refused = expect_problem(app.post(&links, &json!({"expires_in": 5})).await, 422).await;
    assert_eq!(refused["errors"][0]["field"], "expires_in");
    let fraction = app.post(&links, &json!({"expires_in": 90.5})).await;
    assert_eq!(
        expect_problem(fraction, 422).await["errors"][0]["field"],
        "expires_in"
    );
    // JSON has one kind of number: 3600.0 is a whole number of seconds.
    let whole = created(app.post(&links, &json!({"expires_in": 3600.0})).await).await;
    assert_eq!(
        app.delete(&format!("{links}/{}", id_of(&whole)))
            .await
            .status(),
        204
    );

    // Revoked: it stops at once.
    let revoke = format!("{links}/{}", id_of(&link));
    assert_eq!(app.delete(&revoke).await.status(), 204);
    expect_problem(anonymous(url).await, 403).await;
    let read = app
        .gql_anonymous(query, json!({"id": id, "token": token}))
        .await;
    assert_eq!(error_code(&read), "FORBIDDEN");
    let listed = expect_json(app.get(&links).await, 200).await;
    let all = listed["data"].as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert!(
        all.iter()
            .all(|l| l["active"] == false && l["revoked_at"].is_string()),
        "{listed}"
    );

    // Expired: it stops too.
    let link = created(app.post(&links, &json!({})).await).await;
    let url = link["url"].as_str().unwrap().to_owned();
    assert_eq!(
        expect_json(anonymous(url.clone()).await, 200).await["id"],
        id.as_str()
    );
    app.run_sql("UPDATE preview_links SET expires_at = created_at")
        .await;
    expect_problem(anonymous(url).await, 403).await;
}

#[tokio::test]
async fn former_slugs_redirect_to_the_current_one_and_never_shadow_a_current_slug() {
    let app = TestApp::spawn().await;
    let plain = unfollowing();
    let get = |path: &str| send(plain.get(app.url(path)));
    let author = app.create_author("Victor Hugo").await;
    let article = app
        .create_article(json!({"title": "Les Misérables", "slug": "ancien-titre", "author_ids": [id_of(&author)], "state": "published"}))
        .await;
    let id = id_of(&article);
    let path = format!("/api/v1/articles/{id}");
    expect_json(
        app.patch(&path, &json!({"slug": "nouveau-titre"})).await,
        200,
    )
    .await;
    // Until it is published again, readers still find it at its old slug.
    assert_eq!(get("/api/v1/articles/ancien-titre").await.status(), 200);
    publish(&app, &id).await;

    let moved = get("/api/v1/articles/ancien-titre?include=authors").await;
    assert_eq!(moved.status(), 301);
    assert_eq!(
        header(&moved, "location").as_deref(),
        Some("/api/v1/articles/nouveau-titre?include=authors")
    );
    let followed = expect_json(app.get("/api/v1/articles/ancien-titre").await, 200).await;
    assert_eq!(followed["slug"], "nouveau-titre");
    let query = "query($slug: String) { article(slug: $slug) { slug redirectTo } }";
    let read = data(
        app.gql_anonymous(query, json!({"slug": "ancien-titre"}))
            .await,
    );
    assert_eq!(
        read["article"],
        json!({"slug": "nouveau-titre", "redirectTo": "nouveau-titre"})
    );
    let read = data(
        app.gql_anonymous(query, json!({"slug": "nouveau-titre"}))
            .await,
    );
    assert_eq!(read["article"]["redirectTo"], Value::Null);
    assert_eq!(get("/api/v1/articles/jamais-vu").await.status(), 404);

    // A current slug wins over a former one.
    let newer = app
        .create_article(json!({"title": "Autre", "slug": "ancien-titre", "author_ids": [id_of(&author)], "state": "published"}))
        .await;
    let current = expect_json(get("/api/v1/articles/ancien-titre").await, 200).await;
    assert_eq!(current["id"], newer["id"]);

    // Tags and authors too, on both APIs.
    let tag = app.create_tag("Économie").await;
    let tag_path = format!("/api/v1/tags/{}", id_of(&tag));
    expect_json(app.patch(&tag_path, &json!({"slug": "eco"})).await, 200).await;
    let moved = get("/api/v1/tags/economie").await;
    assert_eq!(moved.status(), 301);
    assert_eq!(
        header(&moved, "location").as_deref(),
        Some("/api/v1/tags/eco")
    );
    let read = data(
        app.gql_anonymous("{ tag(slug: \"economie\") { slug redirectTo } }", json!({}))
            .await,
    );
    assert_eq!(read["tag"], json!({"slug": "eco", "redirectTo": "eco"}));
    let author_path = format!("/api/v1/authors/{}", id_of(&author));
    expect_json(app.patch(&author_path, &json!({"slug": "hugo"})).await, 200).await;
    let moved = get("/api/v1/authors/victor-hugo").await;
    assert_eq!(moved.status(), 301);
    assert_eq!(
        header(&moved, "location").as_deref(),
        Some("/api/v1/authors/hugo")
    );
    let read = data(
        app.gql_anonymous(
            "{ author(slug: \"victor-hugo\") { redirectTo } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(read["author"]["redirectTo"], "hugo");
    // Taking the former slug back makes it current again.
    expect_json(
        app.patch(&tag_path, &json!({"slug": "economie"})).await,
        200,
    )
    .await;
    assert_eq!(get("/api/v1/tags/economie").await.status(), 200);
    assert_eq!(get("/api/v1/tags/eco").await.status(), 301);
}

#[tokio::test]
async fn a_merge_moves_every_article_with_a_revision_and_the_merged_slug_redirects() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Marie Curie").await);
    let ocs = id_of(&app.create_tag("OCS").await);
    let sco = id_of(&app.create_tag("SCO").await);
    let other = id_of(&app.create_tag("Sciences").await);
    let mut ids = Vec::new();
    for (title, tags, state) in [
        ("Le radium", json!([ocs]), "draft"),
        ("Le polonium", json!([sco, other, ocs]), "draft"),
        ("L’uranium", json!([ocs, other]), "published"),
    ] {
        let body = json!({"title": title, "author_ids": [author], "tag_ids": tags, "state": state});
        ids.push(id_of(&app.create_article(body).await));
    }
    let merge = format!("/api/v1/tags/{ocs}/merge");
    let itself = expect_problem(app.post(&merge, &json!({"into": ocs})).await, 422).await;
    assert_eq!(itself["errors"][0]["field"], "into");
    expect_problem(app.post(&merge, &json!({"into": "inconnu"})).await, 422).await;

    let target = expect_json(app.post(&merge, &json!({"into": "sco"})).await, 200).await;
    assert_eq!(target["id"], sco.as_str());
    assert_eq!(target["article_count"], 1, "the published one");
    let expected = [json!([sco]), json!([sco, other]), json!([sco, other])];
    for (id, tags) in ids.iter().zip(expected) {
        let article = expect_json(app.get(&format!("/api/v1/articles/{id}")).await, 200).await;
        assert_eq!(article["tag_ids"], tags, "{article}");
        assert_eq!(article["version"], 2);
        let history = revisions(&app, id).await;
        assert_eq!(history.len(), 2);
        assert_eq!(
            history[0]["message"], "tag `ocs` merged into `sco`",
            "{history:?}"
        );
    }
    // The published article stays published, and readers see the new tag at once.
    let live = send(app.anonymous(
        Method::GET,
        &format!("/api/v1/articles/{}?include=tags", ids[2]),
    ))
    .await;
    let live = expect_json(live, 200).await;
    assert_eq!(live["state"], "published");
    assert_eq!(live["tags"][0]["slug"], "sco");
    let filed = expect_json(app.get("/api/v1/articles?tag=sco").await, 200).await;
    assert_eq!(filed["meta"]["total"], 3);
    // The merged tag is gone; its slug leads to the target.
    expect_problem(app.get(&format!("/api/v1/tags/{ocs}")).await, 404).await;
    let moved = send(unfollowing().get(app.url("/api/v1/tags/ocs"))).await;
    assert_eq!(
        header(&moved, "location").as_deref(),
        Some("/api/v1/tags/sco")
    );

    // GraphQL: `mergeTag`.
    let a = id_of(&app.create_tag("A").await);
    let b = id_of(&app.create_tag("B").await);
    let body = json!({"title": "Lettre", "author_ids": [author], "tag_ids": [a]});
    let letter = id_of(&app.create_article(body).await);
    let merged = app
        .gql(
            "mutation($a: ID!, $b: ID!) { mergeTag(id: $a, into: $b) { slug } }",
            json!({"a": a, "b": b}),
        )
        .await;
    assert_eq!(data(merged)["mergeTag"]["slug"], "b");
    let letter = expect_json(app.get(&format!("/api/v1/articles/{letter}")).await, 200).await;
    assert_eq!(letter["tag_ids"], json!([b]));
}

#[tokio::test]
async fn detach_deletes_a_used_tag_and_leaves_its_articles_otherwise_unchanged() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Colette").await);
    let gone = id_of(&app.create_tag("Doublon").await);
    let kept = id_of(&app.create_tag("Littérature").await);
    let body = json!({"title": "Claudine à l’école", "body": "« Je m’appelle Claudine »", "author_ids": [author],
        "tag_ids": [gone, kept], "state": "published"});
    let published = app.create_article(body).await;
    let draft = app
        .create_article(json!({"title": "Chéri", "author_ids": [author], "tag_ids": [gone]}))
        .await;
    let tag_path = format!("/api/v1/tags/{gone}");

    let refused = expect_problem(app.delete(&tag_path).await, 409).await;
    assert!(
        refused["detail"].as_str().unwrap().contains("detach=true"),
        "{refused}"
    );
    assert_eq!(
        app.delete(&format!("{tag_path}?detach=true"))
            .await
            .status(),
        204
    );
    expect_problem(app.get(&tag_path).await, 404).await;

    for (before, tags) in [(&published, json!([kept])), (&draft, json!([]))] {
        let path = format!("/api/v1/articles/{}", id_of(before));
        let after = expect_json(app.get(&path).await, 200).await;
        assert_eq!(after["tag_ids"], tags);
        assert_eq!(after["version"], 2);
        for field in [
            "title",
            "body",
            "slug",
            "state",
            "author_ids",
            "published_at",
        ] {
            assert_eq!(after[field], before[field], "{field} changed");
        }
    }
    let live = send(app.anonymous(
        Method::GET,
        &format!("/api/v1/articles/{}", id_of(&published)),
    ))
    .await;
    let live = expect_json(live, 200).await;
    assert_eq!(live["tag_ids"], json!([kept]));
    assert_eq!(live["body"], "« Je m’appelle Claudine »");

    // GraphQL: `deleteTag(detach: true)`.
    let tag = id_of(&app.create_tag("Éphémère").await);
    let body = json!({"title": "Gigi", "author_ids": [author], "tag_ids": [tag]});
    let gigi = id_of(&app.create_article(body).await);
    let answer = app
        .gql(
            "mutation($id: ID!) { deleteTag(id: $id) }",
            json!({"id": tag}),
        )
        .await;
    assert_eq!(error_code(&answer), "CONFLICT");
    let answer = app
        .gql(
            "mutation($id: ID!) { deleteTag(id: $id, detach: true) }",
            json!({"id": tag}),
        )
        .await;
    assert_eq!(data(answer)["deleteTag"], true);
    let gigi = expect_json(app.get(&format!("/api/v1/articles/{gigi}")).await, 200).await;
    assert_eq!(gigi["tag_ids"], json!([]));
}
