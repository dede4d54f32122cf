//! Delta sync: the initial sync, then changes and tombstones, with sealed cursors.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, data, error_code, error_fields, expect_json, expect_problem, id_of, send,
};

/// Follows a sync to its end from the request `first`, as `credential`
/// (none: anonymous), keeping its `limit`; returns every answer.
async fn follow(app: &TestApp, credential: Option<&str>, first: &str) -> Vec<Value> {
    let limit = first
        .split(['?', '&'])
        .find(|p| p.starts_with("limit="))
        .map(|p| format!("&{p}"))
        .unwrap_or_default();
    let mut answers = Vec::new();
    let mut path = first.to_owned();
    loop {
        let request = match credential {
            Some(credential) => app.request_as(credential, Method::GET, &path),
            None => app.anonymous(Method::GET, &path),
        };
        let answer = expect_json(send(request).await, 200).await;
        let more = answer["has_more"].as_bool().unwrap();
        let cursor = answer["next_cursor"].as_str().unwrap().to_owned();
        answers.push(answer);
        if !more {
            return answers;
        }
        path = format!("/api/v1/sync?cursor={cursor}{limit}");
    }
}

/// `type:id` of every item of `answers`, in order.
fn items(answers: &[Value]) -> Vec<String> {
    answers
        .iter()
        .flat_map(|a| a["items"].as_array().unwrap().clone())
        .map(|item| {
            format!(
                "{}:{}",
                item["type"].as_str().unwrap(),
                item["object"]["id"].as_str().unwrap()
            )
        })
        .collect()
}

/// `type:id` of every tombstone of `answers`.
fn deleted(answers: &[Value]) -> Vec<String> {
    answers
        .iter()
        .flat_map(|a| a["deleted"].as_array().unwrap().clone())
        .map(|gone| {
            format!(
                "{}:{}",
                gone["type"].as_str().unwrap(),
                gone["id"].as_str().unwrap()
            )
        })
        .collect()
}

