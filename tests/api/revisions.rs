//! Revisions: one per write, listed, read, compared and restored; and no
//! lost update or reused version under concurrent writers.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, expect_json, expect_problem, header, id_of, send};
use crate::search::words::assert_word_indexes_agree;

#[tokio::test]
async fn every_write_makes_one_revision_with_who_and_the_message() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("Historienne").await);
    let article = app
        .create_article(
            json!({"title": "Première", "author_ids": [author], "revision_message": "premier jet"}),
        )
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    app.patch(&path, &json!({"title": "Deuxième"})).await;
    app.put(
        &path,
        &json!({"title": "Troisième", "author_ids": [author], "revision_message": "réécrite"}),
    )
    .await;

    let list = expect_json(app.get(&format!("{path}/revisions")).await, 200).await;
    assert_eq!(list["meta"]["total"], 3);
    let versions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2, 1], "newest first");
    assert!(
        list["data"][0].get("snapshot").is_none(),
        "lists leave the content out"
    );
    assert_eq!(list["data"][0]["message"], "réécrite");
    assert_eq!(list["data"][2]["message"], "premier jet");
    let me = expect_json(app.get("/api/v1/auth/me").await, 200).await;
    assert_eq!(list["data"][1]["created_by"], me["id"]);

    let first = expect_json(app.get(&format!("{path}/revisions/1")).await, 200).await;
    assert_eq!(first["snapshot"]["title"], "Première");
    assert_eq!(first["snapshot"]["author_ids"], json!([author]));
    expect_problem(app.get(&format!("{path}/revisions/9")).await, 404).await;

    let tag = app.create_tag("Étiquette").await;
    let tag_path = format!("/api/v1/tags/{}", id_of(&tag));
    app.patch(&tag_path, &json!({"description": "Décrite"}))
        .await;
    let tag_revisions = expect_json(app.get(&format!("{tag_path}/revisions")).await, 200).await;
    assert_eq!(tag_revisions["meta"]["total"], 2);
    let author_revisions = expect_json(
        app.get(&format!("/api/v1/authors/{author}/revisions"))
            .await,
        200,
    )
    .await;
    assert_eq!(author_revisions["meta"]["total"], 1);
}

