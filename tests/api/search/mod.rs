//! Search (design §12): matching that ignores case and accents, phrases,
//! exclusions and prefixes, ranking by field, highlights, facets, the live
//! and working copies, the `q` filter of lists, GraphQL, and a fixed corpus
//! whose top results are committed, so SQLite and PostgreSQL answer the same.

mod corpus;
pub(crate) mod words;

use reqwest::Method;
use serde_json::{Value, json};

use sea_orm::ConnectionTrait;

use crate::helpers::{
    TestApp, TestDatabase, data, expect_json, expect_problem, header, id_of, send,
};
use crate::process::{Api, BINARY, Process, serve_env};

/// `GET /api/v1/search?…` as the public.
async fn public_search(app: &TestApp, query: &str) -> Value {
    let response = send(app.anonymous(Method::GET, &format!("/api/v1/search?{query}"))).await;
    expect_json(response, 200).await
}

/// `GET /api/v1/search?q=…` as the public, on a server process at `base`.
async fn search_at(base: &str, q: &str) -> Value {
    reqwest::get(format!("{base}/api/v1/search?q={q}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The titles (or names) of a search answer, in order.
fn titles(answer: &Value) -> Vec<String> {
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| {
            let object = &hit["object"];
            object["title"]
                .as_str()
                .or_else(|| object["name"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn q(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()
}

async fn published(app: &TestApp, body: Value) -> Value {
    let mut body = body;
    body["state"] = json!("published");
    app.create_article(body).await
}

#[tokio::test]
async fn accents_case_phrases_exclusions_and_prefixes_match_as_readers_expect() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Zoë Lefèvre").await;
    let by = json!([id_of(&author)]);
    let summit = published(
        &app,
        json!({
            "title": "Le Secrétaire général à Lyon",
            "locale": "fr",
            "body": "Cet été, « Ça va » a dit le secrétaire général devant l’hôtel de ville.",
            "author_ids": by,
        }),
    )
    .await;
    let budget = published(
        &app,
        json!({
            "title": "Le budget de la ville",
            "locale": "fr",
            "body": "Le conseil municipal a voté le budget après un long débat sur le tramway.",
            "author_ids": by,
        }),
    )
    .await;

    // Typed without accents, in lower case: the accented text is found and
    // marked in its own spelling, escaped for HTML.
    let answer = public_search(&app, &format!("{}&type=articles", q("secretaire general"))).await;
    assert_eq!(titles(&answer), ["Le Secrétaire général à Lyon"]);
    let hit = &answer["data"][0];
    assert_eq!(hit["type"], "articles");
    assert_eq!(hit["id"], summit["id"]);
    assert_eq!(
        hit["highlights"]["title"][0],
        "Le <mark>Secrétaire</mark> <mark>général</mark> à Lyon"
    );
    let body = hit["highlights"]["body"][0].as_str().unwrap();
    assert!(
        body.contains("<mark>secrétaire</mark> <mark>général</mark>"),
        "{body}"
    );
    assert!(body.contains("« Ça va »"), "{body}");
    // The title holds both words: its weight (8) is the whole part.
    let score = hit["score"].as_f64().unwrap();
    assert!((8.0..9.0).contains(&score), "a title match: {hit}");

    let answer = public_search(&app, &q("ETE")).await;
    assert_eq!(titles(&answer), ["Le Secrétaire général à Lyon"]);
    assert!(
        answer["data"][0]["highlights"]["body"][0]
            .as_str()
            .unwrap()
            .contains("<mark>été</mark>, « Ça va »")
    );

    // A phrase needs its words together and in order.
    let answer = public_search(&app, &q("\"général secrétaire\"")).await;
    assert_eq!(answer["meta"]["total"], 0);
    let answer = public_search(&app, &q("\"le secretaire general\" lyon")).await;
    assert_eq!(titles(&answer), ["Le Secrétaire général à Lyon"]);

    // An excluded word removes what holds it.
    let answer = public_search(&app, &format!("{}&type=articles", q("ville -tramway"))).await;
    assert_eq!(titles(&answer), ["Le Secrétaire général à Lyon"]);
    let answer = public_search(
        &app,
        &format!("{}&type=articles", q("ville -\"hôtel de ville\"")),
    )
    .await;
    assert_eq!(titles(&answer), ["Le budget de la ville"]);

    // A prefix finds every word it starts.
    let answer = public_search(&app, &format!("{}&type=articles", q("tram*"))).await;
    assert_eq!(titles(&answer), ["Le budget de la ville"]);
    assert!(
        answer["data"][0]["highlights"]["body"][0]
            .as_str()
            .unwrap()
            .contains("<mark>tramway</mark>")
    );
    let answer = public_search(&app, &format!("{}&type=articles", q("secr* vill*"))).await;
    assert_eq!(titles(&answer), ["Le Secrétaire général à Lyon"]);

    // Author names are searched, and so are authors themselves.
    let answer = public_search(&app, &q("lefevre")).await;
    let kinds: Vec<&str> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["authors", "articles", "articles"]);
    assert_eq!(
        answer["data"][0]["highlights"]["name"][0],
        "Zoë <mark>Lefèvre</mark>"
    );
    assert_eq!(answer["data"][0]["object"]["name"], "Zoë Lefèvre");
    assert!(
        answer["data"][0]["object"].get("email").is_none()
            || answer["data"][0]["object"]["email"].is_null()
    );
    assert_eq!(
        answer["data"][1]["highlights"]["authors"][0],
        "Zoë <mark>Lefèvre</mark>"
    );
    assert_eq!(id_of(&budget).len(), 36);
}

#[tokio::test]
async fn a_title_match_ranks_above_a_subtitle_a_body_and_a_name() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Marie Curie").await;
    let tag = app.create_tag("Radium").await;
    let by = json!([id_of(&author)]);
    for (title, subtitle, body, tags) in [
        (
            "Notes de laboratoire",
            None,
            "Rien ici.",
            json!([id_of(&tag)]),
        ),
        (
            "Un long hiver",
            None,
            "Le radium brille dans le noir, le radium fascine.",
            json!([]),
        ),
        (
            "La découverte",
            Some("Le radium isolé"),
            "Rien ici.",
            json!([]),
        ),
        ("Le radium", None, "Rien ici.", json!([])),
    ] {
        published(
            &app,
            json!({"title": title, "subtitle": subtitle, "body": body, "author_ids": by, "tag_ids": tags}),
        )
        .await;
    }
    let answer = public_search(&app, &format!("{}&type=articles", q("radium"))).await;
    assert_eq!(
        titles(&answer),
        [
            "Le radium",
            "La découverte",
            "Un long hiver",
            "Notes de laboratoire"
        ]
    );
    let scores: Vec<f64> = answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["score"].as_f64().unwrap())
        .collect();
    for (score, fields) in scores.iter().zip([8.0, 4.0, 2.0, 1.0]) {
        assert!(
            (fields..fields + 1.0).contains(score),
            "{score}: the weight of the matching fields is {fields}"
        );
    }
    assert_eq!(
        answer["data"][3]["highlights"]["tags"][0],
        "<mark>Radium</mark>"
    );
    // The tag itself is found too, by its name.
    let answer = public_search(&app, &format!("{}&type=tags", q("radium"))).await;
    assert_eq!(titles(&answer), ["Radium"]);
    assert_eq!(
        answer["data"][0]["highlights"]["name"][0],
        "<mark>Radium</mark>"
    );
}

#[tokio::test]
async fn the_public_searches_live_copies_and_editors_preview_working_ones() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Ada").await;
    let by = json!([id_of(&author)]);
    let draft = app
        .create_article(json!({"title": "Brouillon confidentiel", "author_ids": by}))
        .await;
    let live = published(&app, json!({"title": "Version publique", "author_ids": by})).await;
    // An edit of the published article stays in its working copy.
    let path = format!("/api/v1/articles/{}", id_of(&live));
    expect_json(
        app.patch(&path, &json!({"title": "Version retouchée"}))
            .await,
        200,
    )
    .await;

    let public = public_search(&app, &q("confidentiel")).await;
    assert_eq!(public["meta"]["total"], 0);
    let public = public_search(&app, &q("version")).await;
    assert_eq!(titles(&public), ["Version publique"]);
    let public = public_search(&app, &q("retouchee")).await;
    assert_eq!(public["meta"]["total"], 0);
    // The public cannot ask for working copies.
    let refused = send(app.anonymous(
        Method::GET,
        &format!("/api/v1/search?{}&preview=true", q("version")),
    ))
    .await;
    assert_eq!(refused.status(), 401);

    let (_, editor) = app.user("editor", None).await;
    let search = |query: String| {
        let request = app.request_as(&editor, Method::GET, &format!("/api/v1/search?{query}"));
        async move { expect_json(send(request).await, 200).await }
    };
    let preview = search(format!("{}&preview=true", q("confidentiel"))).await;
    assert_eq!(titles(&preview), ["Brouillon confidentiel"]);
    assert_eq!(preview["data"][0]["id"], draft["id"]);
    assert_eq!(preview["data"][0]["object"]["state"], "draft");
    let preview = search(q("retouchee")).await;
    assert_eq!(titles(&preview), ["Version retouchée"]);
    // An edit that leaves the text as it was leaves the document as it
    // was; an edit of the subtitle is found at once.
    expect_json(
        app.patch(&path, &json!({"slug": "version-renommee"})).await,
        200,
    )
    .await;
    let preview = search(q("retouchee")).await;
    assert_eq!(titles(&preview), ["Version retouchée"]);
    expect_json(
        app.patch(&path, &json!({"subtitle": "Un chapeau inédit"}))
            .await,
        200,
    )
    .await;
    let preview = search(q("inedit")).await;
    assert_eq!(titles(&preview), ["Version retouchée"]);
    assert_eq!(preview["data"][0]["object"]["slug"], "version-renommee");
    let live_view = search(format!("{}&preview=false", q("version"))).await;
    assert_eq!(titles(&live_view), ["Version publique"]);

    // Publishing the edit moves what the public finds.
    let transitions = format!("{path}/transitions");
    expect_json(
        app.post(&transitions, &json!({"action": "publish"})).await,
        200,
    )
    .await;
    let public = public_search(&app, &q("retouchee")).await;
    assert_eq!(titles(&public), ["Version retouchée"]);
    // Unpublishing and deleting take it away again.
    expect_json(
        app.post(&transitions, &json!({"action": "unpublish"}))
            .await,
        200,
    )
    .await;
    assert_eq!(
        public_search(&app, &q("retouchee")).await["meta"]["total"],
        0
    );
    assert_eq!(app.delete(&path).await.status(), 204);
    assert_eq!(search(q("retouchee")).await["meta"]["total"], 0);
    // The admins' list of deleted articles still finds it by `q`.
    let deleted = expect_json(
        app.get(&format!("/api/v1/articles?deleted=true&{}", q("retouchee")))
            .await,
        200,
    )
    .await;
    assert_eq!(deleted["data"][0]["id"], live["id"]);
}

#[tokio::test]
async fn facets_filters_and_pages_describe_every_match() {
    let app = TestApp::spawn().await;
    let zoe = app.create_author("Zoë").await;
    let max = app.create_author("Max").await;
    let sport = app.create_tag("Sport").await;
    let ville = app.create_tag("Ville").await;
    for n in 0..7 {
        let (locale, author, tags) = match n % 3 {
            0 => ("fr", &zoe, json!([id_of(&sport), id_of(&ville)])),
            1 => ("fr", &max, json!([id_of(&ville)])),
            _ => ("en", &zoe, json!([])),
        };
        published(
            &app,
            json!({"title": format!("Marathon numéro {n}"), "locale": locale,
                   "author_ids": [id_of(author)], "tag_ids": tags}),
        )
        .await;
    }
    let response = send(app.anonymous(
        Method::GET,
        &format!("/api/v1/search?{}&per_page=3&page=2", q("marathon")),
    ))
    .await;
    let link = header(&response, "link").unwrap();
    assert_eq!(header(&response, "x-total-count").as_deref(), Some("7"));
    let answer = expect_json(response, 200).await;
    assert_eq!(answer["data"].as_array().unwrap().len(), 3);
    assert_eq!(answer["meta"]["page"], 2);
    assert_eq!(answer["meta"]["per_page"], 3);
    assert!(
        link.contains("rel=\"next\"") && link.contains("rel=\"prev\""),
        "{link}"
    );
    assert!(link.contains("page=3"), "{link}");
    let facets = &answer["meta"]["facets"];
    assert_eq!(
        facets["locales"],
        json!([{"locale": "fr", "count": 5}, {"locale": "en", "count": 2}])
    );
    assert_eq!(facets["tags"][0]["slug"], "ville");
    assert_eq!(facets["tags"][0]["count"], 5);
    assert_eq!(facets["tags"][1]["slug"], "sport");
    assert_eq!(facets["tags"][1]["count"], 3);
    assert_eq!(facets["authors"][0]["name"], "Zoë");
    assert_eq!(facets["authors"][0]["count"], 5);
    assert_eq!(facets["authors"][1]["count"], 2);
    assert_eq!(facets["exact"], true);

    // The public's searches are answered from the shared cache: again, the
    // same answer costs only the read of the content generation, and a
    // client holding its ETag gets a 304.
    let path = format!("/api/v1/search?{}", q("marathon"));
    let first = send(app.anonymous(Method::GET, &path)).await;
    let etag = header(&first, "etag").unwrap();
    assert!(header(&first, "cache-control").unwrap().contains("public"));
    let before = app.statements();
    let again = send(app.anonymous(Method::GET, &path)).await;
    assert_eq!(header(&again, "etag").as_deref(), Some(etag.as_str()));
    assert!(app.statements() - before <= 1, "served from the cache");
    let unchanged = send(
        app.anonymous(Method::GET, &path)
            .header("if-none-match", &etag),
    )
    .await;
    assert_eq!(unchanged.status(), 304);

    let by_tag = public_search(&app, &format!("{}&tag=sport", q("marathon"))).await;
    assert_eq!(by_tag["meta"]["total"], 3);
    let by_author = public_search(&app, &format!("{}&author={}", q("marathon"), id_of(&max))).await;
    assert_eq!(by_author["meta"]["total"], 2);
    let by_locale = public_search(&app, &format!("{}&locale=en", q("marathon"))).await;
    assert_eq!(by_locale["meta"]["total"], 2);
    let all_pages: usize = {
        let mut seen = Vec::new();
        for page in 1..=3 {
            let answer =
                public_search(&app, &format!("{}&per_page=3&page={page}", q("marathon"))).await;
            seen.extend(titles(&answer));
        }
        seen.sort();
        seen.dedup();
        seen.len()
    };
    assert_eq!(all_pages, 7, "pages neither skip nor repeat a match");
}

#[tokio::test]
async fn facets_of_many_matches_are_estimated_from_an_even_sample() {
    let app = TestApp::spawn().await;
    let zoe = app.create_author("Zoë").await;
    let route = app.create_tag("Route").await;
    let piste = app.create_tag("Piste").await;
    let articles = 1_100;
    for n in 0..articles {
        let tags = if n % 4 == 0 {
            json!([id_of(&route), id_of(&piste)])
        } else {
            json!([id_of(&route)])
        };
        let locale = if n % 5 == 0 { "en" } else { "fr" };
        published(
            &app,
            json!({"title": format!("Course numéro {n}"), "locale": locale,
                   "author_ids": [id_of(&zoe)], "tag_ids": tags}),
        )
        .await;
    }
    let answer = public_search(&app, &format!("{}&type=articles", q("course"))).await;
    // The total and the locales are counted exactly.
    assert_eq!(answer["meta"]["total"], articles);
    let facets = &answer["meta"]["facets"];
    assert_eq!(
        facets["locales"],
        json!([{"locale": "fr", "count": 880}, {"locale": "en", "count": 220}])
    );
    let count_of = |slug: &str| -> u64 {
        facets["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|tag| tag["slug"] == slug)
            .map_or(0, |tag| tag["count"].as_u64().unwrap())
    };
    // More than 1,000 match: tags and authors are estimated from a sample.
    assert_eq!(facets["exact"], false, "{facets}");
    assert_eq!(count_of("route"), 1_100, "every article has it");
    assert_eq!(facets["authors"][0]["count"], 1_100);
    let piste = count_of("piste");
    assert!((220..=330).contains(&piste), "275 within 20 %: {piste}");
    assert_eq!(facets["tags"][0]["slug"], "route");
}

#[tokio::test]
async fn bad_queries_are_problems_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("", "q"),
        ("q=-seul", "q"),
        ("q=%22%22", "q"),
        ("q=a&type=pages", "type"),
        ("q=a&per_page=0", "per_page"),
        ("q=a&per_page=101", "per_page"),
        ("q=a&locale=%20", "locale"),
        ("q=a&fields=id", "fields"),
        ("q=a&sort=title", "sort"),
    ] {
        let response = send(app.anonymous(Method::GET, &format!("/api/v1/search?{query}"))).await;
        let problem = expect_problem(response, 400).await;
        let text = problem.to_string();
        assert!(text.contains(field), "{query}: {problem}");
    }
    let long = "a".repeat(257);
    let response = send(app.anonymous(Method::GET, &format!("/api/v1/search?q={long}"))).await;
    expect_problem(response, 400).await;
    // Engine syntax typed by a reader is only text.
    let answer = public_search(&app, &q("NEAR(a b) OR \" * ' : ^ { } & | ! <->")).await;
    assert_eq!(answer["meta"]["total"], 0);
}

#[tokio::test]
async fn list_q_authors_and_tags_go_through_the_index_and_renames_follow() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Amélie Poulain").await;
    let tag = app.create_tag("Économie").await;
    let article = published(
        &app,
        json!({"title": "L'été des marchés", "author_ids": [id_of(&author)], "tag_ids": [id_of(&tag)]}),
    )
    .await;
    let listed = expect_json(
        app.get(&format!("/api/v1/articles?{}", q("ete"))).await,
        200,
    )
    .await;
    assert_eq!(listed["data"][0]["id"], article["id"]);
    let listed = expect_json(
        app.get(&format!("/api/v1/articles?{}", q("marches -ete")))
            .await,
        200,
    )
    .await;
    assert_eq!(listed["meta"]["total"], 0);
    // json-server's `q` (admin UIs) is the same search.
    let response = send(app.request(
        Method::GET,
        &format!("/api/v1/articles?_start=0&_end=10&{}", q("econ*")),
    ))
    .await;
    assert_eq!(header(&response, "x-total-count").as_deref(), Some("1"));
    let authors = expect_json(
        app.get(&format!("/api/v1/authors?{}", q("amelie"))).await,
        200,
    )
    .await;
    assert_eq!(authors["data"][0]["id"], author["id"]);
    let tags = expect_json(
        app.get(&format!("/api/v1/tags?{}", q("economie"))).await,
        200,
    )
    .await;
    assert_eq!(tags["data"][0]["id"], tag["id"]);

    // A renamed tag or author is found under its new name in articles.
    let tag_path = format!("/api/v1/tags/{}", id_of(&tag));
    expect_json(
        app.patch(&tag_path, &json!({"name": "Finances"})).await,
        200,
    )
    .await;
    let author_path = format!("/api/v1/authors/{}", id_of(&author));
    expect_json(
        app.patch(&author_path, &json!({"name": "Amélie Dupont"}))
            .await,
        200,
    )
    .await;
    let found = public_search(&app, &format!("{}&type=articles", q("finances dupont"))).await;
    assert_eq!(titles(&found), ["L'été des marchés"]);
    let gone = public_search(&app, &format!("{}&type=articles", q("poulain"))).await;
    assert_eq!(gone["meta"]["total"], 0);
    // A deleted tag is no longer found.
    let unused = app.create_tag("Éphémère").await;
    assert_eq!(
        public_search(&app, &q("ephemere")).await["meta"]["total"],
        1
    );
    assert_eq!(
        app.delete(&format!("/api/v1/tags/{}", id_of(&unused)))
            .await
            .status(),
        204
    );
    assert_eq!(
        public_search(&app, &q("ephemere")).await["meta"]["total"],
        0
    );
}

