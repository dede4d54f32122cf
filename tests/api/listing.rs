//! Lists: pagination by page and by cursor, sorting, filters, sparse fields,
//! headers, and the number of SQL statements a page costs.

use std::collections::HashSet;

use serde_json::{Value, json};

use reqwest::Method;

use crate::helpers::{TestApp, expect_json, expect_problem, header, id_of, send};

struct Fixture {
    app: TestApp,
    authors: Vec<String>,
    tags: Vec<String>,
}

/// 30 published articles, one a day from 2024-01-01, over 3 authors, 3 tags and 2 locales.
async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let mut authors = Vec::new();
    for name in ["Alice", "Bruno", "Chloé"] {
        authors.push(id_of(&app.create_author(name).await));
    }
    let mut tags = Vec::new();
    for name in ["Culture", "Économie", "Sport"] {
        tags.push(id_of(&app.create_tag(name).await));
    }
    for i in 0..30 {
        app.create_article(json!({
            "title": format!("Article {i:02}"),
            "locale": if i % 2 == 0 { "fr" } else { "en" },
            "author_ids": [authors[i % 3]],
            "tag_ids": [tags[i % 3], tags[(i + 1) % 3]],
            "state": "published",
            "published_at": format!("2024-01-{:02}T08:00:00Z", i + 1),
        }))
        .await;
    }
    Fixture { app, authors, tags }
}

fn titles(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|a| a["title"].as_str().expect("title").to_owned())
        .collect()
}

#[tokio::test]
async fn pages_have_meta_total_count_and_link_headers() {
    let Fixture { app, .. } = fixture().await;

    let response = app
        .get("/api/v1/articles?page=2&per_page=7&sort=published_at")
        .await;
    assert_eq!(header(&response, "x-total-count").as_deref(), Some("30"));
    let link = header(&response, "link").expect("Link");
    let list = expect_json(response, 200).await;

    assert_eq!(
        titles(&list),
        (7..14)
            .map(|i| format!("Article {i:02}"))
            .collect::<Vec<_>>()
    );
    assert_eq!(list["meta"]["total"], 30);
    assert_eq!(list["meta"]["page"], 2);
    assert_eq!(list["meta"]["per_page"], 7);
    assert!(list["meta"]["next_cursor"].is_string());
    for rel in ["first", "prev", "next", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{rel} in {link}");
    }
    assert!(link.contains("page=5"), "last page is 5: {link}");
    assert!(
        link.contains("sort=published_at"),
        "other parameters are kept: {link}"
    );
}