#[tokio::test]
async fn restoring_version_1_makes_version_n_plus_1_equal_to_it() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    let other = id_of(&app.create_author("B").await);
    let tag = id_of(&app.create_tag("T").await);
    let article = app
        .create_article(json!({"title": "Originale", "subtitle": "Sous", "body": "Texte d’origine.", "author_ids": [author],
                               "tag_ids": [tag], "seo": {"title": "SEO"}, "featured_image": {"url": "https://img.example/1.png", "alt": "un"}}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    app.patch(&path, &json!({"title": "Modifiée", "subtitle": null, "author_ids": [other], "tag_ids": [], "seo": null})).await;
    app.patch(
        &path,
        &json!({"body": "Autre texte.", "featured_image": null}),
    )
    .await;

    let restored = expect_json(
        app.post(&format!("{path}/revisions/1/restore"), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(restored["version"], 4);
    let v1 =
        expect_json(app.get(&format!("{path}/revisions/1")).await, 200).await["snapshot"].clone();
    let v4 = expect_json(app.get(&format!("{path}/revisions/4")).await, 200).await;
    assert_eq!(
        v4["snapshot"], v1,
        "the restored version's content equals version 1"
    );
    assert_eq!(v4["message"], "restored from version 1");
    for field in [
        "title",
        "subtitle",
        "body",
        "author_ids",
        "tag_ids",
        "seo",
        "featured_image",
    ] {
        assert_eq!(restored[field], article[field], "{field}");
    }
    let diff = expect_json(app.get(&format!("{path}/diff?from=1&to=4")).await, 200).await;
    assert_eq!(diff["changes"], json!([]));

    // Restoring also guards against a stale base.
    let stale = send(
        app.request(Method::POST, &format!("{path}/revisions/2/restore"))
            .header("If-Match", "\"3-0000000000000000\""),
    )
    .await;
    expect_problem(stale, 412).await;
    // Tags and authors restore the same way.
    let tag_path = format!("/api/v1/tags/{tag}");
    app.patch(&tag_path, &json!({"name": "T bis", "description": "d"}))
        .await;
    let tag_back = expect_json(
        app.post(&format!("{tag_path}/revisions/1/restore"), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (
            tag_back["name"].as_str(),
            tag_back["description"].is_null(),
            tag_back["version"].as_i64()
        ),
        (Some("T"), true, Some(3))
    );
}

#[tokio::test]
async fn a_diff_shows_the_changed_title_and_the_changed_words_of_a_paragraph() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    let body = "Le premier paragraphe ne change pas.\n\nLe chat dort sur le canapé rouge.";
    let article = app
        .create_article(json!({"title": "Titre initial", "body": body, "author_ids": [author]}))
        .await;
    let path = format!("/api/v1/articles/{}", id_of(&article));
    let new_body = "Le premier paragraphe ne change pas.\n\nLe chien dort sur le tapis rouge.";
    app.patch(&path, &json!({"title": "Titre révisé", "body": new_body}))
        .await;

    let diff = expect_json(app.get(&format!("{path}/diff?from=1&to=2")).await, 200).await;
    assert_eq!(
        (diff["from"].as_i64(), diff["to"].as_i64()),
        (Some(1), Some(2))
    );
    let changes = diff["changes"].as_array().unwrap();
    let fields: Vec<&str> = changes
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "body"]);
    assert_eq!(
        changes[0],
        json!({"field": "title", "kind": "changed", "before": "Titre initial", "after": "Titre révisé"})
    );
    let words = changes[1]["words"].as_array().unwrap();
    let text = |skip: &str| {
        words
            .iter()
            .filter(|w| w["op"] != skip)
            .map(|w| w["text"].as_str().unwrap())
            .collect::<String>()
    };
    assert_eq!(text("insert"), body);
    assert_eq!(text("delete"), new_body);
    let deleted: Vec<&str> = words
        .iter()
        .filter(|w| w["op"] == "delete")
        .map(|w| w["text"].as_str().unwrap())
        .collect();
    let inserted: Vec<&str> = words
        .iter()
        .filter(|w| w["op"] == "insert")
        .map(|w| w["text"].as_str().unwrap())
        .collect();
    assert_eq!(deleted, ["chat", "canapé"]);
    assert_eq!(inserted, ["chien", "tapis"]);
    assert!(
        words[0]["op"] == "equal"
            && words[0]["text"]
                .as_str()
                .unwrap()
                .starts_with("Le premier paragraphe ne change pas.")
    );

    expect_problem(app.get(&format!("{path}/diff?from=1")).await, 400).await;
    expect_problem(app.get(&format!("{path}/diff?from=0&to=2")).await, 400).await;
    expect_problem(app.get(&format!("{path}/diff?from=1&to=7")).await, 404).await;
}

/// Statuses a write may answer under contention, besides success.
const CLEAN_REFUSALS: [u16; 3] = [409, 412, 503];

#[tokio::test]
async fn concurrent_writers_without_if_match_lose_nothing_and_never_reuse_a_version() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Concurrence").await);
    let article = app
        .create_article(json!({"title": "Disputée", "author_ids": [author]}))
        .await;
    let path = Arc::new(format!("/api/v1/articles/{}", id_of(&article)));

    let tasks = (0..16).map(|task| {
        let (app, path) = (app.clone(), path.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..25 {
                let response = app
                    .patch(
                        &path,
                        &json!({"subtitle": format!("tâche {task} écriture {n}")}),
                    )
                    .await;
                statuses.push(response.status().as_u16());
            }
            statuses
        })
    });
    let statuses: Vec<u16> = join_all(tasks)
        .await
        .into_iter()
        .flat_map(|r| r.unwrap())
        .collect();
    let successes = statuses.iter().filter(|s| **s == 200).count();
    let refused: Vec<&u16> = statuses.iter().filter(|s| **s != 200).collect();
    assert!(
        refused.iter().all(|s| CLEAN_REFUSALS.contains(s)),
        "unclean answers: {refused:?}"
    );

    let revisions = expect_json(
        app.get(&format!("{path}/revisions?per_page=100")).await,
        200,
    )
    .await;
    let total = revisions["meta"]["total"].as_u64().unwrap() as usize;
    assert_eq!(
        total,
        1 + successes,
        "one revision per successful write, plus the creation"
    );
    let mut versions = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}/revisions?limit=100&sort=version&cursor={c}"),
            None => format!("{path}/revisions?limit=100&sort=version"),
        };
        let page = expect_json(app.get(&url).await, 200).await;
        versions.extend(
            page["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["version"].as_u64().unwrap() as usize),
        );
        match page["meta"]["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        versions,
        (1..=total).collect::<Vec<_>>(),
        "versions 1..n, no gap, none twice"
    );
    let current = expect_json(app.get(&path).await, 200).await;
    assert_eq!(current["version"].as_u64().unwrap() as usize, total);
}

