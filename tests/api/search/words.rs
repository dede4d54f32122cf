//! SQLite's word indexes (FTS5, holding no text of their own) must take out
//! exactly the words they were given: every kind of write is made here, and
//! FTS5's own check then compares each index with the text of the
//! documents. PostgreSQL makes each document's tsvector in a trigger.
//! The words of the writers of one commit group move when it commits: the
//! same document edited by several writers of a group is checked too.

use std::sync::Arc;

use futures_util::future::join_all;
use serde_json::json;

use super::{q, titles};
use crate::helpers::{TestApp, expect_json, id_of};
use crate::revisions::counter;

/// Fails ("malformed") when an FTS5 index and the text of the documents
/// disagree, on SQLite (on PostgreSQL there is nothing to check).
pub(crate) async fn assert_word_indexes_agree(app: &TestApp) {
    if app.database_url().is_some() {
        return;
    }
    for index in ["search_fts", "search_titles"] {
        app.run_sql(&format!(
            "INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)"
        ))
        .await;
    }
}

#[tokio::test]
async fn every_kind_of_write_leaves_the_word_indexes_as_the_documents_say() {
    let app = TestApp::spawn().await;
    if app.database_url().is_some() {
        return;
    }
    let author = app.create_author("Hélène Garnier").await;
    let tag = app.create_tag("Société").await;
    let other = app.create_tag("Économie").await;
    let article = app
        .create_article(json!({
            "title": "La rentrée des classes",
            "subtitle": "Un premier jour",
            "body": "Les élèves « retrouvent » leurs camarades dans la cour.",
            "locale": "fr",
            "author_ids": [id_of(&author)],
            "tag_ids": [id_of(&tag)],
            "state": "published",
        }))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let edits = [
        // The text but not the title: the index of titles is left alone.
        json!({"subtitle": "Un deuxième jour"}),
        json!({"title": "La rentrée des écoles"}),
        json!({"body": "Les professeurs accueillent les élèves."}),
        // Another locale gives the document another row id.
        json!({"locale": "en"}),
        json!({"tag_ids": [id_of(&other)]}),
    ];
    for edit in edits {
        expect_json(app.patch(&path, &edit).await, 200).await;
    }
    expect_json(
        app.patch(
            &format!("/api/v1/tags/{}", id_of(&other)),
            &json!({"name": "Finances"}),
        )
        .await,
        200,
    )
    .await;
    expect_json(
        app.patch(
            &format!("/api/v1/authors/{}", id_of(&author)),
            &json!({"name": "Hélène Dupont"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(app.delete(&path).await.status(), 204);
    expect_json(app.post(&format!("{path}/restore"), &json!({})).await, 200).await;
    assert_eq!(
        app.delete(&format!("/api/v1/tags/{}", id_of(&tag)))
            .await
            .status(),
        204
    );
    assert_word_indexes_agree(&app).await;
    // The working copy is found by the words of its edits.
    let found = expect_json(
        app.get(&format!(
            "/api/v1/search?{}&preview=true&type=articles",
            q("professeurs finances dupont")
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(titles(&found), ["La rentrée des écoles"]);
}

#[tokio::test]
async fn writers_sharing_a_commit_move_the_words_of_one_document_once() {
    let app = Arc::new(TestApp::spawn().await);
    if app.database_url().is_some() {
        return;
    }
    let author = app.create_author("Marc Lévêque").await;
    let article = app
        .create_article(json!({
            "title": "Le marché couvert",
            "subtitle": "Au petit matin",
            "author_ids": [id_of(&author)],
            "state": "published",
        }))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    // Rounds of concurrent edits of the one article (its title, so both
    // indexes move, or its subtitle), until some of them shared a commit.
    let mut shared = false;
    for round in 0..5 {
        let before = counter(&app, "masthead_sqlite_commits_total").await;
        let edits = (0..16).map(|n| {
            let (app, path) = (app.clone(), path.clone());
            let edit = if n % 2 == 0 {
                json!({"title": format!("Le marché, tour {round}, étal {n}")})
            } else {
                json!({"subtitle": format!("Au « petit » matin, retouche {n}")})
            };
            tokio::spawn(async move { app.patch(&path, &edit).await.status().as_u16() })
        });
        for status in join_all(edits).await {
            assert_eq!(status.unwrap(), 200, "round {round}");
        }
        assert_word_indexes_agree(&app).await;
        let commits = counter(&app, "masthead_sqlite_commits_total").await;
        if commits.unwrap() - before.unwrap() < 16 {
            shared = true;
            break;
        }
    }
    assert!(shared, "concurrent edits never shared a commit");
    let found = expect_json(
        app.get(&format!(
            "/api/v1/search?{}&preview=true&type=articles",
            q("marche etal")
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(found["meta"]["total"], 1);
}