#[tokio::test]
async fn graphql_search_answers_as_rest_does() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Zoë").await;
    for n in 0..3 {
        published(
            &app,
            json!({"title": format!("Élection {n}"), "body": "Le scrutin.", "author_ids": [id_of(&author)]}),
        )
        .await;
    }
    let query = r#"query($q: String!, $after: String) {
        search(q: $q, types: [ARTICLE], first: 2, after: $after) {
            totalCount
            facets { authors { name count } locales { locale count } }
            pageInfo { hasNextPage endCursor }
            edges { node { type id score highlights { field fragments }
                object { ... on Article { title authors { name } } } } }
        }
    }"#;
    let answer = data(app.gql_anonymous(query, json!({"q": "election"})).await);
    let search = &answer["search"];
    assert_eq!(search["totalCount"], 3);
    assert_eq!(
        search["facets"]["authors"],
        json!([{"name": "Zoë", "count": 3}])
    );
    assert_eq!(search["pageInfo"]["hasNextPage"], true);
    let first = &search["edges"][0]["node"];
    assert_eq!(first["type"], "ARTICLE");
    assert_eq!(first["highlights"][0]["field"], "title");
    assert!(
        first["highlights"][0]["fragments"][0]
            .as_str()
            .unwrap()
            .starts_with("<mark>Élection</mark>")
    );
    assert_eq!(first["object"]["authors"][0]["name"], "Zoë");
    let rest = public_search(&app, &format!("{}&type=articles", q("election"))).await;
    assert_eq!(first["id"], rest["data"][0]["id"]);
    let after = search["pageInfo"]["endCursor"].clone();
    let next = data(
        app.gql_anonymous(query, json!({"q": "election", "after": after}))
            .await,
    );
    let edges = next["search"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["id"], rest["data"][2]["id"]);
    assert_eq!(next["search"]["pageInfo"]["hasNextPage"], false);
    // A bad query is a validation error naming `q`.
    let refused = app.gql_anonymous(query, json!({"q": "-seul"})).await;
    assert_eq!(crate::helpers::error_code(&refused), "VALIDATION");
}