#[tokio::test]
async fn concurrent_writers_with_if_match_get_exactly_one_winner_per_version() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Optimiste").await);
    let article = app
        .create_article(json!({"title": "Verrou optimiste", "author_ids": [author]}))
        .await;
    let path = Arc::new(format!("/api/v1/articles/{}", id_of(&article)));

    let tasks = (0..16).map(|task| {
        let (app, path) = (app.clone(), path.clone());
        tokio::spawn(async move {
            let mut wins = Vec::new();
            let mut refusals = Vec::new();
            for n in 0..25 {
                let read = app.get(&path).await;
                let etag = header(&read, "etag").unwrap();
                let base: i64 = expect_json(read, 200).await["version"].as_i64().unwrap();
                let response = send(
                    app.request(Method::PATCH, &path)
                        .header("If-Match", etag)
                        .json(&json!({"subtitle": format!("tâche {task} essai {n}")})),
                )
                .await;
                match response.status().as_u16() {
                    200 => {
                        let written = expect_json(response, 200).await["version"]
                            .as_i64()
                            .unwrap();
                        assert_eq!(written, base + 1, "a win writes the next version");
                        wins.push(written);
                    }
                    status => refusals.push(status),
                }
            }
            (wins, refusals)
        })
    });
    let mut winners: BTreeMap<i64, usize> = BTreeMap::new();
    let mut refusals = Vec::new();
    for result in join_all(tasks).await {
        let (wins, refused) = result.unwrap();
        for version in wins {
            *winners.entry(version).or_default() += 1;
        }
        refusals.extend(refused);
    }
    assert!(
        winners.values().all(|n| *n == 1),
        "two writers won the same version: {winners:?}"
    );
    assert!(
        refusals.iter().all(|s| CLEAN_REFUSALS.contains(s)),
        "unclean answers: {refusals:?}"
    );
    assert!(
        refusals.contains(&412),
        "contention produced stale writes, refused with 412"
    );
    let last = *winners.keys().last().unwrap();
    assert_eq!(
        winners.keys().copied().collect::<Vec<_>>(),
        (2..=last).collect::<Vec<_>>()
    );
    let revisions = expect_json(app.get(&format!("{path}/revisions")).await, 200).await;
    assert_eq!(revisions["meta"]["total"].as_i64().unwrap(), last);
    let current: Value = expect_json(app.get(&path).await, 200).await;
    assert_eq!(current["version"].as_i64().unwrap(), last);
}

#[tokio::test]
async fn edits_racing_publications_never_undo_them() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Course").await);
    let article = app
        .create_article(json!({"title": "Course à la publication", "author_ids": [author]}))
        .await;
    let path = Arc::new(format!("/api/v1/articles/{}", id_of(&article)));
    for round in 0..6 {
        let edits = (0..6).map(|n| {
            let (app, path) = (app.clone(), path.clone());
            tokio::spawn(async move {
                let body = json!({"subtitle": format!("manche {round}, retouche {n}")});
                app.patch(&path, &body).await.status().as_u16()
            })
        });
        let publish = {
            let (app, path) = (app.clone(), path.clone());
            tokio::spawn(async move {
                let body = json!({"action": "publish"});
                app.post(&format!("{path}/transitions"), &body)
                    .await
                    .status()
                    .as_u16()
            })
        };
        let (edits, publish) = tokio::join!(join_all(edits), publish);
        assert_eq!(publish.unwrap(), 200);
        let edits: Vec<u16> = edits.into_iter().map(|s| s.unwrap()).collect();
        assert!(edits.iter().all(|s| *s == 200), "round {round}: {edits:?}");

        // Whatever the order, the working copy still knows it was published,
        // and the last step of its history is the state it is in.
        let working = expect_json(app.get(&path).await, 200).await;
        assert!(
            working["published_version"]
                .as_u64()
                .is_some_and(|v| v >= 1),
            "round {round}: the publication was undone: {working}"
        );
        let history = expect_json(
            app.get(&format!("{path}/transitions?sort=-id&per_page=1"))
                .await,
            200,
        )
        .await;
        assert_eq!(history["data"][0]["to"], working["state"], "round {round}");
        let live = expect_json(send(app.anonymous(Method::GET, &path)).await, 200).await;
        assert_eq!(
            live["version"], working["published_version"],
            "round {round}"
        );
    }
}

/// Reads a counter from `/metrics`.
pub(crate) async fn counter(app: &TestApp, name: &str) -> Option<u64> {
    let metrics = app.get("/metrics").await.text().await.unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .map(|value| value.parse().unwrap())
}

