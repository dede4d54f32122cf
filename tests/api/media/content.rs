//! Pictures in content: the featured image and avatars from the library,
//! `asset:` pictures in bodies (HTML and the mdast tree, REST and GraphQL),
//! what makes an asset public, who may change it, its revisions, and
//! deleting it while used.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Target, jpeg, png};
use crate::helpers::{
    TestApp, created, data, error_fields, expect_json, expect_problem, id_of, send,
};

fn target(app: &TestApp) -> Target {
    Target {
        base: app.address.clone(),
        token: app.admin_token.clone(),
        client: app.client.clone(),
    }
}

async fn publish(app: &TestApp, id: &str) {
    let path = format!("/api/v1/articles/{id}/transitions");
    expect_json(app.post(&path, &json!({"action": "publish"})).await, 200).await;
}

#[tokio::test]
async fn an_article_shows_its_library_pictures_in_every_format() {
    let app = TestApp::spawn().await;
    let t = target(&app);
    let author = app.create_author("Zoë Lefèvre").await;
    let photo = t.upload(jpeg(1000, 750), "port.jpg").await;
    let photo_id = id_of(&photo);
    let patched = app
        .patch(
            &format!("/api/v1/assets/{photo_id}"),
            &json!({"alt": "Le Vieux-Port au lever du jour", "credit": "Agence « Sud »"}),
        )
        .await;
    expect_json(patched, 200).await;
    let inline = t.upload(png(500, 300), "carte.png").await;
    let inline_id = id_of(&inline);
    let body = format!(
        "## Le port\n\nAvant ![Carte du « quartier »](asset:{inline_id}) après.\n\n![Ailleurs](https://example.org/x.png)"
    );
    let article = app
        .create_article(json!({
            "title": "Marseille à l’aube",
            "body": body,
            "author_ids": [id_of(&author)],
            "featured_image": {"asset_id": photo_id},
        }))
        .await;
    let id = id_of(&article);
    let featured = &article["featured_image"];
    assert_eq!(featured["asset_id"], photo_id.as_str());
    assert_eq!(featured["url"], photo["url"]);
    assert_eq!(
        featured["alt"], "Le Vieux-Port au lever du jour",
        "the asset's alt by default"
    );
    assert_eq!(
        (featured["width"].as_u64(), featured["height"].as_u64()),
        (Some(1000), Some(750))
    );
    let url = photo["url"].as_str().unwrap();
    assert_eq!(
        featured["srcset"],
        format!(
            "{url}?w=160 160w, {url}?w=320 320w, {url}?w=640 640w, {url}?w=960 960w, {url} 1000w"
        )
        .as_str()
    );

    // Before publication the public sees neither the article nor its pictures.
    let media = inline["url"].as_str().unwrap();
    let status = |path: String| {
        let request = app.anonymous(Method::GET, &path);
        async move { send(request).await.status().as_u16() }
    };
    assert_eq!(status(media.to_owned()).await, 404);
    publish(&app, &id).await;
    assert_eq!(status(media.to_owned()).await, 200);
    assert_eq!(status(format!("/api/v1/assets/{inline_id}")).await, 200);
    let served = send(app.anonymous(Method::GET, media)).await;
    assert_eq!(
        served.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    // REST: HTML with the picture at its URL, and the mdast tree.
    let read = expect_json(
        send(app.anonymous(
            Method::GET,
            &format!("/api/v1/articles/{id}?formats=html,ast"),
        ))
        .await,
        200,
    )
    .await;
    let html = read["body_html"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "<img src=\"{media}\" alt=\"Carte du « quartier »\" width=\"500\" height=\"300\""
        )),
        "{html}"
    );
    assert!(!html.contains("asset:"), "{html}");
    let ast = &read["body_ast"];
    assert_eq!(ast["type"], "root");
    assert_eq!(ast["children"][0]["type"], "heading");
    assert_eq!(ast["children"][0]["depth"], 2);
    let image = &ast["children"][1]["children"][1];
    assert_eq!(image["type"], "image");
    assert_eq!(image["url"], media);
    assert_eq!(image["alt"], "Carte du « quartier »");
    assert_eq!(image["asset"]["id"], inline_id.as_str());
    assert_eq!(image["asset"]["width"], 500);
    let elsewhere = &ast["children"][2]["children"][0];
    assert_eq!(elsewhere["url"], "https://example.org/x.png");
    assert_eq!(elsewhere["asset"], Value::Null);
    assert_eq!(read["featured_image"]["asset_id"], photo_id.as_str());

    // GraphQL gives the same.
    let answer = app
        .gql_anonymous(
            "query($id: ID!) { article(id: $id) { featuredImage { assetId url alt width height srcset } bodyHtml bodyAst } }",
            json!({"id": id}),
        )
        .await;
    let gql = data(answer)["article"].clone();
    assert_eq!(gql["bodyHtml"], read["body_html"]);
    assert_eq!(gql["bodyAst"], read["body_ast"]);
    assert_eq!(gql["featuredImage"]["assetId"], photo_id.as_str());
    assert_eq!(
        gql["featuredImage"]["srcset"],
        read["featured_image"]["srcset"]
    );

    // Who uses what.
    let usage = expect_json(
        app.get(&format!("/api/v1/assets/{inline_id}/usage")).await,
        200,
    )
    .await;
    assert_eq!(usage["articles"][0]["id"], id.as_str());
    assert_eq!(
        (
            usage["articles"][0]["live"].as_bool(),
            usage["articles"][0]["working"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let listed = expect_json(app.get("/api/v1/assets?used=true").await, 200).await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["usage_count"] == 1)
    );
    let unused = expect_json(app.get("/api/v1/assets?used=false&type=image").await, 200).await;
    assert_eq!(unused["meta"]["total"], 0);

    // An external image still works as before.
    let external = app
        .patch(
            &format!("/api/v1/articles/{id}"),
            &json!({"featured_image": {"url": "https://images.example.org/a.jpg", "alt": "A"}}),
        )
        .await;
    let external = expect_json(external, 200).await;
    assert_eq!(external["featured_image"]["asset_id"], Value::Null);
    assert_eq!(external["featured_image"]["srcset"], Value::Null);
    assert_eq!(
        external["featured_image"]["url"],
        "https://images.example.org/a.jpg"
    );
}

