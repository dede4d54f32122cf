//! GraphQL: every query and mutation through the same domain as REST, with
//! the same rules, batching, limits, and a committed schema.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, data, error_code, expect_json, id_of, send,
};

const ARTICLE_FIELDS: &str = "id slug locale title subtitle excerpt body state allowedActions version publishedVersion publishedAt scheduledAt createdAt updatedAt createdBy updatedBy authorIds tagIds wordCount readingTimeMinutes featuredImage { assetId url alt width height srcset } seo { title description canonicalUrl } translations { id locale slug state published }";

async fn seed(app: &TestApp) -> (String, String, String) {
    let author = id_of(&app.create_author("Zoë Graph").await);
    let tag = id_of(&app.create_tag("Réseaux").await);
    let article = app
        .create_article(json!({"title": "L'été « GraphQL »", "body": "Un *corps* en **Markdown**.", "locale": "fr",
                               "author_ids": [author], "tag_ids": [tag], "featured_image": {"url": "https://img.example/g.png", "alt": "g"}}))
        .await;
    (id_of(&article), author, tag)
}

#[tokio::test]
async fn the_same_article_has_the_same_values_through_rest_and_graphql() {
    let app = TestApp::spawn().await;
    let (id, author, _) = seed(&app).await;
    app.post(
        &format!("/api/v1/articles/{id}/transitions"),
        &json!({"action": "publish"}),
    )
    .await;
    // A translation, so the links are compared too.
    app.create_article(json!({"title": "The summer", "locale": "en", "author_ids": [author], "translation_of": id}))
        .await;
    let rest = expect_json(app.get(&format!("/api/v1/articles/{id}")).await, 200).await;
    let answer = data(
        app.gql(
            &format!("query($id: UUID!) {{ article(id: $id) {{ {ARTICLE_FIELDS} }} }}"),
            json!({"id": id}),
        )
        .await,
    );
    let gql = &answer["article"];
    let camel = |snake: &str| -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in snake.chars() {
            if c == '_' {
                upper = true;
            } else if upper {
                out.extend(c.to_uppercase());
                upper = false;
            } else {
                out.push(c);
            }
        }
        out
    };
    for (field, value) in rest.as_object().unwrap() {
        let name = camel(field);
        let expected = match field.as_str() {
            "state" => json!(value.as_str().unwrap().to_ascii_uppercase()),
            "allowed_actions" => json!(
                value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_ascii_uppercase())
                    .collect::<Vec<_>>()
            ),
            "translations" => json!(
                value
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| {
                        let mut t = t.clone();
                        t["state"] = json!(t["state"].as_str().unwrap().to_ascii_uppercase());
                        t
                    })
                    .collect::<Vec<_>>()
            ),
            "seo" => {
                json!({"title": value["title"], "description": value["description"], "canonicalUrl": value["canonical_url"]})
            }
            "featured_image" => {
                json!({"assetId": value["asset_id"], "url": value["url"], "alt": value["alt"],
                "width": value["width"], "height": value["height"], "srcset": value["srcset"]})
            }
            _ => value.clone(),
        };
        assert_eq!(
            gql[&name], expected,
            "{field} differs between REST and GraphQL"
        );
    }
}