#[tokio::test]
async fn writers_sharing_a_commit_keep_their_own_work_and_only_their_own_failures() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Groupée").await);
    app.create_article(json!({"title": "Prise", "slug": "prise", "author_ids": [author]}))
        .await;
    let mut paths = Vec::new();
    for n in 0..12 {
        let article = app
            .create_article(json!({"title": format!("Article {n}"), "author_ids": [author]}))
            .await;
        paths.push(format!("/api/v1/articles/{}", id_of(&article)));
    }
    let unknown_tag = "0190a0a0-0000-7000-8000-000000000000";
    // Rounds of concurrent writes: good edits of every article, mixed with
    // edits that fail inside their transaction (a slug taken, a tag that
    // does not exist), until some of them shared a commit.
    let mut shared = false;
    for round in 0..5 {
        let writes = paths.iter().enumerate().flat_map(|(n, path)| {
            let good = (
                path.clone(),
                json!({"subtitle": format!("tour {round}, « bonne » retouche {n}")}),
                200,
            );
            let bad = if n % 2 == 0 {
                (path.clone(), json!({"slug": "prise"}), 409)
            } else {
                (path.clone(), json!({"tag_ids": [unknown_tag]}), 422)
            };
            [good, bad]
        });
        let answers = join_all(writes.map(|(path, body, expected)| {
            let app = app.clone();
            tokio::spawn(async move { (app.patch(&path, &body).await.status().as_u16(), expected) })
        }))
        .await;
        for answer in answers {
            let (status, expected) = answer.unwrap();
            assert_eq!(status, expected, "round {round}");
        }
        for (n, path) in paths.iter().enumerate() {
            let article = expect_json(app.get(path).await, 200).await;
            assert_eq!(
                article["subtitle"],
                format!("tour {round}, « bonne » retouche {n}")
            );
            assert_ne!(article["slug"], "prise");
            assert_eq!(article["tag_ids"], json!([]));
            assert_eq!(article["version"], round + 2, "one version per good edit");
        }
        // Each group moved the words of its writers' documents at its
        // commit, leaving out those of the writers that failed.
        assert_word_indexes_agree(&app).await;
        if std::env::var_os("MASTHEAD_TEST_DATABASE_URL").is_some() {
            // PostgreSQL writers commit on their own.
            assert_eq!(counter(&app, "masthead_sqlite_commits_total").await, None);
            return;
        }
        let writes = counter(&app, "masthead_sqlite_writes_total").await.unwrap();
        let commits = counter(&app, "masthead_sqlite_commits_total")
            .await
            .unwrap();
        assert!(commits <= writes);
        if commits < writes {
            shared = true;
            break;
        }
    }
    assert!(shared, "concurrent writers never shared a commit");
}

#[tokio::test]
async fn writes_abandoned_by_their_clients_never_wedge_or_corrupt_the_others() {
    let app = Arc::new(TestApp::spawn().await);
    let author = id_of(&app.create_author("Pressée").await);
    let mut paths = Vec::new();
    for n in 0..8 {
        let article = app
            .create_article(json!({"title": format!("Abandon {n}"), "author_ids": [author]}))
            .await;
        paths.push(format!("/api/v1/articles/{}", id_of(&article)));
    }
    // Clients that hang up after a few hundred microseconds, at every stage
    // of their writes, interleaved with clients that wait for the answer.
    let mut tasks = Vec::new();
    for n in 0..96u64 {
        let (app, path) = (app.clone(), paths[n as usize % paths.len()].clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"subtitle": format!("essai {n}")});
            let request = app.request(Method::PATCH, &path).json(&body);
            if n % 3 == 0 {
                Some(send(request).await.status().as_u16())
            } else {
                let patience = std::time::Duration::from_micros(200 + 150 * (n % 20));
                let _ = request.timeout(patience).send().await;
                None
            }
        }));
    }
    for status in join_all(tasks).await.into_iter().flat_map(Result::unwrap) {
        assert_eq!(status, 200, "a client that waited got {status}");
    }
    // The word indexes hold what the documents hold, whichever writes got in.
    assert_word_indexes_agree(&app).await;
    // Afterwards every article takes writes, and its history has no gap:
    // one revision per version, whichever abandoned writes got in.
    for path in &paths {
        let edited = expect_json(app.patch(path, &json!({"subtitle": "après"})).await, 200).await;
        let version = edited["version"].as_i64().unwrap();
        let revisions = expect_json(
            app.get(&format!("{path}/revisions?per_page=100")).await,
            200,
        )
        .await;
        assert_eq!(revisions["meta"]["total"].as_i64().unwrap(), version);
        let mut versions: Vec<i64> = revisions["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["version"].as_i64().unwrap())
            .collect();
        versions.sort_unstable();
        assert_eq!(versions, (1..=version).collect::<Vec<_>>());
    }
}