#[tokio::test]
async fn references_to_missing_assets_are_refused() {
    let app = TestApp::spawn().await;
    let author = app.create_author("A").await;
    let missing = uuid::Uuid::now_v7();
    let response = app
        .post(
            "/api/v1/articles",
            &json!({
                "title": "T",
                "author_ids": [id_of(&author)],
                "featured_image": {"asset_id": missing},
                "body": "![x](asset:nope) ![y](asset:".to_owned() + &missing.to_string() + ")",
            }),
        )
        .await;
    let problem = expect_problem(response, 422).await;
    let fields = error_fields(&problem);
    assert!(
        fields.contains(&"featured_image.asset_id".to_owned()),
        "{problem}"
    );
    assert!(fields.contains(&"body".to_owned()), "{problem}");
}

#[tokio::test]
async fn a_used_asset_is_deleted_only_by_force_which_takes_it_out() {
    let app = TestApp::spawn().await;
    let t = target(&app);
    let author = app.create_author("Auteur").await;
    let photo = t.upload(jpeg(300, 200), "une.jpg").await;
    let photo_id = id_of(&photo);
    let article = app
        .create_article(json!({
            "title": "Avec photo",
            "body": format!("Texte ![Légende](asset:{photo_id})"),
            "author_ids": [id_of(&author)],
            "featured_image": {"asset_id": photo_id, "alt": "Une"},
        }))
        .await;
    let id = id_of(&article);
    publish(&app, &id).await;
    let avatar = app
        .patch(
            &format!("/api/v1/authors/{}", id_of(&author)),
            &json!({"avatar": {"asset_id": photo_id}}),
        )
        .await;
    let avatar = expect_json(avatar, 200).await;
    assert_eq!(avatar["avatar"]["asset_id"], photo_id.as_str());
    assert_eq!(avatar["avatar_url"], photo["url"]);

    let path = format!("/api/v1/assets/{photo_id}");
    let refused = expect_problem(app.delete(&path).await, 409).await;
    let fields = error_fields(&refused);
    assert!(
        fields.contains(&"articles".to_owned()) && fields.contains(&"authors".to_owned()),
        "{refused}"
    );

    // Forcing is for admins.
    let (_, editor) = app.user("editor", None).await;
    let forced = send(app.request_as(&editor, Method::DELETE, &format!("{path}?force=true"))).await;
    expect_problem(forced, 403).await;
    let forced = app.delete(&format!("{path}?force=true")).await;
    assert_eq!(forced.status(), 204);

    let working = expect_json(
        app.get(&format!("/api/v1/articles/{id}?preview=true&formats=html"))
            .await,
        200,
    )
    .await;
    assert_eq!(working["featured_image"], Value::Null);
    assert_eq!(working["version"], 2);
    assert!(
        working["body_html"]
            .as_str()
            .unwrap()
            .contains("Texte Légende"),
        "{working}"
    );
    let revisions = expect_json(
        app.get(&format!("/api/v1/articles/{id}/revisions")).await,
        200,
    )
    .await;
    assert_eq!(
        revisions["data"][0]["message"],
        "featured image removed: its asset was deleted"
    );
    let live = expect_json(
        send(app.anonymous(Method::GET, &format!("/api/v1/articles/{id}"))).await,
        200,
    )
    .await;
    assert_eq!(live["featured_image"], Value::Null);
    let author = expect_json(
        app.get(&format!("/api/v1/authors/{}", id_of(&author)))
            .await,
        200,
    )
    .await;
    assert_eq!(author["avatar"], Value::Null);
    assert_eq!(author["avatar_url"], Value::Null);
    assert_eq!(
        send(app.request(Method::GET, photo["url"].as_str().unwrap()))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn authors_change_their_own_uploads_and_edits_have_revisions() {
    let app = TestApp::spawn().await;
    let (_, writer) = app.user("author", None).await;
    let (_, other) = app.user("author", None).await;
    let (_, editor) = app.user("editor", None).await;
    let (_, viewer) = app.user("viewer", None).await;
    let upload = |token: &str| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(png(64, 64)).file_name("p.png"),
        );
        app.request_as(token, Method::POST, "/api/v1/assets")
            .multipart(form)
    };
    let mine = created(send(upload(&writer)).await).await;
    expect_problem(send(upload(&viewer)).await, 403).await;
    let path = format!("/api/v1/assets/{}", id_of(&mine));
    let edit =
        |token: &str, body: Value| send(app.request_as(token, Method::PATCH, &path).json(&body));
    expect_json(edit(&writer, json!({"alt": "Premier"})).await, 200).await;
    expect_problem(edit(&other, json!({"alt": "Pas à moi"})).await, 403).await;
    expect_problem(
        send(app.request_as(&other, Method::DELETE, &path)).await,
        403,
    )
    .await;
    let bad = expect_problem(
        edit(&editor, json!({"focal_point": {"x": 1.5, "y": 0.2}})).await,
        422,
    )
    .await;
    assert_eq!(error_fields(&bad), ["focal_point.x"]);
    let third = expect_json(
        edit(
            &editor,
            json!({"caption": "Vu du « toit »", "focal_point": {"x": 0.25, "y": 0.75}}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(third["version"], 3);
    assert_eq!(third["focal_point"], json!({"x": 0.25, "y": 0.75}));

    // History: list, diff and restore, as for every versioned type.
    let revisions = expect_json(app.get(&format!("{path}/revisions")).await, 200).await;
    assert_eq!(revisions["meta"]["total"], 3);
    let diff = expect_json(app.get(&format!("{path}/diff?from=1&to=2")).await, 200).await;
    assert_eq!(diff["changes"][0]["field"], "alt");
    assert_eq!(diff["changes"][0]["after"], "Premier");
    let restored = app
        .post(&format!("{path}/revisions/2/restore"), &json!({}))
        .await;
    let restored = expect_json(restored, 200).await;
    assert_eq!(restored["version"], 4);
    assert_eq!(restored["alt"], "Premier");
    assert_eq!(restored["caption"], Value::Null);
    assert_eq!(restored["focal_point"], Value::Null);
    // Stale If-Match: 412.
    let stale = send(
        app.request(Method::PATCH, &path)
            .header("if-match", "\"1-0000000000000000\"")
            .json(&json!({"alt": "x"})),
    )
    .await;
    expect_problem(stale, 412).await;
}

#[tokio::test]
async fn a_public_library_shows_every_asset() {
    let app = TestApp::spawn_with(|c| c.public_media = masthead::config::PublicMedia::All).await;
    let t = target(&app);
    let asset = t.upload(png(20, 20), "libre.png").await;
    let path = format!("/api/v1/assets/{}", id_of(&asset));
    assert_eq!(send(app.anonymous(Method::GET, &path)).await.status(), 200);
    let served = send(app.anonymous(Method::GET, asset["url"].as_str().unwrap())).await;
    assert_eq!(served.status(), 200);
    assert_eq!(
        served.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
}

#[tokio::test]
async fn assets_through_graphql_and_the_change_feed() {
    let app = TestApp::spawn().await;
    let t = target(&app);
    let asset = t.upload(png(40, 30), "schéma.png").await;
    let id = id_of(&asset);

    // Queries and mutations over the same domain.
    let listed = data(
        app.gql(
            "{ assets(first: 5, filter: {kind: IMAGE, used: false}) { totalCount nodes { id filename contentType width height url usageCount } } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(listed["assets"]["totalCount"], 1);
    let node = &listed["assets"]["nodes"][0];
    assert_eq!(node["id"], id.as_str());
    assert_eq!(
        (node["filename"].as_str(), node["width"].as_u64()),
        (Some("schema.png"), Some(40))
    );
    assert_eq!(node["url"], asset["url"]);
    let updated = data(
        app.gql(
            "mutation($id: ID!) { updateAsset(id: $id, input: {alt: \"Un « schéma »\", focalPoint: {x: 0.1, y: 0.9}}, expectedVersion: 1) { version alt focalPoint { x y } } }",
            json!({"id": id}),
        )
        .await,
    );
    assert_eq!(
        updated["updateAsset"],
        json!({"version": 2, "alt": "Un « schéma »", "focalPoint": {"x": 0.1, "y": 0.9}})
    );
    let stale = app
        .gql(
            "mutation($id: ID!) { updateAsset(id: $id, input: {alt: \"x\"}, expectedVersion: 1) { version } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(crate::helpers::error_code(&stale), "VERSION_CONFLICT");
    let history = data(
        app.gql(
            "query($id: UUID!) { asset(id: $id) { revisions { totalCount } diff(from: 1, to: 2) { changes { field } } } }",
            json!({"id": id}),
        )
        .await,
    );
    assert_eq!(history["asset"]["revisions"]["totalCount"], 2);
    // The public does not see an unused asset.
    let hidden = app
        .gql_anonymous(
            "query($id: UUID!) { asset(id: $id) { id } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(data(hidden)["asset"], Value::Null);

    // The change feed: asset events, and assets in a sync.
    let sync = expect_json(app.get("/api/v1/sync?types=assets").await, 200).await;
    assert_eq!(sync["items"][0]["type"], "asset");
    assert_eq!(sync["items"][0]["object"]["alt"], "Un « schéma »");
    let cursor = sync["next_cursor"].as_str().unwrap().to_owned();
    let deleted = data(
        app.gql(
            "mutation($id: ID!) { deleteAsset(id: $id) }",
            json!({"id": id}),
        )
        .await,
    );
    assert_eq!(deleted["deleteAsset"], true);
    let delta = expect_json(app.get(&format!("/api/v1/sync?cursor={cursor}")).await, 200).await;
    assert_eq!(delta["deleted"][0]["type"], "asset");
    assert_eq!(delta["deleted"][0]["id"], id.as_str());
    assert_eq!(delta["deleted"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn svg_is_refused_unless_allowed_and_then_sanitised() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)"><script>alert(2)</script><rect width="10" height="10" fill="red"/></svg>"#;
    let refused = TestApp::spawn().await;
    let response = send(
        refused
            .request(Method::POST, "/api/v1/assets")
            .header("content-disposition", "attachment; filename=logo.svg")
            .body(svg),
    )
    .await;
    expect_problem(response, 415).await;

    let app = TestApp::spawn_with(|c| c.allow_svg = true).await;
    let response = send(
        app.request(Method::POST, "/api/v1/assets")
            .header("content-disposition", "attachment; filename=logo.svg")
            .body(svg),
    )
    .await;
    let asset = created(response).await;
    assert_eq!(asset["content_type"], "image/svg+xml");
    let served = send(app.request(Method::GET, asset["url"].as_str().unwrap())).await;
    assert_eq!(
        served.headers()["content-security-policy"],
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    );
    let text = served.text().await.unwrap();
    assert!(
        text.contains("<rect") && !text.contains("script") && !text.contains("onload"),
        "{text}"
    );
}

#[tokio::test]
async fn a_public_sync_hears_of_pictures_a_publication_shows_or_hides() {
    let app = TestApp::spawn().await;
    let t = target(&app);
    let author = app.create_author("Auteur").await;
    let photo = t.upload(jpeg(200, 100), "vue.jpg").await;
    let article = app
        .create_article(json!({
            "title": "Vue",
            "author_ids": [id_of(&author)],
            "featured_image": {"asset_id": id_of(&photo)},
        }))
        .await;
    let sync = |cursor: Option<&str>| {
        let path = match cursor {
            Some(cursor) => format!("/api/v1/sync?cursor={cursor}"),
            None => "/api/v1/sync?types=assets".to_owned(),
        };
        let request = app.anonymous(Method::GET, &path);
        async move { expect_json(send(request).await, 200).await }
    };
    let first = sync(None).await;
    assert_eq!(first["items"], json!([]), "an unused upload is not public");
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    publish(&app, &id_of(&article)).await;
    let shown = sync(Some(&cursor)).await;
    assert_eq!(shown["items"][0]["type"], "asset");
    assert_eq!(shown["items"][0]["object"]["id"], photo["id"]);
    let cursor = shown["next_cursor"].as_str().unwrap().to_owned();

    // A draft that uses it too counts for editors, not for the public.
    app.create_article(json!({"title": "Brouillon", "author_ids": [id_of(&author)],
        "featured_image": {"asset_id": id_of(&photo)}}))
        .await;
    let asset_path = format!("/api/v1/assets/{}", id_of(&photo));
    let public = expect_json(send(app.anonymous(Method::GET, &asset_path)).await, 200).await;
    assert_eq!(public["usage_count"], 1);
    assert_eq!(
        expect_json(app.get(&asset_path).await, 200).await["usage_count"],
        2
    );

    let path = format!("/api/v1/articles/{}/transitions", id_of(&article));
    expect_json(app.post(&path, &json!({"action": "unpublish"})).await, 200).await;
    let hidden = sync(Some(&cursor)).await;
    assert_eq!(hidden["items"], json!([]));
    assert_eq!(hidden["deleted"][0]["id"], photo["id"]);
}
