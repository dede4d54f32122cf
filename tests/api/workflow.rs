//! The editorial workflow: transitions, the live copy the public reads, the
//! history, scheduling, and soft deletion.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, created, expect_json, expect_problem, id_of, send};

/// An article with an author and two tags, as a draft; returns (app-relative path, author, tags).
async fn draft(app: &TestApp, title: &str) -> (String, String, Vec<String>) {
    let author = id_of(&app.create_author(&format!("Auteur de {title}")).await);
    let tags = vec![
        id_of(&app.create_tag(&format!("{title} un")).await),
        id_of(&app.create_tag(&format!("{title} deux")).await),
    ];
    let article = app
        .create_article(json!({"title": title, "body": "Premier paragraphe.\n\nSecond paragraphe.", "author_ids": [author], "tag_ids": tags}))
        .await;
    (
        format!("/api/v1/articles/{}", id_of(&article)),
        author,
        tags,
    )
}

async fn act(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post(&format!("{path}/transitions"), &body).await
}

async fn public(app: &TestApp, path: &str) -> reqwest::Response {
    send(app.anonymous(Method::GET, path)).await
}

#[tokio::test]
async fn draft_review_publish_and_the_history_of_it() {
    let app = TestApp::spawn().await;
    let (path, _, _) = draft(&app, "Le chemin complet").await;
    expect_problem(public(&app, &path).await, 404).await;

    let submitted = expect_json(act(&app, &path, json!({"action": "submit"})).await, 200).await;
    assert_eq!(submitted["state"], "in_review");
    let no_comment = expect_problem(
        act(&app, &path, json!({"action": "request_changes"})).await,
        422,
    )
    .await;
    assert_eq!(no_comment["errors"][0]["field"], "comment");
    let back = expect_json(
        act(
            &app,
            &path,
            json!({"action": "request_changes", "comment": "Sourcez le chiffre."}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(back["state"], "draft");
    act(&app, &path, json!({"action": "submit"})).await;
    let approved = expect_json(act(&app, &path, json!({"action": "approve"})).await, 200).await;
    assert_eq!(approved["state"], "approved");
    let published = expect_json(act(&app, &path, json!({"action": "publish"})).await, 200).await;
    assert_eq!(published["state"], "published");
    assert_eq!(published["published_version"], 1);
    assert!(published["published_at"].is_string());

    let live = expect_json(public(&app, &path).await, 200).await;
    assert_eq!(live["title"], "Le chemin complet");
    assert_eq!(live["state"], "published");

    let history = expect_json(app.get(&format!("{path}/transitions")).await, 200).await;
    let steps: Vec<(&str, &str, &str)> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["action"].as_str().unwrap(),
                t["from"].as_str().unwrap(),
                t["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submit", "draft", "in_review"),
            ("request_changes", "in_review", "draft"),
            ("submit", "draft", "in_review"),
            ("approve", "in_review", "approved"),
            ("publish", "approved", "published"),
        ]
    );
    let request_changes = &history["data"][1];
    assert_eq!(request_changes["comment"], "Sourcez le chiffre.");
    assert_eq!(request_changes["version"], 1);
    assert!(request_changes["created_by"].is_string());
}

#[tokio::test]
async fn a_published_article_edited_twice_stays_unchanged_for_readers_until_republished() {
    let app = TestApp::spawn().await;
    let (path, author, tags) = draft(&app, "Version publique").await;
    expect_json(act(&app, &path, json!({"action": "publish"})).await, 200).await;
    let first_live = expect_json(
        public(&app, &format!("{path}?include=authors,tags")).await,
        200,
    )
    .await;
    let delivery = app.api_key("delivery").await;

    let other_author = id_of(&app.create_author("Nouvelle plume").await);
    let edited = expect_json(
        app.patch(
            &path,
            &json!({"title": "Version de travail", "author_ids": [other_author]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        edited["state"], "draft",
        "an edit puts the working copy back in draft"
    );
    assert_eq!(
        edited["published_version"], 1,
        "the live version stays live"
    );
    let edited = expect_json(
        app.patch(
            &path,
            &json!({"body": "Tout nouveau texte.", "tag_ids": [tags[1]]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(edited["version"], 3);

    for reader in [
        public(&app, &format!("{path}?include=authors,tags")).await,
        send(app.request_as(
            &delivery,
            Method::GET,
            &format!("{path}?include=authors,tags"),
        ))
        .await,
    ] {
        let live = expect_json(reader, 200).await;
        assert_eq!(
            live, first_live,
            "readers see the published snapshot, authors and tags included"
        );
    }
    assert_eq!(first_live["author_ids"], json!([author]));
    let listed = expect_json(public(&app, "/api/v1/articles?q=Tout%20nouveau").await, 200).await;
    assert_eq!(
        listed["meta"]["total"], 0,
        "public lists search the published snapshot"
    );
    let by_title = expect_json(
        public(&app, "/api/v1/articles?title_like=publique").await,
        200,
    )
    .await;
    assert_eq!(by_title.as_array().unwrap().len(), 1);
    let preview = expect_json(
        send(app.request_as(
            &app.api_key("preview").await,
            Method::GET,
            &format!("{path}?preview=true"),
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(preview["title"], "Version de travail");

    let republished = expect_json(act(&app, &path, json!({"action": "publish"})).await, 200).await;
    assert_eq!(republished["published_version"], 3);
    let second_live = expect_json(
        public(&app, &format!("{path}?include=authors,tags")).await,
        200,
    )
    .await;
    assert_eq!(second_live["title"], "Version de travail");
    assert_eq!(second_live["body"], "Tout nouveau texte.");
    assert_eq!(second_live["author_ids"], json!([other_author]));
    assert_eq!(second_live["tag_ids"], json!([tags[1]]));
    assert_eq!(second_live["version"], 3);
    assert_eq!(
        second_live["published_at"], first_live["published_at"],
        "the first publication date stays"
    );
    assert!(
        second_live["updated_at"].as_str() > first_live["updated_at"].as_str(),
        "the public updated_at moves on republication"
    );
}

#[tokio::test]
async fn published_at_can_be_back_dated_and_the_public_updated_at_moves_only_on_republish() {
    let app = TestApp::spawn().await;
    let (path, _, _) = draft(&app, "Archive de 1999").await;
    let published = expect_json(
        act(
            &app,
            &path,
            json!({"action": "publish", "published_at": "1999-12-31T23:00:00Z"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(published["published_at"], "1999-12-31T23:00:00Z");
    let live = expect_json(public(&app, &path).await, 200).await;
    app.patch(&path, &json!({"subtitle": "retouche"})).await;
    let still = expect_json(public(&app, &path).await, 200).await;
    assert_eq!(still["updated_at"], live["updated_at"]);
    let misplaced = act(
        &app,
        &path,
        json!({"action": "submit", "published_at": "2000-01-01T00:00:00Z"}),
    )
    .await;
    expect_problem(misplaced, 422).await;
}

#[tokio::test]
async fn every_illegal_transition_is_409_with_the_allowed_actions() {
    let app = TestApp::spawn().await;
    let all = [
        "submit",
        "request_changes",
        "approve",
        "publish",
        "schedule",
        "unpublish",
        "archive",
    ];
    // The allowed actions of each state, without a live copy (design §5).
    let table: [(&str, &[&str]); 6] = [
        ("draft", &["submit", "publish", "archive"]),
        (
            "in_review",
            &["request_changes", "approve", "publish", "archive"],
        ),
        ("approved", &["publish", "schedule", "archive"]),
        ("scheduled", &["publish", "unpublish", "archive"]),
        ("published", &["publish", "unpublish", "archive"]),
        ("archived", &["publish"]),
    ];
    // How to bring a fresh draft to each state.
    let route: [(&str, &[Value]); 6] = [
        ("draft", &[]),
        ("in_review", &[json!({"action": "submit"})]),
        (
            "approved",
            &[json!({"action": "submit"}), json!({"action": "approve"})],
        ),
        (
            "scheduled",
            &[
                json!({"action": "submit"}),
                json!({"action": "approve"}),
                json!({"action": "schedule", "publish_at": "2099-01-01T00:00:00Z"}),
            ],
        ),
        ("published", &[json!({"action": "publish"})]),
        ("archived", &[json!({"action": "archive"})]),
    ];
    for ((state, allowed), (_, steps)) in table.iter().zip(route.iter()) {
        for action in all {
            let (path, _, _) = draft(&app, &format!("{state} {action}")).await;
            for step in *steps {
                expect_json(act(&app, &path, step.clone()).await, 200).await;
            }
            let body = match action {
                "request_changes" => json!({"action": action, "comment": "pourquoi pas"}),
                "schedule" => json!({"action": action, "publish_at": "2099-06-01T00:00:00Z"}),
                _ => json!({"action": action}),
            };
            let response = act(&app, &path, body).await;
            if allowed.contains(&action) {
                assert_eq!(response.status(), 200, "{action} from {state}");
            } else {
                let problem = expect_problem(response, 409).await;
                assert_eq!(
                    problem["allowed_actions"],
                    json!(allowed),
                    "{action} from {state}"
                );
                let current = expect_json(app.get(&path).await, 200).await;
                assert_eq!(
                    current["state"], *state,
                    "a refused {action} changed nothing"
                );
            }
        }
    }
    let (path, _, _) = draft(&app, "inconnue").await;
    let unknown = expect_problem(act(&app, &path, json!({"action": "teleport"})).await, 422).await;
    assert_eq!(unknown["errors"][0]["field"], "action");
}

#[tokio::test]
async fn only_editors_review_and_authors_submit_their_own_drafts() {
    let app = TestApp::spawn().await;
    let profile = id_of(&app.create_author("Plume").await);
    let (_, author) = app.user("author", Some(&profile)).await;
    let (_, viewer) = app.user("viewer", None).await;
    let article = created(
        send(
            app.request_as(&author, Method::POST, "/api/v1/articles")
                .json(&json!({"title": "À relire", "author_ids": [profile]})),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/articles/{}/transitions", id_of(&article));
    let publish = send(
        app.request_as(&author, Method::POST, &path)
            .json(&json!({"action": "publish"})),
    )
    .await;
    expect_problem(publish, 403).await;
    let viewer_submit = send(
        app.request_as(&viewer, Method::POST, &path)
            .json(&json!({"action": "submit"})),
    )
    .await;
    expect_problem(viewer_submit, 403).await;
    let submit = send(
        app.request_as(&author, Method::POST, &path)
            .json(&json!({"action": "submit"})),
    )
    .await;
    assert_eq!(expect_json(submit, 200).await["state"], "in_review");
    // In review, the author can no longer edit.
    let edit = send(
        app.request_as(
            &author,
            Method::PATCH,
            &format!("/api/v1/articles/{}", id_of(&article)),
        )
        .json(&json!({"title": "Trop tard"})),
    )
    .await;
    expect_problem(edit, 403).await;
}

#[tokio::test]
async fn unpublish_and_archive_take_the_live_copy_down() {
    let app = TestApp::spawn().await;
    let (path, _, tags) = draft(&app, "Éphémère").await;
    act(&app, &path, json!({"action": "publish"})).await;
    let tag = format!("/api/v1/tags/{}", tags[0]);
    assert_eq!(
        expect_json(public(&app, &tag).await, 200).await["article_count"],
        1
    );
    // Edited after publication: the working copy is a draft, but the live copy can still be taken down.
    app.patch(&path, &json!({"subtitle": "modifié"})).await;
    let down = expect_json(act(&app, &path, json!({"action": "unpublish"})).await, 200).await;
    assert_eq!(down["state"], "draft");
    assert_eq!(down["published_version"], Value::Null);
    expect_problem(public(&app, &path).await, 404).await;
    assert_eq!(
        expect_json(public(&app, &tag).await, 200).await["article_count"],
        0
    );

    act(&app, &path, json!({"action": "publish"})).await;
    let archived = expect_json(act(&app, &path, json!({"action": "archive"})).await, 200).await;
    assert_eq!(archived["state"], "archived");
    expect_problem(public(&app, &path).await, 404).await;
}

async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(Instant::now() < deadline, "{what} did not happen in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn scheduled_articles_go_live_on_time_and_come_down_at_their_end() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 100).await;
    let (path, _, _) = draft(&app, "Sous embargo").await;
    act(&app, &path, json!({"action": "submit"})).await;
    act(&app, &path, json!({"action": "approve"})).await;
    let soon = chrono::Utc::now() + chrono::Duration::seconds(1);
    let until = soon + chrono::Duration::seconds(2);
    let scheduled = expect_json(
        act(&app, &path, json!({"action": "schedule", "publish_at": soon.to_rfc3339(), "unpublish_at": until.to_rfc3339()})).await,
        200,
    )
    .await;
    assert_eq!(scheduled["state"], "scheduled");
    expect_problem(public(&app, &path).await, 404).await;

    wait_until("the scheduled publication", async || {
        public(&app, &path).await.status() == 200
    })
    .await;
    let live = expect_json(app.get(&path).await, 200).await;
    assert_eq!(live["state"], "published");
    wait_until("the scheduled end", async || {
        public(&app, &path).await.status() == 404
    })
    .await;
    let history = expect_json(app.get(&format!("{path}/transitions")).await, 200).await;
    let by_scheduler: Vec<&str> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["created_by"].is_null())
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(by_scheduler, ["publish", "unpublish"]);

    let past = act(
        &app,
        &path,
        json!({"action": "schedule", "publish_at": "2001-01-01T00:00:00Z"}),
    )
    .await;
    expect_problem(past, 409).await;
}

#[tokio::test]
async fn editing_a_scheduled_article_cancels_its_schedule() {
    let app = TestApp::spawn().await;
    let (path, _, _) = draft(&app, "Annulé").await;
    act(&app, &path, json!({"action": "submit"})).await;
    act(&app, &path, json!({"action": "approve"})).await;
    act(
        &app,
        &path,
        json!({"action": "schedule", "publish_at": "2099-01-01T00:00:00Z"}),
    )
    .await;
    let edited = expect_json(app.patch(&path, &json!({"title": "Changé"})).await, 200).await;
    assert_eq!(edited["state"], "draft");
    assert_eq!(edited["scheduled_at"], Value::Null);
}

#[tokio::test]
async fn deleting_keeps_the_history_and_admins_can_restore_or_purge() {
    let app = TestApp::spawn().await;
    let (path, _, _) = draft(&app, "Supprimable").await;
    app.patch(&path, &json!({"subtitle": "v2"})).await;
    act(&app, &path, json!({"action": "publish"})).await;
    let (_, editor) = app.user("editor", None).await;
    assert_eq!(
        send(app.request_as(&editor, Method::DELETE, &path))
            .await
            .status(),
        204
    );
    expect_problem(app.get(&path).await, 404).await;
    expect_problem(public(&app, &path).await, 404).await;
    let deleted = expect_json(app.get("/api/v1/articles?deleted=true").await, 200).await;
    assert_eq!(deleted["meta"]["total"], 1);
    assert!(deleted["data"][0]["deleted_at"].is_string());
    expect_problem(
        send(app.request_as(&editor, Method::GET, "/api/v1/articles?deleted=true")).await,
        403,
    )
    .await;

    let restored = expect_json(app.post(&format!("{path}/restore"), &json!({})).await, 200).await;
    assert_eq!(
        restored["state"], "draft",
        "it was taken down, so it comes back as a draft"
    );
    assert_eq!(restored["version"], 2);
    let revisions = expect_json(app.get(&format!("{path}/revisions")).await, 200).await;
    assert_eq!(
        revisions["meta"]["total"], 2,
        "revisions survived the deletion"
    );
    let history = expect_json(app.get(&format!("{path}/transitions")).await, 200).await;
    let actions: Vec<&str> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["publish", "delete", "restore"]);

    let purge =
        send(app.request_as(&editor, Method::DELETE, &format!("{path}?permanent=true"))).await;
    expect_problem(purge, 403).await;
    assert_eq!(
        app.delete(&format!("{path}?permanent=true")).await.status(),
        204
    );
    expect_problem(app.get(&format!("{path}/revisions")).await, 404).await;
    expect_problem(app.post(&format!("{path}/restore"), &json!({})).await, 404).await;
}