#[tokio::test]
async fn readers_get_the_live_copy_and_previews_need_the_right() {
    let app = TestApp::spawn().await;
    let (id, _, _) = seed(&app).await;
    let query =
        "query($id: UUID!, $p: Boolean) { article(id: $id, preview: $p) { title version } }";
    assert_eq!(
        data(app.gql_anonymous(query, json!({"id": id})).await)["article"],
        Value::Null,
        "a draft is not public"
    );
    app.post(
        &format!("/api/v1/articles/{id}/transitions"),
        &json!({"action": "publish"}),
    )
    .await;
    app.patch(
        &format!("/api/v1/articles/{id}"),
        &json!({"title": "Titre de travail"}),
    )
    .await;

    let live = data(app.gql_anonymous(query, json!({"id": id})).await);
    assert_eq!(
        live["article"],
        json!({"title": "L'été « GraphQL »", "version": 1})
    );
    let refused = app.gql_anonymous(query, json!({"id": id, "p": true})).await;
    assert_eq!(error_code(&refused), "UNAUTHENTICATED");
    let delivery = app.api_key("delivery").await;
    let forbidden = expect_json(
        app.graphql_as(Some(&delivery), query, json!({"id": id, "p": true}))
            .await,
        200,
    )
    .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    let preview = app.api_key("preview").await;
    let working = data(
        expect_json(
            app.graphql_as(Some(&preview), query, json!({"id": id, "p": true}))
                .await,
            200,
        )
        .await,
    );
    assert_eq!(
        working["article"],
        json!({"title": "Titre de travail", "version": 2})
    );
    let by_slug = data(
        app.gql_anonymous(
            "{ article(slug: \"l-ete-graphql\", locale: \"fr\") { version } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(by_slug["article"]["version"], 1);
}

#[tokio::test]
async fn connections_page_forward_and_backward_with_total_counts() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Pagination").await);
    for n in 0..7 {
        app.create_article(
            json!({"title": format!("Page {n}"), "author_ids": [author], "state": "published",
                                  "published_at": format!("2024-02-0{}T10:00:00Z", n + 1)}),
        )
        .await;
    }
    let query = "query($first: Int, $after: String, $last: Int, $before: String) {
        articles(first: $first, after: $after, last: $last, before: $before, sort: [{field: PUBLISHED_AT, direction: ASC}]) {
          totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { title } } } }";
    let titles = |answer: &Value| -> Vec<String> {
        answer["articles"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = data(app.gql_anonymous(query, json!({"first": 3})).await);
    assert_eq!(titles(&first), ["Page 0", "Page 1", "Page 2"]);
    assert_eq!(first["articles"]["totalCount"], 7);
    assert_eq!(first["articles"]["pageInfo"]["hasNextPage"], true);
    let end = first["articles"]["pageInfo"]["endCursor"].clone();
    let second = data(
        app.gql_anonymous(query, json!({"first": 3, "after": end}))
            .await,
    );
    assert_eq!(titles(&second), ["Page 3", "Page 4", "Page 5"]);
    assert_eq!(second["articles"]["pageInfo"]["hasPreviousPage"], true);

    let last = data(app.gql_anonymous(query, json!({"last": 2})).await);
    assert_eq!(titles(&last), ["Page 5", "Page 6"]);
    assert_eq!(last["articles"]["pageInfo"]["hasPreviousPage"], true);
    let start = last["articles"]["pageInfo"]["startCursor"].clone();
    let before = data(
        app.gql_anonymous(query, json!({"last": 3, "before": start}))
            .await,
    );
    assert_eq!(titles(&before), ["Page 2", "Page 3", "Page 4"]);

    for (variables, field) in [
        (json!({"first": 101}), "first"),
        (json!({"first": 0}), "first"),
        (json!({"first": 2, "last": 2}), "last"),
    ] {
        let answer = app.gql_anonymous(query, variables).await;
        assert_eq!(error_code(&answer), "VALIDATION");
        assert_eq!(
            answer["errors"][0]["extensions"]["fields"][0]["field"],
            field
        );
    }
    let bad_cursor = app
        .gql_anonymous(query, json!({"first": 2, "after": "garbage"}))
        .await;
    assert_eq!(error_code(&bad_cursor), "VALIDATION");
}

#[tokio::test]
async fn filters_sorts_and_the_articles_of_authors_and_tags() {
    let app = TestApp::spawn().await;
    let (id, author, tag) = seed(&app).await;
    app.post(
        &format!("/api/v1/articles/{id}/transitions"),
        &json!({"action": "publish"}),
    )
    .await;
    let other = app
        .create_article(
            json!({"title": "Autre", "author_ids": [author], "locale": "en", "state": "published"}),
        )
        .await;

    let filtered = data(app.gql_anonymous("{ articles(filter: {tag: [\"reseaux\"], locale: \"fr\"}) { totalCount edges { node { id } } } }", json!({})).await);
    assert_eq!(filtered["articles"]["totalCount"], 1);
    assert_eq!(filtered["articles"]["edges"][0]["node"]["id"], id);
    let sorted = data(
        app.gql_anonymous(
            "{ articles(sort: [{field: TITLE, direction: DESC}]) { edges { node { title } } } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(
        sorted["articles"]["edges"][0]["node"]["title"],
        "L'été « GraphQL »"
    );
    let bad_locale = app
        .gql_anonymous(
            "{ articles(filter: {locale: \"xx-YY\"}) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&bad_locale), "VALIDATION");

    let author_query = "query($id: UUID!) { author(id: $id) { name email articles { totalCount edges { node { title authors { name } } } } } }";
    let public = data(app.gql_anonymous(author_query, json!({"id": author})).await);
    assert_eq!(public["author"]["articles"]["totalCount"], 2);
    assert_eq!(public["author"]["email"], Value::Null);
    let tag_answer = data(
        app.gql_anonymous(
            "query($id: UUID!) { tag(id: $id) { name articleCount articles { totalCount } } }",
            json!({"id": tag}),
        )
        .await,
    );
    assert_eq!(
        tag_answer["tag"],
        json!({"name": "Réseaux", "articleCount": 1, "articles": {"totalCount": 1}})
    );
    let lists = data(app.gql_anonymous("{ authors(sort: [{field: NAME}]) { totalCount } tags(filter: {q: \"reseau\"}) { totalCount } }", json!({})).await);
    assert_eq!(lists["authors"]["totalCount"], 1);
    assert_eq!(lists["tags"]["totalCount"], 1);
    let missing = data(
        app.gql_anonymous(
            "{ article(slug: \"nothing-here\") { id } author(slug: \"nobody\") { id } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(missing, json!({"article": null, "author": null}));
    assert!(other["id"].is_string());
}

#[tokio::test]
async fn history_fields_are_for_signed_in_users() {
    let app = TestApp::spawn().await;
    let (id, _, _) = seed(&app).await;
    app.patch(
        &format!("/api/v1/articles/{id}"),
        &json!({"title": "Titre révisé", "body": "Un *corps* en **Markdown** revu."}),
    )
    .await;
    let query = "query($id: UUID!) { article(id: $id, preview: true) { bodyHtml bodyText wordCount readingTimeMinutes
        revisions { totalCount edges { node { version message snapshot } } }
        revision(version: 1) { snapshot } missing: revision(version: 9) { version }
        diff(from: 1, to: 2) { from to changes { field kind before after words { op text } } }
        transitions { totalCount } } }";
    let answer = data(app.gql(query, json!({"id": id})).await);
    let article = &answer["article"];
    assert_eq!(
        article["bodyHtml"],
        "<p>Un <em>corps</em> en <strong>Markdown</strong> revu.</p>\n"
    );
    assert_eq!(article["bodyText"], "Un corps en Markdown revu.");
    assert_eq!(article["wordCount"], 5);
    assert_eq!(article["revisions"]["totalCount"], 2);
    let newest = &article["revisions"]["edges"][0]["node"];
    assert_eq!(newest["version"], 2);
    assert_eq!(newest["snapshot"]["title"], "Titre révisé", "{newest}");
    assert_eq!(
        article["revision"]["snapshot"]["title"],
        "L'été « GraphQL »"
    );
    assert_eq!(article["missing"], Value::Null);
    assert_eq!(article["diff"]["changes"][0]["field"], "title");
    let words = article["diff"]["changes"][1]["words"].as_array().unwrap();
    assert!(
        words
            .iter()
            .any(|w| w["op"] == "insert" && w["text"].as_str().unwrap().contains("revu")),
        "{words:?}"
    );

    app.post(
        &format!("/api/v1/articles/{id}/transitions"),
        &json!({"action": "publish"}),
    )
    .await;
    let anonymous = app
        .gql_anonymous(
            "query($id: UUID!) { article(id: $id) { title revisions { totalCount } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert_eq!(
        anonymous["errors"][0]["path"],
        json!(["article", "revisions"])
    );
}

#[tokio::test]
async fn mutations_write_through_the_same_rules_as_rest() {
    let app = TestApp::spawn().await;
    let author = data(app.gql("mutation { createAuthor(input: {name: \"Léa Mutation\", social: {mastodon: \"@lea\"}}) { id slug social } }", json!({})).await);
    let author_id = author["createAuthor"]["id"].as_str().unwrap().to_owned();
    assert_eq!(author["createAuthor"]["slug"], "lea-mutation");
    let tag = data(
        app.gql(
            "mutation { createTag(input: {name: \"Mutée\"}) { id slug } }",
            json!({}),
        )
        .await,
    );
    let tag_id = tag["createTag"]["id"].as_str().unwrap().to_owned();

    let create = "mutation($input: CreateArticleInput!) { createArticle(input: $input) { id slug version state authors { name } tags { slug } } }";
    let created = data(
        app.gql(
            create,
            json!({"input": {"title": "Créé « ici »", "authorIds": [author_id], "tagIds": [tag_id],
        "seo": {"title": "S"}, "featuredImage": {"url": "https://img.example/x.png"}}}),
        )
        .await,
    )["createArticle"]
        .clone();
    assert_eq!(created["slug"], "cree-ici");
    assert_eq!(created["authors"], json!([{"name": "Léa Mutation"}]));
    let id = created["id"].as_str().unwrap().to_owned();

    let invalid = app
        .gql(create, json!({"input": {"title": "", "authorIds": []}}))
        .await;
    assert_eq!(error_code(&invalid), "VALIDATION");
    let fields: Vec<&str> = invalid["errors"][0]["extensions"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "author_ids"]);
    let taken = app
        .gql(
            create,
            json!({"input": {"title": "X", "slug": "cree-ici", "authorIds": [author_id]}}),
        )
        .await;
    assert_eq!(error_code(&taken), "CONFLICT");

    let update = "mutation($id: ID!, $v: Int) { updateArticle(id: $id, expectedVersion: $v, input: {subtitle: \"Sous\", seo: null}) { version subtitle seo { title } } }";
    let updated = data(app.gql(update, json!({"id": id, "v": 1})).await);
    assert_eq!(
        updated["updateArticle"],
        json!({"version": 2, "subtitle": "Sous", "seo": {"title": null}})
    );
    let stale = app.gql(update, json!({"id": id, "v": 1})).await;
    assert_eq!(error_code(&stale), "VERSION_CONFLICT");
    assert_eq!(stale["errors"][0]["extensions"]["currentVersion"], 2);
    let by_slug = data(app.gql(update, json!({"id": "cree-ici"})).await);
    assert_eq!(by_slug["updateArticle"]["version"], 3);

    let transition = "mutation($id: ID!, $a: WorkflowAction!) { transitionArticle(id: $id, action: $a) { state publishedVersion } }";
    let illegal = app.gql(transition, json!({"id": id, "a": "APPROVE"})).await;
    assert_eq!(error_code(&illegal), "INVALID_TRANSITION");
    assert_eq!(
        illegal["errors"][0]["extensions"]["allowedActions"],
        json!(["SUBMIT", "PUBLISH", "ARCHIVE"])
    );
    let published = data(app.gql(transition, json!({"id": id, "a": "PUBLISH"})).await);
    assert_eq!(
        published["transitionArticle"],
        json!({"state": "PUBLISHED", "publishedVersion": 3})
    );
    let no_comment = app
        .gql(
            "mutation($id: ID!) { transitionArticle(id: $id, action: REQUEST_CHANGES) { state } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(error_code(&no_comment), "INVALID_TRANSITION");

    let restore = "mutation($id: ID!) { restoreRevision(type: ARTICLE, id: $id, version: 1) { ... on Article { version subtitle } } }";
    assert_eq!(
        data(app.gql(restore, json!({"id": id})).await)["restoreRevision"],
        json!({"version": 4, "subtitle": null})
    );
    let tag_restore = data(app.gql("mutation($id: ID!) { updateTag(id: $id, input: {name: \"Renommée\"}) { version } restoreRevision(type: TAG, id: $id, version: 1) { ... on Tag { name version } } }", json!({"id": tag_id})).await);
    assert_eq!(
        tag_restore["restoreRevision"],
        json!({"name": "Mutée", "version": 3})
    );

    let renamed = data(app.gql("mutation($id: ID!) { updateAuthor(id: $id, input: {bio: \"Biographie\"}) { bio version } }", json!({"id": author_id})).await);
    assert_eq!(
        renamed["updateAuthor"],
        json!({"bio": "Biographie", "version": 2})
    );
    let in_use = app
        .gql(
            "mutation($id: ID!) { deleteAuthor(id: $id) }",
            json!({"id": author_id}),
        )
        .await;
    assert_eq!(error_code(&in_use), "CONFLICT");
    assert_eq!(
        data(
            app.gql(
                "mutation($id: ID!) { deleteArticle(id: $id, permanent: true) }",
                json!({"id": id})
            )
            .await
        )["deleteArticle"],
        true
    );
    let gone = data(
        app.gql(
            "mutation($a: ID!, $t: ID!) { deleteAuthor(id: $a) deleteTag(id: $t) }",
            json!({"a": author_id, "t": tag_id}),
        )
        .await,
    );
    assert_eq!(gone, json!({"deleteAuthor": true, "deleteTag": true}));
    let missing = app
        .gql("mutation { deleteTag(id: \"no-such-tag\") }", json!({}))
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
}

#[tokio::test]
async fn permissions_are_the_same_as_rest() {
    let app = TestApp::spawn().await;
    let (id, profile, _) = seed(&app).await;
    let create =
        "mutation($a: UUID!) { createArticle(input: {title: \"Refusé\", authorIds: [$a]}) { id } }";
    assert_eq!(
        error_code(&app.gql_anonymous(create, json!({"a": profile})).await),
        "UNAUTHENTICATED"
    );
    let (_, viewer) = app.user("viewer", None).await;
    let answer = expect_json(
        app.graphql_as(Some(&viewer), create, json!({"a": profile}))
            .await,
        200,
    )
    .await;
    assert_eq!(error_code(&answer), "FORBIDDEN");
    let (_, author) = app.user("author", Some(&profile)).await;
    let own = expect_json(
        app.graphql_as(Some(&author), create, json!({"a": profile}))
            .await,
        200,
    )
    .await;
    assert!(own["data"]["createArticle"]["id"].is_string(), "{own}");
    let publish = "mutation($id: ID!) { transitionArticle(id: $id, action: PUBLISH) { state } }";
    let refused = expect_json(
        app.graphql_as(Some(&author), publish, json!({"id": id}))
            .await,
        200,
    )
    .await;
    assert_eq!(error_code(&refused), "FORBIDDEN");

    let me = data(
        expect_json(
            app.graphql_as(Some(&author), "{ me { role authorId } }", json!({}))
                .await,
            200,
        )
        .await,
    );
    assert_eq!(me["me"], json!({"role": "AUTHOR", "authorId": profile}));
    let bad_token = app
        .graphql_as(Some("not-a-token"), "{ me { id } }", json!({}))
        .await;
    assert_eq!(bad_token.status(), 401);
    assert!(bad_token.headers().contains_key("www-authenticate"));
    assert_eq!(
        error_code(&bad_token.json::<Value>().await.unwrap()),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn sign_in_and_refresh_work_over_graphql() {
    let app = TestApp::spawn().await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken refreshToken tokenType expiresIn } }";
    let tokens = data(
        app.gql_anonymous(login, json!({"e": ADMIN_EMAIL, "p": ADMIN_PASSWORD}))
            .await,
    )["login"]
        .clone();
    assert_eq!(tokens["tokenType"], "Bearer");
    let me = data(
        expect_json(
            app.graphql_as(
                tokens["accessToken"].as_str(),
                "{ me { email } }",
                json!({}),
            )
            .await,
            200,
        )
        .await,
    );
    assert_eq!(me["me"]["email"], ADMIN_EMAIL);
    let wrong = app
        .gql_anonymous(login, json!({"e": ADMIN_EMAIL, "p": "wrong-password"}))
        .await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    let refresh = "mutation($r: String!) { refreshToken(refreshToken: $r) { refreshToken } }";
    let renewed = data(
        app.gql_anonymous(refresh, json!({"r": tokens["refreshToken"]}))
            .await,
    );
    assert!(renewed["refreshToken"]["refreshToken"].is_string());
    let reused = app
        .gql_anonymous(refresh, json!({"r": tokens["refreshToken"]}))
        .await;
    assert_eq!(error_code(&reused), "UNAUTHENTICATED");
    let out = data(
        app.gql_anonymous(
            "mutation($r: String!) { logout(refreshToken: $r) }",
            json!({"r": renewed["refreshToken"]["refreshToken"]}),
        )
        .await,
    );
    assert_eq!(out["logout"], true);
}

#[tokio::test]
async fn a_page_of_100_articles_with_authors_and_tags_costs_a_constant_number_of_statements() {
    // No scheduler: its statements would be counted too. No shared cache:
    // the list's own statements are measured (the cache is tested apart).
    let app = TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.cache_entries = 0;
    })
    .await;
    let mut authors = Vec::new();
    for i in 0..4 {
        authors.push(id_of(&app.create_author(&format!("Lot {i}")).await));
    }
    let mut tags = Vec::new();
    for i in 0..6 {
        tags.push(id_of(&app.create_tag(&format!("Lot {i}")).await));
    }
    for i in 0..100 {
        app.create_article(json!({"title": format!("Lot {i}"), "author_ids": [authors[i % 4], authors[(i + 1) % 4]],
                                  "tag_ids": [tags[i % 6], tags[(i + 2) % 6]], "state": "published"}))
            .await;
    }
    for (query, most) in [
        (
            "{ articles(first: 100) { totalCount edges { node { title authors { name } tags { name } } } } }",
            7,
        ),
        (
            "{ articles(first: 100) { nodes { title authors { name } tags { name } } } }",
            4,
        ),
    ] {
        let before = app.statements();
        let answer = data(app.gql_anonymous(query, json!({})).await);
        let spent = app.statements() - before;
        let nodes = answer["articles"]["nodes"]
            .as_array()
            .or(answer["articles"]["edges"].as_array())
            .unwrap();
        assert_eq!(nodes.len(), 100);
        // The content generation, the total, the page, the author links,
        // the tag links, and the authors and tags shown; the second query
        // finds the total and the authors and tags kept at the generation.
        assert!(spent <= most, "{query} ran {spent} statements");
    }
    // Nested lists load the authors they select with each page: nothing per article.
    let nested = "{ tags(first: 6) { edges { node { articles(first: 5) { edges { node { authors { name } } } } } } } }";
    let before = app.statements();
    data(app.gql_anonymous(nested, json!({})).await);
    let spent = app.statements() - before;
    // Tags (count, page, article counts), then per tag its page of articles
    // (content generation, count, page, author links, tag links; the
    // authors were kept by the lists above).
    assert!(spent <= 3 + 6 * 5, "nested lists ran {spent} statements");

    // Where a page cannot load them (a mutation's answer), the DataLoaders
    // batch authors and tags: one statement each, however many there are.
    let create = "mutation($a: [UUID!]!, $t: [UUID!]!) { createArticle(input: {title: \"Lot final\", authorIds: $a, tagIds: $t}) { id } }";
    let created = data(app.gql(create, json!({"a": authors, "t": tags})).await);
    let read = "mutation($id: ID!) { updateArticle(id: $id, input: {}) { authors { name } tags { name } } }";
    let before = app.statements();
    let updated = data(
        app.gql(read, json!({"id": created["createArticle"]["id"]}))
            .await,
    );
    let spent = app.statements() - before;
    assert_eq!(
        updated["updateArticle"]["authors"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        updated["updateArticle"]["tags"].as_array().unwrap().len(),
        6
    );
    // The write: sign-in check, locked row, its 2 link statements, the
    // editor's autosave slot, authors and tags exist, update, revision,
    // change record and its audit-log entry, the search document's text
    // (on SQLite with its locale's number, and its words out of and into
    // FTS5's index and index of titles); then one batch of authors and one
    // of tags.
    assert!(
        spent <= 14 + 3,
        "the update and its answer ran {spent} statements"
    );
}

#[tokio::test]
async fn limits_and_malformed_requests_get_graphql_errors_never_a_500() {
    let app = TestApp::spawn_with(|config| {
        config.graphql_max_depth = 6;
        config.graphql_max_complexity = 300;
        config.graphql_max_query_bytes = 2_000;
        config.graphql_introspection = false;
    })
    .await;
    let deep = "{ articles(first: 1) { edges { node { authors { articles(first: 1) { edges { node { title } } } } } } } }";
    let answer = app.gql_anonymous(deep, json!({})).await;
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("too deep"),
        "{answer}"
    );
    let complex = "{ articles(first: 100) { edges { node { title tags { name articles(first: 100) { totalCount } } } } } }";
    let answer = app.gql_anonymous(complex, json!({})).await;
    assert!(
        answer["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("complex"),
        "{answer}"
    );
    let introspection = app
        .gql_anonymous("{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        introspection.get("errors").is_some() || introspection["data"]["__schema"].is_null(),
        "{introspection}"
    );

    for (query, variables) in [
        ("{ articles { edges { node { title ", json!({})),
        ("{ articles { nope } }", json!({})),
        (
            "query($n: Int) { articles(first: $n) { totalCount } }",
            json!({"n": "many"}),
        ),
        (
            "query($id: UUID!) { article(id: $id) { id } }",
            json!({"id": "not-a-uuid"}),
        ),
        ("{ article { id } }", json!({})),
        (
            "mutation { createTag(input: {name: \"x\", color: \"red\"}) { id } }",
            json!({}),
        ),
    ] {
        let response = app.graphql_as(None, query, variables).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert!(status == 200 || status == 400, "{query}: {status}");
        assert!(
            body["errors"].as_array().is_some_and(|e| !e.is_empty()),
            "{query}: {body}"
        );
    }
    let long = format!("{{ articles {{ totalCount }} }} # {}", "x".repeat(3_000));
    let too_long = app.graphql_as(None, &long, json!({})).await;
    assert_eq!(too_long.status(), 400);
    let malformed = send(
        app.anonymous(Method::POST, "/graphql")
            .header("content-type", "application/json")
            .body("{\"query\": "),
    )
    .await;
    assert_eq!(malformed.status(), 400);
    let malformed = malformed.json::<Value>().await.unwrap();
    assert_eq!(error_code(&malformed), "VALIDATION");
    assert_eq!(
        malformed["errors"][0]["extensions"]["fields"][0]["field"],
        "body"
    );
    assert!(malformed.get("data").is_none(), "{malformed}");
    let form = send(
        app.anonymous(Method::POST, "/graphql")
            .header("content-type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(form.status(), 415);
    assert_eq!(
        error_code(&form.json::<Value>().await.unwrap()),
        "UNSUPPORTED_MEDIA_TYPE"
    );
}

#[tokio::test]
async fn graphiql_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    // A browser opening the address asks for HTML.
    let page = send(
        app.anonymous(Method::GET, "/graphql")
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
    )
    .await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        assert!(
            html.contains(&format!("/graphql/assets/{asset}")),
            "{asset}"
        );
        let response = send(app.anonymous(Method::GET, &format!("/graphql/assets/{asset}"))).await;
        assert_eq!(response.status(), 200, "{asset}");
        assert!(response.bytes().await.unwrap().len() > 5_000, "{asset}");
    }
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing is fetched from the network"
    );
}

#[test]
fn committed_schema_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql"))
            .unwrap_or_default();
    let generated = masthead::graphql::sdl();
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
            "schema.graphql differs from the code ({line}); regenerate it with\n    cargo run -- schema --output schema.graphql"
        );
    }
}