/// Empties the search index behind the server's back and marks it as made
/// by another version, as after an upgrade or a lost index.
async fn lose_the_index(database: &TestDatabase) {
    let url = database
        .url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/masthead.db", database.dir.path().display()));
    let sqlite = url.starts_with("sqlite:");
    let conn = sea_orm::Database::connect(url).await.unwrap();
    if sqlite {
        // FTS5 keeps its own copy of the words.
        conn.execute_unprepared("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
            .await
            .unwrap();
    }
    conn.execute_unprepared("DELETE FROM search_documents")
        .await
        .unwrap();
    conn.execute_unprepared("UPDATE search_meta SET version = 0")
        .await
        .unwrap();
    conn.close().await.unwrap();
}

#[tokio::test]
async fn reindex_and_an_upgraded_start_make_the_index_again() {
    let database = TestDatabase::create().await;
    let env = serve_env(&database, &[]);
    let (server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let author = api.post("/authors", json!({"name": "Éloïse"})).await;
    for n in 0..3 {
        api.post(
            "/articles",
            json!({"title": format!("Fête numéro {n}"), "author_ids": [author["id"]], "state": "published"}),
        )
        .await;
    }
    let found =
        |base: String| async move { search_at(&base, "fete").await["meta"]["total"].clone() };
    assert_eq!(found(base.clone()).await, 3);

    // `masthead reindex`, while the server runs.
    lose_the_index(&database).await;
    // A search of a cached query would not show it; this one is new.
    let missing = search_at(&base, "eloise").await;
    assert_eq!(missing["meta"]["total"], 0);
    let output = std::process::Command::new(BINARY)
        .arg("reindex")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("CI", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Two copies of three articles, and the author.
    assert!(stdout.contains("indexed 7 documents"), "{stdout}");
    // (Answers the shared cache kept from before stay until content changes.)
    let again = search_at(&base, "ELOISE").await;
    assert_eq!(
        again["meta"]["total"], 4,
        "the author and her three articles"
    );

    // A server that finds an index of another version makes it before serving.
    drop(server);
    lose_the_index(&database).await;
    let (_server, base) = Process::serve(&database, &env);
    assert_eq!(found(base).await, 3);
}

/// PostgreSQL: documents indexed before titles had their own words
/// (migrations 17 and 18) get them when the server is upgraded, so a title
/// match among them still ranks in the title class.
#[tokio::test]
async fn an_upgrade_gives_documents_indexed_before_it_their_title_words() {
    let database = TestDatabase::create().await;
    if !database.is_postgres() {
        // SQLite has always ranked titles in their own index, `search_titles`.
        return;
    }
    let env = serve_env(&database, &[]);
    let (server, base) = Process::serve(&database, &env);
    let api = Api::sign_in(base.clone()).await;
    let author = api.post("/authors", json!({"name": "Inès"})).await;
    api.post(
        "/articles",
        json!({"title": "La fête du village", "author_ids": [author["id"]], "state": "published"}),
    )
    .await;
    drop(server);
    // Back to the index as migration 16 left it.
    let conn = sea_orm::Database::connect(database.url.clone().unwrap())
        .await
        .unwrap();
    for statement in [
        "ALTER TABLE search_documents DROP COLUMN title_vector",
        "ALTER TABLE search_documents RESET (toast_tuple_target)",
        "DELETE FROM seaql_migrations WHERE version IN \
         ('m20261211_000017_search_titles', 'm20261212_000018_search_title_inline')",
    ] {
        conn.execute_unprepared(statement).await.unwrap();
    }
    conn.close().await.unwrap();
    let (_server, base) = Process::serve(&database, &env);
    let answer = search_at(&base, "fete%20village").await;
    assert_eq!(answer["meta"]["total"], 1, "{answer}");
    let score = answer["data"][0]["score"].as_f64().unwrap();
    assert!(score >= 8.0, "a title match, scored as one: {answer}");
}

#[tokio::test]
async fn a_body_of_a_mebibyte_of_distinct_words_is_stored_and_found() {
    let app = TestApp::spawn().await;
    let author = app.create_author("Ada").await;
    let mut body = String::new();
    let mut n = 0u64;
    while body.len() < 1024 * 1024 - 16 {
        body.push_str(&format!("mot{n:x}q "));
        n += 1;
    }
    let body = body.trim_end().to_owned();
    let article = published(
        &app,
        json!({"title": "Un très long texte", "body": body, "author_ids": [id_of(&author)]}),
    )
    .await;
    let stored = expect_json(
        app.get(&format!("/api/v1/articles/{}", id_of(&article)))
            .await,
        200,
    )
    .await;
    assert_eq!(stored["body"].as_str().unwrap().len(), body.len());
    let answer = public_search(&app, &q("mot0q")).await;
    assert_eq!(answer["meta"]["total"], 1);
    assert!(
        answer["data"][0]["highlights"]["body"][0]
            .as_str()
            .unwrap()
            .contains("<mark>mot0q</mark>")
    );
}