#[tokio::test]
async fn cursor_pagination_walks_every_row_once_in_order() {
    let Fixture { app, .. } = fixture().await;
    let mut seen = Vec::new();
    let mut path = "/api/v1/articles?limit=8&sort=-published_at".to_owned();
    loop {
        let list = expect_json(app.get(&path).await, 200).await;
        seen.extend(titles(&list));
        match list["meta"]["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/articles?limit=8&sort=-published_at&cursor={cursor}")
            }
            None => break,
        }
    }
    let expected: Vec<String> = (0..30).rev().map(|i| format!("Article {i:02}")).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn cursors_work_across_nullable_and_tied_sort_keys() {
    let app = TestApp::spawn().await;
    let author = id_of(&app.create_author("A").await);
    // Drafts have no publication date; equal titles force the id tie-breaker.
    for i in 0..9 {
        let state = if i % 3 == 0 {
            json!("published")
        } else {
            json!("draft")
        };
        app.create_article(
            json!({"title": format!("Même {}", i % 2), "author_ids": [author], "state": state}),
        )
        .await;
    }
    for sort in [
        "-published_at,title",
        "published_at",
        "title",
        "-title,-created_at",
    ] {
        let all = expect_json(
            app.get(&format!("/api/v1/articles?per_page=100&sort={sort}"))
                .await,
            200,
        )
        .await;
        let expected: Vec<&str> = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        let mut walked = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/articles?limit=2&sort={sort}&cursor={c}"),
                None => format!("/api/v1/articles?limit=2&sort={sort}"),
            };
            let page = expect_json(app.get(&path).await, 200).await;
            walked.extend(
                page["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_owned()),
            );
            match page["meta"]["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(walked, expected, "sort {sort}");
        let published_last: Vec<bool> = all["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["published_at"].is_null())
            .collect();
        if sort.contains("published_at") {
            let first_null = published_last.iter().position(|n| *n).unwrap();
            assert!(
                published_last[first_null..].iter().all(|n| *n),
                "unpublished sort last for {sort}"
            );
        }
    }
}

#[tokio::test]
async fn filters_by_tag_author_locale_and_publication_dates() {
    let Fixture { app, authors, tags } = fixture().await;

    let by_tag = expect_json(
        app.get(&format!("/api/v1/articles?tag={}&per_page=100", tags[0]))
            .await,
        200,
    )
    .await;
    assert_eq!(
        by_tag["meta"]["total"], 20,
        "tag 0 is on articles with i%3 in {{0, 2}}"
    );
    let by_tag_slug = expect_json(
        app.get("/api/v1/articles?tag=culture&per_page=100").await,
        200,
    )
    .await;
    assert_eq!(by_tag_slug["meta"]["total"], 20);
    let two_tags = expect_json(
        app.get("/api/v1/articles?tag=culture&tag=sport&per_page=100")
            .await,
        200,
    )
    .await;
    assert_eq!(
        two_tags["meta"]["total"], 30,
        "repeated tags match any of them"
    );

    let by_author = expect_json(
        app.get(&format!("/api/v1/articles?author={}", authors[1]))
            .await,
        200,
    )
    .await;
    assert_eq!(by_author["meta"]["total"], 10);
    let by_author_slug = expect_json(app.get("/api/v1/articles?author=chloe").await, 200).await;
    assert_eq!(by_author_slug["meta"]["total"], 10);

    let french = expect_json(
        app.get("/api/v1/articles?locale=fr&per_page=100").await,
        200,
    )
    .await;
    assert_eq!(french["meta"]["total"], 15);
    assert!(
        french["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["locale"] == "fr")
    );

    let window = expect_json(
        app.get("/api/v1/articles?published_after=2024-01-10&published_before=2024-01-15T08:00:00Z&sort=published_at").await,
        200,
    )
    .await;
    assert_eq!(
        titles(&window),
        [
            "Article 09",
            "Article 10",
            "Article 11",
            "Article 12",
            "Article 13"
        ]
    );

    let combined = expect_json(
        app.get(&format!(
            "/api/v1/articles?locale=en&tag={}&author={}",
            tags[1], authors[1]
        ))
        .await,
        200,
    )
    .await;
    for article in combined["data"].as_array().unwrap() {
        assert_eq!(article["locale"], "en");
        assert!(
            article["tag_ids"]
                .as_array()
                .unwrap()
                .contains(&json!(tags[1]))
        );
        assert_eq!(article["author_ids"], json!([authors[1]]));
    }
    assert_eq!(
        combined["meta"]["total"],
        combined["data"].as_array().unwrap().len()
    );
}

/// The titles of every page of `path` (a list URL without `cursor`),
/// walked by cursor `limit` at a time.
async fn walk(app: &TestApp, path: &str, limit: u32) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = format!("{path}&limit={limit}");
    loop {
        let list = expect_json(app.get(&next).await, 200).await;
        seen.extend(titles(&list));
        match list["meta"]["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&limit={limit}&cursor={cursor}"),
            None => return seen,
        }
    }
}

#[tokio::test]
async fn a_tag_or_author_page_follows_every_change_to_its_articles() {
    // One tag's or author's page is read from the link table, which carries
    // its articles' publication dates: every way those change must show.
    let Fixture { app, authors, tags } = fixture().await;
    let culture: Vec<String> = (0..30)
        .rev()
        .filter(|i| i % 3 != 1)
        .map(|i| format!("Article {i:02}"))
        .collect();
    let page = expect_json(
        app.get(&format!(
            "/api/v1/articles?tag={}&page=2&per_page=5",
            tags[0]
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(page["meta"]["total"], 20);
    assert_eq!(titles(&page), culture[5..10]);
    // By slug, by cursor, and with a cursor of the general list's order.
    assert_eq!(walk(&app, "/api/v1/articles?tag=culture", 7).await, culture);
    let oldest_first: Vec<String> = culture.iter().rev().cloned().collect();
    assert_eq!(
        walk(&app, "/api/v1/articles?tag=culture&sort=published_at", 6).await,
        oldest_first
    );
    let general = expect_json(app.get("/api/v1/articles?limit=2").await, 200).await;
    let cursor = general["meta"]["next_cursor"].as_str().unwrap();
    let after = expect_json(
        app.get(&format!(
            "/api/v1/articles?tag=culture&limit=3&cursor={cursor}"
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(titles(&after), ["Article 27", "Article 26", "Article 24"]);
    let window = expect_json(
        app.get(
            "/api/v1/articles?author=alice&published_after=2024-01-10&published_before=2024-01-20",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        titles(&window),
        ["Article 18", "Article 15", "Article 12", "Article 09"]
    );

    // A new publication leads; unpublished, it leaves the public's page.
    let fresh = app
        .create_article(json!({
            "title": "À la une",
            "author_ids": [authors[1]],
            "tag_ids": [tags[0]],
            "state": "published",
            "published_at": "2030-01-01T00:00:00Z",
        }))
        .await;
    let fresh_path = format!("/api/v1/articles/{}", id_of(&fresh));
    let first = |list: &Value| titles(list).first().cloned();
    let public = expect_json(
        send(app.anonymous(Method::GET, "/api/v1/articles?tag=culture&per_page=1")).await,
        200,
    )
    .await;
    assert_eq!(first(&public).as_deref(), Some("À la une"));
    assert_eq!(public["meta"]["total"], 21);
    expect_json(
        app.post(
            &format!("{fresh_path}/transitions"),
            &json!({"action": "unpublish"}),
        )
        .await,
        200,
    )
    .await;
    let public = expect_json(
        send(app.anonymous(Method::GET, "/api/v1/articles?tag=culture&per_page=1")).await,
        200,
    )
    .await;
    assert_eq!(first(&public).as_deref(), Some("Article 29"));
    assert_eq!(public["meta"]["total"], 20);

    // An editor's preview still has it; deleted, it leaves the preview too.
    let preview = "/api/v1/articles?tag=culture&per_page=1&preview=true";
    let page = expect_json(app.get(preview).await, 200).await;
    assert_eq!(first(&page).as_deref(), Some("À la une"));
    assert_eq!(page["meta"]["total"], 21);
    let deleted = app.delete(&fresh_path).await;
    assert_eq!(deleted.status(), 204);
    let page = expect_json(app.get(preview).await, 200).await;
    assert_eq!(first(&page).as_deref(), Some("Article 29"));
    assert_eq!(page["meta"]["total"], 20);
    let restored = app.post(&format!("{fresh_path}/restore"), &json!({})).await;
    assert!(restored.status().is_success(), "{}", restored.status());
    let page = expect_json(app.get(preview).await, 200).await;
    assert_eq!(first(&page).as_deref(), Some("À la une"));
}

#[tokio::test]
async fn sparse_fields_and_includes_shape_each_item() {
    let Fixture { app, .. } = fixture().await;
    let list = expect_json(
        app.get("/api/v1/articles?fields=id,title,authors&include=authors&per_page=3")
            .await,
        200,
    )
    .await;
    for item in list["data"].as_array().unwrap() {
        let keys: HashSet<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, HashSet::from(["id", "title", "authors"]));
        assert!(item["authors"][0]["name"].is_string());
    }
    let one = expect_json(
        app.get(&format!(
            "/api/v1/articles/{}?fields=slug",
            list["data"][0]["id"].as_str().unwrap()
        ))
        .await,
        200,
    )
    .await;
    assert_eq!(one.as_object().unwrap().len(), 1);
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
    for i in 0..5 {
        authors.push(id_of(&app.create_author(&format!("Auteur {i}")).await));
    }
    let mut tags = Vec::new();
    for i in 0..8 {
        tags.push(id_of(&app.create_tag(&format!("Tag {i}")).await));
    }
    for i in 0..100 {
        app.create_article(json!({
            "title": format!("N° {i}"),
            "author_ids": [authors[i % 5], authors[(i + 1) % 5]],
            "tag_ids": [tags[i % 8], tags[(i + 3) % 8], tags[(i + 5) % 8]],
            "state": "published",
        }))
        .await;
    }

    let path = "/api/v1/articles?per_page=100&include=authors,tags";
    let before = app.statements();
    let list = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    let spent = app.statements() - before;

    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 100);
    assert!(
        data.iter()
            .all(|a| a["authors"].as_array().unwrap().len() == 2
                && a["tags"].as_array().unwrap().len() == 3)
    );
    // The content generation, the total, the page, the author links, the
    // tag links, and (the first time at a generation) the authors and the
    // tags shown.
    assert!(
        spent <= 7,
        "listing 100 articles with authors and tags ran {spent} statements"
    );
    // Nothing changed since: the total counted then, and the authors and
    // tags read then, still stand.
    let before = app.statements();
    expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    let again = app.statements() - before;
    assert!(again <= 4, "the same list again ran {again} statements");

    // Signed in, checking the access token adds one statement (the user with
    // their author profile); a preview's total follows draft work too, so it
    // is counted at its own generation the first time, and the tags are
    // read at it once. Those who see authors' private fields read the
    // authors with their links.
    let before = app.statements();
    expect_json(app.get(path).await, 200).await;
    let signed_in = app.statements() - before;
    assert!(
        signed_in <= 7,
        "signed in, the same list ran {signed_in} statements"
    );
    let before = app.statements();
    expect_json(app.get(path).await, 200).await;
    let signed_in = app.statements() - before;
    assert!(
        signed_in <= 5,
        "signed in, the same list again ran {signed_in} statements"
    );
}

#[tokio::test]
async fn shown_authors_and_tags_follow_every_edit_with_the_cache_off() {
    // Authors and tags are kept in memory while the generation stands: each
    // way of reading them (a list, a tag's page, one article, GraphQL;
    // anonymous or signed in) shows an edit and a new profile link at once.
    let app = TestApp::spawn_with(|config| config.cache_entries = 0).await;
    let author = id_of(&app.create_author("Élise Avant").await);
    let tag = app.create_tag("Économie avant").await;
    let (tag_id, tag_slug) = (id_of(&tag), tag["slug"].as_str().unwrap().to_owned());
    let other = id_of(&app.create_tag("Sport").await);
    let article = app
        .create_article(json!({"title": "Le marché", "author_ids": [author],
                               "tag_ids": [tag_id, other], "state": "published"}))
        .await;
    let one = format!("/api/v1/articles/{}?include=authors,tags", id_of(&article));
    let paths = [
        "/api/v1/articles?include=authors,tags".to_owned(),
        format!("/api/v1/articles?include=authors,tags&tag={tag_slug}"),
        one.clone(),
    ];
    let gql = "{ articles(first: 5) { nodes { authors { name } tags { name } } } }";
    let shown = async || -> Vec<(String, String)> {
        let mut items = Vec::new();
        for path in &paths {
            let anonymous = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
            let signed_in = expect_json(app.get(path).await, 200).await;
            for answer in [anonymous, signed_in] {
                items.push(answer["data"].get(0).cloned().unwrap_or(answer));
            }
        }
        let answer = crate::helpers::data(app.gql_anonymous(gql, json!({})).await);
        items.push(answer["articles"]["nodes"][0].clone());
        let names = |item: &Value, key: &str| -> String {
            let list = item[key].as_array().unwrap().iter();
            let names: Vec<&str> = list.map(|v| v["name"].as_str().unwrap()).collect();
            names.join(",")
        };
        let names = items
            .iter()
            .map(|item| (names(item, "authors"), names(item, "tags")));
        names.collect()
    };
    let all = |author: &str, tags: &str| vec![(author.to_owned(), tags.to_owned()); 7];
    assert_eq!(shown().await, all("Élise Avant", "Économie avant,Sport"));

    let renames = [
        (
            format!("/api/v1/tags/{tag_id}"),
            "Économie après",
            ("Élise Avant", "Économie après,Sport"),
        ),
        (
            format!("/api/v1/authors/{author}"),
            "Élise Après",
            ("Élise Après", "Économie après,Sport"),
        ),
    ];
    for (path, name, (author, tags)) in renames {
        let renamed = app.patch(&path, &json!({"name": name})).await;
        assert_eq!(renamed.status(), 200);
        assert_eq!(shown().await, all(author, tags), "after {path}");
    }

    // A user's profile link is no content event: those who see it read it
    // as it is now.
    let (user, _) = app.user("author", None).await;
    let list = "/api/v1/articles?include=authors";
    expect_json(app.get(list).await, 200).await;
    let linked = app
        .patch(
            &format!("/api/v1/users/{user}"),
            &json!({"author_id": author}),
        )
        .await;
    assert_eq!(linked.status(), 200);
    let answer = expect_json(app.get(list).await, 200).await;
    assert_eq!(answer["data"][0]["authors"][0]["user_id"], user.as_str());
    let answer = expect_json(send(app.anonymous(Method::GET, list)).await, 200).await;
    assert!(
        answer["data"][0]["authors"][0]
            .get("user_id")
            .is_none_or(Value::is_null)
    );
}

#[tokio::test]
async fn a_kept_total_is_counted_again_after_any_change() {
    // Totals are kept per content generation: a publication, draft work and
    // a deletion each show in the next answer's total, public or preview.
    let app = TestApp::spawn_with(|config| config.cache_entries = 0).await;
    let author = id_of(&app.create_author("Compteur").await);
    let total = async |preview: bool| -> u64 {
        let path = format!("/api/v1/articles?per_page=1&preview={preview}");
        let list = if preview {
            expect_json(app.get(&path).await, 200).await
        } else {
            expect_json(send(app.anonymous(Method::GET, &path)).await, 200).await
        };
        list["meta"]["total"].as_u64().unwrap()
    };
    assert_eq!((total(false).await, total(true).await), (0, 0));
    let published = app
        .create_article(json!({"title": "Un", "author_ids": [author], "state": "published"}))
        .await;
    assert_eq!((total(false).await, total(true).await), (1, 1));
    let draft = app
        .create_article(json!({"title": "Deux", "author_ids": [author]}))
        .await;
    assert_eq!((total(false).await, total(true).await), (1, 2));
    let deleted = app
        .delete(&format!("/api/v1/articles/{}", id_of(&draft)))
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!((total(false).await, total(true).await), (1, 1));
    let unpublished = app
        .post(
            &format!("/api/v1/articles/{}/transitions", id_of(&published)),
            &json!({"action": "unpublish"}),
        )
        .await;
    assert_eq!(unpublished.status(), 200);
    assert_eq!((total(false).await, total(true).await), (0, 1));
}

#[tokio::test]
async fn author_and_tag_lists_sort_and_search() {
    let app = TestApp::spawn().await;
    for name in ["Émile", "Bernard", "Anaïs", "Denis"] {
        app.create_author(name).await;
    }
    let list = expect_json(app.get("/api/v1/authors?sort=-slug").await, 200).await;
    let slugs: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["emile", "denis", "bernard", "anais"]);
    // `q` matches words (and, as one types, their beginnings), without
    // regard to case or accents.
    let found = expect_json(app.get("/api/v1/authors?q=BERN").await, 200).await;
    assert_eq!(found["meta"]["total"], 1);
    let found = expect_json(app.get("/api/v1/authors?q=emile").await, 200).await;
    assert_eq!(found["data"][0]["name"], "Émile");

    let response = app.get("/api/v1/tags?per_page=1").await;
    assert_eq!(header(&response, "x-total-count").as_deref(), Some("0"));
    expect_json(response, 200).await;
}

#[tokio::test]
async fn unchanged_lists_answer_304_to_if_none_match() {
    let Fixture { app, .. } = fixture().await;
    let response = app.get("/api/v1/articles?per_page=5").await;
    let etag = header(&response, "etag").unwrap();
    let again = crate::helpers::send(
        app.request(reqwest::Method::GET, "/api/v1/articles?per_page=5")
            .header("If-None-Match", &etag),
    )
    .await;
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn bad_list_parameters_are_400_naming_the_parameter() {
    let Fixture { app, .. } = fixture().await;
    let cursor = expect_json(app.get("/api/v1/articles?limit=2&sort=title").await, 200).await["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    for (query, field) in [
        ("sort=nope", "sort"),
        ("sort=title,%20id", "sort"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("locale=xx-invalid-", "locale"),
        ("state=gone", "state"),
        ("published_after=yesterday", "published_after"),
        ("include=comments", "include"),
        ("fields=password", "fields"),
        ("colour=red", "colour"),
        ("formats=pdf", "formats"),
        ("q=", "q"),
        ("fields=title,", "fields"),
        ("fields=title,%20slug", "fields"),
        ("include=authors,,tags", "include"),
        ("locale=en-GB-oed", "locale"),
    ] {
        let problem =
            expect_problem(app.get(&format!("/api/v1/articles?{query}")).await, 400).await;
        assert_eq!(
            problem["errors"][0]["field"], field,
            "query {query}: {problem}"
        );
    }
    // A cursor is opaque: any text is well-formed, and one this API did not
    // issue, or issued for another order, breaks a rule (422); so does
    // mixing the two styles of pagination.
    for query in [
        "cursor=%%%",
        "cursor=bm9wZQ",
        &format!("cursor={cursor}&sort=-title"),
        "page=2&cursor=abc",
    ] {
        let problem =
            expect_problem(app.get(&format!("/api/v1/articles?{query}")).await, 422).await;
        assert_eq!(
            problem["errors"][0]["field"], "cursor",
            "query {query}: {problem}"
        );
    }
}

#[tokio::test]
async fn oversized_list_requests_are_refused_or_empty_never_an_error() {
    let app = TestApp::spawn().await;
    let ids: Vec<String> = (0..101)
        .map(|_| format!("id={}", uuid::Uuid::now_v7()))
        .collect();
    let problem = expect_problem(
        app.get(&format!("/api/v1/articles?{}", ids.join("&")))
            .await,
        400,
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "id");

    let far = expect_json(
        app.get("/api/v1/articles?page=9223372036854775807&per_page=100")
            .await,
        200,
    )
    .await;
    assert_eq!(far["data"], json!([]));
    // Past what the document allows (int64): refused, naming the parameter.
    let past = expect_problem(
        app.get("/api/v1/articles?page=18446744073709551615&per_page=100")
            .await,
        400,
    )
    .await;
    assert_eq!(past["errors"][0]["field"], "page");
    let far = app
        .get("/api/v1/articles?_start=18446744073709551000&_end=18446744073709551010")
        .await;
    assert_eq!(expect_json(far, 200).await, json!([]));

    let empty_ids = app
        .get("/api/v1/articles?filter=%7B%22id%22%3A%5B%5D%7D")
        .await;
    assert_eq!(
        expect_json(empty_ids, 200).await,
        json!([]),
        "an empty id list matches nothing"
    );
}

#[tokio::test]
async fn public_answers_are_shared_until_content_changes_anywhere() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    let author = id_of(&app.create_author("Cache").await);
    let article = app
        .create_article(json!({"title": "Avant", "author_ids": [author], "state": "published"}))
        .await;
    let path = "/api/v1/articles?include=authors,tags&per_page=10";

    let first = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    let before = app.statements();
    let response = send(app.anonymous(Method::GET, path)).await;
    assert_eq!(
        header(&response, "cache-control").as_deref(),
        Some("public, max-age=0, s-maxage=0, stale-while-revalidate=0")
    );
    let second = expect_json(response, 200).await;
    assert_eq!(
        app.statements() - before,
        1,
        "a repeated public read only checks the content generation"
    );
    assert_eq!(first, second);

    let delivery = app.api_key("delivery").await;
    let keyed = expect_json(
        send(app.request_as(&delivery, Method::GET, path)).await,
        200,
    )
    .await;
    assert_eq!(keyed, first, "delivery keys share the public answer");
    let signed_in = send(app.request(Method::GET, path)).await;
    assert_eq!(
        header(&signed_in, "cache-control").as_deref(),
        Some("private, no-cache")
    );

    // A public change — a republication, a renamed author — shows at once.
    let item = format!("/api/v1/articles/{}", id_of(&article));
    app.patch(&item, &json!({"title": "Après"})).await;
    let unchanged = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    assert_eq!(
        unchanged["data"][0]["title"], "Avant",
        "the live copy is still the published one"
    );
    app.post(
        &format!("{item}/transitions"),
        &json!({"action": "publish"}),
    )
    .await;
    let changed = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    assert_eq!(changed["data"][0]["title"], "Après");
    let renamed = expect_json(
        app.patch(
            &format!("/api/v1/authors/{author}"),
            &json!({"name": "Cache renommé"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["name"], "Cache renommé");
    let again = expect_json(send(app.anonymous(Method::GET, path)).await, 200).await;
    assert_eq!(again["data"][0]["authors"][0]["name"], "Cache renommé");
}

#[tokio::test]
async fn a_burst_of_identical_public_reads_makes_the_answer_once() {
    let app = TestApp::spawn_with(|config| config.scheduler_interval_ms = 0).await;
    let author = id_of(&app.create_author("Rafale").await);
    for i in 0..30 {
        app.create_article(
            json!({"title": format!("Rafale {i}"), "author_ids": [author], "state": "published"}),
        )
        .await;
    }
    let path = "/api/v1/articles?include=authors,tags&per_page=30";
    // The same page alone costs the content generation and four statements.
    let before = app.statements();
    let alone = expect_json(
        send(app.anonymous(
            Method::GET,
            "/api/v1/articles?include=authors,tags&per_page=29",
        ))
        .await,
        200,
    )
    .await;
    let one_answer = app.statements() - before;
    assert_eq!(alone["data"].as_array().unwrap().len(), 29);

    let before = app.statements();
    let burst =
        futures_util::future::join_all((0..24).map(|_| send(app.anonymous(Method::GET, path))))
            .await;
    let spent = app.statements() - before;
    let mut bodies = Vec::new();
    for response in burst {
        bodies.push(expect_json(response, 200).await);
    }
    assert!(
        bodies
            .iter()
            .all(|b| b == &bodies[0] && b["data"].as_array().unwrap().len() == 30)
    );
    // At most one generation read per request, plus the answer made once
    // (made once per request, it would cost 24 times the list's statements).
    assert!(
        spent < 24 + 2 * one_answer,
        "24 identical reads ran {spent} statements (one answer: {one_answer})"
    );
}