fn last_cursor(answers: &[Value]) -> String {
    answers.last().unwrap()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn an_initial_sync_then_changes_and_tombstones() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    let author = id_of(&app.create_author("Zoé Sync").await);
    let tag = id_of(&app.create_tag("Été").await);
    let mut published = Vec::new();
    for title in ["« Un »", "Deux", "Trois"] {
        let article = app
            .create_article(json!({"title": title, "author_ids": [author], "tag_ids": [tag], "state": "published"}))
            .await;
        published.push(id_of(&article));
    }
    let draft = id_of(
        &app.create_article(json!({"title": "Brouillon", "author_ids": [author]}))
            .await,
    );

    // The public's initial sync: live articles, then authors, then tags.
    let initial = follow(&app, None, "/api/v1/sync?limit=2").await;
    assert_eq!(initial.len(), 3, "{initial:#?}");
    let mut expected: Vec<String> = published.iter().map(|id| format!("article:{id}")).collect();
    expected.sort();
    expected.push(format!("author:{author}"));
    expected.push(format!("tag:{tag}"));
    assert_eq!(items(&initial), expected);
    assert!(deleted(&initial).is_empty());
    assert_eq!(initial[0]["items"][0]["object"]["title"], "« Un »");
    let cursor = last_cursor(&initial);

    // Nothing changed: an empty delta, and the same position.
    let quiet = follow(&app, None, &format!("/api/v1/sync?cursor={cursor}")).await;
    assert!(items(&quiet).is_empty() && deleted(&quiet).is_empty());

    // Draft work is not the public's; an unpublication, a deletion, a new
    // publication and a renamed tag are.
    app.patch(
        &format!("/api/v1/articles/{draft}"),
        &json!({"title": "Toujours brouillon"}),
    )
    .await;
    app.patch(
        &format!("/api/v1/articles/{}", published[2]),
        &json!({"title": "Trois, retouché"}),
    )
    .await;
    expect_json(
        app.post(
            &format!("/api/v1/articles/{}/transitions", published[0]),
            &json!({"action": "unpublish"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        app.delete(&format!("/api/v1/articles/{}", published[1]))
            .await
            .status(),
        204
    );
    expect_json(
        app.post(
            &format!("/api/v1/articles/{draft}/transitions"),
            &json!({"action": "publish"}),
        )
        .await,
        200,
    )
    .await;
    expect_json(
        app.patch(&format!("/api/v1/tags/{tag}"), &json!({"name": "Été 2026"}))
            .await,
        200,
    )
    .await;

    let delta = follow(&app, None, &format!("/api/v1/sync?cursor={cursor}")).await;
    assert_eq!(
        items(&delta),
        vec![format!("article:{draft}"), format!("tag:{tag}")]
    );
    assert_eq!(
        delta[0]["items"][0]["object"]["title"], "Toujours brouillon",
        "the object as it reads now"
    );
    let mut gone = deleted(&delta);
    gone.sort();
    let mut expected = vec![
        format!("article:{}", published[0]),
        format!("article:{}", published[1]),
    ];
    expected.sort();
    assert_eq!(gone, expected);

    // A preview key sees working copies: the unpublished article is still
    // there, the deleted one is not, and draft edits count.
    let preview = app.api_key("preview").await;
    let initial = follow(&app, Some(&preview), "/api/v1/sync?types=articles").await;
    let mut all = items(&initial);
    all.sort();
    let mut expected: Vec<String> = [&published[0], &published[2], &draft]
        .iter()
        .map(|id| format!("article:{id}"))
        .collect();
    expected.sort();
    assert_eq!(all, expected);
    let cursor = last_cursor(&initial);
    app.patch(
        &format!("/api/v1/articles/{}", published[2]),
        &json!({"title": "Trois, encore"}),
    )
    .await;
    let delta = follow(
        &app,
        Some(&preview),
        &format!("/api/v1/sync?cursor={cursor}"),
    )
    .await;
    assert_eq!(items(&delta), vec![format!("article:{}", published[2])]);
    // The cursor belongs to the preview key's sync, not to the public's.
    let borrowed = send(app.anonymous(Method::GET, &format!("/api/v1/sync?cursor={cursor}"))).await;
    assert_eq!(
        error_fields(&expect_problem(borrowed, 422).await),
        ["cursor"]
    );
}

#[tokio::test]
async fn forged_and_expired_cursors_are_refused() {
    let app = TestApp::spawn_with(|config| {
        config.scheduler_interval_ms = 0;
        config.change_retention_days = 0;
    })
    .await;
    let author = id_of(&app.create_author("Curseur").await);
    let initial = follow(&app, None, "/api/v1/sync").await;
    let cursor = last_cursor(&initial);

    let (body, tag) = cursor.split_once('.').unwrap();
    let mut altered = body.to_owned().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    for forged in [
        "garbage".to_owned(),
        format!("{}.{tag}", String::from_utf8(altered).unwrap()),
        format!("{body}.{}", tag.chars().rev().collect::<String>()),
    ] {
        let response =
            send(app.anonymous(Method::GET, &format!("/api/v1/sync?cursor={forged}"))).await;
        let problem = expect_problem(response, 422).await;
        assert_eq!(error_fields(&problem), ["cursor"], "{forged}");
    }
    for (query, field) in [
        ("types=articles,pictures", "types"),
        ("limit=0", "limit"),
        ("locale=not%20a%20locale", "locale"),
        ("since=3", "since"),
    ] {
        let response = send(app.anonymous(Method::GET, &format!("/api/v1/sync?{query}"))).await;
        assert_eq!(
            error_fields(&expect_problem(response, 400).await),
            [field],
            "{query}"
        );
    }

    // The log is pruned past the cursor: the client is told to start over.
    for name in ["Un", "Deux"] {
        app.patch(&format!("/api/v1/authors/{author}"), &json!({"name": name}))
            .await;
    }
    assert!(app.prune_change_log().await > 0);
    let response = send(app.anonymous(Method::GET, &format!("/api/v1/sync?cursor={cursor}"))).await;
    let problem = expect_problem(response, 410).await;
    assert_eq!(problem["type"], "urn:masthead:problem:resync-required");
    let again = follow(&app, None, "/api/v1/sync").await;
    assert_eq!(items(&again), vec![format!("author:{author}")]);
    assert_eq!(again[0]["items"][0]["object"]["name"], "Deux");
}

const SYNC: &str = "query ($cursor: String, $types: [SyncType!], $limit: Int) {
  sync(cursor: $cursor, types: $types, limit: $limit) {
    items { type object { __typename ... on Article { id title } ... on Tag { id name } } }
    deleted { type id at }
    nextCursor hasMore
  }
}";

#[tokio::test]
async fn graphql_syncs_the_same_way() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    let author = id_of(&app.create_author("Graphe").await);
    let tag = id_of(&app.create_tag("Réseau").await);
    let article = id_of(
        &app.create_article(json!({"title": "« Nœud »", "author_ids": [author], "tag_ids": [tag], "state": "published"}))
            .await,
    );
    let first = data(
        app.gql_anonymous(SYNC, json!({"types": ["ARTICLES", "TAGS"], "limit": 1}))
            .await,
    )["sync"]
        .clone();
    assert_eq!(first["items"][0]["type"], "article");
    assert_eq!(first["items"][0]["object"]["title"], "« Nœud »");
    assert_eq!(first["hasMore"], true);
    let second = data(
        app.gql_anonymous(SYNC, json!({"cursor": first["nextCursor"], "limit": 1}))
            .await,
    )["sync"]
        .clone();
    assert_eq!(
        second["items"][0]["object"],
        json!({"__typename": "Tag", "id": tag, "name": "Réseau"})
    );
    assert_eq!(second["hasMore"], false);

    expect_json(
        app.post(
            &format!("/api/v1/articles/{article}/transitions"),
            &json!({"action": "archive"}),
        )
        .await,
        200,
    )
    .await;
    let delta = data(
        app.gql_anonymous(SYNC, json!({"cursor": second["nextCursor"]}))
            .await,
    )["sync"]
        .clone();
    assert_eq!(delta["items"], json!([]));
    assert_eq!(delta["deleted"][0]["type"], "article");
    assert_eq!(delta["deleted"][0]["id"], article);

    let forged = app
        .gql_anonymous(
            SYNC,
            json!({"cursor": "eyJ3IjpmYWxzZX0.AAAAAAAAAAAAAAAAAAAAAA"}),
        )
        .await;
    assert_eq!(error_code(&forged), "VALIDATION");
}

#[tokio::test]
async fn an_article_moved_to_another_locale_leaves_a_sync_of_its_old_one() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    let author = id_of(&app.create_author("Traductrice").await);
    let article = id_of(
        &app.create_article(json!({"title": "Bonjour", "locale": "fr", "author_ids": [author], "state": "published"}))
            .await,
    );
    let initial = follow(&app, None, "/api/v1/sync?types=articles&locale=fr").await;
    assert_eq!(items(&initial), vec![format!("article:{article}")]);
    app.patch(
        &format!("/api/v1/articles/{article}"),
        &json!({"locale": "en", "title": "Hello"}),
    )
    .await;
    expect_json(
        app.post(
            &format!("/api/v1/articles/{article}/transitions"),
            &json!({"action": "publish"}),
        )
        .await,
        200,
    )
    .await;
    let delta = follow(
        &app,
        None,
        &format!("/api/v1/sync?cursor={}", last_cursor(&initial)),
    )
    .await;
    assert!(items(&delta).is_empty(), "{delta:#?}");
    assert_eq!(deleted(&delta), vec![format!("article:{article}")]);
}
